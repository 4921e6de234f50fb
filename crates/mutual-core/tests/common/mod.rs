//! A loopback "transport" between the client and server engines that goes through real
//! header strings (httpauth-headers), with hooks to tamper with messages.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on failure by design

use httpauth_core::{
    AuthScheme, Challenge, CredentialQuery, CredentialStore, Outcome, RequestContext,
    StoredCredential,
};
use mutual_core::client::{MutualClient, Next, RequestTarget, Response, Status};
use mutual_core::kam3::decode_verifier;
use mutual_core::server::MutualServer;
use mutual_core::{Error, SecretBytes, algorithm_by_token, derive_verifier, prep};
use std::collections::HashMap;

pub(crate) mod dl_env;
use std::sync::Mutex;

/// Verifiers keyed by (prepared user, algorithm, scope, realm), as an htmutual file would.
#[derive(Default)]
pub(crate) struct Verifiers(pub(crate) Mutex<HashMap<(String, String, String, String), String>>);

impl Verifiers {
    pub(crate) fn add(&self, alg: &str, scope: &str, realm: &str, user: &str, password: &str) {
        dl_env::apply();
        let j = derive_verifier(alg, scope, realm, user, password).unwrap();
        let user = prep::prepare_username(user).unwrap();
        self.0
            .lock()
            .unwrap()
            .insert((user, alg.into(), scope.into(), realm.into()), j);
    }
}

impl CredentialStore for Verifiers {
    fn lookup(
        &self,
        user: &str,
        query: CredentialQuery<'_>,
    ) -> Result<Option<StoredCredential>, httpauth_core::Error> {
        let CredentialQuery::MutualVerifier {
            algorithm,
            auth_scope,
            realm,
        } = query
        else {
            return Ok(None);
        };
        let map = self.0.lock().unwrap();
        let Some(j) = map.get(&(
            user.into(),
            algorithm.into(),
            auth_scope.into(),
            realm.into(),
        )) else {
            return Ok(None);
        };
        let alg = algorithm_by_token(algorithm).unwrap();
        let j: SecretBytes = decode_verifier(alg, j).unwrap();
        Ok(Some(StoredCredential::MutualVerifier(j)))
    }
}

/// One HTTP response as header strings.
#[derive(Debug, Clone, Default)]
pub(crate) struct WireResponse {
    pub(crate) status: u16,
    pub(crate) www_authenticate: Option<String>,
    pub(crate) optional_www_authenticate: Option<String>,
    pub(crate) authentication_info: Option<String>,
}

/// Runs `request` (an Authorization header value or none) through the server.
pub(crate) fn serve(
    server: &MutualServer,
    ctx: &RequestContext<'_>,
    authorization: Option<&str>,
    optional: bool,
) -> WireResponse {
    dl_env::apply();
    let Some(a) = authorization else {
        let cs = server.challenges(ctx);
        if optional {
            return WireResponse {
                status: 200,
                optional_www_authenticate: Some(httpauth_headers::format_challenges(
                    &server.optional_challenges(ctx),
                )),
                ..Default::default()
            };
        }
        return WireResponse {
            status: if ctx.proxy { 407 } else { 401 },
            www_authenticate: Some(httpauth_headers::format_challenges(&cs)),
            ..Default::default()
        };
    };
    let creds = httpauth_headers::parse_credentials(a).unwrap();
    match server.authenticate(ctx, &creds) {
        Outcome::Authenticated { info, .. } => WireResponse {
            status: 200,
            authentication_info: Some(httpauth_headers::format_authentication_info(&info)),
            ..Default::default()
        },
        Outcome::Continue { challenges } => WireResponse {
            status: if ctx.proxy { 407 } else { 401 },
            www_authenticate: Some(httpauth_headers::format_challenges(&challenges)),
            ..Default::default()
        },
        Outcome::Failed(f) => {
            let cs = if f.challenges().is_empty() {
                server.challenges(ctx)
            } else {
                f.challenges().to_vec()
            };
            if optional && server.may_answer_optionally(&f) {
                return WireResponse {
                    status: 200,
                    optional_www_authenticate: Some(httpauth_headers::format_challenges(&cs)),
                    ..Default::default()
                };
            }
            WireResponse {
                status: f.http_status(ctx.proxy),
                www_authenticate: Some(httpauth_headers::format_challenges(&cs)),
                ..Default::default()
            }
        }
        _ => panic!("unknown outcome"),
    }
}

pub(crate) struct Hooks<'a> {
    pub(crate) request: &'a mut dyn FnMut(u32, String) -> String,
    pub(crate) response: &'a mut dyn FnMut(u32, WireResponse) -> WireResponse,
}

/// Runs one user-level request to completion. Returns the status and the Authorization
/// headers sent, in order.
pub(crate) fn run(
    client: &mut MutualClient,
    server: &MutualServer,
    target: RequestTarget,
    ctx: &RequestContext<'_>,
    optional: bool,
    hooks: Option<Hooks<'_>>,
) -> (Result<Status, Error>, Vec<String>) {
    dl_env::apply();
    let mut hooks = hooks;
    let mut sent = Vec::new();
    let (mut seq, first) = client.start(target).unwrap();
    let mut auth = first.map(|c| httpauth_headers::format_credentials(&c));
    for round in 0..8u32 {
        if let Some(h) = hooks.as_mut() {
            auth = auth.map(|a| (h.request)(round, a));
        }
        if let Some(a) = &auth {
            sent.push(a.clone());
        }
        let mut resp = serve(server, ctx, auth.as_deref(), optional);
        if let Some(h) = hooks.as_mut() {
            resp = (h.response)(round, resp);
        }
        let challenges: Vec<Challenge> = resp
            .www_authenticate
            .as_deref()
            .map(|v| httpauth_headers::parse_challenges(v).unwrap())
            .unwrap_or_default();
        let optional_cs: Vec<Challenge> = resp
            .optional_www_authenticate
            .as_deref()
            .map(|v| httpauth_headers::parse_challenges(v).unwrap())
            .unwrap_or_default();
        let info = resp
            .authentication_info
            .as_deref()
            .map(|v| httpauth_headers::parse_authentication_info(v).unwrap());
        let r = Response {
            status: resp.status,
            challenges: &challenges,
            optional_challenges: &optional_cs,
            authentication_info: info.as_ref(),
        };
        match client.on_response(&mut seq, &r) {
            Ok(Next::Send(c)) => auth = Some(httpauth_headers::format_credentials(&c)),
            Ok(Next::Done(s)) => return (Ok(s), sent),
            Ok(_) => panic!("unknown next"),
            Err(e) => return (Err(e), sent),
        }
    }
    panic!("sequence did not end");
}
