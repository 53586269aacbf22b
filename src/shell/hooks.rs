//! Phase 4's hooks (issue 18 item 2): the `before_tool_call` dispatch, approval completion,
//! grants (issue 16 item 9) and the `/grants` command. The decisions are [`super::hook`]'s;
//! this file supplies what the Host knows (grants, home, workspace, sandbox facts) and keeps
//! the approvals OpenClaw has not resolved yet.

use super::{grant_store, grants::Pattern, BashSecurityConfig, Os};
use crate::audit::{self, Action, Decision};
use crate::contract::{
    orphan_job, CommandSpec, Diagnostic, Job, JobKind, Outcome, PhaseCore, PhaseCtx, PhaseInit,
    SandboxFacts,
};
use crate::host::{Host, LogLevel};
use crate::json;
use crate::sorted::SortedMap;
use serde_json::Value;

/// Phase 4's state between calls: the approvals OpenClaw has not resolved yet, by job id.
#[derive(Debug, Default)]
pub struct ExecApprovals {
    pending: SortedMap<String, Awaiting>,
}

/// An approval asked for, until OpenClaw resolves it.
#[derive(Debug, Clone)]
struct Awaiting {
    code: String,
    session_key: Option<String>,
    agent_id: String,
    workspace: String,
    run_id: Option<String>,
    tool_call_id: Option<String>,
    command: String,
    /// What `allow-always` grants (empty when it was not offered).
    grant: Vec<Pattern>,
}

/// Registrations and the `/grants` command.
pub fn init(cfg: &BashSecurityConfig) -> PhaseInit {
    PhaseInit {
        registrations: super::hook::registrations(cfg),
        commands: vec![CommandSpec {
            name: "grants".into(),
            description:
                "agent-ops: list or revoke exec approval grants (list | revoke ID | clear)".into(),
            handler: "bashSecurity:command:grants".into(),
            accepts_args: true,
        }],
        ..PhaseInit::default()
    }
}

impl PhaseCore for ExecApprovals {
    type Config = BashSecurityConfig;
    type Input<'a> = ();
    const KEY: &'static str = "bashSecurity";

    /// One phase 4 hook or command call.
    fn on_hook(
        &mut self,
        cx: &PhaseCtx<'_, BashSecurityConfig>,
        name: &str,
        event: &Value,
        _: (),
    ) -> Outcome {
        match name {
            "before_tool_call" => self.before_tool_call(cx, event),
            "command:grants" => {
                let args = event.get("args").and_then(Value::as_str).unwrap_or("");
                Outcome::text(grants_command(cx.host, cx.state_dir, args))
            }
            _ => Outcome::default(),
        }
    }

    fn owns_job(&self, job_id: &str) -> bool {
        self.pending.contains_key(job_id)
    }

    /// OpenClaw resolved an approval: journal it, and store a grant for `allow-always`.
    fn job_done(
        &mut self,
        cx: &PhaseCtx<'_, BashSecurityConfig>,
        job_id: &str,
        outcome: &Value,
        _: (),
    ) -> Outcome {
        match self.pending.remove(job_id) {
            Some(p) => approval_done(cx, p, outcome),
            None => Outcome::default(),
        }
    }

    /// An approval another core asked for (`job-<n>-<hex>`, `PhaseCtx::new_job_id`; the
    /// approvals are the only such jobs that complete): OpenClaw applied the operator's answer
    /// to the call, but without the request this core records nothing and stores no grant.
    fn adopt_job(
        &mut self,
        _cx: &PhaseCtx<'_, BashSecurityConfig>,
        job_id: &str,
        outcome: &Value,
        _: (),
    ) -> Option<Outcome> {
        if !job_id.starts_with("job-") {
            return None;
        }
        let decision = outcome
            .get("decision")
            .and_then(Value::as_str)
            .unwrap_or("none");
        let fate = format!("phase 4 exec approval answered `{decision}`; OpenClaw applied the answer to the call, but this core does not record it (an allow-always answer stores no grant: the next such command asks again)");
        Some(Outcome {
            diagnostics: vec![orphan_job(job_id, &fate)],
            ..Outcome::default()
        })
    }
}

