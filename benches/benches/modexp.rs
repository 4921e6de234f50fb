//! Modular exponentiation for the RFC 3526 groups (issue 6): this engine beside OpenSSL
//! (`BN_mod_exp_mont_consttime` through the `openssl` crate, feature `openssl`), GMP
//! (`mpz_powm_sec`, feature `gmp`), crypto-bigint 0.7 and num-bigint-dig 0.9, plus the
//! whole server and client KAM3 exponentiation work of one dl-2048 / dl-4096 handshake.
//!
//! Run: `cargo bench -p httpauth-benches --bench modexp --features openssl,gmp` (without the
//! features OpenSSL and GMP are left out; see crates/httpauth-modexp/README.md, "Benchmarks").
//! Fixed-seed inputs; one group per (operation, size) so the ratios read directly.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use httpauth_modexp::{Backend, ModExp};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use std::hint::black_box;

/// The backend of the contexts (the `*_with` groups run every backend regardless):
/// `MUTUAL_CORE_MODEXP_BACKEND` = `auto` (default) | `portable` | `adx` | `ifma`, read here
/// because the engine reads no environment.
fn backend_from_env() -> Backend {
    std::env::var("MUTUAL_CORE_MODEXP_BACKEND")
        .ok()
        .and_then(|n| Backend::from_name(&n))
        .unwrap_or(Backend::Auto)
}

/// A random value below the modulus (top octet cleared), fixed seed.
fn below(rng: &mut ChaCha20Rng, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rng.fill_bytes(&mut v);
    v[0] &= 0x7f;
    v
}

fn rand_bytes(rng: &mut ChaCha20Rng, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rng.fill_bytes(&mut v);
    v[0] |= 0x80; // full length
    v
}

/// crypto-bigint 0.7 `FixedMontyForm::pow` (constant time) at a fixed size.
macro_rules! crypto_bigint_pow {
    ($limbs:literal, $m:expr, $b:expr, $e:expr, $elimbs:literal) => {{
        use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
        use crypto_bigint::{Odd, Uint};
        let m = Uint::<$limbs>::from_be_slice($m);
        let params = FixedMontyParams::new_vartime(Odd::new(m).unwrap());
        let b = FixedMontyForm::new(&Uint::<$limbs>::from_be_slice($b), &params);
        let mut epad = vec![0u8; $elimbs * 8 - $e.len()];
        epad.extend_from_slice($e);
        let e = Uint::<$elimbs>::from_be_slice(&epad);
        move || black_box(&b).pow(black_box(&e))
    }};
}

#[cfg(feature = "openssl")]
mod ossl {
    use openssl::bn::{BigNum, BigNumContext};
    pub(crate) struct Ossl {
        m: BigNum,
        ctx: BigNumContext,
    }
    impl Ossl {
        pub(crate) fn new(m: &[u8]) -> Self {
            Self {
                m: BigNum::from_slice(m).unwrap(),
                ctx: BigNumContext::new().unwrap(),
            }
        }
        /// `BN_mod_exp` with `BN_FLG_CONSTTIME` on the exponent: dispatches to
        /// `BN_mod_exp_mont_consttime`.
        pub(crate) fn pow_ct(&mut self, b: &[u8], e: &[u8]) -> Vec<u8> {
            let b = BigNum::from_slice(b).unwrap();
            let mut e = BigNum::from_slice(e).unwrap();
            e.set_const_time();
            let mut r = BigNum::new().unwrap();
            r.mod_exp(&b, &e, &self.m, &mut self.ctx).unwrap();
            r.to_vec()
        }
    }
    pub(crate) fn version() -> &'static str {
        openssl::version::version()
    }
}

