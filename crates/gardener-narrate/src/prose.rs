//! The answer the model must give: prose only, validated.

use serde::{Deserialize, Serialize};

/// Longest summary, in characters.
pub const MAX_SUMMARY: usize = 600;
/// Longest list item, in characters.
pub const MAX_ITEM: usize = 300;
/// Most items per list.
pub const MAX_ITEMS: usize = 6;

/// The prose of one unit: the seed report's four headings plus a one-paragraph summary.
/// The model returns exactly this object; anything else is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitProse {
    /// One paragraph: what is going on in this service.
    pub summary: String,
    /// What is broken, most important first.
    pub key_issues: Vec<String>,
    /// What to do now.
    pub immediate_actions: Vec<String>,
    /// What an engineer should look up that the logs do not show.
    pub additional_context_needed: Vec<String>,
    /// How to keep it from happening again.
    pub prevention_measures: Vec<String>,
}

/// The JSON shape the prompt asks for, shown to the model verbatim.
pub const SHAPE: &str = r#"{"summary": "...", "key_issues": ["..."], "immediate_actions": ["..."], "additional_context_needed": ["..."], "prevention_measures": ["..."]}"#;

impl UnitProse {
    /// Parses and validates an answer: JSON object (a code fence around it is tolerated), no
    /// unknown or missing fields, bounded lengths, no empty strings, at least one key issue
    /// and one action. Line breaks and table pipes inside strings are flattened, so the prose
    /// cannot add headings or tables to the worklog.
    ///
    /// # Errors
    ///
    /// Why the answer was refused, in words the retry prompt can quote.
    pub fn parse(answer: &str) -> Result<Self, String> {
        let trimmed = answer.trim();
        let body = match (trimmed.find('{'), trimmed.rfind('}')) {
            (Some(start), Some(end)) if start < end => &trimmed[start..=end],
            _ => return Err("the answer holds no JSON object".to_owned()),
        };
        let mut prose: Self = serde_json::from_str(body)
            .map_err(|e| format!("the answer is not the object asked for: {e}"))?;
        prose.summary = flatten(&prose.summary);
        for list in [
            &mut prose.key_issues,
            &mut prose.immediate_actions,
            &mut prose.additional_context_needed,
            &mut prose.prevention_measures,
        ] {
            for item in list.iter_mut() {
                *item = flatten(item);
            }
        }
        prose.validate()?;
        Ok(prose)
    }

    fn validate(&self) -> Result<(), String> {
        let chars = |s: &str| s.chars().count();
        if self.summary.is_empty() || chars(&self.summary) > MAX_SUMMARY {
            return Err(format!("`summary` must have 1 to {MAX_SUMMARY} characters"));
        }
        for (name, list, min) in [
            ("key_issues", &self.key_issues, 1),
            ("immediate_actions", &self.immediate_actions, 1),
            (
                "additional_context_needed",
                &self.additional_context_needed,
                0,
            ),
            ("prevention_measures", &self.prevention_measures, 0),
        ] {
            if list.len() < min || list.len() > MAX_ITEMS {
                return Err(format!("`{name}` must have {min} to {MAX_ITEMS} items"));
            }
            if list
                .iter()
                .any(|item| item.is_empty() || chars(item) > MAX_ITEM)
            {
                return Err(format!(
                    "each item of `{name}` must have 1 to {MAX_ITEM} characters"
                ));
            }
        }
        Ok(())
    }

    /// All the prose, for the number check.
    #[must_use]
    pub fn all_text(&self) -> String {
        let mut text = self.summary.clone();
        for item in self
            .key_issues
            .iter()
            .chain(&self.immediate_actions)
            .chain(&self.additional_context_needed)
            .chain(&self.prevention_measures)
        {
            text.push('\n');
            text.push_str(item);
        }
        text
    }
}

fn flatten(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"summary":"Redis is refused.","key_issues":["cache down"],"immediate_actions":["check redis"],"additional_context_needed":[],"prevention_measures":["alert on pool init"]}"#;

    #[test]
    fn accepts_the_shape_inside_a_code_fence() {
        let prose = UnitProse::parse(&format!("```json\n{GOOD}\n```")).unwrap();
        assert_eq!(prose.key_issues, ["cache down"]);
    }

    #[test]
    fn refuses_unknown_fields_missing_fields_and_non_json() {
        let extra = GOOD.replace("\"summary\"", "\"table\":\"| a |\",\"summary\"");
        assert!(
            UnitProse::parse(&extra)
                .unwrap_err()
                .contains("unknown field")
        );
        let missing = r#"{"summary":"x","key_issues":["y"]}"#;
        assert!(
            UnitProse::parse(missing)
                .unwrap_err()
                .contains("missing field")
        );
        assert!(UnitProse::parse("Sure! Here is the summary.").is_err());
        assert!(UnitProse::parse("{\"summary\": 3}").is_err());
    }

    #[test]
    fn refuses_empty_and_overlong_prose() {
        let empty = GOOD.replace("[\"cache down\"]", "[]");
        assert!(UnitProse::parse(&empty).unwrap_err().contains("key_issues"));
        let long = GOOD.replace("Redis is refused.", &"a".repeat(MAX_SUMMARY + 1));
        assert!(UnitProse::parse(&long).unwrap_err().contains("summary"));
    }

    #[test]
    fn line_breaks_and_pipes_cannot_make_headings_or_tables() {
        let sneaky = GOOD.replace("Redis is refused.", "ok\\n## Heading\\n| a | b |");
        let prose = UnitProse::parse(&sneaky).unwrap();
        assert_eq!(prose.summary, "ok ## Heading / a / b /");
    }
}
