//! Acceptance for `analyze --narrate` (issue 8), against a local HTTP server that follows the
//! documented chat-completions and messages contracts: usage, a 429 with `retry-after`, a 500,
//! malformed answers, a slow answer past the timeout, the budget, the cache, redaction.

#![allow(clippy::unwrap_used)]

#[path = "../../gardener-narrate/tests/support/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use gardener_narrate::cli::NarrateArgs;
use gardener_narrate::{
    NarrateConfig, Narrative, Outcome, Provider, Source, Usd, narrate, playbook, render_markdown,
};
use gardener_report::Report;
use gardener_state::StateStore;
use server::{GOOD_PROSE, Reply, Server, anthropic_answer, openai_answer};

fn analyse(path: &Path) -> Report {
    gardener::analyze_files(&[path.display().to_string()])
        .unwrap()
        .report
}

/// The bundled example incident, analysed once per test binary.
fn example() -> Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT
        .get_or_init(|| {
            analyse(
                &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../../examples/checkout-incident.json"),
            )
        })
        .clone()
}

fn temp_dir() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "gardener-narrate-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn openai(server: &Server) -> NarrateConfig {
    let mut config = NarrateConfig::new(Provider::OpenAi, &server.base_url(), "gpt-4o-mini");
    config.api_key = Some("sk-test-key-not-a-secret".into());
    config.timeout = Duration::from_millis(400);
    config.backoff = Duration::from_millis(10);
    config
}

/// Lines of markdown tables in `text`.
fn table_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.starts_with('|')).collect()
}

/// The usage table's rows as cells, and its total row.
fn usage_rows(markdown: &str) -> (Vec<Vec<String>>, Vec<String>) {
    let usage = markdown.split("## LLM usage and cost").nth(1).unwrap();
    let rows: Vec<Vec<String>> = table_lines(usage)
        .into_iter()
        .skip(2) // header and alignment
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect();
    let (total, rows) = rows.split_last().unwrap();
    (rows.to_vec(), total.clone())
}

