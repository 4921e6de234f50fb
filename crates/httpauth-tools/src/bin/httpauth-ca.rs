//! `httpauth-ca`: a certificate authority for client certificates, over a CA directory.
//! A thin front end over `httpauth::ca`; see `docs/client-certificates.md`.
#![forbid(unsafe_code)]

use std::io::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use httpauth::ca::{
    self, CaDir, InitOptions, IssueRequest, KeyType, Passphrase, Pkcs12Form, Profile, Reason, San,
    Serial, Subject,
};

/// Issue, revoke and export client certificates; publish CRLs.
#[derive(Debug, Parser)]
#[command(name = "httpauth-ca", version, about, long_about = None)]
struct Cli {
    /// The CA directory.
    #[arg(long, short = 'd', env = "HTTPAUTH_CA_DIR", default_value = ".")]
    dir: PathBuf,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Create a root CA (and optionally an intermediate that issues everything).
    Init(InitArgs),
    /// Issue a client or server certificate.
    #[command(subcommand)]
    Issue(IssueCmd),
    /// Mark a certificate revoked (listed from the next `crl` on).
    Revoke {
        /// Serial number (hex, as `list` shows it).
        serial: String,
        /// RFC 5280 reason: unspecified, key-compromise, ca-compromise,
        /// affiliation-changed, superseded, cessation-of-operation, certificate-hold,
        /// privilege-withdrawn, aa-compromise.
        #[arg(long, default_value = "unspecified")]
        reason: String,
    },
    /// Sign and write crl.pem (for SSLCARevocationFile).
    Crl {
        /// Days until nextUpdate.
        #[arg(long, default_value_t = 30)]
        days: u32,
        #[command(flatten)]
        ca_pass: CaPass,
    },
    /// Export a certificate with its key: PKCS#12 for browsers, PEM for curl --cert.
    Export(ExportArgs),
    /// List every certificate: serial, kind, status, expiry, SSL_CLIENT_S_DN.
    List,
    /// Show one certificate.
    Show {
        /// Serial number (hex).
        serial: String,
    },
}

#[derive(Debug, Args)]
struct InitArgs {
    /// Root CA common name.
    #[arg(long, default_value = "httpauth root CA")]
    cn: String,
    /// Organisation of the CA certificates.
    #[arg(long)]
    org: Option<String>,
    /// Root validity in days.
    #[arg(long, default_value_t = 3650)]
    days: u32,
    /// Also create an intermediate CA with this common name; it issues every certificate.
    #[arg(long, value_name = "CN")]
    intermediate: Option<String>,
    /// Intermediate validity in days.
    #[arg(long, default_value_t = 1825)]
    intermediate_days: u32,
    /// Key type: ec-p256, ec-p384, ed25519.
    #[arg(long, default_value = "ec-p256")]
    key_type: String,
    /// Encrypt the CA keys under the passphrase in this file (first line).
    #[arg(long, value_name = "FILE", conflicts_with = "passphrase_env")]
    passphrase_file: Option<PathBuf>,
    /// Encrypt the CA keys under the passphrase in this environment variable.
    #[arg(long, value_name = "VAR")]
    passphrase_env: Option<String>,
}

/// The CA key passphrase, when the CA keys are encrypted.
#[derive(Debug, Args)]
struct CaPass {
    /// File holding the CA key passphrase (first line).
    #[arg(long, value_name = "FILE", conflicts_with = "ca_passphrase_env")]
    ca_passphrase_file: Option<PathBuf>,
    /// Environment variable holding the CA key passphrase.
    #[arg(long, value_name = "VAR")]
    ca_passphrase_env: Option<String>,
}

#[derive(Debug, Args)]
struct Common {
    /// Validity in days.
    #[arg(long, default_value_t = 365)]
    days: u32,
    /// Key type (default: the CA's).
    #[arg(long)]
    key_type: Option<String>,
    /// Encrypt the new key under the passphrase in this file (first line).
    #[arg(long, value_name = "FILE", conflicts_with = "key_passphrase_env")]
    key_passphrase_file: Option<PathBuf>,
    /// Encrypt the new key under the passphrase in this environment variable.
    #[arg(long, value_name = "VAR")]
    key_passphrase_env: Option<String>,
    #[command(flatten)]
    ca_pass: CaPass,
}

