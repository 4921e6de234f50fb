//! `rs-htpasswd`: Apache 2.4 `htpasswd`'s flags, messages and exit codes, with atomic
//! locked updates. Deliberate differences are listed in the crate README.

use super::{Io, PwSource, exit, parse_flags, read_password, report};
use authfile::{
    BCRYPT_MAX_PASSWORD_LEN, Change, CreateMode, DEFAULT_BCRYPT_COST, Error, HashAlgorithm,
    HtpasswdFile, MAX_BCRYPT_COST, MAX_NAME_LEN, MAX_SHA_ROUNDS, MIN_BCRYPT_COST, MIN_SHA_ROUNDS,
    VerifyPolicy, hash_password, update_file, validate_user,
};

const TOOL: &str = "rs-htpasswd";

const USAGE: &str = "Usage:
\trs-htpasswd [-cimB25dpsDv] [-C cost] [-r rounds] passwordfile username
\trs-htpasswd -b[cmB25dpsDv] [-C cost] [-r rounds] passwordfile username password

\trs-htpasswd -n[imB25dps] [-C cost] [-r rounds] username
\trs-htpasswd -nb[mB25dps] [-C cost] [-r rounds] username password
 -c  Create a new file (replacing an existing one).
 -n  Don't update file; display results on stdout.
 -b  Use the password from the command line rather than prompting for it.
 -i  Read password from stdin without verification (for script usage).
 -m  Force MD5 (apr1) hashing of the password (insecure).
 -2  Force SHA-256 hashing of the password (secure).
 -5  Force SHA-512 hashing of the password (secure).
 -B  Force bcrypt hashing of the password (very secure; the default).
 -C  Set the computing time used for the bcrypt algorithm
     (higher is more secure but slower, default: 10, valid: 4 to 31).
 -r  Set the number of rounds used for the SHA-256, SHA-512 algorithms
     (higher is more secure but slower, default: 5000, valid: 1000 to 999999999).
 -d  CRYPT (DES) is refused: it is supported for verification only.
 -s  Force SHA-1 hashing of the password (insecure).
 -p  Do not hash the password (plaintext, insecure).
 -D  Delete the specified user.
 -v  Verify password for the specified user.
Updates are atomic: the file is locked, written to a temporary file and renamed.
A new file is created with mode 0600; an existing file keeps its mode and owner.
";

fn usage(io: &mut Io<'_>) -> i32 {
    let _ = io.stderr.write_all(USAGE.as_bytes());
    exit::SYNTAX
}

/// Runs `rs-htpasswd` with `args` (without the program name); returns the exit code.
pub fn run(args: &[String], io: &mut Io<'_>) -> i32 {
    let p = match parse_flags(args, &['C', 'r']) {
        Ok(p) => p,
        Err(_) => return usage(io),
    };
    for (f, _) in &p.flags {
        if !"cnbivDmB25dpsCr".contains(*f) {
            return usage(io);
        }
    }
    let modes = ['c', 'n', 'v', 'D'].iter().filter(|&&c| p.has(c)).count();
    if modes > 1 {
        let _ = writeln!(
            io.stderr,
            "{TOOL}: only one of -c -n -v -D may be specified"
        );
        return exit::SYNTAX;
    }
    if p.has('b') && p.has('i') {
        let _ = writeln!(io.stderr, "{TOOL}: only one of -b -i may be specified");
        return exit::SYNTAX;
    }
    let nofile = p.has('n');
    let delete = p.has('D');
    let batch = p.has('b');
    let wanted = usize::from(!nofile) + 1 + usize::from(batch && !delete);
    if p.positional.len() != wanted {
        return usage(io);
    }
    let (file, user) = if nofile {
        (None, p.positional[0].as_str())
    } else {
        (Some(p.positional[0].as_str()), p.positional[1].as_str())
    };
    let argv_pw = if batch && !delete {
        p.positional.last().map(String::as_str)
    } else {
        None
    };

    if user.len() > MAX_NAME_LEN {
        let _ = writeln!(io.stderr, "{TOOL}: username too long (>{MAX_NAME_LEN})");
        return exit::OVERFLOW;
    }
    if let Err(e) = validate_user(user) {
        let _ = writeln!(io.stderr, "{TOOL}: {e}");
        return exit::BADUSER;
    }

    let algorithm = match algorithm(&p, io) {
        Ok(a) => a,
        Err(code) => return code,
    };

    let source = if batch {
        PwSource::Argv
    } else if p.has('i') {
        PwSource::Stdin
    } else {
        PwSource::Prompt
    };

    if p.has('v') {
        let Some(file) = file else { return usage(io) };
        return verify(file, user, source, argv_pw, io);
    }
    if delete {
        let Some(file) = file else { return usage(io) };
        return delete_user(file, user, io);
    }

    // Hash before taking the lock: bcrypt is slow and the lock serialises writers.
    let pw = match read_password(TOOL, io, source, argv_pw, true) {
        Ok(pw) => pw,
        Err(code) => return code,
    };
    if matches!(algorithm, HashAlgorithm::Bcrypt { .. })
        && pw.as_bytes().len() > BCRYPT_MAX_PASSWORD_LEN
    {
        let _ = writeln!(
            io.stderr,
            "Warning: bcrypt uses only the first {BCRYPT_MAX_PASSWORD_LEN} bytes of the password."
        );
    }
    let hash = match hash_password(&pw, algorithm) {
        Ok(h) => h,
        Err(Error::UnstorablePlaintext) => {
            let _ = writeln!(io.stderr, "{TOOL}: password cannot be stored as plaintext");
            return exit::INVALID;
        }
        Err(e) => return report(TOOL, io, &e),
    };

    let Some(file) = file else {
        let _ = writeln!(io.stdout, "{user}:{}", hash.expose_secret());
        return exit::OK;
    };
    let mode = if p.has('c') {
        CreateMode::Truncate
    } else {
        CreateMode::MustExist
    };
    let result = update_file(file, mode, |bytes| {
        let mut f = HtpasswdFile::parse(bytes)?;
        let change = f.set_hash(user, hash)?;
        Ok((f.to_bytes(), change))
    });
    match result {
        Ok(Change::Added) => {
            let _ = writeln!(io.stderr, "Adding password for user {user}");
            exit::OK
        }
        Ok(Change::Updated) => {
            let _ = writeln!(io.stderr, "Updating password for user {user}");
            exit::OK
        }
        Err(e) => file_error(file, io, e),
    }
}

