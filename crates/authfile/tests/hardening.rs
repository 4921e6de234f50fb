//! Regression tests for the hardening of issue 13 (weaknesses) and issue 14 (DES trap):
//! new files are owner-only, a broken file is reported with file and line, the decoy for
//! unknown users is the costliest format, over-long passwords are refused before hashing,
//! and DES entries are a named policy refusal, warned about at load.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use authfile::{
    BcryptVariant, CreateMode, FileCache, FileEvent, HashAlgorithm, HashFormat, HtpasswdFile,
    MAX_PASSWORD_BYTES, Password, Reporter, Verdict, VerifyPolicy, hash_password,
};
use httpauth_core::{FailureReason, PasswordVerifier};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn mode_of(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// Issue 13: "new password files are world-readable". The test process runs with the
/// usual umask 022, under which Apache's tools (and this crate before) made 0644 files.
/// (The `rs-ht*` tools' `-c` is tested in `httpauth-tools`, `tests/authfile_hardening.rs`.)
#[test]
fn new_files_are_owner_only() {
    let dir = tempfile::tempdir().unwrap();

    // The library's update path.
    let lib = dir.path().join("lib");
    authfile::update_file(&lib, CreateMode::CreateIfMissing, |_| {
        Ok((b"a:{SHA}x\n".to_vec(), ()))
    })
    .unwrap();
    assert_eq!(mode_of(&lib), 0o600, "update_file CreateIfMissing");
    assert_eq!(authfile::DEFAULT_NEW_FILE_MODE, 0o600);
    let truncated = dir.path().join("truncated");
    authfile::update_file(&truncated, CreateMode::Truncate, |_| {
        Ok((b"a:{SHA}x\n".to_vec(), ()))
    })
    .unwrap();
    assert_eq!(mode_of(&truncated), 0o600, "update_file Truncate");

    // Asked otherwise: the mode given, exactly (not masked by the umask).
    let shared = dir.path().join("shared");
    authfile::update_file_with_mode(&shared, CreateMode::Truncate, 0o640, |_| {
        Ok((b"a:{SHA}x\n".to_vec(), ()))
    })
    .unwrap();
    assert_eq!(mode_of(&shared), 0o640);
    let wide = dir.path().join("wide");
    authfile::update_file_with_mode(&wide, CreateMode::CreateIfMissing, 0o664, |_| {
        Ok((Vec::new(), ()))
    })
    .unwrap();
    assert_eq!(mode_of(&wide), 0o664);
    // Set-id bits are refused, and nothing is created.
    let setuid = dir.path().join("setuid");
    let e = authfile::update_file_with_mode(&setuid, CreateMode::CreateIfMissing, 0o4755, |_| {
        Ok((Vec::new(), ()))
    })
    .unwrap_err();
    assert!(e.to_string().contains("outside 0o777"), "{e}");
    assert!(!setuid.exists());

    // An existing file keeps its mode on an atomic rewrite, also when truncated (a tool's
    // -c), and also when the caller asks for another mode for new files.
    std::fs::set_permissions(&lib, std::fs::Permissions::from_mode(0o644)).unwrap();
    authfile::update_file(&lib, CreateMode::MustExist, |b| {
        Ok(([b, &b"v:{SHA}x\n"[..]].concat(), ()))
    })
    .unwrap();
    assert_eq!(mode_of(&lib), 0o644);
    authfile::update_file(&lib, CreateMode::Truncate, |_| {
        Ok((b"w:{SHA}x\n".to_vec(), ()))
    })
    .unwrap();
    assert_eq!(mode_of(&lib), 0o644);
    assert_eq!(std::fs::read(&lib).unwrap(), b"w:{SHA}x\n");
    authfile::update_file_with_mode(&lib, CreateMode::MustExist, 0o600, |b| Ok((b.to_vec(), ())))
        .unwrap();
    assert_eq!(mode_of(&lib), 0o644);
}

type Events = Arc<Mutex<Vec<String>>>;

fn collecting_reporter() -> (Reporter, Events) {
    let events: Events = Arc::default();
    let sink = Arc::clone(&events);
    let reporter: Reporter = Arc::new(move |e: &FileEvent<'_>| {
        let kind = match e {
            FileEvent::LoadFailed(_) => "failed",
            FileEvent::Warning(_) => "warning",
            FileEvent::Reloaded(_) => "reloaded",
            _ => "other",
        };
        sink.lock().unwrap().push(format!("{kind}: {e}"));
    });
    (reporter, events)
}

