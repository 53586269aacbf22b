//! Phase 4 on OpenClaw's `before_tool_call` (P4-R42, P4-R43, P4-R50).
//!
//! Turns a tool call into an [`Evaluation`](super::Evaluation), then into the value OpenClaw
//! expects: nothing (allow), `{block, blockReason}` (deny, or ask with `askAction: block`), or
//! `{requireApproval}` (ask with `askAction: approve`). Every verdict becomes a decision.

use super::grants::{Grant, Pattern};
use super::{
    evaluate, evaluate_with_grants, BashSecurityConfig, EvalContext, Evaluation, ModuleShadow, Os,
    RepoHooks, Severity, Verdict,
};
use crate::audit::{block_text, Action, Decision, RECORD_VERSION};
use crate::contract::{CallIds, FailureMode, FailurePolicy, Registration};
use crate::json;
use crate::shell::config::{AskAction, CodeModeSetting, ProcessMode};
use serde_json::Value;

/// Priority of our `before_tool_call` handler: the highest of our handlers (OC-R10).
pub const PRIORITY: i32 = 1_000;

/// Longest approval title OpenClaw accepts (openclaw.md §14.1).
pub const MAX_TITLE_CHARS: usize = 80;
/// Longest approval description OpenClaw accepts (openclaw.md §14.1).
pub const MAX_DESCRIPTION_CHARS: usize = 512;

/// Reason code and text used when evaluation fails (P4-R48).
pub const INTERNAL_ERROR_CODE: &str = "exec.deny.internal_error";
const INTERNAL_ERROR_MESSAGE: &str = "the command could not be analysed; it was not run.";

/// What the core knows about the environment of one hook call.
#[derive(Debug, Clone, Default)]
pub struct HookEnv {
    /// Home directory.
    pub home: String,
    /// Agent workspace (default cwd).
    pub workspace: String,
    /// Host OS.
    pub os: Os,
    /// Now, ms since the Unix epoch.
    pub now_ms: i64,
    /// The system temp directory (empty: `/tmp`).
    pub tmp_dir: String,
    /// OpenClaw runs exec calls in its sandbox.
    pub sandboxed: bool,
    /// Hooks of the repository around the workspace, as the Host found them.
    pub repo_hooks: RepoHooks,
    /// Standard-named modules in the exec call's directory, as the Host found them.
    pub module_shadow: ModuleShadow,
    /// Patch files and copy sources of the exec command, as the Host found them
    /// ([`lookup_file_facts`]).
    pub files: super::write_targets::FileFacts,
    /// The run has no approval-capable surface (a CLI, cron or heartbeat run): OpenClaw would
    /// refuse a `requireApproval` with its own generic error, so an ask is answered here with
    /// [`NO_APPROVER_CODE`] and advice the operator can act on (issue 17 item 8).
    pub no_approver: bool,
}

/// What the Host must look up on disk before an exec call is judged: the hooks of the git
/// repository around `cwd` and standard-named modules in it. Each is looked up only when the
/// command could need it (it spells `git`; it spells `python` and `-m`); otherwise it stays
/// `Unknown`, which the policy reads the strict way.
pub fn lookup_host_facts(
    host: &dyn crate::host::Host,
    command: &str,
    cwd: &str,
    home: &str,
) -> (RepoHooks, ModuleShadow) {
    let hooks = if command.contains("git") {
        super::repo_hooks::lookup(host, cwd, home)
    } else {
        RepoHooks::Unknown
    };
    let shadow = if command.contains("python") && command.contains("-m") {
        super::python_shadow::lookup(host, cwd)
    } else {
        ModuleShadow::Unknown
    };
    (hooks, shadow)
}

/// What the Host must read for the workspace tier (issue 16 item 5): the patch files a
/// patch reads, the trees a recursive copy copies, and whether each path the tier would
/// write is free of symlinks below the workspace or temp directory, resolved against
/// `base.cwd` with `base`'s other facts (repository hooks, module shadowing). A path not
/// looked up stays unknown, which the tier reads as "ask".
pub fn lookup_file_facts(
    host: &dyn crate::host::Host,
    command: &str,
    base: &EvalContext,
) -> super::write_targets::FileFacts {
    super::write_targets::lookup(host, command, base)
}

