//! Evaluation, following httpd `util_expr_eval.c` (recursion counting, short circuit,
//! regex captures, comparison dialects) and mod_ssl's variables.

use crate::Error;
use crate::expr::{BinaryOp, Dialect, Expr, Func, List, Node, StrPart, UnaryOp, Word};
use crate::vars::{Request, TlsVars, Var, VarKind, table_get};
use base64::Engine as _;
use md5::Digest as _;
use std::borrow::Cow;
use std::time::SystemTime;

/// Apache's `AP_EXPR_MAX_RECURSION`: nesting of evaluation calls before it gives up (and
/// denies).
pub const MAX_EVAL_RECURSION: usize = 20;
/// Largest file `file()` reads (Apache's `MAX_FILE_SIZE`).
pub const MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// What an expression may touch beyond the certificate and request. Everything is off by
/// default: `file()`, `filesize()` and `-d -e -f -s -L -h -x` need `file_access`; `osenv()`
/// and the process-environment fallback of `env()` need `os_env`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// Allow reading the file system.
    pub file_access: bool,
    /// Allow reading the process environment.
    pub os_env: bool,
}

impl Capabilities {
    /// Nothing beyond the certificate and request (the default).
    pub fn none() -> Self {
        Self::default()
    }
    /// Everything Apache allows outside a restricted context.
    pub fn all() -> Self {
        Capabilities {
            file_access: true,
            os_env: true,
        }
    }
}

/// Everything an expression can see: the TLS facts, the request, and what it may touch.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// TLS facts (`SSL_*`); `None` for a plain-HTTP request (`SSL_*` are empty, `HTTPS` is `off`).
    pub tls: Option<&'a TlsVars<'a>>,
    /// Request variables.
    pub request: Request<'a>,
    /// File system and environment access.
    pub capabilities: Capabilities,
}

impl<'a> Context<'a> {
    /// A context over these TLS facts with an empty request.
    pub fn new(tls: Option<&'a TlsVars<'a>>) -> Self {
        Context {
            tls,
            request: Request::default(),
            capabilities: Capabilities::none(),
        }
    }

    /// Sets the request variables.
    pub fn with_request(mut self, request: Request<'a>) -> Self {
        self.request = request;
        self
    }

    /// Sets the capabilities.
    pub fn with_capabilities(mut self, c: Capabilities) -> Self {
        self.capabilities = c;
        self
    }
}

type Val<'e> = Cow<'e, [u8]>;

/// The subject of the last successful match with groups, and the spans of `$0`-`$9`.
type Captures = (Vec<u8>, [Option<(usize, usize)>; 10]);

struct Eval<'c, 'e> {
    ctx: &'c Context<'c>,
    dialect: Dialect,
    level: usize,
    /// The caller's time; `None` is "now", read only when a variable needs it.
    now: Option<SystemTime>,
    /// `$0`-`$9`: the subject of the last successful match with groups, and the spans.
    captures: Option<Captures>,
    _e: core::marker::PhantomData<&'e ()>,
}

impl Expr {
    /// Evaluates the expression. Errors are Apache's evaluation errors (recursion limit,
    /// disabled functions, unreadable files); Apache denies in that case, and so does
    /// [`Expr::allows`].
    ///
    /// # Errors
    ///
    /// [`Error::RecursionLimit`], [`Error::Disabled`], [`Error::File`].
    pub fn eval(&self, ctx: &Context<'_>) -> Result<bool, Error> {
        let mut ev = Eval {
            ctx,
            dialect: self.dialect,
            level: 0,
            now: ctx.request.time,
            captures: None,
            _e: core::marker::PhantomData,
        };
        ev.eval(&self.root)
    }

    /// Evaluates a string expression (one word, e.g. `%{SSL_CLIENT_S_DN_CN}`).
    pub(crate) fn eval_word(word: &Word, ctx: &Context<'_>) -> Result<Vec<u8>, Error> {
        let mut ev = Eval {
            ctx,
            dialect: Dialect::RequireExpr,
            level: 0,
            now: ctx.request.time,
            captures: None,
            _e: core::marker::PhantomData,
        };
        Ok(ev.word(word)?.into_owned())
    }

    /// True if the expression evaluates to true; evaluation errors deny, as in Apache.
    pub fn allows(&self, ctx: &Context<'_>) -> bool {
        self.eval(ctx).unwrap_or(false)
    }
}

