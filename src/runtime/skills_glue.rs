//! Phase 7 (skills part) inside the runtime: registrations, the `/skills-audit` command,
//! hook dispatch and the service tick.

use super::{
    Active, CommandSpec, FailureMode, FailurePolicy, HookResponse, HostInfo, InitResult, Job,
    JobKind, Registration, ServiceSpec, ToolSpec,
};
use crate::fork_skills::engine::{Env, Out, Skiller};
use crate::host::{join_path, Host};
use serde_json::{json, Value};

fn reg(hook: &str) -> Registration {
    Registration {
        handler: format!("forkSkills:{hook}"),
        hook: hook.into(),
        phase: "forkSkills".into(),
        priority: 0,
        matcher: None,
        // P7-R28: fail open.
        failure: FailurePolicy {
            mode: FailureMode::Open,
            ret: Value::Null,
        },
    }
}

/// Registrations, `/skills-audit` and the service (scans between runs).
pub(super) fn init(info: &HostInfo, result: &mut InitResult) {
    result.registrations.push(reg("session_start"));
    result.registrations.push(reg("agent_end"));
    result.registrations.push(reg("subagent_spawned"));
    // P7-R20: managed installs announce their commits; no wait for the next poll.
    result.registrations.push(reg("skill_changed"));
    let mut spawn = reg("before_tool_call");
    spawn.matcher = Some(vec!["sessions_spawn".into()]);
    spawn.priority = 250;
    result.registrations.push(spawn);
    if info.conversation_access != Some(false) {
        result.registrations.push(reg("before_prompt_build"));
        result.registrations.push(reg("llm_input"));
    }
    result.commands.push(CommandSpec {
        name: "skills-audit".into(),
        description: "agent-ops: the effective skills, what is shadowed or invalid, scanner findings and OpenClaw limits".into(),
        handler: "forkSkills:command:skills-audit".into(),
        accepts_args: false,
    });
    result.commands.push(CommandSpec {
        name: "skillify".into(),
        description: "agent-ops: turn this session's repeated workflow into a SKILL.md (optional description)".into(),
        handler: "forkSkills:command:skillify".into(),
        accepts_args: true,
    });
    result.tools.push(ToolSpec {
        name: "agent_ops_skill_save".into(),
        label: "agent-ops save skill".into(),
        description: "Save a skill the user confirmed: name (lowercase, digits, dashes), one-line description ending with \"Use when …\", body with ## Steps where every numbered step has a \"Success criteria:\" line, location workspace or personal, overwrite to replace an existing skill.".into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "name": { "type": "string" },
                "description": { "type": "string" },
                "body": { "type": "string" },
                "location": { "type": "string", "enum": ["workspace", "personal"] },
                "overwrite": { "type": "boolean" }
            },
            "required": ["name", "description", "body"],
            "additionalProperties": false
        }),
        handler: "forkSkills:tool:agent_ops_skill_save".into(),
        catalog_mode: "direct-only".into(),
    });
    if result.service.is_none() {
        result.service = Some(ServiceSpec {
            id: "agent-ops".into(),
            tick_ms: super::session_glue::TICK_MS,
            start_handler: "service_start".into(),
            stop_handler: "sessionMemory:service_stop".into(),
        });
    }
}

