//! The shared vectors `mutual-kam3-independent.json`, computed by an independent
//! implementation of the drafts (iso-kam3-dl-2048-sha256 and iso-kam3-ec-p256-sha256):
//! every intermediate and every wire string must match.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on failure by design

#[path = "common/dl_env.rs"]
mod dl_env;

use mutual_core::encoding::{hex_decode, hex_encode, vi, vs};
use mutual_core::hazmat::{client_kex_with_secret, server_exchange_with_secret};
use mutual_core::kam3::{self, SessionKeys};
use mutual_core::{SecretBytes, algorithm_by_token};
use serde_json::Value;

fn vectors() -> Vec<Value> {
    let text = include_str!("data/mutual-kam3-independent.json");
    let v: Value = serde_json::from_str(text).unwrap();
    v["vectors"].as_array().unwrap().clone()
}

fn h(v: &Value, k: &str) -> Vec<u8> {
    hex_decode(v[k].as_str().unwrap_or_else(|| panic!("{k}")), None).unwrap()
}

fn padded(bytes: Vec<u8>, len: usize) -> SecretBytes {
    let mut out = vec![0u8; len - bytes.len()];
    out.extend(bytes);
    SecretBytes::new(out)
}

fn check(v: &Value) {
    dl_env::apply();
    let alg = algorithm_by_token(v["algorithm"].as_str().unwrap()).unwrap();
    let input = &v["input"];
    let s = |k: &str| input[k].as_str().unwrap();
    let (scope, realm, user, pw) = (s("auth-scope"), s("realm"), s("user"), s("password"));
    let name = format!("{}/{}", v["name"], alg.token());

    assert_eq!(
        kam3::pi_salt(alg, scope, realm, user),
        h(v, "pi_salt"),
        "{name} pi_salt"
    );
    let pi = kam3::pi(alg, scope, realm, user, pw).unwrap();
    assert_eq!(pi.expose_secret(), &h(v, "pi")[..], "{name} pi");
    let j = alg.verifier(&pi).unwrap();
    assert_eq!(j.expose_secret(), &h(v, "J")[..], "{name} J");
    assert_eq!(
        mutual_core::derive_verifier(alg.token(), scope, realm, user, pw).unwrap(),
        alg.wire_encoding().encode(&h(v, "J")),
        "{name} derive_verifier"
    );

    let scalar_len = match alg.wire_encoding() {
        mutual_core::WireEncoding::Base64FixedNumber => alg.element_len(),
        _ => alg.element_len() - usize::from(alg.element_len() == 33),
    };
    let s_c1 = padded(
        hex_decode(input["S_c1"].as_str().unwrap(), None).unwrap(),
        scalar_len,
    );
    let s_s1 = padded(
        hex_decode(input["S_s1"].as_str().unwrap(), None).unwrap(),
        scalar_len,
    );
    let client = client_kex_with_secret(alg, s_c1).unwrap();
    assert_eq!(client.kc1(), &h(v, "K_c1")[..], "{name} K_c1");
    assert_eq!(kam3::t1(alg, client.kc1()), h(v, "t_1"), "{name} t_1");

    let server = server_exchange_with_secret(alg, &j, client.kc1(), s_s1).unwrap();
    assert_eq!(server.ks1, h(v, "K_s1"), "{name} K_s1");
    assert_eq!(
        kam3::t2(alg, &server.kc1, &server.ks1),
        h(v, "t_2"),
        "{name} t_2"
    );
    assert_eq!(
        server.z.expose_secret(),
        &h(v, "z")[..],
        "{name} z (server)"
    );

    let keys: SessionKeys = client.finish(&pi, &server.ks1).unwrap();
    assert_eq!(keys.z.expose_secret(), &h(v, "z")[..], "{name} z (client)");

    let nc = input["nc"].as_u64().unwrap();
    let vh = s("vh").as_bytes();
    assert_eq!(vi(nc), h(v, "VI(nc)"), "{name} VI(nc)");
    assert_eq!(vs(vh), h(v, "VS(vh)"), "{name} VS(vh)");
    let vkc = kam3::vk_c(alg, &keys, nc, vh);
    let vks = kam3::vk_s(alg, &keys, nc, vh);
    assert_eq!(vkc, h(v, "VK_c"), "{name} VK_c");
    assert_eq!(vks, h(v, "VK_s"), "{name} VK_s");
    assert_eq!(
        kam3::vk_c(alg, &server, nc, vh),
        vkc,
        "{name} VK_c server side"
    );
    assert_eq!(
        kam3::b1(alg, &keys, vh, b"").expose_secret(),
        &h(v, "b_1")[..],
        "{name} b_1"
    );
    assert_eq!(
        kam3::b2(alg, &keys, nc, vh, b"").expose_secret(),
        &h(v, "b_2")[..],
        "{name} b_2"
    );

    let wire = &v["wire"];
    let enc = alg.wire_encoding();
    assert_eq!(
        enc.encode(&keys.kc1),
        wire["kc1"].as_str().unwrap(),
        "{name} kc1"
    );
    assert_eq!(
        enc.encode(&keys.ks1),
        wire["ks1"].as_str().unwrap(),
        "{name} ks1"
    );
    assert_eq!(
        enc.encode(&vkc),
        wire["vkc"].as_str().unwrap(),
        "{name} vkc"
    );
    assert_eq!(
        enc.encode(&vks),
        wire["vks"].as_str().unwrap(),
        "{name} vks"
    );
    // Decoding the wire strings gives the numbers back.
    assert_eq!(
        enc.decode(wire["ks1"].as_str().unwrap(), alg.element_len())
            .unwrap(),
        keys.ks1
    );
    assert_eq!(
        hex_encode(
            &enc.decode(wire["vkc"].as_str().unwrap(), alg.hash_len())
                .unwrap()
        ),
        v["VK_c"].as_str().unwrap()
    );

    if let Some(jp) = v.get("J_point") {
        // EC: J = P(J_point) = 2x + (y mod 2) (RFC 8121 section 3.3).
        let y = h(jp, "y");
        let mut expect = vec![0u8];
        expect.extend(h(jp, "x"));
        let mut carry = y[y.len() - 1] & 1;
        for b in expect.iter_mut().rev() {
            let next = *b >> 7;
            *b = (*b << 1) | carry;
            carry = next;
        }
        assert_eq!(j.expose_secret(), &expect[..], "{name} J_point");
    }
}

