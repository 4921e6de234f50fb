//! Command-line tools of the httpauth workspace. Each binary is a thin front end over a
//! library module of the `httpauth` crate:
//!
//! | binary | library |
//! |---|---|
//! | `httpauth-ca` | `httpauth::ca` (feature `ca`): issue, revoke, CRLs, PKCS#12 / PEM export |
#![forbid(unsafe_code)]
