//! The Logging query built from the flags, the time window, and the checks made before sending.

use std::fmt;
use std::time::Duration;

use gardener_core::Severity;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::GcpError;

/// The longest filter `entries:list` accepts (characters).
pub const MAX_FILTER_CHARS: usize = 20_000;

/// Which monitored resource the service name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
pub enum ResourceKind {
    /// Cloud Run: `resource.type="cloud_run_revision"`, service in `resource.labels.service_name`.
    Run,
    /// GKE: `resource.type="k8s_container"`, service in `resource.labels.container_name`.
    K8s,
}

impl ResourceKind {
    /// The `resource.type` value.
    #[must_use]
    pub const fn resource_type(self) -> &'static str {
        match self {
            Self::Run => "cloud_run_revision",
            Self::K8s => "k8s_container",
        }
    }

    /// The label that names the service.
    #[must_use]
    pub const fn service_label(self) -> &'static str {
        match self {
            Self::Run => "service_name",
            Self::K8s => "container_name",
        }
    }
}

/// A half-open time window `[from, to)` in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    /// Inclusive start (`timestamp>=`), if any.
    pub from: Option<Timestamp>,
    /// Exclusive end (`timestamp<`), if any.
    pub to: Option<Timestamp>,
}

/// How the window was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WindowSpec {
    /// The last `duration` before "now".
    Since(Duration),
    /// Explicit bounds; a missing `to` means "now".
    Range {
        /// Inclusive start.
        from: Timestamp,
        /// Exclusive end, or now.
        to: Option<Timestamp>,
    },
}

impl WindowSpec {
    /// Resolves the window against `now` (injected so tests do not read the clock). "Now" is
    /// truncated to whole seconds so the filter reads cleanly and can be typed again.
    ///
    /// # Errors
    ///
    /// A window that ends before it starts, or a duration too long to subtract.
    pub fn resolve(&self, now: Timestamp) -> Result<TimeWindow, GcpError> {
        let now = Timestamp::from_second(now.as_second())
            .map_err(|e| GcpError::usage(format!("cannot use the current time: {e}")))?;
        let (from, to) = match self {
            Self::Since(duration) => {
                let signed = jiff::SignedDuration::try_from(*duration)
                    .map_err(|e| GcpError::usage(format!("`--since` is too long: {e}")))?;
                let from = now
                    .checked_sub(signed)
                    .map_err(|e| GcpError::usage(format!("`--since` is too long: {e}")))?;
                (from, now)
            }
            Self::Range { from, to } => (*from, to.unwrap_or(now)),
        };
        if to <= from {
            return Err(GcpError::usage(format!(
                "the window is empty: `{from}` is not before `{to}`"
            )));
        }
        Ok(TimeWindow {
            from: Some(from),
            to: Some(to),
        })
    }
}

