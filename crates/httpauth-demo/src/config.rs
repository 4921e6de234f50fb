//! The TOML configuration file: schema, the embedded default, validation with line numbers.
//!
//! The reference is `docs/demo-config.md` in the workspace. Relative file names are resolved
//! against the data directory. Unknown keys are errors (a misspelt directive must not be
//! silently ignored), and every error names the line and the directive.

use crate::Error;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The configuration `cargo run -p httpauth-demo` starts with when no `--config` is given.
pub const DEFAULT_CONFIG: &str = include_str!("default-config.toml");

/// Upper bound on one configuration file (1 MiB): it is read whole.
pub const MAX_CONFIG_LEN: usize = 1 << 20;
/// Most locations one configuration may declare (each is a linear prefix match).
pub const MAX_LOCATIONS: usize = 256;
/// Largest `server.read_timeout_secs` (one day): hyper adds it to `Instant::now()`, which
/// panics on overflow, so an unbounded value would fail every connection.
pub const MAX_READ_TIMEOUT_SECS: u64 = 86_400;
/// Largest `server.kex_concurrency` (a tokio semaphore holds at most `usize::MAX >> 3`
/// permits; more blocking threads than this would not help anyway).
pub const MAX_KEX_CONCURRENCY: usize = 4096;
/// Largest `server.max_connections`.
pub const MAX_CONNECTIONS: usize = 1 << 20;
/// Largest `server.write_timeout_secs` and `server.read_timeout_max_secs` (one day), for
/// the same reason as [`MAX_READ_TIMEOUT_SECS`].
pub const MAX_WRITE_TIMEOUT_SECS: u64 = 86_400;
/// Largest `server.min_rate_bytes_per_sec` (1 GiB/s): above it the extension a byte buys
/// rounds to nothing.
pub const MAX_MIN_RATE: u64 = 1 << 30;

/// The file as written: `[server]`, `[[listener]]`, `[tls]`, `[[location]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSchema {
    #[serde(default)]
    server: Option<Spanned<ServerSection>>,
    #[serde(default, rename = "listener")]
    listeners: Vec<Spanned<ListenerSection>>,
    #[serde(default)]
    tls: Option<Spanned<TlsSection>>,
    #[serde(default, rename = "location")]
    locations: Vec<Spanned<LocationSection>>,
    #[serde(default)]
    store: Option<Spanned<StoreSection>>,
}

/// `[store]`: where Mutual sessions and Digest nonce counts live.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreSection {
    kind: String,
    max_entries: Option<usize>,
    max_bytes: Option<usize>,
    url: Option<String>,
    urls: Option<Vec<String>>,
    cluster: Option<bool>,
    key_prefix: Option<String>,
    keys_file: Option<PathBuf>,
    nonce_key_file: Option<PathBuf>,
    connect_timeout_ms: Option<u64>,
    command_timeout_ms: Option<u64>,
    tls_ca: Option<PathBuf>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
}

/// `[server]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ServerSection {
    data_dir: Option<PathBuf>,
    demo_setup: Option<bool>,
    max_header_bytes: Option<usize>,
    max_body_bytes: Option<usize>,
    read_timeout_secs: Option<u64>,
    kex_concurrency: Option<usize>,
    max_connections: Option<usize>,
    max_connections_per_client: Option<usize>,
    write_timeout_secs: Option<u64>,
    min_rate_bytes_per_sec: Option<u64>,
    read_timeout_max_secs: Option<u64>,
}

/// `[[listener]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListenerSection {
    kind: String,
    address: String,
}

/// `[tls]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsSection {
    certificate_chain: PathBuf,
    private_key: PathBuf,
    client_ca: Option<PathBuf>,
    #[serde(default)]
    crls: Vec<PathBuf>,
    revocation_check: Option<String>,
    verify_client: Option<String>,
    verify_depth: Option<u32>,
}

/// `[[location]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LocationSection {
    path: String,
    title: Option<String>,
    #[serde(default)]
    schemes: Vec<String>,
    realm: Option<String>,
    user_file: Option<PathBuf>,
    #[serde(default)]
    allow_des: bool,
    authn_cache_timeout: Option<u64>,
    authn_cache_entries: Option<usize>,
    basic_inline_limit_us: Option<u64>,
    digest_file: Option<PathBuf>,
    mutual_file: Option<PathBuf>,
    group_file: Option<PathBuf>,
    #[serde(default)]
    digest_algorithms: Vec<String>,
    #[serde(default)]
    mutual_algorithms: Vec<String>,
    #[serde(default)]
    require: Vec<String>,
    satisfy: Option<String>,
    #[serde(default)]
    client_certificate: bool,
    ssl_require: Option<String>,
    #[serde(default)]
    fake_basic_auth: bool,
    #[serde(default)]
    strict_require: bool,
    #[serde(default)]
    optional: bool,
    static_dir: Option<PathBuf>,
    proxy: Option<String>,
    proxy_user_header: Option<String>,
    /// Header name -> `SSL_*` variable, forwarded to the upstream.
    #[serde(default)]
    proxy_cert_headers: std::collections::BTreeMap<String, String>,
    upstream_ca: Option<PathBuf>,
}

/// A listener's protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerKind {
    /// Plain HTTP/1.1.
    Http,
    /// HTTP/1.1 over TLS.
    Https,
}

/// One socket to listen on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// Protocol.
    pub kind: ListenerKind,
    /// Address (`127.0.0.1:8443`; port 0 picks a free port).
    pub address: SocketAddr,
}

/// Server-wide limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    /// Where relative file names point, and where demo material is generated.
    pub data_dir: PathBuf,
    /// Generate the demo CA, certificates and users into `data_dir` when missing.
    pub demo_setup: bool,
    /// Largest request head (request line and header fields).
    pub max_header_bytes: usize,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Time allowed to read a request head, and a body, before `min_rate_bytes_per_sec`
    /// applies; the TLS handshake and the upstream's response head get this long too.
    pub read_timeout: std::time::Duration,
    /// Key exchanges and password hashes (bcrypt) run at most this many at a time.
    pub kex_concurrency: usize,
    /// Most simultaneous connections; further ones wait in the accept queue.
    pub max_connections: usize,
    /// Most simultaneous connections from one client address (an IPv6 client is its /64);
    /// further ones are closed right after accept.
    pub max_connections_per_client: usize,
    /// A connection whose peer takes nothing of what is written for this long is closed.
    pub write_timeout: std::time::Duration,
    /// After `read_timeout`, a request head or body must keep arriving at this many bytes
    /// per second on average (mod_reqtimeout's `MinRate`).
    pub min_rate_bytes_per_sec: u64,
    /// Hard limit on reading one request head, or one body, however fast it arrives.
    pub read_timeout_max: std::time::Duration,
}

/// `[tls]`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// PEM certificate chain, leaf first.
    pub certificate_chain: PathBuf,
    /// PEM private key (PKCS#8, SEC1 or PKCS#1).
    pub private_key: PathBuf,
    /// PEM bundle of CAs that issue client certificates (`SSLCACertificateFile`).
    pub client_ca: Option<PathBuf>,
    /// PEM or DER CRLs (`SSLCARevocationFile`).
    pub crls: Vec<PathBuf>,
    /// `SSLCARevocationCheck`.
    pub revocation_check: cert_policy::RevocationCheck,
    /// `SSLVerifyClient`.
    pub verify_client: cert_policy::VerifyClient,
    /// `SSLVerifyDepth`.
    pub verify_depth: u32,
}

