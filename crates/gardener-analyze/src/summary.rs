use std::collections::BTreeMap;

use gardener_core::Severity;
use jiff::Timestamp;

use crate::minute_of;

/// The most samples kept per group.
pub const MAX_SAMPLES: usize = 3;

/// A sample record kept as evidence.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Sample {
    /// Where it was read: `file:line`.
    pub position: String,
    /// Its time, when it has one.
    pub timestamp: Option<Timestamp>,
    /// The record as compact JSON (for JSON inputs) or text, already redacted.
    pub text: String,
    /// Which samples are kept: those with the smallest rank, a hash of the record's own
    /// content. It does not depend on the order of inputs, so merging is exact.
    #[serde(skip)]
    pub rank: u64,
}

/// The key of a group: which pattern, service and severity.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKey<K> {
    /// The pattern (a message key while streaming, a pattern id at the end).
    pub pattern: K,
    /// The service; empty when unknown.
    pub service: String,
    /// The severity.
    pub severity: Severity,
}

/// What is known of one group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    /// Events in the group.
    pub count: u64,
    /// Earliest event time.
    pub first_seen: Option<Timestamp>,
    /// Latest event time.
    pub last_seen: Option<Timestamp>,
    /// Events per UTC minute (minutes since the epoch); events without a time are not here.
    pub minutes: BTreeMap<i64, u64>,
    /// Up to [`MAX_SAMPLES`] samples, those of smallest rank, in rank order.
    pub samples: Vec<Sample>,
}

impl Group {
    fn add(&mut self, timestamp: Option<Timestamp>, rank: u64, sample: impl FnOnce() -> Sample) {
        self.count += 1;
        if let Some(timestamp) = timestamp {
            self.first_seen = Some(self.first_seen.map_or(timestamp, |t| t.min(timestamp)));
            self.last_seen = Some(self.last_seen.map_or(timestamp, |t| t.max(timestamp)));
            *self.minutes.entry(minute_of(timestamp)).or_insert(0) += 1;
        }
        let full = self.samples.len() >= MAX_SAMPLES;
        if full && self.samples.last().is_some_and(|worst| worst.rank <= rank) {
            return;
        }
        let sample = sample();
        insert_sample(&mut self.samples, sample);
    }

    /// Adds another group's events into this one.
    pub fn merge(&mut self, other: Self) {
        self.count += other.count;
        self.first_seen = match (self.first_seen, other.first_seen) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_seen = match (self.last_seen, other.last_seen) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        for (minute, count) in other.minutes {
            *self.minutes.entry(minute).or_insert(0) += count;
        }
        for sample in other.samples {
            insert_sample(&mut self.samples, sample);
        }
    }
}

/// Keeps the samples sorted by (rank, position) and at most [`MAX_SAMPLES`] long; a sample
/// already present (same rank and position) is not added twice.
fn insert_sample(samples: &mut Vec<Sample>, sample: Sample) {
    let key = |s: &Sample| (s.rank, s.position.clone());
    let at = match samples.binary_search_by(|probe| key(probe).cmp(&key(&sample))) {
        Ok(_) => return,
        Err(at) => at,
    };
    if at >= MAX_SAMPLES {
        return;
    }
    samples.insert(at, sample);
    samples.truncate(MAX_SAMPLES);
}

/// Counts per pattern × service × severity. See the crate documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary<K: Ord> {
    groups: BTreeMap<GroupKey<K>, Group>,
}

impl<K: Ord> Default for Summary<K> {
    fn default() -> Self {
        Self {
            groups: BTreeMap::new(),
        }
    }
}

impl<K: Ord + Clone> Summary<K> {
    /// An empty summary.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one event. `rank` decides which samples are kept (see [`Sample::rank`]);
    /// `sample` is called only when the event becomes a sample, so the cost of building one
    /// (re-encoding, redaction) is paid rarely.
    pub fn add(
        &mut self,
        pattern: K,
        service: &str,
        severity: Severity,
        timestamp: Option<Timestamp>,
        rank: u64,
        sample: impl FnOnce() -> Sample,
    ) {
        // Look up without allocating the service string when the group exists.
        let probe = GroupKey {
            pattern,
            service: String::new(),
            severity,
        };
        let mut probe = probe;
        service.clone_into(&mut probe.service);
        self.groups
            .entry(probe)
            .or_default()
            .add(timestamp, rank, sample);
    }

    /// Adds another summary's events into this one.
    pub fn merge(&mut self, other: Self) {
        for (key, group) in other.groups {
            match self.groups.get_mut(&key) {
                Some(existing) => existing.merge(group),
                None => {
                    self.groups.insert(key, group);
                }
            }
        }
    }

