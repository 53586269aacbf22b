//! The state directory's schema version and its migrations (README G-R15, G-R19).
//!
//! `<stateDir>/SCHEMA` holds the integer version of the on-disk layout. `init` calls
//! [`ensure`]: an equal version costs one read; an older or missing one is migrated under
//! `locks/schema` (taken with [`lock_within`], so the gateway and a CLI run that start together
//! migrate once: the second re-reads `SCHEMA` under the lock and finds the work done); a newer
//! one makes every phase read-only ([`ReadOnlyHost`]) with a diagnostic, because this version
//! cannot know what a newer layout means and must never overwrite it.
//!
//! Each applied step is appended to `migrations.jsonl` and `SCHEMA` is rewritten after each
//! step, so a kill between steps resumes at the right one.
//!
//! Version 1 is the layout before the `SCHEMA` file existed (issue 18 and earlier). Version 2
//! is the layout with one sanitiser for every per-session state name ([`crate::session_key`]).
//! The step 1 → 2 stays lazy per session: a legacy name was lossy (`a/b` and `a:b` both became
//! `a_b`), so no pass over the directory can know the session id, hence the new name, of a
//! legacy file; [`crate::session_key::adopt_file`] and `adopt_dir` adopt it when its session
//! is next seen. The step records that the directory is now written with the new names, and
//! the adoption stays on in every version because a binary older than the `SCHEMA` file never
//! reads it and may still write a legacy name into a shared directory.

use crate::contract::Diagnostic;
use crate::host::{
    join_path, lock_within, DirListing, ExecOutput, FileStat, Host, HostDirs, HostError, LogLevel,
};

/// The schema this build reads and writes.
pub const SCHEMA_VERSION: u32 = 2;
/// The file holding the version, under the state directory.
pub const SCHEMA_FILE: &str = "SCHEMA";
/// One line per applied migration step.
pub const MIGRATIONS_JOURNAL: &str = "migrations.jsonl";
/// The lock held while migrating (G-R18 TTL).
const LOCK_TTL_MS: u64 = 30_000;
/// How long `init` waits for another process's migration before going on without it.
const LOCK_WAIT_MS: u64 = 10_000;
/// The version of a state directory with state but no `SCHEMA` file.
const PRE_SCHEMA_VERSION: u32 = 1;

/// One migration step from `from` to `from + 1`.
struct Step {
    from: u32,
    name: &'static str,
    run: fn(&dyn Host, &str) -> Result<(), HostError>,
}

/// Every step, in order. A step must be idempotent: a kill after it ran and before `SCHEMA`
/// was rewritten runs it again.
const STEPS: &[Step] = &[Step {
    from: 1,
    name: "session-state-names",
    run: |_, _| Ok(()), // lazy per session, see the module comment
}];

/// What [`ensure`] found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaCheck {
    /// The version on disk before this call (`None`: no `SCHEMA` file).
    pub found: Option<u32>,
    /// Names of the steps this call applied.
    pub migrated: Vec<String>,
    /// The directory belongs to a newer (or unreadable) schema: no phase may write to it.
    pub read_only: Option<String>,
    /// What to tell the operator.
    pub diagnostics: Vec<Diagnostic>,
}

fn diag(level: LogLevel, code: &str, message: String) -> Diagnostic {
    Diagnostic {
        level,
        code: code.into(),
        message,
    }
}

/// `Ok(None)`: no file. `Err(text)`: a file that is not a version number.
fn read_version(host: &dyn Host, path: &str) -> Result<Option<u32>, String> {
    match host.fs_read(path, 64) {
        Ok(bytes) => String::from_utf8_lossy(&bytes)
            .trim()
            .parse::<u32>()
            .map(Some)
            .map_err(|_| String::from_utf8_lossy(&bytes).trim().to_string()),
        Err(HostError::NotFound) => Ok(None),
        Err(e) => Err(format!("<{e}>")),
    }
}

/// Whether the directory already holds state (anything but locks), so that a missing `SCHEMA`
/// means the pre-schema layout rather than a fresh directory.
fn has_state(host: &dyn Host, state_dir: &str) -> bool {
    host.fs_list(state_dir, 64).is_ok_and(|l| {
        l.entries
            .iter()
            .any(|e| e.name != "locks" && e.name != SCHEMA_FILE && !e.name.starts_with('.'))
    })
}

