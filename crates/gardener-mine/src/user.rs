//! Templates a user writes for messages the miner does not group as they want: a long
//! message whose variable part has a varying number of words, or a family of messages they
//! want counted as one. A message that matches a user template gets exactly that template
//! (and so a stable id from its text) without being mined.

use regex::{Regex, RegexSet};

use crate::WILDCARD;

/// A list of user templates, tried in order; the first that matches wins.
///
/// In a template, `<*>` stands for one or more characters of any kind, spaces included, and a
/// run of whitespace for any run of whitespace; everything else is literal, and the whole
/// message must match.
///
/// ```
/// let templates = gardener_mine::UserTemplates::new(&["payment <*> declined: <*>"]).unwrap();
/// assert_eq!(templates.find("payment 41 declined: card expired"), Some(0));
/// assert_eq!(templates.find("payment 41 accepted"), None);
/// ```
#[derive(Clone, Debug, Default)]
pub struct UserTemplates {
    templates: Vec<String>,
    set: Option<RegexSet>,
}

/// A user template that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("template {index} (`{template}`): {reason}")]
pub struct UserTemplateError {
    /// Its 0-based place in the list.
    pub index: usize,
    /// Its text.
    pub template: String,
    /// What is wrong.
    pub reason: String,
}

impl UserTemplates {
    /// Compiles the templates.
    ///
    /// # Errors
    ///
    /// A template that is empty or only `<*>` (it would swallow every message), or one too
    /// large to compile.
    pub fn new<S: AsRef<str>>(templates: &[S]) -> Result<Self, UserTemplateError> {
        let mut folded = Vec::with_capacity(templates.len());
        let mut patterns = Vec::with_capacity(templates.len());
        for (index, template) in templates.iter().enumerate() {
            let text = template
                .as_ref()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let bad = |reason: &str| UserTemplateError {
                index,
                template: text.clone(),
                reason: reason.to_owned(),
            };
            if text.replace(WILDCARD, "").trim().is_empty() {
                return Err(bad(
                    "it has no literal text, so it would match every message",
                ));
            }
            let pattern = to_regex(&text);
            // Compiled alone first, so that an error (a template past the size limit) names it.
            Regex::new(&pattern).map_err(|error| bad(&error.to_string()))?;
            patterns.push(pattern);
            folded.push(text);
        }
        let set = if patterns.is_empty() {
            None
        } else {
            Some(RegexSet::new(&patterns).map_err(|error| UserTemplateError {
                index: 0,
                template: String::new(),
                reason: error.to_string(),
            })?)
        };
        Ok(Self {
            templates: folded,
            set,
        })
    }

    /// No templates.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.templates.is_empty()
    }

    /// The index of the first template that matches `message`.
    #[must_use]
    pub fn find(&self, message: &str) -> Option<usize> {
        self.set.as_ref()?.matches(message).iter().next()
    }

    /// The index of the first template that matches `message` among those `allowed` lets
    /// through (a per-template condition such as a service).
    #[must_use]
    pub fn find_where(&self, message: &str, allowed: impl Fn(usize) -> bool) -> Option<usize> {
        self.set
            .as_ref()?
            .matches(message)
            .iter()
            .find(|&index| allowed(index))
    }

    /// Template `index`, whitespace folded: the text its pattern id is made from.
    #[must_use]
    pub fn template(&self, index: usize) -> &str {
        &self.templates[index]
    }

    /// How many templates there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.templates.len()
    }
}

/// `^literal(.+?)literal...$` with whitespace runs as `\s+`, matching across lines.
fn to_regex(template: &str) -> String {
    let mut out = String::from(r"(?s)\A\s*");
    for (i, word) in template.split(' ').enumerate() {
        if i > 0 {
            out.push_str(r"\s+");
        }
        for (j, literal) in word.split(WILDCARD).enumerate() {
            if j > 0 {
                out.push_str(".+?");
            }
            out.push_str(&regex::escape(literal));
        }
    }
    out.push_str(r"\s*\z");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_take_any_text_and_spaces_fold() {
        let t = UserTemplates::new(&["user <*> logged   in from <*>"]).unwrap();
        assert_eq!(t.template(0), "user <*> logged in from <*>");
        assert_eq!(t.find("user Ada Lovelace logged in from 10.0.0.1"), Some(0));
        assert_eq!(t.find("user ada logged\tin from  host-1 "), Some(0));
        // `<*>` needs at least one character; the whole message must match.
        assert_eq!(t.find("user  logged in from x"), None);
        assert_eq!(t.find("user ada logged in from x and more"), Some(0));
        assert_eq!(t.find("the user ada logged in from x"), None);
    }

    #[test]
    fn literal_text_is_not_a_regex() {
        let t = UserTemplates::new(&["cost (est.) $<*> [ok]"]).unwrap();
        assert_eq!(t.find("cost (est.) $12.50 [ok]"), Some(0));
        assert_eq!(t.find("cost Xest.) $12.50 [ok]"), None);
    }

    #[test]
    fn the_first_match_wins_and_conditions_filter() {
        let t = UserTemplates::new(&["job <*> failed: <*>", "job <*> failed: timeout"]).unwrap();
        assert_eq!(t.find("job 7 failed: timeout"), Some(0));
        assert_eq!(t.find_where("job 7 failed: timeout", |i| i != 0), Some(1));
        assert_eq!(t.find_where("job 7 failed: timeout", |_| false), None);
    }

    #[test]
    fn multi_line_messages_match() {
        let t =
            UserTemplates::new(&["Traceback (most recent call last): <*> KeyError: <*>"]).unwrap();
        let message = "Traceback (most recent call last):\n  File \"a.py\", line 3\nKeyError: 'id'";
        assert_eq!(t.find(message), Some(0));
    }

    #[test]
    fn a_template_without_literal_text_is_refused() {
        let error = UserTemplates::new(&["ok <*>", " <*>  <*> "]).unwrap_err();
        assert_eq!(error.index, 1);
        assert!(UserTemplates::new::<&str>(&[]).unwrap().is_empty());
    }
}
