//! Many `rs-htpasswd` processes add and update different users in one file at once:
//! nothing is lost and every version of the file a reader sees parses. (Moved here from
//! `crates/authfile/tests/concurrency.rs` with the tool, issue 17.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use authfile::{HtpasswdFile, VerifyPolicy};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const WRITERS: usize = 24;

#[test]
fn concurrent_writers_lose_nothing_and_readers_always_parse() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("users");
    // Existing users, to be updated concurrently with the additions.
    std::fs::write(
        &file,
        "# shared file\r\nold0:{SHA}x\r\nold1:{SHA}x\r\nold2:{SHA}x\r\n",
    )
    .unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = Arc::clone(&stop);
        let file = file.clone();
        std::thread::spawn(move || {
            let mut reads = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let bytes = std::fs::read(&file).unwrap();
                let f = HtpasswdFile::parse(&bytes).expect("every version parses");
                assert!(f.len() >= 3);
                reads += 1;
            }
            reads
        })
    };

    let bin = env!("CARGO_BIN_EXE_rs-htpasswd");
    let children: Vec<_> = (0..WRITERS)
        .map(|i| {
            let (flag, user) = if i < 3 {
                ("-bs".to_owned(), format!("old{i}"))
            } else if i % 2 == 0 {
                ("-bs".to_owned(), format!("user{i}"))
            } else {
                ("-bm".to_owned(), format!("user{i}"))
            };
            Command::new(bin)
                .arg(flag)
                .arg(&file)
                .arg(&user)
                .arg(format!("pw{i}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    stop.store(true, Ordering::Relaxed);
    let reads = reader.join().unwrap();
    assert!(reads > 0);

    let f = HtpasswdFile::load(&file)
        .unwrap()
        .with_policy(VerifyPolicy::default());
    assert_eq!(f.len(), WRITERS, "every user is present exactly once");
    for i in 0..WRITERS {
        let user = if i < 3 {
            format!("old{i}")
        } else {
            format!("user{i}")
        };
        assert!(
            f.verify(&user, format!("pw{i}").as_bytes()).unwrap(),
            "{user}"
        );
    }
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("# shared file\r\n"));
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "CRLF kept on every line"
    );
    // No temporary files left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1);
}
