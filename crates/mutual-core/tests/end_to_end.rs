//! End-to-end: the client and server engines, talking through real header strings.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on failure by design

mod common;

use common::{Hooks, Verifiers, WireResponse, run, serve};
use httpauth_core::{
    AuthScheme, Cost, Credentials, FailureKind, Outcome, Password, RequestContext,
};
use mutual_core::client::{MutualClient, RequestTarget, Status};
use mutual_core::kam3::{self, SessionKeys};
use mutual_core::messages::{ClientCredentials, SCHEME, ServerChallenge, Space};
use mutual_core::scope::{Origin, ScopeKind, Validation};
use mutual_core::server::{MutualServer, ServerConfig};
use mutual_core::{
    ALL_ALGORITHMS, Algorithm, ClientKex, Error, IsoKam3Dl2048Sha256, IsoKam3EcP256Sha256,
};
use proptest::prelude::*;
use std::sync::Arc;

const REALM: &str = "testrealm@example.com";

fn setup(
    alg: &'static dyn Algorithm,
    realm: &str,
    user: &str,
    password: &str,
) -> (MutualServer, MutualClient) {
    let v = Verifiers::default();
    v.add(alg.token(), "example.com", realm, user, password);
    let server = MutualServer::new(
        ServerConfig::new(realm)
            .with_algorithms(&[alg])
            .with_path("/"),
        Arc::new(v),
    );
    let mut client = MutualClient::new();
    client.add_login(realm, None, user, Password::from(password));
    (server, client)
}

fn target() -> RequestTarget {
    RequestTarget::new(
        Origin::new("http", "example.com", 80).unwrap(),
        "/index.html",
    )
}

fn ctx() -> RequestContext<'static> {
    RequestContext::new("GET", "/index.html", "http", "example.com")
}

fn succeeded(r: &Result<Status, Error>) -> bool {
    matches!(r, Ok(Status::AuthSucceeded { .. }))
}

#[test]
fn all_four_algorithms_complete_and_reuse_sessions() {
    for &alg in ALL_ALGORITHMS {
        let (server, mut client) = setup(alg, REALM, "alice", "wonderland");
        let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
        assert!(succeeded(&r), "{}: {r:?}", alg.token());
        // normal request, req-KEX-C1, req-VFY-C
        assert_eq!(sent.len(), 2, "{}", alg.token());
        assert!(sent[0].contains("kc1="), "{}", sent[0]);
        assert!(sent[1].contains("vkc=") && sent[1].contains("nc=1"));
        // Session reuse (section 2.3 case B): one round trip, nc increases.
        let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
        assert!(succeeded(&r), "{}: {r:?}", alg.token());
        assert_eq!(sent.len(), 1);
        assert!(sent[0].contains("nc=2"), "{}", sent[0]);
        assert_eq!(client.cached_pi_count(), 1);
    }
}

prop_compose! {
    fn login()(
        user in "[a-zA-Z0-9\u{e0}-\u{ff}\u{4e00}-\u{4e10}]{1,12}",
        realm in "[ -~\u{e9}\u{3042}]{1,24}",
        password in "\\PC{1,16}",
    ) -> (String, String, String) {
        (user, realm, password)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3))]

    #[test]
    fn random_utf8_logins_all_algorithms((user, realm, password) in login()) {
        prop_assume!(mutual_core::prep::prepare_password(&password).is_ok());
        prop_assume!(mutual_core::prep::prepare_username(&user).is_ok());
        for &alg in ALL_ALGORITHMS {
            let (server, mut client) = setup(alg, &realm, &user, &password);
            let (r, _) = run(&mut client, &server, target(), &ctx(), false, None);
            prop_assert!(succeeded(&r), "{} {:?}", alg.token(), r);
        }
    }
}

#[test]
fn wrong_password_is_auth_required() {
    let (server, _) = setup(&IsoKam3EcP256Sha256, REALM, "alice", "wonderland");
    let mut client = MutualClient::new();
    client.add_login(REALM, None, "alice", Password::from("looking-glass"));
    let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
    assert!(
        matches!(r, Ok(Status::AuthRequired { failed: true, .. })),
        "{r:?}"
    );
    assert_eq!(sent.len(), 2);
    // Step 13: the credentials are forgotten.
    let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
    assert!(
        matches!(r, Ok(Status::AuthRequired { failed: false, .. })),
        "{r:?}"
    );
    assert!(sent.is_empty());
}

/// Section 11 Note 2: an unknown user gets a 401-KEX-S1 of the same shape, and fails only
/// at req-VFY-C with the same 401-INIT as a wrong password.
#[test]
fn unknown_user_indistinguishable_until_vfy() {
    for alg in [
        &IsoKam3Dl2048Sha256 as &'static dyn Algorithm,
        &IsoKam3EcP256Sha256,
    ] {
        let (server, _) = setup(alg, REALM, "alice", "wonderland");
        let mut transcripts = Vec::new();
        for (user, pw) in [("alice", "wrong"), ("mallory", "wrong")] {
            let mut client = MutualClient::new();
            client.add_login(REALM, None, user, Password::from(pw));
            let mut responses = Vec::new();
            let mut rec = |_: u32, r: WireResponse| {
                responses.push(r.clone());
                r
            };
            let mut id = |_: u32, s: String| s;
            let (r, _) = run(
                &mut client,
                &server,
                target(),
                &ctx(),
                false,
                Some(Hooks {
                    request: &mut id,
                    response: &mut rec,
                }),
            );
            assert!(matches!(r, Ok(Status::AuthRequired { failed: true, .. })));
            transcripts.push(responses);
        }
        let shape = |r: &WireResponse| {
            let cs =
                httpauth_headers::parse_challenges(r.www_authenticate.as_deref().unwrap()).unwrap();
            let c = &cs[0];
            (
                r.status,
                c.params()
                    .iter()
                    .map(|p| {
                        let v = if ["sid", "ks1"].contains(&p.name()) {
                            format!("<{} chars>", p.value().len())
                        } else {
                            p.value().to_owned()
                        };
                        (p.name().to_owned(), v)
                    })
                    .collect::<Vec<_>>(),
            )
        };
        let a: Vec<_> = transcripts[0].iter().map(shape).collect();
        let b: Vec<_> = transcripts[1].iter().map(shape).collect();
        assert_eq!(a, b, "{}", alg.token());
        assert!(
            a[2].1
                .iter()
                .any(|(k, v)| k == "reason" && v == "auth-failed")
        );
    }
}

