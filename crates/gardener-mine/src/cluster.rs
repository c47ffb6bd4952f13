//! The batch half of the miner: cluster the distinct masked forms into patterns.
//!
//! 1. Forms are grouped by token count.
//! 2. Each group is split recursively. At a node, a position where all forms agree is constant.
//!    Among the others, a position whose values are few (at most `max_split_values`) words
//!    without variables is a *split* position (verbs like `Started`/`Paused` stay apart); the
//!    one with the fewest values is split on first, and each child is processed again. When no
//!    split position is left, every non-constant position becomes `<*>`.
//! 3. Leaves whose templates are equal once runs of whole-token `<*>` are folded into one are
//!    merged when their token counts differ (variable-length parameters); their template is
//!    the folded one, and a whole-token `<*>` then stands for one or more tokens.
//!
//! Every decision reads only the set of distinct forms, sorted by text, so the result does not
//! depend on the order in which messages arrived, nor on their counts.

use std::collections::BTreeMap;

use gardener_core::PatternId;
use rustc_hash::FxHashMap;

use crate::miner::FormMeta;
use crate::patterns::Patterns;
use crate::{MinerConfig, WILDCARD};

struct Leaf {
    /// Template tokens joined by single spaces.
    template: String,
    width: usize,
    forms: Vec<u32>,
    /// An overflow form's leaf: never the target of another leaf.
    overflow: bool,
}

pub(crate) fn cluster(
    config: &MinerConfig,
    forms: &[FormMeta],
    texts: &[Option<&[u8]>],
) -> Patterns {
    // token count -> sorted (text, form id)
    let mut groups: BTreeMap<u32, Vec<(&str, u32)>> = BTreeMap::new();
    let mut leaves: Vec<Leaf> = Vec::new();
    for (id, meta) in forms.iter().enumerate() {
        let id = u32::try_from(id).expect("form ids fit u32");
        if meta.overflow {
            leaves.push(Leaf {
                template: vec![WILDCARD; meta.tokens as usize].join(" "),
                width: meta.tokens as usize,
                forms: vec![id],
                overflow: true,
            });
            continue;
        }
        let text = texts[id as usize]
            .and_then(|t| std::str::from_utf8(t).ok())
            .unwrap_or_default();
        groups.entry(meta.tokens).or_default().push((text, id));
    }
    for group in groups.values_mut() {
        group.sort_unstable();
        let rows: Vec<Vec<&str>> = group
            .iter()
            .map(|(text, _)| {
                if text.is_empty() {
                    Vec::new()
                } else {
                    text.split(' ').collect()
                }
            })
            .collect();
        let ids: Vec<u32> = group.iter().map(|&(_, id)| id).collect();
        let weights: Vec<u64> = ids.iter().map(|&id| forms[id as usize].count).collect();
        split_group(config, &rows, &weights, &ids, &mut leaves);
    }
    build(forms, leaves, config.max_tokens)
}