const SHA_TEST: &str = "{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M="; // "test"

/// Issue 13: "a password file broken at run time gives 503 without naming file and line".
/// The policy stays fail-closed; the failure is reported once, naming file and line.
#[test]
fn broken_file_at_run_time_is_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("users");
    std::fs::write(&p, format!("a:{SHA_TEST}\n")).unwrap();
    let (reporter, events) = collecting_reporter();
    let cache = FileCache::htpasswd(&p, VerifyPolicy::default())
        .unwrap()
        .with_reporter(reporter);
    assert!(cache.verify_password("a", &Password::from("test")).unwrap());
    assert!(events.lock().unwrap().is_empty());

    // Line 3 has no ':' separator.
    std::fs::write(&p, format!("# users\na:{SHA_TEST}\nbroken\n")).unwrap();
    let where_ = format!("{}:3:", p.display());
    // Fail closed, as before (the core error maps to a 503).
    assert_eq!(
        cache.verify_password("a", &Password::from("test")),
        Err(httpauth_core::Error::StoreCorrupt)
    );
    // The detailed error names file and line.
    let e = cache.get().unwrap_err();
    assert!(e.to_string().starts_with(&where_), "{e}");
    assert!(e.to_string().contains("missing ':'"), "{e}");
    // Reported once for this broken version, not per request.
    for _ in 0..5 {
        assert!(cache.verify_password("a", &Password::from("test")).is_err());
    }
    {
        let ev = events.lock().unwrap();
        assert_eq!(ev.len(), 1, "{ev:?}");
        assert!(ev[0].starts_with(&format!("failed: {where_}")), "{ev:?}");
    }

    // Fixed: served again, and the reload is reported.
    std::fs::write(&p, format!("a:{SHA_TEST}\nb:{SHA_TEST}\n")).unwrap();
    assert!(cache.verify_password("b", &Password::from("test")).unwrap());
    let ev = events.lock().unwrap();
    assert_eq!(ev.len(), 2, "{ev:?}");
    assert!(ev[1].starts_with("reloaded: "), "{ev:?}");
}

/// `with_recheck_interval`: an unchanged file is `stat`ed at most once per interval, so a
/// change shows up to one interval late, never later; a broken version still fails at once.
#[test]
fn a_recheck_interval_delays_a_change_by_at_most_the_interval() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("users");
    std::fs::write(&p, format!("a:{SHA_TEST}\n")).unwrap();
    let interval = Duration::from_millis(300);
    let cache = FileCache::htpasswd(&p, VerifyPolicy::default())
        .unwrap()
        .with_recheck_interval(interval);
    assert!(cache.verify_password("a", &Password::from("test")).unwrap());
    let changed = Instant::now();
    std::fs::write(&p, format!("b:{SHA_TEST}\n")).unwrap();
    // Within the interval the version seen last is used (unless this machine was slow
    // enough for the interval to pass already).
    let seen_new = cache.verify_password("b", &Password::from("test")).unwrap();
    assert!(
        !seen_new || changed.elapsed() >= interval,
        "the change was seen within the interval"
    );
    std::thread::sleep(interval);
    assert!(cache.verify_password("b", &Password::from("test")).unwrap());
    assert!(!cache.verify_password("a", &Password::from("test")).unwrap());
    // A broken version is checked on every lookup once seen, and fails closed.
    std::thread::sleep(interval);
    std::fs::write(&p, "broken\n").unwrap();
    std::thread::sleep(interval);
    for _ in 0..3 {
        assert_eq!(
            cache.verify_password("b", &Password::from("test")),
            Err(httpauth_core::Error::StoreCorrupt)
        );
    }
    // Fixed: served at the next lookup (a failing file is not cached).
    std::fs::write(&p, format!("c:{SHA_TEST}\n")).unwrap();
    assert!(cache.verify_password("c", &Password::from("test")).unwrap());
}