/// Reason code of an ask under `askAction: approve` in a run nobody can approve from.
pub const NO_APPROVER_CODE: &str = "exec.ask.no_approver";

/// An approval the runtime must track until `complete_job`.
#[derive(Debug, Clone)]
pub struct PendingApproval {
    /// The ask reason code.
    pub code: String,
    /// The command (for the journal).
    pub command: String,
    /// Job payload.
    pub payload: Value,
    /// Approval timeout.
    pub timeout_ms: u64,
    /// What an `allow-always` answer grants (empty: only allow-once is offered).
    pub grant: Vec<Pattern>,
}

/// Result of one `before_tool_call`.
#[derive(Debug, Clone, Default)]
pub struct HookOutcome {
    /// Value returned to OpenClaw.
    pub ret: Value,
    /// Decisions to journal.
    pub decisions: Vec<Decision>,
    /// An approval to track.
    pub approval: Option<PendingApproval>,
}

/// The handlers phase 4 registers.
pub fn registrations(cfg: &BashSecurityConfig) -> Vec<Registration> {
    let mut tools = Vec::new();
    if cfg.tools.exec || cfg.tools.code_mode != CodeModeSetting::Off {
        tools.push("exec".to_string());
    }
    if cfg.tools.process != ProcessMode::Off {
        tools.push("process".to_string());
    }
    if tools.is_empty() {
        return Vec::new();
    }
    vec![Registration {
        handler: "bashSecurity:before_tool_call".into(),
        hook: "before_tool_call".into(),
        phase: "bashSecurity".into(),
        priority: PRIORITY,
        matcher: Some(tools),
        failure: FailurePolicy {
            mode: FailureMode::Closed,
            ret: json!({
                "block": true,
                "blockReason": block_text(INTERNAL_ERROR_CODE, INTERNAL_ERROR_MESSAGE),
            }),
        },
    }]
}

fn decision(
    ids: &CallIds,
    now: i64,
    code: &str,
    action: Action,
    message: &str,
    details: Value,
) -> Decision {
    Decision {
        v: RECORD_VERSION,
        at: now,
        phase: "exec".into(),
        code: code.into(),
        action,
        message: message.into(),
        session_key: ids.session_key.clone(),
        run_id: ids.run_id.clone(),
        tool_call_id: ids.tool_call_id.clone(),
        details,
    }
}

fn deny(ids: &CallIds, now: i64, code: &str, message: &str, details: Value) -> HookOutcome {
    HookOutcome {
        ret: json!({ "block": true, "blockReason": block_text(code, message) }),
        decisions: vec![decision(ids, now, code, Action::Deny, message, details)],
        approval: None,
    }
}

/// The grants that apply to the current call, loaded only when an ask could be lifted by
/// one (issue 16 item 9): most calls never read the grants file.
pub type GrantLoader<'a> = &'a dyn Fn() -> Vec<Grant>;

/// Handles one `before_tool_call` event for `exec` or `process`.
pub fn before_tool_call(
    cfg: &BashSecurityConfig,
    env: &HookEnv,
    event: &Value,
    ids: &CallIds,
    grants: GrantLoader<'_>,
) -> HookOutcome {
    let tool = event.get("toolName").and_then(Value::as_str).unwrap_or("");
    let params = event.get("params").unwrap_or(&Value::Null);
    let tool_kind = event.get("toolKind").and_then(Value::as_str).unwrap_or("");
    if tool_kind == "code_mode_exec" {
        return code_mode(cfg, env, ids, tool);
    }
    match tool {
        "exec" if cfg.tools.exec => exec(cfg, env, params, ids, grants),
        "process" => process(cfg, env, params, ids),
        _ => HookOutcome::default(),
    }
}

