//! The result of [`crate::Miner::finish`]: patterns, their templates, ids and parameters.

use gardener_core::PatternId;

use crate::mask::{self, MaskedLine};
use crate::{MessageKey, WILDCARD};

/// The index of a pattern inside one [`Patterns`] value (not stable across runs: use
/// [`Patterns::id`] for that).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct PatternIndex(u32);

impl PatternIndex {
    /// The raw index.
    #[must_use]
    pub const fn index(self) -> u32 {
        self.0
    }
}

/// Patterns mined from everything a [`crate::Miner`] observed.
///
/// Template text: masked tokens joined by single spaces. `<*>` as a whole token stands for one
/// or more whole tokens; `<*>` inside a token stands for one or more non-whitespace characters.
#[derive(Debug, Clone)]
pub struct Patterns {
    form_pattern: Vec<u32>,
    templates: Vec<String>,
    ids: Vec<PatternId>,
    counts: Vec<u64>,
    variable: Vec<bool>,
    order: Vec<u32>,
    max_tokens: usize,
}

impl Patterns {
    pub(crate) fn new(
        form_pattern: Vec<u32>,
        templates: Vec<String>,
        ids: Vec<PatternId>,
        counts: Vec<u64>,
        variable: Vec<bool>,
        max_tokens: usize,
    ) -> Self {
        let mut order: Vec<u32> = (0..templates.len())
            .map(|i| u32::try_from(i).expect("pattern count fits u32"))
            .collect();
        // most frequent first, then by template text: deterministic
        order.sort_by(|&a, &b| {
            counts[b as usize]
                .cmp(&counts[a as usize])
                .then_with(|| templates[a as usize].cmp(&templates[b as usize]))
        });
        Self {
            form_pattern,
            templates,
            ids,
            counts,
            variable,
            order,
            max_tokens,
        }
    }

    /// Number of patterns.
    #[must_use]
    pub fn len(&self) -> usize {
        self.templates.len()
    }

    /// True when nothing was observed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.templates.is_empty()
    }

    /// The pattern of an observed message.
    ///
    /// # Panics
    /// If `key` came from another miner with more forms (a caller bug).
    #[must_use]
    pub fn pattern_of(&self, key: MessageKey) -> PatternIndex {
        PatternIndex(self.form_pattern[key.0 as usize])
    }

    /// The template text of a pattern.
    #[must_use]
    pub fn template(&self, index: PatternIndex) -> &str {
        &self.templates[index.0 as usize]
    }

    /// The stable id of a pattern: [`PatternId::of_template`] of its template.
    #[must_use]
    pub fn id(&self, index: PatternIndex) -> PatternId {
        self.ids[index.0 as usize]
    }

    /// How many observed messages fell into a pattern.
    #[must_use]
    pub fn count(&self, index: PatternIndex) -> u64 {
        self.counts[index.0 as usize]
    }

    /// True when a whole-token `<*>` of this pattern may cover several tokens (its lines have
    /// different token counts).
    #[must_use]
    pub fn is_variable_length(&self, index: PatternIndex) -> bool {
        self.variable[index.0 as usize]
    }

    /// All patterns, most frequent first, ties by template text.
    pub fn iter(&self) -> impl Iterator<Item = PatternIndex> + '_ {
        self.order.iter().map(|&i| PatternIndex(i))
    }

    /// The values behind each `<*>` of the message's template, left to right. `message` must be
    /// the text that produced `key`; for another text the result is the best alignment found,
    /// or empty when the template does not match it.
    #[must_use]
    pub fn params(&self, key: MessageKey, message: &str) -> Vec<String> {
        let template = self.template(self.pattern_of(key));
        let line = mask::mask_with_spans(message, self.max_tokens);
        let tpl: Vec<&str> = if template.is_empty() {
            Vec::new()
        } else {
            template.split(' ').collect()
        };
        let Some(assign) = align(&tpl, &line, message) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (t, &(from, to)) in tpl.iter().zip(&assign) {
            if *t == WILDCARD {
                let start = line.tokens[from].raw.0;
                let end = line.tokens[to - 1].raw.1;
                out.push(message[start..end].to_owned());
            } else if *t == line.token_text(from) {
                for &(a, b) in &line.tokens[from].vars {
                    out.push(message[a..b].to_owned());
                }
            } else if let Some((prefix, suffix)) = t.split_once(WILDCARD) {
                // A variable kept with its punctuation (`<*>,`): what is between.
                let (a, b) = line.tokens[from].raw;
                out.push(message[a + prefix.len()..b - suffix.len()].to_owned());
            }
        }
        out
    }

    /// True when the pattern's template matches `message`: literal text equal, a whole-token
    /// `<*>` covering one or more tokens, an in-token `<*>` one or more characters.
    #[must_use]
    pub fn matches(&self, index: PatternIndex, message: &str) -> bool {
        template_matches(self.template(index), message)
    }
}

/// True when template token `t` stands for message token `i`: equal to its masked form, or a
/// variable with punctuation around it (`<*>,`, see the clustering's `variable_token`) that the
/// raw token has around something.
fn fits(t: &str, line: &MaskedLine, message: &str, i: usize) -> bool {
    if t == line.token_text(i) {
        return true;
    }
    let Some((prefix, suffix)) = t.split_once(WILDCARD) else {
        return false;
    };
    if suffix.contains(WILDCARD) {
        return false;
    }
    let (a, b) = line.tokens[i].raw;
    let raw = &message[a..b];
    raw.len() > prefix.len() + suffix.len() && raw.starts_with(prefix) && raw.ends_with(suffix)
}

