//! Walks the tree (honouring `.gitignore`, `.ignore` and git excludes through the `ignore`
//! crate) and collects the facts every rule works on.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::code::{self, Constant, Constants, EnvRead, Resolver, StreamUse};
use crate::drift::Location;
use crate::error::AuditError;
use crate::lexer::{self, Lang, Token};
use crate::manifest::{self, Service};
use crate::{dotenv, markdown};

/// Files larger than this are skipped (generated bundles, data dumps).
const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// Where a documented variable comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocVar {
    /// The variable name.
    pub name: String,
    /// The documented value, when it may be compared with code defaults (example files and
    /// docs tables, never real `.env.*` files whose values may be secrets).
    pub value: Option<String>,
    /// Where it is documented.
    pub location: Location,
}

/// Services of one compose file or manifest.
#[derive(Clone, Debug)]
pub struct ServiceFile {
    /// Relative path.
    pub file: String,
    /// True for compose files.
    pub compose: bool,
    /// Its services or containers.
    pub services: Vec<Service>,
}

/// Counts of what was read.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ScanStats {
    /// Source files lexed.
    pub code_files: usize,
    /// `.env*` files.
    pub env_files: usize,
    /// Compose files and Kubernetes manifests.
    pub manifest_files: usize,
    /// Markdown files.
    pub doc_files: usize,
}

/// Everything the rules need.
#[derive(Debug, Default)]
pub struct Facts {
    /// Env reads in code.
    pub env_reads: Vec<(Location, EnvRead)>,
    /// Documented variables.
    pub env_docs: Vec<DocVar>,
    /// Variables that compose files or manifests set or interpolate.
    pub env_in_config: BTreeSet<String>,
    /// Stream usage in code.
    pub streams: Vec<(Location, StreamUse)>,
    /// Services per compose file or manifest.
    pub service_files: Vec<ServiceFile>,
    /// What was scanned.
    pub stats: ScanStats,
    /// Files skipped and why (invalid YAML, not UTF-8, too large).
    pub notes: Vec<String>,
}

enum FileKind {
    Code(Lang),
    Dotenv { comparable: bool },
    Yaml { compose: bool },
    Markdown,
}

fn classify(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    if name == ".env" || name.starts_with(".env.") {
        let suffix = name.strip_prefix(".env.").unwrap_or_default();
        let comparable = matches!(
            suffix,
            "example" | "sample" | "template" | "dist" | "defaults"
        );
        return Some(FileKind::Dotenv { comparable });
    }
    let ext = path.extension()?.to_str()?;
    match ext {
        "yml" | "yaml" => Some(FileKind::Yaml {
            compose: name.contains("compose"),
        }),
        "md" | "markdown" => Some(FileKind::Markdown),
        _ => Lang::from_extension(ext).map(FileKind::Code),
    }
}

/// A source file between the two passes. Tokens are not kept: holding every token of a large
/// tree at once cost about 1 GiB on 158 MiB of Rust sources, so the second pass lexes again.
struct CodeFile {
    path: PathBuf,
    rel: String,
    lang: Lang,
    /// `NAME = "literal"` bindings, plus names bound to an env read's default.
    constants: Vec<Constant>,
}

