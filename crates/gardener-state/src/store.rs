//! [`StateStore`]: the SQLite connection and every read and write of the history.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gardener_core::{PatternId, Severity};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use crate::error::{StateError, classify};
use crate::model::{
    Changes, Gone, PatternRecord, PatternState, PatternStatus, Regression, ResolveOutcome,
    ResolvedBy, Returned, RunInfo, RunRecord,
};
use crate::rate::{significant_change, window_hours};
use crate::schema;

/// How long a writer waits for another one by default.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// How many runs keep their per-pattern counts by default.
pub const DEFAULT_KEEP_RUNS: u32 = 100;

/// Knobs of [`StateStore::open_with`].
#[derive(Clone, Debug)]
pub struct StateOptions {
    /// How long to wait for another process that holds the write lock.
    pub busy_timeout: Duration,
    /// How many of the newest runs keep their per-pattern counts; older runs keep only their
    /// summary row. At least 1 (the previous run is always needed).
    pub keep_runs: u32,
}

impl Default for StateOptions {
    fn default() -> Self {
        Self {
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            keep_runs: DEFAULT_KEEP_RUNS,
        }
    }
}

/// The run history in one SQLite file. Several processes may hold a store on the same file at
/// once: every write is one `BEGIN IMMEDIATE` transaction, so writers take turns.
#[derive(Debug)]
pub struct StateStore {
    conn: Connection,
    path: PathBuf,
    options: StateOptions,
}

/// What error messages need: the file and the busy timeout.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    path: &'a Path,
    seconds: Duration,
}

impl Ctx<'_> {
    fn error(self, action: &'static str, source: rusqlite::Error) -> StateError {
        classify(self.path, action, self.seconds, source)
    }
}

/// A pattern record after merging duplicates of one id.
struct Merged<'a> {
    template: &'a str,
    severity: Severity,
    count: u64,
    first_seen: Option<Timestamp>,
    last_seen: Option<Timestamp>,
}

/// The columns of `patterns` that `record_run` needs.
struct Known {
    last_run: u64,
    last_count: u64,
    first_seen: Option<Timestamp>,
    last_seen: Option<Timestamp>,
    resolved: Option<(Timestamp, ResolvedBy)>,
}

impl StateStore {
    /// Opens or creates the state file (and its folder) with the default options.
    ///
    /// # Errors
    ///
    /// When the folder cannot be created, the file is not an SQLite database or not ours, its
    /// schema is newer than this build, or another process holds it locked for more than 30 s.
    pub fn open(path: &Path) -> Result<Self, StateError> {
        Self::open_with(path, StateOptions::default())
    }

    /// Opens or creates the state file with explicit options.
    ///
    /// # Errors
    ///
    /// As [`StateStore::open`].
    pub fn open_with(path: &Path, mut options: StateOptions) -> Result<Self, StateError> {
        options.keep_runs = options.keep_runs.max(1);
        let conn = schema::open(path, options.busy_timeout)?;
        Ok(Self {
            conn,
            path: path.to_path_buf(),
            options,
        })
    }

