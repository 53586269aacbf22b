//! [`NativeHost`]: the Host on a real operating system, for the CLI and native tests.

use super::{
    parent_dir, DirEntry, DirListing, EntryKind, ExecOutput, FileStat, Host, HostDirs, HostError,
    LogLevel, MAX_APPEND_LINE_BYTES,
};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A Host backed by `std::fs` and `std::process`.
#[derive(Debug)]
pub struct NativeHost {
    dirs: HostDirs,
    started: Instant,
    log_level: LogLevel,
    /// Log lines go to stderr unless captured (tests read them back).
    captured: Option<Mutex<Vec<String>>>,
}

impl NativeHost {
    /// A host for the given directories, logging warnings and errors to stderr.
    pub fn new(dirs: HostDirs) -> Self {
        NativeHost {
            dirs,
            started: Instant::now(),
            log_level: LogLevel::Warn,
            captured: None,
        }
    }

    /// Same host, but log lines are kept in memory instead of printed.
    pub fn capturing_logs(mut self) -> Self {
        self.captured = Some(Mutex::new(Vec::new()));
        self
    }

    /// Log lines captured so far (empty unless [`NativeHost::capturing_logs`]).
    pub fn logs(&self) -> Vec<String> {
        match &self.captured {
            Some(m) => m.lock().map(|v| v.clone()).unwrap_or_default(),
            None => Vec::new(),
        }
    }
}

fn map_io(e: io::Error) -> HostError {
    match e.kind() {
        io::ErrorKind::NotFound => HostError::NotFound,
        io::ErrorKind::PermissionDenied => HostError::PermissionDenied,
        io::ErrorKind::AlreadyExists => HostError::Locked,
        _ => HostError::Io(e.to_string()),
    }
}