/// Parses `--since` values: a number and a unit, `s`, `m`, `h`, `d` or `w` (`90m`, `1h`, `2d`),
/// several of them in a row (`1h30m`).
///
/// # Errors
///
/// Anything else, with the accepted forms in the message.
pub fn parse_duration(text: &str) -> Result<Duration, GcpError> {
    let bad = || {
        GcpError::usage(format!(
            "cannot read the duration `{text}`\nhint: use a number and a unit, s, m, h, d or w, \
             for example `30m`, `1h`, `1h30m`, `2d`"
        ))
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in trimmed.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let n: u64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
    }
    if !digits.is_empty() || total == 0 {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

/// Parses `--from`/`--to`: RFC 3339 with an offset (`2025-05-28T17:00:00Z`,
/// `2025-05-28T19:00:00+02:00`); the filter always carries the UTC form.
///
/// # Errors
///
/// A timestamp without offset or otherwise unreadable.
pub fn parse_timestamp(text: &str) -> Result<Timestamp, GcpError> {
    text.trim().parse::<Timestamp>().map_err(|e| {
        GcpError::usage(format!(
            "cannot read the time `{text}`: {e}\nhint: use RFC 3339 with an offset, for example \
             `2025-05-28T17:00:00Z`"
        ))
    })
}

/// The parts of a query that the flags ask for.
#[derive(Clone, Debug, Default)]
pub struct FilterSpec {
    /// `--resource`: adds `resource.type=...` and picks the service label.
    pub resource: Option<ResourceKind>,
    /// `--service`.
    pub service: Option<String>,
    /// `--min-severity`.
    pub min_severity: Option<Severity>,
    /// `--filter`, ANDed in parentheses.
    pub extra: Option<String>,
}

/// A Logging query string, built from [`FilterSpec`] and a [`TimeWindow`], and validated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter(String);

impl Filter {
    /// Builds the query: each clause on its own, joined with ` AND `, in a fixed order
    /// (resource type, service, time, severity, the user's filter).
    ///
    /// # Errors
    ///
    /// When the user's `--filter` or the whole query fails [`validate`].
    pub fn build(spec: &FilterSpec, window: &TimeWindow) -> Result<Self, GcpError> {
        let mut clauses = Vec::new();
        if let Some(kind) = spec.resource {
            clauses.push(format!("resource.type={}", quote(kind.resource_type())));
        }
        if let Some(service) = &spec.service {
            let label = spec.resource.map_or(
                ResourceKind::Run.service_label(),
                ResourceKind::service_label,
            );
            clauses.push(format!("resource.labels.{label}={}", quote(service)));
        }
        if let Some(from) = window.from {
            clauses.push(format!("timestamp>={}", quote(&from.to_string())));
        }
        if let Some(to) = window.to {
            clauses.push(format!("timestamp<{}", quote(&to.to_string())));
        }
        if let Some(level) = spec.min_severity {
            clauses.push(format!("severity>={}", level.as_str()));
        }
        if let Some(extra) = &spec.extra {
            validate(extra)?;
            clauses.push(format!("({})", extra.trim()));
        }
        let text = clauses.join(" AND ");
        validate(&text)?;
        Ok(Self(text))
    }

    /// A filter given verbatim (from a cursor being resumed), validated.
    ///
    /// # Errors
    ///
    /// See [`validate`].
    pub fn verbatim(text: String) -> Result<Self, GcpError> {
        validate(&text)?;
        Ok(Self(text))
    }

    /// The query text, exactly as sent.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A string literal of the Logging query language.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Catches the obvious mistakes before a request is spent on them: an empty query, an
/// unterminated string, unbalanced parentheses, a dangling `AND`/`OR`/`NOT`, a query longer
/// than the API's limit. It is not a parser of the Logging query language; the API has the
/// last word.
///
/// # Errors
///
/// [`GcpError::Filter`] naming the mistake.
pub fn validate(filter: &str) -> Result<(), GcpError> {
    let fail = |reason: String| GcpError::Filter {
        filter: filter.to_owned(),
        reason,
    };
    let trimmed = filter.trim();
    if trimmed.is_empty() {
        return Err(fail("the filter is empty".to_owned()));
    }
    let chars = filter.chars().count();
    if chars > MAX_FILTER_CHARS {
        return Err(fail(format!(
            "the filter has {chars} characters; Cloud Logging accepts at most {MAX_FILTER_CHARS}"
        )));
    }
    let mut depth: i64 = 0;
    let mut in_string: Option<usize> = None;
    let mut escaped = false;
    for (index, c) in filter.char_indices() {
        if in_string.is_some() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = None;
            }
            continue;
        }
        match c {
            '"' => in_string = Some(index),
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(fail(format!(
                        "`)` at byte {index} closes a parenthesis that was never opened"
                    )));
                }
            }
            _ => {}
        }
    }
    if let Some(start) = in_string {
        return Err(fail(format!(
            "the string opened by `\"` at byte {start} is never closed"
        )));
    }
    if depth > 0 {
        return Err(fail(format!("{depth} `(` never closed")));
    }
    dangling_operator(filter).map_or(Ok(()), |reason| Err(fail(reason)))
}

