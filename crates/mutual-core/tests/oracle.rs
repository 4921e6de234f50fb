//! Property tests against an independent formulation of RFC 8121 section 3 in
//! num-bigint-dig: textbook modular exponentiation for DL, affine double-and-add for EC.
//! The oracle shares no arithmetic with the crate (only SHA-2 for t_1 and t_2).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on failure by design

#[path = "common/dl_env.rs"]
mod dl_env;

use mutual_core::hazmat::{client_kex_with_secret, server_exchange_with_secret};
use mutual_core::kam3;
use mutual_core::{
    Algorithm, IsoKam3Dl2048Sha256, IsoKam3Dl4096Sha512, IsoKam3EcP256Sha256, IsoKam3EcP521Sha512,
    SecretBytes,
};
use num_bigint_dig::BigUint;
use num_traits_oracle::*;
use proptest::prelude::*;
use sha2::{Digest, Sha256, Sha512};

mod num_traits_oracle {
    pub(crate) use num_bigint_dig::BigUint;
    pub(crate) fn big(hex: &str) -> BigUint {
        BigUint::parse_bytes(hex.as_bytes(), 16).unwrap()
    }
    pub(crate) fn bytes(n: &BigUint, len: usize) -> Vec<u8> {
        let b = n.to_bytes_be();
        let mut out = vec![0u8; len - b.len()];
        out.extend(b);
        out
    }
}

fn h(sha512: bool, parts: &[&[u8]]) -> BigUint {
    let d = if sha512 {
        let mut d = Sha512::new();
        parts.iter().for_each(|p| d.update(p));
        d.finalize().to_vec()
    } else {
        let mut d = Sha256::new();
        parts.iter().for_each(|p| d.update(p));
        d.finalize().to_vec()
    };
    BigUint::from_bytes_be(&d)
}

const MODP_2048: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF";

fn modp_4096() -> BigUint {
    // RFC 3526 section 5 (group 16), transcribed from RFC 3526 for the oracle; `dl_oracle`
    // checks g^r = 1 for it.
    big(concat!(
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
        "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
        "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
        "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
        "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
        "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
        "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
        "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
        "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
        "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
        "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
        "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7",
        "88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA2583E9CA2AD44CE8",
        "DBBBC2DB04DE8EF92E8EFC141FBECAA6287C59474E6BC05D99B2964FA090C3A2",
        "233BA186515BE7ED1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9",
        "93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C934063199FFFFFFFFFFFFFFFF",
    ))
}

/// RFC 8121 section 3.2 with num-bigint-dig.
fn dl_oracle(
    alg: &'static dyn Algorithm,
    q: &BigUint,
    sha512: bool,
    pi: &[u8],
    s_c1: &BigUint,
    s_s1: &BigUint,
) {
    dl_env::apply();
    let len = alg.element_len();
    let one = BigUint::from(1u32);
    let g = BigUint::from(2u32);
    let r = (q - &one) >> 1;
    assert_eq!(g.modpow(&r, q), one, "g has order r");
    let pi_n = BigUint::from_bytes_be(pi);
    let j = g.modpow(&pi_n, q);
    let kc1 = g.modpow(s_c1, q);
    let t1 = h(sha512, &[&[1], &bytes(&kc1, len)]);
    let ks1 = (&j * kc1.modpow(&t1, q)).modpow(s_s1, q);
    let t2 = h(sha512, &[&[2], &bytes(&kc1, len), &bytes(&ks1, len)]);
    let z_server = (&kc1 * g.modpow(&t2, q)).modpow(s_s1, q);
    // (S_c1 + t_2) / (S_c1 * t_1 + pi) mod r via Fermat (r is prime).
    let den = (s_c1 * &t1 + &pi_n) % &r;
    let inv = den.modpow(&(&r - BigUint::from(2u32)), &r);
    let e = ((s_c1 + &t2) * inv) % &r;
    let z_client = ks1.modpow(&e, q);
    assert_eq!(z_client, z_server, "oracle is consistent");

    let pi_s = SecretBytes::from_slice(pi);
    let j_c = alg.verifier(&pi_s).unwrap();
    assert_eq!(j_c.expose_secret(), &bytes(&j, len)[..], "J");
    let client = client_kex_with_secret(alg, SecretBytes::new(bytes(s_c1, len))).unwrap();
    assert_eq!(client.kc1(), &bytes(&kc1, len)[..], "K_c1");
    let server =
        server_exchange_with_secret(alg, &j_c, client.kc1(), SecretBytes::new(bytes(s_s1, len)))
            .unwrap();
    assert_eq!(server.ks1, bytes(&ks1, len), "K_s1");
    assert_eq!(
        server.z.expose_secret(),
        &bytes(&z_server, len)[..],
        "z server"
    );
    let keys = client.finish(&pi_s, &server.ks1).unwrap();
    assert_eq!(
        keys.z.expose_secret(),
        &bytes(&z_client, len)[..],
        "z client"
    );
}

