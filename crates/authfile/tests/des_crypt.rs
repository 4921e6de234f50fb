//! Traditional DES crypt(3) (`htpasswd -d` entries), the cargo feature `des-crypt`: known
//! answers from the system's crypt(3) and from Apache's `htpasswd`, and, without the
//! feature, the error that names it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use authfile::{Error, HashFormat, VerifyPolicy, verify_hash};

/// (password, salt, crypt(3) output), from libxcrypt 4.4.33 (Debian 12 `libcrypt1`), the
/// crypt(3) Apache calls on Linux. Text passwords through Python 3.11's `crypt.crypt(pw,
/// salt)` (UTF-8); the rows marked "bytes" through `ctypes` on `libcrypt.so.1`'s `crypt`,
/// because Python's module takes text only. The 64 salts put every character of
/// `./0-9A-Za-z` in both positions; the passwords cover the empty one, fewer than, exactly
/// and more than 8 bytes, and bytes with the high bit set.
const LIBCRYPT_DES_CRYPT: &[(&[u8], &str, &str)] = &[
    (b"", ".5", ".5/i9L2FgWmAM"),
    (b"a", "/A", "/AfTyNRQHkNCs"),
    (b"pw", "0F", "0FK3DscZUK.Jg"),
    (b"myPassword", "1K", "1KIXCl09/aKBU"),
    (b"password", "2P", "2PGMRrokWDxnc"),
    (b"password1", "3U", "3U6GxZSGmKPGA"),
    (b"passwordXYZpasswordXYZpasswordXYZ", "4Z", "4ZM81/MSYPQnY"),
    (b"12345678", "5e", "5e9IBlJf5Q8nI"),
    (b"\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", "6j", "6jWdorRJM6x5s"),
    (b" ", "7o", "7oJKIvLLR6NU6"),
    (b"U*U*U*U*", "8t", "8t.8mRksCO/mo"),
    (b"p\xc3\xa4ssw\xc3\xb6rd", "9y", "9ywmHP6SwSjbM"),
    (b"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", "A1", "A1BssOq09Vduc"), // bytes: ctypes
    (b"\x80", "B6", "B6GbxkUCDwEx2"),                             // bytes: ctypes
    (b"\xe9t\xe9", "CB", "CBnQPoEkNyCuA"),                        // bytes: ctypes
    (b"C)", "DG", "DGqaBqq0QVB2."),
    (b"\x01\x02\x03", "EL", "ELilHRG3FZVks"),
    (b"~!@#$%^&", "FQ", "FQ6Hw0GTeEUW."),
    (b"", "GV", "GV9bYCJRJhxeQ"),
    (b"a", "Ha", "HajfTIOoYrBCo"),
    (b"pw", "If", "IfXk/SYMGL476"),
    (b"myPassword", "Jk", "Jkt4E12Bt/yd2"),
    (b"password", "Kp", "KpbKVcaO1mpOw"),
    (b"password1", "Lu", "LucaB1d22mBUE"),
    (b"passwordXYZpasswordXYZpasswordXYZ", "Mz", "MzE7JhgQTXSYQ"),
    (b"12345678", "N2", "N2MenuuvNDP9."),
    (b"\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", "O7", "O7IpNn.UTA6tQ"),
    (b" ", "PC", "PCU7xP0fhG.lU"),
    (b"U*U*U*U*", "QH", "QHUXn7W9n2Gp6"),
    (b"p\xc3\xa4ssw\xc3\xb6rd", "RM", "RMbAU4pSRABTo"),
    (b"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", "SR", "SRuatwf8lEX9Q"), // bytes: ctypes
    (b"\x80", "TW", "TW20f0F6YsujM"),                             // bytes: ctypes
    (b"\xe9t\xe9", "Ub", "Ub4qhrASdoUck"),                        // bytes: ctypes
    (b"C)", "Vg", "VgJ6ATejyVfRc"),
    (b"\x01\x02\x03", "Wl", "WlM9Dv91a7jlk"),
    (b"~!@#$%^&", "Xq", "Xq68ne3QM7l6U"),
    (b"", "Yv", "YvcGDsR8UV9Vc"),
    (b"a", "Z.", "Z.hM2dx4Hwobg"),
    (b"pw", "a3", "a3d2tBuM7qeis"),
    (b"myPassword", "b8", "b8JHQOgxTKlnI"),
    (b"password", "cD", "cDRpdxPmHpzS."),
    (b"password1", "dI", "dIix/YXS4pJJk"),
    (b"passwordXYZpasswordXYZpasswordXYZ", "eN", "eNBO0nZMf3rWM"),
    (b"12345678", "fS", "fSz0s6AdtPf.o"),
    (b"\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", "gX", "gXLpRw596xweQ"),
    (b" ", "hc", "hcMvqik7G7.46"),
    (b"U*U*U*U*", "ih", "ih6JlPWl/JyP6"),
    (b"p\xc3\xa4ssw\xc3\xb6rd", "jm", "jm6vPPhc2di06"),
    (b"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", "kr", "krGp1ntA3U9UE"), // bytes: ctypes
    (b"\x80", "lw", "lwOqCp7NJejM."),                             // bytes: ctypes
    (b"\xe9t\xe9", "m/", "m/IQcnG7vV/oo"),                        // bytes: ctypes
    (b"C)", "n4", "n4fqVmP.kfESs"),
    (b"\x01\x02\x03", "o9", "o9GH6PqKQ5Qc."),
    (b"~!@#$%^&", "pE", "pEoM32Qb4hV8."),
    (b"", "qJ", "qJRptYAcKk81M"),
    (b"a", "rO", "rO/RswxtjtI9U"),
    (b"pw", "sT", "sTe9dyVwk/aRs"),
    (b"myPassword", "tY", "tY.higPQPK1ds"),
    (b"password", "ud", "udwMwEV0pG/Gk"),
    (b"password1", "vi", "viCNwXcvLcpdk"),
    (b"passwordXYZpasswordXYZpasswordXYZ", "wn", "wncw0G8dza.Kk"),
    (b"12345678", "xs", "xsWLuQ6jQN6MI"),
    (b"\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", "yx", "yxjSyaSl9d05E"),
    (b" ", "z0", "z0/6IObuIB.LM"),
    (b"password", "ab", "abJnggxhB/yWI"),
    (b"password1", "ab", "abJnggxhB/yWI"),
    (b"passwordXYZ", "ab", "abJnggxhB/yWI"),
    (b"pw", "ab", "abzlUXK5ed5rs"),
    (b"", "..", "..X8NBuQ4l6uQ"),
    (b"", "zz", "zz6dpSdr.LHZw"),
    (b"\xf0\xe1\xf3\xf3", "Xy", "Xyycx418FiGbQ"), // bytes: ctypes
    (b"pass", "Xy", "Xyycx418FiGbQ"),
];

