//! `httpauth-apache-convert`: an Apache httpd 2.4 configuration fragment to the
//! httpauth-demo TOML configuration (`docs/demo-config.md`), with a line-by-line report
//! of what could not be carried over and why.
//!
//! The mapping is the one `docs/apache-directives.md` describes; `docs/apache-convert.md`
//! has the converter's own table. The shape of the work:
//!
//! 1. The `parse` module reads httpd syntax into a tree (continuations, comments, quoting,
//!    sections), refusing ill-formed input ([`Error::Syntax`]).
//! 2. A walk collects server-wide settings (listeners, `[tls]`, limits) and, for every
//!    per-directory scope (the server itself, each `<Directory>` mapped to a URL path
//!    through `DocumentRoot`, each `<Location>`), the authentication directives it sets.
//! 3. For every path a section names, the scopes that apply to it are merged in httpd's
//!    order (server, `<Directory>` shortest first, `<Location>` in file order; a later
//!    value overrides, `Require` lines replace as with `AuthMerging Off`, `SSLRequire`
//!    accumulates, `SSLOptions +/-` add and remove). The demo applies one location per
//!    request (the longest prefix), so each output location carries the merged result and
//!    a request gets what httpd would give it.
//! 4. The TOML is written and loaded with the demo's own loader
//!    ([`httpauth_demo::Config::parse`]); a refusal there is a converter bug
//!    ([`Error::NotLoadable`]).
//!
//! Nothing the demo cannot express is changed silently: each such directive gets a
//! [`Finding`] naming its line.

mod parse;
mod toml_out;

pub use parse::MAX_SECTION_DEPTH;

use parse::{Node, words};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Largest input accepted (1 MiB, the demo's own limit on a configuration file).
pub const MAX_INPUT_BYTES: usize = 1 << 20;

/// An input the converter refuses as a whole.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Larger than [`MAX_INPUT_BYTES`].
    #[error("input larger than {MAX_INPUT_BYTES} bytes")]
    TooLarge,
    /// The fragment is not well-formed httpd syntax.
    #[error("line {line}: {kind}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        kind: SyntaxError,
    },
    /// The TOML written does not load with the demo's loader: a bug in the converter.
    #[error("the converted configuration does not load (a converter bug): {0}")]
    NotLoadable(#[source] Box<httpauth_demo::Error>),
}

/// What is ill-formed in the fragment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxError {
    /// A section header or end without its closing `>`.
    #[error("<{0} lacks its closing '>'")]
    MissingBracket(String),
    /// `</Found>` while `<Open>` is the innermost open section.
    #[error("</{found}> closes <{open}> opened at line {line}")]
    MismatchedClose {
        /// The name in the closing tag.
        found: String,
        /// The open section.
        open: String,
        /// Where that section opened.
        line: usize,
    },
    /// `</Name>` with no section open.
    #[error("</{0}> without an open section")]
    StrayClose(String),
    /// A section still open at the end of the input (the line is its header's).
    #[error("<{0}> is never closed")]
    Unclosed(String),
    /// `<>`.
    #[error("a section without a name")]
    EmptySection,
    /// Sections nested deeper than [`MAX_SECTION_DEPTH`].
    #[error("sections nested deeper than {}", MAX_SECTION_DEPTH)]
    TooDeep,
    /// A quoted argument without its closing quote.
    #[error("unterminated quoted argument")]
    UnterminatedQuote,
    /// A NUL byte.
    #[error("a NUL byte")]
    Nul,
}

/// How a directive fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FindingKind {
    /// Dropped: the demo has no equivalent, or the value is one it does not support.
    NotCarriedOver,
    /// Carried over with a different meaning, said in the reason (for example a stricter
    /// fallback where the original cannot be expressed).
    Changed,
    /// Carried over as `docs/apache-directives.md` documents, with a difference worth
    /// knowing (for example a location-level `SSLVerifyClient` asking at the handshake).
    /// Notes do not make a conversion incomplete.
    Note,
}

impl FindingKind {
    /// The words of the report line.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::NotCarriedOver => "not carried over",
            FindingKind::Changed => "changed",
            FindingKind::Note => "note",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// 1-based line of the directive or section header in the input.
    pub line: usize,
    /// The directive or section as written (`SSLSessionCache`, `<LocationMatch>`).
    pub directive: String,
    /// What happened to it.
    pub kind: FindingKind,
    /// Why.
    pub reason: String,
}

impl Finding {
    /// `site.conf:12: SSLSessionCache: not carried over: <why>`.
    pub fn render(&self, source: &str) -> String {
        format!(
            "{source}:{}: {}: {}: {}",
            self.line,
            self.directive,
            self.kind.as_str(),
            self.reason
        )
    }
}

/// The converter's settings.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Options {
    /// httpd's ServerRoot: relative file names resolve against it (the fragment's own
    /// `ServerRoot` is used when this is `None`). Without either, relative names are kept
    /// as written and reported (the demo resolves them against its data directory).
    pub server_root: Option<PathBuf>,
    /// `DocumentRoot` for `<Directory>` sections and `static_dir` (overrides the
    /// fragment's own).
    pub document_root: Option<PathBuf>,
}

/// The result of a conversion.
#[derive(Debug, Clone)]
pub struct Conversion {
    /// The demo's TOML configuration.
    pub toml: String,
    /// What was not carried over, or carried over differently, sorted by line.
    pub findings: Vec<Finding>,
}

impl Conversion {
    /// True when nothing was dropped or changed (notes aside).
    pub fn is_complete(&self) -> bool {
        self.findings.iter().all(|f| f.kind == FindingKind::Note)
    }

    /// The report, one rendered [`Finding`] a line.
    pub fn report(&self, source: &str) -> String {
        let mut out = String::new();
        for f in &self.findings {
            out.push_str(&f.render(source));
            out.push('\n');
        }
        out
    }
}

/// Converts `text` (an httpd configuration fragment).
///
/// # Errors
/// [`Error::TooLarge`], [`Error::Syntax`] for ill-formed input, [`Error::NotLoadable`]
/// when the result would not load in the demo (a bug).
pub fn convert(text: &str, options: &Options) -> Result<Conversion, Error> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(Error::TooLarge);
    }
    let tree = parse::parse(text)?;
    let mut cv = Converter::new(options, &tree);
    cv.walk(&tree, Ctx::Server { scope: 0 }, false)?;
    cv.finish_scope(0);
    let toml = cv.finish();
    httpauth_demo::Config::parse(&toml, "<converted>", Some(Path::new("/")))
        .map_err(|e| Error::NotLoadable(Box::new(e)))?;
    let mut findings = cv.findings;
    findings.sort();
    findings.dedup();
    Ok(Conversion { toml, findings })
}

// ---------------------------------------------------------------------------------------
// The model.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthKind {
    Basic,
    Digest,
    None,
}

/// `Require` lines of one scope (they replace the inherited ones as a whole).
#[derive(Debug, Clone, Default)]
struct RequireSet {
    /// Demo `require` strings, with the line each came from.
    lines: Vec<(String, usize)>,
    /// Line of the first `Require` of the scope.
    line: usize,
    /// Some line of the scope could not be carried over.
    dropped: bool,
}

/// One `SSLOptions` word: `+X`, `-X`, or `X` (absolute: resets first).
#[derive(Debug, Clone)]
struct SslOption {
    op: char,
    name: String,
    line: usize,
}

/// The per-directory settings one scope sets (`None`: inherited).
#[derive(Debug, Clone, Default)]
struct DirConf {
    auth_type: Option<(AuthKind, usize)>,
    auth_name: Option<String>,
    user_file: Option<(String, usize)>,
    group_file: Option<String>,
    digest_algorithms: Option<Vec<String>>,
    require: Option<RequireSet>,
    satisfy: Option<(String, usize)>,
    /// Location-level `SSLVerifyClient`: the level and the line.
    verify_client: Option<(String, usize)>,
    ssl_require: Vec<String>,
    ssl_require_ssl: Option<bool>,
    ssl_options: Vec<SslOption>,
    proxy: Option<String>,
    user_header: Option<String>,
    cert_headers: Vec<(String, String)>,
    /// `RequestHeader unset NAME` (line): fine when a `set` of the same scope names it.
    header_unsets: Vec<(String, usize)>,
}

