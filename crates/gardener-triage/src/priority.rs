//! Priorities P0–P3 from a documented score.
//!
//! | Part | Points |
//! |---|---|
//! | Severity (highest of the pattern) | EMERGENCY, ALERT 50 · CRITICAL 40 · ERROR 30 · WARNING 10 · lower 0 |
//! | Rate: peak events per minute `r` | `min(20, 5 · log2(1 + r))` |
//! | Spike: peak minute ≥ 5 events and ≥ 4× the pattern's mean per active minute | 10 |
//! | Novelty: new since the last run | 15 |
//! | Regression: marked resolved, seen again | 25 |
//! | Cascade: root cause | 20 + 2 per pattern that follows from it (at most 10) |
//! | Cascade: symptom | −10 |
//!
//! Score ≥ 70 is P0, ≥ 45 P1, ≥ 25 P2, else P3. A symptom is at most P1: its root cause carries
//! the urgency, so it never stands as a separate P0 beside it. A user rule in `gardener.toml`
//! may set the priority outright.

use gardener_core::Severity;
use serde::Serialize;

use crate::Role;

/// A priority, P0 (act now) to P3 (backlog).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
pub enum Priority {
    /// Act now.
    P0,
    /// Today.
    P1,
    /// This week.
    P2,
    /// Backlog or noise.
    P3,
}

impl Priority {
    /// `P0` … `P3`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::P0 => "P0",
            Self::P1 => "P1",
            Self::P2 => "P2",
            Self::P3 => "P3",
        }
    }

    /// Parses `P0` … `P3` (case-insensitive).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "P0" => Some(Self::P0),
            "P1" => Some(Self::P1),
            "P2" => Some(Self::P2),
            "P3" => Some(Self::P3),
            _ => None,
        }
    }
}

/// What the score is computed from.
#[derive(Clone, Debug)]
pub struct PriorityInput {
    /// Highest severity of the pattern's events.
    pub severity: Severity,
    /// Events in the busiest minute.
    pub peak_per_minute: u64,
    /// Mean events per minute over the minutes in which it occurred.
    pub mean_per_active_minute: f64,
    /// New since the last run.
    pub new: bool,
    /// Marked resolved and seen again.
    pub regressed: bool,
    /// Its cascade role.
    pub role: Role,
    /// Patterns that follow from it, directly or through others.
    pub symptoms: usize,
}

/// A score and its parts, for the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Score {
    /// Total points.
    pub total: f64,
    /// Severity points.
    pub severity: f64,
    /// Rate points.
    pub rate: f64,
    /// Spike points.
    pub spike: f64,
    /// Novelty and regression points.
    pub novelty: f64,
    /// Cascade points (negative for symptoms).
    pub cascade: f64,
    /// The priority.
    pub priority: Priority,
}

impl Default for Score {
    /// No points, P3: what a pattern has before it is scored.
    fn default() -> Self {
        Self {
            total: 0.0,
            severity: 0.0,
            rate: 0.0,
            spike: 0.0,
            novelty: 0.0,
            cascade: 0.0,
            priority: Priority::P3,
        }
    }
}

/// Scores a pattern.
#[must_use]
pub fn score(input: &PriorityInput) -> Score {
    let severity = match input.severity {
        Severity::Emergency | Severity::Alert => 50.0,
        Severity::Critical => 40.0,
        Severity::Error => 30.0,
        Severity::Warning => 10.0,
        _ => 0.0,
    };
    #[allow(clippy::cast_precision_loss)]
    let peak = input.peak_per_minute as f64;
    let rate = (5.0 * (1.0 + peak).log2()).min(20.0);
    let spike = if input.peak_per_minute >= 5 && peak >= 4.0 * input.mean_per_active_minute {
        10.0
    } else {
        0.0
    };
    let novelty = if input.regressed {
        25.0
    } else if input.new {
        15.0
    } else {
        0.0
    };
    #[allow(clippy::cast_precision_loss)]
    let cascade = match input.role {
        Role::RootCause => 20.0 + (2.0 * input.symptoms as f64).min(10.0),
        Role::Symptom => -10.0,
        Role::Independent => 0.0,
    };
    let total = severity + rate + spike + novelty + cascade;
    let mut priority = if total >= 70.0 {
        Priority::P0
    } else if total >= 45.0 {
        Priority::P1
    } else if total >= 25.0 {
        Priority::P2
    } else {
        Priority::P3
    };
    if input.role == Role::Symptom && priority == Priority::P0 {
        priority = Priority::P1;
    }
    Score {
        total,
        severity,
        rate,
        spike,
        novelty,
        cascade,
        priority,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(severity: Severity, peak: u64, role: Role) -> PriorityInput {
        PriorityInput {
            severity,
            peak_per_minute: peak,
            mean_per_active_minute: peak as f64,
            new: false,
            regressed: false,
            role,
            symptoms: 4,
        }
    }

    #[test]
    fn a_root_cause_error_crash_loop_is_p0() {
        let s = score(&input(Severity::Error, 7, Role::RootCause));
        assert_eq!(s.priority, Priority::P0, "{s:?}");
    }

    #[test]
    fn a_symptom_is_never_p0() {
        let mut i = input(Severity::Emergency, 1000, Role::Symptom);
        i.new = true;
        let s = score(&i);
        assert!(s.total >= 70.0);
        assert_eq!(s.priority, Priority::P1);
    }

    #[test]
    fn a_steady_warning_is_p3() {
        assert_eq!(
            score(&input(Severity::Warning, 1, Role::Independent)).priority,
            Priority::P3
        );
    }

    #[test]
    fn a_regression_raises_priority() {
        let plain = score(&input(Severity::Error, 2, Role::Independent));
        let mut i = input(Severity::Error, 2, Role::Independent);
        i.regressed = true;
        let regressed = score(&i);
        assert!(
            regressed.priority < plain.priority,
            "{regressed:?} vs {plain:?}"
        );
    }

    #[test]
    fn parts_add_up_to_the_total() {
        let s = score(&input(Severity::Critical, 12, Role::RootCause));
        assert!((s.severity + s.rate + s.spike + s.novelty + s.cascade - s.total).abs() < 1e-9);
    }
}
