//! The password-file tools (`rs-htpasswd`, `rs-htdigest`, `rs-htgroup`, `rs-htmutual`, over
//! `authfile`), in-process (scripted prompt, buffers) and as processes. Moved here from
//! `crates/authfile/tests/cli.rs` with the tools (issue 17).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failure

use authfile::{DeriveError, HtmutualFile, MutualKey, Password, SecretBytes, VerifierDeriver};
use httpauth_tools::htfiles::{self as cli, Io, exit};
use sha2::{Digest, Sha256};
use std::process::{Command, Stdio};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_tool(
    tool: impl FnOnce(&[String], &mut Io<'_>) -> i32,
    args: &[&str],
    stdin: &str,
    prompts: &[&str],
) -> Out {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut input = stdin.as_bytes();
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut answers = prompts.iter().map(|s| s.to_string());
    let mut prompt = |_: &str| {
        answers
            .next()
            .ok_or_else(|| std::io::Error::other("no tty"))
    };
    let mut io = Io {
        stdin: &mut input,
        stdout: &mut stdout,
        stderr: &mut stderr,
        prompt: &mut prompt,
    };
    let code = tool(&args, &mut io);
    Out {
        code,
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn htpasswd(args: &[&str], stdin: &str, prompts: &[&str]) -> Out {
    run_tool(cli::htpasswd::run, args, stdin, prompts)
}

/// `-v` reads DES crypt lines, as Apache's htpasswd does (authfile's `des-crypt`, which
/// this crate switches on); `-d` still refuses to write them (above).
#[test]
fn htpasswd_verifies_des_lines() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("users");
    // Made by Apache's `htpasswd -nbd desuser secret12` (pinned in authfile's tests).
    std::fs::write(&f, "desuser:8tbmFdNcGtqQs\n").unwrap();
    let fs = f.to_str().unwrap();
    let o = htpasswd(&["-vb", fs, "desuser", "secret12"], "", &[]);
    assert_eq!(o.code, exit::OK, "{}", o.stderr);
    assert!(o.stderr.contains("correct"), "{}", o.stderr);
    let o = htpasswd(&["-vb", fs, "desuser", "secret13"], "", &[]);
    assert_eq!(o.code, exit::PWMISMATCH, "{}", o.stderr);
}

#[test]
fn htpasswd_prompt_stdin_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("p");
    let fs = f.to_str().unwrap();
    // Missing file without -c.
    let o = htpasswd(&["-b", fs, "u", "p"], "", &[]);
    assert_eq!(o.code, exit::FILEPERM);
    assert!(o.stderr.contains("use '-c' to create it"), "{}", o.stderr);
    // Prompt mismatch: nothing is written.
    let o = htpasswd(&["-c", fs, "u"], "", &["a", "b"]);
    assert_eq!(o.code, exit::PWMISMATCH);
    assert!(!f.exists());
    // Prompt twice, matching.
    let o = htpasswd(&["-c", "-C", "4", fs, "u"], "", &["secret", "secret"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("Adding password for user u"));
    // -i reads one line, CRLF stripped.
    let o = htpasswd(&["-i2", fs, "w"], "from stdin\r\nignored\n", &[]);
    assert_eq!(o.code, 0);
    assert_eq!(htpasswd(&["-vb", fs, "w", "from stdin"], "", &[]).code, 0);
    assert_eq!(htpasswd(&["-v", fs, "u"], "", &["secret"]).code, 0);
    assert_eq!(
        htpasswd(&["-v", fs, "u"], "", &["wrong"]).code,
        exit::PWMISMATCH
    );
    assert_eq!(
        htpasswd(&["-vb", fs, "nobody", "x"], "", &[]).code,
        exit::BADUSER
    );
    // Names.
    assert_eq!(htpasswd(&["-nb", "a:b", "x"], "", &[]).code, exit::BADUSER);
    assert_eq!(htpasswd(&["-nb", "", "x"], "", &[]).code, exit::BADUSER);
    assert_eq!(
        htpasswd(&["-nb", &"x".repeat(256), "x"], "", &[]).code,
        exit::OVERFLOW
    );
    assert_eq!(
        htpasswd(&["-nb", "u", &"x".repeat(256)], "", &[]).code,
        exit::OVERFLOW
    );
    // Syntax.
    assert_eq!(htpasswd(&[], "", &[]).code, exit::SYNTAX);
    assert_eq!(htpasswd(&["-cn", fs, "u"], "", &[]).code, exit::SYNTAX);
    assert_eq!(htpasswd(&["-x", fs, "u"], "", &[]).code, exit::SYNTAX);
    assert_eq!(
        htpasswd(&["-nbB", "-C", "3", "u", "p"], "", &[]).code,
        exit::SYNTAX
    );
    assert_eq!(
        htpasswd(&["-nbB", "-C", "x", "u", "p"], "", &[]).code,
        exit::SYNTAX
    );
    assert_eq!(
        htpasswd(&["-nb5", "-r", "999", "u", "p"], "", &[]).code,
        exit::SYNTAX
    );
    assert_eq!(
        htpasswd(&["-nbd", "u", "p"], "", &[]).code,
        exit::ALG_NOT_SUPP
    );
    // -n prints one record.
    let o = htpasswd(&["-nbs", "myName", "myPassword"], "", &[]);
    assert_eq!(o.stdout, "myName:{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE=\n");
    assert!(o.stderr.contains("visible to other users"));
    // -D, including a missing user (deliberately non-zero).
    assert_eq!(htpasswd(&["-D", fs, "w"], "", &[]).code, 0);
    assert_eq!(htpasswd(&["-D", fs, "w"], "", &[]).code, exit::BADUSER);
    // A corrupt file names the file and line and is not touched.
    std::fs::write(&f, "ok:{SHA}x\nbroken line\n").unwrap();
    let o = htpasswd(&["-b", fs, "n", "p"], "", &[]);
    assert_eq!(o.code, exit::INVALID);
    assert!(o.stderr.contains(&format!("{fs}:2:")), "{}", o.stderr);
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        "ok:{SHA}x\nbroken line\n"
    );
    // A failed write is a non-zero exit (the parent is not a directory).
    let bad = f.join("sub");
    let o = htpasswd(&["-cb", bad.to_str().unwrap(), "u", "p"], "", &[]);
    assert_eq!(o.code, exit::FILEPERM);
}

#[test]
fn htpasswd_keeps_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("p");
    std::fs::write(&f, "a:{SHA}x\n").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert_eq!(
        htpasswd(&["-bs", f.to_str().unwrap(), "b", "p"], "", &[]).code,
        0
    );
    let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o640);
}

