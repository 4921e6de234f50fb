//! Latency of requests on established Mutual sessions, idle and while a flood of
//! unfinished key exchanges (req-KEX-C1 that are never followed by a req-VFY-C, RFC 8120
//! section 4.2) hits the same server (issue 19). Goal: p99 under the flood at most 3x idle.
//!
//! The server is what an application builds with the front crate: an axum app on
//! 127.0.0.1 (a free port, `axum::serve` with `ConnectInfo`), one route behind
//! `httpauth::layer::AuthLayer` over a `Guard` with one `MutualServer` and the default
//! pools (`PoolLimits::default()`: on 2 cores one key exchange at a time, 64 waiting,
//! then 503 with `Retry-After`, the pool's threads at background priority;
//! `--normal-priority` keeps them at the executor's priority, as before issue 19), on a
//! tokio runtime with 2 worker threads. Over a real
//! socket rather than through the guard alone because the question is whether key
//! exchanges take the threads that accept, parse and answer the cheap requests: the
//! socket, hyper and the layer are part of that path.
//!
//! The clients are plain threads with keep-alive HTTP/1.1 connections:
//! - `--sessions` (4) clients establish a session each (this workspace's `MutualClient`),
//!   then one measuring thread sends `--requests` (5000) requests in turn on them, one at a
//!   time; each is one round trip (req-VFY-C with the next `nc`, 200 with
//!   `Authentication-Info`), timed from the write of the request to the end of the reply
//!   and recorded in an HdrHistogram (microseconds);
//! - `--flood` (32) threads each resend a prepared req-KEX-C1 in a loop (the server does a
//!   full key exchange for each, or refuses it with 503 once the Mutual pool is full).
//!
//! The idle and flooded requests alternate in `--rounds` (5) blocks each (the flood
//! starts 500 ms before its block and stops after it), so that the machine's own load
//! changes fall on both sides alike.
//!
//! Prints p50 / p99 / p99.9 / max idle and under the flood, the ratio of the p99s, and
//! the flood's answers by status; `--json` prints one JSON object instead.
//!
//! `cargo bench -p httpauth-benches --bench mutual_flood [-- --algorithm
//! iso-kam3-dl-2048-sha256] [--requests 5000] [--flood 32] [--sessions 4] [--rounds 5]
//! [--normal-priority] [--json]`

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // benchmark harness

use axum::{Router, routing::get};
use hdrhistogram::Histogram;
use httpauth::Guard;
use httpauth::extract::Authenticated;
use httpauth::layer::AuthLayer;
use httpauth::pool::{PoolLimits, Pools};
use httpauth_benches::OneVerifier;
use httpauth_core::{Challenge, Password};
use mutual_core::client::{MutualClient, Next, RequestTarget, Response as MResponse, Status};
use mutual_core::kam3::{self, ClientKex};
use mutual_core::messages::{ClientCredentials, ServerChallenge};
use mutual_core::scope::Origin;
use mutual_core::server::{MutualServer, ServerConfig};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const REALM: &str = "flood";
const USER: &str = "alice";
const PASSWORD: &str = "wonderland";
const PATH: &str = "/protected";

async fn hello(Authenticated(p): Authenticated) -> String {
    format!("hello, {}\n", p.user)
}

/// Starts the app on a free loopback port; the runtime stops when dropped. `background`:
/// whether the pools' threads lower their priority (`PoolLimits::background`).
fn start(
    alg: &'static dyn mutual_core::Algorithm,
    background: bool,
) -> (SocketAddr, tokio::runtime::Runtime) {
    let scope = "127.0.0.1";
    let pi = kam3::pi(alg, scope, REALM, USER, PASSWORD).unwrap();
    let server = MutualServer::new(
        ServerConfig::new(REALM).with_algorithm(alg),
        Arc::new(OneVerifier::new(USER, alg.verifier(&pi).unwrap())),
    );
    let pools = Pools::new(PoolLimits::default().with_background(background));
    let guard = Guard::builder()
        .scheme(Arc::new(server))
        .pools(Arc::new(pools))
        .build();
    let app = Router::new().route(PATH, get(hello).route_layer(AuthLayer::new(guard)));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let addr = rt.block_on(async {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(l, app.into_make_service_with_connect_info::<SocketAddr>())
                .await
                .unwrap();
        });
        addr
    });
    (addr, rt)
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
}

impl Reply {
    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn challenges(&self, name: &str) -> Vec<Challenge> {
        let lines = self.all(name);
        if lines.is_empty() {
            return Vec::new();
        }
        httpauth_headers::parse_challenges_lines(lines).unwrap()
    }
}

/// A keep-alive HTTP/1.1 connection (reconnects when the server closed it).
struct Conn {
    addr: SocketAddr,
    s: Option<BufReader<TcpStream>>,
}

impl Conn {
    fn new(addr: SocketAddr) -> Self {
        Self { addr, s: None }
    }