    /// The file this store reads and writes.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            path: &self.path,
            seconds: self.options.busy_timeout,
        }
    }

    fn err(&self, action: &'static str) -> impl Fn(rusqlite::Error) -> StateError + '_ {
        move |source| classify(&self.path, action, self.options.busy_timeout, source)
    }

    fn begin(&mut self, action: &'static str) -> Result<Transaction<'_>, StateError> {
        let (path, seconds) = (self.path.clone(), self.options.busy_timeout);
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| classify(&path, action, seconds, e))
    }

    /// Records a run and returns what changed against the history.
    ///
    /// Reading the previous run, comparing and inserting happen in one `BEGIN IMMEDIATE`
    /// transaction: two processes recording at once are put in an order, and the second one
    /// compares against the first. Resolved patterns that appear again are flipped back to
    /// open, so the next run does not report them again.
    ///
    /// # Errors
    ///
    /// When the file cannot be written or the lock is not granted within the busy timeout.
    pub fn record_run(&mut self, run: &RunRecord) -> Result<Changes, StateError> {
        const ACTION: &str = "record a run in";
        let path = self.path.clone();
        let seconds = self.options.busy_timeout;
        let keep_runs = self.options.keep_runs;
        let ctx = Ctx {
            path: &path,
            seconds,
        };
        let err = |e| classify(&path, ACTION, seconds, e);
        let merged = merge(&run.patterns);
        let events = merged.values().map(|m| m.count).sum::<u64>();

        let tx = self.begin(ACTION)?;
        let previous_run = latest_run(&tx, ctx)?;
        let previous_counts = match &previous_run {
            Some(previous) => run_counts(&tx, ctx, previous.id)?,
            None => BTreeMap::new(),
        };
        let previous_hours = previous_run
            .as_ref()
            .and_then(|p| window_hours(p.window_start, p.window_end));
        let now_hours = window_hours(run.window_start, run.window_end);

        tx.execute(
            "INSERT INTO runs (generated_at, window_start, window_end, patterns, events)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                run.generated_at.to_string(),
                run.window_start.map(|t| t.to_string()),
                run.window_end.map(|t| t.to_string()),
                to_sql_count(merged.len() as u64),
                to_sql_count(events),
            ],
        )
        .map_err(err)?;
        let run_id = tx.last_insert_rowid();
        for (position, input) in run.inputs.iter().enumerate() {
            tx.execute(
                "INSERT INTO run_inputs (run_id, position, input) VALUES (?1, ?2, ?3)",
                params![run_id, to_sql_count(position as u64), input],
            )
            .map_err(err)?;
        }
        let generated_at = run.generated_at.to_string();

        let mut new = Vec::new();
        let mut returned = Vec::new();
        let mut changed = Vec::new();
        let mut regressed = Vec::new();
        for (&id, pattern) in &merged {
            let sql_id = id_to_sql(id);
            match known(&tx, ctx, id)? {
                None => {
                    new.push(id);
                    tx.prepare_cached(
                        "INSERT INTO patterns (id, template, severity, first_run, last_run,
                             runs_seen, last_count, first_seen, last_seen)
                         VALUES (?1, ?2, ?3, ?4, ?4, 1, ?5, ?6, ?7)",
                    )
                    .and_then(|mut stmt| {
                        stmt.execute(params![
                            sql_id,
                            pattern.template,
                            pattern.severity.as_str(),
                            run_id,
                            to_sql_count(pattern.count),
                            pattern.first_seen.map(|t| t.to_string()),
                            pattern.last_seen.map(|t| t.to_string()),
                        ])
                    })
                    .map_err(err)?;
                }
                Some(known) => {
                    if let Some((resolved_at, resolved_by)) = known.resolved {
                        regressed.push(Regression {
                            id,
                            count: pattern.count,
                            resolved_at,
                            resolved_by,
                            issue: issue_of(&tx, ctx, id)?.map(|(number, _)| number),
                        });
                        tx.prepare_cached(
                            "UPDATE patterns SET resolved_at = NULL, resolved_by = NULL,
                                 resolved_note = NULL, resolved_issue = NULL,
                                 regressed_at = ?2, regressed_run = ?3
                             WHERE id = ?1",
                        )
                        .and_then(|mut stmt| stmt.execute(params![sql_id, generated_at, run_id]))
                        .map_err(err)?;
                    } else if !previous_counts.contains_key(&id) {
                        returned.push(Returned {
                            id,
                            last_run: known.last_run,
                            last_count: known.last_count,
                        });
                    }
                    let first_seen = earliest(known.first_seen, pattern.first_seen);
                    let last_seen = latest(known.last_seen, pattern.last_seen);
                    tx.prepare_cached(
                        "UPDATE patterns SET template = ?2, severity = ?3, last_run = ?4,
                             runs_seen = runs_seen + 1, last_count = ?5,
                             first_seen = ?6, last_seen = ?7
                         WHERE id = ?1",
                    )
                    .and_then(|mut stmt| {
                        stmt.execute(params![
                            sql_id,
                            pattern.template,
                            pattern.severity.as_str(),
                            run_id,
                            to_sql_count(pattern.count),
                            first_seen.map(|t| t.to_string()),
                            last_seen.map(|t| t.to_string()),
                        ])
                    })
                    .map_err(err)?;
                }
            }
            if let Some(&before) = previous_counts.get(&id)
                && let Some(change) =
                    significant_change(id, before, previous_hours, pattern.count, now_hours)
            {
                changed.push(change);
            }
            tx.prepare_cached(
                "INSERT INTO run_patterns (run_id, pattern_id, count, first_seen, last_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    run_id,
                    sql_id,
                    to_sql_count(pattern.count),
                    pattern.first_seen.map(|t| t.to_string()),
                    pattern.last_seen.map(|t| t.to_string()),
                ])
            })
            .map_err(err)?;
        }

        let mut gone = Vec::new();
        for (&id, &previous_count) in &previous_counts {
            if merged.contains_key(&id) {
                continue;
            }
            let row = tx
                .prepare_cached("SELECT template, severity, last_seen FROM patterns WHERE id = ?1")
                .and_then(|mut stmt| {
                    stmt.query_row([id_to_sql(id)], |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, Option<String>>(2)?,
                        ))
                    })
                })
                .map_err(err)?;
            gone.push(Gone {
                id,
                template: row.0,
                severity: parse_severity(&path, &row.1)?,
                previous_count,
                last_seen: parse_opt_ts(&path, row.2)?,
            });
        }

        // Bound the history: runs older than the newest `keep_runs` lose their per-pattern rows.
        tx.execute(
            "DELETE FROM run_patterns WHERE run_id <=
                 (SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?1)",
            [i64::from(keep_runs)],
        )
        .map_err(err)?;

        let this_run = run_info(&tx, ctx, run_id)?.ok_or_else(|| StateError::Corrupt {
            path: path.clone(),
            what: format!("run {run_id} vanished while it was being recorded"),
        })?;
        tx.commit().map_err(err)?;
        Ok(Changes {
            run: this_run,
            previous_run,
            new,
            gone,
            returned,
            changed,
            regressed,
        })
    }

    /// Marks a pattern resolved now. See [`StateStore::resolve_at`].
    ///
    /// # Errors
    ///
    /// When the file cannot be written.
    pub fn resolve(
        &mut self,
        id: PatternId,
        how: ResolvedBy,
    ) -> Result<ResolveOutcome, StateError> {
        self.resolve_at(id, how, Timestamp::now())
    }

    /// Marks a pattern resolved at a given time. A pattern that is already resolved keeps its
    /// first resolution; an id no run has seen is not recorded ([`ResolveOutcome::Unknown`]).
    ///
    /// # Errors
    ///
    /// When the file cannot be written.
    pub fn resolve_at(
        &mut self,
        id: PatternId,
        how: ResolvedBy,
        at: Timestamp,
    ) -> Result<ResolveOutcome, StateError> {
        const ACTION: &str = "resolve a pattern in";
        let path = self.path.clone();
        let seconds = self.options.busy_timeout;
        let tx = self.begin(ACTION)?;
        let outcome =
            resolve_in(&tx, id, &how, at).map_err(|e| classify(&path, ACTION, seconds, e))?;
        tx.commit()
            .map_err(|e| classify(&path, ACTION, seconds, e))?;
        Ok(outcome)
    }

    /// Remembers the tracker issue of a pattern. A closed issue resolves the pattern (by
    /// [`ResolvedBy::TrackerIssue`]) when the pattern is known and open, unless the store
    /// already knew this very issue as closed: syncing an unchanged closed issue again must not
    /// re-resolve a pattern that regressed since. An open issue leaves the status alone. The
    /// link is kept even for ids no run has seen yet.
    ///
    /// # Errors
    ///
    /// When the file cannot be written.
    pub fn set_issue(&mut self, id: PatternId, number: u64, open: bool) -> Result<(), StateError> {
        const ACTION: &str = "link an issue in";
        let path = self.path.clone();
        let seconds = self.options.busy_timeout;
        let tx = self.begin(ACTION)?;
        let before = issue_of(
            &tx,
            Ctx {
                path: &path,
                seconds,
            },
            id,
        )?;
        tx.execute(
            "INSERT INTO issues (pattern_id, number, open) VALUES (?1, ?2, ?3)
             ON CONFLICT (pattern_id) DO UPDATE SET number = ?2, open = ?3",
            params![id_to_sql(id), to_sql_count(number), open],
        )
        .map_err(|e| classify(&path, ACTION, seconds, e))?;
        if !open && before != Some((number, false)) {
            resolve_in(
                &tx,
                id,
                &ResolvedBy::TrackerIssue { number },
                Timestamp::now(),
            )
            .map_err(|e| classify(&path, ACTION, seconds, e))?;
        }
        tx.commit()
            .map_err(|e| classify(&path, ACTION, seconds, e))?;
        Ok(())
    }

    /// The tracker issue of a pattern: number and whether it is open.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn issue_of(&self, id: PatternId) -> Result<Option<(u64, bool)>, StateError> {
        issue_of(&self.conn, self.ctx(), id)
    }

    /// Everything known about one pattern, or `None` when no run saw it.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn pattern(&self, id: PatternId) -> Result<Option<PatternState>, StateError> {
        let sql = format!("{PATTERN_SELECT} WHERE p.id = ?1");
        let row = self
            .conn
            .query_row(&sql, [id_to_sql(id)], raw_pattern)
            .optional()
            .map_err(self.err("read"))?;
        row.map(|raw| raw.into_state(&self.path)).transpose()
    }

    /// Every known pattern, by id.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn patterns(&self) -> Result<Vec<PatternState>, StateError> {
        let sql = format!("{PATTERN_SELECT} ORDER BY p.id");
        let mut stmt = self.conn.prepare(&sql).map_err(self.err("read"))?;
        let raws = stmt
            .query_map([], raw_pattern)
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(self.err("read"))?;
        let mut states: Vec<PatternState> = raws
            .into_iter()
            .map(|raw| raw.into_state(&self.path))
            .collect::<Result<_, _>>()?;
        // SQLite orders the signed form; callers expect the order of the hex ids.
        states.sort_by_key(|state| state.id);
        Ok(states)
    }

    /// The known ids whose 16-hex-digit form starts with `prefix` (case-insensitive), sorted;
    /// lets `gardener resolve` accept an abbreviated id the way git accepts a short hash.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn ids_with_prefix(&self, prefix: &str) -> Result<Vec<PatternId>, StateError> {
        let prefix = prefix.to_ascii_lowercase();
        let ids: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM patterns")
            .and_then(|mut stmt| {
                stmt.query_map([], |row| row.get(0))?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(self.err("read"))?;
        let mut found: Vec<PatternId> = ids
            .into_iter()
            .map(id_from_sql)
            .filter(|id| id.to_string().starts_with(&prefix))
            .collect();
        found.sort();
        Ok(found)
    }

    /// Every recorded run, oldest first.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn runs(&self) -> Result<Vec<RunInfo>, StateError> {
        let ids: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM runs ORDER BY id")
            .and_then(|mut stmt| {
                stmt.query_map([], |row| row.get(0))?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(self.err("read"))?;
        let mut runs = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(info) = run_info(&self.conn, self.ctx(), id)? {
                runs.push(info);
            }
        }
        Ok(runs)
    }

    /// A pattern's count in each of the retained runs (the newest [`StateOptions::keep_runs`]),
    /// oldest first, as `(run id, count)`. Runs in which it did not appear are left out.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn history(&self, id: PatternId) -> Result<Vec<(u64, u64)>, StateError> {
        let rows: Vec<(i64, i64)> = self
            .conn
            .prepare("SELECT run_id, count FROM run_patterns WHERE pattern_id = ?1 ORDER BY run_id")
            .and_then(|mut stmt| {
                stmt.query_map([id_to_sql(id)], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(self.err("read"))?;
        rows.into_iter()
            .map(|(run, count)| {
                Ok((
                    from_sql_count(&self.path, run)?,
                    from_sql_count(&self.path, count)?,
                ))
            })
            .collect()
    }

    /// The narrative JSON stored under a cache key by [`StateStore::store_narrative`], if any.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn cached_narrative(&self, key: &str) -> Result<Option<String>, StateError> {
        self.conn
            .query_row(
                "SELECT json FROM narrative_cache WHERE key = ?1",
                [key],
                |row| row.get(0),
            )
            .optional()
            .map_err(self.err("read"))
    }

    /// Stores (or replaces) the narrative JSON under a cache key. The key is opaque to this
    /// crate; `gardener-narrate` builds it from provider, model, patterns and a count bucket.
    ///
    /// # Errors
    ///
    /// When the file cannot be written.
    pub fn store_narrative(&mut self, key: &str, json: &str) -> Result<(), StateError> {
        const ACTION: &str = "store a narrative in";
        let (path, seconds) = (self.path.clone(), self.options.busy_timeout);
        let tx = self.begin(ACTION)?;
        tx.execute(
            "INSERT INTO narrative_cache (key, json, stored_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET json = ?2, stored_at = ?3",
            params![key, json, Timestamp::now().to_string()],
        )
        .map_err(|e| classify(&path, ACTION, seconds, e))?;
        tx.commit().map_err(|e| classify(&path, ACTION, seconds, e))
    }
}

/// Groups the records by id: counts add up, the earliest first and latest last sighting win,
/// the highest severity wins, the first template is kept. Zero counts are dropped.
fn merge(records: &[PatternRecord]) -> BTreeMap<PatternId, Merged<'_>> {
    let mut merged: BTreeMap<PatternId, Merged<'_>> = BTreeMap::new();
    for record in records.iter().filter(|r| r.count > 0) {
        merged
            .entry(record.id)
            .and_modify(|m| {
                m.count = m.count.saturating_add(record.count);
                m.severity = m.severity.max(record.severity);
                m.first_seen = earliest(m.first_seen, record.first_seen);
                m.last_seen = latest(m.last_seen, record.last_seen);
            })
            .or_insert(Merged {
                template: &record.template,
                severity: record.severity,
                count: record.count,
                first_seen: record.first_seen,
                last_seen: record.last_seen,
            });
    }
    merged
}

fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn latest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// The id's bits as SQLite's signed integer.
fn id_to_sql(id: PatternId) -> i64 {
    i64::from_ne_bytes(id.as_u64().to_ne_bytes())
}

fn id_from_sql(value: i64) -> PatternId {
    PatternId::from_u64(u64::from_ne_bytes(value.to_ne_bytes()))
}

/// Counts above `i64::MAX` cannot occur in practice; they are clamped rather than wrapped.
fn to_sql_count(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

fn from_sql_count(path: &Path, value: i64) -> Result<u64, StateError> {
    u64::try_from(value).map_err(|_| StateError::Corrupt {
        path: path.to_path_buf(),
        what: format!("negative count or number {value}"),
    })
}

fn parse_ts(path: &Path, text: &str) -> Result<Timestamp, StateError> {
    text.parse().map_err(|error| StateError::Corrupt {
        path: path.to_path_buf(),
        what: format!("timestamp `{text}`: {error}"),
    })
}

fn parse_opt_ts(path: &Path, text: Option<String>) -> Result<Option<Timestamp>, StateError> {
    text.map(|t| parse_ts(path, &t)).transpose()
}

fn parse_severity(path: &Path, text: &str) -> Result<Severity, StateError> {
    Severity::ALL
        .into_iter()
        .find(|s| s.as_str() == text)
        .ok_or_else(|| StateError::Corrupt {
            path: path.to_path_buf(),
            what: format!("severity `{text}`"),
        })
}

fn parse_resolved_by(
    path: &Path,
    kind: &str,
    note: Option<String>,
    issue: Option<i64>,
) -> Result<ResolvedBy, StateError> {
    match (kind, issue) {
        ("person", _) => Ok(ResolvedBy::Person { note }),
        ("tracker_issue", Some(number)) => Ok(ResolvedBy::TrackerIssue {
            number: from_sql_count(path, number)?,
        }),
        _ => Err(StateError::Corrupt {
            path: path.to_path_buf(),
            what: format!("resolution kind `{kind}` without its details"),
        }),
    }
}

fn latest_run(conn: &Connection, ctx: Ctx<'_>) -> Result<Option<RunInfo>, StateError> {
    let id: Option<i64> = conn
        .query_row("SELECT max(id) FROM runs", [], |row| row.get(0))
        .map_err(|e| ctx.error("read", e))?;
    match id {
        Some(id) => run_info(conn, ctx, id),
        None => Ok(None),
    }
}

fn run_info(conn: &Connection, ctx: Ctx<'_>, id: i64) -> Result<Option<RunInfo>, StateError> {
    let path = ctx.path;
    let read = |e| ctx.error("read", e);
    let row = conn
        .prepare_cached(
            "SELECT generated_at, window_start, window_end, patterns, events
             FROM runs WHERE id = ?1",
        )
        .and_then(|mut stmt| {
            stmt.query_row([id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, i64>(4)?,
                ))
            })
            .optional()
        })
        .map_err(read)?;
    let Some((generated_at, start, end, patterns, events)) = row else {
        return Ok(None);
    };
    let inputs = conn
        .prepare_cached("SELECT input FROM run_inputs WHERE run_id = ?1 ORDER BY position")
        .and_then(|mut stmt| {
            stmt.query_map([id], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(read)?;
    Ok(Some(RunInfo {
        id: from_sql_count(path, id)?,
        generated_at: parse_ts(path, &generated_at)?,
        window_start: parse_opt_ts(path, start)?,
        window_end: parse_opt_ts(path, end)?,
        inputs,
        patterns: from_sql_count(path, patterns)?,
        events: from_sql_count(path, events)?,
    }))
}

fn run_counts(
    conn: &Connection,
    ctx: Ctx<'_>,
    run_id: u64,
) -> Result<BTreeMap<PatternId, u64>, StateError> {
    let path = ctx.path;
    let rows: Vec<(i64, i64)> = conn
        .prepare_cached("SELECT pattern_id, count FROM run_patterns WHERE run_id = ?1")
        .and_then(|mut stmt| {
            stmt.query_map([to_sql_count(run_id)], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|e| ctx.error("read", e))?;
    rows.into_iter()
        .map(|(id, count)| Ok((id_from_sql(id), from_sql_count(path, count)?)))
        .collect()
}

fn known(conn: &Connection, ctx: Ctx<'_>, id: PatternId) -> Result<Option<Known>, StateError> {
    let path = ctx.path;
    type KnownRow = (
        i64,
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let row: Option<KnownRow> = conn
        .prepare_cached(
            "SELECT last_run, last_count, first_seen, last_seen,
                    resolved_at, resolved_by, resolved_note, resolved_issue
             FROM patterns WHERE id = ?1",
        )
        .and_then(|mut stmt| {
            stmt.query_row([id_to_sql(id)], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                    row.get(6)?,
                    row.get(7)?,
                ))
            })
            .optional()
        })
        .map_err(|e| ctx.error("read", e))?;
    let Some((last_run, last_count, first_seen, last_seen, at, by, note, issue)) = row else {
        return Ok(None);
    };
    let resolved = match (at, by) {
        (Some(at), Some(by)) => Some((
            parse_ts(path, &at)?,
            parse_resolved_by(path, &by, note, issue)?,
        )),
        _ => None,
    };
    Ok(Some(Known {
        last_run: from_sql_count(path, last_run)?,
        last_count: from_sql_count(path, last_count)?,
        first_seen: parse_opt_ts(path, first_seen)?,
        last_seen: parse_opt_ts(path, last_seen)?,
        resolved,
    }))
}

fn issue_of(
    conn: &Connection,
    ctx: Ctx<'_>,
    id: PatternId,
) -> Result<Option<(u64, bool)>, StateError> {
    let path = ctx.path;
    let row: Option<(i64, bool)> = conn
        .prepare_cached("SELECT number, open FROM issues WHERE pattern_id = ?1")
        .and_then(|mut stmt| {
            stmt.query_row([id_to_sql(id)], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
        })
        .map_err(|e| ctx.error("read", e))?;
    row.map(|(number, open)| Ok((from_sql_count(path, number)?, open)))
        .transpose()
}

fn resolve_in(
    tx: &Transaction<'_>,
    id: PatternId,
    how: &ResolvedBy,
    at: Timestamp,
) -> rusqlite::Result<ResolveOutcome> {
    let status: Option<Option<String>> = tx
        .query_row(
            "SELECT resolved_at FROM patterns WHERE id = ?1",
            [id_to_sql(id)],
            |row| row.get(0),
        )
        .optional()?;
    Ok(match status {
        None => ResolveOutcome::Unknown,
        Some(Some(_)) => ResolveOutcome::AlreadyResolved,
        Some(None) => {
            let (kind, note, issue) = match how {
                ResolvedBy::Person { note } => ("person", note.clone(), None),
                ResolvedBy::TrackerIssue { number } => {
                    ("tracker_issue", None, Some(to_sql_count(*number)))
                }
            };
            tx.execute(
                "UPDATE patterns SET resolved_at = ?2, resolved_by = ?3, resolved_note = ?4,
                     resolved_issue = ?5
                 WHERE id = ?1",
                params![id_to_sql(id), at.to_string(), kind, note, issue],
            )?;
            ResolveOutcome::Resolved
        }
    })
}

const PATTERN_SELECT: &str = "
SELECT p.id, p.template, p.severity, p.first_run, p.last_run, p.runs_seen, p.last_count,
       p.first_seen, p.last_seen, p.resolved_at, p.resolved_by, p.resolved_note,
       p.resolved_issue, p.regressed_at, i.number, i.open
FROM patterns p LEFT JOIN issues i ON i.pattern_id = p.id";

/// One row of [`PATTERN_SELECT`], before its text is parsed.
struct RawPattern {
    id: i64,
    template: String,
    severity: String,
    first_run: i64,
    last_run: i64,
    runs_seen: i64,
    last_count: i64,
    first_seen: Option<String>,
    last_seen: Option<String>,
    resolved_at: Option<String>,
    resolved_by: Option<String>,
    resolved_note: Option<String>,
    resolved_issue: Option<i64>,
    regressed_at: Option<String>,
    issue_number: Option<i64>,
    issue_open: Option<bool>,
}

fn raw_pattern(row: &Row<'_>) -> rusqlite::Result<RawPattern> {
    Ok(RawPattern {
        id: row.get(0)?,
        template: row.get(1)?,
        severity: row.get(2)?,
        first_run: row.get(3)?,
        last_run: row.get(4)?,
        runs_seen: row.get(5)?,
        last_count: row.get(6)?,
        first_seen: row.get(7)?,
        last_seen: row.get(8)?,
        resolved_at: row.get(9)?,
        resolved_by: row.get(10)?,
        resolved_note: row.get(11)?,
        resolved_issue: row.get(12)?,
        regressed_at: row.get(13)?,
        issue_number: row.get(14)?,
        issue_open: row.get(15)?,
    })
}

impl RawPattern {
    fn into_state(self, path: &Path) -> Result<PatternState, StateError> {
        let status = match (self.resolved_at, self.resolved_by) {
            (Some(at), Some(by)) => PatternStatus::Resolved {
                at: parse_ts(path, &at)?,
                by: parse_resolved_by(path, &by, self.resolved_note, self.resolved_issue)?,
            },
            _ => PatternStatus::Open,
        };
        let issue = match (self.issue_number, self.issue_open) {
            (Some(number), Some(open)) => Some((from_sql_count(path, number)?, open)),
            _ => None,
        };
        Ok(PatternState {
            id: id_from_sql(self.id),
            template: self.template,
            severity: parse_severity(path, &self.severity)?,
            status,
            first_run: from_sql_count(path, self.first_run)?,
            last_run: from_sql_count(path, self.last_run)?,
            runs_seen: from_sql_count(path, self.runs_seen)?,
            last_count: from_sql_count(path, self.last_count)?,
            first_seen: parse_opt_ts(path, self.first_seen)?,
            last_seen: parse_opt_ts(path, self.last_seen)?,
            regressed_at: parse_opt_ts(path, self.regressed_at)?,
            issue,
        })
    }
}
