//! Issue tracker sync: each finding of a `report.json` updates the issue that already tracks
//! it, reopens a closed one that regressed, files a new one with evidence, or, for a cascade
//! symptom, is linked into its root cause's issue.
//!
//! [`sync`] plans (read-only) or applies against GitHub REST or a `dir:` tracker; [`run`] is
//! `gardener issues`; [`processing_status_markdown`] is the worklog section. Everything that
//! leaves the machine (titles, bodies, comments, plan files) goes through
//! [`gardener_redact::Redactor`] with the `[redact] rules` of gardener.toml. Wiring into the
//! binary and recording issue links in the state store are left to `gardener`.
//!
//! ```no_run
//! use gardener_tracker::{Mode, SyncConfig, TrackerSpec, sync};
//! let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string("out/report.json")?)?;
//! let config = SyncConfig::new(TrackerSpec::Dir("issues".into()));
//! let outcome = sync(&report, &config, Mode::Plan)?;
//! println!("{}", gardener_tracker::processing_status_markdown(&outcome));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

pub mod cli;
pub mod config;
pub mod dir;
pub mod error;
pub mod finding;
pub mod github;
pub mod plan;
pub mod render;
pub mod similarity;
pub mod tracker;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::rc::Rc;

use serde::Serialize;
use serde_json::Value;

pub use cli::{IssuesArgs, Mode};
pub use config::{HttpConfig, SyncConfig, TrackerSpec};
pub use error::TrackerError;
pub use finding::{Finding, Priority, ReportView, WindowView};
pub use plan::{Action, Entry, MatchKind};
pub use render::processing_status_markdown;
pub use tracker::{Issue, Tracker};

use gardener_redact::Redactor;

/// Findings per action.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    /// Comment on an open issue.
    pub update: u64,
    /// Reopened as a regression.
    pub reopen: u64,
    /// New issues.
    pub create: u64,
    /// Symptoms linked to their root cause's issue.
    pub link: u64,
    /// Below the threshold.
    pub skip: u64,
}

/// Consolidation: of the findings that were filed (update, reopen, create or link), how many
/// went to an issue that existed before this run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Consolidation {
    /// Findings that went to an existing issue (update, reopen, or a link to one).
    pub existing: u64,
    /// Findings filed: update + reopen + create + link.
    pub filed: u64,
    /// `existing / filed`; `None` when nothing was filed.
    pub rate: Option<f64>,
}

/// Pattern → issue, for `StateStore::set_issue`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IssueLink {
    /// Pattern id.
    pub pattern: String,
    /// Issue number.
    pub number: u64,
    /// Whether the issue is open (after apply: always; in a plan: as it is now).
    pub open: bool,
}

/// What a plan or apply decided and did.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Plan or apply.
    pub mode: Mode,
    /// `github owner/name` or `dir PATH`.
    pub tracker: String,
    /// The report's window.
    pub window: WindowView,
    /// Threshold of filing.
    pub min_priority: Priority,
    /// Similarity threshold.
    pub match_threshold: f64,
    /// One entry per finding.
    pub entries: Vec<Entry>,
    /// Findings per action.
    pub counts: Counts,
    /// The consolidation rate.
    pub consolidation: Consolidation,
    /// Pattern → issue links known after this run.
    pub issues: Vec<IssueLink>,
    /// Rate-limit waits and retries (also written to stderr).
    pub notices: Vec<String>,
}

/// Plan or apply the findings of a report (as JSON) against the configured tracker.
///
/// # Errors
///
/// A report that is not `report.json`, a bad redaction rule, or a tracker failure.
pub fn sync(report_json: &Value, config: &SyncConfig, mode: Mode) -> Result<Outcome, TrackerError> {
    let report: ReportView =
        serde_json::from_value(report_json.clone()).map_err(|source| TrackerError::Json {
            what: "report.json".into(),
            source,
        })?;
    let notices = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&notices);
    let notify: github::Notify = Box::new(move |line: &str| {
        #[allow(clippy::print_stderr)] // the issue asks for waits to be said on stderr
        {
            eprintln!("{line}");
        }
        sink.borrow_mut().push(line.to_string());
    });
    let mut outcome = match &config.tracker {
        TrackerSpec::GitHub {
            api_url,
            repo,
            token,
        } => {
            let mut tracker =
                github::GitHub::new(api_url, repo, token.clone(), config.http.clone(), notify)?;
            execute(&report, config, mode, &mut tracker)?
        }
        TrackerSpec::Dir(path) => execute(&report, config, mode, &mut dir::DirTracker::new(path))?,
    };
    outcome.notices = notices.borrow().clone();
    Ok(outcome)
}

