//! Interleaved ratios for issue 6 on a shared, loaded machine: every contender runs once
//! per round, round after round, so load drifts hit all of them alike; the report gives
//! the minimum and the median over the rounds and their ratios to OpenSSL's constant-time
//! exponentiation (or, for PBKDF2, to the C floor) measured in the same rounds.
//!
//! Run: `cargo run --release -p httpauth-benches --features openssl --example ratio --
//! [rounds] [filter]` (default 30 rounds; `filter` keeps contenders whose name contains
//! it, e.g. `2048`, `server`, `pbkdf2`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use httpauth_modexp::{Backend, ModExp};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use std::hint::black_box;
use std::time::{Duration, Instant};

type Job = Box<dyn FnMut()>;

fn below(rng: &mut ChaCha20Rng, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rng.fill_bytes(&mut v);
    v[0] &= 0x3f;
    v
}

fn full(rng: &mut ChaCha20Rng, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rng.fill_bytes(&mut v);
    v[0] |= 0x80;
    v
}

/// `(q - 1) / 2` for an odd big-endian `q`.
fn half_of_q_minus_1(q: &[u8]) -> Vec<u8> {
    let mut r = q.to_vec();
    *r.last_mut().unwrap() &= 0xfe;
    let mut carry = 0u8;
    for x in r.iter_mut() {
        let next = *x & 1;
        *x = (*x >> 1) | (carry << 7);
        carry = next;
    }
    r
}

/// OpenSSL `BN_mod_exp_mont_consttime` (through `BN_FLG_CONSTTIME`).
fn openssl_pow(q: &[u8]) -> impl FnMut(&[u8], &[u8]) -> Vec<u8> + use<> {
    use openssl::bn::{BigNum, BigNumContext};
    let m = BigNum::from_slice(q).unwrap();
    let mut ctx = BigNumContext::new().unwrap();
    move |b, e| {
        let b = BigNum::from_slice(b).unwrap();
        let mut e = BigNum::from_slice(e).unwrap();
        e.set_const_time();
        let mut r = BigNum::new().unwrap();
        r.mod_exp(&b, &e, &m, &mut ctx).unwrap();
        r.to_vec()
    }
}

