//! Phase 5 at OpenClaw's hooks: per agent, resolve the memory directory (P5-R1 … R6), scan it
//! within caps (P5-R13), inject the scope block at `before_prompt_build` (P5-R10 … R12, R22,
//! R23) and guard writes into another agent's memory (P5-R9). Fail open (P5-R29).

use super::index::{
    freshness, manifest_line, parse_frontmatter, sort_and_cap, truncate_entrypoint, Header,
};
use super::paths::{memory_enabled, remote_dir, Roots, ENTRYPOINT_NAME};
use super::recall::lexical;
use super::{GuardMode, MemoryScopingConfig, Scope};
use crate::audit::{self, Action, Decision};
use crate::contract::{Diagnostic, Outcome, PhaseCtx};
use crate::host::{EntryKind, LogLevel};
use crate::json;
pub use crate::memdir::ensure_gitignore;
use crate::sorted::{SortedMap, SortedSet};
use serde_json::Value;

/// Most bytes read from the head of one memory file during a scan.
pub const FRONTMATTER_MAX_BYTES: u64 = 16 * 1024;
/// Largest memory file injected whole (then cut at a line boundary).
pub const RECALL_FILE_MAX_TOKENS: usize = 2_000;
/// Total budget of recalled memories per turn.
pub const RECALL_TOTAL_MAX_TOKENS: usize = 6_000;

/// One agent's resolved memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Scope.
    pub scope: Scope,
    /// Directory (trailing `/`).
    pub dir: String,
    /// Roots it was resolved from.
    pub roots: Roots,
}

/// Phase 5 state of the process.
#[derive(Debug, Default)]
pub struct MemoryScoper {
    project_roots: SortedMap<String, String>,
    /// Memory files already surfaced per session key (P5-R20).
    surfaced: SortedMap<String, SortedSet<String>>,
    warned: SortedSet<String>,
    /// Memory directories whose snapshot was checked in this process (P5-R19).
    snapshot_checked: SortedSet<String>,
    /// Pending snapshot updates, by memory directory.
    snapshot_pending: SortedMap<String, String>,
    /// The UTC day the cost journal was last pruned (P5-R30: once a day per process).
    pruned_day: Option<String>,
}

fn s<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str).filter(|x| !x.is_empty())
}

fn parent(path: &str) -> &str {
    match path.trim_end_matches('/').rfind('/') {
        Some(0) => "/",
        Some(i) => path.get(..i).unwrap_or("/"),
        None => path,
    }
}

/// `<project root>/.openclaw/agent-memory-snapshots/<agent>`: the agent's project snapshot
/// (P5-R17).
fn snapshot_dir(r: &Resolved, agent: &str) -> String {
    format!(
        "{}/.openclaw/agent-memory-snapshots/{}",
        r.roots.project_root,
        super::paths::dir_name(agent)
    )
}

/// The scope note (P5-R10).
pub fn scope_note(scope: Scope) -> &'static str {
    match scope {
        Scope::User => "These memories follow you across projects; keep them general and free of project specifics.",
        Scope::Project => "These memories are shared with your team through version control; keep them specific to this project and free of personal or secret data.",
        Scope::Local => "These memories stay on this machine and are not committed; tailor them to this project on this machine.",
        Scope::None => "",
    }
}

fn clip_lines(text: &str, max_tokens: usize) -> String {
    let max = max_tokens.saturating_mul(4);
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = text.get(..end).and_then(|h| h.rfind('\n')).unwrap_or(end);
    format!("{}\n[… cut by agent-ops …]", text.get(..cut).unwrap_or(""))
}

impl MemoryScoper {
    fn warn_once(&mut self, out: &mut Outcome, code: &str, message: String) {
        if self.warned.insert(format!("{code}:{message}")) {
            out.diagnostics.push(Diagnostic {
                level: LogLevel::Warn,
                code: code.into(),
                message,
            });
        }
    }

