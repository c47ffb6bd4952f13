//! Mining throughput, one thread: ours against the `drain3` and `logdrain` crates.
//!
//! `cargo run --release -p gardener-bench --example mine-throughput [-- --lines N] [--dir D]`
//!
//! The corpus is N (default 1,000,000) lines drawn with a fixed seed from the `Content` column
//! of the loghub-2k systems (20,000 lines), held as slices into that pool. Each miner runs in
//! its own child process (this binary with `--child NAME`) so that peak memory (`VmHWM`) is
//! per miner: a child loads the pool, notes `VmHWM`, mines every line on one thread (ours:
//! `observe` for each line, then `finish`; theirs: `add_log_message` / `add`), and reports the
//! time and `VmHWM`; three interleaved rounds run every miner in turn and the fastest round
//! of each is reported; "mining MiB" is the growth of `VmHWM` while mining. A fourth run feeds our
//! miner N unique random lines, generated on the fly, to show that the form caps bound memory.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use gardener_bench::corpus;
use gardener_mine::{Miner, MinerConfig};

/// Interleaved rounds; each miner's fastest round is reported.
const ROUNDS: usize = 3;
const MINERS: [&str; 4] = [
    "gardener-mine",
    "drain3",
    "logdrain",
    "gardener-mine-unique",
];

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// One full mining run over `corpus` from an empty miner; returns (patterns, notes).
fn run_once(name: &str, corpus: &[&str]) -> Result<(String, String)> {
    let started = Instant::now();
    Ok(match name {
        "gardener-mine" => {
            let mut miner = Miner::new(MinerConfig::default());
            for line in corpus {
                std::hint::black_box(miner.observe(line));
            }
            let observed = started.elapsed().as_secs_f64();
            let patterns = miner.finish();
            let s = miner.stats();
            (
                patterns.len().to_string(),
                format!(
                    "observe={observed:.3}s finish={:.3}s forms={} form_capped_lines={} token_capped_lines={}",
                    started.elapsed().as_secs_f64() - observed,
                    s.distinct_forms,
                    s.lines_form_capped,
                    s.lines_token_capped
                ),
            )
        }
        "drain3" => {
            let mut m = drain3::Matcher::new(drain3::Config::default());
            for line in corpus {
                std::hint::black_box(m.add_log_message(line).ok());
            }
            ("-".to_owned(), String::new())
        }
        "logdrain" => {
            let m = logdrain::Miner::builder().build()?;
            for line in corpus {
                std::hint::black_box(m.add(line));
            }
            (m.len().to_string(), String::new())
        }
        _ => bail!("unknown miner `{name}`"),
    })
}

fn child(name: &str, dir: &Path, lines: usize) -> Result<()> {
    if name == "gardener-mine-unique" {
        return child_unique(lines);
    }
    let pool = corpus::loghub_pool(dir)?;
    let corpus = corpus::resample(&pool, lines);
    let bytes: usize = corpus.iter().map(|l| l.len()).sum();
    let base = vm_hwm_kib();
    let started = Instant::now();
    let result = run_once(name, &corpus)?;
    let best = started.elapsed().as_secs_f64();
    let (patterns, note) = result;
    println!(
        "RESULT {name} {lines} {bytes} {best} {base} {} {patterns} {note}",
        vm_hwm_kib()
    );
    Ok(())
}

/// Our miner on `lines` unique random lines, generated on the fly (generation time included).
fn child_unique(lines: usize) -> Result<()> {
    let base = vm_hwm_kib();
    let started = Instant::now();
    let mut rng = corpus::Rng::new(0xdead_beef);
    let mut line = String::new();
    let mut bytes = 0usize;
    let mut miner = Miner::new(MinerConfig::default());
    for i in 0..lines {
        corpus::random_line(&mut rng, i, &mut line);
        bytes += line.len();
        std::hint::black_box(miner.observe(&line));
    }
    let observed = started.elapsed().as_secs_f64();
    let observed_hwm = vm_hwm_kib();
    let patterns = miner.finish();
    let secs = started.elapsed().as_secs_f64();
    let s = miner.stats();
    println!(
        "RESULT gardener-mine-unique {lines} {bytes} {secs} {base} {} {} observe={observed:.3}s finish={:.3}s peak_after_observe={:.1}MiB forms={} form_capped_lines={}",
        vm_hwm_kib(),
        patterns.len(),
        secs - observed,
        (observed_hwm.saturating_sub(base)) as f64 / 1024.0,
        s.distinct_forms,
        s.lines_form_capped
    );
    Ok(())
}

