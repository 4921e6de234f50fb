//! httpauth-headers (work in progress).
