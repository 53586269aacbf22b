//! Session keys and per-session state names (ground floor, issue 18).
//!
//! OpenClaw names a session by its key (`agent:<agentId>:<rest>`) and, usually, an id. Every
//! phase that keeps state per session names its file or directory with [`state_name`], the
//! one sanitiser: an id made only of `[A-Za-z0-9_-]` (at most 100 characters) is used as it
//! is, anything else keeps its safe characters and gains a 64-bit FNV-1a hash of the whole id,
//! so `a/b` and `a:b` no longer share a file. Phase 1 always named its files this way.
//!
//! Phases 2, 3 and 6 used lossy names before (`a/b` and `a:b` both became `a_b`). Their state
//! under an old name is adopted the first time the session is seen again ([`adopt_file`],
//! [`adopt_dir`]): the old name cannot be mapped to an id, so the migration runs per session,
//! not as one pass over the state directory.

use crate::contract::Diagnostic;
use crate::host::{join_path, EntryKind, Host, HostError, LogLevel};

/// Longest safe prefix kept in a state name.
pub const STATE_NAME_MAX: usize = 100;
/// Largest legacy state file adopted (larger ones are left where they are, with a warning).
const ADOPT_MAX_BYTES: u64 = 16 * 1024 * 1024;
/// Most files adopted from one legacy session directory.
const ADOPT_MAX_ENTRIES: u32 = 1_000;

/// Whether a session key belongs to a run that must never trigger compaction or other
/// per-session work (gate condition 2 of phase 1): OpenClaw's internal-effects runs (memory
/// flush), and runs this plugin started itself (`agent:<id>:agent-ops:…`, G-R7a).
pub fn is_internal_key(key: &str) -> bool {
    let Some(rest) = key.strip_prefix("agent:") else {
        return false;
    };
    let Some((_, tail)) = rest.split_once(':') else {
        return false;
    };
    tail.starts_with("internal-session-effects:") || tail.starts_with("agent-ops:")
}

/// A subagent session (its compaction never resets a parent's state, P1-R18a).
pub fn is_subagent_key(key: &str) -> bool {
    key.contains(":subagent:")
}

/// A main session: neither a subagent nor an internal run.
pub fn is_main_key(key: &str) -> bool {
    !is_internal_key(key) && !is_subagent_key(key)
}

/// The agent id written in a key (`agent:<id>:…`), when the key has one.
pub fn agent_of_key(key: &str) -> Option<&str> {
    key.strip_prefix("agent:").and_then(|r| r.split(':').next())
}

/// The agent of a hook call: the context's `agentId` when set, else the key's, else `main`.
pub fn agent_id(key: &str, ctx: &serde_json::Value) -> String {
    ctx.get("agentId")
        .and_then(serde_json::Value::as_str)
        .filter(|a| !a.is_empty())
        .or_else(|| agent_of_key(key))
        .unwrap_or("main")
        .to_string()
}

fn safe_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// The file or directory name of a session's state, without extension: the id itself when
/// it is made only of `[A-Za-z0-9_-]` and at most [`STATE_NAME_MAX`] characters, else its safe
/// characters (others become `_`, cut at [`STATE_NAME_MAX`]) followed by `-` and the 16 hex
/// digits of the FNV-1a hash of the whole id, so two ids that differ only in characters a file
/// name cannot hold get different names. Never empty, never `.` or `..`.
pub fn state_name(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| if safe_char(c) { c } else { '_' })
        .take(STATE_NAME_MAX)
        .collect();
    if safe == id && !id.is_empty() {
        return safe;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{safe}-{h:016x}")
}

/// Phase 2's name before issue 18 (`budget/<name>.json`): unsafe characters became `_`, cut
/// at 120. Kept only to find state written under it.
pub fn legacy_budget_name(id: &str) -> String {
    id.chars()
        .map(|c| if safe_char(c) { c } else { '_' })
        .take(120)
        .collect()
}

