//! Stack traces: recognise them and build the text a stack-trace event is mined by.
//!
//! A stack trace's identity is its exception type and message, not its frames: frames differ
//! between callers, builds and line numbers, and mining each frame as a line would bury one
//! failure under hundreds of patterns. So every maximal run of frame lines is replaced by one
//! `<*>` line, and the lines that are left (the `Traceback` header, exception lines, `Caused
//! by:` and chaining sentences, a Go `panic:` and its `goroutine N [running]:` header) are
//! what gets mined.

use std::borrow::Cow;

/// The language a stack trace comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackKind {
    /// `Traceback (most recent call last):` with indented `File` lines.
    Python,
    /// `\tat pkg.Class.method(File.java:12)` frames.
    Java,
    /// `goroutine N [running]:` followed by function and file lines.
    Go,
    /// `    at fn (file.js:1:2)` frames.
    Node,
}

/// The kind of stack trace a message holds, if any.
#[must_use]
pub fn kind(message: &str) -> Option<StackKind> {
    if !message.contains('\n') {
        return None;
    }
    if message.contains("Traceback (most recent call last):") {
        return Some(StackKind::Python);
    }
    let mut frames = message.lines().filter(|line| is_at_frame(line));
    if let Some(frame) = frames.next() {
        let java = frame.contains(".java:")
            || frame.contains("(Native Method)")
            || frame.contains("(Unknown Source)")
            || frame.starts_with('\t');
        return Some(if java {
            StackKind::Java
        } else {
            StackKind::Node
        });
    }
    if message.lines().any(is_goroutine_header) {
        return Some(StackKind::Go);
    }
    None
}

/// `    at X (file:1:2)`, `\tat a.B.c(B.java:1)`, `\t... 12 more`.
pub(crate) fn is_at_frame(line: &str) -> bool {
    let Some(first) = line.as_bytes().first() else {
        return false;
    };
    if *first != b' ' && *first != b'\t' {
        return false;
    }
    let trimmed = line.trim_start();
    trimmed.starts_with("at ")
        || (trimmed.starts_with("...")
            && (trimmed.ends_with(" more") || trimmed.ends_with("omitted")))
}

/// `goroutine 42 [running]:`.
pub(crate) fn is_goroutine_header(line: &str) -> bool {
    line.strip_prefix("goroutine ").is_some_and(|rest| {
        rest.bytes().next().is_some_and(|b| b.is_ascii_digit()) && rest.trim_end().ends_with("]:")
    })
}

/// The text a message is mined by: unchanged for ordinary messages; for a stack trace, the
/// lines that name the failure with everything else folded into one `<*>` line:
///
/// - Python: what precedes the first `Traceback` header, the header, `<*>`, and the final
///   exception (the lines after the last frame). Chained causes (`The above exception was the
///   direct cause ...`) fold into the `<*>`: the exception that propagated names the failure,
///   as it does in Error Reporting and Sentry.
/// - Java, Node: what precedes the first `at` frame, then `<*>` (frames, `Caused by:` and
///   `... N more` fold in).
/// - Go: up to and including the first `goroutine N [...]:` header, then `<*>`.
#[must_use]
pub fn signature(message: &str) -> Cow<'_, str> {
    let Some(kind) = kind(message) else {
        return Cow::Borrowed(message);
    };
    let lines: Vec<&str> = message.lines().collect();
    let mut out: Vec<&str> = Vec::new();
    match kind {
        StackKind::Python => {
            let header = lines
                .iter()
                .position(|l| l.starts_with("Traceback (most recent call last):"))
                .unwrap_or(0);
            let last_frame = lines
                .iter()
                .rposition(|l| l.starts_with(' ') || l.starts_with('\t'))
                .unwrap_or(header);
            out.extend_from_slice(&lines[..=header]);
            out.push("<*>");
            out.extend(lines[last_frame + 1..].iter().copied());
        }
        StackKind::Java | StackKind::Node => {
            let first_frame = lines
                .iter()
                .position(|l| is_at_frame(l))
                .unwrap_or(lines.len());
            out.extend_from_slice(&lines[..first_frame]);
            out.push("<*>");
        }
        StackKind::Go => {
            let header = lines
                .iter()
                .position(|l| is_goroutine_header(l))
                .unwrap_or(lines.len().saturating_sub(1));
            out.extend_from_slice(&lines[..=header]);
            out.push("<*>");
        }
    }
    while out.last().is_some_and(|line| line.trim().is_empty()) {
        out.pop();
    }
    Cow::Owned(out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_chained_traceback_is_named_by_the_exception_that_propagated() {
        let message = "Traceback (most recent call last):\n  File \"/app/a.py\", line 3, in f\n    await x()\n  File \"/usr/lib/asyncio/tasks.py\", line 9, in wait_for\n    return fut.result()\nasyncio.exceptions.CancelledError\n\nThe above exception was the direct cause of the following exception:\n\nTraceback (most recent call last):\n  File \"/app/b.py\", line 7, in g\n    raise TimeoutError\nTimeoutError\n";
        assert_eq!(kind(message), Some(StackKind::Python));
        assert_eq!(
            signature(message),
            "Traceback (most recent call last):\n<*>\nTimeoutError"
        );
    }

    #[test]
    fn java_frames_and_causes_collapse() {
        let message = "Exception in thread \"main\" java.lang.IllegalStateException: Payout 7 already settled\n\tat com.x.Ledger.settle(Ledger.java:42)\n\tat com.x.Main.main(Main.java:9)\nCaused by: java.io.IOException: closed\n\tat com.x.Io.read(Io.java:1)\n\t... 2 more";
        assert_eq!(kind(message), Some(StackKind::Java));
        assert_eq!(
            signature(message),
            "Exception in thread \"main\" java.lang.IllegalStateException: Payout 7 already settled\n<*>"
        );
    }

    #[test]
    fn a_chained_and_a_plain_traceback_of_one_failure_share_a_signature() {
        let plain = "Traceback (most recent call last):\n  File \"a.py\", line 1, in f\n    g()\nRuntimeError: setup failed";
        let chained = "Traceback (most recent call last):\n  File \"b.py\", line 3, in h\n    import x\nModuleNotFoundError: No module named 'x'\n\nThe above exception was the direct cause of the following exception:\n\nTraceback (most recent call last):\n  File \"a.py\", line 9, in f\n    g()\nRuntimeError: setup failed";
        assert_eq!(signature(plain), signature(chained));
    }

    #[test]
    fn node_frames_collapse() {
        let message = "TypeError: Cannot read properties of undefined (reading 'userId')\n    at OrderService.handle (/app/dist/http.js:459:14)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)";
        assert_eq!(kind(message), Some(StackKind::Node));
        assert_eq!(
            signature(message),
            "TypeError: Cannot read properties of undefined (reading 'userId')\n<*>"
        );
    }

    #[test]
    fn go_goroutine_block_collapses() {
        let message = "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a]\n\ngoroutine 1 [running]:\nmain.handler(0x0)\n\t/app/main.go:12 +0x1d\nmain.main()\n\t/app/main.go:30 +0x25\n";
        assert_eq!(kind(message), Some(StackKind::Go));
        assert_eq!(
            signature(message),
            "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a]\n\ngoroutine 1 [running]:\n<*>"
        );
    }

    #[test]
    fn ordinary_multi_line_messages_are_kept_whole() {
        let message =
            "connection failed: No such file or directory\n\tIs the server running locally?";
        assert_eq!(kind(message), None);
        assert_eq!(signature(message), message);
    }
}