/// (password, `htpasswd -nbd user <password>` hash), Apache 2.4.71 `htpasswd` (Debian 12
/// `apache2-utils`), random salts. Each re-checked against crypt(3) above when generated.
const APACHE_HTPASSWD_DES: &[(&[u8], &str)] = &[
    (b"", "gSLEkhlNkGN.2"),
    (b"pw", "IcnLf9/clozC6"),
    (b"secret12", "DRQITMt6s0cGI"),
    (b"secret12-and-more", "XX3074Hc4rmYY"),
    (b"p\xc3\xa4ssw\xc3\xb6rd", "S6/rzLFnLZJmg"),
    (b"\xff\xfe\xfd", "aAeKqvpRvkDOM"),
    (b"Pa55word!", "QO58vLI0NpYwQ"),
    // Pinned in tests/hardening.rs, and the Apache documentation's example
    // (misc/password_encryptions: myName / myPassword).
    (b"secret12", "8tbmFdNcGtqQs"),
    (b"myPassword", "rqXexS6ZhobKA"),
];

/// The table covers what it claims: every salt character in each position, 13-character
/// hashes that are recognised as DES crypt.
#[test]
fn vector_table_coverage() {
    const ALPHABET: &str = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    for (pos, what) in [(0, "first"), (1, "second")] {
        for c in ALPHABET.bytes() {
            assert!(
                LIBCRYPT_DES_CRYPT
                    .iter()
                    .any(|(_, salt, _)| salt.as_bytes()[pos] == c),
                "no salt with {:?} as {what} character",
                char::from(c)
            );
        }
    }
    for (_, salt, hash) in LIBCRYPT_DES_CRYPT {
        assert_eq!(hash.len(), 13, "{hash}");
        assert!(hash.starts_with(salt), "{hash}");
        assert_eq!(HashFormat::detect(hash), HashFormat::DesCrypt, "{hash}");
    }
    for (_, hash) in APACHE_HTPASSWD_DES {
        assert_eq!(HashFormat::detect(hash), HashFormat::DesCrypt, "{hash}");
    }
    assert!(LIBCRYPT_DES_CRYPT.iter().any(|(pw, _, _)| pw.is_empty()));
    assert!(LIBCRYPT_DES_CRYPT.iter().any(|(pw, _, _)| pw.len() == 8));
    assert!(LIBCRYPT_DES_CRYPT.iter().any(|(pw, _, _)| pw.len() > 8));
    assert!(LIBCRYPT_DES_CRYPT.iter().any(|(pw, _, _)| !pw.is_ascii()));
}

