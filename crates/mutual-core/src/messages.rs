//! The seven messages of RFC 8120 section 4 as typed values, parsed from and written to
//! `httpauth-core` parameter lists.
//!
//! Parsers take the parameters a header parser produced (unescaped, RFC 8187 values
//! decoded); serialisers choose the canonical forms of section 3.2 (tokens and integers
//! bare, strings and base64-fixed-numbers quoted, non-ASCII strings as RFC 8187 values,
//! `realm` always a plain quoted-string).

use crate::encoding::{hex_decode, hex_encode, is_extensive_token, parse_integer};
use crate::scope::{AuthScope, Validation};
use crate::{Algorithm, Error, algorithm_by_token};
use httpauth_core::{AuthParam, AuthParams, Challenge, Credentials, ParamForm};

/// The auth-scheme name (RFC 8120 section 3).
pub const SCHEME: &str = "Mutual";

/// The longest `sid` accepted, in octets (a server generating more than 64 octets of session
/// identifier is not plausible; the bound keeps store keys small).
pub const MAX_SID_LEN: usize = 64;

/// The longest user name, realm or auth-scope accepted, in octets.
pub const MAX_STRING_LEN: usize = 1024;

/// The protection space a message belongs to: (algorithm, auth-scope, realm) plus the
/// validation method (RFC 8120 sections 4.1 and 5).
#[derive(Debug, Clone)]
pub struct Space {
    /// The algorithm.
    pub algorithm: &'static dyn Algorithm,
    /// The host validation method.
    pub validation: Validation,
    /// The canonical auth-scope; `None` when the peer omitted it (section 4.1: then the
    /// single-server scope of the request is meant).
    pub auth_scope: Option<String>,
    /// The realm.
    pub realm: String,
}

impl PartialEq for Space {
    fn eq(&self, other: &Self) -> bool {
        self.algorithm.token() == other.algorithm.token()
            && self.validation == other.validation
            && self.auth_scope == other.auth_scope
            && self.realm == other.realm
    }
}

impl Eq for Space {}

impl Space {
    fn parse(ps: &AuthParams) -> Result<Self, Error> {
        check_version(ps)?;
        let algorithm = algorithm_by_token(token(ps, "algorithm")?)?;
        let validation = Validation::from_token(token(ps, "validation")?)?;
        let auth_scope = match ps.get("auth-scope") {
            Some(p) => Some(AuthScope::parse(bounded(p.value())?)?),
            None => None,
        }
        .map(|s| s.canonical());
        let realm = ps.get("realm").ok_or(Error::MissingParameter("realm"))?;
        // RFC 8120 section 3.1 / RFC 7235: realm is never an RFC 8187 extended parameter.
        if realm.is_extended() {
            return Err(Error::ExtendedRealm);
        }
        // The realm is always sent as a quoted-string (section 3.1), which cannot carry
        // control characters: refuse what could never be echoed back.
        if !httpauth_core::syntax::is_quotable(realm.value()) {
            return Err(Error::InvalidString("realm"));
        }
        Ok(Self {
            algorithm,
            validation,
            auth_scope,
            realm: bounded(realm.value())?.to_owned(),
        })
    }

    fn write(&self, ps: &mut AuthParams) -> Result<(), Error> {
        ps.push(AuthParam::token("version", "1")?)?;
        ps.push(AuthParam::token("algorithm", self.algorithm.token())?)?;
        ps.push(AuthParam::token("validation", self.validation.token())?)?;
        if let Some(s) = &self.auth_scope {
            ps.push(string_param("auth-scope", s)?)?;
        }
        ps.push(AuthParam::quoted("realm", self.realm.clone())?)?;
        Ok(())
    }
}

