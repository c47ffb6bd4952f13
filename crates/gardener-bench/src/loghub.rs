//! Loghub data sets and the four template-mining metrics, computed exactly as
//! `loghub-2k/score.py` does (Loghub-2.0 definitions).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use gardener_mine::{Miner, MinerConfig};

/// One labelled line: its `LineId`, the `Content` the miner sees, and the truth template
/// (whitespace-normalised; `None` when the truth leaves it empty, which `score.py` skips).
#[derive(Debug, Clone)]
pub struct Labelled {
    /// `LineId` column.
    pub line_id: String,
    /// `Content` column.
    pub content: String,
    /// Normalised `EventTemplate`, if any.
    pub truth: Option<String>,
}

/// A data set found in a loghub folder.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The system name (the folder name).
    pub name: String,
    /// The structured CSV with the truth.
    pub path: PathBuf,
}

/// Whitespace normalisation used for every template comparison (`score.py` `norm_ws`).
#[must_use]
pub fn norm_ws(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The truth file of system folder `dir/name`, in the loghub-2k layout
/// (`<name>_2k.log_structured_corrected.csv`) or the loghub-2.0-full layout
/// (`<name>_full.log_structured_corrected.csv`, else `<name>_full.log_structured.csv`).
#[must_use]
pub fn truth_file(dir: &Path, name: &str) -> Option<PathBuf> {
    [
        format!("{name}_2k.log_structured_corrected.csv"),
        format!("{name}_full.log_structured_corrected.csv"),
        format!("{name}_full.log_structured.csv"),
    ]
    .into_iter()
    .map(|f| dir.join(name).join(f))
    .find(|p| p.is_file())
}

/// Every system folder under `dir` that holds a truth file, sorted by name.
///
/// # Errors
/// When `dir` cannot be listed.
pub fn datasets(dir: &Path) -> Result<Vec<Dataset>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(path) = truth_file(dir, &name) {
            out.push(Dataset { name, path });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Reads `LineId`, `Content` and `EventTemplate` of a structured CSV.
///
/// # Errors
/// When the file cannot be read or lacks a column.
pub fn load(path: &Path) -> Result<Vec<Labelled>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == name)
            .with_context(|| format!("{} lacks column `{name}`", path.display()))
    };
    let (id_col, content_col, template_col) =
        (col("LineId")?, col("Content")?, col("EventTemplate")?);
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("bad CSV row in {}", path.display()))?;
        let template = record.get(template_col).unwrap_or("").trim();
        let truth = (!template.is_empty() && !template.eq_ignore_ascii_case("nan"))
            .then(|| norm_ws(template));
        out.push(Labelled {
            line_id: record.get(id_col).unwrap_or("").trim().to_owned(),
            content: record.get(content_col).unwrap_or("").to_owned(),
            truth,
        });
    }
    Ok(out)
}

/// Mines the `Content` of `rows` with `config` and returns the template of each row, in order.
#[must_use]
pub fn mine_rows(rows: &[Labelled], config: &MinerConfig) -> Vec<String> {
    let mut miner = Miner::new(config.clone());
    let keys: Vec<_> = rows.iter().map(|r| miner.observe(&r.content)).collect();
    let patterns = miner.finish();
    keys.iter()
        .map(|&k| patterns.template(patterns.pattern_of(k)).to_owned())
        .collect()
}

/// Mines (with `config`) and scores one data set.
#[must_use]
pub fn mine_and_score(rows: &[Labelled], config: &MinerConfig) -> (Scores, Vec<String>) {
    let templates = mine_rows(rows, config);
    let predicted = rows
        .iter()
        .zip(&templates)
        .map(|(r, t)| (r.line_id.clone(), t.clone()))
        .collect();
    (score(rows, &predicted), templates)
}

/// The four metrics plus counts, as `score.py` reports them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    /// Scored lines (truth rows with a template).
    pub lines: usize,
    /// Distinct truth templates.
    pub truth_templates: usize,
    /// Distinct predicted groups (templates).
    pub pred_groups: usize,
    /// Grouping accuracy.
    pub ga: f64,
    /// Parsing accuracy.
    pub pa: f64,
    /// F1 of group accuracy.
    pub fga: f64,
    /// F1 of template accuracy.
    pub fta: f64,
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// `LineId` key as `score.py` reads it: an integer when it parses as a number.
fn line_key(raw: &str) -> String {
    let raw = raw.trim();
    match raw.parse::<f64>() {
        #[allow(clippy::cast_possible_truncation)]
        Ok(v) if v.is_finite() => format!("{}", v.trunc() as i64),
        _ => raw.to_owned(),
    }
}

