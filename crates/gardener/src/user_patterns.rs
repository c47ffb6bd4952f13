//! `[[patterns]]` of `gardener.toml`: templates of the user's own, for messages the miner does
//! not group as they want.
//!
//! ```toml
//! [[patterns]]
//! template = "payment <*> declined: <*>"   # required; `<*>` is any text, spaces included
//! service = "^billing"                     # regex on the service name (optional)
//! ```
//!
//! A message that matches one gets that template, in file order, instead of a mined one; its
//! pattern id is the hash of the template text like any other. The text matched is the one the
//! miner would see: for a stack trace, its signature (see `docs/miner.md`).

use gardener_mine::UserTemplates;
use regex::Regex;
use serde::Deserialize;

/// The user templates of a configuration file, with their conditions.
#[derive(Clone, Debug, Default)]
pub struct UserPatterns {
    templates: UserTemplates,
    services: Vec<Option<Regex>>,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    patterns: Vec<toml::Spanned<Entry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    template: String,
    service: Option<toml::Spanned<String>>,
}

impl UserPatterns {
    /// Reads the `[[patterns]]` of a `gardener.toml` text; other tables are left to their own
    /// readers.
    ///
    /// # Errors
    ///
    /// Invalid TOML, an unknown key, a template without literal text, or a bad service regex,
    /// each with the file and line.
    pub fn from_toml(path: &str, text: &str) -> anyhow::Result<Self> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let file: File = toml::from_str(text).map_err(|error| {
            anyhow::anyhow!(
                "{path}:{}: {}",
                error.span().map_or(1, |span| line_of(span.start)),
                error.message()
            )
        })?;
        let mut templates = Vec::with_capacity(file.patterns.len());
        let mut services = Vec::with_capacity(file.patterns.len());
        let mut lines = Vec::with_capacity(file.patterns.len());
        for entry in file.patterns {
            lines.push(line_of(entry.span().start));
            let entry = entry.into_inner();
            templates.push(entry.template);
            services.push(match entry.service {
                Some(service) => Some(Regex::new(service.get_ref()).map_err(|error| {
                    anyhow::anyhow!(
                        "{path}:{}: bad `service` in pattern: {error}",
                        line_of(service.span().start)
                    )
                })?),
                None => None,
            });
        }
        let templates = UserTemplates::new(&templates).map_err(|error| {
            let line = lines.get(error.index).copied().unwrap_or(1);
            anyhow::anyhow!(
                "{path}:{line}: bad `template` `{}`: {}",
                error.template,
                error.reason
            )
        })?;
        Ok(Self {
            templates,
            services,
        })
    }

    /// No user templates.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.templates.is_empty()
    }

    /// The first user template that matches this message of this service.
    #[must_use]
    pub fn find(&self, message: &str, service: &str) -> Option<&str> {
        let index = self.templates.find_where(message, |index| {
            self.services[index]
                .as_ref()
                .is_none_or(|regex| regex.is_match(service))
        })?;
        Some(self.templates.template(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_read_with_their_conditions_and_other_tables_ignored() {
        let text = r#"
[llm]
model = "m"

[[rules]]
match = "x"

[[patterns]]
template = "payment <*> declined: <*>"
service = "^billing"

[[patterns]]
template = "payment <*> declined: <*>   "
"#;
        let patterns = UserPatterns::from_toml("g.toml", text).unwrap();
        assert_eq!(
            patterns.find("payment 7 declined: expired card", "billing-api"),
            Some("payment <*> declined: <*>")
        );
        // The second entry, without a service condition, folds to the same text.
        assert_eq!(
            patterns.find("payment 7 declined: expired card", "checkout"),
            Some("payment <*> declined: <*>")
        );
        assert_eq!(patterns.find("payment 7 accepted", "billing-api"), None);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let bad_regex = "[[patterns]]\ntemplate = \"a <*>\"\nservice = \"(\"\n";
        let error = UserPatterns::from_toml("g.toml", bad_regex).unwrap_err();
        assert!(
            error.to_string().starts_with("g.toml:3: bad `service`"),
            "{error}"
        );

        let no_literal = "\n\n[[patterns]]\ntemplate = \"<*>\"\n";
        let error = UserPatterns::from_toml("g.toml", no_literal).unwrap_err();
        assert!(
            error.to_string().starts_with("g.toml:3: bad `template`"),
            "{error}"
        );

        let unknown = "[[patterns]]\ntemplate = \"a <*>\"\nregex = \"b\"\n";
        let error = UserPatterns::from_toml("g.toml", unknown).unwrap_err();
        assert!(error.to_string().starts_with("g.toml:3:"), "{error}");
    }
}
