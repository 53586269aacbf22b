//! Registry persistence (P6-R16): `lineage/events-<n>.jsonl` is append-only and
//! `lineage/state.json` is the materialised view with the journal number and line count it
//! covers. Loading reads the view, then replays the journal lines after it (a torn last line
//! is ignored). Rotation writes the view first, then starts the next journal, then deletes
//! covered journals, so a crash between any two steps leaves a recoverable pair.
//!
//! Rotation runs under `locks/lineage` and builds the view from a fresh load (G-R18): the
//! gateway and a `--local` run append to the same journal without a lock, so the rotating
//! process's own registry may lack the other's events. The view covers the current journal up
//! to the lines read under the lock, and that journal is kept until the next rotation: a
//! process that appends to it before it sees the next journal is replayed from there. An
//! appender moves to the newest journal before each append, and writes the event again under
//! the lock when a rotation crossed its append (see [`append`]).

use super::lineage::{LineageEvent, Registry, Status};
use crate::host::{join_path, Host, HostError};
use serde::{Deserialize, Serialize};

/// Journal size that triggers a rotation.
pub const JOURNAL_ROTATE_BYTES: u64 = 10 * 1024 * 1024;
/// Records of workers ended longer ago than this are dropped at rotation.
pub const ENDED_RETENTION_MS: i64 = 30 * 24 * 3_600_000;
/// Largest state or journal file read.
const MAX_READ: u64 = 64 * 1024 * 1024;

/// `lineage/state.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateFile {
    /// Layout version.
    pub v: u32,
    /// Journal number the view covers.
    pub journal: u64,
    /// Lines of that journal it includes.
    pub lines: u64,
    /// The records.
    pub registry: Registry,
}

crate::json::read::json_struct!(StateFile {
    "v" => v: req,
    "journal" => journal: req,
    "lines" => lines: req,
    "registry" => registry: req,
});

/// The loaded registry and where appends go.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    /// Records.
    pub registry: Registry,
    /// Current journal number.
    pub journal: u64,
    /// Lines in the current journal.
    pub lines: u64,
    /// Problems met (corrupt view moved aside).
    pub problems: Vec<String>,
}

fn dir(state_dir: &str) -> String {
    join_path(state_dir, "lineage")
}

/// `lineage/events-<n>.jsonl`.
pub fn journal_path(state_dir: &str, n: u64) -> String {
    join_path(&dir(state_dir), &format!("events-{n}.jsonl"))
}

/// `lineage/state.json`.
pub fn state_path(state_dir: &str) -> String {
    join_path(&dir(state_dir), "state.json")
}

fn complete_lines(text: &str) -> Vec<&str> {
    match text.rfind('\n') {
        Some(i) => text.get(..i).unwrap_or("").lines().collect(),
        None => Vec::new(),
    }
}

/// Loads the view and replays the journals after it.
pub fn load(host: &dyn Host, state_dir: &str, now_ms: i64) -> Loaded {
    let mut out = Loaded::default();
    let sp = state_path(state_dir);
    let mut skip_lines = 0u64;
    match host.fs_read(&sp, MAX_READ) {
        Ok(b) => match crate::json::read_slice::<StateFile>(&b) {
            Ok(st) => {
                out.registry = st.registry;
                out.journal = st.journal;
                skip_lines = st.lines;
            }
            Err(e) => {
                let aside = format!("{sp}.corrupt-{now_ms}");
                let _ = host.fs_write_atomic(&aside, &b, 0o600);
                let _ = host.fs_remove(&sp);
                out.problems.push(format!("{sp} was not a valid registry view ({e}); moved aside to {aside}, rebuilding from the journals"));
            }
        },
        Err(HostError::NotFound) => {}
        Err(e) => out.problems.push(format!("cannot read {sp}: {e}")),
    }
    // Replay the covered journal after its counted lines, then any later journals.
    let mut n = out.journal;
    loop {
        let path = journal_path(state_dir, n);
        let text = match host.fs_read(&path, MAX_READ) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(HostError::NotFound) => {
                if n == out.journal {
                    out.lines = 0;
                }
                break;
            }
            Err(e) => {
                out.problems.push(format!("cannot read {path}: {e}"));
                break;
            }
        };
        let lines = complete_lines(&text);
        let skip = if n == out.journal { skip_lines } else { 0 };
        for l in lines
            .iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        {
            if let Ok(e) = crate::json::read_str::<LineageEvent>(l) {
                out.registry.apply(&e);
            }
        }
        out.journal = n;
        out.lines = lines.len() as u64;
        n += 1;
    }
    out
}

