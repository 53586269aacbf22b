//! The Host interface: the only way the core reaches the outside world (README G-R4, G-R8).
//!
//! Phases never touch the file system, the clock, the environment or a random source
//! directly; they call a [`Host`]. Three implementations exist:
//!
//! * [`NativeHost`] (not on wasm): `std::fs`, used by the CLI and native tests;
//! * [`MemoryHost`]: an in-memory fake with fault injection, for unit tests;
//! * the binding hosts in `bindings/` (Node through wasm-bindgen, the WIT `host` import).
//!
//! Every fallible call returns a [`HostError`] value; nothing throws across the boundary
//! (README G-R9).

mod memory;
#[cfg(not(target_arch = "wasm32"))]
mod native;

pub use memory::{Fault, MemoryHost};
#[cfg(not(target_arch = "wasm32"))]
pub use native::NativeHost;

use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest line [`Host::fs_append_line`] accepts (README G-R18: one `O_APPEND` write).
pub const MAX_APPEND_LINE_BYTES: usize = 64 * 1024;

/// Why a host call failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "message")]
pub enum HostError {
    /// The path does not exist.
    NotFound,
    /// The operating system refused access.
    PermissionDenied,
    /// The file is larger than the caller's `max_bytes`.
    TooLarge,
    /// The host cannot do this at all (for example `exec` inside a sandbox).
    Unsupported,
    /// The lock is held by someone else and is not stale.
    Locked,
    /// Any other I/O failure, with the host's message.
    Io(String),
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::NotFound => f.write_str("not found"),
            HostError::PermissionDenied => f.write_str("permission denied"),
            HostError::TooLarge => f.write_str("file too large"),
            HostError::Unsupported => f.write_str("not supported by this host"),
            HostError::Locked => f.write_str("locked by another process"),
            HostError::Io(m) => write!(f, "I/O error: {m}"),
        }
    }
}

impl std::error::Error for HostError {}

/// What kind of directory entry a path is (`lstat` semantics: symlinks are not followed).
#[derive(Debug, Clone, Default, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (never followed).
    Symlink,
    /// Anything else (socket, device, fifo).
    #[default]
    Other,
}

/// Metadata of one path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileStat {
    /// Entry kind.
    pub kind: EntryKind,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ms since the Unix epoch.
    pub mtime_ms: i64,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirEntry {
    /// File name (no directory part).
    pub name: String,
    /// Entry kind.
    pub kind: EntryKind,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ms since the Unix epoch.
    pub mtime_ms: i64,
}

/// A directory listing, capped at the caller's `max_entries`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirListing {
    /// Entries, in the host's order.
    pub entries: Vec<DirEntry>,
    /// True when the listing stopped at `max_entries`.
    pub truncated: bool,
}

/// Result of a host `exec` (argv only, never a shell).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecOutput {
    /// Exit status (`-1` when killed by a signal).
    pub status: i32,
    /// Captured standard output, capped.
    pub stdout: String,
    /// Captured standard error, capped.
    pub stderr: String,
    /// True when the timeout ended the process.
    pub timed_out: bool,
}

/// Directories the host knows about (phase 5 resolves scopes from these).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostDirs {
    /// The plugin's state directory, when already known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_dir: Option<String>,
    /// The user's home directory.
    #[serde(default)]
    pub home_dir: String,
    /// The agent's workspace.
    #[serde(default)]
    pub workspace_dir: String,
    /// The project root, when one was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_root: Option<String>,
    /// `AGENT_OPS_REMOTE_MEMORY_DIR` or its fallback, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_memory_dir: Option<String>,
    /// OpenClaw's own state directory.
    #[serde(default)]
    pub openclaw_state_dir: String,
}