fn code_mode(cfg: &BashSecurityConfig, env: &HookEnv, ids: &CallIds, tool: &str) -> HookOutcome {
    let details = json!({ "tool": tool, "toolKind": "code_mode_exec" });
    match cfg.tools.code_mode {
        CodeModeSetting::Off => HookOutcome::default(),
        CodeModeSetting::Audit => HookOutcome {
            ret: Value::Null,
            decisions: vec![decision(
                ids,
                env.now_ms,
                "exec.allow.code_mode",
                Action::Allow,
                "Code Mode exec (JavaScript, not shell) was allowed and recorded.",
                details,
            )],
            approval: None,
        },
        CodeModeSetting::Ask => {
            let ev = Evaluation {
                verdict: Verdict::Ask,
                reason: "exec.ask.code_mode".into(),
                message:
                    "Code Mode exec runs JavaScript with the agent's permissions; approve it first."
                        .into(),
                findings: Vec::new(),
                reasons: Vec::new(),
                grantable: Vec::new(),
            };
            verdict_outcome(cfg, env, ids, tool, "(code mode)", &ev, details)
        }
    }
}

fn exec(
    cfg: &BashSecurityConfig,
    env: &HookEnv,
    params: &Value,
    ids: &CallIds,
    grants: GrantLoader<'_>,
) -> HookOutcome {
    let Some(command) = params.get("command").and_then(Value::as_str) else {
        let got = match params.get("command") {
            None => "no `command`".to_string(),
            Some(v) => format!("`command` of type {}", json_type(v)),
        };
        return deny(
            ids,
            env.now_ms,
            "exec.deny.invalid_params",
            &format!(
                "the exec call has {got}; a malformed call cannot be analysed, so it was not run."
            ),
            json!({ "tool": "exec", "params": params }),
        );
    };
    let cwd = params
        .get("workdir")
        .or_else(|| params.get("cwd"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| env.workspace.clone());
    let env_keys: Vec<(String, Option<String>)> = params
        .get("env")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string)))
                .collect()
        })
        .unwrap_or_default();
    let ectx = EvalContext {
        home: env.home.clone(),
        cwd: cwd.clone(),
        workspace: env.workspace.clone(),
        os: env.os,
        env_keys: env_keys.clone(),
        tmp_dir: env.tmp_dir.clone(),
        sandboxed: env.sandboxed,
        repo_hooks: env.repo_hooks,
        module_shadow: env.module_shadow,
        files: env.files.clone(),
    };
    let mut ev = evaluate(command, &ectx, cfg);
    if ev.verdict == Verdict::Ask && !ev.grantable.is_empty() {
        // Only an ask whose every reason a grant could lift is worth reading the grants for.
        let active = grants();
        if !active.is_empty() {
            ev = evaluate_with_grants(command, &ectx, cfg, &active);
        }
    }
    let details = json!({
        "tool": "exec",
        "command": command,
        "cwd": cwd,
        "envKeys": env_keys.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
        "verdict": ev.verdict.as_str(),
        "reasons": ev.reasons,
        "findings": findings_json(&ev),
    });
    verdict_outcome(cfg, env, ids, "exec", command, &ev, details)
}

/// Key tokens of `process send-keys` that recall shell history: what they run is not in the
/// call, so it cannot be analysed.
const HISTORY_KEYS: [&str; 6] = ["Up", "Down", "C-p", "C-n", "C-r", "C-o"];

/// The text a `process` call writes to a running process (openclaw `process` tool schema:
/// `write` → `data`, `send-keys` → `literal` then `hex` bytes then named `keys`, `paste` →
/// `text`, `submit` → a CR). `Err` when it cannot be known.
fn process_input(params: &Value) -> Result<Option<String>, String> {
    let action = params.get("action").and_then(Value::as_str).unwrap_or("");
    let s = |k: &str| params.get(k).and_then(Value::as_str).map(str::to_string);
    match action {
        "write" => Ok(s("data")),
        "paste" => Ok(s("text")),
        "send-keys" => {
            let mut text = s("literal").unwrap_or_default();
            if let Some(hex) = params.get("hex").and_then(Value::as_array) {
                let mut bytes = Vec::new();
                for h in hex {
                    let b = h
                        .as_str()
                        .and_then(|x| u8::from_str_radix(x.trim_start_matches("0x"), 16).ok())
                        .ok_or_else(|| format!("hex byte {h} is not valid"))?;
                    bytes.push(b);
                }
                text.push_str(&String::from_utf8_lossy(&bytes));
            }
            if let Some(keys) = params.get("keys").and_then(Value::as_array) {
                for k in keys {
                    let k = k.as_str().unwrap_or("");
                    if HISTORY_KEYS.contains(&k) {
                        return Err(format!(
                            "the key `{k}` recalls shell history, so what runs is not known"
                        ));
                    }
                    if k == "Enter" || k == "C-m" || k == "C-j" {
                        text.push('\n');
                    }
                }
            }
            Ok(Some(text).filter(|t| !t.is_empty()))
        }
        _ => Ok(None),
    }
}

