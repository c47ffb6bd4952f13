//! A small per-language lexer: identifiers, string literals, numbers and punctuation with their
//! line numbers. Comments are dropped, so a name in a comment never counts, and a string's text
//! stays a string, so `"process.env.X"` inside a log message is never taken for a read.
//!
//! Interpolations are code: the `${...}` parts of a JavaScript template literal and the `{...}`
//! parts of a Python f-string are lexed as tokens, and the literal they sit in is marked
//! [`Token::dynamic`] because its full value is unknown.

/// The languages the audit reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// JavaScript and TypeScript (`.js`, `.ts`, `.tsx`, `.mjs`, ...).
    Js,
    /// Python.
    Python,
    /// Rust.
    Rust,
    /// Go.
    Go,
    /// Java.
    Java,
}

impl Lang {
    /// The language of a file, from its extension.
    #[must_use]
    pub fn from_extension(ext: &str) -> Option<Self> {
        Some(match ext {
            "js" | "jsx" | "mjs" | "cjs" | "ts" | "tsx" | "mts" | "cts" => Self::Js,
            "py" => Self::Python,
            "rs" => Self::Rust,
            "go" => Self::Go,
            "java" => Self::Java,
            _ => return None,
        })
    }
}

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An identifier or keyword.
    Ident,
    /// A string literal; the text is its content without quotes.
    Str,
    /// A number literal.
    Num,
    /// One punctuation character.
    Punct,
}

/// One token with the 1-based line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What the token is.
    pub kind: Kind,
    /// Identifier, literal content, number or punctuation character.
    pub text: String,
    /// The 1-based line where the token starts.
    pub line: u32,
    /// For strings: the literal contains interpolations, so `text` is not its value.
    pub dynamic: bool,
}

impl Token {
    /// True for the punctuation character `c`.
    #[must_use]
    pub fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct && self.text.len() == c.len_utf8() && self.text.starts_with(c)
    }

    /// True for the identifier `name`.
    #[must_use]
    pub fn is_ident(&self, name: &str) -> bool {
        self.kind == Kind::Ident && self.text == name
    }

    /// The value of a string literal without interpolations.
    #[must_use]
    pub fn static_str(&self) -> Option<&str> {
        (self.kind == Kind::Str && !self.dynamic).then_some(self.text.as_str())
    }
}

/// Lexes a whole source file.
#[must_use]
pub fn lex(lang: Lang, source: &str) -> Vec<Token> {
    let mut lexer = Lexer {
        src: source.as_bytes(),
        pos: 0,
        line: 1,
        lang,
        tokens: Vec::new(),
    };
    lexer.code(false);
    lexer.tokens
}

struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    line: u32,
    lang: Lang,
    tokens: Vec<Token>,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> u8 {
        self.src.get(self.pos + ahead).copied().unwrap_or(0)
    }

    fn bump(&mut self) -> u8 {
        let byte = self.peek(0);
        if byte == b'\n' {
            self.line += 1;
        }
        self.pos += 1;
        byte
    }

    fn push(&mut self, kind: Kind, text: String, line: u32) {
        self.tokens.push(Token {
            kind,
            text,
            line,
            dynamic: false,
        });
    }

    fn text(&self, start: usize, end: usize) -> String {
        String::from_utf8_lossy(&self.src[start..end]).into_owned()
    }

    /// Lexes code until the end of input, or (inside an interpolation) until the `}` that
    /// closes it, which is consumed.
    fn code(&mut self, in_interpolation: bool) {
        let mut depth = 0usize;
        while self.pos < self.src.len() {
            let c = self.peek(0);
            match c {
                b'\n' | b' ' | b'\t' | b'\r' => {
                    self.bump();
                }
                b'#' if self.lang == Lang::Python => self.line_comment(),
                b'/' if self.lang != Lang::Python && self.peek(1) == b'/' => self.line_comment(),
                b'/' if self.lang != Lang::Python && self.peek(1) == b'*' => self.block_comment(),
                b'/' if self.lang == Lang::Js && self.regex_allowed() => self.regex(),
                b'`' if self.lang == Lang::Js => self.template(),
                b'`' if self.lang == Lang::Go => self.raw_quoted(b'`'),
                b'"' | b'\'' => self.quoted_string(),
                b'r' | b'b' | b'u' | b'f' | b'R' | b'B' | b'U' | b'F' if self.string_prefix() => {}
                b'0'..=b'9' => self.number(),
                c if c == b'_' || c == b'$' || c.is_ascii_alphabetic() => self.ident(),
                b'{' => {
                    depth += 1;
                    self.punct();
                }
                b'}' => {
                    if in_interpolation && depth == 0 {
                        self.bump();
                        return;
                    }
                    depth = depth.saturating_sub(1);
                    self.punct();
                }
                c if c.is_ascii_punctuation() => self.punct(),
                _ => {
                    // Non-ASCII outside strings (identifiers in other scripts): skip the byte.
                    self.bump();
                }
            }
        }
    }

    fn punct(&mut self) {
        let line = self.line;
        let c = self.bump();
        self.push(Kind::Punct, char::from(c).to_string(), line);
    }

    fn line_comment(&mut self) {
        while self.pos < self.src.len() && self.peek(0) != b'\n' {
            self.bump();
        }
    }

    fn block_comment(&mut self) {
        self.bump();
        self.bump();
        let nests = self.lang == Lang::Rust;
        let mut depth = 1usize;
        while self.pos < self.src.len() {
            if self.peek(0) == b'*' && self.peek(1) == b'/' {
                self.bump();
                self.bump();
                depth -= 1;
                if depth == 0 {
                    return;
                }
            } else if nests && self.peek(0) == b'/' && self.peek(1) == b'*' {
                self.bump();
                self.bump();
                depth += 1;
            } else {
                self.bump();
            }
        }
    }

    fn number(&mut self) {
        let (start, line) = (self.pos, self.line);
        while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' || self.peek(0) == b'.' {
            if self.peek(0) == b'.' && !self.peek(1).is_ascii_digit() {
                break;
            }
            self.bump();
        }
        let text = self.text(start, self.pos);
        self.push(Kind::Num, text, line);
    }

    fn ident(&mut self) {
        let (start, line) = (self.pos, self.line);
        while self.peek(0) == b'_' || self.peek(0) == b'$' || self.peek(0).is_ascii_alphanumeric() {
            self.bump();
        }
        let text = self.text(start, self.pos);
        self.push(Kind::Ident, text, line);
    }

    /// A JavaScript `/` starts a regular expression where an operand is expected.
    fn regex_allowed(&self) -> bool {
        match self.tokens.last() {
            None => true,
            Some(token) => match token.kind {
                Kind::Punct => !matches!(token.text.as_str(), ")" | "]" | "}"),
                Kind::Ident => matches!(
                    token.text.as_str(),
                    "return" | "typeof" | "case" | "in" | "of" | "delete" | "void" | "throw"
                ),
                Kind::Str | Kind::Num => false,
            },
        }
    }

    fn regex(&mut self) {
        let line = self.line;
        self.bump();
        let mut in_class = false;
        while self.pos < self.src.len() {
            match self.bump() {
                b'\\' => {
                    self.bump();
                }
                b'[' => in_class = true,
                b']' => in_class = false,
                b'/' if !in_class => break,
                b'\n' => break,
                _ => {}
            }
        }
        while self.peek(0).is_ascii_alphabetic() {
            self.bump();
        }
        self.push(Kind::Punct, "/".to_owned(), line);
    }

    /// Handles string prefixes (`r"..."`, `f'...'`, `br#"..."#`); returns false when the
    /// letters start an ordinary identifier.
    fn string_prefix(&mut self) -> bool {
        let mut len = 0;
        while len < 2 && self.peek(len).is_ascii_alphabetic() {
            len += 1;
        }
        let prefix: Vec<u8> = self.src[self.pos..self.pos + len].to_ascii_lowercase();
        let next = self.peek(len);
        // A prefix must not be the tail of a longer identifier.
        if self.peek(len).is_ascii_alphanumeric() || self.peek(len) == b'_' {
            return false;
        }
        match self.lang {
            Lang::Python => {
                let valid = matches!(
                    prefix.as_slice(),
                    b"r" | b"b" | b"u" | b"f" | b"rb" | b"br" | b"fr" | b"rf"
                );
                if !valid || (next != b'"' && next != b'\'') {
                    return false;
                }
                let raw = prefix.contains(&b'r');
                let format = prefix.contains(&b'f');
                for _ in 0..len {
                    self.bump();
                }
                self.python_string(raw, format);
                true
            }
            Lang::Rust => {
                let valid = matches!(prefix.as_slice(), b"r" | b"b" | b"br");
                if !valid {
                    return false;
                }
                let raw = prefix.contains(&b'r');
                let mut hashes = 0;
                while self.peek(len + hashes) == b'#' {
                    hashes += 1;
                }
                if raw && self.peek(len + hashes) == b'"' {
                    for _ in 0..len {
                        self.bump();
                    }
                    self.rust_raw_string();
                    true
                } else if !raw && (next == b'"' || next == b'\'') {
                    for _ in 0..len {
                        self.bump();
                    }
                    self.quoted_string();
                    true
                } else {
                    false
                }
            }
            Lang::Js | Lang::Go | Lang::Java => false,
        }
    }

    fn quoted_string(&mut self) {
        let quote = self.peek(0);
        if quote == b'\'' && self.lang == Lang::Rust && self.is_lifetime() {
            // `'a` lifetime or label: skip the quote, the name lexes as an identifier.
            self.bump();
            return;
        }
        if self.lang == Lang::Python {
            self.python_string(false, false);
            return;
        }
        if self.lang == Lang::Java && self.peek(1) == b'"' && self.peek(2) == b'"' && quote == b'"'
        {
            self.triple(b'"', false, false);
            return;
        }
        let line = self.line;
        self.bump();
        let mut out = Vec::new();
        while self.pos < self.src.len() {
            let c = self.bump();
            if c == b'\\' {
                let escaped = self.bump();
                out.push(unescape(escaped));
            } else if c == quote {
                break;
            } else if c == b'\n' && self.lang != Lang::Rust {
                break; // unterminated: stop at the end of the line
            } else {
                out.push(c);
            }
        }
        let text = String::from_utf8_lossy(&out).into_owned();
        self.push(Kind::Str, text, line);
    }

    /// In Rust, `'x'` and `'\n'` are characters, `'a` and `'static` are lifetimes.
    fn is_lifetime(&self) -> bool {
        let next = self.peek(1);
        if next == b'\\' {
            return false;
        }
        let width = utf8_width(next);
        self.peek(1 + width) != b'\''
    }

    fn raw_quoted(&mut self, quote: u8) {
        let line = self.line;
        self.bump();
        let start = self.pos;
        while self.pos < self.src.len() && self.peek(0) != quote {
            self.bump();
        }
        let text = self.text(start, self.pos);
        self.bump();
        self.push(Kind::Str, text, line);
    }

    fn rust_raw_string(&mut self) {
        let line = self.line;
        let mut hashes = 0;
        while self.peek(0) == b'#' {
            hashes += 1;
            self.bump();
        }
        self.bump(); // opening quote
        let start = self.pos;
        while self.pos < self.src.len() {
            if self.peek(0) == b'"' && (1..=hashes).all(|i| self.peek(i) == b'#') {
                let text = self.text(start, self.pos);
                for _ in 0..=hashes {
                    self.bump();
                }
                self.push(Kind::Str, text, line);
                return;
            }
            self.bump();
        }
        let text = self.text(start, self.pos);
        self.push(Kind::Str, text, line);
    }

    fn python_string(&mut self, raw: bool, format: bool) {
        let quote = self.peek(0);
        if self.peek(1) == quote && self.peek(2) == quote {
            self.triple(quote, raw, format);
        } else {
            self.python_single(quote, raw, format);
        }
    }

    fn python_single(&mut self, quote: u8, raw: bool, format: bool) {
        let line = self.line;
        self.bump();
        let index = self.open_str(line);
        let mut out = Vec::new();
        while self.pos < self.src.len() {
            let c = self.peek(0);
            if c == b'\n' {
                break;
            }
            self.bump();
            if c == b'\\' {
                let escaped = self.bump();
                if raw {
                    out.extend([b'\\', escaped]);
                } else {
                    out.push(unescape(escaped));
                }
            } else if c == quote {
                break;
            } else if format && c == b'}' && self.peek(0) == b'}' {
                self.bump();
                out.push(b'}');
            } else if format && c == b'{' {
                self.format_brace(index, &mut out);
            } else {
                out.push(c);
            }
        }
        self.tokens[index].text = String::from_utf8_lossy(&out).into_owned();
    }

    /// After a `{` inside a format string: `{{` is a literal brace, anything else opens an
    /// interpolation, lexed as code, which makes the string dynamic.
    fn format_brace(&mut self, index: usize, out: &mut Vec<u8>) {
        if self.peek(0) == b'{' {
            self.bump();
            out.push(b'{');
        } else {
            self.tokens[index].dynamic = true;
            self.code(true);
        }
    }

    /// Python `'''`/`"""` strings and Java `"""` text blocks.
    fn triple(&mut self, quote: u8, raw: bool, format: bool) {
        let line = self.line;
        for _ in 0..3 {
            self.bump();
        }
        let index = self.open_str(line);
        let mut out = Vec::new();
        while self.pos < self.src.len() {
            if self.peek(0) == quote && self.peek(1) == quote && self.peek(2) == quote {
                for _ in 0..3 {
                    self.bump();
                }
                break;
            }
            let c = self.bump();
            if c == b'\\' {
                let escaped = self.bump();
                if raw {
                    out.extend([b'\\', escaped]);
                } else {
                    out.push(unescape(escaped));
                }
            } else if format && c == b'{' {
                self.format_brace(index, &mut out);
            } else {
                out.push(c);
            }
        }
        self.tokens[index].text = String::from_utf8_lossy(&out).into_owned();
    }

    /// A JavaScript template literal; `${...}` parts are lexed as code.
    fn template(&mut self) {
        let line = self.line;
        self.bump();
        let index = self.open_str(line);
        let mut out = Vec::new();
        while self.pos < self.src.len() {
            let c = self.bump();
            match c {
                b'\\' => {
                    let escaped = self.bump();
                    out.push(unescape(escaped));
                }
                b'`' => break,
                b'$' if self.peek(0) == b'{' => {
                    self.bump();
                    self.tokens[index].dynamic = true;
                    self.code(true);
                }
                _ => out.push(c),
            }
        }
        self.tokens[index].text = String::from_utf8_lossy(&out).into_owned();
    }

    /// Pushes a string token whose text is filled in when the literal ends, so it comes
    /// before the tokens of its interpolations.
    fn open_str(&mut self, line: u32) -> usize {
        self.push(Kind::Str, String::new(), line);
        self.tokens.len() - 1
    }
}

