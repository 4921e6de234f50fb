//! Request-path normalisation: one form of the path, made once at the edge.
//!
//! A server that chooses its location (and so its access policy) on one form of the path
//! and serves the file, evaluates `Require expr` or forwards upstream on another form can
//! be walked around: `/docs//internal`, `/docs/./internal` and `/docs/%69nternal` name the
//! same resource as `/docs/internal`. [`NormalizedPath::parse`] produces the single form
//! every later step must use, and nothing else.
//!
//! # What the normal form is
//!
//! It follows what Apache httpd 2.4 does in `ap_process_request_internal`, so that a
//! configuration written for httpd means the same here:
//!
//! 1. Decoding (RFC 3986 section 6.2.2.2, percent-encoding normalisation): every `%XX`
//!    triplet is decoded once (`%252e` becomes the three characters `%2e`, never `.`),
//!    like `ap_unescape_url`. httpd matches `<Location>` and maps files on this fully
//!    decoded path, so the location choice here does too. A `%` that is not followed by
//!    two hexadecimal digits is [`PathError::BadEscape`] (httpd: 400). An encoded `/`
//!    (`%2F`) is [`PathError::EncodedSlash`] and an encoded NUL (`%00`) is
//!    [`PathError::EncodedNul`] (httpd with `AllowEncodedSlashes Off`, its default: 404).
//! 2. Dot segments (RFC 3986 section 6.2.2.3 and the `remove_dot_segments` algorithm of
//!    section 5.2.4, httpd's `ap_normalize_path`): `.` segments are removed and `..`
//!    removes the segment before it, whether written as `.`, `%2e` or `%2E`. A `..` that
//!    would climb above the root is refused ([`PathError::AboveRoot`], httpd: 400) rather
//!    than clamped as section 5.2.4 would do for a reference: a client that sends it is
//!    probing, and httpd refuses it too.
//! 3. Slash merging (httpd's `MergeSlashes On`, its default): empty segments are dropped,
//!    so `//a///b` is `/a/b`. A trailing `/` is kept (`/a/` and `/a` are different
//!    resources), and so is a trailing `/` left by a final `.` or `..` segment
//!    (section 5.2.4: `/a/b/..` is `/a/`).
//!
//! As in httpd, the dot-segment step runs before an escape in a segment is checked, so an
//! escape in a segment that a later `..` removes does not matter (`/a/%zz/../b` is
//! `/a/b`), and a bad escape (400) takes precedence over an encoded slash (404).
//!
//! Deliberate deviations from httpd, each refusing what httpd would accept:
//! - a decoded path that is not UTF-8 (`%FF`) is [`PathError::NotUtf8`] (400); httpd
//!   works on bytes and would look for (or forward) such a name;
//! - a request-target with control characters, a space or `#` is
//!   [`PathError::InvalidCharacter`] (400); httpd refuses most of these while reading the
//!   request line already.
//!
//! The query (RFC 3986 section 3.4) is kept exactly as received: httpd's `QUERY_STRING`
//! is not decoded either, and its encoding is the application's business.
//!
//! `;` has no special meaning (RFC 3986 section 3.3 leaves parameters in segments to the
//! scheme; httpd treats `;` as an ordinary character), so `/a;x/b` is the segment `a;x`.
//! Matching is case-sensitive, as httpd's on a case-sensitive file system.

use std::fmt;

/// Longest request-target [`NormalizedPath::parse`] accepts, in bytes (httpd's default
/// `LimitRequestLine` is 8190 bytes for the whole request line).
pub const MAX_TARGET_LEN: usize = 8192;

/// Why a request-target has no normal form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// The request-target is not in origin-form (RFC 9112 section 3.2.1: it must start
    /// with `/`); `*` and authority-form are not paths.
    #[error("request-target is not in origin-form")]
    NotOriginForm,
    /// The request-target is longer than [`MAX_TARGET_LEN`].
    #[error("request-target longer than {MAX_TARGET_LEN} bytes")]
    TooLong,
    /// A byte that may not appear in a request-target (a control character, a space,
    /// DEL or `#`), at this byte offset.
    #[error("invalid character in request-target at byte {0}")]
    InvalidCharacter(usize),
    /// A `%` not followed by two hexadecimal digits (RFC 3986 section 2.1), at this byte
    /// offset of the request-target.
    #[error("malformed percent-encoding at byte {0}")]
    BadEscape(usize),
    /// `%2F` in the path: an encoded slash is refused as httpd's `AllowEncodedSlashes Off`
    /// does, since it would make a segment that contains a `/`.
    #[error("encoded slash in the path")]
    EncodedSlash,
    /// `%00` in the path.
    #[error("encoded nul in the path")]
    EncodedNul,
    /// A `..` segment that would climb above the root.
    #[error("dot-dot segment above the root")]
    AboveRoot,
    /// The decoded path is not UTF-8.
    #[error("decoded path is not utf-8")]
    NotUtf8,
}

