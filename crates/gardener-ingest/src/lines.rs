use std::io::{self, BufRead};

use crate::{MAX_RECORD_BYTES, SAMPLE_BYTES};

/// One framed line.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// A line within the cap, without its `\n` (and without a `\r` before it).
    Text {
        /// 1-based line number.
        number: u64,
        /// The bytes (not yet checked for UTF-8).
        bytes: &'a [u8],
    },
    /// A line longer than the cap: only its first bytes are kept, the rest was skipped.
    Oversized {
        /// 1-based line number.
        number: u64,
        /// Its total length in bytes.
        length: u64,
        /// Its first bytes.
        head: &'a [u8],
    },
}

/// Frames a byte stream into lines, never holding more than `cap` bytes of one line.
///
/// A final line without a trailing newline is still a line. `\r\n` endings are accepted.
pub struct LineReader<R> {
    reader: R,
    buf: Vec<u8>,
    number: u64,
    cap: usize,
}

impl<R: BufRead> LineReader<R> {
    /// A reader with the default cap, [`MAX_RECORD_BYTES`].
    pub fn new(reader: R) -> Self {
        Self::with_cap(reader, MAX_RECORD_BYTES)
    }

    /// A reader with a given cap in bytes.
    pub fn with_cap(reader: R, cap: usize) -> Self {
        Self {
            reader,
            buf: Vec::with_capacity(4096),
            number: 0,
            cap,
        }
    }

    /// Lines returned so far.
    pub fn lines_read(&self) -> u64 {
        self.number
    }

    /// The next line, or `None` at the end of the stream.
    ///
    /// # Errors
    ///
    /// The underlying reader failed (for example a truncated compressed stream). Lines returned
    /// before stay valid.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.buf.clear();
        let mut length: u64 = 0;
        let mut oversized = false;
        let mut saw_any = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if available.is_empty() {
                break;
            }
            saw_any = true;
            let (chunk, done) = match memchr::memchr(b'\n', available) {
                Some(at) => (&available[..at], Some(at + 1)),
                None => (available, None),
            };
            length += chunk.len() as u64;
            if !oversized {
                if self.buf.len() + chunk.len() > self.cap {
                    oversized = true;
                    let keep = SAMPLE_BYTES.saturating_sub(self.buf.len()).min(chunk.len());
                    self.buf.extend_from_slice(&chunk[..keep]);
                    self.buf.truncate(SAMPLE_BYTES);
                } else {
                    self.buf.extend_from_slice(chunk);
                }
            }
            let consumed = done.unwrap_or(available.len());
            self.reader.consume(consumed);
            if done.is_some() {
                break;
            }
        }
        if !saw_any {
            return Ok(None);
        }
        self.number += 1;
        if oversized {
            return Ok(Some(Line::Oversized {
                number: self.number,
                length,
                head: &self.buf,
            }));
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Ok(Some(Line::Text {
            number: self.number,
            bytes: &self.buf,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8], cap: usize) -> Vec<String> {
        let mut reader = LineReader::with_cap(input, cap);
        let mut out = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            out.push(match line {
                Line::Text { number, bytes } => {
                    format!("{number}:{}", String::from_utf8_lossy(bytes))
                }
                Line::Oversized {
                    number,
                    length,
                    head,
                } => format!("{number}:oversized {length} {}", head.len()),
            });
        }
        out
    }

    #[test]
    fn frames_lines_with_and_without_final_newline() {
        assert_eq!(collect(b"a\nb\r\nc", 100), ["1:a", "2:b", "3:c"]);
        assert_eq!(collect(b"a\n\nb\n", 100), ["1:a", "2:", "3:b"]);
        assert!(collect(b"", 100).is_empty());
    }

    #[test]
    fn an_oversized_line_is_reported_and_skipped() {
        let mut input = vec![b'x'; 1000];
        input.extend_from_slice(b"\nnext\n");
        assert_eq!(collect(&input, 100), ["1:oversized 1000 240", "2:next"]);
    }

    #[test]
    fn a_huge_line_keeps_only_a_sample_in_memory() {
        let input = vec![b'y'; 3 * 1024 * 1024];
        let mut reader = LineReader::with_cap(&input[..], 1024);
        match reader.next_line().unwrap().unwrap() {
            Line::Oversized { length, head, .. } => {
                assert_eq!(length, 3 * 1024 * 1024);
                assert!(head.len() <= SAMPLE_BYTES);
            }
            Line::Text { .. } => panic!("expected oversized"),
        }
        assert!(reader.buf.capacity() < 64 * 1024);
    }
}