/// A short-Weierstrass curve y^2 = x^3 - 3x + b over F_p, affine coordinates.
struct Curve {
    p: BigUint,
    b: BigUint,
    n: BigUint,
    g: (BigUint, BigUint),
    flen: usize,
    elen: usize,
    sha512: bool,
}

type Pt = Option<(BigUint, BigUint)>;

impl Curve {
    fn inv(&self, x: &BigUint) -> BigUint {
        x.modpow(&(&self.p - BigUint::from(2u32)), &self.p)
    }
    fn sub(&self, a: &BigUint, b: &BigUint) -> BigUint {
        ((a + &self.p) - (b % &self.p)) % &self.p
    }
    fn add(&self, a: &Pt, b: &Pt) -> Pt {
        let (Some((x1, y1)), Some((x2, y2))) = (a, b) else {
            return a.clone().or_else(|| b.clone());
        };
        let p = &self.p;
        let lambda = if x1 == x2 {
            if (y1 + y2) % p == BigUint::from(0u32) {
                return None;
            }
            let num = self.sub(&(BigUint::from(3u32) * x1 * x1), &BigUint::from(3u32));
            num * self.inv(&(BigUint::from(2u32) * y1)) % p
        } else {
            self.sub(y2, y1) * self.inv(&self.sub(x2, x1)) % p
        };
        let x3 = self.sub(&self.sub(&(&lambda * &lambda), x1), x2);
        let y3 = self.sub(&(lambda * self.sub(x1, &x3)), y1);
        Some((x3, y3))
    }
    fn mul(&self, k: &BigUint, pt: &Pt) -> Pt {
        let mut acc: Pt = None;
        for i in (0..k.bits()).rev() {
            acc = self.add(&acc, &acc);
            if (k >> i) & BigUint::from(1u32) == BigUint::from(1u32) {
                acc = self.add(&acc, pt);
            }
        }
        acc
    }
    fn encode(&self, pt: &Pt) -> Vec<u8> {
        let (x, y) = pt.clone().unwrap();
        let v = (x << 1) + (y & BigUint::from(1u32));
        bytes(&v, self.elen)
    }
    fn on_curve(&self, pt: &Pt) -> bool {
        let (x, y) = pt.clone().unwrap();
        let p = &self.p;
        let rhs = self.sub(&((&x * &x * &x + &self.b) % p), &(BigUint::from(3u32) * &x));
        (&y * &y) % p == rhs
    }
}

fn p256() -> Curve {
    Curve {
        p: big("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"),
        b: big("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"),
        n: big("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"),
        g: (
            big("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"),
            big("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"),
        ),
        flen: 32,
        elen: 33,
        sha512: false,
    }
}

fn p521() -> Curve {
    Curve {
        p: (BigUint::from(1u32) << 521) - BigUint::from(1u32),
        b: big(
            "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00",
        ),
        n: big(
            "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
        ),
        g: (
            big(
                "00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66",
            ),
            big(
                "011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650",
            ),
        ),
        flen: 66,
        elen: 66,
        sha512: true,
    }
}

/// RFC 8121 section 3.3 with num-bigint-dig affine arithmetic.
fn ec_oracle(alg: &'static dyn Algorithm, c: &Curve, pi: &[u8], s_c1: &BigUint, s_s1: &BigUint) {
    let g: Pt = Some(c.g.clone());
    assert!(c.on_curve(&g));
    let pi_n = BigUint::from_bytes_be(pi);
    let j = c.mul(&pi_n, &g);
    let kc1 = c.mul(s_c1, &g);
    let kc1_b = c.encode(&kc1);
    let t1 = h(c.sha512, &[&[1], &kc1_b]);
    let ks1 = c.mul(s_s1, &c.add(&j, &c.mul(&t1, &kc1)));
    let ks1_b = c.encode(&ks1);
    let t2 = h(c.sha512, &[&[2], &kc1_b, &ks1_b]);
    let z_server = c.mul(s_s1, &c.add(&kc1, &c.mul(&t2, &g)));
    let n = &c.n;
    let den = (s_c1 * &t1 + &pi_n) % n;
    let inv = den.modpow(&(n - BigUint::from(2u32)), n);
    let e = ((s_c1 + &t2) * inv) % n;
    let z_client = c.mul(&e, &ks1);
    assert_eq!(
        c.encode(&z_client),
        c.encode(&z_server),
        "oracle is consistent"
    );

    let pi_s = SecretBytes::from_slice(pi);
    let j_c = alg.verifier(&pi_s).unwrap();
    assert_eq!(j_c.expose_secret(), &c.encode(&j)[..], "J");
    let client = client_kex_with_secret(alg, SecretBytes::new(bytes(s_c1, c.flen))).unwrap();
    assert_eq!(client.kc1(), &kc1_b[..], "K_c1");
    let server = server_exchange_with_secret(
        alg,
        &j_c,
        client.kc1(),
        SecretBytes::new(bytes(s_s1, c.flen)),
    )
    .unwrap();
    assert_eq!(server.ks1, ks1_b, "K_s1");
    assert_eq!(
        server.z.expose_secret(),
        &c.encode(&z_server)[..],
        "z server"
    );
    let keys = client.finish(&pi_s, &server.ks1).unwrap();
    assert_eq!(keys.z.expose_secret(), &c.encode(&z_client)[..], "z client");
    assert_eq!(kam3::t1(alg, &kc1_b), bytes(&t1, alg.hash_len()));
}

