//! Memory directories as phases 3 and 5 share them (ground floor, issue 18): the index file's
//! name, the frontmatter of a memory file (P5-R13) and the `.gitignore` of local memory
//! (P5-R4). Phase 5 decides where memory lives and what is injected; phase 3 writes long-term
//! memories into the same directories, so both read and write the same format from here.

use crate::host::{Host, HostError};

/// Where the scoped memory of an agent lives (phase 5 resolves it; phase 3
/// writes long-term memories there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryTarget {
    /// Memory directory.
    pub dir: String,
    /// The directory below which no component may be a symlink (P5-R8a).
    pub trusted_base: String,
    /// Scope name.
    pub scope: String,
    /// Scope guidance.
    pub note: String,
}

/// Index file of every memory directory.
pub const ENTRYPOINT_NAME: &str = "MEMORY.md";

/// Allowed frontmatter `type` values.
pub const MEMORY_TYPES: [&str; 4] = ["user", "feedback", "project", "reference"];

fn unquote(v: &str) -> String {
    let v = v.trim();
    let q = v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')));
    if q {
        v.get(1..v.len() - 1).unwrap_or("").to_string()
    } else {
        v.to_string()
    }
}

/// P5-R13 frontmatter: first line `---` up to the next `---`; `key: value` lines; quotes stripped.
pub fn parse_frontmatter(head: &str) -> (Option<String>, Option<String>, Option<String>) {
    let mut lines = head.lines();
    if lines.next().map(str::trim) != Some("---") {
        return (None, None, None);
    }
    let (mut name, mut description, mut kind) = (None, None, None);
    for line in lines {
        if line.trim() == "---" {
            break;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = unquote(v);
        if v.is_empty() {
            continue;
        }
        match k.trim() {
            "name" => name = Some(v),
            "description" => description = Some(v),
            "type" if MEMORY_TYPES.contains(&v.as_str()) => kind = Some(v),
            _ => {}
        }
    }
    (name, description, kind)
}

/// P5-R4: a `.gitignore` containing `*` in the project's local-memory root, so local memory
/// is never committed. Created when missing (the directory with it, mode 0700 by the host);
/// an existing file is left as the operator made it.
pub fn ensure_gitignore(host: &dyn Host, local_root: &str) {
    let path = format!("{}/.gitignore", local_root.trim_end_matches('/'));
    if matches!(host.fs_stat(&path), Err(HostError::NotFound)) {
        let _ = host.fs_write_atomic(&path, b"*\n", 0o600);
    }
}

/// `<state>/locks/memdir-<hash>`: held while a memory directory's files or index are read,
/// changed and rewritten, by an extraction, a snapshot initialization or `agent-ops memory
/// sync` (G-R18). The directory path is hashed so that no path appears in the lock's name.
pub fn dir_lock_path(state_dir: &str, mem_dir: &str) -> String {
    let h = crate::hash::sha256_hex_prefix(mem_dir.trim_end_matches('/').as_bytes(), 16);
    crate::host::join_path(state_dir, &format!("locks/memdir-{h}"))
}