fn unescape(escaped: u8) -> u8 {
    match escaped {
        b'n' => b'\n',
        b't' => b'\t',
        b'r' => b'\r',
        b'0' => 0,
        other => other,
    }
}

fn utf8_width(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(lang: Lang, src: &str) -> Vec<(String, bool)> {
        lex(lang, src)
            .into_iter()
            .filter(|t| t.kind == Kind::Str)
            .map(|t| (t.text, t.dynamic))
            .collect()
    }

    fn idents(lang: Lang, src: &str) -> Vec<String> {
        lex(lang, src)
            .into_iter()
            .filter(|t| t.kind == Kind::Ident)
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn comments_yield_no_tokens_in_any_language() {
        assert!(lex(Lang::Python, "# process.env.X 'a'\n").is_empty());
        assert!(lex(Lang::Js, "// os.getenv('A')\n/* \"b\" */").is_empty());
        assert!(lex(Lang::Rust, "/* outer /* inner */ still comment */").is_empty());
    }

    #[test]
    fn code_inside_a_string_stays_a_string() {
        let tokens = lex(Lang::Js, r#"log("read process.env.SECRET here")"#);
        assert_eq!(
            idents(Lang::Js, r#"log("read process.env.SECRET here")"#),
            ["log"]
        );
        assert_eq!(tokens[2].text, "read process.env.SECRET here");
    }

    #[test]
    fn template_interpolation_is_code_and_marks_the_literal_dynamic() {
        let src = "const u = `x${process.env.HOST}y`;";
        assert_eq!(
            idents(Lang::Js, src),
            ["const", "u", "process", "env", "HOST"]
        );
        assert_eq!(strings(Lang::Js, src), [("xy".to_owned(), true)]);
    }

    #[test]
    fn python_fstring_interpolation_is_code_but_doubled_braces_are_text() {
        let src = "f\"{os.environ['A']} {{B}}\"";
        assert_eq!(idents(Lang::Python, src), ["os", "environ"]);
        assert_eq!(
            strings(Lang::Python, src),
            [(" {B}".to_owned(), true), ("A".to_owned(), false)]
        );
    }

    #[test]
    fn python_docstrings_and_prefixes_are_strings() {
        let src = "\"\"\"doc os.getenv('X')\"\"\"\nx = rb'\\d'\nfrom_ = 1";
        assert_eq!(
            strings(Lang::Python, src),
            [
                ("doc os.getenv('X')".to_owned(), false),
                ("\\d".to_owned(), false)
            ]
        );
        assert_eq!(idents(Lang::Python, src), ["x", "from_"]);
    }

    #[test]
    fn rust_lifetimes_are_not_char_literals_and_raw_strings_keep_quotes() {
        let src = "fn f<'a>(x: &'a str) -> char { let s = r#\"say \"hi\"\"#; 'x' }";
        assert_eq!(
            strings(Lang::Rust, src),
            [("say \"hi\"".to_owned(), false), ("x".to_owned(), false)]
        );
    }

    #[test]
    fn go_raw_strings_and_javascript_regexes() {
        assert_eq!(
            strings(Lang::Go, "x := `a\"b`"),
            [("a\"b".to_owned(), false)]
        );
        // The quote inside the regex must not open a string.
        assert_eq!(
            strings(Lang::Js, "const r = /it's/g; f('k')"),
            [("k".to_owned(), false)]
        );
        assert_eq!(
            strings(Lang::Js, "a = b / c; d('k')"),
            [("k".to_owned(), false)]
        );
    }

    #[test]
    fn lines_count_across_multiline_literals() {
        let tokens = lex(Lang::Java, "String a = \"\"\"\n1\n2\"\"\";\nfoo");
        assert_eq!(
            tokens.last().map(|t| (t.text.as_str(), t.line)),
            Some(("foo", 4))
        );
    }
}