crate::json::read::json_enum! {
    EntryKind { File = "file", Dir = "dir", Symlink = "symlink", Other = "other" }
}
crate::json::read::json_struct!(FileStat {
    "kind" => kind: req,
    "size" => size: req,
    "mtimeMs" => mtime_ms: req,
});
crate::json::read::json_struct!(DirEntry {
    "name" => name: req,
    "kind" => kind: req,
    "size" => size: req,
    "mtimeMs" => mtime_ms: req,
});
crate::json::read::json_struct!(DirListing {
    "entries" => entries: req,
    "truncated" => truncated: req,
});
crate::json::read::json_struct!(ExecOutput {
    "status" => status: req,
    "stdout" => stdout: req,
    "stderr" => stderr: req,
    "timedOut" => timed_out: req,
});
crate::json::read::json_struct!(HostDirs {
    "stateDir" => state_dir: def,
    "homeDir" => home_dir: def,
    "workspaceDir" => workspace_dir: def,
    "projectRoot" => project_root: def,
    "remoteMemoryDir" => remote_memory_dir: def,
    "openclawStateDir" => openclaw_state_dir: def,
});

/// A host error in a reply: an adjacently tagged enum, read by its derived `Deserialize`
/// (the one reply type without a hand-written reader).
impl crate::json::FromJson for HostError {
    fn from_json(v: serde_json::Value) -> Result<Self, serde_json::Error> {
        crate::json::from_value(v)
    }
}

/// Severity of a host log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Something failed.
    Error,
    /// Something degraded.
    Warn,
    /// Normal operation.
    Info,
    /// Detail for developers.
    Debug,
}

impl LogLevel {
    /// The lowercase name used in config and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
        }
    }
}

/// Everything the core may ask of its environment (README G-R8).
///
/// Implementations must be total: every method returns a value for any argument.
pub trait Host {
    /// Reads a whole file, failing with [`HostError::TooLarge`] beyond `max_bytes`.
    fn fs_read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>, HostError>;
    /// Replaces `path` atomically: temp file in the same directory, fsync, rename,
    /// fsync of the directory. Parent directories are created with mode 0700.
    fn fs_write_atomic(&self, path: &str, bytes: &[u8], mode: u32) -> Result<(), HostError>;
    /// Appends one line (a `\n` is added) with a single `O_APPEND` write. A file whose last
    /// byte is not `\n` (a torn line of a writer killed mid-line) gets a `\n` before the line in
    /// the same write, so the torn line never swallows this one (G-R17; readers skip a line
    /// that does not parse). This is the only repair of a torn line: it never touches bytes
    /// already written, so it is safe without a lock; at worst (the tail looked torn because
    /// another append was still in progress) it leaves an empty line, which readers skip too.
    fn fs_append_line(&self, path: &str, line: &str, fsync: bool) -> Result<(), HostError>;
    /// Lists a directory, stopping at `max_entries`.
    fn fs_list(&self, dir: &str, max_entries: u32) -> Result<DirListing, HostError>;
    /// `lstat` of a path.
    fn fs_stat(&self, path: &str) -> Result<FileStat, HostError>;
    /// Removes a file (never a directory tree); a missing file is success.
    fn fs_remove(&self, path: &str) -> Result<(), HostError>;
    /// Takes an advisory lock file; a lock older than `ttl_ms` is stale and broken.
    fn fs_lock(&self, path: &str, ttl_ms: u64) -> Result<(), HostError>;
    /// Releases a lock taken with [`Host::fs_lock`].
    fn fs_unlock(&self, path: &str) -> Result<(), HostError>;
    /// Directories of the current context.
    fn resolve_dirs(&self) -> HostDirs;
    /// Runs a program (argv only, never through a shell).
    fn exec(
        &self,
        argv: &[String],
        cwd: &str,
        timeout_ms: u64,
        max_output: u64,
    ) -> Result<ExecOutput, HostError>;
    /// Wall clock, ms since the Unix epoch.
    fn now_ms(&self) -> i64;
    /// Monotonic clock in ms.
    fn monotonic_ms(&self) -> u64;
    /// An environment variable, when set and valid UTF-8.
    fn env(&self, name: &str) -> Option<String>;
    /// `n` random bytes.
    fn random(&self, n: usize) -> Vec<u8>;
    /// A diagnostic line for the OpenClaw plugin logger.
    fn log(&self, level: LogLevel, code: &str, message: &str);
    /// Minutes east of UTC of the IANA time zone `zone` at `at_ms`, from the Host's time-zone
    /// database (Node: `Intl`). The core has no such database (wasm): a Host without one
    /// answers `None`, and the caller falls back to fixed offsets (phase 2's daily window).
    fn utc_offset_minutes(&self, zone: &str, at_ms: i64) -> Option<i32> {
        let _ = (zone, at_ms);
        None
    }
    /// `text` in Unicode Normalization Form C, from the Host's Unicode tables (Node:
    /// `String.prototype.normalize`; native: the `unicode-normalization` crate). The wasm core
    /// carries no normalisation tables (plugin size): a Host without them answers `None`, and
    /// the caller keeps the text as it is (phase 5's project identity, P5-R2).
    fn nfc(&self, text: &str) -> Option<String> {
        let _ = text;
        None
    }
}

