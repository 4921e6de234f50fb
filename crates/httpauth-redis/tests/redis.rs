//! Redis-specific behaviour of `RedisStore` against a real redis-server: sealing at rest,
//! key rotation, TTLs on every key, the Lua count window against the in-memory model,
//! outages (fail closed, recover without a restart) and a full Redis.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use httpauth_core::store::{CountCheck, CountWindow, EvictionClass};
use httpauth_core::{Error, SecretBytes, SessionStore};
use httpauth_redis::{KeyRing, RedisStore, RedisStoreConfig, SealingKey};
use proptest::prelude::*;
use redis::Commands as _;
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(600);

fn key(id: u32, byte: u8) -> SealingKey {
    SealingKey::new(id, &[byte; 32])
}

fn store(redis: &common::Redis, ring: KeyRing) -> RedisStore {
    let cfg = RedisStoreConfig::new(redis.url())
        .key_prefix("t:")
        .timeouts(Duration::from_millis(300), Duration::from_millis(400));
    RedisStore::connect(cfg, ring).unwrap()
}

fn ring1() -> KeyRing {
    KeyRing::new(key(1, 1), Vec::new()).unwrap()
}

#[test]
fn session_secrets_are_sealed_at_rest_and_every_key_has_a_ttl() {
    if !common::have_redis() {
        return;
    }
    let redis = common::Redis::start();
    let s = store(&redis, ring1());
    let secret = b"z=0123456789abcdef-session-secret";
    s.insert(
        "mutual:sid:a",
        SecretBytes::from_slice(secret),
        LONG,
        EvictionClass::Pending,
    )
    .unwrap();
    s.check_count("mutual:nc:a", 3, 128, LONG).unwrap();
    s.check_count("digest:nc:b", 1, 4096, Duration::from_secs(5))
        .unwrap();
    let mut raw = redis.raw();
    let stored: Vec<u8> = raw.get("t:mutual:sid:a").unwrap();
    assert!(
        !stored.windows(secret.len()).any(|w| w == secret),
        "plaintext in Redis"
    );
    assert!(
        !stored.windows(8).any(|w| w == b"session-"),
        "part of the plaintext in Redis"
    );
    let keys: Vec<String> = raw.keys("*").unwrap();
    assert_eq!(keys.len(), 3, "{keys:?}");
    for k in keys {
        assert!(k.starts_with("t:"), "prefix on {k}");
        let ttl: i64 = raw.pttl(&k).unwrap();
        assert!(ttl > 0, "{k} has no TTL ({ttl})");
    }
}

#[test]
fn tampered_moved_or_foreign_records_read_as_corrupt() {
    if !common::have_redis() {
        return;
    }
    let redis = common::Redis::start();
    let s = store(&redis, ring1());
    s.insert(
        "mutual:sid:a",
        SecretBytes::from_slice(b"z"),
        LONG,
        EvictionClass::Established,
    )
    .unwrap();
    let mut raw = redis.raw();
    // Copied under another session's key: the AEAD binds the key name.
    let rec: Vec<u8> = raw.get("t:mutual:sid:a").unwrap();
    let _: () = raw.set("t:mutual:sid:b", &rec).unwrap();
    assert_eq!(s.get("mutual:sid:b").unwrap_err(), Error::StoreCorrupt);
    // One flipped ciphertext bit.
    let mut t = rec.clone();
    *t.last_mut().unwrap() ^= 1;
    let _: () = raw.set("t:mutual:sid:a", &t).unwrap();
    assert_eq!(s.get("mutual:sid:a").unwrap_err(), Error::StoreCorrupt);
    // Truncated, and a value of another type.
    let _: () = raw.set("t:mutual:sid:c", &rec[..10]).unwrap();
    assert_eq!(s.get("mutual:sid:c").unwrap_err(), Error::StoreCorrupt);
    let _: () = raw.lpush("t:mutual:sid:d", "x").unwrap();
    assert_eq!(s.get("mutual:sid:d").unwrap_err(), Error::StoreCorrupt);
    // A count window that is not one.
    let _: () = raw.set("t:digest:nc:e", "garbage!garbage").unwrap();
    assert_eq!(
        s.check_count("digest:nc:e", 1, 64, LONG).unwrap_err(),
        Error::StoreCorrupt
    );
}

