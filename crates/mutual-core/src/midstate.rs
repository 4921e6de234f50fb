//! What a server keeps of a session to check VK_c and make VK_s: two SHA-2 states that
//! have absorbed the session's constant prefix, instead of K_c1, K_s1 and z.
//!
//! RFC 8120 section 12.2 (with RFC 8121 section 3's OCTETS):
//!
//! ```text
//! VK_c = INT(H(octet(4) | OCTETS(K_c1) | OCTETS(K_s1) | OCTETS(z) | VI(nc) | VS(vh)))
//! VK_s = INT(H(octet(3) | OCTETS(K_c1) | OCTETS(K_s1) | OCTETS(z) | VI(nc) | VS(vh)))
//! ```
//!
//! Everything up to `OCTETS(z)` is fixed for a session, so the server absorbs it once and
//! stores the hash state: 8 chaining words, the octets after the last full block (fewer
//! than a block) and the length absorbed. For `iso-kam3-dl-2048-sha256` that is about 40
//! octets per state where K_c1, K_s1 and z are 768 (issue 19: memory per established
//! session). The state is as secret as z (it computes every VK of the session, and its
//! tail holds the last octets of z): it lives in zeroizing buffers and is only ever
//! stored as [`SecretBytes`]. Hashing it onward gives exactly the octets
//! [`kam3::vk_c`](crate::kam3::vk_c) / [`vk_s`](crate::kam3::vk_s) give (FIPS 180-4
//! section 5.1 padding over the whole message; unit tests compare them).

use crate::MutualHash;
use crate::encoding::{read_vi, vi};
use crate::kam3::SessionKeys;
use crate::pbkdf2_fast::{H256, H512};
use sha2::block_api::{compress256, compress512};
use zeroize::{Zeroize, Zeroizing};

/// One SHA-2 function's block geometry and compression (FIPS 180-4 sections 5 and 6).
trait Sha2 {
    type Word: Copy + Default + Zeroize;
    /// Octets per block.
    const BLOCK: usize;
    /// Octets of the message-length field of the padding.
    const LEN_FIELD: usize;
    /// Octets per word.
    const WORD: usize;
    const IV: [Self::Word; 8];
    /// Compresses one `BLOCK`-octet block into `state`.
    fn compress(state: &mut [Self::Word; 8], block: &[u8]);
    fn put(w: Self::Word, out: &mut [u8]);
    fn get(b: &[u8]) -> Self::Word;
}

struct S256;
struct S512;

impl Sha2 for S256 {
    type Word = u32;
    const BLOCK: usize = 64;
    const LEN_FIELD: usize = 8;
    const WORD: usize = 4;
    const IV: [u32; 8] = H256;
    fn compress(state: &mut [u32; 8], block: &[u8]) {
        if let Ok(b) = <&[u8; 64]>::try_from(block) {
            compress256(state, core::slice::from_ref(b));
        }
    }
    fn put(w: u32, out: &mut [u8]) {
        out.copy_from_slice(&w.to_be_bytes());
    }
    fn get(b: &[u8]) -> u32 {
        b.iter().fold(0, |a, &x| (a << 8) | u32::from(x))
    }
}

impl Sha2 for S512 {
    type Word = u64;
    const BLOCK: usize = 128;
    const LEN_FIELD: usize = 16;
    const WORD: usize = 8;
    const IV: [u64; 8] = H512;
    fn compress(state: &mut [u64; 8], block: &[u8]) {
        if let Ok(b) = <&[u8; 128]>::try_from(block) {
            compress512(state, core::slice::from_ref(b));
        }
    }
    fn put(w: u64, out: &mut [u8]) {
        out.copy_from_slice(&w.to_be_bytes());
    }
    fn get(b: &[u8]) -> u64 {
        b.iter().fold(0, |a, &x| (a << 8) | u64::from(x))
    }
}

/// Compresses every full block of `msg` into `state`; returns the octets left over.
fn absorb<'m, H: Sha2>(state: &mut [H::Word; 8], msg: &'m [u8]) -> &'m [u8] {
    let mut blocks = msg.chunks_exact(H::BLOCK);
    for b in &mut blocks {
        H::compress(state, b);
    }
    blocks.remainder()
}

