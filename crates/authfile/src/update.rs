//! Atomic, locked file updates.
//!
//! 1. Open the file and take an exclusive advisory lock (`flock(2)`, through
//!    [`std::fs::File::lock`]). Writers serialise on it; readers never lock.
//! 2. Check that the path still names the locked inode (another writer may have renamed a
//!    new file over it while we waited); if not, start again with the new file.
//! 3. Read the locked file, let the caller edit its bytes.
//! 4. Write the result to a temporary file in the same directory, give it the original's
//!    permission bits, owner and group, `fsync` it, `rename(2)` it over the original, and
//!    `fsync` the directory.
//!
//! A reader sees the old file or the new one, never a mix; a crash leaves the old file (and
//! perhaps a stray `.NAME.*.tmp`). Two processes adding different users both succeed.
//!
//! Permissions: a file this crate creates gets [`DEFAULT_NEW_FILE_MODE`] (`0600`, owner
//! read and write only) whatever the umask, because it holds password hashes; a different
//! mode is asked for explicitly with [`update_file_with_mode`]. An existing file keeps its
//! permission bits, owner and group on every rewrite, so a file made readable to the web
//! server once (`chgrp www-data f; chmod 0640 f`) stays so.

use crate::Error;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// How many times a writer re-opens a file that was replaced while it waited for the lock.
pub const MAX_LOCK_ATTEMPTS: usize = 1000;

/// The permission bits of a file this crate creates: owner read and write only. Password
/// files hold hashes an attacker can brute-force offline, so they are not world-readable
/// unless asked for with [`update_file_with_mode`]. Apache's tools create `0666 & !umask`.
pub const DEFAULT_NEW_FILE_MODE: u32 = 0o600;

/// What to do when the file does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateMode {
    /// Fail with [`Error::Io`] (`NotFound`).
    MustExist,
    /// Create it (mode [`DEFAULT_NEW_FILE_MODE`], or the mode given to
    /// [`update_file_with_mode`]) and start from empty.
    CreateIfMissing,
    /// Start from empty whether or not it exists (`htpasswd -c`); an existing file is
    /// replaced atomically, keeping its mode and owner; a missing one is created as with
    /// [`CreateIfMissing`](Self::CreateIfMissing).
    Truncate,
}

/// Edits the file at `path` atomically under an exclusive lock; a file it creates gets mode
/// [`DEFAULT_NEW_FILE_MODE`] (`0600`).
///
/// `edit` receives the current contents (empty for a new or truncated file) and returns the
/// new contents and a value passed through. If `edit` fails nothing is written (a file this
/// call created is removed again).
///
/// # Errors
/// [`Error::Io`] naming the file for open, lock, read, write, sync and rename failures;
/// [`Error::PreserveOwner`] if the original owner and group cannot be kept;
/// [`Error::LockContention`] after [`MAX_LOCK_ATTEMPTS`] replaced files; whatever `edit`
/// returns.
pub fn update_file<T>(
    path: impl AsRef<Path>,
    mode: CreateMode,
    edit: impl FnOnce(&[u8]) -> Result<(Vec<u8>, T), Error>,
) -> Result<T, Error> {
    update_file_with_mode(path, mode, DEFAULT_NEW_FILE_MODE, edit)
}