/// `[store]`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSettings {
    /// The in-memory store of this process (the default).
    Memory {
        /// Most entries.
        max_entries: usize,
        /// Most bytes.
        max_bytes: usize,
    },
    /// A Redis server or cluster shared by several instances.
    Redis(RedisSettings),
}

/// `[store] kind = "redis"`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisSettings {
    /// `redis://`, `rediss://` or `redis+unix://` URLs (one, or the cluster's seed nodes).
    pub urls: Vec<String>,
    /// Redis Cluster.
    pub cluster: bool,
    /// Prefix of every key.
    pub key_prefix: String,
    /// Sealing keys (`httpauth_redis::KeyRing` format); created with one random key if missing.
    pub keys_file: PathBuf,
    /// Secret from which every instance derives the same Digest nonce keys; created if missing.
    pub nonce_key_file: PathBuf,
    /// Connect timeout.
    pub connect_timeout: std::time::Duration,
    /// Bound on one store operation.
    pub command_timeout: std::time::Duration,
    /// CA bundle for a `rediss://` server.
    pub tls_ca: Option<PathBuf>,
    /// Client certificate chain and key for a `rediss://` server.
    pub tls_client: Option<(PathBuf, PathBuf)>,
}

/// An offered authentication scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemeKind {
    /// RFC 7617.
    Basic,
    /// RFC 7616.
    Digest,
    /// RFC 8120.
    Mutual,
}

/// `Satisfy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Satisfy {
    /// Both the certificate rules and the user rules must pass.
    All,
    /// Either suffices.
    Any,
}

/// One `Require` line: the front crate's (`all granted|denied`, `valid-user`, `user`,
/// `group`, `ip`, `method`, `expr`, `ssl`, `ssl-verify-client`, `not ...`).
pub use httpauth::Require;

/// What a location serves once access is granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// The built-in page showing principal, scheme and certificate subject.
    Page,
    /// Files under a directory.
    Static(PathBuf),
    /// Reverse proxy to an `http://` or `https://` upstream, passing the user in a header.
    Proxy {
        /// Base URL (validated by [`UpstreamUrl::parse`]).
        upstream: String,
        /// Header carrying the authenticated user (stripped from client requests).
        user_header: String,
        /// PEM bundle of the CAs that verify an `https://` upstream
        /// (`SSLProxyCACertificateFile`); `None` for `http://`.
        upstream_ca: Option<PathBuf>,
        /// Certificate facts forwarded in headers the user names (Apache:
        /// `RequestHeader set X-SSL-Client-DN "%{SSL_CLIENT_S_DN}s"` after `RequestHeader
        /// unset`); copies the client sent are stripped.
        cert_headers: cert_policy::CertHeaders,
    },
}

/// One `[[location]]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationConfig {
    /// Path prefix (segment-wise: `/a` matches `/a` and `/a/b`, not `/ab`).
    pub path: String,
    /// Title on the built-in page and in the startup banner.
    pub title: String,
    /// Offered schemes, strongest first.
    pub schemes: Vec<SchemeKind>,
    /// Realm.
    pub realm: String,
    /// htpasswd file (Basic).
    pub user_file: Option<PathBuf>,
    /// Verify traditional DES-crypt entries of `user_file` (only the first 8 password
    /// bytes count; off by default, as a DES record is refused and warned about at load).
    pub allow_des: bool,
    /// Basic's verified-credential cache (`AuthBasicProvider socache file` with
    /// `AuthnCacheTimeout`): `None` verifies every request against `user_file`.
    pub authn_cache: Option<AuthnCache>,
    /// Basic checks estimated at most this long run where the request does, longer ones on
    /// the pool (`basic_inline_limit_us`, default
    /// [`httpauth::basic::DEFAULT_INLINE_LIMIT`]; zero: every check on the pool).
    pub basic_inline_limit: std::time::Duration,
    /// htdigest file (Digest).
    pub digest_file: Option<PathBuf>,
    /// htmutual file (Mutual).
    pub mutual_file: Option<PathBuf>,
    /// Group file.
    pub group_file: Option<PathBuf>,
    /// Digest algorithms offered, strongest first.
    pub digest_algorithms: Vec<digest_auth::Algorithm>,
    /// Mutual algorithm tokens offered.
    pub mutual_algorithms: Vec<String>,
    /// `Require` lines (any of them suffices, as Apache's implicit `RequireAny`).
    pub require: Vec<Require>,
    /// `Satisfy`.
    pub satisfy: Satisfy,
    /// A verified client certificate is required (`SSLVerifyClient require` per location).
    pub client_certificate: bool,
    /// `SSLRequire`.
    pub ssl_require: Option<std::sync::Arc<cert_policy::Expr>>,
    /// `SSLOptions +FakeBasicAuth`.
    pub fake_basic_auth: bool,
    /// `SSLOptions +StrictRequire`.
    pub strict_require: bool,
    /// RFC 8053 optional authentication.
    pub optional: bool,
    /// What to serve.
    pub content: Content,
    /// 1-based line of the `[[location]]` table, for messages.
    pub line: usize,
}

/// Basic's verified-credential cache of a location ([`httpauth::basic::CredentialCache`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthnCache {
    /// How long a verified user/password pair is accepted without a hash
    /// (`AuthnCacheTimeout`; a password changed in the file stays valid that long).
    pub timeout: std::time::Duration,
    /// At most this many pairs are remembered.
    pub entries: usize,
}

/// `authn_cache_entries` when not given.
pub const DEFAULT_AUTHN_CACHE_ENTRIES: usize = 10_000;
/// The largest `authn_cache_timeout` accepted: one day.
const MAX_AUTHN_CACHE_TIMEOUT: u64 = 86_400;
/// The largest `authn_cache_entries` accepted.
const MAX_AUTHN_CACHE_ENTRIES: usize = 10_000_000;
/// The largest `basic_inline_limit_us` accepted: 0.1 s.
const MAX_BASIC_INLINE_LIMIT_US: u64 = 100_000;

/// True when `r` (or a line inside it) is `Require group`.
fn item_needs_groups(r: &Require) -> bool {
    match r {
        Require::Group(_) => true,
        Require::Not(inner) => item_needs_groups(inner),
        Require::All(v) | Require::Any(v) | Require::None(v) => v.iter().any(item_needs_groups),
        _ => false,
    }
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// `[server]`.
    pub server: ServerSettings,
    /// `[[listener]]`s.
    pub listeners: Vec<Listener>,
    /// `[tls]`.
    pub tls: Option<TlsSettings>,
    /// `[[location]]`s, in file order; the longest matching prefix wins.
    pub locations: Vec<LocationConfig>,
    /// `[store]`.
    pub store: StoreSettings,
}

/// 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset.min(text.len()))
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Finds the line of `key` in the table starting at `span.start` (the table runs to the
/// next table header); falls back to the table's own line.
fn key_line(text: &str, span: std::ops::Range<usize>, key: &str) -> usize {
    let start = span.start.min(text.len());
    let region = text.get(start..).unwrap_or("");
    let mut offset = start;
    for (i, l) in region.split_inclusive('\n').enumerate() {
        let t = l.trim_start();
        if i > 0 && t.starts_with('[') {
            break;
        }
        if let Some(rest) = t.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return line_of(text, offset);
        }
        offset += l.len();
    }
    line_of(text, start)
}