fn newer(path: &str, found: &str, check: &mut SchemaCheck) {
    let why = format!(
        "{path} says schema {found}, newer than this version's {SCHEMA_VERSION} (or not a number): every phase runs read-only and writes nothing to the state directory; upgrade the plugin"
    );
    check
        .diagnostics
        .push(diag(LogLevel::Error, "core.schema.newer", why.clone()));
    check.read_only = Some(why);
}

/// Why the state directory must not be written, when its `SCHEMA` is newer than this version
/// (or not a number); `None` otherwise. For writers outside the runtime (the CLI's `grants
/// revoke`), which never migrate: a missing or older `SCHEMA` is the runtime's to handle.
pub fn read_only_reason(host: &dyn Host, state_dir: &str) -> Option<String> {
    let path = join_path(state_dir, SCHEMA_FILE);
    let mut check = SchemaCheck::default();
    match read_version(host, &path) {
        Ok(Some(v)) if v > SCHEMA_VERSION => newer(&path, &v.to_string(), &mut check),
        Err(text) => newer(&path, &text, &mut check),
        Ok(_) => {}
    }
    check.read_only
}

/// Reads `SCHEMA`, migrates an older directory under the lock and writes the version, or
/// reports a newer one read-only (G-R19). Never fails: a directory it cannot migrate is used as
/// it is, with a diagnostic.
pub fn ensure(host: &dyn Host, state_dir: &str) -> SchemaCheck {
    let path = join_path(state_dir, SCHEMA_FILE);
    let mut check = SchemaCheck::default();
    match read_version(host, &path) {
        Ok(Some(v)) if v == SCHEMA_VERSION => {
            check.found = Some(v);
            return check;
        }
        Ok(Some(v)) if v > SCHEMA_VERSION => {
            check.found = Some(v);
            newer(&path, &v.to_string(), &mut check);
            return check;
        }
        Err(text) => {
            newer(&path, &text, &mut check);
            return check;
        }
        Ok(found) => check.found = found,
    }
    let lock = join_path(state_dir, "locks/schema");
    if let Err(e) = lock_within(host, &lock, LOCK_TTL_MS, LOCK_WAIT_MS) {
        check.diagnostics.push(diag(
            LogLevel::Warn,
            "core.schema.locked",
            format!("could not take {lock} to migrate the state directory ({e}); running on the current layout, the next start migrates"),
        ));
        return check;
    }
    migrate_locked(host, state_dir, &path, &mut check);
    let _ = host.fs_unlock(&lock);
    check
}

fn migrate_locked(host: &dyn Host, state_dir: &str, path: &str, check: &mut SchemaCheck) {
    // Another process may have migrated while this one waited for the lock.
    let mut at = match read_version(host, path) {
        Ok(Some(v)) if v == SCHEMA_VERSION => return,
        Ok(Some(v)) if v > SCHEMA_VERSION => {
            return newer(path, &v.to_string(), check);
        }
        Err(text) => return newer(path, &text, check),
        Ok(Some(v)) => v,
        Ok(None) if has_state(host, state_dir) => PRE_SCHEMA_VERSION,
        // A fresh directory is born at the current layout.
        Ok(None) => SCHEMA_VERSION,
    };
    let journal = join_path(state_dir, MIGRATIONS_JOURNAL);
    let start = at;
    for step in STEPS.iter().filter(|s| s.from >= start) {
        if let Err(e) = (step.run)(host, state_dir) {
            check.diagnostics.push(diag(
                LogLevel::Error,
                "core.schema.migration_failed",
                format!(
                    "migration {} ({} -> {}) failed: {e}; the state directory stays at schema {at}",
                    step.name,
                    step.from,
                    step.from + 1
                ),
            ));
            return;
        }
        let line = crate::json!({"v": 1, "from": step.from, "to": step.from + 1, "step": step.name, "at": host.now_ms()});
        let written = host
            .fs_append_line(&journal, &line.to_string(), true)
            .and_then(|()| {
                host.fs_write_atomic(path, format!("{}\n", step.from + 1).as_bytes(), 0o600)
            });
        if let Err(e) = written {
            check.diagnostics.push(diag(
                LogLevel::Error,
                "core.schema.write_failed",
                format!("could not record migration {} in {path}: {e}", step.name),
            ));
            return;
        }
        at = step.from + 1;
        check.migrated.push(step.name.to_string());
    }
    if check.migrated.is_empty() {
        if let Err(e) = host.fs_write_atomic(path, format!("{SCHEMA_VERSION}\n").as_bytes(), 0o600)
        {
            check.diagnostics.push(diag(
                LogLevel::Warn,
                "core.schema.write_failed",
                format!("could not write {path}: {e}"),
            ));
        }
    } else {
        check.diagnostics.push(diag(
            LogLevel::Info,
            "core.schema.migrated",
            format!(
                "state directory {state_dir} migrated to schema {at}: {}",
                check.migrated.join(", ")
            ),
        ));
    }
}

