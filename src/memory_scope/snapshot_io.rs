//! Snapshot actions through the Host (P5-R16 … R18, R19a): reading the state the decision
//! needs, initialize / replace / merge / skip, and publishing an agent's memory as a snapshot.
//! Every file is written atomically; the marker (or `snapshot.json`) is written last, so an
//! interruption leaves a state the next check completes.

use super::snapshot::{SnapshotState, MARKER_FILE, SNAPSHOT_FILE};
use crate::host::{EntryKind, Host, HostError};

/// Files kept per snapshot.
pub const MAX_SNAPSHOT_FILES: usize = 200;
/// Largest snapshot file.
pub const MAX_SNAPSHOT_FILE_BYTES: u64 = 256 * 1024;
/// Folder a `merge` leaves for the agent.
pub const INCOMING_DIR: &str = ".snapshot-incoming";

fn join(dir: &str, name: &str) -> String {
    format!("{}/{}", dir.trim_end_matches('/'), name)
}

/// Regular files below `dir` (depth ≤ 2), as relative paths; `md_only` keeps `.md` files;
/// names starting with `.` and `snapshot.json` are skipped.
pub fn list_files(host: &dyn Host, dir: &str, md_only: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.trim_end_matches('/').to_string(), String::new(), 1usize)];
    while let Some((d, rel, depth)) = stack.pop() {
        let Ok(listing) = host.fs_list(&d, 5_000) else {
            continue;
        };
        for e in listing.entries {
            if e.name.starts_with('.') || (rel.is_empty() && e.name == SNAPSHOT_FILE) {
                continue;
            }
            let r = if rel.is_empty() {
                e.name.clone()
            } else {
                format!("{rel}/{}", e.name)
            };
            match e.kind {
                EntryKind::Dir if depth < 2 => stack.push((join(&d, &e.name), r, depth + 1)),
                EntryKind::File
                    if (!md_only || e.name.ends_with(".md"))
                        && e.size <= MAX_SNAPSHOT_FILE_BYTES =>
                {
                    out.push(r)
                }
                _ => {}
            }
        }
    }
    crate::sorted::sort(&mut out);
    out.truncate(MAX_SNAPSHOT_FILES);
    out
}

/// What [`super::snapshot::check`] needs, read from disk.
pub struct Read {
    /// `snapshot.json` text.
    pub snapshot_json: Option<String>,
    /// Marker text.
    pub marker_json: Option<String>,
    /// The memory dir has a `.md` file.
    pub memory_has_md: bool,
    /// Every snapshot file exists in memory with identical bytes.
    pub all_files_identical: bool,
}

impl Read {
    /// Borrowed view for the decision.
    pub fn state(&self) -> SnapshotState<'_> {
        SnapshotState {
            snapshot_json: self.snapshot_json.as_deref(),
            marker_json: self.marker_json.as_deref(),
            memory_has_md: self.memory_has_md,
            all_files_identical: self.all_files_identical,
        }
    }
}

