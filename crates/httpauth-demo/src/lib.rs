#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod auth;
pub mod client;
pub mod config;
mod error;
pub mod pki;
pub mod reload;
pub mod server;
pub mod store;
pub mod users;

pub use config::{Config, DEFAULT_CONFIG, ListenerKind};
pub use error::Error;
pub use reload::ReloadReport;
pub use server::{Running, start};

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Command-line options of the `httpauth-demo` binary.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Options {
    /// `--config FILE`: a TOML configuration instead of the embedded one.
    pub config: Option<PathBuf>,
    /// `--data-dir DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--http ADDR`: replaces the first http listener's address.
    pub http: Option<SocketAddr>,
    /// `--https ADDR`: replaces the first https listener's address.
    pub https: Option<SocketAddr>,
    /// `--bcrypt-cost N` for the demo htpasswd file written on first run (default 10).
    pub bcrypt_cost: Option<u32>,
}

impl Options {
    /// Parses the arguments after the program name.
    ///
    /// # Errors
    /// [`Error::Usage`].
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, Error> {
        let mut o = Options::default();
        let mut it = args.into_iter();
        while let Some(a) = it.next() {
            let mut value = |name: &str| {
                it.next()
                    .ok_or_else(|| Error::Usage(format!("{name} needs a value")))
            };
            let addr = |v: String, name: &str| -> Result<SocketAddr, Error> {
                v.parse()
                    .map_err(|_| Error::Usage(format!("{name}: {v:?} is not ip:port")))
            };
            match a.as_str() {
                "--config" | "-c" => o.config = Some(PathBuf::from(value("--config")?)),
                "--data-dir" => o.data_dir = Some(PathBuf::from(value("--data-dir")?)),
                "--http" => o.http = Some(addr(value("--http")?, "--http")?),
                "--https" => o.https = Some(addr(value("--https")?, "--https")?),
                "--bcrypt-cost" => {
                    let v = value("--bcrypt-cost")?;
                    let c: u32 = v
                        .parse()
                        .map_err(|_| Error::Usage(format!("--bcrypt-cost: {v:?}")))?;
                    if !(4..=31).contains(&c) {
                        return Err(Error::Usage("--bcrypt-cost must be 4-31".into()));
                    }
                    o.bcrypt_cost = Some(c);
                }
                "--print-config" => {
                    print!("{DEFAULT_CONFIG}");
                    return Ok(None);
                }
                "--help" | "-h" => {
                    print!("{USAGE}");
                    return Ok(None);
                }
                other => {
                    return Err(Error::Usage(format!(
                        "unknown argument {other:?}; see --help"
                    )));
                }
            }
        }
        Ok(Some(o))
    }
}

/// `httpauth-demo --help`.
pub const USAGE: &str = "\
usage: httpauth-demo [--config FILE] [--data-dir DIR] [--http IP:PORT] [--https IP:PORT]
                     [--bcrypt-cost N] [--print-config]

With no options: the embedded configuration (--print-config shows it), HTTP on
127.0.0.1:8080, HTTPS on 127.0.0.1:8443, demo CA, certificates and users generated into
./httpauth-demo-data on first run. Port 0 picks a free port. SIGINT/SIGTERM stop it
gracefully. With --config, the file is re-read when it changes (polled every second)
and on SIGHUP; a file with errors is logged and the running configuration stays.
Logs: RUST_LOG=httpauth_demo=debug.
";

/// Loads the configuration the options name, applies the overrides and, when the
/// configuration asks for `demo_setup`, generates the missing demo material.
///
/// # Errors
/// Configuration, certificate generation and file errors.
pub fn prepare(options: &Options) -> Result<Config, Error> {
    let config = load(options)?;
    if config.server.demo_setup {
        demo_setup(&config.server.data_dir, options.bcrypt_cost.unwrap_or(10))?;
    }
    Ok(config)
}

/// Reads and validates the configuration the options name (`--config`, else the
/// embedded one) and applies the `--data-dir`, `--http` and `--https` overrides, without
/// touching the data directory: [`prepare`] at startup, and every reload
/// ([`Running::watch`]).
///
/// # Errors
/// [`Error::Config`] naming the line and the directive; [`Error::Io`]; [`Error::Usage`]
/// for an https listener without `[tls]`.
pub fn load(options: &Options) -> Result<Config, Error> {
    match &options.config {
        Some(p) => {
            let text = read_config_file(p)?;
            load_text(options, &text, &p.display().to_string())
        }
        None => load_text(options, DEFAULT_CONFIG, "<embedded>"),
    }
}

