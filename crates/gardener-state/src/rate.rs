//! Rates and the rule that decides when a rate changed significantly.

use gardener_core::PatternId;
use jiff::Timestamp;

use crate::model::{RateBasis, RateChange};

/// A rate must at least double (or at least halve) to count as changed.
pub const MIN_RATIO: f64 = 2.0;

/// The count must be at least this many Poisson standard deviations from the expectation.
pub const MIN_Z: f64 = 3.0;

/// The shortest window a rate is computed over, in seconds: a run whose events all fall in one
/// second must not get a rate of thousands per hour.
const MIN_WINDOW_SECONDS: f64 = 60.0;

/// The length of a run's event-time window in hours (at least one minute), or `None` when the
/// run has no event times.
pub(crate) fn window_hours(start: Option<Timestamp>, end: Option<Timestamp>) -> Option<f64> {
    let (start, end) = (start?, end?);
    let seconds = end.duration_since(start).as_secs_f64();
    Some(seconds.max(MIN_WINDOW_SECONDS) / 3600.0)
}

/// Counts are far below 2^52, so the conversion is exact in practice.
#[allow(clippy::cast_precision_loss)]
fn as_f64(count: u64) -> f64 {
    count as f64
}

/// Compares a pattern's count in the previous run with its count now and returns the change when
/// it is significant by both the ratio and the Poisson rule (see [`RateChange`]).
///
/// `before_hours` and `now_hours` are the runs' window lengths; when either is missing both
/// runs are compared by plain count ([`RateBasis::PerRun`]). A `before` of zero returns `None`:
/// such a pattern is not in the previous run, so it is new or returned, not changed.
pub(crate) fn significant_change(
    id: PatternId,
    before: u64,
    before_hours: Option<f64>,
    now: u64,
    now_hours: Option<f64>,
) -> Option<RateChange> {
    if before == 0 {
        return None;
    }
    let (basis, before_span, now_span) = match (before_hours, now_hours) {
        (Some(b), Some(n)) => (RateBasis::PerHour, b, n),
        _ => (RateBasis::PerRun, 1.0, 1.0),
    };
    let before_rate = as_f64(before) / before_span;
    let now_rate = as_f64(now) / now_span;
    let ratio = now_rate / before_rate;
    let expected = before_rate * now_span;
    let z = (as_f64(now) - expected) / (expected + 1.0).sqrt();
    let big_ratio = ratio >= MIN_RATIO || ratio <= 1.0 / MIN_RATIO;
    (big_ratio && z.abs() >= MIN_Z).then_some(RateChange {
        id,
        basis,
        before_per_hour: before_rate,
        now_per_hour: now_rate,
        ratio,
        z,
        before_count: before,
        now_count: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> PatternId {
        PatternId::of_template("x <*>")
    }

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn window_is_at_least_one_minute() {
        let t = ts("2024-05-01T10:00:00Z");
        assert_eq!(window_hours(Some(t), Some(t)), Some(1.0 / 60.0));
        assert_eq!(
            window_hours(Some(t), Some(ts("2024-05-01T12:00:00Z"))),
            Some(2.0)
        );
        assert_eq!(window_hours(None, Some(t)), None);
    }

    #[test]
    fn same_rate_over_a_longer_window_is_no_change() {
        // 60 in one hour, then 120 in two hours: the rate is the same.
        assert_eq!(
            significant_change(id(), 60, Some(1.0), 120, Some(2.0)),
            None
        );
    }

    #[test]
    fn small_counts_never_look_significant() {
        // 1 → 4 is a ratio of 4, but z = (4 − 1) / sqrt(2) ≈ 2.1 < 3.
        assert_eq!(significant_change(id(), 1, Some(1.0), 4, Some(1.0)), None);
        // 3 → 0 is a drop to nothing, but z = −3 / 2 = −1.5.
        assert_eq!(significant_change(id(), 3, Some(1.0), 0, Some(1.0)), None);
    }

    #[test]
    fn a_tenfold_rise_is_significant_with_its_figures() {
        let change = significant_change(id(), 10, Some(1.0), 100, Some(1.0)).unwrap();
        assert_eq!(change.basis, RateBasis::PerHour);
        assert!((change.ratio - 10.0).abs() < 1e-9);
        // expected 10, so z = 90 / sqrt(11)
        assert!((change.z - 90.0 / 11f64.sqrt()).abs() < 1e-9);
        assert!((change.now_per_hour - 100.0).abs() < 1e-9);
    }

    #[test]
    fn a_large_but_small_ratio_change_is_not_significant() {
        // 1000 → 1500: z ≈ 15.8 but the ratio is only 1.5.
        assert_eq!(significant_change(id(), 1000, None, 1500, None), None);
    }

    #[test]
    fn a_drop_is_significant_with_negative_z() {
        let change = significant_change(id(), 200, Some(2.0), 10, Some(1.0)).unwrap();
        // before 100/h; expected 100 in this one-hour window; 10 observed
        assert!((change.ratio - 0.1).abs() < 1e-9);
        assert!((change.z - (-90.0 / 101f64.sqrt())).abs() < 1e-9);
    }

    #[test]
    fn runs_without_times_compare_counts() {
        let change = significant_change(id(), 20, Some(1.0), 80, None).unwrap();
        assert_eq!(change.basis, RateBasis::PerRun);
        assert!((change.before_per_hour - 20.0).abs() < 1e-9);
        assert!((change.now_per_hour - 80.0).abs() < 1e-9);
    }
}
