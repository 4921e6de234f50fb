use axum::Router;
use httpauth::Guard;
use httpauth::layer::AuthLayer;
use std::sync::Arc;

/// One guard behind several routes (one set of pools, nonces and sessions), 429 after
/// five wrong passwords from one address within a minute.
fn shared(scheme: Arc<dyn httpauth::AuthScheme>, app: Router) -> Router {
    let guard = Arc::new(
        Guard::builder()
            .scheme(scheme)
            .failure_limit(5, std::time::Duration::from_secs(60))
            .label("/api")
            .build(),
    );
    app.route_layer(AuthLayer::from_arc(guard).max_request_body(4 << 20))
}
