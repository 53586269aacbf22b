//! Phase 2 through the runtime's dispatch, as the JS entry calls it (P2 §13).

use agent_ops::host::{HostDirs, MemoryHost};
use agent_ops::runtime::{JobKind, Runtime};
use serde_json::{json, Value};

const NOW: i64 = 1_795_996_800_000;

fn setup(cfg: Value) -> (MemoryHost, Runtime) {
    let h = MemoryHost::new(
        HostDirs {
            home_dir: "/home/u".into(),
            workspace_dir: "/home/u/ws".into(),
            ..HostDirs::default()
        },
        NOW,
    );
    let mut rt = Runtime::new();
    let config = json!({"phases": {"bashSecurity": false, "compaction": false, "loopBudget": cfg}})
        .to_string();
    let r = rt.init(
        &h,
        &config,
        r#"{"openclawStateDir":"/oc","conversationAccess":true}"#,
    );
    assert!(r.ok, "{:?}", r.errors);
    (h, rt)
}

fn hook(
    rt: &mut Runtime,
    h: &MemoryHost,
    name: &str,
    event: Value,
    ctx: Value,
) -> agent_ops::runtime::HookResponse {
    rt.dispatch(h, &format!("loopBudget:{name}"), &event, &ctx)
        .unwrap()
}

fn ctx(run: &str, key: &str) -> Value {
    json!({"runId": run, "sessionKey": key, "sessionId": format!("sid-{key}")})
}

#[test]
fn revision_passes_keep_the_target_and_count_one_run() {
    let (h, mut rt) = setup(json!({}));
    let c = ctx("r1", "agent:main:a");
    hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "+2k write it"}),
        c.clone(),
    );
    let f = hook(
        &mut rt,
        &h,
        "before_agent_finalize",
        json!({"runId": "r1", "lastAssistantMessage": {"role": "assistant"}}),
        c.clone(),
    );
    assert_eq!(f.ret["action"], "revise");
    // The revision pass fires before_agent_run again with OpenClaw's wrapped prompt.
    hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "[Queued user message from a previous active turn; …]\n+2k write it\n\nBefore accepting…"}),
        c.clone(),
    );
    let f = hook(
        &mut rt,
        &h,
        "before_agent_finalize",
        json!({"runId": "r1"}),
        c.clone(),
    );
    assert_eq!(
        f.ret["action"], "revise",
        "the target survived the second pass"
    );
    // The session id has characters a file name cannot hold: the one sanitiser names it.
    let name = agent_ops::session_key::state_name("sid-agent:main:a");
    let text = h
        .file_text(&format!("/oc/agent-ops/budget/{name}.json"))
        .unwrap();
    assert!(text.contains("\"runs\": 1"), "{text}");
}

#[test]
fn p2_t14_session_budget_refuses_the_next_run() {
    let (h, mut rt) = setup(json!({"maxSessionTokens": 1000}));
    let c = ctx("r1", "agent:main:b");
    hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "hi"}),
        c.clone(),
    );
    hook(
        &mut rt,
        &h,
        "agent_end",
        json!({"runId": "r1", "success": true}),
        c.clone(),
    );
    hook(
        &mut rt,
        &h,
        "llm_output",
        json!({"runId": "r1", "usage": {"input": 1100, "output": 100}}),
        c,
    );
    let r = hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "again"}),
        ctx("r2", "agent:main:b"),
    );
    assert_eq!(r.ret["outcome"], "block");
    assert!(r.ret["message"]
        .as_str()
        .unwrap()
        .starts_with("agent-ops[budget.cap.session_tokens]"));
    assert_eq!(r.ret["category"], "budget");
    // A fresh runtime (a restart) reads the same file.
    let mut rt2 = Runtime::new();
    let config = json!({"phases": {"bashSecurity": false, "compaction": false, "loopBudget": {"maxSessionTokens": 1000}}}).to_string();
    assert!(
        rt2.init(
            &h,
            &config,
            r#"{"openclawStateDir":"/oc","conversationAccess":true}"#
        )
        .ok
    );
    let r = hook(
        &mut rt2,
        &h,
        "before_agent_run",
        json!({"prompt": "again"}),
        ctx("r3", "agent:main:b"),
    );
    assert_eq!(r.ret["outcome"], "block");
}