impl PathError {
    /// The HTTP status code httpd 2.4 answers for this error: 404 for an encoded slash or
    /// NUL (`AllowEncodedSlashes Off`, `ap_unescape_url`), 400 for everything else.
    pub fn http_status(&self) -> u16 {
        match self {
            PathError::EncodedSlash | PathError::EncodedNul => 404,
            PathError::NotOriginForm
            | PathError::TooLong
            | PathError::InvalidCharacter(_)
            | PathError::BadEscape(_)
            | PathError::AboveRoot
            | PathError::NotUtf8 => 400,
        }
    }
}

/// An origin-form request-target (RFC 9112 section 3.2.1, `absolute-path [ "?" query ]`)
/// with its path decoded and normalised (see the [module documentation](self)).
///
/// Build it once per request, before anything looks at the path, and pass only this value
/// on: to the location choice ([`NormalizedPath::prefix_match`]), to access rules (the
/// decoded path is httpd's `REQUEST_URI` / `r->uri`), to a file mapping and, through
/// [`NormalizedPath::to_encoded`], to an upstream.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NormalizedPath {
    /// Decoded, normalised, starts with `/`.
    path: String,
    /// As received, without the `?`.
    query: Option<String>,
}

impl fmt::Debug for NormalizedPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NormalizedPath")
            .field("path", &self.path)
            .field("query", &self.query)
            .finish()
    }
}

impl fmt::Display for NormalizedPath {
    /// The encoded form ([`NormalizedPath::to_encoded`]) followed by `?query`, if any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_encoded())?;
        if let Some(q) = &self.query {
            write!(f, "?{q}")?;
        }
        Ok(())
    }
}

/// What one `/`-separated piece of the raw path turned out to be.
enum Piece {
    /// Empty (from `//`, or the end of a path with a trailing `/`).
    Empty,
    /// `.` or an encoding of it.
    Dot,
    /// `..` or an encoding of it.
    DotDot,
    /// Anything else: its decoded bytes and the first problem an escape in it has, to be
    /// reported only if the segment survives dot-segment removal (as in httpd, which
    /// normalises before it unescapes).
    Segment(Vec<u8>, Option<PathError>),
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one raw segment starting at byte `offset` of the target (for error offsets).
fn piece(raw: &[u8], offset: usize) -> Piece {
    if raw.is_empty() {
        return Piece::Empty;
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut problem: Option<PathError> = None;
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'%' {
            out.push(b);
            i += 1;
            continue;
        }
        let decoded = match (raw.get(i + 1).copied(), raw.get(i + 2).copied()) {
            (Some(h), Some(l)) => hex(h).zip(hex(l)).map(|(h, l)| (h << 4) | l),
            _ => None,
        };
        match decoded {
            Some(v) => {
                let p = match v {
                    0 => Some(PathError::EncodedNul),
                    b'/' => Some(PathError::EncodedSlash),
                    _ => None,
                };
                // httpd: a bad escape (400) wins over an encoded slash or NUL (404).
                if p.is_some() && problem.is_none() {
                    problem = p;
                }
                out.push(v);
                i += 3;
            }
            None => {
                if !matches!(problem, Some(PathError::BadEscape(_))) {
                    problem = Some(PathError::BadEscape(offset + i));
                }
                out.push(b'%');
                i += 1;
            }
        }
    }
    match (out.as_slice(), &problem) {
        (b".", None) => Piece::Dot,
        (b"..", None) => Piece::DotDot,
        _ => Piece::Segment(out, problem),
    }
}

/// True for the bytes RFC 3986 lets stand unencoded in a path segment: `unreserved`,
/// `sub-delims`, `:` and `@` (section 3.3, `pchar`). httpd's `ap_proxy_canonenc` for a
/// path leaves the same set (plus `/`) alone.
fn is_pchar_literal(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
        )
}

