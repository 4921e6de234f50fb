//! The Digest client (RFC 7616 section 3.4, RFC 2617 section 3.2.2).

use crate::compute::{self, DigestInput, Qop, hex, unhex};
use crate::{ALL_ALGORITHMS, Algorithm, Error};
use httpauth_core::{
    AuthParam, AuthParams, BodyDigest, Challenge, Credentials, ParamForm, Password, SecretBytes,
};
use subtle::ConstantTimeEq;

/// The state kept for the nonce in use.
struct NonceState {
    realm: String,
    nonce: String,
    opaque: Option<String>,
    algorithm: Algorithm,
    /// Offered qops; empty for an RFC 2069 server.
    qops: Vec<Qop>,
    userhash: bool,
    /// The last nonce count sent with `nonce`.
    nc: u32,
}

/// An RFC 7616 Digest client for one user.
///
/// ```
/// use digest_auth::{Algorithm, DigestClient};
/// use httpauth_core::{AuthParam, Challenge};
///
/// let challenge = Challenge::new("Digest")?
///     .param(AuthParam::quoted("realm", "http-auth@example.org")?)?
///     .param(AuthParam::quoted("qop", "auth, auth-int")?)?
///     .param(AuthParam::token("algorithm", "SHA-256")?)?
///     .param(AuthParam::quoted("nonce", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v")?)?;
/// let mut client = DigestClient::new("Mufasa", "Circle of Life".into());
/// let auth = client.respond(&[challenge], "GET", "/dir/index.html", None)?;
/// assert_eq!(auth.credentials().value("algorithm"), Some("SHA-256"));
/// assert_eq!(auth.algorithm(), Algorithm::Sha256);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Flow: on a 401, [`respond`](Self::respond) to all its challenges (from every
/// `WWW-Authenticate` line); send the request with [`Authorization::credentials`]; on
/// success pass `Authentication-Info` to
/// [`verify_authentication_info`](Self::verify_authentication_info); reuse the nonce for
/// later requests with [`authorize`](Self::authorize). A second 401 without `stale=true`
/// after [`respond`](Self::respond) means the password is wrong:
/// [`Error::CredentialsRejected`]. With `stale=true` the client answers the new nonce with
/// the password it holds.
pub struct DigestClient {
    username: String,
    password: Password,
    algorithms: Vec<Algorithm>,
    rfc2069: bool,
    state: Option<NonceState>,
    /// Credentials were sent by `respond` and no success was seen since.
    awaiting: bool,
}

impl core::fmt::Debug for DigestClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DigestClient")
            .field("username", &self.username)
            .field("algorithms", &self.algorithms)
            .finish_non_exhaustive()
    }
}

/// Credentials for one request, and what is needed to check the server's `rspauth`.
pub struct Authorization {
    credentials: Credentials,
    algorithm: Algorithm,
    nonce: String,
    cnonce: Option<String>,
    qop: Option<(Qop, u32)>,
    uri: String,
    ha1: SecretBytes,
}

impl core::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Authorization")
            .field("credentials", &self.credentials)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl Authorization {
    /// The credentials to send in `Authorization` (format with `httpauth-headers`).
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Consumes this value, returning the credentials.
    pub fn into_credentials(self) -> Credentials {
        self.credentials
    }

    /// The algorithm used.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The qop used; `None` in RFC 2069 mode.
    pub fn qop(&self) -> Option<Qop> {
        self.qop.map(|(q, _)| q)
    }
}

/// The qop-options of a challenge: `qop="auth, auth-int"`. Unknown values are skipped.
fn offered_qops(c: &Challenge) -> Option<Vec<Qop>> {
    let v = c.value("qop")?;
    Some(
        v.split(',')
            .filter_map(|t| Qop::from_token(t.trim()))
            .collect(),
    )
}

