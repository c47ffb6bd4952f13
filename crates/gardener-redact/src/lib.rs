//! Secret redaction.
//!
//! Everything Log Gardener writes that quotes a log record (samples in reports, issue bodies,
//! LLM prompts) goes through a [`Redactor`] first. Built-in rules cover private key blocks,
//! JWTs, bearer tokens, well-known token formats (GitHub, Slack, AWS, Google, Stripe, OpenAI),
//! `password=`/`token:`/`api_key` style key–value pairs in text, JSON and logfmt, cookies,
//! credentials in URLs and email addresses. Users add their own rules as regexes.
//!
//! A redacted value becomes `[REDACTED:<kind>]`, so readers see that something was there and
//! what it was.

#![deny(missing_docs)]

use std::borrow::Cow;

use regex::Regex;

/// A user rule is not a valid regex.
#[derive(Debug, thiserror::Error)]
#[error("bad redaction rule `{pattern}`")]
pub struct RuleError {
    /// The rule as given.
    pub pattern: String,
    /// The regex error.
    #[source]
    pub source: regex::Error,
}

struct Rule {
    kind: &'static str,
    regex: Regex,
    /// Capture group holding the secret; 0 replaces the whole match.
    group: usize,
}

/// Redacts secrets from text. Build once, use for every record.
pub struct Redactor {
    rules: Vec<Rule>,
}

const KEY_WORDS: &str = r"(?:password|passwd|pwd|pass|secret|client_secret|token|access_token|refresh_token|id_token|api[_-]?key|apikey|access[_-]?key(?:[_-]?id)?|secret[_-]?key|private[_-]?key|auth[_-]?token|authorization|x-api-key|credentials?|session[_-]?id|sessionid)";

impl Redactor {
    /// The built-in rules.
    ///
    /// # Panics
    ///
    /// Never: the built-in patterns are fixed and tested.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn new() -> Self {
        let rule = |kind, pattern: &str, group| Rule {
            kind,
            regex: Regex::new(pattern).expect("built-in redaction pattern is valid"),
            group,
        };
        let rules = vec![
            rule(
                "private-key",
                r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\z)",
                0,
            ),
            rule(
                "jwt",
                r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}",
                0,
            ),
            rule(
                "bearer",
                r"(?i)\b(?:bearer|basic)\s+([A-Za-z0-9._~+/=-]{12,})",
                1,
            ),
            rule(
                "github-token",
                r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})",
                0,
            ),
            rule("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}", 0),
            rule("aws-key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", 0),
            rule("google-api-key", r"\bAIza[0-9A-Za-z_-]{35}", 0),
            rule("stripe-key", r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{10,}", 0),
            rule("api-key", r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}", 0),
            rule(
                "url-credentials",
                r"(?i)\b[a-z][a-z0-9+.-]*://[^\s:/@]*:([^\s@/]+)@",
                1,
            ),
            rule(
                "cookie",
                r#"(?i)\b(?:set-)?cookie\b["']?\s*[:=]\s*["']?([^"'\n]+)"#,
                1,
            ),
            rule(
                "secret",
                &format!(r#"(?i)\b{KEY_WORDS}\b["']?\s*[:=]\s*["']?([^\s"'&,;}}\]]+)"#),
                1,
            ),
            rule(
                "email",
                r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b",
                0,
            ),
        ];
        Self { rules }
    }

    /// The built-in rules plus user rules (regexes; a capture group named `secret`, if
    /// present, is what gets replaced, else the whole match).
    ///
    /// # Errors
    ///
    /// A user rule that is not a valid regex.
    pub fn with_user_rules(patterns: &[String]) -> Result<Self, RuleError> {
        let mut redactor = Self::new();
        for pattern in patterns {
            let regex = Regex::new(pattern).map_err(|source| RuleError {
                pattern: pattern.clone(),
                source,
            })?;
            let group = regex
                .capture_names()
                .position(|name| name == Some("secret"))
                .unwrap_or(0);
            redactor.rules.push(Rule {
                kind: "custom",
                regex,
                group,
            });
        }
        Ok(redactor)
    }

    /// The text with every secret replaced by `[REDACTED:<kind>]`.
    #[must_use]
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut current: Cow<'a, str> = Cow::Borrowed(text);
        for rule in &self.rules {
            if !rule.regex.is_match(&current) {
                continue;
            }
            let mut out = String::with_capacity(current.len());
            let mut last = 0;
            for captures in rule.regex.captures_iter(&current) {
                let Some(secret) = captures.get(rule.group) else {
                    continue;
                };
                if secret.as_str().starts_with("[REDACTED") {
                    continue;
                }
                out.push_str(&current[last..secret.start()]);
                out.push_str("[REDACTED:");
                out.push_str(rule.kind);
                out.push(']');
                last = secret.end();
            }
            out.push_str(&current[last..]);
            current = Cow::Owned(out);
        }
        current
    }
}

impl Default for Redactor {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planted_secrets_are_redacted() {
        let redactor = Redactor::new();
        let cases = [
            ("db login failed: password=hunter2 user=app", "hunter2"),
            (
                r#"{"api_key": "AbCdEf0123456789xyz", "msg": "x"}"#,
                "AbCdEf0123456789xyz",
            ),
            (
                "Authorization: Bearer abcdefghijklmnop.qrstuv",
                "abcdefghijklmnop",
            ),
            (
                "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlLXZhbHVl used",
                "eyJhbGciOiJIUzI1NiJ9",
            ),
            (
                "push with ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345 failed",
                "ghp_aBcDeF",
            ),
            ("aws AKIAIOSFODNN7EXAMPLE denied", "AKIAIOSFODNN7EXAMPLE"),
            ("connect postgres://app:s3cr3tPass@db:5432/x", "s3cr3tPass"),
            (
                "REDIS_URL=redis://:s3cr3t-pass@10.12.0.3:6379/0",
                "s3cr3t-pass",
            ),
            ("Cookie: session=abc123def456; theme=dark", "abc123def456"),
            ("user alice@example.com logged in", "alice@example.com"),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
                "MIIEowIBAAKCAQEA",
            ),
            (
                "openai key sk-proj-abcdefghijklmnopqrstuvwx rejected",
                "sk-proj-abcdef",
            ),
            (
                "stripe sk_live_abcdefghij1234 charge",
                "sk_live_abcdefghij1234",
            ),
        ];
        for (text, secret) in cases {
            let out = redactor.redact(text);
            assert!(!out.contains(secret), "{text} -> {out}");
            assert!(out.contains("[REDACTED:"), "{text} -> {out}");
        }
    }

    #[test]
    fn ordinary_text_is_untouched() {
        let redactor = Redactor::new();
        let text =
            "Database connection attempt 2/5 failed: connection refused (token bucket empty)";
        assert_eq!(redactor.redact(text), text);
    }

    #[test]
    fn user_rules_replace_their_secret_group() {
        let redactor =
            Redactor::with_user_rules(&[r"customer=(?P<secret>C\d+)".to_owned()]).unwrap();
        assert_eq!(
            redactor.redact("refund customer=C12345 ok"),
            "refund customer=[REDACTED:custom] ok"
        );
        assert!(Redactor::with_user_rules(&["(".to_owned()]).is_err());
    }
}
