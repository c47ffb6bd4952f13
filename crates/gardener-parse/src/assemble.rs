//! Joins stack traces that arrive as consecutive text lines into one event.
//!
//! A line continues the open event when it carries no leading timestamp and:
//! - it is indented (frames, wrapped text);
//! - it follows a Go `goroutine N [...]:` header (Go frame lines are not all indented);
//! - it is a chaining line: `Caused by:`, `Suppressed:`, `The above exception was ...`,
//!   `During handling of the above exception ...`, `[signal ...`, `created by ...`,
//!   `goroutine N [...]:`, or a `Traceback` header right after a chaining sentence or right
//!   below a one-line warning or error record with a timestamp (`logger.exception()`);
//! - it is the exception line ending a Python traceback (the first unindented line after a
//!   frame);
//! - it names a Java exception class (`java.lang.IllegalStateException: ...`) right after a
//!   one-line log record (logback and log4j print the exception below the message).
//!
//! Blank lines inside a stack trace (Go panics, Python chains) are held back and joined when
//! the trace goes on; otherwise they are handed back as blank lines. An event holds at most
//! [`MAX_EVENT_LINES`] lines and [`MAX_EVENT_BYTES`] bytes; the next line starts a new event.

use crate::Record;
use crate::plain::leading_timestamp;
use crate::stack::{is_at_frame, is_goroutine_header};

/// The most lines one assembled event holds.
pub const MAX_EVENT_LINES: u32 = 1000;
/// The most bytes one assembled event's message holds.
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// What the assembler hands back.
// Events are the common case and blank lines rare; boxing the record would cost an allocation
// per event for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, PartialEq)]
pub enum Assembled {
    /// A complete event.
    Event {
        /// The decoded head line, its message extended by the joined lines.
        record: Record,
        /// The head line's number.
        line: u64,
        /// How many further lines were joined into it.
        merged: u32,
    },
    /// A blank line that belongs to no event.
    Blank {
        /// Its line number.
        line: u64,
    },
}

struct Open {
    record: Record,
    line: u64,
    merged: u32,
    held_blanks: Vec<u64>,
    python: bool,
    go_frames: bool,
    stack: bool,
    last_was_frame: bool,
    last_was_chain_sentence: bool,
}

/// Joins continuation lines into the event they belong to. Feed it every line in order with
/// [`Assembler::push`], then call [`Assembler::finish`].
#[derive(Default)]
pub struct Assembler {
    open: Option<Open>,
}

impl Assembler {
    /// A new assembler.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one line. `decode` turns a line that starts a new event into its record; it is
    /// not called for continuation lines. Completed events and loose blank lines are pushed
    /// onto `out`.
    pub fn push(
        &mut self,
        line: u64,
        text: &str,
        decode: impl FnOnce(&str) -> Record,
        out: &mut Vec<Assembled>,
    ) {
        self.push_parts(line, text, 0, decode, out);
    }

    /// [`Assembler::push`] for a line that was itself joined from `1 + parts` input lines (a
    /// container runtime splits long lines into parts): the `parts` further lines count as
    /// merged into whichever event the line ends up in.
    pub fn push_parts(
        &mut self,
        line: u64,
        text: &str,
        parts: u32,
        decode: impl FnOnce(&str) -> Record,
        out: &mut Vec<Assembled>,
    ) {
        let blank = text.trim().is_empty() && parts == 0;
        if let Some(open) = &mut self.open {
            if blank {
                if open.stack && open.held_blanks.len() < 3 {
                    open.held_blanks.push(line);
                } else {
                    self.close(out);
                    out.push(Assembled::Blank { line });
                }
                return;
            }
            if continues(open, text) {
                let blanks = std::mem::take(&mut open.held_blanks);
                for _ in &blanks {
                    open.record.message.push('\n');
                }
                open.merged += u32::try_from(blanks.len()).unwrap_or(u32::MAX);
                open.record.message.push('\n');
                open.record.message.push_str(text);
                open.merged += 1 + parts;
                note_line(open, text);
                return;
            }
        } else if blank {
            out.push(Assembled::Blank { line });
            return;
        }
        self.close(out);
        let record = decode(text);
        let mut open = Open {
            record,
            line,
            merged: parts,
            held_blanks: Vec::new(),
            python: false,
            go_frames: false,
            stack: false,
            last_was_frame: false,
            last_was_chain_sentence: false,
        };
        note_line(&mut open, text);
        self.open = Some(open);
    }

