//! Digest over a plain `hyper-util` client (no reqwest): `httpauth::client::hyper::send`
//! drives the same engine as the reqwest middleware.
//!
//! ```text
//! cargo run -p httpauth-demo &        # the demo server, embedded configuration
//! cargo run -p httpauth --example hyper_digest --features hyper-client -- \
//!     http://127.0.0.1:8080/digest alice wonderland
//! ```
#![allow(clippy::print_stdout)]

use bytes::Bytes;
use http_body_util::Full;
use httpauth::client::AuthClient;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::error::Error;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8080/digest".into());
    let user = args.next().unwrap_or_else(|| "alice".into());
    let password = args.next().unwrap_or_else(|| "wonderland".into());

    let http: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let auth = AuthClient::new(user, password.into());
    for _ in 0..2 {
        let req = http::Request::get(url.as_str()).body(Bytes::new())?;
        let resp = httpauth::client::hyper::send(&http, &auth, req).await?;
        println!("{}", resp.status());
        print!("{}", String::from_utf8_lossy(resp.body()));
    }
    Ok(())
}
