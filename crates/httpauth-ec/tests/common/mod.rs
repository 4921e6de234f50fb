//! Differential tests of httpauth-ec against a RustCrypto curve crate (`p256`, `p521`),
//! written once as a macro and instantiated per curve by `oracle_p256.rs` and
//! `oracle_p521.rs`.

/// `$curve`: httpauth-ec's curve type; `$oracle`: the RustCrypto crate; `$len`: octets of a
/// field element and of a scalar; `$top_mask`: the bits of the top octet a value below
/// 2^bits may use.
#[macro_export]
macro_rules! oracle_tests {
    ($curve:ty, $oracle:ident, $len:literal, $top_mask:literal) => {
        use httpauth_ec::{Choice, Error, Point, Scalar};
        use proptest::prelude::*;
        use $oracle::elliptic_curve::group::{Group as _, GroupEncoding as _};
        #[allow(unused_imports)]
        use $oracle::elliptic_curve::ff::{Field as _, PrimeField as _};
        use $oracle::elliptic_curve::point::{AffineCoordinates as _, DecompressPoint as _};
        use $oracle::{AffinePoint, FieldBytes, ProjectivePoint};

        type P = Point<$curve>;
        type S = Scalar<$curve>;
        type OScalar = $oracle::Scalar;

        const LEN: usize = $len;

        fn fb(bytes: &[u8]) -> FieldBytes {
            let mut f = FieldBytes::default();
            f.copy_from_slice(bytes);
            f
        }

        /// The oracle's scalar for big-endian octets below n.
        fn oscalar(bytes: &[u8]) -> OScalar {
            Option::from(OScalar::from_repr(fb(bytes))).expect("below n")
        }

        /// t mod n for any big-endian integer, by Horner's rule in the oracle.
        fn oreduce(t: &[u8]) -> OScalar {
            let radix = OScalar::from(256u64);
            t.iter()
                .fold(OScalar::from(0u64), |acc, &b| acc * radix + OScalar::from(u64::from(b)))
        }

        /// n - d for 1 <= d (small), as big-endian octets.
        fn n_minus(d: u64) -> Vec<u8> {
            assert!(d >= 1);
            let v = -OScalar::from(d);
            v.to_repr().to_vec()
        }

        /// Our point and the oracle's agree: both the identity, or the same affine (x, y).
        fn same(ours: &P, oracle: &ProjectivePoint) -> bool {
            match ours.to_affine_coordinates() {
                None => bool::from(oracle.is_identity()),
                Some((x, y)) => {
                    let a = oracle.to_affine();
                    !bool::from(oracle.is_identity())
                        && x[..] == a.x()[..]
                        && y[..] == a.y()[..]
                }
            }
        }

        /// Our copy of an oracle point (via its affine coordinates).
        fn ours(p: &ProjectivePoint) -> P {
            if bool::from(p.is_identity()) {
                return P::identity();
            }
            let a = p.to_affine();
            P::from_affine_coordinates(&a.x(), &a.y()).expect("oracle point on the curve")
        }

        prop_compose! {
            /// Random octets below n (the oracle accepts them), n - the ones it refuses.
            fn scalar_bytes()(mut v in proptest::collection::vec(any::<u8>(), LEN)) -> Vec<u8> {
                v[0] &= $top_mask;
                if bool::from(OScalar::from_repr(fb(&v)).is_none()) {
                    // >= n: the top octets are at their maximum; clear a high bit instead.
                    v[1] &= 0x7f;
                }
                v
            }
        }

        prop_compose! {
            /// A random point a * G with a != 0, as (ours, oracle).
            fn point()(a in scalar_bytes()) -> (P, ProjectivePoint) {
                let mut a = oscalar(&a);
                if bool::from(a.is_zero()) {
                    a = OScalar::from(7u64);
                }
                let o = ProjectivePoint::GENERATOR * a;
                (ours(&o), o)
            }
        }

        /// Scalars that stress the recoding and the exceptional cases: 0, 1, 2, small
        /// values, n - 1 - d, n - 2d, single bits, runs of ones and of zeros, alternating
        /// patterns.
        fn edge_scalars() -> Vec<Vec<u8>> {
            let mut v = Vec::new();
            let small = |x: u64| {
                let mut b = vec![0u8; LEN];
                b[LEN - 8..].copy_from_slice(&x.to_be_bytes());
                b
            };
            for x in [0u64, 1, 2, 3, 15, 16, 17, 31, 32, 33, 63, 64, 65, 0xffff_ffff] {
                v.push(small(x));
            }
            for d in 1..=40u64 {
                v.push(n_minus(d)); // covers n - 2d for d <= 20
            }
            let bits = LEN * 8;
            for i in (0..bits).step_by(7).chain([bits - 9, bits - 8, bits - 7]) {
                let mut b = vec![0u8; LEN];
                b[LEN - 1 - i / 8] |= 1 << (i % 8);
                b[0] &= $top_mask;
                v.push(b);
            }
            for run in [1usize, 5, 8, 64, 100, 200, LEN * 8 - 20] {
                let run = run.min(LEN * 8 - 8);
                // low `run` bits set; and the complement pattern shifted to the top
                let mut lo = vec![0u8; LEN];
                let mut hi = vec![0xffu8; LEN];
                for i in 0..run {
                    lo[LEN - 1 - i / 8] |= 1 << (i % 8);
                    hi[LEN - 1 - i / 8] &= !(1 << (i % 8));
                }
                hi[0] &= $top_mask;
                hi[1] &= 0x7f;
                v.push(lo);
                v.push(hi);
            }
            for pat in [0x55u8, 0xaa, 0x0f, 0xf0, 0x33] {
                let mut b = vec![pat; LEN];
                b[0] &= $top_mask;
                b[1] &= 0x7f;
                v.push(b);
            }
            v
        }

        #[test]
        fn generator_matches_the_oracle() {
            assert!(same(&P::generator(), &ProjectivePoint::GENERATOR));
        }

        #[test]
        fn edge_scalars_times_generator_and_a_point() {
            let (p, o) = {
                let a = oscalar(&n_minus(12345));
                let o = ProjectivePoint::GENERATOR * a;
                (ours(&o), o)
            };
            for k in edge_scalars() {
                let s = S::from_be_bytes(&k).expect("edge scalar below n");
                let ok = oscalar(&k);
                assert!(same(&P::mul_generator(&s), &(ProjectivePoint::GENERATOR * ok)), "G * {k:02x?}");
                assert!(same(&P::generator().mul(&s), &(ProjectivePoint::GENERATOR * ok)), "G (variable base) * {k:02x?}");
                assert!(same(&p.mul(&s), &(o * ok)), "P * {k:02x?}");
                // a P + b Q where the accumulator meets table points: Q = P, Q = -P, and
                // the identity on either side.
                for (q, oq) in [(p.clone(), o), (p.neg(), -o), (P::identity(), ProjectivePoint::IDENTITY)] {
                    for (a, oa) in [(S::from_be_bytes(&k).unwrap(), ok), (S::from_be_bytes(&n_minus(1)).unwrap(), oscalar(&n_minus(1)))] {
                        assert!(same(&P::lincomb(&p, &a, &q, &s), &(o * oa + oq * ok)), "lincomb {k:02x?}");
                        assert!(same(&P::lincomb(&q, &s, &p, &a), &(oq * ok + o * oa)), "lincomb swapped {k:02x?}");
                    }
                }
                assert!(same(&p.mul_vartime(&k), &(o * ok)), "P * {k:02x?} vartime");
                assert!(same(&P::mul_generator_vartime(&k), &(ProjectivePoint::GENERATOR * ok)), "G * {k:02x?} vartime");
            }
        }

        #[test]
        fn scalars_from_n_up_are_refused() {
            let n_minus_1 = n_minus(1);
            let mut n = n_minus_1.clone();
            *n.last_mut().unwrap() += 1; // n's last octet is not 0xff for either curve
            assert_eq!(S::from_be_bytes(&n).unwrap_err(), Error::ScalarOutOfRange);
            assert!(S::from_be_bytes(&n_minus_1).is_ok());
            assert_eq!(S::from_be_bytes(&[0xff; LEN]).unwrap_err(), Error::ScalarOutOfRange);
            assert_eq!(S::from_be_bytes(&[1; LEN - 1]).unwrap_err(), Error::InvalidLength);
            assert_eq!(S::from_be_bytes(&[1; LEN + 1]).unwrap_err(), Error::InvalidLength);
            assert!(bool::from(S::from_be_bytes(&[0; LEN]).unwrap().is_zero()));
        }

        #[test]
        fn identity_behaves() {
            let id = P::identity();
            let s = S::from_be_bytes(&n_minus(5)).unwrap();
            assert!(bool::from(id.mul(&s).is_identity()));
            assert!(bool::from(id.double().is_identity()));
            assert!(id.to_affine_coordinates().is_none());
            assert!(id.to_x_and_parity().is_none());
            assert!(id.to_sec1(true).is_none());
            assert_eq!(id.add(&P::generator()), P::generator());
            assert_eq!(P::generator().add(&id), P::generator());
            assert_eq!(P::generator().add_vartime(&id), P::generator());
            assert!(bool::from(P::generator().add(&P::generator().neg()).is_identity()));
            assert!(bool::from(P::generator().add_vartime(&P::generator().neg()).is_identity()));
            assert!(bool::from(P::mul_generator_vartime(&[]).is_identity()));
            assert!(bool::from(P::mul_generator_vartime(&[0, 0]).is_identity()));
            assert!(bool::from(P::generator().mul_vartime(&[]).is_identity()));
            assert_eq!(id, P::identity());
            assert_ne!(id, P::generator());
            // [n] G by the variable-time paths (n does not fit a Scalar).
            let mut n = n_minus(1);
            *n.last_mut().unwrap() += 1; // n's last octet is not 0x00 for either curve
            assert!(bool::from(P::mul_generator_vartime(&n).is_identity()));
            assert!(bool::from(P::generator().mul_vartime(&n).is_identity()));
        }

        #[test]
        fn invalid_encodings_are_refused() {
            // p, p + 1 and all ones as x: out of range.
            let (p, p_plus_1) = if LEN == 32 {
                // P-256: p = ffffffff 00000001 00..00 ffffffff ffffffff ffffffff.
                let mut p = vec![0u8; 32];
                p[..4].copy_from_slice(&[0xff; 4]);
                p[7] = 1;
                let mut p1 = p.clone();
                p[20..].copy_from_slice(&[0xff; 12]);
                p1[19] = 1;
                (p, p1)
            } else {
                // P-521: p = 2^521 - 1.
                let mut p = vec![0xffu8; LEN];
                p[0] = 0x01;
                let mut p1 = vec![0u8; LEN];
                p1[0] = 0x02;
                (p, p1)
            };
            for x in [p.clone(), p_plus_1, vec![0xff; LEN]] {
                for odd in [0u8, 1] {
                    assert_eq!(P::decompress(&x, Choice::from(odd)).unwrap_err(), Error::CoordinateOutOfRange);
                }
            }
            assert_eq!(P::decompress(&[0; LEN - 1], Choice::from(0)).unwrap_err(), Error::InvalidLength);
            assert_eq!(P::from_sec1(&[0]).unwrap_err(), Error::Identity);
            assert_eq!(P::from_sec1(&[]).unwrap_err(), Error::InvalidLength);
            assert_eq!(P::from_sec1(&[0x05; LEN + 1]).unwrap_err(), Error::InvalidTag);
            assert_eq!(P::from_sec1(&[0x02; LEN]).unwrap_err(), Error::InvalidLength);
            assert_eq!(P::from_sec1(&[0x04; LEN + 1]).unwrap_err(), Error::InvalidLength);
            // The generator with y + 1: off the curve.
            let g = ProjectivePoint::GENERATOR.to_affine();
            let mut y = g.y().to_vec();
            *y.last_mut().unwrap() ^= 1;
            assert_eq!(P::from_affine_coordinates(&g.x(), &y).unwrap_err(), Error::NotOnCurve);
            assert_eq!(P::from_affine_coordinates(&g.x(), &p).unwrap_err(), Error::CoordinateOutOfRange);
            let mut enc = vec![0x04];
            enc.extend_from_slice(&g.x());
            enc.extend_from_slice(&y);
            assert_eq!(P::from_sec1(&enc).unwrap_err(), Error::NotOnCurve);
            // Both parities of an x that is on the curve decode; their points are opposite.
            let even = P::decompress(&g.x(), Choice::from(0)).unwrap();
            let odd = P::decompress(&g.x(), Choice::from(1)).unwrap();
            assert_eq!(even.neg(), odd);
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(if LEN > 32 { 24 } else { 64 }))]

            #[test]
            fn mul_generator_matches(k in scalar_bytes()) {
                let s = S::from_be_bytes(&k).unwrap();
                let o = ProjectivePoint::GENERATOR * oscalar(&k);
                prop_assert!(same(&P::mul_generator(&s), &o));
                prop_assert!(same(&P::mul_generator_vartime(&k), &o));
            }

            #[test]
            fn mul_matches((p, o) in point(), k in scalar_bytes()) {
                let s = S::from_be_bytes(&k).unwrap();
                let expected = o * oscalar(&k);
                prop_assert!(same(&p.mul(&s), &expected));
                prop_assert!(same(&p.mul_vartime(&k), &expected));
            }

            #[test]
            fn lincomb_matches((p, o) in point(), (q, oq) in point(), a in scalar_bytes(), b in scalar_bytes()) {
                let (sa, sb) = (S::from_be_bytes(&a).unwrap(), S::from_be_bytes(&b).unwrap());
                let expected = o * oscalar(&a) + oq * oscalar(&b);
                prop_assert!(same(&P::lincomb(&p, &sa, &q, &sb), &expected));
                // Related points: Q = [c] P (Mutual's K_c1 chosen relative to J), and
                // Q = P, where the accumulator meets the tables' points.
                let related = p.mul(&sb);
                prop_assert!(same(&P::lincomb(&p, &sa, &related, &sb), &(o * oscalar(&a) + o * oscalar(&b) * oscalar(&b))));
                prop_assert!(same(&P::lincomb(&p, &sa, &p, &sb), &(o * (oscalar(&a) + oscalar(&b)))));
            }

            #[test]
            fn mul_vartime_takes_any_integer((p, o) in point(), t in proptest::collection::vec(any::<u8>(), 0..(2 * LEN + 3))) {
                let expected_g = ProjectivePoint::GENERATOR * oreduce(&t);
                prop_assert!(same(&p.mul_vartime(&t), &(o * oreduce(&t))));
                prop_assert!(same(&P::mul_generator_vartime(&t), &expected_g));
            }

            #[test]
            fn add_and_double_match((p, o) in point(), (q, oq) in point()) {
                prop_assert!(same(&p.add(&q), &(o + oq)));
                prop_assert!(same(&p.add_vartime(&q), &(o + oq)));
                prop_assert!(same(&p.add(&p), &o.double()));
                prop_assert!(same(&p.add_vartime(&p), &o.double()));
                prop_assert!(same(&p.double(), &o.double()));
                prop_assert!(same(&p.add(&p.neg()), &ProjectivePoint::IDENTITY));
                prop_assert!(same(&p.neg(), &(-o)));
                // Equality is of points, not of Jacobian coordinates.
                prop_assert_eq!(p.double().add(&p), p.add(&p.double()));
                prop_assert_eq!(p == q, o == oq);
            }

            #[test]
            fn encodings_round_trip((p, o) in point()) {
                let a = o.to_affine();
                let (x, odd) = p.to_x_and_parity().unwrap();
                prop_assert_eq!(&x[..], &a.x()[..]);
                prop_assert_eq!(odd.unwrap_u8(), a.y_is_odd().unwrap_u8());
                prop_assert_eq!(P::decompress(&x[..], odd).unwrap(), p.clone());
                let c = p.to_sec1(true).unwrap();
                prop_assert_eq!(&c[..], &a.to_bytes()[..]);
                prop_assert_eq!(P::from_sec1(&c).unwrap(), p.clone());
                let u = p.to_sec1(false).unwrap();
                prop_assert_eq!(u.len(), 1 + 2 * LEN);
                prop_assert_eq!(P::from_sec1(&u).unwrap(), p.clone());
            }

            #[test]
            fn decompression_agrees_on_random_x(mut x in proptest::collection::vec(any::<u8>(), LEN), odd in 0u8..2) {
                x[0] &= $top_mask;
                let ours = P::decompress(&x, Choice::from(odd));
                let theirs: Option<AffinePoint> = AffinePoint::decompress(&fb(&x), Choice::from(odd)).into();
                match (ours, theirs) {
                    (Ok(p), Some(a)) => prop_assert!(same(&p, &ProjectivePoint::from(a))),
                    (Err(e), None) => prop_assert!(matches!(e, Error::NotOnCurve | Error::CoordinateOutOfRange)),
                    (o, t) => prop_assert!(false, "ours {:?}, oracle {:?}", o.is_ok(), t.is_some()),
                }
            }
        }
    };
}
