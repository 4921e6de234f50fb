//! Apache httpd 2.4 access control as a library: `Require` (mod_authz_core, mod_authz_user,
//! mod_authz_groupfile, mod_authz_host, mod_ssl), `Require not`, `<RequireAll>`,
//! `<RequireAny>`, `<RequireNone>`, and the decision between 401 and 403.
//!
//! Each `Require` line answers one of four results ([`Authz`]), combined as
//! mod_authz_core's `apply_authz_sections` combines them. The request is judged twice, as
//! httpd 2.4 does (`ap_process_request_internal`):
//!
//! 1. before authentication, with no user (`authorize_userless`): *granted* serves the
//!    request without credentials; *denied* is 403 with no challenge; *denied, no user*
//!    (a line that needs a user, such as `Require valid-user`) or *neutral* means
//!    "authenticate";
//! 2. after authentication, with the user (`authorize_user`): *granted* serves; anything
//!    else is 401 with fresh challenges (so another user can log in), or 403 where the
//!    location has no authentication scheme.
//!
//! [`Require::parse`] reads the directive text as httpd.conf has it.

use cert_policy::{Context, Dialect, Expr, TlsVars};
use httpauth_core::{GroupStore, Principal, TlsInfo};
use std::net::IpAddr;
use std::sync::Arc;

/// The result of one `Require` line or container (mod_authz_core `authz_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Authz {
    /// `AUTHZ_GRANTED`.
    Granted,
    /// `AUTHZ_DENIED`.
    Denied,
    /// `AUTHZ_DENIED_NO_USER`: denied because nobody is authenticated yet.
    DeniedNoUser,
    /// `AUTHZ_NEUTRAL`: no opinion (a negated line that did not match).
    Neutral,
    /// `AUTHZ_GENERAL_ERROR`: a store failed; the request fails closed with 500/503.
    Error,
}

/// One `Require` line, or a container of them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Require {
    /// `Require all granted`.
    AllGranted,
    /// `Require all denied`.
    AllDenied,
    /// `Require valid-user`.
    ValidUser,
    /// `Require user a b`.
    User(Vec<String>),
    /// `Require group g h` (needs a [`GroupStore`] in the [`Facts`]).
    Group(Vec<String>),
    /// `Require ip 10.1 192.168.0.0/16 ::1`.
    Ip(Vec<IpRange>),
    /// `Require host example.org .example.net`: the client's double-reverse-verified
    /// host name is one of these or inside one of these domains (mod_authz_host).
    Host(Vec<String>),
    /// `Require method GET POST`.
    Method(Vec<String>),
    /// `Require expr "..."` (the `Require expr` dialect of ap_expr).
    Expr(Arc<Expr>),
    /// `Require ssl` (mod_ssl): the request came over TLS.
    Ssl,
    /// `Require ssl-verify-client` (mod_ssl): a client certificate verified `SUCCESS`.
    SslVerifyClient,
    /// `Require not ...`.
    Not(Box<Require>),
    /// `<RequireAll>`.
    All(Vec<Require>),
    /// `<RequireAny>` (also the implicit container of a location's `Require` lines).
    Any(Vec<Require>),
    /// `<RequireNone>`.
    None(Vec<Require>),
}

/// An error in a `Require` line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequireError {
    /// An empty line or an unknown provider.
    #[error("unknown Require provider {0:?}")]
    UnknownProvider(String),
    /// A provider that needs arguments got none (`Require user`).
    #[error("Require {0} needs at least one argument")]
    MissingArgument(&'static str),
    /// `Require all` with something other than `granted` / `denied`.
    #[error("Require all takes granted or denied, not {0:?}")]
    BadAll(String),
    /// An address or network that does not parse.
    #[error("Require ip: {0:?} is not an address or network")]
    BadIp(String),
    /// The expression does not parse.
    #[error("Require expr: {0}")]
    BadExpr(String),
    /// A `<RequireAll>` (or a location) whose lines are all negated can never grant
    /// (httpd: "directive contains only negative authorization directives").
    #[error("a container of only negated Require lines can never grant access")]
    OnlyNegative,
    /// A negated line (`Require not`, `<RequireNone>`) directly inside `<RequireAny>`
    /// (also a location's implicit one) or inside `<RequireNone>`: it can never change
    /// the result, so what it was meant to exclude would be let in. httpd refuses it at
    /// start: "negative Require directive has no effect in `<RequireAny>` directive".
    #[error(
        "{negated} has no effect in <{container}>: it can never exclude anyone there (use <RequireAll>)"
    )]
    NoEffect {
        /// `Require not` or `<RequireNone>`.
        negated: &'static str,
        /// `RequireAny` or `RequireNone`.
        container: &'static str,
    },
}

