//! Triage: what broke first, what followed from it, how urgent, what to do.
//!
//! - [`cascade`] finds episodes of failure and measures, for each pair of patterns, how
//!   consistently one precedes the other within a short delay, beyond what chance explains;
//!   it assigns each pattern a [`Role`] (`root_cause`, `symptom` with `caused_by`,
//!   `independent`). The method and its thresholds are documented in `docs/triage.md`.
//! - [`priority`] scores each pattern from severity, rate, spike, novelty and cascade role and
//!   maps the score onto P0–P3; a symptom is never P0.
//! - [`onset`] finds failures that happen once and are followed at once by a burst of new
//!   errors in other services, which the cascade method cannot confirm from one episode.
//! - [`playbook`] puts each pattern in a category with recommended actions and labels, from
//!   built-in rules and the user's `gardener.toml`.
//!
//! Everything here is deterministic: the same inputs give the same output.

#![deny(missing_docs)]

pub mod cascade;
pub mod onset;
pub mod playbook;
pub mod priority;
pub mod sparkline;

pub use cascade::{CascadeConfig, CascadeEdge, CascadeResult, ErrorEvent, Role};
pub use playbook::{Playbook, PlaybookError, RuleMatch};
pub use priority::{Priority, PriorityInput, Score};
