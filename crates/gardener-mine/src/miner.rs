//! The streaming half of the miner: mask each message and intern its masked form.

use rustc_hash::FxHashMap;

use crate::cluster;
use crate::mask::{self, NoSpans, WILD};
use crate::{MinerConfig, Patterns};

/// The key of an observed message: the id of its masked form. The same text always gets the
/// same key from the same miner.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct MessageKey(pub(crate) u32);

impl MessageKey {
    /// The raw index (dense, starting at 0, in order of first sight).
    #[must_use]
    pub const fn index(self) -> u32 {
        self.0
    }
}

/// Counters of what the miner has seen and where its caps bit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MinerStats {
    /// Messages passed to [`Miner::observe`].
    pub lines_observed: u64,
    /// Bytes of those messages.
    pub bytes_observed: u64,
    /// Distinct masked forms kept (overflow forms included).
    pub distinct_forms: usize,
    /// Bytes of masked form text kept.
    pub form_bytes: usize,
    /// Messages with more than `max_tokens` tokens (their tail became one `<*>`).
    pub lines_token_capped: u64,
    /// Messages mapped to an overflow form because `max_forms` or `max_form_bytes` was reached.
    pub lines_form_capped: u64,
    /// Overflow forms in use (at most one per token count).
    pub overflow_forms: usize,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct FormMeta {
    pub count: u64,
    pub tokens: u32,
    /// An overflow form: `<*>` per token, not clustered with anything else.
    pub overflow: bool,
}

/// Streams messages in ([`Miner::observe`]) and clusters them on demand ([`Miner::finish`]).
///
/// ```
/// use gardener_mine::{Miner, MinerConfig};
/// let mut miner = Miner::new(MinerConfig::default());
/// let a = miner.observe("session opened for user root by (uid=0)");
/// let b = miner.observe("session opened for user alice by (uid=1000)");
/// let c = miner.observe("session opened for user bob by (uid=1001)");
/// let d = miner.observe("session opened for user carol by (uid=7)");
/// let e = miner.observe("session opened for user dave by (uid=8)");
/// let patterns = miner.finish();
/// assert_eq!(patterns.pattern_of(a), patterns.pattern_of(e));
/// assert_eq!(
///     patterns.template(patterns.pattern_of(a)),
///     "session opened for user <*> by (uid=<*>)"
/// );
/// assert_eq!(patterns.params(b, "session opened for user alice by (uid=1000)"), ["alice", "1000"]);
/// ```
#[derive(Debug, Clone)]
pub struct Miner {
    config: MinerConfig,
    map: FxHashMap<Box<[u8]>, u32>,
    forms: Vec<FormMeta>,
    /// Overflow form id per token count.
    overflow: Vec<Option<u32>>,
    buf: Vec<u8>,
    stats: MinerStats,
}

impl Miner {
    /// A miner with the given configuration. Caps of 0 are raised to 1 (see
    /// [`MinerConfig::validate`] to reject them instead).
    #[must_use]
    pub fn new(mut config: MinerConfig) -> Self {
        config.max_tokens = config.max_tokens.max(1);
        config.max_forms = config.max_forms.max(1);
        config.max_form_bytes = config.max_form_bytes.max(1);
        Self {
            config,
            map: FxHashMap::default(),
            forms: Vec::new(),
            overflow: Vec::new(),
            buf: Vec::with_capacity(256),
            stats: MinerStats::default(),
        }
    }

    /// The configuration in use.
    #[must_use]
    pub fn config(&self) -> &MinerConfig {
        &self.config
    }

    /// Streams one message (single line or multi-line text; any whitespace separates tokens).
    /// Same text => same key, always.
    pub fn observe(&mut self, message: &str) -> MessageKey {
        self.stats.lines_observed += 1;
        self.stats.bytes_observed += message.len() as u64;
        let buf = &mut self.buf;
        buf.clear();
        let bytes = message.as_bytes();
        let mut tokens: u32 = 0;
        let capped = mask::for_each_token(
            message,
            self.config.max_tokens,
            |start, end, tail, classes| {
                if tokens > 0 {
                    buf.push(b' ');
                }
                tokens += 1;
                if tail {
                    buf.extend_from_slice(WILD);
                } else {
                    mask::mask_classified(&bytes[start..end], classes, buf, &mut NoSpans);
                }
            },
        );
        if capped {
            self.stats.lines_token_capped += 1;
        }
        if let Some(&id) = self.map.get(self.buf.as_slice()) {
            self.forms[id as usize].count += 1;
            return MessageKey(id);
        }
        let full = self.map.len() >= self.config.max_forms
            || self.stats.form_bytes + self.buf.len() > self.config.max_form_bytes;
        if full {
            self.stats.lines_form_capped += 1;
            return self.overflow_key(tokens);
        }
        let id = self.next_id();
        self.stats.form_bytes += self.buf.len();
        self.map.insert(self.buf.as_slice().into(), id);
        self.forms.push(FormMeta {
            count: 1,
            tokens,
            overflow: false,
        });
        self.stats.distinct_forms += 1;
        MessageKey(id)
    }

