//! Traditional Unix DES crypt(3), for verifying legacy `htpasswd -d` entries (cargo
//! feature `des-crypt`, off by default).
//!
//! > **Obsolete.** DES crypt keys DES with the first 8 bytes of the password, 7 bits of each
//! > (56 bits; the rest of the password and every byte's high bit are ignored), and mixes
//! > in a 12-bit salt: current hardware searches the whole key space. It is verified here
//! > only so that old files keep working while their users are moved to bcrypt; this
//! > crate never writes it.
//! >
//! > **Not constant time.** The S-box lookups below index tables with values derived from
//! > the password (the expanded half-block XOR the secret round key), so cache timing can
//! > leak key bits to an observer on the same machine. That, with the weakness above, is
//! > why the feature is off by default and why [`VerifyPolicy::allow_des`](super::VerifyPolicy)
//! > is a separate opt-in at run time. (A constant-time form would scan all 64 entries of
//! > each box per lookup, some 200 000 table reads per verification, to protect a hash
//! > whose key space is searchable offline anyway.)
//!
//! The algorithm (Seventh Edition Unix `crypt.c`, as glibc and libxcrypt implement it):
//!
//! 1. Key: the password bytes up to the first NUL or the eighth byte, each shifted left by
//!    one (the low bit is DES's unused parity bit, so the high bit falls away), zero
//!    padded to 8 bytes.
//! 2. Salt: two characters of `./0-9A-Za-z`, six bits each, the first character's bits
//!    0-5 then the second's as bits 6-11. Salt bit `k` set swaps bits `k` and `k + 24`
//!    (counted from the first) of every 48-bit E-expansion.
//! 3. 25 encryptions of an all-zero block with that salt-perturbed DES.
//! 4. Output: the salt, then the 64-bit result as 11 characters of six bits each, most
//!    significant first (the last character carries 4 bits and two zero bits): 13 in all.
//!
//! Tables from FIPS 46-3; bit 1 is the most significant bit, as there.

use super::crypt::ITOA64;
use zeroize::Zeroizing;

/// Length of a DES crypt hash: 2 salt characters and 11 of result.
const DES_HASH_LEN: usize = 13;

/// Bytes of the password that form the key.
const KEY_BYTES: usize = super::DES_MAX_PASSWORD_LEN;

/// Encryptions of the zero block.
const ITERATIONS: usize = 25;

/// Initial permutation IP.
const IP: [u8; 64] = [
    58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, //
    62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8, //
    57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, //
    61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];

/// Final permutation IP^-1.
const FP: [u8; 64] = [
    40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31, //
    38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29, //
    36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27, //
    34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25,
];

/// Expansion E: 32 bits of the right half to 48.
const E: [u8; 48] = [
    32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, //
    8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17, //
    16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25, //
    24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
];

/// Permutation P of the S-box outputs.
const P: [u8; 32] = [
    16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, //
    2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
];

/// Permuted choice 1: 56 key bits from 64 (the parity bits 8, 16, ... are dropped).
const PC1: [u8; 56] = [
    57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, //
    10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36, //
    63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, //
    14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];

/// Permuted choice 2: a 48-bit round key from the 56-bit C and D registers.
const PC2: [u8; 48] = [
    14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, //
    23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, //
    41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, //
    44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];

/// Left rotations of C and D before each round's key.
const SHIFTS: [u32; 16] = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];

/// The eight S-boxes, each 4 rows of 16 (row = outer bits 1 and 6 of the six-bit input,
/// column = inner bits 2-5), stored row after row.
const S: [[u8; 64]; 8] = [
    [
        14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, //
        0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8, //
        4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, //
        15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13,
    ],
    [
        15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, //
        3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5, //
        0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, //
        13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9,
    ],
    [
        10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, //
        13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1, //
        13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, //
        1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12,
    ],
    [
        7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, //
        13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9, //
        10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, //
        3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14,
    ],
    [
        2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, //
        14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6, //
        4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, //
        11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3,
    ],
    [
        12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, //
        10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8, //
        9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, //
        4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13,
    ],
    [
        4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, //
        13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6, //
        1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, //
        6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12,
    ],
    [
        13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, //
        1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2, //
        7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, //
        2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11,
    ],
];

/// Output bit `i` (1 = most significant of `table.len()` bits) is input bit `table[i]`
/// (1 = most significant of `in_bits` bits). Branch-free: shifts and masks only.
fn permute(input: u64, in_bits: u32, table: &[u8]) -> u64 {
    table.iter().fold(0u64, |out, &from| {
        (out << 1) | ((input >> (in_bits - u32::from(from))) & 1)
    })
}

/// The six-bit value of a crypt64 salt character, `None` outside `./0-9A-Za-z`.
fn salt_value(c: u8) -> Option<u32> {
    ITOA64
        .iter()
        .position(|&a| a == c)
        .and_then(|i| u32::try_from(i).ok())
}

/// The 16 round keys (48 bits each) of a 64-bit DES key.
fn key_schedule(key: u64) -> Zeroizing<[u64; 16]> {
    const MASK28: u64 = (1 << 28) - 1;
    let cd = Zeroizing::new(permute(key, 64, &PC1));
    let mut c = Zeroizing::new(*cd >> 28);
    let mut d = Zeroizing::new(*cd & MASK28);
    let mut keys = Zeroizing::new([0u64; 16]);
    for (k, &s) in keys.iter_mut().zip(SHIFTS.iter()) {
        *c = ((*c << s) | (*c >> (28 - s))) & MASK28;
        *d = ((*d << s) | (*d >> (28 - s))) & MASK28;
        *k = permute((*c << 28) | *d, 56, &PC2);
    }
    keys
}

