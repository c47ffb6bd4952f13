//! Tokenising and masking: the hot path of [`crate::Miner::observe`].
//!
//! A message is split on whitespace into tokens. Each token is scanned once, left to right, by a
//! hand-written byte scanner (no regex) that cuts it at delimiter bytes (`: = , ; ( ) [ ] { } < >
//! " ' | / # & ?`) into segments and replaces variable segments by `<*>`:
//!
//! * a value right after `=` (up to `,`, `;`, `&` or the token end, without trailing closers);
//! * an absolute path (`/` at a segment start followed by a non-delimiter), up to a closer or a
//!   `:port` suffix; a Windows path (`C:\...`) up to a closer;
//! * a URL's part after `scheme://`;
//! * IPv6 and MAC addresses (hex groups separated by `:`, with `::` or at least five colons);
//! * UUIDs (8-4-4-4-12 hex);
//! * any segment containing a decimal digit: numbers, hex ids, IPv4 (`10.0.0.1:80` becomes
//!   `<*>:<*>`), durations (`1.5s`, `250ms`), sizes, versions, host names with digits. Two
//!   shapes keep some text: a single alphabetic word joined by `.` or `-` to a variable part keeps
//!   the word (`core.6161` -> `core.<*>`, `node-171` -> `node-<*>`), and `-`-separated parts that
//!   all hold digits keep the dashes (`2017-07-08` -> `<*>-<*>-<*>`);
//! * e-mail addresses (`name@host.tld`), even without digits.
//!
//! Everything else stays literal; words without digits (user names, states) are left to the
//! clustering step, which decides by cardinality.

/// The variable placeholder written into templates.
pub const WILDCARD: &str = "<*>";
pub(crate) const WILD: &[u8] = b"<*>";

/// Byte classes, one table lookup per byte.
const CLASS_DELIM: u8 = 1;
const CLASS_DIGIT: u8 = 2;
const CLASS_SPACE: u8 = 4;
const CLASS_HEX: u8 = 8;
const CLASS_ALPHA: u8 = 16;
const CLASS_AT: u8 = 32;
const CLASS_COLON: u8 = 64;
/// Lead bytes of the multi-byte Unicode whitespace characters (U+0085, U+00A0, U+1680,
/// U+2000..U+205F, U+3000): only these need a closer look.
const CLASS_UNICODE_SPACE_LEAD: u8 = 128;

static CLASSES: [u8; 256] = build_classes();

const fn build_classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let delims = b":=,;()[]{}<>\"'|/#&?";
    let mut i = 0;
    while i < delims.len() {
        table[delims[i] as usize] = CLASS_DELIM;
        i += 1;
    }
    table[b':' as usize] |= CLASS_COLON;
    table[b'@' as usize] = CLASS_AT;
    table[0xC2] = CLASS_UNICODE_SPACE_LEAD;
    table[0xE1] = CLASS_UNICODE_SPACE_LEAD;
    table[0xE2] = CLASS_UNICODE_SPACE_LEAD;
    table[0xE3] = CLASS_UNICODE_SPACE_LEAD;
    let spaces = b" \t\n\r\x0b\x0c";
    i = 0;
    while i < spaces.len() {
        table[spaces[i] as usize] = CLASS_SPACE;
        i += 1;
    }
    let mut c = b'0';
    while c <= b'9' {
        table[c as usize] = CLASS_DIGIT | CLASS_HEX;
        c += 1;
    }
    c = b'a';
    while c <= b'z' {
        table[c as usize] = CLASS_ALPHA | if c <= b'f' { CLASS_HEX } else { 0 };
        c += 1;
    }
    c = b'A';
    while c <= b'Z' {
        table[c as usize] = CLASS_ALPHA | if c <= b'F' { CLASS_HEX } else { 0 };
        c += 1;
    }
    table
}

#[inline]
fn class(b: u8) -> u8 {
    CLASSES[b as usize]
}

#[inline]
fn is_delim(b: u8) -> bool {
    class(b) & CLASS_DELIM != 0
}

