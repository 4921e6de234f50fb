//! A plain hyper server (no axum) protected by the `httpauth` tower layer: Basic over an
//! htpasswd file, the principal read from the request extensions.
//!
//! ```text
//! cargo run -p httpauth --example hyper_plain --features hyper -- users.htpasswd
//! curl -u alice:wonderland http://127.0.0.1:8081/
//! ```
//!
//! Without an argument it writes `hyper-plain.htpasswd` with alice / wonderland.
#![allow(clippy::print_stdout)]

use authfile::{FileCache, HtpasswdFile, VerifyPolicy};
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use httpauth::layer::{AuthLayer, ConnectionInfo, RequestBody};
use httpauth::{BasicScheme, Guard, Principal};
use std::convert::Infallible;
use std::error::Error;
use std::sync::Arc;
use tower_layer::Layer as _;

/// The inner service: what the layer protects.
async fn hello(req: Request<RequestBody>) -> Result<Response<Full<Bytes>>, Infallible> {
    let user = req
        .extensions()
        .get::<Principal>()
        .map_or("(anonymous)", |p| p.user.as_str())
        .to_owned();
    Ok(Response::new(Full::new(Bytes::from(format!(
        "hello, {user}\n"
    )))))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let file = match std::env::args().nth(1) {
        Some(f) => f,
        None => {
            let mut f = HtpasswdFile::new();
            f.set_password(
                "alice",
                &authfile::Password::from("wonderland"),
                authfile::HashAlgorithm::Bcrypt { cost: 10 },
            )?;
            std::fs::write("hyper-plain.htpasswd", f.to_bytes())?;
            "hyper-plain.htpasswd".to_owned()
        }
    };
    let users = FileCache::<HtpasswdFile>::htpasswd(file, VerifyPolicy::default())?;
    let guard = Guard::builder()
        .scheme(Arc::new(BasicScheme::new("hyper", Arc::new(users))))
        .build();
    // One line: the layer around the service.
    let service = AuthLayer::new(guard).layer(tower::service_fn(hello));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:8081").await?;
    println!("http://127.0.0.1:8081/");
    loop {
        let (tcp, remote) = listener.accept().await?;
        let service = service.clone();
        tokio::spawn(async move {
            let info = ConnectionInfo::new(remote);
            if let Err(e) = httpauth::hyper::serve_connection(tcp, info, service).await {
                eprintln!("connection from {remote}: {e}");
            }
        });
    }
}
