//! One logical model call over HTTP: the request of each contract, retries, usage.
//!
//! OpenAI-compatible: `POST {base}/v1/chat/completions` (or `{base}/chat/completions` when the
//! base already ends in `/v1`), `Authorization: Bearer KEY`, `response_format` JSON object,
//! usage in `usage.prompt_tokens` / `usage.completion_tokens`. Anthropic: `POST
//! {base}/v1/messages`, `x-api-key`, `anthropic-version: 2023-06-01`, text content blocks,
//! usage in `usage.input_tokens` / `usage.output_tokens`.
//!
//! Retries: a 429 waits its `retry-after` (seconds or an HTTP date; the backoff when it has
//! none); a 5xx, a timeout or a connection error waits the backoff, doubling with jitter; other
//! statuses end the call. At most `attempts` attempts. Failed attempts report no usage and are counted as zero tokens.

use std::thread;
use std::time::{Duration, Instant};

use gardener_core::retry::{self, error_chain};
use reqwest::StatusCode;
use reqwest::blocking::Client as Http;
use serde_json::{Value, json};

use crate::config::{NarrateConfig, Provider};
use crate::error::NarrateError;

/// What one logical call gave.
#[derive(Debug, Default)]
pub(crate) struct Exchange {
    /// The answer text, when an attempt succeeded.
    pub content: Option<String>,
    /// `(prompt, completion)` tokens as the API reported them.
    pub usage: Option<(u64, u64)>,
    /// The model the API says answered.
    pub model: Option<String>,
    /// HTTP attempts made.
    pub attempts: u32,
    /// Wall time of all attempts and waits.
    pub latency: Duration,
    /// Why the call failed, when it did.
    pub error: Option<String>,
}

pub(crate) struct Client<'a> {
    http: Http,
    config: &'a NarrateConfig,
}

enum Attempt {
    Done(Exchange),
    Retry { wait: Duration, why: String },
    Fail(String),
}

impl<'a> Client<'a> {
    pub(crate) fn new(config: &'a NarrateConfig) -> Result<Self, NarrateError> {
        let http = Http::builder()
            .timeout(config.timeout)
            .user_agent(concat!("gardener/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(NarrateError::Client)?;
        Ok(Self { http, config })
    }

    /// The endpoint URL for the configured provider.
    pub(crate) fn url(&self) -> String {
        endpoint(self.config.provider, &self.config.base_url)
    }

    /// The request body for a system and a user message.
    pub(crate) fn body(&self, system: &str, user: &str) -> Value {
        let c = self.config;
        match c.provider {
            Provider::OpenAi => json!({
                "model": c.model,
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": user},
                ],
                "max_tokens": c.max_tokens,
                "temperature": 0,
                "response_format": {"type": "json_object"},
            }),
            Provider::Anthropic => json!({
                "model": c.model,
                "max_tokens": c.max_tokens,
                "temperature": 0,
                "system": system,
                "messages": [{"role": "user", "content": user}],
            }),
        }
    }

    pub(crate) fn call(&self, body: &Value) -> Exchange {
        let started = Instant::now();
        let url = self.url();
        let mut attempts = 0;
        let mut last_why = String::new();
        while attempts < self.config.attempts.max(1) {
            attempts += 1;
            match self.attempt(&url, body) {
                Attempt::Done(mut exchange) => {
                    exchange.attempts = attempts;
                    exchange.latency = started.elapsed();
                    return exchange;
                }
                Attempt::Fail(why) => {
                    return Exchange {
                        attempts,
                        latency: started.elapsed(),
                        error: Some(why),
                        ..Exchange::default()
                    };
                }
                Attempt::Retry { wait, why } => {
                    last_why = why;
                    if attempts < self.config.attempts {
                        if wait > self.config.max_retry_after {
                            last_why = format!(
                                "{last_why}; retry-after {} s is longer than the {} s allowed",
                                wait.as_secs(),
                                self.config.max_retry_after.as_secs()
                            );
                            break;
                        }
                        let backoff = retry::backoff(
                            self.config.backoff,
                            self.config.max_retry_after,
                            attempts,
                        );
                        thread::sleep(wait.max(backoff));
                    }
                }
            }
        }
        Exchange {
            attempts,
            latency: started.elapsed(),
            error: Some(format!("gave up after {attempts} attempts: {last_why}")),
            ..Exchange::default()
        }
    }

    fn attempt(&self, url: &str, body: &Value) -> Attempt {
        let mut request = self.http.post(url).json(body);
        match self.config.provider {
            Provider::OpenAi => {
                if let Some(key) = &self.config.api_key {
                    request = request.bearer_auth(key);
                }
            }
            Provider::Anthropic => {
                request = request.header("anthropic-version", "2023-06-01");
                if let Some(key) = &self.config.api_key {
                    request = request.header("x-api-key", key);
                }
            }
        }
        let response = match request.send() {
            Ok(response) => response,
            Err(e) if e.is_timeout() => {
                return Attempt::Retry {
                    wait: Duration::ZERO,
                    why: format!("no answer within {:?}", self.config.timeout),
                };
            }
            Err(e) => {
                return Attempt::Retry {
                    wait: Duration::ZERO,
                    why: format!("request failed: {}", error_chain(&e)),
                };
            }
        };
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            let wait = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(retry::retry_after)
                .unwrap_or(Duration::ZERO);
            return Attempt::Retry {
                wait,
                why: "HTTP 429 (rate limited)".to_owned(),
            };
        }
        if status.is_server_error() {
            return Attempt::Retry {
                wait: Duration::ZERO,
                why: format!("HTTP {}", status.as_u16()),
            };
        }
        let text = match response.text() {
            Ok(text) => text,
            Err(e) if e.is_timeout() => {
                return Attempt::Retry {
                    wait: Duration::ZERO,
                    why: format!("no answer within {:?}", self.config.timeout),
                };
            }
            Err(e) => return Attempt::Fail(format!("cannot read the answer: {}", error_chain(&e))),
        };
        if !status.is_success() {
            let mut snippet: String = text.chars().take(200).collect();
            if snippet.len() < text.len() {
                snippet.push('…');
            }
            return Attempt::Fail(format!("HTTP {}: {snippet}", status.as_u16()));
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(value) => Attempt::Done(read_answer(self.config.provider, &value)),
            Err(e) => Attempt::Fail(format!("the API answered with invalid JSON: {e}")),
        }
    }
}