/// Plan or apply against any [`Tracker`].
///
/// # Errors
///
/// A bad redaction rule or a tracker failure.
pub fn execute(
    report: &ReportView,
    config: &SyncConfig,
    mode: Mode,
    tracker: &mut dyn Tracker,
) -> Result<Outcome, TrackerError> {
    let redactor = Redactor::with_user_rules(&config.redact_rules)?;
    let redact = |text: &str| redactor.redact(text).into_owned();
    let issues = tracker.list()?;
    let plan = plan::build(report, &issues, config, &redact);
    let mut entries = plan.entries;
    if mode == Mode::Apply {
        apply(
            report,
            config,
            tracker,
            &issues,
            &plan.symptoms,
            &mut entries,
            &redact,
        )?;
    }
    let by_number: BTreeMap<u64, &Issue> = issues.iter().map(|i| (i.number, i)).collect();
    let mut counts = Counts::default();
    let mut consolidation = Consolidation::default();
    let mut links = Vec::new();
    for entry in &entries {
        match entry.action {
            Action::Update => counts.update += 1,
            Action::Reopen => counts.reopen += 1,
            Action::Create => counts.create += 1,
            Action::Link => counts.link += 1,
            Action::Skip => counts.skip += 1,
        }
        if entry.action != Action::Skip {
            consolidation.filed += 1;
            consolidation.existing += u64::from(entry.existing);
            if let Some(number) = entry.issue {
                let open = mode == Mode::Apply || by_number.get(&number).is_none_or(|i| i.open);
                links.push(IssueLink {
                    pattern: entry.pattern.clone(),
                    number,
                    open,
                });
            }
        }
    }
    #[allow(clippy::cast_precision_loss)]
    {
        consolidation.rate = (consolidation.filed > 0)
            .then(|| consolidation.existing as f64 / consolidation.filed as f64);
    }
    Ok(Outcome {
        mode,
        tracker: redact(&tracker.describe()),
        window: report.window.clone(),
        min_priority: config.min_priority,
        match_threshold: config.match_threshold,
        entries,
        counts,
        consolidation,
        issues: links,
        notices: Vec::new(),
    })
}