/// Reads a configuration file of at most [`config::MAX_CONFIG_LEN`] bytes (a larger one
/// is refused without being read whole).
pub(crate) fn read_config_file(p: &Path) -> Result<String, Error> {
    use std::io::Read as _;
    let f = std::fs::File::open(p).map_err(|e| Error::io(p, e))?;
    let mut text = String::new();
    f.take(config::MAX_CONFIG_LEN as u64 + 1)
        .read_to_string(&mut text)
        .map_err(|e| Error::io(p, e))?;
    if text.len() > config::MAX_CONFIG_LEN {
        return Err(Error::Config {
            file: p.display().to_string(),
            line: 1,
            directive: "(file)".into(),
            message: "too large".into(),
        });
    }
    Ok(text)
}

/// [`load`] for a configuration already read: parse, validate, apply the overrides.
pub(crate) fn load_text(options: &Options, text: &str, name: &str) -> Result<Config, Error> {
    let mut config = Config::parse(text, name, options.data_dir.as_deref())?;
    for (kind, addr) in [
        (ListenerKind::Http, options.http),
        (ListenerKind::Https, options.https),
    ] {
        if let Some(a) = addr {
            match config.listeners.iter_mut().find(|l| l.kind == kind) {
                Some(l) => l.address = a,
                None => config.listeners.push(config::Listener { kind, address: a }),
            }
        }
    }
    if config
        .listeners
        .iter()
        .any(|l| l.kind == ListenerKind::Https)
        && config.tls.is_none()
    {
        return Err(Error::Usage(
            "--https needs a [tls] table in the configuration".into(),
        ));
    }
    Ok(config)
}

/// Generates whatever demo material is missing in `data_dir`.
///
/// # Errors
/// Certificate generation and file errors.
pub fn demo_setup(data_dir: &Path, bcrypt_cost: u32) -> Result<(), Error> {
    std::fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;
    if pki::ensure(data_dir)? {
        tracing::info!(dir = %data_dir.display(), "generated demo CA, server and client certificates");
    }
    let mut dns = Vec::new();
    for c in pki::DEMO_CLIENTS {
        let (cert, _) = pki::client_paths(data_dir, c.stem);
        let der = pki::read_certs(&cert)?.remove(0);
        let mut tls = httpauth_core::TlsInfo::default();
        tls.peer_certificates = vec![der];
        if let Ok(vars) = cert_policy::TlsVars::new(&tls)
            && let Some(dn) = cert_policy::fake_basic_user(&vars)
        {
            dns.push(dn);
        }
    }
    users::ensure(data_dir, &dns, bcrypt_cost)
}