/// `apr_atoi64`: optional whitespace and sign, then leading digits; saturates.
pub(crate) fn atoi64(s: &[u8]) -> i64 {
    let mut i = 0;
    while i < s.len() && (s[i] == b' ' || (9..=13).contains(&s[i])) {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut v: i64 = 0;
    while let Some(&d) = s.get(i) {
        if !d.is_ascii_digit() {
            break;
        }
        let digit = i64::from(d - b'0');
        v = match v.checked_mul(10).and_then(|x| {
            if neg {
                x.checked_sub(digit)
            } else {
                x.checked_add(digit)
            }
        }) {
            Some(x) => x,
            None => return if neg { i64::MIN } else { i64::MAX },
        };
        i += 1;
    }
    v
}

/// True if `s` is a number as `apr_atoi64` reads it completely.
pub(crate) fn looks_numeric(s: &[u8]) -> bool {
    let t = s.strip_prefix(b"-").unwrap_or(s);
    !t.is_empty() && t.iter().all(|b| b.is_ascii_digit())
}

/// `strcmplex`: length first, then bytes (signed `char` comparison in C; for bytes above
/// 0x7f Apache's result depends on the platform's `char` signedness: x86 is signed).
fn strcmplex(a: &[u8], b: &[u8]) -> core::cmp::Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.iter().map(|&x| x as i8).cmp(b.iter().map(|&x| x as i8)))
}

impl<'c, 'e> Eval<'c, 'e> {
    fn inc(&mut self) -> Result<(), Error> {
        if self.level >= MAX_EVAL_RECURSION {
            return Err(Error::RecursionLimit);
        }
        self.level += 1;
        Ok(())
    }

    /// `ap_expr_eval`: a loop over `!`, and right-hand operands of `&&` / `||`, recursing
    /// only into left operands, as httpd does (this matters for the recursion count).
    fn eval(&mut self, node: &'e Node) -> Result<bool, Error> {
        self.inc()?;
        let mut node = node;
        let mut negate = false;
        let result = loop {
            match node {
                Node::True => break true,
                Node::False => break false,
                Node::Not(inner) => {
                    negate = !negate;
                    node = inner;
                }
                Node::Or(a, b) => {
                    let v = match &**a {
                        Node::Not(x) => !self.eval(x)?,
                        a => self.eval(a)?,
                    };
                    if v {
                        break true;
                    }
                    node = b;
                }
                Node::And(a, b) => {
                    let v = match &**a {
                        Node::Not(x) => !self.eval(x)?,
                        a => self.eval(a)?,
                    };
                    if !v {
                        break false;
                    }
                    node = b;
                }
                other => break self.comp(other)?,
            }
        };
        self.level -= 1;
        Ok(result ^ negate)
    }

    fn comp(&mut self, node: &'e Node) -> Result<bool, Error> {
        Ok(match node {
            Node::Cmp(op, a, b) => {
                let x = self.word(a)?;
                let y = self.word(b)?;
                let ord = if self.dialect == Dialect::SslRequire {
                    strcmplex(&x, &y)
                } else if op.is_int() {
                    atoi64(&x).cmp(&atoi64(&y))
                } else {
                    x.as_ref().cmp(y.as_ref())
                };
                op.holds(ord)
            }
            Node::In(w, list) => {
                let needle = self.word(w)?.into_owned();
                match list {
                    List::Words(ws) => {
                        for w in ws {
                            if *self.word(w)? == *needle {
                                return Ok(true);
                            }
                        }
                        false
                    }
                    List::PeerExtList(_, arg) => {
                        let arg = self.word(arg)?;
                        let Some(c) = self.ctx.tls.and_then(|t| t.client()) else {
                            return Ok(false);
                        };
                        c.ext_list(&arg).contains(&needle)
                    }
                    List::Split(re, arg) => {
                        let s = self.word(arg)?;
                        re.regex.split(&s).any(|p| p == needle.as_slice())
                    }
                }
            }
            Node::Regex(w, re, neg) => {
                let subject = self.word(w)?.into_owned();
                let matched = if re.groups > 0 {
                    match re.regex.captures(&subject) {
                        Some(caps) => {
                            let mut spans = [None; 10];
                            for (i, s) in spans.iter_mut().enumerate() {
                                *s = caps.get(i).map(|m| (m.start(), m.end()));
                            }
                            self.captures = Some((subject, spans));
                            true
                        }
                        None => {
                            self.captures = None;
                            false
                        }
                    }
                } else {
                    re.regex.is_match(&subject)
                };
                matched != *neg
            }
            Node::Unary(op, _, w) => {
                let v = self.word(w)?;
                match op {
                    UnaryOp::N => !v.is_empty(),
                    UnaryOp::Z => v.is_empty(),
                    UnaryOp::T => op_t(&v),
                    UnaryOp::R(net) => self
                        .ctx
                        .request
                        .remote_addr
                        .is_some_and(|a| net.contains(a)),
                    UnaryOp::File(kind) => self.file_test(*kind, &v)?,
                }
            }
            Node::Binary(op, _, a, b) => {
                let x = self.word(a)?;
                let y = self.word(b)?;
                match op {
                    BinaryOp::IpMatch(net) => core::str::from_utf8(&x)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .is_some_and(|ip| net.contains(ip)),
                    BinaryOp::StrMatch => fnmatch(&y, &x, false, false),
                    BinaryOp::StrCMatch => fnmatch(&y, &x, false, true),
                    BinaryOp::FnMatch => fnmatch(&y, &x, true, false),
                }
            }
            Node::True | Node::False | Node::Not(_) | Node::And(..) | Node::Or(..) => {
                self.eval(node)?
            }
        })
    }

