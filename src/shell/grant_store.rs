//! The grants file through the Host (issue 16 item 9): `<state>/exec/grants.json`, written
//! atomically under a lock, shared by the gateway and the CLI.
//!
//! A corrupt file is moved aside to `grants.json.corrupt-<ms>` and reported: losing a grant
//! only brings back an approval prompt, so starting empty is the fail-closed answer.

use super::grants::{Grant, GrantScope, GrantsFile, Pattern, GRANTS_FILE_VERSION};
use super::semantic::cut_chars;
use crate::host::{join_path, random_hex, Host, HostError};

/// Largest grants file read (a bounded store of [`super::grants::MAX_GRANTS`] grants is far
/// smaller).
const MAX_READ: u64 = 4 * 1024 * 1024;

/// How long the store lock lives when its holder dies (README G-R18).
const LOCK_TTL_MS: u64 = 30_000;

/// How long an update waits for the other process's update to finish.
const LOCK_WAIT_MS: u64 = 2_000;

/// `<state>/exec/grants.json`.
pub fn path(state_dir: &str) -> String {
    join_path(&join_path(state_dir, "exec"), "grants.json")
}

fn lock_path(state_dir: &str) -> String {
    join_path(&join_path(state_dir, "exec"), "grants.lock")
}

/// The store as read, with any problem met (a corrupt file moved aside, an unreadable file).
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The grants (expired ones included; callers filter by time).
    pub file: GrantsFile,
    /// Problems met, for diagnostics.
    pub problems: Vec<String>,
}

/// Reads the store. Missing → empty; corrupt → moved aside and empty.
pub fn load(host: &dyn Host, state_dir: &str, now_ms: i64) -> Loaded {
    let p = path(state_dir);
    let mut out = Loaded {
        file: GrantsFile {
            v: GRANTS_FILE_VERSION,
            grants: Vec::new(),
        },
        problems: Vec::new(),
    };
    match host.fs_read(&p, MAX_READ) {
        Ok(bytes) => match serde_json::from_slice::<serde_json::Value>(&bytes)
            .map_err(|e| e.to_string())
            .and_then(|v| GrantsFile::from_value(&v))
        {
            Ok(f) if f.v <= GRANTS_FILE_VERSION => out.file = f,
            Ok(f) => {
                // Keep the version so that `update` refuses to overwrite it (README G-R15).
                out.problems.push(format!(
                    "{p} has format version {}, newer than this plugin's {GRANTS_FILE_VERSION}; its grants are ignored",
                    f.v
                ));
                out.file.v = f.v;
            }
            Err(e) => {
                let aside = format!("{p}.corrupt-{now_ms}");
                let moved = host.fs_write_atomic(&aside, &bytes, 0o600).is_ok()
                    && host.fs_remove(&p).is_ok();
                out.problems.push(if moved {
                    format!("{p} was not a valid grants file ({e}); moved aside to {aside}")
                } else {
                    format!("{p} is not a valid grants file ({e}); its grants are ignored")
                });
            }
        },
        Err(HostError::NotFound) => {}
        Err(e) => out.problems.push(format!("cannot read {p}: {e}")),
    }
    out
}

/// The grants that apply to one call.
pub fn applicable(
    host: &dyn Host,
    state_dir: &str,
    session_key: &str,
    agent_id: &str,
    workspace: &str,
    now_ms: i64,
) -> Vec<Grant> {
    load(host, state_dir, now_ms)
        .file
        .grants
        .into_iter()
        .filter(|g| g.applies(session_key, agent_id, workspace, now_ms))
        .collect()
}

/// Read-modify-write of the store under its lock; `f` returns what the caller wants back.
pub fn update<T>(
    host: &dyn Host,
    state_dir: &str,
    now_ms: i64,
    f: impl FnOnce(&mut GrantsFile) -> T,
) -> Result<T, HostError> {
    // The generic part is only this adapter: the store work is compiled once, not once per
    // caller's closure (plugin size, README G-R3).
    let mut f = Some(f);
    let mut out = None;
    update_with(host, state_dir, now_ms, &mut |file| {
        if let Some(f) = f.take() {
            out = Some(f(file));
        }
    })?;
    // `update_with` calls the closure exactly once before it returns `Ok`.
    out.ok_or(HostError::Unsupported)
}