/// The cipher function f(R, K) with the salt's swaps of the expansion.
///
/// `salt_mask` has bit `47 - k` set for each salt bit `k`, so bit positions are those of
/// the 48-bit expansion counted from its most significant bit.
fn feistel(r: u64, round_key: u64, salt_mask: u64) -> u64 {
    let mut e = permute(r, 32, &E);
    // Swap bit k with bit k + 24 (counted from the top) where the salt says so.
    let t = ((e << 24) ^ e) & salt_mask;
    e ^= t ^ (t >> 24);
    e ^= round_key;
    let mut out = 0u64;
    for (b, sbox) in S.iter().enumerate() {
        // Six bits of secret-dependent input: a table-indexed lookup, not constant time
        // (see the module documentation). Masked to six bits, so the cast is lossless
        // and the index at most 63.
        let six = ((e >> (42 - 6 * b)) & 0x3f) as usize;
        let row = ((six >> 4) & 2) | (six & 1);
        let col = (six >> 1) & 0xf;
        out = (out << 4) | u64::from(sbox[row * 16 + col]);
    }
    permute(out, 32, &P)
}

/// One DES encryption of `block` under `keys`, with the salt's perturbation.
fn encrypt(block: u64, keys: &[u64; 16], salt_mask: u64) -> u64 {
    const MASK32: u64 = 0xffff_ffff;
    let ip = permute(block, 64, &IP);
    let (mut l, mut r) = (ip >> 32, ip & MASK32);
    for &k in keys {
        let next = l ^ feistel(r, k, salt_mask);
        l = r;
        r = next;
    }
    // The halves are swapped once more before the final permutation (R16 L16).
    permute((r << 32) | l, 64, &FP)
}

/// Traditional DES crypt of `password` with the two-character `salt`: the 13-character
/// hash (salt included). `None` for a salt that is not two crypt64 characters.
pub(crate) fn des_crypt(password: &[u8], salt: &[u8]) -> Option<Zeroizing<String>> {
    let [s0, s1] = *salt else {
        return None;
    };
    let salt_bits = salt_value(s0)? | (salt_value(s1)? << 6);
    let salt_mask = (0..12).fold(0u64, |m, k| {
        m | (u64::from((salt_bits >> k) & 1) << (47 - k))
    });

    // Bytes up to the first NUL (crypt(3) takes a C string), at most eight, each shifted
    // left by one: the byte's bits 6-0 become key bits 7-1 (its bit 7 falls away), and
    // bit 0 is DES's parity bit, which the key schedule ignores.
    let mut key = Zeroizing::new(0u64);
    let mut ended = false;
    for i in 0..KEY_BYTES {
        let byte = password.get(i).copied().unwrap_or(0);
        ended |= byte == 0;
        let b = if ended { 0 } else { byte << 1 };
        *key |= u64::from(b) << (56 - 8 * i);
    }
    let keys = key_schedule(*key);

    let mut block = 0u64;
    for _ in 0..ITERATIONS {
        block = encrypt(block, &keys, salt_mask);
    }

    let mut out = Zeroizing::new(String::with_capacity(DES_HASH_LEN));
    out.push(char::from(s0));
    out.push(char::from(s1));
    // 64 bits as 11 six-bit groups from the top, the last padded with two zero bits: the
    // groups of the 66-bit value `block << 2`.
    let padded = u128::from(block) << 2;
    for i in 0..11 {
        // Masked to six bits: the cast is lossless and the index at most 63.
        let six = ((padded >> (60 - 6 * i)) & 0x3f) as usize;
        out.push(char::from(ITOA64[six]));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The worked example of J. Orlin Grabbe, "The DES Algorithm Illustrated" (key
    /// 133457799BBCDFF1, plaintext 0123456789ABCDEF): checks the tables and rounds apart
    /// from crypt's salt and iteration.
    #[test]
    fn grabbe_des_algorithm_illustrated() {
        let keys = key_schedule(0x1334_5779_9BBC_DFF1);
        // K1 and K16 as printed there.
        assert_eq!(
            keys[0],
            0b000110_110000_001011_101111_111111_000111_000001_110010
        );
        assert_eq!(
            keys[15],
            0b110010_110011_110110_001011_000011_100001_011111_110101
        );
        assert_eq!(
            encrypt(0x0123_4567_89AB_CDEF, &keys, 0),
            0x85E8_1354_0F0A_B405
        );
    }

    #[test]
    fn bad_salt_is_none() {
        assert!(des_crypt(b"pw", b"a").is_none());
        assert!(des_crypt(b"pw", b"a$").is_none());
        assert!(des_crypt(b"pw", b"abc").is_none());
    }

    /// crypt(3) stops at a NUL: "ab\0cd" hashes as "ab" (as Apache through libc would).
    #[test]
    fn key_stops_at_nul() {
        let ab = des_crypt(b"ab", b"Xy").unwrap();
        assert_eq!(des_crypt(b"ab\0cd", b"Xy").unwrap(), ab);
        assert_ne!(des_crypt(b"abcd", b"Xy").unwrap(), ab);
    }
}
