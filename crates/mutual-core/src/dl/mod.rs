//! RFC 8121 section 3.2: the discrete-logarithm algorithms over the RFC 3526 MODP groups.

mod groups;
pub(crate) mod modexp;

use crate::algorithm::{Algorithm, AlgorithmId, ct_less, random_bytes};
use crate::{Error, encoding};
use httpauth_core::SecretBytes;
use httpauth_modexp::Backend;
use modexp::ModContext;
use std::sync::OnceLock;
use subtle::ConstantTimeEq;

/// A MODP group with q, r = (q-1)/2, g = 2 and their arithmetic contexts.
#[derive(Debug)]
pub(crate) struct DlGroup {
    /// q - 1.
    q_minus_1: Vec<u8>,
    /// r - 1.
    r_minus_1: Vec<u8>,
    /// The smallest S_c1 allowed: log(q)/log(g) rounded up = the bit length of q
    /// (RFC 8121 section 3.2 and Appendix B), big-endian at `len` octets.
    s_c1_min: Vec<u8>,
    pub(crate) mod_q: ModContext,
    mod_r: ModContext,
    len: usize,
}

const G: [u8; 1] = [2];

impl DlGroup {
    fn from_hex_rows(rows: &[&str], backend: Backend) -> Self {
        let hex: String = rows.concat();
        // The constants are compile-time literals checked by the tests below.
        let q = encoding::hex_decode(&hex, None).unwrap_or_default();
        let len = q.len();
        let q_minus_1 = sub_small(&q, 1);
        let r = shr1(&q_minus_1);
        let r_minus_1 = sub_small(&r, 1);
        let mut s_c1_min = vec![0u8; len];
        let bits = (len * 8) as u64;
        for (i, b) in bits.to_be_bytes().iter().rev().enumerate() {
            if let Some(slot) = s_c1_min.get_mut(len.wrapping_sub(1 + i)) {
                *slot = *b;
            }
        }
        let mod_q = ModContext::new(&q, backend).unwrap_or_else(unreachable_group);
        let mod_r = ModContext::new(&r, backend).unwrap_or_else(unreachable_group);
        Self {
            q_minus_1,
            r_minus_1,
            s_c1_min,
            mod_q,
            mod_r,
            len,
        }
    }

    /// 1 < k < q - 1 with k at its natural length. Variable time: public values only
    /// (K_c1, K_s1, stored verifiers).
    fn check_element_vartime(&self, k: &[u8]) -> bool {
        k.len() == self.len && k > &one(self.len)[..] && k < &self.q_minus_1[..]
    }

    /// 1 <= s <= r - 1 (and s >= the minimum for S_c1), in constant time.
    fn check_scalar(&self, s: &[u8], client: bool) -> bool {
        if s.len() != self.len {
            return false;
        }
        let zero = vec![0u8; self.len];
        let mut ok = !s.ct_eq(&zero[..]) & !ct_less(&self.r_minus_1, s);
        if client {
            ok &= !ct_less(s, &self.s_c1_min);
        }
        ok.into()
    }

    /// Reduces a public or secret big-endian number (t_1, t_2, pi) into `len` octets mod r.
    fn mod_r(&self, x: &[u8]) -> Vec<u8> {
        // Multiplying by one reduces modulo r in constant time.
        self.mod_r.mul(x, &one(self.len)).to_vec()
    }
}

#[cold]
fn unreachable_group() -> ModContext {
    // RFC 3526 primes are odd, so this is never reached; an empty context keeps the code
    // panic-free.
    ModContext::new(&[3], Backend::Portable).unwrap_or_else(unreachable_group)
}

fn one(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    if let Some(last) = v.last_mut() {
        *last = 1;
    }
    v
}

fn sub_small(x: &[u8], n: u8) -> Vec<u8> {
    let mut out = x.to_vec();
    let mut borrow = n;
    for b in out.iter_mut().rev() {
        let (v, o) = b.overflowing_sub(borrow);
        *b = v;
        borrow = u8::from(o);
        if borrow == 0 {
            break;
        }
    }
    out
}

