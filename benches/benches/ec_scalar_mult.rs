//! Elliptic-curve scalar multiplication for Mutual's EC algorithms (RFC 8121 section 3.3):
//! httpauth-ec beside OpenSSL (`EC_POINT_mul` through the `openssl` crate, feature
//! `openssl`) and the RustCrypto `p256` / `p521` crates (what mutual-core used before), per
//! curve:
//!
//! - secret scalar times a variable point (`Point::mul`; the client's z = [e] K_s1),
//! - secret scalar times the generator (`Point::mul_generator`; K_c1 = [S_c1] G, J),
//! - the server's two operations of one handshake, from and to the wire form (decode the
//!   compressed points, compute, encode): K_s1 = [S_s1](J + [t_1] K_c1) and
//!   z = [S_s1](K_c1 + [t_2] G), t_1 and t_2 public.
//!
//! The RustCrypto crates are built as the workspace pins them (`arithmetic` only): `p256`'s
//! `precomputed-tables` feature is off, so its generator multiplication has no table.
//!
//! Run: `cargo bench -p httpauth-benches --bench ec_scalar_mult --features openssl`
//! (without the feature OpenSSL is left out); a quick pass: append
//! `-- --warm-up-time 1 --measurement-time 3`. Fixed inputs; one group per (curve,
//! operation) so the ratios read directly. The whole Mutual handshake is in `mutual_kam3`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use httpauth_ec::{Choice, Curve, P256, P521, Point, Scalar};
use std::hint::black_box;

/// Fixed "random" octets: a xorshift stream from `seed`.
fn octets(seed: u64, len: usize) -> Vec<u8> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u8
        })
        .collect()
}

/// A scalar below n: the top octet cleared to the curve's size (and one bit below it, so
/// the value stays under n whatever the rest is).
fn scalar_octets(seed: u64, len: usize) -> Vec<u8> {
    let mut v = octets(seed, len);
    if len == 66 {
        v[0] = 0;
        v[1] &= 0x7f;
    } else {
        v[0] &= 0x7f;
    }
    v
}

/// The wire form of RFC 8121 section 3.3 is (x, parity of y); SEC1 compressed carries the
/// same, so every contender decodes and encodes SEC1 compressed here.
fn sec1<C: Curve>(p: &Point<C>) -> Vec<u8> {
    p.to_sec1(true).unwrap().to_vec()
}

#[cfg(feature = "openssl")]
mod ossl {
    use openssl::bn::{BigNum, BigNumContext};
    use openssl::ec::{EcGroup, EcPoint, PointConversionForm};
    use openssl::nid::Nid;

    pub(crate) struct Ossl {
        pub(crate) group: EcGroup,
        pub(crate) ctx: BigNumContext,
    }

    impl Ossl {
        pub(crate) fn new(nid: Nid) -> Self {
            Self {
                group: EcGroup::from_curve_name(nid).unwrap(),
                ctx: BigNumContext::new().unwrap(),
            }
        }
        pub(crate) fn decode(&mut self, sec1: &[u8]) -> EcPoint {
            EcPoint::from_bytes(&self.group, sec1, &mut self.ctx).unwrap()
        }
        pub(crate) fn encode(&mut self, p: &EcPoint) -> Vec<u8> {
            p.to_bytes(&self.group, PointConversionForm::COMPRESSED, &mut self.ctx)
                .unwrap()
        }
        /// A secret scalar: `BN_FLG_CONSTTIME` set, as OpenSSL's own key agreement does.
        pub(crate) fn secret(bytes: &[u8]) -> BigNum {
            let mut b = BigNum::from_slice(bytes).unwrap();
            b.set_const_time();
            b
        }
        pub(crate) fn public(bytes: &[u8]) -> BigNum {
            BigNum::from_slice(bytes).unwrap()
        }
        /// `EC_POINT_mul(group, r, NULL, p, k, ctx)`.
        pub(crate) fn mul(&mut self, p: &EcPoint, k: &BigNum) -> EcPoint {
            let mut r = EcPoint::new(&self.group).unwrap();
            r.mul2(&self.group, p, k, &mut self.ctx).unwrap();
            r
        }
        /// `EC_POINT_mul(group, r, k, NULL, NULL, ctx)`.
        pub(crate) fn mul_generator(&mut self, k: &BigNum) -> EcPoint {
            let mut r = EcPoint::new(&self.group).unwrap();
            r.mul_generator2(&self.group, k, &mut self.ctx).unwrap();
            r
        }
        pub(crate) fn add(&mut self, a: &EcPoint, b: &EcPoint) -> EcPoint {
            let mut r = EcPoint::new(&self.group).unwrap();
            r.add(&self.group, a, b, &mut self.ctx).unwrap();
            r
        }
    }

