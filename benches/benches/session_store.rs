//! Per-operation latency of the session stores: the in-memory default beside a Redis store
//! on loopback (a `redis-server` started by the bench in a temporary directory; skipped
//! when `/usr/bin/redis-server` is missing).
//!
//! `cargo bench -p httpauth-benches --bench session_store`
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use httpauth_core::store::{EvictionClass, MemoryStoreConfig};
use httpauth_core::{MemoryStore, SecretBytes, SessionStore};
use httpauth_redis::{KeyRing, RedisStore, RedisStoreConfig};
use std::hint::black_box;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(600);

/// The server, its port, and its directory (removed on drop).
struct RedisServer(Child, u16, #[allow(dead_code)] tempfile::TempDir);

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn redis_server() -> Option<RedisServer> {
    if !std::path::Path::new("/usr/bin/redis-server").exists() {
        eprintln!("redis-server not installed: Redis rows skipped");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let dir = tempfile::tempdir().ok()?;
    let child = Command::new("/usr/bin/redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if t.elapsed() > Duration::from_secs(10) {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(RedisServer(child, port, dir))
}

/// One Mutual session record's worth of bytes (state, user, keys).
fn record() -> SecretBytes {
    SecretBytes::new(vec![0x5a; 160])
}

fn ops(c: &mut Criterion, name: &str, store: &dyn SessionStore) {
    let mut g = c.benchmark_group(format!("session_store/{name}"));
    store
        .insert("bench:get", record(), TTL, EvictionClass::Established)
        .unwrap();
    let mut n = 0u64;
    g.bench_function("insert (new key)", |b| {
        b.iter(|| {
            n += 1;
            store
                .insert(
                    &format!("bench:ins:{n}"),
                    record(),
                    TTL,
                    EvictionClass::Pending,
                )
                .unwrap()
        })
    });
    g.bench_function("get (hit)", |b| {
        b.iter(|| store.get(black_box("bench:get")).unwrap())
    });
    g.bench_function("get then compare_and_swap", |b| {
        b.iter(|| {
            let e = store.get("bench:get").unwrap().unwrap();
            store
                .compare_and_swap(
                    "bench:get",
                    e.version,
                    record(),
                    TTL,
                    EvictionClass::Established,
                )
                .unwrap()
        })
    });
    let mut nc = 0u64;
    g.bench_function("check_count (next nc, window 128)", |b| {
        b.iter(|| {
            nc += 1;
            store.check_count("bench:nc", nc, 128, TTL).unwrap()
        })
    });
    g.bench_function("check_count (replayed nc)", |b| {
        b.iter(|| {
            store
                .check_count("bench:nc", black_box(nc), 128, TTL)
                .unwrap()
        })
    });
    g.finish();
}

fn session_store(c: &mut Criterion) {
    let memory = MemoryStore::new(MemoryStoreConfig::new(10_000_000, 4 << 30));
    ops(c, "memory", &memory);
    if let Some(server) = redis_server() {
        let store = RedisStore::connect(
            RedisStoreConfig::new(format!("redis://127.0.0.1:{}", server.1)),
            KeyRing::generate().unwrap(),
        )
        .unwrap();
        ops(c, "redis (loopback)", &store);
    }
}

criterion_group!(benches, session_store);
criterion_main!(benches);