/// Lowercase hex of some random bytes from the host (ids, temp names).
pub fn random_hex(host: &dyn Host, n: usize) -> String {
    let bytes = host.random(n);
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// G-R16: keeps a state file that does not parse as `<path>.corrupt-<ms>` and removes the
/// original, so the phase starts fresh without destroying the evidence (a silently reset
/// breaker or budget is a lost safety state; the diagnostic says where the old one went).
/// Returns the path it was moved to.
pub fn move_aside(
    host: &dyn Host,
    path: &str,
    bytes: &[u8],
    now_ms: i64,
) -> Result<String, HostError> {
    let aside = format!("{path}.corrupt-{now_ms}");
    host.fs_write_atomic(&aside, bytes, 0o600)?;
    host.fs_remove(path)?;
    Ok(aside)
}

/// Most polls of a held lock in [`lock_within`] (a host whose monotonic clock does not move,
/// like the in-memory one, must still give up).
const MAX_LOCK_POLLS: u32 = 1_000_000;

/// Takes a lock, waiting up to `wait_ms` for a live holder to let go (G-R18): a store that the
/// gateway and the CLI share is locked for a few milliseconds at a time, and refusing at the
/// first collision would drop an operator's `allow-always` answer or `grants revoke` for
/// nothing. The Host has no sleep, so the wait polls the lock file (a `stat`); after `wait_ms`
/// the caller gets [`HostError::Locked`] and fails the way its phase says.
pub fn lock_within(
    host: &dyn Host,
    path: &str,
    ttl_ms: u64,
    wait_ms: u64,
) -> Result<(), HostError> {
    let start = host.monotonic_ms();
    let mut polls = 0u32;
    loop {
        match host.fs_lock(path, ttl_ms) {
            Err(HostError::Locked) => {
                while host.fs_stat(path).is_ok() {
                    polls = polls.saturating_add(1);
                    if polls >= MAX_LOCK_POLLS
                        || host.monotonic_ms().saturating_sub(start) >= wait_ms
                    {
                        return Err(HostError::Locked);
                    }
                }
            }
            r => return r,
        }
        polls = polls.saturating_add(1);
        if polls >= MAX_LOCK_POLLS || host.monotonic_ms().saturating_sub(start) >= wait_ms {
            return Err(HostError::Locked);
        }
    }
}

/// Joins a directory and a relative name with exactly one `/`.
pub fn join_path(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        return name.to_string();
    }
    let d = dir.trim_end_matches('/');
    let n = name.trim_start_matches('/');
    if d.is_empty() {
        format!("/{n}")
    } else {
        format!("{d}/{n}")
    }
}

/// The directory part of a `/`-separated path (`""` when there is none).
pub fn parent_dir(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => path.get(..i).unwrap_or(""),
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_within_gives_up_on_a_held_lock_and_takes_a_free_one() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        h.fs_lock("/s/l", 30_000).unwrap();
        // The in-memory clock does not move: the poll bound ends the wait.
        assert_eq!(lock_within(&h, "/s/l", 30_000, 500), Err(HostError::Locked));
        h.fs_unlock("/s/l").unwrap();
        assert_eq!(lock_within(&h, "/s/l", 30_000, 500), Ok(()));
    }

    #[test]
    fn join_and_parent_handle_slashes() {
        assert_eq!(join_path("/a/", "/b"), "/a/b");
        assert_eq!(join_path("/", "b"), "/b");
        assert_eq!(join_path("", "b"), "b");
        assert_eq!(parent_dir("/a/b/c"), "/a/b");
        assert_eq!(parent_dir("/a"), "/");
        assert_eq!(parent_dir("a"), "");
    }
}
