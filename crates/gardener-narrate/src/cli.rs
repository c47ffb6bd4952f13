//! The flags of `gardener analyze` that concern narration, to `#[command(flatten)]`.

/// `--llm-provider` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProviderArg {
    /// Any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, llama.cpp, LiteLLM).
    Openai,
    /// The Anthropic Messages API.
    Anthropic,
}

/// Narration flags. Without `--narrate` nothing leaves the machine.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct NarrateArgs {
    /// Add an LLM-written narrative (prose only; every number stays the engine's) and an LLM
    /// usage and cost section to the worklog.
    #[arg(long)]
    pub narrate: bool,
    /// The API contract [default: openai, or `[llm] provider` in gardener.toml].
    #[arg(long, value_enum, value_name = "PROVIDER")]
    pub llm_provider: Option<ProviderArg>,
    /// Base URL of the API (e.g. `http://localhost:11434/v1` for Ollama).
    #[arg(long, value_name = "URL")]
    pub llm_base_url: Option<String>,
    /// Model name [default: gpt-4o-mini, or claude-3-5-haiku-latest for anthropic].
    #[arg(long, value_name = "MODEL")]
    pub llm_model: Option<String>,
    /// API key; prefer `GARDENER_LLM_API_KEY`, `OPENAI_API_KEY` or `ANTHROPIC_API_KEY`, which
    /// do not show up in the process list.
    #[arg(long, value_name = "KEY")]
    pub llm_api_key: Option<String>,
    /// Hard cap in US dollars for this run: a call whose estimate would pass it is not made.
    #[arg(long, value_name = "USD")]
    pub llm_budget: Option<String>,
    /// Seconds one HTTP attempt may take [default: 60].
    #[arg(long, value_name = "SECONDS")]
    pub llm_timeout: Option<String>,
}