/// Maps a missing file to Apache's message, and line errors to `file:line`.
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

fn algorithm(p: &super::Parsed, io: &mut Io<'_>) -> Result<HashAlgorithm, i32> {
    let mut alg = 'B';
    for (f, _) in &p.flags {
        if "mB25dsp".contains(*f) {
            alg = *f;
        }
    }
    let number = |c: char, io: &mut Io<'_>| -> Result<Option<u32>, i32> {
        match p.value(c) {
            None => Ok(None),
            Some(v) => match v.parse::<u32>() {
                Ok(n) if n > 0 && v.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(n)),
                _ => {
                    let _ = writeln!(
                        io.stderr,
                        "{TOOL}: argument to -C/-r must be a positive integer"
                    );
                    Err(exit::SYNTAX)
                }
            },
        }
    };
    let cost = number('C', io)?;
    let rounds = number('r', io)?;
    let ignored = match alg {
        'B' => rounds.is_some(),
        '2' | '5' => cost.is_some(),
        _ => cost.is_some() || rounds.is_some(),
    };
    if ignored {
        let _ = writeln!(
            io.stderr,
            "Warning: Ignoring -C/-r argument for this algorithm."
        );
    }
    Ok(match alg {
        'B' => {
            let cost = cost.unwrap_or(DEFAULT_BCRYPT_COST);
            if !(MIN_BCRYPT_COST..=MAX_BCRYPT_COST).contains(&cost) {
                let _ = writeln!(
                    io.stderr,
                    "{TOOL}: bcrypt cost must be between {MIN_BCRYPT_COST} and {MAX_BCRYPT_COST}"
                );
                return Err(exit::SYNTAX);
            }
            HashAlgorithm::Bcrypt { cost }
        }
        '2' | '5' => {
            if let Some(r) = rounds
                && !(MIN_SHA_ROUNDS..=MAX_SHA_ROUNDS).contains(&r)
            {
                // Apache writes the crypt() failure token "*0" and exits 0 here.
                let _ = writeln!(
                    io.stderr,
                    "{TOOL}: SHA-crypt rounds must be between {MIN_SHA_ROUNDS} and {MAX_SHA_ROUNDS}"
                );
                return Err(exit::SYNTAX);
            }
            if alg == '2' {
                HashAlgorithm::Sha256Crypt { rounds }
            } else {
                HashAlgorithm::Sha512Crypt { rounds }
            }
        }
        'm' => HashAlgorithm::Apr1,
        's' => HashAlgorithm::Sha1Insecure,
        'p' => {
            let _ = writeln!(
                io.stderr,
                "Warning: storing passwords as plain text might just not work on this platform."
            );
            HashAlgorithm::PlaintextInsecure
        }
        _ => {
            let _ = writeln!(
                io.stderr,
                "{TOOL}: CRYPT (DES) hashing is not supported: DES crypt is read for verification only"
            );
            return Err(exit::ALG_NOT_SUPP);
        }
    })
}

fn verify(file: &str, user: &str, source: PwSource, argv_pw: Option<&str>, io: &mut Io<'_>) -> i32 {
    let f = match HtpasswdFile::load(file) {
        Ok(f) => f.with_policy(VerifyPolicy::apache_compatible()),
        Err(e) => return file_error(file, io, e),
    };
    if !f.contains(user) {
        let _ = writeln!(io.stderr, "User {user} not found");
        return exit::BADUSER;
    }
    let pw = match read_password(TOOL, io, source, argv_pw, false) {
        Ok(pw) => pw,
        Err(code) => return code,
    };
    match f
        .hash_of(user)
        .map(|h| authfile::verify_hash(h.expose_secret(), pw.as_bytes(), f.policy()))
    {
        Some(Ok(true)) => {
            let _ = writeln!(io.stderr, "Password for user {user} correct.");
            exit::OK
        }
        Some(Err(e)) => {
            let _ = writeln!(io.stderr, "{TOOL}: {e}");
            exit::PWMISMATCH
        }
        _ => {
            let _ = writeln!(io.stderr, "password verification failed");
            exit::PWMISMATCH
        }
    }
}

fn delete_user(file: &str, user: &str, io: &mut Io<'_>) -> i32 {
    let result = update_file(file, CreateMode::MustExist, |bytes| {
        let mut f = HtpasswdFile::parse(bytes)?;
        f.remove(user)?;
        Ok((f.to_bytes(), ()))
    });
    match result {
        Ok(()) => {
            let _ = writeln!(io.stderr, "Deleting password for user {user}");
            exit::OK
        }
        // Apache prints this and exits 0; a script deleting a user that is not there
        // deserves to know, so this is BADUSER (6), as for -v.
        Err(Error::NotFound) => {
            let _ = writeln!(io.stderr, "User {user} not found");
            exit::BADUSER
        }
        Err(e) => file_error(file, io, e),
    }
}