impl Require {
    /// Parses the arguments of one `Require` directive, as written after `Require`
    /// (`valid-user`, `not ip 10.0.0.0/8`, `expr "%{REMOTE_USER} == 'alice'"`).
    ///
    /// # Errors
    /// [`RequireError`] naming what is wrong.
    pub fn parse(line: &str) -> Result<Require, RequireError> {
        let line = line.trim();
        let (word, rest) = split_word(line);
        if word.eq_ignore_ascii_case("not") {
            let inner = Require::parse(rest)?;
            return Ok(Require::Not(Box::new(inner)));
        }
        let args: Vec<String> = rest.split_whitespace().map(str::to_owned).collect();
        let need = |name: &'static str| {
            if args.is_empty() {
                Err(RequireError::MissingArgument(name))
            } else {
                Ok(args.clone())
            }
        };
        match word.to_ascii_lowercase().as_str() {
            "all" => match rest.trim().to_ascii_lowercase().as_str() {
                "granted" => Ok(Require::AllGranted),
                "denied" => Ok(Require::AllDenied),
                other => Err(RequireError::BadAll(other.to_owned())),
            },
            "valid-user" => Ok(Require::ValidUser),
            "user" => need("user").map(Require::User),
            "group" => need("group").map(Require::Group),
            "method" => need("method").map(Require::Method),
            "ip" => need("ip")?
                .iter()
                .map(|a| IpRange::parse(a))
                .collect::<Result<Vec<_>, _>>()
                .map(Require::Ip),
            "host" => need("host")
                .map(|names| Require::Host(names.iter().map(|n| n.to_ascii_lowercase()).collect())),
            "ssl" => Ok(Require::Ssl),
            "ssl-verify-client" => Ok(Require::SslVerifyClient),
            "expr" => {
                let text = unquote(rest.trim());
                let e = Expr::parse(&text, Dialect::RequireExpr)
                    .map_err(|e| RequireError::BadExpr(e.to_string()))?;
                Ok(Require::Expr(Arc::new(e)))
            }
            other => Err(RequireError::UnknownProvider(other.to_owned())),
        }
    }

    /// Checks what httpd's mod_authz_core checks at configuration time, so that no line
    /// is silently without effect:
    /// - a negated line (`Require not`, `<RequireNone>`) directly inside `<RequireAny>`
    ///   or `<RequireNone>` can never change the result;
    /// - a `<RequireAll>` whose lines are all negated can never grant.
    ///
    /// # Errors
    /// [`RequireError::NoEffect`], [`RequireError::OnlyNegative`].
    pub fn validate(&self) -> Result<(), RequireError> {
        match self {
            Require::All(v) | Require::Any(v) | Require::None(v) => {
                for r in v {
                    r.validate()?;
                }
                let container = match self {
                    Require::Any(_) => Some("RequireAny"),
                    Require::None(_) => Some("RequireNone"),
                    _ => None,
                };
                if let Some(container) = container
                    && let Some(negated) = v.iter().find_map(Require::negated_name)
                {
                    return Err(RequireError::NoEffect { negated, container });
                }
                if !v.is_empty() && v.iter().all(|r| r.negated_name().is_some()) {
                    return Err(RequireError::OnlyNegative);
                }
                Ok(())
            }
            Require::Not(inner) => inner.validate(),
            _ => Ok(()),
        }
    }

    /// `Some(name)` when this line is negated (its result is inverted by its parent).
    fn negated_name(&self) -> Option<&'static str> {
        match self {
            Require::Not(_) => Some("Require not"),
            Require::None(_) => Some("<RequireNone>"),
            _ => None,
        }
    }

    /// True when this line or container names users or groups: Apache then needs an
    /// authenticated user to grant.
    pub fn needs_user(&self) -> bool {
        match self {
            Require::ValidUser | Require::User(_) | Require::Group(_) => true,
            Require::Expr(e) => e.references_remote_user(),
            Require::Not(r) => r.needs_user(),
            Require::All(v) | Require::Any(v) | Require::None(v) => {
                v.iter().any(Require::needs_user)
            }
            Require::AllGranted
            | Require::AllDenied
            | Require::Ip(_)
            | Require::Host(_)
            | Require::Method(_)
            | Require::Ssl
            | Require::SslVerifyClient => false,
        }
    }

    /// True when this line or container has a `Require host`: the caller must then look
    /// up the client's host name ([`Facts::remote_host`]).
    pub fn needs_host(&self) -> bool {
        match self {
            Require::Host(_) => true,
            Require::Not(r) => r.needs_host(),
            Require::All(v) | Require::Any(v) | Require::None(v) => {
                v.iter().any(Require::needs_host)
            }
            _ => false,
        }
    }

    /// Evaluates this line or container for `facts`.
    pub fn evaluate(&self, facts: &Facts<'_>) -> Authz {
        match self {
            Require::AllGranted => Authz::Granted,
            Require::AllDenied => Authz::Denied,
            Require::ValidUser => match facts.user {
                Some(_) => Authz::Granted,
                None => Authz::DeniedNoUser,
            },
            Require::User(names) => match facts.user {
                Some(p) if names.iter().any(|n| n == &p.user) => Authz::Granted,
                Some(_) => Authz::Denied,
                None => Authz::DeniedNoUser,
            },
            Require::Group(groups) => {
                let Some(p) = facts.user else {
                    return Authz::DeniedNoUser;
                };
                let Some(store) = facts.groups else {
                    tracing::error!("Require group without a group file");
                    return Authz::Error;
                };
                for g in groups {
                    match store.is_member(&p.user, g) {
                        Ok(true) => return Authz::Granted,
                        Ok(false) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "group store failed");
                            return Authz::Error;
                        }
                    }
                }
                Authz::Denied
            }
            Require::Ip(ranges) => match facts.remote_ip {
                Some(ip) if ranges.iter().any(|r| r.contains(ip)) => Authz::Granted,
                _ => Authz::Denied,
            },
            // mod_authz_host `host_check_authorization`: no verified name, no match.
            Require::Host(domains) => match facts.remote_host {
                Some(host) if domains.iter().any(|d| in_domain(d, host)) => Authz::Granted,
                _ => Authz::Denied,
            },
            Require::Method(methods) => {
                if methods.iter().any(|m| m.eq_ignore_ascii_case(facts.method)) {
                    Authz::Granted
                } else {
                    Authz::Denied
                }
            }
            Require::Expr(e) => {
                let vars = facts.tls.and_then(|t| TlsVars::new(t).ok());
                let mut req = facts.policy.clone();
                if let Some(p) = facts.user {
                    req.remote_user = &p.user;
                    req.auth_type = &p.scheme;
                }
                let ctx = Context::new(vars.as_ref()).with_request(req);
                match e.eval(&ctx) {
                    Ok(true) => Authz::Granted,
                    Ok(false) if facts.user.is_none() && e.references_remote_user() => {
                        Authz::DeniedNoUser
                    }
                    Ok(false) => Authz::Denied,
                    Err(err) => {
                        tracing::warn!(error = %err, "Require expr failed to evaluate");
                        Authz::Error
                    }
                }
            }
            Require::Ssl => {
                if facts.tls.is_some() {
                    Authz::Granted
                } else {
                    Authz::Denied
                }
            }
            Require::SslVerifyClient => {
                let ok = facts
                    .tls
                    .and_then(|t| TlsVars::new(t).ok())
                    .is_some_and(|v| v.verify_string() == "SUCCESS");
                if ok { Authz::Granted } else { Authz::Denied }
            }
            Require::Not(inner) => negate(inner.evaluate(facts)),
            Require::All(v) => combine(v, facts, Logic::And),
            Require::Any(v) => combine(v, facts, Logic::Or),
            Require::None(v) => negate(combine(v, facts, Logic::Or)),
        }
    }
}