fn text(host: &dyn Host, path: &str) -> Option<String> {
    host.fs_read(path, 1024 * 1024)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Reads the snapshot and memory directories.
pub fn read(host: &dyn Host, snap_dir: &str, mem_dir: &str) -> Read {
    let files = list_files(host, snap_dir, false);
    let identical = !files.is_empty()
        && files.iter().all(|f| {
            let a = host
                .fs_read(&join(snap_dir, f), MAX_SNAPSHOT_FILE_BYTES)
                .ok();
            a.is_some()
                && a == host
                    .fs_read(&join(mem_dir, f), MAX_SNAPSHOT_FILE_BYTES)
                    .ok()
        });
    Read {
        snapshot_json: text(host, &join(snap_dir, SNAPSHOT_FILE)),
        marker_json: text(host, &join(mem_dir, MARKER_FILE)),
        memory_has_md: !list_files(host, mem_dir, true).is_empty(),
        all_files_identical: identical,
    }
}

fn updated_at(r: &Read) -> String {
    r.snapshot_json
        .as_deref()
        .and_then(|t| crate::json::from_str::<serde_json::Value>(t).ok())
        .and_then(|v| {
            v.get("updatedAt")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_default()
}

fn copy_all(host: &dyn Host, from: &str, to: &str) -> Result<usize, HostError> {
    let files = list_files(host, from, false);
    for f in &files {
        let bytes = host.fs_read(&join(from, f), MAX_SNAPSHOT_FILE_BYTES)?;
        host.fs_write_atomic(&join(to, f), &bytes, 0o600)?;
    }
    Ok(files.len())
}

fn write_marker(host: &dyn Host, mem_dir: &str, r: &Read) -> Result<(), HostError> {
    let body = crate::json!({ "syncedFrom": updated_at(r) }).to_string();
    host.fs_write_atomic(&join(mem_dir, MARKER_FILE), body.as_bytes(), 0o600)
}

/// How to apply a pending snapshot update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Copy into `.snapshot-incoming/` for the agent to merge.
    Merge,
    /// Replace the memory's `.md` files.
    Replace,
    /// Only mark as seen.
    Skip,
}

/// `initialize`: copy every snapshot file, then the marker.
pub fn initialize(
    host: &dyn Host,
    snap_dir: &str,
    mem_dir: &str,
    r: &Read,
) -> Result<usize, HostError> {
    let n = copy_all(host, snap_dir, mem_dir)?;
    write_marker(host, mem_dir, r)?;
    Ok(n)
}

/// The marker only (an interrupted initialize whose files are all in place).
pub fn mark(host: &dyn Host, mem_dir: &str, r: &Read) -> Result<(), HostError> {
    write_marker(host, mem_dir, r)
}

/// P5-R18 `merge` / `replace` / `skip`.
pub fn update(
    host: &dyn Host,
    snap_dir: &str,
    mem_dir: &str,
    r: &Read,
    mode: Mode,
) -> Result<usize, HostError> {
    let n = match mode {
        Mode::Skip => 0,
        Mode::Merge => copy_all(host, snap_dir, &join(mem_dir, INCOMING_DIR))?,
        Mode::Replace => {
            for f in list_files(host, mem_dir, true) {
                host.fs_remove(&join(mem_dir, &f))?;
            }
            copy_all(host, snap_dir, mem_dir)?
        }
    };
    write_marker(host, mem_dir, r)?;
    Ok(n)
}

/// `agent-ops memory snapshot`: the memory's `.md` files into the snapshot dir, then
/// `snapshot.json` with `updatedAt` = `now_iso`.
pub fn publish(
    host: &dyn Host,
    mem_dir: &str,
    snap_dir: &str,
    now_iso: &str,
) -> Result<usize, HostError> {
    let files = list_files(host, mem_dir, true);
    for f in &files {
        let bytes = host.fs_read(&join(mem_dir, f), MAX_SNAPSHOT_FILE_BYTES)?;
        host.fs_write_atomic(&join(snap_dir, f), &bytes, 0o644)?;
    }
    let meta = crate::json!({ "updatedAt": now_iso }).to_string();
    host.fs_write_atomic(&join(snap_dir, SNAPSHOT_FILE), meta.as_bytes(), 0o644)?;
    Ok(files.len())
}

#[cfg(test)]
mod tests {
    use super::super::snapshot::{check, Action};
    use super::*;
    use crate::host::{HostDirs, MemoryHost};

    fn host() -> MemoryHost {
        MemoryHost::new(HostDirs::default(), 0)
    }

    #[test]
    fn p5_t30_publish_then_a_teammate_initializes() {
        let h = host();
        h.put_file("/me/mem/MEMORY.md", b"- [A](a.md)\n");
        h.put_file("/me/mem/a.md", b"alpha\n");
        h.put_file("/me/mem/.snapshot-synced.json", b"{}");
        assert_eq!(
            publish(&h, "/me/mem", "/p/snap", "2026-11-24T10:00:00Z").unwrap(),
            2
        );
        assert!(h
            .file_text("/p/snap/snapshot.json")
            .unwrap()
            .contains("2026-11-24T10:00:00Z"));
        assert!(h.file_text("/p/snap/.snapshot-synced.json").is_none());
        // P5-T18: an empty memory dir initializes; the marker is written last.
        let r = read(&h, "/p/snap", "/mate/mem");
        assert_eq!(check(&r.state()).0, Action::Initialize);
        assert_eq!(initialize(&h, "/p/snap", "/mate/mem", &r).unwrap(), 2);
        assert_eq!(h.file_text("/mate/mem/a.md").unwrap(), "alpha\n");
        assert!(h
            .file_text("/mate/mem/.snapshot-synced.json")
            .unwrap()
            .contains("2026-11-24T10:00:00Z"));
        assert_eq!(
            check(&read(&h, "/p/snap", "/mate/mem").state()).0,
            Action::None
        );
    }

    #[test]
    fn p5_t21_interrupted_initialize_completes_with_the_marker() {
        let h = host();
        h.put_file(
            "/p/snap/snapshot.json",
            br#"{"updatedAt":"2026-11-24T10:00:00Z"}"#,
        );
        h.put_file("/p/snap/a.md", b"alpha\n");
        h.put_file("/m/a.md", b"alpha\n");
        let r = read(&h, "/p/snap", "/m");
        assert_eq!(check(&r.state()).0, Action::WriteMarker);
        mark(&h, "/m", &r).unwrap();
        assert_eq!(check(&read(&h, "/p/snap", "/m").state()).0, Action::None);
    }

    #[test]
    fn p5_t22_replace_merge_skip() {
        let h = host();
        h.put_file(
            "/p/snap/snapshot.json",
            br#"{"updatedAt":"2026-11-25T00:00:00Z"}"#,
        );
        h.put_file("/p/snap/new.md", b"new\n");
        h.put_file("/m/old.md", b"old\n");
        h.put_file(
            "/m/.snapshot-synced.json",
            br#"{"syncedFrom":"2026-11-24T00:00:00Z"}"#,
        );
        let r = read(&h, "/p/snap", "/m");
        assert_eq!(check(&r.state()).0, Action::PromptUpdate);
        update(&h, "/p/snap", "/m", &r, Mode::Merge).unwrap();
        assert_eq!(
            h.file_text("/m/.snapshot-incoming/new.md").unwrap(),
            "new\n"
        );
        assert_eq!(h.file_text("/m/old.md").unwrap(), "old\n");
        update(&h, "/p/snap", "/m", &r, Mode::Replace).unwrap();
        assert!(h.file_text("/m/old.md").is_none());
        assert_eq!(h.file_text("/m/new.md").unwrap(), "new\n");
        assert_eq!(check(&read(&h, "/p/snap", "/m").state()).0, Action::None);
    }
}