/// The contenders for one group size: (name, reference name, job). Each job does one
/// unit of work (one exponentiation, one handshake side, ...).
fn modexp_jobs(bits: u32, tlen: usize, jobs: &mut Vec<(String, String, Job)>) {
    let q = mutual_core::rfc3526_prime(bits).unwrap();
    let len = q.len();
    let mut rng = ChaCha20Rng::seed_from_u64(u64::from(bits));
    let (base, s) = (below(&mut rng, len), below(&mut rng, len));
    let (j, kc1, ks1) = (
        below(&mut rng, len),
        below(&mut rng, len),
        below(&mut rng, len),
    );
    let (t1, t2) = (full(&mut rng, tlen), full(&mut rng, tlen));
    let e_client = below(&mut rng, len);
    let ctx = ModExp::new(&q, Backend::Auto).unwrap();
    // r = (q - 1) / 2, the order of g.
    let ctx_r = ModExp::new(&half_of_q_minus_1(&q), Backend::Auto).unwrap();
    let reference = format!("{bits}: openssl pow_ct");
    let two_ref = format!("{bits}: openssl 2x pow_ct (server baseline)");
    let mut push = |name: String, refname: &str, job: Job| {
        jobs.push((name, refname.to_string(), job));
    };
    {
        let mut o = openssl_pow(&q);
        let (b, e) = (base.clone(), s.clone());
        push(
            reference.clone(),
            &reference,
            Box::new(move || {
                black_box(o(&b, &e));
            }),
        );
    }
    {
        let mut o = openssl_pow(&q);
        let (a, b, e) = (j.clone(), kc1.clone(), s.clone());
        push(
            two_ref.clone(),
            &two_ref,
            Box::new(move || {
                black_box((o(&a, &e), o(&b, &e)));
            }),
        );
    }
    {
        let mut o = openssl_pow(&q);
        let e = s.clone();
        push(
            format!("{bits}: openssl 2^S"),
            &reference,
            Box::new(move || {
                black_box(o(&[2], &e));
            }),
        );
    }
    for backend in Backend::ALL.into_iter().filter(|&b| ctx.supports(b)) {
        let c = ctx.clone();
        let (b, e) = (base.clone(), s.clone());
        push(
            format!("{bits}: {backend:?} pow_ct"),
            &reference,
            Box::new(move || {
                black_box(c.pow_ct_with(backend, &b, &e).unwrap());
            }),
        );
        let c = ctx.clone();
        let (a, b, e) = (j.clone(), kc1.clone(), s.clone());
        push(
            format!("{bits}: {backend:?} pow_ct_x2 (pair)"),
            &two_ref,
            Box::new(move || {
                black_box(c.pow_ct_x2_with(backend, [&a, &b], [&e, &e]).unwrap());
            }),
        );
        let c = ctx.clone();
        let e = s.clone();
        push(
            format!("{bits}: {backend:?} 2^S pow2_ct (shift-fold)"),
            &reference,
            Box::new(move || {
                black_box(c.pow2_ct_with(backend, &e).unwrap());
            }),
        );
        let c = ctx.clone();
        let e = s.clone();
        c.pow_g_ct_with(backend, &e).unwrap(); // build any tables outside the timing
        push(
            format!("{bits}: {backend:?} 2^S pow_g_ct_with (chosen method)"),
            &reference,
            Box::new(move || {
                black_box(c.pow_g_ct_with(backend, &e).unwrap());
            }),
        );
        let c = ctx.clone();
        let (b, t) = (base.clone(), t1.clone());
        push(
            format!("{bits}: {backend:?} short pow_ct ({}-bit t)", 8 * tlen),
            &reference,
            Box::new(move || {
                black_box(c.pow_ct_with(backend, &b, &t).unwrap());
            }),
        );
        let c = ctx.clone();
        let (b, t) = (base.clone(), t1.clone());
        push(
            format!("{bits}: {backend:?} short pow_vartime ({}-bit t)", 8 * tlen),
            &reference,
            Box::new(move || {
                black_box(c.pow_vartime_with(backend, &b, &t).unwrap());
            }),
        );
        // The server of dl/mod.rs, both formulations (ServerPath), engine calls only.
        let c = ctx.clone();
        let (jj, k, e, a, bb) = (j.clone(), kc1.clone(), s.clone(), t1.clone(), t2.clone());
        push(
            format!("{bits}: {backend:?} server sequential"),
            &two_ref,
            Box::new(move || {
                let kt = c.pow_vartime_with(backend, &k, &a).unwrap();
                let base = c.mul(&jj, &kt).unwrap();
                let ks1 = c.pow_ct_with(backend, &base, &e).unwrap();
                let gt = c.pow_vartime_with(backend, &[2], &bb).unwrap();
                let base = c.mul(&k, &gt).unwrap();
                black_box((ks1, c.pow_ct_with(backend, &base, &e).unwrap()));
            }),
        );
        let c = ctx.clone();
        let cr = ctx_r.clone();
        let (jj, k, e, a, bb) = (j.clone(), kc1.clone(), s.clone(), t1.clone(), t2.clone());
        push(
            format!("{bits}: {backend:?} server batched"),
            &two_ref,
            Box::new(move || {
                let [js, ks] = c.pow_ct_x2_with(backend, [&jj, &k], [&e, &e]).unwrap();
                let ks1 = c.mul(&js, &c.pow_ct_with(backend, &ks, &a).unwrap());
                // g^(S t_2 mod r): g has order r.
                let e2 = cr.mul(&e, &bb).unwrap();
                let z = c.mul(&ks, &c.pow_g_ct_with(backend, &e2).unwrap());
                black_box((ks1.unwrap(), z.unwrap()));
            }),
        );
        let c = ctx.clone();
        let (e, k, ec) = (s.clone(), ks1.clone(), e_client.clone());
        push(
            format!("{bits}: {backend:?} client"),
            &two_ref,
            Box::new(move || {
                let kc1 = c.pow_g_ct_with(backend, &e).unwrap();
                black_box((kc1, c.pow_ct_with(backend, &k, &ec).unwrap()));
            }),
        );
    }
    let c = ctx.clone();
    let e = s.clone();
    c.pow2_comb_ct(&e).unwrap(); // build the tables outside the timing
    push(
        format!("{bits}: 2^S comb (portable kernel)"),
        &reference,
        Box::new(move || {
            black_box(c.pow2_comb_ct(&e).unwrap());
        }),
    );
}

