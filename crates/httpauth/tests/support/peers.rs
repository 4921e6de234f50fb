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

use std::collections::HashSet;
use std::fs;
use std::io::{Read as _, Write as _};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

const SQUID: &str = "/usr/sbin/squid";
const SQUID_BASIC_HELPER: &str = "/usr/lib/squid/basic_ncsa_auth";
const SQUID_DIGEST_HELPER: &str = "/usr/lib/squid/digest_file_auth";
const APACHE: &str = "/usr/sbin/apache2";
const APACHE_MODULES: &str = "/usr/lib/apache2/modules";

/// How long a peer may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------
// Shared helpers

/// Fails the test, naming the Debian package, when `tool` (a path or a command name) is
/// not installed.
pub fn require_tool(tool: &str, package: &str) {
    let found = Path::new(tool).is_file()
        || Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .output()
            .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "peer tool `{tool}` is not installed; these tests use real peers and do not skip: \
         apt-get install {package}"
    );
}

/// A free 127.0.0.1 port, never the same twice in this process (parallel tests).
fn free_port() -> u16 {
    static GIVEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    let given = given.get_or_insert_with(HashSet::new);
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if given.insert(port) {
            return port;
        }
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn user_exists(user: &str) -> bool {
    Command::new("id")
        .arg("-u")
        .arg(user)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A temporary directory others may read (the peers drop privileges when run as root).
fn shared_tempdir(prefix: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// Writes a world-readable file.
fn write_public(path: &Path, contents: &str) {
    fs::write(path, contents).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o644)).unwrap();
}

fn make_public_dir(path: &Path) {
    fs::create_dir_all(path).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

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

fn read_or_empty(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_default()
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// `kill -SIG target` (a pid, or `-pgid` for a process group); errors ignored.
fn signal(sig: &str, target: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{sig}"), "--", target])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Waits for `child` to exit, at most `limit`; `true` when it did.
fn wait_for_exit(child: &mut Child, limit: Duration) -> bool {
    let start = Instant::now();
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return true;
        }
        if start.elapsed() >= limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Stops a peer started in its own process group: SIGTERM to the process, then SIGKILL
/// to the whole group (helpers, workers), and reaps it.
fn stop(child: &mut Child, grace: Duration) {
    let pid = child.id().to_string();
    if !grace.is_zero() {
        signal("TERM", &pid);
        if wait_for_exit(child, grace) {
            // Leftover helpers or workers of the group, if any.
            signal("KILL", &format!("-{pid}"));
            return;
        }
    }
    signal("KILL", &format!("-{pid}"));
    let _ = child.kill();
    let _ = child.wait();
}

/// Why waiting for a peer to listen failed.
enum StartError {
    /// The process exited (status); the caller reads its logs.
    Exited(String),
    TimedOut,
}

/// Waits until `addr` accepts connections while `child` runs.
fn wait_listening(child: &mut Child, addr: SocketAddr) -> Result<(), StartError> {
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(StartError::Exited(status.to_string()));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            // The port might be someone else's: make sure our process did not just exit
            // on a failed bind.
            std::thread::sleep(Duration::from_millis(20));
            if let Ok(Some(status)) = child.try_wait() {
                return Err(StartError::Exited(status.to_string()));
            }
            return Ok(());
        }
        if start.elapsed() >= START_TIMEOUT {
            return Err(StartError::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
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
    child: Child,
    addr: SocketAddr,
    auth: ProxyAuth,
    /// Squid's logs (owned by `proxy` when running as root).
    logs: PathBuf,
    dir: tempfile::TempDir,
}

impl Squid {
    /// Starts Squid; panics (naming the package) when it is not installed, and with the
    /// tail of its cache.log when it does not start within 20 s.
    pub fn start(auth: ProxyAuth) -> Squid {
        require_tool(SQUID, "squid");
        let mut last = String::new();
        // A port taken between `free_port` and Squid's bind: try another.
        for _ in 0..3 {
            match Self::try_start(auth) {
                Ok(squid) => return squid,
                Err(e) if e.contains("Address already in use") => last = e,
                Err(e) => panic!("{e}"),
            }
        }
        panic!("{last}");
    }

    fn try_start(auth: ProxyAuth) -> Result<Squid, String> {
        let dir = shared_tempdir("squid-peer");
        let root = dir.path();
        let logs = root.join("logs");
        make_public_dir(&logs);
        if running_as_root() && user_exists("proxy") {
            // Squid switches to its effective user `proxy` before it writes logs.
            run(Command::new("chown").arg("proxy").arg(&logs));
        }
        let auth_lines = match auth {
            ProxyAuth::Basic => {
                require_tool(SQUID_BASIC_HELPER, "squid");
                require_tool("htpasswd", "apache2-utils");
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
                require_tool(SQUID_DIGEST_HELPER, "squid");
                let file = root.join("digest-passwd");
                write_public(&file, &format!("{PROXY_USER}:{PROXY_PASSWORD}\n"));
                format!(
                    "auth_param digest program {SQUID_DIGEST_HELPER} {}\n\
                     auth_param digest children 2 startup=1 idle=1\n\
                     auth_param digest realm {PROXY_REALM}\n",
                    file.display()
                )
            }
        };
        let port = free_port();
        let (r, l) = (root.display(), logs.display());
        let conf = format!(
            r#"# A forward proxy for tests: authentication required, no cache.
http_port 127.0.0.1:{port}
visible_hostname squid-peer
pid_filename {l}/squid.pid
cache_log {l}/cache.log
access_log stdio:{l}/access.log squid
coredump_dir {l}
netdb_filename none
logfile_rotate 0
pinger_enable off
max_filedescriptors 1024
cache_mem 1 MB
cache deny all
shutdown_lifetime 0 seconds
{auth_lines}
acl from_here src 127.0.0.1/32
acl authenticated proxy_auth REQUIRED
# Unlike Squid's default configuration, no `to_localhost` denial and no Safe_ports:
# the origins of the tests are on 127.0.0.1, on any port.
http_access deny !from_here
http_access allow authenticated
http_access deny all
"#
        );
        let conf_path = root.join("squid.conf");
        write_public(&conf_path, &conf);
        let parse = Command::new(SQUID)
            .arg("-k")
            .arg("parse")
            .arg("-f")
            .arg(&conf_path)
            .output()
            .expect("run squid -k parse");
        if !parse.status.success() {
            return Err(format!(
                "squid -k parse {r}/squid.conf failed ({}):\n{}{}\n--- squid.conf\n{conf}",
                parse.status,
                String::from_utf8_lossy(&parse.stdout),
                String::from_utf8_lossy(&parse.stderr),
            ));
        }
        let stderr = fs::File::create(root.join("stderr.log")).unwrap();
        let child = Command::new(SQUID)
            .arg("-N")
            .arg("-f")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(stderr.try_clone().unwrap())
            .stderr(stderr)
            // Its own process group, with its auth helpers: killed together.
            .process_group(0)
            .spawn()
            .expect("start squid");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut squid = Squid {
            child,
            addr,
            auth,
            logs,
            dir,
        };
        match wait_listening(&mut squid.child, addr) {
            Ok(()) => Ok(squid),
            Err(e) => {
                let what = match e {
                    StartError::Exited(status) => format!("squid exited ({status})"),
                    StartError::TimedOut => {
                        format!("squid did not listen on {addr} within {START_TIMEOUT:?}")
                    }
                };
                Err(format!(
                    "{what}\n--- stderr\n{}\n--- cache.log (tail)\n{}",
                    tail(&read_or_empty(&squid.dir.path().join("stderr.log")), 20),
                    tail(&read_or_empty(&squid.logs.join("cache.log")), 30)
                ))
            }
        }
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for `curl -x` or a client's proxy setting.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The scheme this Squid asks for.
    pub fn auth(&self) -> ProxyAuth {
        self.auth
    }

    /// The access log so far (native format: the user name is the 8th field). Its first
    /// line is usually the readiness probe (`error:transaction-end-before-headers`).
    pub fn log(&self) -> String {
        read_or_empty(&self.logs.join("access.log"))
    }

    /// The access log once `done` holds for it (or 5 s later, as it is then).
    pub fn log_until(&self, done: impl Fn(&str) -> bool) -> String {
        wait_until(|| self.log(), done)
    }

    /// Squid's cache.log so far (diagnostics).
    pub fn cache_log(&self) -> String {
        read_or_empty(&self.logs.join("cache.log"))
    }
}

impl Drop for Squid {
    fn drop(&mut self) {
        // Nothing to save: kill Squid and its helpers at once (a SIGTERM costs a second
        // even with `shutdown_lifetime 0`).
        stop(&mut self.child, Duration::ZERO);
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
    child: Child,
    addr: SocketAddr,
    dir: tempfile::TempDir,
}

impl Apache {
    /// Starts Apache; panics naming the package when a tool is missing, with `apache2 -t`'s
    /// output when the configuration is refused, and with the error log when it does not
    /// start within 20 s.
    pub fn start_digest() -> Apache {
        require_tool(APACHE, "apache2");
        require_tool("htpasswd", "apache2-utils");
        require_tool("htdigest", "apache2-utils");
        require_tool("python3", "python3");
        let mut last = String::new();
        for _ in 0..3 {
            match Self::try_start() {
                Ok(apache) => return apache,
                Err(e) if e.contains("Address already in use") => last = e,
                Err(e) => panic!("{e}"),
            }
        }
        panic!("{last}");
    }

    fn try_start() -> Result<Apache, String> {
        let dir = shared_tempdir("apache-peer");
        let root = dir.path();
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

        let port = free_port();
        let user_group = if !running_as_root() {
            ""
        } else if user_exists("www-data") {
            "User www-data\nGroup www-data\n"
        } else {
            "User nobody\nGroup nogroup\n"
        };
        let m = APACHE_MODULES;
        let (r, d) = (root.display(), docs.display());
        let (df, bf) = (digest_file.display(), basic_file.display());
        let conf = format!(
            r#"ServerRoot "{r}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile "{r}/httpd.pid"
ErrorLog "{r}/error.log"
LogLevel info
DefaultRuntimeDir "{r}"
Mutex file:{r} default
{user_group}
LoadModule mpm_prefork_module {m}/mod_mpm_prefork.so
LoadModule authn_core_module {m}/mod_authn_core.so
LoadModule authn_file_module {m}/mod_authn_file.so
LoadModule authz_core_module {m}/mod_authz_core.so
LoadModule authz_user_module {m}/mod_authz_user.so
LoadModule auth_basic_module {m}/mod_auth_basic.so
LoadModule auth_digest_module {m}/mod_auth_digest.so
LoadModule alias_module {m}/mod_alias.so
LoadModule mime_module {m}/mod_mime.so
LoadModule dir_module {m}/mod_dir.so
StartServers 2
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
        );
        let conf_path = root.join("httpd.conf");
        write_public(&conf_path, &conf);
        let check = Command::new(APACHE)
            .arg("-t")
            .arg("-f")
            .arg(&conf_path)
            .output()
            .expect("run apache2 -t");
        if !check.status.success() {
            return Err(format!(
                "apache2 -t refused {r}/httpd.conf ({}):\n{}{}\n--- httpd.conf\n{conf}",
                check.status,
                String::from_utf8_lossy(&check.stdout),
                String::from_utf8_lossy(&check.stderr),
            ));
        }
        let stderr = fs::File::create(root.join("stderr.log")).unwrap();
        let child = Command::new(APACHE)
            .arg("-DFOREGROUND")
            .arg("-f")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(stderr.try_clone().unwrap())
            .stderr(stderr)
            // Its own process group: httpd signals its group on SIGTERM.
            .process_group(0)
            .spawn()
            .expect("start apache2");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut apache = Apache { child, addr, dir };
        match wait_listening(&mut apache.child, addr) {
            Ok(()) => Ok(apache),
            Err(e) => {
                let what = match e {
                    StartError::Exited(status) => format!("apache2 exited ({status})"),
                    StartError::TimedOut => {
                        format!("apache2 did not listen on {addr} within {START_TIMEOUT:?}")
                    }
                };
                Err(format!(
                    "{what}\n--- stderr\n{}\n--- error.log (tail)\n{}",
                    tail(&read_or_empty(&apache.dir.path().join("stderr.log")), 20),
                    tail(&apache.error_log(), 30)
                ))
            }
        }
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT{path}` (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The error log so far (LogLevel info: mod_auth_digest's reasons for a 401).
    pub fn error_log(&self) -> String {
        read_or_empty(&self.dir.path().join("error.log"))
    }

    /// The access log so far, one line per request: `%u "%r" %>s` (user or `-`, request
    /// line, final status), e.g. `dave "GET /digest/hello.txt HTTP/1.1" 200`.
    pub fn access_log(&self) -> String {
        read_or_empty(&self.dir.path().join("access.log"))
    }

    /// The access log once `done` holds for it (or 5 s later, as it is then).
    pub fn access_log_until(&self, done: impl Fn(&str) -> bool) -> String {
        wait_until(|| self.access_log(), done)
    }
}

impl Drop for Apache {
    fn drop(&mut self) {
        stop(&mut self.child, Duration::from_secs(5));
    }
}

/// Writes `file` (created) with Apache's own `htdigest`, which reads the password from
/// the terminal: driven through a pty by authfile's `pty_htdigest.py`.
fn htdigest(file: &Path, realm: &str, user: &str, password: &str) {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../authfile/tests/data/pty_htdigest.py"
    );
    run(Command::new("python3")
        .arg(script)
        .arg(password)
        .arg("-c")
        .arg(file)
        .args([realm, user]));
    let text = read_or_empty(file);
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