#[derive(Debug, Subcommand)]
enum IssueCmd {
    /// A client certificate (extendedKeyUsage clientAuth).
    Client {
        /// Subject commonName.
        #[arg(long)]
        cn: String,
        /// Subject countryName (two letters, e.g. DE).
        #[arg(long)]
        country: Option<String>,
        /// Subject organizationName.
        #[arg(long)]
        org: Option<String>,
        /// Subject organizationalUnitName (repeatable).
        #[arg(long)]
        ou: Vec<String>,
        /// Subject emailAddress (legacy; prefer --san-email).
        #[arg(long)]
        email: Option<String>,
        /// Subject UID (for SSLUserName SSL_CLIENT_S_DN_UID).
        #[arg(long)]
        uid: Option<String>,
        /// rfc822Name SAN (repeatable).
        #[arg(long)]
        san_email: Vec<String>,
        /// dNSName SAN (repeatable).
        #[arg(long)]
        san_dns: Vec<String>,
        /// Microsoft UPN otherName SAN (repeatable).
        #[arg(long)]
        upn: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
    /// A server certificate (extendedKeyUsage serverAuth).
    Server {
        /// dNSName SAN (repeatable; at least one --dns or --ip).
        #[arg(long)]
        dns: Vec<String>,
        /// iPAddress SAN (repeatable).
        #[arg(long)]
        ip: Vec<IpAddr>,
        /// Subject commonName (default: the first name).
        #[arg(long)]
        cn: Option<String>,
        /// Subject organizationName.
        #[arg(long)]
        org: Option<String>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// PKCS#12 (.p12) with key, certificate and CA chain.
    P12,
    /// PEM: certificate, intermediate, key (curl --cert).
    Pem,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// Serial number (hex).
    serial: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "p12")]
    format: Format,
    /// Output file (written 0600).
    #[arg(long, short = 'o')]
    out: PathBuf,
    /// PKCS#12 in the legacy form (3DES, SHA-1 MAC) older browsers and keychains need.
    #[arg(long)]
    legacy: bool,
    /// File holding the export password (first line); required for p12.
    #[arg(long, value_name = "FILE", conflicts_with = "password_env")]
    password_file: Option<PathBuf>,
    /// Environment variable holding the export password.
    #[arg(long, value_name = "VAR")]
    password_env: Option<String>,
    /// File holding the stored key's passphrase, when it was issued encrypted.
    #[arg(long, value_name = "FILE", conflicts_with = "key_passphrase_env")]
    key_passphrase_file: Option<PathBuf>,
    /// Environment variable holding the stored key's passphrase.
    #[arg(long, value_name = "VAR")]
    key_passphrase_env: Option<String>,
}

/// An error for the user: what failed, then why.
struct Failure(String);

impl From<ca::Error> for Failure {
    fn from(e: ca::Error) -> Self {
        Failure(e.to_string())
    }
}

fn read_pass(
    what: &str,
    file: Option<&PathBuf>,
    env: Option<&String>,
) -> Result<Option<Passphrase>, Failure> {
    let raw = match (file, env) {
        (Some(f), _) => {
            let text = zeroize::Zeroizing::new(
                std::fs::read_to_string(f)
                    .map_err(|e| Failure(format!("{what}: {}: {e}", f.display())))?,
            );
            text.lines().next().unwrap_or("").to_owned()
        }
        (None, Some(v)) => std::env::var(v)
            .map_err(|_| Failure(format!("{what}: environment variable {v} is not set")))?,
        (None, None) => return Ok(None),
    };
    Passphrase::new(raw)
        .map(Some)
        .map_err(|e| Failure(format!("{what}: {e}")))
}

fn ca_pass(p: &CaPass) -> Result<Option<Passphrase>, Failure> {
    read_pass(
        "CA key passphrase",
        p.ca_passphrase_file.as_ref(),
        p.ca_passphrase_env.as_ref(),
    )
}

fn serial(s: &str) -> Result<Serial, Failure> {
    Ok(s.parse::<Serial>()?)
}