fn shr1(x: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; x.len()];
    let mut carry = 0u8;
    for (o, &b) in out.iter_mut().zip(x) {
        *o = (b >> 1) | carry;
        carry = b << 7;
    }
    out
}

/// The RFC 3526 MODP prime `q` of a DL algorithm's group, big-endian: 2048 bits (section
/// 3, group 14) or 4096 bits (section 5, group 16); `None` for other sizes. For tests,
/// benchmarks and callers that need the modulus itself.
pub fn rfc3526_prime(bits: u32) -> Option<Vec<u8>> {
    let rows = match bits {
        2048 => groups::MODP_2048_HEX,
        4096 => groups::MODP_4096_HEX,
        _ => return None,
    };
    encoding::hex_decode(&rows.concat(), None).ok()
}

/// The engine backend of the process-wide groups: set at most once, before the first DL
/// operation, by [`set_backend`]; [`Backend::Auto`] otherwise.
static DL_BACKEND: OnceLock<Backend> = OnceLock::new();

/// The server formulation forced by [`set_server_path`]; `None`: the measured choice.
static DL_SERVER_PATH: OnceLock<Option<ServerPath>> = OnceLock::new();

/// Sets the engine backend of the DL groups (see `crate::hazmat::set_dl_backend`). Takes
/// effect only before the groups are first used; returns whether `backend` is now the
/// configured one.
pub(crate) fn set_backend(backend: Backend) -> bool {
    DL_BACKEND.set(backend).is_ok() || DL_BACKEND.get() == Some(&backend)
}

/// Forces a server formulation (see `crate::hazmat::set_dl_server_path`); returns whether
/// `path` is now the configured one.
pub(crate) fn set_server_path(path: ServerPath) -> bool {
    DL_SERVER_PATH.set(Some(path)).is_ok() || DL_SERVER_PATH.get() == Some(&Some(path))
}

fn configured_backend() -> Backend {
    *DL_BACKEND.get_or_init(Backend::default)
}

pub(crate) fn group_2048() -> &'static DlGroup {
    static G2048: OnceLock<DlGroup> = OnceLock::new();
    G2048.get_or_init(|| DlGroup::from_hex_rows(groups::MODP_2048_HEX, configured_backend()))
}

pub(crate) fn group_4096() -> &'static DlGroup {
    static G4096: OnceLock<DlGroup> = OnceLock::new();
    G4096.get_or_init(|| DlGroup::from_hex_rows(groups::MODP_4096_HEX, configured_backend()))
}

fn dl_verifier(g: &DlGroup, pi: &SecretBytes) -> SecretBytes {
    SecretBytes::new(g.mod_q.pow_ct(&G, pi.expose_secret()).to_vec())
}

fn dl_random_secret(g: &DlGroup) -> Result<SecretBytes, Error> {
    // Rejection sampling over numbers of r's bit length: r = 0x7fff... so one top bit is
    // masked and almost every draw is accepted.
    loop {
        let mut s = random_bytes(g.len)?;
        let mut bytes = s.expose_secret().to_vec();
        bytes[0] &= 0x7f;
        s = SecretBytes::new(bytes);
        if g.check_scalar(s.expose_secret(), true) {
            return Ok(s);
        }
    }
}

fn dl_server_ks1(
    g: &DlGroup,
    j: &SecretBytes,
    kc1: &[u8],
    t_1: &[u8],
    s_s1: &SecretBytes,
) -> Result<Vec<u8>, Error> {
    if !g.check_element_vartime(kc1) {
        return Err(Error::InvalidPublicValue);
    }
    if !g.check_scalar(s_s1.expose_secret(), false) {
        return Err(Error::InvalidSecret);
    }
    if j.len() != g.len {
        return Err(Error::InvalidVerifier);
    }
    // K_c1 and t_1 are public: the variable-time exponentiation leaks nothing secret.
    let kc1_t1 = g.mod_q.pow_vartime(kc1, t_1);
    let base = g.mod_q.mul(j.expose_secret(), &kc1_t1);
    let ks1 = g.mod_q.pow_ct(&base, s_s1.expose_secret()).to_vec();
    // RFC 8121 section 3.2: K_s1 MUST satisfy 1 < K_s1 < q-1, else reject the exchange.
    if !g.check_element_vartime(&ks1) {
        return Err(Error::ExchangeRejected);
    }
    Ok(ks1)
}

