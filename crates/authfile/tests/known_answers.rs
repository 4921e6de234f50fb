//! Known-answer tests, named after their source.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use authfile::{
    DigestHash, HashAlgorithm, HashFormat, Password, VerifyPolicy, digest_ha1, digest_userhash,
    hash_password_with_salt, md5_crypt_with_salt, verify_hash,
};

fn lax() -> VerifyPolicy {
    VerifyPolicy::apache_compatible()
}

fn data(name: &str) -> Vec<Vec<String>> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn rfc2617_3_5_mufasa_ha1() {
    // RFC 2617 section 3.5: HA1 = MD5("Mufasa:testrealm@host.com:Circle Of Life").
    let ha1 = digest_ha1(
        DigestHash::Md5,
        "Mufasa",
        "testrealm@host.com",
        &Password::from("Circle Of Life"),
    );
    assert_eq!(hex(ha1.expose_secret()), "939e7578ed9e3c518a452acee763bce9");
}

#[test]
fn rfc7616_3_9_1_sha256_ha1_and_userhash() {
    // RFC 7616 section 3.9.1 (user Mufasa, realm http-auth@example.org, password
    // "Circle of Life"). The RFC prints only the response; HA1 and the userhash are pins
    // cross-checked with `printf ... | sha256sum` (coreutils).
    let ha1 = digest_ha1(
        DigestHash::Sha256,
        "Mufasa",
        "http-auth@example.org",
        &Password::from("Circle of Life"),
    );
    assert_eq!(
        hex(ha1.expose_secret()),
        "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232"
    );
    assert_eq!(
        hex(&digest_userhash(
            DigestHash::Sha256,
            "Mufasa",
            "http-auth@example.org"
        )),
        "a947aad205e80e429958a387394944c6b496301e79f89d35a4cc23b6ee12b5b6"
    );
}

#[test]
fn drepper_sha_crypt() {
    let vectors = data("drepper_sha_crypt.txt");
    assert_eq!(vectors.len(), 12);
    for v in vectors {
        let (setting, password, expected) = (&v[0], &v[1], &v[2]);
        assert!(
            verify_hash(expected, password.as_bytes(), &lax()).unwrap(),
            "{setting}"
        );
        assert!(!verify_hash(expected, b"wrong", &lax()).unwrap());
        // Regenerate from the setting's salt and rounds.
        let rounds = setting
            .split("rounds=")
            .nth(1)
            .and_then(|r| r.split('$').next())
            .map(|r| r.parse().unwrap());
        let salt = setting.rsplit('$').next().unwrap();
        let alg = if setting.starts_with("$5$") {
            HashAlgorithm::Sha256Crypt { rounds }
        } else {
            HashAlgorithm::Sha512Crypt { rounds }
        };
        let salt16: String = salt.chars().take(16).collect();
        let made =
            hash_password_with_salt(&Password::from(password.as_str()), alg, &salt16).unwrap();
        assert_eq!(made.expose_secret(), expected);
    }
}

#[test]
fn drepper_sha_crypt_rounds_out_of_range_refused() {
    // Drepper's vector "$5$rounds=10$roundstoolow" is clamped to 1000 by glibc; we refuse
    // out-of-range rounds outright and never write them.
    assert_eq!(
        HashFormat::detect("$5$rounds=10$roundstoolow$x"),
        HashFormat::Malformed
    );
    assert!(verify_hash("$5$rounds=10$roundstoolow$x", b"a", &lax()).is_err());
    assert!(
        hash_password_with_salt(
            &Password::from("a"),
            HashAlgorithm::Sha256Crypt { rounds: Some(999) },
            "s"
        )
        .is_err()
    );
    assert!(
        verify_hash(
            "$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC",
            b"the minimum number is still observed",
            &lax()
        )
        .unwrap()
    );
}

#[test]
fn glibc_md5_crypt() {
    for v in data("glibc_md5_crypt.txt") {
        let (salt, password, expected) = (&v[0], &v[1], &v[2]);
        assert_eq!(
            md5_crypt_with_salt(password.as_bytes(), salt).expose_secret(),
            expected
        );
        assert!(verify_hash(expected, password.as_bytes(), &lax()).unwrap());
        assert!(!verify_hash(expected, b"nope", &lax()).unwrap());
    }
}