/// The ready-to-paste commands for every location of a running server.
pub fn banner(config: &Config, running: &Running) -> String {
    use std::fmt::Write as _;
    let dir = config.server.data_dir.display().to_string();
    let q = |s: &str| {
        if s.contains(' ') {
            format!("'{s}'")
        } else {
            s.to_owned()
        }
    };
    let dirq = q(&dir);
    let http = running
        .address(ListenerKind::Http)
        .map(|a| format!("http://{a}"));
    let https = running
        .address(ListenerKind::Https)
        .map(|a| format!("https://{a}"));
    let (alice, alice_key) = pki::client_paths(&config.server.data_dir, "alice");
    let (juergen, juergen_key) = pki::client_paths(&config.server.data_dir, "juergen");
    let ca = q(&config
        .server
        .data_dir
        .join(pki::files::CA_CERT)
        .display()
        .to_string());
    let alice_cert = format!(
        "--cert {} --key {}",
        q(&alice.display().to_string()),
        q(&alice_key.display().to_string())
    );
    let juergen_cert = format!(
        "--cert {} --key {}",
        q(&juergen.display().to_string()),
        q(&juergen_key.display().to_string())
    );
    let mut s = String::new();
    let _ = writeln!(s, "httpauth-demo is running");
    for (k, a) in &running.addresses {
        let _ = writeln!(
            s,
            "  listening: {}://{a}",
            if *k == ListenerKind::Https {
                "https"
            } else {
                "http"
            }
        );
    }
    let _ = writeln!(s, "  data directory: {dir}");
    if config.server.demo_setup {
        let _ = writeln!(
            s,
            "  demo users: alice/wonderland (groups admins, staff), bob/builder (group staff)"
        );
        let _ = writeln!(
            s,
            "  client certificates: {dirq}/clients/alice.pem (O=Example Org, OU=Engineering), {dirq}/clients/juergen.pem (CN=Jürgen Müller, OU=Sales)"
        );
    }
    let _ = writeln!(s, "\nTry:");
    let base = https.clone().or(http.clone()).unwrap_or_default();
    let tls_opt = if https.is_some() {
        format!("--cacert {ca} ")
    } else {
        String::new()
    };
    if !config.server.demo_setup {
        // A site's own configuration: its users, passwords and certificates are not the
        // demo's, so no outcome is predicted and no demo password is suggested.
        for l in &config.locations {
            let _ = writeln!(s, "\n# {} — {}", l.path, l.title);
            let url = format!("{base}{}", l.path);
            let flag = if l.schemes.contains(&config::SchemeKind::Digest)
                && !l.schemes.contains(&config::SchemeKind::Basic)
            {
                "--digest -u USER:PASSWORD "
            } else if l.schemes.is_empty() {
                ""
            } else {
                "-u USER:PASSWORD "
            };
            let _ = writeln!(s, "curl {tls_opt}{flag}{url}");
        }
        let _ = writeln!(s, "\n(SIGINT or SIGTERM stops the server)");
        return s;
    }
    let alice_tls = demo_tls(&alice);
    let juergen_tls = demo_tls(&juergen);
    let client = if https.is_some() {
        format!("cargo run -p httpauth-demo --bin httpauth-client -- --cacert {ca} ")
    } else {
        "cargo run -p httpauth-demo --bin httpauth-client -- ".to_owned()
    };
    for l in &config.locations {
        let _ = writeln!(s, "\n# {} — {}", l.path, l.title);
        let url = format!("{base}{}", l.path);
        let cert_loc = l.client_certificate || l.ssl_require.is_some();
        let has = |k| l.schemes.contains(&k);
        use config::SchemeKind::*;
        let mut cmd = |(code, why): (u16, String), line: String| {
            let _ = writeln!(s, "# expect {code}: {why}");
            let _ = writeln!(s, "{line}");
        };
        if cert_loc && https.is_some() {
            for (stem, tls, args) in [
                ("alice", alice_tls.as_ref(), &alice_cert),
                ("juergen", juergen_tls.as_ref(), &juergen_cert),
            ] {
                cmd(
                    expected(l, tls.map(|t| (stem, t)), false),
                    format!("curl {tls_opt}{args} {url}"),
                );
            }
            if l.satisfy == config::Satisfy::All && (has(Basic) || has(Digest)) {
                let flag = if has(Basic) { "" } else { "--digest " };
                cmd(
                    expected(l, alice_tls.as_ref().map(|t| ("alice", t)), true),
                    format!("curl {tls_opt}{alice_cert} {flag}-u alice:wonderland {url}"),
                );
            }
        }
        if has(Basic) {
            cmd(
                expected(l, None, true),
                format!("curl {tls_opt}-u alice:wonderland {url}"),
            );
        }
        if has(Digest) {
            cmd(
                expected(l, None, true),
                format!("curl {tls_opt}--digest -u alice:wonderland {url}"),
            );
        }
        if has(Mutual) {
            if let Some(h) = &http {
                cmd(
                    expected(l, None, true),
                    format!(
                        "cargo run -p httpauth-demo --bin httpauth-client -- -v -u alice:wonderland {h}{}",
                        l.path
                    ),
                );
            }
            if https.is_some() {
                cmd(
                    expected(l, None, true),
                    format!("{client}-v -u alice:wonderland {url}"),
                );
            }
        }
        if (l.schemes.is_empty() && !cert_loc) || l.optional {
            cmd(expected(l, None, false), format!("curl {tls_opt}{url}"));
        }
        // The client sends no certificate: shown where a password alone suffices.
        let alone = expected(l, None, true);
        if (has(Basic) || has(Digest)) && alone.0 == 200 {
            // The client sends Basic over plain http only when told to (RFC 7617 section 4).
            let plain = if https.is_none() && has(Basic) {
                "--basic-over-http "
            } else {
                ""
            };
            cmd(alone, format!("{client}{plain}-u alice:wonderland {url}"));
        }
    }
    let _ = writeln!(s, "\n(SIGINT or SIGTERM stops the server)");
    s
}

