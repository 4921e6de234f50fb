//! httpauth-ec's P-521 against the RustCrypto `p521` crate (see `common/mod.rs`).
#![allow(missing_docs)]

mod common;

oracle_tests!(httpauth_ec::P521, p521, 66, 0x01);

/// k = n - 18 meets P = Q in the last addition of the variable-base window loop (the
/// accumulator is [n - 9] P = [-9] P and the last digit is -9; see `src/mul.rs`): the
/// complete addition must produce 2 * [-9] P.
#[test]
fn n_minus_18_reaches_the_doubling_case_of_the_last_addition() {
    let k = n_minus(18);
    let s = S::from_be_bytes(&k).unwrap();
    let (p, o) = {
        let a = oscalar(&n_minus(999));
        let o = ProjectivePoint::GENERATOR * a;
        (ours(&o), o)
    };
    assert!(same(&p.mul(&s), &(o * oscalar(&k))));
    assert!(same(
        &P::generator().mul(&s),
        &(ProjectivePoint::GENERATOR * oscalar(&k))
    ));
}