    /// P5-R2: the canonical git root of the workspace (all worktrees share one), else the
    /// nearest ancestor with `.git`, else the workspace itself. Cached per workspace.
    pub fn project_root(
        &mut self,
        cx: &PhaseCtx<'_, MemoryScopingConfig>,
        home: &str,
        workspace: &str,
    ) -> String {
        if let Some(r) = self.project_roots.get(workspace) {
            return r.clone();
        }
        let git = |args: &[&str]| -> Option<String> {
            let argv: Vec<String> = std::iter::once("git")
                .chain(args.iter().copied())
                .map(str::to_string)
                .collect();
            let o = cx.host.exec(&argv, workspace, 5_000, 64 * 1024).ok()?;
            let out = o.stdout.trim().to_string();
            (o.status == 0 && out.starts_with('/')).then_some(out)
        };
        let root = git(&["rev-parse", "--path-format=absolute", "--git-common-dir"])
            .map(|common| parent(&common).to_string())
            .or_else(|| git(&["rev-parse", "--show-toplevel"]))
            .or_else(|| {
                let mut dir = workspace.trim_end_matches('/').to_string();
                for _ in 0..32 {
                    if dir.is_empty() || dir == home.trim_end_matches('/') {
                        break;
                    }
                    if cx.host.fs_stat(&format!("{dir}/.git")).is_ok() {
                        return Some(dir);
                    }
                    let up = parent(&dir).to_string();
                    if up == dir {
                        break;
                    }
                    dir = up;
                }
                None
            })
            .unwrap_or_else(|| workspace.trim_end_matches('/').to_string());
        self.project_roots
            .insert(workspace.to_string(), root.clone());
        root
    }

    /// P5-R2: the project root in Unicode NFC, the project's identity. ASCII needs nothing;
    /// otherwise the Host normalises (the wasm core has no tables), and a Host that cannot
    /// leaves the root as it is, said once.
    fn project_key(
        &mut self,
        cx: &PhaseCtx<'_, MemoryScopingConfig>,
        out: &mut Outcome,
        root: &str,
    ) -> String {
        if root.is_ascii() {
            return root.to_string();
        }
        match cx.host.nfc(root) {
            Some(k) => k,
            None => {
                self.warn_once(
                    out,
                    "scope.degraded.nfc",
                    format!("this host cannot normalise Unicode; the project root {root:?} is used as spelled, so the same project reached in another normalisation form gets other local memory"),
                );
                root.to_string()
            }
        }
    }

    /// The agent's memory directory, or `None` when memory is off for it.
    pub fn resolve(
        &mut self,
        cx: &PhaseCtx<'_, MemoryScopingConfig>,
        out: &mut Outcome,
        agent_id: &str,
        workspace: &str,
    ) -> Option<Resolved> {
        let home = cx.home();
        let (remote, bad) = remote_dir(
            cx.host.env("AGENT_OPS_REMOTE_MEMORY_DIR").as_deref(),
            cx.host.env("CLAUDE_CODE_REMOTE_MEMORY_DIR").as_deref(),
            &home,
        );
        if let Some(b) = bad {
            self.warn_once(
                out,
                "scope.config.bad_path",
                format!(
                    "remote memory dir {:?} {}; the default location is used",
                    b.value, b.rule
                ),
            );
        }
        let on = memory_enabled(
            cx.host.env("AGENT_OPS_DISABLE_MEMORY").as_deref(),
            cx.host.env("AGENT_OPS_REMOTE").as_deref(),
            remote.is_some(),
            cx.cfg.enabled,
        );
        if !on {
            return None;
        }
        let scope = cx
            .cfg
            .agents
            .get(agent_id)
            .map_or(cx.cfg.default_scope, |a| a.scope);
        let root = self.project_root(cx, &home, workspace);
        let key = self.project_key(cx, out, &root);
        let roots = Roots::new(cx.state_dir, remote, &root, &key);
        let dir = roots.dir(scope, agent_id)?;
        Some(Resolved { scope, dir, roots })
    }

