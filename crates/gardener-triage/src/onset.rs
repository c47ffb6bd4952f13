//! Incident onsets: a failure that happens once and is followed at once by a burst of new
//! errors elsewhere.
//!
//! The cascade method needs a failure to repeat (at least three episodes) before it calls it a
//! cause. Many incidents do not repeat: a certificate rotation fails once, a bad config is
//! deployed once, and from that minute on other services fail continuously. What marks such an
//! incident is its *onset*: an error pattern appears, and within a short span several other
//! patterns appear for the first time, in more than one service, which first appearances
//! scattered over the window would rarely do by chance.
//!
//! An onset is reported with its *trigger* (the first pattern of the burst, of severity ERROR
//! or above) and its *followers*; no cascade role is given, since one episode proves no
//! causation. The method:
//!
//! 1. A pattern (WARNING or above) *started* at its first appearance when it was absent before
//!    it far longer than its own rate explains: with `n` events over a window of length `W`,
//!    first seen `t` after the window's start, `exp(-n·t/W)` (the chance that a steady pattern
//!    of that rate stays silent so long) is at most [`OnsetConfig::max_silence`]. A chronic
//!    pattern that logs from the first minutes did not start in the window; neither did a
//!    one-off, which proves nothing either way.
//! 2. A trigger is a pattern of severity ERROR or above first seen at least
//!    [`OnsetConfig::margin_ms`] after the window's start; its followers are the patterns first
//!    seen within [`OnsetConfig::span_ms`] after it.
//! 3. It is an onset when at least [`OnsetConfig::min_started`] followers started there, in at
//!    least [`OnsetConfig::min_services`] services, and so many starts in that span are
//!    unlikely by chance (at most [`OnsetConfig::max_chance`]): a Poisson tail, with the
//!    starts of the whole window spread evenly as the rate.
//! 4. Triggers are tried in order of first appearance; a pattern that follows an onset is not
//!    a trigger of its own.

/// One pattern as the onset analysis sees it.
#[derive(Clone, Debug)]
pub struct Appearance {
    /// First-seen time, milliseconds since the epoch.
    pub first_ms: Option<i64>,
    /// Events in the window.
    pub count: u64,
    /// Highest severity is WARNING or above.
    pub warning_or_worse: bool,
    /// Highest severity is ERROR or above.
    pub error_or_worse: bool,
    /// Services it occurs in (any stable numbering).
    pub services: Vec<u32>,
}

/// Thresholds of the method.
#[derive(Clone, Debug)]
pub struct OnsetConfig {
    /// How soon after the trigger a follower first appears.
    pub span_ms: i64,
    /// Fewest followers that started there.
    pub min_started: usize,
    /// Fewest services among the followers that started there.
    pub min_services: usize,
    /// A trigger first seen this close to the window's start is not one.
    pub margin_ms: i64,
    /// Largest chance of a steady pattern staying silent as long as it did, for it to count
    /// as started at its first appearance.
    pub max_silence: f64,
    /// Largest chance of so many starts in the span if starts were spread evenly.
    pub max_chance: f64,
}

impl Default for OnsetConfig {
    fn default() -> Self {
        Self {
            span_ms: 120_000,
            min_started: 2,
            min_services: 2,
            margin_ms: 240_000,
            max_silence: 0.05,
            max_chance: 0.001,
        }
    }
}

/// A burst of first appearances right after a trigger.
#[derive(Clone, Debug, PartialEq)]
pub struct Onset {
    /// Index of the trigger pattern.
    pub trigger: usize,
    /// Indices of the patterns first seen within the span after it, in order of appearance.
    pub followers: Vec<usize>,
    /// Those of the followers that started there (see the module documentation).
    pub started: Vec<usize>,
    /// The chance of so many starts in the span if starts were spread evenly.
    pub chance: f64,
}

