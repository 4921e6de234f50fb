//! Fuzz evaluation: arbitrary expressions over a fixed certificate (alice, with chain,
//! server certificate and request variables). No panic, no hang; file system and
//! environment access stay disabled.
//!
//! The body of fuzz target `cert_policy_eval`: `fuzz_targets/cert_policy_eval.rs` calls [`run`], and
//! so does the corpus replay test of the root workspace (`crates/fuzz-replay`).

use cert_policy::{Context, Dialect, Expr, PeerVerification, Request, TlsInfo, TlsVars};
use std::sync::OnceLock;

static ALICE: &[u8] = include_bytes!("../../crates/cert-policy/tests/data/alice.der");
static UTF8: &[u8] = include_bytes!("../../crates/cert-policy/tests/data/utf8.der");

fn tls() -> &'static TlsInfo {
    static TLS: OnceLock<TlsInfo> = OnceLock::new();
    TLS.get_or_init(|| {
        let mut t = TlsInfo::default();
        t.peer_certificates = vec![ALICE.to_vec(), UTF8.to_vec()];
        t.server_certificates = vec![UTF8.to_vec()];
        t.peer_verification = PeerVerification::Success;
        t.protocol = Some("TLSv1.3".into());
        t
    })
}

/// One input of the fuzz target (and of the corpus replay test).
pub fn run(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let Ok(vars) = TlsVars::new(tls()) else {
        return;
    };
    let headers = [("Host", "example.org"), ("X-Test", "hello")];
    let mut req = Request::default();
    req.method = "GET";
    req.uri = "/x";
    req.remote_addr = Some(
        "127.0.0.1"
            .parse()
            .unwrap_or(std::net::Ipv4Addr::LOCALHOST.into()),
    );
    req.headers = &headers;
    let ctx = Context::new(Some(&vars)).with_request(req);
    for d in [Dialect::RequireExpr, Dialect::SslRequire] {
        if let Ok(e) = Expr::parse(text, d) {
            let _ = e.eval(&ctx);
        }
    }
}