    pub(crate) fn version() -> &'static str {
        openssl::version::version()
    }
}

/// One curve's groups. `$oracle` is the RustCrypto crate, `$nid` OpenSSL's curve name.
macro_rules! curve_benches {
    ($fn_name:ident, $curve:ty, $oracle:ident, $nid:expr, $label:literal) => {
        fn $fn_name(c: &mut Criterion) {
            use $oracle::elliptic_curve::ff::PrimeField as _;
            use $oracle::elliptic_curve::group::{Group as _, GroupEncoding as _};
            use $oracle::{AffinePoint, FieldBytes, ProjectivePoint, Scalar as OScalar};

            type P = Point<$curve>;
            type S = Scalar<$curve>;
            let len = <$curve as Curve>::LEN;
            let fb = |b: &[u8]| {
                let mut f = FieldBytes::default();
                f.copy_from_slice(b);
                f
            };
            let oscalar =
                |b: &[u8]| -> OScalar { Option::from(OScalar::from_repr(fb(b))).unwrap() };
            let odecode = |b: &[u8]| -> ProjectivePoint {
                let a: Option<AffinePoint> = AffinePoint::from_bytes(&b.try_into().unwrap()).into();
                ProjectivePoint::from(a.unwrap())
            };

            // Inputs: the server's S_s1, the verifier J = [pi] G, the client's K_c1, and
            // t_1, t_2 (hash outputs: 32 octets for SHA-256, 64 for SHA-512).
            let s_bytes = scalar_octets(1, len);
            let s = S::from_be_bytes(&s_bytes).unwrap();
            let j = P::mul_generator(&S::from_be_bytes(&scalar_octets(2, len)).unwrap());
            let kc1 = P::mul_generator(&S::from_be_bytes(&scalar_octets(3, len)).unwrap());
            let tlen = if len == 32 { 32 } else { 64 };
            let (t1, t2) = (octets(4, tlen), octets(5, tlen));
            let (j_enc, kc1_enc) = (sec1(&j), sec1(&kc1));
            let decode = |b: &[u8]| P::from_sec1(b).unwrap();

            // Everyone computes the same K_s1 and z.
            let ks1_ours = sec1(
                &decode(&kc1_enc)
                    .mul_vartime(&t1)
                    .add(&decode(&j_enc))
                    .mul(&s),
            );
            let z_ours = sec1(
                &decode(&kc1_enc)
                    .add_vartime(&P::mul_generator_vartime(&t2))
                    .mul(&s),
            );
            let radix = OScalar::from(256u64);
            let oreduce = |t: &[u8]| {
                t.iter().fold(OScalar::from(0u64), |a, &b| {
                    a * radix + OScalar::from(u64::from(b))
                })
            };
            let os = oscalar(&s_bytes);
            let (ot1, ot2) = (oreduce(&t1), oreduce(&t2));
            let ks1_rc = (odecode(&j_enc) + odecode(&kc1_enc) * ot1) * os;
            let z_rc = (odecode(&kc1_enc) + ProjectivePoint::GENERATOR * ot2) * os;
            assert_eq!(&ks1_ours[..], &ks1_rc.to_affine().to_bytes()[..]);
            assert_eq!(&z_ours[..], &z_rc.to_affine().to_bytes()[..]);

            // --- secret scalar, variable base ---
            let mut g = c.benchmark_group(format!("ec {}, secret scalar x variable point", $label));
            g.sample_size(30);
            #[cfg(feature = "openssl")]
            let mut o = ossl::Ossl::new($nid);
            #[cfg(feature = "openssl")]
            {
                let (ok, oj) = (ossl::Ossl::secret(&s_bytes), o.decode(&j_enc));
                g.bench_function(format!("openssl EC_POINT_mul ({})", ossl::version()), |b| {
                    b.iter(|| o.mul(black_box(&oj), black_box(&ok)))
                });
            }
            g.bench_function("httpauth-ec Point::mul", |b| {
                b.iter(|| black_box(&j).mul(black_box(&s)))
            });
            let oj = odecode(&j_enc);
            g.bench_function(
                concat!(stringify!($oracle), " crate ProjectivePoint * Scalar"),
                |b| b.iter(|| black_box(oj) * black_box(os)),
            );
            g.finish();

            // --- secret scalar, generator ---
            let mut g = c.benchmark_group(format!("ec {}, secret scalar x generator", $label));
            g.sample_size(30);
            #[cfg(feature = "openssl")]
            {
                let ok = ossl::Ossl::secret(&s_bytes);
                g.bench_function("openssl EC_POINT_mul (generator)", |b| {
                    b.iter(|| o.mul_generator(black_box(&ok)))
                });
            }
            let _ = P::mul_generator(&s); // table built outside the timing
            g.bench_function(
                "httpauth-ec Point::mul_generator (precomputed table)",
                |b| b.iter(|| P::mul_generator(black_box(&s))),
            );
            g.bench_function(
                concat!(
                    stringify!($oracle),
                    " crate ProjectivePoint::mul_by_generator"
                ),
                |b| b.iter(|| ProjectivePoint::mul_by_generator(black_box(&os))),
            );
            g.finish();

            // --- the server's K_s1, wire to wire ---
            let mut g = c.benchmark_group(format!(
                "ec {}, server K_s1 = [S_s1](J + [t_1] K_c1), decode and encode included",
                $label
            ));
            g.sample_size(30);
            #[cfg(feature = "openssl")]
            {
                let (ok, ot) = (ossl::Ossl::secret(&s_bytes), ossl::Ossl::public(&t1));
                assert_eq!(
                    {
                        let (kc, jj) = (o.decode(&kc1_enc), o.decode(&j_enc));
                        let x = o.mul(&kc, &ot);
                        let sum = o.add(&jj, &x);
                        let r = o.mul(&sum, &ok);
                        o.encode(&r)
                    },
                    ks1_ours
                );
                g.bench_function("openssl (EC_POINT_mul, EC_POINT_add, EC_POINT_mul)", |b| {
                    b.iter(|| {
                        let (kc, jj) = (o.decode(black_box(&kc1_enc)), o.decode(black_box(&j_enc)));
                        let x = o.mul(&kc, &ot);
                        let sum = o.add(&jj, &x);
                        let r = o.mul(&sum, &ok);
                        o.encode(&r)
                    })
                });
            }
            g.bench_function("httpauth-ec (mul_vartime, add, mul)", |b| {
                b.iter(|| {
                    let (kc, jj) = (decode(black_box(&kc1_enc)), decode(black_box(&j_enc)));
                    sec1(&kc.mul_vartime(&t1).add(&jj).mul(&s))
                })
            });
            // What mutual-core computes since: [S_s1] J + [S_s1 t_1 mod n] K_c1, one
            // two-point constant-time multiplication (the scalar product on the oracle's
            // scalars, as mutual-core does it on RustCrypto's).
            let u_bytes = (os * ot1).to_repr().to_vec();
            let u = S::from_be_bytes(&u_bytes).unwrap();
            g.bench_function("httpauth-ec (lincomb: [S_s1] J + [S_s1 t_1] K_c1)", |b| {
                b.iter(|| {
                    let (kc, jj) = (decode(black_box(&kc1_enc)), decode(black_box(&j_enc)));
                    sec1(&P::lincomb(&jj, &s, &kc, &u))
                })
            });
            #[cfg(feature = "openssl")]
            {
                let (ok, ou) = (ossl::Ossl::secret(&s_bytes), ossl::Ossl::secret(&u_bytes));
                g.bench_function(
                    "openssl (the same identity: two EC_POINT_mul, EC_POINT_add)",
                    |b| {
                        b.iter(|| {
                            let (kc, jj) =
                                (o.decode(black_box(&kc1_enc)), o.decode(black_box(&j_enc)));
                            let x = o.mul(&jj, &ok);
                            let y = o.mul(&kc, &ou);
                            let r = o.add(&x, &y);
                            o.encode(&r)
                        })
                    },
                );
            }
            assert_eq!(
                sec1(&P::lincomb(&decode(&j_enc), &s, &decode(&kc1_enc), &u)),
                ks1_ours
            );
            g.bench_function(
                concat!(stringify!($oracle), " crate (as mutual-core used it)"),
                |b| {
                    b.iter(|| {
                        let (kc, jj) = (odecode(black_box(&kc1_enc)), odecode(black_box(&j_enc)));
                        ((jj + kc * oreduce(&t1)) * os).to_affine().to_bytes()
                    })
                },
            );
            g.finish();

            // --- the server's z, wire to wire ---
            let mut g = c.benchmark_group(format!(
                "ec {}, server z = [S_s1](K_c1 + [t_2] G), decode and encode included",
                $label
            ));
            g.sample_size(30);
            #[cfg(feature = "openssl")]
            {
                let (ok, ot) = (ossl::Ossl::secret(&s_bytes), ossl::Ossl::public(&t2));
                g.bench_function(
                    "openssl (EC_POINT_mul generator, EC_POINT_add, EC_POINT_mul)",
                    |b| {
                        b.iter(|| {
                            let kc = o.decode(black_box(&kc1_enc));
                            let x = o.mul_generator(&ot);
                            let sum = o.add(&kc, &x);
                            let r = o.mul(&sum, &ok);
                            o.encode(&r)
                        })
                    },
                );
            }
            g.bench_function(
                "httpauth-ec (mul_generator_vartime, add_vartime, mul)",
                |b| {
                    b.iter(|| {
                        let kc = decode(black_box(&kc1_enc));
                        sec1(&kc.add_vartime(&P::mul_generator_vartime(&t2)).mul(&s))
                    })
                },
            );
            g.bench_function(
                concat!(stringify!($oracle), " crate (as mutual-core used it)"),
                |b| {
                    b.iter(|| {
                        let kc = odecode(black_box(&kc1_enc));
                        ((kc + ProjectivePoint::GENERATOR * oreduce(&t2)) * os)
                            .to_affine()
                            .to_bytes()
                    })
                },
            );
            g.finish();

            // --- decompression (every received point, and J) ---
            let mut g = c.benchmark_group(format!("ec {}, point decompression", $label));
            g.sample_size(30);
            #[cfg(feature = "openssl")]
            g.bench_function("openssl EC_POINT_oct2point", |b| {
                b.iter(|| o.decode(black_box(&kc1_enc)))
            });
            g.bench_function("httpauth-ec Point::decompress", |b| {
                let (x, odd) = kc1.to_x_and_parity().unwrap();
                b.iter(|| P::decompress(black_box(&x[..]), Choice::from(odd.unwrap_u8())).unwrap())
            });
            g.bench_function(
                concat!(stringify!($oracle), " crate AffinePoint::from_bytes"),
                |b| b.iter(|| odecode(black_box(&kc1_enc))),
            );
            g.finish();
        }
    };
}

// `$nid` is only expanded inside `cfg(feature = "openssl")` code.
#[cfg(feature = "openssl")]
use openssl::nid::Nid;

curve_benches!(bench_p256, P256, p256, Nid::X9_62_PRIME256V1, "P-256");
curve_benches!(bench_p521, P521, p521, Nid::SECP521R1, "P-521");

criterion_group!(benches, bench_p256, bench_p521);
criterion_main!(benches);