/// Maps each template token to a range of masked message tokens. Literal template tokens must
/// fit the masked token (see [`fits`]); a whole-token `<*>` takes one or more tokens.
fn align(tpl: &[&str], line: &MaskedLine, message: &str) -> Option<Vec<(usize, usize)>> {
    let n = line.tokens.len();
    if tpl.len() == n {
        let ok = tpl
            .iter()
            .enumerate()
            .all(|(i, t)| *t == WILDCARD || fits(t, line, message, i));
        if ok {
            return Some((0..n).map(|i| (i, i + 1)).collect());
        }
    }
    // reach[i][j]: template prefix i can cover message prefix j
    let m = tpl.len();
    let mut reach = vec![vec![false; n + 1]; m + 1];
    reach[0][0] = true;
    for i in 0..m {
        for j in 0..=n {
            if !reach[i][j] {
                continue;
            }
            if tpl[i] == WILDCARD {
                reach[i + 1][j + 1..=n].fill(true);
            } else if j < n && fits(tpl[i], line, message, j) {
                reach[i + 1][j + 1] = true;
            }
        }
    }
    if !reach[m][n] {
        return None;
    }
    // walk back, giving each `<*>` as few tokens as possible from the right
    let mut assign = vec![(0, 0); m];
    let mut j = n;
    for i in (0..m).rev() {
        if tpl[i] == WILDCARD {
            let from = (0..j).rev().find(|&k| reach[i][k])?;
            assign[i] = (from, j);
            j = from;
        } else {
            assign[i] = (j - 1, j);
            j -= 1;
        }
    }
    Some(assign)
}

/// Matches raw text against a template (see [`Patterns::matches`]).
#[must_use]
pub fn template_matches(template: &str, message: &str) -> bool {
    let tpl: Vec<&str> = template.split_whitespace().collect();
    let raw: Vec<&str> = message.split_whitespace().collect();
    let (m, n) = (tpl.len(), raw.len());
    let mut reach = vec![vec![false; n + 1]; m + 1];
    reach[0][0] = true;
    for i in 0..m {
        for j in 0..=n {
            if !reach[i][j] {
                continue;
            }
            if tpl[i] == WILDCARD {
                reach[i + 1][j + 1..=n].fill(true);
            } else if j < n && glob(tpl[i].as_bytes(), raw[j].as_bytes()) {
                reach[i + 1][j + 1] = true;
            }
        }
    }
    reach[m][n]
}

/// In-token glob: `<*>` matches one or more bytes.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let wild = WILDCARD.as_bytes();
    // memo over (pattern pos, text pos) keeps this polynomial
    let (m, n) = (pattern.len(), text.len());
    let mut reach = vec![vec![false; n + 1]; m + 1];
    reach[0][0] = true;
    let mut i = 0;
    while i < m {
        let is_wild = pattern[i..].starts_with(wild);
        let step = if is_wild { wild.len() } else { 1 };
        for j in 0..=n {
            if !reach[i][j] {
                continue;
            }
            if is_wild {
                reach[i + step][j + 1..=n].fill(true);
            } else if j < n && pattern[i] == text[j] {
                reach[i + 1][j + 1] = true;
            }
        }
        i += step;
    }
    reach[m][n]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Miner, MinerConfig};

    #[test]
    fn whole_token_wildcard_covers_one_or_more_tokens() {
        assert!(template_matches("open <*> now", "open a now"));
        assert!(template_matches("open <*> now", "open a b c now"));
        assert!(!template_matches("open <*> now", "open now"));
        assert!(!template_matches("open <*> now", "close a now"));
    }

    #[test]
    fn in_token_wildcard_covers_one_or_more_characters() {
        assert!(template_matches("node-<*>", "node-17"));
        assert!(!template_matches("node-<*>", "node-"));
        assert!(template_matches("<*>:<*>", "10.0.0.1:80"));
        assert!(!template_matches("<*>:<*>", "10.0.0.1"));
    }

    #[test]
    fn params_of_a_variable_length_pattern_keep_the_covered_tokens_together() {
        let mut miner = Miner::new(MinerConfig::default());
        let lines = [
            "Targeting nodes 1",
            "Targeting nodes 1 2",
            "Targeting nodes 1 2 3",
            "Targeting nodes 4 5 6 7",
        ];
        let keys: Vec<_> = lines.iter().map(|l| miner.observe(l)).collect();
        let patterns = miner.finish();
        let p = patterns.pattern_of(keys[3]);
        assert_eq!(patterns.template(p), "Targeting nodes <*>");
        assert!(patterns.is_variable_length(p));
        assert_eq!(patterns.params(keys[3], lines[3]), ["4 5 6 7"]);
        assert_eq!(patterns.pattern_of(keys[0]), p);
    }

    #[test]
    fn params_of_a_text_the_template_does_not_match_are_empty() {
        let mut miner = Miner::new(MinerConfig::default());
        let key = miner.observe("Deleting block 17");
        let patterns = miner.finish();
        assert_eq!(patterns.params(key, "Deleting block 17"), ["17"]);
        assert!(patterns.params(key, "Copying block 17").is_empty());
    }
}