/// The serialised state (`VI(length absorbed) | chaining words | tail`) after absorbing
/// the concatenation of `parts`.
fn serialise_after<H: Sha2>(parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
    let mut msg = Zeroizing::new(Vec::with_capacity(parts.iter().map(|p| p.len()).sum()));
    parts.iter().for_each(|p| msg.extend_from_slice(p));
    let mut state = H::IV;
    let tail = absorb::<H>(&mut state, &msg);
    let len = vi(msg.len() as u64);
    let mut out = Zeroizing::new(Vec::with_capacity(len.len() + 8 * H::WORD + tail.len()));
    out.extend_from_slice(&len);
    let words = out.len();
    out.resize(words + 8 * H::WORD, 0);
    for (chunk, w) in out[words..].chunks_exact_mut(H::WORD).zip(state.iter()) {
        H::put(*w, chunk);
    }
    out.extend_from_slice(tail);
    state.zeroize();
    out
}

/// Checks a serialised state's shape: a length, 8 words and exactly `length mod BLOCK`
/// tail octets.
fn well_formed<H: Sha2>(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    let Some(len) = read_vi(&mut rest) else {
        return false;
    };
    let tail = (len % H::BLOCK as u64) as usize;
    rest.len() == 8 * H::WORD + tail
}

/// Continues a serialised state with `parts` and the FIPS 180-4 section 5.1 padding.
fn finish<H: Sha2>(bytes: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut rest = bytes;
    let absorbed = read_vi(&mut rest).unwrap_or(0);
    let (words, tail) = rest.split_at(rest.len().min(8 * H::WORD));
    let mut state = [H::Word::default(); 8];
    for (w, chunk) in state.iter_mut().zip(words.chunks_exact(H::WORD)) {
        *w = H::get(chunk);
    }
    let extra: usize = parts.iter().map(|p| p.len()).sum();
    let total = u128::from(absorbed) + extra as u128;
    let mut msg = Zeroizing::new(Vec::with_capacity(tail.len() + extra + 2 * H::BLOCK));
    msg.extend_from_slice(tail);
    parts.iter().for_each(|p| msg.extend_from_slice(p));
    msg.push(0x80);
    while msg.len() % H::BLOCK != H::BLOCK - H::LEN_FIELD {
        msg.push(0);
    }
    msg.extend_from_slice(&(total * 8).to_be_bytes()[16 - H::LEN_FIELD..]);
    let rest = absorb::<H>(&mut state, &msg);
    debug_assert!(rest.is_empty());
    let mut out = vec![0u8; 8 * H::WORD];
    for (chunk, w) in out.chunks_exact_mut(H::WORD).zip(state.iter()) {
        H::put(*w, chunk);
    }
    state.zeroize();
    out
}

/// The two key-confirmation states of one session (see the module documentation), each
/// serialised as `VI(length absorbed) | 8 chaining words | tail`.
pub(crate) struct VkStates {
    hash: MutualHash,
    /// After `octet(4) | OCTETS(K_c1) | OCTETS(K_s1) | OCTETS(z)`.
    vkc: Zeroizing<Vec<u8>>,
    /// After `octet(3) | ...`.
    vks: Zeroizing<Vec<u8>>,
}

impl VkStates {
    /// Absorbs the session's constant prefixes.
    pub(crate) fn new(hash: MutualHash, keys: &SessionKeys) -> Self {
        let z = keys.z.expose_secret();
        let prefix = |tag: u8| -> Zeroizing<Vec<u8>> {
            let parts: [&[u8]; 4] = [&[tag], &keys.kc1, &keys.ks1, z];
            match hash {
                MutualHash::Sha256 => serialise_after::<S256>(&parts),
                MutualHash::Sha512 => serialise_after::<S512>(&parts),
            }
        };
        Self {
            hash,
            vkc: prefix(4),
            vks: prefix(3),
        }
    }

    /// Restores the states written by [`vkc_bytes`](Self::vkc_bytes) and
    /// [`vks_bytes`](Self::vks_bytes); `None` if either is malformed.
    pub(crate) fn from_parts(hash: MutualHash, vkc: &[u8], vks: &[u8]) -> Option<Self> {
        let ok = |b: &[u8]| match hash {
            MutualHash::Sha256 => well_formed::<S256>(b),
            MutualHash::Sha512 => well_formed::<S512>(b),
        };
        (ok(vkc) && ok(vks)).then(|| Self {
            hash,
            vkc: Zeroizing::new(vkc.to_vec()),
            vks: Zeroizing::new(vks.to_vec()),
        })
    }