#[inline]
fn is_digit(b: u8) -> bool {
    class(b) & CLASS_DIGIT != 0
}

#[inline]
fn is_hex(b: u8) -> bool {
    class(b) & CLASS_HEX != 0
}

#[inline]
fn is_alpha(b: u8) -> bool {
    class(b) & CLASS_ALPHA != 0
}

/// Bytes that end a path, URL or `=` value (besides the token end).
#[inline]
fn is_closer(b: u8) -> bool {
    matches!(b, b',' | b';' | b')' | b']' | b'}' | b'>' | b'"' | b'\'')
}

/// Receives the byte range (within the token) of every variable that was masked.
pub(crate) trait SpanSink {
    fn span(&mut self, start: usize, end: usize);
}

/// Discards spans: the hot path.
pub(crate) struct NoSpans;

impl SpanSink for NoSpans {
    #[inline]
    fn span(&mut self, _start: usize, _end: usize) {}
}

impl SpanSink for Vec<(usize, usize)> {
    fn span(&mut self, start: usize, end: usize) {
        self.push((start, end));
    }
}

/// Masks one token (no whitespace inside) and appends the masked text to `out`.
pub(crate) fn mask_token<S: SpanSink>(token: &[u8], out: &mut Vec<u8>, spans: &mut S) {
    let mut classes = 0u8;
    for &b in token {
        classes |= class(b);
    }
    mask_classified(token, classes, out, spans);
}

/// [`mask_token`] when the OR of the byte classes of the token is already known.
#[inline(always)]
pub(crate) fn mask_classified<S: SpanSink>(
    token: &[u8],
    classes: u8,
    out: &mut Vec<u8>,
    spans: &mut S,
) {
    if classes & (CLASS_DIGIT | CLASS_DELIM | CLASS_AT) == 0 {
        // A plain word: the common case.
        if is_calendar_word(token) || is_literal_value(token) || is_uuid(token) {
            emit_wild(out, spans, 0, token.len());
        } else {
            push_bytes(out, token);
        }
        return;
    }
    if classes == CLASS_DIGIT | CLASS_HEX && !token.contains(&b'-') {
        // Only digits (and dots or other class-less bytes): one number.
        emit_wild(out, spans, 0, token.len());
        return;
    }
    mask_structured(token, classes, out, spans);
}

/// The general scanner for tokens with digits or delimiters, kept out of line so that the
/// fast paths above inline into the caller.
#[inline(never)]
fn mask_structured<S: SpanSink>(token: &[u8], classes: u8, out: &mut Vec<u8>, spans: &mut S) {
    // One pass over tokens with a colon: URLs need `://`, IPv6/MAC addresses two colons.
    let (mut url, mut colons) = (false, 0usize);
    if classes & CLASS_COLON != 0 {
        for (i, &b) in token.iter().enumerate() {
            if b == b':' {
                colons += 1;
                url |= token[i + 1..].starts_with(b"//");
            }
        }
    }
    let colon = classes & CLASS_COLON != 0;
    let ipv6 = colons >= 2;
    let len = token.len();
    let mut pos = 0;
    let mut prev: u8 = 0; // the delimiter before the current position, 0 at the token start
    while pos < len {
        let b = token[pos];
        if is_delim(b) {
            // Absolute path: `/` at a segment start followed by a non-delimiter.
            if b == b'/'
                && (pos == 0 || (is_delim(token[pos - 1]) && token[pos - 1] != b'/'))
                && pos + 1 < len
                && !is_delim(token[pos + 1])
            {
                let end = path_end(token, pos);
                emit_wild(out, spans, pos, end);
                pos = end;
                prev = 0;
                continue;
            }
            out.push(b);
            prev = b;
            pos += 1;
            continue;
        }
        // A value after `=`.
        if prev == b'=' {
            let end = value_end(token, pos);
            if end > pos && value_is_variable(&token[pos..end]) {
                emit_wild(out, spans, pos, end);
                pos = end;
                prev = 0;
                continue;
            }
        }
        // A Windows path: `C:\...`.
        if colon
            && is_alpha(b)
            && token.get(pos + 1) == Some(&b':')
            && token.get(pos + 2) == Some(&b'\\')
        {
            let mut end = pos + 3;
            while end < len && !is_closer(token[end]) {
                end += 1;
            }
            let end = trim_trailing_dots(token, pos, end);
            emit_wild(out, spans, pos, end);
            pos = end;
            prev = 0;
            continue;
        }
        if let Some(end) = url.then(|| url_rest(token, pos)).flatten() {
            // `scheme://` then the rest
            let rest = pos + scheme_len(token, pos) + 3;
            push_bytes(out, &token[pos..rest]);
            emit_wild(out, spans, rest, end);
            pos = end;
            prev = 0;
            continue;
        }
        if let Some(end) = ipv6.then(|| ipv6_end(token, pos)).flatten() {
            emit_wild(out, spans, pos, end);
            pos = end;
            prev = 0;
            continue;
        }
        let mut end = pos;
        let mut digits = false;
        while end < len && !is_delim(token[end]) {
            digits |= is_digit(token[end]);
            end += 1;
        }
        if colon && token.get(end) == Some(&b':') && is_endpoint_host(token, pos, end) {
            emit_wild(out, spans, pos, end);
        } else {
            mask_segment(token, pos, end, digits, out, spans);
        }
        pos = end;
        prev = 0;
    }
}