fn is_true(v: Option<&str>) -> bool {
    v.is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

impl DigestClient {
    /// A client for `username` with `password`, supporting all six algorithms and the
    /// RFC 2069 fallback.
    pub fn new(username: impl Into<String>, password: Password) -> Self {
        Self {
            username: username.into(),
            password,
            algorithms: ALL_ALGORITHMS.to_vec(),
            rfc2069: true,
            state: None,
            awaiting: false,
        }
    }

    /// Restricts the algorithms this client answers (e.g. to refuse MD5).
    pub fn algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.algorithms = algorithms.to_vec();
        self
    }

    /// Whether to answer servers that offer no qop (RFC 2069 mode, no replay protection
    /// and no `cnonce`). Default true.
    pub fn allow_rfc2069_legacy(mut self, allow: bool) -> Self {
        self.rfc2069 = allow;
        self
    }

    /// Picks the challenge to answer among `challenges`: Digest challenges with a
    /// supported algorithm and qop, strongest hash first, a qop preferred over none,
    /// then in the order offered.
    fn select<'c>(
        &self,
        challenges: &'c [Challenge],
    ) -> Option<(&'c Challenge, Algorithm, Vec<Qop>)> {
        type Candidate<'c> = ((u8, u8, usize), &'c Challenge, Algorithm, Vec<Qop>);
        let mut best: Option<Candidate<'c>> = None;
        for (i, c) in challenges.iter().enumerate() {
            if !c.is_scheme("Digest") || c.value("realm").is_none() || c.value("nonce").is_none() {
                continue;
            }
            let alg = match c.value("algorithm") {
                None => Algorithm::Md5,
                Some(t) => match Algorithm::from_token(t) {
                    Some(a) => a,
                    None => continue,
                },
            };
            if !self.algorithms.contains(&alg) {
                continue;
            }
            let qops = match offered_qops(c) {
                Some(q) if q.is_empty() => continue,
                Some(q) => q,
                None if self.rfc2069 && !alg.is_sess() => Vec::new(),
                None => continue,
            };
            let rank = (alg.strength_rank(), u8::from(qops.is_empty()), i);
            if best.as_ref().is_none_or(|b| rank < b.0) {
                best = Some((rank, c, alg, qops));
            }
        }
        best.map(|(_, c, a, q)| (c, a, q))
    }

    /// Answers a 401/407: picks the strongest supported challenge and computes credentials
    /// for `method` and `uri` (the request-target as sent). `body` supplies `H(entity-body)`
    /// for `auth-int` (`None` is an empty body); `auth-int` is chosen when offered and a
    /// body is given, or when it is the only qop offered.
    ///
    /// # Errors
    /// [`Error::NoSupportedChallenge`]; [`Error::CredentialsRejected`] when the previous
    /// `respond` was answered with a challenge that is not `stale=true`;
    /// [`Error::Random`].
    pub fn respond(
        &mut self,
        challenges: &[Challenge],
        method: &str,
        uri: &str,
        body: Option<&dyn BodyDigest>,
    ) -> Result<Authorization, Error> {
        let (c, algorithm, qops) = self.select(challenges).ok_or(Error::NoSupportedChallenge)?;
        let stale = is_true(c.value("stale"));
        if self.awaiting && !stale {
            self.awaiting = false;
            return Err(Error::CredentialsRejected);
        }
        let realm = c.value("realm").ok_or(Error::MissingParameter("realm"))?;
        let nonce = c.value("nonce").ok_or(Error::MissingParameter("nonce"))?;
        self.state = Some(NonceState {
            realm: realm.to_owned(),
            nonce: nonce.to_owned(),
            opaque: c.value("opaque").map(str::to_owned),
            algorithm,
            qops,
            userhash: is_true(c.value("userhash")),
            nc: 0,
        });
        let auth = self.build(method, uri, body)?;
        self.awaiting = true;
        Ok(auth)
    }

    /// Credentials for another request under the nonce in use (the next `nc`), without
    /// waiting for a 401 (RFC 7616 section 3.4: the client may reuse a nonce).
    /// `Ok(None)` before any challenge was answered.
    ///
    /// # Errors
    /// [`Error::NonceCountExhausted`], [`Error::Random`].
    pub fn authorize(
        &mut self,
        method: &str,
        uri: &str,
        body: Option<&dyn BodyDigest>,
    ) -> Result<Option<Authorization>, Error> {
        if self.state.is_none() {
            return Ok(None);
        }
        self.awaiting = false;
        self.build(method, uri, body).map(Some)
    }

    /// Records that the last request succeeded (when the server sent no
    /// `Authentication-Info`).
    pub fn mark_success(&mut self) {
        self.awaiting = false;
    }

    fn build(
        &mut self,
        method: &str,
        uri: &str,
        body: Option<&dyn BodyDigest>,
    ) -> Result<Authorization, Error> {
        let st = self.state.as_mut().ok_or(Error::NoSupportedChallenge)?;
        let alg = st.algorithm;
        let qop = if st.qops.is_empty() {
            None
        } else if st.qops.contains(&Qop::AuthInt)
            && (body.is_some() || !st.qops.contains(&Qop::Auth))
        {
            Some(Qop::AuthInt)
        } else {
            Some(Qop::Auth)
        };
        let body_hash = match qop {
            Some(Qop::AuthInt) => Some(match body {
                Some(b) => b.body_digest(alg.hash()).ok_or(Error::BodyDigestRequired)?,
                None => crate::BodyHasher::digest_all(&[alg.hash()], b"")
                    .get(alg.hash())
                    .map(<[u8]>::to_vec)
                    .ok_or(Error::BodyDigestRequired)?,
            }),
            _ => None,
        };
        let (qop, cnonce) = match qop {
            Some(q) => {
                st.nc = st.nc.checked_add(1).ok_or(Error::NonceCountExhausted)?;
                let mut r = [0u8; 16];
                getrandom::fill(&mut r).map_err(|_| Error::Random)?;
                (Some((q, st.nc)), Some(hex(&r)))
            }
            None => (None, None),
        };
        let ha1 = compute::ha1(alg, &self.username, &st.realm, &self.password);
        let input = DigestInput {
            algorithm: alg,
            nonce: &st.nonce,
            cnonce: cnonce.as_deref(),
            qop,
            method,
            uri,
            body_hash: body_hash.as_deref(),
        };
        let response = hex(&compute::response(&input, &ha1)?);

        let mut c = Credentials::new("Digest")?;
        // username: hashed (section 3.4.4), quoted, or RFC 8187 username* when it cannot
        // be sent as an ASCII quoted-string (section 3.4).
        if st.userhash {
            c.push(AuthParam::quoted(
                "username",
                compute::userhash(alg, &self.username, &st.realm),
            )?)?;
        } else if self.username.is_ascii() && httpauth_core::syntax::is_quotable(&self.username) {
            c.push(AuthParam::quoted("username", self.username.as_str())?)?;
        } else {
            c.push(AuthParam::with_form(
                "username",
                self.username.as_str(),
                ParamForm::Extended,
            )?)?;
        }
        c.push(AuthParam::quoted("realm", st.realm.as_str())?)?;
        c.push(AuthParam::quoted("uri", uri)?)?;
        c.push(AuthParam::token("algorithm", alg.as_str())?)?;
        c.push(AuthParam::quoted("nonce", st.nonce.as_str())?)?;
        if let (Some((q, nc)), Some(cn)) = (qop, &cnonce) {
            c.push(AuthParam::token("nc", format!("{nc:08x}"))?)?;
            c.push(AuthParam::quoted("cnonce", cn.as_str())?)?;
            c.push(AuthParam::token("qop", q.as_str())?)?;
        }
        c.push(AuthParam::quoted("response", response)?)?;
        if let Some(o) = &st.opaque {
            c.push(AuthParam::quoted("opaque", o.as_str())?)?;
        }
        if st.userhash {
            c.push(AuthParam::token("userhash", "true")?)?;
        }
        Ok(Authorization {
            credentials: c,
            algorithm: alg,
            nonce: st.nonce.clone(),
            cnonce,
            qop,
            uri: uri.to_owned(),
            ha1,
        })
    }

    /// Checks `Authentication-Info` (RFC 7616 section 3.5) for the request sent with
    /// `auth`: `rspauth`, when present, must be right (it proves the server knows the
    /// password); `cnonce`, `nc` and `qop`, when present, must echo the request's.
    /// A `nextnonce` replaces the nonce in use. For `auth-int`, `response_body` supplies
    /// the response body's digest.
    ///
    /// # Errors
    /// [`Error::RspauthMismatch`], [`Error::InvalidParameter`] for a mismatched echo,
    /// [`Error::BodyDigestRequired`].
    pub fn verify_authentication_info(
        &mut self,
        auth: &Authorization,
        info: &AuthParams,
        response_body: Option<&dyn BodyDigest>,
    ) -> Result<(), Error> {
        if let Some(c) = info.value("cnonce")
            && Some(c) != auth.cnonce.as_deref()
        {
            return Err(Error::InvalidParameter("cnonce"));
        }
        if let Some(nc) = info.value("nc") {
            let ours = auth.qop.map(|(_, n)| n);
            if u32::from_str_radix(nc, 16).ok() != ours || nc.len() != 8 {
                return Err(Error::InvalidParameter("nc"));
            }
        }
        if let Some(q) = info.value("qop")
            && Qop::from_token(q) != auth.qop()
        {
            return Err(Error::InvalidParameter("qop"));
        }
        if let Some(rsp) = info.value("rspauth") {
            let body_hash = match auth.qop() {
                Some(Qop::AuthInt) => Some(
                    response_body
                        .and_then(|b| b.body_digest(auth.algorithm.hash()))
                        .ok_or(Error::BodyDigestRequired)?,
                ),
                _ => None,
            };
            let input = DigestInput {
                algorithm: auth.algorithm,
                nonce: &auth.nonce,
                cnonce: auth.cnonce.as_deref(),
                qop: auth.qop,
                method: "",
                uri: &auth.uri,
                body_hash: body_hash.as_deref(),
            };
            let expected = compute::rspauth(&input, &auth.ha1)?;
            let given = unhex(rsp).unwrap_or_default();
            if !bool::from(expected.ct_eq(&given)) {
                return Err(Error::RspauthMismatch);
            }
        }
        if let Some(next) = info.value("nextnonce")
            && let Some(st) = self.state.as_mut()
            && !next.is_empty()
            && st.nonce != next
        {
            st.nonce = next.to_owned();
            st.nc = 0;
        }
        self.awaiting = false;
        Ok(())
    }

    /// The nonce in use, if any.
    pub fn current_nonce(&self) -> Option<&str> {
        self.state.as_ref().map(|s| s.nonce.as_str())
    }
}
