//! Every corpus entry of every fuzz target, through the target's own body (see the
//! crate docs). Runs in well under a second: the corpora are small seeds.
// The targets' bodies are fuzz harnesses: they assert by panicking. They are the fuzz
// workspace's code, which CI builds but does not lint with clippy; these style lints fire
// there and are left to that workspace.
#![allow(
    missing_docs,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::manual_is_multiple_of,
    clippy::if_same_then_else,
    clippy::collapsible_if
)]

use fuzz_replay::{replay, targets};

#[path = "../../../fuzz/targets/authfile_parse_group.rs"]
mod authfile_parse_group;
#[path = "../../../fuzz/targets/authfile_parse_htdigest.rs"]
mod authfile_parse_htdigest;
#[path = "../../../fuzz/targets/authfile_parse_htmutual.rs"]
mod authfile_parse_htmutual;
#[path = "../../../fuzz/targets/authfile_parse_htpasswd.rs"]
mod authfile_parse_htpasswd;
#[path = "../../../fuzz/targets/cert_policy_eval.rs"]
mod cert_policy_eval;
#[path = "../../../fuzz/targets/cert_policy_parse_expr.rs"]
mod cert_policy_parse_expr;
#[path = "../../../fuzz/targets/client_exchange.rs"]
mod client_exchange;
#[path = "../../../fuzz/targets/demo_config.rs"]
mod demo_config;
#[path = "../../../fuzz/targets/digest_client_respond.rs"]
mod digest_client_respond;
#[path = "../../../fuzz/targets/digest_verify_response.rs"]
mod digest_verify_response;
#[path = "../../../fuzz/targets/headers_parse_auth_control.rs"]
mod headers_parse_auth_control;
#[path = "../../../fuzz/targets/headers_parse_authentication_info.rs"]
mod headers_parse_authentication_info;
#[path = "../../../fuzz/targets/headers_parse_authorization.rs"]
mod headers_parse_authorization;
#[path = "../../../fuzz/targets/headers_parse_www_authenticate.rs"]
mod headers_parse_www_authenticate;
#[path = "../../../fuzz/targets/mutual_client_step.rs"]
mod mutual_client_step;
#[path = "../../../fuzz/targets/mutual_parse_messages.rs"]
mod mutual_parse_messages;
#[path = "../../../fuzz/targets/mutual_server_step.rs"]
mod mutual_server_step;
#[path = "../../../fuzz/targets/path_normalize.rs"]
mod path_normalize;

/// A target's name and body.
type Target = (&'static str, fn(&[u8]));

/// The targets replayed below, in the order of `fuzz/targets/`.
const REPLAYED: &[Target] = &[
    ("authfile_parse_group", authfile_parse_group::run),
    ("authfile_parse_htdigest", authfile_parse_htdigest::run),
    ("authfile_parse_htmutual", authfile_parse_htmutual::run),
    ("authfile_parse_htpasswd", authfile_parse_htpasswd::run),
    ("cert_policy_eval", cert_policy_eval::run),
    ("cert_policy_parse_expr", cert_policy_parse_expr::run),
    ("client_exchange", client_exchange::run),
    ("demo_config", demo_config::run),
    ("digest_client_respond", digest_client_respond::run),
    ("digest_verify_response", digest_verify_response::run),
    (
        "headers_parse_auth_control",
        headers_parse_auth_control::run,
    ),
    (
        "headers_parse_authentication_info",
        headers_parse_authentication_info::run,
    ),
    (
        "headers_parse_authorization",
        headers_parse_authorization::run,
    ),
    (
        "headers_parse_www_authenticate",
        headers_parse_www_authenticate::run,
    ),
    ("mutual_client_step", mutual_client_step::run),
    ("mutual_parse_messages", mutual_parse_messages::run),
    ("mutual_server_step", mutual_server_step::run),
    ("path_normalize", path_normalize::run),
];

/// A new target (or a removed one) must be listed here too, or its corpus would go
/// unreplayed.
#[test]
fn every_target_is_replayed() {
    let listed: Vec<&str> = REPLAYED.iter().map(|(n, _)| *n).collect();
    assert_eq!(targets(), listed);
}

#[test]
fn every_corpus_entry_passes_its_target() {
    for (name, run) in REPLAYED {
        let n = replay(name, *run);
        assert!(n > 0, "fuzz/corpus/{name}/ is empty");
        eprintln!("{name}: {n} corpus entries");
    }
}