impl DirConf {
    /// httpd's merge of `add` over `self` (see the module documentation).
    fn merge(&self, add: &DirConf) -> DirConf {
        let mut cert_headers = self.cert_headers.clone();
        for (h, v) in &add.cert_headers {
            cert_headers.retain(|(k, _)| !k.eq_ignore_ascii_case(h));
            cert_headers.push((h.clone(), v.clone()));
        }
        DirConf {
            auth_type: add.auth_type.or(self.auth_type),
            auth_name: add.auth_name.clone().or_else(|| self.auth_name.clone()),
            user_file: add.user_file.clone().or_else(|| self.user_file.clone()),
            group_file: add.group_file.clone().or_else(|| self.group_file.clone()),
            digest_algorithms: add
                .digest_algorithms
                .clone()
                .or_else(|| self.digest_algorithms.clone()),
            require: add.require.clone().or_else(|| self.require.clone()),
            satisfy: add.satisfy.clone().or_else(|| self.satisfy.clone()),
            verify_client: add
                .verify_client
                .clone()
                .or_else(|| self.verify_client.clone()),
            ssl_require: self
                .ssl_require
                .iter()
                .chain(&add.ssl_require)
                .cloned()
                .collect(),
            ssl_require_ssl: add.ssl_require_ssl.or(self.ssl_require_ssl),
            ssl_options: self
                .ssl_options
                .iter()
                .chain(&add.ssl_options)
                .cloned()
                .collect(),
            proxy: add.proxy.clone().or_else(|| self.proxy.clone()),
            user_header: add.user_header.clone().or_else(|| self.user_header.clone()),
            cert_headers,
            header_unsets: Vec::new(),
        }
    }