    /// The serialised VK_c state (secret).
    pub(crate) fn vkc_bytes(&self) -> &[u8] {
        &self.vkc
    }

    /// The serialised VK_s state (secret).
    pub(crate) fn vks_bytes(&self) -> &[u8] {
        &self.vks
    }

    fn finish(&self, state: &[u8], nc: u64, vh: &[u8]) -> Vec<u8> {
        let (nc, vh_len) = (vi(nc), vi(vh.len() as u64));
        let parts: [&[u8]; 3] = [&nc, &vh_len, vh];
        match self.hash {
            MutualHash::Sha256 => finish::<S256>(state, &parts),
            MutualHash::Sha512 => finish::<S512>(state, &parts),
        }
    }

    /// VK_c for `nc` and `vh`, as [`kam3::vk_c`](crate::kam3::vk_c) computes it.
    pub(crate) fn vk_c(&self, nc: u64, vh: &[u8]) -> Vec<u8> {
        self.finish(&self.vkc, nc, vh)
    }

    /// VK_s for `nc` and `vh`, as [`kam3::vk_s`](crate::kam3::vk_s) computes it.
    pub(crate) fn vk_s(&self, nc: u64, vh: &[u8]) -> Vec<u8> {
        self.finish(&self.vks, nc, vh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kam3;
    use crate::{ALL_ALGORITHMS, SecretBytes};

    fn keys(kc1: usize, ks1: usize, z: usize, seed: u8) -> SessionKeys {
        let bytes = |n: usize, k: u8| {
            (0..n)
                .map(|i| (i as u8).wrapping_mul(37).wrapping_add(k))
                .collect::<Vec<u8>>()
        };
        SessionKeys {
            kc1: bytes(kc1, seed),
            ks1: bytes(ks1, seed.wrapping_add(1)),
            z: SecretBytes::new(bytes(z, seed.wrapping_add(2))),
        }
    }

    /// The stored states give the octets of the one-shot hash for every algorithm, for
    /// prefix lengths on both sides of every block boundary, and for suffixes that cross
    /// a block boundary in the padding.
    #[test]
    fn states_give_the_one_shot_vk_c_and_vk_s() {
        for &alg in ALL_ALGORITHMS {
            let e = alg.element_len();
            for (i, (kc1, ks1, z)) in [
                (e, e, e),
                (e - 1, e, e - 2),
                (1, 1, 1),
                (20, 21, 22),
                (62, 64, 63),
                (126, 128, 127),
            ]
            .into_iter()
            .enumerate()
            {
                let k = keys(kc1, ks1, z, i as u8);
                let s = VkStates::new(alg.mutual_hash(), &k);
                for (nc, vh) in [
                    (1, b"http://example.com:80".to_vec()),
                    (u64::from(u32::MAX) + 7, vec![0x5a; 200]),
                    (0, Vec::new()),
                ] {
                    assert_eq!(
                        s.vk_c(nc, &vh),
                        kam3::vk_c(alg, &k, nc, &vh),
                        "{}",
                        alg.token()
                    );
                    assert_eq!(
                        s.vk_s(nc, &vh),
                        kam3::vk_s(alg, &k, nc, &vh),
                        "{}",
                        alg.token()
                    );
                }
                let back =
                    VkStates::from_parts(alg.mutual_hash(), s.vkc_bytes(), s.vks_bytes()).unwrap();
                assert_eq!(back.vk_c(9, b"vh"), kam3::vk_c(alg, &k, 9, b"vh"));
            }
        }
    }

    #[test]
    fn malformed_states_are_refused() {
        let k = keys(256, 256, 256, 1);
        let s = VkStates::new(MutualHash::Sha256, &k);
        let good = s.vkc_bytes();
        assert!(VkStates::from_parts(MutualHash::Sha256, good, good).is_some());
        for cut in 0..good.len() {
            assert!(VkStates::from_parts(MutualHash::Sha256, &good[..cut], good).is_none());
        }
        let mut long = good.to_vec();
        long.push(0);
        assert!(VkStates::from_parts(MutualHash::Sha256, good, &long).is_none());
        // A SHA-256 state is not a SHA-512 one.
        assert!(VkStates::from_parts(MutualHash::Sha512, good, good).is_none());
    }
}
