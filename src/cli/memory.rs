//! `agent-ops memory status|snapshot|sync|cost` (P5-R19a, R25): the same core as the plugin, over the
//! real file system.

use super::{option_value, CliHost, Context, EXIT_IO};
use crate::calendar::iso_utc;
use crate::contract::{CallIds, Outcome, PhaseCtx};
use crate::host::HostDirs;
use crate::json;
use crate::memdir::ENTRYPOINT_NAME;
use crate::memory_scope::Scope;
use crate::memory_scope::{
    check_snapshot as check, dir_name, truncate_entrypoint, MemoryScoper, SnapshotAction as Action,
    SnapshotMode as Mode,
};
use crate::runtime::resolve_state_dir;
use serde_json::Value;
use std::io::Write;

fn scope_of(s: &str) -> Option<Scope> {
    match s {
        "user" => Some(Scope::User),
        "project" => Some(Scope::Project),
        "local" => Some(Scope::Local),
        _ => None,
    }
}

fn scope_name(s: Scope) -> &'static str {
    match s {
        Scope::User => "user",
        Scope::Project => "project",
        Scope::Local => "local",
        Scope::None => "none",
    }
}

/// Runs the subcommand; returns the exit status.
pub fn run(
    args: &[String],
    cx: &Context<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let usage = |stderr: &mut dyn Write, m: &str| super::usage_error(cx, stderr, "memory", m);
    let Some((action, rest)) = args.split_first() else {
        return usage(stderr, "missing action");
    };
    let mut oc_config = None;
    let mut state_dir = None;
    let mut workspace = cx.cwd.clone();
    let mut agent = "main".to_string();
    let mut scope = None;
    let mut mode = None;
    let mut json_out = false;
    let mut period = "today".to_string();
    let mut session_key = None;
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        if arg == "--json" {
            json_out = true;
            continue;
        }
        if action == "cost" && matches!(arg.as_str(), "today" | "7d" | "session") {
            period = arg.clone();
            continue;
        }
        let mut take = |name: &str| option_value(arg, name, &mut it);
        let v = if let Some(v) = take("--openclaw-config") {
            v.map(|v| oc_config = Some(v))
        } else if let Some(v) = take("--state-dir") {
            v.map(|v| state_dir = Some(v))
        } else if let Some(v) = take("--workspace") {
            v.map(|v| workspace = v)
        } else if let Some(v) = take("--agent") {
            v.map(|v| agent = v)
        } else if let Some(v) = take("--scope") {
            v.and_then(|v| {
                scope_of(&v)
                    .map(|s| scope = Some(s))
                    .ok_or_else(|| format!("unknown scope `{v}`"))
            })
        } else if let Some(v) = take("--session-key") {
            v.map(|v| session_key = Some(v))
        } else if let Some(v) = take("--mode") {
            v.and_then(|v| {
                let m = match v.as_str() {
                    "merge" => Mode::Merge,
                    "replace" => Mode::Replace,
                    "skip" => Mode::Skip,
                    _ => return Err(format!("unknown mode `{v}`")),
                };
                mode = Some(m);
                Ok(())
            })
        } else {
            Err(format!("unknown option `{arg}`"))
        };
        if let Err(m) = v {
            return usage(stderr, &m);
        }
    }
    let loaded = match super::load_plugin_config(
        "memory",
        cx,
        oc_config.as_deref(),
        state_dir.as_deref(),
        stderr,
    ) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let config = &loaded.config;
    let home = cx.home();
    let workspace = super::openclaw::user_path(&workspace, &home, &cx.cwd);
    let host = CliHost::new(
        cx.host,
        HostDirs {
            home_dir: home.clone(),
            workspace_dir: workspace.clone(),
            openclaw_state_dir: loaded.paths.state_dir.clone(),
            ..HostDirs::default()
        },
    );
    let info = super::host_info(cx, &loaded, &workspace);
    let sd = resolve_state_dir(config, &info, &host);
    let cfg = config.phases.memory_scoping.settings();
    let now = crate::host::Host::now_ms(&host);
    if action == "cost" {
        let (days, title) = match period.as_str() {
            "7d" => (7, "last 7 days"),
            "session" => (30, "one session, last 30 days"),
            _ => (1, "today"),
        };
        if period == "session" && session_key.is_none() {
            return usage(stderr, "`cost session` needs --session-key");
        }
        let mut records =
            crate::memory_scope::read_costs(&host, &sd, now, days, session_key.as_deref());
        price_unpriced(&mut records, &info.models);
        let _ = stdout.write_all(crate::memory_scope::cost_report(&records, title).as_bytes());
        return 0;
    }
    let (ids, next_job) = (CallIds::default(), std::cell::Cell::new(0));
    let phase = PhaseCtx::new(&host, cfg, &info, &sd, &ids, &Value::Null, &next_job);
    let mut sc = MemoryScoper::default();
    let mut out = Outcome::default();
    let Some(resolved) = sc.resolve(&phase, &mut out, &agent, &workspace) else {
        let _ = writeln!(stdout, "memory is off for agent `{agent}` (phases.memoryScoping, AGENT_OPS_DISABLE_MEMORY or AGENT_OPS_REMOTE)");
        return 0;
    };
    for d in &out.diagnostics {
        let _ = writeln!(stderr, "{} {}: {}", d.level.as_str(), d.code, d.message);
    }
    let roots = resolved.roots.clone();
    let snap_dir = format!(
        "{}/.openclaw/agent-memory-snapshots/{}",
        roots.project_root,
        dir_name(&agent)
    );
    let snap_scope = scope
        .or_else(|| cfg.snapshots.scopes.first().copied())
        .unwrap_or(Scope::User);
    let snap_mem = roots.dir(snap_scope, &agent).unwrap_or_default();
    match action.as_str() {
        "status" => {
            let mut scopes = Vec::new();
            for s in [Scope::User, Scope::Project, Scope::Local] {
                let Some(dir) = roots.dir(s, &agent) else {
                    continue;
                };
                let files = crate::memory_scope::snapshot_files(&host, &dir, true).len();
                let idx = crate::host::Host::fs_read(
                    &host,
                    &format!("{dir}{ENTRYPOINT_NAME}"),
                    4 * 1024 * 1024,
                )
                .ok();
                let (lines, bytes, cap) = match &idx {
                    Some(b) => {
                        let t = String::from_utf8_lossy(b);
                        let e = truncate_entrypoint(
                            &t,
                            usize::try_from(cfg.entrypoint.max_lines).unwrap_or(200),
                            usize::try_from(cfg.entrypoint.max_bytes).unwrap_or(25_000),
                        );
                        (t.lines().count(), b.len(), e.capped)
                    }
                    None => (0, 0, None),
                };
                scopes.push(json!({"scope": scope_name(s), "dir": dir, "active": s == resolved.scope, "files": files, "indexLines": lines, "indexBytes": bytes, "capWouldFire": cap}));
            }
            let r = crate::memory_scope::snapshot_read(&host, &snap_dir, &snap_mem);
            let (decision, why) = check(&r.state());
            let report = json!({"agent": agent, "projectRoot": roots.project_root, "memoryBase": roots.memory_base, "scopes": scopes.clone(),
                "snapshot": {"dir": snap_dir, "scope": scope_name(snap_scope), "check": decision, "why": why}});
            if json_out {
                let _ = writeln!(
                    stdout,
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                let _ = writeln!(
                    stdout,
                    "agent `{agent}`, project root {}",
                    roots.project_root
                );
                for s in &scopes {
                    let g = |k: &str| s.get(k).cloned().unwrap_or(Value::Null);
                    let cap = g("capWouldFire")
                        .as_str()
                        .map(|c| format!(" ({c} cap would fire)"))
                        .unwrap_or_default();
                    let _ =
                        writeln!(
                        stdout,
                        "  {} {:<8} {} — {} memory file(s), MEMORY.md {} line(s) / {} bytes{cap}",
                        if g("active") == Value::Bool(true) { "*" } else { " " },
                        g("scope").as_str().unwrap_or(""),
                        g("dir").as_str().unwrap_or(""),
                        g("files"),
                        g("indexLines"),
                        g("indexBytes"),
                    );
                }
                let _ = writeln!(
                    stdout,
                    "  snapshot {} → {} scope: {:?}{}",
                    snap_dir,
                    scope_name(snap_scope),
                    decision,
                    why.map(|w| format!(" ({w})")).unwrap_or_default()
                );
            }
            0
        }
        "snapshot" => {
            match crate::memory_scope::snapshot_publish(&host, &snap_mem, &snap_dir, &iso_utc(now))
            {
                Ok(n) => {
                    let _ = writeln!(
                        stdout,
                        "published {n} memory file(s) of the {} scope to {snap_dir}",
                        scope_name(snap_scope)
                    );
                    0
                }
                Err(e) => {
                    let _ = writeln!(stderr, "agent-ops memory snapshot: {e}");
                    EXIT_IO
                }
            }
        }
        "sync" => {
            // G-R18: the same lock as the gateway's extraction and snapshot check, held from
            // the read to the last write.
            let lock = crate::memdir::dir_lock_path(&sd, &snap_mem);
            if let Err(e) = crate::host::lock_within(&host, &lock, 30_000, 2_000) {
                let _ = writeln!(
                    stderr,
                    "agent-ops memory sync: {snap_mem} is being updated by another process ({lock}: {e}); try again"
                );
                return EXIT_IO;
            }
            let code = sync(cx, &host, &snap_dir, &snap_mem, mode, stdout, stderr);
            let _ = crate::host::Host::fs_unlock(&host, &lock);
            code
        }
        other => usage(stderr, &format!("unknown action `{other}`")),
    }
}

