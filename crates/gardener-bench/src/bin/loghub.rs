//! Scores the miner on a loghub folder: `loghub DIR [--pred-dir OUT]`.
//!
//! DIR holds one folder per system with `<System>_2k.log_structured_corrected.csv` (loghub-2k)
//! or `<System>_full.log_structured[_corrected].csv` (loghub-2.0-full). Every system found is
//! mined with the default configuration (its `Content` column only) and scored with the
//! metrics of `score.py`. With `--pred-dir OUT`, `OUT/<System>.csv` (LineId, EventTemplate)
//! is written for `score.py --dir DIR --pred-dir OUT`. `--split-values N` and
//! `--split-values-capitalised N` override the two split caps of `MinerConfig` for
//! experiments; the reported benchmark uses the defaults.

#![allow(clippy::print_stdout)]

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use gardener_bench::loghub;
use gardener_mine::MinerConfig;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut dir: Option<PathBuf> = None;
    let mut pred_dir: Option<PathBuf> = None;
    let mut config = MinerConfig::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--pred-dir" => {
                pred_dir = Some(args.next().context("--pred-dir needs a folder")?.into())
            }
            "--split-values" => {
                config.max_split_values = args
                    .next()
                    .context("--split-values needs a number")?
                    .parse()?;
            }
            "--split-values-capitalised" => {
                config.max_split_values_capitalised = args
                    .next()
                    .context("--split-values-capitalised needs a number")?
                    .parse()?;
            }
            "-h" | "--help" => {
                println!(
                    "usage: loghub DIR [--pred-dir OUT] [--split-values N] [--split-values-capitalised N]"
                );
                return Ok(());
            }
            _ if dir.is_none() => dir = Some(arg.into()),
            _ => bail!(
                "unexpected argument `{arg}`\nhint: usage: loghub DIR [--pred-dir OUT] [--split-values N] [--split-values-capitalised N]"
            ),
        }
    }
    let dir = dir.context("missing DIR\nhint: usage: loghub DIR [--pred-dir OUT] [--split-values N] [--split-values-capitalised N]")?;
    let sets = loghub::datasets(&dir)?;
    if sets.is_empty() {
        bail!(
            "no data set under {}\nhint: DIR must hold <System>/<System>_2k.log_structured_corrected.csv",
            dir.display()
        );
    }
    if let Some(out) = &pred_dir {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "{:<12} {:>7} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>8}",
        "Dataset", "Lines", "TruthT", "PredG", "GA", "PA", "FGA", "FTA", "ms"
    )?;
    let mut sums = [0.0f64; 4];
    for set in &sets {
        let rows = loghub::load(&set.path)?;
        let started = Instant::now();
        let (s, templates) = loghub::mine_and_score(&rows, &config);
        let elapsed = started.elapsed();
        if let Some(out) = &pred_dir {
            let path = out.join(format!("{}.csv", set.name));
            let mut w = csv::Writer::from_path(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            w.write_record(["LineId", "EventTemplate"])?;
            for (r, t) in rows.iter().zip(&templates) {
                w.write_record([r.line_id.as_str(), t.as_str()])?;
            }
            w.flush()?;
        }
        sums[0] += s.ga;
        sums[1] += s.pa;
        sums[2] += s.fga;
        sums[3] += s.fta;
        writeln!(
            stdout,
            "{:<12} {:>7} {:>6} {:>6} {:>6.3} {:>6.3} {:>6.3} {:>6.3} {:>8.1}",
            set.name,
            s.lines,
            s.truth_templates,
            s.pred_groups,
            s.ga,
            s.pa,
            s.fga,
            s.fta,
            elapsed.as_secs_f64() * 1e3
        )?;
    }
    #[allow(clippy::cast_precision_loss)]
    let n = sets.len() as f64;
    writeln!(
        stdout,
        "average GA={:.3} PA={:.3} FGA={:.3} FTA={:.3}",
        sums[0] / n,
        sums[1] / n,
        sums[2] / n,
        sums[3] / n
    )?;
    Ok(())
}
