//! A Squid forward proxy for proxy-authentication tests.

use crate::process::{Peer, StartError, wait_listening};
use crate::{
    free_port, make_public_dir, read_or_empty, running_as_root, tail, temp_dir, user_exists,
    write_public,
};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub(crate) const SQUID: &str = "/usr/sbin/squid";
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A running Squid (`squid -N`, no cache) on a free 127.0.0.1 port in an
/// `httpauth-test-squid-*` directory, in its own process group with its authentication
/// helpers. Dropped: SIGKILL to the group at once (a SIGTERM costs a second even with
/// `shutdown_lifetime 0`, and there is nothing to save).
#[derive(Debug)]
pub struct Squid {
    peer: Peer,
    addr: SocketAddr,
    logs: PathBuf,
    dir: tempfile::TempDir,
}

impl Squid {
    /// Starts Squid with the harness's part of `squid.conf` (port, pid file, logs in
    /// `logs/` of the directory, no cache, no pinger, no netdb, `shutdown_lifetime 0`)
    /// followed by what `auth` returns for the directory: the `auth_param`, `acl` and
    /// `http_access` lines (`auth` may write password files there, world-readable). The
    /// configuration is checked with `squid -k parse` first. Retries (twice, with a new
    /// port and directory) when the port was taken.
    ///
    /// # Panics
    /// When Squid is not installed (call [`crate::require_peer`]`("squid")` first),
    /// refuses the configuration, exits, or does not listen within 20 s; the message holds
    /// its stderr and cache.log.
    pub fn start(mut auth: impl FnMut(&Path) -> String) -> Squid {
        let mut last = String::new();
        for _ in 0..3 {
            match Self::try_start(&mut auth) {
                Ok(squid) => return squid,
                Err(e) if e.contains("Address already in use") => last = e,
                Err(e) => panic!("{e}"),
            }
        }
        panic!("{last}");
    }

    fn try_start(auth: &mut impl FnMut(&Path) -> String) -> Result<Squid, String> {
        let dir = temp_dir("squid");
        let root = dir.path();
        let logs = root.join("logs");
        make_public_dir(&logs);
        if running_as_root() && user_exists("proxy") {
            // Squid switches to its effective user `proxy` before it writes logs.
            let st = Command::new("chown").arg("proxy").arg(&logs).status();
            assert!(
                st.is_ok_and(|s| s.success()),
                "chown proxy {}",
                logs.display()
            );
        }
        let body = auth(root);
        let port = free_port();
        let l = logs.display();
        let conf = format!(
            "# Written by httpauth-test-kit: a forward proxy for tests, no cache.\n\
             http_port 127.0.0.1:{port}\nvisible_hostname squid-peer\n\
             pid_filename {l}/squid.pid\ncache_log {l}/cache.log\n\
             access_log stdio:{l}/access.log squid\ncache_store_log none\ncoredump_dir {l}\n\
             netdb_filename none\nlogfile_rotate 0\npinger_enable off\n\
             max_filedescriptors 1024\ncache_mem 1 MB\ncache deny all\n\
             shutdown_lifetime 0 seconds\n{body}"
        );
        let conf_path = root.join("squid.conf");
        write_public(&conf_path, &conf);
        let parse = Command::new(SQUID)
            .args(["-k", "parse", "-f"])
            .arg(&conf_path)
            .output()
            .expect("run squid -k parse");
        if !parse.status.success() {
            return Err(format!(
                "squid -k parse {} failed ({}):\n{}{}\n--- squid.conf\n{conf}",
                conf_path.display(),
                parse.status,
                String::from_utf8_lossy(&parse.stdout),
                String::from_utf8_lossy(&parse.stderr),
            ));
        }
        let stderr = std::fs::File::create(root.join("stderr.log")).unwrap();
        let peer = Peer::spawn(
            "squid",
            Command::new(SQUID)
                .arg("-N")
                .arg("-f")
                .arg(&conf_path)
                .stdout(stderr.try_clone().unwrap())
                .stderr(stderr),
            Duration::ZERO,
        );
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut squid = Squid {
            peer,
            addr,
            logs,
            dir,
        };
        match wait_listening(&mut squid.peer, &[addr], START_TIMEOUT) {
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
                    tail(&squid.cache_log(), 30)
                ))
            }
        }
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT`, for `curl -x` or a client's proxy setting.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The directory `auth` wrote its files into.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The access log so far (Squid's native format: the user name is the 8th field).
    pub fn access_log(&self) -> String {
        read_or_empty(&self.logs.join("access.log"))
    }

    /// Squid's cache.log so far (diagnostics).
    pub fn cache_log(&self) -> String {
        read_or_empty(&self.logs.join("cache.log"))
    }
}