/// Finds the onsets among `patterns` seen over `window` (first and last event, milliseconds).
#[must_use]
pub fn onsets(patterns: &[Appearance], window: (i64, i64), config: &OnsetConfig) -> Vec<Onset> {
    let length = window.1 - window.0;
    let mut order: Vec<(i64, usize)> = patterns
        .iter()
        .enumerate()
        .filter(|(_, p)| p.warning_or_worse)
        .filter_map(|(i, p)| p.first_ms.map(|t| (t, i)))
        .collect();
    order.sort_unstable();
    if order.len() < 2 || length <= 0 {
        return Vec::new();
    }
    #[allow(clippy::cast_precision_loss)]
    let started: Vec<bool> = patterns
        .iter()
        .map(|p| {
            p.first_ms.is_some_and(|first| {
                let silence = (first - window.0) as f64 / length as f64;
                p.warning_or_worse && (-(p.count as f64) * silence).exp() <= config.max_silence
            })
        })
        .collect();
    let starts = started.iter().filter(|s| **s).count();
    // Starts per span, if spread evenly over the window.
    #[allow(clippy::cast_precision_loss)]
    let expected = starts as f64 * config.span_ms as f64 / length as f64;
    let mut claimed = vec![false; patterns.len()];
    let mut found = Vec::new();
    for (k, &(start, trigger)) in order.iter().enumerate() {
        if claimed[trigger]
            || !patterns[trigger].error_or_worse
            || start - window.0 < config.margin_ms
        {
            continue;
        }
        let followers: Vec<usize> = order[k + 1..]
            .iter()
            .take_while(|(t, _)| *t - start <= config.span_ms)
            .map(|&(_, i)| i)
            .filter(|&i| !claimed[i])
            .collect();
        let began: Vec<usize> = followers.iter().copied().filter(|&i| started[i]).collect();
        let mut services: Vec<u32> = began
            .iter()
            .flat_map(|&i| patterns[i].services.iter().copied())
            .collect();
        services.sort_unstable();
        services.dedup();
        if began.len() < config.min_started || services.len() < config.min_services {
            continue;
        }
        let chance = poisson_at_least(began.len(), expected);
        if chance > config.max_chance {
            continue;
        }
        claimed[trigger] = true;
        for &i in &followers {
            claimed[i] = true;
        }
        found.push(Onset {
            trigger,
            followers,
            started: began,
            chance,
        });
    }
    found
}

/// P(X >= k) for X ~ Poisson(mean).
fn poisson_at_least(k: usize, mean: f64) -> f64 {
    let mut term = (-mean).exp();
    let mut below = 0.0;
    for i in 0..k {
        below += term;
        #[allow(clippy::cast_precision_loss)]
        let next = mean / (i + 1) as f64;
        term *= next;
    }
    (1.0 - below).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn appearance(first_min: f64, count: u64, error: bool, service: u32) -> Appearance {
        #[allow(clippy::cast_possible_truncation)]
        let first_ms = (first_min * MIN as f64) as i64;
        Appearance {
            first_ms: Some(first_ms),
            count,
            warning_or_worse: true,
            error_or_worse: error,
            services: vec![service],
        }
    }

    /// A day of patterns: chronic ones logging from the first minutes, rare ones appearing at
    /// scattered times, and one incident at minute 613 (a one-off trigger, two sustained
    /// failures that start with it, one one-off).
    fn day() -> Vec<Appearance> {
        let mut patterns: Vec<Appearance> = (0..40u32)
            .map(|i| appearance(f64::from(i % 6) * 0.4 + 0.2, 500, i % 2 == 0, i % 9))
            .collect();
        patterns.extend((0..30u32).map(|i| appearance(f64::from(i) * 47.3 + 9.0, 2, true, i % 7)));
        patterns.push(appearance(613.0, 1, true, 20)); // 70: the trigger
        patterns.push(appearance(613.4, 90, true, 21));
        patterns.push(appearance(613.7, 1, false, 22));
        patterns.push(appearance(614.2, 16, true, 23));
        patterns
    }

    #[test]
    fn a_one_time_failure_followed_by_starting_failures_is_an_onset() {
        let found = onsets(&day(), (0, 1440 * MIN), &OnsetConfig::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].trigger, 70);
        assert_eq!(found[0].followers, [71, 72, 73]);
        assert_eq!(found[0].started, [71, 73]);
        assert!(found[0].chance < 1e-3, "{}", found[0].chance);
    }

    #[test]
    fn chronic_patterns_logging_from_the_start_and_scattered_rare_ones_are_no_onset() {
        let mut patterns = day();
        patterns.truncate(70);
        assert!(onsets(&patterns, (0, 1440 * MIN), &OnsetConfig::default()).is_empty());
    }

    #[test]
    fn one_offs_after_a_failure_prove_nothing() {
        let mut patterns = day();
        patterns[71].count = 1;
        patterns[73].count = 1;
        assert!(onsets(&patterns, (0, 1440 * MIN), &OnsetConfig::default()).is_empty());
    }

    #[test]
    fn a_warning_does_not_trigger_and_one_service_is_not_enough() {
        let mut patterns = day();
        patterns[70].error_or_worse = false;
        let found = onsets(&patterns, (0, 1440 * MIN), &OnsetConfig::default());
        assert!(found.iter().all(|o| o.trigger != 70), "{found:?}");
        let mut patterns = day();
        patterns[73].services = vec![21];
        assert!(onsets(&patterns, (0, 1440 * MIN), &OnsetConfig::default()).is_empty());
    }

    #[test]
    fn poisson_tail() {
        assert!((poisson_at_least(0, 2.0) - 1.0).abs() < 1e-12);
        assert!((poisson_at_least(1, 2.0) - (1.0 - (-2.0f64).exp())).abs() < 1e-12);
        assert!(poisson_at_least(4, 0.1) < 1e-5);
    }
}