fn update_with(
    host: &dyn Host,
    state_dir: &str,
    now_ms: i64,
    f: &mut dyn FnMut(&mut GrantsFile),
) -> Result<(), HostError> {
    let lock = lock_path(state_dir);
    // Held for one read and one atomic write: waiting briefly beats refusing an operator's
    // answer because the CLI (or the gateway) was mid-update. Still locked after that: the
    // caller reports it (the grant is not stored, the command asks again).
    crate::host::lock_within(host, &lock, LOCK_TTL_MS, LOCK_WAIT_MS)?;
    let result = (|| {
        let mut loaded = load(host, state_dir, now_ms);
        if loaded.file.v > GRANTS_FILE_VERSION {
            // Never overwrite a newer format (README G-R15).
            return Err(HostError::Unsupported);
        }
        f(&mut loaded.file);
        loaded.file.v = GRANTS_FILE_VERSION;
        loaded.file.prune(now_ms);
        let bytes = serde_json::to_vec(&loaded.file.to_value())
            .map_err(|e| HostError::Io(e.to_string()))?;
        host.fs_write_atomic(&path(state_dir), &bytes, 0o600)?;
        Ok(())
    })();
    let _ = host.fs_unlock(&lock);
    result
}

/// What a new grant is for.
#[derive(Debug, Clone)]
pub struct NewGrant<'a> {
    /// Patterns approved.
    pub patterns: Vec<Pattern>,
    /// Scope.
    pub scope: GrantScope,
    /// Session key of the approval.
    pub session_key: &'a str,
    /// Agent id of the approval.
    pub agent_id: &'a str,
    /// Workspace of the approval.
    pub workspace: &'a str,
    /// Lifetime in hours.
    pub ttl_hours: u64,
    /// The approved command.
    pub command: &'a str,
}

/// Stores a grant; returns it. A grant with the same patterns, scope, owner and workspace
/// is replaced (its lifetime renewed) rather than duplicated.
pub fn add(
    host: &dyn Host,
    state_dir: &str,
    now_ms: i64,
    g: NewGrant<'_>,
) -> Result<Grant, HostError> {
    let owner = match g.scope {
        GrantScope::Session => g.session_key,
        GrantScope::Agent => g.agent_id,
    };
    if owner.is_empty() || g.patterns.is_empty() {
        return Err(HostError::Io(format!(
            "no {} to scope the grant to",
            g.scope.as_str()
        )));
    }
    let ttl_ms = i64::try_from(g.ttl_hours.saturating_mul(3_600_000)).unwrap_or(i64::MAX);
    let grant = Grant {
        id: format!("g-{}", random_hex(host, 4)),
        patterns: g.patterns,
        scope: g.scope,
        owner: owner.to_string(),
        workspace: g.workspace.to_string(),
        created_ms: now_ms,
        expires_ms: now_ms.saturating_add(ttl_ms),
        example: cut_chars(g.command.chars(), super::grants::MAX_EXAMPLE_CHARS),
    };
    let stored = grant.clone();
    update(host, state_dir, now_ms, move |f| {
        f.grants.retain(|x| {
            !(x.patterns == grant.patterns
                && x.scope == grant.scope
                && x.owner == grant.owner
                && x.workspace == grant.workspace)
        });
        f.grants.push(grant);
    })?;
    Ok(stored)
}

/// Removes one grant by id; `Ok(false)` when there is none with that id.
pub fn revoke(host: &dyn Host, state_dir: &str, now_ms: i64, id: &str) -> Result<bool, HostError> {
    update(host, state_dir, now_ms, |f| {
        let before = f.grants.len();
        f.grants.retain(|g| g.id != id);
        f.grants.len() != before
    })
}

/// Removes every grant; returns how many there were.
pub fn clear(host: &dyn Host, state_dir: &str, now_ms: i64) -> Result<usize, HostError> {
    update(host, state_dir, now_ms, |f| {
        let n = f.grants.len();
        f.grants.clear();
        n
    })
}

