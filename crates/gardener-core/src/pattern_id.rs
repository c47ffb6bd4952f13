//! Stable pattern identity: a hash of the normalised template text.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The identity of a pattern: the XXH3-64 hash of its normalised template.
///
/// The id depends on nothing but the template text, so the same pattern gets the same id in
/// every run, on every machine, and whatever the order in which lines were seen. It is written
/// as 16 lower-case hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PatternId(u64);

impl PatternId {
    /// The id of a template. Runs of whitespace are folded to one space and the ends trimmed
    /// before hashing, so templates that differ only in spacing share an id.
    #[must_use]
    pub fn of_template(template: &str) -> Self {
        let mut normalised = String::with_capacity(template.len());
        for (i, part) in template.split_whitespace().enumerate() {
            if i > 0 {
                normalised.push(' ');
            }
            normalised.push_str(part);
        }
        Self(xxhash_rust::xxh3::xxh3_64(normalised.as_bytes()))
    }

    /// The raw 64-bit value.
    #[must_use]
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// Builds an id from its raw value (for ids read back from state or reports).
    #[must_use]
    pub const fn from_u64(value: u64) -> Self {
        Self(value)
    }

    /// Parses the 16-hex-digit form written by [`fmt::Display`].
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 16 {
            return None;
        }
        u64::from_str_radix(text, 16).ok().map(Self)
    }
}

impl fmt::Display for PatternId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl Serialize for PatternId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PatternId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("expected 16 hex digits"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_ignores_whitespace_runs() {
        assert_eq!(
            PatternId::of_template("a  <*>\tb "),
            PatternId::of_template("a <*> b")
        );
    }

    #[test]
    fn id_differs_for_different_templates() {
        assert_ne!(
            PatternId::of_template("VM Started"),
            PatternId::of_template("VM Paused")
        );
    }

    #[test]
    fn id_round_trips_through_text() {
        let id = PatternId::of_template("Container called exit(<*>).");
        assert_eq!(PatternId::parse(&id.to_string()), Some(id));
        assert_eq!(id.to_string().len(), 16);
    }

    #[test]
    fn id_is_the_documented_hash() {
        // XXH3-64 of the normalised text; pinned so that an accidental change of algorithm,
        // which would orphan every tracker issue, fails here.
        let expected = xxhash_rust::xxh3::xxh3_64(b"GET /health <*>");
        assert_eq!(
            PatternId::of_template("GET  /health <*>").as_u64(),
            expected
        );
    }
}
