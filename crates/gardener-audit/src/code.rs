//! Facts taken from source tokens: environment variable reads (with their defaults) and Redis
//! stream usage (published to, read from, groups), with string constants resolved so that
//! `os.getenv(REDIS_URL_VAR)` counts as a read of the variable the constant names.

use std::collections::HashMap;
use std::ops::Range;

use crate::lexer::{Kind, Lang, Token};

/// A read of an environment variable in code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvRead {
    /// The variable name.
    pub name: String,
    /// The literal fallback the code uses when the variable is unset, if any.
    pub default: Option<String>,
    /// 1-based line of the read.
    pub line: u32,
}

/// How code touches a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StreamRole {
    /// `XADD`: the code writes entries.
    Publish,
    /// `XREAD`, `XREADGROUP`, `XACK`, `XRANGE`, ...: the code consumes entries.
    Read,
    /// `XGROUP CREATE`: the code creates a consumer group (a reader's declaration).
    GroupCreate,
    /// A string literal that matches a stream pattern, outside any stream command.
    Mention,
}

/// One stream usage in code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamUse {
    /// The stream key.
    pub stream: String,
    /// The consumer group, for group reads, acks and group creation.
    pub group: Option<String>,
    /// What the code does with the stream.
    pub role: StreamRole,
    /// 1-based line.
    pub line: u32,
}

/// A name bound to a string literal: `const ORDERS = "stream:orders"`.
#[derive(Clone, Debug)]
pub struct Constant {
    /// The bound name.
    pub name: String,
    /// The literal value.
    pub value: String,
}

/// Constants of every scanned file; a name bound to different values in different files is
/// only resolved inside the file that binds it.
#[derive(Debug, Default)]
pub struct Constants {
    global: HashMap<String, Option<String>>,
}

impl Constants {
    /// Adds the constants of one file.
    pub fn extend(&mut self, constants: &[Constant]) {
        for constant in constants {
            self.global
                .entry(constant.name.clone())
                .and_modify(|value| {
                    if value.as_deref() != Some(constant.value.as_str()) {
                        *value = None;
                    }
                })
                .or_insert_with(|| Some(constant.value.clone()));
        }
    }
}

/// Resolves names for one file: its own constants first, then unambiguous ones of other files.
pub struct Resolver<'a> {
    local: HashMap<&'a str, &'a str>,
    global: &'a Constants,
}

impl<'a> Resolver<'a> {
    /// A resolver for a file whose constants are `local`.
    #[must_use]
    pub fn new(local: &'a [Constant], global: &'a Constants) -> Self {
        let local = local
            .iter()
            .map(|c| (c.name.as_str(), c.value.as_str()))
            .collect();
        Self { local, global }
    }

    fn lookup(&self, name: &str) -> Option<&str> {
        if let Some(value) = self.local.get(name) {
            return Some(value);
        }
        self.global.global.get(name).and_then(|v| v.as_deref())
    }

    /// The string value of an argument: a literal, or a constant (`NAME`, `config.NAME`,
    /// `Config::NAME`), optionally behind `&`/`*` or followed by `.to_string()`-like calls.
    fn value(&self, tokens: &[Token]) -> Option<String> {
        let tokens = strip_refs(tokens);
        let first = tokens.first()?;
        if let Some(text) = first.static_str() {
            // `"x".to_string()`, `"x".into()`, `"x"` are fine; `"a" + b` is not a literal value.
            let rest_ok = tokens.len() == 1 || tokens[1].is_punct('.');
            return rest_ok.then(|| text.to_owned());
        }
        // A dotted or `::` path of identifiers: resolve its last identifier.
        let mut last = None;
        for token in tokens {
            match token.kind {
                Kind::Ident => last = Some(token.text.as_str()),
                Kind::Punct if token.is_punct('.') || token.is_punct(':') => {}
                _ => return None,
            }
        }
        self.lookup(last?).map(str::to_owned)
    }
}

fn strip_refs(mut tokens: &[Token]) -> &[Token] {
    while let Some(first) = tokens.first() {
        if first.is_punct('&') || first.is_punct('*') || first.is_ident("mut") {
            tokens = &tokens[1..];
        } else {
            break;
        }
    }
    tokens
}

