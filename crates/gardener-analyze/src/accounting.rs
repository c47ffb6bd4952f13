use std::collections::BTreeMap;

/// The most unparsed samples kept per input.
pub const UNPARSED_SAMPLES_PER_INPUT: usize = 5;

/// One record that could not be used.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct UnparsedSample {
    /// The input's name.
    pub input: String,
    /// The line (or, for a JSON array, the line where the element starts).
    pub line: u64,
    /// Why it could not be used.
    pub reason: String,
    /// Its first bytes, lossily decoded.
    pub sample: String,
}

/// What happened to every input record. The identity
/// `lines_read == events + multiline_merged + unparsed` always holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Accounting {
    /// Records read: lines of line-oriented inputs, elements of a JSON array (and any stray
    /// text around it, counted once per run of bad bytes).
    pub lines_read: u64,
    /// Events decoded and mined (a multi-line event counts once).
    pub events: u64,
    /// Lines joined into a multi-line event after its first line.
    pub multiline_merged: u64,
    /// Records that could not be decoded.
    pub unparsed: u64,
    /// Unparsed records per reason (the reason's first words, without details).
    pub unparsed_by_reason: BTreeMap<String, u64>,
    /// The first few unparsed records of each input.
    pub unparsed_samples: Vec<UnparsedSample>,
}

impl Accounting {
    /// Counts an event and the lines merged into it.
    pub fn event(&mut self, merged: u64) {
        self.lines_read += 1 + merged;
        self.events += 1;
        self.multiline_merged += merged;
    }

    /// Counts an unparsed record, keeping a sample when its input has fewer than
    /// [`UNPARSED_SAMPLES_PER_INPUT`].
    pub fn unparsed(&mut self, input: &str, line: u64, reason: &str, head: &[u8]) {
        self.lines_read += 1;
        self.unparsed += 1;
        *self
            .unparsed_by_reason
            .entry(reason_class(reason).to_owned())
            .or_insert(0) += 1;
        let kept = self
            .unparsed_samples
            .iter()
            .filter(|s| s.input == input)
            .count();
        if kept < UNPARSED_SAMPLES_PER_INPUT {
            let mut sample = String::from_utf8_lossy(&head[..head.len().min(200)]).into_owned();
            sample.retain(|c| !c.is_control() || c == '\t');
            self.unparsed_samples.push(UnparsedSample {
                input: input.to_owned(),
                line,
                reason: reason.to_owned(),
                sample,
            });
        }
    }

    /// Adds another tally into this one.
    pub fn merge(&mut self, other: Self) {
        self.lines_read += other.lines_read;
        self.events += other.events;
        self.multiline_merged += other.multiline_merged;
        self.unparsed += other.unparsed;
        for (reason, count) in other.unparsed_by_reason {
            *self.unparsed_by_reason.entry(reason).or_insert(0) += count;
        }
        self.unparsed_samples.extend(other.unparsed_samples);
        self.unparsed_samples.sort();
    }

    /// True when every record is accounted for.
    #[must_use]
    pub fn adds_up(&self) -> bool {
        self.lines_read == self.events + self.multiline_merged + self.unparsed
    }
}

/// The class of a reason: the text before the first `:` (so `invalid JSON: EOF at line 1`
/// and `invalid JSON: expected value` count together).
fn reason_class(reason: &str) -> &str {
    reason.split(':').next().unwrap_or(reason).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_holds_and_reasons_are_grouped() {
        let mut tally = Accounting::default();
        tally.event(0);
        tally.event(4);
        tally.unparsed("a.log", 9, "invalid JSON: EOF while parsing", b"{\"a\"");
        tally.unparsed("a.log", 10, "invalid JSON: expected value", b"xx");
        assert!(tally.adds_up());
        assert_eq!(tally.lines_read, 8);
        assert_eq!(tally.unparsed_by_reason["invalid JSON"], 2);
    }

    #[test]
    fn samples_are_capped_per_input() {
        let mut tally = Accounting::default();
        for line in 0..20 {
            tally.unparsed("a", line, "empty line", b"");
            tally.unparsed("b", line, "empty line", b"");
        }
        assert_eq!(tally.unparsed, 40);
        assert_eq!(tally.unparsed_samples.len(), 2 * UNPARSED_SAMPLES_PER_INPUT);
    }
}