fn issue(
    ca: &CaDir,
    profile: Profile,
    subject: Subject,
    sans: Vec<San>,
    c: &Common,
) -> Result<(), Failure> {
    let key_type = c
        .key_type
        .as_deref()
        .map(str::parse::<KeyType>)
        .transpose()?;
    let key_passphrase = read_pass(
        "key passphrase",
        c.key_passphrase_file.as_ref(),
        c.key_passphrase_env.as_ref(),
    )?;
    let req = IssueRequest {
        profile,
        subject,
        sans,
        days: c.days,
        key_type,
        key_passphrase,
    };
    let rec = ca.issue(&req, ca_pass(&c.ca_pass)?.as_ref())?;
    println!("serial: {}", rec.serial);
    println!("subject: {}", rec.subject_dn);
    println!("certificate: {}", ca.path().join(&rec.cert).display());
    println!("key: {}", ca.path().join(&rec.key).display());
    println!("expires: {}", ca::format_time(rec.not_after));
    Ok(())
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.cmd {
        Cmd::Init(a) => {
            let opts = InitOptions {
                root_cn: a.cn,
                org: a.org,
                root_days: a.days,
                intermediate_cn: a.intermediate,
                intermediate_days: a.intermediate_days,
                key_type: a.key_type.parse()?,
                ca_passphrase: read_pass(
                    "CA key passphrase",
                    a.passphrase_file.as_ref(),
                    a.passphrase_env.as_ref(),
                )?,
            };
            let ca = CaDir::init(&cli.dir, &opts)?;
            for r in ca.list()? {
                println!("{} {} {}", r.kind.name(), r.serial, r.subject_dn);
            }
            println!("trust anchors: {}", ca.ca_bundle_path().display());
        }
        Cmd::Issue(i) => {
            let ca = CaDir::open(&cli.dir)?;
            match i {
                IssueCmd::Client {
                    cn,
                    country,
                    org,
                    ou,
                    email,
                    uid,
                    san_email,
                    san_dns,
                    upn,
                    common,
                } => {
                    let sans = san_email
                        .into_iter()
                        .map(San::Email)
                        .chain(san_dns.into_iter().map(San::Dns))
                        .chain(upn.into_iter().map(San::Upn))
                        .collect();
                    let subject = Subject {
                        cn,
                        c: country,
                        o: org,
                        ou,
                        email,
                        uid,
                    };
                    issue(&ca, Profile::Client, subject, sans, &common)?;
                }
                IssueCmd::Server {
                    dns,
                    ip,
                    cn,
                    org,
                    common,
                } => {
                    let cn = cn
                        .or_else(|| dns.first().cloned())
                        .or_else(|| ip.first().map(IpAddr::to_string))
                        .ok_or_else(|| {
                            Failure("issue server: give at least one --dns or --ip".into())
                        })?;
                    let sans = dns
                        .into_iter()
                        .map(San::Dns)
                        .chain(ip.into_iter().map(San::Ip))
                        .collect();
                    let subject = Subject {
                        cn,
                        o: org,
                        ..Subject::default()
                    };
                    issue(&ca, Profile::Server, subject, sans, &common)?;
                }
            }
        }
        Cmd::Revoke { serial: s, reason } => {
            let ca = CaDir::open(&cli.dir)?;
            let reason: Reason = reason.parse()?;
            let rec = ca.revoke(serial(&s)?, reason)?;
            println!(
                "revoked {} ({}): {}",
                rec.serial,
                reason.name(),
                rec.subject_dn
            );
            println!("run `httpauth-ca crl` to publish the revocation");
        }
        Cmd::Crl { days, ca_pass: p } => {
            let ca = CaDir::open(&cli.dir)?;
            let info = ca.crl(days, ca_pass(&p)?.as_ref())?;
            println!(
                "CRL number {} with {} revoked certificate(s), next update {}: {}",
                info.number,
                info.revoked,
                ca::format_time(info.next_update),
                info.path.display()
            );
        }
        Cmd::Export(a) => {
            let ca = CaDir::open(&cli.dir)?;
            let s = serial(&a.serial)?;
            let key_pass = read_pass(
                "key passphrase",
                a.key_passphrase_file.as_ref(),
                a.key_passphrase_env.as_ref(),
            )?;
            let password = read_pass(
                "export password",
                a.password_file.as_ref(),
                a.password_env.as_ref(),
            )?;
            match a.format {
                Format::P12 => {
                    let password = password.ok_or_else(|| {
                        Failure("export: PKCS#12 needs --password-file or --password-env".into())
                    })?;
                    let form = if a.legacy {
                        Pkcs12Form::Legacy3DesSha1
                    } else {
                        Pkcs12Form::Modern
                    };
                    let der = ca.export_pkcs12(s, key_pass.as_ref(), &password, form)?;
                    ca::write_file(&a.out, &der, 0o600)?;
                }
                Format::Pem => {
                    if a.legacy {
                        return Err(Failure("export: --legacy applies to p12 only".into()));
                    }
                    let pem = ca.export_pem(s, key_pass.as_ref(), password.as_ref())?;
                    ca::write_file(&a.out, pem.as_bytes(), 0o600)?;
                }
            }
            println!("wrote {}", a.out.display());
        }
        Cmd::List => {
            let ca = CaDir::open(&cli.dir)?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
                .unwrap_or(0);
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "SERIAL\tKIND\tSTATUS\tNOT AFTER\tSSL_CLIENT_S_DN");
            for r in ca.list()? {
                let _ = writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}",
                    r.serial,
                    r.kind.name(),
                    ca::status(&r, now),
                    ca::format_time(r.not_after),
                    r.subject_dn
                );
            }
        }
        Cmd::Show { serial: s } => {
            let ca = CaDir::open(&cli.dir)?;
            let info = ca.show(serial(&s)?)?;
            let r = &info.record;
            println!("serial: {}", r.serial);
            println!("kind: {}", r.kind.name());
            println!("status: {}", info.status);
            if let ca::Revocation::Revoked { at, reason } = r.revocation {
                println!("revoked: {} ({})", ca::format_time(at), reason.name());
            }
            println!("SSL_CLIENT_S_DN: {}", r.subject_dn);
            println!("SSL_CLIENT_I_DN: {}", info.issuer_dn);
            println!("not before: {}", ca::format_time(r.not_before));
            println!("not after: {}", ca::format_time(r.not_after));
            for s in &info.sans {
                println!("san: {s}");
            }
            if !info.eku.is_empty() {
                println!("extended key usage: {}", info.eku.join(", "));
            }
            println!("certificate: {}", ca.path().join(&r.cert).display());
            println!("key: {}", ca.path().join(&r.key).display());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(msg)) => {
            eprintln!("httpauth-ca: {msg}");
            ExitCode::FAILURE
        }
    }
}
