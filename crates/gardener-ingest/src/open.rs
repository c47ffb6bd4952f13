use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use crate::{IngestError, InputSource};

/// How an input is compressed, told by its first bytes (never by its name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (`1f 8b`); concatenated members are read as one stream.
    Gzip,
    /// zstd (`28 b5 2f fd`).
    Zstd,
}

/// An opened input: a buffered, decompressed byte stream.
pub struct Opened {
    /// The decompressed bytes.
    pub reader: Box<dyn BufRead + Send>,
    /// What compression was recognised.
    pub compression: Compression,
}

/// Opens a source and wraps it in the decompressor its magic bytes call for.
///
/// # Errors
///
/// The file cannot be opened, or its first bytes cannot be read.
pub fn open(source: &InputSource) -> Result<Opened, IngestError> {
    match source {
        InputSource::Stdin => open_reader(Box::new(io::stdin())),
        InputSource::File(path) => {
            let file = File::open(path).map_err(|source| IngestError::Open {
                path: path.clone(),
                source,
            })?;
            open_reader(Box::new(file)).map_err(|error| match error {
                IngestError::Read { source, .. } => IngestError::Open {
                    path: path.clone(),
                    source,
                },
                other => other,
            })
        }
    }
}

/// Wraps any reader in the decompressor its magic bytes call for.
///
/// # Errors
///
/// The first bytes cannot be read.
pub fn open_reader(reader: Box<dyn Read + Send>) -> Result<Opened, IngestError> {
    let mut buffered = BufReader::with_capacity(256 * 1024, reader);
    let head = buffered.fill_buf().map_err(|source| IngestError::Read {
        name: String::new(),
        lines: 0,
        source,
    })?;
    let compression = if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    };
    let reader: Box<dyn BufRead + Send> = match compression {
        Compression::None => Box::new(buffered),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            256 * 1024,
            flate2::bufread::MultiGzDecoder::new(buffered),
        )),
        Compression::Zstd => {
            let decoder = zstd::stream::read::Decoder::with_buffer(buffered).map_err(|source| {
                IngestError::Read {
                    name: String::new(),
                    lines: 0,
                    source,
                }
            })?;
            Box::new(BufReader::with_capacity(256 * 1024, decoder))
        }
    };
    Ok(Opened {
        reader,
        compression,
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn read_all(bytes: Vec<u8>) -> (Compression, Vec<u8>) {
        let mut opened = open_reader(Box::new(io::Cursor::new(bytes))).unwrap();
        let mut out = Vec::new();
        opened.reader.read_to_end(&mut out).unwrap();
        (opened.compression, out)
    }

    #[test]
    fn recognises_gzip_by_magic_bytes() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(b"hello\nworld\n").unwrap();
        let (compression, out) = read_all(encoder.finish().unwrap());
        assert_eq!(compression, Compression::Gzip);
        assert_eq!(out, b"hello\nworld\n");
    }

    #[test]
    fn recognises_zstd_by_magic_bytes() {
        let bytes = zstd::encode_all(&b"one\ntwo\n"[..], 3).unwrap();
        let (compression, out) = read_all(bytes);
        assert_eq!(compression, Compression::Zstd);
        assert_eq!(out, b"one\ntwo\n");
    }

    #[test]
    fn plain_bytes_pass_through() {
        let (compression, out) = read_all(b"plain\n".to_vec());
        assert_eq!(compression, Compression::None);
        assert_eq!(out, b"plain\n");
    }

    #[test]
    fn truncated_gzip_is_a_read_error_not_a_panic() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for i in 0..1000 {
            writeln!(encoder, "line {i} with some text to compress").unwrap();
        }
        let mut bytes = encoder.finish().unwrap();
        bytes.truncate(bytes.len() / 2);
        let mut opened = open_reader(Box::new(io::Cursor::new(bytes))).unwrap();
        let mut out = Vec::new();
        assert!(opened.reader.read_to_end(&mut out).is_err());
    }
}
