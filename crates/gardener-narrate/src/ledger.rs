//! The ledger: one row per model call (or cache hit, or call skipped for the budget), and
//! totals that are the sums of the rows.

use serde::Serialize;

use crate::price::{Price, PriceSource, Usd};

/// Why a call was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// The unit's first call.
    First,
    /// The second and last call after the first answer was refused.
    Retry,
}

/// How a row ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// Valid prose, every number supported.
    Answered,
    /// An answer came but was refused (shape, lengths, or numbers the engine did not supply).
    Refused {
        /// Why.
        why: String,
    },
    /// No answer: HTTP errors, timeouts, retries used up.
    Failed {
        /// Why.
        why: String,
    },
    /// The prose came from the state file's cache: no call, no cost.
    Cached,
    /// Not made: its estimate would have passed the budget.
    SkippedBudget {
        /// The estimate that would not fit.
        estimate: Usd,
        /// What was left of the budget.
        remaining: Usd,
    },
}

impl Outcome {
    /// A short label for the usage table.
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Self::Answered => "answered".to_owned(),
            Self::Refused { .. } => "answer refused".to_owned(),
            Self::Failed { .. } => "failed".to_owned(),
            Self::Cached => "cache hit".to_owned(),
            Self::SkippedBudget {
                estimate,
                remaining,
            } => {
                format!("skipped: estimate ${estimate} > ${remaining} left")
            }
        }
    }
}

/// One row.
#[derive(Clone, Debug, Serialize)]
pub struct CallRecord {
    /// The unit (service) it was for.
    pub unit: String,
    /// First call or retry.
    pub purpose: Purpose,
    /// How it ended.
    pub outcome: Outcome,
    /// The model asked for.
    pub model: String,
    /// The model the API said answered, when it said.
    pub model_reported: Option<String>,
    /// Prompt tokens as the API reported them (0 when it reported none).
    pub prompt_tokens: u64,
    /// Completion tokens as the API reported them (0 when it reported none).
    pub completion_tokens: u64,
    /// Whether the API reported usage.
    pub usage_reported: bool,
    /// HTTP attempts (0 for a cache hit or a skipped call).
    pub attempts: u32,
    /// Wall time of all attempts and waits, in milliseconds.
    pub latency_ms: u64,
    /// Cost of the prompt tokens; `None` when the model has no price.
    pub input_cost: Option<Usd>,
    /// Cost of the completion tokens; `None` when the model has no price.
    pub output_cost: Option<Usd>,
    /// `input_cost + output_cost`.
    pub cost: Option<Usd>,
}

impl CallRecord {
    /// A row that cost nothing (cache hit, skipped call).
    pub(crate) fn free(unit: &str, purpose: Purpose, model: &str, outcome: Outcome) -> Self {
        Self {
            unit: unit.to_owned(),
            purpose,
            outcome,
            model: model.to_owned(),
            model_reported: None,
            prompt_tokens: 0,
            completion_tokens: 0,
            usage_reported: false,
            attempts: 0,
            latency_ms: 0,
            input_cost: Some(Usd::ZERO),
            output_cost: Some(Usd::ZERO),
            cost: Some(Usd::ZERO),
        }
    }

    /// Sets tokens and the costs they imply at `price`.
    pub(crate) fn set_usage(&mut self, prompt: u64, completion: u64, price: Option<Price>) {
        self.prompt_tokens = prompt;
        self.completion_tokens = completion;
        self.input_cost = price.map(|p| p.input_cost(prompt));
        self.output_cost = price.map(|p| p.output_cost(completion));
        self.cost = self
            .input_cost
            .zip(self.output_cost)
            .map(|(i, o)| i.plus(o));
    }
}

/// Sums over all rows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Rows.
    pub rows: u64,
    /// Rows that went to the network.
    pub requests: u64,
    /// Cache hits.
    pub cache_hits: u64,
    /// Calls skipped for the budget.
    pub skipped: u64,
    /// HTTP attempts.
    pub attempts: u64,
    /// Milliseconds.
    pub latency_ms: u64,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// Sum of the rows' input costs; `None` when any row's is unknown.
    pub input_cost: Option<Usd>,
    /// Sum of the rows' output costs; `None` when any row's is unknown.
    pub output_cost: Option<Usd>,
    /// Sum of the rows' costs, equal to `input_cost + output_cost`; `None` when any row's is
    /// unknown.
    pub cost: Option<Usd>,
}

/// The price used and where it came from.
#[derive(Clone, Debug, Serialize)]
pub struct PriceNote {
    /// The price-table entry that matched the model.
    pub entry: String,
    /// The price.
    pub price: Price,
    /// Default table or gardener.toml.
    pub source: PriceSource,
    /// The date of the default table.
    pub default_table_date: &'static str,
}

/// Every row and their sums.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Ledger {
    /// Rows in the order they happened.
    pub calls: Vec<CallRecord>,
    /// Sums of the rows.
    pub totals: Totals,
    /// The budget, if one was set.
    pub budget: Option<Usd>,
    /// The price used; `None` when the model has no price (costs are then unknown).
    pub price: Option<PriceNote>,
}

impl Ledger {
    /// Appends a row and recomputes the totals from all rows.
    pub(crate) fn push(&mut self, row: CallRecord) {
        self.calls.push(row);
        self.totals = totals_of(&self.calls);
    }

    /// Money spent so far (unknown prices count as zero; a budget needs a price anyway).
    #[must_use]
    pub fn spent(&self) -> Usd {
        self.calls
            .iter()
            .filter_map(|c| c.cost)
            .fold(Usd::ZERO, Usd::plus)
    }
}

/// The sums of `rows`, computed from the rows alone.
#[must_use]
pub fn totals_of(rows: &[CallRecord]) -> Totals {
    let sum = |f: fn(&CallRecord) -> Option<Usd>| {
        rows.iter()
            .map(f)
            .try_fold(Usd::ZERO, |acc, c| c.map(|c| acc.plus(c)))
    };
    let count = |f: fn(&CallRecord) -> bool| rows.iter().filter(|c| f(c)).count() as u64;
    Totals {
        rows: rows.len() as u64,
        requests: count(|c| c.attempts > 0),
        cache_hits: count(|c| c.outcome == Outcome::Cached),
        skipped: count(|c| matches!(c.outcome, Outcome::SkippedBudget { .. })),
        attempts: rows.iter().map(|c| u64::from(c.attempts)).sum(),
        latency_ms: rows.iter().map(|c| c.latency_ms).sum(),
        prompt_tokens: rows.iter().map(|c| c.prompt_tokens).sum(),
        completion_tokens: rows.iter().map(|c| c.completion_tokens).sum(),
        input_cost: sum(|c| c.input_cost),
        output_cost: sum(|c| c.output_cost),
        cost: sum(|c| c.cost),
    }
}
