//! PBKDF2-HMAC-SHA-256 / SHA-512 at the two-compressions-per-iteration floor.
//!
//! RFC 8121 section 3.2 (and 4.2) derives `pi = PBKDF2(HMAC_H, password, salt, 16384,
//! hSize/8)`, so every Mutual authentication on the client and every verifier computed by
//! `htmutual` spends 16,384 HMAC invocations here. Each HMAC of a hash-sized message costs
//! exactly two compression-function calls once the keyed inner and outer states are
//! precomputed (RFC 2104 section 4, "implementation note"): one for `ipad-state ||
//! U_{j-1} || padding` and one for `opad-state || inner || padding`, since both messages
//! fit in one block. Generic HMAC implementations also clone hasher objects, buffer,
//! re-pad and re-serialise on every iteration; this module does none of that and calls
//! the raw compression functions of the `sha2` crate (`sha2::block_api::compress256` /
//! `compress512`), which use the SHA-NI instructions when the CPU has them.
//!
//! The password-dependent states and every intermediate block are wiped on drop.
//! Running time depends only on the lengths of the inputs and the iteration count,
//! never on their contents.

use sha2::block_api::{compress256, compress512};
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroize;

/// FIPS 180-4 section 5.3.3.
pub(crate) const H256: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];
/// FIPS 180-4 section 5.3.5.
pub(crate) const H512: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

