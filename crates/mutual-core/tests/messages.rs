//! RFC 8120 section 4 message rules, and round trips of every message through
//! httpauth-headers strings.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on failure by design

use httpauth_core::{AuthParam, AuthParams, ParamForm};
use mutual_core::messages::{ClientCredentials, Reason, ServerChallenge, Space, VfyS};
use mutual_core::scope::Validation;
use mutual_core::{ALL_ALGORITHMS, Error, IsoKam3EcP256Sha256};
use proptest::prelude::*;

fn params(s: &str) -> AuthParams {
    httpauth_headers::parse_challenges(&format!("Mutual {s}")).unwrap()[0]
        .param_list()
        .unwrap()
        .clone()
}

const BASE: &str = r#"version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, auth-scope="example.com", realm="r""#;
const KC1: &str = "kc1=00fbb517dd05bb9d751bfc073b01a6889fcbbd85153541d8aeace30068a1a38b29";
const KS1: &str = "ks1=00545460f58994128b6095913094df2af404f1a7d70d1f413cddc97a44d4ba82d9";

#[test]
fn rfc8120_4_mutually_exclusive_and_forbidden_parameters() {
    let vkc = format!("vkc={}", "00".repeat(32));
    let bad_challenges = [
        format!("{BASE}, reason=initial, {KS1}"),
        format!("{BASE}, reason=initial, vks=00"),
        format!("{BASE}, reason=initial, {KC1}"),
        format!("{BASE}, reason=initial, {vkc}"),
        format!("{BASE}, reason=initial, ks2=00"),
    ];
    for c in &bad_challenges {
        assert!(
            matches!(
                ServerChallenge::parse(&params(c)),
                Err(Error::ConflictingParameter(_))
            ),
            "{c}"
        );
    }
    let bad_credentials = [
        format!("{BASE}, user=a, {KC1}, {vkc}, sid=00, nc=1"),
        format!("{BASE}, user=a, {KC1}, kc2=00"),
        format!("{BASE}, user=a, {KC1}, {KS1}"),
        format!("{BASE}, sid=00, nc=1, {vkc}, vks=00"),
    ];
    for c in &bad_credentials {
        assert!(
            matches!(
                ClientCredentials::parse(&params(c)),
                Err(Error::ConflictingParameter(_))
            ),
            "{c}"
        );
    }
    // Unknown parameters are ignored (section 4).
    assert!(ServerChallenge::parse(&params(&format!("{BASE}, reason=initial, x-foo=1"))).is_ok());
}

#[test]
fn rfc8120_4_version_and_mandatory_parameters() {
    let c = BASE.replace("version=1", "version=2");
    assert_eq!(
        ServerChallenge::parse(&params(&format!("{c}, reason=initial"))),
        Err(Error::UnsupportedVersion)
    );
    // Quoted and unquoted forms are the same (section 3.2).
    let q = BASE.replace("version=1", "version=\"1\"");
    assert!(ServerChallenge::parse(&params(&format!("{q}, reason=initial"))).is_ok());
    let missing = BASE.replace("version=1, ", "");
    assert_eq!(
        ServerChallenge::parse(&params(&format!("{missing}, reason=initial"))),
        Err(Error::MissingParameter("version"))
    );
    for (drop, name) in [
        ("validation=host, ", "validation"),
        ("realm=\"r\"", "realm"),
    ] {
        let s = format!(
            "{}, reason=initial",
            BASE.replace(drop, "").trim_end_matches(", ")
        );
        assert_eq!(
            ServerChallenge::parse(&params(&s)),
            Err(Error::MissingParameter(name)),
            "{s}"
        );
    }
    let kex = format!("{BASE}, sid=AB, {KS1}, nc-max=10, nc-window=128");
    assert_eq!(
        ServerChallenge::parse(&params(&kex)),
        Err(Error::MissingParameter("time"))
    );
    // Integers without leading zeros; sids in either case; tokens case-insensitive.
    let kex = format!("{BASE}, sid=AB, {KS1}, nc-max=010, nc-window=128, time=1");
    assert_eq!(
        ServerChallenge::parse(&params(&kex)),
        Err(Error::InvalidInteger)
    );
    let kex = format!(
        "{}, sid=AB, {KS1}, nc-max=10, nc-window=128, time=1",
        BASE.replace("iso-kam3-ec-p256-sha256", "ISO-KAM3-EC-P256-SHA256")
    );
    match ServerChallenge::parse(&params(&kex)).unwrap() {
        ServerChallenge::KexS1 { sid, .. } => assert_eq!(sid, [0xab]),
        m => panic!("{m:?}"),
    }
    // realm* is refused (section 3.1).
    let ext = BASE.replace("realm=\"r\"", "realm*=UTF-8''r");
    assert!(ServerChallenge::parse(&params(&format!("{ext}, reason=initial"))).is_err());
    // An unknown reason is kept (clients treat it as auth-failed), not an error.
    match ServerChallenge::parse(&params(&format!("{BASE}, reason=-x.example.com"))).unwrap() {
        ServerChallenge::Init { reason, .. } => {
            assert_eq!(reason, Reason::Other("-x.example.com".into()))
        }
        m => panic!("{m:?}"),
    }
    assert!(ServerChallenge::parse(&params(&format!("{BASE}, reason=\"a b\""))).is_err());
}

#[test]
fn rfc8120_4_1_every_reason_token_round_trips() {
    for r in Reason::DEFINED {
        assert_eq!(Reason::parse(r.as_str()).unwrap(), r);
        assert_eq!(Reason::parse(&r.as_str().to_ascii_uppercase()).unwrap(), r);
    }
}

