use httpauth::client::ClientError;

async fn fetch(client: &reqwest_middleware::ClientWithMiddleware, url: &str) -> Result<String, String> {
    match client.get(url).send().await {
        Ok(resp) => resp.text().await.map_err(|e| e.to_string()),
        Err(reqwest_middleware::Error::Middleware(e)) => Err(match e.downcast_ref::<ClientError>() {
            Some(ClientError::CredentialsRefused { .. }) => "wrong user name or password".into(),
            Some(ClientError::ServerNotVerified { .. }) => "server failed verification: response discarded".into(),
            Some(ClientError::NothingUsable { .. }) => format!("cannot answer the server: {e}"),
            _ => e.to_string(),
        }),
        Err(e) => Err(format!("transport: {e}")),
    }
}
