//! Unit tests of the internals: field arithmetic against `num-bigint-dig`, the P-521 bounds
//! of loose limbs, the digit recodings, the generator tables.

use crate::curve::sealed::CurveArith;
use crate::field::{Field, p256, p521};
use crate::jacobian::{Aff, Jac};
use crate::mul::{booth_recode, windows};
use crate::{P256, P521};
use num_bigint_dig::{BigInt, BigUint};
use proptest::prelude::*;

fn p256_prime() -> BigUint {
    BigUint::parse_bytes(
        b"ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
        16,
    )
    .unwrap()
}

fn p521_prime() -> BigUint {
    (BigUint::from(1u8) << 521) - BigUint::from(1u8)
}

fn be(x: &BigUint, len: usize) -> Vec<u8> {
    let b = x.to_bytes_be();
    let mut out = vec![0u8; len - b.len()];
    out.extend_from_slice(&b);
    out
}

fn value<F: Field>(f: &F) -> BigUint {
    let mut out = vec![0u8; F::LEN];
    f.write_be_bytes(&mut out);
    BigUint::from_bytes_be(&out)
}

fn fe<F: Field>(x: &BigUint) -> F {
    let (f, ok) = F::from_be_bytes(&be(x, F::LEN));
    assert!(bool::from(ok), "test value not below p");
    f
}

/// Every field operation against the oracle for a, b < p.
fn check_ops<F: Field>(p: &BigUint, a: &BigUint, b: &BigUint) {
    let (fa, fb) = (fe::<F>(a), fe::<F>(b));
    assert_eq!(value(&fa), *a, "round trip");
    assert_eq!(value(&fa.add(&fb)), (a + b) % p, "add");
    assert_eq!(value(&fa.sub(&fb)), (a + p - b) % p, "sub");
    assert_eq!(value(&fa.neg()), (p - a) % p, "neg");
    assert_eq!(value(&fa.double()), (a * 2u8) % p, "double");
    for k in 2..=8u8 {
        assert_eq!(
            value(&fa.mul_small(u64::from(k))),
            (a * k) % p,
            "mul_small {k}"
        );
    }
    assert_eq!(value(&fa.mul(&fb)), (a * b) % p, "mul");
    assert_eq!(value(&fa.square()), (a * a) % p, "square");
    assert_eq!(
        value(&fa.square_n(5)),
        a.modpow(&BigUint::from(32u8), p),
        "square_n"
    );
    let inv = value(&fa.invert());
    if *a == BigUint::from(0u8) {
        assert_eq!(inv, BigUint::from(0u8), "invert 0");
    } else {
        assert_eq!((inv * a) % p, BigUint::from(1u8), "invert");
    }
    // a^2 is a square: its root squares back to it; -a^2 is not (p = 3 mod 4) unless 0.
    let sq = fa.square();
    let (root, ok) = sq.sqrt();
    assert!(bool::from(ok), "sqrt of a square");
    assert_eq!(value(&root.square()), value(&sq));
    let (_, ok) = sq.neg().sqrt();
    assert_eq!(
        bool::from(ok),
        *a == BigUint::from(0u8),
        "sqrt of a non-square"
    );
    assert_eq!(
        bool::from(fa.is_odd()),
        a.to_bytes_be().last().is_some_and(|b| b & 1 == 1)
    );
    assert_eq!(bool::from(fa.is_zero()), *a == BigUint::from(0u8));
    assert_eq!(bool::from(fa.ct_eq(&fb)), a == b);
    assert!(bool::from(fa.ct_eq(&fe::<F>(a))));
}

fn edge_values(p: &BigUint, bits: usize) -> Vec<BigUint> {
    let one = BigUint::from(1u8);
    let mut v = vec![
        BigUint::from(0u8),
        one.clone(),
        BigUint::from(2u8),
        p - &one,
        p - BigUint::from(2u8),
        (p - &one) >> 1,
    ];
    for k in [32usize, 58, 64, 96, 116, 128, 192, 224, bits - 1] {
        v.push(&one << k);
        v.push((&one << k) - &one);
    }
    v
}

#[test]
fn field_edge_values_match_the_oracle() {
    let p = p256_prime();
    let e = edge_values(&p, 256);
    for a in &e {
        for b in &e {
            check_ops::<p256::Fe>(&p, a, b);
        }
    }
    let p = p521_prime();
    let e = edge_values(&p, 521);
    for a in &e {
        for b in &e {
            check_ops::<p521::Fe>(&p, a, b);
        }
    }
}

#[test]
fn field_encodings_refuse_values_from_p_up() {
    for (p, len) in [(p256_prime(), 32), (p521_prime(), 66)] {
        for x in [p.clone(), &p + 1u8, (BigUint::from(1u8) << (8 * len)) - 1u8] {
            let ok = if len == 32 {
                p256::Fe::from_be_bytes(&be(&x, len)).1
            } else {
                p521::Fe::from_be_bytes(&be(&x, len)).1
            };
            assert!(!bool::from(ok), "{x:x} accepted");
        }
    }
}

