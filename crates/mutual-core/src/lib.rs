//! mutual-core (work in progress).
