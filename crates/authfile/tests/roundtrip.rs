//! Property tests: parse of unedited input is byte-identical; write -> read -> verify.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use authfile::{
    DigestHash, GroupFile, HashAlgorithm, HtdigestFile, HtmutualFile, HtpasswdFile, MutualKey,
    Password, SecretBytes, VerifyPolicy, hash_password, verify_hash,
};
use proptest::prelude::*;

prop_compose! {
    fn user_name()(s in "[a-zA-Z0-9._@ü-][a-zA-Z0-9._@ ü-]{0,20}[a-zA-Z0-9._@ü-]") -> String { s }
}

prop_compose! {
    /// RFC 8120 section 5 auth-scopes in any spelling: host, `*.domain`, or
    /// `scheme://host[:port][/]` with any letter case and explicit or leading-zero ports.
    fn auth_scope()(
        host in "[a-zA-Z0-9][a-zA-Z0-9-]{0,8}(\\.[a-zA-Z0-9]{1,6}){0,2}",
        kind in 0..3u8,
        scheme in "[hH][tT][tT][pP][sS]?",
        port in proptest::option::of(0u16..=65535),
        zeros in 0..2usize,
        slash in any::<bool>(),
    ) -> String {
        match kind {
            0 => host,
            1 => format!("*.{host}"),
            _ => format!(
                "{scheme}://{host}{}{}",
                // At most five digits in all (as both section 5 parsers accept).
                port.map(|p| format!(":{p:0>w$}", w = (p.to_string().len() + zeros).min(5)))
                    .unwrap_or_default(),
                if slash { "/" } else { "" }
            ),
        }
    }
}