    fn backref(&self, n: u8) -> Val<'e> {
        match &self.captures {
            Some((src, spans)) if !src.is_empty() => match spans[usize::from(n)] {
                Some((s, e)) if e > s => Cow::Owned(src[s..e].to_vec()),
                _ => Cow::Borrowed(b""),
            },
            _ => Cow::Borrowed(b""),
        }
    }

    fn var(&self, kind: &VarKind) -> Val<'e> {
        let v = match kind {
            VarKind::Ssl(s) => self.ctx.tls.and_then(|t| {
                let now = match self.now {
                    Some(t) => t,
                    None if s.needs_time() => SystemTime::now(),
                    None => SystemTime::UNIX_EPOCH,
                };
                t.ssl_var(s, now)
            }),
            VarKind::Req(r) => self.ctx.request.var(*r, self.ctx.tls.is_some()),
        };
        // Apache strings are C strings: a value stops at its first NUL.
        match v {
            Some(mut v) => {
                if let Some(p) = v.iter().position(|&b| b == 0) {
                    v.truncate(p);
                }
                Cow::Owned(v)
            }
            None => Cow::Borrowed(b""),
        }
    }

    fn word(&mut self, w: &'e Word) -> Result<Val<'e>, Error> {
        self.inc()?;
        let v = match w {
            Word::Digit(d) => Cow::Borrowed(d.as_bytes()),
            Word::Str(parts) => match parts.as_slice() {
                [] => Cow::Borrowed(&b""[..]),
                [StrPart::Lit(l)] => Cow::Borrowed(l.as_slice()),
                parts => {
                    let mut out = Vec::new();
                    for p in parts {
                        match p {
                            StrPart::Lit(l) => out.extend_from_slice(l),
                            StrPart::Var(v) => out.extend_from_slice(&self.var(&v.kind)),
                            StrPart::Func(f, _, arg) => out.extend_from_slice(&self.func(*f, arg)?),
                            StrPart::Backref(n) => out.extend_from_slice(&self.backref(*n)),
                        }
                    }
                    Cow::Owned(out)
                }
            },
            Word::Var(v) => self.var(&v.kind),
            Word::VarFunc(f, _, arg) => Cow::Owned(self.func(*f, arg)?),
            Word::Backref(n) => self.backref(*n),
            Word::Concat(ws) => {
                let mut out = Vec::new();
                for w in ws {
                    out.extend_from_slice(&self.word(w)?);
                }
                Cow::Owned(out)
            }
            Word::Call(f, _, arg) => {
                let a = self.word(arg)?.into_owned();
                Cow::Owned(self.func(*f, &a)?)
            }
        };
        self.level -= 1;
        Ok(v)
    }

    fn func(&self, f: Func, arg: &[u8]) -> Result<Vec<u8>, Error> {
        let r = &self.ctx.request;
        let s = |o: Option<&str>| o.map(|v| v.as_bytes().to_vec()).unwrap_or_default();
        let mut out = match f {
            Func::Req | Func::Http | Func::ReqNovary => s(table_get(r.headers, arg)),
            Func::Resp => s(table_get(r.response_headers, arg)),
            Func::ReqEnv => s(table_get(r.env, arg)),
            Func::Note => s(table_get(r.notes, arg)),
            Func::Env => match table_get(r.notes, arg).or_else(|| table_get(r.env, arg)) {
                Some(v) => v.as_bytes().to_vec(),
                None if self.ctx.capabilities.os_env => os_env(arg),
                None => Vec::new(),
            },
            Func::OsEnv => {
                if !self.ctx.capabilities.os_env {
                    return Err(Error::Disabled("osenv()"));
                }
                os_env(arg)
            }
            Func::ToLower => arg.to_ascii_lowercase(),
            Func::ToUpper => arg.to_ascii_uppercase(),
            Func::Escape => escape_path(arg),
            Func::Unescape => unescape(arg).unwrap_or_default(),
            Func::Base64 => base64::engine::general_purpose::STANDARD
                .encode(arg)
                .into_bytes(),
            Func::Unbase64 => unbase64(arg),
            Func::Md5 => hex_lower(&md5::Md5::digest(arg)),
            Func::Sha1 => hex_lower(&sha1::Sha1::digest(arg)),
            Func::File => {
                if !self.ctx.capabilities.file_access {
                    return Err(Error::Disabled("file()"));
                }
                let name = String::from_utf8_lossy(arg).into_owned();
                let meta = std::fs::metadata(&name).map_err(|_| Error::File(name.clone()))?;
                if meta.len() > MAX_FILE_SIZE {
                    return Err(Error::File(name));
                }
                std::fs::read(&name).map_err(|_| Error::File(name))?
            }
            Func::Ssl => match Var::resolve(&String::from_utf8_lossy(arg)) {
                // mod_ssl's expr_func_fn: ssl_var_lookup(name), empty when unknown.
                Some(v) => self.var(&v.kind).into_owned(),
                None => Vec::new(),
            },
            Func::FileSize => {
                if !self.ctx.capabilities.file_access {
                    return Err(Error::Disabled("filesize()"));
                }
                match std::fs::metadata(String::from_utf8_lossy(arg).as_ref()) {
                    Ok(m) if m.is_file() && m.len() > 0 => m.len().to_string().into_bytes(),
                    _ => b"0".to_vec(),
                }
            }
        };
        if let Some(p) = out.iter().position(|&b| b == 0) {
            out.truncate(p);
        }
        Ok(out)
    }

    fn file_test(&self, kind: u8, path: &[u8]) -> Result<bool, Error> {
        if !self.ctx.capabilities.file_access {
            return Err(Error::Disabled("file test operators"));
        }
        let p = String::from_utf8_lossy(path).into_owned();
        Ok(match kind {
            b'L' | b'h' => std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()),
            _ => match std::fs::metadata(&p) {
                Err(_) => false,
                Ok(m) => match kind {
                    b'd' => m.is_dir(),
                    b'e' => true,
                    b'f' => m.is_file(),
                    b's' => m.is_file() && m.len() > 0,
                    b'x' => {
                        use std::os::unix::fs::PermissionsExt as _;
                        m.permissions().mode() & 0o111 != 0
                    }
                    _ => false,
                },
            },
        })
    }
}

