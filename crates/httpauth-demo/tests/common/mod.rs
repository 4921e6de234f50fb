//! Helpers for the end-to-end tests: a server process on free loopback ports, killed on
//! drop, and external peers that are skipped (or, with CI=true, required).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use httpauth_test_kit::require_peer;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// A running `httpauth-demo`, killed when dropped.
pub struct Server {
    pub child: Option<Child>,
    pub http: Option<SocketAddr>,
    pub https: Option<SocketAddr>,
    pub dir: tempfile::TempDir,
    pub data: PathBuf,
    pub banner: String,
    /// The server's log (stderr) so far.
    pub log: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Server {
    /// Starts the demo with the embedded configuration (or `config`) in a temp data dir.
    pub fn start(config: Option<&str>) -> Server {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, config)
    }

    pub fn start_in(dir: tempfile::TempDir, config: Option<&str>) -> Server {
        let data = dir.path().join("data");
        Self::start_with_data(dir, &data, config)
    }

    /// Starts a second instance over the data directory of another (shared users, keys).
    pub fn start_sharing(other: &Server, config: Option<&str>) -> Server {
        Self::start_with_data(tempfile::tempdir().unwrap(), &other.data(), config)
    }

    fn start_with_data(dir: tempfile::TempDir, data: &Path, config: Option<&str>) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_httpauth-demo"));
        cmd.arg("--data-dir").arg(data);
        cmd.args(["--http", "127.0.0.1:0", "--bcrypt-cost", "4"]);
        if let Some(text) = config {
            let p = dir.path().join("config.toml");
            std::fs::write(&p, text).unwrap();
            cmd.arg("--config").arg(&p);
        }
        if config.is_none() || config.is_some_and(|c| c.contains("[tls]")) {
            cmd.args(["--https", "127.0.0.1:0"]);
        }
        cmd.env("RUST_LOG", "httpauth_demo=debug");
        // Plain log lines, so tests can search them.
        cmd.env("NO_COLOR", "1");
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            // Drain the log so the server never blocks on a full pipe; keep it for tests.
            let echo = std::env::var_os("DEMO_TEST_LOG").is_some();
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if echo {
                    eprintln!("{line}");
                }
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut banner = String::new();
        let (mut http, mut https) = (None, None);
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(120))
                .expect("server printed its banner in time");
            if let Some(a) = line.trim().strip_prefix("listening: http://") {
                http = Some(a.parse().unwrap());
            }
            if let Some(a) = line.trim().strip_prefix("listening: https://") {
                https = Some(a.parse().unwrap());
            }
            banner.push_str(&line);
            banner.push('\n');
            if line.starts_with("(SIGINT or SIGTERM stops the server)") {
                break;
            }
        }
        std::thread::spawn(move || while rx.recv().is_ok() {});
        Server {
            child: Some(child),
            http,
            https,
            data: data.to_path_buf(),
            dir,
            banner,
            log,
        }
    }

    /// Waits (at most `secs`) until the log contains `needle`; returns the log.
    pub fn wait_log(&self, needle: &str, secs: u64) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let l = self.log.lock().unwrap().clone();
            if l.contains(needle) || std::time::Instant::now() > deadline {
                return l;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Process id of the server.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    pub fn data(&self) -> PathBuf {
        self.data.clone()
    }

    pub fn http_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.http.unwrap())
    }

    pub fn https_url(&self, path: &str) -> String {
        format!("https://{}{path}", self.https.unwrap())
    }

    pub fn cert_args(&self, who: &str) -> Vec<String> {
        let d = self.data();
        vec![
            "--cert".into(),
            d.join(format!("clients/{who}.pem")).display().to_string(),
            "--key".into(),
            d.join(format!("clients/{who}.key")).display().to_string(),
        ]
    }

    pub fn ca(&self) -> String {
        self.data().join("pki/ca.pem").display().to_string()
    }

    /// Sends raw bytes, returns the raw response (bounded wait).
    pub fn raw(&self, request: &[u8]) -> String {
        let mut s = std::net::TcpStream::connect(self.http.unwrap()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.write_all(request).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// curl; returns (status code, body, stderr).
pub fn curl(args: &[&str]) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-s", "-S", "--max-time", "30", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

/// The demo client; returns (exit code, stdout, stderr).
pub fn client(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_httpauth-client"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Reads a request head (through the blank line) from `s`; `None` when the peer closed
/// or timed out first.
pub fn read_head(s: &mut std::net::TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// The request-target of a request head.
pub fn request_target(head: &str) -> String {
    head.split(' ').nth(1).unwrap_or("").to_owned()
}

/// An upstream on a free loopback port that answers every request (one thread per
/// connection) with 200 and `reply(head)` as the body, and records each body it sent.
pub fn upstream(reply: fn(&str) -> String) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                let Some(head) = read_head(&mut s) else {
                    return;
                };
                let body = reply(&head);
                log.lock().unwrap().push(body.clone());
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes());
            });
        }
    });
    (addr, seen)
}

/// Squid (Debian) on a free port, with Basic (htpasswd from Apache's `htpasswd`) and
/// Digest (`user:password` file) proxy authentication for alice / wonderland, no
/// destination restrictions (127.0.0.1 and CONNECT to any port allowed); stopped, with its
/// helpers, on drop. `None` (skipped) when a peer is missing outside CI.
pub fn squid() -> Option<httpauth_test_kit::Squid> {
    if !require_peer("squid")
        || !require_peer("htpasswd")
        || !require_peer("/usr/lib/squid/basic_ncsa_auth")
    {
        return None;
    }
    Some(httpauth_test_kit::Squid::start(|d| {
        let st = Command::new("htpasswd")
            .args(["-b", "-c", "-m"])
            .arg(d.join("htpasswd"))
            .args(["alice", "wonderland"])
            .output()
            .unwrap();
        assert!(st.status.success(), "{st:?}");
        // Squid drops root privileges to user `proxy`, which must read the files.
        std::fs::set_permissions(
            d.join("htpasswd"),
            std::os::unix::fs::PermissionsExt::from_mode(0o644),
        )
        .unwrap();
        httpauth_test_kit::write_public(&d.join("digest"), "alice:wonderland\n");
        format!(
            "auth_param digest program /usr/lib/squid/digest_file_auth {d}/digest\n\
             auth_param digest children 1\n\
             auth_param digest realm squid-digest\n\
             auth_param basic program /usr/lib/squid/basic_ncsa_auth {d}/htpasswd\n\
             auth_param basic children 1\n\
             auth_param basic realm squid-basic\n\
             acl auth proxy_auth REQUIRED\n\
             http_access allow auth\n\
             http_access deny all\n",
            d = d.display()
        )
    }))
}
