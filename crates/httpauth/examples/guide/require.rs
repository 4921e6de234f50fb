use axum::{Router, routing::get};
use httpauth::authfile::{FileCache, GroupFile, HtdigestFile, HtpasswdFile, VerifyPolicy};
use httpauth::digest_auth::DigestServer;
use httpauth::extract::Authenticated;
use httpauth::layer::AuthLayer;
use httpauth::{AccessRules, BasicScheme, Guard, Require};
use std::sync::Arc;

async fn staff(Authenticated(p): Authenticated) -> String {
    format!("hello, {} ({})\n", p.user, p.scheme)
}

/// AuthType Digest (Basic as a fallback), AuthUserFile, AuthGroupFile,
/// `Require group staff` / `Require user root`.
fn staff_routes() -> Result<Router, Box<dyn std::error::Error>> {
    let realm = "staff";
    let htdigest = FileCache::<HtdigestFile>::htdigest("users.htdigest")?;
    let htpasswd = FileCache::<HtpasswdFile>::htpasswd("users.htpasswd", VerifyPolicy::default())?;
    let groups = FileCache::<GroupFile>::group("groups")?;
    let rules = AccessRules::any(vec![
        Require::parse("group staff")?,
        Require::parse("user root")?,
    ])?;
    let guard = Guard::builder()
        .scheme(Arc::new(DigestServer::builder(realm, Arc::new(htdigest)).build()?))
        .scheme(Arc::new(BasicScheme::new(realm, Arc::new(htpasswd))))
        .rules(rules)
        .groups(Arc::new(groups))
        .build();
    Ok(Router::new().route("/staff", get(staff).route_layer(AuthLayer::new(guard))))
}
