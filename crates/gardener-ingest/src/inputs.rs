use std::path::{Path, PathBuf};

use crate::IngestError;

/// One input to read: a file or standard input.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InputSource {
    /// Standard input (`-` on the command line).
    Stdin,
    /// A file.
    File(PathBuf),
}

impl InputSource {
    /// The name used in positions (`name:line`) and messages: the path as given, or `-`.
    #[must_use]
    pub fn display_name(&self) -> String {
        match self {
            Self::Stdin => "-".to_owned(),
            Self::File(path) => path.display().to_string(),
        }
    }
}

/// Expands command-line inputs into sources: `-` is stdin, a directory contributes every file
/// below it (recursively, hidden entries skipped), an argument with `*`, `?` or `[` is a glob,
/// anything else is a file that must exist.
///
/// The result is sorted and free of duplicates, so the order in which inputs are named does not
/// change what is read or in which order: reports are byte-identical for any argument order.
///
/// # Errors
///
/// A missing file, an unreadable directory, a malformed glob or a glob that matches nothing.
pub fn expand<S: AsRef<str>>(args: &[S]) -> Result<Vec<InputSource>, IngestError> {
    let mut sources = Vec::new();
    for arg in args {
        let arg = arg.as_ref();
        if arg == "-" {
            sources.push(InputSource::Stdin);
            continue;
        }
        let path = Path::new(arg);
        if path.is_dir() {
            walk_dir(path, &mut sources)?;
        } else if path.exists() {
            sources.push(InputSource::File(path.to_path_buf()));
        } else if arg.contains(['*', '?', '[']) {
            let paths = glob::glob(arg).map_err(|source| IngestError::Glob {
                pattern: arg.to_owned(),
                source,
            })?;
            let before = sources.len();
            for entry in paths.flatten() {
                if entry.is_dir() {
                    walk_dir(&entry, &mut sources)?;
                } else {
                    sources.push(InputSource::File(entry));
                }
            }
            if sources.len() == before {
                return Err(IngestError::GlobEmpty {
                    pattern: arg.to_owned(),
                });
            }
        } else {
            return Err(IngestError::Missing {
                path: path.to_path_buf(),
            });
        }
    }
    sources.sort();
    sources.dedup();
    Ok(sources)
}

fn walk_dir(dir: &Path, out: &mut Vec<InputSource>) -> Result<(), IngestError> {
    let entries = std::fs::read_dir(dir).map_err(|source| IngestError::ListDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut children: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| !name.starts_with('.'))
        })
        .collect();
    children.sort();
    for child in children {
        if child.is_dir() {
            walk_dir(&child, out)?;
        } else {
            out.push(InputSource::File(child));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_tree() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("gardener-inputs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::create_dir_all(dir.join(".hidden")).unwrap();
        for name in ["b.log", "a.log", "sub/c.json", ".hidden/x.log"] {
            std::fs::write(dir.join(name), "x\n").unwrap();
        }
        dir
    }

    #[test]
    fn directories_globs_and_order_are_canonical() {
        let dir = temp_tree();
        let d = dir.display().to_string();
        let one = expand(&[format!("{d}/b.log"), d.clone(), format!("{d}/*.log")]).unwrap();
        let two = expand(&[format!("{d}/*.log"), d.clone()]).unwrap();
        assert_eq!(one, two);
        let names: Vec<String> = one
            .iter()
            .map(|s| s.display_name().trim_start_matches(&d).to_owned())
            .collect();
        assert_eq!(names, ["/a.log", "/b.log", "/sub/c.json"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let error = expand(&["/definitely/not/here.log"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "input `/definitely/not/here.log` does not exist"
        );
    }

    #[test]
    fn an_empty_glob_is_an_error() {
        let error = expand(&["/definitely/not/*.log"]).unwrap_err();
        assert!(matches!(error, IngestError::GlobEmpty { .. }));
    }

    #[test]
    fn dash_is_stdin() {
        assert_eq!(expand(&["-"]).unwrap(), [InputSource::Stdin]);
    }
}
