//! Line-preserving documents and the word-splitting rules Apache reads these files with.
//!
//! Every file type is a [`Document`]: its lines exactly as read (bytes and terminator), so
//! that writing an unedited document reproduces the input byte for byte, and an edit
//! rewrites only the lines it touches.

use crate::{Error, LineError, MAX_FILE_SIZE, MAX_LINE_LEN, MAX_LINES};

/// How a line was terminated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineEnding {
    /// `\n`.
    Lf,
    /// `\r\n`.
    CrLf,
    /// The last line of a file that does not end in a newline.
    None,
}

impl LineEnding {
    /// The terminator's bytes.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            LineEnding::Lf => b"\n",
            LineEnding::CrLf => b"\r\n",
            LineEnding::None => b"",
        }
    }
}

/// One line as read: its bytes without the terminator, and the terminator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawLine {
    pub(crate) text: Vec<u8>,
    pub(crate) ending: LineEnding,
}

/// Splits `input` into lines, enforcing [`MAX_FILE_SIZE`] and [`MAX_LINES`].
///
/// `\r\n` and `\n` terminate lines; a lone `\r` is part of the line's text.
pub(crate) fn split_lines(input: &[u8]) -> Result<Vec<RawLine>, Error> {
    if input.len() as u64 > MAX_FILE_SIZE {
        return Err(Error::FileTooLarge {
            limit: MAX_FILE_SIZE,
        });
    }
    let mut lines = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        if lines.len() >= MAX_LINES {
            return Err(Error::TooManyLines { limit: MAX_LINES });
        }
        match rest.iter().position(|&b| b == b'\n') {
            Some(nl) => {
                let (text, ending) = if nl > 0 && rest[nl - 1] == b'\r' {
                    (&rest[..nl - 1], LineEnding::CrLf)
                } else {
                    (&rest[..nl], LineEnding::Lf)
                };
                lines.push(RawLine {
                    text: text.to_vec(),
                    ending,
                });
                rest = &rest[nl + 1..];
            }
            None => {
                lines.push(RawLine {
                    text: rest.to_vec(),
                    ending: LineEnding::None,
                });
                rest = &[];
            }
        }
    }
    Ok(lines)
}

/// The terminator new lines get: CRLF if the file uses only CRLF, else LF.
pub(crate) fn dominant_ending(lines: &[RawLine]) -> LineEnding {
    let crlf = lines.iter().any(|l| l.ending == LineEnding::CrLf);
    let lf = lines.iter().any(|l| l.ending == LineEnding::Lf);
    if crlf && !lf {
        LineEnding::CrLf
    } else {
        LineEnding::Lf
    }
}

/// Prepares `lines` for a line to be appended: the last line gets a terminator if it has none.
pub(crate) fn terminate_last(lines: &mut [RawLine]) {
    let ending = dominant_ending(lines);
    if let Some(last) = lines.last_mut()
        && last.ending == LineEnding::None
    {
        last.ending = ending;
    }
}

/// Concatenates lines and terminators.
pub(crate) fn join_lines(lines: &[RawLine]) -> Vec<u8> {
    let len = lines.iter().map(|l| l.text.len() + 2).sum();
    let mut out = Vec::with_capacity(len);
    for l in lines {
        out.extend_from_slice(&l.text);
        out.extend_from_slice(l.ending.as_bytes());
    }
    out
}

/// What kind of line this is, under Apache's reading (`ap_cfg_getline` strips leading and
/// trailing white space; empty lines and lines starting with `#` are skipped).
pub(crate) enum LineClass<'a> {
    /// Blank or comment.
    Skip,
    /// A record candidate: the trimmed text.
    Record(&'a str),
}

/// Classifies a line, checking the limits every format shares.
pub(crate) fn classify(line: &RawLine, lineno: usize) -> Result<LineClass<'_>, Error> {
    let err = |kind| Error::Line { line: lineno, kind };
    if line.text.len() > MAX_LINE_LEN {
        return Err(err(LineError::TooLong));
    }
    if line.text.contains(&0) {
        return Err(err(LineError::Nul));
    }
    let text = core::str::from_utf8(&line.text).map_err(|_| err(LineError::NotUtf8))?;
    let trimmed = apache_trim(text);
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(LineClass::Skip);
    }
    if trimmed.ends_with('\\') {
        return Err(err(LineError::Continuation));
    }
    Ok(LineClass::Record(trimmed))
}