#[test]
fn key_rotation_keeps_live_sessions_readable() {
    if !common::have_redis() {
        return;
    }
    let redis = common::Redis::start();
    let old = store(&redis, ring1());
    old.insert(
        "s1",
        SecretBytes::from_slice(b"before"),
        LONG,
        EvictionClass::Established,
    )
    .unwrap();
    // Step 1: the new key first, the old one kept for opening.
    let rotated = store(&redis, KeyRing::new(key(2, 2), vec![key(1, 1)]).unwrap());
    let e = rotated.get("s1").unwrap().unwrap();
    assert_eq!(e.value.expose_secret(), b"before");
    rotated
        .compare_and_swap(
            "s1",
            e.version,
            SecretBytes::from_slice(b"after"),
            LONG,
            EvictionClass::Established,
        )
        .unwrap();
    // A server still on the old ring cannot open records sealed under key 2: it fails
    // closed (the session is re-established), it never misreads.
    assert_eq!(old.get("s1").unwrap_err(), Error::StoreCorrupt);
    // Step 2, after the longest TTL: the old key dropped.
    old.insert(
        "s2",
        SecretBytes::from_slice(b"old"),
        LONG,
        EvictionClass::Established,
    )
    .unwrap();
    let new_only = store(&redis, KeyRing::new(key(2, 2), Vec::new()).unwrap());
    assert_eq!(
        new_only.get("s1").unwrap().unwrap().value.expose_secret(),
        b"after"
    );
    assert_eq!(new_only.get("s2").unwrap_err(), Error::StoreCorrupt);
}

