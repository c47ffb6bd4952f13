use std::collections::BTreeMap;

use jiff::Timestamp;

/// Minutes since the epoch of a time (floored, so times before 1970 land in the right minute).
#[must_use]
pub fn minute_of(timestamp: Timestamp) -> i64 {
    timestamp.as_second().div_euclid(60)
}

/// A minute written as `YYYY-MM-DDTHH:MM:00Z`.
#[must_use]
pub fn minute_text(minute: i64) -> String {
    Timestamp::from_second(minute * 60)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:00Z").to_string())
        .unwrap_or_default()
}

/// The error timeline: events of severity ERROR and above per UTC minute.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timeline {
    /// Errors per minute, only minutes with errors.
    pub errors_per_minute: BTreeMap<i64, u64>,
    /// The minute of the last event of the window (any severity), for "rate now".
    pub window_last_minute: Option<i64>,
}

impl Timeline {
    /// The first minute with an error.
    #[must_use]
    pub fn first_error_minute(&self) -> Option<i64> {
        self.errors_per_minute.keys().next().copied()
    }

    /// The earliest minute with the highest error count, and that count.
    #[must_use]
    pub fn peak(&self) -> Option<(i64, u64)> {
        let mut best: Option<(i64, u64)> = None;
        for (&minute, &count) in &self.errors_per_minute {
            if best.is_none_or(|(_, top)| count > top) {
                best = Some((minute, count));
            }
        }
        best
    }

    /// Errors in the last minute of the window (0 when that minute had none).
    #[must_use]
    pub fn last_minute_errors(&self) -> u64 {
        self.window_last_minute
            .and_then(|minute| self.errors_per_minute.get(&minute).copied())
            .unwrap_or(0)
    }

    /// Total errors with a time.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.errors_per_minute.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_is_the_earliest_minute_with_the_highest_count() {
        let timeline = Timeline {
            errors_per_minute: BTreeMap::from([(10, 3), (11, 7), (12, 7), (13, 1)]),
            window_last_minute: Some(13),
        };
        assert_eq!(timeline.first_error_minute(), Some(10));
        assert_eq!(timeline.peak(), Some((11, 7)));
        assert_eq!(timeline.last_minute_errors(), 1);
        assert_eq!(timeline.total(), 18);
    }

    #[test]
    fn minutes_are_written_in_utc() {
        let t: Timestamp = "2025-05-28T17:02:31.359348569Z".parse().unwrap();
        assert_eq!(minute_text(minute_of(t)), "2025-05-28T17:02:00Z");
        let before_epoch: Timestamp = "1969-12-31T23:59:30Z".parse().unwrap();
        assert_eq!(minute_of(before_epoch), -1);
    }
}
