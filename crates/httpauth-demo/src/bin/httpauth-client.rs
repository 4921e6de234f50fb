//! `httpauth-client`: a curl-like client for Basic, Digest and Mutual; see the crate README
//! and `httpauth-client --help`.
#![forbid(unsafe_code)]

use clap::Parser as _;
use httpauth_demo::client::{self, ClientOptions, Login, exit};
use std::process::ExitCode;
use std::sync::Arc;

/// Prompts for the password of `login` when `-u USER` (or `-U USER`) gave none.
fn prompt(login: &mut Option<Login>, what: &str) -> Result<(), ExitCode> {
    let Some(l) = login.as_mut() else {
        return Ok(());
    };
    if l.password.is_some() {
        return Ok(());
    }
    match rpassword::prompt_password(format!("Enter {what}password for user '{}': ", l.user)) {
        Ok(p) => {
            l.password = Some(Arc::new(p.into()));
            Ok(())
        }
        Err(e) => {
            eprintln!("httpauth-client: cannot read the password: {e}");
            Err(ExitCode::from(exit::USAGE))
        }
    }
}

fn main() -> ExitCode {
    // clap prints --help / --version on stdout (exit 0) and usage errors on stderr (exit 2).
    let mut opts = ClientOptions::parse();
    if let Err(e) = opts.load_body() {
        eprintln!("httpauth-client: {e}");
        return ExitCode::from(exit::USAGE);
    }
    if let Err(code) = prompt(&mut opts.user, "") {
        return code;
    }
    if let Err(code) = prompt(&mut opts.proxy_user, "proxy ") {
        return code;
    }
    if opts.verbose && opts.repeat == 1 && opts.concurrency == 1 {
        // The engine's own steps (target `httpauth::client`), beside the transport's lines.
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(tracing_subscriber::EnvFilter::new("httpauth::client=debug"))
            .without_time()
            .with_ansi(false)
            .try_init();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("httpauth-client: {e}");
            return ExitCode::from(exit::NETWORK);
        }
    };
    ExitCode::from(rt.block_on(client::run(opts)))
}
