//! Deciding, per finding, what happens in the tracker. Pure: no I/O.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::config::SyncConfig;
use crate::finding::{Finding, Priority, ReportView};
use crate::similarity::{Corpus, Doc};
use crate::tracker::Issue;

/// Weight of category words against template words in a finding's text.
const CATEGORY_WEIGHT: f64 = 0.5;

/// What happens to one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Comment on the open issue that tracks it.
    Update,
    /// Reopen the closed issue that tracked it, and comment.
    Reopen,
    /// File a new issue.
    Create,
    /// A symptom: listed in its root cause's issue.
    Link,
    /// Not filed.
    Skip,
}

/// How the issue was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The issue's body carries the pattern's marker.
    Marker,
    /// The issue's body carries the marker of a pattern of the same cascade.
    CascadeMarker,
    /// A person's issue whose title and body are similar enough.
    Similarity,
    /// Found by the marker check just before a create (another run filed it meanwhile).
    MarkerCheck,
}

/// One line of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Pattern id.
    pub pattern: String,
    /// Short template, redacted.
    pub summary: String,
    /// Priority from the report.
    pub priority: Priority,
    /// `root_cause`, `symptom` or `independent`.
    pub role: String,
    /// Events in this window.
    pub count: u64,
    /// What happens.
    pub action: Action,
    /// The issue concerned; for a create, known once applied (and never for `dir:`).
    pub issue: Option<u64>,
    /// Whether that issue existed before this run.
    pub existing: bool,
    /// For a link: the root cause whose issue it goes to.
    pub root: Option<String>,
    /// How the issue was found.
    pub matched_by: Option<MatchKind>,
    /// Similarity score: of the match, or of the best candidate below the threshold.
    pub score: Option<f64>,
    /// The threshold the score was compared with.
    pub threshold: Option<f64>,
    /// Best candidate below the threshold (for a create).
    pub nearest: Option<u64>,
    /// Why, in words, redacted.
    pub why: String,
    /// After apply: where the result can be seen.
    pub location: Option<String>,
    /// After apply: whether it was carried out.
    pub applied: bool,
}

impl Entry {
    /// The plan line, e.g. `update #12`, `reopen #12 (regression)`, `create`,
    /// `link to #12 (symptom of 75a2…)`, `skip (below threshold)`.
    #[must_use]
    pub fn verdict(&self) -> String {
        let issue = |n: Option<u64>| n.map_or_else(|| "new issue".to_string(), |n| format!("#{n}"));
        match self.action {
            Action::Update => format!("update {}", issue(self.issue)),
            Action::Reopen => format!("reopen {} (regression)", issue(self.issue)),
            Action::Create if self.applied => format!("create → {}", issue(self.issue)),
            Action::Create => "create".to_string(),
            Action::Link => format!(
                "link to {} (symptom of {})",
                issue(self.issue),
                self.root.as_deref().unwrap_or("?")
            ),
            Action::Skip => "skip (below threshold)".to_string(),
        }
    }
}

/// The plan: entries grouped root first, then its linked symptoms; skipped findings last.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// One entry per finding.
    pub entries: Vec<Entry>,
    /// For each filed finding, the symptoms linked to it (pattern ids).
    pub symptoms: BTreeMap<String, Vec<String>>,
}

/// The root cause of a finding: follow `caused_by` to a pattern without a cause.
/// `None` when the finding is not a symptom (or its chain leaves the report).
#[must_use]
pub fn root_of<'a>(
    finding: &'a Finding,
    by_id: &BTreeMap<&str, &'a Finding>,
) -> Option<&'a Finding> {
    if !finding.is_symptom() {
        return None;
    }
    let mut current = finding;
    let mut seen = BTreeSet::new();
    while current.is_symptom() {
        if !seen.insert(current.id.as_str()) {
            break;
        }
        let parent = current.caused_by.first()?;
        current = by_id.get(parent.as_str())?;
    }
    (current.id != finding.id).then_some(current)
}

struct Found {
    issue: u64,
    open: bool,
    kind: MatchKind,
    score: Option<f64>,
    via: Option<String>,
}