fn dl_server_z(
    g: &DlGroup,
    kc1: &[u8],
    t_2: &[u8],
    s_s1: &SecretBytes,
) -> Result<SecretBytes, Error> {
    if !g.check_element_vartime(kc1) {
        return Err(Error::InvalidPublicValue);
    }
    if !g.check_scalar(s_s1.expose_secret(), false) {
        return Err(Error::InvalidSecret);
    }
    let g_t2 = g.mod_q.pow_vartime(&G, t_2);
    let base = g.mod_q.mul(kc1, &g_t2);
    Ok(SecretBytes::new(
        g.mod_q.pow_ct(&base, s_s1.expose_secret()).to_vec(),
    ))
}

/// Which formulation of RFC 8121 section 3.2 the DL server runs (both give the same K_s1
/// and z; the faster one depends on the engine backend and is chosen by measurement unless
/// `crate::hazmat::set_dl_server_path` forces one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerPath {
    /// RFC 8121 section 3.2 as written: `(J * K_c1^t_1)^S_s1`, then `(K_c1 * g^t_2)^S_s1`,
    /// two full-size constant-time exponentiations one after the other.
    Sequential,
    /// `J^S_s1` and `K_c1^S_s1` as one batched pair, `(K_c1^S_s1)^t_1` with the short
    /// t_1, and `g^(S_s1 t_2 mod r)` by the fixed-base method.
    Batched,
}

impl DlGroup {
    /// The faster server formulation for this group's engine backend, as measured
    /// (docs/modexp.md, "Server batching"), unless `crate::hazmat::set_dl_server_path`
    /// forced one (tests and benchmarks run both). The backend is public, so is the choice.
    fn server_path(&self) -> ServerPath {
        let forced = *DL_SERVER_PATH.get_or_init(|| None);
        // Measured (docs/modexp.md, "Server batching"): `Batched` wins where g^e is cheap
        // and the x2 pair beats two single exponentiations: on IFMA at 2048 bits, with the
        // IFMA comb (g^e 0.18 ms, the pair saves 0.57 ms; -23%). At 4096 bits the IFMA x2
        // kernel is two singles, and on the scalar backends x2 gains nothing.
        forced.unwrap_or(match (self.mod_q.backend(), self.len) {
            (Backend::Ifma, 256) => ServerPath::Batched,
            _ => ServerPath::Sequential,
        })
    }

    /// `secret_base ^ t mod q` for a public hash output `t` (t_1) and a secret base
    /// (`K_c1^S_s1`).
    ///
    /// Runs the constant-time exponentiation: `t` has the fixed length of H's output, so
    /// its cost is that of a `8 hSize`-bit exponent whatever the values, and every
    /// intermediate is wiped. (The engine's `pow_vartime` would also keep the base secret,
    /// since its only data-dependent branches and table indices are the exponent's
    /// windows and bit length, and its multiplications and squarings are the same
    /// constant-time kernels with masked final subtraction; but it leaves its table of
    /// base powers unwiped in freed memory, and docs/modexp.md measures the difference as
    /// small.)
    fn pow_public_exp(&self, secret_base: &[u8], t: &[u8]) -> zeroize::Zeroizing<Vec<u8>> {
        self.mod_q.pow_ct(secret_base, t)
    }
}

