//! `httpauth-client`: a curl-like client for Basic, Digest and Mutual; see the crate README.
#![forbid(unsafe_code)]

use httpauth_demo::client::{self, exit};

fn main() -> std::process::ExitCode {
    let mut opts = match client::parse_args(std::env::args().skip(1)) {
        Ok(Some(o)) => o,
        Ok(None) => return std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("httpauth-client: {e}");
            return std::process::ExitCode::from(exit::USAGE);
        }
    };
    if opts.user.is_some() && opts.password.is_none() {
        let user = opts.user.clone().unwrap_or_default();
        match rpassword::prompt_password(format!("Enter password for user '{user}': ")) {
            Ok(p) => opts.password = Some(p.into()),
            Err(e) => {
                eprintln!("httpauth-client: cannot read the password: {e}");
                return std::process::ExitCode::from(exit::USAGE);
            }
        }
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("httpauth-client: {e}");
            return std::process::ExitCode::from(exit::NETWORK);
        }
    };
    std::process::ExitCode::from(rt.block_on(client::run(opts)))
}
