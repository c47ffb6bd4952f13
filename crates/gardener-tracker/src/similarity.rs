//! Similarity between a finding and an issue written by a person.
//!
//! Both sides become sets of normalised words: lower case, split on anything that is not a
//! letter or digit, `<*>` and stop words dropped, synonyms folded (`db` → database, `conn` →
//! connection, `init`/`initialisation`/`initialization` → init, `timed out` → timeout), then a
//! small suffix rule and a six-letter prefix so `connection`, `connectivity` and `connected`
//! meet. Words are weighted by inverse document frequency over the issues and findings of the
//! run, so words every issue shares (`error`, `failed`) count less than `redis` or `database`.
//!
//! The score is a weighted cosine between the sets: `max(cos(finding, title), 0.7 ·
//! cos(finding, title) + 0.3 · cos(finding, body))`, so the title weighs more and a body can
//! raise the score but never lower it. See `docs/tracker.md` for the
//! threshold and the cases it was chosen on.

use std::collections::{BTreeMap, BTreeSet};

/// Weight of the title in the score; the body gets the rest.
pub const TITLE_WEIGHT: f64 = 0.7;

/// Default score at or above which a finding is matched to an issue.
pub const DEFAULT_THRESHOLD: f64 = 0.42;

const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "an", "and", "any", "are", "as", "at", "be",
    "been", "before", "but", "by", "can", "could", "did", "do", "does", "during", "each", "for",
    "from", "had", "has", "have", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it",
    "its", "just", "may", "me", "more", "most", "my", "no", "not", "of", "on", "or", "our", "out",
    "over", "per", "she", "should", "so", "some", "such", "than", "that", "the", "their", "them",
    "then", "there", "these", "they", "this", "those", "to", "up", "us", "via", "was", "we",
    "were", "what", "when", "where", "which", "while", "who", "why", "will", "with", "would",
    "you", "your", "see", "seen", "got", "get", "gets", "still", "since", "until",
];

/// The normalised words of a text, in order of first appearance, without repeats.
#[must_use]
pub fn tokens(text: &str) -> Vec<String> {
    let lowered = text
        .replace("<*>", " ")
        .to_lowercase()
        .replace("timed out", "timeout")
        .replace("time out", "timeout")
        .replace("times out", "timeout");
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for word in lowered.split(|c: char| !c.is_alphanumeric()) {
        if let Some(token) = normalise(word)
            && seen.insert(token.clone())
        {
            out.push(token);
        }
    }
    out
}

fn normalise(word: &str) -> Option<String> {
    if word.len() < 2 || word.chars().all(|c| c.is_ascii_digit()) || STOP_WORDS.contains(&word) {
        return None;
    }
    // Hex-looking ids and numbers with units carry no meaning across incidents.
    if word.starts_with(|c: char| c.is_ascii_digit())
        || word.chars().filter(char::is_ascii_digit).count() > 2
    {
        return None;
    }
    // Negated forms (`disconnected`, `unhealthy`) become `~` + the stem of the rest, so they
    // neither match nor silently pass for the positive word (see `Corpus::score`).
    for (prefix, min_len) in [("dis", 8), ("un", 7)] {
        if word.len() >= min_len
            && let Some(rest) = word.strip_prefix(prefix)
            && let Some(stem) = normalise(rest)
        {
            return Some(format!("~{stem}"));
        }
    }
    let word = match word {
        "db" | "dbs" => "database",
        "conn" | "conns" => "connection",
        "init" | "initialise" | "initialize" | "initialised" | "initialized" | "initialising"
        | "initializing" | "initialisation" | "initialization" => "init",
        "timeouts" | "timedout" => "timeout",
        "fail" | "fails" | "failed" | "failing" | "failure" | "failures" => "fail",
        "err" | "errors" => "error",
        "auth" | "authentication" | "authenticate" | "authorization" => "auth",
        "pg" | "postgresql" | "postgres" | "psql" => "postgres",
        "oom" => "memory",
        other => other,
    };
    let mut stem = word.to_string();
    for suffix in [
        "ization", "isation", "ations", "ation", "ings", "ing", "ied", "ies", "ed", "es", "s",
    ] {
        if stem.len() >= suffix.len() + 4 && stem.ends_with(suffix) {
            stem.truncate(stem.len() - suffix.len());
            break;
        }
    }
    if stem.len() > 4 && stem.ends_with('e') {
        stem.pop();
    }
    let short: String = stem.chars().take(6).collect();
    Some(short)
}