struct Ctx<'a> {
    text: &'a str,
    file: &'a str,
}

impl Ctx<'_> {
    fn err(
        &self,
        span: &std::ops::Range<usize>,
        directive: &str,
        message: impl Into<String>,
    ) -> Error {
        Error::Config {
            file: self.file.to_owned(),
            line: key_line(
                self.text,
                span.clone(),
                directive.rsplit('.').next().unwrap_or(directive),
            ),
            directive: directive.to_owned(),
            message: message.into(),
        }
    }
}

impl Config {
    /// Parses and validates a configuration. `file` names it in errors; relative paths
    /// resolve against `data_dir_override`, else `[server] data_dir`, else
    /// [`default_data_dir`].
    ///
    /// # Errors
    /// [`Error::Config`] naming the line and the directive.
    pub fn parse(
        text: &str,
        file: &str,
        data_dir_override: Option<&Path>,
    ) -> Result<Config, Error> {
        if text.len() > MAX_CONFIG_LEN {
            return Err(Error::Config {
                file: file.to_owned(),
                line: 1,
                directive: "(file)".into(),
                message: format!("larger than {MAX_CONFIG_LEN} bytes"),
            });
        }
        let raw: FileSchema = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            let directive = e
                .span()
                .and_then(|s| text.get(s))
                .map(|s| {
                    s.lines()
                        .next()
                        .unwrap_or("")
                        .trim()
                        .chars()
                        .take(60)
                        .collect::<String>()
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "(document)".into());
            Error::Config {
                file: file.to_owned(),
                line,
                directive,
                message: e.message().trim().to_owned(),
            }
        })?;
        let cx = Ctx { text, file };
        let (server_section, server_span) = match raw.server {
            Some(s) => {
                let span = s.span();
                (s.into_inner(), span)
            }
            None => (ServerSection::default(), 0..0),
        };
        let data_dir = data_dir_override
            .map(Path::to_path_buf)
            .or(server_section.data_dir.clone())
            .unwrap_or_else(default_data_dir);
        let positive = |v: Option<usize>, name: &str, default: usize| -> Result<usize, Error> {
            match v {
                Some(0) => Err(cx.err(&server_span, &format!("server.{name}"), "must be positive")),
                Some(n) => Ok(n),
                None => Ok(default),
            }
        };
        let positive_u64 = |v: Option<u64>, name: &str, default: u64| -> Result<u64, Error> {
            match v {
                Some(0) => Err(cx.err(&server_span, &format!("server.{name}"), "must be positive")),
                Some(n) => Ok(n),
                None => Ok(default),
            }
        };
        let read_timeout_secs = positive(
            server_section.read_timeout_secs.map(|v| v as usize),
            "read_timeout_secs",
            10,
        )? as u64;
        let server = ServerSettings {
            demo_setup: server_section.demo_setup.unwrap_or(false),
            max_header_bytes: positive(
                server_section.max_header_bytes,
                "max_header_bytes",
                16 * 1024,
            )?,
            max_body_bytes: positive(server_section.max_body_bytes, "max_body_bytes", 1 << 20)?,
            read_timeout: std::time::Duration::from_secs(read_timeout_secs),
            kex_concurrency: positive(server_section.kex_concurrency, "kex_concurrency", 4)?,
            max_connections: positive(server_section.max_connections, "max_connections", 1024)?,
            max_connections_per_client: positive(
                server_section.max_connections_per_client,
                "max_connections_per_client",
                64,
            )?,
            write_timeout: std::time::Duration::from_secs(positive_u64(
                server_section.write_timeout_secs,
                "write_timeout_secs",
                30,
            )?),
            min_rate_bytes_per_sec: positive_u64(
                server_section.min_rate_bytes_per_sec,
                "min_rate_bytes_per_sec",
                500,
            )?,
            // Default: three times the initial `read_timeout`, at least 30 s (httpd's
            // `RequestReadTimeout header=20-40`); validated below to be no shorter.
            read_timeout_max: std::time::Duration::from_secs(positive_u64(
                server_section.read_timeout_max_secs,
                "read_timeout_max_secs",
                read_timeout_secs
                    .saturating_mul(3)
                    .clamp(30, MAX_WRITE_TIMEOUT_SECS),
            )?),
            data_dir: data_dir.clone(),
        };

