//! `httpauth-apache-convert`: an Apache httpd configuration fragment to the
//! httpauth-demo configuration. The logic is `httpauth_tools::apache_convert`.
#![forbid(unsafe_code)]

use clap::Parser;
use httpauth_tools::apache_convert::{self, MAX_INPUT_BYTES, Options};
use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit status: everything was carried over (notes aside).
const EXIT_COMPLETE: u8 = 0;
/// Exit status: the output could not be written, or failed the demo's loader (a bug).
const EXIT_FAILED: u8 = 1;
/// Exit status: usage error, unreadable or ill-formed input (clap's usage errors are 2).
const EXIT_INPUT: u8 = 2;
/// Exit status: converted, but something was not carried over or was changed.
const EXIT_INCOMPLETE: u8 = 3;

#[derive(Debug, Parser)]
#[command(
    name = "httpauth-apache-convert",
    version,
    about = "Convert an Apache httpd configuration fragment to an httpauth-demo configuration",
    long_about = "Convert an Apache httpd 2.4 configuration fragment (authentication, \
authorization, mod_ssl client certificates, listeners, proxying) to the TOML \
configuration of httpauth-demo (docs/demo-config.md).\n\n\
The TOML goes to standard output (or --output); the report goes to standard error, one \
line for each directive that was not carried over, carried over differently, or that \
deserves a note:\n\n  site.conf:12: SSLSessionCache: not carried over: <why>\n\n\
The output is checked with the demo's own configuration loader before it is written. \
docs/apache-convert.md has the directive table.",
    after_help = "Exit status:\n  \
0  everything was carried over (notes may still be reported)\n  \
1  the output could not be written\n  \
2  usage error, or the input is unreadable, not UTF-8, larger than 1 MiB or not \
well-formed httpd syntax\n  \
3  converted, but something was not carried over or was changed (see the report); \
with --strict nothing is written"
)]
struct Cli {
    /// The httpd configuration fragment (`-` for standard input).
    input: PathBuf,
    /// Write the TOML to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// httpd's ServerRoot: relative file names are resolved against it as httpd does
    /// (default: the fragment's ServerRoot; without one they are kept as written and
    /// reported).
    #[arg(long, value_name = "DIR")]
    server_root: Option<PathBuf>,
    // The help text is a string, not a doc comment: rustdoc reads `<Directory>` as HTML.
    #[arg(
        long,
        value_name = "DIR",
        help = "The DocumentRoot that maps <Directory> sections to URL paths and becomes \
                static_dir (default: the fragment's DocumentRoot)"
    )]
    document_root: Option<PathBuf>,
    /// When anything is not carried over or is changed, write no TOML at all (exit 3).
    #[arg(long)]
    strict: bool,
}

fn read_input(cli: &Cli) -> Result<(String, String), String> {
    let (name, mut reader): (String, Box<dyn std::io::Read>) = if cli.input.as_os_str() == "-" {
        ("<stdin>".into(), Box::new(std::io::stdin().lock()))
    } else {
        let f =
            std::fs::File::open(&cli.input).map_err(|e| format!("{}: {e}", cli.input.display()))?;
        (cli.input.display().to_string(), Box::new(f))
    };
    let mut bytes = Vec::new();
    reader
        .by_ref()
        .take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{name}: {e}"))?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(format!("{name}: larger than {MAX_INPUT_BYTES} bytes"));
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| format!("{name}: not UTF-8 (byte {})", e.utf8_error().valid_up_to()))?;
    Ok((name, text))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (name, text) = match read_input(&cli) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("httpauth-apache-convert: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let mut options = Options::default();
    options.server_root.clone_from(&cli.server_root);
    options.document_root.clone_from(&cli.document_root);
    let conversion = match apache_convert::convert(&text, &options) {
        Ok(c) => c,
        Err(e @ apache_convert::Error::NotLoadable(_)) => {
            eprintln!("httpauth-apache-convert: {name}: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
        Err(e) => {
            eprintln!("httpauth-apache-convert: {name}: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let report = conversion.report(&name);
    let complete = conversion.is_complete();
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(report.as_bytes());
    if !complete && cli.strict {
        let _ = writeln!(
            stderr,
            "httpauth-apache-convert: --strict: nothing written, as the report lists what was not carried over"
        );
        return ExitCode::from(EXIT_INCOMPLETE);
    }
    let written = match &cli.output {
        Some(path) if path.as_os_str() != "-" => {
            std::fs::write(path, &conversion.toml).map_err(|e| format!("{}: {e}", path.display()))
        }
        _ => {
            let mut out = std::io::stdout().lock();
            out.write_all(conversion.toml.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| format!("standard output: {e}"))
        }
    };
    if let Err(e) = written {
        let _ = writeln!(stderr, "httpauth-apache-convert: {e}");
        return ExitCode::from(EXIT_FAILED);
    }
    ExitCode::from(if complete {
        EXIT_COMPLETE
    } else {
        EXIT_INCOMPLETE
    })
}