/// As [`update_file`], but a file this call creates gets the permission bits `new_file_mode`
/// (for example `0o640` for a file the web server's group reads), set exactly, not masked
/// by the umask. An existing file keeps its own mode.
///
/// # Errors
/// As [`update_file`]; [`Error::Io`] (`InvalidInput`) for a `new_file_mode` with bits
/// outside `0o777` (set-id and sticky bits have no place on a password file).
pub fn update_file_with_mode<T>(
    path: impl AsRef<Path>,
    mode: CreateMode,
    new_file_mode: u32,
    edit: impl FnOnce(&[u8]) -> Result<(Vec<u8>, T), Error>,
) -> Result<T, Error> {
    let path = path.as_ref();
    if new_file_mode & !0o777 != 0 {
        return Err(Error::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("file mode {new_file_mode:#o} has bits outside 0o777"),
            ),
        ));
    }
    let (file, created) = lock_current(path, mode, new_file_mode)?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    let current = if mode == CreateMode::Truncate || created {
        Vec::new()
    } else {
        crate::read_limited_from(&file, path)?
    };
    let (bytes, out) = match edit(&current) {
        Ok(r) => r,
        Err(e) => {
            if created {
                let _ = std::fs::remove_file(path);
            }
            return Err(e);
        }
    };
    if let Err(e) = replace(path, &meta, &bytes) {
        if created {
            let _ = std::fs::remove_file(path);
        }
        return Err(e);
    }
    // The lock is released when `file` drops, after the rename.
    drop(file);
    Ok(out)
}

/// Opens and locks the file the path names now. Returns whether this call created it.
fn lock_current(path: &Path, mode: CreateMode, new_file_mode: u32) -> Result<(File, bool), Error> {
    for _ in 0..MAX_LOCK_ATTEMPTS {
        let (file, created) = match OpenOptions::new().read(true).write(true).open(path) {
            Ok(f) => (f, false),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && mode != CreateMode::MustExist => {
                // Created owner-only (the umask can only remove bits), then given the mode
                // asked for exactly; `replace` copies it to the file that is renamed in.
                match OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path)
                {
                    Ok(f) => {
                        if let Err(e) =
                            f.set_permissions(std::fs::Permissions::from_mode(new_file_mode))
                        {
                            let _ = std::fs::remove_file(path);
                            return Err(Error::io(path, e));
                        }
                        (f, true)
                    }
                    // Someone else created it just now: take theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(Error::io(path, e)),
                }
            }
            Err(e) => return Err(Error::io(path, e)),
        };
        file.lock().map_err(|e| Error::io(path, e))?;
        let locked = file.metadata().map_err(|e| Error::io(path, e))?;
        match std::fs::metadata(path) {
            Ok(now) if now.dev() == locked.dev() && now.ino() == locked.ino() => {
                if !now.is_file() {
                    return Err(Error::io(
                        path,
                        std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"),
                    ));
                }
                return Ok((file, created));
            }
            // Replaced (or removed) while we waited: the lock guards a dead inode.
            _ => continue,
        }
    }
    Err(Error::LockContention {
        path: path.to_path_buf(),
    })
}

fn replace(path: &Path, original: &std::fs::Metadata, bytes: &[u8]) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(&dir, e))?;
    let tpath = tmp.path().to_path_buf();
    tmp.write_all(bytes).map_err(|e| Error::io(&tpath, e))?;
    let f = tmp.as_file();
    f.set_permissions(std::fs::Permissions::from_mode(original.mode() & 0o7777))
        .map_err(|e| Error::io(&tpath, e))?;
    let tmeta = f.metadata().map_err(|e| Error::io(&tpath, e))?;
    if tmeta.uid() != original.uid() || tmeta.gid() != original.gid() {
        // Root can give the file back to its owner; anyone may set a group they belong to.
        let full = std::os::unix::fs::fchown(f, Some(original.uid()), Some(original.gid()));
        if full.is_err() {
            let group_only = if tmeta.uid() == original.uid() {
                std::os::unix::fs::fchown(f, None, Some(original.gid())).is_ok()
            } else {
                false
            };
            if !group_only {
                return Err(Error::PreserveOwner {
                    path: path.to_path_buf(),
                });
            }
        }
        // chown may clear set-id bits; set the mode again.
        f.set_permissions(std::fs::Permissions::from_mode(original.mode() & 0o7777))
            .map_err(|e| Error::io(&tpath, e))?;
    }
    f.sync_all().map_err(|e| Error::io(&tpath, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    // Make the rename durable.
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(&dir, e))?;
    Ok(())
}
