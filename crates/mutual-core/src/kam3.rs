//! The algorithm-independent functions of RFC 8120 section 12.2 (pi, VK_c, VK_s), the
//! intermediate values t_1 and t_2 of RFC 8121 section 3, and the channel-binding values
//! b_1 and b_2 of RFC 8120 section 13.

use crate::algorithm::{Algorithm, MutualHash, hash};
use crate::encoding::{vi, vs};
use crate::{Error, pbkdf2_fast, prep};
use httpauth_core::SecretBytes;

/// The PBKDF2 salt of pi: `VS(algorithm) | VS(auth-scope) | VS(realm) | VS(username)`
/// (RFC 8120 section 12.2). Tokens are used in lower case (section 3.2.1).
pub fn pi_salt(algorithm: &dyn Algorithm, auth_scope: &str, realm: &str, user: &str) -> Vec<u8> {
    let mut salt = vs(algorithm.token().to_ascii_lowercase().as_bytes());
    salt.extend(vs(auth_scope.as_bytes()));
    salt.extend(vs(realm.as_bytes()));
    salt.extend(vs(user.as_bytes()));
    salt
}

/// pi = `INT(PBKDF2(HMAC_H, password, salt, nIterPi, hSize/8))` (RFC 8120 section 12.2)
/// over already-prepared strings (section 9 allows binary interfaces to assume that).
pub fn pi_prepared(
    algorithm: &dyn Algorithm,
    auth_scope: &str,
    realm: &str,
    user: &str,
    password: &[u8],
) -> SecretBytes {
    let salt = pi_salt(algorithm, auth_scope, realm, user);
    let mut out = vec![0u8; algorithm.hash_len()];
    let rounds = algorithm.pi_iterations();
    // Two compression calls per iteration (see `pbkdf2_fast`); cross-checked against the
    // `pbkdf2` crate in its tests.
    match algorithm.mutual_hash() {
        MutualHash::Sha512 => pbkdf2_fast::pbkdf2_hmac_sha512(password, &salt, rounds, &mut out),
        MutualHash::Sha256 => pbkdf2_fast::pbkdf2_hmac_sha256(password, &salt, rounds, &mut out),
    }
    SecretBytes::new(out)
}

/// pi with the section 9 string preparation applied to `user` and `password` first.
///
/// # Errors
/// [`Error::StringPreparation`].
pub fn pi(
    algorithm: &dyn Algorithm,
    auth_scope: &str,
    realm: &str,
    user: &str,
    password: &str,
) -> Result<SecretBytes, Error> {
    let user = prep::prepare_username(user)?;
    let password = prep::prepare_password(password)?;
    Ok(pi_prepared(
        algorithm,
        auth_scope,
        realm,
        &user,
        password.as_bytes(),
    ))
}

/// The server-side credential J(pi) of a user, in the algorithm's wire encoding
/// (base64-fixed-number for DL, hex-fixed-number for EC): what an `htmutual` file stores.
///
/// Applies the RFC 8120 section 9 preparation to `user` and `password`, and canonicalises
/// `auth_scope` ([`AuthScope::parse`](crate::scope::AuthScope::parse): the section 5 form
/// a server announces, so `https://Example.com:443/` derives the same J as
/// `https://example.com`); `algorithm` is a token of RFC 8121 section 3. A file that
/// stores J must key it by the canonical scope too.
///
/// # Errors
/// [`Error::UnknownAlgorithm`], [`Error::InvalidAuthScope`], [`Error::StringPreparation`].
pub fn derive_verifier(
    algorithm: &str,
    auth_scope: &str,
    realm: &str,
    user: &str,
    password: &str,
) -> Result<String, Error> {
    let alg = crate::algorithm_by_token(algorithm)?;
    let auth_scope = crate::scope::AuthScope::parse(auth_scope)?.canonical();
    let pi = pi(alg, &auth_scope, realm, user, password)?;
    let j = alg.verifier(&pi)?;
    Ok(alg.wire_encoding().encode(j.expose_secret()))
}

