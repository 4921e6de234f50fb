//! A real `redis-server` for store tests.

use crate::process::Peer;
use crate::{free_port, temp_dir};
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) const REDIS_SERVER: &str = "/usr/bin/redis-server";

/// A `redis-server` on a free loopback port with its `--dir` in an
/// `httpauth-test-redis-*` directory, nothing saved, in its own process group; stopped
/// (SIGKILL: nothing to save) when dropped.
#[derive(Debug)]
pub struct Redis {
    /// The port it listens on (kept across [`Redis::restart`]).
    pub port: u16,
    /// Its working directory.
    pub dir: tempfile::TempDir,
    cluster: bool,
    peer: Option<Peer>,
}

impl Redis {
    /// Starts a standalone server (`cluster` false) or a cluster-enabled node without
    /// slots (`cluster` true).
    ///
    /// # Panics
    /// When it does not answer PING after five tries on five ports.
    pub fn start(cluster: bool) -> Redis {
        for _ in 0..5 {
            let mut r = Redis {
                port: free_port(),
                dir: temp_dir("redis"),
                cluster,
                peer: None,
            };
            if r.spawn() {
                return r;
            }
        }
        panic!("redis-server did not start");
    }

    fn spawn(&mut self) -> bool {
        let mut cmd = Command::new(REDIS_SERVER);
        cmd.args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--maxmemory", "64mb", "--maxmemory-policy", "noeviction"]);
        if self.cluster {
            cmd.args(["--cluster-enabled", "yes", "--cluster-config-file"])
                .arg(self.dir.path().join("nodes.conf"));
        }
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        self.peer = Some(Peer::spawn("redis-server", &mut cmd, Duration::ZERO));
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if self.ping() {
                return true;
            }
            if self.peer.as_mut().is_some_and(|p| p.exited().is_some()) {
                self.peer = None;
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// True when the server answers `PING` with `+PONG`.
    pub fn ping(&self) -> bool {
        TcpStream::connect_timeout(
            &([127, 0, 0, 1], self.port).into(),
            Duration::from_millis(200),
        )
        .and_then(|mut s| {
            s.set_read_timeout(Some(Duration::from_millis(500)))?;
            s.write_all(b"PING\r\n")?;
            let mut b = [0u8; 7];
            s.read_exact(&mut b)?;
            Ok(&b == b"+PONG\r\n")
        })
        .unwrap_or(false)
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server (SIGKILL: an outage, not a shutdown).
    pub fn stop(&mut self) {
        if let Some(mut p) = self.peer.take() {
            p.stop();
        }
    }

    /// Starts it again on the same port (empty: nothing was saved).
    ///
    /// # Panics
    /// When it does not come back within 20 s.
    pub fn restart(&mut self) {
        self.stop();
        let t = Instant::now();
        while !self.spawn() {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "redis-server did not restart"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
