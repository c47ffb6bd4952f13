//! Template mining for Log Gardener: turns messages into templates with masked variables.
//!
//! The miner is batch-oriented. [`Miner::observe`] is the cheap streaming half: it masks a
//! message with a byte scanner (numbers, hex, UUIDs, IPs and ports, paths, URLs, e-mails,
//! `key=value` values... see the `mask` rules in `docs/miner.md`) and interns the masked token
//! sequence, its *form*. [`Miner::finish`] clusters the distinct forms into [`Patterns`],
//! deterministically and independently of input order. Pattern identity is
//! [`gardener_core::PatternId::of_template`] of the template text.
//!
//! Reading input, decoding formats and assembling multi-line events are left to other crates;
//! this one only sees message text.
//!
//! ```
//! let templates = gardener_mine::mine_all(&[
//!     "Started VM 1", "Started VM 2", "Paused VM 3", "Paused VM 4",
//! ]);
//! assert_eq!(templates, ["Started VM <*>", "Started VM <*>", "Paused VM <*>", "Paused VM <*>"]);
//! ```

#![deny(missing_docs)]

mod cluster;
mod config;
mod mask;
mod miner;
mod patterns;
mod user;

pub use config::MinerConfig;
pub use mask::{WILDCARD, mask_word};
pub use miner::{MessageKey, Miner, MinerStats};
pub use patterns::{PatternIndex, Patterns, template_matches};
pub use user::{UserTemplateError, UserTemplates};

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MineError {
    /// A configuration value is out of range.
    #[error("invalid miner setting `{field}`: {reason}")]
    InvalidConfig {
        /// The field name.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Mines `lines` with the default configuration and returns the template of each line, in
/// input order.
#[must_use]
pub fn mine_all(lines: &[&str]) -> Vec<String> {
    let mut miner = Miner::new(MinerConfig::default());
    let keys: Vec<MessageKey> = lines.iter().map(|l| miner.observe(l)).collect();
    let patterns = miner.finish();
    keys.iter()
        .map(|&k| patterns.template(patterns.pattern_of(k)).to_owned())
        .collect()
}
