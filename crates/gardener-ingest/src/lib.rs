//! Inputs of Log Gardener.
//!
//! [`expand`] turns the command line's inputs (files, directories, globs, `-` for stdin) into a
//! sorted list of [`InputSource`]s; [`open`] opens one, recognising gzip and zstd by their magic
//! bytes; [`LineReader`] frames a stream into lines with a length cap, and [`ArrayReader`]
//! frames a JSON array (as `gcloud logging read --format=json` prints it) into its elements
//! without ever holding more than one element in memory. Log formats are left to
//! `gardener-parse`.

#![deny(missing_docs)]

mod array;
mod error;
mod inputs;
mod lines;
mod open;

pub use array::{ArrayItem, ArrayReader};
pub use error::IngestError;
pub use inputs::{InputSource, expand};
pub use lines::{Line, LineReader};
pub use open::{Compression, Opened, open, open_reader};

/// The longest record (line or JSON array element) kept whole: 8 MiB. A longer one is counted
/// as unparsed ("oversized"), with its first bytes kept as a sample, and skipped without being
/// held in memory. Cloud Logging caps an entry at 256 KiB, so real entries stay far below it.
pub const MAX_RECORD_BYTES: usize = 8 * 1024 * 1024;

/// How many leading bytes of a record that could not be used are kept as its sample.
pub const SAMPLE_BYTES: usize = 240;
