//! cert-policy (work in progress).