    /// Hands back the event still open, if any.
    pub fn finish(&mut self, out: &mut Vec<Assembled>) {
        self.close(out);
    }

    fn close(&mut self, out: &mut Vec<Assembled>) {
        if let Some(open) = self.open.take() {
            out.push(Assembled::Event {
                record: open.record,
                line: open.line,
                merged: open.merged,
            });
            for line in open.held_blanks {
                out.push(Assembled::Blank { line });
            }
        }
    }
}

fn continues(open: &Open, text: &str) -> bool {
    if open.merged + 1 >= MAX_EVENT_LINES
        || open.record.message.len() + text.len() >= MAX_EVENT_BYTES
        || leading_timestamp(text).is_some()
    {
        return false;
    }
    let indented = text.starts_with(' ') || text.starts_with('\t');
    if indented || open.go_frames {
        return true;
    }
    if is_chain_line(text) || is_goroutine_header(text) {
        return true;
    }
    if text.starts_with("Traceback (most recent call last):") {
        // After a chaining sentence; or right below a one-line warning or error record, as
        // Python's `logger.exception()` and `exc_info=True` print it. (Below an INFO line it
        // is more likely an uncaught exception the interpreter printed: an event of its own.)
        return open.last_was_chain_sentence
            || (open.merged == 0
                && !open.stack
                && open.record.timestamp.is_some()
                && open.record.severity >= gardener_core::Severity::Warning);
    }
    if open.python && open.last_was_frame {
        return true;
    }
    open.merged == 0 && !open.stack && is_java_exception_line(text)
}

fn note_line(open: &mut Open, text: &str) {
    let trimmed = text.trim();
    if text.starts_with("Traceback (most recent call last):") {
        open.python = true;
        open.stack = true;
    }
    if text.starts_with("panic: ") || text.starts_with("Exception in thread ") {
        open.stack = true;
    }
    if is_goroutine_header(text) {
        open.go_frames = true;
        open.stack = true;
    }
    let indented = text.starts_with(' ') || text.starts_with('\t');
    open.last_was_frame = indented;
    if indented && (is_at_frame(text) || trimmed.starts_with("File \"")) {
        open.stack = true;
    }
    open.last_was_chain_sentence = trimmed.starts_with("The above exception was")
        || trimmed.starts_with("During handling of the above exception");
    if open.last_was_chain_sentence {
        open.stack = true;
    }
}

fn is_chain_line(text: &str) -> bool {
    [
        "Caused by:",
        "Suppressed:",
        "The above exception was",
        "During handling of the above exception",
        "[signal ",
        "created by ",
    ]
    .iter()
    .any(|prefix| text.starts_with(prefix))
}

