//! [`NarrateConfig`]: where the model is, what it costs, how long to wait, what to spend.

use std::time::Duration;

use serde::Deserialize;

use crate::cli::{NarrateArgs, ProviderArg};
use crate::error::NarrateError;
use crate::price::{Price, PriceTable, Usd};

/// Which API contract to speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// Any OpenAI-compatible `chat/completions` endpoint (OpenAI, Ollama, vLLM, llama.cpp
    /// server, LiteLLM).
    OpenAi,
    /// The Anthropic Messages API.
    Anthropic,
}

impl Provider {
    /// `openai` or `anthropic`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OpenAi => "openai",
            Self::Anthropic => "anthropic",
        }
    }

    const fn default_base_url(self) -> &'static str {
        match self {
            Self::OpenAi => "https://api.openai.com/v1",
            Self::Anthropic => "https://api.anthropic.com",
        }
    }

    const fn default_model(self) -> &'static str {
        match self {
            Self::OpenAi => "gpt-4o-mini",
            Self::Anthropic => "claude-3-5-haiku-latest",
        }
    }

    const fn key_env(self) -> &'static str {
        match self {
            Self::OpenAi => "OPENAI_API_KEY",
            Self::Anthropic => "ANTHROPIC_API_KEY",
        }
    }
}

/// Default time one HTTP attempt may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default completion cap per call, in tokens.
pub const DEFAULT_MAX_TOKENS: u32 = 800;
/// Default HTTP attempts per call (the first one included).
pub const DEFAULT_ATTEMPTS: u32 = 3;

/// A validated narration set-up. There is no `Default`: the only ways to get one are
/// [`NarrateConfig::from_sources`] with `--narrate` given, or [`NarrateConfig::new`] in code,
/// so a run without `--narrate` cannot reach the network by accident.
#[derive(Clone, Debug)]
pub struct NarrateConfig {
    /// The API contract.
    pub provider: Provider,
    /// The base URL (`https://api.openai.com/v1`, `http://localhost:11434/v1`, ...).
    pub base_url: String,
    /// The model name sent.
    pub model: String,
    /// The API key; `None` sends no credential (local servers).
    pub api_key: Option<String>,
    /// Time one HTTP attempt may take.
    pub timeout: Duration,
    /// Completion cap per call (`max_tokens`).
    pub max_tokens: u32,
    /// HTTP attempts per call, at least 1.
    pub attempts: u32,
    /// First backoff after a 5xx or a timeout; doubles per attempt.
    pub backoff: Duration,
    /// The longest `retry-after` honoured; a longer one ends the call.
    pub max_retry_after: Duration,
    /// Hard cap on spending for this run.
    pub budget: Option<Usd>,
    /// Prices per model.
    pub prices: PriceTable,
}

/// The `[llm]` section of `gardener.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LlmSection {
    provider: Option<String>,
    base_url: Option<String>,
    model: Option<String>,
    api_key: Option<String>,
    timeout_s: Option<f64>,
    budget_usd: Option<f64>,
    max_tokens: Option<u32>,
    attempts: Option<u32>,
    #[serde(default)]
    prices: std::collections::BTreeMap<String, PriceSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceSection {
    input_per_mtok: f64,
    output_per_mtok: f64,
}

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    llm: Option<LlmSection>,
}

impl NarrateConfig {
    /// A configuration with defaults for everything but provider, base URL and model.
    #[must_use]
    pub fn new(provider: Provider, base_url: &str, model: &str) -> Self {
        Self {
            provider,
            base_url: base_url.to_owned(),
            model: model.to_owned(),
            api_key: None,
            timeout: DEFAULT_TIMEOUT,
            max_tokens: DEFAULT_MAX_TOKENS,
            attempts: DEFAULT_ATTEMPTS,
            backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(60),
            budget: None,
            prices: PriceTable::default(),
        }
    }