/// Appends one event to the current journal (a torn last line gets its newline in the same
/// write, `Host::fs_append_line`: G-R17). Returns whether the event was written a second time:
/// a rotation by another process crossed this append (see below).
pub fn append(
    host: &dyn Host,
    state_dir: &str,
    loaded: &mut Loaded,
    e: &LineageEvent,
) -> Result<bool, HostError> {
    let line = serde_json::to_string(e).map_err(|x| HostError::Io(x.to_string()))?;
    move_to_newest(host, state_dir, loaded);
    let written = loaded.journal;
    host.fs_append_line(&journal_path(state_dir, written), &line, true)?;
    loaded.lines += 1;
    // A journal is deleted only by a rotation whose view starts at a later journal, which
    // exists from then on (the newest journal is never deleted). If no later journal exists
    // after this write, the line is in a journal that a view covers or the next load replays.
    // If one does, rotations ran while this process appended without the lock (it may even
    // have written to a journal deleted meanwhile): the line goes to the newest journal again,
    // under the lock, where every later rotation reads it. Applying an event twice changes
    // nothing (P6-R2).
    if newest_journal(host, state_dir).is_none_or(|m| m <= written) {
        return Ok(false);
    }
    let lock = lineage_lock(state_dir);
    let locked = crate::host::lock_within(host, &lock, 30_000, 2_000).is_ok();
    move_to_newest(host, state_dir, loaded);
    let again = host.fs_append_line(&journal_path(state_dir, loaded.journal), &line, true);
    if locked {
        let _ = host.fs_unlock(&lock);
    }
    again?;
    loaded.lines += 1;
    Ok(true)
}

/// The highest journal number in `lineage/`, if it can be listed.
fn newest_journal(host: &dyn Host, state_dir: &str) -> Option<u64> {
    let list = host.fs_list(&dir(state_dir), 100_000).ok()?;
    list.entries
        .iter()
        .filter_map(|e| {
            e.name
                .strip_prefix("events-")?
                .strip_suffix(".jsonl")?
                .parse::<u64>()
                .ok()
        })
        .max()
}

/// Another process rotated: appends go to the newest journal (the one the next view covers).
/// The newest is found by listing, not by stepping to the next number: when this process
/// slept through two rotations, its journal and the next one are both deleted, and a step
/// from a journal it re-created by appending stops at the gap, so the event went to a
/// journal below the view and the next rotation deleted it (G-R18; seen as a lost lineage
/// event under load).
fn move_to_newest(host: &dyn Host, state_dir: &str, loaded: &mut Loaded) {
    if let Some(newest) = newest_journal(host, state_dir) {
        if newest > loaded.journal {
            loaded.journal = newest;
            loaded.lines = 0;
        }
        return;
    }
    while host
        .fs_stat(&journal_path(state_dir, loaded.journal.saturating_add(1)))
        .is_ok()
    {
        loaded.journal = loaded.journal.saturating_add(1);
        loaded.lines = 0;
    }
}

/// The lock held while the lineage journal rotates.
fn lineage_lock(state_dir: &str) -> String {
    join_path(state_dir, "locks/lineage")
}

/// P6-R16 rotation when the current journal is above `threshold`: under the lineage lock, a
/// fresh load, the view, the next journal, then deletion of the journals the previous view
/// covered. Returns whether it rotated.
pub fn rotate_above(
    host: &dyn Host,
    state_dir: &str,
    loaded: &mut Loaded,
    now_ms: i64,
    threshold: u64,
) -> Result<bool, HostError> {
    let cur = journal_path(state_dir, loaded.journal);
    match host.fs_stat(&cur) {
        Ok(st) if st.size > threshold => {}
        Ok(_) | Err(HostError::NotFound) => return Ok(false),
        Err(e) => return Err(e),
    }
    let lock = lineage_lock(state_dir);
    crate::host::lock_within(host, &lock, 30_000, 2_000)?;
    let result = rotate_locked(host, state_dir, loaded, now_ms, threshold);
    let _ = host.fs_unlock(&lock);
    result
}

