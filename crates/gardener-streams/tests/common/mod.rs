//! Shared helpers for the integration tests: run the command against a real server, send
//! traffic.

#![allow(dead_code, clippy::unwrap_used)]

use clap::Parser;
use gardener_streams::cli::StreamsArgs;
use gardener_streams::report::{Report, StreamReport};
use gardener_streams::{Finding, FindingKind};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: StreamsArgs,
}

pub fn args(url: &str, extra: &[&str]) -> StreamsArgs {
    let mut argv = vec!["gardener", "--redis", url];
    argv.extend_from_slice(extra);
    Cli::try_parse_from(argv).unwrap().args
}

pub fn collect(url: &str, extra: &[&str]) -> Report {
    gardener_streams::collect(&args(url, extra)).unwrap()
}

pub fn conn(url: &str) -> redis::Connection {
    redis::Client::open(url).unwrap().get_connection().unwrap()
}

/// `XADD key [MAXLEN n] id f v`, returns the id.
pub fn xadd(c: &mut redis::Connection, key: &str, maxlen: Option<u64>, id: &str) -> String {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(key);
    if let Some(n) = maxlen {
        cmd.arg("MAXLEN").arg(n);
    }
    cmd.arg(id).arg("f").arg("v").query(c).unwrap()
}

pub fn group_create(c: &mut redis::Connection, key: &str, group: &str, at: &str) {
    let _: () = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(key)
        .arg(group)
        .arg(at)
        .arg("MKSTREAM")
        .query(c)
        .unwrap();
}

/// `XREADGROUP GROUP g consumer COUNT n STREAMS key id`; returns how many entries came back.
pub fn read_group(
    c: &mut redis::Connection,
    key: &str,
    group: &str,
    consumer: &str,
    count: u64,
    id: &str,
) -> usize {
    let reply: redis::Value = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg(group)
        .arg(consumer)
        .arg("COUNT")
        .arg(count)
        .arg("STREAMS")
        .arg(key)
        .arg(id)
        .query(c)
        .unwrap();
    match reply {
        redis::Value::Array(streams) => streams
            .into_iter()
            .map(|s| match s {
                redis::Value::Array(parts) => match parts.get(1) {
                    Some(redis::Value::Array(entries)) => entries.len(),
                    _ => 0,
                },
                _ => 0,
            })
            .sum(),
        _ => 0,
    }
}

pub fn stream<'a>(report: &'a Report, key: &str) -> &'a StreamReport {
    report
        .streams
        .iter()
        .find(|s| s.key == key)
        .unwrap_or_else(|| panic!("stream {key} not in report"))
}

pub fn findings<'a>(report: &'a Report, key: &str, kind: FindingKind) -> Vec<&'a Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.stream == key && f.kind == kind)
        .collect()
}

/// Checks that every markdown table parses as a GitHub table with the header's column count
/// (pulldown-cmark with tables), and returns (columns, body rows) of each table.
pub fn markdown_tables(markdown: &str) -> Vec<(usize, usize)> {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let mut tables = vec![];
    let mut in_head = false;
    let (mut columns, mut rows, mut cells) = (0, 0, 0);
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Table(alignments)) => {
                columns = alignments.len();
                rows = 0;
            }
            Event::Start(Tag::TableHead) => {
                in_head = true;
                cells = 0;
            }
            Event::End(TagEnd::TableHead) => {
                assert_eq!(cells, columns, "header cells");
                in_head = false;
                cells = 0;
            }
            Event::Start(Tag::TableRow) => cells = 0,
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableRow) if !in_head => {
                // pulldown-cmark pads short rows but drops extra cells; an unescaped pipe in a
                // cell would show up as a shifted row, so compare against the raw row too.
                assert_eq!(cells, columns, "row cells");
                rows += 1;
            }
            Event::End(TagEnd::Table) => tables.push((columns, rows)),
            _ => {}
        }
    }
    // Raw check: each table line has exactly columns + 1 unescaped pipes.
    for line in markdown.lines().filter(|l| l.starts_with('|')) {
        let mut pipes = 0;
        let mut escaped = false;
        for ch in line.chars() {
            match ch {
                '\\' if !escaped => escaped = true,
                '|' if !escaped => pipes += 1,
                _ => escaped = false,
            }
            if ch != '\\' {
                escaped = false;
            }
        }
        assert!(
            tables.iter().any(|(c, _)| c + 1 == pipes),
            "line has {pipes} unescaped pipes: {line}"
        );
    }
    tables
}