fn leading_u64(cell: &str) -> u64 {
    cell.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn without_narrate_no_request_reaches_the_server() {
    let server = Server::start(|_, _| Reply::json(200, &openai_answer(GOOD_PROSE, 1, 1)));
    let args = NarrateArgs {
        narrate: false,
        llm_base_url: Some(server.base_url()),
        llm_api_key: Some("sk-whatever".into()),
        ..NarrateArgs::default()
    };
    let env = |_: &str| Some("set-in-env".to_owned());
    let config =
        NarrateConfig::from_sources(&args, &env, Some("[llm]\nmodel = \"gpt-4o\"\n")).unwrap();
    assert!(config.is_none());
    let report = example();
    let offline = playbook(&report);
    assert!(!offline.units.is_empty());
    assert!(offline.units.iter().all(|u| u.source == Source::Playbook));
    assert!(offline.ledger.calls.is_empty());
    let markdown = render_markdown(&offline);
    assert!(markdown.contains("No model was called."), "{markdown}");
    std::thread::sleep(Duration::from_millis(50));
    assert!(server.requests().is_empty());
}

#[test]
fn tables_are_identical_with_and_without_narrate_and_the_model_adds_none() {
    // The model tries to smuggle a table and a heading into its prose.
    let sneaky = GOOD_PROSE.replace(
        "restarts in a loop.",
        "restarts in a loop.\\n## Totals\\n| pattern | count |\\n|---|---|",
    );
    let server = Server::start(move |_, _| Reply::json(200, &openai_answer(&sneaky, 900, 120)));
    let report = example();
    let before = gardener_report::markdown::render(&report);
    let narrative = narrate(&report, &openai(&server), None).unwrap();
    let after = gardener_report::markdown::render(&report);
    assert_eq!(table_lines(&before), table_lines(&after));
    assert_eq!(before, after);

    let markdown = render_markdown(&narrative);
    let narrative_part = markdown.split("## LLM usage and cost").next().unwrap();
    assert!(table_lines(narrative_part).is_empty(), "{narrative_part}");
    // Flattened into the paragraph: no line of it starts a heading.
    assert!(narrative_part.contains("## Totals"));
    assert!(!narrative_part.lines().any(|l| l.starts_with("## Totals")));
    assert!(narrative.units.iter().all(|u| u.source == Source::Llm));
    assert_eq!(server.requests().len(), narrative.units.len());
}

#[test]
fn the_ledger_adds_up_as_printed() {
    // Usage differs per call so the sums are not a multiple of one row.
    let server = Server::start(|n, _| {
        let n = n as u64;
        Reply::json(200, &openai_answer(GOOD_PROSE, 1234 + 777 * n, 99 + 13 * n))
    });
    let report = example();
    let narrative = narrate(&report, &openai(&server), None).unwrap();
    let ledger = &narrative.ledger;
    assert!(!ledger.calls.is_empty());

    // Exact: the total is the sum of the parts, and each part is input + output.
    let sum: u64 = ledger.calls.iter().map(|c| c.cost.unwrap().micros()).sum();
    assert_eq!(ledger.totals.cost.unwrap().micros(), sum);
    for call in &ledger.calls {
        assert_eq!(
            call.cost.unwrap().micros(),
            call.input_cost.unwrap().micros() + call.output_cost.unwrap().micros()
        );
    }
    // First row by hand: 1234 prompt tokens at $0.15/Mtok = $0.0001851 -> 185 micro-dollars;
    // 99 completion tokens at $0.60/Mtok = $0.0000594 -> 59.
    assert_eq!(ledger.calls[0].input_cost, Some(Usd::from_micros(185)));
    assert_eq!(ledger.calls[0].output_cost, Some(Usd::from_micros(59)));

    // As printed: every column of the usage table sums to its total row.
    let markdown = render_markdown(&narrative);
    let (rows, total) = usage_rows(&markdown);
    assert_eq!(rows.len(), ledger.calls.len());
    for column in [4, 5, 6, 7] {
        let sum: u64 = rows.iter().map(|r| leading_u64(&r[column])).sum();
        assert_eq!(sum, leading_u64(&total[column]), "column {column}");
    }
    for column in [8, 9, 10] {
        let sum: u64 = rows
            .iter()
            .map(|r| Usd::parse(&r[column]).unwrap().micros())
            .sum();
        assert_eq!(
            sum,
            Usd::parse(&total[column]).unwrap().micros(),
            "column {column}"
        );
    }
    for row in &rows {
        let [input, output, cost] = [8, 9, 10].map(|c| Usd::parse(&row[c]).unwrap().micros());
        assert_eq!(input + output, cost);
    }
    let prompt: u64 = (0..rows.len() as u64).map(|n| 1234 + 777 * n).sum();
    assert_eq!(leading_u64(&total[6]), prompt);
}

#[test]
fn the_budget_stops_calls_before_they_would_exceed_it() {
    // Nothing fits: no request at all.
    let server = Server::start(|_, _| Reply::json(200, &openai_answer(GOOD_PROSE, 10, 10)));
    let mut config = openai(&server);
    config.budget = Some(Usd::parse("0.000001").unwrap());
    let narrative = narrate(&example(), &config, None).unwrap();
    assert!(server.requests().is_empty());
    assert!(!narrative.ledger.calls.is_empty());
    assert!(
        narrative
            .ledger
            .calls
            .iter()
            .all(|c| matches!(c.outcome, Outcome::SkippedBudget { .. }))
    );
    assert!(narrative.units.iter().all(|u| matches!(
        &u.source,
        Source::PlaybookFallback(why) if why.starts_with("budget")
    )));
    assert_eq!(narrative.ledger.totals.cost, Some(Usd::ZERO));

    // The first call fits and spends almost all of it (its answer is refused, so a retry is
    // wanted); nothing after it fits, and the spending never passes the budget.
    let server =
        Server::start(|_, _| Reply::json(200, &openai_answer("no json here", 105_000, 100)));
    let mut config = openai(&server);
    let budget = Usd::parse("0.016").unwrap();
    config.budget = Some(budget);
    let narrative = narrate(&example(), &config, None).unwrap();
    assert_eq!(server.requests().len(), 1);
    let ledger = &narrative.ledger;
    assert!(matches!(ledger.calls[0].outcome, Outcome::Refused { .. }));
    assert!(
        ledger.calls[1..]
            .iter()
            .all(|c| matches!(c.outcome, Outcome::SkippedBudget { .. }))
    );
    assert!(ledger.spent() <= budget);
    assert_eq!(ledger.totals.skipped, ledger.calls.len() as u64 - 1);
    let markdown = render_markdown(&narrative);
    assert!(
        markdown.contains("Budget: $0.016000; spent $0.015810"),
        "{markdown}"
    );
}

#[test]
fn a_second_run_over_the_same_incident_hits_the_cache_and_costs_nothing() {
    let dir = temp_dir();
    let server = Server::start(|_, _| Reply::json(200, &openai_answer(GOOD_PROSE, 800, 90)));
    let config = openai(&server);
    let report = example();
    let mut store = StateStore::open(&dir.join("state.db")).unwrap();
    let first = narrate(&report, &config, Some(&mut store)).unwrap();
    let made = server.requests().len();
    assert_eq!(made, first.units.len());
    assert!(first.ledger.totals.cost.unwrap() > Usd::ZERO);
    drop(store);

    let mut store = StateStore::open(&dir.join("state.db")).unwrap();
    let second = narrate(&report, &config, Some(&mut store)).unwrap();
    assert_eq!(
        server.requests().len(),
        made,
        "the second run called the model"
    );
    assert!(second.units.iter().all(|u| u.source == Source::Cache));
    assert_eq!(second.ledger.totals.cache_hits, second.units.len() as u64);
    assert_eq!(second.ledger.totals.cost, Some(Usd::ZERO));
    assert_eq!(second.ledger.totals.prompt_tokens, 0);
    let prose = |n: &Narrative| n.units.iter().map(|u| u.prose.clone()).collect::<Vec<_>>();
    assert_eq!(prose(&first), prose(&second));
    let markdown = render_markdown(&second);
    assert!(markdown.contains("cache hit"));

    // Another model is another key.
    let mut other = config.clone();
    other.model = "gpt-4o".into();
    narrate(&report, &other, Some(&mut store)).unwrap();
    assert_eq!(server.requests().len(), made * 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn secrets_planted_in_samples_never_reach_the_request_body() {
    let dir = temp_dir();
    let secrets = [
        "hunter2-planted",
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345",
        "s3cr3tPassPlanted",
        "abcdefghijklmnopqrstuvwx0123",
        "oncall@example.com",
    ];
    let mut lines = String::new();
    for i in 0..40 {
        let message = match i % 3 {
            0 => format!(
                "payment gateway login failed password={} key {} for oncall@example.com",
                secrets[0], secrets[1]
            ),
            1 => format!(
                "push to registry failed with {} via postgres://app:{}@db:5432/pay",
                secrets[2], secrets[3]
            ),
            _ => format!("upstream said 401 for Authorization: Bearer {}", secrets[4]),
        };
        lines.push_str(
            &serde_json::json!({
                "timestamp": format!("2026-11-20T14:{:02}:{:02}Z", i / 10, i % 60),
                "severity": "ERROR",
                "service": "billing",
                "message": message,
            })
            .to_string(),
        );
        lines.push('\n');
    }
    let input = dir.join("planted.ndjson");
    std::fs::write(&input, lines).unwrap();
    let report = analyse(&input);
    assert!(!report.patterns.is_empty());

    let server = Server::start(|_, _| Reply::json(200, &openai_answer(GOOD_PROSE, 100, 50)));
    let narrative = narrate(&report, &openai(&server), None).unwrap();
    let requests = server.requests();
    assert!(!requests.is_empty(), "{:?}", narrative.ledger);
    for request in &requests {
        for secret in secrets {
            assert!(
                !request.body.contains(secret),
                "`{secret}` was sent: {}",
                request.body
            );
        }
        assert!(request.body.contains("REDACTED"), "{}", request.body);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rate_limits_server_errors_and_slow_answers_are_retried_and_ledgered() {
    // One call meets, in turn: a 429 with retry-after: 1, a 500, an answer slower than the
    // 400 ms timeout, and an answer.
    let server = Server::start(|n, _| match n {
        0 => Reply::json(429, &serde_json::json!({"error": "slow down"}))
            .with_header("retry-after", "1"),
        1 => Reply::json(500, &serde_json::json!({"error": "boom"})),
        2 => Reply::json(200, &openai_answer(GOOD_PROSE, 10, 10)).after(Duration::from_secs(2)),
        _ => Reply::json(200, &openai_answer(GOOD_PROSE, 700, 80)),
    });
    let mut config = openai(&server);
    config.attempts = 4;
    let started = std::time::Instant::now();
    let narrative = narrate(&example(), &config, None).unwrap();
    let calls = &narrative.ledger.calls;
    assert_eq!(calls[0].attempts, 4);
    assert_eq!(calls[0].outcome, Outcome::Answered);
    assert!(
        calls[0].latency_ms >= 1400,
        "retry-after or timeout not waited"
    );
    // Only the answer that came reports usage; the failed attempts count as none.
    assert_eq!(
        (calls[0].prompt_tokens, calls[0].completion_tokens),
        (700, 80)
    );
    assert_eq!(narrative.units[0].source, Source::Llm);
    assert!(started.elapsed() < Duration::from_secs(10));

    // With one attempt, a slow answer is a failure and the playbook text stands in.
    let server = Server::start(|_, _| {
        Reply::json(200, &openai_answer(GOOD_PROSE, 10, 10)).after(Duration::from_secs(2))
    });
    let mut config = openai(&server);
    config.attempts = 1;
    let narrative = narrate(&example(), &config, None).unwrap();
    let first = &narrative.ledger.calls[0];
    assert!(
        matches!(&first.outcome, Outcome::Failed { why } if why.contains("no answer within")),
        "{first:?}"
    );
    assert!(!first.usage_reported);
    assert!(matches!(
        &narrative.units[0].source,
        Source::PlaybookFallback(_)
    ));
}

#[test]
fn malformed_answers_are_retried_once_then_the_playbook_text_is_used_saying_so() {
    let server = Server::start(|_, _| Reply::json(200, &openai_answer("{\"summary\": ", 300, 20)));
    let report = example();
    let narrative = narrate(&report, &openai(&server), None).unwrap();
    let offline = playbook(&report);
    assert_eq!(server.requests().len(), 2 * narrative.units.len());
    for (unit, fallback) in narrative.units.iter().zip(&offline.units) {
        assert!(
            matches!(&unit.source, Source::PlaybookFallback(why) if why.starts_with("answer refused twice")),
            "{:?}",
            unit.source
        );
        assert_eq!(unit.prose, fallback.prose);
        assert_eq!(unit.flags.len(), 2);
    }
    // The refused calls still cost what the API said they used.
    assert_eq!(
        narrative.ledger.totals.prompt_tokens,
        300 * narrative.ledger.calls.len() as u64
    );
    let markdown = render_markdown(&narrative);
    assert!(
        markdown.contains("_Source: playbook fallback: answer refused twice"),
        "{markdown}"
    );

    // An API body that is not JSON at all is a failed call, not a crash.
    let server = Server::start(|_, _| Reply {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: "{not json".into(),
        delay: Duration::ZERO,
    });
    let narrative = narrate(&report, &openai(&server), None).unwrap();
    assert!(
        matches!(&narrative.ledger.calls[0].outcome, Outcome::Failed { why } if why.contains("invalid JSON"))
    );

    // A refused first answer and a good retry: the retry's prose is used, the flag stays.
    let server = Server::start(|n, _| {
        let content = if n == 0 {
            "Sure! The service is down."
        } else {
            GOOD_PROSE
        };
        Reply::json(200, &openai_answer(content, 100, 10))
    });
    let narrative = narrate(&report, &openai(&server), None).unwrap();
    assert_eq!(narrative.units[0].source, Source::Llm);
    assert_eq!(narrative.units[0].flags.len(), 1);
    // The retry tells the model what was wrong.
    assert!(
        server.requests()[1]
            .body
            .contains("previous answer was refused")
    );
}

#[test]
fn a_number_the_engine_did_not_supply_is_refused_and_flagged() {
    let invented = GOOD_PROSE.replace(
        "restarts in a loop.",
        "restarts in a loop, 4242 times with 37.5% of requests failing.",
    );
    let server = Server::start(move |_, _| Reply::json(200, &openai_answer(&invented, 100, 10)));
    let narrative = narrate(&example(), &openai(&server), None).unwrap();
    let unit = &narrative.units[0];
    assert!(matches!(&unit.source, Source::PlaybookFallback(_)));
    assert!(
        unit.flags[0].contains("numbers the engine did not supply: 4242, 37.5"),
        "{:?}",
        unit.flags
    );
    assert!(!unit.prose.summary.contains("4242"));
    let markdown = render_markdown(&narrative);
    assert!(markdown.contains("> ⚠ first answer refused"), "{markdown}");
}

#[test]
fn the_anthropic_messages_contract_is_followed() {
    let server = Server::start(|_, _| Reply::json(200, &anthropic_answer(GOOD_PROSE, 1500, 200)));
    let mut config = NarrateConfig::new(
        Provider::Anthropic,
        &server.base_url(),
        "claude-3-5-haiku-latest",
    );
    config.api_key = Some("ant-test-key".into());
    config.timeout = Duration::from_millis(400);
    let narrative = narrate(&example(), &config, None).unwrap();
    let request = &server.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/messages");
    assert_eq!(request.header("x-api-key"), Some("ant-test-key"));
    assert_eq!(request.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(request.header("authorization"), None);
    let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert!(body["system"].as_str().unwrap().contains("JSON object"));
    assert_eq!(body["messages"][0]["role"], "user");
    assert_eq!(body["max_tokens"], 800);
    assert!(body.get("response_format").is_none());

    let call = &narrative.ledger.calls[0];
    assert_eq!((call.prompt_tokens, call.completion_tokens), (1500, 200));
    assert_eq!(
        call.model_reported.as_deref(),
        Some("claude-3-5-haiku-20241022")
    );
    // claude-3-5-haiku: $0.80 and $4.00 per Mtok -> 1200 + 800 micro-dollars.
    assert_eq!(call.cost, Some(Usd::from_micros(2000)));
    assert_eq!(
        narrative.ledger.price.as_ref().unwrap().entry,
        "claude-3-5-haiku"
    );
}

#[test]
fn the_chat_completions_contract_is_followed_with_or_without_v1_in_the_base() {
    let server = Server::start(|_, _| Reply::json(200, &openai_answer(GOOD_PROSE, 10, 10)));
    let report = example();
    let mut config = openai(&server);
    narrate(&report, &config, None).unwrap();
    config.base_url = format!("{}/v1/", server.base_url());
    config.api_key = None;
    narrate(&report, &config, None).unwrap();
    let requests = server.requests();
    let half = requests.len() / 2;
    for (i, request) in requests.iter().enumerate() {
        assert_eq!(request.path, "/v1/chat/completions");
        let auth = request.header("authorization");
        if i < half {
            assert_eq!(auth, Some("Bearer sk-test-key-not-a-secret"));
        } else {
            assert_eq!(auth, None);
        }
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(body["model"], "gpt-4o-mini");
        assert_eq!(body["response_format"]["type"], "json_object");
        assert_eq!(body["messages"][0]["role"], "system");
        assert_eq!(body["messages"][1]["role"], "user");
        assert!(
            body["messages"][1]["content"]
                .as_str()
                .unwrap()
                .contains("\"findings\"")
        );
    }
}