/// Collects `NAME = "literal"` bindings (with `const`, `final`, `:=`, type annotations).
/// Outside Go only `UPPER_CASE` names or names after `const`/`final`/`static`/`let`/`var`
/// count, so a keyword argument `f(name="x")` never becomes a constant.
#[must_use]
pub fn constants(lang: Lang, tokens: &[Token]) -> Vec<Constant> {
    let mut out = Vec::new();
    for i in 1..tokens.len().saturating_sub(1) {
        if !tokens[i].is_punct('=') {
            continue;
        }
        let Some(value) = tokens[i + 1].static_str() else {
            continue;
        };
        if let Some(next) = tokens.get(i + 2)
            && next.kind == Kind::Punct
            && matches!(next.text.as_str(), "+" | "[" | "%" | "(" | "=" | ".")
        {
            continue;
        }
        if let Some(name) = bound_name(lang, tokens, i) {
            out.push(Constant {
                name: name.to_owned(),
                value: value.to_owned(),
            });
        }
    }
    out
}

/// The name bound by the `=` at `eq`, if it looks like a constant binding.
fn bound_name(lang: Lang, tokens: &[Token], eq: usize) -> Option<&str> {
    let before = &tokens[eq - 1];
    if before.kind == Kind::Punct && matches!(before.text.as_str(), "=" | "!" | "<" | ">") {
        return None;
    }
    let annotated = eq >= 2
        && tokens[eq - 2].kind == Kind::Punct
        && matches!(tokens[eq - 2].text.as_str(), ":" | "&" | "<" | "[");
    let name_at = if before.kind == Kind::Ident && !annotated {
        eq - 1
    } else if before.is_punct(':') && eq >= 2 && tokens[eq - 2].kind == Kind::Ident {
        eq - 2 // Go `name := "x"`
    } else {
        // A type annotation: `NAME: &str =`, `NAME: Final[str] =`.
        let mut j = eq - 1;
        loop {
            if j == 0 || eq - j > 8 {
                return None;
            }
            let t = &tokens[j];
            if t.is_punct(':') && tokens[j - 1].kind == Kind::Ident {
                break j - 1;
            }
            let allowed = t.kind == Kind::Ident
                || (t.kind == Kind::Punct
                    && matches!(t.text.as_str(), "&" | "[" | "]" | "<" | ">"));
            if !allowed {
                return None;
            }
            j -= 1;
        }
    };
    let name = tokens[name_at].text.as_str();
    let declared = name_at > 0
        && matches!(
            tokens[name_at - 1].text.as_str(),
            "const" | "final" | "static" | "String" | "let" | "var"
        );
    // Go: `const ( name = "x" )` blocks and `name := "x"`; a struct field `F: "x"` or a
    // selector `a.b = "x"` is not a binding.
    let go_binding = lang == Lang::Go
        && !(name_at > 0
            && (tokens[name_at - 1].is_punct('.') || tokens[name_at - 1].is_punct(',')));
    (is_upper_name(name) || declared || go_binding).then_some(name)
}