/// Errors at load name file and line too.
#[test]
fn broken_file_at_load_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("users");
    std::fs::write(&p, format!("a:{SHA_TEST}\n:nouser\n")).unwrap();
    let e = FileCache::htpasswd(&p, VerifyPolicy::default()).unwrap_err();
    assert!(
        e.to_string().starts_with(&format!("{}:2: ", p.display())),
        "{e}"
    );
    let e = HtpasswdFile::load(&p).unwrap_err();
    assert!(
        e.to_string().starts_with(&format!("{}:2: ", p.display())),
        "{e}"
    );
}

/// An apr1 line for user `u{i}` (a real hash of "x"; which one does not matter).
fn apr1(i: usize) -> String {
    format!("u{i}:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/\n")
}

/// Issue 13: "the unknown-user decoy imitates only the file's most common hash format, so
/// a lone bcrypt user can be told apart". The selection, not the timing, is tested.
#[test]
fn decoy_is_the_costliest_format_present() {
    // One bcrypt entry (Apache's `htpasswd -nbB -C 5 b pw`) among many apr1.
    let mut text = String::new();
    for i in 0..20 {
        text.push_str(&apr1(i));
    }
    text.push_str("b:$2y$05$oc52NG.ZPxvmBWZ7.rbRHeBuf9A5XXHGuFEUM3/nFwWHC0vn3bw7G\n");
    for i in 20..40 {
        text.push_str(&apr1(i));
    }
    let f = HtpasswdFile::parse(text.as_bytes()).unwrap();
    assert_eq!(
        f.decoy_format(),
        HashFormat::Bcrypt {
            variant: BcryptVariant::Y,
            cost: 5
        }
    );

    // The highest bcrypt cost present wins over a lower one, whatever the order.
    let hi = hash_password(&Password::from("x"), HashAlgorithm::Bcrypt { cost: 6 }).unwrap();
    let text2 = format!("{text}c:{}\n", hi.expose_secret());
    let f = HtpasswdFile::parse(text2.as_bytes()).unwrap();
    assert_eq!(
        f.decoy_format(),
        HashFormat::Bcrypt {
            variant: BcryptVariant::Y,
            cost: 6
        }
    );

    // SHA-crypt: the highest rounds present.
    let mut text3 = String::new();
    for i in 0..10 {
        text3.push_str(&apr1(i));
    }
    for (u, r) in [("s1", 1000u32), ("s2", 200_000), ("s3", 5000)] {
        let h = hash_password(
            &Password::from("x"),
            HashAlgorithm::Sha512Crypt { rounds: Some(r) },
        )
        .unwrap();
        text3.push_str(&format!("{u}:{}\n", h.expose_secret()));
    }
    let f = HtpasswdFile::parse(text3.as_bytes()).unwrap();
    assert_eq!(
        f.decoy_format(),
        HashFormat::Sha512Crypt { rounds: 200_000 }
    );

    // A record the policy refuses costs no work, so it is no decoy: bcrypt above the
    // policy's cap (the default cap is 18) and DES while DES is off.
    let capped = format!(
        "{}{}big:$2y$25$oc52NG.ZPxvmBWZ7.rbRHeBuf9A5XXHGuFEUM3/nFwWHC0vn3bw7G\ndes:8tbmFdNcGtqQs\n",
        apr1(0),
        apr1(1)
    );
    let f = HtpasswdFile::parse(capped.as_bytes()).unwrap();
    assert_eq!(f.decoy_format(), HashFormat::Apr1);
    let f = f.with_policy(VerifyPolicy::apache_compatible());
    assert_eq!(
        f.decoy_format(),
        HashFormat::Bcrypt {
            variant: BcryptVariant::Y,
            cost: 25
        }
    );

    // An edit recomputes the choice.
    let mut f = HtpasswdFile::parse(text.as_bytes()).unwrap();
    f.remove("b").unwrap();
    assert_eq!(f.decoy_format(), HashFormat::Apr1);

    // The ranking behind it.
    let p = VerifyPolicy::default();
    let w = |f: HashFormat| authfile::work_estimate(&f, &p);
    let bcrypt = |cost| HashFormat::Bcrypt {
        variant: BcryptVariant::Y,
        cost,
    };
    assert!(w(bcrypt(5)) > w(HashFormat::Apr1));
    assert!(w(bcrypt(11)) > w(bcrypt(10)));
    assert!(w(HashFormat::Sha256Crypt { rounds: 6000 }) > w(HashFormat::Apr1));
    assert!(w(HashFormat::Apr1) > w(HashFormat::Sha1));
    assert_eq!(w(HashFormat::DesCrypt), 0);
    assert_eq!(w(bcrypt(19)), 0);
}