    /// Whether this scope sets anything.
    fn is_empty(&self) -> bool {
        self.auth_type.is_none()
            && self.auth_name.is_none()
            && self.user_file.is_none()
            && self.group_file.is_none()
            && self.digest_algorithms.is_none()
            && self.require.is_none()
            && self.satisfy.is_none()
            && self.verify_client.is_none()
            && self.ssl_require.is_empty()
            && self.ssl_require_ssl.is_none()
            && self.ssl_options.is_empty()
            && self.proxy.is_none()
            && self.user_header.is_none()
            && self.cert_headers.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ScopeKind {
    Server,
    Directory,
    Location,
}

#[derive(Debug, Clone)]
struct Scope {
    kind: ScopeKind,
    /// Normalised URL path (`/`, `/a/b`), what the fold and the output match on.
    path: String,
    /// As written, for comments and notes.
    written: String,
    line: usize,
    conf: DirConf,
}

/// Where the walk is.
#[derive(Debug, Clone, Copy)]
enum Ctx {
    /// Main server or a `<VirtualHost>`: index of its server scope.
    Server { scope: usize },
    /// Inside a `<Location>` / mapped `<Directory>`.
    Dir { scope: usize },
}

impl Ctx {
    fn scope(self) -> usize {
        match self {
            Ctx::Server { scope } | Ctx::Dir { scope } => scope,
        }
    }
}

#[derive(Debug, Clone)]
struct Vhost {
    line: usize,
    /// `(host, port)` of each address.
    addrs: Vec<(String, Option<u16>)>,
    ssl: Option<(bool, usize)>,
}

#[derive(Debug, Default)]
struct Tls {
    certificate: Option<(String, usize)>,
    key: Option<(String, usize)>,
    client_ca: Option<(String, usize)>,
    crls: Vec<(String, usize)>,
    revocation_check: Option<(String, usize)>,
    verify_client: Option<(String, usize)>,
    verify_depth: Option<(u32, usize)>,
    proxy_ca: Option<String>,
}

struct Converter {
    server_root: Option<PathBuf>,
    document_root: Option<PathBuf>,
    scopes: Vec<Scope>,
    findings: Vec<Finding>,
    listens: Vec<(String, usize)>,
    main_ssl: Option<(bool, usize)>,
    vhosts: Vec<Vhost>,
    tls: Tls,
    max_body: Option<u64>,
    max_header: Option<u64>,
    /// Location-level `SSLVerifyDepth` values (depth, line).
    location_depths: Vec<(u32, usize)>,
}

// ---------------------------------------------------------------------------------------
// Reasons for directives the demo has no equivalent of.

/// Directives dropped with a specific reason (lowercase names).
const KNOWN_DROPS: &[(&str, &str)] = &[
    (
        "sslprotocol",
        "rustls offers TLS 1.2 and 1.3 only and has no per-server protocol setting",
    ),
    (
        "sslciphersuite",
        "rustls's cipher suites are fixed (no weak or export suites to exclude)",
    ),
    (
        "sslhonorcipherorder",
        "rustls's cipher suite order is fixed",
    ),
    ("sslcompression", "TLS compression does not exist in rustls"),
    (
        "sslsessiontickets",
        "rustls's session resumption is built in and not configurable here",
    ),
    (
        "sslsessioncache",
        "rustls keeps its own in-memory session cache",
    ),
    (
        "sslsessioncachetimeout",
        "rustls keeps its own in-memory session cache",
    ),
    (
        "sslstaplingcache",
        "OCSP stapling is not implemented by the demo",
    ),
    (
        "sslusestapling",
        "OCSP stapling is not implemented by the demo",
    ),
    ("sslrandomseed", "rustls seeds from the operating system"),
    (
        "sslpassphrasedialog",
        "the demo reads unencrypted private keys only",
    ),
    (
        "sslcertificatechainfile",
        "the demo reads the chain from the certificate file (leaf first): append this file to SSLCertificateFile's",
    ),
    (
        "sslcacertificatepath",
        "the demo reads one PEM bundle of client CAs (SSLCACertificateFile)",
    ),
    (
        "sslcarevocationpath",
        "the demo reads CRL files (SSLCARevocationFile), not a hashed directory",
    ),
    (
        "sslusername",
        "the demo has no SSLUserName: a certificate's principal is its subject CN only where the certificate alone grants access (satisfy = \"any\"), and REMOTE_USER is never set from a certificate variable",
    ),
    (
        "sslinsecurerenegotiation",
        "TLS renegotiation is not supported by rustls",
    ),
    ("sslstrictsnivhostcheck", "the demo serves one site"),
    (
        "sslproxyengine",
        "implied by an https:// upstream in ProxyPass",
    ),
    (
        "authdigestnoncelifetime",
        "the demo's Digest nonces have a fixed lifetime of 300 seconds (digest-auth's default)",
    ),
    (
        "authdigestdomain",
        "the demo's Digest challenges carry no domain parameter (RFC 7616 section 3.3), so clients take the whole server as the protection space",
    ),
    (
        "authdigestnccheck",
        "the demo always checks nonce counts (RFC 7616 section 3.4)",
    ),
    (
        "authdigestshmemsize",
        "the demo keeps nonce counts in its [store] (bounded by max_entries / max_bytes)",
    ),
    ("authbasicfake", "the demo has no AuthBasicFake"),
    (
        "authbasicauthoritative",
        "the demo has one provider per scheme, so there is nothing to fall through to",
    ),
    (
        "authzuserauthoritative",
        "the demo has no authorization fall-through",
    ),
    (
        "authzgroupfileauthoritative",
        "the demo has no authorization fall-through",
    ),
    (
        "order",
        "mod_access_compat (Order/Allow/Deny) is not supported: use Require ip / Require host",
    ),
    (
        "allow",
        "mod_access_compat (Order/Allow/Deny) is not supported: use Require ip / Require host",
    ),
    (
        "deny",
        "mod_access_compat (Order/Allow/Deny) is not supported: use Require ip / Require host",
    ),
    (
        "include",
        "included files are not read: convert them separately",
    ),
    (
        "includeoptional",
        "included files are not read: convert them separately",
    ),
    ("servername", "the demo answers for any Host"),
    ("serveralias", "the demo answers for any Host"),
    (
        "serveradmin",
        "the demo shows no server administrator address",
    ),
    (
        "errorlog",
        "the demo logs to standard error (RUST_LOG=httpauth_demo=info)",
    ),
    (
        "customlog",
        "the demo logs to standard error (RUST_LOG=httpauth_demo=info)",
    ),
    (
        "transferlog",
        "the demo logs to standard error (RUST_LOG=httpauth_demo=info)",
    ),
    ("loglevel", "the demo's log level is RUST_LOG"),
    ("logformat", "the demo's log format is fixed"),
    (
        "options",
        "the demo serves files only (no CGI, indexes, SSI or symbolic links out of static_dir)",
    ),
    ("allowoverride", "the demo reads no .htaccess files"),
    ("directoryindex", "the demo serves no directory indexes"),
    (
        "alias",
        "map the alias to a [[location]] with static_dir by hand",
    ),
    ("redirect", "the demo sends no redirects"),
    ("rewriteengine", "mod_rewrite is not supported"),
    ("rewritecond", "mod_rewrite is not supported"),
    ("rewriterule", "mod_rewrite is not supported"),
    ("header", "the demo sets no response header fields"),
    (
        "keepalive",
        "the demo's keep-alive is bounded by read_timeout_secs",
    ),
    (
        "keepalivetimeout",
        "the demo's idle keep-alive is read_timeout_secs",
    ),
    (
        "maxkeepaliverequests",
        "the demo has no per-connection request limit",
    ),
    (
        "timeout",
        "set [server] read_timeout_secs / write_timeout_secs by hand: their meanings differ from httpd's Timeout",
    ),
    (
        "requestreadtimeout",
        "set [server] read_timeout_secs, read_timeout_max_secs and min_rate_bytes_per_sec by hand (docs/demo-config.md)",
    ),
    (
        "limitrequestfields",
        "the demo bounds the request head as a whole (max_header_bytes)",
    ),
    (
        "limitrequestline",
        "the demo bounds the request head as a whole (max_header_bytes)",
    ),
    (
        "proxypassreverse",
        "the demo does not rewrite Location, Content-Location or URI fields of upstream responses",
    ),
    (
        "proxypassreversecookiepath",
        "the demo does not rewrite cookies of upstream responses",
    ),
    (
        "proxypassreversecookiedomain",
        "the demo does not rewrite cookies of upstream responses",
    ),
    (
        "proxypreservehost",
        "the demo sends the upstream URL's authority as Host",
    ),
    (
        "proxytimeout",
        "the demo's upstream timeout is read_timeout_secs",
    ),
    ("setenvif", "the demo has no environment variables"),
    ("setenv", "the demo has no environment variables"),
    ("user", "the demo runs as the user that starts it"),
    ("group", "the demo runs as the user that starts it"),
    ("pidfile", "the demo writes no pid file"),
    ("mutex", "the demo needs no lock files"),
    ("loadmodule", "the demo has its modules built in"),
    ("servertokens", "the demo's Server field is fixed"),
    ("serversignature", "the demo's error pages are fixed"),
    ("errordocument", "the demo's error pages are fixed"),
    (
        "addtype",
        "the demo picks content types from file extensions itself",
    ),
    (
        "defaulttype",
        "the demo picks content types from file extensions itself",
    ),
];

fn drop_reason(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    KNOWN_DROPS
        .iter()
        .find(|(n, _)| *n == lower)
        .map_or("no equivalent in the demo", |(_, r)| r)
}

/// Normalises a URL path for matching: collapses `//`, drops a trailing `/` (the root
/// stays `/`).
fn norm_path(p: &str) -> String {
    let segs: Vec<&str> = p
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    format!("/{}", segs.join("/"))
}

/// Segment-wise prefix test on normalised paths.
fn covers(prefix: &str, path: &str) -> bool {
    prefix == "/"
        || path == prefix
        || (path.starts_with(prefix) && path.as_bytes().get(prefix.len()) == Some(&b'/'))
}

/// `ProxyPass` upstream `url` for the location `loc` (normalised) as the demo's `proxy`:
/// the demo appends the whole request path to its upstream, so the URL's path must end
/// with the location's path.
fn proxy_base(url: &str, loc: &str) -> Result<String, String> {
    let lower = url.to_ascii_lowercase();
    let scheme_len = if lower.starts_with("https://") {
        8
    } else if lower.starts_with("http://") {
        7
    } else {
        return Err(format!(
            "{url:?}: only http:// and https:// upstreams are supported"
        ));
    };
    let rest = &url[scheme_len..];
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let path = path.trim_end_matches('/');
    let l = if loc == "/" { "" } else { loc };
    match path.strip_suffix(l) {
        Some(base) => Ok(format!("{}{authority}{base}", &url[..scheme_len])),
        None => Err(format!(
            "the demo appends the whole request path to its upstream, so the upstream path would have to end in {loc:?} (here {:?})",
            if path.is_empty() { "/" } else { path }
        )),
    }
}

impl Converter {
    fn new(options: &Options, tree: &[Node]) -> Self {
        // ServerRoot and DocumentRoot first: they apply to every path in the fragment
        // whatever the order of lines.
        let mut server_root = options.server_root.clone();
        let mut doc_root_written: Option<String> = None;
        prescan(tree, &mut server_root, &mut doc_root_written);
        let document_root = options.document_root.clone().or_else(|| {
            doc_root_written.map(|d| match &server_root {
                Some(r) if Path::new(&d).is_relative() => r.join(d),
                _ => PathBuf::from(d),
            })
        });
        Converter {
            server_root,
            document_root,
            scopes: vec![Scope {
                kind: ScopeKind::Server,
                path: "/".into(),
                written: "(server)".into(),
                line: 0,
                conf: DirConf::default(),
            }],
            findings: Vec::new(),
            listens: Vec::new(),
            main_ssl: None,
            vhosts: Vec::new(),
            tls: Tls::default(),
            max_body: None,
            max_header: None,
            location_depths: Vec::new(),
        }
    }

    fn find(&mut self, n: &Node, kind: FindingKind, reason: impl Into<String>) {
        let directive = if n.body.is_some() {
            format!("<{}>", n.name)
        } else {
            n.name.clone()
        };
        self.findings.push(Finding {
            line: n.line,
            directive,
            kind,
            reason: reason.into(),
        });
    }

    fn drop_node(&mut self, n: &Node, reason: impl Into<String>) {
        self.find(n, FindingKind::NotCarriedOver, reason);
    }

    fn conf(&mut self, ctx: Ctx) -> &mut DirConf {
        &mut self.scopes[ctx.scope()].conf
    }

    /// A file name as httpd resolves it (`ap_server_root_relative`).
    fn file(&mut self, n: &Node, raw: &str) -> String {
        let p = Path::new(raw);
        if p.is_absolute() {
            return raw.to_owned();
        }
        match &self.server_root {
            Some(root) => root.join(p).display().to_string(),
            None => {
                self.find(
                    n,
                    FindingKind::Note,
                    format!(
                        "relative file name {raw:?} kept as written: httpd resolves it against ServerRoot, the demo against its data directory (give --server-root to resolve it)"
                    ),
                );
                raw.to_owned()
            }
        }
    }

    /// The arguments as words; an unterminated quote is ill-formed input.
    fn words(n: &Node) -> Result<Vec<String>, Error> {
        words(&n.args).map_err(|kind| Error::Syntax { line: n.line, kind })
    }

    fn walk(&mut self, nodes: &[Node], ctx: Ctx, in_vhost: bool) -> Result<(), Error> {
        for n in nodes {
            match &n.body {
                Some(body) => self.section(n, body, ctx, in_vhost)?,
                None => self.directive(n, ctx, in_vhost)?,
            }
        }
        Ok(())
    }

    fn section(&mut self, n: &Node, body: &[Node], ctx: Ctx, in_vhost: bool) -> Result<(), Error> {
        let name = n.name.to_ascii_lowercase();
        let args = Self::words(n)?;
        match name.as_str() {
            "ifmodule" => self.walk(body, ctx, in_vhost),
            "virtualhost" => {
                if !matches!(ctx, Ctx::Server { scope: 0 }) || in_vhost {
                    self.drop_node(n, "a <VirtualHost> belongs at the top level");
                    return Ok(());
                }
                let mut addrs = Vec::new();
                for a in &args {
                    let (host, port) = match a.rsplit_once(':') {
                        Some((h, p)) => (h.to_owned(), p.parse::<u16>().ok()),
                        None => (a.clone(), None),
                    };
                    addrs.push((host, port));
                }
                if !self.vhosts.is_empty() {
                    self.find(
                        n,
                        FindingKind::Changed,
                        format!(
                            "the demo serves one site: this virtual host's settings and locations are merged with those of the one at line {}",
                            self.vhosts[0].line
                        ),
                    );
                }
                self.vhosts.push(Vhost {
                    line: n.line,
                    addrs,
                    ssl: None,
                });
                self.scopes.push(Scope {
                    kind: ScopeKind::Server,
                    path: "/".into(),
                    written: format!("<VirtualHost {}>", n.args),
                    line: n.line,
                    conf: DirConf::default(),
                });
                let scope = self.scopes.len() - 1;
                self.walk(body, Ctx::Server { scope }, true)?;
                self.finish_scope(scope);
                Ok(())
            }
            "location" | "directory" => {
                if let Ctx::Dir { .. } = ctx {
                    self.drop_node(n, "sections of this kind cannot nest");
                    return Ok(());
                }
                if args.is_empty() {
                    self.drop_node(n, "needs a path");
                    return Ok(());
                }
                if args.first().is_some_and(|a| a == "~") || args.len() != 1 {
                    self.drop_node(
                        n,
                        format!(
                            "regular-expression sections are not supported (the demo matches path prefixes); its {} directives are dropped",
                            count(body)
                        ),
                    );
                    return Ok(());
                }
                let written = args[0].clone();
                let path = if name == "location" {
                    if !written.starts_with('/') {
                        self.drop_node(n, "the path must start with '/'");
                        return Ok(());
                    }
                    norm_path(&written)
                } else {
                    match self.directory_url(&written) {
                        Ok(p) => p,
                        Err(why) => {
                            self.drop_node(
                                n,
                                format!("{why}; its {} directives are dropped", count(body)),
                            );
                            return Ok(());
                        }
                    }
                };
                if name == "location" && written.len() > 1 && written.ends_with('/') {
                    self.find(
                        n,
                        FindingKind::Note,
                        format!(
                            "the demo's location {path:?} also covers {path} itself, which httpd's {written:?} does not"
                        ),
                    );
                }
                self.scopes.push(Scope {
                    kind: if name == "location" {
                        ScopeKind::Location
                    } else {
                        ScopeKind::Directory
                    },
                    path,
                    written: format!("<{} {}>", n.name, n.args),
                    line: n.line,
                    conf: DirConf::default(),
                });
                let scope = self.scopes.len() - 1;
                self.walk(body, Ctx::Dir { scope }, in_vhost)?;
                self.finish_scope(scope);
                Ok(())
            }
            "locationmatch" | "directorymatch" => {
                self.drop_node(
                    n,
                    format!(
                        "regular-expression sections are not supported (the demo matches path prefixes); its {} directives are dropped",
                        count(body)
                    ),
                );
                Ok(())
            }
            "files" | "filesmatch" => {
                self.drop_node(
                    n,
                    format!(
                        "the demo has no per-file sections; its {} directives are dropped",
                        count(body)
                    ),
                );
                Ok(())
            }
            "limit" | "limitexcept" => {
                self.drop_node(
                    n,
                    format!(
                        "per-method sections are not supported (Require method is); its {} directives are dropped",
                        count(body)
                    ),
                );
                Ok(())
            }
            "requireany" | "requireall" | "requirenone" => {
                self.require_container(n, ctx);
                Ok(())
            }
            _ => {
                self.drop_node(
                    n,
                    format!(
                        "the condition of this section is not evaluated; its {} directives are dropped",
                        count(body)
                    ),
                );
                Ok(())
            }
        }
    }

    /// Checks a finished scope: `RequestHeader unset` of fields it does not set.
    fn finish_scope(&mut self, scope: usize) {
        let conf = &self.scopes[scope].conf;
        let set: Vec<String> = conf
            .user_header
            .iter()
            .cloned()
            .chain(conf.cert_headers.iter().map(|(h, _)| h.clone()))
            .collect();
        let unsets = conf.header_unsets.clone();
        for (h, line) in unsets {
            if !set.iter().any(|s| s.eq_ignore_ascii_case(&h)) {
                self.findings.push(Finding {
                    line,
                    directive: "RequestHeader".into(),
                    kind: FindingKind::NotCarriedOver,
                    reason: format!(
                        "unset {h}: the demo removes only the fields it sets for the upstream (proxy_user_header, proxy_cert_headers)"
                    ),
                });
            }
        }
    }

    /// `<Directory>` path to the URL path it serves, through DocumentRoot.
    fn directory_url(&self, dir: &str) -> Result<String, String> {
        if dir.contains(['*', '?', '[']) {
            return Err("wildcard <Directory> paths are not supported".into());
        }
        let Some(root) = &self.document_root else {
            return Err(
                "no DocumentRoot in the fragment and no --document-root: the URL path of this directory is unknown".into(),
            );
        };
        let root = norm_path(&root.display().to_string());
        let dir = norm_path(dir);
        if covers(&dir, &root) {
            Ok("/".into())
        } else if covers(&root, &dir) {
            Ok(norm_path(&dir[root.len()..]))
        } else {
            Err(format!("{dir} is outside DocumentRoot {root}"))
        }
    }

    fn require_container(&mut self, n: &Node, ctx: Ctx) {
        let mut lines = Vec::new();
        match flatten_any(n, &mut lines) {
            Ok(()) => {
                let mut ok = Vec::new();
                for (line, at) in lines {
                    match check_require(&line) {
                        Ok(()) => ok.push((line, at)),
                        Err(why) => {
                            self.findings.push(Finding {
                                line: at,
                                directive: "Require".into(),
                                kind: FindingKind::NotCarriedOver,
                                reason: why,
                            });
                            self.require_set(ctx, n.line).dropped = true;
                        }
                    }
                }
                let set = self.require_set(ctx, n.line);
                set.lines.extend(ok);
            }
            Err(why) => {
                self.drop_node(n, why);
                self.require_set(ctx, n.line).dropped = true;
            }
        }
    }

    fn require_set(&mut self, ctx: Ctx, line: usize) -> &mut RequireSet {
        self.conf(ctx).require.get_or_insert_with(|| RequireSet {
            line,
            ..RequireSet::default()
        })
    }

    #[allow(clippy::too_many_lines)] // one arm per directive reads best as one table
    fn directive(&mut self, n: &Node, ctx: Ctx, in_vhost: bool) -> Result<(), Error> {
        let lower = n.name.to_ascii_lowercase();
        let server = matches!(ctx, Ctx::Server { .. });
        // Raw-argument directives first: their text is not split into words by httpd.
        match lower.as_str() {
            "require" => {
                let (word, rest) = split_word(&n.args);
                let line = if word.eq_ignore_ascii_case("expr") {
                    format!("expr {rest}")
                } else {
                    match require_line(&n.args) {
                        Ok(l) => l,
                        Err(why) => {
                            self.drop_node(n, why);
                            self.require_set(ctx, n.line).dropped = true;
                            return Ok(());
                        }
                    }
                };
                match check_require(&line) {
                    Ok(()) => self.require_set(ctx, n.line).lines.push((line, n.line)),
                    Err(why) => {
                        self.drop_node(n, why);
                        self.require_set(ctx, n.line).dropped = true;
                    }
                }
                return Ok(());
            }
            "sslrequire" => {
                if server {
                    self.drop_node(n, "SSLRequire belongs in a <Location> or <Directory> (httpd refuses it at server level)");
                    return Ok(());
                }
                match cert_policy::Expr::parse(&n.args, cert_policy::Dialect::SslRequire) {
                    Ok(_) => self.conf(ctx).ssl_require.push(n.args.clone()),
                    Err(e) => self.drop_node(n, format!("the expression does not parse: {e}")),
                }
                return Ok(());
            }
            _ => {}
        }
        let args = Self::words(n)?;
        let first = args.first().cloned().unwrap_or_default();
        let one = |cv: &mut Self| -> bool {
            if args.len() == 1 {
                true
            } else {
                cv.drop_node(n, format!("takes one argument, not {}", args.len()));
                false
            }
        };
        match lower.as_str() {
            "serverroot" | "documentroot" => {
                if !server {
                    self.drop_node(n, "belongs at server level");
                }
                // Read before the walk (Converter::new); a DocumentRoot is what
                // <Directory> sections and static_dir are mapped through.
            }
            "listen" => {
                if !server || in_vhost {
                    self.drop_node(n, "belongs at the top level");
                } else if args.len() == 2 || one(self) {
                    match listen_address(&first) {
                        Some(a) => self.listens.push((a, n.line)),
                        None => self.drop_node(n, format!("{first:?} is not [address:]port")),
                    }
                }
            }
            "sslengine" => {
                if !server {
                    self.drop_node(n, "belongs at server or virtual-host level");
                } else if one(self) {
                    let on = match first.to_ascii_lowercase().as_str() {
                        "on" => Some(true),
                        "off" => Some(false),
                        _ => None,
                    };
                    match on {
                        None => self
                            .drop_node(n, format!("{first:?}: only on and off are carried over")),
                        Some(on) => match self.vhosts.last_mut().filter(|_| in_vhost) {
                            Some(v) => v.ssl = Some((on, n.line)),
                            None => self.main_ssl = Some((on, n.line)),
                        },
                    }
                }
            }
            "sslcertificatefile" | "sslcertificatekeyfile" | "sslcacertificatefile" => {
                if !server {
                    self.drop_node(n, "the demo has one [tls] table for the whole server");
                } else if one(self) {
                    let f = self.file(n, &first);
                    let slot = match lower.as_str() {
                        "sslcertificatefile" => &mut self.tls.certificate,
                        "sslcertificatekeyfile" => &mut self.tls.key,
                        _ => &mut self.tls.client_ca,
                    };
                    if let Some((_, prev)) = slot {
                        let prev = *prev;
                        self.drop_node(
                            n,
                            format!("the demo takes one; the one at line {prev} is kept"),
                        );
                    } else {
                        *slot = Some((f, n.line));
                    }
                }
            }
            "sslcarevocationfile" => {
                if !server {
                    self.drop_node(n, "the demo has one [tls] table for the whole server");
                } else if one(self) {
                    let f = self.file(n, &first);
                    self.tls.crls.push((f, n.line));
                }
            }
            "sslcarevocationcheck" => {
                if !server {
                    self.drop_node(n, "the demo has one [tls] table for the whole server");
                } else {
                    let mode = first.to_ascii_lowercase();
                    if !matches!(mode.as_str(), "chain" | "leaf" | "none") {
                        self.drop_node(n, format!("{first:?} is not chain, leaf or none"));
                    } else if args.len() > 1 {
                        self.drop_node(
                            n,
                            format!("the flags {:?} are not supported by the demo", &args[1..]),
                        );
                    } else {
                        self.tls.revocation_check = Some((mode, n.line));
                    }
                }
            }
            "sslverifyclient" => {
                if one(self) {
                    let level = first.to_ascii_lowercase();
                    if !matches!(
                        level.as_str(),
                        "none" | "optional" | "require" | "optional_no_ca"
                    ) {
                        self.drop_node(
                            n,
                            format!("{first:?} is not none, optional, require or optional_no_ca"),
                        );
                    } else if server {
                        self.tls.verify_client = Some((level, n.line));
                    } else if level == "optional_no_ca" {
                        self.drop_node(n, "optional_no_ca inside a location is not supported: the demo sets it for the whole listener ([tls] verify_client)");
                    } else {
                        self.conf(ctx).verify_client = Some((level, n.line));
                    }
                }
            }
            "sslverifydepth" => {
                if one(self) {
                    match first.parse::<u32>() {
                        Err(_) => self.drop_node(n, format!("{first:?} is not a number")),
                        Ok(d) if server => self.tls.verify_depth = Some((d, n.line)),
                        Ok(d) => self.location_depths.push((d, n.line)),
                    }
                }
            }
            "sslproxycacertificatefile" => {
                if one(self) {
                    let f = self.file(n, &first);
                    self.tls.proxy_ca = Some(f);
                }
            }
            "sslrequiressl" => {
                if server {
                    self.drop_node(n, "belongs in a <Location> or <Directory>");
                } else {
                    self.conf(ctx).ssl_require_ssl = Some(true);
                }
            }
            "ssloptions" => {
                let mut opts = Vec::new();
                for a in &args {
                    let (op, name) = match a.as_bytes().first() {
                        Some(b'+') => ('+', &a[1..]),
                        Some(b'-') => ('-', &a[1..]),
                        _ => ('=', a.as_str()),
                    };
                    let known = [
                        "FakeBasicAuth",
                        "StrictRequire",
                        "StdEnvVars",
                        "ExportCertData",
                        "OptRenegotiate",
                        "LegacyDNStringFormat",
                        "CompatEnvVars",
                    ];
                    let Some(canon) = known.iter().find(|k| k.eq_ignore_ascii_case(name)) else {
                        self.drop_node(n, format!("unknown option {a:?}"));
                        continue;
                    };
                    if op != '-' {
                        let why = match *canon {
                            "StdEnvVars" => Some(
                                "+StdEnvVars: not applicable: the demo runs no CGI or SSI; proxy_cert_headers forwards SSL_* variables to an upstream",
                            ),
                            "ExportCertData" => Some(
                                "+ExportCertData: not applicable: the demo runs no CGI or SSI; proxy_cert_headers can forward SSL_CLIENT_CERT to an upstream",
                            ),
                            "OptRenegotiate" => Some(
                                "+OptRenegotiate: the demo never renegotiates (TLS 1.3 cannot)",
                            ),
                            "LegacyDNStringFormat" => Some(
                                "+LegacyDNStringFormat: the demo formats DNs as mod_ssl's default (RFC 2253) only",
                            ),
                            "CompatEnvVars" => Some("+CompatEnvVars: removed in httpd 2.4"),
                            _ => None,
                        };
                        if let Some(why) = why {
                            self.drop_node(n, why);
                        }
                    }
                    opts.push(SslOption {
                        op,
                        name: (*canon).to_owned(),
                        line: n.line,
                    });
                }
                if opts.iter().any(|o| o.op == '=') && opts.iter().any(|o| o.op != '=') {
                    self.drop_node(n, "httpd refuses a mix of options with and without +/-");
                } else {
                    self.conf(ctx).ssl_options.extend(opts);
                }
            }
            "authtype" => {
                if one(self) {
                    let kind = match first.to_ascii_lowercase().as_str() {
                        "basic" => Some(AuthKind::Basic),
                        "digest" => Some(AuthKind::Digest),
                        "none" => Some(AuthKind::None),
                        _ => None,
                    };
                    match kind {
                        Some(k) => self.conf(ctx).auth_type = Some((k, n.line)),
                        None => self.drop_node(n, format!("{first:?}: the demo offers Basic and Digest (and Mutual, which httpd lacks)")),
                    }
                }
            }
            "authname" => {
                if one(self) {
                    self.conf(ctx).auth_name = Some(first);
                }
            }
            "authuserfile" => {
                if one(self) {
                    let f = self.file(n, &first);
                    self.conf(ctx).user_file = Some((f, n.line));
                }
            }
            "authgroupfile" => {
                if one(self) {
                    let f = self.file(n, &first);
                    self.conf(ctx).group_file = Some(f);
                }
            }
            "authbasicprovider" | "authdigestprovider" => {
                let others: Vec<&String> = args
                    .iter()
                    .filter(|a| !a.eq_ignore_ascii_case("file"))
                    .collect();
                if !others.is_empty() {
                    self.drop_node(
                        n,
                        format!("only the file provider is carried over (not {others:?})"),
                    );
                }
            }
            "authdigestalgorithm" => {
                if one(self) {
                    let alg = match first.to_ascii_lowercase().as_str() {
                        "md5" => Some("MD5"),
                        "md5-sess" => Some("MD5-sess"),
                        _ => None,
                    };
                    match alg {
                        Some(a) => self.conf(ctx).digest_algorithms = Some(vec![a.to_owned()]),
                        None => self
                            .drop_node(n, format!("{first:?}: httpd knows MD5 and MD5-sess only")),
                    }
                }
            }
            "authdigestqop" => {
                let qops: Vec<String> = args.iter().map(|a| a.to_ascii_lowercase()).collect();
                if qops.iter().any(|q| q == "none") {
                    self.drop_node(n, "none: the demo's Digest challenges always offer qop=\"auth, auth-int\" (RFC 7616 requires qop)");
                } else if qops.iter().any(|q| q != "auth" && q != "auth-int") {
                    self.drop_node(n, format!("{args:?}: only auth and auth-int exist"));
                } else if !qops.iter().any(|q| q == "auth-int") {
                    self.find(n, FindingKind::Note, "the demo offers qop=\"auth, auth-int\": auth-int protects the request body too (httpd does not implement it)");
                } else if !qops.iter().any(|q| q == "auth") {
                    self.find(
                        n,
                        FindingKind::Changed,
                        "the demo offers qop=\"auth, auth-int\": clients may also choose auth",
                    );
                }
            }
            "authmerging" => {
                if !first.eq_ignore_ascii_case("off") {
                    self.drop_node(n, format!("{first}: the demo's require lines of a location replace the enclosing ones (AuthMerging Off)"));
                }
            }
            "satisfy" => {
                if one(self) {
                    let v = first.to_ascii_lowercase();
                    if v == "any" || v == "all" {
                        self.conf(ctx).satisfy = Some((v, n.line));
                    } else {
                        self.drop_node(n, format!("{first:?} is not any or all"));
                    }
                }
            }
            "proxypass" => self.proxy_pass(n, &args, ctx),
            "proxyrequests" => {
                if !first.eq_ignore_ascii_case("off") {
                    self.drop_node(n, "the demo is not a forward proxy");
                }
            }
            "requestheader" => self.request_header(n, &args, ctx),
            "limitrequestbody" => {
                if !server || in_vhost {
                    self.drop_node(
                        n,
                        "the demo has one limit for the whole server ([server] max_body_bytes)",
                    );
                } else if one(self) {
                    match first.parse::<u64>() {
                        Ok(0) => self.drop_node(n, "0 (unlimited): the demo always has a limit (max_body_bytes, default 1048576)"),
                        Ok(b) => self.max_body = Some(b),
                        Err(_) => self.drop_node(n, format!("{first:?} is not a number")),
                    }
                }
            }
            "limitrequestfieldsize" => {
                if !server || in_vhost {
                    self.drop_node(
                        n,
                        "the demo has one limit for the whole server ([server] max_header_bytes)",
                    );
                } else if one(self) {
                    match first.parse::<u64>() {
                        Ok(b) if b >= 8192 => {
                            self.max_header = Some(b);
                            self.find(n, FindingKind::Note, "max_header_bytes bounds the whole request head; httpd's limit is per field");
                        }
                        Ok(_) => self.drop_node(n, "the demo bounds the whole request head (max_header_bytes) and needs at least 8192"),
                        Err(_) => self.drop_node(n, format!("{first:?} is not a number")),
                    }
                }
            }
            _ => self.drop_node(n, drop_reason(&n.name)),
        }
        Ok(())
    }

    fn proxy_pass(&mut self, n: &Node, args: &[String], ctx: Ctx) {
        let (loc, url, params) = match ctx {
            Ctx::Dir { scope } if self.scopes[scope].kind == ScopeKind::Location => {
                match args.split_first() {
                    Some((u, rest)) => (self.scopes[scope].path.clone(), u.clone(), rest.to_vec()),
                    None => {
                        self.drop_node(n, "needs an upstream URL");
                        return;
                    }
                }
            }
            Ctx::Dir { .. } => {
                self.drop_node(n, "ProxyPass belongs in a <Location> or at server level");
                return;
            }
            Ctx::Server { .. } => {
                if args.len() < 2 {
                    self.drop_node(n, "needs a path and an upstream URL");
                    return;
                }
                (norm_path(&args[0]), args[1].clone(), args[2..].to_vec())
            }
        };
        if url == "!" {
            self.drop_node(
                n,
                "exclusions (!) are not supported: the location serves its own content",
            );
            return;
        }
        if !params.is_empty() {
            self.drop_node(n, format!("the parameters {params:?} are not supported; the upstream is carried over without them"));
        }
        let base = match proxy_base(&url, &loc) {
            Ok(b) => b,
            Err(why) => {
                self.drop_node(n, why);
                return;
            }
        };
        if let Err(why) = httpauth_demo::config::UpstreamUrl::parse(&base) {
            self.drop_node(n, format!("{url:?}: {why}"));
            return;
        }
        match ctx {
            Ctx::Dir { .. } => self.conf(ctx).proxy = Some(base),
            Ctx::Server { .. } => {
                // `ProxyPass /app URL` is `<Location /app> ProxyPass URL`.
                let written = format!("ProxyPass {}", n.args);
                self.scopes.push(Scope {
                    kind: ScopeKind::Location,
                    path: loc,
                    written,
                    line: n.line,
                    conf: DirConf {
                        proxy: Some(base),
                        ..DirConf::default()
                    },
                });
            }
        }
    }

    fn request_header(&mut self, n: &Node, args: &[String], ctx: Ctx) {
        let action = args
            .first()
            .map(|a| a.to_ascii_lowercase())
            .unwrap_or_default();
        match (action.as_str(), args.len()) {
            ("set", 3) => {
                let header = args[1].clone();
                let value = &args[2];
                if value == "%{REMOTE_USER}s" {
                    self.conf(ctx).user_header = Some(header);
                } else if let Some(var) = value
                    .strip_prefix("%{")
                    .and_then(|v| v.strip_suffix("}s"))
                    .filter(|v| v.starts_with("SSL_"))
                {
                    if cert_policy::CertHeaders::new().with(&header, var).is_ok() {
                        self.conf(ctx).cert_headers.push((header, var.to_owned()));
                    } else {
                        self.drop_node(n, format!("{var} is not an SSL_* variable the demo can forward"));
                    }
                } else {
                    self.drop_node(n, "the demo forwards only %{REMOTE_USER}s (proxy_user_header) and %{SSL_*}s (proxy_cert_headers)");
                }
            }
            ("unset", 2) => {
                let h = args[1].clone();
                self.conf(ctx).header_unsets.push((h, n.line));
            }
            _ => self.drop_node(n, "only `set NAME %{REMOTE_USER}s`, `set NAME %{SSL_*}s` and `unset NAME` of those are carried over"),
        }
    }

    // -----------------------------------------------------------------------------------
    // Output.

    fn finish(&mut self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Written by httpauth-apache-convert {}; see its report for what was not carried over.",
            env!("CARGO_PKG_VERSION")
        );
        let listeners = self.listeners();
        let https = listeners.iter().any(|(k, _)| k == "https");
        let tls = self.tls_table(https);
        let mut server = String::new();
        if let Some(b) = self.max_body {
            let _ = writeln!(server, "max_body_bytes = {b}");
        }
        if let Some(h) = self.max_header {
            let _ = writeln!(server, "max_header_bytes = {h}");
        }
        if !server.is_empty() {
            let _ = write!(out, "\n[server]\n{server}");
        }
        for (kind, addr) in &listeners {
            let _ = write!(
                out,
                "\n[[listener]]\nkind = {}\naddress = {}\n",
                toml_out::string(kind),
                toml_out::string(addr)
            );
        }
        let locations = self.locations(tls.is_some());
        if let Some(t) = tls {
            out.push('\n');
            out.push_str(&t);
        }
        for l in locations {
            out.push('\n');
            out.push_str(&l);
        }
        out
    }

    fn listeners(&mut self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let has_cert = self.tls.certificate.is_some() && self.tls.key.is_some();
        let ssl_for_port =
            |vhosts: &[Vhost], main: Option<(bool, usize)>, port: u16| -> Option<usize> {
                vhosts
                    .iter()
                    .find(|v| {
                        v.ssl.is_some_and(|(on, _)| on)
                            && v.addrs.iter().any(|(_, p)| p.is_none_or(|p| p == port))
                    })
                    .and_then(|v| v.ssl.map(|(_, l)| l))
                    .or(main.filter(|(on, _)| *on).map(|(_, l)| l))
            };
        let mut want: Vec<(Option<usize>, String)> = Vec::new();
        if self.listens.is_empty() {
            for v in &self.vhosts {
                for (host, port) in &v.addrs {
                    let Some(port) = port else { continue };
                    let host = match host.as_str() {
                        "*" | "_default_" => "0.0.0.0",
                        h => h,
                    };
                    let addr = format!("{host}:{port}");
                    if addr.parse::<std::net::SocketAddr>().is_err() {
                        continue;
                    }
                    let ssl = v
                        .ssl
                        .filter(|(on, _)| *on)
                        .map(|(_, l)| l)
                        .or(self.main_ssl.filter(|(on, _)| *on).map(|(_, l)| l));
                    want.push((ssl, addr.clone()));
                    self.findings.push(Finding {
                        line: v.line,
                        directive: "<VirtualHost>".into(),
                        kind: FindingKind::Note,
                        reason: format!("no Listen in the fragment: the demo listens on {addr} as this virtual host's address says"),
                    });
                }
            }
        } else {
            for (addr, _) in &self.listens {
                let port = addr
                    .rsplit_once(':')
                    .and_then(|(_, p)| p.parse::<u16>().ok())
                    .unwrap_or(0);
                want.push((
                    ssl_for_port(&self.vhosts, self.main_ssl, port),
                    addr.clone(),
                ));
            }
        }
        for (ssl, addr) in want {
            let kind = match ssl {
                Some(line) if !has_cert => {
                    self.findings.push(Finding {
                        line,
                        directive: "SSLEngine".into(),
                        kind: FindingKind::NotCarriedOver,
                        reason: format!("TLS on {addr} needs both SSLCertificateFile and SSLCertificateKeyFile in the fragment; the listener is dropped"),
                    });
                    continue;
                }
                Some(_) => "https",
                None => "http",
            };
            if !out.iter().any(|(_, a)| *a == addr) {
                out.push((kind.to_owned(), addr));
            }
        }
        out
    }

    /// `[tls]`, when an https listener needs it; otherwise reports the TLS directives.
    fn tls_table(&mut self, https: bool) -> Option<String> {
        let t = &self.tls;
        if !https {
            let mut lines: Vec<(usize, &str)> = Vec::new();
            for (slot, name) in [
                (&t.certificate, "SSLCertificateFile"),
                (&t.key, "SSLCertificateKeyFile"),
                (&t.client_ca, "SSLCACertificateFile"),
            ] {
                if let Some((_, l)) = slot {
                    lines.push((*l, name));
                }
            }
            lines.extend(t.crls.iter().map(|(_, l)| (*l, "SSLCARevocationFile")));
            if let Some((_, l)) = &t.revocation_check {
                lines.push((*l, "SSLCARevocationCheck"));
            }
            if let Some((_, l)) = &t.verify_client {
                lines.push((*l, "SSLVerifyClient"));
            }
            if let Some((_, l)) = &t.verify_depth {
                lines.push((*l, "SSLVerifyDepth"));
            }
            for (_, l) in &self.location_depths {
                lines.push((*l, "SSLVerifyDepth"));
            }
            for (line, directive) in lines {
                self.findings.push(Finding {
                    line,
                    directive: directive.into(),
                    kind: FindingKind::NotCarriedOver,
                    reason: "no [tls] table: the fragment has no TLS listener (SSLEngine on with SSLCertificateFile and SSLCertificateKeyFile)".into(),
                });
            }
            return None;
        }
        let (Some((cert, _)), Some((key, _))) = (&t.certificate, &t.key) else {
            return None;
        };
        let mut out = String::from("[tls]\n");
        let _ = writeln!(out, "certificate_chain = {}", toml_out::string(cert));
        let _ = writeln!(out, "private_key = {}", toml_out::string(key));
        if let Some((ca, _)) = &t.client_ca {
            let _ = writeln!(out, "client_ca = {}", toml_out::string(ca));
        }
        if !t.crls.is_empty() {
            let crls: Vec<String> = t.crls.iter().map(|(c, _)| c.clone()).collect();
            let _ = writeln!(out, "crls = {}", toml_out::array(&crls));
        }
        if let Some((m, _)) = &t.revocation_check {
            let _ = writeln!(out, "revocation_check = {}", toml_out::string(m));
        }
        // The handshake asks for a certificate on the whole listener when any location
        // wants one (the demo cannot renegotiate per location).
        let wanted: Option<usize> = self.scopes.iter().find_map(|s| {
            s.conf
                .verify_client
                .as_ref()
                .filter(|(l, _)| l == "require" || l == "optional")
                .map(|(_, line)| *line)
        });
        let mut level = t.verify_client.clone();
        let mut findings = Vec::new();
        if let Some(wline) = wanted
            && level.as_ref().is_none_or(|(l, _)| l == "none")
        {
            findings.push(Finding {
                line: wline,
                directive: "SSLVerifyClient".into(),
                kind: FindingKind::Note,
                reason: "the demo asks for the certificate at the handshake on the whole listener ([tls] verify_client = \"optional\") and the location enforces it: TLS 1.3 cannot renegotiate".into(),
            });
            level = Some(("optional".into(), wline));
        }
        if let Some((l, line)) = &level {
            if (l == "optional" || l == "require") && t.client_ca.is_none() {
                findings.push(Finding {
                    line: *line,
                    directive: "SSLVerifyClient".into(),
                    kind: FindingKind::NotCarriedOver,
                    reason: format!("{l} needs SSLCACertificateFile in the fragment (the demo verifies against one PEM bundle)"),
                });
            } else {
                let _ = writeln!(out, "verify_client = {}", toml_out::string(l));
            }
        }
        let depth = match (&t.verify_depth, self.location_depths.first()) {
            (Some((d, _)), _) => {
                for (ld, line) in &self.location_depths {
                    if ld != d {
                        findings.push(Finding {
                            line: *line,
                            directive: "SSLVerifyDepth".into(),
                            kind: FindingKind::NotCarriedOver,
                            reason: format!("the demo has one depth for the whole listener ({d} from the server level)"),
                        });
                    }
                }
                Some(*d)
            }
            (None, Some((d, first_line))) => {
                for (ld, line) in &self.location_depths {
                    if ld == d {
                        findings.push(Finding {
                            line: *line,
                            directive: "SSLVerifyDepth".into(),
                            kind: FindingKind::Note,
                            reason: format!("applied to the whole listener ([tls] verify_depth = {d}): the demo verifies at the handshake"),
                        });
                    } else {
                        findings.push(Finding {
                            line: *line,
                            directive: "SSLVerifyDepth".into(),
                            kind: FindingKind::NotCarriedOver,
                            reason: format!("the demo has one depth for the whole listener ({d} from line {first_line})"),
                        });
                    }
                }
                Some(*d)
            }
            (None, None) => None,
        };
        if let Some(d) = depth {
            let _ = writeln!(out, "verify_depth = {d}");
        }
        self.findings.extend(findings);
        Some(out)
    }

    /// The paths the output has a location for, in order of first appearance.
    fn output_paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = Vec::new();
        let server_sets = self
            .scopes
            .iter()
            .any(|s| s.kind == ScopeKind::Server && !s.conf.is_empty());
        if server_sets || self.document_root.is_some() {
            paths.push("/".into());
        }
        for s in &self.scopes {
            if s.kind != ScopeKind::Server && !paths.contains(&s.path) {
                paths.push(s.path.clone());
            }
        }
        paths
    }