    /// Builds the configuration from flags, environment and the text of `gardener.toml`.
    /// Flags win over the environment, which wins over the file. Returns `Ok(None)` when
    /// `--narrate` is not given: then nothing may be sent anywhere.
    ///
    /// The key is, in order: `--llm-api-key`, `GARDENER_LLM_API_KEY`, `OPENAI_API_KEY` or
    /// `ANTHROPIC_API_KEY` (by provider), `[llm] api_key`.
    ///
    /// # Errors
    ///
    /// A bad `[llm]` section, a bad budget or timeout, or a budget for a model without price.
    pub fn from_sources(
        args: &NarrateArgs,
        env: &dyn Fn(&str) -> Option<String>,
        toml_text: Option<&str>,
    ) -> Result<Option<Self>, NarrateError> {
        if !args.narrate {
            return Ok(None);
        }
        let file: ConfigFile = match toml_text {
            Some(text) => toml::from_str(text).map_err(|e| NarrateError::Config {
                message: e.to_string(),
            })?,
            None => ConfigFile::default(),
        };
        let section = file.llm.unwrap_or_default();
        let provider = match (args.llm_provider, section.provider.as_deref()) {
            (Some(ProviderArg::Openai), _) | (None, None | Some("openai")) => Provider::OpenAi,
            (Some(ProviderArg::Anthropic), _) | (None, Some("anthropic")) => Provider::Anthropic,
            (None, Some(other)) => {
                return Err(NarrateError::Config {
                    message: format!("provider `{other}`: expected `openai` or `anthropic`"),
                });
            }
        };
        let base_url = args
            .llm_base_url
            .clone()
            .or_else(|| env("GARDENER_LLM_BASE_URL"))
            .or(section.base_url)
            .unwrap_or_else(|| provider.default_base_url().to_owned());
        let model = args
            .llm_model
            .clone()
            .or_else(|| env("GARDENER_LLM_MODEL"))
            .or(section.model)
            .unwrap_or_else(|| provider.default_model().to_owned());
        let api_key = args
            .llm_api_key
            .clone()
            .or_else(|| env("GARDENER_LLM_API_KEY"))
            .or_else(|| env(provider.key_env()))
            .or(section.api_key)
            .filter(|key| !key.is_empty());
        let mut config = Self::new(provider, &base_url, &model);
        config.api_key = api_key;
        if let Some(timeout) = &args.llm_timeout {
            config.timeout = parse_seconds(timeout).ok_or_else(|| NarrateError::Value {
                what: "`--llm-timeout`",
                value: timeout.clone(),
                hint: "give seconds, such as `30` or `2.5`",
            })?;
        } else if let Some(seconds) = section.timeout_s {
            config.timeout = Duration::try_from_secs_f64(seconds)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| NarrateError::Config {
                    message: format!("timeout_s = {seconds}: expected a positive number"),
                })?;
        }
        if let Some(max_tokens) = section.max_tokens {
            config.max_tokens = max_tokens.max(1);
        }
        if let Some(attempts) = section.attempts {
            config.attempts = attempts.max(1);
        }
        for (name, price) in &section.prices {
            let (Some(input), Some(output)) = (
                Usd::from_f64(price.input_per_mtok),
                Usd::from_f64(price.output_per_mtok),
            ) else {
                return Err(NarrateError::Config {
                    message: format!("prices for `{name}` must be non-negative numbers"),
                });
            };
            config.prices.set(
                name,
                Price {
                    input_per_mtok: input,
                    output_per_mtok: output,
                },
            );
        }
        config.budget = match (&args.llm_budget, section.budget_usd) {
            (Some(text), _) => Some(Usd::parse(text).ok_or_else(|| NarrateError::Value {
                what: "`--llm-budget`",
                value: text.clone(),
                hint: "give US dollars with at most six decimals, such as `0.05`",
            })?),
            (None, Some(value)) => {
                Some(Usd::from_f64(value).ok_or_else(|| NarrateError::Config {
                    message: format!("budget_usd = {value}: expected a non-negative number"),
                })?)
            }
            (None, None) => None,
        };
        if config.budget.is_some() && config.prices.lookup(&config.model).is_none() {
            return Err(NarrateError::UnpricedBudget {
                model: config.model,
            });
        }
        Ok(Some(config))
    }
}

