//! `rs-htdigest`: Apache's `htdigest [-c] passwordfile realm username`, plus batch
//! password input, deletion, SHA-256 records and the userhash field.
//!
//! Differences from Apache's htdigest: `-c` really truncates an existing file (Apache's
//! opens it without `O_TRUNC` and leaves old bytes behind); names longer than 255 bytes
//! and names holding `:` or control characters are refused (Apache truncates and accepts
//! them); updates are locked and atomic.

use super::{Io, PwSource, exit, parse_flags, read_password, report};
use authfile::{
    Change, CreateMode, DigestHash, Error, HtdigestFile, update_file, validate_realm, validate_user,
};

const TOOL: &str = "rs-htdigest";

const USAGE: &str =
    "Usage: rs-htdigest [-c] [-b|-i] [-2] [-u] passwordfile realm username [password]
       rs-htdigest -D [-2] passwordfile realm username
The -c flag creates a new file (replacing an existing one).
 -b  take the password from the command line (visible to other users)
 -i  read the password from the first line of stdin
 -2  write (or with -D, delete only) the SHA-256 record instead of the MD5 one
 -u  add the RFC 7616 userhash field H(user \":\" realm)
 -D  delete the user's records in the realm
";

fn usage(io: &mut Io<'_>) -> i32 {
    let _ = io.stderr.write_all(USAGE.as_bytes());
    exit::FILEPERM
}

/// Runs `rs-htdigest` with `args` (without the program name); returns the exit code
/// (0 on success, 1 on any failure, as Apache's htdigest).
pub fn run(args: &[String], io: &mut Io<'_>) -> i32 {
    let Ok(p) = parse_flags(args, &[]) else {
        return usage(io);
    };
    if p.flags.iter().any(|(f, _)| !"cbi2uD".contains(*f))
        || (p.has('b') && p.has('i'))
        || (p.has('D') && (p.has('c') || p.has('b') || p.has('i') || p.has('u')))
    {
        return usage(io);
    }
    let wanted = if p.has('b') { 4 } else { 3 };
    if p.positional.len() != wanted {
        return usage(io);
    }
    let (file, realm, user) = (&p.positional[0], &p.positional[1], &p.positional[2]);
    let hash = if p.has('2') {
        DigestHash::Sha256
    } else {
        DigestHash::Md5
    };
    if let Err(e) = validate_user(user).and_then(|()| validate_realm(realm)) {
        return report(TOOL, io, &e).min(1);
    }

    if p.has('D') {
        let only = p.has('2').then_some(DigestHash::Sha256);
        let r = update_file(file, CreateMode::MustExist, |bytes| {
            let mut f = HtdigestFile::parse(bytes)?;
            let n = f.remove(user, realm, only)?;
            Ok((f.to_bytes(), n))
        });
        return match r {
            Ok(_) => {
                let _ = writeln!(io.stderr, "Deleting user {user} in realm {realm}");
                exit::OK
            }
            Err(Error::NotFound) => {
                let _ = writeln!(io.stderr, "User {user} not found in realm {realm}");
                exit::FILEPERM
            }
            Err(e) => file_error(file, io, e),
        };
    }

    let create = p.has('c');
    if create {
        let _ = writeln!(io.stderr, "Adding password for {user} in realm {realm}.");
    }
    let source = if p.has('b') {
        PwSource::Argv
    } else if p.has('i') {
        PwSource::Stdin
    } else {
        PwSource::Prompt
    };
    let pw = match read_password(
        TOOL,
        io,
        source,
        p.positional.get(3).map(String::as_str),
        true,
    ) {
        Ok(pw) => pw,
        Err(exit::PWMISMATCH) => {
            let _ = writeln!(io.stderr, "They don't match, sorry.");
            return exit::FILEPERM;
        }
        Err(_) => return exit::FILEPERM,
    };
    let mode = if create {
        CreateMode::Truncate
    } else {
        CreateMode::MustExist
    };
    let userhash = p.has('u');
    let r = update_file(file, mode, |bytes| {
        let mut f = HtdigestFile::parse(bytes)?;
        let change = f.set_password(user, realm, &pw, hash, userhash)?;
        Ok((f.to_bytes(), change))
    });
    match r {
        Ok(Change::Updated) => {
            let _ = writeln!(
                io.stderr,
                "Changing password for user {user} in realm {realm}"
            );
            exit::OK
        }
        Ok(Change::Added) => {
            if !create {
                let _ = writeln!(io.stderr, "Adding user {user} in realm {realm}");
            }
            exit::OK
        }
        Err(e) => file_error(file, io, e),
    }
}

fn file_error(file: &str, io: &mut Io<'_>, e: Error) -> i32 {
    if let Error::Io { source, .. } = &e
        && source.kind() == std::io::ErrorKind::NotFound
    {
        let _ = writeln!(io.stderr, "Could not open passwd file {file} for reading.");
        let _ = writeln!(io.stderr, "Use -c option to create new one.");
        return exit::FILEPERM;
    }
    report(TOOL, io, &e.in_file(file)).min(1)
}