fn mtime_ms(meta: &fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn kind_of(ft: fs::FileType) -> EntryKind {
    if ft.is_symlink() {
        EntryKind::Symlink
    } else if ft.is_dir() {
        EntryKind::Dir
    } else if ft.is_file() {
        EntryKind::File
    } else {
        EntryKind::Other
    }
}

#[cfg(unix)]
fn create_dirs_private(dir: &str) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_empty() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_dirs_private(dir: &str) -> io::Result<()> {
    if dir.is_empty() {
        return Ok(());
    }
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn open_new_with_mode(path: &str, mode: u32) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
}

#[cfg(not(unix))]
fn open_new_with_mode(path: &str, _mode: u32) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

fn sync_dir(dir: &str) {
    // Directory fsync makes the rename durable; some file systems refuse it, which is harmless.
    if let Ok(d) = File::open(if dir.is_empty() { "." } else { dir }) {
        let _ = d.sync_all();
    }
}

fn random_suffix() -> String {
    let mut buf = [0u8; 8];
    if let Ok(mut f) = File::open("/dev/urandom") {
        let _ = f.read_exact(&mut buf);
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut s = String::new();
    for b in buf {
        s.push_str(&format!("{b:02x}"));
    }
    format!("{s}{nanos:08x}{:x}", std::process::id())
}

impl Host for NativeHost {
    fn nfc(&self, text: &str) -> Option<String> {
        use unicode_normalization::UnicodeNormalization;
        Some(text.nfc().collect())
    }
    fn fs_read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>, HostError> {
        let f = File::open(path).map_err(map_io)?;
        let mut out = Vec::new();
        // Read one byte past the cap to detect oversize files without reading them whole.
        f.take(max_bytes.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(map_io)?;
        if out.len() as u64 > max_bytes {
            return Err(HostError::TooLarge);
        }
        Ok(out)
    }

    fn fs_write_atomic(&self, path: &str, bytes: &[u8], mode: u32) -> Result<(), HostError> {
        let dir = parent_dir(path);
        create_dirs_private(dir).map_err(map_io)?;
        let name = Path::new(path)
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| HostError::Io(format!("not a file path: {path}")))?;
        let tmp = super::join_path(dir, &format!(".{name}.tmp-{}", random_suffix()));
        let result = (|| -> io::Result<()> {
            let mut f = open_new_with_mode(&tmp, mode)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, path)?;
            sync_dir(dir);
            Ok(())
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(map_io(e));
        }
        Ok(())
    }

    fn fs_append_line(&self, path: &str, line: &str, fsync: bool) -> Result<(), HostError> {
        if line.len() > MAX_APPEND_LINE_BYTES {
            return Err(HostError::TooLarge);
        }
        if line.contains('\n') {
            return Err(HostError::Io(
                "a journal line must not contain a newline".into(),
            ));
        }
        create_dirs_private(parent_dir(path)).map_err(map_io)?;
        let mut f = {
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                OpenOptions::new()
                    .read(true)
                    .append(true)
                    .create(true)
                    .mode(0o600)
                    .open(path)
            }
            #[cfg(not(unix))]
            {
                OpenOptions::new()
                    .read(true)
                    .append(true)
                    .create(true)
                    .open(path)
            }
        }
        .map_err(map_io)?;
        let mut buf = Vec::with_capacity(line.len() + 2);
        // G-R17: a torn last line (a writer killed mid-line) gets its newline first, in the
        // same write, so it never swallows this line.
        if !ends_with_newline(&mut f).map_err(map_io)? {
            buf.push(b'\n');
        }
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        // One write call on an O_APPEND handle: concurrent appenders never interleave.
        let n = f.write(&buf).map_err(map_io)?;
        if n != buf.len() {
            return Err(HostError::Io(format!("short append: {n} of {}", buf.len())));
        }
        if fsync {
            f.sync_data().map_err(map_io)?;
        }
        Ok(())
    }

    fn fs_list(&self, dir: &str, max_entries: u32) -> Result<DirListing, HostError> {
        let rd = fs::read_dir(dir).map_err(map_io)?;
        let mut listing = DirListing::default();
        for entry in rd {
            if listing.entries.len() >= max_entries as usize {
                listing.truncated = true;
                break;
            }
            let entry = entry.map_err(map_io)?;
            let Ok(meta) = entry.metadata() else { continue };
            listing.entries.push(DirEntry {
                name: entry.file_name().to_string_lossy().into_owned(),
                kind: kind_of(meta.file_type()),
                size: meta.len(),
                mtime_ms: mtime_ms(&meta),
            });
        }
        Ok(listing)
    }

    fn fs_stat(&self, path: &str) -> Result<FileStat, HostError> {
        let meta = fs::symlink_metadata(path).map_err(map_io)?;
        Ok(FileStat {
            kind: kind_of(meta.file_type()),
            size: meta.len(),
            mtime_ms: mtime_ms(&meta),
        })
    }

    fn fs_remove(&self, path: &str) -> Result<(), HostError> {
        match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(map_io(e)),
        }
    }

    fn fs_lock(&self, path: &str, ttl_ms: u64) -> Result<(), HostError> {
        create_dirs_private(parent_dir(path)).map_err(map_io)?;
        let body = format!(
            "{{\"pid\":{},\"host\":\"native\",\"acquiredAt\":{}}}",
            std::process::id(),
            self.now_ms()
        );
        // The lock appears with its content or not at all: the body goes to a private temp
        // file that is then hard-linked to the lock path (link fails when the lock exists), so
        // a kill can never leave an empty lock that nobody can prove stale.
        let tmp = format!(
            "{}/.{}.lock-{}-{}",
            parent_dir(path),
            path.rsplit('/').next().unwrap_or("lock"),
            std::process::id(),
            random_suffix()
        );
        {
            let mut f = open_new_with_mode(&tmp, 0o600).map_err(map_io)?;
            if let Err(e) = f.write_all(body.as_bytes()) {
                let _ = fs::remove_file(&tmp);
                return Err(map_io(e));
            }
        }
        let result = link_lock(self.now_ms(), &tmp, path, ttl_ms);
        let _ = fs::remove_file(&tmp);
        result
    }

    fn fs_unlock(&self, path: &str) -> Result<(), HostError> {
        self.fs_remove(path)
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
        let (prog, args) = argv
            .split_first()
            .ok_or_else(|| HostError::Io("empty argv".into()))?;
        let mut cmd = Command::new(prog);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if !cwd.is_empty() {
            cmd.current_dir(cwd);
        }
        let mut child = cmd.spawn().map_err(map_io)?;
        let deadline = Instant::now() + Duration::from_millis(timeout_ms);
        let mut timed_out = false;
        let status = loop {
            match child.try_wait().map_err(map_io)? {
                Some(s) => break s,
                None if Instant::now() >= deadline => {
                    let _ = child.kill();
                    timed_out = true;
                    break child.wait().map_err(map_io)?;
                }
                None => std::thread::sleep(Duration::from_millis(5)),
            }
        };
        let read_capped = |r: Option<&mut dyn Read>| -> String {
            let mut buf = Vec::new();
            if let Some(r) = r {
                let _ = r.take(max_output).read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        };
        let stdout = read_capped(child.stdout.as_mut().map(|s| s as &mut dyn Read));
        let stderr = read_capped(child.stderr.as_mut().map(|s| s as &mut dyn Read));
        Ok(ExecOutput {
            status: status.code().unwrap_or(-1),
            stdout,
            stderr,
            timed_out,
        })
    }

    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }

    fn monotonic_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn env(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn random(&self, n: usize) -> Vec<u8> {
        let mut buf = vec![0u8; n];
        if let Ok(mut f) = File::open("/dev/urandom") {
            if f.read_exact(&mut buf).is_ok() {
                return buf;
            }
        }
        // No /dev/urandom: derive from the clock (ids stay unique enough for temp names).
        let seed = self.now_ms() as u64 ^ u64::from(std::process::id());
        let mut x = seed | 1;
        for b in buf.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        buf
    }

    fn log(&self, level: LogLevel, code: &str, message: &str) {
        let line = format!("[agent-ops] {} {code}: {message}", level.as_str());
        match &self.captured {
            Some(m) => {
                if let Ok(mut v) = m.lock() {
                    v.push(line);
                }
            }
            None => {
                if level <= self.log_level {
                    eprintln!("{line}");
                }
            }
        }
    }
}

/// Links a prepared lock file into place, breaking a stale lock once.
fn link_lock(now_ms: i64, tmp: &str, path: &str, ttl_ms: u64) -> Result<(), HostError> {
    let stale_meta = |m: &fs::Metadata| {
        let age = now_ms.saturating_sub(mtime_ms(m));
        age >= 0 && age as u64 > ttl_ms
    };
    for _ in 0..4 {
        match fs::hard_link(tmp, path) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                match held_lock(path, &stale_meta) {
                    HeldLock::Fresh => return Err(HostError::Locked),
                    HeldLock::Gone => continue,
                    HeldLock::Stale => break_stale(path, &stale_meta),
                }
            }
            Err(e) => return Err(map_io(e)),
        }
    }
    Err(HostError::Locked)
}