/// Whole handshakes through the protocol API, as `mutual_kam3`'s groups: the server's
/// KEX and VFY (validate K_c1, fresh S_s1, K_s1, z, check VK_c, make VK_s) and the
/// client's (fresh S_c1, K_c1, check K_s1, z, VK_c, VK_s; pi cached). DL ones are compared with two
/// OpenSSL constant-time exponentiations of the same size.
fn handshake_jobs(jobs: &mut Vec<(String, String, Job)>) {
    use mutual_core::kam3::{self, ClientKex};
    const VH: &[u8] = b"https://example.com:443";
    for &alg in mutual_core::ALL_ALGORITHMS {
        let token = alg.token();
        let refname = match alg.element_len() {
            256 => "2048: openssl 2x pow_ct (server baseline)".to_string(),
            512 => "4096: openssl 2x pow_ct (server baseline)".to_string(),
            _ => format!("handshake {token}: server"),
        };
        let pi = kam3::pi(alg, "example.com", "realm", "alice", "pw").unwrap();
        let j = alg.verifier(&pi).unwrap();
        let kex = ClientKex::new(alg).unwrap();
        let kc1 = kex.kc1().to_vec();
        let server = kam3::server_exchange(alg, &j, &kc1).unwrap();
        let ks1 = server.ks1.clone();
        let vkc = kam3::vk_c(alg, &kex.finish(&pi, &ks1).unwrap(), 1, VH);
        jobs.push((
            format!("handshake {token}: server"),
            refname.clone(),
            Box::new(move || {
                let k = kam3::server_exchange(alg, &j, black_box(&kc1)).unwrap();
                assert_eq!(kam3::vk_c(alg, &k, 1, VH).len(), vkc.len());
                black_box(kam3::vk_s(alg, &k, 1, VH));
            }),
        ));
        jobs.push((
            format!("handshake {token}: client"),
            refname,
            Box::new(move || {
                let kex = ClientKex::new(alg).unwrap();
                let k = kex.finish(&pi, black_box(&ks1)).unwrap();
                black_box((kam3::vk_c(alg, &k, 1, VH), kam3::vk_s(alg, &k, 1, VH)));
            }),
        ));
    }
}

