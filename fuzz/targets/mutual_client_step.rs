//! The Mutual client decision procedure (RFC 8120 section 10) against a real server whose
//! responses the fuzzer may replace, corrupt or re-label: the client never panics and never
//! reports AUTH-SUCCEED unless the final 200-VFY-S carried the server's true VK_s.
//!
//! Input: per round, a control byte (0: pass the real response; 1: flip one byte of its
//! header; 2: replace the header with fuzzer text; 3: change the status; 4: send the
//! `Authentication-Info` in a `100 Continue` first and the final response without it,
//! RFC 8120 section 4.5) and data.
//!
//! The body of fuzz target `mutual_client_step`: `fuzz_targets/mutual_client_step.rs` calls [`run`], and
//! so does the corpus replay test of the root workspace (`crates/fuzz-replay`).

use httpauth_core::{
    AuthScheme, CredentialQuery, CredentialStore, Outcome, Password, RequestContext,
    StoredCredential,
};
use mutual_core::client::{MutualClient, Next, RequestTarget, Response, Status};
use mutual_core::kam3;
use mutual_core::scope::Origin;
use mutual_core::server::{MutualServer, ServerConfig};
use mutual_core::{Algorithm, IsoKam3EcP256Sha256, SecretBytes};
use std::sync::{Arc, OnceLock};

const ALG: &dyn Algorithm = &IsoKam3EcP256Sha256;

fn j() -> &'static SecretBytes {
    static J: OnceLock<SecretBytes> = OnceLock::new();
    J.get_or_init(|| {
        let pi = kam3::pi(ALG, "example.com", "fuzz", "alice", "pw").expect("pi");
        ALG.verifier(&pi).expect("J")
    })
}

struct Store;
impl CredentialStore for Store {
    fn lookup(
        &self,
        user: &str,
        _q: CredentialQuery<'_>,
    ) -> Result<Option<StoredCredential>, httpauth_core::Error> {
        Ok((user == "alice").then(|| StoredCredential::MutualVerifier(j().duplicate())))
    }
}

/// One input of the fuzz target (and of the corpus replay test).
pub fn run(data: &[u8]) {
    let server = MutualServer::new(
        ServerConfig::new("fuzz").with_algorithms(&[&IsoKam3EcP256Sha256]),
        Arc::new(Store),
    );
    let ctx = RequestContext::new("GET", "/", "http", "example.com");
    let mut client = MutualClient::new();
    client.add_login("fuzz", None, "alice", Password::from("pw"));
    let target = RequestTarget::new(Origin::new("http", "example.com", 80).expect("origin"), "/");
    let Ok((mut seq, mut auth)) = client.start(target) else {
        return;
    };
    let mut bytes = data.iter().copied();
    for _ in 0..6 {
        let (mut status, mut header, is_info) = match &auth {
            None => (
                401,
                httpauth_headers::format_challenges(&server.challenges(&ctx)),
                false,
            ),
            Some(c) => match server.authenticate(&ctx, c) {
                Outcome::Authenticated { info, .. } => (
                    200,
                    httpauth_headers::format_authentication_info(&info),
                    true,
                ),
                Outcome::Continue { challenges } => {
                    (401, httpauth_headers::format_challenges(&challenges), false)
                }
                Outcome::Failed(f) => (
                    f.http_status(false),
                    httpauth_headers::format_challenges(f.challenges()),
                    false,
                ),
                _ => return,
            },
        };
        let real_info = is_info.then(|| header.clone());
        let ctl = bytes.next().unwrap_or(0);
        let arg = bytes.next().unwrap_or(0);
        let in_100 = ctl % 5 == 4;
        match ctl % 5 {
            1 if !header.is_empty() => {
                let mut b = header.into_bytes();
                let i = usize::from(arg) % b.len();
                b[i] ^= bytes.next().unwrap_or(1) | 1;
                header = String::from_utf8_lossy(&b).into_owned();
            }
            2 => {
                let raw: Vec<u8> = bytes.by_ref().take(usize::from(arg)).collect();
                header = String::from_utf8_lossy(&raw).into_owned();
            }
            3 => status = [200, 401, 407, 500, 302][usize::from(arg) % 5],
            _ => {}
        }
        let challenges = if status == 401 {
            httpauth_headers::parse_challenges(&header).unwrap_or_default()
        } else {
            Vec::new()
        };
        let info = if status != 401 && is_info {
            httpauth_headers::parse_authentication_info(&header).ok()
        } else if status != 401 && ctl % 5 == 2 {
            httpauth_headers::parse_authentication_info(&header).ok()
        } else {
            None
        };
        if in_100 && client.on_informational(&mut seq, info.as_ref()).is_err() {
            return;
        }
        let r = Response {
            status,
            challenges: &challenges,
            optional_challenges: &[],
            authentication_info: if in_100 { None } else { info.as_ref() },
        };
        match client.on_response(&mut seq, &r) {
            Ok(Next::Send(c)) => auth = Some(c),
            Ok(Next::Done(Status::AuthSucceeded { .. })) => {
                // Success needs the server's true 200-VFY-S parameters.
                let real = real_info
                    .as_deref()
                    .and_then(|h| httpauth_headers::parse_authentication_info(h).ok())
                    .expect("success without a real 200-VFY-S");
                let got = mutual_core::messages::VfyS::parse(info.as_ref().expect("info"))
                    .expect("parsed");
                let want = mutual_core::messages::VfyS::parse(&real).expect("real");
                assert_eq!(got.vks(ALG).ok(), want.vks(ALG).ok());
                return;
            }
            Ok(_) | Err(_) => return,
        }
    }
}