/// `ORDERS_STREAM`, `REDIS_URL`: the usual spelling of constants and environment variables.
#[must_use]
pub fn is_upper_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The index of the bracket that closes the one at `open`.
fn closing(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (j, token) in tokens.iter().enumerate().skip(open) {
        if token.kind != Kind::Punct {
            continue;
        }
        match token.text.as_str() {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

/// The top-level comma-separated arguments between `open` and its closing bracket.
fn args(tokens: &[Token], open: usize) -> Option<(Vec<Range<usize>>, usize)> {
    let close = closing(tokens, open)?;
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = open + 1;
    for (j, t) in tokens.iter().enumerate().take(close).skip(open + 1) {
        if t.kind != Kind::Punct {
            continue;
        }
        match t.text.as_str() {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth = depth.saturating_sub(1),
            "," if depth == 0 => {
                out.push(start..j);
                start = j + 1;
            }
            _ => {}
        }
    }
    if start < close {
        out.push(start..close);
    }
    Some((out, close))
}

/// Does `tokens[i..]` start with this sequence of identifiers and punctuation?
fn seq(tokens: &[Token], i: usize, pattern: &[&str]) -> bool {
    pattern.iter().enumerate().all(|(k, want)| {
        tokens
            .get(i + k)
            .is_some_and(|t| t.kind != Kind::Str && t.text == *want)
    })
}

/// A literal default: a string or a number token, possibly negative.
fn literal(tokens: &[Token]) -> Option<String> {
    let tokens = strip_refs(tokens);
    match tokens.first()? {
        t if t.kind == Kind::Num => Some(t.text.clone()),
        t if t.kind == Kind::Str && !t.dynamic => Some(t.text.clone()),
        _ => None,
    }
}

/// Environment variable reads of one file, plus constants bound to a read's default
/// (`STREAM = os.getenv("ORDERS_STREAM", "stream:orders")` binds `STREAM`).
#[must_use]
pub fn env_reads(
    lang: Lang,
    tokens: &[Token],
    resolver: &Resolver<'_>,
) -> (Vec<EnvRead>, Vec<Constant>) {
    let mut reads = Vec::new();
    let mut bound = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let found = match lang {
            Lang::Js => js_env(tokens, i, resolver, &mut reads),
            Lang::Python => python_env(tokens, i, resolver),
            Lang::Rust => rust_env(tokens, i, resolver),
            Lang::Go => call_env(tokens, i, &["os", ".", "Getenv", "("], resolver)
                .or_else(|| call_env(tokens, i, &["os", ".", "LookupEnv", "("], resolver)),
            Lang::Java => call_env(tokens, i, &["System", ".", "getenv", "("], resolver),
        };
        if let Some((read, end)) = found {
            let start = path_start(tokens, i);
            if read.default.is_some()
                && start >= 2
                && tokens[start - 1].is_punct('=')
                && let Some(name) = bound_name(lang, tokens, start - 1)
            {
                bound.push(Constant {
                    name: name.to_owned(),
                    value: read.default.clone().unwrap_or_default(),
                });
            }
            // Cargo's compile-time variables (`env!("CARGO_PKG_NAME")`) are set by the build,
            // never by a deployment.
            let cargo_var = lang == Lang::Rust && read.name.starts_with("CARGO_");
            if is_env_name(&read.name) && !cargo_var {
                reads.push(read);
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    (reads, bound)
}

type Found = Option<(EnvRead, usize)>;

/// The first token of the dotted path that ends at `i` (`os . getenv` starts at `os`).
fn path_start(tokens: &[Token], mut i: usize) -> usize {
    while i >= 2 && (tokens[i - 1].is_punct('.') || tokens[i - 1].is_punct(':')) {
        let mut j = i - 1;
        while j > 0 && tokens[j].is_punct(':') && tokens[j - 1].is_punct(':') {
            j -= 1;
        }
        if j == 0 || tokens[j - 1].kind != Kind::Ident {
            break;
        }
        i = j - 1;
    }
    i
}

/// A write (`process.env.X = ...`, `os.environ["X"] = ...`) is not a read.
fn is_assignment(tokens: &[Token], end: usize) -> bool {
    tokens.get(end).is_some_and(|t| t.is_punct('='))
        && !tokens
            .get(end + 1)
            .is_some_and(|t| t.is_punct('=') || t.is_punct('>'))
}

fn js_env(tokens: &[Token], i: usize, resolver: &Resolver<'_>, reads: &mut Vec<EnvRead>) -> Found {
    let base = if seq(tokens, i, &["process", ".", "env"]) {
        i + 3
    } else if seq(tokens, i, &["import", ".", "meta", ".", "env"]) {
        i + 5
    } else {
        return None;
    };
    let line = tokens[i].line;
    let (name, end) = if tokens.get(base).is_some_and(|t| t.is_punct('.'))
        && tokens.get(base + 1).is_some_and(|t| t.kind == Kind::Ident)
    {
        (tokens[base + 1].text.clone(), base + 2)
    } else if tokens.get(base).is_some_and(|t| t.is_punct('[')) {
        let close = closing(tokens, base)?;
        (resolver.value(&tokens[base + 1..close])?, close + 1)
    } else {
        // `const { A, B = "x" } = process.env`
        if i >= 2 && tokens[i - 1].is_punct('=') && tokens[i - 2].is_punct('}') {
            destructured(tokens, i - 2, reads);
        }
        return None;
    };
    if is_assignment(tokens, end) {
        return None;
    }
    let default = js_default(tokens, end);
    Some((
        EnvRead {
            name,
            default,
            line,
        },
        end,
    ))
}

/// `?? "x"` or `|| "x"` after a read.
fn js_default(tokens: &[Token], end: usize) -> Option<String> {
    let a = tokens.get(end)?;
    let b = tokens.get(end + 1)?;
    let pair = (a.is_punct('?') && b.is_punct('?')) || (a.is_punct('|') && b.is_punct('|'));
    if !pair {
        return None;
    }
    literal(tokens.get(end + 2..end + 3)?)
}

/// Reads the names of an object pattern that ends at `close` (`{ A, B: b, C = "1" }`).
fn destructured(tokens: &[Token], close: usize, reads: &mut Vec<EnvRead>) {
    let mut depth = 0usize;
    let mut open = None;
    for j in (0..=close).rev() {
        if tokens[j].is_punct('}') {
            depth += 1;
        } else if tokens[j].is_punct('{') {
            depth -= 1;
            if depth == 0 {
                open = Some(j);
                break;
            }
        }
    }
    let Some((parts, _)) = open.and_then(|open| args(tokens, open)) else {
        return;
    };
    for part in parts {
        let part = &tokens[part];
        let Some(first) = part.first().filter(|t| t.kind == Kind::Ident) else {
            continue;
        };
        let default = part
            .iter()
            .position(|t| t.is_punct('='))
            .and_then(|eq| literal(&part[eq + 1..]));
        reads.push(EnvRead {
            name: first.text.clone(),
            default,
            line: first.line,
        });
    }
}

fn python_env(tokens: &[Token], i: usize, resolver: &Resolver<'_>) -> Found {
    let line = tokens[i].line;
    if seq(tokens, i, &["environ", "["]) {
        let close = closing(tokens, i + 1)?;
        if is_assignment(tokens, close + 1) {
            return None;
        }
        let name = resolver.value(&tokens[i + 2..close])?;
        return Some((
            EnvRead {
                name,
                default: None,
                line,
            },
            close + 1,
        ));
    }
    let open = if seq(tokens, i, &["environ", ".", "get", "("])
        || seq(tokens, i, &["environ", ".", "setdefault", "("])
    {
        i + 3
    } else if seq(tokens, i, &["getenv", "("]) {
        i + 1
    } else {
        return None;
    };
    let (parts, close) = args(tokens, open)?;
    let name = resolver.value(&tokens[parts.first()?.clone()])?;
    let mut default = None;
    for (k, part) in parts.iter().enumerate().skip(1) {
        let part = &tokens[part.clone()];
        if seq(part, 0, &["default", "="]) {
            default = literal(&part[2..]);
        } else if k == 1 {
            default = literal(part);
        }
    }
    Some((
        EnvRead {
            name,
            default,
            line,
        },
        close + 1,
    ))
}

fn rust_env(tokens: &[Token], i: usize, resolver: &Resolver<'_>) -> Found {
    let line = tokens[i].line;
    let open = if seq(tokens, i, &["env", ":", ":", "var", "("])
        || seq(tokens, i, &["env", ":", ":", "var_os", "("])
    {
        // `env::var` inside `std::env::var`: the `std ::` prefix needs no check.
        i + 4
    } else if seq(tokens, i, &["env", "!", "("]) || seq(tokens, i, &["option_env", "!", "("]) {
        i + 2
    } else {
        return None;
    };
    let (parts, close) = args(tokens, open)?;
    let name = resolver.value(&tokens[parts.first()?.clone()])?;
    // `.unwrap_or("x")`, `.unwrap_or_else(|_| "x".into())`: the first literal inside.
    let mut default = None;
    if (seq(tokens, close + 1, &[".", "unwrap_or", "("])
        || seq(tokens, close + 1, &[".", "unwrap_or_else", "("]))
        && let Some(end) = closing(tokens, close + 3)
    {
        default = tokens[close + 4..end]
            .iter()
            .find(|t| t.kind == Kind::Num || t.kind == Kind::Str)
            .and_then(|t| literal(std::slice::from_ref(t)));
    }
    Some((
        EnvRead {
            name,
            default,
            line,
        },
        close + 1,
    ))
}

fn call_env(tokens: &[Token], i: usize, pattern: &[&str], resolver: &Resolver<'_>) -> Found {
    if !seq(tokens, i, pattern) {
        return None;
    }
    let open = i + pattern.len() - 1;
    let (parts, close) = args(tokens, open)?;
    let name = resolver.value(&tokens[parts.first()?.clone()])?;
    Some((
        EnvRead {
            name,
            default: None,
            line: tokens[i].line,
        },
        close + 1,
    ))
}

/// Stream ids and command words that are never stream or group names.
fn is_id_or_keyword(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    matches!(text, ">" | "$" | "*" | "+" | "-" | "~" | "=" | "")
        || text
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        || matches!(
            upper.as_str(),
            "GROUP"
                | "STREAMS"
                | "COUNT"
                | "BLOCK"
                | "NOACK"
                | "MKSTREAM"
                | "CREATE"
                | "MAXLEN"
                | "MINID"
                | "NOMKSTREAM"
                | "ENTRIESREAD"
                | "IDLE"
                | "JUSTID"
                | "LIMIT"
        )
}

/// What a method or command name does, from its normalised spelling (`xReadGroup`,
/// `XREADGROUP`, `xread_group` are one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Add,
    ReadGroup,
    Read,
    ReadOptions,
    GroupCreate,
    Group,
    GroupUse,
}

fn command(name: &str) -> Option<Command> {
    let normal: String = name
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    Some(match normal.as_str() {
        "xadd" | "xaddmap" | "xaddmaxlen" | "xaddmaxlenmap" | "xaddoptions" => Command::Add,
        "xreadgroup" => Command::ReadGroup,
        "xread" | "xrange" | "xrevrange" | "xrangeall" | "xrangen" | "xrevrangen" => Command::Read,
        "xreadoptions" => Command::ReadOptions,
        "xgroupcreate" | "xgroupcreatemkstream" => Command::GroupCreate,
        "xgroup" => Command::Group,
        "xack"
        | "xpending"
        | "xpendingext"
        | "xpendingcount"
        | "xautoclaim"
        | "xclaim"
        | "xautoclaimoptions"
        | "xclaimoptions"
        | "xgroupsetid"
        | "xgroupcreateconsumer"
        | "xgroupdelconsumer" => Command::GroupUse,
        _ => return None,
    })
}

/// Stream usage of one file. `patterns` are the configured stream-name globs.
#[must_use]
pub fn stream_uses(
    lang: Lang,
    tokens: &[Token],
    resolver: &Resolver<'_>,
    patterns: &[String],
) -> Vec<StreamUse> {
    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        match token.kind {
            Kind::Ident if tokens.get(i + 1).is_some_and(|t| t.is_punct('(')) => {
                let Some(cmd) = command(&token.text) else {
                    continue;
                };
                let Some((mut parts, _)) = args(tokens, i + 1) else {
                    continue;
                };
                if lang == Lang::Go && !parts.is_empty() {
                    parts.remove(0); // go-redis takes a context first
                }
                let parts: Vec<&[Token]> = parts.into_iter().map(|r| &tokens[r]).collect();
                call(cmd, &parts, token.line, resolver, &mut out);
            }
            Kind::Str if !token.dynamic => {
                if let Some(cmd) = raw_command(&token.text).filter(|_| first_argument(tokens, i)) {
                    // `execute_command("XADD", ...)`, `rdb.Do(ctx, "XGROUP", "CREATE", ...)`:
                    // the command's arguments are the siblings after the literal.
                    if let Some(parts) = sibling_args(tokens, i) {
                        call(cmd, &parts, token.line, resolver, &mut out);
                        continue;
                    }
                }
                if let Some(words) = command_line(&token.text) {
                    // "XGROUP CREATE stream:x group $ MKSTREAM" in one literal.
                    command_words(&words, token.line, &mut out);
                    continue;
                }
                if patterns.iter().any(|p| glob_match(p, &token.text)) {
                    out.push(StreamUse {
                        stream: token.text.clone(),
                        group: None,
                        role: StreamRole::Mention,
                        line: token.line,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// Is the token at `at` the first argument of a call or array (`call("XADD", ...)`,
/// `["XADD", ...]`), or the first after a Go context (`Do(ctx, "XADD", ...)`)? A command
/// name elsewhere (in a list of names, a `match` arm) is not a command being sent.
fn first_argument(tokens: &[Token], at: usize) -> bool {
    let opens = |t: &Token| t.is_punct('(') || t.is_punct('[');
    match at {
        0 => false,
        _ if opens(&tokens[at - 1]) => true,
        _ => {
            at >= 3
                && tokens[at - 1].is_punct(',')
                && tokens[at - 2].kind == Kind::Ident
                && opens(&tokens[at - 3])
        }
    }
}

/// A literal that is exactly a stream command name.
/// Only upper case counts: lower-case `"xrange"` is as likely Python 2's builtin named in a
/// compatibility table (`six`) as a Redis command.
fn raw_command(text: &str) -> Option<Command> {
    let upper = text.to_ascii_uppercase();
    (upper == text
        && matches!(
            upper.as_str(),
            "XADD" | "XREADGROUP" | "XREAD" | "XGROUP" | "XACK" | "XRANGE"
        ))
    .then(|| command(&upper))
    .flatten()
}

/// A literal holding a whole command line such as `XADD stream:x * k v`.
fn command_line(text: &str) -> Option<Vec<String>> {
    let words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    if words.len() < 3 {
        return None;
    }
    raw_command(&words[0])?;
    Some(words)
}

fn command_words(words: &[String], line: u32, out: &mut Vec<StreamUse>) {
    let Some(cmd) = raw_command(&words[0]) else {
        return;
    };
    let tokens: Vec<Token> = words[1..]
        .iter()
        .map(|w| Token {
            kind: Kind::Str,
            text: w.clone(),
            line,
            dynamic: false,
        })
        .collect();
    let parts: Vec<&[Token]> = tokens.chunks(1).collect();
    let empty = Constants::default();
    let resolver = Resolver::new(&[], &empty);
    call(cmd, &parts, line, &resolver, out);
}

/// The arguments that follow the token at `at` inside its enclosing bracket.
fn sibling_args(tokens: &[Token], at: usize) -> Option<Vec<&[Token]>> {
    let mut depth = 0usize;
    let mut open = None;
    for j in (0..at).rev() {
        let t = &tokens[j];
        if t.kind != Kind::Punct {
            continue;
        }
        match t.text.as_str() {
            ")" | "]" | "}" => depth += 1,
            "(" | "[" | "{" if depth == 0 => {
                open = Some(j);
                break;
            }
            "(" | "[" | "{" => depth -= 1,
            _ => {}
        }
    }
    let (parts, _) = args(tokens, open?)?;
    let index = parts.iter().position(|r| r.start == at)?;
    Some(
        parts[index + 1..]
            .iter()
            .map(|r| &tokens[r.clone()])
            .collect(),
    )
}

/// Interprets one stream command call with the arguments as written.
fn call(
    cmd: Command,
    parts: &[&[Token]],
    line: u32,
    resolver: &Resolver<'_>,
    out: &mut Vec<StreamUse>,
) {
    let mut push = |stream: String, group: Option<String>, role| {
        if !is_id_or_keyword(&stream) {
            out.push(StreamUse {
                stream,
                group,
                role,
                line,
            });
        }
    };
    let value = |part: &[Token]| resolver.value(part);
    match cmd {
        Command::Add => {
            let stream = field(parts, "Stream", resolver)
                .or_else(|| keyword(parts, &["name", "key", "stream"], resolver))
                .or_else(|| parts.first().and_then(|p| value(p)));
            if let Some(stream) = stream {
                push(stream, None, StreamRole::Publish);
            }
        }
        Command::GroupCreate | Command::GroupUse => {
            let role = if cmd == Command::GroupCreate {
                StreamRole::GroupCreate
            } else {
                StreamRole::Read
            };
            let stream = field(parts, "Stream", resolver)
                .or_else(|| keyword(parts, &["name", "key", "stream"], resolver))
                .or_else(|| parts.first().and_then(|p| value(p)));
            let group = field(parts, "Group", resolver)
                .or_else(|| keyword(parts, &["groupname", "group"], resolver))
                .or_else(|| parts.get(1).and_then(|p| value(p)));
            if let Some(stream) = stream {
                push(stream, group, role);
            }
        }
        Command::Group => {
            // `xgroup('CREATE', stream, group, '$')`
            let sub = parts
                .first()
                .and_then(|p| value(p))
                .map(|s| s.to_ascii_uppercase());
            if sub.as_deref() == Some("CREATE")
                && let Some(stream) = parts.get(1).and_then(|p| value(p))
            {
                let group = parts.get(2).and_then(|p| value(p));
                push(stream, group, StreamRole::GroupCreate);
            }
        }
        Command::Read => {
            for stream in read_streams(parts, 0, resolver) {
                push(stream, None, StreamRole::Read);
            }
        }
        Command::ReadOptions => {
            // redis-rs `xread_options(&["s"], &[">"], &opts.group("g", "c"))`
            let streams = parts
                .first()
                .map(|p| names_in(p, resolver))
                .unwrap_or_default();
            let group = parts
                .get(2)
                .and_then(|p| nested_call_arg(p, "group", resolver));
            for stream in streams {
                push(stream, group.clone(), StreamRole::Read);
            }
        }
        Command::ReadGroup => {
            let (group, streams) = read_group(parts, resolver);
            for stream in streams {
                push(stream, group.clone(), StreamRole::Read);
            }
        }
    }
}

/// Streams and group of an `XREADGROUP` call in any client's spelling.
fn read_group(parts: &[&[Token]], resolver: &Resolver<'_>) -> (Option<String>, Vec<String>) {
    let values: Vec<Option<String>> = parts.iter().map(|p| resolver.value(p)).collect();
    let upper = |k: usize| values[k].as_deref().map(str::to_ascii_uppercase);
    // ioredis / raw: GROUP g c ... STREAMS s1 s2 id1 id2
    if let Some(g) = (0..parts.len()).find(|&k| upper(k).as_deref() == Some("GROUP")) {
        let group = values.get(g + 1).cloned().flatten();
        let streams = match (0..parts.len()).find(|&k| upper(k).as_deref() == Some("STREAMS")) {
            Some(s) => {
                let rest: Vec<String> = values[s + 1..].iter().flatten().cloned().collect();
                rest[..rest.len().div_ceil(2)].to_vec()
            }
            None => Vec::new(),
        };
        return (group, streams);
    }
    // go-redis: &redis.XReadGroupArgs{Group: "g", Streams: []string{"s", ">"}}
    if let Some(group) = field(parts, "Group", resolver) {
        let streams = field_names(parts, "Streams", resolver);
        let half = streams.len().div_ceil(2);
        return (Some(group), streams[..half].to_vec());
    }
    // redis-py keywords: xreadgroup(groupname="g", consumername="c", streams={s: ">"})
    if let Some(group) = keyword(parts, &["groupname"], resolver) {
        let streams = keyword_part(parts, "streams")
            .map(|p| names_in(p, resolver))
            .unwrap_or_default();
        return (Some(group), streams);
    }
    // Positional (redis-py, node-redis, Jedis): group, consumer, then streams.
    let group = values.first().cloned().flatten();
    (group, read_streams(parts, 2, resolver))
}

/// Stream names in the arguments from `skip` on: literals and constants in dict keys, object
/// `key:` fields, arrays and maps, leaving out ids.
fn read_streams(parts: &[&[Token]], skip: usize, resolver: &Resolver<'_>) -> Vec<String> {
    let values: Vec<Option<String>> = parts.iter().map(|p| resolver.value(p)).collect();
    if let Some(s) = values.iter().position(|v| {
        v.as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case("STREAMS"))
    }) {
        let rest: Vec<String> = values[s + 1..].iter().flatten().cloned().collect();
        return rest[..rest.len().div_ceil(2)].to_vec();
    }
    if let Some(part) = keyword_part(parts, "streams") {
        return names_in(part, resolver);
    }
    let mut out = Vec::new();
    for part in parts.iter().skip(skip) {
        for name in names_in(part, resolver) {
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// Literal or constant names inside an argument, leaving out ids, keywords and values of
/// `id:` fields.
fn names_in(part: &[Token], resolver: &Resolver<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for (k, token) in part.iter().enumerate() {
        let after_id_key =
            k >= 2 && part[k - 1].is_punct(':') && part[k - 2].text.eq_ignore_ascii_case("id");
        if after_id_key {
            continue;
        }
        // Object field names (`key:` in `{key: "s"}`) are not values.
        let field_name = token.kind == Kind::Ident
            && part.get(k + 1).is_some_and(|t| t.is_punct(':'))
            && !part.get(k + 2).is_some_and(|t| t.is_punct(':'));
        if field_name && resolver.lookup(&token.text).is_none() {
            continue;
        }
        let value = match token.kind {
            Kind::Str => token.static_str().map(str::to_owned),
            Kind::Ident if is_upper_name(&token.text) => {
                resolver.lookup(&token.text).map(str::to_owned)
            }
            _ => None,
        };
        if let Some(value) = value
            && !is_id_or_keyword(&value)
            && !out.contains(&value)
        {
            out.push(value);
        }
    }
    out
}

/// The value of a `Name: value` field in a struct literal argument (go-redis args structs).
fn field(parts: &[&[Token]], name: &str, resolver: &Resolver<'_>) -> Option<String> {
    for part in parts {
        for k in 0..part.len() {
            if part[k].is_ident(name) && part.get(k + 1).is_some_and(|t| t.is_punct(':')) {
                let end = part[k + 2..]
                    .iter()
                    .position(|t| t.is_punct(',') || t.is_punct('}'))
                    .map_or(part.len(), |e| k + 2 + e);
                return resolver.value(&part[k + 2..end]);
            }
        }
    }
    None
}

fn field_names(parts: &[&[Token]], name: &str, resolver: &Resolver<'_>) -> Vec<String> {
    for part in parts {
        for k in 0..part.len() {
            if part[k].is_ident(name) && part.get(k + 1).is_some_and(|t| t.is_punct(':')) {
                let Some(open) = part[k..].iter().position(|t| t.is_punct('{')) else {
                    continue;
                };
                let Some(close) = closing(part, k + open) else {
                    continue;
                };
                let mut all = Vec::new();
                for token in &part[k + open + 1..close] {
                    let value = match token.kind {
                        Kind::Str => token.static_str().map(str::to_owned),
                        Kind::Ident => resolver.lookup(&token.text).map(str::to_owned),
                        _ => None,
                    };
                    all.extend(value);
                }
                return all;
            }
        }
    }
    Vec::new()
}

/// A Python keyword argument `name=value`.
fn keyword(parts: &[&[Token]], names: &[&str], resolver: &Resolver<'_>) -> Option<String> {
    names
        .iter()
        .find_map(|name| keyword_part(parts, name).and_then(|p| resolver.value(p)))
}

fn keyword_part<'t>(parts: &[&'t [Token]], name: &str) -> Option<&'t [Token]> {
    parts.iter().find_map(|part| {
        (part.len() > 2
            && part[0].is_ident(name)
            && part[1].is_punct('=')
            && !part[2].is_punct('='))
        .then(|| &part[2..])
    })
}

/// The first argument of a nested call `name(...)` inside an argument.
fn nested_call_arg(part: &[Token], name: &str, resolver: &Resolver<'_>) -> Option<String> {
    let at = (0..part.len())
        .find(|&k| part[k].is_ident(name) && part.get(k + 1).is_some_and(|t| t.is_punct('(')))?;
    let (inner, _) = args(part, at + 1)?;
    resolver.value(&part[inner.first()?.clone()])
}

/// Glob match with `*` (any run) and `?` (one character).
#[must_use]
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests;