        if server.max_header_bytes < 8192 {
            return Err(cx.err(
                &server_span,
                "server.max_header_bytes",
                "must be at least 8192",
            ));
        }
        // Upper bounds, so that a value the file accepts cannot fail at run time.
        for (name, value, max) in [
            (
                "server.read_timeout_secs",
                server.read_timeout.as_secs(),
                MAX_READ_TIMEOUT_SECS,
            ),
            (
                "server.kex_concurrency",
                server.kex_concurrency as u64,
                MAX_KEX_CONCURRENCY as u64,
            ),
            (
                "server.max_connections",
                server.max_connections as u64,
                MAX_CONNECTIONS as u64,
            ),
            (
                "server.max_connections_per_client",
                server.max_connections_per_client as u64,
                MAX_CONNECTIONS as u64,
            ),
            (
                "server.write_timeout_secs",
                server.write_timeout.as_secs(),
                MAX_WRITE_TIMEOUT_SECS,
            ),
            (
                "server.read_timeout_max_secs",
                server.read_timeout_max.as_secs(),
                MAX_WRITE_TIMEOUT_SECS,
            ),
            (
                "server.min_rate_bytes_per_sec",
                server.min_rate_bytes_per_sec,
                MAX_MIN_RATE,
            ),
        ] {
            if value > max {
                return Err(cx.err(&server_span, name, format!("at most {max}")));
            }
        }
        if server.read_timeout_max < server.read_timeout {
            return Err(cx.err(
                &server_span,
                "server.read_timeout_max_secs",
                "must be at least read_timeout_secs",
            ));
        }
        let resolve = |p: &Path| -> PathBuf {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                data_dir.join(p)
            }
        };

        let mut listeners = Vec::new();
        for l in &raw.listeners {
            let span = l.span();
            let l = l.get_ref();
            let kind = match l.kind.as_str() {
                "http" => ListenerKind::Http,
                "https" => ListenerKind::Https,
                other => {
                    return Err(cx.err(
                        &span,
                        "listener.kind",
                        format!("unknown kind {other:?} (http or https)"),
                    ));
                }
            };
            let address = l.address.parse().map_err(|_| {
                cx.err(
                    &span,
                    "listener.address",
                    format!("not an ip:port address: {:?}", l.address),
                )
            })?;
            listeners.push(Listener { kind, address });
        }

        let tls = match &raw.tls {
            None => None,
            Some(t) => {
                let span = t.span();
                let t = t.get_ref();
                let verify_client = match &t.verify_client {
                    None => cert_policy::VerifyClient::None,
                    Some(v) => v.parse().map_err(|_| {
                        cx.err(
                            &span,
                            "tls.verify_client",
                            format!("{v:?} is not none, optional, require or optional_no_ca"),
                        )
                    })?,
                };
                let revocation_check = match t.revocation_check.as_deref() {
                    None if t.crls.is_empty() => cert_policy::RevocationCheck::None,
                    None | Some("chain") => cert_policy::RevocationCheck::Chain,
                    Some("leaf") => cert_policy::RevocationCheck::Leaf,
                    Some("none") => cert_policy::RevocationCheck::None,
                    Some(v) => {
                        return Err(cx.err(
                            &span,
                            "tls.revocation_check",
                            format!("{v:?} is not chain, leaf or none"),
                        ));
                    }
                };
                if matches!(
                    verify_client,
                    cert_policy::VerifyClient::Optional | cert_policy::VerifyClient::Require
                ) && t.client_ca.is_none()
                {
                    return Err(cx.err(
                        &span,
                        "tls.verify_client",
                        "optional and require need tls.client_ca",
                    ));
                }
                Some(TlsSettings {
                    certificate_chain: resolve(&t.certificate_chain),
                    private_key: resolve(&t.private_key),
                    client_ca: t.client_ca.as_deref().map(resolve),
                    crls: t.crls.iter().map(|p| resolve(p)).collect(),
                    revocation_check,
                    verify_client,
                    verify_depth: t.verify_depth.unwrap_or(1),
                })
            }
        };
        if listeners.iter().any(|l| l.kind == ListenerKind::Https) && tls.is_none() {
            let span = raw.listeners.first().map(Spanned::span).unwrap_or(0..0);
            return Err(cx.err(
                &span,
                "listener.kind",
                "an https listener needs a [tls] table",
            ));
        }

        if raw.locations.len() > MAX_LOCATIONS {
            return Err(Error::Config {
                file: file.to_owned(),
                line: 1,
                directive: "location".into(),
                message: format!("more than {MAX_LOCATIONS} locations"),
            });
        }
        let mut locations: Vec<LocationConfig> = Vec::new();
        // (line of `path =`, path as written) of each location, for duplicate messages.
        let mut written: Vec<(usize, &str)> = Vec::new();
        for l in &raw.locations {
            let loc = location(&cx, l, &resolve)?;
            let path_line = key_line(text, l.span(), "path");
            // Two locations that match the same requests: the first would silently win
            // and the other's protection never apply. `/c`, `/c/` and `/./c` are one
            // location (the comparison is on the normalised path without trailing `/`,
            // the form requests are matched in).
            if let Some((prev, (prev_line, prev_path))) = locations
                .iter()
                .zip(&written)
                .find(|(p, _)| p.path == loc.path)
            {
                return Err(cx.err(
                    &l.span(),
                    "location.path",
                    format!(
                        "{:?} is the same location as {prev_path:?} at line {prev_line} (both are {:?} once normalised)",
                        l.get_ref().path,
                        prev.path
                    ),
                ));
            }
            written.push((path_line, l.get_ref().path.as_str()));
            locations.push(loc);
        }
        let store = match &raw.store {
            None => {
                let d = httpauth_core::store::MemoryStoreConfig::default();
                StoreSettings::Memory {
                    max_entries: d.max_entries,
                    max_bytes: d.max_bytes,
                }
            }
            Some(s) => store(&cx, s, &resolve)?,
        };
        Ok(Config {
            server,
            listeners,
            tls,
            locations,
            store,
        })
    }

    /// The location serving `path` (longest segment-wise prefix). Takes the normalised
    /// path only, so that no caller can choose a location on the raw one.
    pub fn location_for(&self, path: &httpauth::path::NormalizedPath) -> Option<usize> {
        best_prefix(
            self.locations.iter().map(|l| l.path.as_str()),
            path.as_str(),
        )
    }
}

/// Index of the longest `prefixes` entry matching the normalised `path` segment-wise
/// ([`httpauth::path::prefix_match_len`]).
pub fn best_prefix<'a>(prefixes: impl Iterator<Item = &'a str>, path: &str) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, p) in prefixes.enumerate() {
        if let Some(len) = httpauth::path::prefix_match_len(p, path)
            && best.is_none_or(|(_, l)| len > l)
        {
            best = Some((i, len));
        }
    }
    best.map(|(i, _)| i)
}