/// Appends a slice. (A byte loop for short slices was tried: more instructions, no faster.)
#[inline]
fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(bytes);
}

#[inline]
fn emit_wild<S: SpanSink>(out: &mut Vec<u8>, spans: &mut S, start: usize, end: usize) {
    out.extend_from_slice(WILD);
    spans.span(start, end);
}

/// End of an absolute path starting at `start` (a `/`).
fn path_end(token: &[u8], start: usize) -> usize {
    let len = token.len();
    let mut end = start + 1;
    while end < len {
        let b = token[end];
        if is_closer(b) {
            break;
        }
        if b == b':' && (end + 1 == len || is_digit(token[end + 1]) || is_delim(token[end + 1])) {
            break;
        }
        end += 1;
    }
    trim_trailing_dots(token, start, end)
}

fn trim_trailing_dots(token: &[u8], start: usize, mut end: usize) -> usize {
    while end > start + 1 && token[end - 1] == b'.' {
        end -= 1;
    }
    end
}

/// End of a value after `=`: up to `,`, `;`, `&` or the end, without trailing closers.
fn value_end(token: &[u8], start: usize) -> usize {
    let len = token.len();
    // A value that opens with a bracket or quote is scanned structurally instead.
    if matches!(token[start], b'<' | b'(' | b'[' | b'{' | b'"' | b'\'') {
        return start;
    }
    let mut end = start;
    while end < len && !matches!(token[end], b',' | b';' | b'&') {
        end += 1;
    }
    while end > start
        && matches!(
            token[end - 1],
            b')' | b']' | b'}' | b'>' | b'"' | b'\'' | b'.' | b':'
        )
    {
        end -= 1;
    }
    end
}

/// A value after `=` is masked whole when it holds a digit, a path or URL separator or an
/// `@`; a plain word (`tty=ssh`, `acpi=force`) is left to the clustering step.
fn value_is_variable(value: &[u8]) -> bool {
    value
        .iter()
        .any(|&b| is_digit(b) || matches!(b, b'/' | b':' | b'@'))
}

fn scheme_len(token: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < token.len()
        && (is_alpha(token[i]) || is_digit(token[i]) || matches!(token[i], b'+' | b'.' | b'-'))
    {
        i += 1;
    }
    i - start
}