#[derive(Clone, Copy)]
enum Logic {
    And,
    Or,
}

/// mod_authz_core: a negated result. Granted becomes denied; denied becomes neutral (a
/// negation never grants by itself); "no user" stays, so authentication is still asked for.
fn negate(r: Authz) -> Authz {
    match r {
        Authz::Granted => Authz::Denied,
        Authz::Denied => Authz::Neutral,
        Authz::DeniedNoUser => Authz::DeniedNoUser,
        Authz::Neutral => Authz::Neutral,
        Authz::Error => Authz::Error,
    }
}

/// mod_authz_core `apply_authz_sections`, for one container.
fn combine(children: &[Require], facts: &Facts<'_>, logic: Logic) -> Authz {
    let mut result = Authz::Neutral;
    for child in children {
        let r = child.evaluate(facts);
        match (logic, r) {
            (_, Authz::Error) => return Authz::Error,
            (_, Authz::Neutral) => {}
            (Logic::And, Authz::Denied) => return Authz::Denied,
            (Logic::And, Authz::DeniedNoUser) => {
                if result != Authz::Denied {
                    result = Authz::DeniedNoUser;
                }
            }
            (Logic::And, Authz::Granted) => {
                if result == Authz::Neutral {
                    result = Authz::Granted;
                }
            }
            (Logic::Or, Authz::Granted) => return Authz::Granted,
            (Logic::Or, Authz::DeniedNoUser) => {
                if matches!(result, Authz::Denied | Authz::Neutral) {
                    result = Authz::DeniedNoUser;
                }
            }
            (Logic::Or, Authz::Denied) => {
                if result == Authz::Neutral {
                    result = Authz::Denied;
                }
            }
        }
    }
    result
}