/// Phases 3 and 6's name before issue 18 (`sessions/<name>/`, `coord/<name>.json`): `.` was
/// also kept, cut at 128, and an empty or all-dots result became `session`. Kept only to find
/// state written under it.
pub fn legacy_session_dir_name(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| if safe_char(c) || c == '.' { c } else { '_' })
        .take(128)
        .collect();
    if safe.is_empty() || safe.chars().all(|c| c == '.') {
        "session".into()
    } else {
        safe
    }
}

fn diag(level: LogLevel, area: &str, what: &str, message: String) -> Diagnostic {
    Diagnostic {
        level,
        code: format!("{area}.state.{what}"),
        message,
    }
}

/// Adopts the state file `legacy` as `current` (both full paths), once per session.
///
/// Nothing happens when the names are equal or `legacy` does not exist. When `current` does
/// not exist, `legacy` is copied there atomically and then removed (the Host has no rename; a
/// crash in between leaves two equal files, which the next call resolves). When both exist,
/// `current` is kept: an equal `legacy` is removed, a different one is moved aside to
/// `<legacy>.legacy-<ms>` with a warning, never over the new state. Returns what to report.
pub fn adopt_file(
    host: &dyn Host,
    legacy: &str,
    current: &str,
    now_ms: i64,
    area: &str,
) -> Option<Diagnostic> {
    if legacy == current {
        return None;
    }
    let bytes = match host.fs_read(legacy, ADOPT_MAX_BYTES) {
        Ok(b) => b,
        Err(HostError::NotFound) => return None,
        Err(e) => {
            return Some(diag(
                LogLevel::Warn,
                area,
                "migrate_failed",
                format!(
                    "could not read {legacy} to move it to {current} ({e}); it stays where it is"
                ),
            ))
        }
    };
    match host.fs_read(current, ADOPT_MAX_BYTES) {
        Err(HostError::NotFound) => {
            if let Err(e) = host.fs_write_atomic(current, &bytes, 0o600) {
                return Some(diag(
                    LogLevel::Warn,
                    area,
                    "migrate_failed",
                    format!("could not move {legacy} to {current} ({e}); it stays where it is"),
                ));
            }
            let _ = host.fs_remove(legacy);
            Some(diag(
                LogLevel::Info,
                area,
                "migrated",
                format!("{legacy} moved to {current} (per-session state names no longer collide, issue 18)"),
            ))
        }
        Ok(cur) if cur == bytes => {
            let _ = host.fs_remove(legacy);
            None
        }
        _ => {
            let aside = format!("{legacy}.legacy-{now_ms}");
            let moved = host
                .fs_write_atomic(&aside, &bytes, 0o600)
                .and_then(|()| host.fs_remove(legacy));
            Some(diag(
                LogLevel::Warn,
                area,
                "migrate_conflict",
                match moved {
                    Ok(()) => format!("{legacy} and {current} both exist; {current} is kept and the old file was moved aside to {aside}"),
                    Err(e) => format!("{legacy} and {current} both exist; {current} is kept, the old file could not be moved aside ({e})"),
                },
            ))
        }
    }
}