#[test]
fn rfc8120_3_1_non_ascii_user_is_sent_as_rfc8187() {
    let c = ClientCredentials::KexC1 {
        space: Space {
            algorithm: &IsoKam3EcP256Sha256,
            validation: Validation::Host,
            auth_scope: Some("example.com".into()),
            realm: "Bücher".into(),
        },
        user: "Renée of France".into(),
        kc1: vec![2; 33],
    };
    let s = httpauth_headers::format_credentials(&c.to_credentials().unwrap());
    assert!(s.contains("user*=UTF-8''Ren%C3%A9e%20of%20France"), "{s}");
    assert!(s.contains("realm=\"Bücher\""), "{s}");
    let back =
        ClientCredentials::from_credentials(&httpauth_headers::parse_credentials(&s).unwrap())
            .unwrap();
    assert_eq!(back, c);
}

/// Fuzz regression (mutual_parse_messages): a realm with control characters parsed, then
/// could not be written back as the quoted-string section 3.1 requires.
#[test]
fn fuzz_regression_realm_with_control_characters_is_refused() {
    let mut ps = AuthParams::new();
    for (n, v) in [
        ("version", "1"),
        ("algorithm", "iso-kam3-ec-p256-sha256"),
        ("validation", "host"),
        ("realm", "\u{1}\0\0\u{1}r"),
        ("sid", "00"),
        ("nc", "1"),
        ("vkc", &"0".repeat(64)),
    ] {
        ps.push(AuthParam::new(n, v).unwrap()).unwrap();
    }
    assert!(matches!(
        ClientCredentials::parse(&ps),
        Err(Error::InvalidString("realm"))
    ));
}

/// A string parameter other than realm that a quoted-string cannot carry goes out in the
/// RFC 8187 form and comes back unchanged.
#[test]
fn control_characters_in_path_use_rfc8187() {
    let mut ps = params(&format!(
        "{BASE}, sid=00, {KS1}, nc-max=10, nc-window=128, time=60"
    ));
    ps.push(AuthParam::new("path", "/a\u{7}b").unwrap())
        .unwrap();
    let m = ServerChallenge::parse(&ps).unwrap();
    let out = m.to_params().unwrap();
    assert!(out.get("path").unwrap().is_extended());
    assert_eq!(ServerChallenge::parse(&out).unwrap(), m);
}

#[test]
fn vfy_s_accepts_legacy_mutual_prefix() {
    let a = httpauth_headers::parse_authentication_info(&format!(
        "Mutual version=1, sid=0a, vks={}",
        "00".repeat(32)
    ))
    .unwrap();
    let v = VfyS::parse(&a).unwrap();
    assert_eq!(v.vks(&IsoKam3EcP256Sha256).unwrap(), vec![0; 32]);
    let mut bad = a.clone();
    bad.set(AuthParam::with_form("vkc", "00", ParamForm::Token).unwrap());
    assert!(VfyS::parse(&bad).is_err());
}

prop_compose! {
    fn space()(
        alg in 0..ALL_ALGORITHMS.len(),
        tse in any::<bool>(),
        scope in prop_oneof![Just(None), Just(Some("example.com".to_owned())), Just(Some("*.example.org".to_owned())), Just(Some("https://a.example:8443".to_owned()))],
        realm in "\\PC{0,16}",
    ) -> Space {
        Space {
            algorithm: ALL_ALGORITHMS[alg],
            validation: if tse { Validation::TlsServerEndPoint } else { Validation::Host },
            auth_scope: scope,
            realm,
        }
    }
}

proptest! {
    #[test]
    fn messages_round_trip_through_header_strings(
        space in space(),
        user in "\\PC{1,16}",
        sid in proptest::collection::vec(any::<u8>(), 1..32),
        nc in any::<u64>(),
        byte in any::<u8>(),
        path in proptest::option::of("/[a-z/]{0,10}( /[a-z]{1,5})?"),
        reason in 0..9usize,
    ) {
        let alg = space.algorithm;
        let el = vec![byte; alg.element_len()];
        let hl = vec![byte; alg.hash_len()];
        let challenges = [
            ServerChallenge::Init { space: space.clone(), reason: Reason::DEFINED[reason].clone() },
            ServerChallenge::KexS1 {
                space: space.clone(), sid: sid.clone(), ks1: el.clone(), nc_max: nc,
                nc_window: 128, time: 300, path,
            },
        ];
        for c in challenges {
            let s = httpauth_headers::format_challenge(&c.to_challenge().unwrap());
            let back = ServerChallenge::from_challenge(&httpauth_headers::parse_challenges(&s).unwrap()[0]).unwrap();
            prop_assert_eq!(back, c);
        }
        let creds = [
            ClientCredentials::KexC1 { space: space.clone(), user, kc1: el },
            ClientCredentials::VfyC { space: space.clone(), sid: sid.clone(), nc, vkc: hl.clone() },
        ];
        for c in creds {
            let s = httpauth_headers::format_credentials(&c.to_credentials().unwrap());
            let back = ClientCredentials::from_credentials(&httpauth_headers::parse_credentials(&s).unwrap()).unwrap();
            prop_assert_eq!(back, c);
        }
        let v = VfyS { sid, vks: alg.wire_encoding().encode(&hl) };
        let s = httpauth_headers::format_authentication_info(&v.to_params(alg).unwrap());
        let back = VfyS::parse(&httpauth_headers::parse_authentication_info(&s).unwrap()).unwrap();
        prop_assert_eq!(back.vks(alg).unwrap(), hl);
    }
}