fn split_group(
    config: &MinerConfig,
    rows: &[Vec<&str>],
    weights: &[u64],
    ids: &[u32],
    leaves: &mut Vec<Leaf>,
) {
    let width = rows.first().map_or(0, Vec::len);
    // Line frequency of each (position, value).
    let mut freq: Vec<FxHashMap<&str, u64>> = vec![FxHashMap::default(); width];
    for (row, &w) in rows.iter().zip(weights) {
        for (p, v) in row.iter().enumerate() {
            *freq[p].entry(v).or_default() += w;
        }
    }
    // Root of each form: the largest set of its tokens sharing one frequency (ties: the
    // higher frequency), plus every token more frequent than that. Forms with the same root
    // start in the same group; the other positions are candidate variables.
    let mut initial: BTreeMap<Vec<Option<&str>>, Vec<usize>> = BTreeMap::new();
    let mut fs: Vec<u64> = Vec::with_capacity(width);
    for (i, row) in rows.iter().enumerate() {
        fs.clear();
        fs.extend(row.iter().enumerate().map(|(p, v)| freq[p][v]));
        let mut sorted = fs.clone();
        sorted.sort_unstable();
        let mut best = (0usize, 0u64);
        let mut k = 0;
        while k < sorted.len() {
            let f = sorted[k];
            let run = sorted[k..].iter().take_while(|&&x| x == f).count();
            if (run, f) > best {
                best = (run, f);
            }
            k += run;
        }
        let key = row
            .iter()
            .zip(&fs)
            .map(|(v, &f)| (f >= best.1).then_some(*v))
            .collect();
        initial.entry(key).or_default().push(i);
    }
    // Each node carries the positions an ancestor judged variable: cardinality is judged in
    // the widest context, so that splitting off one value does not make the rest look few.
    let mut stack: Vec<(Vec<usize>, Vec<bool>)> = initial
        .into_values()
        .rev()
        .map(|members| (members, vec![false; width]))
        .collect();
    while let Some((members, mut variable)) = stack.pop() {
        let mut best: Option<(usize, usize)> = None; // (distinct, position)
        let mut constant = vec![true; width];
        for p in 0..width {
            let first = rows[members[0]][p];
            if members.iter().all(|&m| rows[m][p] == first) {
                continue;
            }
            constant[p] = false;
            if variable[p] {
                continue;
            }
            let mut values: Vec<&str> = Vec::new();
            let mut word_like = true;
            let mut with_wild = 0usize;
            for &m in &members {
                let v = rows[m][p];
                if is_bare_variable(v) || values.len() > SPLIT_VALUES_SCANNED {
                    word_like = false;
                    break;
                }
                if !values.contains(&v) {
                    values.push(v);
                    with_wild += usize::from(v.contains(WILDCARD));
                }
            }
            // Values holding variables may still be split on when they all do and differ in
            // their literal part (`(uid=<*>)` against `LOGIN(uid=<*>)`); a mix of words and
            // masked values (`()` and `(<*>)`) is a variable.
            if with_wild > 0 && with_wild < values.len() {
                word_like = false;
            }
            // The first token names the event in most formats: no cap there, as long as most
            // values are plain words (not file, host or class names with dots). Capitalised
            // words (event names, states, verbs: `Started`, `NEW`) get a higher cap than
            // lower-case ones (user names, hosts).
            let cap = if p == 0
                && 2 * values.iter().filter(|v| is_plain_word(v)).count() >= values.len()
            {
                usize::MAX
            } else if values
                .iter()
                .all(|v| v.as_bytes()[0].is_ascii_uppercase() && !v.contains(['/', '.']))
            {
                config.max_split_values_capitalised
            } else {
                config.max_split_values
            };
            word_like &= values.len() <= cap;
            // Units that differ (`12 B` and `3.1 KB`, `250 ms` and `2 s`) belong to the
            // measured value: one kind of event, not two.
            word_like &= !values.iter().all(|v| is_unit(v));
            if !word_like {
                variable[p] = true;
            } else if best.is_none_or(|(d, _)| values.len() < d) {
                best = Some((values.len(), p));
            }
        }
        if let Some((_, p)) = best {
            let mut children: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for &m in &members {
                children.entry(rows[m][p]).or_default().push(m);
            }
            // reverse so that the stack pops children in value order
            stack.extend(children.into_values().rev().map(|c| (c, variable.clone())));
            continue;
        }
        let template = (0..width)
            .map(|p| {
                if constant[p] {
                    rows[members[0]][p].to_owned()
                } else {
                    variable_token(members.iter().map(|&m| rows[m][p]))
                }
            })
            .collect::<Vec<String>>()
            .join(" ");
        leaves.push(Leaf {
            template,
            width,
            forms: members.iter().map(|&m| ids[m]).collect(),
            overflow: false,
        });
    }
}

/// The template token of a variable position: `<*>` with the punctuation every value shares
/// before and after it kept (`10.0.0.1,` and `LOCAL(0),` give `<*>,`).
fn variable_token<'a>(mut values: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = values.next() else {
        return WILDCARD.to_owned();
    };
    let (mut prefix, mut suffix) = (first, first);
    let mut shortest = first.len();
    for value in values {
        shortest = shortest.min(value.len());
        let common = prefix
            .char_indices()
            .zip(value.chars())
            .find(|((_, a), b)| a != b)
            .map_or(prefix.len().min(value.len()), |((at, _), _)| at);
        prefix = &prefix[..common];
        let common = suffix
            .chars()
            .rev()
            .zip(value.chars().rev())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a.len_utf8())
            .sum::<usize>();
        suffix = &suffix[suffix.len() - common..];
    }
    // Punctuation only (a shared word or masked part is a coincidence of few values), and
    // brackets only in pairs: `(<*>)` but not `{<*>` from `{GUID-1}` and `{GUID-2}/x`.
    let punctuation = |c: char| {
        matches!(
            c,
            '(' | ')' | '[' | ']' | '{' | '}' | ',' | ';' | ':' | '.' | '\'' | '"' | '#' | '='
        )
    };
    let mut prefix: Vec<char> = prefix.chars().take_while(|&c| punctuation(c)).collect();
    let mut suffix: Vec<char> = suffix
        .chars()
        .rev()
        .take_while(|&c| punctuation(c))
        .collect();
    suffix.reverse();
    for (open, close) in [('(', ')'), ('[', ']'), ('{', '}')] {
        let opens = prefix.iter().filter(|&&c| c == open).count();
        let closes = suffix.iter().filter(|&&c| c == close).count();
        if opens != closes {
            if let Some(at) = prefix.iter().position(|&c| c == open) {
                prefix.truncate(at);
            }
            if let Some(at) = suffix.iter().rposition(|&c| c == close) {
                suffix.drain(..=at);
            }
        }
    }
    let prefix: String = prefix.into_iter().collect();
    let suffix: String = suffix.into_iter().collect();
    // `<*>` stands for one character at least, in every value.
    if prefix.len() + suffix.len() >= shortest {
        return WILDCARD.to_owned();
    }
    format!("{prefix}{WILDCARD}{suffix}")
}

