//! mod_ssl's authorization providers `Require ssl` and `Require ssl-verify-client`
//! (httpd 2.4 `modules/ssl/ssl_engine_kernel.c`, `ssl_authz_require_ssl_check` and
//! `ssl_authz_verify_client_check`).

use crate::TlsVars;

/// A mod_ssl `Require` provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SslRequire {
    /// `Require ssl`: granted on a TLS connection.
    Ssl,
    /// `Require ssl-verify-client`: granted when the client presented a certificate that
    /// verified (`SSL_CLIENT_VERIFY` is `SUCCESS`; mod_ssl checks that neither an error
    /// nor `GENEROUS` was recorded, the verify result is `X509_V_OK` and a peer
    /// certificate exists).
    SslVerifyClient,
}

impl SslRequire {
    /// Parses the provider of a `Require` line (`ssl`, `ssl-verify-client`; provider
    /// names are case-insensitive in mod_authz_core). `Require ssl` takes no arguments.
    pub fn parse(provider: &str) -> Option<SslRequire> {
        let mut words = provider.split_whitespace();
        let p = match words.next()? {
            w if w.eq_ignore_ascii_case("ssl") => SslRequire::Ssl,
            w if w.eq_ignore_ascii_case("ssl-verify-client") => SslRequire::SslVerifyClient,
            _ => return None,
        };
        words.next().is_none().then_some(p)
    }

    /// The decision; `tls` is `None` on a plain-HTTP connection.
    pub fn allows(self, tls: Option<&TlsVars<'_>>) -> bool {
        match (self, tls) {
            (_, None) => false,
            (SslRequire::Ssl, Some(_)) => true,
            (SslRequire::SslVerifyClient, Some(t)) => {
                t.client().is_some() && t.verify_string() == "SUCCESS"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SslRequire;

    #[test]
    fn parse_provider_names() {
        assert_eq!(SslRequire::parse("ssl"), Some(SslRequire::Ssl));
        assert_eq!(
            SslRequire::parse("SSL-Verify-Client"),
            Some(SslRequire::SslVerifyClient)
        );
        assert_eq!(SslRequire::parse("ssl extra"), None);
        assert_eq!(SslRequire::parse("valid-user"), None);
    }
}