#[test]
fn outage_fails_closed_in_bounded_time_and_recovers_without_restart() {
    if !common::have_redis() {
        return;
    }
    let mut redis = common::Redis::start();
    let s = store(&redis, ring1());
    assert_eq!(s.check_count("nc", 1, 64, LONG).unwrap(), CountCheck::Fresh);
    redis.stop();
    for _ in 0..3 {
        let t = Instant::now();
        assert_eq!(s.get("k").unwrap_err(), Error::StoreUnavailable);
        assert_eq!(
            s.check_count("nc", 2, 64, LONG).unwrap_err(),
            Error::StoreUnavailable
        );
        assert_eq!(
            s.insert(
                "k",
                SecretBytes::from_slice(b"v"),
                LONG,
                EvictionClass::Pending
            )
            .unwrap_err(),
            Error::StoreUnavailable
        );
        assert!(
            t.elapsed() < Duration::from_secs(3),
            "bounded: {:?}",
            t.elapsed()
        );
    }
    redis.restart();
    // Service comes back by itself (the scripts are re-sent: the new server has none).
    let t = Instant::now();
    loop {
        match s.check_count("nc", 2, 64, LONG) {
            Ok(c) => {
                assert_eq!(c, CountCheck::Fresh, "the restarted Redis is empty");
                break;
            }
            Err(e) => {
                assert_eq!(e, Error::StoreUnavailable);
                assert!(t.elapsed() < Duration::from_secs(10), "no recovery");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    assert!(
        s.insert(
            "k",
            SecretBytes::from_slice(b"v"),
            LONG,
            EvictionClass::Pending
        )
        .unwrap()
        .is_some()
    );
    s.ping().unwrap();
}

#[test]
fn a_full_redis_is_store_full() {
    if !common::have_redis() {
        return;
    }
    let redis = common::Redis::start();
    let mut raw = redis.raw();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory")
        .arg("3mb")
        .query(&mut raw)
        .unwrap();
    let s = store(&redis, ring1());
    let big = vec![0x5a; 60 << 10];
    let mut err = None;
    for i in 0..1000 {
        match s.insert(
            &format!("big{i}"),
            SecretBytes::from_slice(&big),
            LONG,
            EvictionClass::Pending,
        ) {
            Ok(_) => {}
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    assert_eq!(err, Some(Error::StoreFull));
    // Oversized values are refused before they reach Redis.
    let huge = vec![0; (64 << 10) + 1];
    assert_eq!(
        s.insert(
            "huge",
            SecretBytes::from_slice(&huge),
            LONG,
            EvictionClass::Pending
        )
        .unwrap_err(),
        Error::StoreFull
    );
}

/// A sequence of counts: increments, jumps (including past the 2^32 boundary of the
/// script's halves and to the top of u64) and replays of older counts.
fn counts() -> impl Strategy<Value = (u64, u32, Vec<u64>)> {
    let start = prop_oneof![
        1u64..1000,
        Just((1u64 << 32) - 70),
        Just(u64::MAX - 5000),
        any::<u64>(),
    ];
    let window = prop_oneof![Just(1u32), Just(64), Just(128), Just(200), 1u32..=4096];
    let step = prop_oneof![
        4 => 0i64..3,
        2 => -300i64..0,
        1 => 1i64..5000,
        1 => -5000i64..-300,
    ];
    (start, window, prop::collection::vec(step, 1..120)).prop_map(|(start, w, steps)| {
        let mut c = start;
        let mut out = vec![start];
        for s in steps {
            c = if s >= 0 {
                c.saturating_add(s as u64)
            } else {
                c.saturating_sub(s.unsigned_abs())
            };
            out.push(c);
        }
        (start, w, out)
    })
}

#[test]
fn lua_count_window_agrees_with_the_in_memory_window() {
    if !common::have_redis() {
        return;
    }
    let redis = common::Redis::start();
    let s = store(&redis, ring1());
    let n = std::sync::atomic::AtomicU64::new(0);
    proptest!(ProptestConfig::with_cases(200), |((first, window, seq) in counts())| {
        let k = format!("nc:{}", n.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let mut model = CountWindow::new(first, window);
        prop_assert_eq!(s.check_count(&k, first, window, LONG).unwrap(), CountCheck::Fresh);
        for &c in &seq[1..] {
            prop_assert_eq!(s.check_count(&k, c, window, LONG).unwrap(), model.check(c, window), "count {}", c);
        }
    });
}

/// Issue 13: Redis loses its data (a restart without persistence, `FLUSHALL`): the
/// generation record goes with the windows, so a captured nc of a nonce issued before
/// is stale (`Lost`), never fresh; keys issued in the new generation work. Two stores
/// (two servers) agree on the generation.
#[test]
fn data_loss_makes_windows_of_older_generations_stale() {
    use httpauth_core::store::GenerationCheck;
    if !common::have_redis() {
        return;
    }
    let mut redis = common::Redis::start();
    let a = store(&redis, ring1());
    let b = store(&redis, ring1());
    let g = a.window_generation().unwrap();
    assert_eq!(
        b.window_generation().unwrap(),
        g,
        "one generation per Redis"
    );
    assert!(a.is_remote());
    assert_eq!(
        a.check_count_in_generation("digest:nc:n1", 1, 128, LONG, g)
            .unwrap(),
        GenerationCheck::Checked(CountCheck::Fresh)
    );
    assert_eq!(
        b.check_count_in_generation("digest:nc:n1", 1, 128, LONG, g)
            .unwrap(),
        GenerationCheck::Checked(CountCheck::Replayed)
    );
    // FLUSHALL: everything is gone.
    let _: () = redis::cmd("FLUSHALL").query(&mut redis.raw()).unwrap();
    let r = b
        .check_count_in_generation("digest:nc:n1", 1, 128, LONG, g)
        .unwrap();
    let GenerationCheck::Lost { current: g2 } = r else {
        panic!("the captured nc was accepted again: {r:?}")
    };
    assert_ne!(g2, g);
    assert_eq!(b.window_generation().unwrap(), g2, "cached from the answer");
    assert_eq!(
        a.check_count_in_generation("digest:nc:n2", 1, 128, LONG, g2)
            .unwrap(),
        GenerationCheck::Checked(CountCheck::Fresh),
        "a nonce of the new generation works through the other server"
    );
    // A restart without persistence.
    redis.restart();
    let t = Instant::now();
    let r = loop {
        match a.check_count_in_generation("digest:nc:n2", 1, 128, LONG, g2) {
            Ok(r) => break r,
            Err(e) => {
                assert_eq!(e, Error::StoreUnavailable);
                assert!(t.elapsed() < Duration::from_secs(10), "no recovery");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    };
    assert!(
        matches!(r, GenerationCheck::Lost { current } if current != g2),
        "{r:?}"
    );
}
