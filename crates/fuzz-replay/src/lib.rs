//! Replays the fuzz corpora from the root workspace's `cargo test`.
//!
//! The fuzz crate (`fuzz/`) is its own cargo-fuzz workspace, built with libFuzzer's
//! instrumentation only in CI's smoke run. Each target's body is a plain function,
//! `fuzz/targets/<target>.rs`'s `run(&[u8])`: the libFuzzer binary
//! (`fuzz/fuzz_targets/<target>.rs`) calls it, and so does `tests/replay.rs` here, for
//! every file of `fuzz/corpus/<target>/`. A corpus entry that panics (a regression) fails
//! `cargo test` without any fuzzing tool.

use std::path::{Path, PathBuf};

/// `fuzz/` of the workspace.
pub fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Runs `run` on every file of `fuzz/corpus/<target>/` (sorted by name); returns how many.
/// A panic names the file.
///
/// # Panics
/// When the corpus cannot be read, or `run` panics on an entry.
pub fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    files.sort();
    for file in &files {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if let Err(panic) = std::panic::catch_unwind(|| run(&data)) {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            panic!("fuzz target {target} panics on {}: {why}", file.display());
        }
    }
    files.len()
}

/// The names of the targets: the `.rs` files of `fuzz/targets/`, sorted.
///
/// # Panics
/// When the directory cannot be read.
pub fn targets() -> Vec<String> {
    let dir = fuzz_dir().join("targets");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".rs").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
}