/// P-521 keeps limbs loose (below 2^59); products, squares, sums, differences and the
/// canonical form must be right at the top of that range too.
#[test]
fn p521_loose_limbs_at_their_bound() {
    let p = p521_prime();
    let val = |l: &[u64; 9]| {
        l.iter()
            .enumerate()
            .fold(BigUint::from(0u8), |acc, (i, &x)| {
                acc + (BigUint::from(x) << (58 * i))
            })
            % &p
    };
    let max = [(1u64 << 59) - 1; 9];
    let mut mixed = [(1u64 << 59) - 1; 9];
    mixed[0] = (1 << 58) + (1 << 7) - 1; // limb 0 after a carry pass
    mixed[4] = 0;
    for a in [max, mixed] {
        for b in [max, mixed] {
            let (fa, fb) = (p521::Fe(a), p521::Fe(b));
            let (va, vb) = (val(&a), val(&b));
            assert_eq!(value(&fa), va);
            assert_eq!(value(&fa.mul(&fb)), (&va * &vb) % &p);
            assert_eq!(value(&fa.square()), (&va * &va) % &p);
            assert_eq!(value(&fa.add(&fb)), (&va + &vb) % &p);
            assert_eq!(value(&fa.sub(&fb)), (&va + &p - &vb) % &p);
            // Results are loose again: feed them back in.
            let r = fa.mul(&fb).add(&fa).sub(&fb);
            assert!(r.0.iter().all(|&l| l < 1 << 59));
            assert_eq!(value(&r.square()), {
                let v = ((&va * &vb) + &va + &p - &vb) % &p;
                (&v * &v) % &p
            });
        }
    }
}

prop_compose! {
    fn below(p: BigUint, len: usize)(bytes in proptest::collection::vec(any::<u8>(), len)) -> BigUint {
        BigUint::from_bytes_be(&bytes) % &p
    }
}

proptest! {
    #[test]
    fn p256_field_matches_the_oracle(a in below(p256_prime(), 32), b in below(p256_prime(), 32)) {
        check_ops::<p256::Fe>(&p256_prime(), &a, &b);
    }

    #[test]
    fn p521_field_matches_the_oracle(a in below(p521_prime(), 66), b in below(p521_prime(), 66)) {
        check_ops::<p521::Fe>(&p521_prime(), &a, &b);
    }

    /// The signed digits sum back to k, lie in [-2^(w-1), 2^(w-1)], and the top one is
    /// not negative, for every width and both scalar sizes.
    #[test]
    fn booth_digits_telescope(k in proptest::collection::vec(any::<u8>(), 66), w in 4usize..=7) {
        for (len, bits) in [(32usize, 256usize), (66, 521)] {
            let mut k = k[..len].to_vec();
            if len == 66 {
                k[0] &= 1;
            }
            let n = windows(bits, w);
            let mut d = vec![0i8; n];
            booth_recode(&k, w, &mut d);
            let half = 1i32 << (w - 1);
            prop_assert!(d.iter().all(|&x| (-half..=half).contains(&i32::from(x))));
            prop_assert!(d[n - 1] >= 0);
            let sum = d.iter().rev().fold(BigInt::from(0), |acc, &x| (acc << w) + BigInt::from(x));
            prop_assert_eq!(sum, BigInt::from(BigUint::from_bytes_be(&k)));
        }
    }
}

/// Spot checks of the generator tables: entry j of window i is [j 2^(w i)] G.
#[test]
fn generator_table_entries() {
    fn check<C: CurveArith>() {
        let table = C::generator_table();
        let g = Jac::from_affine(&Aff { x: C::GX, y: C::GY });
        let w = table.width();
        for i in [0, 1, table.windows() / 2, table.windows() - 1] {
            for j in [1i8, 2, 3, (1 << (w - 1)) - 1, 1 << (w - 1)] {
                let (t, zero) = table.lookup_ct(i, j);
                assert!(!bool::from(zero));
                let (t_neg, _) = table.lookup_ct(i, -j);
                let k = BigUint::from(j as u8) << (w * i);
                let expected = crate::mul::mul_vartime(&g, &k.to_bytes_be());
                assert!(
                    bool::from(Jac::from_affine(&t).ct_eq(&expected)),
                    "window {i}, {j}"
                );
                assert!(bool::from(Jac::from_affine(&t_neg).ct_eq(&expected.neg())));
                let v = table.lookup_vartime(i, -j);
                assert!(bool::from(Jac::from_affine(&v).ct_eq(&expected.neg())));
            }
            assert!(bool::from(table.lookup_ct(i, 0).1));
        }
    }
    check::<P256>();
    check::<P521>();
}
