//! Real peers for client-side authentication tests: a Squid proxy asking for Basic or
//! Digest proxy authentication, an Apache httpd 2.4 with mod_auth_digest and
//! mod_auth_basic locations, and a tiny origin server on a std `TcpListener`.
//!
//! Include it from a test file with
//! `#[path = "support/peers.rs"] mod peers;`.
//!
//! Every peer is a separate process (or thread) on a free 127.0.0.1 port with its own
//! temporary directory, so several tests of one binary can start their own in parallel.
//! Dropping a peer stops it and waits for it. Nothing is skipped: a missing peer fails
//! the test with the Debian package to install (`apt-get install squid apache2
//! apache2-utils`).
//!
//! Running as root (CI), Squid drops privileges to `proxy` and Apache's children run as
//! `www-data`: the temporary directories and files they read are world-readable, and the
//! directory Squid writes its logs into belongs to `proxy`.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs
)]

use httpauth_test_kit::{self as kit, make_public_dir, must_have, write_public};
use std::fs;
use std::io::{Read as _, Write as _};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Squid's user (both schemes).
pub const PROXY_USER: &str = "carol";
/// Squid's password for [`PROXY_USER`].
pub const PROXY_PASSWORD: &str = "proxy-pw";
/// Squid's realm (both schemes).
pub const PROXY_REALM: &str = "squid-proxy";

/// Apache's user (both locations).
pub const APACHE_USER: &str = "dave";
/// Apache's password for [`APACHE_USER`].
pub const APACHE_PASSWORD: &str = "apache-pw";
/// The realm of Apache's `/digest/` location.
pub const APACHE_DIGEST_REALM: &str = "apache-digest";
/// The realm of Apache's `/basic/` location.
pub const APACHE_BASIC_REALM: &str = "apache-basic";
/// The body of Apache's `hello.txt` files.
pub const APACHE_HELLO: &str = "hello from apache\n";
/// The body [`Origin`] answers with.
pub const ORIGIN_BODY: &str = "origin ok\n";

const SQUID_BASIC_HELPER: &str = "/usr/lib/squid/basic_ncsa_auth";
const SQUID_DIGEST_HELPER: &str = "/usr/lib/squid/digest_file_auth";

