//! The Rust snippets of the user guide, compiled with the other examples so that the guide
//! cannot drift from the API: `docs/guide/*.md` include the files of `examples/guide/`
//! whole (`{{#include}}`). They are not run; each is a function a reader copies into a
//! program, so nothing here calls them.
#![allow(dead_code)]

/// `docs/guide/call-a-server.md`, "Several logins, a proxy".
mod proxy {
    include!("guide/proxy.rs");
}

/// `docs/guide/call-a-server.md`, "Handling errors".
mod errors {
    include!("guide/errors.rs");
}

/// `docs/guide/protect-a-route.md`, "Who may enter: `Require`".
mod require {
    include!("guide/require.rs");
}

/// `docs/guide/protect-a-route.md`, "Client certificates and `Satisfy`".
mod cert_or_password {
    include!("guide/cert_or_password.rs");
}

/// `docs/guide/protect-a-route.md`, "Optional authentication (RFC 8053)".
mod optional {
    include!("guide/optional.rs");
}

/// `docs/guide/protect-a-route.md`, "One guard for several routes, limits".
mod shared {
    include!("guide/shared.rs");
}

fn main() {}
