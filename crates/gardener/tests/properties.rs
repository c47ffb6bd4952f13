//! Acceptance: property tests of the whole pipeline.
//! - the accounting identity holds on arbitrary input bytes, in every format;
//! - the same inputs give byte-identical `report.json` (minus generation time) whatever the
//!   order in which they are named;
//! - analysing two inputs together counts what analysing each alone counts, summed.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use gardener::pipeline::{self, Options};
use gardener_parse::{DecoderConfig, Format};
use proptest::prelude::*;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gardener-prop-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn options(inputs: &[PathBuf], format: Option<Format>) -> Options {
    Options {
        inputs: inputs.iter().map(|p| p.display().to_string()).collect(),
        format,
        decoder: DecoderConfig::default(),
        assignments: None,
        progress: false,
        patterns: Default::default(),
    }
}

fn report_json(inputs: &[PathBuf]) -> String {
    let mut analysis = pipeline::run(&options(inputs, None)).unwrap();
    analysis.report.generated_at = String::new();
    gardener_report::json::render(&analysis.report).unwrap()
}

/// Realistic-looking lines from a few services, in every format the tool reads.
fn log_line() -> impl Strategy<Value = String> {
    let services = prop::sample::select(vec!["api", "worker", "billing"]);
    let levels = prop::sample::select(vec!["INFO", "WARNING", "ERROR", "CRITICAL", "DEBUG"]);
    let messages = prop::sample::select(vec![
        "connection to db-{} refused",
        "request {} served in {}ms",
        "user {} logged in",
        "cache miss for key k{}",
        "Traceback (most recent call last):\\n  File \\\"a.py\\\", line {}, in f\\nKeyError: 'k{}'",
    ]);
    (services, levels, messages, 0u32..50, 0u32..60, 0u32..4).prop_map(
        |(service, level, message, n, second, style)| {
            let message = message.replacen("{}", &n.to_string(), 1).replacen("{}", &(n * 7).to_string(), 1);
            let time = format!("2025-03-09T07:{:02}:{second:02}Z", n % 60);
            match style {
                0 => format!(
                    r#"{{"insertId":"i{n}-{second}","resource":{{"type":"cloud_run_revision","labels":{{"service_name":"{service}"}}}},"severity":"{level}","textPayload":"{message}","timestamp":"{time}"}}"#
                ),
                1 => format!(r#"{{"level":"{level}","service":"{service}","msg":"{message}","time":"{time}"}}"#),
                2 => format!("time={time} level={level} service={service} msg=\"{}\"", message.replace("\\n", " ")),
                _ => format!("{time} {level} {}", message.replace("\\n", "\n").replace("\\\"", "\"")),
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn accounting_adds_up_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..2000),
        format in prop::sample::select(vec![None, Some(Format::GcpArray), Some(Format::GcpNdjson), Some(Format::JsonLines), Some(Format::Logfmt), Some(Format::Plain), Some(Format::Container)]),
        case in 0u64..u64::MAX,
    ) {
        let dir = temp_dir("bytes");
        let path = dir.join(format!("{case}.bin"));
        std::fs::write(&path, &bytes).unwrap();
        let analysis = pipeline::run(&options(std::slice::from_ref(&path), format)).unwrap();
        let totals = &analysis.report.totals;
        prop_assert_eq!(totals.lines_read, totals.events + totals.multiline_merged + totals.unparsed);
        let newlines = bytes.iter().filter(|b| **b == b'\n').count() as u64;
        if !matches!(format, Some(Format::GcpArray)) && analysis.report.inputs[0].format != "gcp-array" {
            // Line formats: every line is read exactly once.
            let lines = newlines + u64::from(!bytes.is_empty() && bytes.last() != Some(&b'\n'));
            prop_assert_eq!(totals.lines_read, lines);
        }
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn accounting_adds_up_on_container_lines(
        parts in proptest::collection::vec((log_line(), any::<bool>(), any::<bool>()), 0..60),
    ) {
        // CRI lines whose text is a realistic line (or the lines of a stack trace), some
        // marked as parts of a longer line, some with a blank text.
        let mut lines = Vec::new();
        for (i, (text, partial, blank)) in parts.iter().enumerate() {
            for piece in text.split('\n') {
                let piece = if *blank { "" } else { piece };
                let tag = if *partial { "P" } else { "F" };
                lines.push(format!("2026-03-02T09:{:02}:{:02}.5Z stderr {tag} {piece}", i / 60, i % 60));
            }
        }
        let dir = temp_dir("container");
        let path = dir.join(format!("{}.log", lines.len()));
        std::fs::write(&path, lines.join("\n")).unwrap();
        let analysis = pipeline::run(&options(std::slice::from_ref(&path), None)).unwrap();
        let totals = &analysis.report.totals;
        prop_assert_eq!(totals.lines_read, lines.len() as u64);
        prop_assert_eq!(totals.lines_read, totals.events + totals.multiline_merged + totals.unparsed);
        let patterns: u64 = analysis.report.patterns.iter().map(|p| p.count).sum();
        prop_assert_eq!(patterns, totals.events);
    }

    #[test]
    fn accounting_adds_up_on_realistic_lines(lines in proptest::collection::vec(log_line(), 0..60)) {
        let dir = temp_dir("lines");
        let path = dir.join(format!("{}.log", lines.len()));
        std::fs::write(&path, lines.join("\n")).unwrap();
        let analysis = pipeline::run(&options(std::slice::from_ref(&path), None)).unwrap();
        let totals = &analysis.report.totals;
        prop_assert_eq!(totals.lines_read, totals.events + totals.multiline_merged + totals.unparsed);
        let patterns: u64 = analysis.report.patterns.iter().map(|p| p.count).sum();
        prop_assert_eq!(patterns, totals.events);
    }

    #[test]
    fn report_is_identical_whatever_the_order_of_inputs(
        files in proptest::collection::vec(proptest::collection::vec(log_line(), 1..30), 2..5),
        seed in 0u64..1000,
    ) {
        let dir = temp_dir(&format!("order-{seed}"));
        let paths: Vec<PathBuf> = files
            .iter()
            .enumerate()
            .map(|(i, lines)| {
                let path = dir.join(format!("part-{i}.log"));
                std::fs::write(&path, lines.join("\n")).unwrap();
                path
            })
            .collect();
        let mut reversed = paths.clone();
        reversed.reverse();
        let mut rotated = paths.clone();
        rotated.rotate_left(1);
        let forward = report_json(&paths);
        prop_assert_eq!(&forward, &report_json(&reversed));
        prop_assert_eq!(&forward, &report_json(&rotated));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn two_inputs_together_count_the_sum_of_each_alone(
        left in proptest::collection::vec(log_line(), 1..40),
        right in proptest::collection::vec(log_line(), 1..40),
        seed in 0u64..1000,
    ) {
        let dir = temp_dir(&format!("sum-{seed}"));
        let a = dir.join("a.log");
        let b = dir.join("b.log");
        std::fs::write(&a, left.join("\n")).unwrap();
        std::fs::write(&b, right.join("\n")).unwrap();
        let alone_a = pipeline::run(&options(std::slice::from_ref(&a), None)).unwrap().report;
        let alone_b = pipeline::run(&options(std::slice::from_ref(&b), None)).unwrap().report;
        let both = pipeline::run(&options(&[a, b], None)).unwrap().report;
        let mut severities = alone_a.severities.clone();
        for (level, count) in &alone_b.severities {
            *severities.entry(*level).or_insert(0) += count;
        }
        prop_assert_eq!(&both.severities, &severities);
        let mut services: BTreeMap<String, u64> = BTreeMap::new();
        for service in alone_a.services.iter().chain(&alone_b.services) {
            *services.entry(service.name.clone()).or_insert(0) += service.count;
        }
        let together: BTreeMap<String, u64> = both.services.iter().map(|s| (s.name.clone(), s.count)).collect();
        prop_assert_eq!(together, services);
        prop_assert_eq!(both.totals.lines_read, alone_a.totals.lines_read + alone_b.totals.lines_read);
        std::fs::remove_dir_all(dir).ok();
    }
}
