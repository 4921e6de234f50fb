//! A real `redis-server` (Debian's package) on a free loopback port in a temporary
//! directory, stopped when dropped (httpauth-test-kit's harness), with a `redis` client
//! for looking at what is stored. Missing binary: the test is skipped, or fails under
//! CI=true.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

pub const REDIS_SERVER: &str = "/usr/bin/redis-server";

/// True if redis-server is installed; otherwise "skipped", or a panic under CI=true.
pub fn have_redis() -> bool {
    httpauth_test_kit::require_peer("redis-server")
}

/// The kit's server (port, url, stop, restart) and a client for it.
pub struct Redis(httpauth_test_kit::Redis);

impl Deref for Redis {
    type Target = httpauth_test_kit::Redis;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Redis {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Redis {
    /// Starts a standalone server.
    pub fn start() -> Redis {
        Redis(httpauth_test_kit::Redis::start(false))
    }

    /// Starts a one-node Redis Cluster holding all 16384 slots.
    pub fn start_cluster() -> Redis {
        let r = Redis(httpauth_test_kit::Redis::start(true));
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

    /// A plain synchronous client for looking at what is stored.
    pub fn raw(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .unwrap()
            .get_connection()
            .unwrap()
    }
}