/// Decodes a verifier written by [`derive_verifier`] and checks it is a valid group element.
///
/// # Errors
/// [`Error::InvalidVerifier`].
pub fn decode_verifier(algorithm: &dyn Algorithm, wire: &str) -> Result<SecretBytes, Error> {
    let j = SecretBytes::new(
        algorithm
            .wire_encoding()
            .decode(wire.trim(), algorithm.element_len())
            .map_err(|_| Error::InvalidVerifier)?,
    );
    algorithm.validate_verifier(&j)?;
    Ok(j)
}

/// t_1 = `H(octet(1) | OCTETS(K_c1))` as big-endian bytes (RFC 8121 sections 3.2, 3.3).
pub fn t1(algorithm: &dyn Algorithm, kc1: &[u8]) -> Vec<u8> {
    hash(algorithm.mutual_hash(), &[&[1], kc1])
}

/// t_2 = `H(octet(2) | OCTETS(K_c1) | OCTETS(K_s1))` as big-endian bytes.
pub fn t2(algorithm: &dyn Algorithm, kc1: &[u8], ks1: &[u8]) -> Vec<u8> {
    hash(algorithm.mutual_hash(), &[&[2], kc1, ks1])
}

/// The public transcript and secret of one session: K_c1, K_s1 and z.
pub struct SessionKeys {
    /// K_c1 at its natural length.
    pub kc1: Vec<u8>,
    /// K_s1 at its natural length.
    pub ks1: Vec<u8>,
    /// The session secret z (secret).
    pub z: SecretBytes,
}

impl core::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SessionKeys")
            .field("kc1", &self.kc1.len())
            .field("ks1", &self.ks1.len())
            .field("z", &self.z)
            .finish()
    }
}

fn vk(algorithm: &dyn Algorithm, tag: u8, keys: &SessionKeys, nc: u64, vh: &[u8]) -> Vec<u8> {
    hash(
        algorithm.mutual_hash(),
        &[
            &[tag],
            &keys.kc1,
            &keys.ks1,
            keys.z.expose_secret(),
            &vi(nc),
            &vs(vh),
        ],
    )
}

/// VK_c = `H(octet(4) | OCTETS(K_c1) | OCTETS(K_s1) | OCTETS(z) | VI(nc) | VS(vh))`
/// (RFC 8120 section 12.2).
pub fn vk_c(algorithm: &dyn Algorithm, keys: &SessionKeys, nc: u64, vh: &[u8]) -> Vec<u8> {
    vk(algorithm, 4, keys, nc, vh)
}

/// VK_s = `H(octet(3) | OCTETS(K_c1) | OCTETS(K_s1) | OCTETS(z) | VI(nc) | VS(vh))`.
pub fn vk_s(algorithm: &dyn Algorithm, keys: &SessionKeys, nc: u64, vh: &[u8]) -> Vec<u8> {
    vk(algorithm, 3, keys, nc, vh)
}

/// b_1 = `H(H(octet(6) | OCTETS(K_c1) | OCTETS(K_s1) | OCTETS(z) | VI(0) | VS(vh)) | VS(t))`
/// (RFC 8120 section 13): binds an application to the authenticated session. Secret.
pub fn b1(algorithm: &dyn Algorithm, keys: &SessionKeys, vh: &[u8], t: &[u8]) -> SecretBytes {
    let inner = SecretBytes::new(vk(algorithm, 6, keys, 0, vh));
    SecretBytes::new(hash(
        algorithm.mutual_hash(),
        &[inner.expose_secret(), &vs(t)],
    ))
}

/// b_2 = `H(H(octet(7) | OCTETS(K_c1) | OCTETS(K_s1) | OCTETS(z) | VI(nc) | VS(vh)) | VS(t))`
/// (RFC 8120 section 13): binds an application payload to one request. Secret.
pub fn b2(
    algorithm: &dyn Algorithm,
    keys: &SessionKeys,
    nc: u64,
    vh: &[u8],
    t: &[u8],
) -> SecretBytes {
    let inner = SecretBytes::new(vk(algorithm, 7, keys, nc, vh));
    SecretBytes::new(hash(
        algorithm.mutual_hash(),
        &[inner.expose_secret(), &vs(t)],
    ))
}