    /// Re-keys the summary (for example from message keys to pattern ids), merging groups
    /// whose new keys coincide.
    #[must_use]
    pub fn rekey<K2: Ord + Clone>(self, mut f: impl FnMut(&K) -> K2) -> Summary<K2> {
        let mut out = Summary::new();
        for (key, group) in self.groups {
            let new_key = GroupKey {
                pattern: f(&key.pattern),
                service: key.service,
                severity: key.severity,
            };
            match out.groups.get_mut(&new_key) {
                Some(existing) => existing.merge(group),
                None => {
                    out.groups.insert(new_key, group);
                }
            }
        }
        out
    }

    /// The groups in key order.
    pub fn groups(&self) -> impl Iterator<Item = (&GroupKey<K>, &Group)> {
        self.groups.iter()
    }

    /// Total events.
    #[must_use]
    pub fn events(&self) -> u64 {
        self.groups.values().map(|g| g.count).sum()
    }
}

/// A rank for sample selection from a record's own content.
#[must_use]
pub fn sample_rank(parts: &[&[u8]]) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for part in parts {
        hasher.update(part);
        hasher.update(&[0xff]);
    }
    hasher.digest()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[derive(Clone, Debug)]
    struct Event {
        pattern: u8,
        service: u8,
        severity: usize,
        second: Option<i64>,
        line: u32,
    }

    fn event() -> impl Strategy<Value = Event> {
        (
            0u8..5,
            0u8..3,
            0usize..9,
            proptest::option::of(0i64..7200),
            0u32..10_000,
        )
            .prop_map(|(pattern, service, severity, second, line)| Event {
                pattern,
                service,
                severity,
                second,
                line,
            })
    }

    /// Events as a reader produces them: every one read at its own line, so no two share a
    /// position (the tie-break between samples of equal rank).
    fn events(most: usize) -> impl Strategy<Value = Vec<Event>> {
        proptest::collection::vec(event(), 0..most).prop_map(|mut events| {
            let mut seen = std::collections::HashSet::new();
            for event in &mut events {
                while !seen.insert(event.line) {
                    event.line += 10_000;
                }
            }
            events
        })
    }

    fn summarise(events: &[Event]) -> Summary<u8> {
        let mut summary = Summary::new();
        for event in events {
            let timestamp = event
                .second
                .map(|s| Timestamp::from_second(1_700_000_000 + s).unwrap());
            let position = format!("f:{}", event.line);
            let rank = sample_rank(&[position.as_bytes()]);
            summary.add(
                event.pattern,
                &format!("svc{}", event.service),
                Severity::ALL[event.severity],
                timestamp,
                rank,
                || Sample {
                    position: position.clone(),
                    timestamp,
                    text: format!("event at {position}"),
                    rank,
                },
            );
        }
        summary
    }

    proptest! {
        #[test]
        fn merging_shards_equals_the_summary_of_the_whole(
            events in events(200),
            split in 0usize..200,
        ) {
            let split = split.min(events.len());
            let whole = summarise(&events);
            let mut left = summarise(&events[..split]);
            let right = summarise(&events[split..]);
            left.merge(right);
            prop_assert_eq!(left, whole);
        }

        #[test]
        fn order_of_events_does_not_matter(events in events(100)) {
            let mut reversed = events.clone();
            reversed.reverse();
            prop_assert_eq!(summarise(&events), summarise(&reversed));
        }

        #[test]
        fn rekeying_keeps_every_event(events in events(100)) {
            let summary = summarise(&events);
            let total = summary.events();
            let rekeyed = summary.rekey(|p| p % 2);
            prop_assert_eq!(rekeyed.events(), total);
            prop_assert_eq!(total, events.len() as u64);
        }
    }

    #[test]
    fn first_last_and_minutes_are_exact() {
        let mut summary = Summary::new();
        for (second, rank) in [(125, 5), (61, 9), (3600, 1), (130, 7)] {
            let t = Timestamp::from_second(second).unwrap();
            summary.add(1u8, "api", Severity::Error, Some(t), rank, || Sample {
                position: format!("f:{second}"),
                timestamp: Some(t),
                text: String::new(),
                rank,
            });
        }
        let (_, group) = summary.groups().next().unwrap();
        assert_eq!(group.count, 4);
        assert_eq!(group.first_seen.unwrap().as_second(), 61);
        assert_eq!(group.last_seen.unwrap().as_second(), 3600);
        assert_eq!(group.minutes, BTreeMap::from([(1, 1), (2, 2), (60, 1)]));
        let ranks: Vec<u64> = group.samples.iter().map(|s| s.rank).collect();
        assert_eq!(ranks, [1, 5, 7]);
    }
}
