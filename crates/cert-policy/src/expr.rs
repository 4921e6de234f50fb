//! The `ap_expr` language: abstract syntax, parser and canonical printer.
//!
//! Grammar (Apache httpd 2.4 `server/util_expr_parse.y` and `util_expr_scan.l`, restated;
//! precedence lowest first: `||`, `&&`, `!`, `.`):
//!
//! ```text
//! expr       = "true" / "false" / ("!" / "not") expr / expr ("&&" / "and") expr
//!            / expr ("||" / "or") expr / "(" expr ")" / comparison
//! comparison = "-" UNARY word / word "-" BINARY word
//!            / word ("==" / "=" / "!=" / "<" / "<=" / ">" / ">=") word
//!            / word ("-eq" / "eq" / "-ne" / "ne" / "-lt" / "lt" / "-le" / "le"
//!                   / "-gt" / "gt" / "-ge" / "ge") word
//!            / word ("in" / "-in") wordlist / word ("=~" / "!~") regex
//! wordlist   = "{" word *("," word) "}" / LISTFUNC "(" word ")"
//!            / "split" "(" regex "," word ")"
//! word       = word "." word / DIGIT / "'" string "'" / DQUOTE string DQUOTE
//!            / variable / "$" DIGIT / FUNC "(" word ")"
//! variable   = "%{" NAME "}" / "%{" FUNC ":" arg "}"
//! regex      = "/" chars "/" ["i"] / "m" SEP chars SEP ["i"]
//! DIGIT      = ["-"] 1*0-9          NAME = ALPHA *(ALPHA / DIGIT / "_")
//! ```

use crate::Error;
use crate::vars::Var;
use core::fmt;
use std::net::IpAddr;

/// Longest expression text accepted, in bytes.
pub const MAX_EXPR_LEN: usize = 8192;
/// Deepest nesting of parentheses, negations, function calls and concatenations accepted.
pub const MAX_NESTING: usize = 64;
/// Most words in one `{ ... }` list.
pub const MAX_LIST_LEN: usize = 1024;

/// Which directive an expression belongs to. The only semantic difference is comparison
/// (httpd `util_expr_eval.c`, `ssl_expr_eval_comp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// `Require expr` (and `<If>`): `== != < <= > >=` compare bytes (`strcmp`); `eq ne lt
    /// le gt ge` and `-eq ...` compare integers (`apr_atoi64`: non-numeric text is 0, so
    /// `%{SSL_CLIENT_S_DN_CN} eq 'bob'` is true for everyone; see [`Expr::warnings`]).
    RequireExpr,
    /// Legacy `SSLRequire`: every comparison operator, string or integer spelling, compares
    /// "length first, then bytewise" (`strcmplex`), so `'10' gt '9'`.
    SslRequire,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CmpOp {
    StrEq,
    StrNe,
    StrLt,
    StrLe,
    StrGt,
    StrGe,
    IntEq,
    IntNe,
    IntLt,
    IntLe,
    IntGt,
    IntGe,
}

impl CmpOp {
    fn as_str(self) -> &'static str {
        match self {
            CmpOp::StrEq => "==",
            CmpOp::StrNe => "!=",
            CmpOp::StrLt => "<",
            CmpOp::StrLe => "<=",
            CmpOp::StrGt => ">",
            CmpOp::StrGe => ">=",
            CmpOp::IntEq => "-eq",
            CmpOp::IntNe => "-ne",
            CmpOp::IntLt => "-lt",
            CmpOp::IntLe => "-le",
            CmpOp::IntGt => "-gt",
            CmpOp::IntGe => "-ge",
        }
    }
    pub(crate) fn is_int(self) -> bool {
        matches!(
            self,
            CmpOp::IntEq | CmpOp::IntNe | CmpOp::IntLt | CmpOp::IntLe | CmpOp::IntGt | CmpOp::IntGe
        )
    }
    /// Whether an ordering satisfies the operator.
    pub(crate) fn holds(self, o: core::cmp::Ordering) -> bool {
        use core::cmp::Ordering::*;
        match self {
            CmpOp::StrEq | CmpOp::IntEq => o == Equal,
            CmpOp::StrNe | CmpOp::IntNe => o != Equal,
            CmpOp::StrLt | CmpOp::IntLt => o == Less,
            CmpOp::StrLe | CmpOp::IntLe => o != Greater,
            CmpOp::StrGt | CmpOp::IntGt => o == Greater,
            CmpOp::StrGe | CmpOp::IntGe => o != Less,
        }
    }
}

/// String functions (`name(word)` and `%{name:arg}`); names are case-insensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Func {
    Req,
    Http,
    ReqNovary,
    Resp,
    ReqEnv,
    Note,
    Env,
    OsEnv,
    ToLower,
    ToUpper,
    Escape,
    Unescape,
    Base64,
    Unbase64,
    Md5,
    Sha1,
    File,
    FileSize,
    /// mod_ssl's `SSL(name)` / `%{SSL:name}`: the variable `name` (full name, `SSL_...`)
    /// looked up at evaluation time (`ssl_expr_lookup`, `expr_func_fn`).
    Ssl,
}

const FUNCS: &[(&str, Func)] = &[
    ("req", Func::Req),
    ("http", Func::Http),
    ("req_novary", Func::ReqNovary),
    ("resp", Func::Resp),
    ("reqenv", Func::ReqEnv),
    ("note", Func::Note),
    ("env", Func::Env),
    ("osenv", Func::OsEnv),
    ("tolower", Func::ToLower),
    ("toupper", Func::ToUpper),
    ("escape", Func::Escape),
    ("unescape", Func::Unescape),
    ("base64", Func::Base64),
    ("unbase64", Func::Unbase64),
    ("md5", Func::Md5),
    ("sha1", Func::Sha1),
    ("file", Func::File),
    ("filesize", Func::FileSize),
    ("SSL", Func::Ssl),
];