/// The `reason` of a 401-INIT or 401-STALE (RFC 8120 section 4.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// `initial`: no authentication was tried.
    Initial,
    /// `stale-session`: the sid is unknown or expired (this makes the message a 401-STALE).
    StaleSession,
    /// `auth-failed`.
    AuthFailed,
    /// `reauth-needed`.
    ReauthNeeded,
    /// `invalid-parameters`.
    InvalidParameters,
    /// `internal-error`.
    InternalError,
    /// `user-unknown` (NOT RECOMMENDED: never sent by this server).
    UserUnknown,
    /// `invalid-credential` (NOT RECOMMENDED: never sent by this server).
    InvalidCredential,
    /// `authz-failed`.
    AuthzFailed,
    /// Any other extensive-token; clients treat it as `auth-failed`.
    Other(String),
}

impl Reason {
    /// The token.
    pub fn as_str(&self) -> &str {
        match self {
            Reason::Initial => "initial",
            Reason::StaleSession => "stale-session",
            Reason::AuthFailed => "auth-failed",
            Reason::ReauthNeeded => "reauth-needed",
            Reason::InvalidParameters => "invalid-parameters",
            Reason::InternalError => "internal-error",
            Reason::UserUnknown => "user-unknown",
            Reason::InvalidCredential => "invalid-credential",
            Reason::AuthzFailed => "authz-failed",
            Reason::Other(s) => s,
        }
    }

    /// Parses a reason token (case-insensitive).
    ///
    /// # Errors
    /// [`Error::InvalidToken`] if it is not an extensive-token.
    pub fn parse(s: &str) -> Result<Self, Error> {
        if !is_extensive_token(s) {
            return Err(Error::InvalidToken("reason"));
        }
        let l = s.to_ascii_lowercase();
        Ok(match l.as_str() {
            "initial" => Reason::Initial,
            "stale-session" => Reason::StaleSession,
            "auth-failed" => Reason::AuthFailed,
            "reauth-needed" => Reason::ReauthNeeded,
            "invalid-parameters" => Reason::InvalidParameters,
            "internal-error" => Reason::InternalError,
            "user-unknown" => Reason::UserUnknown,
            "invalid-credential" => Reason::InvalidCredential,
            "authz-failed" => Reason::AuthzFailed,
            _ => Reason::Other(l),
        })
    }

    /// Every reason token RFC 8120 section 4.1 defines.
    pub const DEFINED: [Reason; 9] = [
        Reason::Initial,
        Reason::StaleSession,
        Reason::AuthFailed,
        Reason::ReauthNeeded,
        Reason::InvalidParameters,
        Reason::InternalError,
        Reason::UserUnknown,
        Reason::InvalidCredential,
        Reason::AuthzFailed,
    ];
}

/// A challenge from the server: 401-INIT / 401-STALE or 401-KEX-S1.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerChallenge {
    /// 401-INIT (or 401-STALE when `reason` is `stale-session`), section 4.1.
    Init {
        /// The protection space.
        space: Space,
        /// Why.
        reason: Reason,
    },
    /// 401-KEX-S1, section 4.3.
    KexS1 {
        /// The protection space.
        space: Space,
        /// The session identifier.
        sid: Vec<u8>,
        /// K_s1.
        ks1: Vec<u8>,
        /// The largest nonce number the server accepts.
        nc_max: u64,
        /// The nc window.
        nc_window: u64,
        /// Suggested session reuse time in seconds.
        time: u64,
        /// Space-separated list of URIs, if sent.
        path: Option<String>,
    },
}

/// Credentials from the client: req-KEX-C1 or req-VFY-C.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientCredentials {
    /// req-KEX-C1, section 4.2.
    KexC1 {
        /// The protection space.
        space: Space,
        /// The user name.
        user: String,
        /// K_c1.
        kc1: Vec<u8>,
    },
    /// req-VFY-C, section 4.4.
    VfyC {
        /// The protection space.
        space: Space,
        /// The session identifier.
        sid: Vec<u8>,
        /// The nonce number.
        nc: u64,
        /// VK_c.
        vkc: Vec<u8>,
    },
}

/// The `Authentication-Info` of a 200-VFY-S (section 4.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VfyS {
    /// The session identifier.
    pub sid: Vec<u8>,
    /// VK_s at the length the algorithm gives it.
    pub vks: String,
}