/// The TLS facts the server will see for a demo client certificate (verified: the demo CA
/// issued it).
fn demo_tls(cert: &Path) -> Option<httpauth_core::TlsInfo> {
    let chain = pki::read_certs(cert).ok()?;
    let mut info = httpauth_core::TlsInfo::default();
    info.peer_certificates = chain;
    info.peer_verification = httpauth_core::PeerVerification::Success;
    Some(info)
}

/// The demo users' groups, for predicting `Require group`.
struct DemoGroups;

impl httpauth_core::GroupStore for DemoGroups {
    fn is_member(&self, user: &str, group: &str) -> Result<bool, httpauth_core::Error> {
        Ok(users::DEMO_USERS
            .iter()
            .any(|u| u.name == user && u.groups.contains(&group)))
    }
}

/// The status a banner command gets, and why: the location's rules applied to what the
/// command sends (a demo client certificate, alice's password, or nothing), in Apache's
/// order (see `httpauth::guard`).
fn expected(
    l: &config::LocationConfig,
    cert: Option<(&str, &httpauth_core::TlsInfo)>,
    alice: bool,
) -> (u16, String) {
    let cert_loc = l.client_certificate || l.ssl_require.is_some();
    let vars = cert.and_then(|(_, t)| cert_policy::TlsVars::new(t).ok());
    let who = cert.map_or("no certificate".to_owned(), |(stem, _)| {
        format!("{stem}'s certificate")
    });
    let has_auth = !l.schemes.is_empty() || l.fake_basic_auth;
    if cert_loc {
        let policy_ok = match (&vars, &l.ssl_require) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(v), Some(e)) => {
                let mut req = cert_policy::Request::default();
                req.method = "GET";
                req.scheme = "https";
                req.uri = &l.path;
                e.allows(&cert_policy::Context::new(Some(v)).with_request(req))
            }
        };
        let access_ok = vars.is_some() && policy_ok;
        let refused = |v: &cert_policy::TlsVars<'_>| {
            let ctx = cert_policy::Context::new(Some(v));
            let ou = cert_policy::ssl_user_name("SSL_CLIENT_S_DN_OU", &ctx)
                .ok()
                .flatten();
            format!("SSLRequire refuses OU={}", ou.unwrap_or_default())
        };
        match l.satisfy {
            config::Satisfy::All if !access_ok => {
                return (
                    403,
                    match &vars {
                        None => "a client certificate is required here (Satisfy all)".into(),
                        Some(v) => refused(v),
                    },
                );
            }
            config::Satisfy::Any if access_ok => {
                return (200, format!("{who} suffices (Satisfy any)"));
            }
            config::Satisfy::Any if l.strict_require && !policy_ok => {
                return (403, "StrictRequire: the SSLRequire policy refuses".into());
            }
            config::Satisfy::Any if !has_auth => return (403, format!("{who} is refused")),
            config::Satisfy::All | config::Satisfy::Any => {}
        }
    }
    if !has_auth {
        return (
            200,
            match cert {
                Some(_) => format!("{who} is accepted"),
                None => "public".into(),
            },
        );
    }
    if !alice {
        if l.fake_basic_auth && vars.is_some() {
            return (
                200,
                format!("FakeBasicAuth: {who}'s DN is in the user file"),
            );
        }
        if l.optional {
            return (
                200,
                "served anonymously, with Optional-WWW-Authenticate".into(),
            );
        }
        if l.schemes.is_empty() {
            return (403, "no credentials and nothing to challenge for".into());
        }
        return (
            401,
            match cert {
                Some(_) => format!("{who} is accepted; a password is needed too (Satisfy all)"),
                None => "credentials needed".into(),
            },
        );
    }
    let principal = httpauth_core::Principal::new("alice", "Basic", None);
    let Ok(rules) = httpauth::AccessRules::any(l.require.clone()) else {
        return (500, "invalid Require lines".into());
    };
    let mut facts = httpauth::access::Facts::new("GET").with_user(Some(&principal));
    facts.groups = Some(&DemoGroups);
    match rules.after_authentication(&facts) {
        httpauth::access::Verdict::Allow => (
            200,
            match cert {
                Some(_) => "certificate and password together (Satisfy all)".into(),
                None => "alice's password".into(),
            },
        ),
        _ => (401, "alice is not allowed by Require".into()),
    }
}
