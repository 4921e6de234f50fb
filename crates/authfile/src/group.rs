//! Apache group files (`AuthGroupFile`, `mod_authz_groupfile`).
//!
//! ```text
//! record  = group 1*":" *( *WSP member ) *WSP
//! group   = 1*( CHAR except ":" )          ; taken verbatim, inner spaces included
//! member  = ap_getword_conf word: bare, or "..." / '...' with \" \' \\ escapes
//! ```
//!
//! A group may span several lines; its members are the union. This is exactly
//! `groups_for_user` in `mod_authz_groupfile.c`: `ap_getword(':')` for the group name, then
//! `ap_getword_conf` for each member. Deviations: a quoted member without its closing
//! quote is an error (Apache takes the rest of the line), and so is a line without `:`
//! (Apache reads it as a group with no members).

use crate::doc::{Lines, ParseMode};
use crate::text::{getword_colon, getword_conf, quote_conf};
use crate::{Error, LineError, MAX_LINE_LEN, validate_name};
use httpauth_core::GroupStore;
use std::collections::{HashMap, HashSet};
use std::path::Path;

#[derive(Debug)]
pub(crate) struct Record {
    group: String,
    members: Vec<String>,
}

/// A group file.
///
/// ```
/// use authfile::GroupFile;
/// let mut g = GroupFile::parse(b"admin: alice \"bob smith\"\nadmin: carol\n")?;
/// assert!(g.is_member("bob smith", "admin"));
/// assert!(g.is_member("carol", "admin"));
/// g.add_member("staff", "dave")?;
/// assert_eq!(g.to_bytes(), b"admin: alice \"bob smith\"\nadmin: carol\nstaff: dave\n");
/// # Ok::<(), authfile::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct GroupFile {
    lines: Lines<Record>,
    members: HashMap<String, HashSet<String>>,
}

/// Checks that `group` can be written as a group name.
///
/// # Errors
/// [`Error::InvalidName`].
pub fn validate_group(group: &str) -> Result<(), Error> {
    validate_name("group name", group, &[':'])
}

impl GroupFile {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses strictly.
    ///
    /// # Errors
    /// [`Error::Line`] and the file-level limits.
    pub fn parse(input: &[u8]) -> Result<Self, Error> {
        Self::parse_with(input, ParseMode::Strict).map(|(f, _)| f)
    }

    /// Parses leniently: malformed lines are kept and reported.
    ///
    /// # Errors
    /// The file-level limits only.
    pub fn parse_lenient(input: &[u8]) -> Result<(Self, Vec<Error>), Error> {
        Self::parse_with(input, ParseMode::Lenient)
    }

    /// Parses in the given mode. Several lines per group are not duplicates.
    ///
    /// # Errors
    /// As [`parse`](Self::parse).
    pub fn parse_with(input: &[u8], mode: ParseMode) -> Result<(Self, Vec<Error>), Error> {
        let (lines, problems) = Lines::parse(input, mode, parse_record)?;
        let mut f = Self {
            lines,
            members: HashMap::new(),
        };
        f.reindex();
        Ok((f, problems))
    }

