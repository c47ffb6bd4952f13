//! Categories and recommended actions: a built-in playbook, extended or overridden by the
//! `[[rules]]` of `gardener.toml`.
//!
//! A user rule:
//!
//! ```toml
//! [[rules]]
//! match = "(?i)payment .* declined"   # regex on the template (required)
//! service = "^billing"                # regex on a service name (optional)
//! severity = "ERROR"                  # the pattern's highest severity is at least this (optional)
//! priority = "P1"                     # sets the priority outright (optional)
//! category = "payments"               # (optional)
//! actions = ["Check the PSP status page"]
//! labels = ["team:payments"]
//! ```
//!
//! User rules are tried first, in file order; the first that matches gives what it sets, and
//! the built-in playbook fills in what it leaves out.

use gardener_core::Severity;
use regex::Regex;
use serde::Deserialize;

use crate::Priority;

/// A rule file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlaybookError {
    /// Not valid TOML, or a rule with an unknown or mistyped key.
    #[error("{path}:{line}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line of the problem.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A rule's regex, severity or priority is not valid.
    #[error("{path}:{line}: bad `{field}` in rule: {message}")]
    Rule {
        /// The file.
        path: String,
        /// 1-based line of the bad value.
        line: usize,
        /// The field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// What the playbook says of one pattern.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RuleMatch {
    /// The category, e.g. `database connectivity`.
    pub category: String,
    /// Recommended actions, most useful first.
    pub actions: Vec<String>,
    /// Labels for a tracker issue.
    pub labels: Vec<String>,
    /// A priority set by a user rule.
    pub priority: Option<Priority>,
    /// Where the rule came from: `built-in` or `FILE:LINE`.
    pub source: String,
}

struct Rule {
    template: Regex,
    service: Option<Regex>,
    severity: Option<Severity>,
    priority: Option<Priority>,
    category: Option<String>,
    actions: Vec<String>,
    labels: Vec<String>,
    source: String,
}

/// The playbook: user rules, then built-in ones.
pub struct Playbook {
    user: Vec<Rule>,
    builtin: Vec<Rule>,
}

