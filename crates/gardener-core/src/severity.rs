//! The Cloud Logging severity ladder and the mapping of foreign level spellings onto it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A severity on the Cloud Logging ladder (`google.logging.type.LogSeverity`).
///
/// Ordered from `Default` (no level) to `Emergency`; comparisons follow the ladder, so
/// `severity >= Severity::Error` selects errors and worse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// No severity given.
    Default,
    /// Debug or trace information.
    Debug,
    /// Routine information.
    Info,
    /// Normal but significant events: start-up, shut-down, configuration changes.
    Notice,
    /// Events that might cause problems.
    Warning,
    /// Events likely to cause problems.
    Error,
    /// Events that cause more severe problems or outages.
    Critical,
    /// A person must take action immediately.
    Alert,
    /// One or more systems are unusable.
    Emergency,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Self; 9] = [
        Self::Default,
        Self::Debug,
        Self::Info,
        Self::Notice,
        Self::Warning,
        Self::Error,
        Self::Critical,
        Self::Alert,
        Self::Emergency,
    ];

    /// The upper-case name used by Cloud Logging (`WARNING`, `ERROR`, ...).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Default => "DEFAULT",
            Self::Debug => "DEBUG",
            Self::Info => "INFO",
            Self::Notice => "NOTICE",
            Self::Warning => "WARNING",
            Self::Error => "ERROR",
            Self::Critical => "CRITICAL",
            Self::Alert => "ALERT",
            Self::Emergency => "EMERGENCY",
        }
    }

    /// True for `ERROR` and above: what the error timeline counts.
    #[must_use]
    pub fn is_error(self) -> bool {
        self >= Self::Error
    }

    /// Maps a level word from any common logger onto the ladder, case-insensitively.
    ///
    /// Covers the Cloud Logging names, syslog names and their abbreviations
    /// (`informational`, `warn`, `err`, `crit`, `emerg`), Java's `FINE`/`FINER`/`FINEST`/`SEVERE`,
    /// `trace`, `fatal`/`panic`, one-letter forms (`D`, `I`, `W`, `E`, `F`), and numeric levels:
    /// pino/bunyan (10–60), the Cloud Logging numbers (0–800) and syslog priorities (0–7) are
    /// told apart by range. Returns `None` for a word it does not know.
    #[must_use]
    pub fn parse(word: &str) -> Option<Self> {
        let word = word.trim();
        if word.is_empty() {
            return None;
        }
        if let Ok(number) = word.parse::<i64>() {
            return Self::from_number(number);
        }
        let mut buf = [0u8; 16];
        if word.len() > buf.len() {
            return None;
        }
        let lower = &mut buf[..word.len()];
        lower.copy_from_slice(word.as_bytes());
        lower.make_ascii_lowercase();
        Some(match &*lower {
            b"default" | b"none" | b"unset" => Self::Default,
            b"trace" | b"debug" | b"dbg" | b"d" | b"t" | b"fine" | b"finer" | b"finest"
            | b"verbose" | b"v" | b"all" => Self::Debug,
            b"info" | b"information" | b"informational" | b"i" | b"inf" | b"config" | b"log" => {
                Self::Info
            }
            b"notice" | b"n" => Self::Notice,
            b"warning" | b"warn" | b"w" | b"wrn" => Self::Warning,
            b"error" | b"err" | b"e" | b"erro" | b"severe" => Self::Error,
            b"critical" | b"crit" | b"c" | b"fatal" | b"f" | b"panic" | b"dpanic" => Self::Critical,
            b"alert" | b"a" => Self::Alert,
            b"emergency" | b"emerg" => Self::Emergency,
            _ => return None,
        })
    }

    /// Maps a numeric level. 0–7 are syslog priorities (0 emergency … 7 debug); 10–60 are
    /// pino/bunyan levels (10 trace … 60 fatal); multiples of 100 up to 800 are the Cloud
    /// Logging numbers. Anything else is `None`.
    #[must_use]
    pub fn from_number(number: i64) -> Option<Self> {
        Some(match number {
            0 => Self::Emergency,
            1 => Self::Alert,
            2 => Self::Critical,
            3 => Self::Error,
            4 => Self::Warning,
            5 => Self::Notice,
            6 => Self::Info,
            7 => Self::Debug,
            10 | 20 => Self::Debug,
            30 => Self::Info,
            40 => Self::Warning,
            50 => Self::Error,
            60 => Self::Critical,
            100 => Self::Debug,
            200 => Self::Info,
            300 => Self::Notice,
            400 => Self::Warning,
            500 => Self::Error,
            600 => Self::Critical,
            700 => Self::Alert,
            800 => Self::Emergency,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_logging_names_round_trip() {
        for severity in Severity::ALL {
            assert_eq!(Severity::parse(severity.as_str()), Some(severity));
        }
    }

    #[test]
    fn foreign_spellings_map_onto_the_ladder() {
        let cases = [
            ("warn", Severity::Warning),
            ("WARN", Severity::Warning),
            ("fatal", Severity::Critical),
            ("E", Severity::Error),
            ("informational", Severity::Info),
            ("FINEST", Severity::Debug),
            ("SEVERE", Severity::Error),
            ("emerg", Severity::Emergency),
            ("trace", Severity::Debug),
        ];
        for (word, expected) in cases {
            assert_eq!(Severity::parse(word), Some(expected), "{word}");
        }
    }

    #[test]
    fn pino_numbers_map_onto_the_ladder() {
        assert_eq!(Severity::parse("10"), Some(Severity::Debug));
        assert_eq!(Severity::parse("30"), Some(Severity::Info));
        assert_eq!(Severity::parse("40"), Some(Severity::Warning));
        assert_eq!(Severity::parse("50"), Some(Severity::Error));
        assert_eq!(Severity::parse("60"), Some(Severity::Critical));
    }

    #[test]
    fn unknown_words_are_none() {
        assert_eq!(Severity::parse("banana"), None);
        assert_eq!(Severity::parse(""), None);
        assert_eq!(Severity::parse("42"), None);
    }

    #[test]
    fn ladder_is_ordered() {
        assert!(Severity::Warning < Severity::Error);
        assert!(Severity::Critical.is_error());
        assert!(!Severity::Warning.is_error());
    }
}
