//! The one error type of this crate.

/// What stops a narrative altogether. Failures of single calls (timeouts, 429s, bad answers)
/// are not errors: they end in the playbook fallback and are recorded in the ledger.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NarrateError {
    /// The `[llm]` section of `gardener.toml` is not valid.
    #[error("bad `[llm]` section in gardener.toml: {message}")]
    Config {
        /// What was wrong, as the TOML parser says it.
        message: String,
    },
    /// A flag or environment value is not valid.
    #[error("bad value `{value}` for {what}\nhint: {hint}")]
    Value {
        /// The flag or key.
        what: &'static str,
        /// The value given.
        value: String,
        /// How to fix it.
        hint: &'static str,
    },
    /// A budget was set but the model has no price, so no estimate can keep it.
    #[error(
        "`--llm-budget` is set but model `{model}` has no price, so the budget cannot be kept\n\
         hint: add `[llm.prices.\"{model}\"]` with `input_per_mtok` and `output_per_mtok` to \
         gardener.toml (0 for a local model), or drop the budget"
    )]
    UnpricedBudget {
        /// The model.
        model: String,
    },
    /// The HTTP client cannot be built (TLS set-up).
    #[error("cannot set up the HTTP client")]
    Client(#[source] reqwest::Error),
    /// The narrative cache cannot be read or written.
    #[error("narrative cache")]
    Cache(#[from] gardener_state::StateError),
}
