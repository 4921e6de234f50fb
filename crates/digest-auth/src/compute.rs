//! The Digest computations of RFC 7616 section 3.4 (RFC 2617 section 3.2.2), as plain
//! functions: the lowest layer of the API, used by the server, the client and the tests.
//!
//! ```text
//! response  = KD( H(A1), nonce ":" nc ":" cnonce ":" qop ":" H(A2) )   ; qop present
//! response  = KD( H(A1), nonce ":" H(A2) )                            ; RFC 2069, no qop
//! KD(s, d)  = H( s ":" d )
//! A1        = username ":" realm ":" passwd                          ; plain algorithms
//! A1        = H( username ":" realm ":" passwd ) ":" nonce ":" cnonce ; -sess algorithms
//! A2        = Method ":" request-uri                                  ; qop=auth
//! A2        = Method ":" request-uri ":" H(entity-body)               ; qop=auth-int
//! rspauth   : the same, with an empty Method (RFC 7616 section 3.5)
//! userhash  = H( unq(username) ":" unq(realm) )                       ; section 3.4.4
//! ```
//!
//! Hashes travel as lowercase hex. Secret values (`H(A1)` and its hex form) are held in
//! zeroizing buffers and hex-encoded without table lookups.

use crate::{Algorithm, Error, algorithm::hash_parts};
use httpauth_core::{Password, SecretBytes};
use zeroize::Zeroizing;

/// A Digest `qop` value (RFC 7616 section 3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Qop {
    /// `auth`: authentication only.
    Auth,
    /// `auth-int`: authentication with integrity protection of the entity body.
    AuthInt,
}

impl Qop {
    /// The token as sent.
    pub const fn as_str(self) -> &'static str {
        match self {
            Qop::Auth => "auth",
            Qop::AuthInt => "auth-int",
        }
    }

    /// Parses a token, ignoring ASCII case.
    pub fn from_token(token: &str) -> Option<Self> {
        if token.eq_ignore_ascii_case("auth") {
            Some(Qop::Auth)
        } else if token.eq_ignore_ascii_case("auth-int") {
            Some(Qop::AuthInt)
        } else {
            None
        }
    }
}

/// The per-request inputs of a Digest response, everything but the secret.
#[derive(Debug, Clone, Copy)]
pub struct DigestInput<'a> {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The server nonce.
    pub nonce: &'a str,
    /// The client nonce; required with a qop and with the `-sess` algorithms.
    pub cnonce: Option<&'a str>,
    /// The qop and nonce count; `None` for RFC 2069 compatibility mode.
    pub qop: Option<(Qop, u32)>,
    /// The request method; empty when computing `rspauth`.
    pub method: &'a str,
    /// The `uri` parameter (the request-target as the client sent it).
    pub uri: &'a str,
    /// Raw `H(entity-body)` under the algorithm's hash, for `auth-int`.
    pub body_hash: Option<&'a [u8]>,
}

/// Lowercase hex without secret-dependent branches or table lookups.
pub(crate) fn hex_ct(bytes: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(bytes.len() * 2));
    for &b in bytes {
        out.push(hex_nibble(b >> 4));
        out.push(hex_nibble(b & 0x0f));
    }
    out
}

/// `n` in `0..16` to `0-9a-f`: adds 39 (`'a' - '0' - 10`) when `n > 9`, with the
/// comparison done as an arithmetic shift instead of a branch.
const fn hex_nibble(n: u8) -> u8 {
    let n = n as i16;
    let adjust = ((9 - n) >> 8) & 39;
    (n + 48 + adjust) as u8
}

/// Lowercase hex of public bytes.
pub fn hex(bytes: &[u8]) -> String {
    let v = hex_ct(bytes);
    // hex_ct emits ASCII only.
    v.iter().map(|&b| b as char).collect()
}

/// Decodes hex (either case). `None` for odd length or a non-hex character.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    fn val(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    b.chunks_exact(2)
        .map(|p| Some((val(p[0])? << 4) | val(p[1])?))
        .collect()
}