/// `apr_isspace`: the C locale's white space.
pub(crate) fn is_apr_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// Strips leading and trailing `apr_isspace` characters, as `cfg_trim_line` does.
pub(crate) fn apache_trim(s: &str) -> &str {
    s.trim_matches(is_apr_space)
}

/// Apache's `ap_getword(p, &line, ':')`: the text up to the first `:` (or the end), and the
/// rest after the run of `:` that follows it (so `a::b` splits as `a`, `b`).
pub(crate) fn getword_colon(s: &str) -> (&str, Option<&str>) {
    match s.find(':') {
        Some(i) => (&s[..i], Some(s[i..].trim_start_matches(':'))),
        None => (s, None),
    }
}

/// Apache's `ap_getword_conf` (server/util.c): one configuration word from `s`.
///
/// ```text
/// word    = *space ( quoted / bare ) *space
/// quoted  = DQUOTE *( "\" DQUOTE / "\\" / not-DQUOTE ) [ DQUOTE ]   ; likewise with "'"
/// bare    = 1*not-space                ; "\\" stands for "\"
/// ```
///
/// Returns the word (unescaped), the rest, and whether a quoted word lacked its closing
/// quote (Apache accepts that silently; we report it).
pub(crate) fn getword_conf(s: &str) -> (String, &str, bool) {
    let s = s.trim_start_matches(is_apr_space);
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else {
        return (String::new(), s, false);
    };
    let (body, end, unterminated, quote) = if first == b'"' || first == b'\'' {
        let mut i = 1;
        while i < bytes.len() && bytes[i] != first {
            if bytes[i] == b'\\'
                && i + 1 < bytes.len()
                && (bytes[i + 1] == first || bytes[i + 1] == b'\\')
            {
                i += 2;
            } else {
                i += 1;
            }
        }
        let unterminated = i >= bytes.len();
        let end = if unterminated { i } else { i + 1 };
        (&s[1..i], end, unterminated, Some(first))
    } else {
        let i = s.find(is_apr_space).unwrap_or(s.len());
        (&s[..i], i, false, None)
    };
    // `substring_conf`: a backslash before a backslash (or before the quote) is dropped.
    let mut word = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&n) = chars.peek()
            && (n == '\\' || Some(n as u32) == quote.map(u32::from))
        {
            word.push(n);
            chars.next();
            continue;
        }
        word.push(c);
    }
    let rest = s[end..].trim_start_matches(is_apr_space);
    (word, rest, unterminated)
}

