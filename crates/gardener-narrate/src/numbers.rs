//! The number check: every number in the model's prose must be one the engine supplied.
//!
//! A number is a run of digits with optional thousands separators and decimals (`1,234`,
//! `0.5`), optionally followed by `%` or a unit (`s`, `ms`, `min`, `h`, `x`). Digits that are
//! part of a word (`P0`, `log2`, `IPv4`, `5xx`, a hex id such as `6a7977f31819ab94`) are not
//! numbers. Numbers are compared in canonical form: separators and leading zeros dropped,
//! trailing decimal zeros dropped (`02` = `2`, `12.50` = `12.5`).

use std::collections::BTreeSet;

const UNITS: [&str; 12] = [
    "s", "ms", "m", "min", "mins", "h", "hr", "hrs", "x", "k", "sec", "secs",
];

/// The canonical numbers written in `text`.
#[must_use]
pub fn numbers_in(text: &str) -> Vec<String> {
    scan(text, false)
}

/// Whether `bytes[at..]` starts with the digit/punctuation shape `shape` (`d` a digit).
fn shaped(bytes: &[u8], at: usize, shape: &str) -> bool {
    shape.len() + at <= bytes.len()
        && shape.bytes().zip(&bytes[at..]).all(|(s, &b)| {
            if s == b'd' {
                b.is_ascii_digit()
            } else {
                s == b
            }
        })
}

/// Dates (`2026-11-20`) and times of day (`14:07`, `14:07:16`) are one number each, so that a
/// timestamp in the facts does not allow every hour, minute and second as a count. With
/// `facts`, a time also allows its `HH:MM` prefix.
fn date_or_time(bytes: &[u8], at: usize, facts: bool, out: &mut Vec<String>) -> Option<usize> {
    if shaped(bytes, at, "dddd-dd-dd") {
        out.push(String::from_utf8_lossy(&bytes[at..at + 10]).into_owned());
        return Some(at + 10);
    }
    let hour_len = if shaped(bytes, at, "dd:dd") {
        2
    } else if shaped(bytes, at, "d:dd") {
        1
    } else {
        return None;
    };
    let hour = String::from_utf8_lossy(&bytes[at..at + hour_len]);
    let minute = String::from_utf8_lossy(&bytes[at + hour_len + 1..at + hour_len + 3]);
    let hm = format!("{hour:0>2}:{minute}");
    let mut end = at + hour_len + 3;
    if shaped(bytes, end, ":dd") {
        let second = String::from_utf8_lossy(&bytes[end + 1..end + 3]);
        out.push(format!("{hm}:{second}"));
        if facts {
            out.push(hm);
        }
        end += 3;
        if shaped(bytes, end, ".d") {
            end += 1;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
        }
    } else {
        out.push(hm);
    }
    Some(end)
}

fn scan(text: &str, facts: bool) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let preceded_by_word = start > 0 && {
            let prev = bytes[start - 1];
            prev.is_ascii_alphabetic() || prev == b'_'
        };
        if (!preceded_by_word || facts)
            && let Some(end) = date_or_time(bytes, start, facts, &mut out)
        {
            i = end;
            continue;
        }
        // Digits, with `,ddd` groups and one `.d+` fraction.
        let mut end = i;
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
        loop {
            let group = end + 4 <= bytes.len()
                && bytes[end] == b','
                && bytes[end + 1..end + 4].iter().all(u8::is_ascii_digit)
                && bytes.get(end + 4).is_none_or(|b| !b.is_ascii_digit());
            if !group {
                break;
            }
            end += 4;
        }
        if end + 1 < bytes.len() && bytes[end] == b'.' && bytes[end + 1].is_ascii_digit() {
            end += 1;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
        }
        // A trailing word: a unit keeps the number, anything else makes it part of a word.
        let mut word_end = end;
        while word_end < bytes.len()
            && (bytes[word_end].is_ascii_alphanumeric() || bytes[word_end] == b'_')
        {
            word_end += 1;
        }
        let suffix = &text[end..word_end];
        let is_word = preceded_by_word
            || (!suffix.is_empty() && !UNITS.contains(&suffix.to_ascii_lowercase().as_str()));
        if !is_word {
            out.push(canonical(&text[start..end]));
        }
        // In facts, digits inside words count too (`20T14` in a timestamp is handled above;
        // `exit(3)`, `v2` allow 3 and 2): the facts side is generous, the prose side strict.
        i = if facts { end } else { word_end.max(end) };
    }
    out
}