/// A finding's text: its template (weight 1) and category words (weight 0.5).
#[derive(Debug, Clone, Default)]
pub struct Doc {
    words: BTreeMap<String, f64>,
}

impl Doc {
    /// Words of `primary` at weight 1 and of `secondary` at weight `secondary_weight`
    /// (a word in both keeps weight 1).
    #[must_use]
    pub fn new(primary: &str, secondary: &str, secondary_weight: f64) -> Self {
        let mut words = BTreeMap::new();
        for token in tokens(secondary) {
            words.insert(token, secondary_weight);
        }
        for token in tokens(primary) {
            words.insert(token, 1.0);
        }
        Self { words }
    }

    /// Whether no word survived normalisation.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    fn keys(&self) -> impl Iterator<Item = &String> {
        self.words.keys()
    }
}

/// Document frequencies over the documents of one run (issue titles and bodies, findings).
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    df: BTreeMap<String, usize>,
    docs: usize,
}

impl Corpus {
    /// Count one document.
    pub fn add(&mut self, doc: &Doc) {
        self.docs += 1;
        for word in doc.keys() {
            *self.df.entry(word.clone()).or_insert(0) += 1;
        }
    }

    /// Inverse document frequency, at least 1.
    #[allow(clippy::cast_precision_loss)]
    #[must_use]
    pub fn idf(&self, word: &str) -> f64 {
        let df = self.df.get(word).copied().unwrap_or(0);
        1.0 + ((self.docs as f64 + 1.0) / (df as f64 + 1.0)).ln()
    }

    /// Weighted cosine between two word sets, 0..=1.
    #[must_use]
    pub fn cosine(&self, a: &Doc, b: &Doc) -> f64 {
        let weight =
            |doc: &Doc, word: &str| doc.words.get(word).copied().unwrap_or(0.0) * self.idf(word);
        let norm = |doc: &Doc| {
            doc.words
                .keys()
                .map(|word| weight(doc, word).powi(2))
                .sum::<f64>()
                .sqrt()
        };
        let (na, nb) = (norm(a), norm(b));
        if na == 0.0 || nb == 0.0 {
            return 0.0;
        }
        let dot: f64 = a
            .words
            .keys()
            .filter(|word| b.words.contains_key(*word))
            .map(|word| weight(a, word) * weight(b, word))
            .sum();
        dot / (na * nb)
    }

    /// The match score of a finding against an issue's title and body. Halved when one side
    /// says the negation of a word the other says (`connected` against `disconnects`).
    #[must_use]
    pub fn score(&self, finding: &Doc, title: &Doc, body: &Doc) -> f64 {
        let negates = |a: &Doc, b: &Doc| {
            a.keys()
                .any(|word| b.words.contains_key(&format!("~{word}")))
        };
        let conflict = negates(finding, title) || negates(title, finding);
        let score = self.unpenalised(finding, title, body);
        if conflict { score / 2.0 } else { score }
    }

    fn unpenalised(&self, finding: &Doc, title: &Doc, body: &Doc) -> f64 {
        let title_score = self.cosine(finding, title);
        if body.is_empty() {
            return title_score;
        }
        // A body can only help: people write long bodies about many things, so a body that
        // says little about the finding must not pull a good title match down.
        title_score
            .max(TITLE_WEIGHT * title_score + (1.0 - TITLE_WEIGHT) * self.cosine(finding, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_spelling_variants_and_synonyms() {
        assert_eq!(
            tokens("DB init timed out"),
            tokens("database initialisation timeout")
        );
        assert_eq!(
            tokens("Database initialization"),
            tokens("database initialisation")
        );
        assert_eq!(tokens("connection"), tokens("connectivity"));
        assert_eq!(tokens("conn"), tokens("connected"));
        assert_eq!(
            tokens("Retry <*> after 30s on 0xdeadbeef s3"),
            vec!["retry", "s3"]
        );
    }

    #[test]
    fn negated_words_get_their_own_token() {
        assert_eq!(tokens("disconnected unhealthy"), vec!["~connec", "~health"]);
        assert_eq!(tokens("display"), vec!["displa"]);
    }

    #[test]
    fn drops_placeholders_and_stop_words() {
        assert_eq!(tokens("<*> the <*> of a"), Vec::<String>::new());
    }
}
