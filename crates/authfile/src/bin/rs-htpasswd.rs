//! `rs-htpasswd`: see the `authfile` crate README and `authfile::cli::htpasswd`.
#![forbid(unsafe_code)]

fn main() {
    let code = match authfile::cli::utf8_args(std::env::args_os()) {
        Ok(args) => {
            authfile::cli::run_with_process_io(|io| authfile::cli::htpasswd::run(&args, io))
        }
        Err(_) => {
            eprintln!("rs-htpasswd: arguments must be UTF-8");
            authfile::cli::exit::SYNTAX
        }
    };
    std::process::exit(code);
}