/// If a URL starts at `start` (`scheme://...`), the end of its part after `://`.
fn url_rest(token: &[u8], start: usize) -> Option<usize> {
    if !is_alpha(token[start]) {
        return None;
    }
    let scheme_end = start + scheme_len(token, start);
    if !token[scheme_end..].starts_with(b"://") {
        return None;
    }
    let rest = scheme_end + 3;
    let mut end = rest;
    while end < token.len() && !is_closer(token[end]) {
        end += 1;
    }
    let end = trim_trailing_dots(token, rest, end);
    (end > rest && token[rest] != b'.').then_some(end)
}

/// If an IPv6 or MAC address starts at `start`, its end.
/// True when `token[start..colon]`, followed by `:` at `colon`, is the host of a network
/// endpoint `host.domain.tld:port`: a DNS name of at least two labels ending in a lower-case
/// letter label that is not a source file extension (so not `Engine.cpp:1400`, a Java
/// `Class.method:12` or an IPv4 address, which has a rule of its own) before a numeric port.
/// The host is a value, and the port another, as with IPv4: `<*>:<*>`.
fn is_endpoint_host(token: &[u8], start: usize, colon: usize) -> bool {
    // `Engine.cpp:1400`, `main.go:42`: a source file and line, not an endpoint.
    const SOURCE: [&[u8]; 24] = [
        b"c", b"h", b"cc", b"cpp", b"hpp", b"cxx", b"m", b"mm", b"java", b"kt", b"scala",
        b"groovy", b"py", b"rb", b"go", b"rs", b"js", b"jsx", b"ts", b"tsx", b"php", b"cs",
        b"swift", b"lua",
    ];
    let host = &token[start..colon];
    if !host.contains(&b'.') {
        return false;
    }
    let mut labels = 0;
    for label in host.split(|&b| b == b'.') {
        if label.is_empty()
            || !label
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return false;
        }
        labels += 1;
    }
    let Some(tld) = host.rsplit(|&b| b == b'.').next() else {
        return false;
    };
    if labels < 2 || !tld.iter().all(u8::is_ascii_lowercase) {
        return false;
    }
    if labels == 2 && SOURCE.contains(&tld) {
        return false;
    }
    let port = token[colon + 1..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let boundary = token
        .get(colon + 1 + port)
        .is_none_or(|&b| !b.is_ascii_alphanumeric());
    (1..=5).contains(&port) && boundary
}

fn ipv6_end(token: &[u8], start: usize) -> Option<usize> {
    let len = token.len();
    let mut end = start;
    let mut colons = 0;
    let mut double = false;
    let mut digit = false;
    let mut group = 0;
    while end < len {
        let b = token[end];
        if b == b':' {
            colons += 1;
            if end > start && token[end - 1] == b':' {
                double = true;
            }
            group = 0;
        } else if is_hex(b) {
            digit |= is_digit(b);
            group += 1;
            if group > 4 {
                return None;
            }
        } else {
            break;
        }
        end += 1;
    }
    // must not run on into a word
    if end < len && (is_alpha(token[end]) || token[end] == b'_') {
        return None;
    }
    while end > start && token[end - 1] == b':' && !(end >= 2 && token[end - 2] == b':') {
        end -= 1;
        colons -= 1;
    }
    (digit && colons >= 2 && (double || colons >= 5)).then_some(end)
}

fn is_uuid(seg: &[u8]) -> bool {
    seg.len() == 36
        && seg.iter().enumerate().all(|(i, &b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                b == b'-'
            } else {
                is_hex(b)
            }
        })
}

/// English month and weekday names, abbreviated or full, capitalised or upper case: parts of
/// a timestamp.
fn is_calendar_word(seg: &[u8]) -> bool {
    const WORDS: [&[u8]; 19] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"sept", b"oct",
        b"nov", b"dec", b"mon", b"tue", b"wed", b"thu", b"fri", b"sat",
    ];
    if seg.len() < 3 || seg.len() > 4 || !seg[0].is_ascii_uppercase() {
        return false;
    }
    let mut lower = [0u8; 4];
    for (l, b) in lower.iter_mut().zip(seg) {
        *l = b.to_ascii_lowercase();
    }
    let lower = &lower[..seg.len()];
    lower == b"sun" || WORDS.contains(&lower)
}