fn location(
    cx: &Ctx<'_>,
    l: &Spanned<LocationSection>,
    resolve: &dyn Fn(&Path) -> PathBuf,
) -> Result<LocationConfig, Error> {
    let span = l.span();
    let line = line_of(cx.text, span.start);
    let l = l.get_ref();
    if !l.path.starts_with('/') {
        return Err(cx.err(&span, "location.path", "must start with '/'"));
    }
    // Requests are matched on their decoded, normalised path (as httpd matches
    // `<Location>` on `r->uri`), so the location is kept in that form too.
    let path = httpauth::path::normalize_location(&l.path).map_err(|e| {
        cx.err(
            &span,
            "location.path",
            format!("{:?} is not a usable path: {e}", l.path),
        )
    })?;
    let mut schemes = Vec::new();
    for s in &l.schemes {
        let k = match s.to_ascii_lowercase().as_str() {
            "basic" => SchemeKind::Basic,
            "digest" => SchemeKind::Digest,
            "mutual" => SchemeKind::Mutual,
            _ => {
                return Err(cx.err(
                    &span,
                    "location.schemes",
                    format!("unknown scheme {s:?} (Basic, Digest, Mutual)"),
                ));
            }
        };
        if schemes.contains(&k) {
            return Err(cx.err(
                &span,
                "location.schemes",
                format!("scheme {s:?} listed twice"),
            ));
        }
        schemes.push(k);
    }
    let need = |kind: SchemeKind, file: &Option<PathBuf>, name: &str| -> Result<(), Error> {
        if schemes.contains(&kind) && file.is_none() {
            return Err(cx.err(
                &span,
                "location.schemes",
                format!("{kind:?} needs location.{name}"),
            ));
        }
        Ok(())
    };
    need(SchemeKind::Basic, &l.user_file, "user_file")?;
    need(SchemeKind::Digest, &l.digest_file, "digest_file")?;
    need(SchemeKind::Mutual, &l.mutual_file, "mutual_file")?;
    if l.allow_des && l.user_file.is_none() {
        return Err(cx.err(&span, "location.allow_des", "needs location.user_file"));
    }
    if l.fake_basic_auth && l.user_file.is_none() {
        return Err(cx.err(
            &span,
            "location.fake_basic_auth",
            "needs location.user_file",
        ));
    }
    let authn_cache = match (l.authn_cache_timeout, l.authn_cache_entries) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(cx.err(
                &span,
                "location.authn_cache_entries",
                "needs location.authn_cache_timeout (seconds), which turns the cache on",
            ));
        }
        (Some(t), entries) => {
            if !schemes.contains(&SchemeKind::Basic) {
                return Err(cx.err(
                    &span,
                    "location.authn_cache_timeout",
                    "caches Basic credentials: needs \"Basic\" in location.schemes",
                ));
            }
            if t == 0 || t > MAX_AUTHN_CACHE_TIMEOUT {
                return Err(cx.err(
                    &span,
                    "location.authn_cache_timeout",
                    format!("{t}: seconds from 1 to {MAX_AUTHN_CACHE_TIMEOUT}"),
                ));
            }
            let entries = entries.unwrap_or(DEFAULT_AUTHN_CACHE_ENTRIES);
            if entries == 0 || entries > MAX_AUTHN_CACHE_ENTRIES {
                return Err(cx.err(
                    &span,
                    "location.authn_cache_entries",
                    format!("{entries}: from 1 to {MAX_AUTHN_CACHE_ENTRIES}"),
                ));
            }
            Some(AuthnCache {
                timeout: std::time::Duration::from_secs(t),
                entries,
            })
        }
    };
    let basic_inline_limit = match l.basic_inline_limit_us {
        None => httpauth::basic::DEFAULT_INLINE_LIMIT,
        Some(_) if !schemes.contains(&SchemeKind::Basic) => {
            return Err(cx.err(
                &span,
                "location.basic_inline_limit_us",
                "applies to Basic checks: needs \"Basic\" in location.schemes",
            ));
        }
        Some(us) if us > MAX_BASIC_INLINE_LIMIT_US => {
            return Err(cx.err(
                &span,
                "location.basic_inline_limit_us",
                format!("{us}: microseconds from 0 to {MAX_BASIC_INLINE_LIMIT_US}"),
            ));
        }
        Some(us) => std::time::Duration::from_micros(us),
    };
    let mut digest_algorithms = Vec::new();
    for a in &l.digest_algorithms {
        let alg = digest_auth::Algorithm::from_token(a).ok_or_else(|| {
            cx.err(
                &span,
                "location.digest_algorithms",
                format!("unknown Digest algorithm {a:?}"),
            )
        })?;
        digest_algorithms.push(alg);
    }
    if digest_algorithms.is_empty() {
        digest_algorithms = vec![digest_auth::Algorithm::Sha256, digest_auth::Algorithm::Md5];
    }
    let mut mutual_algorithms = Vec::new();
    for a in &l.mutual_algorithms {
        if crate::auth::mutual_algorithm(a).is_none() {
            return Err(cx.err(
                &span,
                "location.mutual_algorithms",
                format!("unknown Mutual algorithm {a:?}"),
            ));
        }
        mutual_algorithms.push(a.clone());
    }
    if mutual_algorithms.is_empty() {
        mutual_algorithms = crate::auth::MUTUAL_ALGORITHMS
            .iter()
            .map(|a| a.name().to_owned())
            .collect();
    }
    let mut require = Vec::new();
    for r in &l.require {
        let item =
            Require::parse(r).map_err(|e| cx.err(&span, "location.require", e.to_string()))?;
        if item_needs_groups(&item) && l.group_file.is_none() {
            return Err(cx.err(
                &span,
                "location.require",
                "require group needs location.group_file",
            ));
        }
        require.push(item);
    }
    if (!schemes.is_empty() || l.fake_basic_auth) && require.is_empty() {
        require.push(Require::ValidUser);
    }
    if schemes.is_empty() && !l.fake_basic_auth && require.iter().any(Require::needs_user) {
        return Err(cx.err(
            &span,
            "location.require",
            "a require line that names users needs a scheme in location.schemes",
        ));
    }
    if let Err(e) = httpauth::AccessRules::any(require.clone()) {
        return Err(cx.err(&span, "location.require", e.to_string()));
    }
    let satisfy = match l.satisfy.as_deref() {
        None | Some("all") => Satisfy::All,
        Some("any") => Satisfy::Any,
        Some(v) => {
            return Err(cx.err(
                &span,
                "location.satisfy",
                format!("{v:?} is not any or all"),
            ));
        }
    };
    let ssl_require = match &l.ssl_require {
        None => None,
        Some(e) => Some(std::sync::Arc::new(
            cert_policy::Expr::parse(e, cert_policy::Dialect::SslRequire)
                .map_err(|err| cx.err(&span, "location.ssl_require", err.to_string()))?,
        )),
    };
    if !l.proxy_cert_headers.is_empty() && l.proxy.is_none() {
        return Err(cx.err(&span, "location.proxy_cert_headers", "needs location.proxy"));
    }
    if l.upstream_ca.is_some() && l.proxy.is_none() {
        return Err(cx.err(
            &span,
            "location.upstream_ca",
            "needs location.proxy = \"https://...\"",
        ));
    }
    let content = match (&l.static_dir, &l.proxy) {
        (Some(_), Some(_)) => {
            return Err(cx.err(
                &span,
                "location.proxy",
                "static_dir and proxy exclude each other",
            ));
        }
        (Some(d), None) => Content::Static(resolve(d)),
        (None, Some(u)) => {
            let url = UpstreamUrl::parse(u).map_err(|m| cx.err(&span, "location.proxy", m))?;
            let upstream_ca = match (url.https, &l.upstream_ca) {
                (true, Some(ca)) => Some(resolve(ca)),
                // No system trust store is consulted: the demo verifies upstreams only
                // against a bundle the configuration names.
                (true, None) => {
                    return Err(cx.err(
                        &span,
                        "location.proxy",
                        "an https:// upstream needs location.upstream_ca",
                    ));
                }
                (false, Some(_)) => {
                    return Err(cx.err(
                        &span,
                        "location.upstream_ca",
                        "only for an https:// upstream",
                    ));
                }
                (false, None) => None,
            };
            let user_header = l
                .proxy_user_header
                .clone()
                .unwrap_or_else(|| "X-Remote-User".into());
            if !httpauth_core::syntax::is_token(&user_header) {
                return Err(cx.err(
                    &span,
                    "location.proxy_user_header",
                    "not a header field name",
                ));
            }
            let mut cert_headers = cert_policy::CertHeaders::new();
            for (header, var) in &l.proxy_cert_headers {
                let bad = |m: String| cx.err(&span, "location.proxy_cert_headers", m);
                if !var.starts_with("SSL_") {
                    return Err(bad(format!(
                        "{header} = {var:?}: only SSL_* certificate variables are forwarded"
                    )));
                }
                if crate::server::same_field_name(header, &user_header) {
                    return Err(bad(format!("{header} is the proxy_user_header")));
                }
                cert_headers = cert_headers
                    .with(header, var)
                    .map_err(|e| bad(format!("{header} = {var:?}: {e}")))?;
            }
            Content::Proxy {
                upstream: u.trim_end_matches('/').to_owned(),
                user_header,
                upstream_ca,
                cert_headers,
            }
        }
        (None, None) => Content::Page,
    };
    Ok(LocationConfig {
        path,
        title: l.title.clone().unwrap_or_else(|| l.path.clone()),
        schemes,
        realm: l.realm.clone().unwrap_or_else(|| "httpauth-demo".into()),
        user_file: l.user_file.as_deref().map(resolve),
        allow_des: l.allow_des,
        authn_cache,
        basic_inline_limit,
        digest_file: l.digest_file.as_deref().map(resolve),
        mutual_file: l.mutual_file.as_deref().map(resolve),
        group_file: l.group_file.as_deref().map(resolve),
        digest_algorithms,
        mutual_algorithms,
        require,
        satisfy,
        client_certificate: l.client_certificate,
        ssl_require,
        fake_basic_auth: l.fake_basic_auth,
        strict_require: l.strict_require,
        optional: l.optional,
        content,
        line,
    })
}

/// A reverse-proxy upstream URL, `http[s]://host[:port][/base]`, split once at
/// configuration time.
///
/// The accepted form is the `http-URI` / `https-URI` of RFC 9110 section 4.2 without
/// userinfo (deprecated there, section 4.2.4), query or fragment: the request's own
/// path and query are appended to `base_path`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpstreamUrl {
    /// `https://` (TLS to the upstream) or `http://`.
    pub https: bool,
    /// Host as written, without IPv6 brackets: the TLS server name (SNI, RFC 6066
    /// section 3; an IP literal sends none and is matched against IP subjectAltNames).
    pub host: String,
    /// Port, or the scheme's default (443, 80).
    pub port: u16,
    /// `host[:port]` as written: the upstream request's `Host` field.
    pub authority: String,
    /// Path prefix without a trailing `/` (may be empty).
    pub base_path: String,
}

