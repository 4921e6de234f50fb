//! Arbitrary response sequences into the client engine (`httpauth::client`): never
//! panics, never asks to send again without credentials, and a second request on the
//! same state (nonce and session reuse) is as safe.
//!
//! Input: lines. `U:url` and `B:body` set the request (first lines); `#NNN` starts a
//! response with status NNN; `W:`, `P:`, `I:`, `J:`, `O:` add a `WWW-Authenticate`,
//! `Proxy-Authenticate`, `Authentication-Info`, `Proxy-Authentication-Info`,
//! `Optional-WWW-Authenticate` line; `C:` an `Authentication-Info` line of a
//! `100 Continue`; `T:` a tls-server-end-point (its bytes).
//!
//! The body of fuzz target `client_exchange`: `fuzz_targets/client_exchange.rs` calls [`run`], and
//! so does the corpus replay test of the root workspace (`crates/fuzz-replay`).

use httpauth::client::{AuthClient, ClientError, RequestInfo, ResponseInfo, Step};
use httpauth_core::Password;

#[derive(Default)]
struct Resp<'a> {
    status: u16,
    lines: [Vec<&'a str>; 5],
    continue_info: Vec<&'a str>,
    end_point: Option<Vec<u8>>,
}

fn exchange(client: &AuthClient, url: &str, body: Option<&[u8]>, responses: &[Resp<'_>]) {
    let Ok(mut ex) = client.begin(RequestInfo {
        method: "POST",
        url,
        body,
    }) else {
        return;
    };
    for r in responses {
        let info = ResponseInfo {
            status: r.status,
            www_authenticate: r.lines[0].clone(),
            proxy_authenticate: r.lines[1].clone(),
            authentication_info: r.lines[2].clone(),
            proxy_authentication_info: r.lines[3].clone(),
            optional_www_authenticate: r.lines[4].clone(),
            informational_info: if r.continue_info.is_empty() {
                Vec::new()
            } else {
                vec![r.continue_info.clone()]
            },
            tls_server_end_point: r.end_point.clone(),
            body: ex.needs_response_body().then_some(&b"response"[..]),
        };
        match ex.on_response(&info) {
            Ok(Step::Send) => assert!(
                ex.authorization().is_some() || ex.proxy_authorization().is_some(),
                "asked to send again with no credentials"
            ),
            Ok(Step::Done) => return,
            Err(e) => {
                // Every error renders without panicking.
                let _ = e.to_string();
                if let ClientError::NothingUsable { offered, .. } = &e {
                    let _ = offered.len();
                }
                return;
            }
        }
    }
}

/// One input of the fuzz target (and of the corpus replay test).
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut url = "http://127.0.0.1:8080/x";
    let mut body = None;
    let mut responses: Vec<Resp<'_>> = Vec::new();
    for line in text.lines().take(64) {
        if let Some(u) = line.strip_prefix("U:") {
            url = u;
        } else if let Some(b) = line.strip_prefix("B:") {
            body = Some(b.as_bytes());
        } else if let Some(s) = line.strip_prefix('#') {
            responses.push(Resp {
                status: s.trim().parse().unwrap_or(401),
                ..Resp::default()
            });
        } else if let Some(r) = responses.last_mut() {
            let (Some(tag), Some(value)) = (line.get(..2), line.get(2..)) else {
                continue;
            };
            match tag {
                "W:" => r.lines[0].push(value),
                "P:" => r.lines[1].push(value),
                "I:" => r.lines[2].push(value),
                "J:" => r.lines[3].push(value),
                "O:" => r.lines[4].push(value),
                "C:" => r.continue_info.push(value),
                "T:" => r.end_point = Some(value.as_bytes().to_vec()),
                _ => {}
            }
        }
    }
    let client = AuthClient::builder()
        .login("alice", Password::from("wonderland"))
        .proxy_login("carol", Password::from("proxy-pw"))
        .basic_over_http(true)
        .allow_rfc2069(true)
        .build();
    // Twice on one state: the second request starts from what the first left.
    exchange(&client, url, body, &responses);
    exchange(&client, url, body, &responses);
}