#[cfg(feature = "gmp")]
mod gmp {
    //! Minimal FFI to the system libgmp (libgmp-dev) for `mpz_powm_sec`.
    #![allow(unsafe_code, non_camel_case_types)]
    use std::os::raw::{c_int, c_void};
    #[repr(C)]
    pub(crate) struct mpz_t {
        alloc: c_int,
        size: c_int,
        d: *mut u64,
    }
    #[link(name = "gmp")]
    unsafe extern "C" {
        fn __gmpz_init(x: *mut mpz_t);
        fn __gmpz_clear(x: *mut mpz_t);
        fn __gmpz_import(
            rop: *mut mpz_t,
            count: usize,
            order: c_int,
            size: usize,
            endian: c_int,
            nails: usize,
            op: *const c_void,
        );
        fn __gmpz_powm_sec(r: *mut mpz_t, b: *const mpz_t, e: *const mpz_t, m: *const mpz_t);
    }
    pub(crate) struct Z(mpz_t);
    impl Z {
        pub(crate) fn from_be(bytes: &[u8]) -> Z {
            let mut z = mpz_t {
                alloc: 0,
                size: 0,
                d: std::ptr::null_mut(),
            };
            // SAFETY: init then import from a valid byte slice (order 1 = most significant
            // word first, size 1, endian 0 native, no nails).
            unsafe {
                __gmpz_init(&mut z);
                __gmpz_import(&mut z, bytes.len(), 1, 1, 0, 0, bytes.as_ptr().cast());
            }
            Z(z)
        }
    }
    impl Drop for Z {
        fn drop(&mut self) {
            // SAFETY: initialised in from_be, cleared once.
            unsafe { __gmpz_clear(&mut self.0) }
        }
    }
    /// `r = b^e mod m` with `mpz_powm_sec` (constant time; e > 0, m odd).
    pub(crate) fn powm_sec(r: &mut Z, b: &Z, e: &Z, m: &Z) {
        // SAFETY: all four are initialised mpz_t values owned by the caller.
        unsafe { __gmpz_powm_sec(&mut r.0, &b.0, &e.0, &m.0) }
    }
}

/// The full-exponent constant-time group for one modulus size.
fn full_exponent(c: &mut Criterion, name: &str, q: &[u8]) {
    let len = q.len();
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let ctx = ModExp::new(q, backend_from_env()).unwrap();
    let base = below(&mut rng, len);
    let exp = rand_bytes(&mut rng, len);
    let base2 = below(&mut rng, len);
    let exp2 = rand_bytes(&mut rng, len);
    let mut g = c.benchmark_group(format!("modpow {name}, secret full-size exponent"));
    g.sample_size(20);
    #[cfg(feature = "openssl")]
    {
        let mut o = ossl::Ossl::new(q);
        assert_eq!(
            o.pow_ct(&base, &exp),
            ctx.pow_ct(&base, &exp).unwrap().to_vec()
        );
        g.bench_function(
            format!("openssl BN_mod_exp_mont_consttime ({})", ossl::version()),
            |b| b.iter(|| o.pow_ct(black_box(&base), black_box(&exp))),
        );
    }
    #[cfg(feature = "gmp")]
    {
        let (m, bb, e) = (
            gmp::Z::from_be(q),
            gmp::Z::from_be(&base),
            gmp::Z::from_be(&exp),
        );
        let mut r = gmp::Z::from_be(&[0]);
        g.bench_function("gmp mpz_powm_sec", |b| {
            b.iter(|| gmp::powm_sec(&mut r, &bb, &e, &m))
        });
    }
    for be in Backend::ALL {
        if ctx.supports(be) {
            g.bench_function(
                BenchmarkId::new("this engine pow_ct", format!("{be:?}")),
                |b| {
                    b.iter(|| {
                        ctx.pow_ct_with(be, black_box(&base), black_box(&exp))
                            .unwrap()
                    })
                },
            );
        }
    }
    for be in Backend::ALL {
        if ctx.supports(be) {
            g.throughput(Throughput::Elements(2));
            g.bench_function(
                BenchmarkId::new("this engine pow_ct_x2 (pair)", format!("{be:?}")),
                |b| {
                    b.iter(|| {
                        ctx.pow_ct_x2_with(be, [black_box(&base), &base2], [black_box(&exp), &exp2])
                            .unwrap()
                    })
                },
            );
        }
    }
    g.throughput(Throughput::Elements(1));
    if len == 256 {
        let f = crypto_bigint_pow!(32, q, &base, &exp, 32);
        g.bench_function("crypto-bigint 0.7 FixedMontyForm::pow", |b| b.iter(&f));
    } else {
        let f = crypto_bigint_pow!(64, q, &base, &exp, 64);
        g.bench_function("crypto-bigint 0.7 FixedMontyForm::pow", |b| b.iter(&f));
    }
    {
        use num_bigint_dig::BigUint;
        let (m, bb, e) = (
            BigUint::from_bytes_be(q),
            BigUint::from_bytes_be(&base),
            BigUint::from_bytes_be(&exp),
        );
        g.bench_function("num-bigint-dig 0.9 modpow (variable time)", |b| {
            b.iter(|| black_box(&bb).modpow(black_box(&e), &m))
        });
    }
    g.finish();
}

