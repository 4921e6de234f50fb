//! A private Apache httpd 2.4 for interop tests.

use crate::process::{Peer, StartError, wait_listening};
use crate::{free_port, read_or_empty, running_as_root, tail, temp_dir, user_exists, write_public};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Where Debian and Fedora put httpd and its modules; `HTTPAUTH_TEST_APACHE2` and
/// `HTTPAUTH_TEST_APACHE_MODULES` override them.
const BINARIES: &[&str] = &["/usr/sbin/apache2", "/usr/sbin/httpd"];
const MODULE_DIRS: &[&str] = &[
    "/usr/lib/apache2/modules",
    "/usr/lib64/httpd/modules",
    "/usr/lib/httpd/modules",
];

/// How long httpd may take to listen on every port.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a SIGTERMed httpd may take to stop its children and exit.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// The httpd binary, if installed.
pub(crate) fn binary() -> Option<PathBuf> {
    std::env::var_os("HTTPAUTH_TEST_APACHE2")
        .map(PathBuf::from)
        .into_iter()
        .chain(BINARIES.iter().map(PathBuf::from))
        .find(|p| p.is_file())
}

/// The directory of httpd's modules, if installed.
pub(crate) fn module_dir() -> Option<PathBuf> {
    std::env::var_os("HTTPAUTH_TEST_APACHE_MODULES")
        .map(PathBuf::from)
        .into_iter()
        .chain(MODULE_DIRS.iter().map(PathBuf::from))
        .find(|p| p.join("mod_authz_core.so").is_file())
}

/// What the configuration callback of [`ApacheBuilder::start`] gets: the ServerRoot (a
/// fresh `httpauth-test-apache-*` directory, 0755) and the ports httpd listens on.
#[derive(Debug, Clone, Copy)]
pub struct ApacheSite<'a> {
    root: &'a Path,
    ports: &'a [u16],
}

impl ApacheSite<'_> {
    /// The ServerRoot: the callback may write documents, password files and
    /// certificates here (world-readable: see [`crate::write_public`]).
    pub fn root(&self) -> &Path {
        self.root
    }

    /// The first (often only) port.
    pub fn port(&self) -> u16 {
        self.ports[0]
    }

    /// Every port, in the order asked for ([`ApacheBuilder::ports`]).
    pub fn ports(&self) -> &[u16] {
        self.ports
    }
}

/// How to start an [`Apache`]: the modules to load, the log level, the number of ports.
#[derive(Debug, Clone)]
pub struct ApacheBuilder {
    mpm: String,
    modules: Vec<String>,
    log_level: String,
    ports: usize,
}

impl ApacheBuilder {
    /// The MPM (`prefork` by default, `event`, `worker`).
    pub fn mpm(mut self, mpm: &str) -> Self {
        mpm.clone_into(&mut self.mpm);
        self
    }

    /// `LogLevel` (default `info`), e.g. `warn ssl:info`.
    pub fn log_level(mut self, level: &str) -> Self {
        level.clone_into(&mut self.log_level);
        self
    }

    /// How many ports httpd listens on (default 1); each gets a `Listen 127.0.0.1:PORT`.
    pub fn ports(mut self, n: usize) -> Self {
        assert!(n >= 1, "httpd needs a port");
        self.ports = n;
        self
    }