    fn get(&mut self, authorization: Option<&str>) -> Reply {
        for _ in 0..2 {
            if self.s.is_none() {
                let tcp = TcpStream::connect(self.addr).unwrap();
                tcp.set_nodelay(true).unwrap();
                tcp.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
                self.s = Some(BufReader::new(tcp));
            }
            match self.try_get(authorization) {
                Some(r) => return r,
                None => self.s = None,
            }
        }
        panic!("the server closed two connections in a row");
    }

    fn try_get(&mut self, authorization: Option<&str>) -> Option<Reply> {
        let s = self.s.as_mut()?;
        let mut req = format!("GET {PATH} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        if let Some(a) = authorization {
            req.push_str(&format!("Authorization: {a}\r\n"));
        }
        req.push_str("\r\n");
        s.get_mut().write_all(req.as_bytes()).ok()?;
        let mut line = String::new();
        if s.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let status = line.split(' ').nth(1)?.parse().ok()?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            s.read_line(&mut line).ok()?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (k, v) = l.split_once(':')?;
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
        let reply = Reply { status, headers };
        let len: usize = reply
            .all("content-length")
            .first()
            .map_or(Some(0), |v| v.parse().ok())?;
        let chunked = reply
            .all("transfer-encoding")
            .iter()
            .any(|v| v.eq_ignore_ascii_case("chunked"));
        if chunked {
            loop {
                line.clear();
                s.read_line(&mut line).ok()?;
                let n = usize::from_str_radix(line.trim_end(), 16).ok()?;
                let mut chunk = vec![0; n + 2];
                s.read_exact(&mut chunk).ok()?;
                if n == 0 {
                    break;
                }
            }
        } else {
            let mut body = vec![0; len];
            s.read_exact(&mut body).ok()?;
        }
        if reply
            .all("connection")
            .iter()
            .any(|v| v.eq_ignore_ascii_case("close"))
        {
            self.s = None;
        }
        Some(reply)
    }
}

fn target(addr: SocketAddr) -> RequestTarget {
    RequestTarget::new(Origin::new("http", "127.0.0.1", addr.port()).unwrap(), PATH)
}

/// One user-level request with `client` on `conn`: returns the status, the HTTP requests
/// it took and the time spent in them (client-side computation excluded).
fn mutual_get(client: &mut MutualClient, conn: &mut Conn) -> (Status, usize, Duration) {
    let (mut seq, first) = client.start(target(conn.addr)).unwrap();
    let mut auth = first.map(|c| httpauth_headers::format_credentials(&c));
    let mut spent = Duration::ZERO;
    for n in 1..=6 {
        let t = Instant::now();
        let r = conn.get(auth.as_deref());
        spent += t.elapsed();
        let challenges = r.challenges("www-authenticate");
        let info_lines = r.all("authentication-info");
        let info = (!info_lines.is_empty())
            .then(|| httpauth_headers::parse_authentication_info_lines(info_lines).unwrap());
        let resp = MResponse {
            status: r.status,
            challenges: &challenges,
            optional_challenges: &[],
            authentication_info: info.as_ref(),
        };
        match client.on_response(&mut seq, &resp) {
            Ok(Next::Send(c)) => auth = Some(httpauth_headers::format_credentials(&c)),
            Ok(Next::Done(s)) => return (s, n, spent),
            other => panic!("unexpected {other:?} (status {})", r.status),
        }
    }
    panic!("the Mutual sequence did not finish");
}

/// A req-KEX-C1 for the server's challenge, to be sent again and again.
fn prepared_kex(alg: &'static dyn mutual_core::Algorithm, addr: SocketAddr) -> String {
    let r = Conn::new(addr).get(None);
    assert_eq!(r.status, 401);
    let cs = r.challenges("www-authenticate");
    let space = ServerChallenge::from_challenge(&cs[0])
        .unwrap()
        .space()
        .clone();
    let kex = ClientKex::new(alg).unwrap();
    let c = ClientCredentials::KexC1 {
        space,
        user: USER.into(),
        kc1: kex.kc1().to_vec(),
    };
    httpauth_headers::format_credentials(&c.to_credentials().unwrap())
}

struct Figures {
    hist: Histogram<u64>,
}

impl Figures {
    fn q(&self, q: f64) -> u64 {
        self.hist.value_at_quantile(q)
    }
}

fn histogram() -> Histogram<u64> {
    Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap()
}

/// `n` requests in turn on the established sessions, recorded into `hist`.
fn measure(clients: &mut [(MutualClient, Conn)], n: usize, hist: &mut Histogram<u64>) {
    for i in 0..n {
        let (client, conn) = &mut clients[i % clients.len()];
        let (status, requests, spent) = mutual_get(client, conn);
        assert!(matches!(status, Status::AuthSucceeded { .. }), "{status:?}");
        assert_eq!(requests, 1, "the established session answered at once");
        hist.record(spent.as_micros().max(1) as u64).unwrap();
    }
}

