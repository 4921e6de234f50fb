//! The contract every [`SessionStore`] must meet, as a reusable test suite.
//!
//! Enabled by the `contract-tests` feature. Store implementations run it from their
//! tests with the store under test and a way to let time pass
//! (a [`ManualClock`](crate::ManualClock) for in-memory stores, real sleeps for a server
//! whose clock cannot be moved). Keys are prefixed so several runs can share one server.
//!
//! The functions panic on a violation: they are test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::{CasOutcome, CountCheck, EvictionClass, GenerationCheck, SessionStore};
use crate::SecretBytes;
use std::time::Duration;

/// Lets time pass for the store under test.
pub trait TimeTravel: Sync {
    /// Advances the store's notion of time by at least `by`.
    fn advance(&self, by: Duration);
}

impl TimeTravel for crate::ManualClock {
    fn advance(&self, by: Duration) {
        crate::ManualClock::advance(self, by);
    }
}

/// Time passes for real (for stores whose clock cannot be moved).
#[derive(Debug, Clone, Copy, Default)]
pub struct RealTime;

impl TimeTravel for RealTime {
    fn advance(&self, by: Duration) {
        std::thread::sleep(by);
    }
}

const LONG: Duration = Duration::from_secs(600);
/// Short TTL used by the expiry checks: long enough for a remote store's round trips.
const SHORT: Duration = Duration::from_secs(2);

fn v(bytes: &[u8]) -> SecretBytes {
    SecretBytes::from_slice(bytes)
}

/// Runs every check. `prefix` namespaces the keys.
pub fn run_all<S: SessionStore + ?Sized>(store: &S, time: &dyn TimeTravel, prefix: &str) {
    insert_is_only_if_absent(store, prefix);
    compare_and_swap_semantics(store, prefix);
    remove_semantics(store, prefix);
    ttl_expiry(store, time, prefix);
    count_window_semantics(store, prefix);
    count_window_ttl(store, time, prefix);
    existing_count_window_is_never_created(store, time, prefix);
    concurrent_counts_accepted_once(store, prefix);
    concurrent_cas_loses_no_update(store, prefix);
    generation_windows(store, prefix);
    pending_flood_never_reopens_a_window(store, prefix, 32 << 10, 3000);
}

/// `insert` writes only when the key is absent and returns a version; `get` reads it back.
pub fn insert_is_only_if_absent<S: SessionStore + ?Sized>(store: &S, prefix: &str) {
    let key = format!("{prefix}insert");
    let version = store
        .insert(&key, v(b"one"), LONG, EvictionClass::Pending)
        .unwrap();
    let version = version.expect("first insert writes");
    assert_eq!(
        store
            .insert(&key, v(b"two"), LONG, EvictionClass::Pending)
            .unwrap(),
        None
    );
    let entry = store.get(&key).unwrap().expect("present");
    assert_eq!(entry.value.expose_secret(), b"one");
    assert_eq!(entry.version, version);
    assert!(store.get(&format!("{prefix}absent")).unwrap().is_none());
}

/// `compare_and_swap` writes only on a matching version and reports conflicts and absence.
pub fn compare_and_swap_semantics<S: SessionStore + ?Sized>(store: &S, prefix: &str) {
    let key = format!("{prefix}cas");
    let v1 = store
        .insert(&key, v(b"kex"), LONG, EvictionClass::Pending)
        .unwrap()
        .unwrap();
    let CasOutcome::Swapped { version: v2 } = store
        .compare_and_swap(&key, v1, v(b"auth"), LONG, EvictionClass::Established)
        .unwrap()
    else {
        panic!("matching version must swap")
    };
    assert_ne!(v1, v2, "versions change on write");
    assert_eq!(
        store
            .compare_and_swap(&key, v1, v(b"stale"), LONG, EvictionClass::Established)
            .unwrap(),
        CasOutcome::Conflict
    );
    assert_eq!(
        store.get(&key).unwrap().unwrap().value.expose_secret(),
        b"auth"
    );
    assert_eq!(
        store
            .compare_and_swap(
                &format!("{prefix}cas-missing"),
                1,
                v(b"x"),
                LONG,
                EvictionClass::Pending
            )
            .unwrap(),
        CasOutcome::Missing
    );
}

/// `remove` reports presence and makes the key absent.
pub fn remove_semantics<S: SessionStore + ?Sized>(store: &S, prefix: &str) {
    let key = format!("{prefix}remove");
    store
        .insert(&key, v(b"x"), LONG, EvictionClass::Established)
        .unwrap();
    assert!(store.remove(&key).unwrap());
    assert!(!store.remove(&key).unwrap());
    assert!(store.get(&key).unwrap().is_none());
    assert!(
        store
            .insert(&key, v(b"y"), LONG, EvictionClass::Established)
            .unwrap()
            .is_some()
    );
}