fn run<F>(active: &mut Active, host: &dyn Host, ctx: &Value, resp: &mut HookResponse, f: F)
where
    F: FnOnce(&mut Skiller, &Env<'_>) -> Out,
{
    let home = active.home(host);
    let workspace = active.workspace(host, ctx);
    let oc_state = active.info.openclaw_dir(host);
    let (agents, extra_dirs) =
        crate::fork_skills::skills::openclaw_sources(&active.info.sandbox, &home);
    let judge = crate::shell::SnippetJudge::in_workspace(
        &home,
        &workspace,
        active.os(),
        active.config.phases.bash_security.settings(),
    );
    let mut sk = std::mem::take(&mut active.skiller);
    let out = {
        let env = Env {
            agents: &agents,
            extra_dirs: &extra_dirs,
            cfg: active.config.phases.fork_skills.settings(),
            judge: &judge,
            host,
            state_dir: &active.state_dir,
            now_ms: host.now_ms(),
            workspace: &workspace,
            home: &home,
            openclaw_state: &oc_state,
        };
        f(&mut sk, &env)
    };
    active.skiller = sk;
    for (key, path) in &out.disable {
        let id = format!("skill-disable-{}-{}", key, host.now_ms());
        active
            .config_jobs
            .insert(id.clone(), (key.clone(), path.clone()));
        resp.jobs.push(Job {
            id,
            kind: JobKind::Config,
            phase: "forkSkills".into(),
            payload: json!({
                "set": [{ "path": ["skills", "entries", key, "enabled"], "value": false }],
                "reason": format!("agent-ops: skill {key} ({path}) has a deny finding of the skill scanner"),
            }),
            timeout_ms: 30_000,
        });
    }
    active.absorb(host, resp, out.ret, out.diagnostics, out.decisions);
}

/// The outcome of a config write that disabled a skill (P7-R21c).
pub(super) fn config_done(
    active: &mut Active,
    host: &dyn Host,
    job_id: &str,
    outcome: &Value,
    resp: &mut HookResponse,
) {
    let Some((key, path)) = active.config_jobs.remove(job_id) else {
        return;
    };
    if outcome.get("ok").and_then(Value::as_bool) == Some(true) {
        let d = crate::audit::Decision {
            v: crate::audit::RECORD_VERSION,
            at: host.now_ms(),
            phase: "skills".into(),
            code: "skills.scan.disabled".into(),
            action: crate::audit::Action::Deny,
            message: format!("Skill {key} ({path}) was disabled in OpenClaw (skills.entries.{key}.enabled = false) because the skill scanner denied it."),
            session_key: None,
            run_id: None,
            tool_call_id: None,
            details: json!({ "skillKey": key, "path": path }),
        };
        active.record(host, resp, d, true);
    } else {
        resp.diagnostics.push(super::Diagnostic {
            level: crate::host::LogLevel::Warn,
            code: "skills.scan.disable_failed".into(),
            message: format!(
                "could not disable skill {key} ({path}): {}; set skills.entries.{key}.enabled to false in openclaw.json",
                outcome.get("error").and_then(Value::as_str).unwrap_or("unknown error")
            ),
        });
    }
}

/// One phase-7 hook or command call.
pub(super) fn dispatch(
    active: &mut Active,
    host: &dyn Host,
    name: &str,
    event: &Value,
    ctx: &Value,
    resp: &mut HookResponse,
) {
    let fork_cfg = active.config.phases.fork_skills.settings().fork.clone();
    match name {
        "llm_input" if fork_cfg.check_cache_safety => {
            let d = active.skiller.forks.llm_input(host.now_ms(), event, ctx);
            active.absorb(host, resp, Value::Null, Vec::new(), d);
        }
        "before_tool_call"
            if active
                .skiller
                .forks
                .depth(ctx.get("sessionKey").and_then(Value::as_str).unwrap_or(""))
                > 0 =>
        {
            match active.skiller.forks.guard(
                host.now_ms(),
                fork_cfg.max_fork_depth,
                fork_cfg.fork_children_may_spawn,
                event,
                ctx,
            ) {
                Some((ret, d)) => active.absorb(host, resp, ret, Vec::new(), vec![d]),
                None => {
                    let (ret, d) = active.skiller.forks.before_spawn(
                        host.now_ms(),
                        fork_cfg.cache_break,
                        event,
                        ctx,
                    );
                    active.absorb(host, resp, ret, Vec::new(), d);
                }
            }
        }
        "before_tool_call" => {
            let (ret, d) =
                active
                    .skiller
                    .forks
                    .before_spawn(host.now_ms(), fork_cfg.cache_break, event, ctx);
            active.absorb(host, resp, ret, Vec::new(), d);
        }
        "subagent_spawned" => active.skiller.forks.spawned(event, ctx),
        "session_start" => run(active, host, ctx, resp, |s, e| s.scan_roots(e, false)),
        "skill_changed" => {
            run(active, host, ctx, resp, |s, e| s.skill_changed(e, event));
        }
        "before_prompt_build" => {
            run(active, host, ctx, resp, |s, e| {
                s.before_prompt_build(e, ctx)
            });
            // P7-R8: the fork rules join whatever context this phase already returns.
            let key = ctx.get("sessionKey").and_then(Value::as_str).unwrap_or("");
            if fork_cfg.inject_fork_rules {
                if let Some(rules) = active.skiller.forks.rules_for(key) {
                    let prev = resp
                        .ret
                        .get("prependContext")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    let text = match prev {
                        Some(p) => format!("{rules}\n{p}"),
                        None => rules.to_string(),
                    };
                    if !resp.ret.is_object() {
                        resp.ret = json!({});
                    }
                    if let Some(o) = resp.ret.as_object_mut() {
                        o.insert("prependContext".into(), Value::String(text));
                    }
                }
            }
        }
        "agent_end" => {
            if let Some(k) = ctx.get("sessionKey").and_then(Value::as_str) {
                active.skiller.touch(k, host.now_ms());
            }
        }
        "command:skillify" => {
            let cfg = active.config.phases.fork_skills.settings();
            if !cfg.skillify.enabled {
                resp.ret = json!({ "text": "agent-ops: skillify is off (phases.forkSkills.skillify.enabled)" });
                return;
            }
            let key = ctx
                .get("sessionKey")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let sid = ctx
                .get("sessionId")
                .and_then(Value::as_str)
                .map(str::to_string);
            let args = event
                .get("args")
                .and_then(Value::as_str)
                .map(str::to_string);
            let notes = super::session_glue::notes_for(active, host, &key, sid.as_deref());
            let text =
                crate::fork_skills::skillify::instructions(notes.as_deref(), args.as_deref());
            active.skiller.queue(&key, text);
            resp.ret =
                json!({ "text": "Capturing this session as a skill…", "continueAgent": true });
        }
        "tool:agent_ops_skill_save" => save(active, host, event, ctx, resp),
        "command:skills-audit" => {
            let mut text = String::new();
            run(active, host, ctx, resp, |s, e| {
                text = s.audit(e);
                Out::default()
            });
            resp.ret = json!({ "text": text });
        }
        _ => {}
    }
}

/// Service tick: scan the roots so changes are ready before the next turn.
pub(super) fn tick(active: &mut Active, host: &dyn Host, resp: &mut HookResponse) {
    run(active, host, &Value::Null, resp, |s, e| {
        s.scan_roots(e, true)
    });
}

/// `agent_ops_skill_save` (P7-R26): validate, refuse to clobber, write atomically, report
/// shadowing.
fn save(active: &mut Active, host: &dyn Host, event: &Value, ctx: &Value, resp: &mut HookResponse) {
    let params = event.get("params").cloned().unwrap_or(Value::Null);
    let home = active.home(host);
    let workspace = active.workspace(host, ctx);
    let cfg = active.config.phases.fork_skills.settings();
    let default_location = match cfg.skillify.default_location {
        crate::fork_skills::SkillLocation::Personal => "personal",
        _ => "workspace",
    };
    let judge = crate::shell::SnippetJudge::in_workspace(
        &home,
        &workspace,
        active.os(),
        active.config.phases.bash_security.settings(),
    );
    let req = match crate::fork_skills::skillify::validate(&params, &judge, default_location) {
        Ok(r) => r,
        Err(errors) => {
            resp.ret = json!({
                "text": format!("agent-ops: the skill was not saved:\n- {}", errors.join("\n- ")),
                "details": { "errors": errors },
            });
            return;
        }
    };
    let base = if req.location == "personal" {
        join_path(&home, ".agents/skills")
    } else {
        join_path(&workspace, "skills")
    };
    let path = join_path(&base, &format!("{}/SKILL.md", req.name));
    if !req.overwrite && host.fs_stat(&path).is_ok() {
        resp.ret = json!({
            "text": format!("agent-ops: {path} already exists; pass overwrite: true to replace it"),
            "details": { "errors": [format!("{path} exists")] },
        });
        return;
    }
    let higher: Vec<String> = if req.location == "personal" {
        vec![
            join_path(&workspace, "skills"),
            join_path(&workspace, ".agents/skills"),
        ]
    } else {
        Vec::new()
    };
    let shadowed_by = higher
        .iter()
        .map(|r| join_path(r, &format!("{}/SKILL.md", req.name)))
        .find(|p| host.fs_stat(p).is_ok());
    if let Err(e) = host.fs_write_atomic(&path, req.text.as_bytes(), 0o644) {
        resp.ret = json!({ "text": format!("agent-ops: could not write {path}: {e}"), "details": { "errors": [e.to_string()] } });
        return;
    }
    let mut text = format!(
        "Saved skill {} to {path}. OpenClaw lists it from the next turn; invoke it by name (/{}).",
        req.name, req.name
    );
    if let Some(s) = &shadowed_by {
        text.push_str(&format!(
            " Warning: {s} has the same name and takes precedence, so this skill is shadowed."
        ));
    }
    let d = crate::audit::Decision {
        v: crate::audit::RECORD_VERSION,
        at: host.now_ms(),
        phase: "skills".into(),
        code: "skills.saved".into(),
        action: crate::audit::Action::Note,
        message: format!("Skill {} saved to {path}.", req.name),
        session_key: ctx
            .get("sessionKey")
            .and_then(Value::as_str)
            .map(str::to_string),
        run_id: None,
        tool_call_id: None,
        details: json!({ "path": path, "shadowedBy": shadowed_by, "notes": req.notes }),
    };
    active.record(host, resp, d, true);
    resp.ret = json!({ "text": text, "details": { "path": path, "shadowedBy": shadowed_by } });
}