/// What the access rules may look at.
#[derive(Clone)]
#[non_exhaustive]
pub struct Facts<'a> {
    /// The request method.
    pub method: &'a str,
    /// The peer's address.
    pub remote_ip: Option<IpAddr>,
    /// TLS facts of the connection.
    pub tls: Option<&'a TlsInfo>,
    /// The authenticated user, if any.
    pub user: Option<&'a Principal>,
    /// Group membership, for `Require group`.
    pub groups: Option<&'a dyn GroupStore>,
    /// The request as `Require expr` sees it (`REQUEST_URI` is the normalised path).
    pub policy: cert_policy::Request<'a>,
    /// The client's host name, verified by a double-reverse lookup (the name the
    /// address maps back to maps forward to the address again, httpd's
    /// `REMOTE_DOUBLE_REV`); `None` when there is none. Only `Require host` reads it.
    pub remote_host: Option<&'a str>,
}

impl std::fmt::Debug for Facts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Facts")
            .field("method", &self.method)
            .field("remote_ip", &self.remote_ip)
            .field("tls", &self.tls.is_some())
            .field("user", &self.user.map(|p| &p.user))
            .finish_non_exhaustive()
    }
}

impl<'a> Facts<'a> {
    /// Facts for a request with `method`.
    pub fn new(method: &'a str) -> Self {
        let mut policy = cert_policy::Request::default();
        policy.method = method;
        Self {
            method,
            remote_ip: None,
            tls: None,
            user: None,
            groups: None,
            policy,
            remote_host: None,
        }
    }

    /// Sets the authenticated user.
    pub fn with_user(mut self, user: Option<&'a Principal>) -> Self {
        self.user = user;
        self
    }
}