#[derive(Deserialize)]
struct RuleFile {
    #[serde(default)]
    rules: Vec<toml::Spanned<RuleConfig>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleConfig {
    #[serde(rename = "match")]
    template: toml::Spanned<String>,
    service: Option<toml::Spanned<String>>,
    severity: Option<toml::Spanned<String>>,
    priority: Option<toml::Spanned<String>>,
    category: Option<String>,
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    labels: Vec<String>,
}

/// `(category, template regex, actions, labels)` of the built-in playbook, tried in order.
const BUILTIN: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "missing optional dependency",
        r"(?i)(not (available|installed)\b.{0,60}\binstall\b|optional dependency|install \S+ to enable)",
        &[
            "Decide whether the feature is wanted: add the package to the image, or mark it optional and lower the log level",
            "Pin the dependency set (lock file) so images do not drift",
        ],
        &["dependency"],
    ),
    (
        "missing module/import",
        r"(ModuleNotFoundError|ImportError|No module named|Cannot find module|ClassNotFoundException|NoClassDefFoundError|cannot open shared object|undefined symbol)",
        &[
            "Check that the module is in the built image: requirements or lock file, packaging, COPY paths",
            "Roll back to the last revision that started cleanly while the image is fixed",
            "Add an import smoke test to CI that starts the app from the built image",
        ],
        &["bug", "deploy"],
    ),
    (
        "out of memory",
        r"(?i)(out ?of ?memory|OOMKilled|cannot allocate memory|MemoryError|heap out of memory|memory limit)",
        &[
            "Compare memory use with the container limit; raise the limit or fix the leak",
            "Look for unbounded caches, batches or payloads in the code path named by the sample",
        ],
        &["reliability"],
    ),
    (
        "TLS/certificate",
        r"(?i)(certificate|x509|\btls\b|\bssl\b|handshake|CERTIFICATE_VERIFY_FAILED|mTLS)",
        &[
            "Check the certificate chain and expiry (`openssl s_client -connect host:port`)",
            "Check that rotated secrets reached every consumer and that trust stores are current",
        ],
        &["security", "reliability"],
    ),
    (
        "cache/broker connectivity",
        r"(?i)((redis|memcache|rabbitmq|amqp|kafka|nats|:(6379|11211|5672|9092)\b).*(connect|refused|unavailable|unreachable|reset|timed? ?out)|(connect|refused|unreachable).*(redis|memcache|rabbitmq|amqp|kafka|:(6379|11211|5672|9092)\b))",
        &[
            "Check that the cache or broker is up and reachable from the service (instance status, VPC connector or network path, host and port in the config)",
            "Compare the connection settings the service got (host, port, TLS, password) with the instance's",
            "Decide whether the service can run degraded without it (serve uncached, buffer locally) instead of failing at start-up",
        ],
        &["dependency", "reliability"],
    ),
    (
        "database connectivity",
        r"(?i)(database|postgres|psycopg|mysql|sqlalchemy|cloudsql|\.s\.PGSQL|OperationalError|mongo|connection pool|:(5432|3306|27017)\b)",
        &[
            "Check that the database is up and reachable from the service (instance status, network, Cloud SQL connector or socket path)",
            "Check credentials and connection limits; look for pool exhaustion",
            "Make start-up tolerate a slow database (retry with backoff, readiness gating) rather than crash-loop",
        ],
        &["database", "reliability"],
    ),
    (
        "crash loop/exit code",
        r"(?i)(exit\(\d*\)|exit code|exited with|Container called exit|CrashLoopBackOff|Back-off restarting|SIGSEGV|SIGKILL|panic:|segmentation fault|startup (failure|aborted)|failed to boot|worker .*(boot|exited))",
        &[
            "Find the error logged just before the exit: it is the cause, the exit is the symptom",
            "Roll back to the last healthy revision if the crash started with a deploy",
        ],
        &["reliability"],
    ),
    (
        "timeouts",
        r"(?i)(timeout|timed out|deadline exceeded|DEADLINE_EXCEEDED)",
        &[
            "Find which dependency is slow (traces, its own latency metrics) before raising the timeout",
            "Check that timeouts shrink along the call chain and that retries have budgets",
        ],
        &["performance"],
    ),
    (
        "rate limit/backpressure/retry storm",
        r"(?i)(rate.?limit|too many requests|\b429\b|RESOURCE_EXHAUSTED|throttl|backpressure|quota|retry|retrying)",
        &[
            "Check the caller's retry policy: exponential backoff with jitter and a retry budget",
            "Check quotas and limits of the called service",
        ],
        &["performance"],
    ),
    (
        "auth/token",
        r"(?i)(unauthori[sz]ed|forbidden|\b401\b|\b403\b|invalid token|token expired|expired token|authentication|permission denied|access denied|oauth|jwt)",
        &[
            "Check the credentials and their expiry or rotation, and the permissions of the identity used",
        ],
        &["security"],
    ),
    (
        "queue/dead-letter growth",
        r"(?i)(dead.?letter|\bDLQ\b|queue depth|backlog|consumer lag|pending messages|consumer group)",
        &[
            "Check that consumers are running and keeping up (`gardener streams` for Redis Streams)",
            "Inspect dead-lettered messages for a poison message before replaying",
        ],
        &["queue"],
    ),
    (
        "upstream/HTTP 5xx",
        r"(?i)(\b50[0234]\b|upstream|bad gateway|service unavailable|malformed|connection reset|ECONNRESET|ECONNREFUSED|EAI_AGAIN)",
        &[
            "Find the failing upstream (the instance or service in the samples) and its own errors",
            "Check health checks and that traffic goes only to ready instances",
        ],
        &["reliability"],
    ),
    (
        "code bug",
        r"(TypeError|KeyError|NullPointerException|AttributeError|IndexError|ValueError|nil pointer|index out of range|undefined is not|Cannot read propert|IllegalStateException|IllegalArgumentException|AssertionError|ZeroDivisionError)",
        &[
            "Reproduce with the sample's input; add a test for it",
            "Check what changed in the code path of the stack trace",
        ],
        &["bug"],
    ),
    (
        "configuration hygiene",
        r"(?i)(config|configuration|environment variable|env var|whitespace|sanitized|misconfigur|mismatch|deprecated|invalid value|not set|missing setting)",
        &[
            "Fix the value at its source (deployment config, secret, `.env`), then remove the workaround",
            "Validate configuration at start-up so mistakes fail fast with a clear message",
        ],
        &["config"],
    ),
];