fn check_version(ps: &AuthParams) -> Result<(), Error> {
    match ps.value("version") {
        Some("1") => Ok(()),
        Some(_) => Err(Error::UnsupportedVersion),
        None => Err(Error::MissingParameter("version")),
    }
}

fn token<'a>(ps: &'a AuthParams, name: &'static str) -> Result<&'a str, Error> {
    let v = ps.value(name).ok_or(Error::MissingParameter(name))?;
    if is_extensive_token(v) {
        Ok(v)
    } else {
        Err(Error::InvalidToken(name))
    }
}

fn bounded(s: &str) -> Result<&str, Error> {
    if s.len() > MAX_STRING_LEN {
        Err(Error::ConflictingParameter("over-long string".into()))
    } else {
        Ok(s)
    }
}

fn integer(ps: &AuthParams, name: &'static str) -> Result<u64, Error> {
    parse_integer(ps.value(name).ok_or(Error::MissingParameter(name))?)
}

fn sid(ps: &AuthParams) -> Result<Vec<u8>, Error> {
    let v = ps.value("sid").ok_or(Error::MissingParameter("sid"))?;
    let s = hex_decode(v, None)?;
    if s.len() > MAX_SID_LEN {
        return Err(Error::WrongLength {
            expected: MAX_SID_LEN,
            actual: s.len(),
        });
    }
    Ok(s)
}

fn number(
    ps: &AuthParams,
    name: &'static str,
    alg: &dyn Algorithm,
    len: usize,
) -> Result<Vec<u8>, Error> {
    alg.wire_encoding()
        .decode(ps.value(name).ok_or(Error::MissingParameter(name))?, len)
}

