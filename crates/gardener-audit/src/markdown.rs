//! Environment variables documented in markdown tables (GitHub pipe tables).
//!
//! A table counts when a header cell names a variable column (`variable`, `env`, `name`,
//! `key`, `setting`); cells of that column that look like `UPPER_SNAKE` names (backticks
//! allowed) are documented variables. A header containing `default` gives their defaults.

/// One variable documented in a table row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableVar {
    /// The variable name.
    pub name: String,
    /// The default column's cell, if the table has one and it is not empty.
    pub default: Option<String>,
    /// 1-based line of the row.
    pub line: u32,
}

fn cells(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let line = line.strip_suffix('|').unwrap_or(line);
    line.split('|').map(|c| c.trim().to_owned()).collect()
}

fn is_separator(line: &str) -> bool {
    let cells = cells(line);
    line.contains('-')
        && cells
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
}

fn strip_code(cell: &str) -> &str {
    cell.trim().trim_matches('`').trim()
}

/// Scans every table of a markdown file. Fenced code blocks are skipped.
#[must_use]
pub fn env_tables(source: &str) -> Vec<TableVar> {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = Vec::new();
    let mut in_fence = false;
    let mut i = 0;
    while i + 1 < lines.len() {
        let line = lines[i].trim_start();
        if line.starts_with("```") || line.starts_with("~~~") {
            in_fence = !in_fence;
            i += 1;
            continue;
        }
        if in_fence || !line.starts_with('|') || !is_separator(lines[i + 1]) {
            i += 1;
            continue;
        }
        let header: Vec<String> = cells(line)
            .iter()
            .map(|c| strip_code(c).to_ascii_lowercase())
            .collect();
        let name_col = header.iter().position(|h| {
            h.contains("variable")
                || h.contains("env")
                || matches!(h.as_str(), "name" | "key" | "setting")
        });
        let default_col = header.iter().position(|h| h.contains("default"));
        i += 2;
        while i < lines.len() && lines[i].trim_start().starts_with('|') {
            if let Some(col) = name_col {
                let row = cells(lines[i]);
                if let Some(name) = row.get(col).map(|c| strip_code(c))
                    && crate::code::is_upper_name(name)
                {
                    let default = default_col
                        .and_then(|d| row.get(d))
                        .map(|c| strip_code(c).to_owned())
                        .filter(|d| !d.is_empty() && d != "-" && d != "—");
                    out.push(TableVar {
                        name: name.to_owned(),
                        default,
                        line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    });
                }
            }
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_variable_and_default_columns_and_skips_fences_and_other_tables() {
        let src = "\
| Stream | Owner |
|---|---|
| `STREAM_X` | a |

| Variable | Default | Meaning |
|:--|:-:|---|
| `REDIS_URL` | `redis://r:6379` | where |
| LOG_LEVEL | - | level |
| lower_case | x | no |

```
| Variable | Default |
|---|---|
| IN_FENCE | 1 |
```
";
        let got: Vec<(String, Option<String>, u32)> = env_tables(src)
            .into_iter()
            .map(|v| (v.name, v.default, v.line))
            .collect();
        assert_eq!(
            got,
            [
                ("REDIS_URL".to_owned(), Some("redis://r:6379".to_owned()), 7),
                ("LOG_LEVEL".to_owned(), None, 8)
            ]
        );
    }
}