#[test]
fn p2_t11_repeat_warning_becomes_a_next_turn_injection() {
    let (h, mut rt) = setup(json!({}));
    let c = ctx("r1", "agent:main:c");
    let mut jobs = Vec::new();
    for i in 0..3 {
        let ev = json!({"runId": "r1", "toolName": "exec", "params": {"command": "echo hi"}, "toolCallId": format!("t{i}")});
        let r = hook(&mut rt, &h, "before_tool_call", ev, c.clone());
        jobs.extend(r.jobs);
        hook(
            &mut rt,
            &h,
            "after_tool_call",
            json!({"runId": "r1", "toolCallId": format!("t{i}"), "result": {"content": [{"type": "text", "text": "hi"}]}}),
            c.clone(),
        );
    }
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].kind, JobKind::Inject);
    assert!(jobs[0].payload["text"]
        .as_str()
        .unwrap()
        .starts_with("agent-ops[budget.repeat.warning]"));
    assert_eq!(jobs[0].payload["sessionKey"], "agent:main:c");
}

#[test]
fn p2_t20_subagent_usage_is_charged_to_the_parent_run() {
    let (h, mut rt) = setup(json!({"maxRunOutputTokens": 10000}));
    let parent = ctx("p1", "agent:main:main");
    hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "go"}),
        parent.clone(),
    );
    hook(
        &mut rt,
        &h,
        "llm_output",
        json!({"runId": "p1", "usage": {"input": 10, "output": 8000}}),
        parent.clone(),
    );
    hook(
        &mut rt,
        &h,
        "subagent_spawned",
        json!({"childSessionKey": "agent:main:subagent:x"}),
        json!({"requesterSessionKey": "agent:main:main"}),
    );
    let child = ctx("c1", "agent:main:subagent:x");
    hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "+5k task"}),
        child.clone(),
    );
    hook(
        &mut rt,
        &h,
        "llm_output",
        json!({"runId": "c1", "usage": {"input": 10, "output": 2500}}),
        child.clone(),
    );
    let r = hook(
        &mut rt,
        &h,
        "before_tool_call",
        json!({"runId": "c1", "toolName": "read", "params": {"path": "a"}, "toolCallId": "x1"}),
        child.clone(),
    );
    assert_eq!(r.ret["block"], true, "{:?}", r.ret);
    assert!(r.ret["blockReason"]
        .as_str()
        .unwrap()
        .starts_with("agent-ops[budget.cap.run_tokens]"));
    // P2-T6: the child never gets a continuation, even with a target in its task.
    let f = hook(
        &mut rt,
        &h,
        "before_agent_finalize",
        json!({"runId": "c1"}),
        child,
    );
    assert_ne!(f.ret["action"], "revise");
    let p = hook(
        &mut rt,
        &h,
        "before_tool_call",
        json!({"runId": "p1", "toolName": "read", "params": {"path": "b"}, "toolCallId": "y1"}),
        parent,
    );
    assert!(
        p.ret["blockReason"]
            .as_str()
            .unwrap()
            .starts_with("agent-ops[budget.cap.run_tokens]"),
        "parent ledger shows 10,500: {:?}",
        p.ret
    );
}

#[test]
fn p2_r11_bad_input_never_blocks() {
    let (h, mut rt) = setup(json!({"maxToolCallsPerRun": 1}));
    for ev in [
        json!({}),
        json!({"runId": 5}),
        json!({"runId": "r", "params": "x"}),
        json!({"runId": "r", "toolName": "exec", "usage": -1}),
    ] {
        for name in [
            "before_tool_call",
            "after_tool_call",
            "llm_output",
            "before_agent_finalize",
            "agent_end",
            "model_call_ended",
        ] {
            let r = rt.dispatch(&h, &format!("loopBudget:{name}"), &ev, &json!({}));
            assert!(r.is_ok(), "{name} {ev}");
        }
    }
}