    fn next_id(&self) -> u32 {
        u32::try_from(self.forms.len()).expect("form count is bounded by max_forms + max_tokens")
    }

    fn overflow_key(&mut self, tokens: u32) -> MessageKey {
        let slot = tokens as usize;
        if self.overflow.len() <= slot {
            self.overflow.resize(slot + 1, None);
        }
        if let Some(id) = self.overflow[slot] {
            self.forms[id as usize].count += 1;
            return MessageKey(id);
        }
        let id = self.next_id();
        self.overflow[slot] = Some(id);
        self.forms.push(FormMeta {
            count: 1,
            tokens,
            overflow: true,
        });
        self.stats.distinct_forms += 1;
        self.stats.overflow_forms += 1;
        MessageKey(id)
    }

    /// Merges another miner's observations into this one (for example a shard observed on
    /// another thread) and returns, indexed by the other miner's key, the key each of its forms
    /// now has here. Since [`Miner::finish`] reads only the multiset of forms and counts, the
    /// patterns do not depend on how the input was sharded. Forms of `other` that do not fit
    /// under this miner's caps go to overflow forms and are counted as form-capped lines.
    pub fn merge(&mut self, other: &Miner) -> Vec<MessageKey> {
        let mut remap = vec![MessageKey(0); other.forms.len()];
        let mut texts: Vec<Option<&[u8]>> = vec![None; other.forms.len()];
        for (text, &id) in &other.map {
            texts[id as usize] = Some(text);
        }
        for (id, meta) in other.forms.iter().enumerate() {
            let key = match texts[id] {
                Some(text) if !meta.overflow => {
                    if let Some(&mine) = self.map.get(text) {
                        self.forms[mine as usize].count += meta.count;
                        MessageKey(mine)
                    } else if self.map.len() >= self.config.max_forms
                        || self.stats.form_bytes + text.len() > self.config.max_form_bytes
                    {
                        self.stats.lines_form_capped += meta.count;
                        self.overflow_key_counted(meta.tokens, meta.count)
                    } else {
                        let mine = self.next_id();
                        self.stats.form_bytes += text.len();
                        self.map.insert(text.into(), mine);
                        self.forms.push(FormMeta {
                            overflow: false,
                            ..*meta
                        });
                        self.stats.distinct_forms += 1;
                        MessageKey(mine)
                    }
                }
                _ => self.overflow_key_counted(meta.tokens, meta.count),
            };
            remap[id] = key;
        }
        self.stats.lines_observed += other.stats.lines_observed;
        self.stats.bytes_observed += other.stats.bytes_observed;
        self.stats.lines_token_capped += other.stats.lines_token_capped;
        self.stats.lines_form_capped += other.stats.lines_form_capped;
        remap
    }

    fn overflow_key_counted(&mut self, tokens: u32, count: u64) -> MessageKey {
        let key = self.overflow_key(tokens);
        // `overflow_key` counted one line
        self.forms[key.0 as usize].count += count - 1;
        key
    }

    /// Clusters everything observed so far. Deterministic: the result depends only on the set
    /// of distinct masked forms, not on their order or counts. Does not consume the miner.
    #[must_use]
    pub fn finish(&self) -> Patterns {
        let mut texts: Vec<Option<&[u8]>> = vec![None; self.forms.len()];
        for (text, &id) in &self.map {
            texts[id as usize] = Some(text);
        }
        cluster::cluster(&self.config, &self.forms, &texts)
    }

    /// Counters: distinct forms, lines observed, lines hitting caps.
    #[must_use]
    pub fn stats(&self) -> MinerStats {
        self.stats
    }
}
