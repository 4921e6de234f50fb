#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use x509_parser::prelude::*;

fn client(cn: &str) -> IssueRequest {
    IssueRequest {
        profile: Profile::Client,
        subject: Subject {
            cn: cn.into(),
            c: None,
            o: Some("Example".into()),
            ou: vec!["Lab".into()],
            email: None,
            uid: None,
        },
        sans: vec![San::Email(format!("{cn}@example.org"))],
        days: 30,
        key_type: None,
        key_passphrase: None,
    }
}

#[test]
fn serial_hex_round_trip() {
    assert_eq!(Serial(0x1000).to_string(), "1000");
    assert_eq!(Serial(0xABC).to_string(), "0ABC");
    assert_eq!("0abc".parse::<Serial>().unwrap(), Serial(0xABC));
    assert_eq!("0x10:00".parse::<Serial>().unwrap(), Serial(0x1000));
    assert!("".parse::<Serial>().is_err());
    assert!("xyz".parse::<Serial>().is_err());
    assert!("11112222333344445".parse::<Serial>().is_err());
}

#[test]
fn client_certificate_extensions_and_dn() {
    let d = tempfile::tempdir().unwrap();
    let ca = CaDir::init(d.path().join("ca"), &InitOptions::default()).unwrap();
    let mut req = client("carol");
    req.subject.uid = Some("c123".into());
    req.sans.push(San::Upn("carol@corp.example".into()));
    let rec = ca.issue(&req, None).unwrap();
    assert_eq!(rec.serial, Serial(FIRST_SERIAL + 1));
    assert_eq!(rec.subject_dn, "UID=c123,CN=carol,OU=Lab,O=Example");
    let der = pem_der(
        Path::new("x"),
        &std::fs::read(ca.path().join(&rec.cert)).unwrap(),
    )
    .unwrap();
    let (_, x) = parse_x509_certificate(&der).unwrap();
    assert_eq!(x.version(), X509Version::V3);
    let bc = x.basic_constraints().unwrap().unwrap();
    assert!(bc.critical && !bc.value.ca);
    let ku = x.key_usage().unwrap().unwrap();
    assert!(ku.value.digital_signature() && !ku.value.key_cert_sign());
    let eku = x.extended_key_usage().unwrap().unwrap();
    assert!(eku.value.client_auth && !eku.value.server_auth);
    assert!(x.iter_extensions().any(|e| matches!(
        e.parsed_extension(),
        ParsedExtension::SubjectKeyIdentifier(_)
    )));
    assert!(x.iter_extensions().any(|e| matches!(
        e.parsed_extension(),
        ParsedExtension::AuthorityKeyIdentifier(_)
    )));
    let info = ca.show(rec.serial).unwrap();
    assert_eq!(info.issuer_dn, "CN=httpauth root CA");
    assert!(info.sans.contains(&"email:carol@example.org".to_owned()));
    assert!(info.sans.contains(&"UPN:carol@corp.example".to_owned()));
    assert_eq!(info.status, "valid");
    let mode = std::fs::metadata(ca.path().join(&rec.key))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let mode = std::fs::metadata(ca.path().join("private/root.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn init_refuses_existing_ca() {
    let d = tempfile::tempdir().unwrap();
    CaDir::init(d.path(), &InitOptions::default()).unwrap();
    let before = std::fs::read(d.path().join("root.pem")).unwrap();
    assert!(matches!(
        CaDir::init(d.path(), &InitOptions::default()),
        Err(Error::AlreadyInitialised(_))
    ));
    assert_eq!(std::fs::read(d.path().join("root.pem")).unwrap(), before);
}

#[test]
fn encrypted_ca_key_needs_passphrase() {
    let d = tempfile::tempdir().unwrap();
    let opts = InitOptions {
        ca_passphrase: Some(Passphrase::new("correct horse").unwrap()),
        ..InitOptions::default()
    };
    let ca = CaDir::init(d.path(), &opts).unwrap();
    assert!(ca.ca_key_encrypted().unwrap());
    assert!(matches!(
        ca.issue(&client("a"), None),
        Err(Error::PassphraseRequired(_))
    ));
    let wrong = Passphrase::new("wrong").unwrap();
    assert!(matches!(
        ca.issue(&client("a"), Some(&wrong)),
        Err(Error::KeyDecryption(_))
    ));
    // A refused issue hands out no serial.
    let ok = Passphrase::new("correct horse").unwrap();
    let rec = ca.issue(&client("a"), Some(&ok)).unwrap();
    assert_eq!(rec.serial, Serial(FIRST_SERIAL + 1));
}

#[test]
fn revoke_and_crl_numbers() {
    let d = tempfile::tempdir().unwrap();
    let ca = CaDir::init(d.path(), &InitOptions::default()).unwrap();
    let a = ca.issue(&client("a"), None).unwrap();
    assert_eq!(ca.crl(7, None).unwrap().number, 1);
    ca.revoke(a.serial, Reason::KeyCompromise).unwrap();
    assert!(matches!(
        ca.revoke(a.serial, Reason::Superseded),
        Err(Error::AlreadyRevoked(_))
    ));
    assert!(matches!(
        ca.revoke(Serial(FIRST_SERIAL), Reason::Superseded),
        Err(Error::NotALeaf(_))
    ));
    assert!(matches!(
        ca.revoke(Serial(1), Reason::Superseded),
        Err(Error::UnknownSerial(_))
    ));
    let info = ca.crl(7, None).unwrap();
    assert_eq!((info.number, info.revoked), (2, 1));
    let pem = std::fs::read(ca.crl_path()).unwrap();
    let (_, der) = pkcs8::der::pem::decode_vec(&pem).unwrap();
    let (_, crl) = parse_x509_crl(&der).unwrap();
    assert_eq!(crl.crl_number().map(|n| n.to_u64_digits()), Some(vec![2]));
    let revoked: Vec<_> = crl.iter_revoked_certificates().collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].raw_serial(), &[0x10, 0x01]);
    assert_eq!(ca.show(a.serial).unwrap().status, "revoked");
}