/// A scalar in [lo, r-1] from arbitrary bytes.
fn scalar_in(seed: &[u8], r: &BigUint, lo: u32) -> BigUint {
    let lo = BigUint::from(lo);
    BigUint::from_bytes_be(seed) % (r - &lo) + lo
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10))]

    #[test]
    fn oracle_iso_kam3_dl_2048_sha256(
        pi in proptest::collection::vec(any::<u8>(), 32),
        a in proptest::collection::vec(any::<u8>(), 260),
        b in proptest::collection::vec(any::<u8>(), 260),
    ) {
        let q = big(MODP_2048);
        let r = (&q - BigUint::from(1u32)) >> 1;
        dl_oracle(&IsoKam3Dl2048Sha256, &q, false, &pi, &scalar_in(&a, &r, 2048), &scalar_in(&b, &r, 1));
    }

    #[test]
    fn oracle_iso_kam3_ec_p256_sha256(
        pi in proptest::collection::vec(any::<u8>(), 32),
        a in proptest::collection::vec(any::<u8>(), 40),
        b in proptest::collection::vec(any::<u8>(), 40),
    ) {
        let c = p256();
        let (sa, sb) = (scalar_in(&a, &c.n, 1), scalar_in(&b, &c.n, 1));
        ec_oracle(&IsoKam3EcP256Sha256, &c, &pi, &sa, &sb);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3))]

    #[test]
    fn oracle_iso_kam3_ec_p521_sha512(
        pi in proptest::collection::vec(any::<u8>(), 64),
        a in proptest::collection::vec(any::<u8>(), 70),
        b in proptest::collection::vec(any::<u8>(), 70),
    ) {
        let c = p521();
        let (sa, sb) = (scalar_in(&a, &c.n, 1), scalar_in(&b, &c.n, 1));
        ec_oracle(&IsoKam3EcP521Sha512, &c, &pi, &sa, &sb);
    }

    #[test]
    fn oracle_iso_kam3_dl_4096_sha512(
        pi in proptest::collection::vec(any::<u8>(), 64),
        a in proptest::collection::vec(any::<u8>(), 520),
        b in proptest::collection::vec(any::<u8>(), 520),
    ) {
        let q = modp_4096();
        let r = (&q - BigUint::from(1u32)) >> 1;
        dl_oracle(&IsoKam3Dl4096Sha512, &q, true, &pi, &scalar_in(&a, &r, 4096), &scalar_in(&b, &r, 1));
    }
}

#[test]
fn oracle_edge_scalars() {
    dl_env::apply();
    // Extremes of the allowed ranges: S = 1 / the DL minimum, and S = r - 1.
    let q = big(MODP_2048);
    let r = (&q - BigUint::from(1u32)) >> 1;
    let rm1 = &r - BigUint::from(1u32);
    dl_oracle(
        &IsoKam3Dl2048Sha256,
        &q,
        false,
        &[7; 32],
        &BigUint::from(2048u32),
        &BigUint::from(1u32),
    );
    dl_oracle(&IsoKam3Dl2048Sha256, &q, false, &[0xff; 32], &rm1, &rm1);
    let c = p256();
    let nm1 = &c.n - BigUint::from(1u32);
    ec_oracle(
        &IsoKam3EcP256Sha256,
        &c,
        &[0xff; 32],
        &nm1,
        &BigUint::from(1u32),
    );
    // pi >= n for P-256 (a 256-bit pi may exceed the order): reduced mod r.
    ec_oracle(
        &IsoKam3EcP256Sha256,
        &c,
        &[0xff; 32],
        &BigUint::from(1u32),
        &nm1,
    );
}

#[test]
fn dl_minimum_s_c1_enforced() {
    dl_env::apply();
    let mut below = vec![0u8; 256];
    below[254..].copy_from_slice(&2047u16.to_be_bytes());
    assert!(client_kex_with_secret(&IsoKam3Dl2048Sha256, SecretBytes::new(below)).is_err());
    assert!(client_kex_with_secret(&IsoKam3EcP256Sha256, SecretBytes::new(vec![0; 32])).is_err());
    assert!(
        client_kex_with_secret(&IsoKam3EcP256Sha256, SecretBytes::new(vec![0xff; 32])).is_err()
    );
}