fn pbkdf2_jobs(jobs: &mut Vec<(String, String, Job)>) {
    use httpauth_benches::pbkdf2_floor;
    let salt: Vec<u8> = (0..66u8).collect();
    let pw = b"correct horse".to_vec();
    // The floor computes the same function: check before timing.
    let mut fast = [0u8; 32];
    mutual_core::hazmat::pbkdf2_hmac_sha256(&pw, &salt, 16384, &mut fast);
    assert_eq!(fast, pbkdf2_floor::pbkdf2_hmac_sha256(&pw, &salt, 16384));
    let mut fast = [0u8; 64];
    mutual_core::hazmat::pbkdf2_hmac_sha512(&pw, &salt, 16384, &mut fast);
    assert_eq!(fast, pbkdf2_floor::pbkdf2_hmac_sha512(&pw, &salt, 16384));
    for (h, r) in [
        ("sha256", "pbkdf2 sha256: C floor"),
        ("sha512", "pbkdf2 sha512: C floor"),
    ] {
        let (p, s) = (pw.clone(), salt.clone());
        jobs.push((
            r.into(),
            r.into(),
            Box::new(move || {
                if h == "sha256" {
                    black_box(pbkdf2_floor::pbkdf2_hmac_sha256(&p, &s, 16384));
                } else {
                    black_box(pbkdf2_floor::pbkdf2_hmac_sha512(&p, &s, 16384));
                }
            }),
        ));
        let (p, s) = (pw.clone(), salt.clone());
        jobs.push((
            format!("pbkdf2 {h}: pbkdf2_fast"),
            r.into(),
            Box::new(move || {
                let mut out = [0u8; 64];
                if h == "sha256" {
                    mutual_core::hazmat::pbkdf2_hmac_sha256(&p, &s, 16384, &mut out[..32]);
                } else {
                    mutual_core::hazmat::pbkdf2_hmac_sha512(&p, &s, 16384, &mut out);
                }
                black_box(out);
            }),
        ));
        let (p, s) = (pw.clone(), salt.clone());
        jobs.push((
            format!("pbkdf2 {h}: pbkdf2 crate"),
            r.into(),
            Box::new(move || {
                let mut out = [0u8; 64];
                if h == "sha256" {
                    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(&p, &s, 16384, &mut out[..32]);
                } else {
                    pbkdf2::pbkdf2_hmac::<sha2::Sha512>(&p, &s, 16384, &mut out);
                }
                black_box(out);
            }),
        ));
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(30);
    let filter = args.next().unwrap_or_default();
    let mut jobs = Vec::new();
    modexp_jobs(2048, 32, &mut jobs);
    modexp_jobs(4096, 64, &mut jobs);
    handshake_jobs(&mut jobs);
    pbkdf2_jobs(&mut jobs);
    // Keep the matching contenders and the references they are compared with.
    let refs: Vec<String> = jobs
        .iter()
        .filter(|(name, _, _)| name.contains(&filter))
        .map(|(_, r, _)| r.clone())
        .collect();
    jobs.retain(|(name, _, _)| name.contains(&filter) || refs.contains(name));
    println!(
        "{} ({}), backend detected {:?}, {rounds} interleaved rounds",
        openssl::version::version(),
        std::env::consts::ARCH,
        Backend::detect()
    );
    for (_, _, job) in &mut jobs {
        job(); // warm-up
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); jobs.len()];
    for _ in 0..rounds {
        for (k, (_, _, job)) in jobs.iter_mut().enumerate() {
            let t = Instant::now();
            job();
            times[k].push(t.elapsed());
        }
    }
    let stats: Vec<(Duration, Duration)> = times
        .iter_mut()
        .map(|t| {
            t.sort();
            (t[0], t[t.len() / 2])
        })
        .collect();
    let find = |name: &str| jobs.iter().position(|(n, _, _)| n == name);
    println!(
        "{:<52} {:>11} {:>11} {:>16}",
        "contender", "min", "median", "ratio min / med"
    );
    for (k, (name, refname, _)) in jobs.iter().enumerate() {
        let (min, med) = stats[k];
        let per_s = if name.starts_with("handshake") {
            format!("  {:.0}/s/core", 1.0 / min.as_secs_f64())
        } else {
            String::new()
        };
        let ratio = find(refname).map_or(String::new(), |r| {
            let (rmin, rmed) = stats[r];
            format!(
                "{:.2}x / {:.2}x",
                min.as_secs_f64() / rmin.as_secs_f64(),
                med.as_secs_f64() / rmed.as_secs_f64()
            )
        });
        println!("{name:<52} {min:>11.3?} {med:>11.3?} {ratio:>16}{per_s}");
    }
}