    /// Starts httpd in the foreground, in its own process group, with a configuration
    /// made of the harness's part (ServerRoot, ServerName, `Listen` lines, PidFile,
    /// ErrorLog, LogLevel, runtime directory and mutexes in the ServerRoot, `User` and
    /// `Group` when running as root, `LoadModule` for the MPM and each module) followed
    /// by what `site` returns (the documents, locations and module directives). Waits
    /// until every port answers. A port taken by someone else between choosing and
    /// binding it is retried (twice) with new ports and a new ServerRoot, calling `site`
    /// again.
    ///
    /// # Panics
    /// When httpd is not installed (call [`crate::require_peer`]`("apache2")` first), or
    /// exits or does not listen within 20 s: the message holds its stderr and the tail
    /// of its error log.
    pub fn start(self, mut site: impl FnMut(&ApacheSite<'_>) -> String) -> Apache {
        let mut last = String::new();
        for _ in 0..3 {
            match self.try_start(&mut site) {
                Ok(apache) => return apache,
                Err(e) if e.contains("Address already in use") => last = e,
                Err(e) => panic!("{e}"),
            }
        }
        panic!("{last}");
    }

    /// Runs `apache2 -t` on the configuration [`ApacheBuilder::start`] would write (same
    /// harness part, what `site` returns after it) without starting httpd.
    ///
    /// # Errors
    /// httpd's message (its stderr) when it refuses the configuration.
    ///
    /// # Panics
    /// When httpd is not installed or cannot be run.
    pub fn config_test(&self, site: impl FnOnce(&ApacheSite<'_>) -> String) -> Result<(), String> {
        let Written {
            binary, dir, conf, ..
        } = self.write(site);
        let root = dir.path();
        let out = Command::new(&binary)
            .arg("-d")
            .arg(root)
            .arg("-t")
            .arg("-f")
            .arg(&conf)
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/bin")
            .output()
            .expect("run apache2 -t");
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    fn try_start(
        &self,
        site: &mut impl FnMut(&ApacheSite<'_>) -> String,
    ) -> Result<Apache, String> {
        let Written {
            binary,
            dir,
            ports,
            preamble,
            conf,
        } = self.write(site);
        let root = dir.path();
        let stderr = std::fs::File::create(root.join("stderr.log")).unwrap();
        let peer = Peer::spawn(
            "apache2",
            Command::new(&binary)
                .arg("-d")
                .arg(root)
                .arg("-f")
                .arg(&conf)
                .arg("-DFOREGROUND")
                .env_clear()
                .env("PATH", "/usr/sbin:/usr/bin:/bin")
                .stdout(stderr.try_clone().unwrap())
                .stderr(stderr),
            STOP_GRACE,
        );
        let mut apache = Apache {
            peer,
            ports,
            preamble,
            dir,
        };
        let addrs: Vec<SocketAddr> = apache.ports.iter().map(|&p| apache.addr_of(p)).collect();
        match wait_listening(&mut apache.peer, &addrs, START_TIMEOUT) {
            Ok(()) => Ok(apache),
            Err(e) => {
                let what = match e {
                    StartError::Exited(status) => format!("apache2 exited ({status})"),
                    StartError::TimedOut => {
                        format!("apache2 did not listen on {addrs:?} within {START_TIMEOUT:?}")
                    }
                };
                Err(format!(
                    "{what}\n--- stderr\n{}\n--- error.log (tail)\n{}\n--- httpd.conf: {}",
                    tail(&apache.read("stderr.log"), 20),
                    tail(&apache.error_log(), 30),
                    apache.root().join("httpd.conf").display()
                ))
            }
        }
    }

    /// A new ServerRoot with new ports, and its httpd.conf: the harness's part, then what
    /// `site` returns.
    fn write(&self, site: impl FnOnce(&ApacheSite<'_>) -> String) -> Written {
        let binary = binary().expect("apache2 not installed: call require_peer(\"apache2\")");
        let modules = module_dir().expect("apache2 modules not installed");
        let dir = temp_dir("apache");
        let ports: Vec<u16> = (0..self.ports).map(|_| free_port()).collect();
        let preamble = self.preamble(dir.path(), &modules, &ports);
        let body = site(&ApacheSite {
            root: dir.path(),
            ports: &ports,
        });
        let conf = dir.path().join("httpd.conf");
        write_public(&conf, format!("{preamble}{body}"));
        Written {
            binary,
            dir,
            ports,
            preamble,
            conf,
        }
    }

    fn preamble(&self, root: &Path, modules: &Path, ports: &[u16]) -> String {
        let r = root.display();
        let mut conf = format!(
            "# Written by httpauth-test-kit.\n\
             ServerRoot \"{r}\"\nServerName 127.0.0.1\nPidFile \"{r}/httpd.pid\"\n\
             ErrorLog \"{r}/error.log\"\nLogLevel {}\nDefaultRuntimeDir \"{r}\"\n\
             Mutex file:{r} default\n",
            self.log_level
        );
        for port in ports {
            writeln!(conf, "Listen 127.0.0.1:{port}").unwrap();
        }
        if running_as_root() {
            // The children drop privileges; the tests make their files world-readable.
            conf.push_str(if user_exists("www-data") {
                "User www-data\nGroup www-data\n"
            } else {
                "User nobody\nGroup nogroup\n"
            });
        }
        let m = modules.display();
        let mpm = format!("mpm_{}", self.mpm);
        for name in std::iter::once(&mpm).chain(&self.modules) {
            writeln!(conf, "LoadModule {name}_module {m}/mod_{name}.so").unwrap();
        }
        conf
    }
}

/// What [`ApacheBuilder::write`] made.
struct Written {
    binary: PathBuf,
    dir: tempfile::TempDir,
    ports: Vec<u16>,
    preamble: String,
    conf: PathBuf,
}

/// A running Apache httpd 2.4 (`apache2 -DFOREGROUND`) with its own ServerRoot in a
/// temporary directory. Dropped: SIGTERM, waited for (10 s), then SIGKILL to its process
/// group; the directory is removed after that.
///
/// ```no_run
/// use httpauth_test_kit::{Apache, require_peer, write_public};
/// if !require_peer("apache2") {
///     return;
/// }
/// let apache = Apache::builder(&["authz_core"]).start(|site| {
///     let docs = site.root().join("htdocs");
///     httpauth_test_kit::make_public_dir(&docs);
///     write_public(&docs.join("hello.txt"), "hello\n");
///     format!("DocumentRoot \"{0}\"\n<Directory \"{0}\">\n  Require all granted\n</Directory>\n", docs.display())
/// });
/// println!("{}", apache.url("/hello.txt"));
/// ```
#[derive(Debug)]
pub struct Apache {
    // Field order: the process stops before its directory goes.
    peer: Peer,
    ports: Vec<u16>,
    preamble: String,
    dir: tempfile::TempDir,
}

impl Apache {
    /// A builder loading `modules` (names as in `mod_<name>.so`: `ssl`, `authz_core`,
    /// `auth_digest`, ...) besides the MPM.
    pub fn builder(modules: &[&str]) -> ApacheBuilder {
        ApacheBuilder {
            mpm: "prefork".to_owned(),
            modules: modules.iter().map(|&m| m.to_owned()).collect(),
            log_level: "info".to_owned(),
            ports: 1,
        }
    }

    fn addr_of(&self, port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    /// The ServerRoot.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The first port.
    pub fn port(&self) -> u16 {
        self.ports[0]
    }

    /// Every port.
    pub fn ports(&self) -> &[u16] {
        &self.ports
    }

    /// `127.0.0.1:PORT` of the first port.
    pub fn addr(&self) -> SocketAddr {
        self.addr_of(self.port())
    }

    /// `http://127.0.0.1:PORT{path}` (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr())
    }

    /// The process id of the parent.
    pub fn pid(&self) -> u32 {
        self.peer.id()
    }

    /// The error log so far (for failure messages).
    pub fn error_log(&self) -> String {
        self.read("error.log")
    }

    /// A file of the ServerRoot as text (empty when it does not exist yet).
    pub fn read(&self, name: &str) -> String {
        read_or_empty(&self.root().join(name))
    }

    /// Replaces the caller's part of the configuration with what `site` returns (the
    /// harness's part, ports included, stays) and makes httpd reread it with a graceful
    /// restart (SIGUSR1). Returns at once: httpd finishes the restart in the background.
    ///
    /// # Panics
    /// When the signal cannot be sent.
    pub fn reconfigure(&mut self, site: impl FnOnce(&ApacheSite<'_>) -> String) {
        let body = site(&ApacheSite {
            root: self.dir.path(),
            ports: &self.ports,
        });
        write_public(
            &self.root().join("httpd.conf"),
            format!("{}{body}", self.preamble),
        );
        assert!(self.peer.signal("USR1"), "graceful restart of apache2");
    }

    /// Stops httpd now (as dropping it does).
    pub fn stop(&mut self) {
        self.peer.stop();
    }
}
