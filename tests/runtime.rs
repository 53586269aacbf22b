//! The runtime through real hosts: init, dispatch, the decision journal, approvals, and the
//! no-panic guarantee of the JSON entry points (README G-R6, G-R10..G-R12, G-R20).

use agent_ops::audit::{journal_path, read_journal, Action};
use agent_ops::host::{Fault, Host, HostDirs, MemoryHost, NativeHost};
use agent_ops::runtime::Runtime;
use serde_json::{json, Value};

const NOW: i64 = 1_795_996_800_000;

fn memory_host() -> MemoryHost {
    MemoryHost::new(
        HostDirs {
            home_dir: "/home/u".into(),
            workspace_dir: "/home/u/ws".into(),
            openclaw_state_dir: "/oc".into(),
            ..HostDirs::default()
        },
        NOW,
    )
}

fn exec_event(command: Value) -> Value {
    json!({"toolName": "exec", "params": {"command": command}, "runId": "run-1", "toolCallId": "call-1"})
}

#[test]
fn init_reports_phases_registrations_and_state_dir() {
    let h = memory_host();
    let mut rt = Runtime::new();
    let r = rt.init(
        &h,
        "{}",
        r#"{"openclawStateDir":"/oc","homeDir":"/home/u","conversationAccess":true}"#,
    );
    assert!(r.ok, "{:?}", r.errors);
    assert_eq!(r.state_dir, "/oc/agent-ops");
    assert_eq!(r.phases.len(), 7);
    let handlers: Vec<&str> = r.registrations.iter().map(|g| g.handler.as_str()).collect();
    let of = |phase: &str| -> Vec<&str> {
        handlers
            .iter()
            .copied()
            .filter(|h| h.starts_with(&format!("{phase}:")))
            .collect()
    };
    assert_eq!(handlers[0], "bashSecurity:before_tool_call");
    assert_eq!(of("bashSecurity"), ["bashSecurity:before_tool_call"]);
    // Phase 1 without the engine slot runs hooks-only (P1-R12): five handlers.
    assert_eq!(
        of("compaction"),
        [
            "compaction:tool_result_persist",
            "compaction:after_tool_call",
            "compaction:before_compaction",
            "compaction:after_compaction",
            "compaction:agent_end"
        ]
    );
    // Phase 2 with conversation access: ten handlers, one per hook (OC-R10); issue 20 added
    // `before_message_write` (the closing answer of a run a stop ends).
    assert_eq!(of("loopBudget").len(), 10, "{handlers:?}");
    assert!(handlers.contains(&"loopBudget:before_message_write"));
    let commands: Vec<&str> = r.commands.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        commands,
        [
            "grants",
            "budget",
            "agent-ops",
            "memory",
            "workers",
            "skills-audit",
            "skillify"
        ]
    );
    let tools: Vec<&str> = r.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tools, ["agent_ops_workers", "agent_ops_skill_save"]);
    // Phase 5: prompt block, cost records, isolation guard.
    assert_eq!(
        of("memoryScoping"),
        [
            "memoryScoping:before_prompt_build",
            "memoryScoping:llm_output",
            "memoryScoping:before_tool_call"
        ]
    );
    assert!(r
        .engine
        .as_ref()
        .is_some_and(|e| !e.selected && !e.owns_compaction));
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.code == "core.degraded.no_engine_slot"));
    let reg = &r.registrations[0];
    assert_eq!(
        reg.matcher.as_deref(),
        Some(&["exec".to_string(), "process".to_string()][..])
    );
    assert_eq!(reg.failure.ret["block"], true);
    assert!(reg.failure.ret["blockReason"]
        .as_str()
        .unwrap()
        .starts_with("agent-ops[exec.deny.internal_error]: "));
    assert!(r
        .diagnostics
        .iter()
        .all(|d| d.code != "core.degraded.conversation_access"));
}

#[test]
fn disabled_phase_registers_nothing_and_writes_nothing() {
    let h = memory_host();
    let mut rt = Runtime::new();
    let r = rt.init(
        &h,
        r#"{"phases":{"bashSecurity":false,"compaction":false,"loopBudget":false,"memoryScoping":false,"sessionMemory":false,"coordinator":false,"forkSkills":false}}"#,
        "{}",
    );
    assert!(r.ok);
    assert!(r.registrations.is_empty());
    assert!(r.engine.is_none());
    let resp = rt
        .dispatch(
            &h,
            "before_tool_call",
            &exec_event(json!("rm -rf ~")),
            &json!({}),
        )
        .unwrap();
    assert_eq!(resp.ret, Value::Null);
    assert!(h.paths().is_empty(), "{:?}", h.paths());
}

