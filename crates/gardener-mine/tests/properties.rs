//! Property tests of the miner's contract (issue 3): every line lands in exactly one pattern,
//! templates match their lines, keys are stable, output is order-independent, parameters
//! rebuild the line, and the caps bound the state without losing lines.

use gardener_mine::{Miner, MinerConfig, Patterns, WILDCARD};
use proptest::prelude::*;

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "Started", "Paused", "session", "closed", "for", "user", "root", "error", "from",
            "connection", "port", "ssh2", "(usable)", "[preauth]", "tty=ssh", "Jul",
        ])
        .prop_map(str::to_owned),
        2 => any::<u32>().prop_map(|n| n.to_string()),
        1 => (any::<u8>(), any::<u8>(), any::<u16>()).prop_map(|(a, b, p)| format!("10.{a}.{b}.1:{p}")),
        1 => any::<u64>().prop_map(|n| format!("0x{n:x}")),
        1 => "[a-z]{1,6}".prop_map(|w| format!("/var/{w}/log")),
        1 => "[a-z]{1,5}".prop_map(|w| format!("{w}=v{w}")),
        1 => "[a-zA-Z0-9_.:=/()-]{1,12}",
        // Quoted values with spaces, closed or not, and stray quotes.
        1 => ("[a-z]{1,5}", "[a-zA-Z0-9 ]{0,9}", prop::sample::select(vec!["\"", "'", "\",", ""]))
            .prop_map(|(k, v, close)| format!("{k}=\"{v}{close}")),
        1 => "[a-z'\":=,]{1,6}",
    ]
}

fn line() -> impl Strategy<Value = String> {
    prop::collection::vec(token(), 0..10).prop_map(|t| t.join(" "))
}

fn lines() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(line(), 1..60)
}

fn mine(
    lines: &[String],
    config: MinerConfig,
) -> (Miner, Vec<gardener_mine::MessageKey>, Patterns) {
    let mut miner = Miner::new(config);
    let keys: Vec<_> = lines.iter().map(|l| miner.observe(l)).collect();
    let patterns = miner.finish();
    (miner, keys, patterns)
}

fn templates_of(lines: &[String], config: MinerConfig) -> Vec<String> {
    let (_, keys, patterns) = mine(lines, config);
    keys.iter()
        .map(|&k| patterns.template(patterns.pattern_of(k)).to_owned())
        .collect()
}

/// Substitutes `params` for the `<*>` of `template`, left to right.
fn rebuild(template: &str, params: &[String]) -> String {
    let mut out = String::new();
    let mut rest = template;
    let mut params = params.iter();
    while let Some(at) = rest.find(WILDCARD) {
        out.push_str(&rest[..at]);
        out.push_str(params.next().map_or("", String::as_str));
        rest = &rest[at + WILDCARD.len()..];
    }
    out.push_str(rest);
    out
}

