//! Cascades: which pattern starts a failure cycle, which follow from it.
//!
//! The method, in short (`docs/triage.md` has the long form):
//!
//! 1. **Onsets.** Events of severity WARNING and above are grouped by pattern, service and
//!    instance (a Cloud Run instance, a pod, a host; the service alone when there is none). An
//!    event is an *onset* when the same group was quiet for [`CascadeConfig::quiet_gap_ms`]
//!    before it. Each onset is one episode of that pattern: a container that crash-loops gives
//!    one onset per restart, however many lines it writes each time.
//! 2. **Precedence.** For patterns A and B, an onset of B is *preceded* by A when an onset of A
//!    happened at most [`CascadeConfig::max_delay_ms`] before it, *followed* when one happened
//!    at most that long after it. Within one service, when both carry an instance, only onsets
//!    of the same instance count: a restart of another container is not a cause. Across
//!    services any onset counts, so cascades across services are found.
//! 3. **Candidate edges.** A → B when B has at least [`CascadeConfig::min_episodes`] onsets
//!    preceded by A, those are at least [`CascadeConfig::min_consistency`] of B's onsets, and
//!    "preceded" beats "followed" by at least [`CascadeConfig::min_lift`], and so many
//!    preceded onsets are unlikely by chance ([`CascadeConfig::max_chance`]). The last two are
//!    the chance corrections: two unrelated patterns that are both frequent precede each other
//!    as often as they follow each other, and a chronic pattern precedes nearly anything.
//! 4. **Direct causes.** A root cause precedes all its symptoms, so candidate edges include
//!    the transitive ones. Each symptom keeps one direct cause: among its candidate causes the
//!    one that precedes it most closely (smallest median delay; ties by more episodes, then
//!    by id). Cycles, which ties can make, are broken at their weakest edge.
//! 5. **Roles.** A pattern with a direct cause is a `symptom` (`caused_by` names it); a pattern
//!    with symptoms and no cause is a `root_cause`; the rest are `independent`.

use std::collections::BTreeMap;

/// One event of severity WARNING or above, as the cascade analysis sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ErrorEvent {
    /// Milliseconds since the epoch.
    pub time_ms: i64,
    /// Index of the pattern in the caller's pattern list.
    pub pattern: u32,
    /// Index of the service (any stable numbering).
    pub service: u32,
    /// Index of the instance (container, pod, host), when the record named one.
    pub instance: Option<u32>,
}

/// Thresholds of the method. The defaults are documented in `docs/triage.md`.
#[derive(Clone, Debug)]
pub struct CascadeConfig {
    /// Quiet time that separates two episodes of one pattern in one instance.
    pub quiet_gap_ms: i64,
    /// Longest delay between a cause's onset and its effect's onset.
    pub max_delay_ms: i64,
    /// Fewest preceded onsets for an edge.
    pub min_episodes: u32,
    /// Smallest share of the effect's onsets that the cause precedes.
    pub min_consistency: f64,
    /// Smallest margin of "preceded" over "followed".
    pub min_lift: f64,
    /// Most patterns considered (the most frequent ones); bounds the pairwise work.
    pub max_patterns: usize,
    /// Largest chance of seeing so many preceded onsets if the two patterns were unrelated
    /// (a Chernoff bound on the binomial tail, with the share of the window that lies within
    /// the maximum delay after an onset of the cause as the chance per onset).
    pub max_chance: f64,
}

impl Default for CascadeConfig {
    fn default() -> Self {
        Self {
            quiet_gap_ms: 60_000,
            max_delay_ms: 60_000,
            min_episodes: 3,
            min_consistency: 0.8,
            min_lift: 0.3,
            max_patterns: 400,
            max_chance: 0.01,
        }
    }
}

/// The role of a pattern in the failure story.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Starts cascades: it has symptoms and no cause of its own.
    RootCause,
    /// Follows from another pattern (`caused_by`).
    Symptom,
    /// Neither.
    Independent,
}

/// A direct cause → effect edge.
#[derive(Clone, Debug, PartialEq)]
pub struct CascadeEdge {
    /// The cause's pattern index.
    pub from: u32,
    /// The effect's pattern index.
    pub to: u32,
    /// Onsets of the effect preceded by the cause.
    pub episodes: u32,
    /// Share of the effect's onsets preceded by the cause.
    pub consistency: f64,
    /// Median delay from the cause's onset to the effect's, in milliseconds.
    pub median_delay_ms: i64,
}