fn rotate_locked(
    host: &dyn Host,
    state_dir: &str,
    loaded: &mut Loaded,
    now_ms: i64,
    threshold: u64,
) -> Result<bool, HostError> {
    // Every process's events so far, not only this process's view of them.
    let mut fresh = load(host, state_dir, now_ms);
    if !fresh.problems.is_empty() {
        return Err(HostError::Io(fresh.problems.join("; ")));
    }
    let cur = journal_path(state_dir, fresh.journal);
    match host.fs_stat(&cur) {
        Ok(st) if st.size > threshold => {}
        // Another process rotated while this one waited.
        Ok(_) | Err(HostError::NotFound) => {
            *loaded = fresh;
            return Ok(false);
        }
        Err(e) => return Err(e),
    }
    fresh.registry.records.retain(|_, r| {
        !(r.status == Status::Ended
            && r.ended_at
                .is_some_and(|t| now_ms.saturating_sub(t) > ENDED_RETENTION_MS))
    });
    let covered = fresh.journal;
    let next = covered + 1;
    let view = StateFile {
        v: 1,
        journal: covered,
        lines: fresh.lines,
        registry: fresh.registry.clone(),
    };
    let bytes = serde_json::to_vec(&view).map_err(|x| HostError::Io(x.to_string()))?;
    host.fs_write_atomic(&state_path(state_dir), &bytes, 0o600)?;
    // No process appends to `next` before it exists (appenders only move to an existing one).
    host.fs_write_atomic(&journal_path(state_dir, next), b"", 0o600)?;
    *loaded = Loaded {
        registry: fresh.registry,
        journal: next,
        lines: 0,
        problems: Vec::new(),
    };
    for n in (0..covered).rev() {
        match host.fs_remove(&journal_path(state_dir, n)) {
            Ok(()) => {}
            Err(_) => break,
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coordinator::lineage::{EventKind, LINEAGE_VERSION};
    use crate::host::{HostDirs, MemoryHost};

    fn ev(kind: EventKind, child: &str, at: i64) -> LineageEvent {
        LineageEvent {
            v: LINEAGE_VERSION,
            at,
            epoch: "A".into(),
            event: Some(kind),
            parent_session_key: Some("P".into()),
            child_session_key: child.into(),
            ..LineageEvent::default()
        }
    }

    /// G-R18: a process that slept through two rotations of another still lands its event
    /// where the next load reads it. Its journal and the one after are deleted by then; a
    /// step to the next number from the journal its first write re-created stopped at that
    /// gap, so the event went below the view and the next rotation deleted it.
    #[test]
    fn an_appender_two_rotations_behind_reaches_the_newest_journal() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        let mut sleeper = load(&h, "/s", 0);
        let mut other = load(&h, "/s", 0);
        for round in 0..3 {
            for i in 0..5 {
                let e = ev(EventKind::Spawned, &format!("o{round}-{i}"), i);
                other.registry.apply(&e);
                append(&h, "/s", &mut other, &e).unwrap();
            }
            rotate_above(&h, "/s", &mut other, 0, 10).unwrap();
        }
        assert!(
            h.file_text(&journal_path("/s", 0)).is_none(),
            "journal 0 was rotated away"
        );
        let e = ev(EventKind::Spawned, "late", 7);
        sleeper.registry.apply(&e);
        append(&h, "/s", &mut sleeper, &e).unwrap();
        // Two more rotations by the other process delete everything below their views.
        for round in 3..5 {
            let e = ev(EventKind::Spawned, &format!("o{round}"), 9);
            other.registry.apply(&e);
            append(&h, "/s", &mut other, &e).unwrap();
            rotate_above(&h, "/s", &mut other, 0, 10).unwrap();
        }
        let back = load(&h, "/s", 0);
        assert!(back.problems.is_empty(), "{:?}", back.problems);
        assert!(
            back.registry.records.contains_key("late"),
            "the late event was lost"
        );
    }

    #[test]
    fn append_load_and_torn_tail() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        let mut l = load(&h, "/s", 0);
        for i in 0..3 {
            let e = ev(EventKind::Spawned, &format!("c{i}"), i);
            l.registry.apply(&e);
            append(&h, "/s", &mut l, &e).unwrap();
        }
        let p = journal_path("/s", 0);
        let mut t = h.file_text(&p).unwrap();
        t.push_str("{\"v\":1,\"event\":\"ended\",\"childSess");
        h.put_file(&p, t.as_bytes());
        let again = load(&h, "/s", 0);
        assert_eq!(again.registry, l.registry);
        assert_eq!(again.lines, 3);
    }

    #[test]
    fn p6_t18_a_crash_at_each_rotation_step_rebuilds_the_same_records() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        let mut l = load(&h, "/s", 0);
        for i in 0..50 {
            let e = ev(EventKind::Spawned, &format!("c{i}"), i);
            l.registry.apply(&e);
            append(&h, "/s", &mut l, &e).unwrap();
        }
        let want = l.registry.clone();
        // Step 1 only: the view is written, the old journal still exists.
        let view = StateFile {
            v: 1,
            journal: 1,
            lines: 0,
            registry: want.clone(),
        };
        let h1 = MemoryHost::new(HostDirs::default(), 0);
        for p in h.paths() {
            h1.put_file(&p, h.file_text(&p).unwrap().as_bytes());
        }
        h1.put_file(&state_path("/s"), &serde_json::to_vec(&view).unwrap());
        assert_eq!(load(&h1, "/s", 0).registry, want);
        // The full rotation: the view covers journal 0, which stays until the next one.
        assert!(rotate_above(&h, "/s", &mut l, 0, 100).unwrap());
        assert!(h.file_text(&journal_path("/s", 0)).is_some());
        let e = ev(EventKind::Ended, "c3", 99);
        l.registry.apply(&e);
        append(&h, "/s", &mut l, &e).unwrap();
        let back = load(&h, "/s", 0);
        assert_eq!(back.registry, l.registry);
        assert_eq!(back.journal, 1);
        // The next rotation drops journal 0.
        assert!(rotate_above(&h, "/s", &mut l, 0, 10).unwrap());
        assert!(h.file_text(&journal_path("/s", 0)).is_none());
        assert_eq!(load(&h, "/s", 0).registry, l.registry);
    }

    #[test]
    fn rotation_keeps_the_events_another_process_appended() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        let mut a = load(&h, "/s", 0);
        let mut b = load(&h, "/s", 0);
        for i in 0..20 {
            let e = ev(EventKind::Spawned, &format!("a{i}"), i);
            a.registry.apply(&e);
            append(&h, "/s", &mut a, &e).unwrap();
        }
        // Process B appended too; A's registry does not have B's event.
        let eb = ev(EventKind::Spawned, "b0", 5);
        b.registry.apply(&eb);
        append(&h, "/s", &mut b, &eb).unwrap();
        assert!(rotate_above(&h, "/s", &mut a, 0, 100).unwrap());
        assert!(a.registry.records.contains_key("b0"));
        // B still appends to journal 0 before it learns of the rotation: replayed.
        let late = ev(EventKind::Spawned, "b1", 6);
        let j0 = journal_path("/s", 0);
        let mut t = h.file_text(&j0).unwrap();
        t.push_str(&format!("{}\n", serde_json::to_string(&late).unwrap()));
        h.put_file(&j0, t.as_bytes());
        // B's next append moves to journal 1.
        let e2 = ev(EventKind::Spawned, "b2", 7);
        append(&h, "/s", &mut b, &e2).unwrap();
        assert_eq!(b.journal, 1);
        let back = load(&h, "/s", 0);
        for c in ["a0", "a19", "b0", "b1", "b2"] {
            assert!(back.registry.records.contains_key(c), "{c} lost");
        }
    }

    #[test]
    fn p6_t19_a_corrupt_view_is_moved_aside_and_the_journal_rebuilds() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        let mut l = load(&h, "/s", 0);
        let e = ev(EventKind::Spawned, "c", 1);
        l.registry.apply(&e);
        append(&h, "/s", &mut l, &e).unwrap();
        h.put_file(&state_path("/s"), b"{broken");
        let back = load(&h, "/s", 7);
        assert_eq!(back.problems.len(), 1);
        assert_eq!(back.registry, l.registry);
        assert!(h
            .paths()
            .iter()
            .any(|p| p.ends_with("state.json.corrupt-7")));
    }
}
