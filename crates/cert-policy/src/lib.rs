#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

mod dn;
mod error;
mod eval;
mod expr;
mod forward;
mod pkix;
mod regex_check;
mod require;
mod user;
mod vars;
pub mod verify;

pub use error::Error;
pub use eval::{Capabilities, Context, MAX_EVAL_RECURSION, MAX_FILE_SIZE};
pub use expr::{Dialect, Expr, MAX_EXPR_LEN, MAX_LIST_LEN, MAX_NESTING, Warning};
pub use forward::{CertHeaders, MAX_FORWARDED_HEADERS};
pub use httpauth_core::{PeerVerification, TlsInfo};
pub use regex_check::MAX_REGEX_SIZE;
pub use require::SslRequire;
pub use user::{
    FAKE_BASIC_HTPASSWD_HASH, FAKE_BASIC_PASSWORD, check_fake_basic, fake_basic_user, ssl_user_name,
};
pub use vars::{CertView, Request, TlsVars};
pub use verify::{ApacheClientVerifier, RevocationCheck, VerifyClient, VerifyConfig};

#[cfg(test)]
mod tests {
    #[test]
    fn compiled_expressions_are_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<crate::Expr>();
        assert_send_sync::<crate::ApacheClientVerifier>();
    }
}
