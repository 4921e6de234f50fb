use axum::{Router, routing::get};
use httpauth::extract::Authenticated;
use httpauth::layer::AuthLayer;

async fn home(user: Option<Authenticated>) -> String {
    match user {
        Some(Authenticated(p)) => format!("welcome back, {}\n", p.user),
        None => "welcome, stranger\n".to_owned(),
    }
}

/// RFC 8053: anonymous requests are served, with `Optional-WWW-Authenticate`.
fn optional_home(guard: httpauth::GuardBuilder) -> Router {
    let guard = guard.optional(true).build();
    Router::new().route("/", get(home).route_layer(AuthLayer::new(guard)))
}