/// The live grants as text, one per line, for `/grants` and `agent-ops grants`.
pub fn listing(grants: &[Grant], now_ms: i64) -> String {
    let live: Vec<&Grant> = grants.iter().filter(|g| now_ms < g.expires_ms).collect();
    if live.is_empty() {
        return "agent-ops grants: none.".into();
    }
    let mut out = format!("agent-ops grants ({}):", live.len());
    for g in live {
        let hours = (g.expires_ms.saturating_sub(now_ms) + 3_599_999) / 3_600_000;
        out.push_str(&format!(
            "\n- {} {} {} in {}: {} (expires in {hours} h; given for `{}`)",
            g.id,
            g.scope.as_str(),
            g.owner,
            g.workspace,
            g.patterns
                .iter()
                .map(Pattern::display)
                .collect::<Vec<_>>()
                .join(", "),
            g.example
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{Fault, MemoryHost};

    fn host() -> MemoryHost {
        MemoryHost::new(crate::host::HostDirs::default(), 0)
    }

    fn pat(w: &str) -> Pattern {
        Pattern {
            words: w.split(' ').map(str::to_string).collect(),
            class: "exec.ask.unlisted".into(),
        }
    }

    fn new<'a>(cmd: &'a str, scope: GrantScope) -> NewGrant<'a> {
        NewGrant {
            patterns: vec![pat(cmd)],
            scope,
            session_key: "agent:main:s1",
            agent_id: "main",
            workspace: "/ws",
            ttl_hours: 24,
            command: cmd,
        }
    }

    #[test]
    fn add_list_revoke_clear_round_trip() {
        let h = host();
        let g = add(&h, "/st", 1_000, new("npm test", GrantScope::Session)).unwrap();
        assert_eq!(g.expires_ms, 1_000 + 24 * 3_600_000);
        let again = add(&h, "/st", 2_000, new("npm test", GrantScope::Session)).unwrap();
        let loaded = load(&h, "/st", 2_000);
        assert_eq!(
            loaded.file.grants.len(),
            1,
            "same pattern renewed, not duplicated"
        );
        assert_eq!(loaded.file.grants[0].id, again.id);
        add(&h, "/st", 2_000, new("cargo build", GrantScope::Agent)).unwrap();
        assert_eq!(
            applicable(&h, "/st", "agent:main:s1", "main", "/ws", 3_000).len(),
            2
        );
        assert_eq!(
            applicable(&h, "/st", "agent:main:s2", "main", "/ws", 3_000).len(),
            1,
            "the session grant stays in its session; the agent grant follows the agent"
        );
        assert!(listing(&load(&h, "/st", 3_000).file.grants, 3_000).contains("npm test"));
        assert!(revoke(&h, "/st", 3_000, &again.id).unwrap());
        assert!(!revoke(&h, "/st", 3_000, &again.id).unwrap());
        assert_eq!(clear(&h, "/st", 3_000).unwrap(), 1);
        assert!(load(&h, "/st", 3_000).file.grants.is_empty());
    }

    #[test]
    fn expired_grants_do_not_apply_and_are_pruned() {
        let h = host();
        add(&h, "/st", 0, new("npm test", GrantScope::Session)).unwrap();
        let later = 25 * 3_600_000;
        assert!(applicable(&h, "/st", "agent:main:s1", "main", "/ws", later).is_empty());
        add(&h, "/st", later, new("make", GrantScope::Session)).unwrap();
        assert_eq!(load(&h, "/st", later).file.grants.len(), 1);
    }

    #[test]
    fn corrupt_file_is_moved_aside_and_reported() {
        let h = host();
        h.fs_write_atomic(&path("/st"), b"{not json", 0o600)
            .unwrap();
        let l = load(&h, "/st", 7);
        assert!(l.file.grants.is_empty());
        assert!(l.problems[0].contains("moved aside"), "{:?}", l.problems);
        assert!(h
            .fs_read(&format!("{}.corrupt-7", path("/st")), 100)
            .is_ok());
        assert!(add(&h, "/st", 8, new("npm test", GrantScope::Session)).is_ok());
    }

    #[test]
    fn newer_format_is_never_overwritten() {
        let h = host();
        h.fs_write_atomic(&path("/st"), br#"{"v":99,"grants":[]}"#, 0o600)
            .unwrap();
        assert!(add(&h, "/st", 8, new("npm test", GrantScope::Session)).is_err());
        assert_eq!(
            h.fs_read(&path("/st"), 100).unwrap(),
            br#"{"v":99,"grants":[]}"#.to_vec()
        );
    }

    #[test]
    fn no_owner_no_grant_and_failed_writes_report() {
        let h = host();
        let mut g = new("npm test", GrantScope::Agent);
        g.agent_id = "";
        assert!(add(&h, "/st", 0, g).is_err());
        h.inject(Fault::FailWrites("grants".into()));
        assert!(add(&h, "/st", 0, new("npm test", GrantScope::Session)).is_err());
    }
}