/// Adopts every file of the session directory `legacy` into `current` (both full paths) with
/// [`adopt_file`]; the emptied old directory stays (the Host removes files only).
pub fn adopt_dir(
    host: &dyn Host,
    legacy: &str,
    current: &str,
    now_ms: i64,
    area: &str,
) -> Vec<Diagnostic> {
    if legacy == current {
        return Vec::new();
    }
    let Ok(listing) = host.fs_list(legacy, ADOPT_MAX_ENTRIES) else {
        return Vec::new();
    };
    listing
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::File)
        .filter_map(|e| {
            adopt_file(
                host,
                &join_path(legacy, &e.name),
                &join_path(current, &e.name),
                now_ms,
                area,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{HostDirs, MemoryHost};

    #[test]
    fn keys_are_classified() {
        assert!(is_internal_key("agent:main:internal-session-effects:x"));
        assert!(is_internal_key("agent:main:agent-ops:job"));
        assert!(!is_internal_key("agent:main:main"));
        assert!(!is_internal_key("main"));
        assert!(is_subagent_key("agent:main:subagent:1"));
        assert!(is_main_key("agent:main:main"));
        assert!(!is_main_key("agent:main:subagent:1"));
        assert_eq!(agent_of_key("agent:ops:main"), Some("ops"));
        assert_eq!(agent_of_key("main"), None);
        assert_eq!(agent_id("agent:ops:main", &crate::json!({})), "ops");
        assert_eq!(
            agent_id("agent:ops:main", &crate::json!({"agentId": "x"})),
            "x"
        );
        assert_eq!(agent_id("main", &serde_json::Value::Null), "main");
    }

    #[test]
    fn names_are_safe_and_distinct() {
        assert_eq!(state_name("abc-DEF_1"), "abc-DEF_1");
        let a = state_name("a/b");
        let b = state_name("a:b");
        assert_ne!(a, b);
        assert!(a.starts_with("a_b-") && a.len() == 4 + 16, "{a}");
        assert_ne!(state_name("a_b"), a);
        for id in ["", ".", "..", "../x", "a.b", &"x".repeat(300), "é"] {
            let n = state_name(id);
            assert!(!n.is_empty() && n != "." && n != "..", "{id:?} -> {n}");
            assert!(n.chars().all(safe_char), "{id:?} -> {n}");
        }
        // A long safe id is cut and hashed, so two that share the first 100 characters differ.
        let long1 = format!("{}1", "x".repeat(100));
        let long2 = format!("{}2", "x".repeat(100));
        assert_ne!(state_name(&long1), state_name(&long2));
    }

    #[test]
    fn the_old_names_collided() {
        assert_eq!(legacy_budget_name("a/b"), legacy_budget_name("a:b"));
        assert_eq!(
            legacy_session_dir_name("a/b"),
            legacy_session_dir_name("a:b")
        );
        assert_eq!(legacy_session_dir_name(".."), "session");
        assert_eq!(legacy_session_dir_name("a.b"), "a.b");
    }

    #[test]
    fn a_file_is_adopted_once_and_never_over_new_state() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        h.put_file("/s/budget/a_b.json", b"old");
        let d = adopt_file(&h, "/s/budget/a_b.json", "/s/budget/new.json", 5, "budget");
        assert_eq!(d.map(|d| d.code), Some("budget.state.migrated".into()));
        assert_eq!(h.fs_read("/s/budget/new.json", 100).unwrap(), b"old");
        assert!(matches!(
            h.fs_read("/s/budget/a_b.json", 100),
            Err(HostError::NotFound)
        ));
        // Idempotent: nothing left to adopt.
        assert!(adopt_file(&h, "/s/budget/a_b.json", "/s/budget/new.json", 6, "budget").is_none());
        // Both exist and differ: the new one is kept, the old one is moved aside.
        h.put_file("/s/budget/a_b.json", b"other");
        let d = adopt_file(&h, "/s/budget/a_b.json", "/s/budget/new.json", 7, "budget").unwrap();
        assert_eq!(d.code, "budget.state.migrate_conflict");
        assert_eq!(h.fs_read("/s/budget/new.json", 100).unwrap(), b"old");
        assert_eq!(
            h.fs_read("/s/budget/a_b.json.legacy-7", 100).unwrap(),
            b"other"
        );
        // Both exist and are equal (a crash between copy and remove): the old one goes.
        h.put_file("/s/budget/a_b.json", b"old");
        assert!(adopt_file(&h, "/s/budget/a_b.json", "/s/budget/new.json", 8, "budget").is_none());
        assert!(matches!(
            h.fs_read("/s/budget/a_b.json", 100),
            Err(HostError::NotFound)
        ));
    }

    #[test]
    fn a_directory_is_adopted_file_by_file() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        h.put_file("/s/sessions/a_b/notes.md", b"notes");
        h.put_file("/s/sessions/a_b/cursor.json", b"{}");
        let d = adopt_dir(&h, "/s/sessions/a_b", "/s/sessions/n", 1, "memory");
        assert_eq!(d.len(), 2);
        assert_eq!(h.fs_read("/s/sessions/n/notes.md", 100).unwrap(), b"notes");
        assert_eq!(h.fs_read("/s/sessions/n/cursor.json", 100).unwrap(), b"{}");
        assert!(adopt_dir(&h, "/s/sessions/a_b", "/s/sessions/n", 2, "memory").is_empty());
    }
}
