//! The host a subcommand uses: the process's host (native, or the plugin's JS host inside
//! OpenClaw) with the directories of this command line. The core asks `resolve_dirs` for the
//! home and workspace it acts on; for a CLI run those are the command's options, not the
//! gateway's.

use crate::host::{DirListing, ExecOutput, FileStat, Host, HostDirs, HostError, LogLevel};

/// `inner` with `dirs` as its directories.
pub struct CliHost<'a> {
    inner: &'a dyn Host,
    dirs: HostDirs,
}

impl<'a> CliHost<'a> {
    /// Wraps `inner`; `resolve_dirs` answers `dirs`.
    pub fn new(inner: &'a dyn Host, dirs: HostDirs) -> Self {
        CliHost { inner, dirs }
    }
}

impl Host for CliHost<'_> {
    fn fs_read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>, HostError> {
        self.inner.fs_read(path, max_bytes)
    }
    fn utc_offset_minutes(&self, zone: &str, at_ms: i64) -> Option<i32> {
        self.inner.utc_offset_minutes(zone, at_ms)
    }
    fn nfc(&self, text: &str) -> Option<String> {
        self.inner.nfc(text)
    }
    fn fs_write_atomic(&self, path: &str, bytes: &[u8], mode: u32) -> Result<(), HostError> {
        self.inner.fs_write_atomic(path, bytes, mode)
    }
    fn fs_append_line(&self, path: &str, line: &str, fsync: bool) -> Result<(), HostError> {
        self.inner.fs_append_line(path, line, fsync)
    }
    fn fs_list(&self, dir: &str, max_entries: u32) -> Result<DirListing, HostError> {
        self.inner.fs_list(dir, max_entries)
    }
    fn fs_stat(&self, path: &str) -> Result<FileStat, HostError> {
        self.inner.fs_stat(path)
    }
    fn fs_remove(&self, path: &str) -> Result<(), HostError> {
        self.inner.fs_remove(path)
    }
    fn fs_lock(&self, path: &str, ttl_ms: u64) -> Result<(), HostError> {
        self.inner.fs_lock(path, ttl_ms)
    }
    fn fs_unlock(&self, path: &str) -> Result<(), HostError> {
        self.inner.fs_unlock(path)
    }
    fn resolve_dirs(&self) -> HostDirs {
        self.dirs.clone()
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