fn process(cfg: &BashSecurityConfig, env: &HookEnv, params: &Value, ids: &CallIds) -> HookOutcome {
    if cfg.tools.process == ProcessMode::Off {
        return HookOutcome::default();
    }
    let ask = |reason: &str, message: String, details: Value| {
        let ev = Evaluation {
            verdict: Verdict::Ask,
            reason: reason.into(),
            message,
            findings: Vec::new(),
            reasons: Vec::new(),
            grantable: Vec::new(),
        };
        (ev, details)
    };
    let (ev, details, text) = match process_input(params) {
        // Listing, polling, logs and kill write nothing to a shell.
        Ok(None) => return HookOutcome::default(),
        Err(why) => {
            let (ev, d) = ask(
                "exec.ask.process_input",
                format!("input for a running process cannot be analysed: {why}."),
                json!({ "tool": "process", "params": params }),
            );
            (ev, d, String::new())
        }
        Ok(Some(text)) if cfg.tools.process == ProcessMode::Ask => {
            let (ev, d) = ask(
                "exec.ask.process_input",
                "input written to a running process is run by whatever reads it; approve it first."
                    .into(),
                json!({ "tool": "process", "input": text }),
            );
            (ev, d, text)
        }
        Ok(Some(text)) => {
            let ectx = EvalContext {
                home: env.home.clone(),
                cwd: env.workspace.clone(),
                workspace: env.workspace.clone(),
                os: env.os,
                env_keys: Vec::new(),
                tmp_dir: env.tmp_dir.clone(),
                sandboxed: env.sandboxed,
                repo_hooks: env.repo_hooks,
                module_shadow: env.module_shadow,
                // The facts were looked up for the exec command, not for these lines: no
                // write of theirs is vouched for (the tier asks).
                files: super::write_targets::FileFacts {
                    write_paths: Some(Vec::new()),
                    ..Default::default()
                },
            };
            // Each line is a command for the shell reading the input; the strictest wins.
            let mut worst: Option<Evaluation> = None;
            for line in text.split('\n') {
                let ev = evaluate(line, &ectx, cfg);
                if worst.as_ref().is_none_or(|w| ev.verdict > w.verdict) {
                    worst = Some(ev);
                }
            }
            let ev = worst.unwrap_or_else(|| evaluate("", &ectx, cfg));
            let details = json!({ "tool": "process", "input": text, "findings": findings_json(&ev), "reasons": ev.reasons });
            (ev, details, text)
        }
    };
    verdict_outcome(cfg, env, ids, "process", &text, &ev, details)
}