#[test]
fn htdigest_truncates_with_c_and_refuses_bad_names() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("d");
    let fs = f.to_str().unwrap();
    std::fs::write(&f, "old:realm:0123456789abcdef0123456789abcdef\nplus a long tail that Apache's htdigest -c would leave behind\n").unwrap();
    let o = run_tool(
        cli::htdigest::run,
        &["-c", fs, "testrealm@host.com", "Mufasa"],
        "",
        &["Circle Of Life", "Circle Of Life"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        "Mufasa:testrealm@host.com:939e7578ed9e3c518a452acee763bce9\n"
    );
    let o = run_tool(
        cli::htdigest::run,
        &["-b2u", fs, "testrealm@host.com", "Mufasa", "Circle Of Life"],
        "",
        &[],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let text = std::fs::read_to_string(&f).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert_eq!(text.lines().nth(1).unwrap().split(':').count(), 4);
    // Mismatch, bad names, delete.
    let o = run_tool(cli::htdigest::run, &[fs, "r", "u"], "", &["a", "b"]);
    assert_eq!(
        (o.code, o.stderr.contains("They don't match, sorry.")),
        (1, true)
    );
    assert_eq!(
        run_tool(cli::htdigest::run, &["-b", fs, "r", "a:b", "p"], "", &[]).code,
        1
    );
    assert_eq!(
        run_tool(cli::htdigest::run, &["-b", fs, "r:x", "u", "p"], "", &[]).code,
        1
    );
    assert_eq!(
        run_tool(
            cli::htdigest::run,
            &["-b", fs, "r", &"u".repeat(300), "p"],
            "",
            &[]
        )
        .code,
        1
    );
    assert_eq!(
        run_tool(
            cli::htdigest::run,
            &["-D", "-2", fs, "testrealm@host.com", "Mufasa"],
            "",
            &[]
        )
        .code,
        0
    );
    assert_eq!(std::fs::read_to_string(&f).unwrap().lines().count(), 1);
    assert_eq!(
        run_tool(
            cli::htdigest::run,
            &["-D", fs, "testrealm@host.com", "nobody"],
            "",
            &[]
        )
        .code,
        1
    );
    assert_eq!(run_tool(cli::htdigest::run, &[], "", &[]).code, 1);
}

#[test]
fn htgroup_edits() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("g");
    let fs = f.to_str().unwrap();
    let g = |args: &[&str]| run_tool(cli::htgroup::run, args, "", &[]);
    assert_eq!(g(&["-c", fs, "add", "admin", "alice", "bob smith"]).code, 0);
    assert_eq!(g(&[fs, "add", "staff", "carol"]).code, 0);
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        "admin: alice \"bob smith\"\nstaff: carol\n"
    );
    assert_eq!(g(&[fs, "check", "bob smith", "admin"]).code, 0);
    assert_eq!(g(&[fs, "check", "carol", "admin"]).code, 3);
    assert_eq!(g(&[fs, "list", "admin"]).stdout, "alice\nbob smith\n");
    assert_eq!(g(&[fs, "groups", "carol"]).stdout, "staff\n");
    assert_eq!(g(&[fs, "remove", "admin", "alice"]).code, 0);
    assert_eq!(g(&[fs, "remove", "admin", "alice"]).code, 3);
    assert_eq!(g(&[fs, "purge", "carol"]).code, 0);
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        "admin: \"bob smith\"\n"
    );
    assert_eq!(g(&[fs, "delete", "admin"]).code, 0);
    assert_eq!(g(&[fs, "add", "bad:group", "x"]).code, 6);
    assert_eq!(g(&[fs, "frobnicate"]).code, 2);
}