/// What the analysis found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CascadeResult {
    /// Role of each pattern, by index.
    pub roles: Vec<Role>,
    /// Direct cause of each pattern, by index.
    pub caused_by: Vec<Option<u32>>,
    /// Direct edges, sorted by cause, then effect.
    pub edges: Vec<CascadeEdge>,
    /// Candidate edges before reduction to direct causes (transitive ones included).
    pub candidates: Vec<CascadeEdge>,
    /// Root causes, most consequential first (most events in their cascade, then earliest).
    pub root_causes: Vec<u32>,
    /// Onsets (episodes) per pattern.
    pub onsets: Vec<u32>,
}

impl CascadeResult {
    /// For every pattern, how many patterns follow from it, directly or through others. One
    /// walk up from each pattern: linear in patterns times cascade depth.
    #[must_use]
    pub fn descendant_counts(&self) -> Vec<usize> {
        let n = self.caused_by.len();
        let mut counts = vec![0usize; n];
        for start in 0..n {
            let mut node = start;
            let mut steps = 0;
            while let Some(parent) = self.caused_by[node] {
                let parent = parent as usize;
                if parent >= n || steps > n {
                    break;
                }
                counts[parent] += 1;
                node = parent;
                steps += 1;
            }
        }
        counts
    }

    /// How many patterns follow from `pattern`, directly or through others.
    #[must_use]
    pub fn descendants(&self, pattern: u32) -> usize {
        (0..self.caused_by.len())
            .filter(|&p| {
                let mut node = p;
                let mut steps = 0;
                while let Some(parent) = self.caused_by[node] {
                    if parent == pattern {
                        return true;
                    }
                    node = parent as usize;
                    steps += 1;
                    if steps > self.caused_by.len() {
                        break;
                    }
                }
                false
            })
            .count()
    }
}

/// The share of `window` that lies within `max_delay_ms` after one of `onsets` (sorted by
/// time): the chance that a moment picked at random looks preceded by them.
fn coverage(onsets: &[Onset], window: (i64, i64), max_delay_ms: i64) -> f64 {
    let span = window.1 - window.0;
    if span <= 0 {
        return 1.0;
    }
    let mut covered = 0i64;
    let mut reach = i64::MIN;
    for onset in onsets {
        let start = onset.time_ms.max(reach);
        let end = (onset.time_ms + max_delay_ms).min(window.1);
        if end > start {
            covered += end - start;
        }
        reach = reach.max(end);
    }
    #[allow(clippy::cast_precision_loss)]
    let share = covered as f64 / span as f64;
    share.clamp(0.0, 1.0)
}

/// An upper bound on the chance of `hits` or more successes in `trials` independent tries of
/// chance `p` each: the Chernoff bound `exp(-n KL(k/n || p))`, 1 when `k/n <= p`.
fn chance_of_at_least(hits: u32, trials: usize, p: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let n = trials as f64;
    let q = f64::from(hits) / n;
    if q <= p {
        return 1.0;
    }
    if p <= 0.0 {
        return 0.0;
    }
    let term = |a: f64, b: f64| if a <= 0.0 { 0.0 } else { a * (a / b).ln() };
    let divergence = term(q, p) + term(1.0 - q, 1.0 - p);
    (-n * divergence).exp()
}

#[derive(Clone, Copy)]
struct Onset {
    time_ms: i64,
    service: u32,
    instance: Option<u32>,
}