/// `H(username ":" realm ":" password)`, raw bytes: what an htdigest file stores (hex) and
/// what [`CredentialQuery::DigestHa1`](httpauth_core::CredentialQuery) returns.
/// For a `-sess` algorithm this is the inner hash; the session key is derived per nonce.
pub fn ha1(algorithm: Algorithm, username: &str, realm: &str, password: &Password) -> SecretBytes {
    SecretBytes::new(hash_parts(
        algorithm,
        &[
            username.as_bytes(),
            b":",
            realm.as_bytes(),
            b":",
            password.as_bytes(),
        ],
    ))
}

/// `userhash = H(username ":" realm)` in lowercase hex (RFC 7616 section 3.4.4).
pub fn userhash(algorithm: Algorithm, username: &str, realm: &str) -> String {
    hex(&hash_parts(
        algorithm,
        &[username.as_bytes(), b":", realm.as_bytes()],
    ))
}

/// The hex `H(A1)` that keys `KD`: `hex(ha1)`, or for `-sess`
/// `hex(H(hex(ha1) ":" nonce ":" cnonce))`.
fn session_key(input: &DigestInput<'_>, ha1: &SecretBytes) -> Result<Zeroizing<Vec<u8>>, Error> {
    let ha1_hex = hex_ct(ha1.expose_secret());
    if !input.algorithm.is_sess() {
        return Ok(ha1_hex);
    }
    let cnonce = input.cnonce.ok_or(Error::MissingParameter("cnonce"))?;
    let inner = Zeroizing::new(hash_parts(
        input.algorithm,
        &[
            &ha1_hex,
            b":",
            input.nonce.as_bytes(),
            b":",
            cnonce.as_bytes(),
        ],
    ));
    Ok(hex_ct(&inner))
}

/// The response digest (raw bytes; send it as [`hex`]).
///
/// # Errors
/// [`Error::MissingParameter`] if `cnonce` is absent with a qop or a `-sess` algorithm,
/// [`Error::BodyDigestRequired`] for `auth-int` without `body_hash`.
pub fn response(input: &DigestInput<'_>, ha1: &SecretBytes) -> Result<Vec<u8>, Error> {
    let key = session_key(input, ha1)?;
    let alg = input.algorithm;
    let body_hex;
    let mut a2: Vec<&[u8]> = vec![input.method.as_bytes(), b":", input.uri.as_bytes()];
    if let Some((Qop::AuthInt, _)) = input.qop {
        body_hex = hex(input.body_hash.ok_or(Error::BodyDigestRequired)?);
        a2.push(b":");
        a2.push(body_hex.as_bytes());
    }
    let ha2 = hex(&hash_parts(alg, &a2));
    Ok(match input.qop {
        Some((qop, nc)) => {
            let cnonce = input.cnonce.ok_or(Error::MissingParameter("cnonce"))?;
            let nc = format!("{nc:08x}");
            hash_parts(
                alg,
                &[
                    &key,
                    b":",
                    input.nonce.as_bytes(),
                    b":",
                    nc.as_bytes(),
                    b":",
                    cnonce.as_bytes(),
                    b":",
                    qop.as_str().as_bytes(),
                    b":",
                    ha2.as_bytes(),
                ],
            )
        }
        None => hash_parts(
            alg,
            &[&key, b":", input.nonce.as_bytes(), b":", ha2.as_bytes()],
        ),
    })
}

/// The `rspauth` of `Authentication-Info` (RFC 7616 section 3.5): [`response`] with an
/// empty method. For `auth-int`, `input.body_hash` is the hash of the *response* body.
///
/// # Errors
/// As [`response`].
pub fn rspauth(input: &DigestInput<'_>, ha1: &SecretBytes) -> Result<Vec<u8>, Error> {
    response(
        &DigestInput {
            method: "",
            ..*input
        },
        ha1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_matches_naive() {
        let all: Vec<u8> = (0..=255).collect();
        let naive: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(&all), naive);
        assert_eq!(unhex(&naive), Some(all.clone()));
        assert_eq!(unhex(&naive.to_uppercase()), Some(all));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