/// The server's K_s1 and z (RFC 8121 section 3.2) on the given formulation.
///
/// `Batched` rests on the exponent laws in the group Z_q^*, with t_1, t_2 and S_s1 taken as
/// integers (nothing is reduced modulo r, so the identities hold for every K_c1 and J in
/// Z_q^*, of any order):
///
/// ```text
/// K_s1 = (J * K_c1^t_1)^S_s1 = J^S_s1 * K_c1^(t_1 S_s1) = J^S_s1 * (K_c1^S_s1)^t_1
/// z    = (K_c1 * g^t_2)^S_s1 = K_c1^S_s1 * g^(t_2 S_s1) = K_c1^S_s1 * g^(t_2 S_s1 mod r)
/// ```
///
/// (the last step because g has order r; K_c1's order is not known, so its exponents are
/// not reduced), so both produce the same octets; `tests::batched_server_matches_rfc_formulas` checks it
/// over random inputs.
pub(crate) fn dl_server_ks1_and_z(
    g: &DlGroup,
    path: ServerPath,
    j: &SecretBytes,
    kc1: &[u8],
    t_1: &[u8],
    s_s1: &SecretBytes,
    t_2_of: &dyn Fn(&[u8]) -> Vec<u8>,
) -> Result<(Vec<u8>, SecretBytes), Error> {
    if path == ServerPath::Sequential {
        let ks1 = dl_server_ks1(g, j, kc1, t_1, s_s1)?;
        let t_2 = t_2_of(&ks1);
        let z = dl_server_z(g, kc1, &t_2, s_s1)?;
        return Ok((ks1, z));
    }
    if !g.check_element_vartime(kc1) {
        return Err(Error::InvalidPublicValue);
    }
    if !g.check_scalar(s_s1.expose_secret(), false) {
        return Err(Error::InvalidSecret);
    }
    if j.len() != g.len {
        return Err(Error::InvalidVerifier);
    }
    let s = s_s1.expose_secret();
    // Both full-size exponentiations with the secret S_s1 in one batched pair.
    let [j_s, kc1_s] = g.mod_q.pow_ct_x2([j.expose_secret(), kc1], [s, s]);
    let ks1 = g.mod_q.mul(&j_s, &g.pow_public_exp(&kc1_s, t_1)).to_vec();
    // RFC 8121 section 3.2: K_s1 MUST satisfy 1 < K_s1 < q-1, else reject the exchange.
    if !g.check_element_vartime(&ks1) {
        return Err(Error::ExchangeRejected);
    }
    let t_2 = t_2_of(&ks1);
    // g has prime order r (RFC 8121 Appendix A; `rfc8121_appendix_a_groups` checks g^r = 1),
    // so (g^S_s1)^t_2 = g^(S_s1 t_2 mod r): one fixed-base exponentiation (the comb, through
    // `ModContext::pow_ct` with base g) with a constant-time product modulo r, instead of
    // g^S_s1 and a second short exponentiation.
    let e_2 = g.mod_r.mul(s, &g.mod_r(&t_2));
    let z = g.mod_q.mul(&kc1_s, &g.mod_q.pow_ct(&G, &e_2));
    Ok((ks1, SecretBytes::new(z.to_vec())))
}

fn dl_client_z(
    g: &DlGroup,
    s_c1: &SecretBytes,
    pi: &SecretBytes,
    t_1: &[u8],
    t_2: &[u8],
    ks1: &[u8],
) -> Result<SecretBytes, Error> {
    if !g.check_element_vartime(ks1) {
        return Err(Error::InvalidPublicValue);
    }
    if !g.check_scalar(s_c1.expose_secret(), true) {
        return Err(Error::InvalidSecret);
    }
    let s = s_c1.expose_secret();
    // (S_c1 + t_2) / (S_c1 * t_1 + pi) mod r, all in constant time modulo r.
    let num = g.mod_r.add(s, &g.mod_r(t_2));
    let prod = g.mod_r.mul(s, &g.mod_r(t_1));
    let den = g.mod_r.add(&prod, &g.mod_r(pi.expose_secret()));
    let e = g.mod_r.div(&num, &den).ok_or(Error::ExchangeRejected)?;
    Ok(SecretBytes::new(g.mod_q.pow_ct(ks1, &e).to_vec()))
}

