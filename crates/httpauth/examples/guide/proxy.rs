use httpauth::client::reqwest::AuthMiddleware;
use httpauth::client::AuthClient;

fn client_with_proxy() -> Result<reqwest_middleware::ClientWithMiddleware, Box<dyn std::error::Error>> {
    // reqwest's `rustls-no-provider` feature: the application picks the crypto provider
    // (or passes a whole rustls config with `tls_backend_preconfigured`, as the examples do).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_info(true)
        .proxy(reqwest::Proxy::http("http://127.0.0.1:3128")?)
        .build()?;
    let auth = AuthClient::builder()
        .login("alice", "wonderland".into()) // any realm without its own login
        .realm_login("staff", "bob", "builder".into()) // realm "staff" only
        .proxy_login("carol", "proxy-secret".into()) // the proxy's 407
        .build();
    Ok(reqwest_middleware::ClientBuilder::new(http)
        .with(AuthMiddleware::new(auth))
        .build())
}