/// G-R16: a budget file that does not parse is kept as `<name>.corrupt-<ms>` with a
/// diagnostic, never silently overwritten (a reset budget is a lost safety state).
#[test]
fn a_corrupt_budget_file_is_moved_aside_with_a_diagnostic() {
    let (h, mut rt) = setup(json!({"enabled": true}));
    let path = "/oc/agent-ops/budget/sid-a.json";
    h.put_file(path, b"{\"toolCalls\": 12, torn");
    let r = hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "go"}),
        ctx("r1", "a"),
    );
    let aside: Vec<String> = h
        .paths()
        .into_iter()
        .filter(|p| p.starts_with(&format!("{path}.corrupt-")))
        .collect();
    assert_eq!(aside.len(), 1, "{:?}", h.paths());
    assert_eq!(
        h.file_text(&aside[0]).as_deref(),
        Some("{\"toolCalls\": 12, torn")
    );
    let said = r
        .diagnostics
        .iter()
        .any(|d| d.code == "budget.state.corrupt" && d.message.contains(&aside[0]));
    let logged = h
        .logs()
        .iter()
        .any(|(_, c, m)| c == "budget.state.corrupt" && m.contains(&aside[0]));
    assert!(said || logged, "{:?} / {:?}", r.diagnostics, h.logs());
}

/// G-R17: the next run appended to a runs journal whose last line a crash tore starts on a
/// new line, so no record glues onto the fragment.
#[test]
fn a_torn_runs_journal_line_never_swallows_the_next_run() {
    let (h, mut rt) = setup(json!({"enabled": true}));
    let path = "/oc/agent-ops/budget/runs-2026-11-30.jsonl";
    h.put_file(
        path,
        b"{\"v\":1,\"runId\":\"old\"}\n{\"v\":1,\"runId\":\"to",
    );
    let c = ctx("r1", "agent:main:a");
    hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "go"}),
        c.clone(),
    );
    hook(
        &mut rt,
        &h,
        "agent_end",
        json!({"runId": "r1", "success": true}),
        c,
    );
    // The torn line is not cut or overwritten (both race with other processes' lock-free
    // appends, audit.rs): the append terminated it, so it is a line of its own, byte for byte,
    // that readers skip, and the run is a whole record after it.
    let text = h.file_text(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[1], "{\"v\":1,\"runId\":\"to", "{text}");
    for l in [lines[0], lines[2]] {
        assert!(serde_json::from_str::<Value>(l).is_ok(), "{l}");
    }
    assert!(lines[2].contains("\"r1\""), "{text}");
}

/// G-R18: two processes (the gateway and a `--local` CLI run) charging one session both count:
/// each merges what it added into the file under the lock instead of writing its own copy over
/// the other's. Before the merge, the second writer's cached totals replaced the first's.
#[test]
fn two_processes_charging_one_session_lose_no_tokens() {
    let (h, mut gateway) = setup(json!({"enabled": true}));
    let mut local = Runtime::new();
    let config = json!({"phases": {"bashSecurity": false, "compaction": false, "loopBudget": {"enabled": true}}});
    assert!(
        local
            .init(
                &h,
                &config.to_string(),
                r#"{"openclawStateDir":"/oc","conversationAccess":true}"#
            )
            .ok
    );
    let c = ctx("r1", "agent:main:shared");
    let c2 = ctx("r2", "agent:main:shared");
    for (rt, c) in [(&mut gateway, &c), (&mut local, &c2)] {
        hook(
            rt,
            &h,
            "before_agent_run",
            json!({"prompt": "go"}),
            c.clone(),
        );
    }
    for i in 0..3u64 {
        for (rt, c, run) in [(&mut gateway, &c, "r1"), (&mut local, &c2, "r2")] {
            hook(
                rt,
                &h,
                "llm_output",
                json!({"runId": run, "usage": {"input": 100 + i, "output": 10}}),
                c.clone(),
            );
        }
    }
    let text = h
        .file_text("/oc/agent-ops/budget/sid-agent_main_shared.json")
        .or_else(|| {
            h.paths()
                .into_iter()
                .find(|p| p.starts_with("/oc/agent-ops/budget/") && p.ends_with(".json"))
                .and_then(|p| h.file_text(&p))
        })
        .unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["runs"], json!(2), "{v}");
    assert_eq!(v["inputTokens"], json!(2 * (100 + 101 + 102)), "{v}");
    assert_eq!(v["outputTokens"], json!(60), "{v}");
}
