//! `rs-htmutual`: see the `authfile` crate README and `authfile::cli::htmutual`.
//!
//! Built only with the `cli-mutual` feature: J is computed by `mutual-core`, which the
//! `authfile` library itself never depends on.

use authfile::{DeriveError, Password, SecretBytes, VerifierDeriver};

/// J(pi) by `mutual-core` (RFC 8120 section 12.2, RFC 8121 section 3).
struct MutualCoreDeriver;

impl VerifierDeriver for MutualCoreDeriver {
    fn algorithms(&self) -> Vec<String> {
        mutual_core::ALL_ALGORITHMS
            .iter()
            .map(|a| a.token().to_owned())
            .collect()
    }

    fn derive(
        &self,
        algorithm: &str,
        auth_scope: &str,
        realm: &str,
        user: &str,
        password: &Password,
    ) -> Result<SecretBytes, DeriveError> {
        let alg = mutual_core::algorithm_by_token(algorithm)?;
        let wire = mutual_core::derive_verifier(
            algorithm,
            auth_scope,
            realm,
            user,
            password.expose_secret(),
        )?;
        // The file stores J's octets; mutual-core hands out its wire text.
        let j = alg.wire_encoding().decode(&wire, alg.element_len())?;
        Ok(SecretBytes::new(j))
    }
}

fn main() {
    let code = match authfile::cli::utf8_args(std::env::args_os()) {
        Ok(args) => authfile::cli::run_with_process_io(|io| {
            authfile::cli::htmutual::run(&args, io, &MutualCoreDeriver)
        }),
        Err(_) => {
            eprintln!("rs-htmutual: arguments must be UTF-8");
            authfile::cli::exit::SYNTAX
        }
    };
    std::process::exit(code);
}