// ---------------------------------------------------------------------------------------
// Shared helpers (the process harness and the peer rule are httpauth-test-kit's)

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Polls `read` until `done` holds for its text (bounded: 5 s), and returns the text.
/// Peers write their access log after answering, so a client may be faster than the log.
fn wait_until(read: impl Fn() -> String, done: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let text = read();
        if done(&text) || start.elapsed() > Duration::from_secs(5) {
            return text;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------------------
// Squid

/// The scheme Squid asks for in `Proxy-Authenticate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyAuth {
    /// `basic_ncsa_auth` over an htpasswd file (bcrypt, by Apache's `htpasswd`).
    Basic,
    /// `digest_file_auth` over a plain `user:password` file.
    Digest,
}

/// A running Squid (`squid -N`), a forward proxy without cache that requires
/// [`PROXY_USER`] / [`PROXY_PASSWORD`] for every request from 127.0.0.1 and forwards
/// plain http to any origin, 127.0.0.1 on any port included.
pub struct Squid {
    squid: kit::Squid,
    auth: ProxyAuth,
}

impl Squid {
    /// Starts Squid; panics (naming the package) when it is not installed, and with the
    /// tail of its cache.log when it does not start within 20 s.
    pub fn start(auth: ProxyAuth) -> Squid {
        must_have("squid");
        match auth {
            ProxyAuth::Basic => {
                must_have(SQUID_BASIC_HELPER);
                must_have("htpasswd");
            }
            ProxyAuth::Digest => must_have(SQUID_DIGEST_HELPER),
        }
        let squid = kit::Squid::start(|root| {
            let auth_lines = match auth {
                ProxyAuth::Basic => {
                    let file = root.join("passwd");
                    run(Command::new("htpasswd")
                        .args(["-c", "-b", "-B", "-C", "5"])
                        .arg(&file)
                        .args([PROXY_USER, PROXY_PASSWORD]));
                    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
                    format!(
                        "auth_param basic program {SQUID_BASIC_HELPER} {}\n\
                         auth_param basic children 2 startup=1 idle=1\n\
                         auth_param basic realm {PROXY_REALM}\n",
                        file.display()
                    )
                }
                ProxyAuth::Digest => {
                    let file = root.join("digest-passwd");
                    write_public(&file, format!("{PROXY_USER}:{PROXY_PASSWORD}\n"));
                    format!(
                        "auth_param digest program {SQUID_DIGEST_HELPER} {}\n\
                         auth_param digest children 2 startup=1 idle=1\n\
                         auth_param digest realm {PROXY_REALM}\n",
                        file.display()
                    )
                }
            };
            format!(
                r#"{auth_lines}
acl from_here src 127.0.0.1/32
acl authenticated proxy_auth REQUIRED
# Unlike Squid's default configuration, no `to_localhost` denial and no Safe_ports:
# the origins of the tests are on 127.0.0.1, on any port.
http_access deny !from_here
http_access allow authenticated
http_access deny all
"#
            )
        });
        Squid { squid, auth }
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.squid.addr()
    }

    /// `http://127.0.0.1:PORT`, for `curl -x` or a client's proxy setting.
    pub fn url(&self) -> String {
        self.squid.url()
    }

    /// The scheme this Squid asks for.
    pub fn auth(&self) -> ProxyAuth {
        self.auth
    }

    /// The access log so far (native format: the user name is the 8th field). Its first
    /// line is usually the readiness probe (`error:transaction-end-before-headers`).
    pub fn log(&self) -> String {
        self.squid.access_log()
    }

    /// The access log once `done` holds for it (or 5 s later, as it is then).
    pub fn log_until(&self, done: impl Fn(&str) -> bool) -> String {
        wait_until(|| self.log(), done)
    }

    /// Squid's cache.log so far (diagnostics).
    pub fn cache_log(&self) -> String {
        self.squid.cache_log()
    }
}

// ---------------------------------------------------------------------------------------
// Apache

/// A running Apache httpd 2.4 (`apache2 -DFOREGROUND -f conf`, prefork) serving:
///
/// - `/digest/hello.txt`: mod_auth_digest, realm [`APACHE_DIGEST_REALM`], user file by
///   Apache's `htdigest`, default nonce lifetime (300 s), `AuthDigestDomain /digest/`;
/// - `/basic/hello.txt`: mod_auth_basic, realm [`APACHE_BASIC_REALM`], bcrypt htpasswd;
/// - `/open/hello.txt`: no authentication;
/// - `/open/redirect`: a 302 to `/digest/hello.txt` on the same origin.
///
/// The user is [`APACHE_USER`] / [`APACHE_PASSWORD`]; every hello.txt holds
/// [`APACHE_HELLO`].
pub struct Apache {
    apache: kit::Apache,
}

impl Apache {
    /// Starts Apache; panics naming the package when a tool is missing, and with the error
    /// log when it does not start within 20 s.
    pub fn start_digest() -> Apache {
        must_have("apache2");
        must_have("htpasswd");
        must_have("htdigest");
        must_have("python3");
        let apache = kit::Apache::builder(&[
            "authn_core",
            "authn_file",
            "authz_core",
            "authz_user",
            "auth_basic",
            "auth_digest",
            "alias",
            "mime",
            "dir",
        ])
        .start(|site| {
            let root = site.root();
            let docs = root.join("htdocs");
            for sub in ["digest", "basic", "open"] {
                make_public_dir(&docs.join(sub));
                write_public(&docs.join(sub).join("hello.txt"), APACHE_HELLO);
            }
            let digest_file = root.join("htdigest");
            htdigest(
                &digest_file,
                APACHE_DIGEST_REALM,
                APACHE_USER,
                APACHE_PASSWORD,
            );
            fs::set_permissions(&digest_file, fs::Permissions::from_mode(0o644)).unwrap();
            let basic_file = root.join("htpasswd");
            run(Command::new("htpasswd")
                .args(["-c", "-b", "-B", "-C", "5"])
                .arg(&basic_file)
                .args([APACHE_USER, APACHE_PASSWORD]));
            fs::set_permissions(&basic_file, fs::Permissions::from_mode(0o644)).unwrap();
            let (r, d) = (root.display(), docs.display());
            let (df, bf) = (digest_file.display(), basic_file.display());
            format!(
                r#"StartServers 2
MinSpareServers 1
MaxSpareServers 4
TypesConfig /etc/mime.types
LogFormat "%u \"%r\" %>s" peers
CustomLog "{r}/access.log" peers
DocumentRoot "{d}"
<Directory "{d}">
    Require all granted
</Directory>
<Location "/digest/">
    AuthType Digest
    AuthName "{APACHE_DIGEST_REALM}"
    AuthDigestProvider file
    AuthUserFile "{df}"
    AuthDigestDomain /digest/
    Require valid-user
</Location>
<Location "/basic/">
    AuthType Basic
    AuthName "{APACHE_BASIC_REALM}"
    AuthBasicProvider file
    AuthUserFile "{bf}"
    Require valid-user
</Location>
Redirect /open/redirect /digest/hello.txt
"#
            )
        });
        Apache { apache }
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.apache.addr()
    }

    /// `http://127.0.0.1:PORT{path}` (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        self.apache.url(path)
    }

    /// The error log so far (LogLevel info: mod_auth_digest's reasons for a 401).
    pub fn error_log(&self) -> String {
        self.apache.error_log()
    }

    /// The access log so far, one line per request: `%u "%r" %>s` (user or `-`, request
    /// line, final status), e.g. `dave "GET /digest/hello.txt HTTP/1.1" 200`.
    pub fn access_log(&self) -> String {
        self.apache.read("access.log")
    }

    /// The access log once `done` holds for it (or 5 s later, as it is then).
    pub fn access_log_until(&self, done: impl Fn(&str) -> bool) -> String {
        wait_until(|| self.access_log(), done)
    }
}