#[test]
fn replayed_nc_is_stale() {
    let (server, mut client) = setup(&IsoKam3EcP256Sha256, REALM, "alice", "wonderland");
    let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
    assert!(succeeded(&r));
    let replay = serve(&server, &ctx(), Some(&sent[1]), false);
    assert_eq!(replay.status, 401);
    let h = replay.www_authenticate.unwrap();
    assert!(h.contains("reason=stale-session"), "{h}");
    // The session became inactive: the client recovers with one fresh key exchange.
    let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
    assert!(succeeded(&r), "{r:?}");
    assert_eq!(sent.len(), 3, "VFY (stale), KEX, VFY");
}

#[test]
fn out_of_window_and_over_nc_max_are_stale() {
    let v = Verifiers::default();
    v.add(
        IsoKam3EcP256Sha256.token(),
        "example.com",
        REALM,
        "alice",
        "pw",
    );
    let server = MutualServer::new(
        ServerConfig::new(REALM)
            .with_algorithms(&[&IsoKam3EcP256Sha256])
            .with_nc(3, 128),
        Arc::new(v),
    );
    let mut client = MutualClient::new();
    client.add_login(REALM, None, "alice", Password::from("pw"));
    for expected_len in [2, 1, 1] {
        let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
        assert!(succeeded(&r));
        assert_eq!(sent.len(), expected_len);
    }
    // nc-max = 3 is used up: the client starts a new key exchange by itself.
    let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
    assert!(succeeded(&r));
    assert!(sent[0].contains("kc1="));
    // A forged nc above nc-max (with the vkc of nc=1, so not from the holder of z) gets
    // the 401-INIT (+) of a wrong vkc, and the session lives on (issue 13).
    let forged = sent[1].replace("nc=1", "nc=4");
    let resp = serve(&server, &ctx(), Some(&forged), false);
    assert!(resp.www_authenticate.unwrap().contains("auth-failed"));
    let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
    assert!(succeeded(&r));
    assert_eq!(sent.len(), 1, "the session survived the forged request");
    // An nc above nc-max with a correct vkc: 401-STALE, the session is inactive
    // (section 11).
    let (server, space, sid, keys) = manual_session(&IsoKam3EcP256Sha256, 3);
    assert!(vfy(&server, &space, &sid, 1, &keys).is_authenticated());
    let o = vfy(&server, &space, &sid, 4, &keys);
    assert_eq!(failure_kind(&o), Some(FailureKind::Stale), "{o:?}");
    let o = vfy(&server, &space, &sid, 2, &keys);
    assert_eq!(failure_kind(&o), Some(FailureKind::Stale), "{o:?}");
}

/// A session made by hand (the kam3 functions, no client engine), so that a test can
/// compute VK_c for any nc: server, space, sid, keys. User alice, password "pw",
/// single-host scope `example.com`, `nc-max` as given.
fn manual_session(
    alg: &'static dyn Algorithm,
    nc_max: u64,
) -> (MutualServer, Space, Vec<u8>, SessionKeys) {
    let store = Arc::new(httpauth_core::MemoryStore::new(
        httpauth_core::store::MemoryStoreConfig::default(),
    ));
    manual_session_on(alg, nc_max, store)
}

/// As [`manual_session`], over a given session store.
fn manual_session_on(
    alg: &'static dyn Algorithm,
    nc_max: u64,
    store: Arc<dyn httpauth_core::SessionStore>,
) -> (MutualServer, Space, Vec<u8>, SessionKeys) {
    let v = Verifiers::default();
    v.add(alg.token(), "example.com", REALM, "alice", "pw");
    let server = MutualServer::with_store(
        ServerConfig::new(REALM)
            .with_algorithm(alg)
            .with_nc(nc_max, 128),
        Arc::new(v),
        store,
    );
    let space = Space {
        algorithm: alg,
        validation: Validation::Host,
        auth_scope: Some("example.com".into()),
        realm: REALM.into(),
    };
    let kex = ClientKex::new(alg).unwrap();
    let kc1 = ClientCredentials::KexC1 {
        space: space.clone(),
        user: "alice".into(),
        kc1: kex.kc1().to_vec(),
    };
    let creds = Credentials::with_params(SCHEME, kc1.to_params().unwrap()).unwrap();
    assert_eq!(server.cost(&creds), Cost::Cpu, "a key exchange is CPU work");
    let Outcome::Continue { challenges } = server.authenticate(&ctx(), &creds) else {
        panic!("no 401-KEX-S1");
    };
    let ServerChallenge::KexS1 { sid, ks1, .. } =
        ServerChallenge::from_challenge(&challenges[0]).unwrap()
    else {
        panic!("not a 401-KEX-S1");
    };
    let pi = kam3::pi(alg, "example.com", REALM, "alice", "pw").unwrap();
    let keys = kex.finish(&pi, &ks1).unwrap();
    (server, space, sid, keys)
}

/// A req-VFY-C with the correct VK_c for `nc` (vh of `http://example.com:80`).
fn vfy_credentials(space: &Space, sid: &[u8], nc: u64, keys: &SessionKeys) -> Credentials {
    let vkc = kam3::vk_c(space.algorithm, keys, nc, b"http://example.com:80");
    vfy_with(space, sid, nc, vkc)
}

fn vfy_with(space: &Space, sid: &[u8], nc: u64, vkc: Vec<u8>) -> Credentials {
    let c = ClientCredentials::VfyC {
        space: space.clone(),
        sid: sid.to_vec(),
        nc,
        vkc,
    };
    Credentials::with_params(SCHEME, c.to_params().unwrap()).unwrap()
}

fn vfy(server: &MutualServer, space: &Space, sid: &[u8], nc: u64, keys: &SessionKeys) -> Outcome {
    let creds = vfy_credentials(space, sid, nc, keys);
    assert_eq!(server.cost(&creds), Cost::Cheap, "a req-VFY-C is cheap");
    server.authenticate(&ctx(), &creds)
}

fn failure_kind(o: &Outcome) -> Option<FailureKind> {
    match o {
        Outcome::Failed(f) => Some(f.kind()),
        _ => None,
    }
}

fn reason_of(o: &Outcome) -> String {
    let Outcome::Failed(f) = o else {
        panic!("not a failure: {o:?}");
    };
    f.challenges()[0].value("reason").unwrap().to_owned()
}

