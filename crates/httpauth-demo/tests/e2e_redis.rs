//! Two demo-server instances sharing one real `redis-server` behind a round-robin TCP
//! load balancer, as a site that outgrew one machine runs them (issue: shared session
//! and nonce state). Every request opens a new connection (`Connection: close`), so
//! consecutive steps of one exchange land on different instances.
#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../httpauth-redis/tests/common/mod.rs"]
mod redis_harness;

use common::{Server, client, curl};
use httpauth_test_kit::require_peer;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Round robin per connection over two backends; counts connections per backend.
struct Balancer {
    addr: SocketAddr,
    hits: Arc<[AtomicUsize; 2]>,
}

impl Balancer {
    fn start(backends: [SocketAddr; 2]) -> Balancer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let h = Arc::clone(&hits);
        std::thread::spawn(move || {
            let mut next = 0usize;
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let i = next % 2;
                next += 1;
                h[i].fetch_add(1, Ordering::SeqCst);
                let Ok(server) = TcpStream::connect(backends[i]) else {
                    continue;
                };
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Write);
                    });
                }
            }
        });
        Balancer { addr, hits }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn hits(&self) -> [usize; 2] {
        [
            self.hits[0].load(Ordering::SeqCst),
            self.hits[1].load(Ordering::SeqCst),
        ]
    }
}

/// Sends one request with `authorization` straight to `to`, with the balancer's Host;
/// returns the status code.
fn raw_status(to: SocketAddr, host: SocketAddr, path: &str, authorization: &str) -> u16 {
    let mut s = TcpStream::connect(to).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {authorization}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// The `Authorization` values the client logged (`-v`), in order.
fn logged_authorizations(log: &str, scheme: &str) -> Vec<String> {
    log.lines()
        .filter_map(|l| l.strip_prefix("> Authorization: "))
        .filter(|v| v.starts_with(scheme))
        .map(str::to_owned)
        .collect()
}

fn config(redis: &redis_harness::Redis) -> String {
    format!(
        "{}\n[store]\nkind = \"redis\"\nurl = \"{}\"\nkey_prefix = \"e2e:\"\ncommand_timeout_ms = 300\nconnect_timeout_ms = 300\n",
        httpauth_demo::DEFAULT_CONFIG,
        redis.url()
    )
}

#[test]
fn two_instances_share_sessions_and_nonces_through_redis() {
    if !redis_harness::have_redis() || !require_peer("curl") {
        return;
    }
    let mut redis = redis_harness::Redis::start();
    let cfg = config(&redis);
    let a = Server::start(Some(&cfg));
    let b = Server::start_sharing(&a, Some(&cfg));
    let lb = Balancer::start([a.http.unwrap(), b.http.unwrap()]);
    let close = ["-H", "Connection: close"];

    // Mutual: INIT, KEX (kc1 -> 401-KEX-S1) and VFY alternate between the instances;
    // two more URLs reuse the session (req-VFY-C) on one instance and then the other.
    let url = lb.url("/mutual");
    let (code, out, err) = client(&[
        "-v",
        close[0],
        close[1],
        "-u",
        "alice:wonderland",
        &url,
        &url,
        &url,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("principal: alice").count(), 3, "{out}");
    assert!(
        err.contains("req-KEX-C1") && err.contains("server verified (vks)"),
        "{err}"
    );
    assert!(err.contains("reusing the session (req-VFY-C)"), "{err}");
    let [ha, hb] = lb.hits();
    assert!(ha >= 2 && hb >= 2, "both instances served: {ha} {hb}");
    // The last req-VFY-C's nc, replayed to either instance, is refused: the first replay
    // hits the shared nc window (RFC 8120 section 11: the session becomes inactive), the
    // second finds the session gone on the other instance too.
    let sent = logged_authorizations(&err, "Mutual");
    let last = sent.last().unwrap();
    assert!(last.contains("nc=") && last.contains("vkc="), "{last}");
    for to in [a.http.unwrap(), b.http.unwrap()] {
        assert_eq!(
            raw_status(to, lb.addr, "/mutual", last),
            401,
            "replayed nc to {to}"
        );
    }

    // Digest, with this crate's client: a nonce minted by one instance is accepted by the
    // other, and reused with nc 2 and 3 alternately.
    let url = lb.url("/digest");
    let (code, out, err) = client(&[
        "-v",
        close[0],
        close[1],
        "--auth",
        "digest",
        "-u",
        "alice:wonderland",
        &url,
        &url,
        &url,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("scheme: Digest").count(), 3, "{out}");
    assert!(
        err.contains("reusing the nonce") && err.contains("server verified (rspauth)"),
        "{err}"
    );
    let sent = logged_authorizations(&err, "Digest");
    assert!(
        sent.len() >= 3 && sent.iter().any(|s| s.contains("nc=00000002")),
        "{sent:?}"
    );
    for replay in &sent {
        for to in [a.http.unwrap(), b.http.unwrap()] {
            assert_eq!(
                raw_status(to, lb.addr, "/digest", replay),
                401,
                "replayed to {to}: {replay}"
            );
        }
    }
    // And with curl: challenge from one instance, credentials verified by the other.
    for _ in 0..2 {
        let (code, body) = curl(&[
            close[0],
            close[1],
            "--digest",
            "-u",
            "alice:wonderland",
            &url,
        ]);
        assert_eq!(code, 200, "{body}");
    }

    // Redis goes away: requests that need it fail closed with 503 (never 200, never a
    // crash); Basic, which needs no store, keeps working.
    redis.stop();
    let (code, body) = curl(&["--digest", "-u", "alice:wonderland", &url]);
    assert_eq!(code, 503, "{body}");
    let (code, _, err) = client(&["-u", "alice:wonderland", &lb.url("/mutual")]);
    assert_ne!(code, 0, "no Mutual authentication without the store");
    assert!(err.contains("503"), "{err}");
    assert_eq!(curl(&["-u", "alice:wonderland", &lb.url("/basic")]).0, 200);

    // Redis is back: service resumes without restarting the servers.
    redis.restart();
    let t = Instant::now();
    loop {
        let (code, _) = curl(&["--digest", "-u", "alice:wonderland", &url]);
        if code == 200 {
            break;
        }
        assert_eq!(code, 503);
        assert!(t.elapsed() < Duration::from_secs(15), "no recovery");
        std::thread::sleep(Duration::from_millis(200));
    }
    let (code, out, err) = client(&[
        close[0],
        close[1],
        "-u",
        "alice:wonderland",
        &lb.url("/mutual"),
        &lb.url("/mutual"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("principal: alice").count(), 2, "{out}");
}