/// A stand-in for mutual-core in tests: J = SHA-256 over the inputs. Not the RFC 8121
/// computation; it only exercises the file and tool plumbing.
struct TestDeriver;

impl VerifierDeriver for TestDeriver {
    fn algorithms(&self) -> Vec<String> {
        vec![
            "iso-kam3-dl-2048-sha256".into(),
            "iso-kam3-ec-p256-sha256".into(),
        ]
    }
    fn derive(
        &self,
        a: &str,
        s: &str,
        r: &str,
        u: &str,
        p: &Password,
    ) -> Result<SecretBytes, DeriveError> {
        if !self.algorithms().iter().any(|x| x == a) {
            return Err("unsupported".into());
        }
        let mut h = Sha256::new();
        for part in [
            a.as_bytes(),
            s.as_bytes(),
            r.as_bytes(),
            u.as_bytes(),
            p.as_bytes(),
        ] {
            h.update((part.len() as u32).to_be_bytes());
            h.update(part);
        }
        Ok(SecretBytes::new(h.finalize().to_vec()))
    }
}

fn htmutual(args: &[&str], prompts: &[&str]) -> Out {
    run_tool(
        |a, io| cli::htmutual::run(a, io, &TestDeriver),
        args,
        "",
        prompts,
    )
}

#[test]
fn htmutual_with_injected_deriver() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("m");
    let fs = f.to_str().unwrap();
    let alg = "iso-kam3-dl-2048-sha256";
    let scope = "https://example.com:8443";
    let o = htmutual(&[], &[]);
    assert_eq!(o.code, exit::SYNTAX);
    assert!(
        o.stderr.contains("iso-kam3-ec-p256-sha256"),
        "lists algorithms"
    );
    let o = htmutual(
        &["-c", fs, alg, scope, "realm: with colon", "jürgen"],
        &["pw", "pw"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        htmutual(&["-b", fs, alg, scope, "r2", "bob", "pw2"], &[]).code,
        0
    );
    assert_eq!(
        htmutual(
            &["-v", fs, alg, scope, "realm: with colon", "jürgen"],
            &["pw"]
        )
        .code,
        0
    );
    assert_eq!(
        htmutual(
            &["-v", fs, alg, scope, "realm: with colon", "jürgen"],
            &["no"]
        )
        .code,
        exit::PWMISMATCH
    );
    assert_eq!(
        htmutual(&["-vb", fs, alg, scope, "other", "jürgen", "pw"], &[]).code,
        exit::BADUSER
    );
    assert_eq!(
        htmutual(&["-b", fs, "nope-alg", scope, "r", "u", "p"], &[]).code,
        exit::ALG_NOT_SUPP
    );
    let o = htmutual(&["-nb", alg, scope, "r", "u", "p"], &[]);
    assert!(
        o.stdout
            .starts_with("u:v1:iso-kam3-dl-2048-sha256:https%3A//example.com%3A8443:r:")
    );
    let file = HtmutualFile::load(&f).unwrap();
    let key = MutualKey {
        user: "jürgen".into(),
        algorithm: alg.into(),
        auth_scope: scope.into(),
        realm: "realm: with colon".into(),
    };
    let expected = TestDeriver
        .derive(
            alg,
            scope,
            "realm: with colon",
            "jürgen",
            &Password::from("pw"),
        )
        .unwrap();
    assert_eq!(
        file.verifier(&key).unwrap().expose_secret(),
        expected.expose_secret()
    );
    assert_eq!(htmutual(&["-D", fs, alg, scope, "r2", "bob"], &[]).code, 0);
    assert_eq!(
        htmutual(&["-D", fs, alg, scope, "r2", "bob"], &[]).code,
        exit::BADUSER
    );
    assert_eq!(HtmutualFile::load(&f).unwrap().len(), 1);
}