/// The agent id of a call: `ctx.agentId`, else the `agent:<id>:…` session key.
fn agent_id(ctx: &Value, session_key: Option<&str>) -> String {
    ctx.get("agentId")
        .and_then(Value::as_str)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .or_else(|| {
            session_key
                .and_then(|k| k.strip_prefix("agent:"))
                .and_then(|rest| rest.split(':').next())
                .filter(|a| !a.is_empty())
                .map(str::to_string)
        })
        .unwrap_or_default()
}

/// Whether OpenClaw runs this exec call in its sandbox (`runProject: "sandbox"`, issue 16
/// item 6), from the configured sandbox mode and exec host and the call's own `host` and
/// `elevated` params. Only a sure yes counts: anything that could put the command on the
/// gateway or a node host (an explicit host, elevated mode being available, a `non-main`
/// sandbox in the main session, an unknown value) answers no, and the command then asks.
fn exec_sandboxed(
    facts: &SandboxFacts,
    agent_id: &str,
    session_key: Option<&str>,
    params: &Value,
) -> bool {
    match params.get("elevated") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => {}
        Some(_) => return false,
    }
    match params.get("host").and_then(Value::as_str) {
        // An explicit sandbox host fails closed in OpenClaw when there is no sandbox.
        Some("sandbox") => return true,
        None | Some("auto") => {}
        Some(_) => return false,
    }
    if params
        .get("host")
        .is_some_and(|h| !h.is_string() && !h.is_null())
    {
        return false;
    }
    let agent = facts.agents.iter().find(|a| a.id == agent_id);
    let mode = agent
        .and_then(|a| a.mode.clone())
        .or_else(|| facts.mode.clone());
    let host = agent
        .and_then(|a| a.exec_host.clone())
        .or_else(|| facts.exec_host.clone());
    let elevated = agent
        .and_then(|a| a.elevated_enabled)
        .or(facts.elevated_enabled);
    if elevated == Some(true) || !matches!(host.as_deref(), None | Some("auto" | "sandbox")) {
        return false;
    }
    match mode.as_deref() {
        Some("all") => true,
        Some("non-main") => {
            session_key.is_some_and(|k| k.starts_with("agent:") && !k.ends_with(":main"))
        }
        _ => false,
    }
}

/// Whether this call's run has no surface OpenClaw can show an approval on (issue 17 item 8).
///
/// OpenClaw 2026.9.6 asks only in a `user`-triggered run with a turn-source channel or an
/// approval-reviewer device (`resolveUnavailablePluginApprovalSurfaceReason`); the reviewer
/// device only comes with `chat.send`, whose channel is `webchat`. The tool-hook context
/// carries that turn-source channel as `requester.channel` (`messageChannel ??
/// messageProvider`): a CLI run has a requester without a channel, a cron or heartbeat run
/// without a delivery channel has no requester. Without it a `requireApproval` can only
/// fail, so the ask is answered by us. A run with a channel may still fail in OpenClaw (a
/// cron job delivering to a chat, a channel without approvals): it then gets OpenClaw's
/// error, and the command does not run either way.
fn no_approval_surface(ctx: &Value) -> bool {
    ctx.get("requester")
        .and_then(|r| r.get("channel"))
        .and_then(Value::as_str)
        .is_none_or(|c| c.trim().is_empty())
}

/// The directory an exec call runs in: its `workdir` (or `cwd`) parameter, else the
/// workspace.
fn exec_cwd<'a>(event: &'a Value, workspace: &'a str) -> &'a str {
    let params = event.get("params").unwrap_or(&Value::Null);
    params
        .get("workdir")
        .or_else(|| params.get("cwd"))
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .unwrap_or(workspace)
}