impl Playbook {
    /// The built-in playbook alone.
    ///
    /// # Panics
    ///
    /// Never: the built-in patterns are fixed and tested.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn builtin() -> Self {
        let builtin = BUILTIN
            .iter()
            .map(|(category, pattern, actions, labels)| Rule {
                template: Regex::new(pattern).expect("built-in playbook regex is valid"),
                service: None,
                severity: None,
                priority: None,
                category: Some((*category).to_owned()),
                actions: actions.iter().map(|a| (*a).to_owned()).collect(),
                labels: labels.iter().map(|l| (*l).to_owned()).collect(),
                source: "built-in".to_owned(),
            })
            .collect();
        Self {
            user: Vec::new(),
            builtin,
        }
    }

    /// The built-in playbook with the `[[rules]]` of a `gardener.toml` text before it. Other
    /// top-level tables of the file are left to their own readers.
    ///
    /// # Errors
    ///
    /// Invalid TOML, an unknown key in a rule, or a bad regex, severity or priority, each with
    /// the file and line.
    pub fn with_rules(path: &str, text: &str) -> Result<Self, PlaybookError> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let file: RuleFile = toml::from_str(text).map_err(|error| PlaybookError::Syntax {
            path: path.to_owned(),
            line: error.span().map_or(1, |span| line_of(span.start)),
            message: error.message().to_owned(),
        })?;
        let mut playbook = Self::builtin();
        for rule in file.rules {
            let rule_line = line_of(rule.span().start);
            let rule = rule.into_inner();
            let bad = |field: &'static str, span: std::ops::Range<usize>, message: String| {
                PlaybookError::Rule {
                    path: path.to_owned(),
                    line: line_of(span.start),
                    field,
                    message,
                }
            };
            let template = Regex::new(rule.template.get_ref())
                .map_err(|e| bad("match", rule.template.span(), e.to_string()))?;
            let service = match &rule.service {
                Some(service) => Some(
                    Regex::new(service.get_ref())
                        .map_err(|e| bad("service", service.span(), e.to_string()))?,
                ),
                None => None,
            };
            let severity = match &rule.severity {
                Some(severity) => Some(Severity::parse(severity.get_ref()).ok_or_else(|| {
                    bad(
                        "severity",
                        severity.span(),
                        format!(
                            "`{}` is not a severity (DEBUG … EMERGENCY)",
                            severity.get_ref()
                        ),
                    )
                })?),
                None => None,
            };
            let priority = match &rule.priority {
                Some(priority) => Some(Priority::parse(priority.get_ref()).ok_or_else(|| {
                    bad(
                        "priority",
                        priority.span(),
                        format!("`{}` is not one of P0, P1, P2, P3", priority.get_ref()),
                    )
                })?),
                None => None,
            };
            playbook.user.push(Rule {
                template,
                service,
                severity,
                priority,
                category: rule.category,
                actions: rule.actions,
                labels: rule.labels,
                source: format!("{path}:{rule_line}"),
            });
        }
        Ok(playbook)
    }

    /// What the playbook says of a pattern with this template, services and highest severity.
    #[must_use]
    pub fn classify(&self, template: &str, services: &[String], severity: Severity) -> RuleMatch {
        let matches = |rule: &Rule| {
            rule.template.is_match(template)
                && rule
                    .service
                    .as_ref()
                    .is_none_or(|re| services.iter().any(|s| re.is_match(s)))
                && rule.severity.is_none_or(|min| severity >= min)
        };
        let builtin = self.builtin.iter().find(|rule| matches(rule));
        let fallback = || RuleMatch {
            category: "uncategorised".to_owned(),
            actions: vec![
                "Read the samples and the events just before the first occurrence".to_owned(),
                "Add a rule to gardener.toml so the next run classifies it".to_owned(),
            ],
            labels: Vec::new(),
            priority: None,
            source: "built-in".to_owned(),
        };
        let base = builtin.map_or_else(fallback, |rule| RuleMatch {
            category: rule.category.clone().unwrap_or_default(),
            actions: rule.actions.clone(),
            labels: rule.labels.clone(),
            priority: None,
            source: rule.source.clone(),
        });
        match self.user.iter().find(|rule| matches(rule)) {
            Some(rule) => RuleMatch {
                category: rule.category.clone().unwrap_or(base.category),
                actions: if rule.actions.is_empty() {
                    base.actions
                } else {
                    rule.actions.clone()
                },
                labels: if rule.labels.is_empty() {
                    base.labels
                } else {
                    rule.labels.clone()
                },
                priority: rule.priority,
                source: rule.source.clone(),
            },
            None => base,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(template: &str) -> String {
        Playbook::builtin()
            .classify(template, &[], Severity::Error)
            .category
    }

    #[test]
    fn builtin_categories_of_real_messages() {
        let cases = [
            (
                "Middleware setup failure details: ModuleNotFoundError: No module named 'x.y'",
                "missing module/import",
            ),
            (
                "Sentry SDK not available - install sentry-sdk[fastapi] to enable error tracking",
                "missing optional dependency",
            ),
            ("Container called exit(<*>).", "crash loop/exit code"),
            (
                "redis pool init attempt <*>/<*> failed: Error <*> connecting to <*>:<*> Connection refused.",
                "cache/broker connectivity",
            ),
            (
                "KafkaTimeoutError: Failed to update metadata after <*> secs.",
                "cache/broker connectivity",
            ),
            (
                "startup aborted: cache unavailable after <*> attempts (REDIS_URL=<*>)",
                "crash loop/exit code",
            ),
            (
                "Database initialization timeout after <*>s in staging environment",
                "database connectivity",
            ),
            (
                "SERVICE_ID contained whitespace - sanitized from 'a' to 'b'",
                "configuration hygiene",
            ),
            (
                "upstream connect error: TLS_error: CERTIFICATE_VERIFY_FAILED",
                "TLS/certificate",
            ),
            ("request to <*> timed out after <*>ms", "timeouts"),
            (
                "429 Too Many Requests from <*>",
                "rate limit/backpressure/retry storm",
            ),
            (
                "message <*> moved to dead-letter stream after <*> deliveries",
                "queue/dead-letter growth",
            ),
            (
                "Killed process <*> (python) total-vm:<*>, OOMKilled",
                "out of memory",
            ),
            ("token expired for client <*>", "auth/token"),
            (
                "TypeError: Cannot read properties of undefined (reading '<*>')",
                "code bug",
            ),
            (
                "The request failed because either the HTTP response was malformed",
                "upstream/HTTP 5xx",
            ),
            ("everything is lovely", "uncategorised"),
        ];
        for (template, expected) in cases {
            assert_eq!(category(template), expected, "{template}");
        }
    }

    #[test]
    fn user_rules_come_first_and_builtins_fill_the_gaps() {
        let text = r#"
[llm]
model = "elsewhere"

[[rules]]
match = "(?i)database"
service = "^billing"
priority = "P1"
labels = ["team:billing"]
"#;
        let playbook = Playbook::with_rules("gardener.toml", text).unwrap();
        let hit = playbook.classify(
            "Database connection attempt <*> failed",
            &["billing-api".to_owned()],
            Severity::Error,
        );
        assert_eq!(hit.priority, Some(Priority::P1));
        assert_eq!(hit.labels, ["team:billing"]);
        assert_eq!(hit.category, "database connectivity");
        assert_eq!(hit.source, "gardener.toml:5");
        let miss = playbook.classify(
            "Database connection attempt <*> failed",
            &["api".to_owned()],
            Severity::Error,
        );
        assert_eq!(miss.priority, None);
        assert_eq!(miss.source, "built-in");
    }

    #[test]
    fn a_bad_regex_names_its_line() {
        let text = "[[rules]]\ncategory = \"x\"\nmatch = \"(unclosed\"\n";
        let error = Playbook::with_rules("gardener.toml", text).err().unwrap();
        let message = error.to_string();
        assert!(
            message.starts_with("gardener.toml:3: bad `match` in rule"),
            "{message}"
        );
    }

    #[test]
    fn an_unknown_key_names_its_line() {
        let text = "[[rules]]\nmatch = \"x\"\n\n[[rules]]\nmatch = \"y\"\npriorty = \"P1\"\n";
        let error = Playbook::with_rules("gardener.toml", text).err().unwrap();
        let message = error.to_string();
        assert!(message.starts_with("gardener.toml:"), "{message}");
        assert!(message.contains("priorty"), "{message}");
        match error {
            PlaybookError::Syntax { line, .. } => assert!((4..=6).contains(&line), "{line}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_bad_priority_names_its_line() {
        let text = "[[rules]]\nmatch = \"x\"\npriority = \"urgent\"\n";
        let message = Playbook::with_rules("g.toml", text)
            .err()
            .unwrap()
            .to_string();
        assert_eq!(
            message,
            "g.toml:3: bad `priority` in rule: `urgent` is not one of P0, P1, P2, P3"
        );
    }
}