macro_rules! dl_algorithm {
    ($(#[$doc:meta])* $name:ident, $id:expr, $group:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl Algorithm for $name {
            fn id(&self) -> AlgorithmId {
                $id
            }
            fn validate_public(&self, k: &[u8]) -> Result<(), Error> {
                if $group().check_element_vartime(k) {
                    Ok(())
                } else {
                    Err(Error::InvalidPublicValue)
                }
            }
            fn verifier(&self, pi: &SecretBytes) -> Result<SecretBytes, Error> {
                if pi.len() != self.hash_len() {
                    return Err(Error::InvalidSecret);
                }
                Ok(dl_verifier($group(), pi))
            }
            fn validate_verifier(&self, j: &SecretBytes) -> Result<(), Error> {
                if $group().check_element_vartime(j.expose_secret()) {
                    Ok(())
                } else {
                    Err(Error::InvalidVerifier)
                }
            }
            fn random_secret(&self) -> Result<SecretBytes, Error> {
                dl_random_secret($group())
            }
            fn check_secret(&self, s: &SecretBytes, client: bool) -> Result<(), Error> {
                if $group().check_scalar(s.expose_secret(), client) {
                    Ok(())
                } else {
                    Err(Error::InvalidSecret)
                }
            }
            fn client_kc1(&self, s_c1: &SecretBytes) -> Result<Vec<u8>, Error> {
                self.check_secret(s_c1, true)?;
                Ok($group().mod_q.pow_ct(&G, s_c1.expose_secret()).to_vec())
            }
            fn server_ks1(
                &self,
                j: &SecretBytes,
                kc1: &[u8],
                t_1: &[u8],
                s_s1: &SecretBytes,
            ) -> Result<Vec<u8>, Error> {
                dl_server_ks1($group(), j, kc1, t_1, s_s1)
            }
            fn server_z(
                &self,
                kc1: &[u8],
                t_2: &[u8],
                s_s1: &SecretBytes,
            ) -> Result<SecretBytes, Error> {
                dl_server_z($group(), kc1, t_2, s_s1)
            }
            fn server_ks1_and_z(
                &self,
                j: &SecretBytes,
                kc1: &[u8],
                t_1: &[u8],
                s_s1: &SecretBytes,
                t_2_of: &dyn Fn(&[u8]) -> Vec<u8>,
            ) -> Result<(Vec<u8>, SecretBytes), Error> {
                let g = $group();
                dl_server_ks1_and_z(g, g.server_path(), j, kc1, t_1, s_s1, t_2_of)
            }
            fn client_z(
                &self,
                s_c1: &SecretBytes,
                pi: &SecretBytes,
                t_1: &[u8],
                t_2: &[u8],
                ks1: &[u8],
            ) -> Result<SecretBytes, Error> {
                dl_client_z($group(), s_c1, pi, t_1, t_2, ks1)
            }
        }
    };
}

dl_algorithm! {
    /// `iso-kam3-dl-2048-sha256` (RFC 8121 section 3.2): the 2048-bit MODP group of RFC 3526
    /// with SHA-256; kc1/ks1 are 344-character, vkc/vks 44-character base64-fixed-numbers.
    IsoKam3Dl2048Sha256, AlgorithmId::IsoKam3Dl2048Sha256, group_2048
}