/// Writes `word` so that [`getword_conf`] reads it back unchanged, or `None` if no quoting
/// can carry it.
pub(crate) fn quote_conf(word: &str) -> Option<String> {
    let needs_quotes = word.is_empty()
        || word.starts_with(['"', '\''])
        || word.contains(is_apr_space)
        || word.contains('\\');
    if !needs_quotes {
        return Some(word.to_owned());
    }
    for q in ['"', '\''] {
        let mut out = String::with_capacity(word.len() + 4);
        out.push(q);
        for c in word.chars() {
            if c == q || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push(q);
        let (back, rest, unterminated) = getword_conf(&out);
        if back == word && rest.is_empty() && !unterminated {
            return Some(out);
        }
    }
    None
}

/// Percent-encodes the characters an htmutual field cannot carry as they are: `%`, `:`,
/// `#`, white space and control characters. Other UTF-8 text is kept verbatim.
pub(crate) fn pct_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '%' || c == ':' || c == '#' || c.is_whitespace() || c.is_control() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push('%');
                out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
                out.push(char::from(HEX_UPPER[usize::from(b & 15)]));
            }
        } else {
            out.push(c);
        }
    }
    out
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Decodes `%XX` escapes (either case); the result must be UTF-8. Public data, variable time.
pub(crate) fn pct_decode_vartime(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hi = hex_val_vartime(*b.get(i + 1)?)?;
            let lo = hex_val_vartime(*b.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex_val_vartime(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// -1 (all ones) if `lo <= c <= hi`, else 0, without a branch on `c`.
fn ct_in_range(c: u8, lo: u8, hi: u8) -> i32 {
    let c = i32::from(c);
    ((i32::from(lo) - 1 - c) & (c - i32::from(hi) - 1)) >> 31
}

/// Decodes hex in time that depends only on the length (secret HA1 values).
///
/// Returns `None` if the length is odd or a character is not a hex digit; which character
/// is wrong is not revealed by timing.
pub(crate) fn ct_hex_decode(s: &[u8]) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 2);
    let mut valid: i32 = -1;
    for pair in s.chunks_exact(2) {
        let mut byte: i32 = 0;
        for &c in pair {
            let d = ct_in_range(c, b'0', b'9');
            let l = ct_in_range(c, b'a', b'f');
            let u = ct_in_range(c, b'A', b'F');
            let ci = i32::from(c);
            let v = (d & (ci - 0x30)) | (l & (ci - 0x61 + 10)) | (u & (ci - 0x41 + 10));
            valid &= d | l | u;
            byte = (byte << 4) | v;
        }
        out.push((byte & 0xff) as u8);
    }
    if valid == 0 {
        return None;
    }
    Some(out)
}

/// Lowercase hex in time that depends only on the length.
pub(crate) fn ct_hex_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        for n in [b >> 4, b & 15] {
            let n = i32::from(n);
            // n + '0', plus 39 ('a' - '0' - 10) when n > 9.
            let c = n + 0x30 + (((9 - n) >> 31) & 39);
            out.push(char::from((c & 0x7f) as u8));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_join_round_trip() {
        for input in [
            &b""[..],
            b"a",
            b"a\n",
            b"a\r\nb\n",
            b"\n\n",
            b"a\rb\r\n",
            b"x\r",
        ] {
            let lines = split_lines(input).unwrap();
            assert_eq!(join_lines(&lines), input);
        }
    }

    #[test]
    fn getword_colon_collapses_runs() {
        assert_eq!(getword_colon("a::b:c"), ("a", Some("b:c")));
        assert_eq!(getword_colon("a"), ("a", None));
        assert_eq!(getword_colon("a:"), ("a", Some("")));
    }

    #[test]
    fn getword_conf_like_apache() {
        assert_eq!(getword_conf("  a b"), ("a".into(), "b", false));
        assert_eq!(getword_conf(r#""a b" c"#), ("a b".into(), "c", false));
        assert_eq!(getword_conf(r#""a\"b""#), ("a\"b".into(), "", false));
        assert_eq!(getword_conf(r#"'a\\b'"#), ("a\\b".into(), "", false));
        assert_eq!(getword_conf(r#"a\\b"#), ("a\\b".into(), "", false));
        assert_eq!(getword_conf(r#"a\b"#), ("a\\b".into(), "", false));
        assert_eq!(getword_conf(r#""open"#), ("open".into(), "", true));
    }

    #[test]
    fn quote_conf_round_trips() {
        for w in ["a", "a b", "\"", "'", "a\\", "\\\\", "x\"y'z", "", "ü"] {
            let q = quote_conf(w).unwrap();
            let (back, rest, unterminated) = getword_conf(&q);
            assert_eq!((back.as_str(), rest, unterminated), (w, "", false), "{q}");
        }
    }

    #[test]
    fn hex_is_exact() {
        assert_eq!(ct_hex_decode(b"00ff7fA0").unwrap(), vec![0, 255, 127, 160]);
        assert!(ct_hex_decode(b"0g").is_none());
        assert!(ct_hex_decode(b"0").is_none());
        assert!(ct_hex_decode(b"/:@G`g").is_none());
        assert_eq!(ct_hex_encode(&[0, 9, 10, 255]), "00090aff");
        for b in 0..=255u8 {
            assert_eq!(
                ct_hex_decode(ct_hex_encode(&[b]).as_bytes()).unwrap(),
                vec![b]
            );
        }
    }

    #[test]
    fn pct_round_trip() {
        for s in ["https://h:8443", "a b%c#d", "ü:\u{1}", ""] {
            let e = pct_encode(s);
            assert!(!e.contains(':') && !e.contains(' '));
            assert_eq!(pct_decode_vartime(&e).unwrap(), s);
        }
        assert!(pct_decode_vartime("%zz").is_none());
        assert!(pct_decode_vartime("%ff").is_none());
    }
}