/// Scores predicted templates (one per `LineId`, grouping by template text, as `score.py`
/// does by default) against the truth.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn score(truth: &[Labelled], predicted: &HashMap<String, String>) -> Scores {
    let pred: HashMap<String, String> = predicted
        .iter()
        .map(|(k, v)| (line_key(k), norm_ws(v)))
        .collect();
    // truth template -> predicted group of each of its lines (None: missing)
    let mut truth_groups: HashMap<&str, Vec<Option<&str>>> = HashMap::new();
    let mut group_size: HashMap<&str, usize> = HashMap::new();
    let mut by_pred: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut n = 0usize;
    let mut pa_hits = 0usize;
    for row in truth {
        let Some(t) = row.truth.as_deref() else {
            continue;
        };
        n += 1;
        let got = pred.get(&line_key(&row.line_id)).map(String::as_str);
        truth_groups.entry(t).or_default().push(got);
        if let Some(p) = got {
            *group_size.entry(p).or_default() += 1;
            if p == t {
                pa_hits += 1;
            }
            let ts = by_pred.entry(p).or_default();
            if !ts.contains(&t) {
                ts.push(t);
            }
        }
    }
    let mut correct_groups = 0usize;
    let mut correct_lines = 0usize;
    for groups in truth_groups.values() {
        let Some(first) = groups[0] else { continue };
        if groups.iter().all(|g| *g == Some(first)) && group_size[first] == groups.len() {
            correct_groups += 1;
            correct_lines += groups.len();
        }
    }
    let n_pred = group_size.len();
    let n_truth = truth_groups.len();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let correct_t = by_pred
        .iter()
        .filter(|(p, ts)| ts.len() == 1 && ts[0] == **p)
        .count();
    Scores {
        lines: n,
        truth_templates: n_truth,
        pred_groups: n_pred,
        ga: ratio(correct_lines, n),
        pa: ratio(pa_hits, n),
        fga: f1(
            ratio(correct_groups, n_pred),
            ratio(correct_groups, n_truth),
        ),
        fta: f1(ratio(correct_t, by_pred.len()), ratio(correct_t, n_truth)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(templates: &[(&str, &str)]) -> Vec<Labelled> {
        templates
            .iter()
            .map(|(id, t)| Labelled {
                line_id: (*id).to_owned(),
                content: String::new(),
                truth: Some((*t).to_owned()),
            })
            .collect()
    }

    fn pred(p: &[(&str, &str)]) -> HashMap<String, String> {
        p.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    // The cases of `score.py --selftest`.
    #[test]
    fn perfect_prediction_scores_one_everywhere() {
        let truth = rows(&[
            ("1", "a <*>"),
            ("2", "a <*>"),
            ("3", "b"),
            ("4", "c <*> d"),
            ("5", "c <*> d"),
        ]);
        let s = score(
            &truth,
            &pred(&[
                ("1", "a <*>"),
                ("2", "a <*>"),
                ("3", "b"),
                ("4", "c <*> d"),
                ("5", "c  <*> d "),
            ]),
        );
        assert_eq!((s.ga, s.pa, s.fga, s.fta), (1.0, 1.0, 1.0, 1.0));
    }

    #[test]
    fn one_lump_scores_zero() {
        let truth = rows(&[("1", "a <*>"), ("2", "a <*>"), ("3", "b")]);
        let s = score(&truth, &pred(&[("1", "<*>"), ("2", "<*>"), ("3", "<*>")]));
        assert_eq!((s.ga, s.pa, s.fga, s.fta), (0.0, 0.0, 0.0, 0.0));
    }

    #[test]
    fn split_group_loses_ga_for_that_group_and_template_stays_correct() {
        let truth = rows(&[
            ("1", "a <*>"),
            ("2", "a <*>"),
            ("3", "b"),
            ("4", "c <*> d"),
            ("5", "c <*> d"),
        ]);
        let s = score(
            &truth,
            &pred(&[
                ("1", "a <*>"),
                ("2", "a 7"),
                ("3", "b"),
                ("4", "c <*> d"),
                ("5", "c <*> d"),
            ]),
        );
        assert!((s.ga - 3.0 / 5.0).abs() < 1e-12);
        assert!((s.pa - 4.0 / 5.0).abs() < 1e-12);
        // PTA 3/4, RTA 3/3
        assert!((s.fta - f1(0.75, 1.0)).abs() < 1e-12);
    }

    #[test]
    fn missing_prediction_never_counts_as_correct() {
        let truth = rows(&[
            ("1", "a <*>"),
            ("2", "a <*>"),
            ("3", "b"),
            ("4", "c <*> d"),
            ("5", "c <*> d"),
        ]);
        let s = score(
            &truth,
            &pred(&[
                ("1", "a <*>"),
                ("2", "a <*>"),
                ("4", "c <*> d"),
                ("5", "c <*> d"),
            ]),
        );
        assert!((s.ga - 4.0 / 5.0).abs() < 1e-12);
        assert_eq!(s.pred_groups, 2);
    }
}