/// `AND`/`OR`/`NOT` with nothing after it (at the end or before `)`), or `AND`/`OR` with
/// nothing before it (at the start or after `(`).
fn dangling_operator(filter: &str) -> Option<String> {
    // Blank out string contents so words inside quotes are not operators.
    let mut plain = String::with_capacity(filter.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in filter.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
                plain.push(c);
                continue;
            }
            plain.push('x');
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        plain.push(c);
    }
    let spaced = plain.replace('(', " ( ").replace(')', " ) ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    for (index, token) in tokens.iter().enumerate() {
        let before = index.checked_sub(1).map(|i| tokens[i]);
        let after = tokens.get(index + 1).copied();
        let is_operator = matches!(*token, "AND" | "OR" | "NOT");
        if is_operator && matches!(after, None | Some(")")) {
            return Some(match after {
                None => format!("the filter ends with `{token}`"),
                Some(_) => format!("`{token}` is followed by `)`"),
            });
        }
        if matches!(*token, "AND" | "OR") && matches!(before, None | Some("(")) {
            return Some(match before {
                None => format!("the filter starts with `{token}`"),
                Some(_) => format!("`{token}` follows `(`"),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn since_builds_a_closed_utc_window_ending_now() {
        let window = WindowSpec::Since(parse_duration("1h30m").unwrap())
            .resolve(ts("2025-05-28T19:00:00.750Z"))
            .unwrap();
        let spec = FilterSpec {
            resource: Some(ResourceKind::Run),
            service: Some("netra-backend-staging".into()),
            min_severity: Some(Severity::Warning),
            extra: Some(r#"textPayload:"timeout" OR jsonPayload.message:"timeout""#.into()),
        };
        let filter = Filter::build(&spec, &window).unwrap();
        assert_eq!(
            filter.as_str(),
            r#"resource.type="cloud_run_revision" AND resource.labels.service_name="netra-backend-staging" AND timestamp>="2025-05-28T17:30:00Z" AND timestamp<"2025-05-28T19:00:00Z" AND severity>=WARNING AND (textPayload:"timeout" OR jsonPayload.message:"timeout")"#
        );
    }

    #[test]
    fn resource_type_only_when_asked_and_k8s_uses_container_name() {
        let window = TimeWindow {
            from: Some(ts("2025-01-01T00:00:00Z")),
            to: None,
        };
        let plain = FilterSpec {
            service: Some("api".into()),
            ..FilterSpec::default()
        };
        assert_eq!(
            Filter::build(&plain, &window).unwrap().as_str(),
            r#"resource.labels.service_name="api" AND timestamp>="2025-01-01T00:00:00Z""#
        );
        let k8s = FilterSpec {
            resource: Some(ResourceKind::K8s),
            ..plain
        };
        assert_eq!(
            Filter::build(&k8s, &window).unwrap().as_str(),
            r#"resource.type="k8s_container" AND resource.labels.container_name="api" AND timestamp>="2025-01-01T00:00:00Z""#
        );
    }

    #[test]
    fn offsets_in_from_and_to_become_utc() {
        let window = WindowSpec::Range {
            from: parse_timestamp("2025-05-28T19:00:00+02:00").unwrap(),
            to: Some(parse_timestamp("2025-05-28T17:15:00Z").unwrap()),
        }
        .resolve(ts("2030-01-01T00:00:00Z"))
        .unwrap();
        let filter = Filter::build(&FilterSpec::default(), &window).unwrap();
        assert_eq!(
            filter.as_str(),
            r#"timestamp>="2025-05-28T17:00:00Z" AND timestamp<"2025-05-28T17:15:00Z""#
        );
    }

    #[test]
    fn service_names_with_quotes_are_escaped() {
        let spec = FilterSpec {
            service: Some(r#"we"ird\name"#.into()),
            ..FilterSpec::default()
        };
        let filter = Filter::build(
            &spec,
            &TimeWindow {
                from: None,
                to: None,
            },
        )
        .unwrap();
        assert_eq!(
            filter.as_str(),
            r#"resource.labels.service_name="we\"ird\\name""#
        );
    }

    #[test]
    fn empty_and_reversed_windows_are_refused() {
        let now = ts("2025-05-28T17:00:00Z");
        let reversed = WindowSpec::Range {
            from: ts("2025-05-28T18:00:00Z"),
            to: Some(ts("2025-05-28T17:00:00Z")),
        };
        assert!(matches!(reversed.resolve(now), Err(GcpError::Usage { .. })));
        let same = WindowSpec::Range {
            from: now,
            to: None,
        };
        assert!(same.resolve(now).is_err());
    }

    #[test]
    fn durations_need_a_unit_and_a_positive_value() {
        assert_eq!(parse_duration("45s").unwrap(), Duration::from_secs(45));
        assert_eq!(parse_duration("2d").unwrap(), Duration::from_secs(172_800));
        assert_eq!(
            parse_duration("1w1h").unwrap(),
            Duration::from_secs(608_400)
        );
        for bad in [
            "",
            "1",
            "h",
            "0h",
            "1y",
            "-1h",
            "1.5h",
            "99999999999999999999w",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn obvious_filter_mistakes_are_caught_before_sending() {
        let cases = [
            ("", "empty"),
            ("   ", "empty"),
            (r#"severity>=ERROR AND textPayload:"oops"#, "never closed"),
            ("(severity>=ERROR", "never closed"),
            ("severity>=ERROR)", "never opened"),
            ("severity>=ERROR AND", "ends with `AND`"),
            ("OR severity>=ERROR", "starts with `OR`"),
            ("(a=1 AND NOT)", "`NOT` is followed by `)`"),
            ("a=1 AND (OR b=2)", "`OR` follows `(`"),
        ];
        for (filter, expected) in cases {
            match validate(filter) {
                Err(GcpError::Filter { reason, .. }) => {
                    assert!(reason.contains(expected), "{filter:?}: {reason}");
                }
                other => panic!("{filter:?}: {other:?}"),
            }
        }
        let long = "a".repeat(MAX_FILTER_CHARS + 1);
        assert!(validate(&long).is_err());
    }

    #[test]
    fn parentheses_and_escaped_quotes_inside_strings_do_not_count() {
        validate(r#"textPayload:"(unbalanced" AND jsonPayload.msg="say \"hi\")""#).unwrap();
        validate(r#"NOT severity<ERROR AND (a="b" OR c="d")"#).unwrap();
        validate(r#"textPayload:"ends with AND" AND jsonPayload.x="(OR""#).unwrap();
    }

    #[test]
    fn user_filter_is_checked_on_its_own_so_parentheses_cannot_leak() {
        // `a=1) OR (b=2` is balanced once wrapped, but would change the meaning of the query.
        let spec = FilterSpec {
            extra: Some("a=1) OR (b=2".into()),
            ..FilterSpec::default()
        };
        assert!(
            Filter::build(
                &spec,
                &TimeWindow {
                    from: None,
                    to: None
                }
            )
            .is_err()
        );
    }
}