/// `Require ip`: an address, a prefix of one (`10.1`), or a network (`10.1.0.0/16`,
/// `10.1.0.0/255.255.0.0`, `2001:db8::/32`), as mod_authz_host reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    net: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// Parses one `Require ip` argument.
    ///
    /// # Errors
    /// [`RequireError::BadIp`].
    pub fn parse(s: &str) -> Result<IpRange, RequireError> {
        let bad = || RequireError::BadIp(s.to_owned());
        let (addr, mask) = match s.split_once('/') {
            Some((a, m)) => (a, Some(m)),
            None => (s, None),
        };
        if let Ok(ip) = addr.parse::<IpAddr>() {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let prefix = match mask {
                None => max,
                Some(m) => match m.parse::<u8>() {
                    Ok(p) if p <= max => p,
                    Ok(_) => return Err(bad()),
                    Err(_) => match (ip, m.parse::<IpAddr>()) {
                        (IpAddr::V4(_), Ok(IpAddr::V4(mask))) => {
                            let bits = u32::from(mask);
                            let ones = bits.leading_ones();
                            if bits.checked_shl(ones).unwrap_or(0) != 0 {
                                return Err(bad());
                            }
                            ones as u8
                        }
                        _ => return Err(bad()),
                    },
                },
            };
            return Ok(IpRange { net: ip, prefix });
        }
        // A partial IPv4 address (`10.1`, `10.1.`): the given octets are the network.
        if mask.is_some() {
            return Err(bad());
        }
        let octets: Vec<&str> = addr.trim_end_matches('.').split('.').collect();
        if octets.is_empty() || octets.len() > 3 {
            return Err(bad());
        }
        let mut b = [0u8; 4];
        for (i, o) in octets.iter().enumerate() {
            b[i] = o.parse().map_err(|_| bad())?;
        }
        Ok(IpRange {
            net: IpAddr::from(b),
            prefix: (octets.len() * 8) as u8,
        })
    }

    /// True when `ip` is in this range (an IPv4-mapped IPv6 peer matches IPv4 ranges).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

fn split_word(s: &str) -> (&str, &str) {
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim_start()),
        None => (s, ""),
    }
}

/// httpd.conf quoting: `"..."` or `'...'` around the whole argument, `\"` inside.
fn unquote(s: &str) -> String {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        let q = b[0] as char;
        let inner = &s[1..s.len() - 1];
        return inner.replace(&format!("\\{q}"), &q.to_string());
    }
    s.to_owned()
}

/// What to do with a request, from the access rules alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Verdict {
    /// Serve it.
    Allow,
    /// Authenticate first (401 with challenges until credentials are valid).
    Authenticate,
    /// 403, no challenge.
    Forbidden,
    /// A store failed: fail closed (503).
    Error,
}

/// mod_authz_host `in_domain`: `host` is `domain` or ends with it on a label boundary
/// (`good.com` matches `www.good.com`, never `nogood.com`; a leading `.` in `domain`
/// matches subdomains only), ignoring ASCII case.
fn in_domain(domain: &str, host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let (d, h) = (domain.as_bytes(), host.as_bytes());
    if d.is_empty() || h.len() < d.len() || !h[h.len() - d.len()..].eq_ignore_ascii_case(d) {
        return false;
    }
    h.len() == d.len() || d[0] == b'.' || h[h.len() - d.len() - 1] == b'.'
}

/// The double-reverse-verified host name of `ip` (httpd's `REMOTE_DOUBLE_REV`): the
/// name `ip` maps back to (getnameinfo), kept only if that name maps forward to `ip`
/// again (getaddrinfo), so a client that controls its own reverse zone cannot claim
/// another domain's name. Blocking (the system resolver): run it off the executor.
pub fn double_reverse_lookup(ip: IpAddr) -> Option<String> {
    let name = dns_lookup::lookup_addr(&ip).ok()?;
    // getnameinfo answers the numeric form when there is no name.
    if name.parse::<IpAddr>().is_ok() {
        return None;
    }
    let forward = dns_lookup::lookup_host(&name).ok()?;
    forward
        .into_iter()
        .any(|a| a == ip)
        .then(|| name.to_ascii_lowercase())
}

/// A location's `Require` rules (the implicit `<RequireAny>` of its lines).
#[derive(Debug, Clone)]
pub struct AccessRules {
    root: Require,
}