dl_algorithm! {
    /// `iso-kam3-dl-4096-sha512` (RFC 8121 section 3.2): the 4096-bit MODP group of RFC 3526
    /// with SHA-512; kc1/ks1 are 684-character, vkc/vks 88-character base64-fixed-numbers.
    IsoKam3Dl4096Sha512, AlgorithmId::IsoKam3Dl4096Sha512, group_4096
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algorithm::{MutualGroup, MutualHash};

    /// The algorithm table's element length and group are the groups built here.
    #[test]
    fn table_matches_the_groups() {
        for (alg, g, group) in [
            (
                &IsoKam3Dl2048Sha256 as &dyn Algorithm,
                group_2048(),
                MutualGroup::Modp2048,
            ),
            (&IsoKam3Dl4096Sha512, group_4096(), MutualGroup::Modp4096),
        ] {
            assert_eq!(alg.element_len(), g.len);
            assert_eq!(alg.id().spec().group, group);
            assert_eq!(
                Some(g.q_minus_1.len()),
                rfc3526_prime(8 * g.len as u32).map(|q| q.len())
            );
        }
    }

    #[test]
    fn rfc8121_appendix_a_groups() {
        for (g, bits) in [(group_2048(), 2048usize), (group_4096(), 4096)] {
            assert_eq!(g.len * 8, bits);
            assert_eq!(g.q_minus_1[0], 0xff);
            assert_eq!(g.q_minus_1[g.len - 1], 0xfe);
            let r = shr1(&g.q_minus_1);
            assert_eq!(&r[..8], &[0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
            assert_eq!(sub_small(&r, 1), g.r_minus_1);
            assert_eq!(g.s_c1_min[g.len - 2..], (bits as u16).to_be_bytes());
            // g has order r: g^r = 1 (RFC 8121 section 5.2: r is the subgroup order).
            let gr = g.mod_q.pow_vartime(&G, &r);
            assert_eq!(gr, one(g.len));
        }
        // RFC 3526: the 2048-bit prime ends ...15728E5A 8AACAA68 FFFFFFFF FFFFFFFF
        let g = group_2048();
        assert_eq!(
            encoding::hex_encode(&g.q_minus_1[g.len - 16..]),
            "15728e5a8aacaa68fffffffffffffffe"
        );
    }

    /// A pseudo-random valid element 1 < k < q - 1 (not necessarily in the order-r
    /// subgroup: the identities of `dl_server_ks1_and_z` must hold for any K_c1).
    fn element(g: &DlGroup, seed: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(g.len);
        let mut ctr = 0u32;
        while out.len() < g.len {
            out.extend(crate::algorithm::hash(
                MutualHash::Sha512,
                &[seed, &ctr.to_be_bytes()],
            ));
            ctr += 1;
        }
        out.truncate(g.len);
        out[0] &= 0x7f;
        assert!(g.check_element_vartime(&out));
        out
    }

    /// Differential test: the batched server formulation against RFC 8121 section 3.2's
    /// formulas as written (`Sequential`), over pseudo-random J, K_c1, S_s1 and t values,
    /// with both hashes' t lengths, on every engine backend this CPU runs.
    #[test]
    fn batched_server_matches_rfc_formulas() {
        for backend in Backend::ALL.into_iter().filter(|b| b.is_available()) {
            batched_server_matches_rfc_formulas_on(backend);
        }
    }

    fn batched_server_matches_rfc_formulas_on(backend: Backend) {
        for (rows, hash, cases) in [
            (groups::MODP_2048_HEX, MutualHash::Sha256, 6u8),
            (groups::MODP_4096_HEX, MutualHash::Sha512, 2),
        ] {
            let g = &DlGroup::from_hex_rows(rows, backend);
            assert_eq!(g.mod_q.backend(), backend);
            for i in 0..cases {
                let j_elem = SecretBytes::new(if i == 0 {
                    // A real verifier J = g^pi.
                    dl_verifier(g, &SecretBytes::new(vec![i + 1; 32]))
                        .expose_secret()
                        .to_vec()
                } else {
                    element(g, &[b'J', i])
                });
                let kc1 = element(g, &[b'K', i]);
                let mut s = element(g, &[b'S', i]);
                s[0] &= 0x3f; // below r
                let s_s1 = SecretBytes::new(s);
                let t_1 = crate::algorithm::hash(hash, &[&[1], &kc1]);
                let t_2_of = |ks1: &[u8]| crate::algorithm::hash(hash, &[&[2], &kc1, ks1]);
                let (ks1_a, z_a) = dl_server_ks1_and_z(
                    g,
                    ServerPath::Sequential,
                    &j_elem,
                    &kc1,
                    &t_1,
                    &s_s1,
                    &t_2_of,
                )
                .unwrap();
                let (ks1_b, z_b) = dl_server_ks1_and_z(
                    g,
                    ServerPath::Batched,
                    &j_elem,
                    &kc1,
                    &t_1,
                    &s_s1,
                    &t_2_of,
                )
                .unwrap();
                assert_eq!(
                    ks1_a,
                    ks1_b,
                    "K_s1, {}-bit case {i}, {backend:?}",
                    g.len * 8
                );
                assert_eq!(
                    z_a.expose_secret(),
                    z_b.expose_secret(),
                    "z, {}-bit case {i}, {backend:?}",
                    g.len * 8
                );
                // And against the formulas evaluated by an independent big-integer library.
                let q = num_bigint_dig::BigUint::from_bytes_be(
                    &rfc3526_prime(8 * g.len as u32).unwrap(),
                );
                let n = |x: &[u8]| num_bigint_dig::BigUint::from_bytes_be(x);
                let s_n = n(s_s1.expose_secret());
                let ks1_o = (n(j_elem.expose_secret()) * n(&kc1).modpow(&n(&t_1), &q) % &q)
                    .modpow(&s_n, &q);
                assert_eq!(n(&ks1_b), ks1_o, "K_s1 oracle, case {i}");
                let g_t2 = num_bigint_dig::BigUint::from(2u32).modpow(&n(&t_2_of(&ks1_b)), &q);
                let z_o = (n(&kc1) * g_t2 % &q).modpow(&s_n, &q);
                assert_eq!(n(z_b.expose_secret()), z_o, "z oracle, case {i}");
            }
        }
    }

    /// The batched formulation rejects the same inputs as the sequential one.
    #[test]
    fn batched_server_rejects_like_sequential() {
        let g = group_2048();
        let j_elem = SecretBytes::new(element(g, b"J"));
        let s_s1 = SecretBytes::new(one(g.len));
        let t = [7u8; 32];
        let t_2_of = |_: &[u8]| vec![9u8; 32];
        for path in [ServerPath::Sequential, ServerPath::Batched] {
            let bad_kc1 = one(g.len);
            assert_eq!(
                dl_server_ks1_and_z(g, path, &j_elem, &bad_kc1, &t, &s_s1, &t_2_of).err(),
                Some(Error::InvalidPublicValue)
            );
            let kc1 = element(g, b"K");
            let zero = SecretBytes::new(vec![0; g.len]);
            assert_eq!(
                dl_server_ks1_and_z(g, path, &j_elem, &kc1, &t, &zero, &t_2_of).err(),
                Some(Error::InvalidSecret)
            );
            let short_j = SecretBytes::new(vec![2]);
            assert_eq!(
                dl_server_ks1_and_z(g, path, &short_j, &kc1, &t, &s_s1, &t_2_of).err(),
                Some(Error::InvalidVerifier)
            );
            // J = (K_c1^t_1)^-1 (Fermat: x^(q-2)) with S_s1 = 1 gives K_s1 = 1, which MUST
            // be rejected (RFC 8121 section 3.2).
            let kc1_t1 = g.mod_q.pow_vartime(&kc1, &t);
            let inv = g.mod_q.pow_vartime(&kc1_t1, &sub_small(&g.q_minus_1, 1));
            let j_bad = SecretBytes::new(inv);
            assert_eq!(
                dl_server_ks1_and_z(g, path, &j_bad, &kc1, &t, &s_s1, &t_2_of).err(),
                Some(Error::ExchangeRejected)
            );
        }
    }

    #[test]
    fn element_and_scalar_ranges() {
        let g = group_2048();
        assert!(!g.check_element_vartime(&one(256)));
        assert!(!g.check_element_vartime(&g.q_minus_1));
        assert!(!g.check_element_vartime(&[0xff; 256]));
        assert!(g.check_element_vartime(&sub_small(&g.q_minus_1, 1)));
        assert!(!g.check_element_vartime(&[2]));
        let mut two = one(256);
        two[255] = 2;
        assert!(g.check_element_vartime(&two));
        assert!(!g.check_scalar(&vec![0; 256], false));
        assert!(g.check_scalar(&one(256), false));
        assert!(!g.check_scalar(&one(256), true));
        assert!(g.check_scalar(&g.s_c1_min, true));
        assert!(!g.check_scalar(&sub_small(&g.s_c1_min, 1), true));
        assert!(g.check_scalar(&g.r_minus_1, true));
        assert!(!g.check_scalar(&shr1(&g.q_minus_1), false));
    }
}
