//! `rs-htmutual`: see the `authfile` crate README and `authfile::cli::htmutual`.
//!
//! Built only with the `cli-mutual` feature: J is computed by `mutual-core`, which the
//! `authfile` library itself never depends on.
#![forbid(unsafe_code)]

use authfile::MutualCoreDeriver;

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