    fn locations(&mut self, have_tls: bool) -> Vec<String> {
        let mut out = Vec::new();
        for path in self.output_paths() {
            // httpd's merge order: server scopes, <Directory> by length, <Location> in
            // file order.
            let mut applying: Vec<&Scope> = self
                .scopes
                .iter()
                .filter(|s| covers(&s.path, &path))
                .collect();
            applying.sort_by_key(|s| {
                (
                    s.kind,
                    if s.kind == ScopeKind::Directory {
                        s.path.matches('/').count()
                    } else {
                        0
                    },
                )
            });
            let sources: Vec<String> = applying
                .iter()
                .filter(|s| s.kind != ScopeKind::Server || !s.conf.is_empty())
                .map(|s| {
                    if s.line == 0 {
                        s.written.clone()
                    } else {
                        format!("{} (line {})", s.written, s.line)
                    }
                })
                .collect();
            let merged = applying
                .iter()
                .fold(DirConf::default(), |acc, s| acc.merge(&s.conf));
            let anchor = applying
                .iter()
                .rev()
                .find(|s| s.kind != ScopeKind::Server)
                .map_or(0, |s| s.line);
            out.push(self.location(&path, &merged, &sources, anchor, have_tls));
        }
        out
    }

    #[allow(clippy::too_many_lines)] // one key after the other, in the demo's order
    fn location(
        &mut self,
        path: &str,
        c: &DirConf,
        sources: &[String],
        anchor: usize,
        have_tls: bool,
    ) -> String {
        let mut out = String::from("[[location]]\n");
        if !sources.is_empty() {
            let _ = writeln!(out, "# from {}", toml_out::comment(&sources.join(", ")));
        }
        let _ = writeln!(out, "path = {}", toml_out::string(path));
        let at = |line: usize, directive: &str, kind: FindingKind, reason: String| Finding {
            line,
            directive: directive.to_owned(),
            kind,
            reason,
        };
        let mut findings = Vec::new();

        // SSLOptions, folded in merge order.
        let (mut fake_basic, mut strict) = (false, false);
        let mut fake_line = 0;
        let mut last_abs_line = None;
        for o in &c.ssl_options {
            if o.op == '=' && last_abs_line != Some(o.line) {
                fake_basic = false;
                strict = false;
                last_abs_line = Some(o.line);
            }
            let on = o.op != '-';
            match o.name.as_str() {
                "FakeBasicAuth" => {
                    fake_basic = on;
                    fake_line = o.line;
                }
                "StrictRequire" => strict = on,
                _ => {}
            }
        }

        let scheme = c.auth_type.filter(|(k, _)| *k != AuthKind::None);
        let user_file = c.user_file.clone();
        let mut schemes: Vec<&str> = Vec::new();
        if let Some((kind, line)) = scheme {
            match (kind, &user_file) {
                (_, None) => findings.push(at(
                    line,
                    "AuthType",
                    FindingKind::NotCarriedOver,
                    format!("location {path}: no AuthUserFile applies here (httpd answers 500); the scheme is dropped"),
                )),
                (AuthKind::Basic, Some(_)) => schemes.push("Basic"),
                (AuthKind::Digest, Some(_)) => schemes.push("Digest"),
                (AuthKind::None, _) => {}
            }
        }
        if !schemes.is_empty() {
            let _ = writeln!(
                out,
                "schemes = {}",
                toml_out::array(&schemes.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
            );
            if let Some(realm) = &c.auth_name {
                let _ = writeln!(out, "realm = {}", toml_out::string(realm));
            } else if let Some((_, line)) = scheme {
                findings.push(at(
                    line,
                    "AuthType",
                    FindingKind::Changed,
                    format!("location {path}: no AuthName (httpd answers 500); the demo's realm httpauth-demo is used"),
                ));
            }
        }
        let digest = schemes.contains(&"Digest");
        if fake_basic && digest {
            findings.push(at(
                fake_line,
                "SSLOptions",
                FindingKind::NotCarriedOver,
                format!("+FakeBasicAuth at {path}: the AuthUserFile there is an htdigest file, FakeBasicAuth needs an htpasswd one"),
            ));
            fake_basic = false;
        }
        if fake_basic && user_file.is_none() {
            findings.push(at(
                fake_line,
                "SSLOptions",
                FindingKind::NotCarriedOver,
                format!("+FakeBasicAuth at {path}: no AuthUserFile applies here"),
            ));
            fake_basic = false;
        }
        if let Some((f, _)) = &user_file {
            if digest {
                let _ = writeln!(out, "digest_file = {}", toml_out::string(f));
            } else if !schemes.is_empty() || fake_basic {
                let _ = writeln!(out, "user_file = {}", toml_out::string(f));
            }
        }

        // The access phase (mod_ssl's certificate rules).
        let mut exprs: Vec<String> = c.ssl_require.clone();
        if exprs.is_empty() && c.ssl_require_ssl == Some(true) {
            // The demo's certificate rules fail without TLS; `true` is the rule that
            // holds on every TLS request (SSLRequireSSL).
            exprs.push("true".into());
        }
        let cert_required = have_tls
            && c.verify_client
                .as_ref()
                .is_some_and(|(l, _)| l == "require");
        // `Satisfy any` with no access-phase rule: httpd's access phase passes (no rule
        // refuses), which under `Satisfy any` serves the request without authentication.
        let open_by_satisfy = match &c.satisfy {
            Some((s, line)) if s == "any" && exprs.is_empty() && !cert_required => Some(*line),
            _ => None,
        };

        // Require lines, then the checks the demo's loader makes.
        let mut require: Vec<(String, usize)> = Vec::new();
        let mut require_line = anchor;
        let mut dropped = false;
        if let Some(set) = &c.require {
            require.clone_from(&set.lines);
            require_line = set.line;
            dropped = set.dropped;
        }
        let has_user_source = !schemes.is_empty() || fake_basic;
        let mut kept = Vec::new();
        if let Some(line) = open_by_satisfy {
            findings.push(at(
                line,
                "Satisfy",
                FindingKind::Note,
                format!("location {path}: Satisfy any with no access rule (SSLRequire, SSLRequireSSL, SSLVerifyClient require) lets every request in without credentials in httpd, as httpd's access phase then passes; the demo does the same (require = [\"all granted\"])"),
            ));
            require.clear();
            dropped = false;
            kept.push("all granted".to_owned());
        }
        for (r, line) in require {
            let parsed = httpauth::Require::parse(&r);
            let needs_user = parsed.as_ref().is_ok_and(httpauth::Require::needs_user);
            let needs_group = r
                .split_whitespace()
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("group"));
            if needs_user && !has_user_source {
                findings.push(at(
                    line,
                    "Require",
                    FindingKind::NotCarriedOver,
                    format!("{r}: no authentication scheme applies at {path} (httpd answers 500)"),
                ));
                dropped = true;
            } else if needs_group && c.group_file.is_none() {
                findings.push(at(
                    line,
                    "Require",
                    FindingKind::NotCarriedOver,
                    format!("{r}: no AuthGroupFile applies at {path}"),
                ));
                dropped = true;
            } else {
                kept.push(r);
            }
        }
        let group_used = kept.iter().any(|r| {
            r.split_whitespace()
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("group"))
        });
        if group_used && let Some(g) = &c.group_file {
            let _ = writeln!(out, "group_file = {}", toml_out::string(g));
        }
        if digest {
            let algs = c
                .digest_algorithms
                .clone()
                .unwrap_or_else(|| vec!["MD5".to_owned()]);
            let _ = writeln!(out, "digest_algorithms = {}", toml_out::array(&algs));
        }
        if kept.is_empty() && dropped {
            findings.push(at(
                require_line,
                "Require",
                FindingKind::Changed,
                format!("location {path}: none of its Require lines could be carried over, so it denies every request (require = [\"all denied\"])"),
            ));
            kept.push("all denied".into());
        } else if kept.is_empty() && (has_user_source) {
            // httpd 2.4 without any Require line grants access without asking for
            // credentials; the demo's default would be valid-user.
            kept.push("all granted".into());
            if let Some((_, line)) = scheme {
                findings.push(at(
                    line,
                    "AuthType",
                    FindingKind::Note,
                    format!("location {path} has no Require line: httpd asks for no credentials there, so neither does the demo (require = [\"all granted\"])"),
                ));
            }
        }
        if !kept.is_empty() {
            let _ = writeln!(out, "require = {}", toml_out::array(&kept));
        }
        if let Some((s, _)) = &c.satisfy {
            let _ = writeln!(out, "satisfy = {}", toml_out::string(s));
        }