/// `<*>` with nothing but punctuation around it (`<*>,`, `#<*>#`, `[<*>]`): a value, where
/// `LOGIN(uid=<*>)` still has a word to split on.
fn is_bare_variable(token: &str) -> bool {
    token.contains(WILDCARD)
        && !token
            .replace(WILDCARD, "")
            .chars()
            .any(char::is_alphanumeric)
}

/// Distinct values looked at per position before it is called a variable.
const SPLIT_VALUES_SCANNED: usize = 64;

/// A unit of size, time or money, with the punctuation that may follow it (`KB,`, `ms)`,
/// `EUR`): a position holding only units that differ belongs to a measured value.
fn is_unit(token: &str) -> bool {
    const UNITS: [&str; 45] = [
        // size
        "b", "kb", "mb", "gb", "tb", "pb", "kib", "mib", "gib", "tib", "byte", "bytes",
        // time
        "ns", "us", "µs", "ms", "s", "sec", "secs", "second", "seconds", "min", "mins", "minute",
        "minutes", "h", "hours", // the most traded currencies (ISO 4217)
        "usd", "eur", "gbp", "jpy", "cny", "chf", "cad", "aud", "nzd", "inr", "brl", "mxn", "sek",
        "nok", "dkk", "pln", "hkd", "sgd",
    ];
    let word = token.trim_end_matches([',', ';', ')', ']', '}', '.', ':']);
    !word.is_empty() && UNITS.iter().any(|unit| word.eq_ignore_ascii_case(unit))
}

/// Letters, `_` and `-` only, with an optional trailing `:`.
fn is_plain_word(token: &str) -> bool {
    let word = token.strip_suffix(':').unwrap_or(token);
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'-')
}

/// Folds runs of whole-token `<*>` into one.
fn folded(template: &str) -> String {
    let mut out = String::new();
    let mut prev_wild = false;
    for t in template.split(' ') {
        let wild = t == WILDCARD;
        if wild && prev_wild {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(t);
        prev_wild = wild;
    }
    out
}

/// Merges a leaf into another of the same width whose template equals it except for `<*>` at
/// one position where the leaf has a literal: the literal was one value of that variable
/// (for example a user name that also occurs as a constant word elsewhere and so took a root
/// of its own). Applied until nothing changes; the most specific target wins, ties by text.
fn absorb_specialisations(leaves: Vec<Leaf>) -> Vec<Leaf> {
    let index: FxHashMap<&str, usize> = leaves
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.overflow)
        .map(|(i, l)| (l.template.as_str(), i))
        .collect();
    let mut target: Vec<Option<usize>> = vec![None; leaves.len()];
    let mut candidate = String::new();
    for (i, leaf) in leaves.iter().enumerate() {
        if leaf.width == 0 {
            continue;
        }
        let tokens: Vec<&str> = leaf.template.split(' ').collect();
        // A template of nothing but `<*>` says nothing: it absorbs no one (else every
        // one-word message, `suspendAutohide`, would join the one-token `<*>`).
        let literals = tokens.iter().filter(|t| **t != WILDCARD).count();
        if literals < 2 {
            continue;
        }
        let mut best: Option<usize> = None;
        for p in 0..tokens.len() {
            if tokens[p] == WILDCARD {
                continue;
            }
            candidate.clear();
            for (q, t) in tokens.iter().enumerate() {
                if q > 0 {
                    candidate.push(' ');
                }
                candidate.push_str(if q == p { WILDCARD } else { t });
            }
            if let Some(&j) = index.get(candidate.as_str())
                && best.is_none_or(|b| leaves[j].template < leaves[b].template)
            {
                best = Some(j);
            }
        }
        target[i] = best;
    }
    drop(index);
    // Follow chains to the most general template (targets have strictly more `<*>`).
    let root = |mut i: usize| {
        while let Some(j) = target[i] {
            i = j;
        }
        i
    };
    let roots: Vec<usize> = (0..leaves.len()).map(root).collect();
    let mut slots: Vec<Option<Leaf>> = leaves.into_iter().map(Some).collect();
    for i in 0..slots.len() {
        let r = roots[i];
        if r != i
            && let Some(leaf) = slots[i].take()
            && let Some(into) = slots[r].as_mut()
        {
            into.forms.extend(leaf.forms);
        }
    }
    slots.into_iter().flatten().collect()
}

