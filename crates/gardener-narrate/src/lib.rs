//! LLM narrative over the engine's findings, with an exact cost ledger (issue 8).
//!
//! The model sees only what the engine computed for one service at a time (P0–P2 patterns,
//! counts, roles, cascades, redacted samples; see [`facts`]) and writes only prose: a JSON
//! object of strings ([`UnitProse`]) that is validated, number-checked against the facts
//! sent, retried once when refused, and replaced by the deterministic playbook text when it
//! still cannot be used. Tables stay the engine's. Every call lands in a [`Ledger`] with the
//! tokens the API reported, latency, attempts and a cost in integer micro-dollars whose
//! totals are sums of the rows. A budget stops calls before they would pass it; a cache in
//! the state file makes a rerun over the same incident free.
//!
//! Nothing here runs unless the caller holds a [`NarrateConfig`], which
//! [`NarrateConfig::from_sources`] only gives when `--narrate` is set; [`playbook`] is the
//! offline text. Rendering into the worklog: [`render_markdown`]. This crate does not decide
//! where the sections go; the binary does.
//!
//! ```
//! use gardener_narrate::{NarrateConfig, cli::NarrateArgs};
//!
//! let args = NarrateArgs::default(); // no --narrate
//! let config = NarrateConfig::from_sources(&args, &|_| None, None).unwrap();
//! assert!(config.is_none()); // nothing will be sent
//! ```

#![deny(missing_docs)]

pub mod cli;
mod client;
mod config;
mod error;
pub mod facts;
mod ledger;
mod narrative;
pub mod numbers;
mod price;
mod prose;
mod render;

pub use client::endpoint;
pub use config::{DEFAULT_ATTEMPTS, DEFAULT_MAX_TOKENS, DEFAULT_TIMEOUT, NarrateConfig, Provider};
pub use error::NarrateError;
pub use ledger::{CallRecord, Ledger, Outcome, PriceNote, Purpose, Totals, totals_of};
pub use narrative::{
    Narrative, PROMPT_VERSION, Source, UnitNarrative, cache_key, narrate, playbook,
};
pub use price::{DEFAULT_PRICES_DATE, Price, PriceSource, PriceTable, Usd};
pub use prose::UnitProse;
pub use render::render_markdown;