/// Writes `file` (created) with Apache's own `htdigest`, which reads the password from
/// the terminal: driven through a pty by the test kit's `pty_htdigest.py`.
fn htdigest(file: &Path, realm: &str, user: &str, password: &str) {
    let script = httpauth_test_kit::pty_htdigest_script();
    run(Command::new("python3")
        .arg(script)
        .arg(password)
        .arg("-c")
        .arg(file)
        .args([realm, user]));
    let text = fs::read_to_string(file).unwrap_or_default();
    assert!(
        text.starts_with(&format!("{user}:{realm}:")),
        "htdigest wrote {text:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Origin

/// A tiny HTTP/1.1 origin on a std `TcpListener` thread: every request gets
/// `200 OK` with [`ORIGIN_BODY`] and `Connection: close`; the request heads are kept.
pub struct Origin {
    addr: SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Origin {
    pub fn start() -> Origin {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (Arc::clone(&heads), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                let head = read_head(&mut conn);
                h.lock().unwrap_or_else(|e| e.into_inner()).push(head);
                let _ = conn.write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{ORIGIN_BODY}",
                        ORIGIN_BODY.len()
                    )
                    .as_bytes(),
                );
                let _ = conn.shutdown(Shutdown::Write);
            }
        });
        Origin {
            addr,
            heads,
            stop,
            thread: Some(thread),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The request heads received so far (request line and header fields).
    pub fn requests(&self) -> Vec<String> {
        self.heads.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads up to the blank line ending a request head (the tests send no bodies).
fn read_head(conn: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
        match conn.read(&mut byte) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&byte[..n]),
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}