/// Decide every finding.
#[must_use]
pub fn build(
    report: &ReportView,
    issues: &[Issue],
    config: &SyncConfig,
    redact: &dyn Fn(&str) -> String,
) -> Plan {
    let by_id: BTreeMap<&str, &Finding> =
        report.patterns.iter().map(|f| (f.id.as_str(), f)).collect();
    let mut roots: BTreeMap<&str, &str> = BTreeMap::new();
    for finding in &report.patterns {
        if let Some(root) = root_of(finding, &by_id) {
            roots.insert(finding.id.as_str(), root.id.as_str());
        }
    }
    let filed =
        |f: &Finding| !roots.contains_key(f.id.as_str()) && f.priority <= config.min_priority;
    let mut members: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for finding in &report.patterns {
        if let Some(root) = roots.get(finding.id.as_str())
            && by_id.get(root).is_some_and(|r| filed(r))
        {
            members.entry(root).or_default().push(finding);
        }
    }

    let human: Vec<&Issue> = issues
        .iter()
        .filter(|issue| issue.open && issue.markers().is_empty())
        .collect();
    let issue_docs: Vec<(Doc, Doc)> = human
        .iter()
        .map(|issue| {
            (
                Doc::new(&issue.title, "", 0.0),
                Doc::new(&issue.body, "", 0.0),
            )
        })
        .collect();
    let mut corpus = Corpus::default();
    for issue in &human {
        corpus.add(&Doc::new(
            &format!("{} {}", issue.title, issue.body),
            "",
            0.0,
        ));
    }
    for finding in &report.patterns {
        corpus.add(&finding_doc(finding));
    }

    let mut order: Vec<&Finding> = report.patterns.iter().filter(|f| filed(f)).collect();
    order.sort_by_key(|f| f.priority);
    let mut entries = Vec::new();
    let mut symptoms = BTreeMap::new();
    for finding in order {
        let group = members
            .get(finding.id.as_str())
            .cloned()
            .unwrap_or_default();
        let found = find_by_marker(finding, &group, issues).or_else(|| {
            best_similar(finding, &group, &human, &issue_docs, &corpus)
                .filter(|(_, score, _)| *score >= config.match_threshold)
                .map(|(issue, score, via)| Found {
                    issue: issue.number,
                    open: issue.open,
                    kind: MatchKind::Similarity,
                    score: Some(score),
                    via,
                })
        });
        let mut entry = entry_of(finding, redact);
        match found {
            Some(found) => {
                entry.issue = Some(found.issue);
                entry.existing = true;
                entry.matched_by = Some(found.kind);
                entry.score = found.score;
                entry.threshold = found.score.map(|_| config.match_threshold);
                let how = match found.kind {
                    MatchKind::Marker => format!("#{} carries its marker", found.issue),
                    MatchKind::CascadeMarker => format!(
                        "#{} carries the marker of `{}` of the same cascade",
                        found.issue,
                        found.via.as_deref().unwrap_or("?")
                    ),
                    MatchKind::Similarity | MatchKind::MarkerCheck => format!(
                        "#{} is similar (score {:.2} ≥ threshold {:.2}{})",
                        found.issue,
                        found.score.unwrap_or(0.0),
                        config.match_threshold,
                        found
                            .via
                            .as_deref()
                            .map(|via| format!(", via symptom `{via}`"))
                            .unwrap_or_default()
                    ),
                };
                if found.open {
                    entry.action = Action::Update;
                    entry.why = if finding.regressed {
                        format!("regressed (marked resolved, seen again); {how} and is open")
                    } else {
                        format!("{how}; comment with this window's numbers")
                    };
                } else {
                    entry.action = Action::Reopen;
                    entry.why = format!("{how} but is closed: seen again, so it regressed");
                }
            }
            None => {
                entry.action = Action::Create;
                let best = best_similar(finding, &group, &human, &issue_docs, &corpus);
                entry.why = match &best {
                    Some((issue, score, _)) => {
                        entry.score = Some(*score);
                        entry.threshold = Some(config.match_threshold);
                        entry.nearest = Some(issue.number);
                        format!(
                            "{} {}, no issue carries its marker; nearest #{} scores {:.2} < threshold {:.2}",
                            finding.priority,
                            role_words(finding),
                            issue.number,
                            score,
                            config.match_threshold
                        )
                    }
                    None => format!(
                        "{} {}, no issue carries its marker and no open issue is similar",
                        finding.priority,
                        role_words(finding)
                    ),
                };
            }
        }
        let root_issue = entry.issue;
        let root_existing = entry.existing;
        entries.push(entry);
        let mut ids = Vec::new();
        for symptom in &group {
            let mut link = entry_of(symptom, redact);
            link.action = Action::Link;
            link.issue = root_issue;
            link.existing = root_existing;
            link.root = Some(finding.id.clone());
            link.why = format!(
                "{} symptom; its cascade root `{}` is filed, so it is listed there",
                symptom.priority, finding.id
            );
            ids.push(symptom.id.clone());
            entries.push(link);
        }
        symptoms.insert(finding.id.clone(), ids);
    }
    let mut skipped: Vec<&Finding> = report
        .patterns
        .iter()
        .filter(|f| !filed(f) && !members.values().flatten().any(|m| m.id == f.id))
        .collect();
    skipped.sort_by_key(|f| f.priority);
    for finding in skipped {
        let mut entry = entry_of(finding, redact);
        entry.action = Action::Skip;
        entry.why = match roots.get(finding.id.as_str()).and_then(|r| by_id.get(r)) {
            Some(root) => format!(
                "symptom of `{}`, which is {} (below {})",
                root.id, root.priority, config.min_priority
            ),
            None => format!("{} is below {}", finding.priority, config.min_priority),
        };
        entries.push(entry);
    }
    Plan { entries, symptoms }
}