/// A parameter named `kc<digits>`, `ks<digits>` (reserved by section 15), or exactly `name`.
fn is_reserved(p: &AuthParam, prefix: &str) -> bool {
    let n = p.name().to_ascii_lowercase();
    n.strip_prefix(prefix)
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// A string parameter in its canonical form: quoted when it is ASCII a quoted-string can
/// carry, RFC 8187 otherwise (section 3.1).
pub(crate) fn string_param(name: &str, value: &str) -> Result<AuthParam, Error> {
    let form = if value.is_ascii() && httpauth_core::syntax::is_quotable(value) {
        ParamForm::Quoted
    } else {
        ParamForm::Extended
    };
    Ok(AuthParam::with_form(name, value, form)?)
}

fn number_param(alg: &dyn Algorithm, name: &str, bytes: &[u8]) -> Result<AuthParam, Error> {
    let v = alg.wire_encoding().encode(bytes);
    Ok(match alg.wire_encoding() {
        crate::WireEncoding::Base64FixedNumber => AuthParam::quoted(name, v)?,
        crate::WireEncoding::HexFixedNumber => AuthParam::token(name, v)?,
    })
}

impl ServerChallenge {
    /// Parses the parameters of a `Mutual` challenge.
    ///
    /// # Errors
    /// A missing or malformed parameter, a wrong `version`, or parameters that section 4
    /// makes mutually exclusive (`reason`, `ks#`, `vks`) or forbids (`kc#`, `vkc`).
    pub fn parse(ps: &AuthParams) -> Result<Self, Error> {
        let mut kinds = 0;
        for p in ps {
            if p.is("vkc") || is_reserved(p, "kc") {
                return Err(Error::ConflictingParameter(p.name().into()));
            }
            if p.is("reason") || p.is("vks") || is_reserved(p, "ks") {
                kinds += 1;
            }
        }
        if kinds > 1 {
            return Err(Error::ConflictingParameter("reason/ks#/vks".into()));
        }
        let space = Space::parse(ps)?;
        if let Some(r) = ps.value("reason") {
            return Ok(ServerChallenge::Init {
                space,
                reason: Reason::parse(r)?,
            });
        }
        if ps.get("ks1").is_some() {
            let alg = space.algorithm;
            let path = ps
                .value("path")
                .map(bounded)
                .transpose()?
                .map(str::to_owned);
            return Ok(ServerChallenge::KexS1 {
                sid: sid(ps)?,
                ks1: number(ps, "ks1", alg, alg.element_len())?,
                nc_max: integer(ps, "nc-max")?,
                nc_window: integer(ps, "nc-window")?,
                time: integer(ps, "time")?,
                path,
                space,
            });
        }
        Err(Error::MissingParameter("reason"))
    }

    /// Parses a challenge whose scheme must be `Mutual`.
    ///
    /// # Errors
    /// As [`parse`](Self::parse); [`Error::MissingParameter`] for another scheme or a
    /// `token68`.
    pub fn from_challenge(c: &Challenge) -> Result<Self, Error> {
        if !c.is_scheme(SCHEME) {
            return Err(Error::MissingParameter("Mutual"));
        }
        Self::parse(
            c.param_list()
                .ok_or(Error::MissingParameter("auth-param"))?,
        )
    }

    /// The protection space.
    pub fn space(&self) -> &Space {
        match self {
            ServerChallenge::Init { space, .. } | ServerChallenge::KexS1 { space, .. } => space,
        }
    }

    /// The challenge's parameters in canonical form.
    ///
    /// # Errors
    /// Only for values that cannot be represented (a realm with control characters).
    pub fn to_params(&self) -> Result<AuthParams, Error> {
        let mut ps = AuthParams::new();
        self.space().write(&mut ps)?;
        match self {
            ServerChallenge::Init { reason, .. } => {
                ps.push(AuthParam::token("reason", reason.as_str())?)?;
            }
            ServerChallenge::KexS1 {
                space,
                sid,
                ks1,
                nc_max,
                nc_window,
                time,
                path,
            } => {
                ps.push(AuthParam::token("sid", hex_encode(sid))?)?;
                ps.push(number_param(space.algorithm, "ks1", ks1)?)?;
                ps.push(AuthParam::token("nc-max", nc_max.to_string())?)?;
                ps.push(AuthParam::token("nc-window", nc_window.to_string())?)?;
                ps.push(AuthParam::token("time", time.to_string())?)?;
                if let Some(p) = path {
                    ps.push(string_param("path", p)?)?;
                }
            }
        }
        Ok(ps)
    }

    /// The challenge (`Mutual` scheme).
    ///
    /// # Errors
    /// As [`to_params`](Self::to_params).
    pub fn to_challenge(&self) -> Result<Challenge, Error> {
        Ok(Challenge::with_params(SCHEME, self.to_params()?)?)
    }
}

impl ClientCredentials {
    /// Parses the parameters of `Mutual` credentials.
    ///
    /// # Errors
    /// A missing or malformed parameter, a wrong `version`, or parameters that section 4
    /// makes mutually exclusive (`kc#`, `vkc`) or forbids (`ks#`, `vks`).
    pub fn parse(ps: &AuthParams) -> Result<Self, Error> {
        let mut kinds = 0;
        for p in ps {
            if p.is("vks") || is_reserved(p, "ks") {
                return Err(Error::ConflictingParameter(p.name().into()));
            }
            if p.is("vkc") || is_reserved(p, "kc") {
                kinds += 1;
            }
        }
        if kinds > 1 {
            return Err(Error::ConflictingParameter("kc#/vkc".into()));
        }
        let space = Space::parse(ps)?;
        let alg = space.algorithm;
        if ps.get("kc1").is_some() {
            let user = ps.value("user").ok_or(Error::MissingParameter("user"))?;
            return Ok(ClientCredentials::KexC1 {
                user: bounded(user)?.to_owned(),
                kc1: number(ps, "kc1", alg, alg.element_len())?,
                space,
            });
        }
        if ps.get("vkc").is_some() {
            return Ok(ClientCredentials::VfyC {
                sid: sid(ps)?,
                nc: integer(ps, "nc")?,
                vkc: number(ps, "vkc", alg, alg.hash_len())?,
                space,
            });
        }
        Err(Error::MissingParameter("kc1"))
    }

    /// Parses credentials whose scheme must be `Mutual`.
    ///
    /// # Errors
    /// As [`parse`](Self::parse).
    pub fn from_credentials(c: &Credentials) -> Result<Self, Error> {
        if !c.is_scheme(SCHEME) {
            return Err(Error::MissingParameter("Mutual"));
        }
        Self::parse(
            c.param_list()
                .ok_or(Error::MissingParameter("auth-param"))?,
        )
    }

    /// The protection space.
    pub fn space(&self) -> &Space {
        match self {
            ClientCredentials::KexC1 { space, .. } | ClientCredentials::VfyC { space, .. } => space,
        }
    }

    /// The credentials' parameters in canonical form.
    ///
    /// # Errors
    /// Only for values that cannot be represented.
    pub fn to_params(&self) -> Result<AuthParams, Error> {
        let mut ps = AuthParams::new();
        self.space().write(&mut ps)?;
        match self {
            ClientCredentials::KexC1 { space, user, kc1 } => {
                ps.push(string_param("user", user)?)?;
                ps.push(number_param(space.algorithm, "kc1", kc1)?)?;
            }
            ClientCredentials::VfyC {
                space,
                sid,
                nc,
                vkc,
            } => {
                ps.push(AuthParam::token("sid", hex_encode(sid))?)?;
                ps.push(AuthParam::token("nc", nc.to_string())?)?;
                ps.push(number_param(space.algorithm, "vkc", vkc)?)?;
            }
        }
        Ok(ps)
    }

    /// The credentials (`Mutual` scheme).
    ///
    /// # Errors
    /// As [`to_params`](Self::to_params).
    pub fn to_credentials(&self) -> Result<Credentials, Error> {
        Ok(Credentials::with_params(SCHEME, self.to_params()?)?)
    }
}

impl VfyS {
    /// Parses `Authentication-Info` parameters (RFC 7615 section 3: a bare `#auth-param`
    /// list). RFC 8120 section 2.2 draws `Authentication-Info: Mutual vks=...`; a leading
    /// `Mutual` token is the header parser's business, see `docs/mutual.md`.
    ///
    /// # Errors
    /// A missing `sid` or `vks`, a wrong `version`, or a forbidden `kc#` / `vkc`.
    pub fn parse(ps: &AuthParams) -> Result<Self, Error> {
        for p in ps {
            if p.is("vkc") || p.is("reason") || is_reserved(p, "kc") || is_reserved(p, "ks") {
                return Err(Error::ConflictingParameter(p.name().into()));
            }
        }
        check_version(ps)?;
        Ok(Self {
            sid: sid(ps)?,
            vks: ps
                .value("vks")
                .ok_or(Error::MissingParameter("vks"))?
                .to_owned(),
        })
    }

    /// The `Authentication-Info` parameters: `version`, `sid`, `vks`.
    ///
    /// # Errors
    /// Never for values produced by this crate.
    pub fn to_params(&self, algorithm: &dyn Algorithm) -> Result<AuthParams, Error> {
        let mut ps = AuthParams::new();
        ps.push(AuthParam::token("version", "1")?)?;
        ps.push(AuthParam::token("sid", hex_encode(&self.sid))?)?;
        let vks = match algorithm.wire_encoding() {
            crate::WireEncoding::Base64FixedNumber => AuthParam::quoted("vks", self.vks.clone())?,
            crate::WireEncoding::HexFixedNumber => AuthParam::token("vks", self.vks.clone())?,
        };
        ps.push(vks)?;
        Ok(ps)
    }

    /// Decodes `vks` for `algorithm`.
    ///
    /// # Errors
    /// A malformed or wrong-length value.
    pub fn vks(&self, algorithm: &dyn Algorithm) -> Result<Vec<u8>, Error> {
        algorithm
            .wire_encoding()
            .decode(&self.vks, algorithm.hash_len())
    }
}
