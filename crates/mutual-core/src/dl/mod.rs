//! RFC 8121 section 3.2: the discrete-logarithm algorithms over the RFC 3526 MODP groups.

mod groups;
pub(crate) mod modexp;

use crate::algorithm::{Algorithm, WireEncoding, ct_less, random_bytes};
use crate::{Error, encoding};
use httpauth_core::{HashFunction, SecretBytes};
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
    fn from_hex_rows(rows: &[&str]) -> Self {
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
        let mod_q = ModContext::new(&q).unwrap_or_else(unreachable_group);
        let mod_r = ModContext::new(&r).unwrap_or_else(unreachable_group);
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
    ModContext::new(&[3]).unwrap_or_else(unreachable_group)
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

pub(crate) fn group_2048() -> &'static DlGroup {
    static G2048: OnceLock<DlGroup> = OnceLock::new();
    G2048.get_or_init(|| DlGroup::from_hex_rows(groups::MODP_2048_HEX))
}

pub(crate) fn group_4096() -> &'static DlGroup {
    static G4096: OnceLock<DlGroup> = OnceLock::new();
    G4096.get_or_init(|| DlGroup::from_hex_rows(groups::MODP_4096_HEX))
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
    ($(#[$doc:meta])* $name:ident, $token:literal, $group:ident, $hash:expr, $hlen:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl Algorithm for $name {
            fn token(&self) -> &'static str {
                $token
            }
            fn hash_function(&self) -> HashFunction {
                $hash
            }
            fn hash_len(&self) -> usize {
                $hlen
            }
            fn element_len(&self) -> usize {
                $group().len
            }
            fn wire_encoding(&self) -> WireEncoding {
                WireEncoding::Base64FixedNumber
            }
            fn validate_public(&self, k: &[u8]) -> Result<(), Error> {
                if $group().check_element_vartime(k) {
                    Ok(())
                } else {
                    Err(Error::InvalidPublicValue)
                }
            }
            fn verifier(&self, pi: &SecretBytes) -> Result<SecretBytes, Error> {
                if pi.len() != $hlen {
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
    IsoKam3Dl2048Sha256, "iso-kam3-dl-2048-sha256", group_2048, HashFunction::Sha256, 32
}

dl_algorithm! {
    /// `iso-kam3-dl-4096-sha512` (RFC 8121 section 3.2): the 4096-bit MODP group of RFC 3526
    /// with SHA-512; kc1/ks1 are 684-character, vkc/vks 88-character base64-fixed-numbers.
    IsoKam3Dl4096Sha512, "iso-kam3-dl-4096-sha512", group_4096, HashFunction::Sha512, 64
}

#[cfg(test)]
mod tests {
    use super::*;

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
