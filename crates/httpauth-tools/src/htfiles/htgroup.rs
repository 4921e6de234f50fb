//! `rs-htgroup`: an editor for Apache group files (Apache ships none).

use super::{Io, exit, parse_flags, report};
use authfile::{CreateMode, Error, GroupFile, update_file};

const TOOL: &str = "rs-htgroup";

const USAGE: &str = "Usage:
\trs-htgroup [-c] groupfile add group user...     add users to a group (-c: new file, mode 0600)
\trs-htgroup groupfile remove group user...       remove users from a group
\trs-htgroup groupfile delete group               delete a group
\trs-htgroup groupfile purge user                 remove a user from every group
\trs-htgroup groupfile list [group]               list groups, or a group's members
\trs-htgroup groupfile groups user                list the groups of a user
\trs-htgroup groupfile check user group           exit 0 if user is in group, else 3
Exit codes: 0 success, 1 file error, 2 usage, 3 not a member / not found,
6 invalid name, 7 invalid group file.
";

fn usage(io: &mut Io<'_>) -> i32 {
    let _ = io.stderr.write_all(USAGE.as_bytes());
    exit::SYNTAX
}

/// Runs `rs-htgroup` with `args` (without the program name); returns the exit code.
pub fn run(args: &[String], io: &mut Io<'_>) -> i32 {
    let Ok(p) = parse_flags(args, &[]) else {
        return usage(io);
    };
    if p.flags.iter().any(|(f, _)| *f != 'c') || p.positional.len() < 2 {
        return usage(io);
    }
    let file = p.positional[0].as_str();
    let cmd = p.positional[1].as_str();
    let rest: Vec<&str> = p.positional[2..].iter().map(String::as_str).collect();
    if p.has('c') && cmd != "add" {
        return usage(io);
    }
    match (cmd, rest.as_slice()) {
        ("add", [group, users @ ..]) if !users.is_empty() => {
            let mode = if p.has('c') {
                CreateMode::Truncate
            } else {
                CreateMode::MustExist
            };
            edit(file, mode, io, |f, io| {
                for u in users {
                    if f.add_member(group, u)? {
                        let _ = writeln!(io.stderr, "Adding user {u} to group {group}");
                    } else {
                        let _ = writeln!(io.stderr, "User {u} already in group {group}");
                    }
                }
                Ok(())
            })
        }
        ("remove", [group, users @ ..]) if !users.is_empty() => {
            edit(file, CreateMode::MustExist, io, |f, io| {
                for u in users {
                    f.remove_member(group, u)?;
                    let _ = writeln!(io.stderr, "Removing user {u} from group {group}");
                }
                Ok(())
            })
        }
        ("delete", [group]) => edit(file, CreateMode::MustExist, io, |f, io| {
            f.remove_group(group)?;
            let _ = writeln!(io.stderr, "Deleting group {group}");
            Ok(())
        }),
        ("purge", [user]) => edit(file, CreateMode::MustExist, io, |f, io| {
            let n = f.remove_user_everywhere(user);
            let _ = writeln!(io.stderr, "Removed user {user} from {n} group(s)");
            Ok(())
        }),
        ("list" | "groups" | "check", _) => {
            let f = match GroupFile::load(file) {
                Ok(f) => f,
                Err(e) => return report(TOOL, io, &e),
            };
            match (cmd, rest.as_slice()) {
                ("list", []) => {
                    for g in f.groups() {
                        let _ = writeln!(io.stdout, "{g}");
                    }
                    exit::OK
                }
                ("list", [group]) => {
                    let m = f.members(group);
                    if m.is_empty() {
                        let _ = writeln!(io.stderr, "Group {group} not found");
                        return exit::PWMISMATCH;
                    }
                    for u in m {
                        let _ = writeln!(io.stdout, "{u}");
                    }
                    exit::OK
                }
                ("groups", [user]) => {
                    for g in f.groups_of(user) {
                        let _ = writeln!(io.stdout, "{g}");
                    }
                    exit::OK
                }
                ("check", [user, group]) => {
                    if f.is_member(user, group) {
                        exit::OK
                    } else {
                        exit::PWMISMATCH
                    }
                }
                _ => usage(io),
            }
        }
        _ => usage(io),
    }
}

fn edit(
    file: &str,
    mode: CreateMode,
    io: &mut Io<'_>,
    f: impl FnOnce(&mut GroupFile, &mut Io<'_>) -> Result<(), Error>,
) -> i32 {
    let mut log: Vec<u8> = Vec::new();
    let r = {
        let mut sink = std::io::sink();
        let mut empty: &[u8] = &[];
        let mut no_prompt =
            |_: &str| -> std::io::Result<String> { Err(std::io::Error::other("no prompt")) };
        let mut inner = Io {
            stdin: &mut empty,
            stdout: &mut sink,
            stderr: &mut log,
            prompt: &mut no_prompt,
        };
        update_file(file, mode, |bytes| {
            let mut g = GroupFile::parse(bytes)?;
            f(&mut g, &mut inner)?;
            Ok((g.to_bytes(), ()))
        })
    };
    match r {
        Ok(()) => {
            // Messages only once the file is safely written.
            let _ = io.stderr.write_all(&log);
            exit::OK
        }
        Err(Error::NotFound) => {
            let _ = writeln!(io.stderr, "{TOOL}: no such group or member");
            exit::PWMISMATCH
        }
        Err(e) => report(TOOL, io, &e.in_file(file)),
    }
}
