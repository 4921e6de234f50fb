//! `rs-htdigest`: see the `authfile` crate README and `authfile::cli::htdigest`.
#![forbid(unsafe_code)]

fn main() {
    let code = match authfile::cli::utf8_args(std::env::args_os()) {
        Ok(args) => {
            authfile::cli::run_with_process_io(|io| authfile::cli::htdigest::run(&args, io))
        }
        Err(_) => {
            eprintln!("rs-htdigest: arguments must be UTF-8");
            authfile::cli::exit::SYNTAX
        }
    };
    std::process::exit(code);
}
