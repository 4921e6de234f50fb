//! Issue 13, the flood test (and issue 14's "an established Mutual session keeps working
//! while many unfinished key exchanges are in flight").
//!
//! The demo server runs a Mutual location that offers only `iso-kam3-dl-4096-sha512` (the
//! costliest key exchange) and a Basic location over an htpasswd file with a bcrypt
//! (cost 10) user. One client logs in with Mutual and keeps its session. Then flooders
//! keep [`FLOOD_TASKS`] x [`IN_FLIGHT`] requests in flight for [`FLOOD`]: half send
//! req-KEX-C (a valid `kc1`, never followed by req-VFY-C), half Basic with a wrong
//! password. Meanwhile the established session sends one request after another
//! (req-VFY-C, a cheap HMAC check that enters no pool).
//!
//! Stated bounds (generous for a loaded 2-core machine, yet far below the seconds of
//! delay issue 13 measured when Basic password checks and key exchanges shared one
//! unbounded queue):
//! - session latency during the flood: p99 < max(10 x idle p99, [`P99_FLOOR`]);
//! - server memory (VmRSS, sampled every 20 ms): peak < idle + [`RSS_HEADROOM`];
//! - every flood request is answered 401 (KEX-S1, wrong password) or 503 with
//!   `Retry-After` (a full pool), nothing else, and the session never fails.
//!
//! Figures are printed (`cargo test ... -- --nocapture`) so that they can be quoted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Server;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Flooder tasks (half Mutual key exchanges, half wrong Basic passwords).
const FLOOD_TASKS: usize = 8;
/// Requests each flooder task keeps in flight.
const IN_FLIGHT: usize = 24;
/// How long the flood lasts.
const FLOOD: Duration = Duration::from_secs(5);
/// Session requests in the first part of the flood are not measured: the pools fill.
const WARM_UP: Duration = Duration::from_millis(750);
/// Session requests measured while idle.
const IDLE_SAMPLES: usize = 200;
/// The floor of the p99 bound under flood.
const P99_FLOOR: Duration = Duration::from_millis(250);
/// Growth of the server's resident memory allowed under flood.
const RSS_HEADROOM: u64 = 64 * 1024 * 1024;

fn config(htpasswd: &std::path::Path) -> String {
    format!(
        r#"
[server]
demo_setup = true
kex_concurrency = 4

[[listener]]
kind = "http"
address = "127.0.0.1:0"

[[location]]
path = "/mutual"
schemes = ["Mutual"]
mutual_file = "htmutual"
mutual_algorithms = ["iso-kam3-dl-4096-sha512"]

[[location]]
path = "/basic"
schemes = ["Basic"]
user_file = "{}"
"#,
        htpasswd.display()
    )
}

fn rss_bytes(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    assert!(!sorted.is_empty());
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

#[derive(Default)]
struct FloodStats {
    /// Status -> count, per kind of flood request.
    statuses: BTreeMap<(&'static str, u16), u64>,
    /// 503 answers without `Retry-After`.
    no_retry_after: u64,
    /// Connection errors or timeouts.
    errors: u64,
}

/// One flood request on its own connection; returns the status and whether
/// `Retry-After` was present.
async fn flood_once(
    addr: SocketAddr,
    source: std::net::IpAddr,
    request: &[u8],
) -> std::io::Result<(u16, bool)> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(source, 0))?;
    let mut s = socket.connect(addr).await?;
    s.write_all(request).await?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).await?;
    let head = String::from_utf8_lossy(&out).to_ascii_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let head_end = head.find("\r\n\r\n").unwrap_or(head.len());
    Ok((status, head[..head_end].contains("\r\nretry-after:")))
}

async fn flooder(
    addr: SocketAddr,
    source: std::net::IpAddr,
    kind: &'static str,
    request: Arc<Vec<u8>>,
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<FloodStats>>,
) {
    while !stop.load(Ordering::Relaxed) {
        let r =
            tokio::time::timeout(Duration::from_secs(20), flood_once(addr, source, &request)).await;
        let mut st = stats.lock().unwrap();
        match r {
            Ok(Ok((status, retry_after))) => {
                *st.statuses.entry((kind, status)).or_default() += 1;
                if status == 503 && !retry_after {
                    st.no_retry_after += 1;
                }
            }
            _ => st.errors += 1,
        }
    }
}

