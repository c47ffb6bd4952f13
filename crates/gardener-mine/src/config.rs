//! Miner configuration: caps and knobs, all with documented defaults.

use crate::MineError;

/// Caps and knobs of the [`crate::Miner`]. Every field has a default (see [`Default`]); the
/// same defaults serve every log source: there are no per-system settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinerConfig {
    /// Tokens kept per message (default 256). At the cap, the rest of the message becomes one
    /// variable token; such lines are counted in [`crate::MinerStats::lines_token_capped`].
    pub max_tokens: usize,
    /// Distinct masked forms kept (default 262,144). A message whose form is new once the cap
    /// is reached is mapped to the overflow form of its token count (`<*>` per token) and
    /// counted in [`crate::MinerStats::lines_form_capped`].
    pub max_forms: usize,
    /// Bytes of masked form text kept (default 64 MiB); reaching it acts like `max_forms`.
    pub max_form_bytes: usize,
    /// A position whose values differ inside a candidate group is split on (each value its own
    /// pattern) when it has at most this many distinct values, all of them words without
    /// variables (default 3); with more values it becomes a variable `<*>`.
    pub max_split_values: usize,
    /// The same cap when every value starts with an upper-case letter (default 8): event
    /// names, states and verbs (`Started`/`Paused`/`Resumed`/`Stopped`) are capitalised more
    /// often than user or host names.
    pub max_split_values_capitalised: usize,
}

impl Default for MinerConfig {
    fn default() -> Self {
        Self {
            max_tokens: 256,
            max_forms: 1 << 18,
            max_form_bytes: 64 << 20,
            max_split_values: 3,
            max_split_values_capitalised: 8,
        }
    }
}

impl MinerConfig {
    /// Checks the values: every cap must be at least 1.
    ///
    /// # Errors
    /// [`MineError::InvalidConfig`] naming the field that is out of range.
    pub fn validate(&self) -> Result<(), MineError> {
        for (name, value) in [
            ("max_tokens", self.max_tokens),
            ("max_forms", self.max_forms),
            ("max_form_bytes", self.max_form_bytes),
        ] {
            if value == 0 {
                return Err(MineError::InvalidConfig {
                    field: name,
                    reason: "must be at least 1",
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid() {
        assert!(MinerConfig::default().validate().is_ok());
    }

    #[test]
    fn zero_caps_are_rejected_with_the_field_name() {
        let config = MinerConfig {
            max_forms: 0,
            ..MinerConfig::default()
        };
        let err = config.validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid miner setting `max_forms`: must be at least 1"
        );
    }
}
