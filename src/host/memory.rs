//! [`MemoryHost`]: an in-memory Host for unit tests, with a settable clock and fault injection.

use super::{
    parent_dir, DirEntry, DirListing, EntryKind, ExecOutput, FileStat, Host, HostDirs, HostError,
    LogLevel, MAX_APPEND_LINE_BYTES,
};
use crate::sorted::{SortedMap, SortedSet};
use std::cell::{Cell, RefCell};

/// A failure to inject into the next matching call of a [`MemoryHost`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Every write (atomic or append) to a path containing this text fails with `Io`.
    FailWrites(String),
    /// Every read of a path containing this text fails with `Io`.
    FailReads(String),
}

/// A deterministic in-memory Host.
#[derive(Debug, Default)]
pub struct MemoryHost {
    files: RefCell<SortedMap<String, (Vec<u8>, i64)>>,
    dirs: RefCell<SortedSet<String>>,
    host_dirs: HostDirs,
    now: Cell<i64>,
    mono: Cell<u64>,
    env: RefCell<SortedMap<String, String>>,
    faults: RefCell<Vec<Fault>>,
    logs: RefCell<Vec<(LogLevel, String, String)>>,
    counter: Cell<u64>,
    /// Answer `nfc` as a Host without Unicode tables does (the component build's).
    no_unicode: Cell<bool>,
}

impl MemoryHost {
    /// An empty file system with the given directories and the clock at `now_ms`.
    pub fn new(host_dirs: HostDirs, now_ms: i64) -> Self {
        let h = MemoryHost {
            host_dirs,
            ..MemoryHost::default()
        };
        h.now.set(now_ms);
        h
    }

    /// Makes `nfc` answer `None`, like a Host without Unicode tables.
    pub fn without_unicode_tables(&self) {
        self.no_unicode.set(true);
    }

    /// Sets the wall clock.
    pub fn set_now(&self, ms: i64) {
        self.now.set(ms);
    }

    /// Advances both clocks.
    pub fn advance(&self, ms: u64) {
        self.now.set(
            self.now
                .get()
                .saturating_add(i64::try_from(ms).unwrap_or(i64::MAX)),
        );
        self.mono.set(self.mono.get().saturating_add(ms));
    }

    /// Sets an environment variable.
    pub fn set_env(&self, name: &str, value: &str) {
        self.env.borrow_mut().insert(name.into(), value.into());
    }

    /// Adds a fault that stays active until [`MemoryHost::clear_faults`].
    pub fn inject(&self, fault: Fault) {
        self.faults.borrow_mut().push(fault);
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        self.faults.borrow_mut().clear();
    }

    /// The content of a file, as text (lossy), if it exists.
    pub fn file_text(&self, path: &str) -> Option<String> {
        self.files
            .borrow()
            .get(path)
            .map(|(b, _)| String::from_utf8_lossy(b).into_owned())
    }

    /// Creates or replaces a file directly (test setup).
    pub fn put_file(&self, path: &str, bytes: &[u8]) {
        self.mkdirs(parent_dir(path));
        self.files
            .borrow_mut()
            .insert(path.into(), (bytes.to_vec(), self.now.get()));
    }

    /// All file paths, sorted.
    pub fn paths(&self) -> Vec<String> {
        self.files.borrow().keys().cloned().collect()
    }

    /// Log lines so far as `(level, code, message)`.
    pub fn logs(&self) -> Vec<(LogLevel, String, String)> {
        self.logs.borrow().clone()
    }

    fn mkdirs(&self, dir: &str) {
        let mut d = dir.to_string();
        let mut dirs = self.dirs.borrow_mut();
        while !d.is_empty() && d != "/" {
            dirs.insert(d.clone());
            d = parent_dir(&d).to_string();
        }
    }

    fn write_fault(&self, path: &str) -> Option<HostError> {
        self.faults.borrow().iter().find_map(|f| match f {
            Fault::FailWrites(p) if path.contains(p.as_str()) => {
                Some(HostError::Io(format!("injected write failure: {path}")))
            }
            _ => None,
        })
    }

    fn read_fault(&self, path: &str) -> Option<HostError> {
        self.faults.borrow().iter().find_map(|f| match f {
            Fault::FailReads(p) if path.contains(p.as_str()) => {
                Some(HostError::Io(format!("injected read failure: {path}")))
            }
            _ => None,
        })
    }
}

impl Host for MemoryHost {
    #[cfg(not(target_arch = "wasm32"))]
    fn nfc(&self, text: &str) -> Option<String> {
        use unicode_normalization::UnicodeNormalization;
        (!self.no_unicode.get()).then(|| text.nfc().collect())
    }
    fn fs_read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>, HostError> {
        if let Some(e) = self.read_fault(path) {
            return Err(e);
        }
        let files = self.files.borrow();
        let (bytes, _) = files.get(path).ok_or(HostError::NotFound)?;
        if bytes.len() as u64 > max_bytes {
            return Err(HostError::TooLarge);
        }
        Ok(bytes.clone())
    }

    fn fs_write_atomic(&self, path: &str, bytes: &[u8], _mode: u32) -> Result<(), HostError> {
        if let Some(e) = self.write_fault(path) {
            return Err(e);
        }
        self.put_file(path, bytes);
        Ok(())
    }