/// Issue 13: "an 11 KB password costs 130x the CPU of a normal one". Refused before any
/// hash work, for known and unknown users alike.
#[test]
fn overlong_password_is_refused_before_hashing() {
    use sha1::Digest as _;
    let sha = |pw: &[u8]| {
        use base64::Engine as _;
        format!(
            "{{SHA}}{}",
            base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(pw))
        )
    };
    let at_limit = vec![b'a'; MAX_PASSWORD_BYTES];
    let over = vec![b'a'; MAX_PASSWORD_BYTES + 1];
    let huge = vec![b'a'; 11 * 1024];
    let text = format!(
        "limit:{}\nover:{}\nhuge:{}\n",
        sha(&at_limit),
        sha(&over),
        sha(&huge)
    );
    let f = HtpasswdFile::parse(text.as_bytes()).unwrap();
    // The right password, but too long: refused (the old code accepted it).
    assert!(f.verify("limit", &at_limit).unwrap());
    assert!(!f.verify("over", &over).unwrap());
    assert!(!f.verify("huge", &huge).unwrap());
    assert_eq!(f.check("huge", &huge), Verdict::PasswordTooLong);
    assert_eq!(f.check("nobody", &huge), Verdict::PasswordTooLong);
    assert_eq!(
        Verdict::PasswordTooLong.failure_reason(),
        Some(FailureReason::BadCredentials)
    );
    assert!(matches!(
        authfile::verify_hash(&sha(&over), &over, &VerifyPolicy::default()),
        Err(authfile::Error::PasswordTooLong {
            limit: MAX_PASSWORD_BYTES
        })
    ));
    const { assert!(MAX_PASSWORD_BYTES >= authfile::MAX_PASSWORD_LEN) };

    // No hash work: a SHA-512-crypt record with 20 million rounds (about ten seconds per
    // verification; the digest need not be right for the work to be done) answers an
    // over-long password at once, for its user and for an unknown one (the decoy is that
    // record).
    let slow = format!("slow:$6$rounds=20000000$saltsalt${}\n", "A".repeat(86));
    let f = HtpasswdFile::parse(slow.as_bytes())
        .unwrap()
        .with_policy(VerifyPolicy::apache_compatible());
    assert_eq!(
        f.decoy_format(),
        HashFormat::Sha512Crypt { rounds: 20_000_000 }
    );
    for user in ["slow", "unknown"] {
        let t = Instant::now();
        assert!(!f.verify(user, &over).unwrap());
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "{user}: {:?}",
            t.elapsed()
        );
    }
    // Through the core trait as well.
    let t = Instant::now();
    let long = Password::new("b".repeat(MAX_PASSWORD_BYTES + 1));
    assert!(!f.verify_password("slow", &long).unwrap());
    assert!(t.elapsed() < Duration::from_secs(2));
}