/// Issue 13: "anyone who sees a Mutual sid can end that session with one forged request".
/// A req-VFY-C whose vkc is wrong never ends, rejects or otherwise changes an
/// authenticated session, whatever its nc: RFC 8120 section 11 lets the server keep the
/// state ("otherwise, it MAY either be changed to the "rejected" state or kept in the
/// previous state"), and the forger does not hold z. The forged requests get the
/// 401-INIT (+) with `reason=auth-failed`, never a 401-STALE.
#[test]
fn forged_vkc_never_ends_an_authenticated_session() {
    // Through the client engine and real header strings.
    let (server, mut client) = setup(&IsoKam3EcP256Sha256, REALM, "alice", "wonderland");
    let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
    assert!(succeeded(&r), "{r:?}");
    let seen = &sent[1]; // the req-VFY-C an eavesdropper saw: sid, nc=1
    assert!(seen.contains("nc=1"), "{seen}");
    let forged_vkc = replace_param(seen, "vkc", &"ab".repeat(32));
    for forged in [
        forged_vkc.replace("nc=1", "nc=2"),           // the next nc
        forged_vkc.replace("nc=1", "nc=1000"),        // far ahead (moves no window)
        forged_vkc.clone(),                           // an nc already used
        forged_vkc.replace("nc=1", "nc=99999999999"), // above nc-max
    ] {
        let resp = serve(&server, &ctx(), Some(&forged), false);
        assert_eq!(resp.status, 401, "{forged}");
        let h = resp.www_authenticate.unwrap();
        assert!(h.contains("reason=auth-failed"), "{forged}: {h}");
    }
    // The session still works: one request, no new key exchange.
    for _ in 0..3 {
        let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
        assert!(succeeded(&r), "{r:?}");
        assert_eq!(sent.len(), 1, "the session was ended by a forged request");
        assert!(sent[0].contains("vkc="));
    }

    // By hand, for every algorithm family: forged vkc for nc values around the window,
    // then the true client continues with the very nc values the forger used.
    for alg in [
        &IsoKam3EcP256Sha256 as &'static dyn Algorithm,
        &IsoKam3Dl2048Sha256,
    ] {
        let (server, space, sid, keys) = manual_session(alg, 1000);
        assert!(vfy(&server, &space, &sid, 1, &keys).is_authenticated());
        let wrong = vec![0x5a; alg.hash_len()];
        for nc in [1, 2, 3, 500, 1001, u64::MAX] {
            let o = server.authenticate(&ctx(), &vfy_with(&space, &sid, nc, wrong.clone()));
            assert_eq!(failure_kind(&o), Some(FailureKind::Unauthorized), "{nc}");
            assert_eq!(reason_of(&o), "auth-failed", "{nc}");
        }
        for nc in [2, 3, 500] {
            let o = vfy(&server, &space, &sid, nc, &keys);
            assert!(o.is_authenticated(), "{}: nc {nc}: {o:?}", alg.token());
        }
        // Section 6: an exact replay (correct vkc, nc used) still discards the session.
        let o = vfy(&server, &space, &sid, 500, &keys);
        assert_eq!(failure_kind(&o), Some(FailureKind::Stale));
        let o = vfy(&server, &space, &sid, 501, &keys);
        assert_eq!(failure_kind(&o), Some(FailureKind::Stale), "inactive now");
    }
}

/// Section 11: a session still "key exchanging" MUST become "rejected" on a wrong vkc,
/// and a rejected session answers 401-INIT (+) even to the correct vkc.
#[test]
fn wrong_vkc_rejects_a_key_exchanging_session() {
    let (server, space, sid, keys) = manual_session(&IsoKam3EcP256Sha256, 1000);
    let o = server.authenticate(&ctx(), &vfy_with(&space, &sid, 1, vec![0; 32]));
    assert_eq!(reason_of(&o), "auth-failed");
    let o = vfy(&server, &space, &sid, 1, &keys);
    assert_eq!(reason_of(&o), "auth-failed", "rejected stays rejected");
    let o = vfy(&server, &space, &sid, 2, &keys);
    assert_eq!(reason_of(&o), "auth-failed");
}