/// One miner's figures.
#[derive(Debug, Clone)]
struct Row {
    name: &'static str,
    lines_per_s: f64,
    mb_per_s: f64,
    peak_mib: f64,
    mining_mib: f64,
    patterns: String,
    notes: String,
}

/// Runs one child process for `name` and parses its `RESULT` line.
fn run_child(exe: &Path, name: &'static str, lines: usize, dir: &Path) -> Result<Row> {
    let out = Command::new(exe)
        .args(["--child", name, "--lines", &lines.to_string(), "--dir"])
        .arg(dir)
        .output()
        .with_context(|| format!("cannot run the {name} child"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let Some(line) = stdout.lines().find(|l| l.starts_with("RESULT ")) else {
        bail!(
            "{name} child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let f: Vec<&str> = line.split_whitespace().collect();
    let n: f64 = f[2].parse()?;
    let bytes: f64 = f[3].parse()?;
    let secs: f64 = f[4].parse()?;
    let base: f64 = f[5].parse()?;
    let hwm: f64 = f[6].parse()?;
    Ok(Row {
        name,
        lines_per_s: n / secs,
        mb_per_s: bytes / secs / 1e6,
        peak_mib: hwm / 1024.0,
        mining_mib: (hwm - base) / 1024.0,
        patterns: f[7].to_owned(),
        notes: f[8..].join(" "),
    })
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut lines = 1_000_000usize;
    let mut dir = gardener_test::shared_dir().join("loghub-2k");
    let mut child_name: Option<String> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lines" => lines = args.next().context("--lines needs a number")?.parse()?,
            "--dir" => dir = args.next().context("--dir needs a folder")?.into(),
            "--child" => child_name = Some(args.next().context("--child needs a name")?),
            _ => bail!("unexpected argument `{arg}`"),
        }
    }
    if let Some(name) = child_name {
        return child(&name, &dir, lines);
    }
    let exe = std::env::current_exe()?;
    // ROUNDS rounds, each running every miner once in turn (interleaved, so that a burst of
    // load on the shared machine hits all miners alike); the best round counts per miner.
    let mut rows: Vec<Row> = Vec::new();
    for _ in 0..ROUNDS {
        for name in MINERS {
            let row = run_child(&exe, name, lines, &dir)?;
            match rows.iter_mut().find(|r| r.name == name) {
                Some(best) if best.lines_per_s >= row.lines_per_s => {
                    best.peak_mib = best.peak_mib.max(row.peak_mib);
                }
                Some(best) => {
                    *best = Row {
                        peak_mib: best.peak_mib.max(row.peak_mib),
                        ..row
                    }
                }
                None => rows.push(row),
            }
        }
    }
    let fastest = rows
        .iter()
        .filter(|r| r.name == "drain3" || r.name == "logdrain")
        .map(|r| r.lines_per_s)
        .fold(0.0f64, f64::max);
    println!(
        "corpus: {lines} lines resampled (seed fixed) from {}",
        dir.display()
    );
    println!(
        "{:<22} {:>12} {:>8} {:>10} {:>12} {:>9} {:>8}  notes",
        "miner", "lines/s", "MB/s", "peak MiB", "mining MiB", "patterns", "ratio"
    );
    for r in &rows {
        println!(
            "{:<22} {:>12.0} {:>8.1} {:>10.1} {:>12.1} {:>9} {:>8.2}  {}",
            r.name,
            r.lines_per_s,
            r.mb_per_s,
            r.peak_mib,
            r.mining_mib,
            r.patterns,
            r.lines_per_s / fastest,
            r.notes
        );
    }
    println!("ratio = lines/s over the faster of drain3 and logdrain ({fastest:.0} lines/s)");
    Ok(())
}