/// A DES line made by Apache's `htpasswd -nbd desuser secret12` (apache2-utils 2.4),
/// pinned; `des_entries_from_live_htpasswd` makes a fresh one.
const APACHE_DES_LINE: &str = "desuser:8tbmFdNcGtqQs";

/// The verdict for a DES record on `line` that is not verified: refused by the policy, or,
/// in a build without the cargo feature `des-crypt`, unsupported whatever the policy.
fn des_refused(line: usize) -> Verdict {
    if cfg!(feature = "des-crypt") {
        Verdict::Disallowed {
            format: HashFormat::DesCrypt,
            line,
        }
    } else {
        Verdict::Unsupported {
            format: HashFormat::DesCrypt,
            feature: "des-crypt",
            line,
        }
    }
}

fn check_des_line(line: &str, user: &str, password: &str) {
    let text = format!("# staff\nalice:{SHA_TEST}\n{line}\n");
    // Off by default: a distinct, named refusal (not a mismatch), and a warning at load
    // naming the line.
    let f = HtpasswdFile::parse(text.as_bytes()).unwrap();
    assert!(!f.policy().allow_des);
    assert_eq!(f.check(user, password.as_bytes()), des_refused(3));
    assert_eq!(
        f.check(user, password.as_bytes()).failure_reason(),
        Some(FailureReason::Disallowed)
    );
    assert_eq!(
        f.check(user, b"wrong").failure_reason(),
        Some(FailureReason::Disallowed)
    );
    assert_eq!(
        f.check("alice", b"wrong").failure_reason(),
        Some(FailureReason::BadCredentials)
    );
    assert_eq!(
        f.check("nobody", b"wrong").failure_reason(),
        Some(FailureReason::UnknownUser)
    );
    let warnings = f.policy_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!((warnings[0].line, warnings[0].user.as_str()), (3, user));
    assert!(
        warnings[0].to_string().contains("allow_des"),
        "{}",
        warnings[0]
    );

    // On: accepted, with DES's 8-byte truncation (as Apache); without the cargo feature
    // still unsupported, and still warned about.
    let f = f.with_policy(VerifyPolicy::default().with_des(true));
    if !cfg!(feature = "des-crypt") {
        assert_eq!(f.check(user, password.as_bytes()), des_refused(3));
        assert_eq!(f.policy_warnings().len(), 1);
        return;
    }
    assert_eq!(f.check(user, password.as_bytes()), Verdict::Verified);
    assert_eq!(f.check(user, b"wrong"), Verdict::Mismatch);
    assert!(f.policy_warnings().is_empty());
}

#[test]
fn des_entries_need_the_setting_and_are_warned_about() {
    check_des_line(APACHE_DES_LINE, "desuser", "secret12");
    // DES reads 8 bytes: Apache accepts the longer password too.
    let f = HtpasswdFile::parse(format!("{APACHE_DES_LINE}\n").as_bytes())
        .unwrap()
        .with_policy(VerifyPolicy::default().with_des(true));
    assert_eq!(
        f.verify("desuser", b"secret12-and-more").unwrap(),
        cfg!(feature = "des-crypt")
    );

    // A FileCache reports the warning with file and line, at start and after a reload.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("users");
    std::fs::write(&p, format!("alice:{SHA_TEST}\n{APACHE_DES_LINE}\n")).unwrap();
    let (reporter, events) = collecting_reporter();
    let cache = FileCache::htpasswd(&p, VerifyPolicy::default())
        .unwrap()
        .with_reporter(reporter);
    {
        let ev = events.lock().unwrap();
        assert_eq!(ev.len(), 1, "{ev:?}");
        assert!(
            ev[0].starts_with(&format!("warning: {}:2: user \"desuser\"", p.display())),
            "{ev:?}"
        );
        assert!(ev[0].contains("des-crypt"), "{ev:?}");
    }
    assert_eq!(cache.check("desuser", b"secret12").unwrap(), des_refused(2));
    assert!(
        !cache
            .verify_password("desuser", &Password::from("secret12"))
            .unwrap()
    );
    std::fs::write(
        &p,
        format!("# moved\nalice:{SHA_TEST}\n{APACHE_DES_LINE}\n"),
    )
    .unwrap();
    assert!(
        cache
            .verify_password("alice", &Password::from("test"))
            .unwrap()
    );
    {
        let ev = events.lock().unwrap();
        assert_eq!(ev.len(), 3, "{ev:?}");
        assert!(ev[1].starts_with("reloaded: "), "{ev:?}");
        assert!(
            ev[2].starts_with(&format!("warning: {}:3: ", p.display())),
            "{ev:?}"
        );
    }
    // With the setting on, the same file verifies and warns about nothing (in a build with
    // the cargo feature `des-crypt`; without it, the line stays unsupported and warned).
    let (reporter, events) = collecting_reporter();
    let cache = FileCache::htpasswd(&p, VerifyPolicy::default().with_des(true))
        .unwrap()
        .with_reporter(reporter);
    assert_eq!(
        cache
            .verify_password("desuser", &Password::from("secret12"))
            .unwrap(),
        cfg!(feature = "des-crypt")
    );
    assert_eq!(
        events.lock().unwrap().is_empty(),
        cfg!(feature = "des-crypt")
    );
}