    /// Reads and strictly parses `path`.
    ///
    /// # Errors
    /// [`Error::Io`], or a parse error naming the file and line.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let bytes = crate::read_limited(path)?;
        Self::parse(&bytes).map_err(|e| e.in_file(path))
    }

    fn reindex(&mut self) {
        let mut members: HashMap<String, HashSet<String>> = HashMap::new();
        for (_, r) in self.lines.records() {
            members
                .entry(r.group.clone())
                .or_default()
                .extend(r.members.iter().cloned());
        }
        self.members = members;
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.lines.to_bytes()
    }

    /// True if `user` is in `group`.
    pub fn is_member(&self, user: &str, group: &str) -> bool {
        self.members.get(group).is_some_and(|m| m.contains(user))
    }

    /// The groups, sorted.
    pub fn groups(&self) -> Vec<&str> {
        let mut g: Vec<&str> = self.members.keys().map(String::as_str).collect();
        g.sort_unstable();
        g
    }

    /// The members of `group`, sorted.
    pub fn members(&self, group: &str) -> Vec<&str> {
        let mut m: Vec<&str> = self
            .members
            .get(group)
            .map(|s| s.iter().map(String::as_str).collect())
            .unwrap_or_default();
        m.sort_unstable();
        m
    }

    /// The groups `user` belongs to, sorted.
    pub fn groups_of(&self, user: &str) -> Vec<&str> {
        let mut g: Vec<&str> = self
            .members
            .iter()
            .filter(|(_, m)| m.contains(user))
            .map(|(g, _)| g.as_str())
            .collect();
        g.sort_unstable();
        g
    }

    /// Adds `user` to `group`: appended to the group's last line if it stays within
    /// [`MAX_LINE_LEN`], else on a new `group: user` line. Returns false if `user` already was
    /// a member.
    ///
    /// # Errors
    /// [`Error::InvalidName`] for a group name or member that cannot be written.
    pub fn add_member(&mut self, group: &str, user: &str) -> Result<bool, Error> {
        validate_group(group)?;
        let word = member_word(user)?;
        if self.is_member(user, group) {
            return Ok(false);
        }
        let last = self
            .lines
            .records()
            .filter(|(_, r)| r.group == group)
            .map(|(i, _)| i)
            .last();
        match last {
            Some(i) if self.lines.raw[i].text.len() + 1 + word.len() <= MAX_LINE_LEN => {
                let raw = &self.lines.raw[i].text;
                let mut text = String::from_utf8_lossy(raw).into_owned();
                let trimmed = text.trim_end_matches(crate::text::is_apr_space).len();
                text.truncate(trimmed);
                text.push(' ');
                text.push_str(&word);
                let mut members = self.lines.recs[i]
                    .as_ref()
                    .map(|r| r.members.clone())
                    .unwrap_or_default();
                members.push(user.to_owned());
                self.lines.replace(
                    i,
                    text,
                    Record {
                        group: group.to_owned(),
                        members,
                    },
                );
            }
            _ => {
                self.lines.push(
                    format!("{group}: {word}"),
                    Record {
                        group: group.to_owned(),
                        members: vec![user.to_owned()],
                    },
                );
            }
        }
        self.members
            .entry(group.to_owned())
            .or_default()
            .insert(user.to_owned());
        Ok(true)
    }

    /// Removes `user` from `group`; lines left without members are removed, other lines of
    /// the group that held the user are rewritten, and nothing else changes.
    ///
    /// # Errors
    /// [`Error::NotFound`] if `user` was not a member.
    pub fn remove_member(&mut self, group: &str, user: &str) -> Result<(), Error> {
        if !self.is_member(user, group) {
            return Err(Error::NotFound);
        }
        let hit: Vec<usize> = self
            .lines
            .records()
            .filter(|(_, r)| r.group == group && r.members.iter().any(|m| m == user))
            .map(|(i, _)| i)
            .collect();
        for &i in hit.iter().rev() {
            let members: Vec<String> = self.lines.recs[i]
                .as_ref()
                .map(|r| r.members.iter().filter(|m| *m != user).cloned().collect())
                .unwrap_or_default();
            if members.is_empty() {
                self.lines.remove(i);
            } else {
                let words: Vec<String> = members.iter().filter_map(|m| quote_conf(m)).collect();
                self.lines.replace(
                    i,
                    format!("{group}: {}", words.join(" ")),
                    Record {
                        group: group.to_owned(),
                        members,
                    },
                );
            }
        }
        self.reindex();
        Ok(())
    }

    /// Removes every line of `group`.
    ///
    /// # Errors
    /// [`Error::NotFound`] if the group has no line.
    pub fn remove_group(&mut self, group: &str) -> Result<(), Error> {
        let hit: Vec<usize> = self
            .lines
            .records()
            .filter(|(_, r)| r.group == group)
            .map(|(i, _)| i)
            .collect();
        if hit.is_empty() {
            return Err(Error::NotFound);
        }
        for &i in hit.iter().rev() {
            self.lines.remove(i);
        }
        self.reindex();
        Ok(())
    }

    /// Removes `user` from every group. Returns the number of groups it left.
    pub fn remove_user_everywhere(&mut self, user: &str) -> usize {
        let groups: Vec<String> = self
            .groups_of(user)
            .into_iter()
            .map(str::to_owned)
            .collect();
        for g in &groups {
            // Cannot fail: `user` is a member of each.
            let _ = self.remove_member(g, user);
        }
        groups.len()
    }
}

/// The member as a configuration word, checked to read back unchanged.
fn member_word(user: &str) -> Result<String, Error> {
    use crate::NameError;
    let bad = |reason| Error::InvalidName {
        what: "member name",
        reason,
    };
    if user.is_empty() {
        return Err(bad(NameError::Empty));
    }
    if user.len() > crate::MAX_NAME_LEN {
        return Err(bad(NameError::TooLong {
            limit: crate::MAX_NAME_LEN,
        }));
    }
    if user.chars().any(char::is_control) {
        return Err(bad(NameError::Control));
    }
    quote_conf(user).ok_or(bad(NameError::Ambiguous))
}

fn parse_record(text: &str, line: usize) -> Result<Record, Error> {
    let err = |kind| Error::Line { line, kind };
    let (group, rest) = getword_colon(text);
    let mut rest = rest.ok_or(err(LineError::MissingSeparator))?;
    if group.is_empty() {
        return Err(err(LineError::EmptyName));
    }
    let mut members = Vec::new();
    while !rest.is_empty() {
        let (w, r, unterminated) = getword_conf(rest);
        if unterminated {
            return Err(err(LineError::UnterminatedQuote));
        }
        members.push(w);
        rest = r;
    }
    Ok(Record {
        group: group.to_owned(),
        members,
    })
}

impl GroupStore for GroupFile {
    fn is_member(&self, user: &str, group: &str) -> Result<bool, httpauth_core::Error> {
        Ok(GroupFile::is_member(self, user, group))
    }
}