impl ExecApprovals {
    fn before_tool_call(
        &mut self,
        cx: &PhaseCtx<'_, BashSecurityConfig>,
        event: &Value,
    ) -> Outcome {
        let host = cx.host;
        let ids = cx.ids;
        let workspace = cx.workspace();
        let agent = agent_id(cx.ctx, ids.session_key.as_deref());
        let command = event
            .get("params")
            .and_then(|p| p.get("command"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let home = cx.home();
        let (repo_hooks, module_shadow) =
            super::hook::lookup_host_facts(host, command, exec_cwd(event, &workspace), &home);
        let os = cx.info.os.as_deref().map(Os::parse).unwrap_or_default();
        let tmp_dir = cx.info.tmp_dir.clone().unwrap_or_default();
        let files = super::hook::lookup_file_facts(
            host,
            command,
            &super::EvalContext {
                home: home.clone(),
                cwd: exec_cwd(event, &workspace).to_string(),
                workspace: workspace.clone(),
                os,
                tmp_dir: tmp_dir.clone(),
                repo_hooks,
                module_shadow,
                ..Default::default()
            },
        );
        let env = super::hook::HookEnv {
            home,
            workspace: workspace.clone(),
            os,
            now_ms: host.now_ms(),
            tmp_dir,
            sandboxed: exec_sandboxed(
                &SandboxFacts::from_value(&cx.info.sandbox),
                &agent,
                ids.session_key.as_deref(),
                event.get("params").unwrap_or(&Value::Null),
            ),
            repo_hooks,
            module_shadow,
            files,
            no_approver: no_approval_surface(cx.ctx),
        };
        let session_key = ids.session_key.clone().unwrap_or_default();
        let load = || {
            grant_store::applicable(
                host,
                cx.state_dir,
                &session_key,
                &agent,
                &workspace,
                env.now_ms,
            )
        };
        let out = super::hook::before_tool_call(cx.cfg, &env, event, ids, &load);
        let mut result = Outcome {
            ret: out.ret,
            decisions: out.decisions,
            journal_allows: true,
            ..Outcome::default()
        };
        if let Some(pending) = out.approval {
            let id = cx.new_job_id();
            self.pending.insert(
                id.clone(),
                Awaiting {
                    code: pending.code,
                    session_key: ids.session_key.clone(),
                    agent_id: agent.clone(),
                    workspace: workspace.clone(),
                    run_id: ids.run_id.clone(),
                    tool_call_id: ids.tool_call_id.clone(),
                    command: pending.command,
                    grant: pending.grant,
                },
            );
            result.jobs.push(Job {
                id,
                kind: JobKind::Approval,
                phase: "bashSecurity".into(),
                payload: pending.payload,
                timeout_ms: pending.timeout_ms,
            });
        }
        result
    }
}

/// The `exec.approval.*` decision of a resolved approval, and the grant of `allow-always`.
fn approval_done(cx: &PhaseCtx<'_, BashSecurityConfig>, p: Awaiting, outcome: &Value) -> Outcome {
    let host = cx.host;
    let mut result = Outcome {
        journal_allows: true,
        ..Outcome::default()
    };
    let decision = outcome
        .get("decision")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let slug = match decision {
        "allow-once" => "allow_once",
        "allow-always" => "allow_always",
        "deny" => "deny",
        "timeout" => "timeout",
        "cancelled" => "cancelled",
        _ => "unknown",
    };
    let action = if slug.starts_with("allow") {
        Action::Allow
    } else {
        Action::Deny
    };
    let grant = (decision == "allow-always").then(|| store_grant(cx, &p, &mut result));
    let details = match grant {
        Some(g) => {
            json!({ "command": p.command, "askCode": p.code, "resolution": decision, "grant": g })
        }
        None => json!({ "command": p.command, "askCode": p.code, "resolution": decision }),
    };
    result.decisions.push(Decision {
        v: audit::RECORD_VERSION,
        at: host.now_ms(),
        phase: "exec".into(),
        code: format!("exec.approval.{slug}"),
        action,
        message: format!(
            "Approval for a shell command ({}) resolved: {decision}.",
            p.code
        ),
        session_key: p.session_key,
        run_id: p.run_id,
        tool_call_id: p.tool_call_id,
        details,
    });
    result
}

/// Stores the grant of an `allow-always` answer; the journal gets the grant or why none.
fn store_grant(cx: &PhaseCtx<'_, BashSecurityConfig>, p: &Awaiting, result: &mut Outcome) -> Value {
    let host = cx.host;
    if p.grant.is_empty() {
        // OpenClaw only offers `allow-always` when we list it; an answer without it still
        // lets this one call run, but nothing wider is granted.
        return json!({ "stored": false, "why": "this command cannot be granted as a pattern" });
    }
    let cfg = &cx.cfg.grants;
    let new = grant_store::NewGrant {
        patterns: p.grant.clone(),
        scope: cfg.scope.scope(),
        session_key: p.session_key.as_deref().unwrap_or(""),
        agent_id: &p.agent_id,
        workspace: &p.workspace,
        ttl_hours: cfg.ttl_hours,
        command: &p.command,
    };
    match grant_store::add(host, cx.state_dir, host.now_ms(), new) {
        Ok(g) => json!({
            "stored": true,
            "id": g.id,
            "scope": g.scope.as_str(),
            "owner": g.owner,
            "patterns": g.patterns.iter().map(Pattern::display).collect::<Vec<_>>(),
            "expiresMs": g.expires_ms,
        }),
        Err(e) => {
            result.diagnostics.push(Diagnostic {
                level: LogLevel::Warn,
                code: "exec.grant.store_failed".into(),
                message: format!("an allow-always answer could not be stored as a grant: {e}; the command ran once and will ask again"),
            });
            json!({ "stored": false, "why": e.to_string() })
        }
    }
}

/// `/grants [list | revoke ID | clear]`.
fn grants_command(host: &dyn Host, state_dir: &str, args: &str) -> String {
    let now = host.now_ms();
    let words: Vec<&str> = args.split_whitespace().collect();
    match words.as_slice() {
        [] | ["list"] => {
            let loaded = grant_store::load(host, state_dir, now);
            let mut text = grant_store::listing(&loaded.file.grants, now);
            for p in loaded.problems {
                text.push_str(&format!("\nwarning: {p}"));
            }
            text
        }
        ["revoke", id] => match grant_store::revoke(host, state_dir, now, id) {
            Ok(true) => format!("agent-ops grants: revoked {id}."),
            Ok(false) => format!("agent-ops grants: no grant with id {id}."),
            Err(e) => format!("agent-ops grants: could not revoke {id}: {e}"),
        },
        ["clear"] => match grant_store::clear(host, state_dir, now) {
            Ok(n) => format!("agent-ops grants: removed {n}."),
            Err(e) => format!("agent-ops grants: could not clear: {e}"),
        },
        _ => "usage: /grants [list | revoke ID | clear]".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{AgentSandboxFacts, SandboxFacts};

    fn facts(mode: &str) -> SandboxFacts {
        SandboxFacts {
            mode: Some(mode.into()),
            ..SandboxFacts::default()
        }
    }

    #[test]
    fn sandboxed_only_when_sure() {
        let none = json!({});
        assert!(exec_sandboxed(
            &facts("all"),
            "main",
            Some("agent:main:main"),
            &none
        ));
        assert!(!exec_sandboxed(
            &facts("off"),
            "main",
            Some("agent:main:x"),
            &none
        ));
        assert!(!exec_sandboxed(
            &SandboxFacts::default(),
            "main",
            None,
            &none
        ));
        assert!(exec_sandboxed(
            &facts("non-main"),
            "main",
            Some("agent:main:sub:1"),
            &none
        ));
        assert!(!exec_sandboxed(
            &facts("non-main"),
            "main",
            Some("agent:main:main"),
            &none
        ));
        assert!(!exec_sandboxed(&facts("non-main"), "main", None, &none));
        // The call's own placement.
        assert!(exec_sandboxed(
            &facts("off"),
            "main",
            None,
            &json!({"host": "sandbox"})
        ));
        assert!(!exec_sandboxed(
            &facts("all"),
            "main",
            None,
            &json!({"host": "gateway"})
        ));
        assert!(!exec_sandboxed(
            &facts("all"),
            "main",
            None,
            &json!({"host": 3})
        ));
        assert!(!exec_sandboxed(
            &facts("all"),
            "main",
            None,
            &json!({"elevated": true})
        ));
        assert!(!exec_sandboxed(
            &facts("all"),
            "main",
            None,
            &json!({"elevated": "full"})
        ));
        assert!(!exec_sandboxed(
            &facts("all"),
            "main",
            None,
            &json!({"host": "sandbox", "elevated": true})
        ));
        // Config that can move exec out of the sandbox.
        let mut f = facts("all");
        f.exec_host = Some("gateway".into());
        assert!(!exec_sandboxed(&f, "main", None, &none));
        let mut f = facts("all");
        f.elevated_enabled = Some(true);
        assert!(!exec_sandboxed(&f, "main", None, &none));
        // Per-agent overrides win over the defaults, both ways.
        let mut f = facts("all");
        f.agents.push(AgentSandboxFacts {
            id: "ops".into(),
            mode: Some("off".into()),
            ..AgentSandboxFacts::default()
        });
        assert!(!exec_sandboxed(&f, "ops", None, &none));
        assert!(exec_sandboxed(&f, "main", None, &none));
        let mut f = facts("off");
        f.agents.push(AgentSandboxFacts {
            id: "box".into(),
            mode: Some("all".into()),
            ..AgentSandboxFacts::default()
        });
        assert!(exec_sandboxed(&f, "box", None, &none));
    }

    #[test]
    fn sandbox_facts_read_from_the_openclaw_config_sections() {
        let f = SandboxFacts::from_value(&json!({
            "agents": {
                "defaults": {"sandbox": {"mode": "all"}},
                "entries": {"ops": {"sandbox": {"mode": "off"}, "tools": {"exec": {"host": "gateway"}}}, "x": 7}
            },
            "tools": {"exec": {"host": 3}, "elevated": {"enabled": false}}
        }));
        assert_eq!(f.mode.as_deref(), Some("all"));
        assert_eq!(f.exec_host, None, "a wrong type counts as not set");
        assert_eq!(f.elevated_enabled, Some(false));
        assert_eq!(f.agents.len(), 2);
        let ops = f.agents.iter().find(|a| a.id == "ops").unwrap();
        assert_eq!(
            (ops.mode.as_deref(), ops.exec_host.as_deref()),
            (Some("off"), Some("gateway"))
        );
        assert!(!exec_sandboxed(&f, "ops", None, &json!({})));
        assert!(exec_sandboxed(&f, "x", None, &json!({})));
        assert_eq!(
            SandboxFacts::from_value(&Value::Null),
            SandboxFacts::default()
        );
    }

    #[test]
    fn approval_surface_from_the_requester_channel() {
        // `openclaw agent` (gateway or --local): a requester without a channel.
        assert!(no_approval_surface(
            &json!({"requester": {"senderIsOwner": true}})
        ));
        // cron / heartbeat: no requester at all; a host that passes no context.
        assert!(no_approval_surface(&json!({"sessionKey": "agent:main:x"})));
        assert!(no_approval_surface(&Value::Null));
        assert!(no_approval_surface(&json!({"requester": {"channel": " "}})));
        assert!(no_approval_surface(&json!({"requester": {"channel": 7}})));
        // chat.send from the Control UI or an operator client, or a chat channel.
        assert!(!no_approval_surface(
            &json!({"requester": {"channel": "webchat", "senderId": "cli"}})
        ));
        assert!(!no_approval_surface(
            &json!({"requester": {"channel": "telegram"}})
        ));
    }

    #[test]
    fn agent_id_from_context_or_session_key() {
        assert_eq!(
            agent_id(&json!({"agentId": "ops"}), Some("agent:x:y")),
            "ops"
        );
        assert_eq!(agent_id(&json!({}), Some("agent:x:y")), "x");
        assert_eq!(agent_id(&json!({}), Some("other")), "");
        assert_eq!(agent_id(&Value::Null, None), "");
    }
}