fn os_env(name: &[u8]) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt as _;
    let name = std::ffi::OsStr::from_bytes(name);
    if name.is_empty() {
        return Vec::new();
    }
    std::env::var_os(name)
        .map(|v| v.as_bytes().to_vec())
        .unwrap_or_default()
}

fn hex_lower(b: &[u8]) -> Vec<u8> {
    const H: &[u8; 16] = b"0123456789abcdef";
    b.iter()
        .flat_map(|&x| [H[usize::from(x >> 4)], H[usize::from(x & 15)]])
        .collect()
}

/// `-T`: false for empty, `0`, `off`, `no`, `false` (case-insensitive).
fn op_t(v: &[u8]) -> bool {
    !(v.is_empty()
        || v == b"0"
        || v.eq_ignore_ascii_case(b"off")
        || v.eq_ignore_ascii_case(b"no")
        || v.eq_ignore_ascii_case(b"false"))
}

/// `ap_escape_uri` (`ap_os_escape_path(p, s, 1)`): `%xx` (lowercase) for every byte that is
/// not alphanumeric or one of `$-_.+!*'(),:;@&=/~`.
fn escape_path(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &b in s {
        if b.is_ascii_alphanumeric() || b"$-_.+!*'(),:;@&=/~".contains(&b) {
            out.push(b);
        } else {
            out.push(b'%');
            out.extend(hex_lower(&[b]));
        }
    }
    out
}