prop_compose! {
    fn any_text()(s in "\\PC{0,40}") -> String { s }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn lenient_parse_is_lossless(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let (f, _) = HtpasswdFile::parse_lenient(&bytes).unwrap();
        prop_assert_eq!(f.to_bytes(), bytes.clone());
        let (f, _) = HtdigestFile::parse_lenient(&bytes).unwrap();
        prop_assert_eq!(f.to_bytes(), bytes.clone());
        let (f, _) = GroupFile::parse_lenient(&bytes).unwrap();
        prop_assert_eq!(f.to_bytes(), bytes.clone());
        let (f, _) = HtmutualFile::parse_lenient(&bytes).unwrap();
        prop_assert_eq!(f.to_bytes(), bytes);
    }

    #[test]
    fn htpasswd_write_read_verify(
        users in proptest::collection::btree_map(user_name(), any_text(), 1..6),
        crlf in any::<bool>(),
        alg in prop_oneof![
            Just(HashAlgorithm::Apr1),
            Just(HashAlgorithm::Sha1Insecure),
            Just(HashAlgorithm::Sha256Crypt { rounds: Some(1000) }),
            Just(HashAlgorithm::Sha512Crypt { rounds: Some(1000) }),
            Just(HashAlgorithm::Bcrypt { cost: 4 }),
        ],
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let start = format!("# head{eol}{eol}");
        let mut f = HtpasswdFile::parse(start.as_bytes()).unwrap();
        for (u, p) in &users {
            f.set_password(u, &Password::from(p.as_str()), alg).unwrap();
        }
        let bytes = f.to_bytes();
        prop_assert!(bytes.starts_with(start.as_bytes()));
        let back = HtpasswdFile::parse(&bytes).unwrap();
        prop_assert_eq!(back.len(), users.len());
        for (u, p) in &users {
            prop_assert!(back.verify(u, p.as_bytes()).unwrap());
            // A changed first byte: bcrypt ignores bytes past 72.
            let wrong = format!("x{}", p);
            prop_assert!(!back.verify(u, wrong.as_bytes()).unwrap());
        }
        prop_assert!(!back.verify("not-a-user", b"x").unwrap());
    }

    #[test]
    fn htdigest_write_read_verify(user in user_name(), realm in user_name(), pw in any_text(), sha in any::<bool>(), uh in any::<bool>()) {
        let hash = if sha { DigestHash::Sha256 } else { DigestHash::Md5 };
        let mut f = HtdigestFile::parse(b"# x\n").unwrap();
        f.set_password(&user, &realm, &Password::from(pw.as_str()), hash, uh).unwrap();
        let back = HtdigestFile::parse(&f.to_bytes()).unwrap();
        prop_assert!(back.verify(&user, &realm, hash, &Password::from(pw.as_str())));
        prop_assert_eq!(back.to_bytes(), f.to_bytes());
    }

    #[test]
    fn group_write_read(members in proptest::collection::btree_set("[^\\p{C}]{1,12}", 1..8)) {
        let mut g = GroupFile::new();
        for m in &members {
            g.add_member("grp", m).unwrap();
        }
        let back = GroupFile::parse(&g.to_bytes()).unwrap();
        for m in &members {
            prop_assert!(back.is_member(m, "grp"), "{:?} in {:?}", m, String::from_utf8_lossy(&g.to_bytes()));
        }
        prop_assert_eq!(back.members("grp").len(), members.len());
    }

    #[test]
    fn htmutual_write_read(user in "[^\\p{C}]{1,20}", scope in auth_scope(), realm in "[^\\p{C}]{0,20}", j in proptest::collection::vec(any::<u8>(), 1..300)) {
        let key = MutualKey { user, algorithm: "iso-kam3-dl-2048-sha256".into(), auth_scope: scope, realm };
        let mut f = HtmutualFile::new();
        f.set_verifier(key.clone(), SecretBytes::from_slice(&j)).unwrap();
        let back = HtmutualFile::parse(&f.to_bytes()).unwrap();
        prop_assert_eq!(back.verifier(&key).unwrap().expose_secret(), &j[..]);
        // Found under the canonical key too, and the file holds only that form.
        let canonical = key.clone().canonical().unwrap();
        prop_assert_eq!(back.verifier(&canonical).unwrap().expose_secret(), &j[..]);
        prop_assert_eq!(back.keys().next().unwrap(), &canonical);
    }

    /// Any other string as auth-scope: refused by name, or written and read back.
    #[test]
    fn htmutual_any_scope_is_refused_or_round_trips(scope in "[^\\p{C}]{1,30}") {
        let key = MutualKey { user: "u".into(), algorithm: "iso-kam3-dl-2048-sha256".into(), auth_scope: scope, realm: "r".into() };
        let mut f = HtmutualFile::new();
        match f.set_verifier(key.clone(), SecretBytes::from_slice(&[1])) {
            Ok(_) => {
                let back = HtmutualFile::parse(&f.to_bytes()).unwrap();
                prop_assert!(back.verifier(&key).is_some());
            }
            Err(authfile::Error::InvalidName { what, .. }) => prop_assert_eq!(what, "auth-scope"),
            Err(e) => prop_assert!(false, "{}", e),
        }
    }

    #[test]
    fn random_hash_strings_never_panic(s in "\\PC{0,80}", pw in any_text()) {
        let _ = verify_hash(&s, pw.as_bytes(), &VerifyPolicy::apache_compatible().with_plaintext_insecure(true));
        let _ = verify_hash(&format!("$2y$04${s}"), pw.as_bytes(), &VerifyPolicy::apache_compatible());
        let _ = verify_hash(&format!("$5$rounds=1000${s}"), pw.as_bytes(), &VerifyPolicy::apache_compatible());
        let _ = verify_hash(&format!("$apr1${s}"), pw.as_bytes(), &VerifyPolicy::apache_compatible());
    }
}

#[test]
fn edits_touch_only_their_lines() {
    let input = b"# c\r\nalice:{SHA}x:extra\r\n\r\nbob:{SHA}y\r\nnot-a-user-line-in-lenient\r\ncarol:{SHA}z";
    let (mut f, problems) = HtpasswdFile::parse_lenient(input).unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line(), Some(5));
    f.set_hash(
        "bob",
        hash_password(&Password::from("p"), HashAlgorithm::Sha1Insecure).unwrap(),
    )
    .unwrap();
    f.remove("carol").unwrap();
    f.set_hash("dave", Password::from("{SHA}w")).unwrap();
    let out = String::from_utf8(f.to_bytes()).unwrap();
    assert_eq!(
        out,
        "# c\r\nalice:{SHA}x:extra\r\n\r\nbob:{SHA}UWuXg/ylF+7L0dBk2i0WUxCxl1k=\r\nnot-a-user-line-in-lenient\r\ndave:{SHA}w\r\n"
    );
}

