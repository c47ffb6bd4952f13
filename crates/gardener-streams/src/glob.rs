//! Case-insensitive `*`/`?` globs for dead-letter stream names.

/// A compiled glob: `*` matches any run of characters, `?` one character, the rest literally,
/// ignoring ASCII case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    pattern: Vec<char>,
    text: String,
}

impl Glob {
    /// Compiles a pattern.
    #[must_use]
    pub fn new(pattern: &str) -> Self {
        Self {
            pattern: pattern.to_ascii_lowercase().chars().collect(),
            text: pattern.to_owned(),
        }
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when `name` matches.
    #[must_use]
    pub fn matches(&self, name: &str) -> bool {
        let name: Vec<char> = name.to_ascii_lowercase().chars().collect();
        // Iterative matcher with one backtrack point for the last `*` (linear for these patterns).
        let (mut p, mut n) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while n < name.len() {
            match self.pattern.get(p) {
                Some('*') => {
                    star = Some((p, n));
                    p += 1;
                }
                Some(&c) if c == '?' || c == name[n] => {
                    p += 1;
                    n += 1;
                }
                _ => match star {
                    Some((sp, sn)) => {
                        p = sp + 1;
                        n = sn + 1;
                        star = Some((sp, sn + 1));
                    }
                    None => return false,
                },
            }
        }
        self.pattern[p..].iter().all(|&c| c == '*')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_dead_letter_spellings_case_insensitively() {
        let dlq = Glob::new("*dead*letter*");
        assert!(dlq.matches("orders:DEAD-LETTER"));
        assert!(dlq.matches("deadletter"));
        assert!(!dlq.matches("orders:letters"));
        assert!(Glob::new("*:failed").matches("jobs:failed"));
        assert!(!Glob::new("*:failed").matches("jobs:failed:2"));
        assert!(Glob::new("a?c").matches("abc"));
        assert!(!Glob::new("a?c").matches("ac"));
        assert!(Glob::new("*").matches(""));
    }
}