fn apply(
    report: &ReportView,
    config: &SyncConfig,
    tracker: &mut dyn Tracker,
    issues: &[Issue],
    symptoms: &BTreeMap<String, Vec<String>>,
    entries: &mut [Entry],
    redact: &dyn Fn(&str) -> String,
) -> Result<(), TrackerError> {
    let by_id: BTreeMap<&str, &Finding> =
        report.patterns.iter().map(|f| (f.id.as_str(), f)).collect();
    let nonce = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let mut bodies: BTreeMap<u64, Issue> = issues.iter().map(|i| (i.number, i.clone())).collect();
    // Roots and independents first (creates before links), in plan order.
    let mut done: BTreeMap<String, (Option<u64>, bool, Option<String>)> = BTreeMap::new();
    for entry in entries.iter_mut() {
        if !matches!(
            entry.action,
            Action::Update | Action::Reopen | Action::Create
        ) {
            continue;
        }
        let Some(finding) = by_id.get(entry.pattern.as_str()).copied() else {
            continue;
        };
        let group: Vec<&Finding> = symptoms
            .get(&finding.id)
            .into_iter()
            .flatten()
            .filter_map(|id| by_id.get(id.as_str()).copied())
            .collect();
        if entry.action == Action::Create
            && let Some(issue) = tracker.find_marker(&finding.id)?
        {
            // Filed meanwhile (another run): never a second issue.
            entry.issue = Some(issue.number);
            entry.existing = true;
            entry.matched_by = Some(MatchKind::MarkerCheck);
            entry.action = if issue.open {
                Action::Update
            } else {
                Action::Reopen
            };
            entry.why = redact(&format!(
                "{}; the marker check before create found #{}",
                entry.why, issue.number
            ));
            bodies.insert(issue.number, issue);
        }
        match entry.action {
            Action::Create => {
                let title = redact(&render::title(&config.title_format, finding));
                let body = redact(&render::body(finding, &group, &report.window));
                let mut labels: BTreeSet<String> = finding
                    .labels
                    .iter()
                    .chain(&config.labels)
                    .cloned()
                    .collect();
                if finding.regressed {
                    labels.insert("regression".into());
                }
                let labels: Vec<String> = labels.into_iter().map(|l| redact(&l)).collect();
                let created = tracker.create(&finding.id, &title, &body, &labels)?;
                entry.issue = created.number;
                entry.location = Some(redact(&created.location));
                if created.existed {
                    // Created by this run (the answer was lost), so not an earlier issue.
                    entry.why = redact(&format!(
                        "{}; an ambiguous failure was checked: the issue had landed, not filed twice",
                        entry.why
                    ));
                }
            }
            Action::Update | Action::Reopen => {
                let number = entry.issue.unwrap_or(0);
                let reopened = entry.action == Action::Reopen;
                if reopened {
                    let mut labels: BTreeSet<String> = bodies
                        .get(&number)
                        .map(|i| i.labels.iter().cloned().collect())
                        .unwrap_or_default();
                    labels.insert("regression".into());
                    tracker.reopen(number, &labels.into_iter().collect::<Vec<_>>())?;
                }
                let text = redact(&render::comment(
                    finding,
                    &group,
                    &report.window,
                    reopened,
                    &nonce,
                ));
                let location = tracker.comment(number, &text, &nonce)?;
                entry.location = Some(redact(&location));
                if let Some(issue) = bodies.get(&number) {
                    let missing: Vec<&Finding> = std::iter::once(finding)
                        .chain(group.iter().copied())
                        .filter(|f| !issue.body.contains(&tracker::marker(&f.id)))
                        .collect();
                    if !missing.is_empty() {
                        let mut body = issue.body.clone();
                        body.push_str("\n\n");
                        for f in &missing {
                            body.push_str(&tracker::marker(&f.id));
                            body.push('\n');
                        }
                        tracker.set_body(number, &body)?;
                    }
                }
            }
            Action::Link | Action::Skip => {}
        }
        entry.applied = true;
        done.insert(
            entry.pattern.clone(),
            (entry.issue, entry.existing, entry.location.clone()),
        );
    }
    for entry in entries.iter_mut().filter(|e| e.action == Action::Link) {
        if let Some((issue, existing, location)) =
            entry.root.as_ref().and_then(|root| done.get(root))
        {
            entry.issue = *issue;
            entry.existing = *existing;
            entry.location.clone_from(location);
            entry.applied = true;
        }
    }
    Ok(())
}