        // Certificate rules.
        if let Some((level, line)) = &c.verify_client
            && level != "none"
        {
            if !have_tls {
                findings.push(at(
                    *line,
                    "SSLVerifyClient",
                    FindingKind::NotCarriedOver,
                    format!("{level} at {path}: the fragment has no TLS listener, so no certificate can be asked for"),
                ));
            } else if level == "require" {
                let _ = writeln!(out, "client_certificate = true");
            }
        }
        match exprs.len() {
            0 => {}
            1 => {
                let _ = writeln!(out, "ssl_require = {}", toml_out::string(exprs[0].trim()));
            }
            _ => {
                let joined = exprs
                    .iter()
                    .map(|e| format!("({})", e.trim()))
                    .collect::<Vec<_>>()
                    .join(" and ");
                let _ = writeln!(out, "ssl_require = {}", toml_out::string(&joined));
            }
        }
        if fake_basic {
            let _ = writeln!(out, "fake_basic_auth = true");
        }
        if strict {
            let _ = writeln!(out, "strict_require = true");
        }

        // Content. An https:// upstream needs the CA bundle that verifies it (the demo
        // uses no system trust store).
        let mut proxy = c.proxy.clone();
        if let Some(p) = &proxy
            && p.to_ascii_lowercase().starts_with("https://")
            && self.tls.proxy_ca.is_none()
        {
            findings.push(at(
                anchor,
                "ProxyPass",
                FindingKind::NotCarriedOver,
                format!("location {path}: the https:// upstream needs SSLProxyCACertificateFile (the demo uses no system trust store)"),
            ));
            proxy = None;
        }
        if let Some(p) = &proxy {
            let _ = writeln!(out, "proxy = {}", toml_out::string(p));
            if p.to_ascii_lowercase().starts_with("https://")
                && let Some(ca) = &self.tls.proxy_ca
            {
                let _ = writeln!(out, "upstream_ca = {}", toml_out::string(ca));
            }
            if let Some(h) = &c.user_header {
                let _ = writeln!(out, "proxy_user_header = {}", toml_out::string(h));
            }
            if !c.cert_headers.is_empty() {
                let _ = writeln!(out, "[location.proxy_cert_headers]");
                for (h, v) in &c.cert_headers {
                    let _ = writeln!(out, "{} = {}", toml_out::key(h), toml_out::string(v));
                }
            }
        } else {
            if c.user_header.is_some() || !c.cert_headers.is_empty() {
                findings.push(at(
                    anchor,
                    "RequestHeader",
                    FindingKind::NotCarriedOver,
                    format!("location {path} has no ProxyPass: request header fields only reach an upstream"),
                ));
            }
            if let Some(root) = &self.document_root {
                let dir = if path == "/" {
                    root.clone()
                } else {
                    root.join(&path[1..])
                };
                let _ = writeln!(
                    out,
                    "static_dir = {}",
                    toml_out::string(&dir.display().to_string())
                );
            }
        }
        self.findings.extend(findings);
        out
    }
}