/// Generates PBKDF2-HMAC for one hash, with fixed-size blocks so the hot loop has no
/// allocation, copy or bounds check beyond the two compressions.
macro_rules! pbkdf2_impl {
    (
        $(#[$doc:meta])* $name:ident, $hash:ty, $compress:ident, $word:ty, $iv:expr,
        block = $block:literal, out = $out:literal, len_field = $len_field:literal
    ) => {
        $(#[$doc])*
        pub fn $name(password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
            const BLOCK: usize = $block;
            const OUT: usize = $out;
            const LEN_FIELD: usize = $len_field;
            const WORD: usize = core::mem::size_of::<$word>();

            fn write_state(state: &[$word; 8], out: &mut [u8]) {
                for (chunk, word) in out.chunks_exact_mut(WORD).zip(state) {
                    chunk.copy_from_slice(&word.to_be_bytes());
                }
            }

            /// Hashes `msg` from `state`, which has absorbed one block, with the
            /// FIPS 180-4 section 5.1 padding, into `out`.
            fn finish(mut state: [$word; 8], msg: &[u8], out: &mut [u8]) {
                let mut block = [0u8; BLOCK];
                let mut chunks = msg.chunks_exact(BLOCK);
                for c in &mut chunks {
                    block.copy_from_slice(c);
                    $compress(&mut state, core::slice::from_ref(&block));
                }
                let rest = chunks.remainder();
                block = [0u8; BLOCK];
                block[..rest.len()].copy_from_slice(rest);
                block[rest.len()] = 0x80;
                if rest.len() + 1 > BLOCK - LEN_FIELD {
                    $compress(&mut state, core::slice::from_ref(&block));
                    block = [0u8; BLOCK];
                }
                let bits = ((BLOCK + msg.len()) as u128 * 8).to_be_bytes();
                block[BLOCK - LEN_FIELD..].copy_from_slice(&bits[16 - LEN_FIELD..]);
                $compress(&mut state, core::slice::from_ref(&block));
                write_state(&state, out);
                state.zeroize();
                block.zeroize();
            }

            let rounds = rounds.max(1);
            // K: the key padded to a block (RFC 2104 section 2; long keys hashed first).
            let mut key = [0u8; BLOCK];
            if password.len() > BLOCK {
                let mut h = <$hash>::digest(password);
                key[..OUT].copy_from_slice(&h);
                h.zeroize();
            } else {
                key[..password.len()].copy_from_slice(password);
            }
            let mut pad = [0u8; BLOCK];
            let mut inner_key: [$word; 8] = $iv;
            pad.iter_mut().zip(key.iter()).for_each(|(p, k)| *p = k ^ 0x36);
            $compress(&mut inner_key, core::slice::from_ref(&pad));
            let mut outer_key: [$word; 8] = $iv;
            pad.iter_mut().zip(key.iter()).for_each(|(p, k)| *p = k ^ 0x5c);
            $compress(&mut outer_key, core::slice::from_ref(&pad));
            key.zeroize();
            pad.zeroize();

            // One digest-sized message after a keyed block fits one block:
            // message || 0x80 || zeros || bit length of (block + digest).
            let mut block = [0u8; BLOCK];
            block[OUT] = 0x80;
            let bits = ((BLOCK + OUT) as u128 * 8).to_be_bytes();
            block[BLOCK - LEN_FIELD..].copy_from_slice(&bits[16 - LEN_FIELD..]);

            let mut u = [0u8; OUT];
            let mut t = [0u8; OUT];
            let mut s: [$word; 8];
            let mut salted = zeroize::Zeroizing::new(Vec::with_capacity(salt.len() + 4));
            for (i, chunk) in out.chunks_mut(OUT).enumerate() {
                // U_1 = PRF(P, S || INT(i)), i counting from 1 (RFC 8018 section 5.2).
                salted.clear();
                salted.extend_from_slice(salt);
                salted.extend_from_slice(&(i as u32).wrapping_add(1).to_be_bytes());
                finish(inner_key, &salted, &mut block[..OUT]);
                finish(outer_key, &block[..OUT], &mut u);
                t = u;
                // U_j = PRF(P, U_{j-1}): exactly two compressions.
                for _ in 1..rounds {
                    block[..OUT].copy_from_slice(&u);
                    s = inner_key;
                    $compress(&mut s, core::slice::from_ref(&block));
                    write_state(&s, &mut block[..OUT]);
                    s = outer_key;
                    $compress(&mut s, core::slice::from_ref(&block));
                    write_state(&s, &mut u);
                    t.iter_mut().zip(u.iter()).for_each(|(t, u)| *t ^= u);
                }
                chunk.copy_from_slice(&t[..chunk.len()]);
            }
            s = [0; 8];
            let _ = s;
            inner_key.zeroize();
            outer_key.zeroize();
            block.zeroize();
            u.zeroize();
            t.zeroize();
        }
    };
}

pbkdf2_impl! {
    /// PBKDF2-HMAC-SHA-256 (RFC 8018 section 5.2) into `out`. `rounds == 0` counts as 1.
    pbkdf2_hmac_sha256, Sha256, compress256, u32, H256, block = 64, out = 32, len_field = 8
}

pbkdf2_impl! {
    /// PBKDF2-HMAC-SHA-512 (RFC 8018 section 5.2) into `out`. `rounds == 0` counts as 1.
    pbkdf2_hmac_sha512, Sha512, compress512, u64, H512, block = 128, out = 64, len_field = 16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// RFC 7914 section 11: PBKDF2-HMAC-SHA256 test vectors.
    #[test]
    fn rfc7914_11_sha256() {
        let mut out = [0u8; 64];
        pbkdf2_hmac_sha256(b"passwd", b"salt", 1, &mut out);
        assert_eq!(
            hex(&out),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc\
             49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
        );
        pbkdf2_hmac_sha256(b"Password", b"NaCl", 80000, &mut out);
        assert_eq!(
            hex(&out),
            "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56\
             a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"
        );
    }

    /// Cross-check against the `pbkdf2` crate for odd lengths, long keys and both hashes.
    #[test]
    fn matches_generic_pbkdf2() {
        for (pw_len, salt_len, rounds, out_len) in [
            (0, 0, 1, 32),
            (1, 1, 2, 31),
            (64, 55, 3, 33),
            (65, 56, 17, 64),
            (200, 130, 5, 100),
            (127, 119, 2, 65),
        ] {
            let pw: Vec<u8> = (0..pw_len).map(|i| (i * 7 + 1) as u8).collect();
            let salt: Vec<u8> = (0..salt_len).map(|i| (i * 13 + 5) as u8).collect();
            let mut a = vec![0u8; out_len];
            let mut b = vec![0u8; out_len];
            pbkdf2_hmac_sha256(&pw, &salt, rounds, &mut a);
            pbkdf2::pbkdf2_hmac::<Sha256>(&pw, &salt, rounds, &mut b);
            assert_eq!(a, b, "sha256 {pw_len} {salt_len} {rounds} {out_len}");
            pbkdf2_hmac_sha512(&pw, &salt, rounds, &mut a);
            pbkdf2::pbkdf2_hmac::<Sha512>(&pw, &salt, rounds, &mut b);
            assert_eq!(a, b, "sha512 {pw_len} {salt_len} {rounds} {out_len}");
        }
    }
}