/// The literals of JSON and most languages, `true`, `false`, `null`, `nil`, in any case: values
/// (flags, unset fields), whatever key they stand beside.
fn is_literal_value(seg: &[u8]) -> bool {
    if seg.len() < 3 || seg.len() > 5 || !matches!(seg[0] | 0x20, b't' | b'f' | b'n') {
        return false;
    }
    let mut lower = [0u8; 5];
    for (l, b) in lower.iter_mut().zip(seg) {
        *l = b.to_ascii_lowercase();
    }
    matches!(&lower[..seg.len()], b"true" | b"false" | b"null" | b"nil")
}

fn is_email(seg: &[u8]) -> bool {
    let Some(at) = seg.iter().position(|&b| b == b'@') else {
        return false;
    };
    at > 0
        && at + 1 < seg.len()
        && seg[at + 1..].contains(&b'.')
        && seg[at + 1].is_ascii_alphanumeric()
        && seg[at - 1].is_ascii_alphanumeric()
}

/// Masks one segment (no delimiter inside) `token[start..end]`.
fn mask_segment<S: SpanSink>(
    token: &[u8],
    start: usize,
    end: usize,
    digits: bool,
    out: &mut Vec<u8>,
    spans: &mut S,
) {
    let seg = &token[start..end];
    if !digits {
        if is_email(seg) || is_uuid(seg) || is_calendar_word(seg) || is_literal_value(seg) {
            emit_wild(out, spans, start, end);
        } else {
            push_bytes(out, seg);
        }
        return;
    }
    if is_uuid(seg) {
        emit_wild(out, spans, start, end);
        return;
    }
    // A function name (`jk2_init()`): a word with an underscore, right before `(`.
    if token.get(end) == Some(&b'(') && is_alpha(seg[0]) && seg.contains(&b'_') {
        push_bytes(out, seg);
        return;
    }
    // A word with one trailing digit names a thing (`ssh2`, `eth0`, `tty1`): keep it.
    if seg.len() >= 3
        && is_digit(seg[seg.len() - 1])
        && seg[..seg.len() - 1].iter().all(|&b| is_alpha(b))
    {
        push_bytes(out, seg);
        return;
    }
    // `-`-separated parts that all hold a digit: `2017-07-08` -> `<*>-<*>-<*>`.
    if seg[0] != b'-' && seg[seg.len() - 1] != b'-' && seg.contains(&b'-') {
        let all = seg
            .split(|&b| b == b'-')
            .all(|part| part.iter().any(|&b| is_digit(b)));
        if all {
            let mut part_start = start;
            for (i, &b) in seg.iter().enumerate() {
                if b == b'-' {
                    emit_wild(out, spans, part_start, start + i);
                    out.push(b'-');
                    part_start = start + i + 1;
                }
            }
            emit_wild(out, spans, part_start, end);
            return;
        }
    }
    // A single alphabetic word joined by a run of `.` or `-` to the variable part.
    let word = seg
        .iter()
        .take_while(|&&b| is_alpha(b) || b == b'_')
        .count();
    if word > 0 && word < seg.len() && seg[word - 1] != b'_' {
        let sep = seg[word];
        if sep == b'.' || sep == b'-' {
            let rest = word + seg[word..].iter().take_while(|&&b| b == sep).count();
            let tail = &seg[rest..];
            if !tail.is_empty() && !tail.iter().any(|&b| b == b'.' || b == b'-') {
                push_bytes(out, &seg[..rest]);
                emit_wild(out, spans, start + rest, end);
                return;
            }
        }
    }
    emit_wild(out, spans, start, end);
}