impl NormalizedPath {
    /// Parses an origin-form request-target (`absolute-path [ "?" query ]`, RFC 9112
    /// section 3.2.1) and normalises its path (see the [module documentation](self)).
    ///
    /// # Errors
    /// [`PathError`]; [`PathError::http_status`] gives the status to answer with.
    pub fn parse(target: &str) -> Result<NormalizedPath, PathError> {
        if target.len() > MAX_TARGET_LEN {
            return Err(PathError::TooLong);
        }
        if let Some(i) = target
            .bytes()
            .position(|b| b <= b' ' || b == 0x7f || b == b'#')
        {
            return Err(PathError::InvalidCharacter(i));
        }
        let (raw_path, query) = match target.split_once('?') {
            Some((p, q)) => (p, Some(q.to_owned())),
            None => (target, None),
        };
        let Some(rest) = raw_path.strip_prefix('/') else {
            return Err(PathError::NotOriginForm);
        };
        // RFC 3986 section 5.2.4 over the segments, with empty segments merged (httpd
        // `MergeSlashes On`) and `..` above the root refused (httpd, not the RFC).
        let mut out: Vec<(Vec<u8>, Option<PathError>)> = Vec::new();
        let mut trailing_slash = false;
        let mut offset = 1;
        for raw in rest.split('/') {
            let p = piece(raw.as_bytes(), offset);
            offset += raw.len() + 1;
            trailing_slash = match p {
                Piece::Empty | Piece::Dot => true,
                Piece::DotDot => {
                    if out.pop().is_none() {
                        return Err(PathError::AboveRoot);
                    }
                    true
                }
                Piece::Segment(bytes, problem) => {
                    out.push((bytes, problem));
                    false
                }
            };
        }
        // Escapes are judged only in the segments that remain; a bad escape (400) is
        // reported before an encoded slash or NUL (404), as `ap_unescape_url` does.
        let problems = out.iter().filter_map(|(_, p)| p.as_ref());
        if let Some(e) = problems
            .clone()
            .find(|p| matches!(p, PathError::BadEscape(_)))
            .or_else(|| problems.clone().next())
        {
            return Err(e.clone());
        }
        let mut bytes = Vec::with_capacity(raw_path.len());
        for (seg, _) in &out {
            bytes.push(b'/');
            bytes.extend_from_slice(seg);
        }
        if bytes.is_empty() || trailing_slash {
            bytes.push(b'/');
        }
        let path = String::from_utf8(bytes).map_err(|_| PathError::NotUtf8)?;
        Ok(NormalizedPath { path, query })
    }

    /// The decoded, normalised path: starts with `/`, has no empty, `.` or `..` segment,
    /// no `%`-escapes (a `%` in it is a literal percent sign) and no `/` other than the
    /// separators. This is what locations, access rules (`REQUEST_URI`) and file mappings
    /// see.
    pub fn as_str(&self) -> &str {
        &self.path
    }

    /// The query as received (without `?`), or `None` when the target had no `?`.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// The path in canonical percent-encoded form, to send upstream (RFC 3986 section
    /// 6.2.2: the normalised path re-encoded so that it decodes to exactly
    /// [`as_str`](Self::as_str)). Every byte outside `unreserved`, `sub-delims`, `:`, `@`
    /// and `/` is written as `%XX` with upper-case hexadecimal digits (section 2.1); this
    /// is the set httpd's `mod_proxy` re-encodes (`ap_proxy_canonenc`). An upstream that
    /// decodes and normalises the result gets back [`as_str`](Self::as_str), never a
    /// different resource: no `%2F`, `..` or `//` survives.
    pub fn to_encoded(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut s = String::with_capacity(self.path.len());
        for &b in self.path.as_bytes() {
            if b == b'/' || is_pchar_literal(b) {
                s.push(char::from(b));
            } else {
                s.push('%');
                s.push(char::from(HEX[usize::from(b >> 4)]));
                s.push(char::from(HEX[usize::from(b & 0xf)]));
            }
        }
        s
    }

    /// True when the location `prefix` covers this path on segment boundaries:
    /// see [`prefix_match_len`].
    pub fn matches_prefix(&self, prefix: &str) -> bool {
        prefix_match_len(prefix, &self.path).is_some()
    }

    /// [`prefix_match_len`] of `prefix` against this path.
    pub fn prefix_match(&self, prefix: &str) -> Option<usize> {
        prefix_match_len(prefix, &self.path)
    }
}

