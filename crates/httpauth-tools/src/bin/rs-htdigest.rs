//! `rs-htdigest`: see the `httpauth-tools` README and `httpauth_tools::htfiles::htdigest`.
#![forbid(unsafe_code)]

use httpauth_tools::htfiles;

fn main() {
    let code = match htfiles::utf8_args(std::env::args_os()) {
        Ok(args) => htfiles::run_with_process_io(|io| htfiles::htdigest::run(&args, io)),
        Err(_) => {
            eprintln!("rs-htdigest: arguments must be UTF-8");
            htfiles::exit::SYNTAX
        }
    };
    std::process::exit(code);
}