/// `ap_unescape_url_keep2f(s, 0)`: decodes `%xx`, keeps `%2F` as is; a bad escape or a
/// decoded NUL makes Apache return the empty string.
fn unescape(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let h = s.get(i + 1..i + 3)?;
            if !h.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let v = u8::from_str_radix(core::str::from_utf8(h).ok()?, 16).ok()?;
            if v == b'/' {
                out.extend_from_slice(&s[i..i + 3]);
            } else if v == 0 {
                return None;
            } else {
                out.push(v);
            }
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Some(out)
}

/// `apr_base64_decode`: decodes the longest prefix of base64 alphabet characters.
fn unbase64(s: &[u8]) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let digits: Vec<u32> = s.iter().map_while(|&c| val(c)).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut acc = 0u32;
        for (i, d) in chunk.iter().enumerate() {
            acc |= d << (18 - 6 * i);
        }
        let n = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => 0,
        };
        for i in 0..n {
            out.push((acc >> (16 - 8 * i)) as u8);
        }
    }
    if let Some(p) = out.iter().position(|&b| b == 0) {
        out.truncate(p);
    }
    out
}

/// `apr_fnmatch(pattern, string, flags)` for `-strmatch` (0), `-strcmatch` (case blind) and
/// `-fnmatch` (`APR_FNM_PATHNAME`: wildcards do not match `/`). O(len(p) * len(s)) time with
/// single-star backtracking, O(1) memory.
pub(crate) fn fnmatch(pat: &[u8], s: &[u8], pathname: bool, icase: bool) -> bool {
    let eq = |a: u8, b: u8| {
        if icase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    // Matches one pattern element at p against byte c; returns the next pattern index.
    let one = |p: usize, c: u8| -> Option<usize> {
        match pat[p] {
            b'?' => (!(pathname && c == b'/')).then_some(p + 1),
            b'[' => {
                if pathname && c == b'/' {
                    return None;
                }
                let mut i = p + 1;
                let neg = matches!(pat.get(i), Some(b'!') | Some(b'^'));
                if neg {
                    i += 1;
                }
                let mut ok = false;
                let mut first = true;
                loop {
                    let &a = pat.get(i)?;
                    if a == b']' && !first {
                        break;
                    }
                    first = false;
                    let (a, adv) = if a == b'\\' {
                        (*pat.get(i + 1)?, 2)
                    } else {
                        (a, 1)
                    };
                    i += adv;
                    if pat.get(i) == Some(&b'-') && pat.get(i + 1).is_some_and(|&x| x != b']') {
                        let mut z = pat[i + 1];
                        let mut adv2 = 2;
                        if z == b'\\' {
                            z = *pat.get(i + 2)?;
                            adv2 = 3;
                        }
                        let (lo, hi, cc) = if icase {
                            (
                                a.to_ascii_lowercase(),
                                z.to_ascii_lowercase(),
                                c.to_ascii_lowercase(),
                            )
                        } else {
                            (a, z, c)
                        };
                        if lo <= cc && cc <= hi {
                            ok = true;
                        }
                        i += adv2;
                    } else if eq(a, c) {
                        ok = true;
                    }
                }
                (ok != neg).then_some(i + 1)
            }
            b'\\' if p + 1 < pat.len() => eq(pat[p + 1], c).then_some(p + 2),
            x => eq(x, c).then_some(p + 1),
        }
    };
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p < pat.len() && pat[p] == b'*' {
            p += 1;
            star = Some((p, i));
            continue;
        }
        if i == s.len() {
            return p == pat.len();
        }
        if p < pat.len()
            && let Some(np) = one(p, s[i])
        {
            p = np;
            i += 1;
            continue;
        }
        match star {
            Some((sp, si)) if !(pathname && s[si] == b'/') => {
                star = Some((sp, si + 1));
                p = sp;
                i = si + 1;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(s: &str, d: Dialect) -> bool {
        Expr::parse(s, d)
            .unwrap()
            .eval(&Context::new(None))
            .unwrap()
    }

    #[test]
    fn dialects_compare_differently() {
        use Dialect::*;
        assert!(ev("'10' gt '9'", SslRequire));
        assert!(!ev("'10' > '9'", RequireExpr));
        assert!(ev("'10' gt '9'", RequireExpr));
        assert!(ev("'abc' > 'b'", SslRequire));
        assert!(!ev("'abc' > 'b'", RequireExpr));
        // The trap: integer compare of text.
        assert!(ev("'alice' eq 'bob'", RequireExpr));
        assert!(!ev("'alice' eq 'bob'", SslRequire));
        assert!(ev("'12abc' -eq 12", RequireExpr));
        let e = Expr::parse("%{SSL_CLIENT_S_DN_CN} eq 'bob'", RequireExpr).unwrap();
        assert_eq!(e.warnings().len(), 1);
    }

    #[test]
    fn regex_captures_and_functions() {
        use Dialect::RequireExpr as R;
        assert!(ev(
            "'garex AG' =~ /^(\\w+) (AG)$/ && $1 == 'garex' && \"$2\" == 'AG' && $0 == 'garex AG'",
            R
        ));
        assert!(ev("'a' =~ /(x)?a/ && -z $1", R));
        assert!(ev("'ABC' =~ /abc/i && 'abc' !~ /ABC/", R));
        assert!(ev("tolower('ÄBC') == 'Äbc'", R));
        assert!(ev("md5('abc') == '900150983cd24fb0d6963f7d28e17f72'", R));
        assert!(ev(
            "sha1('abc') == 'a9993e364706816aba3e25717850c26c9cd0d89d'",
            R
        ));
        assert!(ev(
            "base64('hello') == 'aGVsbG8=' && unbase64('aGVsbG8=') == 'hello'",
            R
        ));
        assert!(ev(
            "escape('a b/ü') == 'a%20b/%c3%bc' && unescape('a%20b%2fc') == 'a b%2fc'",
            R
        ));
        assert!(ev("unescape('%zz') == ''", R));
        assert!(ev("'abc' . 'def' == 'abcdef'", R));
        assert!(ev("-n 'x' && -z '' && -T 'yes' && !-T 'off'", R));
        assert!(ev(
            "'10.1.2.3' -ipmatch '10.1.0.0/16' && !('10.2.0.1' -ipmatch '10.1')",
            R
        ));
        assert!(ev(
            "'a/b.c' -strmatch '*.c' && !('a/b.c' -fnmatch '*.c') && 'ABC' -strcmatch 'a?c'",
            R
        ));
        assert!(ev("'x' in split(/,/, 'a,x,b')", R));
        assert!(ev("'b' -in {'a', 'b'}", R));
    }

    #[test]
    fn disabled_capabilities_error() {
        let e = Expr::parse("file('/etc/hostname') == ''", Dialect::RequireExpr).unwrap();
        assert_eq!(e.eval(&Context::new(None)), Err(Error::Disabled("file()")));
        assert!(!e.allows(&Context::new(None)));
        let e = Expr::parse("osenv('PATH') == ''", Dialect::RequireExpr).unwrap();
        assert!(e.eval(&Context::new(None)).is_err());
    }

    #[test]
    fn recursion_limit_like_apache() {
        // Left-nested conjunctions recurse (httpd 2.4: 19 levels are too many).
        let s = vec!["true"; 25].join(" && ");
        let e = Expr::parse(&s, Dialect::RequireExpr).unwrap();
        assert_eq!(e.eval(&Context::new(None)), Err(Error::RecursionLimit));
        let e = Expr::parse(&["true"; 5].join(" && "), Dialect::RequireExpr).unwrap();
        assert_eq!(e.eval(&Context::new(None)), Ok(true));
    }

    #[test]
    fn atoi_like_apr() {
        assert_eq!(atoi64(b" 12abc"), 12);
        assert_eq!(atoi64(b"-7"), -7);
        assert_eq!(atoi64(b"abc"), 0);
        assert_eq!(atoi64(b"99999999999999999999"), i64::MAX);
    }

    #[test]
    fn fnmatch_cases() {
        assert!(fnmatch(b"*", b"", false, false));
        assert!(fnmatch(b"a*b*c", b"axxbyyc", false, false));
        assert!(!fnmatch(b"a*c", b"a/c", true, false));
        assert!(fnmatch(b"[a-c]x", b"bx", false, false));
        assert!(fnmatch(b"[!a-c]x", b"dx", false, false));
        assert!(fnmatch(b"\\*", b"*", false, false));
    }
}