#[test]
fn bad_input_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    let ca = CaDir::init(d.path(), &InitOptions::default()).unwrap();
    let mut r = client("");
    assert!(matches!(
        ca.issue(&r, None),
        Err(Error::InvalidInput { .. })
    ));
    r = client(&"x".repeat(65));
    assert!(matches!(
        ca.issue(&r, None),
        Err(Error::InvalidInput { .. })
    ));
    r = client("a\nb");
    assert!(matches!(
        ca.issue(&r, None),
        Err(Error::InvalidInput { .. })
    ));
    r = client("a");
    r.sans = vec![San::Email("no-at-sign".into())];
    assert!(matches!(
        ca.issue(&r, None),
        Err(Error::InvalidInput { .. })
    ));
    r = client("a");
    r.days = 0;
    assert!(matches!(
        ca.issue(&r, None),
        Err(Error::InvalidInput { .. })
    ));
    r = client("srv");
    r.profile = Profile::Server;
    assert!(matches!(
        ca.issue(&r, None),
        Err(Error::InvalidInput { .. })
    ));
    r.sans = vec![San::Dns("bad..name".into())];
    assert!(matches!(
        ca.issue(&r, None),
        Err(Error::InvalidInput { .. })
    ));
    assert!(matches!(
        CaDir::open(d.path().join("nothing")),
        Err(Error::NotInitialised(_))
    ));
    let index = std::fs::read_to_string(d.path().join("index.json")).unwrap();
    std::fs::write(
        d.path().join("index.json"),
        index.replace("\"format\": 1", "\"format\": 9"),
    )
    .unwrap();
    assert!(matches!(
        CaDir::open(d.path()),
        Err(Error::IndexFormat { found: 9, .. })
    ));
    std::fs::write(d.path().join("index.json"), b"{ not json").unwrap();
    assert!(matches!(
        CaDir::open(d.path()),
        Err(Error::CorruptIndex { .. })
    ));
    assert!("nonsense".parse::<Reason>().is_err());
    assert_eq!(
        "keyCompromise".parse::<Reason>().unwrap(),
        Reason::KeyCompromise
    );
}

#[test]
fn pkcs12_round_trip_both_forms() {
    let d = tempfile::tempdir().unwrap();
    let opts = InitOptions {
        intermediate_cn: Some("issuing".into()),
        ..InitOptions::default()
    };
    let ca = CaDir::init(d.path(), &opts).unwrap();
    let rec = ca.issue(&client("p"), None).unwrap();
    let pw = Passphrase::new("pw").unwrap();
    for form in [Pkcs12Form::Modern, Pkcs12Form::Legacy3DesSha1] {
        let p12 = ca.export_pkcs12(rec.serial, None, &pw, form).unwrap();
        let ks = p12_keystore::KeyStore::from_pkcs12(
            &p12,
            "pw",
            p12_keystore::Pkcs12ImportPolicy::default(),
        )
        .unwrap();
        let (_, chain) = ks.private_key_chain().unwrap();
        assert_eq!(chain.certs().len(), 3);
        assert!(
            p12_keystore::KeyStore::from_pkcs12(
                &p12,
                "wrong",
                p12_keystore::Pkcs12ImportPolicy::default()
            )
            .is_err()
        );
    }
    let pem = ca.export_pem(rec.serial, None, None).unwrap();
    assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 2);
    assert!(pem.contains("BEGIN PRIVATE KEY"));
}

#[test]
fn country_is_two_letters_and_comes_first_in_the_legacy_dn() {
    let dir = tempfile::tempdir().unwrap();
    let ca = CaDir::init(dir.path().join("ca"), &InitOptions::default()).unwrap();
    let mut req = client("dora");
    req.subject.c = Some("de".into());
    let rec = ca.issue(&req, None).unwrap();
    // mod_ssl's RFC 2253 form, last RDN first: the country ends it, upper-cased.
    assert!(
        rec.subject_dn.ends_with(",O=Example,C=DE"),
        "{}",
        rec.subject_dn
    );
    for bad in ["DEU", "D", "1A", ""] {
        let mut req = client("eve");
        req.subject.c = Some(bad.into());
        assert!(
            matches!(
                ca.issue(&req, None),
                Err(Error::InvalidInput {
                    field: "country",
                    ..
                })
            ),
            "{bad:?}"
        );
    }
}