impl UpstreamUrl {
    /// Splits and checks an upstream URL.
    ///
    /// # Errors
    /// A message saying what is wrong (the caller adds line and directive).
    pub fn parse(url: &str) -> Result<UpstreamUrl, String> {
        // The scheme is case-insensitive (RFC 3986 section 3.1).
        let strip = |prefix: &str| {
            url.get(..prefix.len())
                .filter(|h| h.eq_ignore_ascii_case(prefix))
                .and_then(|_| url.get(prefix.len()..))
        };
        let (https, rest) = match (strip("https://"), strip("http://")) {
            (Some(r), _) => (true, r),
            (None, Some(r)) => (false, r),
            (None, None) => return Err("upstream must be an http:// or https:// URL".into()),
        };
        if rest.contains(['?', '#']) {
            return Err("upstream URL must not have a query or fragment".into());
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err("upstream URL must not carry user information".into());
        }
        if path.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err("upstream path has spaces or control characters".into());
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| "upstream IPv6 address lacks ']'".to_owned())?;
            if h.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(format!("{h:?} is not an IPv6 address"));
            }
            match after {
                "" => (h, None),
                p => match p.strip_prefix(':') {
                    Some(p) => (h, Some(p)),
                    None => return Err("junk after the IPv6 address".into()),
                },
            }
        } else {
            match authority.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err("upstream URL has no host".into());
        }
        if !authority.starts_with('[')
            && !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        {
            return Err(format!("{host:?} is not a host name or address"));
        }
        let port = match port {
            None => {
                if https {
                    443
                } else {
                    80
                }
            }
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => return Err(format!("{p:?} is not a port")),
            },
        };
        Ok(UpstreamUrl {
            https,
            host: host.to_owned(),
            port,
            authority: authority.to_owned(),
            base_path: path.trim_end_matches('/').to_owned(),
        })
    }
}

/// `./httpauth-demo-data`, the data directory when neither `--data-dir` nor
/// `[server] data_dir` names one.
pub fn default_data_dir() -> PathBuf {
    PathBuf::from("httpauth-demo-data")
}