/// A host that refuses every write below the state directory (G-R19: a newer schema's
/// directory is never overwritten). Reads pass through; locks there succeed without creating
/// a file, since nothing they would protect is written; writes elsewhere (phase 5's memory
/// directories, which the schema does not cover) pass through.
pub struct ReadOnlyHost<'a> {
    inner: &'a dyn Host,
    state_dir: &'a str,
}

impl<'a> ReadOnlyHost<'a> {
    /// Wraps `inner` for the state directory `state_dir`.
    pub fn new(inner: &'a dyn Host, state_dir: &'a str) -> Self {
        ReadOnlyHost { inner, state_dir }
    }

    fn below(&self, path: &str) -> bool {
        let dir = self.state_dir.trim_end_matches('/');
        !dir.is_empty()
            && (path == dir
                || path
                    .strip_prefix(dir)
                    .is_some_and(|rest| rest.starts_with('/')))
    }

    fn refuse(&self, path: &str) -> Result<(), HostError> {
        if self.below(path) {
            Err(HostError::Io(format!(
                "{path}: the state directory has a newer schema and is read-only"
            )))
        } else {
            Ok(())
        }
    }
}

impl Host for ReadOnlyHost<'_> {
    fn utc_offset_minutes(&self, zone: &str, at_ms: i64) -> Option<i32> {
        self.inner.utc_offset_minutes(zone, at_ms)
    }
    fn nfc(&self, text: &str) -> Option<String> {
        self.inner.nfc(text)
    }
    fn fs_read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>, HostError> {
        self.inner.fs_read(path, max_bytes)
    }
    fn fs_write_atomic(&self, path: &str, bytes: &[u8], mode: u32) -> Result<(), HostError> {
        self.refuse(path)?;
        self.inner.fs_write_atomic(path, bytes, mode)
    }
    fn fs_append_line(&self, path: &str, line: &str, fsync: bool) -> Result<(), HostError> {
        self.refuse(path)?;
        self.inner.fs_append_line(path, line, fsync)
    }
    fn fs_list(&self, dir: &str, max_entries: u32) -> Result<DirListing, HostError> {
        self.inner.fs_list(dir, max_entries)
    }
    fn fs_stat(&self, path: &str) -> Result<FileStat, HostError> {
        self.inner.fs_stat(path)
    }
    fn fs_remove(&self, path: &str) -> Result<(), HostError> {
        self.refuse(path)?;
        self.inner.fs_remove(path)
    }
    fn fs_lock(&self, path: &str, ttl_ms: u64) -> Result<(), HostError> {
        if self.below(path) {
            return Ok(());
        }
        self.inner.fs_lock(path, ttl_ms)
    }
    fn fs_unlock(&self, path: &str) -> Result<(), HostError> {
        if self.below(path) {
            return Ok(());
        }
        self.inner.fs_unlock(path)
    }
    fn resolve_dirs(&self) -> HostDirs {
        self.inner.resolve_dirs()
    }
    fn exec(
        &self,
        argv: &[String],
        cwd: &str,
        timeout_ms: u64,
        max_output: u64,
    ) -> Result<ExecOutput, HostError> {
        self.inner.exec(argv, cwd, timeout_ms, max_output)
    }
    fn now_ms(&self) -> i64 {
        self.inner.now_ms()
    }
    fn monotonic_ms(&self) -> u64 {
        self.inner.monotonic_ms()
    }
    fn env(&self, name: &str) -> Option<String> {
        self.inner.env(name)
    }
    fn random(&self, n: usize) -> Vec<u8> {
        self.inner.random(n)
    }
    fn log(&self, level: LogLevel, code: &str, message: &str) {
        self.inner.log(level, code, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::MemoryHost;

    fn host() -> MemoryHost {
        MemoryHost::new(HostDirs::default(), 0)
    }

    fn schema(h: &MemoryHost) -> String {
        String::from_utf8(h.fs_read("/s/SCHEMA", 64).unwrap()).unwrap()
    }

    #[test]
    fn a_fresh_directory_is_born_at_the_current_schema_without_migrating() {
        let h = host();
        let c = ensure(&h, "/s");
        assert_eq!(c.found, None);
        assert!(c.migrated.is_empty() && c.read_only.is_none());
        assert_eq!(schema(&h), format!("{SCHEMA_VERSION}\n"));
        assert_eq!(
            h.fs_read("/s/migrations.jsonl", 1 << 20),
            Err(HostError::NotFound)
        );
        // The second start reads and does nothing.
        assert_eq!(ensure(&h, "/s").found, Some(SCHEMA_VERSION));
    }

    #[test]
    fn a_pre_schema_directory_is_migrated_once_and_journaled() {
        let h = host();
        h.fs_write_atomic("/s/budget/a_b.json", b"{}", 0o600)
            .unwrap();
        let c = ensure(&h, "/s");
        assert_eq!(c.migrated, vec!["session-state-names".to_string()]);
        assert!(c
            .diagnostics
            .iter()
            .any(|d| d.code == "core.schema.migrated"));
        assert_eq!(schema(&h), "2\n");
        let j = String::from_utf8(h.fs_read("/s/migrations.jsonl", 1 << 20).unwrap()).unwrap();
        assert_eq!(j.lines().count(), 1, "{j}");
        assert!(ensure(&h, "/s").migrated.is_empty());
        // The lock was released.
        assert_eq!(h.fs_stat("/s/locks/schema"), Err(HostError::NotFound));
    }

    #[test]
    fn a_newer_or_unreadable_schema_is_read_only_and_untouched() {
        for text in ["999\n", "three"] {
            let h = host();
            h.fs_write_atomic("/s/SCHEMA", text.as_bytes(), 0o600)
                .unwrap();
            let c = ensure(&h, "/s");
            assert!(c.read_only.is_some());
            let d = c
                .diagnostics
                .iter()
                .find(|d| d.code == "core.schema.newer")
                .unwrap();
            assert!(
                d.message.contains(text.trim()) && d.message.contains("/s/SCHEMA"),
                "{}",
                d.message
            );
            assert_eq!(schema(&h), text);
        }
    }

    #[test]
    fn a_held_lock_leaves_the_directory_unmigrated_with_a_warning() {
        let h = host();
        h.fs_write_atomic("/s/budget/x.json", b"{}", 0o600).unwrap();
        h.fs_lock("/s/locks/schema", 30_000).unwrap();
        let c = ensure(&h, "/s");
        assert!(c.migrated.is_empty());
        assert!(c.diagnostics.iter().any(|d| d.code == "core.schema.locked"));
        assert_eq!(h.fs_read("/s/SCHEMA", 64), Err(HostError::NotFound));
    }

    #[test]
    fn the_read_only_host_refuses_writes_below_the_state_dir_only() {
        let h = host();
        let ro = ReadOnlyHost::new(&h, "/s");
        assert!(ro.fs_write_atomic("/s/a.json", b"{}", 0o600).is_err());
        assert!(ro.fs_append_line("/s/j/a.jsonl", "{}", false).is_err());
        assert!(ro.fs_remove("/s/a.json").is_err());
        assert_eq!(ro.fs_lock("/s/locks/x", 1), Ok(()));
        assert_eq!(h.fs_stat("/s/locks/x"), Err(HostError::NotFound));
        // A sibling whose name starts with the state dir's is not below it.
        assert!(ro.fs_write_atomic("/s2/a.json", b"{}", 0o600).is_ok());
        assert!(ro.fs_write_atomic("/p/.openclaw/m.md", b"x", 0o600).is_ok());
    }
}
