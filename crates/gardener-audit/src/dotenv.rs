//! `.env.example`-style files: `NAME=value` lines, `export NAME=value`, comments, quotes.

/// One variable a dotenv file names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotenvEntry {
    /// The variable name.
    pub name: String,
    /// The value after `=`, unquoted; empty when the line is `NAME=`.
    pub value: String,
    /// 1-based line.
    pub line: u32,
}

/// Parses a dotenv file. Lines that are not assignments (comments, blanks, junk) are skipped.
#[must_use]
pub fn parse(source: &str) -> Vec<DotenvEntry> {
    let mut out = Vec::new();
    for (index, raw) in source.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            continue;
        }
        out.push(DotenvEntry {
            name: name.to_owned(),
            value: unquote(value.trim()),
            line: u32::try_from(index + 1).unwrap_or(u32::MAX),
        });
    }
    out
}

/// Strips matching quotes, or an inline ` # comment` from an unquoted value.
fn unquote(value: &str) -> String {
    for quote in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(quote)
            && let Some(end) = inner.find(quote)
        {
            return inner[..end].to_owned();
        }
    }
    match value.find(" #") {
        Some(cut) => value[..cut].trim_end().to_owned(),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exports_quotes_and_inline_comments() {
        let entries = parse("# c\nexport A=1\nB=\"x # y\"\nC=plain # note\nD=\nnot a line\n9X=1\n");
        let got: Vec<(&str, &str, u32)> = entries
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_str(), e.line))
            .collect();
        assert_eq!(
            got,
            [
                ("A", "1", 2),
                ("B", "x # y", 3),
                ("C", "plain", 4),
                ("D", "", 5)
            ]
        );
    }
}