/// What a contender finds at a lock path its link failed on.
#[derive(Debug, PartialEq, Eq)]
enum HeldLock {
    /// Held, within its TTL, by a live process.
    Fresh,
    /// Past its TTL, its owner gone, or unreadable.
    Stale,
    /// Unlocked meanwhile: link again. Judging a vanished lock stale and removing the path
    /// deleted a lock its holder had just taken again, so two processes held it (G-R18: the
    /// lineage rotation lost one process's events that way under load).
    Gone,
}

fn held_lock(path: &str, stale_meta: &dyn Fn(&fs::Metadata) -> bool) -> HeldLock {
    match fs::symlink_metadata(path) {
        Ok(m) if stale_meta(&m) || owner_gone(path) => HeldLock::Stale,
        Ok(_) => HeldLock::Fresh,
        Err(e) if e.kind() == io::ErrorKind::NotFound => HeldLock::Gone,
        Err(_) => HeldLock::Stale,
    }
}

/// Removes a stale lock without removing a fresh one taken meanwhile: the lock is renamed
/// aside (one breaker wins the rename), and if what was renamed turns out to be fresh (its
/// holder took it between the judgement and the rename) it is linked back, which fails only
/// when yet another process holds the lock by then.
fn break_stale(path: &str, stale_meta: &dyn Fn(&fs::Metadata) -> bool) {
    let aside = format!("{path}.stale-{}-{}", std::process::id(), random_suffix());
    if fs::rename(path, &aside).is_err() {
        return;
    }
    let still_stale = fs::symlink_metadata(&aside)
        .map(|m| stale_meta(&m) || owner_gone(&aside))
        .unwrap_or(true);
    if !still_stale {
        let _ = fs::hard_link(&aside, path);
    }
    let _ = fs::remove_file(&aside);
}