#[test]
fn binaries_run_as_processes() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("p");
    let out = Command::new(env!("CARGO_BIN_EXE_rs-htpasswd"))
        .args(["-ci"])
        .arg(&f)
        .arg("alice")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b"s3cret\n")?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v = Command::new(env!("CARGO_BIN_EXE_rs-htpasswd"))
        .args(["-vb"])
        .arg(&f)
        .args(["alice", "s3cret"])
        .output()
        .unwrap();
    assert_eq!(v.status.code(), Some(0));
    let g = Command::new(env!("CARGO_BIN_EXE_rs-htgroup"))
        .output()
        .unwrap();
    assert_eq!(g.status.code(), Some(2));
    let d = Command::new(env!("CARGO_BIN_EXE_rs-htdigest"))
        .output()
        .unwrap();
    assert_eq!(d.status.code(), Some(1));
}

/// The real binary, J computed by mutual-core, checked against
/// `mutual_core::derive_verifier` directly.
#[test]
fn rs_htmutual_binary_matches_mutual_core() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("m");
    let bin = env!("CARGO_BIN_EXE_rs-htmutual");
    let (alg, scope, realm) = (
        "iso-kam3-dl-2048-sha256",
        "https://example.com:8443",
        "a:realm",
    );
    let out = Command::new(bin)
        .arg("-cb")
        .arg(&f)
        .args([alg, scope, realm, "alice", "s3cret"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let wire = mutual_core::derive_verifier(alg, scope, realm, "alice", "s3cret").unwrap();
    let a = mutual_core::algorithm_by_token(alg).unwrap();
    let j = a.wire_encoding().decode(&wire, a.element_len()).unwrap();
    let key = MutualKey {
        user: "alice".into(),
        algorithm: alg.into(),
        auth_scope: scope.into(),
        realm: realm.into(),
    };
    let file = HtmutualFile::load(&f).unwrap();
    assert_eq!(file.verifier(&key).unwrap().expose_secret(), &j[..]);
    let v = Command::new(bin)
        .arg("-vb")
        .arg(&f)
        .args([alg, scope, realm, "alice", "s3cret"])
        .output()
        .unwrap();
    assert_eq!(v.status.code(), Some(0));
}

/// Issue 14: `rs-htmutual` canonicalises the auth-scope (RFC 8120 section 5): J is derived
/// for, stored under and found by the canonical form, whatever spelling was typed.
#[test]
fn htmutual_canonicalises_the_auth_scope() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("m");
    let fs = f.to_str().unwrap();
    let alg = "iso-kam3-ec-p256-sha256";
    let o = htmutual(
        &[
            "-cb",
            fs,
            alg,
            "HTTPS://Example.com:443/",
            "r",
            "alice",
            "pw",
        ],
        &[],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr.contains("canonical form https://example.com"),
        "{}",
        o.stderr
    );
    let text = std::fs::read_to_string(&f).unwrap();
    assert!(
        text.starts_with("alice:v1:iso-kam3-ec-p256-sha256:https%3A//example.com:r:"),
        "{text}"
    );
    // J was derived for the canonical scope.
    let expected = TestDeriver
        .derive(
            alg,
            "https://example.com",
            "r",
            "alice",
            &Password::from("pw"),
        )
        .unwrap();
    let file = HtmutualFile::load(&f).unwrap();
    let key = MutualKey::new("alice", alg, "https://example.com", "r").unwrap();
    assert_eq!(
        file.verifier(&key).unwrap().expose_secret(),
        expected.expose_secret()
    );
    // Every spelling verifies, updates (no second record) and deletes the same record.
    for s in ["https://example.com", "https://example.com:443"] {
        assert_eq!(
            htmutual(&["-vb", fs, alg, s, "r", "alice", "pw"], &[]).code,
            0,
            "{s}"
        );
    }
    let o = htmutual(
        &["-b", fs, alg, "https://EXAMPLE.com", "r", "alice", "pw2"],
        &[],
    );
    assert!(o.stderr.contains("Updating"), "{}", o.stderr);
    assert_eq!(HtmutualFile::load(&f).unwrap().len(), 1);
    // The default (single-host) scope is another scope: no record for it.
    assert_eq!(
        htmutual(&["-vb", fs, alg, "example.com", "r", "alice", "pw2"], &[]).code,
        exit::BADUSER
    );
    // Something that is no auth-scope: refused before anything is written.
    let o = htmutual(&["-b", fs, alg, "example.com:443", "r", "bob", "pw"], &[]);
    assert_eq!(o.code, exit::BADUSER, "{}", o.stderr);
    assert!(o.stderr.contains("auth-scope"), "{}", o.stderr);
    assert_eq!(
        htmutual(
            &["-D", fs, alg, "https://example.com:443/", "r", "alice"],
            &[]
        )
        .code,
        0
    );
    assert!(HtmutualFile::load(&f).unwrap().is_empty());
    // --help names the default form first and no longer suggests ":443".
    let o = htmutual(&[], &[]);
    assert!(o.stderr.contains("\texample.com "), "{}", o.stderr);
    assert!(!o.stderr.contains("e.g. https://example.com:443"));
}

