//! A small HTTP/1.1 server over `std::net` on 127.0.0.1 that protects every path with a
//! [`DigestServer`], for interop tests with curl, Python requests and others; and the
//! helpers to find external peers and to run them with bounded time.
// Test support: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use digest_auth::{BodyHasher, DigestServer};
use httpauth_core::{AuthScheme, RequestContext};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 1 << 20;
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `cmd` with a deadline, killing it when the deadline passes.
pub fn run_bounded(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn peer");
    let start = Instant::now();
    loop {
        match child.try_wait().expect("wait peer") {
            Some(_) => break,
            None if start.elapsed() > limit => {
                let _ = child.kill();
                break;
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    child.wait_with_output().expect("peer output")
}

/// One request the test server answered.
#[derive(Debug, Clone)]
pub struct Event {
    pub method: String,
    pub target: String,
    pub status: u16,
    pub authorization: Option<String>,
    pub user: Option<String>,
}

/// The test server; stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
    pub events: Arc<Mutex<Vec<Event>>>,
}

impl TestServer {
    pub fn start(auth: Arc<DigestServer>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let events = Arc::new(Mutex::new(Vec::new()));
        let (stop2, events2) = (stop.clone(), events.clone());
        let handle = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (auth, events) = (auth.clone(), events2.clone());
                std::thread::spawn(move || {
                    let _ = serve(conn, &auth, &events);
                });
            }
        });
        Self {
            addr,
            stop,
            handle: Some(handle),
            events,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn serve(conn: TcpStream, auth: &DigestServer, events: &Mutex<Vec<Event>>) -> std::io::Result<()> {
    conn.set_read_timeout(Some(IO_TIMEOUT))?;
    conn.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut out = conn;
    loop {
        // Request line and header fields.
        let mut head: Vec<String> = Vec::new();
        let mut total = 0;
        loop {
            let mut line = String::new();
            let n = reader.read_line(&mut line)?;
            if n == 0 {
                return Ok(());
            }
            total += n;
            if total > MAX_HEAD {
                return Ok(());
            }
            let line = line.trim_end_matches(['\r', '\n']).to_owned();
            if line.is_empty() {
                if head.is_empty() {
                    continue;
                }
                break;
            }
            head.push(line);
        }
        let mut parts = head[0].split(' ');
        let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
            return Ok(());
        };
        let (method, target) = (method.to_owned(), target.to_owned());
        let header = |name: &str| -> Vec<String> {
            head[1..]
                .iter()
                .filter_map(|l| l.split_once(':'))
                .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_owned())
                .collect()
        };
        let host = header("host").into_iter().next().unwrap_or_default();
        let close = header("connection")
            .iter()
            .any(|v| v.eq_ignore_ascii_case("close"));
        let len: usize = header("content-length")
            .first()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if len > MAX_BODY {
            return Ok(());
        }
        if header("expect")
            .iter()
            .any(|v| v.eq_ignore_ascii_case("100-continue"))
        {
            out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
        // Stream the body through the hasher, as a real server would.
        let mut hasher = BodyHasher::for_digest();
        let mut remaining = len;
        let mut buf = [0u8; 4096];
        while remaining > 0 {
            let n = reader.read(&mut buf[..remaining.min(4096)])?;
            if n == 0 {
                return Ok(());
            }
            hasher.update(&buf[..n]);
            remaining -= n;
        }
        let digests = hasher.finish();
        let request = RequestContext::new(&method, &target, "http", &host).with_body(&digests);
        let authorization = header("authorization").into_iter().next();

        let mut headers: Vec<(String, String)> = Vec::new();
        let (status, body, user) = match &authorization {
            None => {
                for c in auth.challenges(&request) {
                    headers.push((
                        "WWW-Authenticate".into(),
                        httpauth_headers::format_challenge(&c),
                    ));
                }
                (401, "unauthorized\n".to_owned(), None)
            }
            Some(value) => match httpauth_headers::parse_credentials(value) {
                Err(_) => (400, "bad authorization\n".to_owned(), None),
                Ok(creds) => match auth.verify(&request, &creds) {
                    Ok(v) => {
                        let body = format!("hello {}\n", v.principal().user);
                        let rsp = BodyHasher::digest_all(&[v.algorithm().hash()], body.as_bytes());
                        let info = v.authentication_info(rsp.get(v.algorithm().hash()));
                        headers.push((
                            "Authentication-Info".into(),
                            httpauth_headers::format_authentication_info(&info),
                        ));
                        (200, body, Some(v.principal().user.clone()))
                    }
                    Err(f) => {
                        let status = f.http_status(false);
                        if status == 401 {
                            let cs = if f.challenges().is_empty() {
                                auth.challenges(&request)
                            } else {
                                f.challenges().to_vec()
                            };
                            for c in cs {
                                headers.push((
                                    "WWW-Authenticate".into(),
                                    httpauth_headers::format_challenge(&c),
                                ));
                            }
                        }
                        (status, format!("{status}\n"), None)
                    }
                },
            },
        };
        events.lock().unwrap().push(Event {
            method: method.clone(),
            target: target.clone(),
            status,
            authorization: authorization.clone(),
            user,
        });
        let reason = match status {
            200 => "OK",
            400 => "Bad Request",
            401 => "Unauthorized",
            _ => "Service Unavailable",
        };
        let mut resp = format!("HTTP/1.1 {status} {reason}\r\n");
        for (n, v) in &headers {
            resp.push_str(&format!("{n}: {v}\r\n"));
        }
        resp.push_str(&format!(
            "Content-Type: text/plain\r\nContent-Length: {}\r\n{}\r\n",
            body.len(),
            if close { "Connection: close\r\n" } else { "" }
        ));
        resp.push_str(&body);
        out.write_all(resp.as_bytes())?;
        out.flush()?;
        if close {
            return Ok(());
        }
    }
}

/// A minimal HTTP/1.1 client: one request on a fresh connection, `Connection: close`.
/// Returns (status, header lines as (name, value), body).
pub fn http_request(
    addr: &str,
    method: &str,
    target: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read response");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status");
    let hs = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    (status, hs, body)
}

/// The values of the header lines called `name`.
pub fn header_values<'h>(headers: &'h [(String, String)], name: &str) -> Vec<&'h str> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}