/// Validates `[store]`.
fn store(
    cx: &Ctx<'_>,
    s: &Spanned<StoreSection>,
    resolve: &dyn Fn(&Path) -> PathBuf,
) -> Result<StoreSettings, Error> {
    let span = s.span();
    let s = s.get_ref();
    let redis_only = [
        ("url", s.url.is_some()),
        ("urls", s.urls.is_some()),
        ("cluster", s.cluster.is_some()),
        ("key_prefix", s.key_prefix.is_some()),
        ("keys_file", s.keys_file.is_some()),
        ("nonce_key_file", s.nonce_key_file.is_some()),
        ("connect_timeout_ms", s.connect_timeout_ms.is_some()),
        ("command_timeout_ms", s.command_timeout_ms.is_some()),
        ("tls_ca", s.tls_ca.is_some()),
        ("tls_cert", s.tls_cert.is_some()),
        ("tls_key", s.tls_key.is_some()),
    ];
    match s.kind.as_str() {
        "memory" => {
            if let Some((name, _)) = redis_only.iter().find(|(_, set)| *set) {
                return Err(cx.err(&span, &format!("store.{name}"), "only for kind = \"redis\""));
            }
            let defaults = httpauth_core::store::MemoryStoreConfig::default();
            let positive = |v: Option<usize>, name: &str, default: usize| match v {
                Some(0) => Err(cx.err(&span, &format!("store.{name}"), "must be positive")),
                Some(n) => Ok(n),
                None => Ok(default),
            };
            Ok(StoreSettings::Memory {
                max_entries: positive(s.max_entries, "max_entries", defaults.max_entries)?,
                max_bytes: positive(s.max_bytes, "max_bytes", defaults.max_bytes)?,
            })
        }
        "redis" => {
            if s.max_entries.is_some() || s.max_bytes.is_some() {
                let name = if s.max_entries.is_some() {
                    "max_entries"
                } else {
                    "max_bytes"
                };
                return Err(cx.err(
                    &span,
                    &format!("store.{name}"),
                    "only for kind = \"memory\" (size Redis with its maxmemory)",
                ));
            }
            let cluster = s.cluster.unwrap_or(false);
            let urls = match (&s.url, &s.urls) {
                (Some(u), None) => vec![u.clone()],
                (None, Some(us)) if !us.is_empty() => us.clone(),
                (None, None) => vec!["redis://127.0.0.1:6379".to_owned()],
                _ => {
                    return Err(cx.err(&span, "store.urls", "give either url or a non-empty urls"));
                }
            };
            if urls.len() > 1 && !cluster {
                return Err(cx.err(&span, "store.urls", "several URLs need cluster = true"));
            }
            for u in &urls {
                if !["redis://", "rediss://", "redis+unix://", "unix://"]
                    .iter()
                    .any(|p| u.starts_with(p))
                {
                    let directive = if s.url.is_some() {
                        "store.url"
                    } else {
                        "store.urls"
                    };
                    return Err(cx.err(
                        &span,
                        directive,
                        "not a redis://, rediss:// or redis+unix:// URL",
                    ));
                }
            }
            let ms = |v: Option<u64>, name: &str, default: u64| match v {
                Some(0) => Err(cx.err(&span, &format!("store.{name}"), "must be positive")),
                Some(n) if n > 60_000 => {
                    Err(cx.err(&span, &format!("store.{name}"), "at most 60000"))
                }
                Some(n) => Ok(std::time::Duration::from_millis(n)),
                None => Ok(std::time::Duration::from_millis(default)),
            };
            let tls_client = match (&s.tls_cert, &s.tls_key) {
                (Some(c), Some(k)) => Some((resolve(c), resolve(k))),
                (None, None) => None,
                _ => {
                    return Err(cx.err(
                        &span,
                        "store.tls_cert",
                        "tls_cert and tls_key go together",
                    ));
                }
            };
            Ok(StoreSettings::Redis(RedisSettings {
                urls,
                cluster,
                key_prefix: s.key_prefix.clone().unwrap_or_else(|| "httpauth:".into()),
                keys_file: resolve(s.keys_file.as_deref().unwrap_or(Path::new("store-keys"))),
                nonce_key_file: resolve(
                    s.nonce_key_file
                        .as_deref()
                        .unwrap_or(Path::new("digest-nonce.key")),
                ),
                connect_timeout: ms(s.connect_timeout_ms, "connect_timeout_ms", 1000)?,
                command_timeout: ms(s.command_timeout_ms, "command_timeout_ms", 500)?,
                tls_ca: s.tls_ca.as_deref().map(resolve),
                tls_client,
            }))
        }
        other => Err(cx.err(
            &span,
            "store.kind",
            format!("unknown kind {other:?} (memory or redis)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_section() {
        let dir = Some(Path::new("/d"));
        let c = Config::parse("", "t.toml", dir).unwrap();
        assert!(matches!(
            c.store,
            StoreSettings::Memory {
                max_entries: 100_000,
                ..
            }
        ));
        let c = Config::parse(
            "[store]\nkind = \"redis\"\nurl = \"redis://h:1/2\"\ncommand_timeout_ms = 50\n",
            "t.toml",
            dir,
        )
        .unwrap();
        let StoreSettings::Redis(r) = c.store else {
            panic!("redis")
        };
        assert_eq!(r.urls, ["redis://h:1/2"]);
        assert_eq!(r.keys_file, Path::new("/d/store-keys"));
        assert_eq!(r.nonce_key_file, Path::new("/d/digest-nonce.key"));
        assert_eq!(r.command_timeout, std::time::Duration::from_millis(50));
        let c = Config::parse(
            "[store]\nkind = \"redis\"\ncluster = true\nurls = [\"redis://a:1\", \"redis://b:1\"]\n",
            "t.toml",
            dir,
        )
        .unwrap();
        assert!(matches!(
            c.store,
            StoreSettings::Redis(RedisSettings { cluster: true, .. })
        ));
        for (text, want) in [
            (
                "[store]\nkind = \"disk\"\n",
                "line 2: store.kind: unknown kind",
            ),
            (
                "[store]\nkind = \"memory\"\nurl = \"redis://h\"\n",
                "line 3: store.url: only for kind",
            ),
            (
                "[store]\nkind = \"redis\"\nmax_entries = 5\n",
                "line 3: store.max_entries",
            ),
            (
                "[store]\nkind = \"redis\"\nurl = \"http://h\"\n",
                "line 3: store.url: not a redis",
            ),
            (
                "[store]\nkind = \"redis\"\nurls = [\"redis://a\", \"redis://b\"]\n",
                "line 3: store.urls: several URLs need cluster",
            ),
            (
                "[store]\nkind = \"redis\"\ncommand_timeout_ms = 0\n",
                "line 3: store.command_timeout_ms: must be positive",
            ),
            (
                "[store]\nkind = \"redis\"\ntls_key = \"k\"\n",
                "store.tls_cert: tls_cert and tls_key go together",
            ),
            (
                "[store]\nkind = \"memory\"\nmax_bytes = 0\n",
                "line 3: store.max_bytes: must be positive",
            ),
        ] {
            let e = Config::parse(text, "t.toml", dir).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn embedded_default_parses() {
        let c = Config::parse(DEFAULT_CONFIG, "<embedded>", Some(Path::new("/tmp/x"))).unwrap();
        assert!(c.locations.len() >= 8);
        assert_eq!(c.listeners.len(), 2);
        assert!(c.server.demo_setup);
    }

    #[test]
    fn errors_name_line_and_directive() {
        let text = "[server]\ndemo_setup = true\n\n[[location]]\npath = \"/x\"\nschemes = [\"Basic\"]\nsatisfy = \"maybe\"\nuser_file = \"u\"\n";
        let e = Config::parse(text, "t.toml", None).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.toml: line 7: location.satisfy: \"maybe\" is not any or all"
        );
        let e = Config::parse("[server]\nbogus = 1\n", "t.toml", None)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.toml: line 2: bogus"), "{e}");
        let e = Config::parse(
            "[[location]]\npath = \"/x\"\nssl_require = \"%{SSL_CLIENT_S_DN_CN} ==\"\n",
            "t.toml",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("t.toml: line 3: location.ssl_require:"),
            "{e}"
        );
        let e = Config::parse("[[location]]\npath = 3\n", "t.toml", None)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.toml: line 2:"), "{e}");
    }

    #[test]
    fn the_basic_credential_cache_is_set_per_location_and_checked() {
        let parse = |extra: &str| {
            let text = format!(
                "[[location]]\npath = \"/x\"\nschemes = [\"Basic\"]\nuser_file = \"u\"\n{extra}"
            );
            Config::parse(&text, "t.toml", None).map_err(|e| e.to_string())
        };
        assert_eq!(parse("").unwrap().locations[0].authn_cache, None);
        assert_eq!(
            parse("").unwrap().locations[0].basic_inline_limit,
            httpauth::basic::DEFAULT_INLINE_LIMIT
        );
        assert_eq!(
            parse("basic_inline_limit_us = 0\n").unwrap().locations[0].basic_inline_limit,
            std::time::Duration::ZERO
        );
        assert_eq!(
            parse("authn_cache_timeout = 300\n").unwrap().locations[0].authn_cache,
            Some(AuthnCache {
                timeout: std::time::Duration::from_secs(300),
                entries: DEFAULT_AUTHN_CACHE_ENTRIES,
            })
        );
        assert_eq!(
            parse("authn_cache_timeout = 5\nauthn_cache_entries = 7\n")
                .unwrap()
                .locations[0]
                .authn_cache
                .map(|c| c.entries),
            Some(7)
        );
        // Each error names the line of the key at fault.
        for (extra, message) in [
            (
                "authn_cache_timeout = 0\n",
                "line 5: location.authn_cache_timeout: 0: seconds from 1 to 86400",
            ),
            (
                "authn_cache_timeout = 86401\n",
                "line 5: location.authn_cache_timeout: 86401: seconds from 1 to 86400",
            ),
            (
                "authn_cache_timeout = 5\nauthn_cache_entries = 0\n",
                "line 6: location.authn_cache_entries: 0: from 1 to 10000000",
            ),
            (
                "authn_cache_entries = 5\n",
                "line 5: location.authn_cache_entries: needs location.authn_cache_timeout (seconds), which turns the cache on",
            ),
            (
                "basic_inline_limit_us = 100001\n",
                "line 5: location.basic_inline_limit_us: 100001: microseconds from 0 to 100000",
            ),
        ] {
            assert_eq!(parse(extra).unwrap_err(), format!("t.toml: {message}"));
        }
        let e = Config::parse(
            "[[location]]\npath = \"/x\"\nschemes = [\"Digest\"]\ndigest_file = \"d\"\nauthn_cache_timeout = 5\n",
            "t.toml",
            None,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "t.toml: line 5: location.authn_cache_timeout: caches Basic credentials: needs \"Basic\" in location.schemes"
        );
    }

    #[test]
    fn upstream_urls_split_and_refuse_what_they_cannot_use() {
        let u = UpstreamUrl::parse("https://localhost:9443/base/").unwrap();
        assert_eq!(
            (u.https, u.host.as_str(), u.port, u.authority.as_str()),
            (true, "localhost", 9443, "localhost:9443")
        );
        assert_eq!(u.base_path, "/base");
        let u = UpstreamUrl::parse("HTTP://[::1]").unwrap();
        assert_eq!((u.https, u.host.as_str(), u.port), (false, "::1", 80));
        assert_eq!(u.authority, "[::1]");
        assert_eq!(UpstreamUrl::parse("https://a.example").unwrap().port, 443);
        for bad in [
            "ftp://x",
            "http://",
            "http:///p",
            "http://u:p@host",
            "http://h:0",
            "http://h:70000",
            "http://h:+80",
            "http://h/p?q",
            "http://h#f",
            "http://[::1",
            "http://[nope]:1",
            "http://h o",
            "http://h/a b",
        ] {
            assert!(UpstreamUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn https_upstreams_need_a_ca_bundle() {
        let loc = |extra: &str| {
            Config::parse(
                &format!("[[location]]\npath = \"/a\"\n{extra}"),
                "t.toml",
                Some(Path::new("/d")),
            )
        };
        let e = loc("proxy = \"https://up:1\"\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "t.toml: line 3: location.proxy: an https:// upstream needs location.upstream_ca"
        );
        let e = loc("proxy = \"http://up:1\"\nupstream_ca = \"ca.pem\"\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.toml: line 4: location.upstream_ca: only for an https:// upstream"
        );
        let e = loc("upstream_ca = \"ca.pem\"\n").unwrap_err().to_string();
        assert!(
            e.starts_with("t.toml: line 3: location.upstream_ca:"),
            "{e}"
        );
        let c = loc("proxy = \"https://up:1/b\"\nupstream_ca = \"ca.pem\"\n").unwrap();
        assert_eq!(
            c.locations[0].content,
            Content::Proxy {
                upstream: "https://up:1/b".into(),
                user_header: "X-Remote-User".into(),
                upstream_ca: Some(PathBuf::from("/d/ca.pem")),
                cert_headers: cert_policy::CertHeaders::new(),
            }
        );
    }

    #[test]
    fn proxy_cert_headers_are_checked() {
        let loc = |extra: &str| {
            Config::parse(
                &format!("[[location]]\npath = \"/a\"\n{extra}"),
                "t.toml",
                Some(Path::new("/d")),
            )
        };
        let c = loc("proxy = \"http://up:1\"\nproxy_cert_headers = { X-SSL-Client-DN = \"SSL_CLIENT_S_DN\", X-SSL-Client-Verify = \"SSL_CLIENT_VERIFY\" }\n").unwrap();
        let Content::Proxy { cert_headers, .. } = &c.locations[0].content else {
            panic!("not a proxy");
        };
        assert!(cert_headers.is_forwarded("x-ssl-client-dn"));
        assert!(cert_headers.is_forwarded("X-SSL-Client-Verify"));
        for (extra, want) in [
            (
                "proxy_cert_headers = { X-Dn = \"SSL_CLIENT_S_DN\" }\n",
                "needs location.proxy",
            ),
            (
                "proxy = \"http://up:1\"\nproxy_cert_headers = { X-Dn = \"REMOTE_USER\" }\n",
                "only SSL_* certificate variables",
            ),
            (
                "proxy = \"http://up:1\"\nproxy_cert_headers = { X-Dn = \"SSL_CLIENT_S_DN_CNN\" }\n",
                "SSL_CLIENT_S_DN_CNN",
            ),
            (
                "proxy = \"http://up:1\"\nproxy_cert_headers = { \"X Dn\" = \"SSL_CLIENT_S_DN\" }\n",
                "not a token",
            ),
            (
                "proxy = \"http://up:1\"\nproxy_cert_headers = { X_Remote_User = \"SSL_CLIENT_S_DN\" }\n",
                "is the proxy_user_header",
            ),
        ] {
            let e = loc(extra).unwrap_err().to_string();
            assert!(
                e.contains("location.proxy_cert_headers") || e.contains(want),
                "{e}"
            );
            assert!(e.contains(want), "{extra}: {e}");
        }
    }

    /// Found while writing the `demo_config` fuzz target (which now asserts these bounds):
    /// values the validator accepted made the server fail later (`Instant + read_timeout`
    /// overflows in hyper on every connection; a semaphore larger than tokio's maximum
    /// panics at start).
    #[test]
    fn server_limits_are_bounded() {
        for (key, max) in [
            ("read_timeout_secs", MAX_READ_TIMEOUT_SECS),
            ("kex_concurrency", MAX_KEX_CONCURRENCY as u64),
            ("max_connections", MAX_CONNECTIONS as u64),
            ("max_connections_per_client", MAX_CONNECTIONS as u64),
            ("write_timeout_secs", MAX_WRITE_TIMEOUT_SECS),
            ("read_timeout_max_secs", MAX_WRITE_TIMEOUT_SECS),
            ("min_rate_bytes_per_sec", MAX_MIN_RATE),
        ] {
            let ok = format!("[server]\n{key} = {max}\n");
            assert!(Config::parse(&ok, "t.toml", None).is_ok(), "{ok}");
            for v in [max + 1, i64::MAX as u64] {
                let text = format!("[server]\n{key} = {v}\n");
                let e = Config::parse(&text, "t.toml", None)
                    .unwrap_err()
                    .to_string();
                assert_eq!(
                    e,
                    format!("t.toml: line 2: server.{key}: at most {max}"),
                    "{text}"
                );
            }
        }
    }

    /// The slow-client settings: defaults, zero refused, the hard read limit never below
    /// the initial one.
    #[test]
    fn slow_client_settings() {
        let c = Config::parse("", "t.toml", None).unwrap();
        assert_eq!(c.server.max_connections_per_client, 64);
        assert_eq!(c.server.write_timeout, std::time::Duration::from_secs(30));
        assert_eq!(c.server.min_rate_bytes_per_sec, 500);
        assert_eq!(
            c.server.read_timeout_max,
            std::time::Duration::from_secs(30)
        );
        let c = Config::parse("[server]\nread_timeout_secs = 20\n", "t.toml", None).unwrap();
        assert_eq!(
            c.server.read_timeout_max,
            std::time::Duration::from_secs(60)
        );
        for key in [
            "max_connections_per_client",
            "write_timeout_secs",
            "min_rate_bytes_per_sec",
            "read_timeout_max_secs",
        ] {
            let e = Config::parse(&format!("[server]\n{key} = 0\n"), "t.toml", None)
                .unwrap_err()
                .to_string();
            assert_eq!(e, format!("t.toml: line 2: server.{key}: must be positive"));
        }
        let e = Config::parse(
            "[server]\nread_timeout_secs = 20\nread_timeout_max_secs = 10\n",
            "t.toml",
            None,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "t.toml: line 3: server.read_timeout_max_secs: must be at least read_timeout_secs"
        );
    }

    #[test]
    fn duplicate_locations_are_refused_naming_both_lines() {
        for (first, second) in [
            ("/c", "/c/"),
            ("/c/", "/c"),
            ("/c", "/c"),
            ("/c", "/./c//"),
            ("/c", "/%63"),
            ("/", "//"),
        ] {
            let text = format!(
                "[[location]]\npath = \"/a\"\n\n[[location]]\ntitle = \"one\"\npath = \"{first}\"\n\n[[location]]\ntitle = \"two\"\npath = \"{second}\"\n"
            );
            let e = Config::parse(&text, "t.toml", None)
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("t.toml: line 10: location.path: ") && e.contains("at line 6"),
                "{first} {second}: {e}"
            );
        }
        // Distinct locations stay accepted.
        let c = Config::parse(
            "[[location]]\npath = \"/c\"\n[[location]]\npath = \"/c/d\"\n[[location]]\npath = \"/cd\"\n",
            "t.toml",
            None,
        )
        .unwrap();
        assert_eq!(c.locations.len(), 3);
    }

    #[test]
    fn location_paths_are_normalised_or_refused() {
        let one =
            |p: &str| Config::parse(&format!("[[location]]\npath = \"{p}\"\n"), "t.toml", None);
        assert_eq!(
            one("/docs/./%69nternal/").unwrap().locations[0].path,
            "/docs/internal"
        );
        for bad in ["/a/../..", "/a%2fb", "/a?x", "/a%zz"] {
            let e = one(bad).unwrap_err().to_string();
            assert!(e.contains("location.path"), "{bad}: {e}");
        }
    }

    #[test]
    fn prefix_matching_is_segment_wise() {
        let ps = ["/", "/a", "/a/b/"];
        assert_eq!(best_prefix(ps.iter().copied(), "/a"), Some(1));
        assert_eq!(best_prefix(ps.iter().copied(), "/ab"), Some(0));
        assert_eq!(best_prefix(ps.iter().copied(), "/a/b/c"), Some(2));
        assert_eq!(best_prefix(["/a"].iter().copied(), "/b"), None);
    }
}