fn build(forms: &[FormMeta], leaves: Vec<Leaf>, max_tokens: usize) -> Patterns {
    let leaves = absorb_specialisations(leaves);
    // Merge leaves of different lengths with the same folded template.
    let mut by_folded: BTreeMap<String, Vec<Leaf>> = BTreeMap::new();
    for leaf in leaves {
        by_folded
            .entry(folded(&leaf.template))
            .or_default()
            .push(leaf);
    }
    // template text -> (forms, variable length)
    let mut by_template: BTreeMap<String, (Vec<u32>, bool)> = BTreeMap::new();
    for (fold, group) in by_folded {
        let lengths_differ = group.iter().any(|l| l.width != group[0].width);
        if lengths_differ {
            let entry = by_template.entry(fold).or_default();
            entry.1 = true;
            for leaf in group {
                entry.0.extend(leaf.forms);
            }
        } else {
            for leaf in group {
                let entry = by_template.entry(leaf.template).or_default();
                entry.0.extend(leaf.forms);
            }
        }
    }
    let mut form_pattern = vec![0u32; forms.len()];
    let mut templates = Vec::with_capacity(by_template.len());
    let mut counts = Vec::with_capacity(by_template.len());
    let mut variable = Vec::with_capacity(by_template.len());
    for (index, (template, (members, var))) in by_template.into_iter().enumerate() {
        let index = u32::try_from(index).expect("pattern count fits u32");
        let mut count = 0;
        for f in members {
            form_pattern[f as usize] = index;
            count += forms[f as usize].count;
        }
        templates.push(template);
        counts.push(count);
        variable.push(var);
    }
    let ids = templates
        .iter()
        .map(|t| PatternId::of_template(t))
        .collect();
    Patterns::new(form_pattern, templates, ids, counts, variable, max_tokens)
}

#[cfg(test)]
mod tests {
    use super::is_unit;
    use crate::mine_all;

    #[test]
    fn one_word_messages_keep_their_words_beside_a_bare_number() {
        let lines = [
            "suspendAutohide",
            "cancelAutohide",
            "setLightsOn(true)",
            "setLightsOn(false)",
            "4711",
            "suspendAutohide",
        ];
        assert_eq!(
            mine_all(&lines),
            [
                "suspendAutohide",
                "cancelAutohide",
                "setLightsOn(<*>)",
                "setLightsOn(<*>)",
                "<*>",
                "suspendAutohide"
            ]
        );
    }

    #[test]
    fn a_variable_keeps_the_punctuation_all_its_values_share() {
        let token = |values: &[&str]| super::variable_token(values.iter().copied());
        assert_eq!(token(&["<*>,", "LOCAL(<*>),", "#<*>#,"]), "<*>,");
        assert_eq!(token(&["(a)", "(bc)"]), "(<*>)");
        // Brackets only in pairs, words and masked parts never, and `<*>` is never empty.
        assert_eq!(token(&["{x-1}", "{y-2}/z"]), "<*>");
        assert_eq!(token(&["user=ann", "user=bob"]), "<*>");
        assert_eq!(token(&["(),", "(a),"]), "<*>");
    }

    #[test]
    fn a_value_whose_unit_varies_is_one_pattern() {
        let lines = [
            "Block broadcast_1 stored in memory (size 412 B, free 3.1 KB)",
            "Block broadcast_2 stored in memory (size 9.5 KB, free 2.7 KB)",
            "Block broadcast_3 stored in memory (size 1.2 MB, free 1.4 KB)",
            "Block broadcast_4 stored in memory (size 87 B, free 1.3 KB)",
        ];
        let templates = mine_all(&lines);
        assert!(
            templates.iter().all(|t| *t == templates[0]),
            "{templates:?}"
        );
        assert_eq!(
            templates[0],
            "Block <*> stored in memory (size <*> <*>, free <*> KB)"
        );
    }

    #[test]
    fn units_of_size_and_time_with_trailing_punctuation() {
        for unit in [
            "B", "KB,", "MiB)", "ms", "seconds.", "bytes;", "EUR", "usd,",
        ] {
            assert!(is_unit(unit), "{unit}");
        }
        for word in ["Block", "free", "<*>", "", ","] {
            assert!(!is_unit(word), "{word}");
        }
    }
}