/// Entries disappear after their TTL; a CAS sets a new TTL.
pub fn ttl_expiry<S: SessionStore + ?Sized>(store: &S, time: &dyn TimeTravel, prefix: &str) {
    let short = format!("{prefix}ttl-short");
    let renewed = format!("{prefix}ttl-renewed");
    store
        .insert(&short, v(b"x"), SHORT, EvictionClass::Pending)
        .unwrap();
    let ver = store
        .insert(&renewed, v(b"x"), SHORT, EvictionClass::Pending)
        .unwrap()
        .unwrap();
    assert!(matches!(
        store
            .compare_and_swap(&renewed, ver, v(b"y"), LONG, EvictionClass::Established)
            .unwrap(),
        CasOutcome::Swapped { .. }
    ));
    time.advance(SHORT + Duration::from_millis(1100));
    assert!(
        store.get(&short).unwrap().is_none(),
        "expired entry is gone"
    );
    assert!(
        store
            .insert(&short, v(b"z"), LONG, EvictionClass::Pending)
            .unwrap()
            .is_some()
    );
    assert!(
        store.get(&renewed).unwrap().is_some(),
        "CAS set a longer TTL"
    );
}

/// The count window accepts each count once, out of order, within the window.
pub fn count_window_semantics<S: SessionStore + ?Sized>(store: &S, prefix: &str) {
    let key = format!("{prefix}nc");
    let check = |n| store.check_count(&key, n, 128, LONG).unwrap();
    assert_eq!(check(1), CountCheck::Fresh);
    assert_eq!(check(5), CountCheck::Fresh);
    assert_eq!(check(3), CountCheck::Fresh, "out of order accepted");
    assert_eq!(check(3), CountCheck::Replayed);
    assert_eq!(check(1), CountCheck::Replayed);
    assert_eq!(check(300), CountCheck::Fresh);
    assert_eq!(
        check(173),
        CountCheck::Fresh,
        "oldest count still in the window"
    );
    assert_eq!(check(172), CountCheck::OutOfWindow);
    assert_eq!(check(300), CountCheck::Replayed);
    assert_eq!(check(u64::MAX), CountCheck::Fresh);
    assert_eq!(check(u64::MAX), CountCheck::Replayed);
    let other = format!("{prefix}nc-other");
    assert_eq!(
        store.check_count(&other, 5, 128, LONG).unwrap(),
        CountCheck::Fresh,
        "windows are per key"
    );
}

/// A count window expires after its TTL and then starts anew.
pub fn count_window_ttl<S: SessionStore + ?Sized>(store: &S, time: &dyn TimeTravel, prefix: &str) {
    let key = format!("{prefix}nc-ttl");
    assert_eq!(
        store.check_count(&key, 7, 128, SHORT).unwrap(),
        CountCheck::Fresh
    );
    assert_eq!(
        store.check_count(&key, 7, 128, SHORT).unwrap(),
        CountCheck::Replayed
    );
    time.advance(SHORT + Duration::from_millis(1100));
    assert_eq!(
        store.check_count(&key, 7, 128, SHORT).unwrap(),
        CountCheck::Fresh
    );
}

/// `check_count_existing` uses a live window and never creates one.
pub fn existing_count_window_is_never_created<S: SessionStore + ?Sized>(
    store: &S,
    time: &dyn TimeTravel,
    prefix: &str,
) {
    let key = format!("{prefix}nc-existing");
    let existing = |n| store.check_count_existing(&key, n, 128, SHORT).unwrap();
    assert_eq!(existing(1), None);
    assert_eq!(existing(1), None, "still absent: never created");
    assert_eq!(
        store.check_count(&key, 1, 128, SHORT).unwrap(),
        CountCheck::Fresh
    );
    assert_eq!(existing(2), Some(CountCheck::Fresh));
    assert_eq!(existing(2), Some(CountCheck::Replayed));
    assert_eq!(existing(1), Some(CountCheck::Replayed));
    time.advance(SHORT + Duration::from_millis(1100));
    assert_eq!(existing(3), None, "an expired window is gone");
}

/// Parallel callers presenting the same counts get each one accepted exactly once.
pub fn concurrent_counts_accepted_once<S: SessionStore + ?Sized>(store: &S, prefix: &str) {
    let key = format!("{prefix}nc-concurrent");
    let accepted = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for nc in 1..=200u64 {
                    if store.check_count(&key, nc, 1024, LONG).unwrap() == CountCheck::Fresh {
                        accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            });
        }
    });
    assert_eq!(accepted.into_inner(), 200);
}