/// A lock written by this host kind whose process no longer exists is stale (a kill -9 left
/// it). Only decidable where `/proc` lists processes; elsewhere the TTL alone decides.
fn owner_gone(path: &str) -> bool {
    let Ok(text) = fs::read_to_string(path) else {
        return false;
    };
    let Ok(v) = crate::json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    if v.get("host").and_then(|h| h.as_str()) != Some("native") {
        return false;
    }
    let Some(pid) = v.get("pid").and_then(|p| p.as_u64()) else {
        return false;
    };
    if pid == u64::from(std::process::id()) || !std::path::Path::new("/proc/self").exists() {
        return false;
    }
    !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Whether a journal is empty or ends with `\n` (its last byte, read at the end; the append
/// position of an `O_APPEND` handle does not depend on the read position).
fn ends_with_newline(f: &mut File) -> io::Result<bool> {
    use std::io::{Seek, SeekFrom};
    if f.metadata()?.len() == 0 {
        return Ok(true);
    }
    f.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    f.read_exact(&mut last)?;
    Ok(last == [b'\n'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(tag: &str) -> String {
        let d = std::env::temp_dir().join(format!("agent-ops-native-{tag}-{}", random_suffix()));
        fs::create_dir_all(&d).unwrap();
        d.to_string_lossy().into_owned()
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_file() {
        let d = tmpdir("atomic");
        let h = NativeHost::new(HostDirs::default());
        let p = format!("{d}/sub/x.json");
        h.fs_write_atomic(&p, b"one", 0o600).unwrap();
        h.fs_write_atomic(&p, b"two", 0o600).unwrap();
        assert_eq!(h.fs_read(&p, 10).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(format!("{d}/sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert_eq!(h.fs_read(&p, 2), Err(HostError::TooLarge));
        fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn append_adds_one_line_and_rejects_newlines() {
        let d = tmpdir("append");
        let h = NativeHost::new(HostDirs::default());
        let p = format!("{d}/j.jsonl");
        h.fs_append_line(&p, "{\"a\":1}", true).unwrap();
        h.fs_append_line(&p, "{\"a\":2}", false).unwrap();
        assert!(h.fs_append_line(&p, "a\nb", false).is_err());
        assert_eq!(fs::read_to_string(&p).unwrap(), "{\"a\":1}\n{\"a\":2}\n");
        // A torn last line gets its newline in the next append (G-R17).
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"a\":").unwrap();
        h.fs_append_line(&p, "{\"a\":3}", false).unwrap();
        // ...and only then: the torn bytes are kept, and the next append adds no empty line.
        h.fs_append_line(&p, "{\"a\":4}", false).unwrap();
        assert_eq!(
            fs::read_to_string(&p).unwrap(),
            "{\"a\":1}\n{\"a\":2}\n{\"a\":\n{\"a\":3}\n{\"a\":4}\n"
        );
        fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn lock_is_exclusive_until_stale() {
        let d = tmpdir("lock");
        let h = NativeHost::new(HostDirs::default());
        let p = format!("{d}/locks/a.lock");
        h.fs_lock(&p, 30_000).unwrap();
        assert_eq!(h.fs_lock(&p, 30_000), Err(HostError::Locked));
        std::thread::sleep(Duration::from_millis(20));
        // With a tiny TTL the existing lock counts as stale and is broken.
        h.fs_lock(&p, 1).unwrap();
        h.fs_unlock(&p).unwrap();
        h.fs_unlock(&p).unwrap();
        fs::remove_dir_all(d).unwrap();
    }

    /// G-R18: the lock excludes while holders release and retake it at once. A contender
    /// that found the lock gone between its failed link and its look at the lock judged it
    /// stale and removed the path, which deleted the lock its holder had just taken again:
    /// two holders (the lineage rotation lost events that way under load).
    #[test]
    fn lock_excludes_while_holders_release_and_retake_it() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let d = tmpdir("lock-race");
        let p = format!("{d}/locks/l");
        let inside = Arc::new(AtomicUsize::new(0));
        let overlaps = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (p, inside, overlaps) = (p.clone(), inside.clone(), overlaps.clone());
                std::thread::spawn(move || {
                    let h = NativeHost::new(HostDirs::default());
                    let mut held = 0;
                    while held < 100 {
                        if h.fs_lock(&p, 60_000).is_err() {
                            continue;
                        }
                        if inside.fetch_add(1, Ordering::SeqCst) != 0 {
                            overlaps.fetch_add(1, Ordering::SeqCst);
                        }
                        std::thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                        h.fs_unlock(&p).unwrap();
                        held += 1;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(overlaps.load(Ordering::SeqCst), 0);
        fs::remove_dir_all(d).unwrap();
    }

    /// A lock path that vanished is retried, never broken (and so never removed).
    #[test]
    fn a_vanished_lock_is_retried_not_broken() {
        let d = tmpdir("lock-gone");
        let p = format!("{d}/l");
        assert_eq!(held_lock(&p, &|_| true), HeldLock::Gone);
        fs::write(&p, "{}").unwrap();
        assert_eq!(held_lock(&p, &|_| false), HeldLock::Fresh);
        assert_eq!(held_lock(&p, &|_| true), HeldLock::Stale);
        fs::remove_dir_all(d).unwrap();
    }

    /// Breaking a stale lock never removes a fresh one: what the rename moved aside is linked
    /// back when it is not stale after all.
    #[test]
    fn breaking_a_lock_that_turned_fresh_restores_it() {
        let d = tmpdir("lock-break");
        let h = NativeHost::new(HostDirs::default());
        let p = format!("{d}/locks/l");
        h.fs_lock(&p, 60_000).unwrap();
        break_stale(&p, &|_| false);
        assert_eq!(h.fs_lock(&p, 60_000), Err(HostError::Locked));
        break_stale(&p, &|_| true);
        h.fs_lock(&p, 60_000).unwrap();
        fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn exec_runs_argv_and_times_out() {
        let h = NativeHost::new(HostDirs::default());
        let out = h
            .exec(&["echo".into(), "hi there".into()], "", 5_000, 1_000)
            .unwrap();
        assert_eq!(out.stdout, "hi there\n");
        let slow = h
            .exec(&["sleep".into(), "5".into()], "", 50, 1_000)
            .unwrap();
        assert!(slow.timed_out);
    }
}
