//! TLS facts from a rustls connection (feature `rustls`): what the [`Guard`](crate::Guard)
//! needs about the connection, computed once per connection and put into the request
//! extensions as a [`ConnectionInfo`](crate::layer::ConnectionInfo) (with feature `tower`).
//!
//! - the peer's certificate chain and whether it verified (mod_ssl's
//!   `SSL_CLIENT_VERIFY`), for the client-certificate scheme and `SSLRequire`;
//! - the protocol, cipher suite and SNI name (`SSL_PROTOCOL`, `SSL_CIPHER`,
//!   `SSL_TLS_SNI`);
//! - the `tls-server-end-point` channel binding (RFC 5929 section 4.1: a hash of the
//!   server's own certificate), which Mutual uses for `validation=tls-server-end-point`
//!   (RFC 8120 section 7), and, for TLS 1.3, `tls-exporter` (RFC 9266).
//!
//! rustls does not tell a server which certificate it sent, so [`TlsFacts`] is made once
//! from the chain the server configured and then asked per connection.

use cert_policy::ApacheClientVerifier;
use httpauth_core::{PeerVerification, SecretBytes, TlsInfo};
use rustls::ServerConnection;
use rustls_pki_types::CertificateDer;
use std::sync::Arc;

/// The RFC 9266 section 2 exporter label.
const TLS_EXPORTER_LABEL: &[u8] = b"EXPORTER-Channel-Binding";
/// The RFC 9266 section 2 output length.
const TLS_EXPORTER_LEN: usize = 32;

/// What a server knows about its own TLS side, to make [`TlsInfo`] per connection.
#[derive(Clone)]
pub struct TlsFacts {
    server_chain: Vec<Vec<u8>>,
    end_point: Option<Vec<u8>>,
    verifier: Option<Arc<ApacheClientVerifier>>,
}

impl std::fmt::Debug for TlsFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsFacts")
            .field("server_chain", &self.server_chain.len())
            .field("tls_server_end_point", &self.end_point.is_some())
            .field("verifier", &self.verifier.is_some())
            .finish()
    }
}

impl TlsFacts {
    /// Facts for a server that sends `server_chain` (leaf first). The
    /// `tls-server-end-point` hash is computed here once (RFC 5929 section 4.1: SHA-256
    /// unless the certificate's signature uses SHA-384 or SHA-512); a leaf whose signature
    /// algorithm is not understood leaves it unset, and Mutual then refuses
    /// `tls-server-end-point` validation rather than binding to a wrong value.
    pub fn new(server_chain: &[CertificateDer<'_>]) -> Self {
        let server_chain: Vec<Vec<u8>> = server_chain.iter().map(|c| c.as_ref().to_vec()).collect();
        let end_point = server_chain
            .first()
            .and_then(|leaf| mutual_core::scope::tls_server_end_point(leaf).ok());
        Self {
            server_chain,
            end_point,
            verifier: None,
        }
    }

    /// Judges peer certificates with `verifier` (the one the `rustls::ServerConfig` uses):
    /// needed when it accepts certificates it did not verify (`optional_no_ca`), so that
    /// `SSLVerifyClient require` and `SSL_CLIENT_VERIFY` see the real outcome.
    pub fn with_client_verifier(mut self, verifier: Arc<ApacheClientVerifier>) -> Self {
        self.verifier = Some(verifier);
        self
    }

    /// The facts of one established connection.
    ///
    /// Without [`with_client_verifier`](Self::with_client_verifier), presented peer
    /// certificates count as verified: rustls completes a handshake with a client
    /// certificate only after the configured client verifier accepted it.
    pub fn connection(&self, c: &ServerConnection) -> TlsInfo {
        let mut info = TlsInfo::default();
        info.peer_certificates = c
            .peer_certificates()
            .map(|cs| cs.iter().map(|d| d.as_ref().to_vec()).collect())
            .unwrap_or_default();
        info.peer_verification = match (&self.verifier, info.peer_certificates.is_empty()) {
            (_, true) => PeerVerification::None,
            (Some(v), false) => v.outcome(&info.peer_certificates),
            (None, false) => PeerVerification::Success,
        };
        info.server_certificates = self.server_chain.clone();
        info.protocol = c.protocol_version().map(|v| match v {
            rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_owned(),
            rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_owned(),
            other => format!("{other:?}"),
        });
        if let Some(suite) = c.negotiated_cipher_suite() {
            let name = format!("{:?}", suite.suite());
            // The symmetric key size, from the suite's name (SSL_CIPHER_USEKEYSIZE).
            info.cipher_bits = if name.contains("AES_128") {
                Some(128)
            } else if name.contains("AES_256") || name.contains("CHACHA20") {
                Some(256)
            } else {
                None
            };
            info.cipher = Some(name);
        }
        info.sni = c.server_name().map(str::to_owned);
        info.channel_bindings.tls_server_end_point = self.end_point.clone();
        if c.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3) {
            // RFC 9266 section 2: 32 bytes, the label above, no context; defined for
            // TLS 1.3 only (section 3 warns against TLS 1.2 without extended master secret).
            info.channel_bindings.tls_exporter = c
                .export_keying_material(vec![0u8; TLS_EXPORTER_LEN], TLS_EXPORTER_LABEL, None)
                .ok()
                .map(SecretBytes::new);
        }
        info
    }

    /// The facts of an accepted `tokio-rustls` stream.
    pub fn stream<IO>(&self, stream: &tokio_rustls::server::TlsStream<IO>) -> TlsInfo {
        self.connection(stream.get_ref().1)
    }
}
