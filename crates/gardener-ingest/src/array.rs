use std::io::{self, BufRead};

use crate::{MAX_RECORD_BYTES, SAMPLE_BYTES};

/// One element of a streamed JSON array.
#[derive(Debug, PartialEq, Eq)]
pub enum ArrayItem<'a> {
    /// A complete element (normally an object), as raw JSON bytes.
    Element {
        /// 1-based ordinal of the element in the array.
        index: u64,
        /// 1-based line of the file where the element starts.
        line: u64,
        /// The element's bytes, from its first to its last byte.
        bytes: &'a [u8],
    },
    /// An element longer than the cap; only its head was kept.
    Oversized {
        /// 1-based ordinal of the element.
        index: u64,
        /// Line where it starts.
        line: u64,
        /// Its length in bytes.
        length: u64,
        /// Its first bytes.
        head: &'a [u8],
    },
    /// Bytes that are not part of a well-formed array: text before the `[`, after the `]`, an
    /// element cut off by the end of the input, or a stray character between elements.
    Garbage {
        /// Line where the bad bytes start.
        line: u64,
        /// What is wrong.
        reason: &'static str,
        /// The first bytes.
        head: &'a [u8],
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the opening `[`.
    Start,
    /// Inside the array, between elements.
    Between,
    /// Inside an element.
    Element,
    /// After the closing `]`.
    End,
}

/// Scans element bytes, tracking nesting and string state, until the element closes or the
/// slice ends. Returns how many bytes belong to the element and whether it closed.
fn scan_element(
    bytes: &[u8],
    depth: &mut u32,
    in_string: &mut bool,
    escaped: &mut bool,
) -> (usize, bool) {
    let mut i = 0;
    while i < bytes.len() {
        if *in_string {
            if *escaped {
                *escaped = false;
                i += 1;
                continue;
            }
            match memchr::memchr2(b'"', b'\\', &bytes[i..]) {
                Some(at) => {
                    i += at;
                    if bytes[i] == b'\\' {
                        *escaped = true;
                    } else {
                        *in_string = false;
                    }
                    i += 1;
                }
                None => return (bytes.len(), false),
            }
            continue;
        }
        match bytes[i] {
            b'"' => *in_string = true,
            b'{' | b'[' => *depth += 1,
            b'}' | b']' => {
                *depth -= 1;
                if *depth == 0 {
                    return (i + 1, true);
                }
            }
            _ => {}
        }
        i += 1;
    }
    (bytes.len(), false)
}

/// Frames a top-level JSON array into its elements, one at a time.
///
/// It tracks only nesting depth and string/escape state, so memory stays bounded by the largest
/// element (itself capped at [`MAX_RECORD_BYTES`]) however large the file is. Each element is
/// handed out as raw bytes for a real JSON parser to decode. Scalars between elements (which a
/// log export never has) are reported as garbage, not silently skipped.
pub struct ArrayReader<R> {
    reader: R,
    buf: Vec<u8>,
    state: State,
    line: u64,
    index: u64,
    cap: usize,
    pending_garbage_line: u64,
}

impl<R: BufRead> ArrayReader<R> {
    /// A reader with the default element cap.
    pub fn new(reader: R) -> Self {
        Self::with_cap(reader, MAX_RECORD_BYTES)
    }

    /// A reader with a given element cap in bytes.
    pub fn with_cap(reader: R, cap: usize) -> Self {
        Self {
            reader,
            buf: Vec::with_capacity(16 * 1024),
            state: State::Start,
            line: 1,
            index: 0,
            cap,
            pending_garbage_line: 0,
        }
    }

    /// Elements returned so far.
    pub fn elements_read(&self) -> u64 {
        self.index
    }

    /// True once the closing `]` was seen.
    pub fn finished(&self) -> bool {
        self.state == State::End
    }