/// Segment-wise prefix match of a location `prefix` (a normalised path, see
/// [`normalize_location`]) against a normalised `path`; returns the length of the
/// prefix without its trailing `/`, so that the longest match can be chosen.
///
/// `/a` and `/a/` both cover `/a`, `/a/` and `/a/b`, never `/ab`; `/` covers everything
/// (length 0).
pub fn prefix_match_len(prefix: &str, path: &str) -> Option<usize> {
    let p = prefix.trim_end_matches('/');
    if p.is_empty() {
        return prefix.starts_with('/').then_some(0);
    }
    let rest = path.strip_prefix(p)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(p.len())
}

/// The normal form of a location path from a configuration file, for matching with
/// [`prefix_match_len`] and for finding duplicates: the path is normalised as a request
/// path would be (so `/a/./b`, `/a//b` and `/a/%62` are all `/a/b`) and a trailing `/` is
/// dropped (except for `/` itself), since matching ignores it.
///
/// # Errors
/// The path has no normal form ([`PathError`]) or has a query
/// ([`PathError::InvalidCharacter`] at the `?`).
pub fn normalize_location(path: &str) -> Result<String, PathError> {
    if let Some(i) = path.find('?') {
        return Err(PathError::InvalidCharacter(i));
    }
    let n = NormalizedPath::parse(path)?;
    let trimmed = n.as_str().trim_end_matches('/');
    Ok(if trimmed.is_empty() {
        "/".to_owned()
    } else {
        trimmed.to_owned()
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn norm(t: &str) -> Result<String, PathError> {
        NormalizedPath::parse(t).map(|p| p.as_str().to_owned())
    }

    /// RFC 3986 section 5.4 examples whose results are absolute paths (the base
    /// `http://a/b/c/d;p?q` merged with the reference, then `remove_dot_segments`).
    #[test]
    fn rfc3986_5_4_dot_segments() {
        for (merged, want) in [
            ("/b/c/g", "/b/c/g"),
            ("/b/c/./g", "/b/c/g"),
            ("/b/c/g/", "/b/c/g/"),
            ("/b/c/.", "/b/c/"),
            ("/b/c/./", "/b/c/"),
            ("/b/c/..", "/b/"),
            ("/b/c/../", "/b/"),
            ("/b/c/../g", "/b/g"),
            ("/b/c/../..", "/"),
            ("/b/c/../../", "/"),
            ("/b/c/../../g", "/g"),
            ("/b/c/g.", "/b/c/g."),
            ("/b/c/.g", "/b/c/.g"),
            ("/b/c/g..", "/b/c/g.."),
            ("/b/c/..g", "/b/c/..g"),
            ("/b/c/./../g", "/b/g"),
            ("/b/c/./g/.", "/b/c/g/"),
            ("/b/c/g/./h", "/b/c/g/h"),
            ("/b/c/g/../h", "/b/c/h"),
            ("/b/c/g;x=1/./y", "/b/c/g;x=1/y"),
            ("/b/c/g;x=1/../y", "/b/c/y"),
        ] {
            assert_eq!(norm(merged).as_deref(), Ok(want), "{merged}");
        }
        // Section 5.4.2 "/../g" clamps to "/g" for references; a request refuses it.
        assert_eq!(norm("/../g"), Err(PathError::AboveRoot));
        assert_eq!(norm("/b/c/../../../g"), Err(PathError::AboveRoot));
    }

    #[test]
    fn decoding_and_merging() {
        for (t, want) in [
            ("/", "/"),
            ("//", "/"),
            ("/docs//internal/x", "/docs/internal/x"),
            ("/docs/./internal/x", "/docs/internal/x"),
            ("/docs/%69nternal/x", "/docs/internal/x"),
            ("/docs/%2e/internal", "/docs/internal"),
            ("/docs/%2E%2e/docs", "/docs"),
            ("/docs/.%2e/docs/", "/docs/"),
            ("/a%20b", "/a b"),
            ("/a%5cb", "/a\\b"),
            ("/a%252e%252e/b", "/a%2e%2e/b"),
            ("/%7e", "/~"),
            ("/a/%zz/../b", "/a/b"),
            ("/a/%2f/../b", "/a/b"),
            ("/caf%C3%A9", "/café"),
            ("/..;/x", "/..;/x"),
            ("/DOCS", "/DOCS"),
        ] {
            assert_eq!(norm(t).as_deref(), Ok(want), "{t}");
        }
    }

    #[test]
    fn refusals_and_their_statuses() {
        for (t, e, status) in [
            ("/a%2fb", PathError::EncodedSlash, 404),
            ("/a%2Fb", PathError::EncodedSlash, 404),
            ("/a%00", PathError::EncodedNul, 404),
            ("/a%2", PathError::BadEscape(2), 400),
            ("/a%g0", PathError::BadEscape(2), 400),
            ("/%2f%zz", PathError::BadEscape(4), 400),
            ("/..", PathError::AboveRoot, 400),
            ("/%2e%2e/x", PathError::AboveRoot, 400),
            ("/a/../../%2f", PathError::AboveRoot, 400),
            ("/%ff", PathError::NotUtf8, 400),
            ("*", PathError::NotOriginForm, 400),
            ("a/b", PathError::NotOriginForm, 400),
            ("", PathError::NotOriginForm, 400),
            ("/a b", PathError::InvalidCharacter(2), 400),
            ("/a#f", PathError::InvalidCharacter(2), 400),
            ("/a\r", PathError::InvalidCharacter(2), 400),
        ] {
            assert_eq!(norm(t), Err(e.clone()), "{t}");
            assert_eq!(e.http_status(), status, "{t}");
        }
        assert_eq!(norm(&"/a".repeat(MAX_TARGET_LEN)), Err(PathError::TooLong));
    }

    #[test]
    fn query_is_kept_raw() {
        let p = NormalizedPath::parse("/a/./b%41?x=%2e%2e/&y=/../").unwrap();
        assert_eq!(p.as_str(), "/a/bA");
        assert_eq!(p.query(), Some("x=%2e%2e/&y=/../"));
        assert_eq!(p.to_string(), "/a/bA?x=%2e%2e/&y=/../");
        assert_eq!(NormalizedPath::parse("/a").unwrap().query(), None);
        assert_eq!(NormalizedPath::parse("/a?").unwrap().query(), Some(""));
    }

    #[test]
    fn encoded_form_decodes_back_and_is_stable() {
        for (t, enc) in [
            ("/a%20b", "/a%20b"),
            ("/a b%3fc", "/a%20b%3Fc"),
            ("/a%3F%23b", "/a%3F%23b"),
            ("/a%252e", "/a%252e"),
            ("/%41%7e%2D", "/A~-"),
            ("/a;b=c:d@e!$&'()*+,", "/a;b=c:d@e!$&'()*+,"),
            ("/a%5cb", "/a%5Cb"),
            ("/%22%3c%3e%5e%60%7b%7c%7d", "/%22%3C%3E%5E%60%7B%7C%7D"),
            ("/caf%c3%a9/", "/caf%C3%A9/"),
        ] {
            let t = t.replace(' ', "%20");
            let p = NormalizedPath::parse(&t).unwrap();
            assert_eq!(p.to_encoded(), enc, "{t}");
            // Idempotent: the encoded form is its own normal form.
            let again = NormalizedPath::parse(&p.to_encoded()).unwrap();
            assert_eq!(again, p, "{t}");
        }
    }

    #[test]
    fn prefixes_match_on_segment_boundaries() {
        let p = |t: &str| NormalizedPath::parse(t).unwrap();
        assert!(p("/docs").matches_prefix("/docs"));
        assert!(p("/docs/").matches_prefix("/docs"));
        assert!(p("/docs/x").matches_prefix("/docs/"));
        assert!(p("/docs").matches_prefix("/docs/"));
        assert!(!p("/docsx").matches_prefix("/docs"));
        assert!(!p("/doc").matches_prefix("/docs"));
        assert!(!p("/DOCS").matches_prefix("/docs"));
        assert_eq!(p("/anything").prefix_match("/"), Some(0));
        assert_eq!(
            p("/docs/internal/a").prefix_match("/docs/internal"),
            Some(14)
        );
        // The raw forms that used to slip past a protected prefix no longer do.
        for t in [
            "/docs//internal/a",
            "/docs/./internal/a",
            "/docs/%69nternal/a",
            "/docs/x/../internal/a",
            "/docs/%2e/internal/a",
        ] {
            assert!(p(t).matches_prefix("/docs/internal"), "{t}");
        }
    }

    #[test]
    fn location_paths_normalise() {
        assert_eq!(normalize_location("/c/").unwrap(), "/c");
        assert_eq!(normalize_location("/c").unwrap(), "/c");
        assert_eq!(normalize_location("/./c//").unwrap(), "/c");
        assert_eq!(normalize_location("/%63").unwrap(), "/c");
        assert_eq!(normalize_location("/").unwrap(), "/");
        assert_eq!(normalize_location("//").unwrap(), "/");
        assert!(normalize_location("/c?x").is_err());
        assert!(normalize_location("c").is_err());
        assert!(normalize_location("/../c").is_err());
    }
}