impl AccessRules {
    /// Rules whose lines are combined as `<RequireAny>`, as a location's lines are.
    ///
    /// # Errors
    /// [`RequireError::NoEffect`] and [`RequireError::OnlyNegative`], as httpd refuses
    /// them (see [`Require::validate`]). No lines at all grants, as a location without `Require` does in httpd 2.4.
    pub fn any(lines: Vec<Require>) -> Result<Self, RequireError> {
        if lines.is_empty() {
            return Ok(Self {
                root: Require::Any(vec![Require::AllGranted]),
            });
        }
        let root = Require::Any(lines);
        root.validate()?;
        Ok(Self { root })
    }

    /// `Require valid-user`.
    pub fn valid_user() -> Self {
        Self {
            root: Require::Any(vec![Require::ValidUser]),
        }
    }

    /// The rules as one container.
    pub fn root(&self) -> &Require {
        &self.root
    }

    /// Step 1, before authentication (mod_authz_core `authorize_userless`).
    pub fn before_authentication(&self, facts: &Facts<'_>) -> Verdict {
        let facts = facts.clone().with_user(None);
        match self.root.evaluate(&facts) {
            Authz::Granted => Verdict::Allow,
            Authz::DeniedNoUser | Authz::Neutral if self.root.needs_user() => Verdict::Authenticate,
            // Nothing here names a user: authentication cannot change the answer.
            Authz::DeniedNoUser | Authz::Neutral | Authz::Denied => Verdict::Forbidden,
            Authz::Error => Verdict::Error,
        }
    }

    /// Step 2, after authentication as `facts.user` (mod_authz_core `authorize_user`):
    /// [`Verdict::Authenticate`] means 401 with fresh challenges (httpd answers a user the
    /// rules refuse with 401 where the location has an `AuthType`).
    pub fn after_authentication(&self, facts: &Facts<'_>) -> Verdict {
        match self.root.evaluate(facts) {
            Authz::Granted => Verdict::Allow,
            Authz::Denied | Authz::DeniedNoUser | Authz::Neutral => Verdict::Authenticate,
            Authz::Error => Verdict::Error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Groups;
    impl GroupStore for Groups {
        fn is_member(&self, user: &str, group: &str) -> Result<bool, httpauth_core::Error> {
            Ok(user == "alice" && group == "admins")
        }
    }

    fn rules(lines: &[&str]) -> AccessRules {
        AccessRules::any(lines.iter().map(|l| Require::parse(l).unwrap()).collect()).unwrap()
    }

    fn facts<'a>(user: Option<&'a Principal>, ip: &str) -> Facts<'a> {
        let mut f = Facts::new("GET").with_user(user);
        f.remote_ip = Some(ip.parse().unwrap());
        f.groups = Some(&Groups);
        f
    }