/// Walks `root` and collects facts. `patterns` are the stream-name globs.
///
/// # Errors
///
/// When the walk or a read fails for a reason other than the file's content.
pub fn scan(root: &Path, patterns: &[String]) -> Result<Facts, AuditError> {
    let mut facts = Facts::default();
    let mut code_files = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .sort_by_file_name(std::cmp::Ord::cmp)
        .filter_entry(|entry| entry.file_name() != ".git")
        .build();
    for entry in walker {
        let entry = entry.map_err(|source| AuditError::Walk {
            path: root.to_path_buf(),
            source,
        })?;
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let Some(kind) = classify(path) else { continue };
        let rel = relative(root, path);
        if entry.metadata().is_ok_and(|m| m.len() > MAX_FILE_BYTES) {
            facts.notes.push(format!(
                "skipped `{rel}`: larger than {MAX_FILE_BYTES} bytes"
            ));
            continue;
        }
        let bytes = std::fs::read(path).map_err(|source| AuditError::Read {
            path: PathBuf::from(path),
            source,
        })?;
        let Ok(text) = String::from_utf8(bytes) else {
            facts.notes.push(format!("skipped `{rel}`: not UTF-8"));
            continue;
        };
        match kind {
            FileKind::Code(lang) => {
                facts.stats.code_files += 1;
                let tokens = lexer::lex(lang, &text);
                let mut constants = code::constants(lang, &tokens);
                // `STREAM = os.getenv("S", "stream:x")` binds `STREAM` to the default; which
                // variable is read does not matter here, so local resolution is enough.
                let none = Constants::default();
                let local = Resolver::new(&constants, &none);
                let (_, bound) = code::env_reads(lang, &tokens, &local);
                constants.extend(bound);
                code_files.push(CodeFile {
                    path: path.to_path_buf(),
                    rel,
                    lang,
                    constants,
                });
            }
            FileKind::Dotenv { comparable } => {
                facts.stats.env_files += 1;
                for entry in dotenv::parse(&text) {
                    facts.env_docs.push(DocVar {
                        name: entry.name,
                        value: comparable.then_some(entry.value).filter(|v| !v.is_empty()),
                        location: Location {
                            file: rel.clone(),
                            line: entry.line,
                        },
                    });
                }
            }
            FileKind::Markdown => {
                facts.stats.doc_files += 1;
                for var in markdown::env_tables(&text) {
                    facts.env_docs.push(DocVar {
                        name: var.name,
                        value: var.default,
                        location: Location {
                            file: rel.clone(),
                            line: var.line,
                        },
                    });
                }
            }
            FileKind::Yaml { compose } => match manifest::parse(&text) {
                Ok(parsed) => {
                    let is_compose = compose && parsed.compose;
                    if !is_compose
                        && parsed.services.iter().all(|s| {
                            s.health.is_empty() && s.env.is_empty() && s.own_ports.is_empty()
                        })
                    {
                        continue; // some other YAML
                    }
                    facts.stats.manifest_files += 1;
                    if is_compose {
                        facts
                            .env_in_config
                            .extend(manifest::interpolated_names(&text));
                    }
                    for service in &parsed.services {
                        facts.env_in_config.extend(service.env.iter().cloned());
                    }
                    let services = if compose || !parsed.compose {
                        parsed.services
                    } else {
                        Vec::new()
                    };
                    facts.service_files.push(ServiceFile {
                        file: rel,
                        compose: is_compose,
                        services,
                    });
                }
                Err(message) => facts
                    .notes
                    .push(format!("skipped `{rel}`: invalid YAML: {message}")),
            },
        }
    }
    collect_code(&code_files, patterns, &mut facts)?;
    Ok(facts)
}

fn collect_code(
    files: &[CodeFile],
    patterns: &[String],
    facts: &mut Facts,
) -> Result<(), AuditError> {
    let mut constants = Constants::default();
    for file in files {
        constants.extend(&file.constants);
    }
    for file in files {
        let bytes = std::fs::read(&file.path).map_err(|source| AuditError::Read {
            path: file.path.clone(),
            source,
        })?;
        let text = String::from_utf8_lossy(&bytes);
        let tokens: Vec<Token> = lexer::lex(file.lang, &text);
        let resolver = Resolver::new(&file.constants, &constants);
        let (reads, _) = code::env_reads(file.lang, &tokens, &resolver);
        for read in reads {
            facts.env_reads.push((
                Location {
                    file: file.rel.clone(),
                    line: read.line,
                },
                read,
            ));
        }
        for usage in code::stream_uses(file.lang, &tokens, &resolver, patterns) {
            facts.streams.push((
                Location {
                    file: file.rel.clone(),
                    line: usage.line,
                },
                usage,
            ));
        }
    }
    Ok(())
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