/// 256-bit exponents (t_1, t_2 sized) and base 2 (g of RFC 3526).
fn short_and_base2(c: &mut Criterion, name: &str, q: &[u8]) {
    let len = q.len();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let ctx = ModExp::new(q, backend_from_env()).unwrap();
    let base = below(&mut rng, len);
    let t = rand_bytes(&mut rng, 32);
    let s = rand_bytes(&mut rng, len);
    let mut g = c.benchmark_group(format!("modpow {name}, 256-bit exponent"));
    g.sample_size(30);
    #[cfg(feature = "openssl")]
    {
        let mut o = ossl::Ossl::new(q);
        g.bench_function("openssl consttime", |b| {
            b.iter(|| o.pow_ct(black_box(&base), black_box(&t)))
        });
    }
    g.bench_function("this engine pow_ct", |b| {
        b.iter(|| ctx.pow_ct(black_box(&base), black_box(&t)).unwrap())
    });
    g.bench_function("this engine pow_vartime", |b| {
        b.iter(|| ctx.pow_vartime(black_box(&base), black_box(&t)).unwrap())
    });
    {
        use num_bigint_dig::BigUint;
        let (m, bb, e) = (
            BigUint::from_bytes_be(q),
            BigUint::from_bytes_be(&base),
            BigUint::from_bytes_be(&t),
        );
        g.bench_function("num-bigint-dig 0.9 modpow (variable time)", |b| {
            b.iter(|| black_box(&bb).modpow(black_box(&e), &m))
        });
    }
    g.finish();
    let mut g = c.benchmark_group(format!("modpow {name}, base 2, secret full-size exponent"));
    g.sample_size(20);
    #[cfg(feature = "openssl")]
    {
        let mut o = ossl::Ossl::new(q);
        g.bench_function("openssl consttime", |b| {
            b.iter(|| o.pow_ct(black_box(&[2]), black_box(&s)))
        });
    }
    g.bench_function("this engine pow_ct", |b| {
        b.iter(|| ctx.pow_ct(black_box(&[2]), black_box(&s)).unwrap())
    });
    g.bench_function("this engine pow2_ct (shift and fold)", |b| {
        b.iter(|| ctx.pow2_ct(black_box(&s)).unwrap())
    });
    // The fixed-base comb (tables built once, outside the timing) on the portable kernel,
    // beside the shift-and-fold path on each backend: `pow_g_ct_with` keeps the faster.
    ctx.pow2_comb_ct(&s).unwrap();
    g.bench_function(
        "this engine pow2_comb_ct (fixed-base comb, portable kernel)",
        |b| b.iter(|| ctx.pow2_comb_ct(black_box(&s)).unwrap()),
    );
    for backend in Backend::ALL.into_iter().filter(|&b| ctx.supports(b)) {
        g.bench_function(
            BenchmarkId::new(
                "this engine pow2_ct_with (shift and fold)",
                format!("{backend:?}"),
            ),
            |b| b.iter(|| ctx.pow2_ct_with(backend, black_box(&s)).unwrap()),
        );
    }
    g.finish();
}