    /// The next element or piece of garbage, or `None` at the end of the input.
    ///
    /// # Errors
    ///
    /// The underlying reader failed.
    #[allow(clippy::too_many_lines)]
    pub fn next_item(&mut self) -> io::Result<Option<ArrayItem<'_>>> {
        self.buf.clear();
        let mut depth: u32 = 0;
        let mut in_string = false;
        let mut escaped = false;
        let mut start_line = self.line;
        let mut length: u64 = 0;
        let mut oversized = false;
        let mut garbage: Option<&'static str> = None;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if available.is_empty() {
                // End of input.
                return Ok(match (self.state, garbage) {
                    (State::Element, _) => {
                        self.state = State::End;
                        self.index += 1;
                        self.buf.truncate(SAMPLE_BYTES);
                        Some(ArrayItem::Garbage {
                            line: start_line,
                            reason: "truncated JSON array: element not closed at end of input",
                            head: &self.buf,
                        })
                    }
                    (_, Some(reason)) => Some(ArrayItem::Garbage {
                        line: self.pending_garbage_line,
                        reason,
                        head: &self.buf,
                    }),
                    (State::Between, None) => {
                        self.state = State::End;
                        Some(ArrayItem::Garbage {
                            line: self.line,
                            reason: "truncated JSON array: no closing `]`",
                            head: &[],
                        })
                    }
                    _ => None,
                });
            }
            let mut used = 0;
            let mut finished_element = false;
            let mut stop_for_garbage = false;
            for (i, &byte) in available.iter().enumerate() {
                used = i + 1;
                match self.state {
                    State::Start | State::Between | State::End => {
                        let expected = match self.state {
                            State::Start => byte == b'[',
                            State::Between => matches!(byte, b',' | b']' | b'{' | b'['),
                            _ => false,
                        };
                        if byte.is_ascii_whitespace() {
                            if byte == b'\n' {
                                self.line += 1;
                            }
                            if garbage.is_some() && byte == b'\n' {
                                used = i + 1;
                                stop_for_garbage = true;
                                break;
                            }
                            continue;
                        }
                        if expected && garbage.is_none() {
                            match (self.state, byte) {
                                (State::Start, b'[') => self.state = State::Between,
                                (State::Between, b']') => self.state = State::End,
                                (State::Between, b'{' | b'[') => {
                                    self.state = State::Element;
                                    depth = 1;
                                    start_line = self.line;
                                    length = 1;
                                    self.buf.push(byte);
                                }
                                _ => {}
                            }
                            continue;
                        }
                        if garbage.is_none() {
                            garbage = Some(match self.state {
                                State::Start => "text before the opening `[` of a JSON array",
                                State::End => "text after the closing `]` of a JSON array",
                                _ => "unexpected value between elements of a JSON array",
                            });
                            self.pending_garbage_line = self.line;
                        }
                        if self.buf.len() < SAMPLE_BYTES {
                            self.buf.push(byte);
                        }
                    }
                    State::Element => {
                        // Scan the rest of the element in bulk: strings are skipped with
                        // memchr, bytes are copied once per chunk, lines counted at the end.
                        let rest = &available[i..];
                        let (scanned, done) =
                            scan_element(rest, &mut depth, &mut in_string, &mut escaped);
                        let taken = &rest[..scanned];
                        self.line += memchr::memchr_iter(b'\n', taken).count() as u64;
                        length += taken.len() as u64;
                        if !oversized {
                            if self.buf.len() + taken.len() > self.cap {
                                oversized = true;
                                let keep =
                                    SAMPLE_BYTES.saturating_sub(self.buf.len()).min(taken.len());
                                self.buf.extend_from_slice(&taken[..keep]);
                                self.buf.truncate(SAMPLE_BYTES);
                            } else {
                                self.buf.extend_from_slice(taken);
                            }
                        }
                        used = i + scanned;
                        if done {
                            self.state = State::Between;
                            finished_element = true;
                        }
                        break;
                    }
                }
            }
            self.reader.consume(used);
            if stop_for_garbage {
                let reason = garbage.unwrap_or("unexpected bytes");
                return Ok(Some(ArrayItem::Garbage {
                    line: self.pending_garbage_line,
                    reason,
                    head: &self.buf,
                }));
            }
            if finished_element {
                self.index += 1;
                if oversized {
                    return Ok(Some(ArrayItem::Oversized {
                        index: self.index,
                        line: start_line,
                        length,
                        head: &self.buf,
                    }));
                }
                return Ok(Some(ArrayItem::Element {
                    index: self.index,
                    line: start_line,
                    bytes: &self.buf,
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8], cap: usize) -> Vec<String> {
        let mut reader = ArrayReader::with_cap(input, cap);
        let mut out = Vec::new();
        while let Some(item) = reader.next_item().unwrap() {
            out.push(match item {
                ArrayItem::Element { index, line, bytes } => {
                    format!("{index}@{line}:{}", String::from_utf8_lossy(bytes))
                }
                ArrayItem::Oversized {
                    index,
                    line,
                    length,
                    ..
                } => format!("{index}@{line}:oversized {length}"),
                ArrayItem::Garbage { line, reason, .. } => format!("garbage@{line}:{reason}"),
            });
        }
        out
    }

    #[test]
    fn splits_a_pretty_printed_array() {
        let input = b"[\n  {\n    \"a\": \"}{[\\\"\"\n  },\n  {\"b\": [1, {\"c\": 2}]}\n]\n";
        assert_eq!(
            collect(input, 1000),
            [
                "1@2:{\n    \"a\": \"}{[\\\"\"\n  }",
                "2@5:{\"b\": [1, {\"c\": 2}]}"
            ]
        );
    }

    #[test]
    fn an_empty_array_has_no_elements() {
        assert!(collect(b"[]", 10).is_empty());
        assert!(collect(b"  [ \n ]  \n", 10).is_empty());
    }

    #[test]
    fn a_truncated_array_reports_the_cut_element() {
        let out = collect(b"[{\"a\":1},\n{\"b\":", 1000);
        assert_eq!(out[0], "1@1:{\"a\":1}");
        assert_eq!(
            out[1],
            "garbage@2:truncated JSON array: element not closed at end of input"
        );
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn a_missing_closing_bracket_is_reported() {
        let out = collect(b"[{\"a\":1}\n", 1000);
        assert_eq!(out[1], "garbage@2:truncated JSON array: no closing `]`");
    }

    #[test]
    fn oversized_elements_are_skipped_with_their_length() {
        let big = format!("[{{\"a\":\"{}\"}},{{\"b\":1}}]", "x".repeat(500));
        let out = collect(big.as_bytes(), 100);
        assert_eq!(out, ["1@1:oversized 508", "2@1:{\"b\":1}"]);
    }

    #[test]
    fn text_after_the_array_is_garbage() {
        let out = collect(b"[{\"a\":1}]\ntrailing words\n", 1000);
        assert_eq!(out[0], "1@1:{\"a\":1}");
        assert_eq!(
            out[1],
            "garbage@2:text after the closing `]` of a JSON array"
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let mut reader = ArrayReader::with_cap(&bytes[..], 64);
            let mut steps = 0;
            while reader.next_item().unwrap().is_some() {
                steps += 1;
                proptest::prop_assert!(steps <= bytes.len() + 2);
            }
        }
    }
}