/// Unary operators (`-n word`); names are case-sensitive as in Apache.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum UnaryOp {
    N,
    Z,
    T,
    R(Subnet),
    /// `-d -e -f -s -L -h -x`: file tests (need [`Capabilities::file_access`](crate::Capabilities)).
    File(u8),
}

/// Binary operators (`word -name word`); names are case-insensitive.
#[allow(clippy::enum_variant_names)] // Apache's names: -ipmatch -strmatch -strcmatch -fnmatch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum BinaryOp {
    IpMatch(Subnet),
    StrMatch,
    StrCMatch,
    FnMatch,
}

/// An IP subnet as `apr_ipsubnet_create` accepts it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Subnet {
    pub(crate) text: String,
    pub(crate) addr: IpAddr,
    pub(crate) prefix: u8,
}

impl Subnet {
    /// `a.b.c.d`, `a.b` (partial: /16), `a.b.c.d/nn`, `a.b.c.d/m.m.m.m`, `v6`, `v6/nn`.
    fn parse(text: &str) -> Option<Subnet> {
        let (addr, mask) = match text.split_once('/') {
            Some((a, m)) => (a, Some(m)),
            None => (text, None),
        };
        let (ip, default_prefix) = if let Ok(ip) = addr.parse::<IpAddr>() {
            (ip, if ip.is_ipv4() { 32 } else { 128 })
        } else {
            // Partial IPv4 address: 1 to 3 leading octets.
            let parts: Vec<&str> = addr.split('.').collect();
            if parts.is_empty() || parts.len() > 3 || mask.is_some() {
                return None;
            }
            let mut o = [0u8; 4];
            for (i, p) in parts.iter().enumerate() {
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                o[i] = p.parse().ok()?;
            }
            (IpAddr::from(o), (parts.len() * 8) as u8)
        };
        let prefix = match mask {
            None => default_prefix,
            Some(m) if m.bytes().all(|b| b.is_ascii_digit()) && !m.is_empty() => {
                let n: u8 = m.parse().ok()?;
                if n == 0 || n > default_prefix {
                    return None;
                }
                n
            }
            Some(m) => {
                let mask: std::net::Ipv4Addr = m.parse().ok()?;
                if !ip.is_ipv4() {
                    return None;
                }
                let bits = u32::from(mask);
                let n = bits.leading_ones();
                if bits.checked_shl(n).unwrap_or(0) != 0 {
                    return None;
                }
                n as u8
            }
        };
        Some(Subnet {
            text: text.to_owned(),
            addr: ip,
            prefix,
        })
    }

    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        let ip = match (self.addr, ip) {
            (IpAddr::V4(_), IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => return false,
            },
            (_, ip) => ip,
        };
        match (self.addr, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                let m = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(a) & m == u32::from(b) & m
            }
            (IpAddr::V6(a), IpAddr::V6(b)) => {
                let m = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(a) & m == u128::from(b) & m
            }
            _ => false,
        }
    }
}

/// A part of a quoted string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StrPart {
    Lit(Vec<u8>),
    Var(Var),
    Func(Func, String, Vec<u8>),
    Backref(u8),
}

/// A word: something that evaluates to a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Word {
    Digit(String),
    Str(Vec<StrPart>),
    Var(Var),
    /// `%{func:arg}`: the name as written, the function, the literal argument.
    VarFunc(Func, String, Vec<u8>),
    Backref(u8),
    Concat(Vec<Word>),
    /// `func(word)`: the name as written and the function.
    Call(Func, String, Box<Word>),
}

/// A compiled regular expression with its source.
#[derive(Debug, Clone)]
pub(crate) struct Re {
    pub(crate) source: String,
    pub(crate) icase: bool,
    pub(crate) regex: regex::bytes::Regex,
    pub(crate) groups: usize,
}

impl PartialEq for Re {
    fn eq(&self, o: &Self) -> bool {
        self.source == o.source && self.icase == o.icase
    }
}
impl Eq for Re {}

/// A list for `in`.
#[allow(clippy::enum_variant_names)] // `PeerExtList` is mod_ssl's function name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum List {
    Words(Vec<Word>),
    /// `PeerExtList(word)`, name as written.
    PeerExtList(String, Box<Word>),
    /// `split(/re/, word)` (httpd 2.5 syntax).
    Split(Box<Re>, Box<Word>),
}

/// A boolean expression node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    True,
    False,
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Cmp(CmpOp, Word, Word),
    In(Word, List),
    Regex(Word, Box<Re>, bool),
    Unary(UnaryOp, String, Word),
    Binary(BinaryOp, String, Word, Word),
}

/// A parsed, immutable expression. Parse once with [`Expr::parse`], evaluate many times with
/// [`Expr::eval`](crate::Expr::eval).
#[derive(Debug, Clone)]
pub struct Expr {
    pub(crate) root: Node,
    pub(crate) dialect: Dialect,
}

impl PartialEq for Expr {
    fn eq(&self, o: &Self) -> bool {
        self.root == o.root && self.dialect == o.dialect
    }
}

/// A warning about a valid expression that probably does not do what its author meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What is suspicious.
    pub message: String,
}

