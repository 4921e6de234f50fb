//! Every command the demo prints at startup announces its answer (`# expect 403: ...`), and
//! gets it: the curl commands are run as printed (with curl's status output added), the
//! client commands through the built `httpauth-client` binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Server, client, curl};
use httpauth_test_kit::require_peer;

/// `(expected status, reason, command words)` for every announced command.
fn announced(banner: &str) -> Vec<(u16, String, Vec<String>)> {
    let mut out = Vec::new();
    let mut lines = banner.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("# expect ") else {
            continue;
        };
        let (code, why) = rest.split_once(": ").expect("`# expect N: why`");
        let cmd = lines.next().expect("a command after `# expect`");
        let words = cmd
            .split_whitespace()
            .map(|w| w.trim_matches('\'').to_owned())
            .collect();
        out.push((code.parse().expect("a status"), why.to_owned(), words));
    }
    out
}

#[test]
fn every_printed_command_gets_its_announced_answer() {
    if !require_peer("curl") {
        return;
    }
    let s = Server::start(None);
    let cmds = announced(&s.banner);
    // Every location has at least one announced command, and the banner shows a 403 with
    // its reason and the Satisfy-all command with certificate and password together.
    assert!(cmds.len() >= 20, "{}", s.banner);
    assert!(
        cmds.iter()
            .any(|(c, why, _)| *c == 403 && why.contains("OU=Sales")),
        "{}",
        s.banner
    );
    assert!(
        cmds.iter().any(|(c, why, w)| *c == 200
            && why.contains("Satisfy all")
            && w.iter().any(|x| x == "--cert")
            && w.iter().any(|x| x == "-u")),
        "{}",
        s.banner
    );
    let mut checked = 0;
    for (code, why, words) in &cmds {
        if words[0] == "curl" {
            let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
            let (got, body) = curl(&args);
            assert_eq!(got, *code, "{} (announced: {why})\n{body}", words.join(" "));
        } else {
            // `cargo run -p httpauth-demo --bin httpauth-client -- ARGS`: the built binary.
            let sep = words
                .iter()
                .position(|w| w == "--")
                .expect("cargo run ... --");
            let args: Vec<&str> = words[sep + 1..].iter().map(String::as_str).collect();
            let (exit, out, err) = client(&args);
            assert_eq!(
                *code,
                200,
                "client commands announce success: {}",
                words.join(" ")
            );
            assert_eq!(
                exit,
                0,
                "{} (announced: {why})\n{out}\n{err}",
                words.join(" ")
            );
        }
        checked += 1;
    }
    assert_eq!(checked, cmds.len());
}

/// A site's own configuration (no `demo_setup`): the banner suggests no demo password and
/// predicts no answer, since the users are not the demo's.
#[test]
fn a_custom_configuration_gets_no_demo_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users");
    std::fs::write(&users, "carol:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n").unwrap();
    let config = format!(
        "[[location]]\npath = \"/files\"\ntitle = \"Files\"\nschemes = [\"Basic\"]\nrealm = \"site\"\nuser_file = {:?}\nrequire = [\"valid-user\"]\n",
        users.display().to_string()
    );
    let s = Server::start_in(dir, Some(&config));
    assert!(!s.banner.contains("wonderland"), "{}", s.banner);
    assert!(!s.banner.contains("# expect"), "{}", s.banner);
    assert!(
        s.banner.lines().any(|l| l.starts_with("curl ")
            && l.contains("-u USER:PASSWORD")
            && l.ends_with("/files")),
        "{}",
        s.banner
    );
}