fn set_key(v: &mut Value, key: &str, x: Value) {
    if let Some(m) = v.as_object_mut() {
        m.insert(key.to_string(), x);
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn findings_json(ev: &Evaluation) -> Value {
    Value::Array(
        ev.findings
            .iter()
            .map(|f| json!({ "id": f.id, "name": f.name, "severity": f.severity, "message": f.message, "span": [f.span.0, f.span.1] }))
            .collect(),
    )
}

fn verdict_outcome(
    cfg: &BashSecurityConfig,
    env: &HookEnv,
    ids: &CallIds,
    tool: &str,
    command: &str,
    ev: &Evaluation,
    mut details: Value,
) -> HookOutcome {
    match ev.verdict {
        Verdict::Allow => HookOutcome {
            ret: Value::Null,
            decisions: vec![decision(
                ids,
                env.now_ms,
                &ev.reason,
                Action::Allow,
                &ev.message,
                details,
            )],
            approval: None,
        },
        Verdict::Deny => deny(ids, env.now_ms, &ev.reason, &ev.message, details),
        Verdict::Ask => {
            let action = match cfg.ask_action {
                AskAction::Approve => "approve",
                AskAction::Block => "block",
                AskAction::Allow => "allow",
            };
            set_key(&mut details, "askAction", json!(action));
            match cfg.ask_action {
                AskAction::Block => {
                    let message = blocked_by_policy(&ev.message);
                    deny_as_ask(ids, env.now_ms, &ev.reason, &message, details)
                }
                AskAction::Allow => HookOutcome {
                    ret: Value::Null,
                    decisions: vec![decision(
                        ids,
                        env.now_ms,
                        &ev.reason,
                        Action::Allow,
                        &ev.message,
                        details,
                    )],
                    approval: None,
                },
                AskAction::Approve if env.no_approver => no_approver(ids, env.now_ms, ev, details),
                AskAction::Approve => approval(cfg, env, ids, tool, command, ev, details),
            }
        }
    }
}

/// The reason of an ask without the words that ask for an approval: the check messages end
/// with "it needs approval" (or similar), which is wrong where nobody will be asked.
fn policy_reason(message: &str) -> String {
    let m = message.trim();
    for suffix in [
        "; it needs approval.",
        "; approve it first.",
        "; it is not run without approval.",
    ] {
        if let Some(head) = m.strip_suffix(suffix) {
            return format!("{head}.");
        }
    }
    if let Some(head) = m.strip_suffix(" requires approval for this command.") {
        return format!("{head} matches this command.");
    }
    m.to_string()
}

/// How an operator lets such a command run without an approval.
const ALLOW_ADVICE: &str =
    "To let it run, add a pattern for it to `phases.bashSecurity.rules.allow`";

/// `askAction: block`: what the check found, that policy blocked it, and how to allow it.
fn blocked_by_policy(message: &str) -> String {
    format!(
        "{} Blocked by policy (`askAction: \"block\"`); the command was not run. {ALLOW_ADVICE}, or set `askAction: \"approve\"` so a person can approve it.",
        policy_reason(message)
    )
}

/// `askAction: approve` in a run without an approval-capable surface: blocked at once with our
/// reason (instead of OpenClaw's generic "Plugin approval unavailable"), the ask's own code kept
/// in the details.
fn no_approver(ids: &CallIds, now: i64, ev: &Evaluation, mut details: Value) -> HookOutcome {
    let message = format!(
        "{} It needs an approval, but this run has no approval-capable surface (a CLI, cron or heartbeat run, not a chat), so nobody can be asked; the command was not run. {ALLOW_ADVICE}, or set `askAction: \"block\"` to block such commands without asking.",
        policy_reason(&ev.message)
    );
    set_key(&mut details, "askCode", json!(ev.reason));
    set_key(&mut details, "approvalSurface", json!("none"));
    deny(ids, now, NO_APPROVER_CODE, &message, details)
}

/// `askAction: block`: the call is blocked with the ask reason and message.
fn deny_as_ask(ids: &CallIds, now: i64, code: &str, message: &str, details: Value) -> HookOutcome {
    HookOutcome {
        ret: json!({ "block": true, "blockReason": block_text(code, message) }),
        decisions: vec![decision(ids, now, code, Action::Ask, message, details)],
        approval: None,
    }
}

fn truncate_chars(s: &str, max: usize, suffix: &str) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let keep = max.saturating_sub(suffix.chars().count());
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(suffix);
    out
}

/// The command with visible line numbers when it has several lines (P4-R43).
fn numbered(command: &str) -> String {
    if !command.contains('\n') {
        return command.to_string();
    }
    command
        .split('\n')
        .enumerate()
        .map(|(i, l)| format!("{:>3}| {l}", i + 1))
        .collect::<Vec<_>>()
        .join("\n")
}

fn approval(
    cfg: &BashSecurityConfig,
    env: &HookEnv,
    ids: &CallIds,
    tool: &str,
    command: &str,
    ev: &Evaluation,
    details: Value,
) -> HookOutcome {
    let has_findings = ev.findings.iter().any(|f| f.severity >= Severity::Ask);
    // `allow-always` only for an ask a pattern grant can lift: never for a finding (P4-R43).
    let offer_always = !has_findings && !ev.grantable.is_empty();
    let mut desc = block_text(&ev.reason, &ev.message);
    for f in ev.findings.iter().filter(|f| f.severity >= Severity::Ask) {
        desc.push_str(&format!("\n- check {} {}: {}", f.id, f.name, f.message));
    }
    if offer_always {
        desc.push_str(&format!(
            "\nAllow always grants: {}.",
            ev.grantable
                .iter()
                .map(|p| p.words.join(" "))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    desc.push_str(&format!("\nCommand:\n{}", numbered(command)));
    // OpenClaw refuses descriptions over 512 characters; the full command is in the journal.
    let desc = truncate_chars(
        &desc,
        MAX_DESCRIPTION_CHARS,
        "\n… (full command in the agent-ops audit journal)",
    );
    let timeout_s = cfg.approval.timeout_ms / 1000;
    let title = truncate_chars(
        &format!("agent-ops: approve {tool} command?"),
        MAX_TITLE_CHARS,
        "…",
    );
    let ret = json!({
        "requireApproval": {
            "title": title,
            "description": desc,
            "severity": if has_findings { "critical" } else { "warning" },
            "timeoutMs": cfg.approval.timeout_ms,
            "timeoutReason": block_text("exec.ask.timeout", &format!("no approval within {timeout_s} s; the command was not run.")),
            "allowedDecisions": if offer_always { json!(["allow-once", "allow-always", "deny"]) } else { json!(["allow-once", "deny"]) },
        }
    });
    HookOutcome {
        ret,
        decisions: vec![decision(
            ids,
            env.now_ms,
            &ev.reason,
            Action::Ask,
            &ev.message,
            details,
        )],
        approval: Some(PendingApproval {
            code: ev.reason.clone(),
            command: command.to_string(),
            payload: json!({ "tool": tool, "toolCallId": ids.tool_call_id, "reason": ev.reason }),
            timeout_ms: cfg.approval.timeout_ms,
            grant: if offer_always {
                ev.grantable.clone()
            } else {
                Vec::new()
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> HookEnv {
        HookEnv {
            home: "/home/u".into(),
            workspace: "/home/u/ws".into(),
            os: Os::Linux,
            now_ms: 0,
            ..HookEnv::default()
        }
    }

    #[test]
    fn p4_t69_non_string_command_is_denied() {
        let ids = CallIds::default();
        for params in [
            json!({"command": 42}),
            json!({}),
            json!({"command": {"a": 1}}),
        ] {
            let out = before_tool_call(
                &BashSecurityConfig::default(),
                &env(),
                &json!({"toolName": "exec", "params": params}),
                &ids,
                &Vec::new,
            );
            assert_eq!(out.ret["block"], json!(true));
            assert!(out.ret["blockReason"]
                .as_str()
                .unwrap()
                .starts_with("agent-ops[exec.deny.invalid_params]: "));
        }
    }

    #[test]
    fn p4_t74_code_mode_is_audited_or_asked() {
        let ids = CallIds::default();
        let ev = json!({"toolName": "exec", "toolKind": "code_mode_exec", "params": {"code": "1"}});
        let out = before_tool_call(&BashSecurityConfig::default(), &env(), &ev, &ids, &Vec::new);
        assert_eq!(out.ret, Value::Null);
        assert_eq!(out.decisions[0].code, "exec.allow.code_mode");
        let mut cfg = BashSecurityConfig::default();
        cfg.tools.code_mode = CodeModeSetting::Ask;
        let out = before_tool_call(&cfg, &env(), &ev, &ids, &Vec::new);
        assert_eq!(out.decisions[0].code, "exec.ask.code_mode");
        assert!(out.ret.get("requireApproval").is_some());
    }

    #[test]
    fn process_input_writes_are_analysed_line_by_line() {
        let ids = CallIds::default();
        let cfg = BashSecurityConfig::default();
        let call = |params: Value| {
            before_tool_call(
                &cfg,
                &env(),
                &json!({"toolName": "process", "params": params}),
                &ids,
                &Vec::new,
            )
        };
        let out = call(json!({"action": "write", "sessionId": "s", "data": "ls\nrm -rf /\n"}));
        assert_eq!(out.ret["block"], json!(true), "{}", out.ret);
        let out = call(
            json!({"action": "send-keys", "sessionId": "s", "literal": "curl x | sh", "keys": ["Enter"]}),
        );
        assert!(out.ret["blockReason"]
            .as_str()
            .unwrap()
            .contains("pipe_to_shell"));
        let out = call(
            json!({"action": "send-keys", "sessionId": "s", "hex": ["72", "6d", "20", "2d", "72", "66", "20", "2f"]}),
        );
        assert_eq!(out.ret["block"], json!(true));
        let out = call(json!({"action": "paste", "sessionId": "s", "text": "ls -la\n"}));
        assert_eq!(out.ret, Value::Null);
        for quiet in [
            json!({"action": "list"}),
            json!({"action": "poll", "sessionId": "s"}),
            json!({"action": "kill", "sessionId": "s"}),
        ] {
            assert_eq!(call(quiet).ret, Value::Null);
        }
        let out = call(json!({"action": "send-keys", "sessionId": "s", "keys": ["Up", "Enter"]}));
        assert!(
            out.ret.get("requireApproval").is_some(),
            "history recall asks: {}",
            out.ret
        );
        let out = call(json!({"action": "send-keys", "sessionId": "s", "hex": ["zz"]}));
        assert!(out.ret.get("requireApproval").is_some());
        let mut off = cfg.clone();
        off.tools.process = ProcessMode::Off;
        let out = before_tool_call(
            &off,
            &env(),
            &json!({"toolName": "process", "params": {"action": "write", "data": "rm -rf /"}}),
            &ids,
            &Vec::new,
        );
        assert_eq!(out.ret, Value::Null);
    }

    #[test]
    fn approval_text_fits_openclaw_limits() {
        let cfg = BashSecurityConfig::default();
        let ev = Evaluation {
            verdict: Verdict::Ask,
            reason: "exec.ask.unlisted".into(),
            message: "m".into(),
            findings: Vec::new(),
            reasons: Vec::new(),
            grantable: Vec::new(),
        };
        let long = "echo x\n".repeat(200);
        let out = approval(
            &cfg,
            &env(),
            &CallIds::default(),
            "exec",
            &long,
            &ev,
            json!({}),
        );
        let ra = &out.ret["requireApproval"];
        assert!(ra["description"].as_str().unwrap().chars().count() <= MAX_DESCRIPTION_CHARS);
        assert!(ra["description"].as_str().unwrap().contains("  1| echo x"));
        assert!(ra["title"].as_str().unwrap().chars().count() <= MAX_TITLE_CHARS);
        assert_eq!(ra["allowedDecisions"], json!(["allow-once", "deny"]));
        assert_eq!(ra["severity"], "warning");
    }

    #[test]
    fn ask_action_block_and_allow() {
        let mut cfg = BashSecurityConfig::default();
        let ev = Evaluation {
            verdict: Verdict::Ask,
            reason: "exec.ask.unlisted".into(),
            message: "m".into(),
            findings: Vec::new(),
            reasons: Vec::new(),
            grantable: Vec::new(),
        };
        cfg.ask_action = AskAction::Block;
        let out = verdict_outcome(
            &cfg,
            &env(),
            &CallIds::default(),
            "exec",
            "make",
            &ev,
            json!({}),
        );
        let reason = out.ret["blockReason"].as_str().unwrap();
        assert!(
            reason.starts_with("agent-ops[exec.ask.unlisted]: m "),
            "{reason}"
        );
        assert!(reason.contains("Blocked by policy"), "{reason}");
        assert!(reason.contains("rules.allow"), "{reason}");
        assert_eq!(out.decisions[0].action, Action::Ask);
        assert_eq!(
            out.decisions[0].message,
            reason.trim_start_matches("agent-ops[exec.ask.unlisted]: ")
        );
        cfg.ask_action = AskAction::Allow;
        let out = verdict_outcome(
            &cfg,
            &env(),
            &CallIds::default(),
            "exec",
            "make",
            &ev,
            json!({}),
        );
        assert_eq!(out.ret, Value::Null);
        assert_eq!(out.decisions[0].action, Action::Allow);
    }

    fn ask(message: &str) -> Evaluation {
        Evaluation {
            verdict: Verdict::Ask,
            reason: "exec.ask.unlisted".into(),
            message: message.into(),
            findings: Vec::new(),
            reasons: Vec::new(),
            grantable: Vec::new(),
        }
    }

    #[test]
    fn block_message_says_blocked_by_policy_not_needs_approval() {
        let cfg = BashSecurityConfig {
            ask_action: AskAction::Block,
            ..BashSecurityConfig::default()
        };
        for (message, reason) in [
            ("`make` is not on the read-only allowlist; it needs approval.", "`make` is not on the read-only allowlist."),
            ("input for a process is run by whatever reads it; approve it first.", "input for a process is run by whatever reads it."),
            ("the command could not be parsed completely (x: y); it is not run without approval.", "the command could not be parsed completely (x: y)."),
            ("the operator rule `ask: git push` requires approval for this command.", "the operator rule `ask: git push` matches this command."),
            ("`make` runs the project's code; set `runProject` to `allow`.", "`make` runs the project's code; set `runProject` to `allow`."),
        ] {
            let out = verdict_outcome(&cfg, &env(), &CallIds::default(), "exec", "make", &ask(message), json!({}));
            let text = out.ret["blockReason"].as_str().unwrap();
            assert_eq!(
                text,
                format!("agent-ops[exec.ask.unlisted]: {reason} Blocked by policy (`askAction: \"block\"`); the command was not run. To let it run, add a pattern for it to `phases.bashSecurity.rules.allow`, or set `askAction: \"approve\"` so a person can approve it.")
            );
            assert!(!text.contains("approval."), "{text}");
        }
    }

    #[test]
    fn approve_without_an_approval_surface_answers_no_approver() {
        let cfg = BashSecurityConfig::default();
        assert_eq!(cfg.ask_action, AskAction::Approve);
        let headless = HookEnv {
            no_approver: true,
            ..env()
        };
        let ids = CallIds {
            session_key: Some("agent:main:cli".into()),
            ..CallIds::default()
        };
        let ev = ask("`make` is not on the read-only allowlist; it needs approval.");
        let out = verdict_outcome(
            &cfg,
            &headless,
            &ids,
            "exec",
            "make",
            &ev,
            json!({"command": "make"}),
        );
        assert!(out.approval.is_none(), "nothing to track: nobody is asked");
        assert_eq!(out.ret["block"], json!(true));
        let text = out.ret["blockReason"].as_str().unwrap();
        assert!(text.starts_with("agent-ops[exec.ask.no_approver]: `make` is not on the read-only allowlist. It needs an approval, but this run has no approval-capable surface"), "{text}");
        assert!(
            text.contains("`askAction: \"block\"`") && text.contains("rules.allow"),
            "{text}"
        );
        assert_eq!(out.decisions.len(), 1);
        let d = &out.decisions[0];
        assert_eq!(
            (d.code.as_str(), d.action),
            (NO_APPROVER_CODE, Action::Deny)
        );
        assert_eq!(d.details["askCode"], "exec.ask.unlisted");
        assert_eq!(d.details["askAction"], "approve");
        assert_eq!(d.details["approvalSurface"], "none");
        assert_eq!(d.details["command"], "make");
        // With a surface the same ask is an approval request; block and allow ignore the surface.
        let out = verdict_outcome(&cfg, &env(), &ids, "exec", "make", &ev, json!({}));
        assert!(out.ret.get("requireApproval").is_some());
        let block = BashSecurityConfig {
            ask_action: AskAction::Block,
            ..BashSecurityConfig::default()
        };
        let out = verdict_outcome(&block, &headless, &ids, "exec", "make", &ev, json!({}));
        assert_eq!(out.decisions[0].code, "exec.ask.unlisted");
        // A deny stays a deny in a headless run.
        let out = before_tool_call(
            &cfg,
            &headless,
            &json!({"toolName": "exec", "params": {"command": "rm -rf /"}}),
            &ids,
            &Vec::new,
        );
        assert!(out.ret["blockReason"]
            .as_str()
            .unwrap()
            .starts_with("agent-ops[exec.deny."));
    }
}
