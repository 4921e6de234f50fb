//! `rs-htmutual`: maintains htmutual verifier files (`docs/htmutual-format.md`).
//!
//! `rs-htmutual [-c|-n|-D|-v] [-b|-i] pwd-file algorithm auth-scope realm username [password]`,
//! with htpasswd's meaning for each flag and its exit codes. J is computed by the
//! [`VerifierDeriver`] the binary was built with.
//!
//! The auth-scope is canonicalised (RFC 8120 section 5, [`MutualKey::canonical`]) before
//! anything else: J is derived for, stored under and looked up by the canonical form, and
//! the tool says so on stderr when the input differed.

use super::{Io, PwSource, exit, parse_flags, read_password, report};
use authfile::{Change, CreateMode, Error, HtmutualFile, MutualKey, VerifierDeriver, update_file};

const TOOL: &str = "rs-htmutual";

fn usage(io: &mut Io<'_>, deriver: &dyn VerifierDeriver) -> i32 {
    let _ = write!(
        io.stderr,
        "Usage:
\trs-htmutual [-c|-D|-v] [-b|-i] pwd-file algorithm auth-scope realm username [password]
\trs-htmutual -n [-b|-i] algorithm auth-scope realm username [password]
 -c  Create a new file (replacing an existing one).
 -n  Don't update file; display the record on stdout.
 -b  Use the password from the command line rather than prompting for it.
 -i  Read password from stdin without verification.
 -D  Delete the user's record for this algorithm, auth-scope and realm.
 -v  Verify password for the specified user.
auth-scope must be the scope the server announces (RFC 8120 section 5):
	example.com            the host: what a server announces by default (single-host)
	https://example.com    one origin, for a server configured for single-server scopes
	                       (default port omitted: https://example.com:443 is stored as
	                       https://example.com; http://example.com:8080 keeps its port)
	*.example.com          example.com and every host below it (wildcard-domain)
Letter case, a default port and a trailing / are normalised.
Algorithms (RFC 8121; a server offers one per realm and auth-scope by default):
"
    );
    for a in deriver.algorithms() {
        let _ = writeln!(io.stderr, "\t{a}");
    }
    exit::SYNTAX
}

/// Runs `rs-htmutual` with `args` (without the program name) and `deriver`; returns the
/// exit code.
pub fn run(args: &[String], io: &mut Io<'_>, deriver: &dyn VerifierDeriver) -> i32 {
    let Ok(p) = parse_flags(args, &[]) else {
        return usage(io, deriver);
    };
    if p.flags.iter().any(|(f, _)| !"cnbivDv".contains(*f)) || (p.has('b') && p.has('i')) {
        return usage(io, deriver);
    }
    if ['c', 'n', 'v', 'D'].iter().filter(|&&c| p.has(c)).count() > 1 {
        let _ = writeln!(
            io.stderr,
            "{TOOL}: only one of -c -n -v -D may be specified"
        );
        return exit::SYNTAX;
    }
    let nofile = p.has('n');
    let delete = p.has('D');
    let batch = p.has('b') && !delete;
    let wanted = usize::from(!nofile) + 4 + usize::from(batch);
    if p.positional.len() != wanted {
        return usage(io, deriver);
    }
    let mut pos = p.positional.iter().map(String::as_str);
    let file = if nofile { None } else { pos.next() };
    let (Some(algorithm), Some(auth_scope), Some(realm), Some(user)) =
        (pos.next(), pos.next(), pos.next(), pos.next())
    else {
        return usage(io, deriver);
    };
    let argv_pw = pos.next();
    if !deriver
        .algorithms()
        .iter()
        .any(|a| a.eq_ignore_ascii_case(algorithm))
    {
        let _ = writeln!(io.stderr, "{TOOL}: unsupported algorithm {algorithm}");
        return exit::ALG_NOT_SUPP;
    }
    let key = match MutualKey::new(user, algorithm, auth_scope, realm) {
        Ok(k) => k,
        Err(e) => return report(TOOL, io, &e),
    };
    if key.auth_scope != auth_scope {
        let _ = writeln!(
            io.stderr,
            "{TOOL}: auth-scope {auth_scope} written in its canonical form {}",
            key.auth_scope
        );
    }
    let source = if batch {
        PwSource::Argv
    } else if p.has('i') {
        PwSource::Stdin
    } else {
        PwSource::Prompt
    };

    if delete {
        let Some(file) = file else {
            return usage(io, deriver);
        };
        let r = update_file(file, CreateMode::MustExist, |bytes| {
            let mut f = HtmutualFile::parse(bytes)?;
            f.remove(
                user,
                Some(&key.algorithm),
                Some(&key.auth_scope),
                Some(realm),
            )?;
            Ok((f.to_bytes(), ()))
        });
        return match r {
            Ok(()) => {
                let _ = writeln!(io.stderr, "Deleting verifier for user {user}");
                exit::OK
            }
            Err(Error::NotFound) => {
                let _ = writeln!(io.stderr, "User {user} not found");
                exit::BADUSER
            }
            Err(e) => file_error(file, io, e),
        };
    }

    if p.has('v') {
        let Some(file) = file else {
            return usage(io, deriver);
        };
        let f = match HtmutualFile::load(file) {
            Ok(f) => f,
            Err(e) => return file_error(file, io, e),
        };
        if f.verifier(&key).is_none() {
            let _ = writeln!(io.stderr, "User {user} not found");
            return exit::BADUSER;
        }
        let pw = match read_password(TOOL, io, source, argv_pw, false) {
            Ok(pw) => pw,
            Err(code) => return code,
        };
        return match f.verify_password(&key, &pw, deriver) {
            Ok(true) => {
                let _ = writeln!(io.stderr, "Password for user {user} correct.");
                exit::OK
            }
            Ok(false) => {
                let _ = writeln!(io.stderr, "password verification failed");
                exit::PWMISMATCH
            }
            Err(e) => report(TOOL, io, &e),
        };
    }

    let pw = match read_password(TOOL, io, source, argv_pw, true) {
        Ok(pw) => pw,
        Err(code) => return code,
    };
    // Derive before locking: J costs a PBKDF2 and a modular exponentiation.
    let mut single = HtmutualFile::new();
    if let Err(e) = single.set_password(key.clone(), &pw, deriver) {
        return report(TOOL, io, &e);
    }
    let Some(file) = file else {
        let _ = io.stdout.write_all(&single.to_bytes());
        return exit::OK;
    };
    let Some(j) = single.verifier(&key).map(authfile::SecretBytes::duplicate) else {
        return exit::GENERAL;
    };
    let mode = if p.has('c') {
        CreateMode::Truncate
    } else {
        CreateMode::MustExist
    };
    let r = update_file(file, mode, |bytes| {
        let mut f = HtmutualFile::parse(bytes)?;
        let c = f.set_verifier(key.clone(), j)?;
        Ok((f.to_bytes(), c))
    });
    match r {
        Ok(Change::Added) => {
            let _ = writeln!(io.stderr, "Adding verifier for user {user}");
            exit::OK
        }
        Ok(Change::Updated) => {
            let _ = writeln!(io.stderr, "Updating verifier for user {user}");
            exit::OK
        }
        Err(e) => file_error(file, io, e),
    }
}

fn file_error(file: &str, io: &mut Io<'_>, e: Error) -> i32 {
    if let Error::Io { source, .. } = &e
        && source.kind() == std::io::ErrorKind::NotFound
    {
        let _ = writeln!(
            io.stderr,
            "{TOOL}: cannot modify file {file}; use '-c' to create it"
        );
        return exit::FILEPERM;
    }
    report(TOOL, io, &e.in_file(file))
}
