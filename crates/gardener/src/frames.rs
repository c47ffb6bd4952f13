//! Framing and decoding on a second thread.
//!
//! JSON decoding is the most expensive step of the pipeline, and mining and aggregation must
//! see events in input order. So one thread frames the input (lines, or elements of a JSON
//! array) and decodes each record, and hands them over in order, in batches, through a bounded
//! channel; the caller's thread mines and aggregates. Memory stays bounded by the channel
//! (a few batches of at most [`BATCH_BYTES`]), and the result is the same as decoding on one
//! thread: the order of events never changes.

use std::io::BufRead;
use std::ops::Range;
use std::sync::mpsc;

use gardener_ingest::{ArrayItem, ArrayReader, Line, LineReader};
use gardener_parse::{Decoded, Decoder, Format};

/// Records per batch, at most.
const BATCH_ITEMS: usize = 512;
/// Bytes of raw records per batch, about (one record may exceed it).
const BATCH_BYTES: usize = 2 * 1024 * 1024;
/// Batches in flight between the threads.
const BATCHES_IN_FLIGHT: usize = 4;

/// One framed record and what decoding made of it.
pub(crate) enum Item {
    /// A record that decoded, or that could not be decoded (with the reason).
    Record {
        /// Line (for arrays, the line where the element starts).
        line: u64,
        /// The decoder's verdict.
        decoded: Decoded,
        /// Where its raw bytes are in the batch.
        bytes: Range<usize>,
    },
    /// A record that was not decoded at all: oversized, or bytes around a JSON array.
    Unparsed {
        /// Line where it starts.
        line: u64,
        /// Why.
        reason: String,
        /// Where its first bytes are in the batch.
        head: Range<usize>,
    },
}

/// Records in input order with their raw bytes.
pub(crate) struct Batch {
    /// The raw bytes of every record of the batch, one after the other.
    pub bytes: Vec<u8>,
    /// The records.
    pub items: Vec<Item>,
}

impl Batch {
    fn new() -> Self {
        Self {
            bytes: Vec::with_capacity(BATCH_BYTES + 64 * 1024),
            items: Vec::with_capacity(BATCH_ITEMS),
        }
    }

    fn full(&self) -> bool {
        self.items.len() >= BATCH_ITEMS || self.bytes.len() >= BATCH_BYTES
    }

    fn push_bytes(&mut self, bytes: &[u8]) -> Range<usize> {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(bytes);
        start..self.bytes.len()
    }
}

/// Frames and decodes `reader` (a JSON array, or JSON lines) on a second thread and calls
/// `consume` with each batch, in input order, on this one.
///
/// # Errors
///
/// The reader failed part-way; every batch framed before the failure was consumed.
pub(crate) fn decode_json(
    format: Format,
    reader: &mut (dyn BufRead + Send),
    decoder: &Decoder,
    mut consume: impl FnMut(Batch),
) -> std::io::Result<()> {
    let (sender, receiver) = mpsc::sync_channel::<Batch>(BATCHES_IN_FLIGHT);
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || {
            if format.is_array() {
                frame_array(format, reader, decoder, &sender)
            } else {
                frame_lines(format, reader, decoder, &sender)
            }
        });
        for batch in receiver {
            consume(batch);
        }
        producer
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the decoding thread panicked")))
    })
}

fn frame_array(
    format: Format,
    reader: &mut (dyn BufRead + Send),
    decoder: &Decoder,
    sender: &mpsc::SyncSender<Batch>,
) -> std::io::Result<()> {
    let mut array = ArrayReader::new(reader);
    let mut batch = Batch::new();
    while let Some(item) = array.next_item()? {
        match item {
            ArrayItem::Element { line, bytes, .. } => {
                let decoded = decoder.decode(format, bytes);
                let bytes = batch.push_bytes(bytes);
                batch.items.push(Item::Record {
                    line,
                    decoded,
                    bytes,
                });
            }
            ArrayItem::Oversized {
                line, length, head, ..
            } => {
                let head = batch.push_bytes(head);
                batch.items.push(Item::Unparsed {
                    line,
                    reason: format!("oversized record: {length} bytes, over the 8 MiB cap"),
                    head,
                });
            }
            ArrayItem::Garbage { line, reason, head } => {
                let head = batch.push_bytes(head);
                batch.items.push(Item::Unparsed {
                    line,
                    reason: reason.to_owned(),
                    head,
                });
            }
        }
        if batch.full() && !send(sender, &mut batch) {
            return Ok(());
        }
    }
    send(sender, &mut batch);
    Ok(())
}

fn frame_lines(
    format: Format,
    reader: &mut (dyn BufRead + Send),
    decoder: &Decoder,
    sender: &mpsc::SyncSender<Batch>,
) -> std::io::Result<()> {
    let mut lines = LineReader::new(reader);
    let mut batch = Batch::new();
    let result = loop {
        let line = match lines.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => break Ok(()),
            Err(error) => break Err(error),
        };
        match line {
            Line::Text { number, bytes } => {
                let decoded = decoder.decode(format, bytes);
                let bytes = batch.push_bytes(bytes);
                batch.items.push(Item::Record {
                    line: number,
                    decoded,
                    bytes,
                });
            }
            Line::Oversized {
                number,
                length,
                head,
            } => {
                let head = batch.push_bytes(head);
                batch.items.push(Item::Unparsed {
                    line: number,
                    reason: format!("oversized line: {length} bytes, over the 8 MiB cap"),
                    head,
                });
            }
        }
        if batch.full() && !send(sender, &mut batch) {
            return Ok(());
        }
    };
    // What was framed before a read error is still handed over, then the error.
    send(sender, &mut batch);
    result
}

/// Sends the batch and starts a new one; false when the receiver is gone.
fn send(sender: &mpsc::SyncSender<Batch>, batch: &mut Batch) -> bool {
    if batch.items.is_empty() {
        return true;
    }
    let full = std::mem::replace(batch, Batch::new());
    sender.send(full).is_ok()
}