/// Threads resending the prepared req-KEX-C1s until `stop`; adds their answers by status
/// to `counts` when they end.
fn flood(
    addr: SocketAddr,
    threads: usize,
    kex: &Arc<Vec<String>>,
    stop: &Arc<AtomicBool>,
    counts: &Arc<Mutex<BTreeMap<u16, u64>>>,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..threads)
        .map(|i| {
            let (kex, stop, counts) = (Arc::clone(kex), Arc::clone(stop), Arc::clone(counts));
            std::thread::spawn(move || {
                let mut conn = Conn::new(addr);
                let mut mine = BTreeMap::<u16, u64>::new();
                while !stop.load(Ordering::Relaxed) {
                    // Sent and abandoned: the 401-KEX-S1 is never answered.
                    let r = conn.get(Some(&kex[i % kex.len()]));
                    *mine.entry(r.status).or_default() += 1;
                }
                let mut all = counts.lock().unwrap();
                for (k, v) in mine {
                    *all.entry(k).or_default() += v;
                }
            })
        })
        .collect()
}

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} takes a value: {v}"))
        })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let token: String = arg(&args, "--algorithm", "iso-kam3-dl-2048-sha256".to_owned());
    let requests: usize = arg(&args, "--requests", 5000);
    let flood_threads: usize = arg(&args, "--flood", 32);
    let sessions: usize = arg(&args, "--sessions", 4);
    let rounds: usize = arg(&args, "--rounds", 5).clamp(1, requests.max(1));
    let alg = mutual_core::algorithm_by_token(&token).unwrap();

    let background = !args.iter().any(|a| a == "--normal-priority");
    let (addr, rt) = start(alg, background);
    let mut clients: Vec<(MutualClient, Conn)> = (0..sessions)
        .map(|_| {
            let mut c = MutualClient::new();
            c.add_login(REALM, None, USER, Password::from(PASSWORD));
            let mut conn = Conn::new(addr);
            let (status, _, _) = mutual_get(&mut c, &mut conn);
            assert!(matches!(status, Status::AuthSucceeded { .. }), "{status:?}");
            (c, conn)
        })
        .collect();
    // Warm-up, then rounds of idle and flooded blocks, so that a change in the machine's
    // load during the run falls on both sides alike.
    measure(&mut clients, requests / 10 + 1, &mut histogram());
    let kex: Arc<Vec<String>> = Arc::new((0..4).map(|_| prepared_kex(alg, addr)).collect());
    let counts = Arc::new(Mutex::new(BTreeMap::<u16, u64>::new()));
    let (mut idle, mut flooded) = (histogram(), histogram());
    let mut flood_time = Duration::ZERO;
    for round in 0..rounds {
        let block = requests / rounds + usize::from(round < requests % rounds);
        measure(&mut clients, block, &mut idle);
        let stop = Arc::new(AtomicBool::new(false));
        let t = Instant::now();
        let threads = flood(addr, flood_threads, &kex, &stop, &counts);
        // Let the pool's queue fill before measuring.
        std::thread::sleep(Duration::from_millis(500));
        measure(&mut clients, block, &mut flooded);
        stop.store(true, Ordering::Relaxed);
        for f in threads {
            f.join().unwrap();
        }
        flood_time += t.elapsed();
    }
    drop(rt);
    let (idle, flooded) = (Figures { hist: idle }, Figures { hist: flooded });
    let counts = counts.lock().unwrap().clone();
    let kex_done = counts.get(&401).copied().unwrap_or(0);
    let ratio = flooded.q(0.99) as f64 / idle.q(0.99).max(1) as f64;

    if json {
        let row = |f: &Figures| {
            format!(
                "{{\"p50_us\":{},\"p99_us\":{},\"p999_us\":{},\"max_us\":{},\"count\":{}}}",
                f.q(0.5),
                f.q(0.99),
                f.q(0.999),
                f.hist.max(),
                f.hist.len()
            )
        };
        let statuses: Vec<String> = counts.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        println!(
            "{{\"algorithm\":\"{token}\",\"sessions\":{sessions},\"flood_threads\":{flood_threads},\
             \"rounds\":{rounds},\"pool_background\":{background},\
             \"idle\":{},\"flood\":{},\"p99_ratio\":{ratio:.2},\"flood_statuses\":{{{}}},\
             \"key_exchanges_per_s\":{:.1}}}",
            row(&idle),
            row(&flooded),
            statuses.join(","),
            kex_done as f64 / flood_time.as_secs_f64()
        );
    } else {
        println!(
            "{token}: {requests} requests on {sessions} established sessions, idle and under \
             {flood_threads} threads of unfinished key exchanges, in {rounds} alternating \
             rounds, pool threads at {} priority (latency in microseconds)",
            if background { "background" } else { "normal" }
        );
        for (name, f) in [("idle", &idle), ("flood", &flooded)] {
            println!(
                "  {name:5}  p50 {:6}  p99 {:6}  p99.9 {:6}  max {:6}",
                f.q(0.5),
                f.q(0.99),
                f.q(0.999),
                f.hist.max()
            );
        }
        println!(
            "  p99 under the flood / idle: {ratio:.2}x (goal: at most 3x); flood answers by \
             status {counts:?} (about {:.0} key exchanges/s)",
            kex_done as f64 / flood_time.as_secs_f64()
        );
    }
}