impl Expr {
    /// Parses `text` as an expression of `dialect`.
    ///
    /// # Errors
    ///
    /// [`Error::Syntax`] with the byte position and what was expected; [`Error::TooLong`],
    /// [`Error::TooDeep`]; [`Error::Regex`] for a regex using an unsupported PCRE feature;
    /// [`Error::Unknown`] for names Apache would refuse at configuration time.
    pub fn parse(text: &str, dialect: Dialect) -> Result<Expr, Error> {
        if text.len() > MAX_EXPR_LEN {
            return Err(Error::TooLong(MAX_EXPR_LEN));
        }
        let mut p = Parser {
            s: text.as_bytes(),
            pos: 0,
            depth: 0,
        };
        let root = p.expr()?;
        p.ws();
        if p.pos < p.s.len() {
            return Err(p.err("end of expression or an operator"));
        }
        Ok(Expr { root, dialect })
    }

    /// Parses a single word (a string expression such as `%{SSL_CLIENT_S_DN_CN}`).
    pub(crate) fn parse_word(text: &str) -> Result<Word, Error> {
        if text.len() > MAX_EXPR_LEN {
            return Err(Error::TooLong(MAX_EXPR_LEN));
        }
        let mut p = Parser {
            s: text.as_bytes(),
            pos: 0,
            depth: 0,
        };
        let w = p.word()?;
        p.ws();
        if p.pos < p.s.len() {
            return Err(p.err("end of expression"));
        }
        Ok(w)
    }

    /// The dialect this expression was parsed in.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// True when the expression reads `REMOTE_USER`: Apache's `Require expr` then answers
    /// "denied, no user" (authenticate first) rather than "denied" while nobody is
    /// authenticated (mod_authz_core `expr_check_authorization`, `want_user`).
    pub fn references_remote_user(&self) -> bool {
        // The printed form names every variable as `%{NAME}` with its canonical name,
        // also inside strings, so a search of it finds every reference.
        self.to_string().contains("%{REMOTE_USER}")
    }

    /// Suspicious constructs: integer comparisons (`eq`, `-eq`, ...) in the `Require expr`
    /// dialect with an operand that is not a number (Apache compares `apr_atoi64` values, so
    /// non-numeric text counts as 0); and, in both dialects, `SSL_*` names mod_ssl does not
    /// define (mod_ssl accepts every `SSL_*` name and it is then empty, so a typo such as
    /// `%{SSL_CLIENT_S_DN_CNN}` silently compares the empty string).
    pub fn warnings(&self) -> Vec<Warning> {
        let mut out = Vec::new();
        if self.dialect == Dialect::RequireExpr {
            walk_warn(&self.root, &mut out);
        }
        let mut names = Vec::new();
        walk_node_words(&self.root, &mut |w| unknown_ssl_names(w, &mut names));
        names.dedup();
        for n in names {
            out.push(Warning {
                message: format!(
                    "unknown mod_ssl variable `{n}`: mod_ssl evaluates it as the empty string \
                     (a typo?)"
                ),
            });
        }
        out
    }
}

/// Calls `f` on every word of `n`, nested words included.
fn walk_node_words(n: &Node, f: &mut dyn FnMut(&Word)) {
    match n {
        Node::True | Node::False => {}
        Node::Not(a) => walk_node_words(a, f),
        Node::And(a, b) | Node::Or(a, b) => {
            walk_node_words(a, f);
            walk_node_words(b, f);
        }
        Node::Cmp(_, a, b) | Node::Binary(_, _, a, b) => {
            walk_word(a, f);
            walk_word(b, f);
        }
        Node::In(w, l) => {
            walk_word(w, f);
            match l {
                List::Words(ws) => ws.iter().for_each(|w| walk_word(w, f)),
                List::PeerExtList(_, w) | List::Split(_, w) => walk_word(w, f),
            }
        }
        Node::Regex(w, _, _) | Node::Unary(_, _, w) => walk_word(w, f),
    }
}

fn walk_word(w: &Word, f: &mut dyn FnMut(&Word)) {
    f(w);
    match w {
        Word::Concat(ws) => ws.iter().for_each(|w| walk_word(w, f)),
        Word::Call(_, _, a) => walk_word(a, f),
        _ => {}
    }
}

/// `SSL_*` names in `w` (variables, string parts, `SSL('...')` / `%{SSL:...}` with a
/// literal argument) that mod_ssl does not know.
fn unknown_ssl_names(w: &Word, out: &mut Vec<String>) {
    let mut check_var = |v: &Var| {
        if v.is_unknown_ssl() {
            out.push(v.name().to_owned());
        }
    };
    match w {
        Word::Var(v) => check_var(v),
        Word::Str(parts) => {
            for p in parts {
                match p {
                    StrPart::Var(v) => check_var(v),
                    StrPart::Func(Func::Ssl, _, arg) => {
                        if let Some(v) = Var::resolve(&String::from_utf8_lossy(arg)) {
                            check_var(&v);
                        }
                    }
                    _ => {}
                }
            }
        }
        Word::VarFunc(Func::Ssl, _, arg) => {
            if let Some(v) = Var::resolve(&String::from_utf8_lossy(arg)) {
                check_var(&v);
            }
        }
        Word::Call(Func::Ssl, _, a) => {
            if let Word::Str(parts) = a.as_ref()
                && let [StrPart::Lit(l)] = parts.as_slice()
                && let Some(v) = Var::resolve(&String::from_utf8_lossy(l))
            {
                check_var(&v);
            }
        }
        _ => {}
    }
}