#[test]
fn des_entries_from_live_htpasswd() {
    if !httpauth_test_kit::require_peer("htpasswd") {
        return;
    }
    let out = Command::new("htpasswd")
        .args(["-nbd", "liveuser", "Pa55word"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().next().unwrap();
    assert_eq!(
        HashFormat::detect(line.split_once(':').unwrap().1),
        HashFormat::DesCrypt,
        "{line}"
    );
    check_des_line(line, "liveuser", "Pa55word");
}

/// What a check costs before it is done: per record format and password length, the decoy
/// for unknown users, nothing for a password refused by length (a server decides from it
/// where to run the check).
#[test]
fn verify_estimates_follow_format_length_and_decoy() {
    let p = VerifyPolicy::default();
    let apr1 = |len| authfile::work_estimate_for_password(&HashFormat::Apr1, &p, len);
    // One MD5 block a round up to 15 bytes, two up to 47, then three.
    assert_eq!(apr1(0), apr1(8));
    assert_eq!(apr1(15), apr1(8));
    assert_eq!(apr1(16), 2 * apr1(8));
    assert_eq!(apr1(47), 2 * apr1(8));
    assert_eq!(apr1(48), 3 * apr1(8));
    let bcrypt = HashFormat::Bcrypt {
        variant: BcryptVariant::Y,
        cost: 5,
    };
    assert_eq!(
        authfile::work_estimate_for_password(&bcrypt, &p, 70),
        authfile::work_estimate(&bcrypt, &p),
        "bcrypt reads at most 72 bytes"
    );

    let pw = Password::from("secret");
    let line = |user: &str, alg| {
        format!(
            "{user}:{}\n",
            hash_password(&pw, alg).unwrap().expose_secret()
        )
    };
    let text = line("a", HashAlgorithm::Apr1) + &line("b", HashAlgorithm::Bcrypt { cost: 5 });
    let f = HtpasswdFile::parse(text.as_bytes()).unwrap();
    let ns = |d: Duration| d.as_nanos() as u64;
    assert_eq!(ns(f.verify_estimate("a", 6)), apr1(6));
    assert_eq!(
        ns(f.verify_estimate("b", 6)),
        authfile::work_estimate(&bcrypt, &p)
    );
    // An unknown user costs the decoy: the file's costliest hash.
    assert_eq!(f.verify_estimate("nobody", 6), f.verify_estimate("b", 6));
    assert_eq!(
        f.verify_estimate("a", MAX_PASSWORD_BYTES + 1),
        Duration::ZERO
    );
    // Through the trait, as BasicScheme asks.
    assert_eq!(
        PasswordVerifier::verify_estimate(&f, "a", 6),
        Some(f.verify_estimate("a", 6))
    );
}