#[test]
fn independent_ascii_iso_kam3_dl_2048_sha256() {
    let v = vectors();
    let v = v
        .iter()
        .find(|v| v["algorithm"] == "iso-kam3-dl-2048-sha256")
        .unwrap();
    check(v);
}

#[test]
fn independent_ascii_iso_kam3_ec_p256_sha256() {
    let v = vectors();
    let v = v
        .iter()
        .find(|v| v["algorithm"] == "iso-kam3-ec-p256-sha256")
        .unwrap();
    check(v);
}

#[test]
fn independent_vectors_all_covered() {
    for v in vectors() {
        check(&v);
    }
}

/// Every header string of the vectors: our messages, serialised by httpauth-headers, are
/// byte-for-byte the vector's field values, and parse back to the same messages.
#[test]
fn independent_header_strings() {
    use mutual_core::messages::{ClientCredentials, Reason, ServerChallenge, Space, VfyS};
    use mutual_core::scope::Validation;
    for v in vectors() {
        let alg = algorithm_by_token(v["algorithm"].as_str().unwrap()).unwrap();
        let input = &v["input"];
        let s = |k: &str| input[k].as_str().unwrap().to_owned();
        let headers = &v["headers"];
        let hdr = |k: &str| headers[k].as_str().unwrap();
        let wire = |k: &str| v["wire"][k].as_str().unwrap().to_owned();
        let enc = alg.wire_encoding();
        let space = Space {
            algorithm: alg,
            validation: Validation::Host,
            auth_scope: Some(s("auth-scope")),
            realm: s("realm"),
        };
        let sid = hex_decode(&s("sid"), None).unwrap();
        let init = ServerChallenge::Init {
            space: space.clone(),
            reason: Reason::Initial,
        };
        let kex_c1 = ClientCredentials::KexC1 {
            space: space.clone(),
            user: s("user"),
            kc1: enc.decode(&wire("kc1"), alg.element_len()).unwrap(),
        };
        let kex_s1 = ServerChallenge::KexS1 {
            space: space.clone(),
            sid: sid.clone(),
            ks1: enc.decode(&wire("ks1"), alg.element_len()).unwrap(),
            nc_max: input["nc-max"].as_u64().unwrap(),
            nc_window: input["nc-window"].as_u64().unwrap(),
            time: input["time"].as_u64().unwrap(),
            path: Some(s("path")),
        };
        let vfy_c = ClientCredentials::VfyC {
            space: space.clone(),
            sid: sid.clone(),
            nc: input["nc"].as_u64().unwrap(),
            vkc: enc.decode(&wire("vkc"), alg.hash_len()).unwrap(),
        };
        let vfy_s = VfyS {
            sid,
            vks: wire("vks"),
        };
        let f_c =
            |c: &ServerChallenge| httpauth_headers::format_challenge(&c.to_challenge().unwrap());
        let f_r = |c: &ClientCredentials| {
            httpauth_headers::format_credentials(&c.to_credentials().unwrap())
        };
        assert_eq!(f_c(&init), hdr("401-INIT (WWW-Authenticate)"));
        assert_eq!(f_r(&kex_c1), hdr("req-KEX-C1 (Authorization)"));
        assert_eq!(f_c(&kex_s1), hdr("401-KEX-S1 (WWW-Authenticate)"));
        assert_eq!(f_r(&vfy_c), hdr("req-VFY-C (Authorization)"));
        assert_eq!(
            httpauth_headers::format_authentication_info(&vfy_s.to_params(alg).unwrap()),
            hdr("200-VFY-S (Authentication-Info)")
        );
        // And back.
        let pc = |k: &str| {
            ServerChallenge::from_challenge(&httpauth_headers::parse_challenges(hdr(k)).unwrap()[0])
                .unwrap()
        };
        let pr = |k: &str| {
            ClientCredentials::from_credentials(
                &httpauth_headers::parse_credentials(hdr(k)).unwrap(),
            )
            .unwrap()
        };
        assert_eq!(pc("401-INIT (WWW-Authenticate)"), init);
        assert_eq!(pc("401-KEX-S1 (WWW-Authenticate)"), kex_s1);
        assert_eq!(pr("req-KEX-C1 (Authorization)"), kex_c1);
        assert_eq!(pr("req-VFY-C (Authorization)"), vfy_c);
        let info =
            httpauth_headers::parse_authentication_info(hdr("200-VFY-S (Authentication-Info)"))
                .unwrap();
        assert_eq!(VfyS::parse(&info).unwrap(), vfy_s);
    }
}