fn walk_warn(n: &Node, out: &mut Vec<Warning>) {
    match n {
        Node::Not(a) => walk_warn(a, out),
        Node::And(a, b) | Node::Or(a, b) => {
            walk_warn(a, out);
            walk_warn(b, out);
        }
        Node::Cmp(op, a, b) if op.is_int() => {
            let non_numeric = |w: &Word| match w {
                Word::Str(parts) => match parts.as_slice() {
                    [StrPart::Lit(l)] => !crate::eval::looks_numeric(l),
                    [] => true,
                    _ => false,
                },
                Word::Var(v) => v.is_textual(),
                _ => false,
            };
            if non_numeric(a) || non_numeric(b) {
                out.push(Warning {
                    message: format!(
                        "integer comparison `{} {} {}` with a non-numeric operand: in `Require expr` \
                         non-numeric text compares as 0; use `==` / `!=` for strings",
                        a,
                        op.as_str(),
                        b
                    ),
                });
            }
        }
        _ => {}
    }
}

const REG_SEP: &[u8] = b"/#$%^|?!'\",;:._-";

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    depth: usize,
}

fn is_tok_start(b: u8) -> bool {
    b.is_ascii_alphabetic()
}
fn is_tok(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Parser<'a> {
    fn err(&self, expected: &str) -> Error {
        Error::Syntax {
            position: self.pos,
            expected: expected.to_owned(),
        }
    }
    fn err_at(&self, pos: usize, expected: &str) -> Error {
        Error::Syntax {
            position: pos,
            expected: expected.to_owned(),
        }
    }
    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(Error::TooDeep(MAX_NESTING));
        }
        Ok(())
    }
    fn leave(&mut self) {
        self.depth -= 1;
    }
    fn ws(&mut self) {
        while let Some(&b) = self.s.get(self.pos) {
            if b == b' ' || b == b'\t' || b == b'\n' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn rest(&self) -> &'a [u8] {
        &self.s[self.pos.min(self.s.len())..]
    }
    /// The identifier token at the current position (`[a-zA-Z][a-zA-Z0-9_]*`), if any.
    fn token(&self) -> Option<&'a [u8]> {
        let r = self.rest();
        if !r.first().is_some_and(|&b| is_tok_start(b)) {
            return None;
        }
        let n = r.iter().take_while(|&&b| is_tok(b)).count();
        Some(&r[..n])
    }
    /// Matches a keyword exactly as flex's longest-match rule would (`and` but not `andy`).
    fn keyword(&mut self, kw: &str) -> bool {
        self.ws();
        if self.token() == Some(kw.as_bytes()) {
            self.pos += kw.len();
            true
        } else {
            false
        }
    }
    /// `-name` operator token, returns the name.
    fn dash_op(&self) -> Option<&'a [u8]> {
        let r = self.rest();
        if r.first() != Some(&b'-') {
            return None;
        }
        let r = &r[1..];
        if !r
            .first()
            .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
        {
            return None;
        }
        let n = r
            .iter()
            .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_')
            .count();
        Some(&r[..n])
    }
    fn punct(&mut self, p: &str) -> bool {
        self.ws();
        if self.rest().starts_with(p.as_bytes()) {
            self.pos += p.len();
            true
        } else {
            false
        }
    }

    // expr = or
    fn expr(&mut self) -> Result<Node, Error> {
        self.enter()?;
        let mut left = self.and()?;
        loop {
            if self.punct("||") || self.keyword("or") {
                let right = self.and()?;
                left = Node::Or(Box::new(left), Box::new(right));
            } else {
                break;
            }
        }
        self.leave();
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, Error> {
        let mut left = self.not()?;
        loop {
            if self.punct("&&") || self.keyword("and") {
                let right = self.not()?;
                left = Node::And(Box::new(left), Box::new(right));
            } else {
                break;
            }
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Node, Error> {
        self.ws();
        let is_bang = self.peek() == Some(b'!')
            && !matches!(self.s.get(self.pos + 1), Some(b'=') | Some(b'~'));
        if is_bang || self.keyword("not") {
            if is_bang {
                self.pos += 1;
            }
            self.enter()?;
            let inner = self.not()?;
            self.leave();
            return Ok(Node::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, Error> {
        self.ws();
        if self.keyword("true") {
            return Ok(Node::True);
        }
        if self.keyword("false") {
            return Ok(Node::False);
        }
        if self.punct("(") {
            let e = self.expr()?;
            if !self.punct(")") {
                return Err(self.err("`)`"));
            }
            return Ok(e);
        }
        // Unary operator: "-" [a-zA-Z_] not followed by a token character.
        if let Some(name) = self.dash_op()
            && name.len() == 1
        {
            let start = self.pos;
            self.pos += 2;
            let name = String::from_utf8_lossy(name).into_owned();
            let arg = self.word()?;
            let op = match name.as_str() {
                "n" => UnaryOp::N,
                "z" => UnaryOp::Z,
                "T" => UnaryOp::T,
                "R" => UnaryOp::R(const_subnet(&arg).ok_or_else(|| {
                    self.err_at(start, "-R with a constant 'subnet/netmask' string argument")
                })?),
                "d" | "e" | "f" | "s" | "L" | "h" | "x" => UnaryOp::File(name.as_bytes()[0]),
                "F" | "U" | "A" => {
                    return Err(self.err_at(
                        start,
                        "an operator other than -F/-U/-A (sub-requests need an HTTP server)",
                    ));
                }
                _ => {
                    return Err(Error::Unknown {
                        kind: "unary operator",
                        name: format!("-{name}"),
                        position: start,
                    });
                }
            };
            return Ok(Node::Unary(op, name, arg));
        }
        let left = self.word()?;
        self.comparison(left)
    }

    fn comparison(&mut self, left: Word) -> Result<Node, Error> {
        self.ws();
        let start = self.pos;
        let r = self.rest();
        // Two-character operators first (flex longest match).
        let two: Option<(&str, CmpOp)> = [
            ("==", CmpOp::StrEq),
            ("!=", CmpOp::StrNe),
            ("<=", CmpOp::StrLe),
            (">=", CmpOp::StrGe),
        ]
        .into_iter()
        .find(|(t, _)| r.starts_with(t.as_bytes()));
        if let Some((t, op)) = two {
            self.pos += t.len();
            let right = self.word()?;
            return Ok(Node::Cmp(op, left, right));
        }
        if r.starts_with(b"=~") || r.starts_with(b"!~") {
            let neg = r[0] == b'!';
            self.pos += 2;
            let re = self.regex()?;
            return Ok(Node::Regex(left, Box::new(re), neg));
        }
        if let Some(&c) = r.first()
            && (c == b'=' || c == b'<' || c == b'>')
        {
            self.pos += 1;
            let op = match c {
                b'=' => CmpOp::StrEq,
                b'<' => CmpOp::StrLt,
                _ => CmpOp::StrGt,
            };
            let right = self.word()?;
            return Ok(Node::Cmp(op, left, right));
        }
        let int_op = |name: &[u8]| match name {
            b"eq" => Some(CmpOp::IntEq),
            b"ne" => Some(CmpOp::IntNe),
            b"lt" => Some(CmpOp::IntLt),
            b"le" => Some(CmpOp::IntLe),
            b"gt" => Some(CmpOp::IntGt),
            b"ge" => Some(CmpOp::IntGe),
            _ => None,
        };
        if let Some(tok) = self.token() {
            if let Some(op) = int_op(tok) {
                self.pos += 2;
                let right = self.word()?;
                return Ok(Node::Cmp(op, left, right));
            }
            if tok == b"in" {
                self.pos += 2;
                let list = self.list()?;
                return Ok(Node::In(left, list));
            }
        }
        if let Some(name) = self.dash_op() {
            if let Some(op) = int_op(name) {
                self.pos += 3;
                let right = self.word()?;
                return Ok(Node::Cmp(op, left, right));
            }
            if name == b"in" {
                self.pos += 3;
                let list = self.list()?;
                return Ok(Node::In(left, list));
            }
            if name.len() >= 2 {
                let name_s = String::from_utf8_lossy(name).into_owned();
                self.pos += 1 + name.len();
                let right = self.word()?;
                let op = match name_s.to_ascii_lowercase().as_str() {
                    "ipmatch" => BinaryOp::IpMatch(const_subnet(&right).ok_or_else(|| {
                        self.err_at(start, "-ipmatch with a constant 'subnet/netmask' string")
                    })?),
                    "strmatch" => BinaryOp::StrMatch,
                    "strcmatch" => BinaryOp::StrCMatch,
                    "fnmatch" => BinaryOp::FnMatch,
                    _ => {
                        return Err(Error::Unknown {
                            kind: "binary operator",
                            name: format!("-{name_s}"),
                            position: start,
                        });
                    }
                };
                return Ok(Node::Binary(op, name_s, left, right));
            }
        }
        Err(self.err("a comparison operator (== != < <= > >= -eq eq ... in =~ !~ -ipmatch ...)"))
    }

    fn list(&mut self) -> Result<List, Error> {
        self.ws();
        if self.punct("{") {
            let mut words = vec![self.word()?];
            while self.punct(",") {
                if words.len() >= MAX_LIST_LEN {
                    return Err(self.err("a shorter list"));
                }
                words.push(self.word()?);
            }
            if !self.punct("}") {
                return Err(self.err("`,` or `}`"));
            }
            return Ok(List::Words(words));
        }
        let start = self.pos;
        if let Some(tok) = self.token() {
            let name = String::from_utf8_lossy(tok).into_owned();
            self.pos += tok.len();
            if name == "split" {
                if !self.punct("(") {
                    return Err(self.err("`(`"));
                }
                let re = self.regex()?;
                if !self.punct(",") {
                    return Err(self.err("`,`"));
                }
                let w = self.word()?;
                if !self.punct(")") {
                    return Err(self.err("`)`"));
                }
                return Ok(List::Split(Box::new(re), Box::new(w)));
            }
            if name != "PeerExtList" {
                return Err(Error::Unknown {
                    kind: "list function",
                    name,
                    position: start,
                });
            }
            if !self.punct("(") {
                return Err(self.err("`(`"));
            }
            let w = self.word()?;
            if !self.punct(")") {
                return Err(self.err("`)`"));
            }
            return Ok(List::PeerExtList(name, Box::new(w)));
        }
        Err(self.err("`{` or a list function after `in`"))
    }

    fn regex(&mut self) -> Result<Re, Error> {
        self.ws();
        let start = self.pos;
        let r = self.rest();
        let (delim, skip) = match r {
            [b'/', ..] => (b'/', 1),
            [b'm', d, ..] if REG_SEP.contains(d) => (*d, 2),
            _ => return Err(self.err("a regular expression `/.../` or `m#...#`")),
        };
        self.pos += skip;
        let body_start = self.pos;
        loop {
            match self.peek() {
                None => return Err(self.err_at(start, "a terminated regular expression")),
                Some(b) if b == delim => break,
                Some(b) if b.is_ascii_control() => {
                    return Err(self.err("no control character inside a regular expression"));
                }
                Some(_) => self.pos += 1,
            }
        }
        let body = String::from_utf8_lossy(&self.s[body_start..self.pos]).into_owned();
        self.pos += 1;
        let mut icase = false;
        while let Some(b) = self.peek() {
            if b == b'i' && !icase {
                icase = true;
                self.pos += 1;
            } else if b.is_ascii_alphanumeric() {
                return Err(Error::Regex {
                    position: self.pos,
                    reason: format!(
                        "regex flag {:?} is not supported (Apache 2.4 knows only `i`)",
                        b as char
                    ),
                });
            } else {
                break;
            }
        }
        crate::regex_check::compile(&body, icase, start)
    }

    fn word(&mut self) -> Result<Word, Error> {
        self.enter()?;
        let first = self.word_atom()?;
        let mut parts = vec![first];
        loop {
            self.ws();
            // `.` concatenation; not the start of `m.` regex (handled in atom only).
            if self.peek() == Some(b'.') {
                self.pos += 1;
                parts.push(self.word_atom()?);
            } else {
                break;
            }
        }
        self.leave();
        Ok(if parts.len() == 1 {
            parts.pop().unwrap_or(Word::Digit(String::new()))
        } else {
            Word::Concat(parts)
        })
    }

    fn word_atom(&mut self) -> Result<Word, Error> {
        self.ws();
        let start = self.pos;
        match self.peek() {
            Some(q @ (b'\'' | b'"')) => {
                self.pos += 1;
                let parts = self.string(q)?;
                Ok(Word::Str(parts))
            }
            Some(b'%') if self.rest().starts_with(b"%{") => self.variable(),
            Some(b'$') if self.s.get(self.pos + 1).is_some_and(|b| b.is_ascii_digit()) => {
                let n = self.s[self.pos + 1] - b'0';
                self.pos += 2;
                Ok(Word::Backref(n))
            }
            Some(b'-') | Some(b'0'..=b'9') => {
                let neg = usize::from(self.peek() == Some(b'-'));
                let n = self.s[self.pos + neg..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                if n == 0 {
                    return Err(self.err("a word (string, number, variable or function)"));
                }
                let text = String::from_utf8_lossy(&self.s[self.pos..self.pos + neg + n]);
                self.pos += neg + n;
                Ok(Word::Digit(text.into_owned()))
            }
            Some(b) if is_tok_start(b) => {
                let tok = self.token().unwrap_or_default();
                let name = String::from_utf8_lossy(tok).into_owned();
                if matches!(
                    name.as_str(),
                    "and"
                        | "or"
                        | "not"
                        | "eq"
                        | "ne"
                        | "lt"
                        | "le"
                        | "gt"
                        | "ge"
                        | "in"
                        | "true"
                        | "false"
                ) {
                    return Err(self.err("a word (string, number, variable or function)"));
                }
                self.pos += tok.len();
                if !self.punct("(") {
                    return Err(self.err_at(
                        start,
                        "a word; a bare name must be a function call `name(...)`",
                    ));
                }
                let func = lookup_func(&name).ok_or(Error::Unknown {
                    kind: "function",
                    name: name.clone(),
                    position: start,
                })?;
                let arg = self.word()?;
                if !self.punct(")") {
                    return Err(self.err("`)`"));
                }
                Ok(Word::Call(func, name, Box::new(arg)))
            }
            _ => Err(self.err("a word (string, number, variable or function)")),
        }
    }

    /// `%{NAME}` or `%{func:arg}`; the `%{` is at the current position.
    fn variable(&mut self) -> Result<Word, Error> {
        match self.var_inner()? {
            VarOrFunc::Var(v) => Ok(Word::Var(v)),
            VarOrFunc::Func(f, n, a) => Ok(Word::VarFunc(f, n, a)),
        }
    }

    fn var_inner(&mut self) -> Result<VarOrFunc, Error> {
        let start = self.pos;
        self.pos += 2;
        let tok = self
            .token()
            .ok_or_else(|| self.err("a variable name after `%{`"))?;
        let name = String::from_utf8_lossy(tok).into_owned();
        self.pos += tok.len();
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                let v = Var::resolve(&name).ok_or(Error::Unknown {
                    kind: "variable",
                    name,
                    position: start,
                })?;
                Ok(VarOrFunc::Var(v))
            }
            Some(b':') => {
                self.pos += 1;
                let arg_start = self.pos;
                while let Some(b) = self.peek() {
                    if b == b'}' {
                        break;
                    }
                    if b.is_ascii_control() {
                        return Err(self.err("`}` closing the variable"));
                    }
                    self.pos += 1;
                }
                if self.peek() != Some(b'}') {
                    return Err(self.err_at(start, "a terminated variable `%{...}`"));
                }
                let arg = self.s[arg_start..self.pos].to_vec();
                self.pos += 1;
                let func = lookup_func(&name).ok_or(Error::Unknown {
                    kind: "function",
                    name: name.clone(),
                    position: start,
                })?;
                Ok(VarOrFunc::Func(func, name, arg))
            }
            _ => Err(self.err("`}` or `:` in a variable")),
        }
    }

    /// The body of a quoted string; the opening quote has been consumed.
    fn string(&mut self, quote: u8) -> Result<Vec<StrPart>, Error> {
        let start = self.pos - 1;
        let mut parts = Vec::new();
        let mut lit = Vec::new();
        let flush = |lit: &mut Vec<u8>, parts: &mut Vec<StrPart>| {
            if !lit.is_empty() {
                parts.push(StrPart::Lit(core::mem::take(lit)));
            }
        };
        loop {
            let Some(b) = self.peek() else {
                return Err(self.err_at(start, "a terminated string"));
            };
            match b {
                _ if b == quote => {
                    self.pos += 1;
                    flush(&mut lit, &mut parts);
                    return Ok(parts);
                }
                b'\n' => return Err(self.err("a terminated string (newline inside)")),
                b'\\' => {
                    self.pos += 1;
                    let Some(c) = self.peek() else {
                        return Err(self.err_at(start, "a terminated string"));
                    };
                    let byte = match c {
                        b'0'..=b'7' => {
                            let n = self
                                .rest()
                                .iter()
                                .take(3)
                                .take_while(|b| (b'0'..=b'7').contains(b))
                                .count();
                            let v = self.rest()[..n]
                                .iter()
                                .fold(0u32, |a, &d| a * 8 + u32::from(d - b'0'));
                            if v > 255 {
                                return Err(self.err("an octal escape up to \\377"));
                            }
                            self.pos += n - 1;
                            v as u8
                        }
                        b'8' | b'9' => return Err(self.err("a valid character escape sequence")),
                        b'x' if self
                            .s
                            .get(self.pos + 1)
                            .is_some_and(|b| b.is_ascii_hexdigit()) =>
                        {
                            let r = &self.rest()[1..];
                            let n = r
                                .iter()
                                .take(2)
                                .take_while(|b| b.is_ascii_hexdigit())
                                .count();
                            let v = r[..n].iter().fold(0u8, |a, &d| {
                                a.wrapping_mul(16)
                                    .wrapping_add((d as char).to_digit(16).unwrap_or(0) as u8)
                            });
                            self.pos += n;
                            v
                        }
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'f' => 12,
                        c if c.is_ascii_control() => {
                            return Err(self.err("no control character in a string"));
                        }
                        c => c,
                    };
                    if byte == 0 {
                        return Err(
                            self.err("no NUL character in a string (Apache strings are C strings)")
                        );
                    }
                    lit.push(byte);
                    self.pos += 1;
                }
                b'%' if self.rest().starts_with(b"%{") => {
                    flush(&mut lit, &mut parts);
                    match self.var_inner()? {
                        VarOrFunc::Var(v) => parts.push(StrPart::Var(v)),
                        VarOrFunc::Func(f, n, a) => parts.push(StrPart::Func(f, n, a)),
                    }
                }
                b'$' if self.s.get(self.pos + 1).is_some_and(|b| b.is_ascii_digit()) => {
                    flush(&mut lit, &mut parts);
                    parts.push(StrPart::Backref(self.s[self.pos + 1] - b'0'));
                    self.pos += 2;
                }
                c if c.is_ascii_control() => {
                    return Err(self.err("no control character in a string"));
                }
                c => {
                    lit.push(c);
                    self.pos += 1;
                }
            }
            if lit.len() > MAX_EXPR_LEN {
                return Err(self.err("a shorter string"));
            }
        }
    }
}

enum VarOrFunc {
    Var(Var),
    Func(Func, String, Vec<u8>),
}

fn lookup_func(name: &str) -> Option<Func> {
    FUNCS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, f)| *f)
}

/// A constant subnet argument: a quoted string without variables (Apache requires it at
/// configuration time, `subnet_parse_arg`).
fn const_subnet(w: &Word) -> Option<Subnet> {
    match w {
        Word::Str(parts) => match parts.as_slice() {
            [StrPart::Lit(l)] => Subnet::parse(core::str::from_utf8(l).ok()?),
            _ => None,
        },
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// Canonical printing. `Expr::parse(&e.to_string())` gives back an equal expression.

fn write_lit(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for &b in bytes {
        match b {
            b'"' | b'\\' | b'%' | b'$' => write!(f, "\\{}", b as char)?,
            0x20..=0x7e => write!(f, "{}", b as char)?,
            _ => write!(f, "\\x{b:02X}")?,
        }
    }
    Ok(())
}

fn write_arg(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    // Arguments of %{func:arg} are printed raw: the parser took them verbatim.
    write!(f, "{}", String::from_utf8_lossy(bytes))
}

impl fmt::Display for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Word::Digit(d) => f.write_str(d),
            Word::Str(parts) => {
                f.write_str("\"")?;
                for p in parts {
                    match p {
                        StrPart::Lit(l) => write_lit(f, l)?,
                        StrPart::Var(v) => write!(f, "%{{{}}}", v.name())?,
                        StrPart::Func(_, n, a) => {
                            write!(f, "%{{{n}:")?;
                            write_arg(f, a)?;
                            f.write_str("}")?;
                        }
                        StrPart::Backref(n) => write!(f, "${n}")?,
                    }
                }
                f.write_str("\"")
            }
            Word::Var(v) => write!(f, "%{{{}}}", v.name()),
            Word::VarFunc(_, n, a) => {
                write!(f, "%{{{n}:")?;
                write_arg(f, a)?;
                f.write_str("}")
            }
            Word::Backref(n) => write!(f, "${n}"),
            Word::Concat(ws) => {
                for (i, w) in ws.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" . ")?;
                    }
                    // A nested concatenation is flattened by the parser only when written
                    // without parentheses, which the grammar does not allow anyway.
                    write!(f, "{w}")?;
                }
                Ok(())
            }
            Word::Call(_, n, w) => write!(f, "{n}({w})"),
        }
    }
}