    /// P5-R8a: no symlink or non-directory component from the trusted base down to `path`.
    fn safe(
        &mut self,
        cx: &PhaseCtx<'_, MemoryScopingConfig>,
        out: &mut Outcome,
        r: &Resolved,
        path: &str,
    ) -> bool {
        let Some(base) = r.roots.trusted_base(r.scope) else {
            return false;
        };
        self.safe_below(cx, out, &base, path)
    }

    /// [`Self::safe`] from an explicit base.
    fn safe_below(
        &mut self,
        cx: &PhaseCtx<'_, MemoryScopingConfig>,
        out: &mut Outcome,
        base: &str,
        path: &str,
    ) -> bool {
        let Some(rest) = path.strip_prefix(&format!("{}/", base.trim_end_matches('/'))) else {
            return false;
        };
        let mut cur = base.trim_end_matches('/').to_string();
        let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        for (i, part) in parts.iter().enumerate() {
            cur = format!("{cur}/{part}");
            match cx.host.fs_stat(&cur) {
                Ok(st)
                    if st.kind == EntryKind::Symlink
                        || (i + 1 < parts.len() && st.kind != EntryKind::Dir) =>
                {
                    self.warn_once(out, "scope.path.symlink", format!("{cur} is a symlink or not a directory; memory access below it is skipped"));
                    return false;
                }
                Ok(_) => {}
                Err(_) => return true,
            }
        }
        true
    }

    /// P5-R13: headers of the directory's memory files, within the caps.
    pub fn scan(&mut self, cx: &PhaseCtx<'_, MemoryScopingConfig>, r: &Resolved) -> Vec<Header> {
        let sc = &cx.cfg.scan;
        let max_entries = usize::try_from(sc.max_entries).unwrap_or(usize::MAX);
        let max_depth = usize::try_from(sc.max_depth).unwrap_or(usize::MAX);
        let max_lines = usize::try_from(sc.frontmatter_max_lines).unwrap_or(30);
        let mut headers = Vec::new();
        let mut stack = vec![(
            r.dir.trim_end_matches('/').to_string(),
            String::new(),
            0usize,
        )];
        let mut visited = 0usize;
        while let Some((dir, rel, depth)) = stack.pop() {
            if visited >= max_entries {
                break;
            }
            let Ok(listing) = cx.host.fs_list(
                &dir,
                u32::try_from(max_entries - visited).unwrap_or(u32::MAX),
            ) else {
                continue;
            };
            for e in listing.entries {
                visited += 1;
                if e.name.starts_with('.') {
                    continue;
                }
                let path = format!("{dir}/{}", e.name);
                let relp = if rel.is_empty() {
                    e.name.clone()
                } else {
                    format!("{rel}/{}", e.name)
                };
                match e.kind {
                    EntryKind::Dir if depth + 1 < max_depth => stack.push((path, relp, depth + 1)),
                    EntryKind::File if e.name.ends_with(".md") && e.name != ENTRYPOINT_NAME => {
                        let head = cx
                            .host
                            .fs_read(&path, FRONTMATTER_MAX_BYTES)
                            .unwrap_or_default();
                        let text = String::from_utf8_lossy(&head);
                        let head: String =
                            text.lines().take(max_lines).collect::<Vec<_>>().join("\n");
                        let (name, description, kind) = parse_frontmatter(&head);
                        headers.push(Header {
                            filename: relp,
                            file_path: path,
                            mtime_ms: e.mtime_ms,
                            name,
                            description,
                            kind,
                        });
                    }
                    _ => {}
                }
            }
        }
        sort_and_cap(&mut headers, usize::try_from(sc.max_files).unwrap_or(200));
        headers
    }