fn role_words(finding: &Finding) -> &'static str {
    match finding.role.as_str() {
        "root_cause" => "root cause",
        _ => "finding",
    }
}

fn entry_of(finding: &Finding, redact: &dyn Fn(&str) -> String) -> Entry {
    Entry {
        pattern: finding.id.clone(),
        summary: redact(&finding.summary(90)),
        priority: finding.priority,
        role: finding.role.clone(),
        count: finding.count,
        action: Action::Skip,
        issue: None,
        existing: false,
        root: None,
        matched_by: None,
        score: None,
        threshold: None,
        nearest: None,
        why: String::new(),
        location: None,
        applied: false,
    }
}

/// The text a finding is compared by: template, category at half weight.
#[must_use]
pub fn finding_doc(finding: &Finding) -> Doc {
    Doc::new(&finding.template, &finding.category, CATEGORY_WEIGHT)
}

fn find_by_marker(finding: &Finding, group: &[&Finding], issues: &[Issue]) -> Option<Found> {
    let pick = |id: &str| -> Option<&Issue> {
        let tracking: Vec<&Issue> = issues
            .iter()
            .filter(|issue| issue.markers().iter().any(|m| m == id))
            .collect();
        // An open issue wins (lowest number: the first filed); else the latest closed one.
        tracking
            .iter()
            .filter(|issue| issue.open)
            .min_by_key(|issue| issue.number)
            .or_else(|| tracking.iter().max_by_key(|issue| issue.number))
            .copied()
    };
    if let Some(issue) = pick(&finding.id) {
        return Some(Found {
            issue: issue.number,
            open: issue.open,
            kind: MatchKind::Marker,
            score: None,
            via: None,
        });
    }
    group.iter().find_map(|member| {
        pick(&member.id).map(|issue| Found {
            issue: issue.number,
            open: issue.open,
            kind: MatchKind::CascadeMarker,
            score: None,
            via: Some(member.id.clone()),
        })
    })
}

/// The most similar open person's issue for a finding or any of its symptoms.
fn best_similar<'a>(
    finding: &Finding,
    group: &[&Finding],
    human: &[&'a Issue],
    docs: &[(Doc, Doc)],
    corpus: &Corpus,
) -> Option<(&'a Issue, f64, Option<String>)> {
    let mut best: Option<(&Issue, f64, Option<String>)> = None;
    let candidates =
        std::iter::once((finding, None)).chain(group.iter().map(|m| (*m, Some(m.id.clone()))));
    for (member, via) in candidates {
        let doc = finding_doc(member);
        for (issue, (title, body)) in human.iter().zip(docs) {
            let score = corpus.score(&doc, title, body);
            if best.as_ref().is_none_or(|(_, b, _)| score > *b + 1e-12) {
                best = Some((issue, score, via.clone()));
            }
        }
    }
    best
}
