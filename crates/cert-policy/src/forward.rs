//! Certificate facts forwarded to an upstream in request headers, as an Apache reverse
//! proxy does with `RequestHeader set X-SSL-Client-DN "%{SSL_CLIENT_S_DN}s"` (and
//! `RequestHeader unset` first, so a client cannot send its own copy).

use crate::vars::Var;
use crate::{Context, Error, Expr};

/// Most forwarded headers in one [`CertHeaders`].
pub const MAX_FORWARDED_HEADERS: usize = 32;

/// Header names chosen by the user, each carrying one variable (`SSL_CLIENT_S_DN`,
/// `SSL_CLIENT_VERIFY`, `SSL_CLIENT_CERT`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertHeaders {
    entries: Vec<(String, String)>,
}

impl CertHeaders {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `header` carrying `variable`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a header name that is not an RFC 9110 token, a duplicate
    /// name, or more than [`MAX_FORWARDED_HEADERS`]; [`Error::Unknown`] for a variable
    /// name Apache would refuse or an `SSL_*` name mod_ssl does not define.
    pub fn with(mut self, header: &str, variable: &str) -> Result<Self, Error> {
        let token = !header.is_empty()
            && header
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !token {
            return Err(Error::Config(format!(
                "header name {header:?} is not a token"
            )));
        }
        if self
            .entries
            .iter()
            .any(|(h, _)| h.eq_ignore_ascii_case(header))
        {
            return Err(Error::Config(format!("header {header} given twice")));
        }
        if self.entries.len() >= MAX_FORWARDED_HEADERS {
            return Err(Error::Config(format!(
                "more than {MAX_FORWARDED_HEADERS} forwarded headers"
            )));
        }
        let unknown = || Error::Unknown {
            kind: "variable",
            name: variable.to_owned(),
            position: 0,
        };
        let v = Var::resolve(variable).ok_or_else(unknown)?;
        if v.is_unknown_ssl() {
            return Err(unknown());
        }
        self.entries.push((header.to_owned(), variable.to_owned()));
        Ok(self)
    }

    /// The configured header names, in the order they were added.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(h, _)| h.as_str())
    }

    /// True when no header is configured.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// True if `name` is one of the configured headers (case-insensitive): a request
    /// header of that name must not reach the upstream from the client.
    pub fn is_forwarded(&self, name: &str) -> bool {
        self.entries
            .iter()
            .any(|(h, _)| h.eq_ignore_ascii_case(name))
    }

    /// Rewrites `headers` (name, value) for the upstream: removes every header with a
    /// configured name (copies the client sent), then appends one per configured header
    /// whose variable is not empty. Line breaks in values (the PEM of `SSL_CLIENT_CERT`)
    /// become single spaces, as mod_headers unwraps multi-line values; other control bytes
    /// are dropped so a value can never split the header block.
    ///
    /// # Errors
    ///
    /// An evaluation error of a variable (none is expected for `SSL_*` variables).
    pub fn apply(
        &self,
        ctx: &Context<'_>,
        headers: &mut Vec<(String, Vec<u8>)>,
    ) -> Result<(), Error> {
        headers.retain(|(n, _)| !self.is_forwarded(n));
        for (h, var) in &self.entries {
            let w = Expr::parse_word(&format!("%{{{var}}}"))?;
            let v = Expr::eval_word(&w, ctx)?;
            if v.is_empty() {
                continue;
            }
            let mut out = Vec::with_capacity(v.len());
            let mut in_break = false;
            for &b in v.iter() {
                match b {
                    b'\r' | b'\n' => {
                        if !in_break && !out.is_empty() {
                            out.push(b' ');
                        }
                        in_break = true;
                    }
                    b'\t' => out.push(b' '),
                    0..=0x1f | 0x7f => {}
                    _ => {
                        in_break = false;
                        out.push(b);
                    }
                }
            }
            while out.last() == Some(&b' ') {
                out.pop();
            }
            headers.push((h.clone(), out));
        }
        Ok(())
    }
}