/// `java.lang.IllegalStateException: msg`, `com.acme.FooError`, `kotlin.NotImplementedError`.
fn is_java_exception_line(text: &str) -> bool {
    let class = text.split([':', ' ']).next().unwrap_or("");
    let Some((package, name)) = class.rsplit_once('.') else {
        return false;
    };
    !package.is_empty()
        && package.split('.').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
        && name.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        && (name.ends_with("Exception") || name.ends_with("Error") || name.ends_with("Throwable"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assemble(text: &str) -> Vec<(u64, u32, String)> {
        let mut assembler = Assembler::new();
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            assembler.push(i as u64 + 1, line, |l| Record::with_message(l), &mut out);
        }
        assembler.finish(&mut out);
        out.into_iter()
            .map(|item| match item {
                Assembled::Event {
                    record,
                    line,
                    merged,
                } => (line, merged, record.message),
                Assembled::Blank { line } => (line, 0, "<blank>".to_owned()),
            })
            .collect()
    }

    #[test]
    fn python_traceback_lines_become_one_event() {
        let text = "2025-01-01 00:00:00 INFO starting\nTraceback (most recent call last):\n  File \"a.py\", line 1, in <module>\n    main()\nKeyError: 'user'\n2025-01-01 00:00:01 INFO next";
        let events = assemble(text);
        assert_eq!(events.len(), 3);
        assert_eq!(events[1].0, 2);
        assert_eq!(events[1].1, 3);
        assert!(events[1].2.ends_with("KeyError: 'user'"));
        assert_eq!(events[2].2, "2025-01-01 00:00:01 INFO next");
    }

    #[test]
    fn logger_exception_joins_its_traceback_but_a_crash_after_info_stands_alone() {
        let text = "2025-01-01 00:00:00,120 ERROR [worker] job 17 failed\nTraceback (most recent call last):\n  File \"w.py\", line 3, in run\nKeyError: 'id'\n2025-01-01 00:00:05,000 INFO [worker] idle\nTraceback (most recent call last):\n  File \"w.py\", line 9, in main\nSystemExit: 1";
        let mut assembler = Assembler::new();
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            assembler.push(i as u64 + 1, line, crate::plain::decode, &mut out);
        }
        assembler.finish(&mut out);
        let events: Vec<(u64, u32, gardener_core::Severity)> = out
            .into_iter()
            .filter_map(|item| match item {
                Assembled::Event {
                    record,
                    line,
                    merged,
                } => Some((line, merged, record.severity)),
                Assembled::Blank { .. } => None,
            })
            .collect();
        use gardener_core::Severity::{Default, Error, Info};
        assert_eq!(events, [(1, 3, Error), (5, 0, Info), (6, 2, Default)]);
    }

    #[test]
    fn container_parts_count_as_merged() {
        let mut assembler = Assembler::new();
        let mut out = Vec::new();
        assembler.push_parts(
            1,
            "a line the runtime cut in three",
            2,
            |l| Record::with_message(l),
            &mut out,
        );
        assembler.push(
            4,
            "  an indented continuation",
            |l| Record::with_message(l),
            &mut out,
        );
        assembler.finish(&mut out);
        match &out[..] {
            [Assembled::Event { line, merged, .. }] => assert_eq!((*line, *merged), (1, 3)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn chained_python_traceback_with_blank_lines_is_one_event() {
        let text = "Traceback (most recent call last):\n  File \"a.py\", line 1, in f\n    x()\nValueError: a\n\nThe above exception was the direct cause of the following exception:\n\nTraceback (most recent call last):\n  File \"b.py\", line 2, in g\n    y()\nRuntimeError: b";
        let events = assemble(text);
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].1, 10);
        assert_eq!(events[0].2, text);
    }

    #[test]
    fn go_panic_with_unindented_frames_is_one_event() {
        let text = "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:5 +0x1d\nexit status 2";
        let events = assemble(text);
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].1, 5);
    }

    #[test]
    fn logback_message_with_exception_below() {
        let text = "2025-01-01 00:00:00 ERROR c.a.Svc - settle failed\njava.lang.IllegalStateException: already settled\n\tat c.a.Svc.settle(Svc.java:10)\n\t... 3 more\n2025-01-01 00:00:02 INFO ok";
        let events = assemble(text);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].1, 3);
    }

    #[test]
    fn blank_lines_between_ordinary_lines_stay_blank() {
        let events = assemble("one\n\ntwo");
        assert_eq!(
            events,
            [
                (1, 0, "one".to_owned()),
                (2, 0, "<blank>".to_owned()),
                (3, 0, "two".to_owned())
            ]
        );
    }

    #[test]
    fn timestamped_lines_never_continue() {
        let events =
            assemble("2025-01-01T00:00:00Z a\n2025-01-01T00:00:01Z   indented after stamp");
        assert_eq!(events.len(), 2);
    }
}