/// Runs the analysis over `patterns` patterns. `events` need not be sorted. `weights` (events
/// per pattern) order the root causes; patterns beyond [`CascadeConfig::max_patterns`] by
/// weight are left `independent`. `can_cause` says which patterns may be causes: the caller
/// passes those of severity ERROR and above, so warnings can be symptoms but start no
/// cascade (two warnings that one start-up routine always logs in the same order are a
/// sequence, not a failure and its consequence); an empty slice lets every pattern be a cause.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn analyze(
    patterns: usize,
    events: &[ErrorEvent],
    weights: &[u64],
    can_cause: &[bool],
    config: &CascadeConfig,
) -> CascadeResult {
    let mut sorted: Vec<ErrorEvent> = events.to_vec();
    sorted.sort_unstable();

    // Which patterns take part: the most frequent ones with at least one event.
    let mut present: Vec<u32> = {
        let mut seen = vec![false; patterns];
        for event in &sorted {
            if let Some(slot) = seen.get_mut(event.pattern as usize) {
                *slot = true;
            }
        }
        (0..patterns)
            .filter(|&p| seen[p])
            .map(|p| u32::try_from(p).unwrap_or(u32::MAX))
            .collect()
    };
    present.sort_by_key(|&p| {
        (
            std::cmp::Reverse(weights.get(p as usize).copied().unwrap_or(0)),
            p,
        )
    });
    present.truncate(config.max_patterns);
    let mut included = vec![false; patterns];
    for &p in &present {
        included[p as usize] = true;
    }

    // 1. Onsets per pattern, in time order.
    let mut onsets: Vec<Vec<Onset>> = vec![Vec::new(); patterns];
    let mut last_seen: BTreeMap<(u32, u32, Option<u32>), i64> = BTreeMap::new();
    for event in &sorted {
        if !included
            .get(event.pattern as usize)
            .copied()
            .unwrap_or(false)
        {
            continue;
        }
        let key = (event.pattern, event.service, event.instance);
        let quiet = last_seen
            .get(&key)
            .is_none_or(|&last| event.time_ms - last > config.quiet_gap_ms);
        last_seen.insert(key, event.time_ms);
        if quiet {
            onsets[event.pattern as usize].push(Onset {
                time_ms: event.time_ms,
                service: event.service,
                instance: event.instance,
            });
        }
    }

    // How often a moment of the window falls within the maximum delay after an onset of each
    // pattern: the chance that an unrelated onset looks "preceded" by it.
    let window = match (sorted.first(), sorted.last()) {
        (Some(first), Some(last)) => (first.time_ms, last.time_ms),
        _ => (0, 0),
    };
    let coverage: Vec<f64> = onsets
        .iter()
        .map(|list| coverage(list, window, config.max_delay_ms))
        .collect();

    // 2-3. Pairwise precedence and candidate edges.
    let mut candidates = Vec::new();
    for &b in &present {
        let b_onsets = &onsets[b as usize];
        if b_onsets.is_empty() {
            continue;
        }
        for &a in &present {
            if a == b
                || !can_cause
                    .get(a as usize)
                    .copied()
                    .unwrap_or(can_cause.is_empty())
            {
                continue;
            }
            let a_onsets = &onsets[a as usize];
            let mut preceded = 0u32;
            let mut followed = 0u32;
            let mut delays = Vec::new();
            for onset in b_onsets {
                if let Some(delay) =
                    nearest(a_onsets, onset, config.max_delay_ms, Direction::Before)
                {
                    preceded += 1;
                    delays.push(delay);
                }
                if nearest(a_onsets, onset, config.max_delay_ms, Direction::After).is_some() {
                    followed += 1;
                }
            }
            let total = f64::from(u32::try_from(b_onsets.len()).unwrap_or(u32::MAX));
            let consistency = f64::from(preceded) / total;
            let lift = consistency - f64::from(followed) / total;
            if preceded >= config.min_episodes
                && consistency >= config.min_consistency
                && lift >= config.min_lift
                && chance_of_at_least(preceded, b_onsets.len(), coverage[a as usize])
                    <= config.max_chance
            {
                delays.sort_unstable();
                candidates.push(CascadeEdge {
                    from: a,
                    to: b,
                    episodes: preceded,
                    consistency,
                    median_delay_ms: delays[delays.len() / 2],
                });
            }
        }
    }
    candidates.sort_by_key(|e| (e.from, e.to));

    // 4. One direct cause per effect: the closest preceding candidate.
    let mut caused_by: Vec<Option<u32>> = vec![None; patterns];
    let mut chosen: BTreeMap<u32, &CascadeEdge> = BTreeMap::new();
    for edge in &candidates {
        let better = chosen.get(&edge.to).is_none_or(|current| {
            (
                edge.median_delay_ms,
                std::cmp::Reverse(edge.episodes),
                edge.from,
            ) < (
                current.median_delay_ms,
                std::cmp::Reverse(current.episodes),
                current.from,
            )
        });
        if better {
            chosen.insert(edge.to, edge);
        }
    }
    for (&to, edge) in &chosen {
        caused_by[to as usize] = Some(edge.from);
    }
    break_cycles(&mut caused_by, &chosen);

    let edges: Vec<CascadeEdge> = chosen
        .values()
        .filter(|edge| caused_by[edge.to as usize] == Some(edge.from))
        .map(|edge| (*edge).clone())
        .collect::<Vec<_>>();
    let mut edges = edges;
    edges.sort_by_key(|e| (e.from, e.to));

    // 5. Roles.
    let mut has_children = vec![false; patterns];
    for edge in &edges {
        has_children[edge.from as usize] = true;
    }
    let roles: Vec<Role> = (0..patterns)
        .map(|p| {
            if caused_by[p].is_some() {
                Role::Symptom
            } else if has_children[p] {
                Role::RootCause
            } else {
                Role::Independent
            }
        })
        .collect();

    // Root causes by the events of their whole cascade, then by their first onset.
    let mut cascade_weight = vec![0u64; patterns];
    for p in 0..patterns {
        let mut root = p;
        let mut steps = 0;
        while let Some(parent) = caused_by[root] {
            root = parent as usize;
            steps += 1;
            if steps > patterns {
                break;
            }
        }
        cascade_weight[root] += weights.get(p).copied().unwrap_or(0);
    }
    let mut root_causes: Vec<u32> = (0..patterns)
        .filter(|&p| roles[p] == Role::RootCause)
        .map(|p| u32::try_from(p).unwrap_or(u32::MAX))
        .collect();
    root_causes.sort_by_key(|&p| {
        let first = onsets[p as usize].first().map_or(i64::MAX, |o| o.time_ms);
        (std::cmp::Reverse(cascade_weight[p as usize]), first, p)
    });

    CascadeResult {
        roles,
        caused_by,
        edges,
        candidates,
        root_causes,
        onsets: onsets
            .iter()
            .map(|o| u32::try_from(o.len()).unwrap_or(u32::MAX))
            .collect(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Before,
    After,
}

/// The delay from the nearest compatible onset of `candidates` before (or after) `onset`,
/// within `max_delay` milliseconds.
fn nearest(
    candidates: &[Onset],
    onset: &Onset,
    max_delay: i64,
    direction: Direction,
) -> Option<i64> {
    let compatible = |other: &Onset| {
        other.service != onset.service
            || other.instance.is_none()
            || onset.instance.is_none()
            || other.instance == onset.instance
    };
    match direction {
        Direction::Before => {
            // Onsets at or before `onset.time_ms`, latest first.
            let end = candidates.partition_point(|o| o.time_ms <= onset.time_ms);
            candidates[..end]
                .iter()
                .rev()
                .take_while(|o| onset.time_ms - o.time_ms <= max_delay)
                .find(|o| compatible(o))
                .map(|o| onset.time_ms - o.time_ms)
        }
        Direction::After => {
            let start = candidates.partition_point(|o| o.time_ms <= onset.time_ms);
            candidates[start..]
                .iter()
                .take_while(|o| o.time_ms - onset.time_ms <= max_delay)
                .find(|o| compatible(o))
                .map(|o| o.time_ms - onset.time_ms)
        }
    }
}

/// Follows cause pointers; where they loop, drops the loop's weakest edge (fewest episodes,
/// then largest delay) so every chain ends in a root.
fn break_cycles(caused_by: &mut [Option<u32>], chosen: &BTreeMap<u32, &CascadeEdge>) {
    let n = caused_by.len();
    for start in 0..n {
        let mut path = Vec::new();
        let mut node = start;
        loop {
            if path.contains(&node) {
                let cycle_start = path.iter().position(|&p| p == node).unwrap_or(0);
                let weakest = path[cycle_start..]
                    .iter()
                    .copied()
                    .min_by_key(|&p| {
                        let edge = chosen.get(&u32::try_from(p).unwrap_or(u32::MAX));
                        edge.map_or((0, std::cmp::Reverse(0), p), |e| {
                            (e.episodes, std::cmp::Reverse(e.median_delay_ms), p)
                        })
                    })
                    .unwrap_or(node);
                caused_by[weakest] = None;
                break;
            }
            path.push(node);
            match caused_by[node] {
                Some(parent) => node = parent as usize,
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests;
