//! The password-file tools over `authfile`, as library functions so they can be tested
//! in-process.
//!
//! Each tool is `run(args, io) -> exit code`; the `rs-*` binaries are thin wrappers.
//! Binary names carry the `rs-` prefix so they never shadow Apache's `htpasswd` and
//! `htdigest`.

pub mod htdigest;
pub mod htgroup;
pub mod htmutual;
pub mod htpasswd;

use authfile::{Error, MAX_PASSWORD_LEN, Password};
use std::io::{BufRead, Read, Write};

/// Exit codes shared with Apache 2.4's `htpasswd` (`support/passwd_common.h`).
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// A file could not be read, locked or written.
    pub const FILEPERM: i32 = 1;
    /// Command-line syntax error (usage printed).
    pub const SYNTAX: i32 = 2;
    /// Password mismatch: the two prompts differ, or `-v` found a wrong password.
    pub const PWMISMATCH: i32 = 3;
    /// Interrupted.
    pub const INTERRUPTED: i32 = 4;
    /// A value is too long (user name, password).
    pub const OVERFLOW: i32 = 5;
    /// The user name is invalid, or (for `-v`, `-D`) not in the file.
    pub const BADUSER: i32 = 6;
    /// The file is not a valid password file.
    pub const INVALID: i32 = 7;
    /// The random number generator failed.
    pub const RANDOM: i32 = 8;
    /// Any other failure.
    pub const GENERAL: i32 = 9;
    /// The requested algorithm is not supported.
    pub const ALG_NOT_SUPP: i32 = 10;
}

/// Where a tool reads and writes. Tests substitute buffers and a scripted prompt.
pub struct Io<'a> {
    /// Standard input (for `-i`).
    pub stdin: &'a mut dyn BufRead,
    /// Standard output (for `-n`).
    pub stdout: &'a mut dyn Write,
    /// Standard error (messages).
    pub stderr: &'a mut dyn Write,
    /// Reads a password without echo after printing the prompt.
    pub prompt: &'a mut dyn FnMut(&str) -> std::io::Result<String>,
}

impl core::fmt::Debug for Io<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Io(..)")
    }
}

/// Runs `tool` with the process's real standard streams and a no-echo terminal prompt
/// (`rpassword`), and returns its exit code.
pub fn run_with_process_io(tool: impl FnOnce(&mut Io<'_>) -> i32) -> i32 {
    let stdin = std::io::stdin();
    let mut stdin = stdin.lock();
    let mut stdout = std::io::stdout();
    let mut stderr = std::io::stderr();
    let mut prompt = |p: &str| rpassword::prompt_password(p);
    let mut io = Io {
        stdin: &mut stdin,
        stdout: &mut stdout,
        stderr: &mut stderr,
        prompt: &mut prompt,
    };
    let code = tool(&mut io);
    let _ = io.stdout.flush();
    code
}

/// Converts process arguments (skipping the program name) to UTF-8 strings.
///
/// # Errors
/// The first argument that is not UTF-8.
pub fn utf8_args(
    args: impl Iterator<Item = std::ffi::OsString>,
) -> Result<Vec<String>, std::ffi::OsString> {
    args.skip(1).map(|a| a.into_string()).collect()
}

/// Where the password comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PwSource {
    Prompt,
    Stdin,
    Argv,
}

