//! `rs-htmutual`: see the `httpauth-tools` README and `httpauth_tools::htfiles::htmutual`.
//!
//! J is computed by `mutual-core`, through `httpauth::MutualCoreDeriver` (the `authfile`
//! library itself never depends on `mutual-core`).
#![forbid(unsafe_code)]

use httpauth::MutualCoreDeriver;
use httpauth_tools::htfiles;

fn main() {
    let code = match htfiles::utf8_args(std::env::args_os()) {
        Ok(args) => {
            htfiles::run_with_process_io(|io| htfiles::htmutual::run(&args, io, &MutualCoreDeriver))
        }
        Err(_) => {
            eprintln!("rs-htmutual: arguments must be UTF-8");
            htfiles::exit::SYNTAX
        }
    };
    std::process::exit(code);
}