/// A password that differs in a bit DES crypt reads: bit 0 of the first byte (bit 7 is
/// dropped), or one byte for the empty password.
#[cfg(feature = "des-crypt")]
fn wrong(pw: &[u8]) -> Vec<u8> {
    match pw.split_first() {
        Some((first, rest)) => [&[first ^ 1][..], rest].concat(),
        None => b"x".to_vec(),
    }
}

#[cfg(feature = "des-crypt")]
fn des_on() -> VerifyPolicy {
    VerifyPolicy::default().with_des(true)
}

#[cfg(feature = "des-crypt")]
#[test]
fn libcrypt_des_crypt() {
    for (pw, _, hash) in LIBCRYPT_DES_CRYPT {
        assert!(verify_hash(hash, pw, &des_on()).unwrap(), "{hash} {pw:?}");
        assert!(
            !verify_hash(hash, &wrong(pw), &des_on()).unwrap(),
            "{hash} {pw:?}"
        );
        // Only 8 bytes count, 7 bits of each: the first 8 bytes with their high bits
        // cleared verify too, and so does anything appended after the eighth byte.
        let mut key: Vec<u8> = pw.iter().take(8).map(|b| b & 0x7f).collect();
        assert!(
            verify_hash(hash, &key, &des_on()).unwrap(),
            "{hash} {key:?}"
        );
        if key.len() == 8 {
            key.extend_from_slice(b"ignored");
            assert!(
                verify_hash(hash, &key, &des_on()).unwrap(),
                "{hash} {key:?}"
            );
        }
    }
}

#[cfg(feature = "des-crypt")]
#[test]
fn apache_htpasswd_des() {
    for (pw, hash) in APACHE_HTPASSWD_DES {
        assert!(verify_hash(hash, pw, &des_on()).unwrap(), "{hash} {pw:?}");
        assert!(
            verify_hash(hash, pw, &VerifyPolicy::apache_compatible()).unwrap(),
            "{hash}"
        );
        assert!(
            !verify_hash(hash, &wrong(pw), &des_on()).unwrap(),
            "{hash} {pw:?}"
        );
    }
}

/// With the feature the run-time policy still decides: off by default.
#[cfg(feature = "des-crypt")]
#[test]
fn des_crypt_feature_on_policy_still_refuses_by_default() {
    let (pw, hash) = APACHE_HTPASSWD_DES[0];
    assert_eq!(HashFormat::DesCrypt.missing_feature(), None);
    assert!(!VerifyPolicy::default().allows(&HashFormat::DesCrypt));
    assert!(des_on().allows(&HashFormat::DesCrypt));
    assert!(matches!(
        verify_hash(hash, pw, &VerifyPolicy::default()),
        Err(Error::Disallowed("des-crypt"))
    ));
}

/// Without the feature a DES entry is unsupported, whatever the policy, with an error
/// that names the feature: never a silent "wrong password".
#[cfg(not(feature = "des-crypt"))]
#[test]
fn des_crypt_without_the_feature_names_it() {
    use authfile::{HtpasswdFile, Verdict};

    let (pw, hash) = APACHE_HTPASSWD_DES[0];
    assert_eq!(HashFormat::detect(hash), HashFormat::DesCrypt);
    assert_eq!(HashFormat::DesCrypt.missing_feature(), Some("des-crypt"));
    assert_eq!(authfile::DES_CRYPT_FEATURE, "des-crypt");
    for policy in [
        VerifyPolicy::default(),
        VerifyPolicy::default().with_des(true),
        VerifyPolicy::apache_compatible(),
    ] {
        assert!(!policy.allows(&HashFormat::DesCrypt), "{policy:?}");
        let err = verify_hash(hash, pw, &policy).unwrap_err();
        assert!(
            matches!(
                err,
                Error::FeatureDisabled {
                    format: "des-crypt",
                    feature: "des-crypt"
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "hash format des-crypt is not supported by this build: it needs authfile's \
             cargo feature `des-crypt`"
        );
    }

    // In a file: a distinct verdict naming the feature, and a load warning that says how
    // to turn it on.
    let text = format!("alice:{hash}\n");
    let f = HtpasswdFile::parse(text.as_bytes())
        .unwrap()
        .with_policy(VerifyPolicy::apache_compatible());
    let v = f.check("alice", pw);
    assert_eq!(
        v,
        Verdict::Unsupported {
            format: HashFormat::DesCrypt,
            feature: "des-crypt",
            line: 1
        }
    );
    assert!(!v.is_verified());
    assert!(v.to_string().contains("cargo feature `des-crypt`"), "{v}");
    let warnings = f.policy_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = warnings[0].to_string();
    assert!(
        w.contains("cargo feature `des-crypt`") && w.contains("allow_des"),
        "{w}"
    );
    // The decoy for unknown users is never a record this build cannot verify.
    assert_eq!(
        authfile::work_estimate(&HashFormat::DesCrypt, f.policy()),
        0
    );
}
