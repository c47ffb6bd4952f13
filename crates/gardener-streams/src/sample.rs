//! What one look at the server returns: per stream, its counters, groups, consumers and pending
//! summaries. Every field Redis added after 6.2 is an `Option`: `None` means "the server did not
//! say", which is reported as unknown, never as 0.

use serde::Serialize;

use crate::id::StreamId;

/// One look at one stream.
#[derive(Clone, Debug, Serialize)]
pub struct StreamSample {
    /// Server time of the look (ms since the Unix epoch, from `TIME`).
    pub time_ms: u64,
    /// `length` (XLEN).
    pub length: u64,
    /// `last-generated-id`: the highest id ever generated.
    pub last_generated_id: StreamId,
    /// `max-deleted-entry-id` (7.0+): the highest id removed by XDEL or XSETID (never by trimming).
    pub max_deleted_entry_id: Option<StreamId>,
    /// `entries-added` (7.0+): lifetime count of XADDs.
    pub entries_added: Option<u64>,
    /// The id of the first entry (`first-entry`), `None` for an empty stream.
    pub first_entry_id: Option<StreamId>,
    /// Consumer groups, in server order.
    pub groups: Vec<GroupSample>,
}

impl StreamSample {
    /// Entries removed from the stream over its life (`entries-added - length`), by trimming or
    /// XDEL. `None` before Redis 7.0.
    #[must_use]
    pub fn removed(&self) -> Option<u64> {
        self.entries_added
            .map(|added| added.saturating_sub(self.length))
    }

    /// True when every removal was a trim: no XDEL/XSETID ever recorded a deleted id.
    #[must_use]
    pub fn only_trimmed(&self) -> bool {
        self.max_deleted_entry_id == Some(StreamId::ZERO)
    }

    /// The group with this name, if present.
    #[must_use]
    pub fn group(&self, name: &str) -> Option<&GroupSample> {
        self.groups.iter().find(|group| group.name == name)
    }
}

/// One look at one consumer group of a stream.
#[derive(Clone, Debug, Serialize)]
pub struct GroupSample {
    /// Group name.
    pub name: String,
    /// `last-delivered-id`: the group's read cursor.
    pub last_delivered_id: StreamId,
    /// `entries-read` (7.0+), `None` when null or absent.
    pub entries_read: Option<u64>,
    /// `lag` (7.0+), `None` when null ("unknown") or absent.
    pub lag: Option<u64>,
    /// Size of the pending entries list.
    pub pending: u64,
    /// Smallest pending id (XPENDING summary).
    pub pending_min_id: Option<StreamId>,
    /// Consumers (XINFO CONSUMERS).
    pub consumers: Vec<ConsumerSample>,
    /// Extended XPENDING results, only taken on the final look.
    pub deliveries: Option<DeliveryScan>,
    /// The first entry after the cursor (XRANGE `(cursor + COUNT 1`), only on the final look.
    pub next_undelivered_id: Option<StreamId>,
}

impl GroupSample {
    /// True when the group has delivered everything the stream ever had, judged from ids, which
    /// works even when `lag` is null.
    #[must_use]
    pub fn cursor_at_end(&self, stream: &StreamSample) -> bool {
        self.last_delivered_id >= stream.last_generated_id
    }

    /// Lag as far as it can be known: the server's `lag`, or 0 when the cursor is at the end.
    #[must_use]
    pub fn known_lag(&self, stream: &StreamSample) -> Option<u64> {
        self.lag.or_else(|| self.cursor_at_end(stream).then_some(0))
    }

    /// The smallest idle time among consumers (ms): how long ago anyone in the group last read
    /// or claimed. `None` when the group has no consumers.
    #[must_use]
    pub fn min_idle_ms(&self) -> Option<u64> {
        self.consumers.iter().map(|consumer| consumer.idle_ms).min()
    }
}

/// One consumer of a group.
#[derive(Clone, Debug, Serialize)]
pub struct ConsumerSample {
    /// Consumer name.
    pub name: String,
    /// Entries delivered to it and not yet acknowledged.
    pub pending: u64,
    /// `idle` in ms. Before 7.2: since the last successful read or claim; 7.2+: since the last
    /// attempt.
    pub idle_ms: u64,
    /// `inactive` (7.2+) in ms since the last successful read or claim; `-1` means never active.
    pub inactive_ms: Option<i64>,
}

/// What a bounded extended XPENDING showed about delivery counts.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DeliveryScan {
    /// Pending entries examined.
    pub scanned: u64,
    /// True when the scan stopped at its cap before the end of the pending list.
    pub truncated: bool,
    /// Highest delivery count seen.
    pub max_deliveries: u64,
    /// Entries at or above the poison threshold (at most a few, highest count first).
    pub poison: Vec<PendingEntry>,
    /// How many entries were at or above the poison threshold in total.
    pub poison_count: u64,
}

/// One pending entry from the extended XPENDING form.
#[derive(Clone, Debug, Serialize)]
pub struct PendingEntry {
    /// Entry id.
    pub id: StreamId,
    /// Consumer that owns it.
    pub consumer: String,
    /// Milliseconds since it was last delivered.
    pub idle_ms: u64,
    /// How many times it was delivered.
    pub deliveries: u64,
}