impl fmt::Display for Re {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let delim = if !self.source.contains('/') {
            Some(('/', ""))
        } else {
            REG_SEP
                .iter()
                .map(|&d| d as char)
                .find(|&d| !self.source.contains(d))
                .map(|d| (d, "m"))
        };
        let (d, m) = delim.unwrap_or(('/', ""));
        write!(
            f,
            "{m}{d}{}{d}{}",
            self.source,
            if self.icase { "i" } else { "" }
        )
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let paren = |f: &mut fmt::Formatter<'_>, n: &Node| -> fmt::Result {
            match n {
                Node::And(..) | Node::Or(..) => write!(f, "({n})"),
                _ => write!(f, "{n}"),
            }
        };
        match self {
            Node::True => f.write_str("true"),
            Node::False => f.write_str("false"),
            // `!` takes a term (`not` -> `primary`), so only `&&` / `||` need parentheses;
            // adding them elsewhere would nest the printed form deeper than the source and
            // could push it past MAX_NESTING (fuzz regression, cert_policy_parse_expr).
            Node::Not(n) => match **n {
                Node::And(..) | Node::Or(..) => write!(f, "!({n})"),
                _ => write!(f, "!{n}"),
            },
            Node::And(a, b) => {
                paren(f, a)?;
                f.write_str(" && ")?;
                paren(f, b)
            }
            Node::Or(a, b) => {
                paren(f, a)?;
                f.write_str(" || ")?;
                paren(f, b)
            }
            Node::Cmp(op, a, b) => write!(f, "{a} {} {b}", op.as_str()),
            Node::In(w, l) => {
                write!(f, "{w} -in ")?;
                match l {
                    List::Words(ws) => {
                        f.write_str("{")?;
                        for (i, w) in ws.iter().enumerate() {
                            if i > 0 {
                                f.write_str(", ")?;
                            }
                            write!(f, "{w}")?;
                        }
                        f.write_str("}")
                    }
                    List::PeerExtList(n, w) => write!(f, "{n}({w})"),
                    List::Split(re, w) => write!(f, "split({re}, {w})"),
                }
            }
            Node::Regex(w, re, neg) => write!(f, "{w} {} {re}", if *neg { "!~" } else { "=~" }),
            Node::Unary(_, n, w) => write!(f, "-{n} {w}"),
            Node::Binary(_, n, a, b) => write!(f, "{a} -{n} {b}"),
        }
    }
}