/// Content, usage and model from a successful answer of either contract.
fn read_answer(provider: Provider, value: &Value) -> Exchange {
    let u = |key: &str| {
        value
            .pointer(&format!("/usage/{key}"))
            .and_then(Value::as_u64)
    };
    let (content, usage) = match provider {
        Provider::OpenAi => (
            value
                .pointer("/choices/0/message/content")
                .and_then(Value::as_str)
                .map(str::to_owned),
            u("prompt_tokens").zip(u("completion_tokens")),
        ),
        Provider::Anthropic => {
            let text: Option<String> =
                value
                    .get("content")
                    .and_then(Value::as_array)
                    .map(|blocks| {
                        blocks
                            .iter()
                            .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                            .filter_map(|b| b.get("text").and_then(Value::as_str))
                            .collect()
                    });
            (text, u("input_tokens").zip(u("output_tokens")))
        }
    };
    let error = content
        .is_none()
        .then(|| "the API answer holds no text content".to_owned());
    Exchange {
        content,
        usage,
        model: value
            .get("model")
            .and_then(Value::as_str)
            .map(str::to_owned),
        error,
        ..Exchange::default()
    }
}

/// `{base}/v1/chat/completions` or `{base}/v1/messages`, without doubling a `/v1` the base
/// already ends in.
#[must_use]
pub fn endpoint(provider: Provider, base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let path = match provider {
        Provider::OpenAi => "chat/completions",
        Provider::Anthropic => "messages",
    };
    if base.ends_with("/v1") {
        format!("{base}/{path}")
    } else {
        format!("{base}/v1/{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_handle_a_base_with_and_without_v1() {
        assert_eq!(
            endpoint(Provider::OpenAi, "https://api.openai.com/v1"),
            "https://api.openai.com/v1/chat/completions"
        );
        assert_eq!(
            endpoint(Provider::OpenAi, "http://localhost:11434/"),
            "http://localhost:11434/v1/chat/completions"
        );
        assert_eq!(
            endpoint(Provider::Anthropic, "https://api.anthropic.com"),
            "https://api.anthropic.com/v1/messages"
        );
        assert_eq!(
            endpoint(Provider::Anthropic, "http://proxy/v1/"),
            "http://proxy/v1/messages"
        );
    }

    #[test]
    fn anthropic_text_blocks_are_joined_and_usage_read() {
        let answer = json!({
            "model": "claude-3-5-haiku-20241022",
            "content": [{"type": "text", "text": "{\"a\":"}, {"type": "text", "text": "1}"}],
            "usage": {"input_tokens": 120, "output_tokens": 30},
        });
        let exchange = read_answer(Provider::Anthropic, &answer);
        assert_eq!(exchange.content.as_deref(), Some("{\"a\":1}"));
        assert_eq!(exchange.usage, Some((120, 30)));
        assert_eq!(exchange.model.as_deref(), Some("claude-3-5-haiku-20241022"));
    }

    #[test]
    fn openai_without_usage_reports_none() {
        let answer = json!({"choices": [{"message": {"content": "x"}}]});
        let exchange = read_answer(Provider::OpenAi, &answer);
        assert_eq!(exchange.content.as_deref(), Some("x"));
        assert_eq!(exchange.usage, None);
    }
}
