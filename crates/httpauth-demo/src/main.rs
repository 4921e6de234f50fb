//! `httpauth-demo`: see the crate README.
#![forbid(unsafe_code)]

use httpauth_demo::{Options, banner, prepare, server, start};

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("httpauth_demo=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(Some(o)) => o,
        Ok(None) => return std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("httpauth-demo: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let config = match prepare(&options) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("httpauth-demo: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("httpauth-demo: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    rt.block_on(async move {
        let signal = match server::shutdown_signal() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("httpauth-demo: {e}");
                return std::process::ExitCode::from(1);
            }
        };
        let mut running = match start(config.clone()).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("httpauth-demo: {e}");
                return std::process::ExitCode::from(1);
            }
        };
        // Policy reload: the --config file when it changes, and on SIGHUP.
        if let Err(e) = running.watch(options) {
            eprintln!("httpauth-demo: {e}");
            return std::process::ExitCode::from(1);
        }
        println!("{}", banner(&config, &running));
        signal.await;
        tracing::info!("shutting down");
        running.shutdown().await;
        std::process::ExitCode::SUCCESS
    })
}