/// The server's and the client's exponentiations for one KAM3 handshake (RFC 8121
/// section 3.2), with the other arithmetic of the step:
/// server: K_s1 = (J * K_c1^t_1)^S_s1 and z = (K_c1 * g^t_2)^S_s1;
/// client: K_c1 = g^S_c1 and z = K_s1^((S_c1 + t_2) / (S_c1 t_1 + pi)) (exponent as given).
fn kam3(c: &mut Criterion, name: &str, q: &[u8], tlen: usize) {
    let len = q.len();
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let ctx = ModExp::new(q, backend_from_env()).unwrap();
    let j = below(&mut rng, len);
    let kc1 = below(&mut rng, len);
    let ks1 = below(&mut rng, len);
    let s_s1 = below(&mut rng, len);
    let s_c1 = below(&mut rng, len);
    let e_client = below(&mut rng, len);
    let t1 = rand_bytes(&mut rng, tlen);
    let t2 = rand_bytes(&mut rng, tlen);
    let mut g = c.benchmark_group(format!("kam3 {name}, one handshake"));
    g.sample_size(20);
    #[cfg(feature = "openssl")]
    {
        let mut o = ossl::Ossl::new(q);
        g.bench_function("baseline: two openssl consttime exponentiations", |b| {
            b.iter(|| {
                (
                    o.pow_ct(black_box(&kc1), &s_s1),
                    o.pow_ct(black_box(&j), &s_s1),
                )
            })
        });
    }
    g.bench_function("server (K_s1 then z)", |b| {
        b.iter(|| {
            let kt = ctx.pow_vartime(black_box(&kc1), &t1).unwrap();
            let base = ctx.mul(&j, &kt).unwrap();
            let ks1 = ctx.pow_ct(&base, &s_s1).unwrap();
            let gt = ctx.pow_vartime(&[2], &t2).unwrap();
            let base = ctx.mul(&kc1, &gt).unwrap();
            (ks1, ctx.pow_ct(&base, &s_s1).unwrap())
        })
    });
    // The batched formulation (dl/mod.rs `ServerPath::Batched`): J^S_s1 and K_c1^S_s1 as
    // one pow_ct_x2 pair, the short t_1, then g^(S_s1 t_2 mod r) by the fixed-base path
    // (r = (q - 1) / 2 is the order of g).
    let r = {
        let mut r = q.to_vec();
        *r.last_mut().unwrap() &= 0xfe;
        let mut carry = 0u8;
        for x in r.iter_mut() {
            let next = *x & 1;
            *x = (*x >> 1) | (carry << 7);
            carry = next;
        }
        ModExp::new(&r, backend_from_env()).unwrap()
    };
    g.bench_function(
        "server batched (x2 pair, short t_1, g^(S t_2 mod r))",
        |b| {
            b.iter(|| {
                let [js, ks] = ctx
                    .pow_ct_x2([black_box(&j), &kc1], [&s_s1, &s_s1])
                    .unwrap();
                let ks1 = ctx.mul(&js, &ctx.pow_ct(&ks, &t1).unwrap()).unwrap();
                let e2 = r.mul(&s_s1, &t2).unwrap();
                let gz = ctx.pow_g_ct(&e2).unwrap();
                (ks1, ctx.mul(&ks, &gz).unwrap())
            })
        },
    );
    // Two handshakes served in lock step: each step's two exponentiations share one
    // interleaved pow_ct_x2 (t_2 depends on K_s1, so one handshake's own two cannot pair).
    let kc1b = below(&mut rng, len);
    let jb = below(&mut rng, len);
    let s_s1b = below(&mut rng, len);
    g.throughput(Throughput::Elements(2));
    g.bench_function("server, two handshakes in lock step (pow_ct_x2)", |b| {
        b.iter(|| {
            let k0 = ctx.pow_vartime(black_box(&kc1), &t1).unwrap();
            let k1 = ctx.pow_vartime(black_box(&kc1b), &t1).unwrap();
            let b0 = ctx.mul(&j, &k0).unwrap();
            let b1 = ctx.mul(&jb, &k1).unwrap();
            let ks = ctx.pow_ct_x2([&b0, &b1], [&s_s1, &s_s1b]).unwrap();
            let gt = ctx.pow_vartime(&[2], &t2).unwrap();
            let z0 = ctx.mul(&kc1, &gt).unwrap();
            let z1 = ctx.mul(&kc1b, &gt).unwrap();
            (ks, ctx.pow_ct_x2([&z0, &z1], [&s_s1, &s_s1b]).unwrap())
        })
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("client (K_c1 then z)", |b| {
        b.iter(|| {
            let k = ctx.pow2_ct(black_box(&s_c1)).unwrap();
            (k, ctx.pow_ct(black_box(&ks1), &e_client).unwrap())
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let q2 = mutual_core::rfc3526_prime(2048).unwrap();
    let q4 = mutual_core::rfc3526_prime(4096).unwrap();
    eprintln!(
        "backend detected: {:?}; contexts on {:?}",
        Backend::detect(),
        backend_from_env()
    );
    full_exponent(c, "2048-bit", &q2);
    full_exponent(c, "4096-bit", &q4);
    short_and_base2(c, "2048-bit", &q2);
    short_and_base2(c, "4096-bit", &q4);
    kam3(c, "dl-2048", &q2, 32);
    kam3(c, "dl-4096", &q4, 64);
}

criterion_group!(modexp, benches);
criterion_main!(modexp);