/// Write `issues-plan.md` and `issues-plan.json` into `dir` (every string redacted).
///
/// # Errors
///
/// A file cannot be written or a redaction rule is bad.
pub fn write_plan(
    outcome: &Outcome,
    dir: &Path,
    redact_rules: &[String],
) -> Result<(), TrackerError> {
    let redactor = Redactor::with_user_rules(redact_rules)?;
    std::fs::create_dir_all(dir).map_err(|source| TrackerError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let markdown = redactor
        .redact(&render::plan_markdown(outcome))
        .into_owned();
    let path = dir.join("issues-plan.md");
    std::fs::write(&path, markdown).map_err(|source| TrackerError::Write {
        path: path.clone(),
        source,
    })?;
    let mut value = serde_json::to_value(outcome).map_err(|source| TrackerError::Json {
        what: "the plan".into(),
        source,
    })?;
    redact_strings(&mut value, &redactor);
    let mut text = serde_json::to_string_pretty(&value).map_err(|source| TrackerError::Json {
        what: "the plan".into(),
        source,
    })?;
    text.push('\n');
    let path = dir.join("issues-plan.json");
    std::fs::write(&path, text).map_err(|source| TrackerError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(())
}

fn redact_strings(value: &mut Value, redactor: &Redactor) {
    match value {
        Value::String(text) => {
            if let std::borrow::Cow::Owned(redacted) = redactor.redact(text) {
                *text = redacted;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_strings(v, redactor)),
        Value::Object(map) => map.values_mut().for_each(|v| redact_strings(v, redactor)),
        _ => {}
    }
}

/// The sync config from the command line, gardener.toml and the environment.
///
/// # Errors
///
/// A bad `--tracker`, a missing `--repo`, or a bad gardener.toml.
pub fn config_from_args(args: &IssuesArgs) -> Result<SyncConfig, TrackerError> {
    let tracker = if let Some(path) = args.tracker.strip_prefix("dir:") {
        if path.is_empty() {
            return Err(TrackerError::Usage(
                "`--tracker dir:` needs a path\nhint: `--tracker dir:issues`".into(),
            ));
        }
        TrackerSpec::Dir(path.into())
    } else if args.tracker == "github" {
        let repo = args
            .repo
            .clone()
            .or_else(|| {
                std::env::var("GITHUB_REPOSITORY")
                    .ok()
                    .filter(|r| !r.is_empty())
            })
            .ok_or_else(|| {
                TrackerError::Usage(
                    "no repository to file issues in\nhint: pass `--repo owner/name`".into(),
                )
            })?;
        TrackerSpec::GitHub {
            api_url: args.github_api_url.clone(),
            repo,
            token: config::token_from_env(),
        }
    } else {
        return Err(TrackerError::Usage(format!(
            "unknown tracker `{}`\nhint: `--tracker github` or `--tracker dir:PATH`",
            args.tracker
        )));
    };
    let mut config = SyncConfig::new(tracker);
    match &args.config {
        Some(path) => config.apply_file(path)?,
        None => {
            let default = Path::new("gardener.toml");
            if default.is_file() {
                config.apply_file(default)?;
            }
        }
    }
    if let Some(priority) = args.min_priority {
        config.min_priority = priority;
    }
    if let Some(threshold) = args.match_threshold {
        if !(0.0..=1.0).contains(&threshold) {
            return Err(TrackerError::Usage(format!(
                "`--match-threshold` {threshold} is not between 0 and 1"
            )));
        }
        config.match_threshold = threshold;
    }
    Ok(config)
}

/// `gardener issues plan|apply`: read the report, sync, write `issues-plan.md` and
/// `issues-plan.json` into `--out`, print one line per finding.
///
/// # Errors
///
/// See [`config_from_args`] and [`sync`]; unreadable report; output that cannot be written.
pub fn run(args: &IssuesArgs, stdout: &mut dyn Write) -> Result<Outcome, TrackerError> {
    let config = config_from_args(args)?;
    let report_path = args
        .report
        .clone()
        .unwrap_or_else(|| args.out.join("report.json"));
    let text = std::fs::read_to_string(&report_path).map_err(|source| TrackerError::Read {
        path: report_path.clone(),
        source,
    })?;
    let report: Value = serde_json::from_str(&text).map_err(|source| TrackerError::Json {
        what: report_path.display().to_string(),
        source,
    })?;
    let outcome = sync(&report, &config, args.mode)?;
    write_plan(&outcome, &args.out, &config.redact_rules)?;
    print_plan(&outcome, &config.redact_rules, stdout)?;
    Ok(outcome)
}

/// One line per finding and the consolidation rate, redacted.
///
/// # Errors
///
/// The stream cannot be written or a redaction rule is bad.
pub fn print_plan(
    outcome: &Outcome,
    redact_rules: &[String],
    out: &mut dyn Write,
) -> Result<(), TrackerError> {
    let redactor = Redactor::with_user_rules(redact_rules)?;
    for entry in &outcome.entries {
        writeln!(out, "{}", redactor.redact(&render::plan_line(entry)))
            .map_err(TrackerError::Print)?;
    }
    let rate = outcome
        .consolidation
        .rate
        .map_or_else(|| "n/a".to_string(), |r| format!("{:.1} %", r * 100.0));
    writeln!(
        out,
        "{}: {} update, {} reopen, {} create, {} link, {} skip; consolidation {rate}",
        outcome.mode,
        outcome.counts.update,
        outcome.counts.reopen,
        outcome.counts.create,
        outcome.counts.link,
        outcome.counts.skip
    )
    .map_err(TrackerError::Print)?;
    Ok(())
}