/// Issue 14, end to end with mutual-core: a record added with `rs-htmutual` as
/// `https://example.com:443` (the form the old `--help` suggested) authenticates a request
/// to https://example.com/ at a `MutualServer` announcing the single-server scope, and a
/// record added as `Example.COM` one at a server with the default single-host scope.
#[test]
fn htmutual_records_authenticate_at_mutual_server() {
    use httpauth_core::{AuthScheme, Outcome, RequestContext, TlsInfo};
    use mutual_core::client::{MutualClient, Next, RequestTarget, Response, Status};
    use mutual_core::scope::{Origin, ScopeKind};
    use mutual_core::server::{MutualServer, ServerConfig};
    use std::sync::Arc;

    fn login(
        server: &MutualServer,
        client: &mut MutualClient,
        target: RequestTarget,
        request: &RequestContext<'_>,
    ) -> Status {
        let (mut seq, mut creds) = client.start(target).unwrap();
        for _ in 0..6 {
            let (status, challenges, info) = match &creds {
                None => (401, server.challenges(request), None),
                Some(c) => match server.authenticate(request, c) {
                    Outcome::Continue { challenges } => (401, challenges, None),
                    Outcome::Authenticated { info, .. } => (200, vec![], Some(info)),
                    Outcome::Failed(f) => (f.http_status(false), f.challenges().to_vec(), None),
                    o => panic!("{o:?}"),
                },
            };
            let response = Response {
                status,
                challenges: &challenges,
                optional_challenges: &[],
                authentication_info: info.as_ref(),
            };
            match client.on_response(&mut seq, &response).unwrap() {
                Next::Send(c) => creds = Some(c),
                Next::Done(s) => return s,
                n => panic!("{n:?}"),
            }
        }
        panic!("no end");
    }

    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("m");
    let fs = f.to_str().unwrap();
    let alg = "iso-kam3-ec-p256-sha256";
    let realm = "Wonderland";
    let run = |args: &[&str]| {
        run_tool(
            |a, io| cli::htmutual::run(a, io, &httpauth::MutualCoreDeriver),
            args,
            "",
            &[],
        )
    };
    let o = run(&[
        "-cb",
        fs,
        alg,
        "https://example.com:443",
        realm,
        "alice",
        "tea",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = run(&["-b", fs, alg, "Example.COM", realm, "bob", "cake"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let file = Arc::new(HtmutualFile::load(&f).unwrap());

    // https://example.com/ with a single-server scope (over https the client insists on
    // tls-server-end-point, RFC 8120 section 7: a stand-in certificate hash).
    let cert_hash = vec![7u8; 32];
    let mut tls = TlsInfo::default();
    tls.channel_bindings.tls_server_end_point = Some(cert_hash.clone());
    let request = RequestContext::new("GET", "/", "https", "example.com").with_tls(&tls);
    let target = || {
        RequestTarget::new(Origin::new("https", "example.com", 443).unwrap(), "/")
            .with_tls_server_end_point(cert_hash.clone())
    };
    let server = MutualServer::new(
        ServerConfig::new(realm).with_scope(ScopeKind::SingleServer),
        file.clone(),
    );
    let mut client = MutualClient::new();
    client.add_login(realm, None, "alice", Password::from("tea"));
    let s = login(&server, &mut client, target(), &request);
    assert!(matches!(s, Status::AuthSucceeded { .. }), "{s:?}");
    // bob's record is for the host scope: not valid here.
    let mut bob = MutualClient::new();
    bob.add_login(realm, None, "bob", Password::from("cake"));
    let s = login(&server, &mut bob, target(), &request);
    assert!(
        matches!(s, Status::AuthRequired { failed: true, .. }),
        "{s:?}"
    );

    // The default server (single-host scope `example.com`): bob, not alice.
    let server = MutualServer::new(ServerConfig::new(realm), file);
    // (A fresh client: after a failure the client does not retry a password by itself,
    // RFC 8120 section 10.)
    let mut bob = MutualClient::new();
    bob.add_login(realm, None, "bob", Password::from("cake"));
    let s = login(&server, &mut bob, target(), &request);
    assert!(matches!(s, Status::AuthSucceeded { .. }), "{s:?}");
    let mut alice = MutualClient::new();
    alice.add_login(realm, None, "alice", Password::from("tea"));
    let s = login(&server, &mut alice, target(), &request);
    assert!(
        matches!(s, Status::AuthRequired { failed: true, .. }),
        "{s:?}"
    );
}