/// Calls `f(start, end, tail, classes)` for each whitespace-separated token of `text`, at most `max_tokens`;
/// `classes` is the OR of the byte classes of the token; the last allowed token runs to the end of the text (trailing whitespace excluded) when there
/// are more. Returns true when the cap cut the line.
pub(crate) fn for_each_token(
    text: &str,
    max_tokens: usize,
    mut f: impl FnMut(usize, usize, bool, u8),
) -> bool {
    let bytes = text.as_bytes();
    let len = bytes.len();
    let mut pos = 0;
    let mut count = 0;
    loop {
        // skip whitespace
        while pos < len {
            let c = class(bytes[pos]);
            if c & CLASS_SPACE != 0 {
                pos += 1;
            } else if c & CLASS_UNICODE_SPACE_LEAD != 0 {
                let w = unicode_space_len(text, pos);
                if w == 0 {
                    break;
                }
                pos += w;
            } else {
                break;
            }
        }
        if pos >= len {
            return false;
        }
        count += 1;
        if count == max_tokens {
            // the rest of the line, unless it is a single token anyway
            let rest = text[pos..].trim_end();
            let end = pos + rest.len();
            let single = !rest.contains(char::is_whitespace);
            let classes = bytes[pos..end].iter().fold(0, |acc, &b| acc | class(b));
            f(pos, end, !single, classes);
            return !single;
        }
        let start = pos;
        let mut classes = 0u8;
        for &b in &bytes[start..] {
            let c = CLASSES[b as usize];
            if c & (CLASS_SPACE | CLASS_UNICODE_SPACE_LEAD) != 0
                && (c & CLASS_SPACE != 0 || unicode_space_len(text, pos) > 0)
            {
                break;
            }
            classes |= c;
            pos += 1;
        }
        f(start, pos, false, classes);
    }
}

/// Length in bytes of the Unicode whitespace character at `pos`, or 0.
fn unicode_space_len(text: &str, pos: usize) -> usize {
    if !text.is_char_boundary(pos) {
        return 0;
    }
    match text[pos..].chars().next() {
        Some(c) if c.is_whitespace() => c.len_utf8(),
        _ => 0,
    }
}

/// One token of a masked message, with where it came from.
#[derive(Debug, Clone)]
pub(crate) struct MaskedToken {
    /// Byte range of the raw token in the message.
    pub raw: (usize, usize),
    /// Byte range of the masked text in [`MaskedLine::text`].
    pub masked: (usize, usize),
    /// Raw byte ranges (in the message) behind each `<*>` of the masked token.
    pub vars: Vec<(usize, usize)>,
}

/// A message masked with spans kept: used to extract parameters (not on the hot path).
#[derive(Debug, Clone, Default)]
pub(crate) struct MaskedLine {
    pub text: String,
    pub tokens: Vec<MaskedToken>,
}

impl MaskedLine {
    pub fn token_text(&self, i: usize) -> &str {
        let (a, b) = self.tokens[i].masked;
        &self.text[a..b]
    }
}

/// Masks a whole message keeping the spans of every variable.
pub(crate) fn mask_with_spans(message: &str, max_tokens: usize) -> MaskedLine {
    let mut out = Vec::with_capacity(message.len());
    let mut tokens = Vec::new();
    for_each_token(message, max_tokens, |start, end, tail, _| {
        if !out.is_empty() {
            out.push(b' ');
        }
        let masked_start = out.len();
        let mut vars = Vec::new();
        if tail {
            out.extend_from_slice(WILD);
            vars.push((start, end));
        } else {
            let mut local: Vec<(usize, usize)> = Vec::new();
            mask_token(&message.as_bytes()[start..end], &mut out, &mut local);
            vars.extend(local.into_iter().map(|(a, b)| (start + a, start + b)));
        }
        tokens.push(MaskedToken {
            raw: (start, end),
            masked: (masked_start, out.len()),
            vars,
        });
    });
    // Masking only ever replaces whole UTF-8 sequences: every cut is at an ASCII byte.
    let text = String::from_utf8(out).unwrap_or_default();
    MaskedLine { text, tokens }
}

/// Masks one token to a `String` (for tests and documentation).
#[must_use]
pub fn mask_word(token: &str) -> String {
    let mut out = Vec::with_capacity(token.len());
    mask_token(token.as_bytes(), &mut out, &mut NoSpans);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests;
