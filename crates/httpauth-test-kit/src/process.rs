//! Server processes in their own process group, stopped with all their children.

use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A server process started in its own process group (pgid = its pid), so that the
/// test can signal it and every worker or helper it forks without signalling itself
/// (Apache's prefork parent signals its whole group on SIGTERM).
///
/// Dropping it stops it: SIGTERM to the process (unless the grace period is zero), a
/// wait of at most the grace period, then SIGKILL to the whole group for whatever is
/// left (the process itself on a timeout, workers that outlived it), and a reap. A
/// SIGKILL to the parent alone would leave Apache's event-MPM children running with a
/// deleted configuration.
#[derive(Debug)]
pub struct Peer {
    child: Child,
    name: String,
    grace: Duration,
    stopped: bool,
}

impl Peer {
    /// Spawns `cmd` in a new process group. `grace` is how long [`Peer::stop`] waits after
    /// SIGTERM; zero means SIGKILL at once (nothing to save).
    ///
    /// # Panics
    /// When the program cannot be started.
    pub fn spawn(name: &str, cmd: &mut Command, grace: Duration) -> Peer {
        let child = cmd
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({cmd:?}): {e}"));
        Peer {
            child,
            name: name.to_owned(),
            grace,
            stopped: false,
        }
    }

    /// The process id (and process group id).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The exit status once the process has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Sends `signal` (a name such as `USR1` or `HUP`) to the process; true when `kill`
    /// succeeded.
    pub fn signal(&self, signal: &str) -> bool {
        kill(signal, &self.id().to_string())
    }

    /// Stops the process and its group (see [`Peer`]); idempotent.
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let pid = self.id().to_string();
        let group = format!("-{pid}");
        let exited = !self.grace.is_zero()
            && (self.exited().is_some() || (self.signal("TERM") && self.wait(self.grace)));
        if !exited {
            kill("KILL", &group);
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // Workers or helpers that outlive their parent: give them a moment to see it go,
        // then kill what is left of the group.
        let deadline = Instant::now() + Duration::from_secs(2);
        while group_alive(&group) {
            if Instant::now() >= deadline {
                eprintln!("{}: killing what is left of process group {pid}", self.name);
                kill("KILL", &group);
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits at most `limit` for the process to exit; true when it did.
    fn wait(&mut self, limit: Duration) -> bool {
        let start = Instant::now();
        loop {
            if self.exited().is_some() {
                return true;
            }
            if start.elapsed() >= limit {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `kill -SIG -- target` (a pid, or `-pgid` for a process group); true on success.
fn kill(signal: &str, target: &str) -> bool {
    Command::new("kill")
        .args([&format!("-{signal}"), "--", target])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// True while some process of the group (`-pgid`) is alive and not a zombie: read from
/// `/proc/<pid>/stat` (state and process group), because a zombie waiting for a reaper
/// that never comes (PID 1 in a container) still answers `kill -0`.
fn group_alive(group: &str) -> bool {
    let Some(pgid) = group.strip_prefix('-').and_then(|g| g.parse::<u32>().ok()) else {
        return false;
    };
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return kill("0", group);
    };
    entries.flatten().any(|e| {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            return false;
        };
        // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            return false;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next();
        let pgrp = fields.nth(1).and_then(|f| f.parse::<u32>().ok());
        pgrp == Some(pgid) && state != Some("Z") && state != Some("X")
    })
}

/// Why waiting for a server to listen failed.
#[derive(Debug)]
pub enum StartError {
    /// The process exited, with this status; its logs say why.
    Exited(ExitStatus),
    /// It did not listen within the time allowed.
    TimedOut,
}

/// Waits until every address of `addrs` accepts connections while `peer` runs, at most
/// `limit` in all. A port that answers while the process has just exited is someone
/// else's: reported as an exit.
///
/// # Errors
/// [`StartError::Exited`] when the process exits first, [`StartError::TimedOut`] after
/// `limit`.
pub fn wait_listening(
    peer: &mut Peer,
    addrs: &[SocketAddr],
    limit: Duration,
) -> Result<(), StartError> {
    let start = Instant::now();
    for addr in addrs {
        loop {
            if let Some(status) = peer.exited() {
                return Err(StartError::Exited(status));
            }
            if TcpStream::connect_timeout(addr, Duration::from_millis(200)).is_ok() {
                break;
            }
            if start.elapsed() >= limit {
                return Err(StartError::TimedOut);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
    std::thread::sleep(Duration::from_millis(20));
    match peer.exited() {
        Some(status) => Err(StartError::Exited(status)),
        None => Ok(()),
    }
}