/// `ServerRoot` and the first `DocumentRoot` at the top level, in `<VirtualHost>` or
/// `<IfModule>` (they apply to every path in the fragment whatever the order of lines).
fn prescan(nodes: &[Node], server_root: &mut Option<PathBuf>, doc_root: &mut Option<String>) {
    for n in nodes {
        match &n.body {
            Some(body) if n.is("VirtualHost") || n.is("IfModule") => {
                prescan(body, server_root, doc_root);
            }
            Some(_) => {}
            None => {
                let first = words(&n.args)
                    .ok()
                    .and_then(|w| w.into_iter().next())
                    .unwrap_or_default();
                if n.is("ServerRoot") && server_root.is_none() {
                    *server_root = Some(PathBuf::from(first));
                } else if n.is("DocumentRoot") && doc_root.is_none() {
                    *doc_root = Some(first);
                }
            }
        }
    }
}

/// Number of directives in a section body (recursively), for report reasons.
fn count(body: &[Node]) -> usize {
    body.iter()
        .map(|n| n.body.as_deref().map_or(1, count))
        .sum()
}

/// First word and the rest.
fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim();
    match s.find(|c: char| c.is_ascii_whitespace()) {
        Some(i) => (&s[..i], s[i..].trim()),
        None => (s, ""),
    }
}