impl fmt::Display for Expr {
    /// The canonical text of the expression; parsing it again gives an equal expression.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Expr, Error> {
        Expr::parse(s, Dialect::RequireExpr)
    }

    #[test]
    fn precedence_and_keywords() {
        let e = p("true || false && !true").unwrap();
        assert_eq!(e.to_string(), "true || (false && !true)");
        let e = p("not 1 == 1 and 2 -eq 2 or andy(1) == 1");
        assert!(matches!(
            e,
            Err(Error::Unknown {
                kind: "function",
                ..
            })
        ));
        let e = p("%{REQUEST_METHOD} in {'GET', \"POST\"}").unwrap();
        assert_eq!(e.to_string(), "%{REQUEST_METHOD} -in {\"GET\", \"POST\"}");
    }

    #[test]
    fn errors_carry_position() {
        match p("%{REQUEST_METHOD} === 'x'") {
            Err(Error::Syntax { position, .. }) => assert_eq!(position, 20),
            other => panic!("{other:?}"),
        }
        match p("'abc") {
            Err(Error::Syntax { position, .. }) => assert_eq!(position, 0),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            p("%{NO_SUCH_VAR} == 1"),
            Err(Error::Unknown {
                kind: "variable",
                ..
            })
        ));
        assert!(matches!(p("1 -nosuchop 2"), Err(Error::Unknown { .. })));
        assert!(matches!(p("-R %{REMOTE_ADDR}"), Err(Error::Syntax { .. })));
        assert!(matches!(p("'a' =~ /x/s"), Err(Error::Regex { .. })));
        assert!(matches!(p(&"(".repeat(100)), Err(Error::TooDeep(_))));
        assert!(matches!(
            p(&"1".repeat(MAX_EXPR_LEN + 1)),
            Err(Error::TooLong(_))
        ));
        assert!(matches!(p("'a\\0b' == 1"), Err(Error::Syntax { .. })));
    }

    #[test]
    fn subnets() {
        let s = Subnet::parse("10.1").unwrap();
        assert!(s.contains("10.1.200.3".parse().unwrap()));
        assert!(!s.contains("10.2.0.1".parse().unwrap()));
        let s = Subnet::parse("192.168.0.0/255.255.255.0").unwrap();
        assert_eq!(s.prefix, 24);
        assert!(s.contains("::ffff:192.168.0.7".parse().unwrap()));
        let s = Subnet::parse("2001:db8::/32").unwrap();
        assert!(s.contains("2001:db8:1::1".parse().unwrap()));
        assert!(Subnet::parse("10.0.0.0/33").is_none());
        assert!(Subnet::parse("bogus").is_none());
    }

    #[test]
    fn string_escapes_round_trip() {
        let e = p(r#"'a\x41\101\n\'%{HTTP_HOST}$1\%{' == "x""#).unwrap();
        let again = p(&e.to_string()).unwrap();
        assert_eq!(e, again);
        assert!(e.to_string().contains(r"aAA\x0A'%{HTTP_HOST}$1\%{"));
    }
}