    fn fs_append_line(&self, path: &str, line: &str, _fsync: bool) -> Result<(), HostError> {
        if let Some(e) = self.write_fault(path) {
            return Err(e);
        }
        if line.len() > MAX_APPEND_LINE_BYTES {
            return Err(HostError::TooLarge);
        }
        if line.contains('\n') {
            return Err(HostError::Io(
                "a journal line must not contain a newline".into(),
            ));
        }
        self.mkdirs(parent_dir(path));
        let now = self.now.get();
        let mut files = self.files.borrow_mut();
        let entry = files
            .entry(path.into())
            .or_insert_with(|| (Vec::new(), now));
        // G-R17: a torn last line gets its newline first (as the native and Node hosts do).
        if entry.0.last().is_some_and(|b| *b != b'\n') {
            entry.0.push(b'\n');
        }
        entry.0.extend_from_slice(line.as_bytes());
        entry.0.push(b'\n');
        entry.1 = now;
        Ok(())
    }

    fn fs_list(&self, dir: &str, max_entries: u32) -> Result<DirListing, HostError> {
        let dir = dir.trim_end_matches('/');
        if !self.dirs.borrow().contains(dir) {
            return Err(HostError::NotFound);
        }
        let prefix = format!("{dir}/");
        let mut names: SortedMap<String, DirEntry> = SortedMap::new();
        for (p, (bytes, mtime)) in self.files.borrow().iter() {
            if let Some(rest) = p.strip_prefix(&prefix) {
                let (name, kind, size) = match rest.split_once('/') {
                    Some((d, _)) => (d.to_string(), EntryKind::Dir, 0),
                    None => (rest.to_string(), EntryKind::File, bytes.len() as u64),
                };
                names.entry(name.clone()).or_insert(DirEntry {
                    name,
                    kind,
                    size,
                    mtime_ms: *mtime,
                });
            }
        }
        for d in self.dirs.borrow().iter() {
            if let Some(rest) = d.strip_prefix(&prefix) {
                let name = rest.split('/').next().unwrap_or(rest).to_string();
                names.entry(name.clone()).or_insert(DirEntry {
                    name,
                    kind: EntryKind::Dir,
                    size: 0,
                    mtime_ms: self.now.get(),
                });
            }
        }
        let mut listing = DirListing::default();
        for (_, e) in names {
            if listing.entries.len() >= max_entries as usize {
                listing.truncated = true;
                break;
            }
            listing.entries.push(e);
        }
        Ok(listing)
    }

    fn fs_stat(&self, path: &str) -> Result<FileStat, HostError> {
        if let Some((bytes, mtime)) = self.files.borrow().get(path) {
            return Ok(FileStat {
                kind: EntryKind::File,
                size: bytes.len() as u64,
                mtime_ms: *mtime,
            });
        }
        if self.dirs.borrow().contains(path.trim_end_matches('/')) {
            return Ok(FileStat {
                kind: EntryKind::Dir,
                size: 0,
                mtime_ms: self.now.get(),
            });
        }
        Err(HostError::NotFound)
    }

    fn fs_remove(&self, path: &str) -> Result<(), HostError> {
        self.files.borrow_mut().remove(path);
        Ok(())
    }

    fn fs_lock(&self, path: &str, ttl_ms: u64) -> Result<(), HostError> {
        let now = self.now.get();
        if let Some((_, at)) = self.files.borrow().get(path) {
            let age = now.saturating_sub(*at);
            if age < 0 || (age as u64) <= ttl_ms {
                return Err(HostError::Locked);
            }
        }
        self.put_file(path, b"{\"pid\":0,\"host\":\"memory\"}");
        Ok(())
    }

    fn fs_unlock(&self, path: &str) -> Result<(), HostError> {
        self.fs_remove(path)
    }

    fn resolve_dirs(&self) -> HostDirs {
        self.host_dirs.clone()
    }

    fn exec(
        &self,
        _argv: &[String],
        _cwd: &str,
        _timeout_ms: u64,
        _max_output: u64,
    ) -> Result<ExecOutput, HostError> {
        Err(HostError::Unsupported)
    }

    fn now_ms(&self) -> i64 {
        self.now.get()
    }

    fn monotonic_ms(&self) -> u64 {
        self.mono.get()
    }

    fn env(&self, name: &str) -> Option<String> {
        self.env.borrow().get(name).cloned()
    }

    fn random(&self, n: usize) -> Vec<u8> {
        // Deterministic "random" bytes so test outputs are reproducible.
        let c = self.counter.get().wrapping_add(1);
        self.counter.set(c);
        (0..n)
            .map(|i| (c as u8).wrapping_mul(31).wrapping_add(i as u8))
            .collect()
    }

    fn log(&self, level: LogLevel, code: &str, message: &str) {
        self.logs
            .borrow_mut()
            .push((level, code.to_string(), message.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_dirs_and_faults() {
        let h = MemoryHost::new(HostDirs::default(), 1_000);
        h.fs_write_atomic("/s/a/b.json", b"{}", 0o600).unwrap();
        h.fs_append_line("/s/j.jsonl", "x", false).unwrap();
        let l = h.fs_list("/s", 10).unwrap();
        let names: Vec<_> = l.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["a", "j.jsonl"]);
        h.inject(Fault::FailWrites("/s/".into()));
        assert!(h.fs_append_line("/s/j.jsonl", "y", false).is_err());
        h.clear_faults();
        assert_eq!(h.file_text("/s/j.jsonl").unwrap(), "x\n");
        h.fs_lock("/s/l", 100).unwrap();
        assert_eq!(h.fs_lock("/s/l", 100), Err(HostError::Locked));
        h.advance(101);
        h.fs_lock("/s/l", 100).unwrap();
    }
}