    #[test]
    fn parses_httpd_lines() {
        assert!(matches!(
            Require::parse("valid-user"),
            Ok(Require::ValidUser)
        ));
        assert!(matches!(
            Require::parse("all granted"),
            Ok(Require::AllGranted)
        ));
        assert!(matches!(
            Require::parse("not ip 10.0.0.0/8"),
            Ok(Require::Not(_))
        ));
        assert!(matches!(
            Require::parse(r#"expr "%{REMOTE_USER} == 'alice'""#),
            Ok(Require::Expr(_))
        ));
        assert_eq!(
            Require::parse("user").unwrap_err(),
            RequireError::MissingArgument("user")
        );
        assert!(matches!(
            Require::parse("all maybe"),
            Err(RequireError::BadAll(_))
        ));
        assert!(matches!(
            Require::parse("telepathy"),
            Err(RequireError::UnknownProvider(_))
        ));
        assert!(matches!(
            Require::parse("ip 10.0.0.0/33"),
            Err(RequireError::BadIp(_))
        ));
        assert!(matches!(
            AccessRules::any(vec![Require::parse("not ip 10.1").unwrap()]),
            Err(RequireError::NoEffect {
                container: "RequireAny",
                ..
            })
        ));
    }

    /// mod_authz_host `in_domain` and `Require host`.
    #[test]
    fn require_host_matches_whole_labels() {
        assert!(in_domain("good.com", "good.com"));
        assert!(in_domain("good.com", "www.GOOD.com"));
        assert!(in_domain("good.com", "www.good.com."));
        assert!(!in_domain("good.com", "nogood.com"));
        assert!(in_domain(".good.com", "www.good.com"));
        assert!(!in_domain(".good.com", "good.com"));
        assert!(!in_domain("www.good.com", "good.com"));
        assert!(!in_domain("", "good.com"));
        let r = Require::parse("host Example.ORG .example.net").unwrap();
        assert_eq!(
            r,
            Require::Host(vec!["example.org".into(), ".example.net".into()])
        );
        assert!(r.needs_host() && !r.needs_user());
        assert!(matches!(
            Require::parse("host"),
            Err(RequireError::MissingArgument("host"))
        ));
        let mut f = Facts::new("GET");
        assert_eq!(r.evaluate(&f), Authz::Denied, "no verified name");
        f.remote_host = Some("www.example.org");
        assert_eq!(r.evaluate(&f), Authz::Granted);
        f.remote_host = Some("example.net");
        assert_eq!(r.evaluate(&f), Authz::Denied);
        f.remote_host = Some("a.example.net");
        assert_eq!(r.evaluate(&f), Authz::Granted);
        // Loopback maps back and forth through /etc/hosts on any Linux machine.
        let name = double_reverse_lookup("127.0.0.1".parse().unwrap());
        assert!(name.is_some(), "127.0.0.1 has a double-reverse name");
    }

    /// mod_authz_core's configuration-time checks (compared with `apache2 -t` in
    /// tests/apache_access.rs): no negated line where it can have no effect.
    #[test]
    fn negations_without_effect_are_refused_as_httpd_does() {
        let line = |l: &str| Require::parse(l).unwrap();
        let bob_not = || line("not user bob");
        let none_bob = || Require::None(vec![line("user bob")]);
        // Beside a positive line in a location (implicit RequireAny): bob would be served.
        assert_eq!(
            AccessRules::any(vec![line("valid-user"), bob_not()]).err(),
            Some(RequireError::NoEffect {
                negated: "Require not",
                container: "RequireAny"
            })
        );
        assert!(matches!(
            AccessRules::any(vec![line("valid-user"), none_bob()]),
            Err(RequireError::NoEffect {
                negated: "<RequireNone>",
                ..
            })
        ));
        assert!(matches!(
            AccessRules::any(vec![Require::All(vec![
                line("valid-user"),
                Require::None(vec![bob_not()]),
            ])]),
            Err(RequireError::NoEffect {
                container: "RequireNone",
                ..
            })
        ));
        assert_eq!(
            AccessRules::any(vec![Require::All(vec![none_bob()])]).err(),
            Some(RequireError::OnlyNegative)
        );
        // What httpd accepts: negations inside RequireAll beside a positive line.
        assert!(AccessRules::any(vec![Require::All(vec![line("valid-user"), bob_not()])]).is_ok());
        assert!(AccessRules::any(vec![Require::All(vec![line("valid-user"), none_bob()])]).is_ok());
    }

    #[test]
    fn ip_ranges_as_mod_authz_host() {
        let r = |s: &str| IpRange::parse(s).unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(r("10.1").contains(ip("10.1.200.3")));
        assert!(!r("10.1").contains(ip("10.2.0.1")));
        assert!(r("192.168.0.0/255.255.0.0").contains(ip("192.168.7.7")));
        assert!(r("127.0.0.1").contains(ip("::ffff:127.0.0.1")));
        assert!(r("2001:db8::/32").contains(ip("2001:db8:1::5")));
        assert!(!r("2001:db8::/32").contains(ip("2001:db9::5")));
        assert!(IpRange::parse("10.0.0.0/255.0.255.0").is_err());
        assert!(r("0.0.0.0/0").contains(ip("8.8.8.8")));
    }

    #[test]
    fn userless_step_decides_401_or_403_as_httpd() {
        // No user-based line: authentication cannot help, 403.
        assert_eq!(
            rules(&["ip 10.0.0.0/8"]).before_authentication(&facts(None, "127.0.0.1")),
            Verdict::Forbidden
        );
        assert_eq!(
            rules(&["all denied"]).before_authentication(&facts(None, "127.0.0.1")),
            Verdict::Forbidden
        );
        // Host-based grant: no authentication at all.
        assert_eq!(
            rules(&["ip 127.0.0.1", "valid-user"]).before_authentication(&facts(None, "127.0.0.1")),
            Verdict::Allow
        );
        // Otherwise authenticate.
        assert_eq!(
            rules(&["ip 10.0.0.0/8", "valid-user"])
                .before_authentication(&facts(None, "127.0.0.1")),
            Verdict::Authenticate
        );
        // RequireAll with a failing host rule: 403 before any credentials.
        let all = AccessRules::any(vec![Require::All(vec![
            Require::parse("ip 10.0.0.0/8").unwrap(),
            Require::ValidUser,
        ])])
        .unwrap();
        assert_eq!(
            all.before_authentication(&facts(None, "127.0.0.1")),
            Verdict::Forbidden
        );
        assert_eq!(
            all.before_authentication(&facts(None, "10.9.9.9")),
            Verdict::Authenticate
        );
    }

    #[test]
    fn user_step() {
        let alice = Principal::new("alice", "Basic", None);
        let bob = Principal::new("bob", "Basic", None);
        let r = rules(&["group admins"]);
        assert_eq!(
            r.after_authentication(&facts(Some(&alice), "127.0.0.1")),
            Verdict::Allow
        );
        assert_eq!(
            r.after_authentication(&facts(Some(&bob), "127.0.0.1")),
            Verdict::Authenticate
        );
        let r = rules(&["user bob carol"]);
        assert_eq!(
            r.after_authentication(&facts(Some(&bob), "127.0.0.1")),
            Verdict::Allow
        );
        // RequireAll + Require not user.
        let r = AccessRules::any(vec![Require::All(vec![
            Require::ValidUser,
            Require::parse("not user bob").unwrap(),
        ])])
        .unwrap();
        assert_eq!(
            r.after_authentication(&facts(Some(&alice), "127.0.0.1")),
            Verdict::Allow
        );
        assert_eq!(
            r.after_authentication(&facts(Some(&bob), "127.0.0.1")),
            Verdict::Authenticate
        );
        // RequireNone.
        let r = AccessRules::any(vec![Require::All(vec![
            Require::ValidUser,
            Require::None(vec![Require::parse("user bob").unwrap()]),
        ])])
        .unwrap();
        assert_eq!(
            r.after_authentication(&facts(Some(&bob), "127.0.0.1")),
            Verdict::Authenticate
        );
        assert_eq!(
            r.after_authentication(&facts(Some(&alice), "127.0.0.1")),
            Verdict::Allow
        );
    }

    #[test]
    fn expr_wants_a_user_only_when_it_reads_remote_user() {
        let r = rules(&[r#"expr "%{REMOTE_USER} == 'alice'""#]);
        assert_eq!(
            r.before_authentication(&facts(None, "127.0.0.1")),
            Verdict::Authenticate
        );
        let alice = Principal::new("alice", "Basic", None);
        assert_eq!(
            r.after_authentication(&facts(Some(&alice), "127.0.0.1")),
            Verdict::Allow
        );
        let r = rules(&[r#"expr "%{REQUEST_METHOD} == 'POST'""#]);
        assert_eq!(
            r.before_authentication(&facts(None, "127.0.0.1")),
            Verdict::Forbidden
        );
    }

    #[test]
    fn no_lines_grant() {
        let r = AccessRules::any(Vec::new()).unwrap();
        assert_eq!(
            r.before_authentication(&facts(None, "127.0.0.1")),
            Verdict::Allow
        );
    }

    #[test]
    fn method_and_ssl() {
        assert_eq!(
            rules(&["method GET HEAD"]).before_authentication(&facts(None, "127.0.0.1")),
            Verdict::Allow
        );
        assert_eq!(
            rules(&["method POST"]).before_authentication(&facts(None, "127.0.0.1")),
            Verdict::Forbidden
        );
        assert_eq!(
            rules(&["ssl"]).before_authentication(&facts(None, "127.0.0.1")),
            Verdict::Forbidden
        );
        assert_eq!(
            rules(&["ssl-verify-client"]).before_authentication(&facts(None, "127.0.0.1")),
            Verdict::Forbidden
        );
    }
}