/// Compare-and-swap loops from several threads lose no update.
pub fn concurrent_cas_loses_no_update<S: SessionStore + ?Sized>(store: &S, prefix: &str) {
    let key = format!("{prefix}cas-concurrent");
    store
        .insert(
            &key,
            v(&0u64.to_be_bytes()),
            LONG,
            EvictionClass::Established,
        )
        .unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..25 {
                    loop {
                        let e = store.get(&key).unwrap().unwrap();
                        let n = u64::from_be_bytes(e.value.expose_secret().try_into().unwrap());
                        let next = v(&(n + 1).to_be_bytes());
                        match store
                            .compare_and_swap(
                                &key,
                                e.version,
                                next,
                                LONG,
                                EvictionClass::Established,
                            )
                            .unwrap()
                        {
                            CasOutcome::Swapped { .. } => break,
                            CasOutcome::Conflict => continue,
                            CasOutcome::Missing => panic!("entry vanished"),
                        }
                    }
                }
            });
        }
    });
    let e = store.get(&key).unwrap().unwrap();
    assert_eq!(
        u64::from_be_bytes(e.value.expose_secret().try_into().unwrap()),
        100
    );
}

/// Windows of keys issued in a generation: created only in the current generation, a
/// missing window of another generation is [`GenerationCheck::Lost`], and an existing
/// window is used whatever the generation.
pub fn generation_windows<S: SessionStore + ?Sized>(store: &S, prefix: &str) {
    let g = store.window_generation().unwrap();
    assert_ne!(g, 0, "generations are non-zero");
    assert_eq!(
        store.window_generation().unwrap(),
        g,
        "stable without a loss"
    );
    let key = format!("{prefix}gen-nc");
    let check = |n, generation| {
        store
            .check_count_in_generation(&key, n, 128, LONG, generation)
            .unwrap()
    };
    assert_eq!(check(1, g), GenerationCheck::Checked(CountCheck::Fresh));
    assert_eq!(check(1, g), GenerationCheck::Checked(CountCheck::Replayed));
    assert_eq!(check(2, g), GenerationCheck::Checked(CountCheck::Fresh));
    let old = if g == 1 { 2 } else { g - 1 };
    assert_eq!(
        check(2, old),
        GenerationCheck::Checked(CountCheck::Replayed),
        "an existing window is used whatever the key's generation"
    );
    let lost = format!("{prefix}gen-nc-lost");
    assert_eq!(
        store
            .check_count_in_generation(&lost, 1, 128, LONG, old)
            .unwrap(),
        GenerationCheck::Lost { current: g },
        "a missing window of an older generation is never fresh"
    );
    assert_eq!(
        store
            .check_count_in_generation(&lost, 1, 128, LONG, old)
            .unwrap(),
        GenerationCheck::Lost { current: g },
        "and is not created by asking"
    );
    assert_eq!(
        store.check_count_existing(&lost, 1, 128, LONG).unwrap(),
        None
    );
}

/// Issue 13: a flood of pending entries (unauthenticated Mutual key exchanges) must not
/// make a captured count of a live key acceptable again. Inserts up to `max_flood`
/// pending values of `value_len` bytes (stopping when the store is full), replays the
/// captured count, then removes the flood.
pub fn pending_flood_never_reopens_a_window<S: SessionStore + ?Sized>(
    store: &S,
    prefix: &str,
    value_len: usize,
    max_flood: usize,
) {
    let g = store.window_generation().unwrap();
    let key = format!("{prefix}flood-nc");
    assert_eq!(
        store
            .check_count_in_generation(&key, 1, 128, LONG, g)
            .unwrap(),
        GenerationCheck::Checked(CountCheck::Fresh)
    );
    let mut inserted = Vec::new();
    for i in 0..max_flood {
        let k = format!("{prefix}flood:{i}");
        match store.insert(
            &k,
            SecretBytes::new(vec![0x5a; value_len]),
            LONG,
            EvictionClass::Pending,
        ) {
            Ok(_) => inserted.push(k),
            Err(crate::Error::StoreFull) => break,
            Err(e) => panic!("flood insert: {e}"),
        }
    }
    let replay = store.check_count_in_generation(&key, 1, 128, LONG, g);
    assert!(
        !matches!(replay, Ok(GenerationCheck::Checked(CountCheck::Fresh))),
        "a captured nc was accepted again after a pending flood: {replay:?}"
    );
    let legacy = store.check_count_existing(&key, 1, 128, LONG);
    assert!(!matches!(legacy, Ok(Some(CountCheck::Fresh))), "{legacy:?}");
    for k in &inserted {
        store.remove(k).unwrap();
    }
    let after = store
        .check_count_in_generation(&key, 1, 128, LONG, g)
        .unwrap();
    assert!(
        matches!(
            after,
            GenerationCheck::Checked(CountCheck::Replayed) | GenerationCheck::Lost { .. }
        ),
        "{after:?}"
    );
}
