//! The output file: NDJSON, or gzip when the name ends in `.gz`.
//!
//! A gzip output is written as one gzip member per flush (one per page). Concatenated members
//! are one valid gzip file (RFC 1952, section 2.2; `gzip -d` and the ingest crate read them),
//! and every flush leaves a complete file behind, so an interrupted run can be cut back to the
//! last flushed length and resumed by appending.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::GcpError;

enum Sink {
    Plain(BufWriter<File>),
    Gzip {
        file: Option<BufWriter<File>>,
        member: Option<GzEncoder<BufWriter<File>>>,
        members: u64,
    },
}

/// A collection's output file.
pub struct OutputFile {
    path: PathBuf,
    sink: Sink,
}

impl OutputFile {
    /// Whether a path asks for gzip.
    #[must_use]
    pub fn is_gzip(path: &Path) -> bool {
        path.extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("gz"))
    }

    /// Creates (or truncates) the file.
    ///
    /// # Errors
    ///
    /// When the file cannot be created.
    pub fn create(path: &Path) -> Result<Self, GcpError> {
        let file = File::create(path).map_err(|source| GcpError::Write {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self::wrap(path, file, 0))
    }

    /// Opens the file of an interrupted run, cuts it back to `length` (what the cursor says was
    /// complete) and appends after it.
    ///
    /// # Errors
    ///
    /// When the file is missing, shorter than `length`, or cannot be cut or opened.
    pub fn resume(path: &Path, length: u64) -> Result<Self, GcpError> {
        let fail = |source| GcpError::Write {
            path: path.to_owned(),
            source,
        };
        let file = OpenOptions::new().write(true).open(path).map_err(fail)?;
        let actual = file.metadata().map_err(fail)?.len();
        if actual < length {
            return Err(GcpError::Cursor {
                path: path.to_owned(),
                reason: format!(
                    "the output has {actual} bytes but the cursor says {length} were written; \
                     it was changed since, so the collection cannot be resumed"
                ),
            });
        }
        file.set_len(length).map_err(fail)?;
        drop(file);
        let file = OpenOptions::new().append(true).open(path).map_err(fail)?;
        Ok(Self::wrap(path, file, u64::from(length > 0)))
    }

    fn wrap(path: &Path, file: File, members: u64) -> Self {
        let file = BufWriter::with_capacity(1 << 16, file);
        let sink = if Self::is_gzip(path) {
            Sink::Gzip {
                file: Some(file),
                member: None,
                members,
            }
        } else {
            Sink::Plain(file)
        };
        Self {
            path: path.to_owned(),
            sink,
        }
    }

    /// The path written.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes and closes; a gzip file that got no entries still gets one (empty) member so
    /// that it is a valid gzip file.
    ///
    /// # Errors
    ///
    /// When the last bytes cannot be written.
    pub fn finish(mut self) -> Result<(), GcpError> {
        let nothing_written = matches!(
            &self.sink,
            Sink::Gzip {
                members: 0,
                member: None,
                ..
            }
        );
        if nothing_written {
            self.start_member().map_err(|source| GcpError::Write {
                path: self.path.clone(),
                source,
            })?;
        }
        self.flush().map_err(|source| GcpError::Write {
            path: self.path.clone(),
            source,
        })
    }

    fn start_member(&mut self) -> io::Result<()> {
        if let Sink::Gzip {
            file,
            member: member @ None,
            ..
        } = &mut self.sink
        {
            let inner = file
                .take()
                .ok_or_else(|| io::Error::other("gzip output already closed"))?;
            *member = Some(GzEncoder::new(inner, Compression::default()));
        }
        Ok(())
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.start_member()?;
        match &mut self.sink {
            Sink::Plain(file) => file.write(buf),
            Sink::Gzip { member, .. } => member
                .as_mut()
                .ok_or_else(|| io::Error::other("gzip member not open"))?
                .write(buf),
        }
    }

    /// Makes everything written so far a complete, readable file on disk: for gzip, the open
    /// member is finished.
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Plain(file) => file.flush(),
            Sink::Gzip {
                file,
                member,
                members,
            } => {
                if let Some(open) = member.take() {
                    let mut inner = open.finish()?;
                    inner.flush()?;
                    *file = Some(inner);
                    *members += 1;
                }
                match file {
                    Some(inner) => inner.flush(),
                    None => Ok(()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("gardener-gcp-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    fn gunzip(path: &Path) -> String {
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(File::open(path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn gzip_flushes_make_members_and_resume_cuts_back_a_torn_tail() {
        let path = temp("members.ndjson.gz");
        let mut out = OutputFile::create(&path).unwrap();
        out.write_all(b"{\"a\":1}\n").unwrap();
        out.flush().unwrap();
        out.write_all(b"{\"a\":2}\n").unwrap();
        out.flush().unwrap();
        let complete = std::fs::metadata(&path).unwrap().len();
        // A third page that was interrupted half-way: garbage after the last member.
        out.write_all(b"{\"a\":3}\n").unwrap();
        drop(out);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(&[0x1f, 0x8b, 8, 0])
            .unwrap();
        let mut out = OutputFile::resume(&path, complete).unwrap();
        out.write_all(b"{\"a\":3}\n").unwrap();
        out.finish().unwrap();
        assert_eq!(gunzip(&path), "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
    }

    #[test]
    fn an_empty_gzip_output_is_still_valid_gzip() {
        let path = temp("empty.ndjson.gz");
        OutputFile::create(&path).unwrap().finish().unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 0);
        assert_eq!(gunzip(&path), "");
    }

    #[test]
    fn resume_refuses_a_file_shorter_than_the_cursor() {
        let path = temp("short.ndjson");
        std::fs::write(&path, b"{}\n").unwrap();
        assert!(matches!(
            OutputFile::resume(&path, 100),
            Err(GcpError::Cursor { .. })
        ));
    }
}