/// Canonical form of a number as written.
fn canonical(number: &str) -> String {
    let plain: String = number.chars().filter(|c| *c != ',').collect();
    let (whole, frac) = plain.split_once('.').unwrap_or((&plain, ""));
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{frac}")
    }
}

/// The numbers a fact value allows: the numbers of its strings, digits inside words included,
/// dates and times as wholes, and JSON numbers themselves; values under `skip_keys` (pattern
/// ids) are left out.
pub fn collect_allowed(value: &serde_json::Value, skip_keys: &[&str], into: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Number(n) => {
            into.insert(canonical(&n.to_string()));
        }
        serde_json::Value::String(s) => into.extend(scan(s, true)),
        serde_json::Value::Array(items) => {
            for item in items {
                collect_allowed(item, skip_keys, into);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                if !skip_keys.contains(&key.as_str()) {
                    collect_allowed(item, skip_keys, into);
                }
            }
        }
        serde_json::Value::Bool(_) | serde_json::Value::Null => {}
    }
}

/// The numbers of `text` that are not in `allowed`, in order of appearance, without repeats.
#[must_use]
pub fn unsupported(text: &str, allowed: &BTreeSet<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    numbers_in(text)
        .into_iter()
        .filter(|n| !allowed.contains(n) && seen.insert(n.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_integers_decimals_percentages_durations_and_grouped_thousands() {
        assert_eq!(
            numbers_in("27 events, 12.50% in 30s, 1,234 lines, 4x over 9.5 min, since 2:07"),
            ["27", "12.5", "30", "1234", "4", "9.5", "02:07"]
        );
    }

    #[test]
    fn dates_and_times_are_single_numbers() {
        assert_eq!(
            numbers_in("from 2026-11-20 at 14:07:16.2163Z to 14:55"),
            ["2026-11-20", "14:07:16", "14:55"]
        );
    }

    #[test]
    fn digits_inside_words_and_ids_are_not_numbers() {
        assert!(
            numbers_in("P0 and P2 via log2 over IPv4, HTTP 5xx, id 6a7977f31819ab94").is_empty()
        );
        assert!(numbers_in("pattern `aee6fc89090f785d` and redis_2").is_empty());
    }

    #[test]
    fn numbers_not_supplied_are_reported_once_in_order() {
        let allowed: BTreeSet<String> = ["27", "9"].iter().map(ToString::to_string).collect();
        assert_eq!(
            unsupported(
                "27 errors in 9 episodes, about 40% (40 of 100) and 027",
                &allowed
            ),
            ["40", "100"]
        );
    }

    #[test]
    fn allowed_numbers_come_from_values_and_texts_but_not_skipped_keys() {
        let facts = serde_json::json!({
            "id": "6a7977f31819ab94",
            "count": 27,
            "first_seen": "2026-11-20T14:07:16Z",
            "template": "exit(<*>) after 3 attempts",
            "caused_by": ["1234567890abcdef"],
        });
        let mut allowed = BTreeSet::new();
        collect_allowed(&facts, &["id", "caused_by"], &mut allowed);
        for n in ["27", "2026-11-20", "14:07", "14:07:16", "3"] {
            assert!(allowed.contains(n), "{n} missing from {allowed:?}");
        }
        // Ids are skipped, and a timestamp does not allow its parts as counts.
        for n in ["1234567890", "14", "7", "16", "20"] {
            assert!(!allowed.contains(n), "{n} allowed: {allowed:?}");
        }
    }
}