/// The established session: `fetch` until `stop`, returning each latency measured
/// after `measure_from`.
async fn session_requests(
    client: &mut httpauth_demo::client::Client,
    url: &str,
    count: Option<usize>,
    stop: &AtomicBool,
    measure_from: Instant,
) -> Vec<Duration> {
    let mut out = Vec::new();
    loop {
        if count.is_some_and(|n| out.len() >= n)
            || (count.is_none() && stop.load(Ordering::Relaxed))
        {
            return out;
        }
        let t = Instant::now();
        let (status, body) = client.fetch(url).await.expect("session request");
        let d = t.elapsed();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        if t >= measure_from {
            out.push(d);
        }
    }
}

#[test]
fn established_mutual_session_survives_kex_and_bcrypt_flood() {
    let work = tempfile::tempdir().unwrap();
    let htpasswd = work.path().join("htpasswd-bcrypt10");
    let mut f = authfile::HtpasswdFile::new();
    f.set_password(
        "carol",
        &authfile::Password::from("correct horse"),
        authfile::HashAlgorithm::Bcrypt { cost: 10 },
    )
    .unwrap();
    let text = String::from_utf8(f.to_bytes()).unwrap();
    assert!(text.contains(":$2y$10$"), "{text}");
    std::fs::write(&htpasswd, text).unwrap();

    let s = Server::start(Some(&config(&htpasswd)));
    let addr = s.http.unwrap();
    let pid = s.pid();
    let url = s.http_url("/mutual");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The session client: logs in once (a full DL-4096 exchange), keeps the session.
    let args = [
        "-v",
        "--auth",
        "mutual",
        "-u",
        "alice:wonderland",
        url.as_str(),
    ];
    let opts = httpauth_demo::client::parse_args(args.iter().map(|a| (*a).to_owned()))
        .unwrap()
        .unwrap();
    let mut client = httpauth_demo::client::Client::new(Arc::new(opts), None);
    let (status, body) = rt.block_on(client.fetch(&url)).expect("login");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let log = client.take_log();
    // The req-KEX-C the client sent: the flooders repeat it and never verify.
    let kex = log
        .lines()
        .find_map(|l| l.strip_prefix("> Authorization: "))
        .filter(|v| v.contains("kc1="))
        .unwrap_or_else(|| panic!("no req-KEX-C in the client log:\n{log}"))
        .to_owned();
    assert!(kex.contains("iso-kam3-dl-4096-sha512"), "{kex}");

    // Sanity of both flood requests, and that they are what the flood expects.
    let kex_req = format!(
        "GET /mutual HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: {kex}\r\nConnection: close\r\n\r\n",
        addr.port()
    );
    let basic_req = format!(
        "GET /basic HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Basic {}\r\nConnection: close\r\n\r\n",
        addr.port(),
        httpauth_headers::basic::encode_token68("carol", "wrong password").unwrap()
    );
    let r = s.raw(kex_req.as_bytes());
    assert!(
        r.starts_with("HTTP/1.1 401") && r.contains("sid="),
        "req-KEX-C gets 401-KEX-S1: {r}"
    );
    let r = s.raw(basic_req.as_bytes());
    assert!(r.starts_with("HTTP/1.1 401"), "{r}");

    // Idle figures.
    let never = AtomicBool::new(false);
    let mut idle = rt.block_on(session_requests(
        &mut client,
        &url,
        Some(IDLE_SAMPLES),
        &never,
        Instant::now(),
    ));
    idle.sort();
    let idle_rss = rss_bytes(pid);
    assert!(idle_rss > 0, "VmRSS of {pid}");
    let log = client.take_log();
    assert!(
        !log.contains("kc1="),
        "idle requests use the session, no new key exchange:\n{log}"
    );

    // The flood, on its own runtime and threads.
    let stop = Arc::new(AtomicBool::new(false));
    let stats = Arc::new(Mutex::new(FloodStats::default()));
    let peak_rss = Arc::new(AtomicU64::new(idle_rss));
    let sampler = {
        let (stop, peak) = (Arc::clone(&stop), Arc::clone(&peak_rss));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(rss_bytes(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let flood_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (kex_req, basic_req) = (
        Arc::new(kex_req.into_bytes()),
        Arc::new(basic_req.into_bytes()),
    );
    let mut handles = Vec::new();
    for t in 0..FLOOD_TASKS {
        let (kind, req) = if t % 2 == 0 {
            ("mutual req-KEX-C", Arc::clone(&kex_req))
        } else {
            ("basic wrong password", Arc::clone(&basic_req))
        };
        // Each flooder task from its own loopback address: its IN_FLIGHT connections
        // stay under the per-client connection cap (64 by default), so what is measured
        // is the authentication pools, not the cap (tests/e2e_hardening.rs tests that).
        let source = std::net::IpAddr::from([127, 0, 0, 10 + t as u8]);
        for _ in 0..IN_FLIGHT {
            handles.push(flood_rt.spawn(flooder(
                addr,
                source,
                kind,
                Arc::clone(&req),
                Arc::clone(&stop),
                Arc::clone(&stats),
            )));
        }
    }
    let flood_start = Instant::now();
    let timer = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            std::thread::sleep(FLOOD);
            stop.store(true, Ordering::Relaxed);
        })
    };
    let mut flood = rt.block_on(session_requests(
        &mut client,
        &url,
        None,
        &stop,
        flood_start + WARM_UP,
    ));
    timer.join().unwrap();
    let flood_elapsed = flood_start.elapsed();
    let drain = Instant::now();
    flood_rt.block_on(async {
        for h in handles {
            h.await.unwrap();
        }
    });
    let drain = drain.elapsed();
    sampler.join().unwrap();
    let peak = peak_rss.load(Ordering::Relaxed).max(rss_bytes(pid));
    flood.sort();
    let session_log = client.take_log();

    // The session still works afterwards, and the server still logs users in.
    let (status, _) = rt.block_on(client.fetch(&url)).expect("after the flood");
    assert_eq!(status, 200);

    let st = stats.lock().unwrap();
    let total: u64 = st.statuses.values().sum();
    let (ip50, ip99) = (percentile(&idle, 0.5), percentile(&idle, 0.99));
    let (fp50, fp99, fmax) = (
        percentile(&flood, 0.5),
        percentile(&flood, 0.99),
        *flood.last().unwrap(),
    );
    let bound = (ip99 * 10).max(P99_FLOOR);
    let mib = |b: u64| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0));
    println!(
        "flood: {FLOOD_TASKS} tasks x {IN_FLIGHT} in flight for {} (drain {}), {total} flood answers ({:.0}/s), {} errors",
        ms(flood_elapsed),
        ms(drain),
        total as f64 / flood_elapsed.as_secs_f64(),
        st.errors
    );
    for ((kind, status), n) in &st.statuses {
        println!("  {kind:<22} {status}: {n}");
    }
    println!(
        "session idle:  n={} p50 {} p99 {} max {}",
        idle.len(),
        ms(ip50),
        ms(ip99),
        ms(*idle.last().unwrap())
    );
    println!(
        "session flood: n={} p50 {} p99 {} max {} (bound p99 < {})",
        flood.len(),
        ms(fp50),
        ms(fp99),
        ms(fmax),
        ms(bound)
    );
    println!(
        "server VmRSS: idle {} peak {} (+{}; bound +{})",
        mib(idle_rss),
        mib(peak),
        mib(peak.saturating_sub(idle_rss)),
        mib(RSS_HEADROOM)
    );

    // The flood was a flood: both kinds answered, nothing but 401 and 503.
    for kind in ["mutual req-KEX-C", "basic wrong password"] {
        let n: u64 = st
            .statuses
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|(_, n)| n)
            .sum();
        assert!(n >= IN_FLIGHT as u64, "{kind}: only {n} answers");
    }
    for ((kind, status), n) in &st.statuses {
        assert!(
            *status == 401 || *status == 503,
            "{kind}: {n} answers with {status}"
        );
    }
    assert_eq!(st.no_retry_after, 0, "503 without Retry-After");
    assert_eq!(st.errors, 0, "flood connections failed or timed out");
    assert!(
        !session_log.contains("kc1="),
        "the established session had to log in again during the flood:\n{session_log}"
    );
    assert!(flood.len() >= 20, "only {} session requests", flood.len());
    assert!(
        fp99 < bound,
        "session p99 under flood {} exceeds {}",
        ms(fp99),
        ms(bound)
    );
    assert!(
        peak < idle_rss + RSS_HEADROOM,
        "server VmRSS grew from {} to {}",
        mib(idle_rss),
        mib(peak)
    );
}