/// Prices the records the gateway wrote without a cost (the model's `cost` table was not known
/// then) from OpenClaw's model table, as the plugin prices a new record.
fn price_unpriced(
    records: &mut [crate::memory_scope::CostRecord],
    models: &[crate::runtime::ModelInfo],
) {
    use crate::memory_scope::cost_usd;
    use crate::memory_scope::price_of;
    for r in records.iter_mut().filter(|r| r.cost_usd.is_none()) {
        r.cost_usd = price_of(models, r.provider.as_deref(), r.model.as_deref()).map(|p| {
            cost_usd(
                &p,
                r.input_tokens.unwrap_or(0),
                r.output_tokens.unwrap_or(0),
                r.cache_read_tokens.unwrap_or(0),
                r.cache_write_tokens.unwrap_or(0),
            )
        });
    }
}

/// `agent-ops memory sync` with the memory directory's lock held.
fn sync(
    cx: &Context<'_>,
    host: &dyn crate::host::Host,
    snap_dir: &str,
    snap_mem: &str,
    mode: Option<Mode>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let r = crate::memory_scope::snapshot_read(host, snap_dir, snap_mem);
    let (decision, why) = check(&r.state());
    let res = match (decision, mode) {
        (Action::None, _) => {
            let _ = writeln!(
                stdout,
                "nothing pending{}",
                why.map(|w| format!(" ({w})")).unwrap_or_default()
            );
            return 0;
        }
        (Action::Initialize, _) => {
            crate::memory_scope::snapshot_initialize(host, snap_dir, snap_mem, &r)
        }
        (Action::WriteMarker, _) => {
            crate::memory_scope::snapshot_mark(host, snap_mem, &r).map(|()| 0)
        }
        (Action::PromptUpdate, Some(m)) => {
            crate::memory_scope::snapshot_update(host, snap_dir, snap_mem, &r, m)
        }
        (Action::PromptUpdate, None) => {
            return super::usage_error(
                cx,
                stderr,
                "memory",
                "a newer snapshot is pending: choose --mode merge|replace|skip",
            )
        }
    };
    match res {
        Ok(n) => {
            let _ = writeln!(stdout, "{decision:?}: {n} file(s) applied to {snap_mem}");
            0
        }
        Err(e) => {
            let _ = writeln!(stderr, "agent-ops memory sync: {e}");
            EXIT_IO
        }
    }
}