#[test]
fn missing_conversation_access_is_reported_once_per_init() {
    let h = memory_host();
    let mut rt = Runtime::new();
    let r = rt.init(&h, "{}", r#"{"conversationAccess":false}"#);
    let n = r
        .diagnostics
        .iter()
        .filter(|d| d.code == "core.degraded.conversation_access")
        .count();
    assert_eq!(n, 1);
    assert!(
        r.phases
            .iter()
            .find(|p| p.key == "loopBudget")
            .unwrap()
            .degraded
            .len()
            == 1
    );
    assert!(r
        .phases
        .iter()
        .find(|p| p.key == "bashSecurity")
        .unwrap()
        .degraded
        .is_empty());
}

#[test]
fn deny_is_blocked_with_prefixed_reason_and_journaled() {
    let h = memory_host();
    let mut rt = Runtime::new();
    assert!(
        rt.init(
            &h,
            "{}",
            r#"{"openclawStateDir":"/oc","homeDir":"/home/u"}"#
        )
        .ok
    );
    let resp = rt
        .dispatch(
            &h,
            "bashSecurity:before_tool_call",
            &exec_event(json!("rm -rf ~")),
            &json!({"sessionKey": "agent:main:x"}),
        )
        .unwrap();
    assert_eq!(resp.ret["block"], true);
    let reason = resp.ret["blockReason"].as_str().unwrap();
    assert!(
        reason.starts_with("agent-ops[exec.deny.destructive.rm_root]: "),
        "{reason}"
    );
    let journal = read_journal(&h, &journal_path("/oc/agent-ops", NOW), 1 << 20).unwrap();
    assert_eq!(journal.len(), 1);
    let d = &journal[0];
    assert_eq!(d.code, "exec.deny.destructive.rm_root");
    assert_eq!(d.action, Action::Deny);
    assert_eq!(d.session_key.as_deref(), Some("agent:main:x"));
    assert_eq!(d.run_id.as_deref(), Some("run-1"));
    assert_eq!(d.tool_call_id.as_deref(), Some("call-1"));
    assert_eq!(d.details["command"], "rm -rf ~");
}

#[test]
fn allow_is_journaled_and_secrets_are_redacted() {
    let h = memory_host();
    let mut rt = Runtime::new();
    assert!(rt.init(&h, r#"{"stateDir":"/st"}"#, "{}").ok);
    let ev = json!({"toolName": "exec", "params": {"command": "ls -la", "env": {"GITHUB_TOKEN": "ghp_secret"}}});
    let resp = rt
        .dispatch(&h, "bashSecurity:before_tool_call", &ev, &json!({}))
        .unwrap();
    let journal = h.file_text(&journal_path("/st", NOW)).unwrap();
    assert!(journal.contains("\"action\":\"allow\""), "{journal}");
    assert!(!journal.contains("ghp_secret"));
    // A secret-named env key raises nothing by itself but is never logged with its value.
    assert!(resp.decisions.len() == 1);
}

#[test]
fn audit_disabled_writes_no_journal() {
    let h = memory_host();
    let mut rt = Runtime::new();
    assert!(rt.init(&h, r#"{"audit":{"enabled":false}}"#, "{}").ok);
    rt.dispatch(
        &h,
        "bashSecurity:before_tool_call",
        &exec_event(json!("rm -rf ~")),
        &json!({}),
    )
    .unwrap();
    // Only the state directory's schema version (G-R15), no journal.
    assert_eq!(h.paths(), vec!["/oc/agent-ops/SCHEMA".to_string()]);
}

#[test]
fn journal_write_failure_is_a_diagnostic_not_an_error() {
    let h = memory_host();
    h.inject(Fault::FailWrites("/audit/".into()));
    let mut rt = Runtime::new();
    assert!(rt.init(&h, "{}", "{}").ok);
    let resp = rt
        .dispatch(
            &h,
            "bashSecurity:before_tool_call",
            &exec_event(json!("rm -rf ~")),
            &json!({}),
        )
        .unwrap();
    assert_eq!(
        resp.ret["block"], true,
        "the verdict stands even when the journal cannot be written"
    );
    assert!(resp
        .diagnostics
        .iter()
        .any(|d| d.code == "core.audit.write_failed"));
}

#[test]
fn approve_in_a_cli_run_is_answered_with_no_approver_and_journaled() {
    let h = memory_host();
    let mut rt = Runtime::new();
    assert!(
        rt.init(
            &h,
            "{}",
            r#"{"openclawStateDir":"/oc","homeDir":"/home/u"}"#
        )
        .ok
    );
    // The tool-hook context of `openclaw agent` (OpenClaw 2026.9.6): a requester, no channel.
    let resp = rt
        .dispatch(
            &h,
            "bashSecurity:before_tool_call",
            &exec_event(json!("make build")),
            &json!({"sessionKey": "agent:main:cli", "requester": {"senderIsOwner": true}}),
        )
        .unwrap();
    assert!(resp.jobs.is_empty(), "no approval to track");
    let reason = resp.ret["blockReason"].as_str().unwrap();
    assert!(
        reason.starts_with("agent-ops[exec.ask.no_approver]: "),
        "{reason}"
    );
    assert!(
        reason.contains("askAction: \"block\"") && reason.contains("rules.allow"),
        "{reason}"
    );
    let journal = read_journal(&h, &journal_path("/oc/agent-ops", NOW), 1 << 20).unwrap();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].code, "exec.ask.no_approver");
    assert_eq!(journal[0].action, Action::Deny);
    assert_eq!(journal[0].details["askCode"], "exec.ask.run_project");
}

#[test]
fn approval_resolution_is_journaled() {
    let h = memory_host();
    let mut rt = Runtime::new();
    assert!(rt.init(&h, "{}", "{}").ok);
    let resp = rt
        .dispatch(
            &h,
            "bashSecurity:before_tool_call",
            &exec_event(json!("make build")),
            &json!({"requester": {"channel": "webchat"}}),
        )
        .unwrap();
    assert!(resp.ret.get("requireApproval").is_some(), "{}", resp.ret);
    let job = resp.jobs.first().expect("approval job");
    let done = rt
        .complete_job(&h, &job.id, &json!({"decision": "deny"}))
        .unwrap();
    assert_eq!(done.decisions[0].code, "exec.approval.deny");
    let again = rt
        .complete_job(&h, &job.id, &json!({"decision": "deny"}))
        .unwrap();
    assert!(again.decisions.is_empty());
}

#[test]
fn native_host_writes_the_journal_on_disk() {
    let dir = std::env::temp_dir().join(format!("agent-ops-rt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let state = dir.join("state").to_string_lossy().into_owned();
    let h = NativeHost::new(HostDirs {
        home_dir: "/home/u".into(),
        ..HostDirs::default()
    });
    let mut rt = Runtime::new();
    let cfg = json!({"stateDir": state}).to_string();
    assert!(rt.init(&h, &cfg, r#"{"homeDir":"/home/u"}"#).ok);
    rt.dispatch(
        &h,
        "bashSecurity:before_tool_call",
        &exec_event(json!("rm -rf ~")),
        &json!({}),
    )
    .unwrap();
    let path = journal_path(&state, h.now_ms());
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(text.ends_with('\n'));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_entry_points_never_panic_on_bad_input() {
    let h = memory_host();
    let mut rt = Runtime::new();
    // Before init: typed errors.
    let e: Value =
        serde_json::from_str(&rt.dispatch_json(&h, "before_tool_call", "{}", "{}")).unwrap();
    assert_eq!(e["error"]["code"], "core.not_initialized");
    let huge = "x".repeat(20 * 1024 * 1024);
    let deep = "[".repeat(100_000);
    let inputs: Vec<&str> = vec![
        "",
        "{",
        "null",
        "42",
        "[]",
        "\"s\"",
        "{\"a\":",
        "\u{fffd}",
        "{\"toolName\":5}",
    ];
    // Huge and deeply nested inputs once per entry point and argument position.
    for big in [&huge[..], &deep[..]] {
        for (a, b) in [(big, "{}"), ("{}", big)] {
            let v: Value =
                serde_json::from_str(&rt.dispatch_json(&h, "before_tool_call", a, b)).unwrap();
            assert!(v.get("error").is_some());
            let _: Value = serde_json::from_str(&rt.engine_json(&h, "assemble", a)).unwrap();
            let _: Value = serde_json::from_str(&rt.complete_job_json(&h, b, a)).unwrap();
            let _: Value = serde_json::from_str(&rt.evaluate_command_json(&h, b, a)).unwrap();
        }
    }
    // A config that is not usable runs on the defaults with the error reported (issue 17
    // item 3: a config error never unloads phase 4); bad host info is still refused.
    for cfg in [&deep[..], "[]", "42", "{"] {
        let r: Value = serde_json::from_str(&rt.init_json(&h, cfg, "{}")).unwrap();
        assert_eq!(r["ok"], true, "{}", &cfg[..cfg.len().min(10)]);
        assert!(r["configErrors"][0]["message"].is_string(), "{r}");
        assert!(rt.config().unwrap().phase_enabled("bashSecurity"));
    }
    for (cfg, info) in [("{}", "[1]"), ("{}", "[]"), ("{}", "\"x\"")] {
        let r: Value = serde_json::from_str(&rt.init_json(&h, cfg, info)).unwrap();
        assert_eq!(r["ok"], false, "{cfg} {info}");
    }
    assert_eq!(
        serde_json::from_str::<Value>(&rt.init_json(&h, "{}", "{}")).unwrap()["ok"],
        true
    );
    for a in &inputs {
        for b in &inputs {
            for hook in [
                "before_tool_call",
                "bashSecurity:before_tool_call",
                "nope:x",
                "",
                &huge[..1000],
            ] {
                let out = rt.dispatch_json(&h, hook, a, b);
                let v: Value =
                    serde_json::from_str(&out).unwrap_or_else(|_| panic!("not JSON: {out}"));
                assert!(v.get("error").is_some() || v.get("ret").is_some(), "{out}");
            }
            let _: Value = serde_json::from_str(&rt.engine_json(&h, a, b)).unwrap();
            let _: Value = serde_json::from_str(&rt.complete_job_json(&h, a, b)).unwrap();
            let _: Value = serde_json::from_str(&rt.evaluate_command_json(&h, a, b)).unwrap();
        }
    }
    for n in [f64::NAN, f64::INFINITY, -1.0, 1e300] {
        let _: Value = serde_json::from_str(&rt.tick_json(&h, n)).unwrap();
    }
    // Wrong-typed event fields are typed errors or no-ops, never panics.
    for ev in [
        json!({"toolName": 1}),
        json!({"toolName": "exec", "params": []}),
        json!({"toolName": "exec", "params": {"command": null, "env": [1]}}),
        json!({"toolName": "process", "params": {"data": 7}}),
    ] {
        let out = rt.dispatch_json(&h, "bashSecurity:before_tool_call", &ev.to_string(), "{}");
        let _: Value = serde_json::from_str(&out).unwrap();
    }
}

/// Issue 17 items 3 and 6: a config error and the boolean shorthand are both logged at init,
/// the error with its full key path under `plugins.entries.agent-ops.config`.
#[test]
fn config_errors_and_the_shorthand_are_reported_at_init() {
    let h = memory_host();
    let mut rt = Runtime::new();
    let cfg = r#"{"phases":{"bashSecurity":{"askAction":"prompt"},"compaction":false}}"#;
    let r = rt.init(&h, cfg, "{}");
    assert!(r.ok);
    assert_eq!(r.config_errors.len(), 1);
    let invalid: Vec<_> = r
        .diagnostics
        .iter()
        .filter(|d| d.code == "core.config.invalid")
        .collect();
    assert_eq!(invalid.len(), 1);
    assert!(invalid[0]
        .message
        .starts_with("plugins.entries.agent-ops.config.phases.bashSecurity.askAction: "));
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.code == "core.config.defaults_used"));
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.code == "core.config.shorthand" && d.message.starts_with("phases.compaction:")));
    let c = rt.config().unwrap();
    assert!(c.phase_enabled("bashSecurity"));
    assert!(!c.phase_enabled("compaction"));
    // A clean config reports nothing of the kind.
    let r = rt.init(&h, r#"{"phases":{"compaction":{"enabled":false}}}"#, "{}");
    assert!(r.config_errors.is_empty());
    assert!(!r
        .diagnostics
        .iter()
        .any(|d| d.code.starts_with("core.config.")));
}

/// Issue 17: OpenClaw gets one registration per hook name (it ran, counted and reported
/// `agent_end` once per phase), and the bare hook name runs every phase behind it.
#[test]
fn each_hook_is_registered_once_and_runs_every_phase_behind_it() {
    let h = memory_host();
    let mut rt = Runtime::new();
    let r = rt.init(
        &h,
        r#"{"phases":{"forkSkills":true}}"#,
        r#"{"openclawStateDir":"/oc","homeDir":"/home/u","conversationAccess":true}"#,
    );
    assert!(r.ok, "{:?}", r.errors);
    let mut names: Vec<&str> = r.hooks.iter().map(|g| g.hook.as_str()).collect();
    let count = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), count, "a hook is registered twice: {names:?}");
    for g in &r.hooks {
        assert_eq!(g.handler, g.hook);
        let behind: Vec<&str> = r
            .registrations
            .iter()
            .filter(|x| x.hook == g.hook)
            .map(|x| x.phase.as_str())
            .collect();
        let mut listed: Vec<&str> = g.phases.iter().map(String::as_str).collect();
        listed.sort();
        let mut behind_sorted = behind.clone();
        behind_sorted.sort();
        behind_sorted.dedup();
        assert_eq!(listed, behind_sorted, "{}", g.hook);
    }
    let end = r.hooks.iter().find(|g| g.hook == "agent_end").unwrap();
    assert!(end.phases.len() >= 3, "{:?}", end.phases);
    // before_tool_call: phase 4's priority and a closed failure only for phase 4's tools
    // (phase 2 fails open, P2-R11), every tool matched (phase 2 has no matcher).
    let btc = r
        .hooks
        .iter()
        .find(|g| g.hook == "before_tool_call")
        .unwrap();
    assert_eq!(btc.priority, 1_000);
    assert_eq!(btc.phases[0], "bashSecurity");
    assert!(btc.phases.iter().any(|p| p == "loopBudget"));
    assert_eq!(btc.matcher, None);
    assert_eq!(btc.failure.ret["block"], true);
    assert_eq!(
        btc.failure.tools.as_deref(),
        Some(&["exec".to_string(), "process".to_string()][..])
    );

    // The merged handler denies like phase 4 alone and stops there: phase 2 never counts
    // the denied call (OpenClaw skips lower handlers after a block, too).
    let resp = rt
        .dispatch(
            &h,
            "before_tool_call",
            &exec_event(json!("rm -rf ~")),
            &json!({"sessionKey": "s1", "runId": "run-1"}),
        )
        .unwrap();
    assert_eq!(resp.ret["block"], true, "{:?}", resp.ret);
    assert!(resp.ret["blockReason"]
        .as_str()
        .unwrap()
        .contains("exec.deny.destructive.rm_root"));
    let only = rt
        .dispatch(
            &h,
            "bashSecurity:before_tool_call",
            &exec_event(json!("rm -rf ~")),
            &json!({"sessionKey": "s1", "runId": "run-1"}),
        )
        .unwrap();
    assert_eq!(only.ret["blockReason"], resp.ret["blockReason"]);
    // A harmless read passes every phase.
    let read = rt
        .dispatch(
            &h,
            "before_tool_call",
            &json!({"toolName": "read", "params": {"path": "/home/u/ws/a.txt"}, "runId": "run-1", "toolCallId": "c2"}),
            &json!({"sessionKey": "s1", "runId": "run-1"}),
        )
        .unwrap();
    assert_ne!(read.ret["block"], true, "{:?}", read.ret);
}

/// P3-R20: `useNotesAsSummary` is removed; a config that still sets it gets one warning naming
/// the key, no config error, and the rest of its settings apply.
#[test]
fn p3_r20_removed_use_notes_as_summary_is_reported_not_an_error() {
    let h = memory_host();
    let mut rt = Runtime::new();
    let r = rt.init(
        &h,
        r#"{"phases":{"sessionMemory":{"enabled":true,"compaction":{"feedNotes":false,"useNotesAsSummary":true}}}}"#,
        "{}",
    );
    assert!(r.ok);
    assert!(r.config_errors.is_empty(), "{:?}", r.config_errors);
    let d: Vec<_> = r
        .diagnostics
        .iter()
        .filter(|d| d.code == "memory.config.removed")
        .collect();
    assert_eq!(d.len(), 1, "{:?}", r.diagnostics);
    assert!(d[0].message.contains("useNotesAsSummary"));
    assert!(
        !rt.config()
            .unwrap()
            .phases
            .session_memory
            .settings()
            .compaction
            .feed_notes
    );
}