#[test]
fn apache_password_formats_doc() {
    // Apache HTTP Server documentation, "Password Formats" (misc/password_encryptions):
    // the examples for user myName, password myPassword.
    let pw = b"myPassword";
    let hashes = [
        "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/",
        "{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE=",
        // DES crypt: also in tests/des_crypt.rs, which checks the build without the feature.
        #[cfg(feature = "des-crypt")]
        "rqXexS6ZhobKA",
        "$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC",
    ];
    for hash in hashes {
        assert!(verify_hash(hash, pw, &lax()).unwrap(), "{hash}");
        assert!(!verify_hash(hash, b"MyPassword", &lax()).unwrap(), "{hash}");
    }
    let apr1 = hash_password_with_salt(
        &Password::from("myPassword"),
        HashAlgorithm::Apr1,
        "r31.....",
    )
    .unwrap();
    assert_eq!(
        apr1.expose_secret(),
        "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/"
    );
    let sha = hash_password_with_salt(
        &Password::from("myPassword"),
        HashAlgorithm::Sha1Insecure,
        "",
    )
    .unwrap();
    assert_eq!(sha.expose_secret(), "{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE=");
    let bc = hash_password_with_salt(
        &Password::from("myPassword"),
        HashAlgorithm::Bcrypt { cost: 5 },
        "c4WoMPo3SXsafkva.HHa6u",
    )
    .unwrap();
    assert_eq!(
        bc.expose_secret(),
        "$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC"
    );
}

#[test]
fn openwall_crypt_blowfish() {
    // Openwall crypt_blowfish 1.3, wrapper.c test vectors.
    let cases: &[(&str, &[u8])] = &[
        (
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            b"U*U",
        ),
        (
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK",
            b"U*U*",
        ),
        (
            "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a",
            b"U*U*U",
        ),
        (
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy",
            b"",
        ),
        // 8-bit password: expected value re-checked against libxcrypt crypt(3) (Debian 12).
        (
            "$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e",
            b"\xff\xff\xa3",
        ),
        (
            "$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e",
            b"\xff\xff\xa3",
        ),
    ];
    for (hash, pw) in cases {
        assert!(verify_hash(hash, pw, &lax()).unwrap(), "{hash}");
        assert!(!verify_hash(hash, b"U*U*U*", &lax()).unwrap(), "{hash}");
    }
    // $2x$ marks hashes made with the sign-extension bug: refused for 8-bit passwords.
    assert!(
        verify_hash(
            "$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e",
            b"\xff\xff\xa3",
            &lax()
        )
        .is_err()
    );
    assert!(
        verify_hash(
            "$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            b"U*U",
            &lax()
        )
        .unwrap()
    );
}

#[test]
fn policy_fences_weak_formats() {
    let strict = VerifyPolicy::default();
    assert!(verify_hash("rqXexS6ZhobKA", b"myPassword", &strict).is_err());
    assert!(verify_hash("plain", b"plain", &strict).is_err());
    assert!(
        verify_hash(
            "plain",
            b"plain",
            &VerifyPolicy::default().with_plaintext_insecure(true)
        )
        .unwrap()
    );
    assert!(verify_hash("$y$j9T$abc$def", b"x", &lax()).is_err());
    // An empty hash field never means an empty plaintext password.
    let plain_ok = VerifyPolicy::default().with_plaintext_insecure(true);
    assert!(verify_hash("", b"", &plain_ok).is_err());
    assert!(
        verify_hash(
            "$2y$32$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            b"U*U",
            &lax()
        )
        .is_err()
    );
    assert!(
        verify_hash(
            "$2y$20$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            b"U*U",
            &strict
        )
        .is_err()
    );
    assert!(HashFormat::detect("$apr1$x$y").is_weak());
    assert!(!HashFormat::detect("$6$x$y").is_weak());
}