fn normalised(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_line_lands_in_exactly_one_pattern_and_counts_add_up(lines in lines()) {
        let (_, keys, patterns) = mine(&lines, MinerConfig::default());
        let total: u64 = patterns.iter().map(|p| patterns.count(p)).sum();
        prop_assert_eq!(total, lines.len() as u64);
        let listed: std::collections::BTreeSet<_> = patterns.iter().collect();
        prop_assert_eq!(listed.len(), patterns.len());
        for k in keys {
            prop_assert!(listed.contains(&patterns.pattern_of(k)));
        }
    }

    #[test]
    fn each_template_matches_all_of_its_lines(lines in lines()) {
        let (_, keys, patterns) = mine(&lines, MinerConfig::default());
        for (line, k) in lines.iter().zip(keys) {
            let p = patterns.pattern_of(k);
            prop_assert!(patterns.matches(p, line), "{:?} does not match {:?}", patterns.template(p), line);
        }
    }

    #[test]
    fn a_line_seen_again_gets_the_same_key(lines in lines()) {
        let mut miner = Miner::new(MinerConfig::default());
        let first: Vec<_> = lines.iter().map(|l| miner.observe(l)).collect();
        let again: Vec<_> = lines.iter().map(|l| miner.observe(l)).collect();
        prop_assert_eq!(first, again);
    }

    #[test]
    fn input_order_does_not_change_any_template(lines in lines(), seed in any::<u64>()) {
        let mut shuffled: Vec<(usize, String)> = lines.iter().cloned().enumerate().collect();
        // deterministic permutation from the seed
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let j = usize::try_from(state % (i as u64 + 1)).unwrap();
            shuffled.swap(i, j);
        }
        let original = templates_of(&lines, MinerConfig::default());
        let texts: Vec<String> = shuffled.iter().map(|(_, l)| l.clone()).collect();
        let permuted = templates_of(&texts, MinerConfig::default());
        for ((index, _), template) in shuffled.iter().zip(permuted) {
            prop_assert_eq!(&original[*index], &template);
        }
    }

    #[test]
    fn sharding_across_miners_gives_the_same_patterns(lines in lines(), shards in 1usize..4) {
        let single = templates_of(&lines, MinerConfig::default());
        let mut miners: Vec<Miner> = (0..shards).map(|_| Miner::new(MinerConfig::default())).collect();
        let keys: Vec<_> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i % shards, miners[i % shards].observe(l)))
            .collect();
        let mut merged = Miner::new(MinerConfig::default());
        let remaps: Vec<_> = miners.iter().map(|m| merged.merge(m)).collect();
        let patterns = merged.finish();
        prop_assert_eq!(merged.stats().lines_observed, lines.len() as u64);
        for ((shard, key), expected) in keys.into_iter().zip(single) {
            let key = remaps[shard][key.index() as usize];
            prop_assert_eq!(patterns.template(patterns.pattern_of(key)), expected.as_str());
        }
    }

    #[test]
    fn pattern_ids_are_the_hash_of_the_template(lines in lines()) {
        let (_, _, patterns) = mine(&lines, MinerConfig::default());
        for p in patterns.iter() {
            prop_assert_eq!(patterns.id(p), gardener_core::PatternId::of_template(patterns.template(p)));
        }
    }

    #[test]
    fn params_fill_the_template_back_into_the_line(lines in lines()) {
        let (_, keys, patterns) = mine(&lines, MinerConfig::default());
        for (line, k) in lines.iter().zip(keys) {
            let template = patterns.template(patterns.pattern_of(k));
            let params = patterns.params(k, line);
            prop_assert_eq!(params.len(), template.matches(WILDCARD).count());
            prop_assert_eq!(normalised(&rebuild(template, &params)), normalised(line));
        }
    }

    #[test]
    fn caps_bound_the_forms_and_lose_no_line(lines in lines(), max_forms in 1usize..8, max_tokens in 1usize..5) {
        let config = MinerConfig { max_forms, max_tokens, ..MinerConfig::default() };
        let (miner, keys, patterns) = mine(&lines, config);
        let stats = miner.stats();
        prop_assert!(stats.distinct_forms - stats.overflow_forms <= max_forms);
        prop_assert!(stats.overflow_forms <= max_tokens + 1);
        prop_assert_eq!(stats.lines_observed, lines.len() as u64);
        let total: u64 = patterns.iter().map(|p| patterns.count(p)).sum();
        prop_assert_eq!(total, lines.len() as u64);
        for (line, k) in lines.iter().zip(keys) {
            let p = patterns.pattern_of(k);
            prop_assert!(patterns.matches(p, line), "{:?} does not match {:?}", patterns.template(p), line);
            let params = patterns.params(k, line);
            prop_assert_eq!(normalised(&rebuild(patterns.template(p), &params)), normalised(line));
        }
    }

    #[test]
    fn arbitrary_text_never_panics_and_still_matches(texts in prop::collection::vec(any::<String>(), 1..20)) {
        let (_, keys, patterns) = mine(&texts, MinerConfig::default());
        for (text, k) in texts.iter().zip(keys) {
            let p = patterns.pattern_of(k);
            prop_assert!(patterns.matches(p, text), "{:?} does not match {:?}", patterns.template(p), text);
        }
    }
}

#[test]
fn verbs_with_the_same_arguments_stay_apart() {
    let lines: Vec<String> = (0..20)
        .map(|i| {
            format!(
                "{} VM instance-{i}",
                if i % 2 == 0 { "Started" } else { "Paused" }
            )
        })
        .collect();
    let templates = templates_of(&lines, MinerConfig::default());
    assert_eq!(templates[0], "Started VM instance-<*>");
    assert_eq!(templates[1], "Paused VM instance-<*>");
}

#[test]
fn four_lifecycle_verbs_stay_four_patterns() {
    let verbs = ["Started", "Paused", "Resumed", "Stopped"];
    let lines: Vec<String> = (0..40)
        .map(|i| {
            format!(
                "[instance: 7d9b{i:04x}-fe1a-409b-b8cc-1e88b294cd1d] VM {} (Lifecycle Event)",
                verbs[i % 4]
            )
        })
        .collect();
    let templates = templates_of(&lines, MinerConfig::default());
    for (i, t) in templates.iter().enumerate() {
        assert_eq!(
            t,
            &format!("[instance: <*>] VM {} (Lifecycle Event)", verbs[i % 4])
        );
    }
}

#[test]
fn many_user_names_become_one_variable() {
    let users = ["root", "news", "cyrus", "test", "guest"];
    let lines: Vec<String> = users
        .iter()
        .map(|u| format!("session closed for user {u}"))
        .collect();
    let templates = templates_of(&lines, MinerConfig::default());
    assert!(
        templates.iter().all(|t| t == "session closed for user <*>"),
        "{templates:?}"
    );
}

#[test]
fn a_million_unique_lines_stay_within_the_form_cap() {
    // Scaled down: 20,000 unique lines against a cap of 1,000 forms.
    let config = MinerConfig {
        max_forms: 1_000,
        ..MinerConfig::default()
    };
    let mut miner = Miner::new(config);
    for i in 0..20_000u32 {
        // letters only, so that masking cannot fold the lines together
        let word = |mut n: u32| {
            let mut w = String::new();
            loop {
                w.push(char::from(b'a' + u8::try_from(n % 26).unwrap()));
                n /= 26;
                if n == 0 {
                    break w;
                }
            }
        };
        miner.observe(&format!(
            "unique {} {} tail",
            word(i),
            word(i.wrapping_mul(7919))
        ));
    }
    let stats = miner.stats();
    assert_eq!(stats.lines_observed, 20_000);
    assert!(stats.distinct_forms <= 1_000 + stats.overflow_forms);
    assert!(stats.lines_form_capped > 0);
    let patterns = miner.finish();
    let total: u64 = patterns.iter().map(|p| patterns.count(p)).sum();
    assert_eq!(total, 20_000);
}
