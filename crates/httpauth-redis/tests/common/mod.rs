//! A real `redis-server` (Debian's package) on a free loopback port in a temporary
//! directory, stopped when dropped. Missing binary: the test is skipped, or fails under
//! CI=true.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const REDIS_SERVER: &str = "/usr/bin/redis-server";

/// True if redis-server is installed; otherwise "skipped", or a panic under CI=true.
pub fn have_redis() -> bool {
    if Path::new(REDIS_SERVER).exists() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "redis-server is required under CI=true ({REDIS_SERVER}); apt-get install redis-server"
        );
    }
    eprintln!("skipped: redis-server not installed");
    false
}

/// A free loopback port (bound and released; races are retried by the caller).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Redis {
    pub port: u16,
    pub dir: tempfile::TempDir,
    cluster: bool,
    child: Option<Child>,
}

impl Redis {
    /// Starts a standalone server.
    pub fn start() -> Redis {
        Self::start_mode(false)
    }

    /// Starts a one-node Redis Cluster holding all 16384 slots.
    pub fn start_cluster() -> Redis {
        let r = Self::start_mode(true);
        let mut c = r.raw();
        let _: () = redis::cmd("CLUSTER")
            .arg("ADDSLOTSRANGE")
            .arg(0)
            .arg(16383)
            .query(&mut c)
            .unwrap();
        let t = Instant::now();
        loop {
            let info: String = redis::cmd("CLUSTER").arg("INFO").query(&mut c).unwrap();
            if info.contains("cluster_state:ok") {
                break;
            }
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "cluster never became ok"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        r
    }

    fn start_mode(cluster: bool) -> Redis {
        for _ in 0..5 {
            let mut r = Redis {
                port: free_port(),
                dir: tempfile::tempdir().unwrap(),
                cluster,
                child: None,
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
        let child = cmd.spawn().unwrap();
        self.child = Some(child);
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if self.ping() {
                return true;
            }
            if let Some(c) = self.child.as_mut()
                && c.try_wait().unwrap().is_some()
            {
                self.child = None;
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    pub fn ping(&self) -> bool {
        std::net::TcpStream::connect_timeout(
            &([127, 0, 0, 1], self.port).into(),
            Duration::from_millis(200),
        )
        .and_then(|mut s| {
            use std::io::{Read, Write};
            s.set_read_timeout(Some(Duration::from_millis(500)))?;
            s.write_all(b"PING\r\n")?;
            let mut b = [0u8; 7];
            s.read_exact(&mut b)?;
            Ok(&b == b"+PONG\r\n")
        })
        .unwrap_or(false)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server (SIGKILL: an outage, not a shutdown).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port (empty: nothing was saved).
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

    /// A plain synchronous client for looking at what is stored.
    pub fn raw(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .unwrap()
            .get_connection()
            .unwrap()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}
