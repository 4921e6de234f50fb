//! authfile (work in progress).
