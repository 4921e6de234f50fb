//! `rs-htpasswd`: see the `httpauth-tools` README and `httpauth_tools::htfiles::htpasswd`.
#![forbid(unsafe_code)]

use httpauth_tools::htfiles;

fn main() {
    let code = match htfiles::utf8_args(std::env::args_os()) {
        Ok(args) => htfiles::run_with_process_io(|io| htfiles::htpasswd::run(&args, io)),
        Err(_) => {
            eprintln!("rs-htpasswd: arguments must be UTF-8");
            htfiles::exit::SYNTAX
        }
    };
    std::process::exit(code);
}