/// Reads the password: from argv (with a warning), one line of stdin, or two no-echo
/// prompts that must agree (one for verification).
pub(crate) fn read_password(
    tool: &str,
    io: &mut Io<'_>,
    source: PwSource,
    argv: Option<&str>,
    confirm: bool,
) -> Result<Password, i32> {
    let pw = match source {
        PwSource::Argv => {
            let _ = writeln!(
                io.stderr,
                "{tool}: warning: a password on the command line is visible to other users \
                 (ps, shell history); prefer -i or the prompt"
            );
            Password::from(argv.unwrap_or_default())
        }
        PwSource::Stdin => {
            let mut line = zeroize::Zeroizing::new(String::new());
            if let Err(e) = read_bounded_line(io.stdin, &mut line) {
                let _ = writeln!(io.stderr, "{tool}: cannot read password from stdin: {e}");
                return Err(exit::GENERAL);
            }
            let trimmed = line.strip_suffix('\n').unwrap_or(&line);
            let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
            Password::from(trimmed)
        }
        PwSource::Prompt => {
            let first = match (io.prompt)(if confirm {
                "New password: "
            } else {
                "Enter password: "
            }) {
                Ok(p) => Password::new(p),
                Err(e) => {
                    let _ = writeln!(io.stderr, "{tool}: cannot read password: {e}");
                    return Err(exit::GENERAL);
                }
            };
            if confirm {
                let second = match (io.prompt)("Re-type new password: ") {
                    Ok(p) => Password::new(p),
                    Err(e) => {
                        let _ = writeln!(io.stderr, "{tool}: cannot read password: {e}");
                        return Err(exit::GENERAL);
                    }
                };
                if !bool::from(subtle::ConstantTimeEq::ct_eq(&first, &second)) {
                    let _ = writeln!(io.stderr, "{tool}: password verification error");
                    return Err(exit::PWMISMATCH);
                }
            }
            first
        }
    };
    if pw.as_bytes().len() > MAX_PASSWORD_LEN {
        let _ = writeln!(io.stderr, "{tool}: password too long (>{MAX_PASSWORD_LEN})");
        return Err(exit::OVERFLOW);
    }
    Ok(pw)
}

/// Reads one line of at most `MAX_PASSWORD_LEN + 2` bytes plus one, so a huge stdin cannot
/// exhaust memory.
fn read_bounded_line(r: &mut dyn BufRead, out: &mut String) -> std::io::Result<()> {
    let mut buf = zeroize::Zeroizing::new(Vec::new());
    let limit = (MAX_PASSWORD_LEN + 3) as u64;
    (&mut *r).take(limit).read_until(b'\n', &mut buf)?;
    let s = core::str::from_utf8(&buf).map_err(|_| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, "password is not utf-8")
    })?;
    out.push_str(s);
    Ok(())
}

/// The exit code and message for a library error.
pub(crate) fn report(tool: &str, io: &mut Io<'_>, e: &Error) -> i32 {
    let _ = writeln!(io.stderr, "{tool}: {e}");
    match e {
        Error::Io { .. } | Error::PreserveOwner { .. } | Error::LockContention { .. } => {
            exit::FILEPERM
        }
        Error::Line { .. }
        | Error::FileLine { .. }
        | Error::FileTooLarge { .. }
        | Error::TooManyLines { .. } => exit::INVALID,
        Error::InvalidName { .. } => exit::BADUSER,
        Error::PasswordTooLong { .. } => exit::OVERFLOW,
        Error::Random => exit::RANDOM,
        Error::BcryptCost(_) | Error::ShaRounds(_) => exit::SYNTAX,
        _ => exit::GENERAL,
    }
}

/// Splits Apache-style arguments: leading `-xyz` clusters, with `value_flags` taking the
/// rest of the cluster or the next argument as their value.
pub(crate) struct Parsed {
    pub(crate) flags: Vec<(char, Option<String>)>,
    pub(crate) positional: Vec<String>,
}

pub(crate) fn parse_flags(args: &[String], value_flags: &[char]) -> Result<Parsed, String> {
    let mut flags = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            i += 1;
            break;
        }
        let Some(cluster) = a.strip_prefix('-') else {
            break;
        };
        if cluster.is_empty() {
            break;
        }
        for (pos, c) in cluster.char_indices() {
            if value_flags.contains(&c) {
                let rest = &cluster[pos + c.len_utf8()..];
                let value = if !rest.is_empty() {
                    rest.to_owned()
                } else {
                    i += 1;
                    args.get(i)
                        .cloned()
                        .ok_or_else(|| format!("option -{c} needs a value"))?
                };
                flags.push((c, Some(value)));
                break;
            }
            flags.push((c, None));
        }
        i += 1;
    }
    Ok(Parsed {
        flags,
        positional: args[i.min(args.len())..].to_vec(),
    })
}

impl Parsed {
    pub(crate) fn has(&self, c: char) -> bool {
        self.flags.iter().any(|(f, _)| *f == c)
    }

    pub(crate) fn value(&self, c: char) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(f, _)| *f == c)
            .and_then(|(_, v)| v.as_deref())
    }
}