/// The client's half of a key exchange in progress: S_c1 and K_c1. Consumed by
/// [`finish`](Self::finish) so the ephemeral secret is used once.
pub struct ClientKex {
    algorithm: &'static dyn Algorithm,
    s_c1: SecretBytes,
    kc1: Vec<u8>,
}

impl core::fmt::Debug for ClientKex {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientKex")
            .field("algorithm", &self.algorithm.token())
            .finish_non_exhaustive()
    }
}

impl ClientKex {
    /// Starts an exchange with a fresh random S_c1.
    ///
    /// # Errors
    /// [`Error::Rng`].
    pub fn new(algorithm: &'static dyn Algorithm) -> Result<Self, Error> {
        let s = algorithm.random_secret()?;
        Self::with_secret(algorithm, s)
    }

    /// Starts an exchange with a given S_c1 (test vectors and benchmarks, through
    /// [`crate::hazmat::client_kex_with_secret`]).
    pub(crate) fn with_secret(
        algorithm: &'static dyn Algorithm,
        s_c1: SecretBytes,
    ) -> Result<Self, Error> {
        let kc1 = algorithm.client_kc1(&s_c1)?;
        Ok(Self {
            algorithm,
            s_c1,
            kc1,
        })
    }

    /// K_c1.
    pub fn kc1(&self) -> &[u8] {
        &self.kc1
    }

    /// Checks K_s1 and computes z (RFC 8121 sections 3.2, 3.3).
    ///
    /// # Errors
    /// [`Error::InvalidPublicValue`] for an invalid K_s1 (the client MUST check it),
    /// [`Error::ExchangeRejected`].
    pub fn finish(self, pi: &SecretBytes, ks1: &[u8]) -> Result<SessionKeys, Error> {
        let a = self.algorithm;
        a.validate_public(ks1)?;
        let t_1 = t1(a, &self.kc1);
        let t_2 = t2(a, &self.kc1, ks1);
        let z = a.client_z(&self.s_c1, pi, &t_1, &t_2, ks1)?;
        Ok(SessionKeys {
            kc1: self.kc1,
            ks1: ks1.to_vec(),
            z,
        })
    }
}

/// The server's side of a key exchange (RFC 8121 section 3): validates K_c1, computes K_s1
/// with a fresh S_s1 and the server's z in one step, so S_s1 never has to be stored.
/// ([`crate::hazmat::server_exchange_with_secret`] takes a given S_s1, for test vectors.)
///
/// # Errors
/// [`Error::InvalidPublicValue`] for K_c1, [`Error::ExchangeRejected`] for a degenerate
/// K_s1 (RFC 8121 section 5.2), [`Error::Rng`].
pub fn server_exchange(
    algorithm: &dyn Algorithm,
    j: &SecretBytes,
    kc1: &[u8],
) -> Result<SessionKeys, Error> {
    server_exchange_inner(algorithm, j, kc1, None)
}

/// [`server_exchange`] with a fresh S_s1 (`None`) or a given one.
pub(crate) fn server_exchange_inner(
    algorithm: &dyn Algorithm,
    j: &SecretBytes,
    kc1: &[u8],
    s_s1: Option<SecretBytes>,
) -> Result<SessionKeys, Error> {
    algorithm.validate_public(kc1)?;
    let s_s1 = match s_s1 {
        Some(s) => s,
        None => algorithm.random_secret()?,
    };
    algorithm.check_secret(&s_s1, false)?;
    let t_1 = t1(algorithm, kc1);
    let (ks1, z) =
        algorithm.server_ks1_and_z(j, kc1, &t_1, &s_s1, &|ks1| t2(algorithm, kc1, ks1))?;
    Ok(SessionKeys {
        kc1: kc1.to_vec(),
        ks1,
        z,
    })
}