fn parse_seconds(text: &str) -> Option<Duration> {
    let text = text.trim();
    let text = text.strip_suffix('s').unwrap_or(text);
    text.parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .filter(|d| !d.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(narrate: bool) -> NarrateArgs {
        NarrateArgs {
            narrate,
            ..NarrateArgs::default()
        }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn without_narrate_there_is_no_config_even_when_everything_else_is_set() {
        let mut a = args(false);
        a.llm_base_url = Some("http://127.0.0.1:9".into());
        a.llm_api_key = Some("sk-x".into());
        let env = |_: &str| Some("set".to_owned());
        let config = NarrateConfig::from_sources(&a, &env, Some("[llm]\nmodel = \"m\"")).unwrap();
        assert!(config.is_none());
    }

    #[test]
    fn flags_beat_env_which_beats_the_file() {
        let toml = "[llm]\nprovider = \"anthropic\"\nmodel = \"file-model\"\napi_key = \"file-key\"\n\
                    base_url = \"http://file\"\n";
        let env = |name: &str| match name {
            "ANTHROPIC_API_KEY" => Some("env-anthropic".to_owned()),
            "GARDENER_LLM_MODEL" => Some("env-model".to_owned()),
            _ => None,
        };
        let config = NarrateConfig::from_sources(&args(true), &env, Some(toml))
            .unwrap()
            .unwrap();
        assert_eq!(config.provider, Provider::Anthropic);
        assert_eq!(config.model, "env-model");
        assert_eq!(config.api_key.as_deref(), Some("env-anthropic"));
        assert_eq!(config.base_url, "http://file");

        let mut a = args(true);
        a.llm_model = Some("flag-model".into());
        a.llm_api_key = Some("flag-key".into());
        let config = NarrateConfig::from_sources(&a, &env, Some(toml))
            .unwrap()
            .unwrap();
        assert_eq!(config.model, "flag-model");
        assert_eq!(config.api_key.as_deref(), Some("flag-key"));
    }

    #[test]
    fn gardener_key_wins_over_the_provider_key() {
        let env = |name: &str| match name {
            "GARDENER_LLM_API_KEY" => Some("ours".to_owned()),
            "OPENAI_API_KEY" => Some("theirs".to_owned()),
            _ => None,
        };
        let config = NarrateConfig::from_sources(&args(true), &env, None)
            .unwrap()
            .unwrap();
        assert_eq!(config.provider, Provider::OpenAi);
        assert_eq!(config.api_key.as_deref(), Some("ours"));
        assert_eq!(config.model, "gpt-4o-mini");
    }

    #[test]
    fn a_budget_for_an_unpriced_model_is_refused_until_it_is_priced() {
        let mut a = args(true);
        a.llm_model = Some("llama3.1".into());
        a.llm_budget = Some("0.01".into());
        let error = NarrateConfig::from_sources(&a, &no_env, None).unwrap_err();
        assert!(
            matches!(error, NarrateError::UnpricedBudget { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("[llm.prices.\"llama3.1\"]"));
        let toml = "[llm.prices.\"llama3.1\"]\ninput_per_mtok = 0\noutput_per_mtok = 0.0\n";
        let config = NarrateConfig::from_sources(&a, &no_env, Some(toml))
            .unwrap()
            .unwrap();
        assert_eq!(config.budget, Some(Usd::from_micros(10_000)));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let error =
            NarrateConfig::from_sources(&args(true), &no_env, Some("[llm]\nmodle = \"x\"\n"))
                .unwrap_err();
        assert!(error.to_string().contains("modle"), "{error}");
        let mut a = args(true);
        a.llm_budget = Some("five".into());
        assert!(NarrateConfig::from_sources(&a, &no_env, None).is_err());
        let mut a = args(true);
        a.llm_timeout = Some("0".into());
        assert!(NarrateConfig::from_sources(&a, &no_env, None).is_err());
    }

    #[test]
    fn other_sections_of_gardener_toml_are_left_alone() {
        let toml = "[[rules]]\nmatch = \"x\"\npriority = \"P1\"\n";
        let config = NarrateConfig::from_sources(&args(true), &no_env, Some(toml)).unwrap();
        assert!(config.is_some());
    }
}