#[test]
fn strict_parse_names_the_line() {
    let e = HtpasswdFile::parse(b"a:x\n\nb:y\na:z\n").unwrap_err();
    assert_eq!(e.to_string(), "line 4: duplicate of the record on line 1");
    let e = HtdigestFile::parse(b"u:r:abc\n").unwrap_err();
    assert_eq!(e.line(), Some(1));
    let e = GroupFile::parse(b"g: \"open\n").unwrap_err();
    assert_eq!(e.to_string(), "line 1: unterminated quoted name");
    let e = HtpasswdFile::parse(b"a:b\\\nc\n").unwrap_err();
    assert_eq!(e.line(), Some(1));
    let long = format!("u:{}\n", "x".repeat(authfile::MAX_LINE_LEN + 1));
    assert!(HtpasswdFile::parse(long.as_bytes()).is_err());
    assert_eq!(
        HtmutualFile::parse(b"u:v9:anything at all\n")
            .unwrap()
            .future_records(),
        1
    );
}

#[test]
fn file_cache_reloads_on_change() {
    use httpauth_core::PasswordVerifier;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("users");
    std::fs::write(&p, "a:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\n").unwrap();
    let cache = authfile::FileCache::htpasswd(&p, VerifyPolicy::default()).unwrap();
    assert!(cache.verify_password("a", &Password::from("test")).unwrap());
    assert!(!cache.verify_password("b", &Password::from("test")).unwrap());
    authfile::update_file(&p, authfile::CreateMode::MustExist, |bytes| {
        let mut f = HtpasswdFile::parse(bytes)?;
        f.set_hash("b", Password::from("{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M="))?;
        Ok((f.to_bytes(), ()))
    })
    .unwrap();
    assert!(cache.verify_password("b", &Password::from("test")).unwrap());
    // A broken version fails closed, and recovers once fixed.
    std::fs::write(&p, "broken\n").unwrap();
    assert!(cache.verify_password("a", &Password::from("test")).is_err());
    assert!(cache.verify_password("a", &Password::from("test")).is_err());
    std::fs::write(&p, "a:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\n\n").unwrap();
    assert!(cache.verify_password("a", &Password::from("test")).unwrap());
}

#[test]
fn stores_answer_core_queries() {
    use httpauth_core::{CredentialQuery, CredentialStore, HashFunction, StoredCredential};
    let mut d = HtdigestFile::new();
    d.set_password(
        "Mufasa",
        "r",
        &Password::from("p"),
        DigestHash::Sha256,
        true,
    )
    .unwrap();
    let uh = authfile::digest_userhash(DigestHash::Sha256, "Mufasa", "r");
    assert_eq!(
        d.find_by_userhash("r", HashFunction::Sha256, &uh)
            .unwrap()
            .as_deref(),
        Some("Mufasa")
    );
    let got = d
        .lookup(
            "Mufasa",
            CredentialQuery::DigestHa1 {
                realm: "r",
                hash: HashFunction::Sha256,
            },
        )
        .unwrap();
    assert!(matches!(got, Some(StoredCredential::DigestHa1(h)) if h.len() == 32));
    assert!(
        d.lookup(
            "Mufasa",
            CredentialQuery::DigestHa1 {
                realm: "r",
                hash: HashFunction::Md5
            }
        )
        .unwrap()
        .is_none()
    );
    let f = HtpasswdFile::parse(b"u:{SHA}x\n").unwrap();
    assert!(matches!(
        f.lookup("u", CredentialQuery::PasswordHash).unwrap(),
        Some(StoredCredential::PasswordHash(_))
    ));
    assert!(f.lookup("u", CredentialQuery::Plaintext).unwrap().is_none());
}