/// A session store that runs a hook (once) right after a read of a session record: a
/// request that arrives while another is being processed.
struct RacingStore {
    inner: httpauth_core::MemoryStore,
    hook: std::sync::Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl httpauth_core::SessionStore for RacingStore {
    fn insert(
        &self,
        key: &str,
        value: mutual_core::SecretBytes,
        ttl: std::time::Duration,
        class: httpauth_core::EvictionClass,
    ) -> Result<Option<u64>, httpauth_core::Error> {
        self.inner.insert(key, value, ttl, class)
    }
    fn get(&self, key: &str) -> Result<Option<httpauth_core::StoreEntry>, httpauth_core::Error> {
        let r = self.inner.get(key);
        let hook = self.hook.lock().unwrap().take();
        if let Some(h) = hook {
            h();
        }
        r
    }
    fn compare_and_swap(
        &self,
        key: &str,
        expected: u64,
        value: mutual_core::SecretBytes,
        ttl: std::time::Duration,
        class: httpauth_core::EvictionClass,
    ) -> Result<httpauth_core::CasOutcome, httpauth_core::Error> {
        self.inner
            .compare_and_swap(key, expected, value, ttl, class)
    }
    fn remove(&self, key: &str) -> Result<bool, httpauth_core::Error> {
        self.inner.remove(key)
    }
    fn check_count(
        &self,
        key: &str,
        count: u64,
        window: u32,
        ttl: std::time::Duration,
    ) -> Result<httpauth_core::CountCheck, httpauth_core::Error> {
        self.inner.check_count(key, count, window, ttl)
    }
    fn check_count_existing(
        &self,
        key: &str,
        count: u64,
        window: u32,
        ttl: std::time::Duration,
    ) -> Result<Option<httpauth_core::CountCheck>, httpauth_core::Error> {
        self.inner.check_count_existing(key, count, window, ttl)
    }
    fn window_generation(&self) -> Result<u64, httpauth_core::Error> {
        self.inner.window_generation()
    }
    fn check_count_in_generation(
        &self,
        key: &str,
        count: u64,
        window: u32,
        ttl: std::time::Duration,
        generation: u64,
    ) -> Result<httpauth_core::store::GenerationCheck, httpauth_core::Error> {
        self.inner
            .check_count_in_generation(key, count, window, ttl, generation)
    }
}

/// Section 11 under a race: a forged req-VFY-C that rejects a key-exchanging session
/// while the client's own first req-VFY-C is in flight. The session is rejected (the
/// section 11 MUST), and the client's request, which lost the compare-and-swap, says so
/// (401-INIT (+)) instead of answering 200 for a session that is already rejected.
#[test]
fn racing_forged_vkc_and_first_vfy_agree_on_the_state() {
    let store = Arc::new(RacingStore {
        inner: httpauth_core::MemoryStore::new(httpauth_core::store::MemoryStoreConfig::default()),
        hook: std::sync::Mutex::new(None),
    });
    let (server, space, sid, keys) = manual_session_on(&IsoKam3EcP256Sha256, 100, store.clone());
    let server = Arc::new(server);
    let forged = vfy_with(&space, &sid, 1, vec![0; 32]);
    let forged_outcome = Arc::new(std::sync::Mutex::new(None));
    *store.hook.lock().unwrap() = Some(Box::new({
        let server = Arc::clone(&server);
        let out = Arc::clone(&forged_outcome);
        move || {
            *out.lock().unwrap() = Some(server.authenticate(&ctx(), &forged));
        }
    }));
    let o = vfy(&server, &space, &sid, 1, &keys);
    let forged = forged_outcome.lock().unwrap().take().expect("the hook ran");
    assert_eq!(reason_of(&forged), "auth-failed");
    assert_eq!(reason_of(&o), "auth-failed", "{o:?}");
    let o = vfy(&server, &space, &sid, 2, &keys);
    assert_eq!(reason_of(&o), "auth-failed", "still rejected");
}

/// The `AuthScheme` hooks: a key exchange is CPU work, everything else cheap (the
/// session store's cost is the server's business); RFC 8053 optional challenges and
/// which failures may be answered optionally come through the trait.
#[test]
fn auth_scheme_hooks() {
    let (server, _) = setup(&IsoKam3EcP256Sha256, REALM, "alice", "wonderland");
    let scheme: &dyn AuthScheme = &server;
    let c = |s: &str| httpauth_headers::parse_credentials(s).unwrap();
    let base = format!(
        "Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, auth-scope=\"example.com\", realm=\"{REALM}\""
    );
    assert_eq!(
        scheme.cost(&c(&format!("{base}, user=\"a\", kc1=00fb"))),
        Cost::Cpu
    );
    assert_eq!(
        scheme.cost(&c(&format!("{base}, sid=00, nc=1, vkc=00"))),
        Cost::Cheap
    );
    assert_eq!(
        scheme.cost(&c("Basic YWxhZGRpbjpvcGVuc2VzYW1l")),
        Cost::Cheap
    );
    assert_eq!(
        scheme.cost(&c("Digest username=\"a\", kc1=1")),
        Cost::Cheap,
        "another scheme's kc1 is not a key exchange"
    );
    // Optional challenges: the 401-INITs with reason=initial, none for a proxy.
    let oc = scheme.optional_challenges(&ctx());
    assert_eq!(oc.len(), 1);
    assert_eq!(oc[0].value("reason"), Some("initial"));
    let mut proxy_ctx = ctx();
    proxy_ctx.proxy = true;
    assert!(scheme.optional_challenges(&proxy_ctx).is_empty());
    // Foreign realm: may be answered optionally; a wrong vkc (401-INIT (+)) may not.
    let foreign = scheme.authenticate(
        &ctx(),
        &c(
            "Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, auth-scope=\"example.com\", realm=\"other\", user=\"a\", kc1=00fbb517dd05bb9d751bfc073b01a6889fcbbd85153541d8aeace30068a1a38b29",
        ),
    );
    let Outcome::Failed(f) = &foreign else {
        panic!("{foreign:?}");
    };
    assert!(scheme.may_answer_optionally(f));
    let (server, space, sid, keys) = manual_session(&IsoKam3EcP256Sha256, 10);
    assert!(vfy(&server, &space, &sid, 1, &keys).is_authenticated());
    let o = server.authenticate(&ctx(), &vfy_with(&space, &sid, 2, vec![1; 32]));
    let Outcome::Failed(f) = &o else {
        panic!("{o:?}");
    };
    assert!(!server.may_answer_optionally(f));
    let o = vfy(&server, &space, &sid, 1, &keys);
    let Outcome::Failed(f) = &o else {
        panic!("{o:?}");
    };
    assert_eq!(f.kind(), FailureKind::Stale);
    assert!(
        !server.may_answer_optionally(f),
        "401-STALE is never optional"
    );
}

/// Issue 14 / RFC 8120 section 5: one algorithm per realm and auth-scope by default;
/// several only when asked for.
#[test]
fn one_algorithm_by_default() {
    let v = Arc::new(Verifiers::default());
    let server = MutualServer::new(ServerConfig::new(REALM), v.clone());
    let cs = server.challenges(&ctx());
    assert_eq!(cs.len(), 1, "{cs:?}");
    assert_eq!(cs[0].value("algorithm"), Some("iso-kam3-ec-p256-sha256"));
    assert_eq!(server.config().algorithms.len(), 1);
    let server = MutualServer::new(
        ServerConfig::new(REALM).with_algorithm(&IsoKam3Dl2048Sha256),
        v.clone(),
    );
    let cs = server.challenges(&ctx());
    assert_eq!(cs.len(), 1);
    assert_eq!(cs[0].value("algorithm"), Some("iso-kam3-dl-2048-sha256"));
    // The explicit opt-in.
    let server = MutualServer::new(
        ServerConfig::new(REALM).with_algorithms(&[&IsoKam3Dl2048Sha256, &IsoKam3EcP256Sha256]),
        v.clone(),
    );
    let algs: Vec<_> = server
        .challenges(&ctx())
        .iter()
        .map(|c| c.value("algorithm").unwrap().to_owned())
        .collect();
    assert_eq!(algs, ["iso-kam3-dl-2048-sha256", "iso-kam3-ec-p256-sha256"]);
    // No algorithm at all would be a 401 without challenges: the default instead.
    let server = MutualServer::new(ServerConfig::new(REALM).with_algorithms(&[]), v);
    assert_eq!(server.challenges(&ctx()).len(), 1);
}

/// The test-side switches of the DL arithmetic (`common::dl_env`): with
/// `MUTUAL_CORE_MODEXP_BACKEND` set to a backend this CPU runs, the DL groups of this
/// process run on it; unset, on a detected (concrete) backend.
#[test]
fn dl_backend_follows_the_test_switch() {
    common::dl_env::apply();
    let forced = std::env::var("MUTUAL_CORE_MODEXP_BACKEND")
        .ok()
        .and_then(|n| mutual_core::hazmat::Backend::from_name(&n))
        .filter(|b| *b != mutual_core::hazmat::Backend::Auto && b.is_available());
    let running = mutual_core::hazmat::dl_backend();
    assert_ne!(running, mutual_core::hazmat::Backend::Auto);
    assert!(running.is_available());
    if let Some(b) = forced {
        assert_eq!(running, b);
    }
}

/// Issue 14: a verifier made for the auth-scope as typed (`https://Example.com:443/`) is
/// the one a single-server scope server asks for, and the client derives the same pi.
#[test]
fn derive_verifier_canonicalises_the_auth_scope() {
    let alg = &IsoKam3EcP256Sha256;
    let canonical =
        mutual_core::derive_verifier(alg.token(), "https://example.com", REALM, "a", "p").unwrap();
    for s in [
        "https://example.com:443",
        "HTTPS://Example.COM:443/",
        "https://example.com/",
    ] {
        assert_eq!(
            mutual_core::derive_verifier(alg.token(), s, REALM, "a", "p").unwrap(),
            canonical,
            "{s}"
        );
    }
    assert_eq!(
        mutual_core::derive_verifier(alg.token(), "example.com:443", REALM, "a", "p"),
        Err(Error::InvalidAuthScope)
    );
    let v = Verifiers::default();
    v.add(alg.token(), "https://example.com", REALM, "alice", "pw");
    let server = MutualServer::new(
        ServerConfig::new(REALM).with_scope(ScopeKind::SingleServer),
        Arc::new(v),
    );
    let mut client = MutualClient::new();
    client.add_login(REALM, None, "alice", Password::from("pw"));
    // Over https the client insists on tls-server-end-point (section 7): a stand-in hash
    // of the server certificate, known to both sides.
    let cert_hash = vec![7u8; 32];
    let mut tls = httpauth_core::TlsInfo::default();
    tls.channel_bindings.tls_server_end_point = Some(cert_hash.clone());
    let t = RequestTarget::new(Origin::new("https", "example.com", 443).unwrap(), "/")
        .with_tls_server_end_point(cert_hash);
    let c = RequestContext::new("GET", "/", "https", "example.com").with_tls(&tls);
    let (r, _) = run(&mut client, &server, t, &c, false, None);
    assert!(succeeded(&r), "{r:?}");
}

#[test]
fn server_restart_gives_stale_then_one_kex() {
    let (server, mut client) = setup(&IsoKam3EcP256Sha256, REALM, "alice", "wonderland");
    assert!(succeeded(
        &run(&mut client, &server, target(), &ctx(), false, None).0
    ));
    let (server2, _) = setup(&IsoKam3EcP256Sha256, REALM, "alice", "wonderland");
    let (r, sent) = run(&mut client, &server2, target(), &ctx(), false, None);
    assert!(succeeded(&r), "{r:?}");
    assert_eq!(sent.len(), 3);
}

fn tamper_response(
    alg: &'static dyn Algorithm,
    round: u32,
    f: &dyn Fn(String) -> String,
) -> Result<Status, Error> {
    let (server, mut client) = setup(alg, REALM, "alice", "wonderland");
    let mut id = |_: u32, s: String| s;
    let mut t = |r: u32, mut w: WireResponse| {
        if r == round {
            if let Some(h) = w.www_authenticate.take() {
                w.www_authenticate = Some(f(h));
            }
            if let Some(h) = w.authentication_info.take() {
                w.authentication_info = Some(f(h));
            }
        }
        w
    };
    run(
        &mut client,
        &server,
        target(),
        &ctx(),
        false,
        Some(Hooks {
            request: &mut id,
            response: &mut t,
        }),
    )
    .0
}

fn replace_param(h: &str, name: &str, value: &str) -> String {
    let start = h.find(&format!("{name}=")).unwrap() + name.len() + 1;
    let rest = &h[start..];
    let end = rest.find(", ").unwrap_or(rest.len());
    format!("{}{}{}", &h[..start], value, &rest[end..])
}

#[test]
fn tampered_ks1_is_a_client_error() {
    // An invalid K_s1: the client MUST check it (RFC 8121 section 3).
    let r = tamper_response(&IsoKam3EcP256Sha256, 1, &|h| {
        replace_param(&h, "ks1", &"ff".repeat(33))
    });
    assert_eq!(r, Err(Error::InvalidPublicValue));
    let one = format!(
        "\"{}\"",
        mutual_core::encoding::base64_encode(&{
            let mut v = vec![0u8; 256];
            v[255] = 1;
            v
        })
    );
    let r = tamper_response(&IsoKam3Dl2048Sha256, 1, &|h| replace_param(&h, "ks1", &one));
    assert_eq!(r, Err(Error::InvalidPublicValue));
    // A different valid K_s1: keys differ, the server refuses vkc, never success.
    let r = tamper_response(&IsoKam3EcP256Sha256, 1, &|h| {
        let j =
            mutual_core::derive_verifier(IsoKam3EcP256Sha256.token(), "x", "y", "z", "w").unwrap();
        replace_param(&h, "ks1", &j)
    });
    assert!(
        matches!(r, Ok(Status::AuthRequired { failed: true, .. })),
        "{r:?}"
    );
}

#[test]
fn tampered_or_missing_vks_is_fatal() {
    let r = tamper_response(&IsoKam3EcP256Sha256, 2, &|h| {
        replace_param(&h, "vks", &"00".repeat(32))
    });
    assert_eq!(r, Err(Error::ServerNotAuthenticated));
    let r = tamper_response(&IsoKam3Dl2048Sha256, 2, &|h| {
        replace_param(
            &h,
            "vks",
            "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"",
        )
    });
    assert_eq!(r, Err(Error::ServerNotAuthenticated));
    // A 200 without Authentication-Info after req-VFY-C: fatal, not UNAUTHENTICATED.
    let (server, mut client) = setup(&IsoKam3EcP256Sha256, REALM, "alice", "wonderland");
    let mut id = |_: u32, s: String| s;
    let mut strip = |r: u32, mut w: WireResponse| {
        if r == 2 {
            w.authentication_info = None;
        }
        w
    };
    let (r, _) = run(
        &mut client,
        &server,
        target(),
        &ctx(),
        false,
        Some(Hooks {
            request: &mut id,
            response: &mut strip,
        }),
    );
    assert_eq!(r, Err(Error::ServerNotAuthenticated));
}

#[test]
fn tampered_vkc_rejects_the_session() {
    let (server, mut client) = setup(&IsoKam3EcP256Sha256, REALM, "alice", "wonderland");
    let mut good_vfy = None;
    let mut flip = |r: u32, s: String| {
        if r == 2 {
            good_vfy = Some(s.clone());
            return replace_param(&s, "vkc", &"ab".repeat(32));
        }
        s
    };
    let mut id = |_: u32, w: WireResponse| w;
    let (r, _) = run(
        &mut client,
        &server,
        target(),
        &ctx(),
        false,
        Some(Hooks {
            request: &mut flip,
            response: &mut id,
        }),
    );
    assert!(
        matches!(r, Ok(Status::AuthRequired { failed: true, .. })),
        "{r:?}"
    );
    // The session is now "rejected": even the correct vkc gets 401-INIT.
    let resp = serve(&server, &ctx(), good_vfy.as_deref(), false);
    assert_eq!(resp.status, 401);
    assert!(
        resp.www_authenticate
            .unwrap()
            .contains("reason=auth-failed")
    );
}

#[test]
fn foreign_realm_and_bad_parameters_get_401_init() {
    let (server, _) = setup(&IsoKam3EcP256Sha256, REALM, "alice", "wonderland");
    let c = |s: &str| httpauth_headers::parse_credentials(s).unwrap();
    let base = "Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, auth-scope=\"example.com\"";
    let kc1 = "kc1=00fbb517dd05bb9d751bfc073b01a6889fcbbd85153541d8aeace30068a1a38b29";
    let cases = [
        (
            format!("{base}, realm=\"other\", user=\"a\", {kc1}"),
            "initial",
        ),
        (
            format!(
                "Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, auth-scope=\"other.com\", realm=\"{REALM}\", user=\"a\", {kc1}"
            ),
            "initial",
        ),
        (
            format!(
                "Mutual version=1, algorithm=iso-kam3-dl-2048-sha256, validation=host, auth-scope=\"example.com\", realm=\"{REALM}\", user=\"a\", kc1=\"AAAA\""
            ),
            "invalid-parameters",
        ),
        (
            format!(
                "Mutual version=1, algorithm=x-unknown, validation=host, realm=\"{REALM}\", user=\"a\", {kc1}"
            ),
            "invalid-parameters",
        ),
        (
            format!(
                "Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=tls-unique, auth-scope=\"example.com\", realm=\"{REALM}\", user=\"a\", {kc1}"
            ),
            "invalid-parameters",
        ),
        (
            format!(
                "Mutual version=2, algorithm=iso-kam3-ec-p256-sha256, validation=host, auth-scope=\"example.com\", realm=\"{REALM}\", user=\"a\", {kc1}"
            ),
            "invalid-parameters",
        ),
        (
            format!(
                "{base}, realm=\"{REALM}\", user=\"a\", kc1={}",
                "ff".repeat(33)
            ),
            "invalid-parameters",
        ),
        (
            format!(
                "{base}, realm=\"{REALM}\", user=\"a\", {kc1}, vkc={}",
                "00".repeat(32)
            ),
            "invalid-parameters",
        ),
        (
            format!(
                "{base}, realm=\"{REALM}\", sid=00, nc=01, vkc={}",
                "00".repeat(32)
            ),
            "invalid-parameters",
        ),
    ];
    for (h, reason) in cases {
        match server.authenticate(&ctx(), &c(&h)) {
            Outcome::Failed(f) => {
                assert_eq!(f.kind(), FailureKind::Unauthorized, "{h}");
                let r = f.challenges()[0].value("reason").unwrap();
                assert_eq!(r, reason, "{h}");
            }
            o => panic!("{h}: {o:?}"),
        }
    }
    // The default challenges offer every configured algorithm with reason=initial.
    let cs = server.challenges(&ctx());
    assert_eq!(cs.len(), 1);
    assert_eq!(cs[0].value("reason"), Some("initial"));
    assert_eq!(cs[0].value("auth-scope"), Some("example.com"));
}

#[test]
fn unknown_sid_is_stale() {
    let (server, _) = setup(&IsoKam3EcP256Sha256, REALM, "alice", "wonderland");
    let h = format!(
        "Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, auth-scope=\"example.com\", realm=\"{REALM}\", sid=0123456789ABCDEF, nc=1, vkc={}",
        "00".repeat(32)
    );
    match server.authenticate(&ctx(), &httpauth_headers::parse_credentials(&h).unwrap()) {
        Outcome::Failed(f) => {
            assert_eq!(f.kind(), FailureKind::Stale);
            assert_eq!(f.http_status(false), 401);
            assert_eq!(f.challenges()[0].value("reason"), Some("stale-session"));
        }
        o => panic!("{o:?}"),
    }
}

#[test]
fn proxy_form_uses_407_and_proxy_origin() {
    let proxy = Origin::new("http", "proxy.example.net", 3128).unwrap();
    let v = Verifiers::default();
    v.add(
        IsoKam3EcP256Sha256.token(),
        "proxy.example.net",
        REALM,
        "alice",
        "pw",
    );
    let server = MutualServer::new(
        ServerConfig::new(REALM)
            .with_algorithms(&[&IsoKam3EcP256Sha256])
            .with_proxy_origin(proxy.clone()),
        Arc::new(v),
    );
    let mut client = MutualClient::new();
    client.add_login(REALM, None, "alice", Password::from("pw"));
    let ctx = RequestContext::new("GET", "http://www.example.org/", "http", "www.example.org")
        .with_proxy(true);
    let target = RequestTarget::new(proxy, "http://www.example.org/").with_proxy(true);
    let mut statuses = Vec::new();
    let mut id = |_: u32, s: String| s;
    let mut rec = |_: u32, w: WireResponse| {
        statuses.push(w.status);
        w
    };
    let (r, _) = run(
        &mut client,
        &server,
        target.clone(),
        &ctx,
        false,
        Some(Hooks {
            request: &mut id,
            response: &mut rec,
        }),
    );
    assert!(succeeded(&r), "{r:?}");
    assert_eq!(statuses, [407, 407, 200]);
    // Section 14: without `path` the proxy realm covers every request: reuse at once.
    let other = RequestTarget::new(target.origin.clone(), "http://other.example/").with_proxy(true);
    let (r, sent) = run(&mut client, &server, other, &ctx, false, None);
    assert!(succeeded(&r));
    assert_eq!(sent.len(), 1);
    assert!(server.optional_challenges(&ctx).is_empty());
}

#[test]
fn rfc8053_optional_authentication() {
    let (server, mut client) = setup(&IsoKam3EcP256Sha256, REALM, "alice", "wonderland");
    let mut statuses = Vec::new();
    let mut id = |_: u32, s: String| s;
    let mut rec = |_: u32, w: WireResponse| {
        statuses.push((w.status, w.optional_www_authenticate.is_some()));
        w
    };
    let (r, _) = run(
        &mut client,
        &server,
        target(),
        &ctx(),
        true,
        Some(Hooks {
            request: &mut id,
            response: &mut rec,
        }),
    );
    assert!(succeeded(&r), "{r:?}");
    // 200 + Optional-WWW-Authenticate, then the KEX-S1 is still a 401 (RFC 8053 section 3).
    assert_eq!(statuses, [(200, true), (401, false), (200, false)]);
    // A wrong password is a 401-INIT (+), never an optional 200.
    let mut bad = MutualClient::new();
    bad.add_login(REALM, None, "alice", Password::from("nope"));
    let (r, _) = run(&mut bad, &server, target(), &ctx(), true, None);
    assert!(
        matches!(r, Ok(Status::AuthRequired { failed: true, .. })),
        "{r:?}"
    );
    // Without credentials the optional response is simply accepted: UNAUTHENTICATED-like.
    let mut anon = MutualClient::new();
    let (r, _) = run(&mut anon, &server, target(), &ctx(), true, None);
    assert!(
        matches!(
            r,
            Ok(Status::AuthRequired {
                failed: false,
                space: Some(_)
            })
        ),
        "{r:?}"
    );
}

#[test]
fn normal_responses_only_for_the_first_request() {
    let (server, mut client) = setup(&IsoKam3EcP256Sha256, REALM, "alice", "wonderland");
    let mut id = |_: u32, s: String| s;
    // The server "answers" the req-KEX-C1 with a normal 200: a fatal error (section 10.1).
    let mut normal = |r: u32, w: WireResponse| {
        if r == 1 {
            return WireResponse {
                status: 200,
                ..Default::default()
            };
        }
        w
    };
    let (r, _) = run(
        &mut client,
        &server,
        target(),
        &ctx(),
        false,
        Some(Hooks {
            request: &mut id,
            response: &mut normal,
        }),
    );
    assert_eq!(r, Err(Error::UnexpectedResponse));
    // An unprotected resource: a normal response to the first request is UNAUTHENTICATED.
    let mut plain = |_: u32, _: WireResponse| WireResponse {
        status: 200,
        ..Default::default()
    };
    let mut c2 = MutualClient::new();
    let (r, _) = run(
        &mut c2,
        &server,
        target(),
        &ctx(),
        false,
        Some(Hooks {
            request: &mut id,
            response: &mut plain,
        }),
    );
    assert_eq!(r, Ok(Status::Unauthenticated));
}

#[test]
fn realm_selection_by_path_and_scope_kinds() {
    let v = Verifiers::default();
    v.add(
        IsoKam3EcP256Sha256.token(),
        "*.example.com",
        REALM,
        "alice",
        "pw",
    );
    let server = MutualServer::new(
        ServerConfig::new(REALM)
            .with_algorithms(&[&IsoKam3EcP256Sha256])
            .with_scope(ScopeKind::WildcardDomain("example.com".into()))
            .with_path("/private/"),
        Arc::new(v),
    );
    let mut client = MutualClient::new();
    client.add_login(REALM, None, "alice", Password::from("pw"));
    let t = |p: &str| RequestTarget::new(Origin::new("http", "www.example.com", 80).unwrap(), p);
    let c = |p: &'static str| RequestContext::new("GET", p, "http", "www.example.com");
    assert!(succeeded(
        &run(
            &mut client,
            &server,
            t("/private/a"),
            &c("/private/a"),
            false,
            None
        )
        .0
    ));
    // Inside `path`: credentials go with the first request.
    let (r, sent) = run(
        &mut client,
        &server,
        t("/private/b"),
        &c("/private/b"),
        false,
        None,
    );
    assert!(succeeded(&r));
    assert_eq!(sent.len(), 1);
    // Outside `path`: a normal request first.
    let mut id = |_: u32, s: String| s;
    let mut plain = |_: u32, _: WireResponse| WireResponse {
        status: 200,
        ..Default::default()
    };
    let (r, sent) = run(
        &mut client,
        &server,
        t("/public"),
        &c("/public"),
        false,
        Some(Hooks {
            request: &mut id,
            response: &mut plain,
        }),
    );
    assert_eq!(r, Ok(Status::Unauthenticated));
    assert!(sent.is_empty());
    // logout forgets everything (section 10.2 step 14).
    client.logout(REALM);
    assert_eq!(client.cached_pi_count(), 0);
}

/// Section 11: a full table gives up authenticated sessions before key exchanges in
/// progress (the store's eviction classes), and the client recovers via 401-STALE.
#[test]
fn bounded_table_evicts_authenticated_before_key_exchanging() {
    use httpauth_core::MemoryStore;
    use httpauth_core::store::MemoryStoreConfig;
    let v = Arc::new(Verifiers::default());
    v.add(
        IsoKam3EcP256Sha256.token(),
        "example.com",
        REALM,
        "alice",
        "pw",
    );
    // Two session records at most (count windows have a pool of their own), both of
    // which may be key exchanges in progress (no limit of their own here).
    let store = Arc::new(MemoryStore::new(
        MemoryStoreConfig::new(2, 1 << 20).pending(2),
    ));
    let server = MutualServer::with_store(
        ServerConfig::new(REALM)
            .with_algorithms(&[&IsoKam3EcP256Sha256])
            .with_path("/"),
        v,
        store.clone(),
    );
    let mut client = MutualClient::new();
    client.add_login(REALM, None, "alice", Password::from("pw"));
    // One authenticated session: its record and its nc window (2 entries).
    assert!(succeeded(
        &run(&mut client, &server, target(), &ctx(), false, None).0
    ));
    assert_eq!(store.len(), 2);
    // Two key exchanges in progress from other clients (they stop after 401-KEX-S1): the
    // record pool holds two, so the established record had to go (its window stays, in
    // its own pool: 2 pending records + 1 window).
    let mut pending_sids = Vec::new();
    for _ in 0..2 {
        let mut other = MutualClient::new();
        other.add_login(REALM, None, "alice", Password::from("pw"));
        let mut kex_s1 = None;
        let mut id = |_: u32, s: String| s;
        let mut stop = |r: u32, w: WireResponse| {
            if r == 1 {
                kex_s1 = w.www_authenticate.clone();
                return WireResponse {
                    status: 500,
                    ..Default::default()
                };
            }
            w
        };
        let (r, _) = run(
            &mut other,
            &server,
            target(),
            &ctx(),
            false,
            Some(Hooks {
                request: &mut id,
                response: &mut stop,
            }),
        );
        assert_eq!(r, Ok(Status::Unauthenticated));
        let c = &httpauth_headers::parse_challenges(&kex_s1.unwrap()).unwrap()[0];
        pending_sids.push(c.value("sid").unwrap().to_owned());
    }
    assert_eq!(store.len(), 3);
    // Both key exchanges are still known: a wrong vkc on them is auth-failed, not stale.
    for sid in &pending_sids {
        let h = format!(
            "Mutual version=1, algorithm=iso-kam3-ec-p256-sha256, validation=host, auth-scope=\"example.com\", realm=\"{REALM}\", sid={sid}, nc=1, vkc={}",
            "00".repeat(32)
        );
        let resp = serve(&server, &ctx(), Some(&h), false);
        assert!(
            resp.www_authenticate
                .unwrap()
                .contains("reason=auth-failed")
        );
    }
    // The first client's authenticated session was evicted: 401-STALE, then a fresh KEX.
    let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
    assert!(succeeded(&r), "{r:?}");
    assert_eq!(sent.len(), 3);
}

/// A count window lost while its session record lives (evicted or expired on a shared
/// store) must not reset the replay history: the old nc is refused and the session ends.
#[test]
fn lost_count_window_makes_the_session_stale() {
    use httpauth_core::store::MemoryStoreConfig;
    use httpauth_core::{MemoryStore, SessionStore};
    let v = Arc::new(Verifiers::default());
    v.add(
        IsoKam3EcP256Sha256.token(),
        "example.com",
        REALM,
        "alice",
        "pw",
    );
    let store = Arc::new(MemoryStore::new(MemoryStoreConfig::default()));
    let server = MutualServer::with_store(
        ServerConfig::new(REALM)
            .with_algorithms(&[&IsoKam3EcP256Sha256])
            .with_path("/"),
        v,
        store.clone(),
    );
    let mut client = MutualClient::new();
    client.add_login(REALM, None, "alice", Password::from("pw"));
    let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
    assert!(succeeded(&r));
    let vfy = &sent[1];
    let sid = vfy.split("sid=").nth(1).unwrap().split(',').next().unwrap();
    assert!(store.remove(&format!("mutual:nc:{sid}")).unwrap());
    let replay = serve(&server, &ctx(), Some(vfy), false);
    assert_eq!(replay.status, 401);
    assert!(replay.www_authenticate.unwrap().contains("stale-session"));
    let (r, sent) = run(&mut client, &server, target(), &ctx(), false, None);
    assert!(succeeded(&r));
    assert_eq!(sent.len(), 3);
}

/// Section 10.1: 401-KEX-S1 only after req-KEX-C1, 200-VFY-S only after req-VFY-C.
#[test]
fn out_of_order_server_messages_are_fatal() {
    use mutual_core::client::{Next, Response};
    let (server, _) = setup(&IsoKam3EcP256Sha256, REALM, "alice", "wonderland");
    // A real 401-KEX-S1 and 200-VFY-S, from another client's exchange.
    let mut kex_s1 = None;
    let mut info = None;
    let mut id = |_: u32, s: String| s;
    let mut rec = |r: u32, w: WireResponse| {
        if r == 1 {
            kex_s1 = w.www_authenticate.clone();
        }
        if r == 2 {
            info = w.authentication_info.clone();
        }
        w
    };
    let mut other = MutualClient::new();
    other.add_login(REALM, None, "alice", Password::from("wonderland"));
    let _ = run(
        &mut other,
        &server,
        target(),
        &ctx(),
        false,
        Some(Hooks {
            request: &mut id,
            response: &mut rec,
        }),
    );
    let kex_s1 = httpauth_headers::parse_challenges(&kex_s1.unwrap()).unwrap();
    let info = httpauth_headers::parse_authentication_info(&info.unwrap()).unwrap();

    let mut client = MutualClient::new();
    client.add_login(REALM, None, "alice", Password::from("wonderland"));
    // A 401-KEX-S1 answering a normal request.
    let (mut seq, first) = client.start(target()).unwrap();
    assert!(first.is_none());
    let r = Response {
        status: 401,
        challenges: &kex_s1,
        optional_challenges: &[],
        authentication_info: None,
    };
    assert_eq!(
        client.on_response(&mut seq, &r).unwrap_err(),
        Error::UnexpectedResponse
    );
    // A 200-VFY-S answering a normal request.
    let (mut seq, _) = client.start(target()).unwrap();
    let r = Response {
        status: 200,
        challenges: &[],
        optional_challenges: &[],
        authentication_info: Some(&info),
    };
    assert_eq!(
        client.on_response(&mut seq, &r).unwrap_err(),
        Error::UnexpectedResponse
    );
    // A 200-VFY-S answering a req-KEX-C1.
    let (mut seq, _) = client.start(target()).unwrap();
    let init = server.challenges(&ctx());
    let r = Response {
        status: 401,
        challenges: &init,
        optional_challenges: &[],
        authentication_info: None,
    };
    assert!(matches!(
        client.on_response(&mut seq, &r).unwrap(),
        Next::Send(_)
    ));
    let r = Response {
        status: 200,
        challenges: &[],
        optional_challenges: &[],
        authentication_info: Some(&info),
    };
    assert_eq!(
        client.on_response(&mut seq, &r).unwrap_err(),
        Error::UnexpectedResponse
    );
    // Nothing is accepted once a sequence is over.
    assert_eq!(
        client.on_response(&mut seq, &r).unwrap_err(),
        Error::UnexpectedResponse
    );
}

/// RFC 8120 section 4.1: the server can send every defined `reason`; the client treats
/// a 401-INIT of the same realm after its credentials as a refusal, whatever the reason.
#[test]
fn rfc8120_4_1_every_reason_can_be_sent() {
    use mutual_core::messages::{Reason, ServerChallenge};
    let (server, _) = setup(&IsoKam3Dl2048Sha256, REALM, "alice", "wonderland");
    for reason in Reason::DEFINED {
        let cs = server.init_challenges_for(&ctx(), reason.clone());
        assert_eq!(cs.len(), 1);
        let s = httpauth_headers::format_challenges(&cs);
        assert!(s.contains(&format!("reason={}", reason.as_str())), "{s}");
        match ServerChallenge::from_challenge(&httpauth_headers::parse_challenges(&s).unwrap()[0])
            .unwrap()
        {
            ServerChallenge::Init { reason: r, .. } => assert_eq!(r, reason),
            m => panic!("{m:?}"),
        }
    }
}
