//! digest-auth (work in progress).