/// A non-`expr` `Require` line as the demo wants it: httpd splits the provider's arguments
/// with `ap_getword_conf` (quotes removed); the demo splits on white space, so an
/// argument holding white space cannot be carried over.
fn require_line(args: &str) -> Result<String, String> {
    let w = words(args).map_err(|e| e.to_string())?;
    if w.iter()
        .any(|a| a.is_empty() || a.contains(char::is_whitespace))
    {
        return Err("an argument with white space (or empty) cannot be expressed: the demo splits Require arguments on white space".into());
    }
    Ok(w.join(" "))
}

/// Whether a demo `require` line is one the demo takes in a location's list.
fn check_require(line: &str) -> Result<(), String> {
    let (word, _) = split_word(line);
    if word.eq_ignore_ascii_case("not") {
        return Err("Require not needs <RequireAll>, which the demo's require list (alternatives) cannot express".into());
    }
    match httpauth::Require::parse(line) {
        Ok(_) => Ok(()),
        Err(httpauth::access::RequireError::UnknownProvider(p)) => Err(format!(
            "the provider {p:?} is not supported by the demo (valid-user, user, group, ip, host, method, expr, all, ssl, ssl-verify-client are)"
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// The lines of a `<RequireAny>` (flattened: alternatives of alternatives are
/// alternatives), a `<RequireAll>` of one line, or the reason it cannot be expressed.
fn flatten_any(n: &Node, out: &mut Vec<(String, usize)>) -> Result<(), String> {
    let body = n.body.as_deref().unwrap_or(&[]);
    if n.is("RequireNone") {
        return Err("<RequireNone> is a negation, which the demo's require list (alternatives) cannot express".into());
    }
    if n.is("RequireAll") && body.len() != 1 {
        return Err(format!(
            "a <RequireAll> of {} lines cannot be expressed: the demo's require lines are alternatives",
            body.len()
        ));
    }
    for c in body {
        match &c.body {
            Some(_) if c.is("RequireAny") || c.is("RequireAll") || c.is("RequireNone") => {
                flatten_any(c, out)?;
            }
            Some(_) if c.is("IfModule") => flatten_any(c, out)?,
            None if c.is("Require") => {
                let (word, rest) = split_word(&c.args);
                let line = if word.eq_ignore_ascii_case("expr") {
                    format!("expr {rest}")
                } else {
                    require_line(&c.args)?
                };
                out.push((line, c.line));
            }
            _ => {
                return Err(format!(
                    "{} at line {} inside an authorization container is not supported",
                    c.name, c.line
                ));
            }
        }
    }
    Ok(())
}

/// `Listen [addr:]port` as a socket address.
fn listen_address(a: &str) -> Option<String> {
    let addr = if a.bytes().all(|b| b.is_ascii_digit()) {
        format!("0.0.0.0:{a}")
    } else {
        a.to_owned()
    };
    addr.parse::<std::net::SocketAddr>()
        .ok()
        .map(|s| s.to_string())
}

#[cfg(test)]
mod tests;