    /// `before_prompt_build` (P5-R11): the scope block as `appendSystemContext`.
    pub fn before_prompt_build(
        &mut self,
        cx: &PhaseCtx<'_, MemoryScopingConfig>,
        event: &Value,
        ctx: &Value,
    ) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let key = s(ctx, "sessionKey").unwrap_or("");
        if crate::session_key::is_internal_key(key) {
            return out;
        }
        let agent = s(ctx, "agentId").unwrap_or("main");
        let ws = cx.workspace();
        if ws.is_empty() {
            return out;
        }
        let Some(r) = self.resolve(cx, &mut out, agent, &ws) else {
            return out;
        };
        if !self.safe(cx, &mut out, &r, &r.dir) {
            return out;
        }
        let snapshot_note = self.snapshot_check(cx, now, &mut out, agent, &r, key);
        let index_path = format!("{}{ENTRYPOINT_NAME}", r.dir);
        let ep = &cx.cfg.entrypoint;
        let index = match cx.host.fs_read(&index_path, 4 * 1024 * 1024) {
            Ok(b) => {
                let e = truncate_entrypoint(
                    &String::from_utf8_lossy(&b),
                    usize::try_from(ep.max_lines).unwrap_or(200),
                    usize::try_from(ep.max_bytes).unwrap_or(25_000),
                );
                if let Some(cap) = e.capped {
                    self.warn_once(
                        &mut out,
                        "scope.index.capped",
                        format!("{index_path} exceeds the {cap} cap; the injected index was cut"),
                    );
                }
                e.text
            }
            Err(_) => String::new(),
        };
        let scope_name = match r.scope {
            Scope::User => "user",
            Scope::Project => "project",
            Scope::Local => "local",
            Scope::None => "none",
        };
        let mut block = format!("# Agent memory ({scope_name} scope)\nYour memory directory is `{}`. Its index `MEMORY.md` is below; topic files hold the detail. Save durable facts there (one index line per topic file).\n{}\n", r.dir, scope_note(r.scope));
        if let Some(extra) = &cx.cfg.extra_guidelines {
            block.push_str(extra);
            block.push('\n');
        }
        if let Some(n) = snapshot_note {
            block.push_str(&n);
            block.push('\n');
        }
        block.push_str("\n## MEMORY.md\n");
        block.push_str(if index.is_empty() {
            "(empty: nothing remembered yet)"
        } else {
            &index
        });
        block.push('\n');
        if cx.cfg.recall.enabled {
            let headers = self.scan(cx, &r);
            let seen = self.surfaced.entry(key.to_string()).or_default();
            let candidates: Vec<Header> = headers
                .into_iter()
                .filter(|h| !seen.contains(&h.file_path))
                .collect();
            let prompt = s(event, "prompt").unwrap_or("");
            let max = usize::try_from(cx.cfg.recall.max_selected).unwrap_or(5);
            let picked = lexical(prompt, &candidates, max);
            let mut used = 0usize;
            let mut recalled = String::new();
            for h in picked {
                let Ok(b) = cx.host.fs_read(&h.file_path, 1024 * 1024) else {
                    continue;
                };
                let body = clip_lines(&String::from_utf8_lossy(&b), RECALL_FILE_MAX_TOKENS);
                let cost = body.len().div_ceil(4);
                if used + cost > RECALL_TOTAL_MAX_TOKENS {
                    break;
                }
                used += cost;
                let age = freshness(h.mtime_ms, now)
                    .map(|a| format!(" {a}"))
                    .unwrap_or_default();
                recalled.push_str(&format!(
                    "\n### {}{age}\n{}\n{body}\n",
                    h.filename,
                    manifest_line(h)
                ));
                seen.insert(h.file_path.clone());
            }
            if !recalled.is_empty() {
                block.push_str("\n## Memories that look relevant to this prompt\n");
                block.push_str(&recalled);
            }
        }
        out.ret = json!({ "appendSystemContext": block });
        out
    }

    /// P5-R17 … R19: the project snapshot, checked once per agent directory and process at its
    /// first prompt. `initialize` copies it now; a newer snapshot becomes a note in the block.
    fn snapshot_check(
        &mut self,
        cx: &PhaseCtx<'_, MemoryScopingConfig>,
        now: i64,
        out: &mut Outcome,
        agent: &str,
        r: &Resolved,
        key: &str,
    ) -> Option<String> {
        if !cx.cfg.snapshots.enabled || !cx.cfg.snapshots.scopes.contains(&r.scope) {
            return None;
        }
        if !self.snapshot_checked.insert(r.dir.clone()) {
            return self.snapshot_pending.get(&r.dir).cloned();
        }
        let snap_dir = snapshot_dir(r, agent);
        // P5-R8a both ways: nothing is written through a symlinked memory directory, and
        // nothing is read through a symlinked snapshot directory (a repository could point
        // it at ~/.ssh and have the keys copied into memory).
        let project_root = r.roots.project_root.clone();
        if !self.safe(cx, out, r, &r.dir) || !self.safe_below(cx, out, &project_root, &snap_dir) {
            return None;
        }
        // G-R18: the check and what it writes under the directory's lock, so that neither an
        // extraction nor `agent-ops memory sync` changes the directory in between. Held by
        // another process: checked again at the next prompt.
        let lock = super::paths::dir_lock_path(cx.state_dir, &r.dir);
        if cx.host.fs_lock(&lock, 30_000).is_err() {
            self.snapshot_checked.remove(&r.dir);
            return None;
        }
        let pending = self.snapshot_locked(cx, now, out, r, agent, key);
        let _ = cx.host.fs_unlock(&lock);
        pending
    }

    /// The snapshot check of [`Self::snapshot_check`], with the directory's lock held.
    fn snapshot_locked(
        &mut self,
        cx: &PhaseCtx<'_, MemoryScopingConfig>,
        now: i64,
        out: &mut Outcome,
        r: &Resolved,
        agent: &str,
        key: &str,
    ) -> Option<String> {
        let snap_dir = snapshot_dir(r, agent);
        let read = super::snapshot_io::read(cx.host, &snap_dir, &r.dir);
        let (action, why) = super::snapshot::check(&read.state());
        if let Some(w) = why {
            self.warn_once(out, "scope.snapshot.invalid", format!("{snap_dir}: {w}"));
        }
        let decision = |code: &str, message: String| Decision {
            v: audit::RECORD_VERSION,
            at: now,
            phase: "scope".into(),
            code: code.into(),
            action: Action::Note,
            message,
            session_key: Some(key.to_string()).filter(|k| !k.is_empty()),
            run_id: None,
            tool_call_id: None,
            details: json!({ "snapshotDir": snap_dir, "memoryDir": r.dir }),
        };
        match action {
            super::snapshot::Action::None => None,
            super::snapshot::Action::Initialize => {
                match super::snapshot_io::initialize(cx.host, &snap_dir, &r.dir, &read) {
                    Ok(n) => {
                        out.decisions.push(decision("scope.snapshot.initialized", format!("The empty memory of agent `{agent}` was initialized from the project snapshot ({n} file(s)).")));
                        None
                    }
                    Err(e) => {
                        self.warn_once(
                            out,
                            "scope.snapshot.failed",
                            format!("could not initialize {} from {snap_dir}: {e}", r.dir),
                        );
                        None
                    }
                }
            }
            super::snapshot::Action::WriteMarker => {
                let _ = super::snapshot_io::mark(cx.host, &r.dir, &read);
                None
            }
            super::snapshot::Action::PromptUpdate => {
                let note = format!("A newer project memory snapshot is available in `{snap_dir}`. Tell the user; they apply it with `agent-ops memory sync --mode merge|replace|skip`.");
                out.decisions
                    .push(decision("scope.snapshot.update_available", note.clone()));
                self.snapshot_pending.insert(r.dir.clone(), note.clone());
                Some(note)
            }
        }
    }

    /// Appends one cost record. A line a crash left torn gets its newline in the same write
    /// (`Host::fs_append_line`, G-R17), so the record never glues onto it.
    pub fn append_cost(
        &self,
        host: &dyn crate::host::Host,
        state_dir: &str,
        r: &super::costs::CostRecord,
    ) -> Result<(), crate::host::HostError> {
        super::costs::append(host, state_dir, r)
    }

    /// `llm_output`: one cost record (P5-R24).
    /// `fork`: `Some(cache_safe)` when the run is a forked worker (phase 7 attribution).
    pub fn llm_output(
        &mut self,
        cx: &PhaseCtx<'_, MemoryScopingConfig>,
        event: &Value,
        ctx: &Value,
        fork: Option<Option<bool>>,
    ) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        if !cx.cfg.costs.enabled {
            return out;
        }
        let mut r = super::costs::from_llm_output(event, ctx, &cx.info.models, now);
        if let Some(safe) = fork {
            r.fork_label = Some("fork".into());
            r.cache_safe = safe;
        }
        if let Err(e) = self.append_cost(cx.host, cx.state_dir, &r) {
            self.warn_once(
                &mut out,
                "scope.costs.write_failed",
                format!("could not append to the cost ledger: {e}"),
            );
        }
        let today = crate::audit::utc_date(now);
        if self.pruned_day.as_deref() != Some(today.as_str()) {
            super::costs::prune(cx.host, cx.state_dir, now);
            self.pruned_day = Some(today);
        }
        out
    }

    /// `/memory [today|7d|session]` (P5-R25): the agent's memory status and the cost ledger.
    pub fn memory_command(
        &mut self,
        cx: &PhaseCtx<'_, MemoryScopingConfig>,
        event: &Value,
        ctx: &Value,
    ) -> String {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let args = s(event, "args").unwrap_or("today").trim().to_string();
        let key = s(ctx, "sessionKey");
        let (days, title, session) = match args.as_str() {
            "7d" => (7, "last 7 days", None),
            "session" => (30, "this session, last 30 days", key),
            _ => (1, "today", None),
        };
        let agent = s(ctx, "agentId").unwrap_or("main");
        let mut text = match self.resolve(cx, &mut out, agent, &cx.workspace()) {
            Some(r) => {
                let files = super::snapshot_io::list_files(cx.host, &r.dir, true).len();
                format!("agent-ops memory for agent `{agent}`: {:?} scope, {} ({files} memory file(s))\n", r.scope, r.dir)
            }
            None => format!("agent-ops memory is off for agent `{agent}`\n"),
        };
        let records = super::costs::read(cx.host, cx.state_dir, now, days, session);
        text.push_str(&super::costs::report(&records, title));
        text
    }

    /// P5-R9: a write into another agent's memory directory.
    pub fn before_tool_call(
        &mut self,
        cx: &PhaseCtx<'_, MemoryScopingConfig>,
        event: &Value,
        ctx: &Value,
    ) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        if cx.cfg.isolation == GuardMode::Off {
            return out;
        }
        let tool = s(event, "toolName").unwrap_or("");
        if !matches!(tool, "write" | "edit" | "apply_patch") {
            return out;
        }
        let params = event.get("params").unwrap_or(&Value::Null);
        let Some(path) = s(params, "path")
            .or_else(|| s(params, "file_path"))
            .or_else(|| s(params, "filePath"))
        else {
            return out;
        };
        let agent = s(ctx, "agentId").unwrap_or("main");
        let ws = cx.workspace();
        if ws.is_empty() {
            return out;
        }
        let Some(r) = self.resolve(cx, &mut out, agent, &ws) else {
            return out;
        };
        let abs = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("{}/{path}", ws.trim_end_matches('/'))
        };
        let Some(owner) = r.roots.owner_of(&abs) else {
            return out;
        };
        if owner.dir_name == super::paths::dir_name(agent) {
            // The agent's own memory: no symlink below the trusted base (P5-R8a), and local
            // memory inside the project is never committed (P5-R4).
            let base = r.roots.trusted_base(owner.scope).unwrap_or_default();
            if !self.safe_below(cx, &mut out, &base, &abs) {
                let code = "scope.path.symlink";
                let msg = format!("{abs} lies below a symlink or a non-directory in agent `{agent}`'s memory; the write could land anywhere");
                if cx.cfg.isolation == GuardMode::Block {
                    out.ret =
                        json!({ "block": true, "blockReason": audit::block_text(code, &msg) });
                }
                out.decisions.push(Decision {
                    v: audit::RECORD_VERSION,
                    at: now,
                    phase: "scope".into(),
                    code: code.into(),
                    action: if cx.cfg.isolation == GuardMode::Block {
                        Action::Deny
                    } else {
                        Action::Note
                    },
                    message: format!("{msg}."),
                    session_key: s(ctx, "sessionKey").map(str::to_string),
                    run_id: s(event, "runId").map(str::to_string),
                    tool_call_id: s(event, "toolCallId").map(str::to_string),
                    details: json!({ "tool": tool, "path": abs }),
                });
            } else if owner.scope == Scope::Local && r.roots.remote.is_none() {
                if let Some(root) = r.roots.scope_root(Scope::Local) {
                    ensure_gitignore(cx.host, &root);
                }
            }
            return out;
        }
        let code = "scope.isolation.foreign_memory";
        let msg = format!("{abs} belongs to the memory of agent `{}` ({:?} scope); agent `{agent}` may read it but not write it", owner.dir_name, owner.scope);
        let action = if cx.cfg.isolation == GuardMode::Block {
            out.ret = json!({ "block": true, "blockReason": audit::block_text(code, &msg) });
            Action::Deny
        } else {
            Action::Note
        };
        out.decisions.push(Decision {
            v: audit::RECORD_VERSION,
            at: now,
            phase: "scope".into(),
            code: code.into(),
            action,
            message: format!("{msg}."),
            session_key: s(ctx, "sessionKey").map(str::to_string),
            run_id: s(event, "runId").map(str::to_string),
            tool_call_id: s(event, "toolCallId").map(str::to_string),
            details: json!({ "tool": tool, "path": abs, "owner": owner.dir_name }),
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{CallIds, HostInfo};
    use crate::host::{Host, HostDirs, MemoryHost};
    use crate::memory_scope::config::MemoryScopingConfig;
    use std::cell::Cell;

    fn local_dir(host: &dyn Host, workspace: &str) -> (Option<String>, Vec<Diagnostic>) {
        let cfg = MemoryScopingConfig {
            default_scope: Scope::Local,
            ..MemoryScopingConfig::default()
        };
        let info = HostInfo {
            home_dir: Some("/home/u".into()),
            ..HostInfo::default()
        };
        let (ids, next_job) = (CallIds::default(), Cell::new(0));
        let cx = PhaseCtx::new(host, &cfg, &info, "/s", &ids, &Value::Null, &next_job);
        let mut out = Outcome::default();
        let r = MemoryScoper::default().resolve(&cx, &mut out, "main", workspace);
        (r.map(|r| r.dir), out.diagnostics)
    }

    /// P5-R2: the same project spelled in NFD (as macOS hands it out) and in NFC gets one
    /// remote `local` directory.
    #[test]
    fn p5_r2_project_identity_is_nfc() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        h.set_env("AGENT_OPS_REMOTE_MEMORY_DIR", "/remote");
        let nfd = "/home/u/Cafe\u{301}";
        let nfc = "/home/u/Caf\u{e9}";
        let (a, da) = local_dir(&h, nfd);
        let (b, _) = local_dir(&h, nfc);
        assert!(a.is_some(), "{da:?}");
        assert_eq!(a, b);
        assert_eq!(
            a.as_deref(),
            Some("/remote/projects/-home-u-Caf-/agent-memory-local/main/")
        );
        assert!(da.iter().all(|d| d.code != "scope.degraded.nfc"), "{da:?}");
    }

    /// A Host without Unicode tables keeps the spelling and says so once.
    #[test]
    fn p5_r2_a_host_without_tables_keeps_the_spelling_and_says_so() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        h.set_env("AGENT_OPS_REMOTE_MEMORY_DIR", "/remote");
        h.without_unicode_tables();
        let (a, d) = local_dir(&h, "/home/u/Cafe\u{301}");
        assert_eq!(
            a.as_deref(),
            Some("/remote/projects/-home-u-Cafe-/agent-memory-local/main/")
        );
        assert!(d.iter().any(|d| d.code == "scope.degraded.nfc"), "{d:?}");
    }
}
