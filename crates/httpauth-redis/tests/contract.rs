//! The `SessionStore` contract of httpauth-core, run by one generic module against every
//! store: the in-memory default, a Redis server, a Redis Cluster, and two Redis stores
//! (two "servers") sharing one Redis.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use httpauth_core::store::MemoryStoreConfig;
use httpauth_core::store::contract::{self, RealTime, TimeTravel};
use httpauth_core::store::{CasOutcome, CountCheck, EvictionClass};
use httpauth_core::{ManualClock, MemoryStore, SecretBytes, SessionStore};
use httpauth_redis::{KeyRing, RedisStore, RedisStoreConfig, SealingKey};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The one generic contract module: every store runs exactly this.
fn meets_the_contract<S: SessionStore + ?Sized>(store: &S, time: &dyn TimeTravel, prefix: &str) {
    contract::run_all(store, time, prefix);
}

fn ring() -> KeyRing {
    KeyRing::new(SealingKey::new(1, &[7; 32]), Vec::new()).unwrap()
}

#[test]
fn memory_store_meets_the_contract() {
    let clock = Arc::new(ManualClock::new(
        SystemTime::UNIX_EPOCH + Duration::from_secs(1 << 30),
    ));
    let store = MemoryStore::with_clock(MemoryStoreConfig::default(), clock.clone());
    meets_the_contract(&store, &*clock, "contract:");
}

#[test]
fn redis_store_meets_the_contract() {
    if !common::have_redis() {
        return;
    }
    let redis = common::Redis::start();
    let store = RedisStore::connect(RedisStoreConfig::new(redis.url()), ring()).unwrap();
    meets_the_contract(&store, &RealTime, "contract:");
}

#[test]
fn redis_cluster_store_meets_the_contract() {
    if !common::have_redis() {
        return;
    }
    let redis = common::Redis::start_cluster();
    let store = RedisStore::connect(RedisStoreConfig::cluster([redis.url()]), ring()).unwrap();
    meets_the_contract(&store, &RealTime, "contract:");
}

/// Two stores with their own connections and runtimes (two servers) see one state, and
/// parallel counts through both are each accepted exactly once.
#[test]
fn two_redis_stores_act_as_one() {
    if !common::have_redis() {
        return;
    }
    let redis = common::Redis::start();
    let a = RedisStore::connect(RedisStoreConfig::new(redis.url()), ring()).unwrap();
    let b = RedisStore::connect(RedisStoreConfig::new(redis.url()), ring()).unwrap();
    let long = Duration::from_secs(60);
    let v1 = a
        .insert(
            "mutual:sid:x",
            SecretBytes::from_slice(b"kex"),
            long,
            EvictionClass::Pending,
        )
        .unwrap()
        .unwrap();
    let e = b.get("mutual:sid:x").unwrap().unwrap();
    assert_eq!((e.version, e.value.expose_secret()), (v1, &b"kex"[..]));
    let CasOutcome::Swapped { version: v2 } = b
        .compare_and_swap(
            "mutual:sid:x",
            v1,
            SecretBytes::from_slice(b"auth"),
            long,
            EvictionClass::Established,
        )
        .unwrap()
    else {
        panic!("swap through b")
    };
    assert_eq!(
        a.compare_and_swap(
            "mutual:sid:x",
            v1,
            SecretBytes::from_slice(b"lost"),
            long,
            EvictionClass::Established
        )
        .unwrap(),
        CasOutcome::Conflict,
        "a's stale version loses"
    );
    assert_eq!(a.get("mutual:sid:x").unwrap().unwrap().version, v2);
    assert_eq!(
        a.check_count("digest:nc:n", 1, 128, long).unwrap(),
        CountCheck::Fresh
    );
    assert_eq!(
        b.check_count("digest:nc:n", 1, 128, long).unwrap(),
        CountCheck::Replayed
    );
    assert_eq!(
        b.check_count("digest:nc:n", 2, 128, long).unwrap(),
        CountCheck::Fresh
    );
    assert_eq!(
        a.check_count_existing("digest:nc:n", 2, 128, long).unwrap(),
        Some(CountCheck::Replayed)
    );

    let accepted = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|s| {
        for store in [&a, &b, &a, &b] {
            let accepted = &accepted;
            s.spawn(move || {
                for nc in 1..=300u64 {
                    if store
                        .check_count("mutual:nc:shared", nc, 512, long)
                        .unwrap()
                        == CountCheck::Fresh
                    {
                        accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            });
        }
    });
    assert_eq!(accepted.into_inner(), 300);
}
