//! Phase 6 through the runtime with the in-memory host: registry from `subagent_*` events,
//! reconciliation after a restart, mode matching on resume, spawn and target guards, notices
//! and the worker list (P6 §11).

use agent_ops::host::{HostDirs, MemoryHost};
use agent_ops::runtime::{HookResponse, Runtime};
use serde_json::{json, Value};

const NOW: i64 = 1_790_000_000_000;
const STATE: &str = "/state";
const P: &str = "agent:main:main";

fn host() -> MemoryHost {
    MemoryHost::new(
        HostDirs {
            home_dir: "/home/u".into(),
            workspace_dir: "/home/u/ws".into(),
            ..HostDirs::default()
        },
        NOW,
    )
}

fn runtime(h: &MemoryHost, coord: Value) -> Runtime {
    let mut rt = Runtime::new();
    let cfg = json!({"stateDir": STATE, "phases": {"bashSecurity": false, "compaction": false, "loopBudget": false, "memoryScoping": false, "sessionMemory": false, "coordinator": coord}});
    let r = rt.init(
        h,
        &cfg.to_string(),
        &json!({"homeDir": "/home/u", "conversationAccess": true}).to_string(),
    );
    assert!(r.ok, "{:?}", r.errors);
    rt
}

fn coordinator() -> Value {
    json!({"agents": {"main": {"mode": "coordinator"}}})
}

fn d(rt: &mut Runtime, h: &MemoryHost, hook: &str, event: Value, ctx: Value) -> HookResponse {
    rt.dispatch(h, &format!("coordinator:{hook}"), &event, &ctx)
        .unwrap()
}

fn spawn(rt: &mut Runtime, h: &MemoryHost, parent: &str, child: &str, task: &str) {
    let r = d(
        rt,
        h,
        "before_tool_call",
        json!({"toolName": "sessions_spawn", "params": {"task": task, "label": "w"}}),
        json!({"sessionKey": parent}),
    );
    assert!(r.ret.get("block").is_none(), "{:?}", r.ret);
    d(
        rt,
        h,
        "subagent_spawned",
        json!({"childSessionKey": child, "runId": "r1", "agentId": "main", "label": "w", "mode": "run", "resolvedProvider": "fake", "resolvedModel": "m"}),
        json!({"requesterSessionKey": parent, "childSessionKey": child}),
    );
}

fn prompt(rt: &mut Runtime, h: &MemoryHost, key: &str) -> Value {
    d(
        rt,
        h,
        "before_prompt_build",
        json!({"prompt": "x"}),
        json!({"sessionKey": key, "sessionId": "sid-1", "agentId": "main"}),
    )
    .ret
}

#[test]
fn p6_t8_coordinator_mode_adds_the_rules_and_narrows_the_tools() {
    let h = host();
    let mut rt = runtime(&h, coordinator());
    let r = prompt(&mut rt, &h, P);
    assert!(r["appendSystemContext"]
        .as_str()
        .unwrap()
        .starts_with("# Coordinator mode (agent-ops)"));
    assert_eq!(
        r["toolsAllow"],
        json!([
            "sessions_spawn",
            "sessions_yield",
            "subagents",
            "sessions_send",
            "agent_ops_workers"
        ])
    );
    // A normal agent gets nothing.
    let mut rt2 = runtime(&host(), json!({}));
    assert!(prompt(&mut rt2, &host(), P).is_null());
}

#[test]
fn p6_t5_t7_mode_is_saved_and_a_resumed_session_keeps_it_with_a_notice_once() {
    let h = host();
    let mut rt = runtime(&h, coordinator());
    let first = prompt(&mut rt, &h, P);
    assert!(
        first.get("prependContext").is_none(),
        "P6-T7: no notice for a new session"
    );
    d(
        &mut rt,
        &h,
        "agent_end",
        json!({}),
        json!({"sessionKey": P, "sessionId": "sid-1"}),
    );
    let saved: Value =
        serde_json::from_str(&h.file_text(&format!("{STATE}/coord/sid-1.json")).unwrap()).unwrap();
    assert_eq!(saved["mode"], "coordinator");
    // New process, config now says normal.
    let mut rt2 = runtime(&h, json!({}));
    d(
        &mut rt2,
        &h,
        "session_start",
        json!({"resumedFrom": "sid-0"}),
        json!({"sessionKey": P}),
    );
    let r = prompt(&mut rt2, &h, P);
    assert!(r["prependContext"]
        .as_str()
        .unwrap()
        .contains("Coordinator mode is on again to match this resumed session."));
    assert!(r["appendSystemContext"].is_string(), "still a coordinator");
    let again = prompt(&mut rt2, &h, P);
    assert!(
        again.get("prependContext").is_none(),
        "the notice is injected once"
    );
    let saved: Value =
        serde_json::from_str(&h.file_text(&format!("{STATE}/coord/sid-1.json")).unwrap()).unwrap();
    assert_eq!(saved["resumes"], 1);
}

#[test]
fn p6_t6_without_follow_the_configured_mode_wins() {
    let h = host();
    let mut rt = runtime(&h, coordinator());
    prompt(&mut rt, &h, P);
    let mut rt2 = runtime(&h, json!({"followResumedMode": false}));
    let r = prompt(&mut rt2, &h, P);
    assert!(r.get("appendSystemContext").is_none());
    assert!(r["prependContext"]
        .as_str()
        .unwrap()
        .contains("ran in coordinator mode when it was last used"));
}

#[test]
fn p6_t9_t10_model_is_stripped_and_duplicates_are_blocked() {
    let h = host();
    let mut rt = runtime(&h, coordinator());
    prompt(&mut rt, &h, P);
    let r = d(
        &mut rt,
        &h,
        "before_tool_call",
        json!({"toolName": "sessions_spawn", "params": {"task": "fix the build", "model": "x/y"}}),
        json!({"sessionKey": P}),
    );
    assert_eq!(r.ret["params"], json!({"task": "fix the build"}));
    assert!(r
        .decisions
        .iter()
        .any(|x| x.code == "coord.spawn.model_stripped"));
    d(
        &mut rt,
        &h,
        "subagent_spawned",
        json!({"childSessionKey": "agent:main:subagent:a"}),
        json!({"requesterSessionKey": P}),
    );
    let dup = d(
        &mut rt,
        &h,
        "before_tool_call",
        json!({"toolName": "sessions_spawn", "params": {"task": "  fix   the build "}}),
        json!({"sessionKey": P}),
    );
    assert_eq!(dup.ret["block"], true);
    assert!(dup.ret["blockReason"]
        .as_str()
        .unwrap()
        .starts_with("agent-ops[coord.spawn.duplicate]"));
}

#[test]
fn p6_t11_t12_t13_target_guard() {
    let h = host();
    let mut rt = runtime(&h, json!({}));
    spawn(&mut rt, &h, "agent:main:s1", "agent:main:subagent:s1c", "a");
    spawn(
        &mut rt,
        &h,
        "agent:main:subagent:s1c",
        "agent:main:subagent:s1g",
        "b",
    );
    spawn(&mut rt, &h, "agent:main:s2", "agent:main:subagent:s2c", "c");
    let call = |rt: &mut Runtime, target: &str| {
        d(
            rt,
            &h,
            "before_tool_call",
            json!({"toolName": "sessions_send", "params": {"sessionKey": target, "message": "hi"}}),
            json!({"sessionKey": "agent:main:s1"}),
        )
    };
    let r = call(&mut rt, "agent:main:subagent:s2c");
    assert_eq!(r.ret["block"], true);
    assert!(r.ret["blockReason"]
        .as_str()
        .unwrap()
        .starts_with("agent-ops[coord.lineage.foreign_target]"));
    assert!(call(&mut rt, "agent:main:subagent:s1g").ret.is_null());
    let u = call(&mut rt, "agent:main:other");
    assert!(u.ret.is_null());
    assert!(u
        .decisions
        .iter()
        .any(|x| x.code == "coord.lineage.unknown_target"));
}

#[test]
fn p6_t3_t20_a_restart_interrupts_running_workers_and_tells_the_parent_once() {
    let h = host();
    let mut rt = runtime(&h, json!({}));
    spawn(
        &mut rt,
        &h,
        P,
        "agent:main:subagent:w1",
        "research the build",
    );
    drop(rt); // the process dies; its epoch lock stays behind
              // The dead process's epoch lock is stale only by TTL on the in-memory host.
    h.advance(8 * 24 * 3_600_000);
    let mut rt2 = runtime(&h, json!({}));
    let r = d(&mut rt2, &h, "gateway_start", json!({}), json!({}));
    assert!(r
        .decisions
        .iter()
        .any(|x| x.code == "coord.resume.interrupted_child"));
    let p = prompt(&mut rt2, &h, P);
    let text = p["prependContext"].as_str().unwrap();
    assert!(
        text.contains("Worker w (agent:main:subagent:w1) was interrupted by a restart"),
        "{text}"
    );
    assert!(text.contains("Task: \"research the build\""));
    assert!(
        prompt(&mut rt2, &h, P).get("prependContext").is_none(),
        "once"
    );
    // A third process does not notify again.
    let mut rt3 = runtime(&h, json!({}));
    assert!(d(&mut rt3, &h, "gateway_start", json!({}), json!({}))
        .decisions
        .is_empty());
}

#[test]
fn p6_t22_ended_workers_bring_the_verification_reminder_or_the_failure_guidance() {
    let h = host();
    let mut rt = runtime(&h, json!({}));
    spawn(&mut rt, &h, P, "agent:main:subagent:ok", "implement");
    spawn(&mut rt, &h, P, "agent:main:subagent:bad", "other");
    let e1 = d(
        &mut rt,
        &h,
        "subagent_ended",
        json!({"targetSessionKey": "agent:main:subagent:ok", "outcome": "ok"}),
        json!({}),
    );
    assert!(e1
        .decisions
        .iter()
        .any(|x| x.code == "coord.worker.verify_reminder"));
    let e2 = d(
        &mut rt,
        &h,
        "subagent_ended",
        json!({"targetSessionKey": "agent:main:subagent:bad", "outcome": "error"}),
        json!({}),
    );
    assert!(e2
        .decisions
        .iter()
        .any(|x| x.code == "coord.worker.failure_guidance"));
    let text = prompt(&mut rt, &h, P)["prependContext"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(text.contains("ended: ok") && text.contains("verify it with a fresh worker"));
    assert!(
        text.contains("ended: error") && text.contains("Continue the failed worker with its error")
    );
}

#[test]
fn p6_t21_workers_lists_only_the_callers_workers() {
    let h = host();
    let mut rt = runtime(&h, json!({}));
    spawn(
        &mut rt,
        &h,
        "agent:main:s1",
        "agent:main:subagent:a",
        "task a",
    );
    spawn(
        &mut rt,
        &h,
        "agent:main:s2",
        "agent:main:subagent:b",
        "task b",
    );
    let r = rt
        .dispatch(
            &h,
            "coordinator:tool:agent_ops_workers",
            &json!({"params": {}}),
            &json!({"sessionKey": "agent:main:s1"}),
        )
        .unwrap();
    let text = r.ret["text"].as_str().unwrap();
    assert!(
        text.contains("agent:main:subagent:a")
            && text.contains("task a")
            && text.contains("fake/m")
    );
    assert!(!text.contains("agent:main:subagent:b"));
    assert_eq!(r.ret["details"]["workers"].as_array().unwrap().len(), 1);
    let c = rt
        .dispatch(
            &h,
            "coordinator:command:workers",
            &json!({"args": "ended"}),
            &json!({"sessionKey": "agent:main:s1"}),
        )
        .unwrap();
    assert!(c.ret["text"]
        .as_str()
        .unwrap()
        .starts_with("0 worker(s) of agent:main:s1 with status ended"));
}

#[test]
fn p6_r15_missing_child_keys_are_recorded_and_ignored() {
    let h = host();
    let mut rt = runtime(&h, json!({}));
    let r = d(
        &mut rt,
        &h,
        "subagent_ended",
        json!({"outcome": "ok"}),
        json!({}),
    );
    assert!(r.decisions.iter().any(|x| x.code == "coord.invalid_event"));
    let r = d(
        &mut rt,
        &h,
        "before_tool_call",
        json!({"toolName": "sessions_spawn", "params": "not an object"}),
        json!({"sessionKey": P}),
    );
    assert!(r.ret.is_null());
}

/// P6-R13 wired (issue 19): in engine mode, the first assemble of a session in a new process
/// (a resume) hands the model a repaired transcript: a dangling tool call gets its synthetic
/// result, an empty assistant turn is left out, the current turn is untouched; a healthy
/// session's projection is left alone.
#[test]
fn p6_r13_assemble_repairs_a_resumed_transcript() {
    let h = MemoryHost::new(
        HostDirs {
            home_dir: "/home/u".into(),
            workspace_dir: "/home/u/ws".into(),
            openclaw_state_dir: "/oc".into(),
            ..HostDirs::default()
        },
        1_795_996_800_000,
    );
    let info = json!({"openclawStateDir": "/oc", "homeDir": "/home/u", "contextEngineSelected": true,
        "models": [{"provider": "p", "id": "m", "contextWindow": 200000, "maxTokens": 20000}]});
    let mut rt = agent_ops::runtime::Runtime::new();
    assert!(
        rt.init(
            &h,
            r#"{"phases":{"bashSecurity":false}}"#,
            &info.to_string()
        )
        .ok
    );
    let broken = json!([
        {"role": "user", "content": "run the tests"},
        {"role": "assistant", "content": [{"type": "toolCall", "id": "c1", "name": "exec", "arguments": {"command": "make test"}}]},
        {"role": "assistant", "content": [{"type": "text", "text": "   "}]},
        {"role": "user", "content": "continue"},
        {"role": "assistant", "content": [{"type": "toolCall", "id": "c2", "name": "exec", "arguments": {}}]}
    ]);
    let params = json!({"sessionId": "s-1", "sessionKey": "agent:main:main", "messages": broken, "tokenBudget": 200000});
    let v = rt.engine(&h, "assemble", &params).unwrap();
    let msgs = v["value"]["messages"]
        .as_array()
        .expect("a repaired projection");
    assert_eq!(msgs.len(), 5, "{msgs:#?}");
    assert_eq!(msgs[2]["role"], "toolResult");
    assert_eq!(msgs[2]["toolCallId"], "c1");
    assert_eq!(msgs[3]["content"], "continue");
    // The current turn's call (after the last user message) is not answered.
    assert_eq!(msgs[4]["content"][0]["id"], "c2");
    // Every later assemble keeps the repair; the decision is journaled once.
    let again = rt.engine(&h, "assemble", &params).unwrap();
    assert!(again["value"]["messages"].is_array());
    let journal: String = h
        .paths()
        .into_iter()
        .filter(|p| p.contains("/audit/decisions-"))
        .filter_map(|p| h.file_text(&p))
        .collect();
    assert_eq!(
        journal.matches("coord.resume.repaired").count(),
        1,
        "{journal}"
    );
    // A healthy session is passed through untouched.
    let ok = json!({"sessionId": "s-2", "sessionKey": "agent:main:other", "tokenBudget": 200000, "messages": [
        {"role": "user", "content": "hi"}, {"role": "assistant", "content": [{"type": "text", "text": "hello"}]}]});
    let v = rt.engine(&h, "assemble", &ok).unwrap();
    assert!(v["value"].get("messages").is_none(), "{v}");
}

/// P6-R14: without the context engine slot, the missing repair is said once at init.
#[test]
fn p6_r14_hooks_only_mode_reports_that_sanitation_is_unavailable() {
    let h = MemoryHost::new(HostDirs::default(), 1_795_996_800_000);
    let mut rt = agent_ops::runtime::Runtime::new();
    let r = rt.init(
        &h,
        r#"{"phases":{"bashSecurity":false}}"#,
        r#"{"openclawStateDir":"/oc","contextEngineSelected":false}"#,
    );
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code == "coord.degraded.sanitation"),
        "{:?}",
        r.diagnostics
    );
}

/// P6-R10 (issue 19): continuing a worker whose recorded working directory is gone tells the
/// parent once, on its next turn.
#[test]
fn p6_r10_a_continued_worker_whose_directory_is_gone_is_reported() {
    let h = host();
    let mut rt = runtime(&h, json!({}));
    let r = d(
        &mut rt,
        &h,
        "before_tool_call",
        json!({"toolName": "sessions_spawn", "params": {"task": "fix it", "label": "w", "cwd": "/home/u/ws/.worktrees/w1"}}),
        json!({"sessionKey": P}),
    );
    assert!(r.ret.get("block").is_none(), "{:?}", r.ret);
    d(
        &mut rt,
        &h,
        "subagent_spawned",
        json!({"childSessionKey": "agent:main:subagent:c1", "runId": "r1", "agentId": "main", "label": "w", "mode": "run"}),
        json!({"requesterSessionKey": P, "childSessionKey": "agent:main:subagent:c1"}),
    );
    let send = |rt: &mut Runtime| {
        d(
            rt,
            &h,
            "before_tool_call",
            json!({"toolName": "sessions_send", "params": {"sessionKey": "agent:main:subagent:c1", "message": "go on"}}),
            json!({"sessionKey": P}),
        )
    };
    let r = send(&mut rt);
    assert!(
        r.ret.is_null(),
        "continuing one's own worker is allowed: {:?}",
        r.ret
    );
    assert!(
        r.decisions
            .iter()
            .any(|x| x.code == "coord.resume.cwd_missing"),
        "{:?}",
        r.decisions
    );
    let n = prompt(&mut rt, &h, P).to_string();
    assert!(
        n.contains("/home/u/ws/.worktrees/w1") && n.contains("no longer exists"),
        "{n}"
    );
    send(&mut rt);
    assert!(
        !prompt(&mut rt, &h, P)
            .to_string()
            .contains("no longer exists"),
        "told once"
    );
    // With the directory present, nothing is said.
    h.put_file("/home/u/ws/.worktrees/w1/README", b"x");
    let mut rt2 = runtime(&h, json!({}));
    assert!(!send(&mut rt2)
        .decisions
        .iter()
        .any(|x| x.code == "coord.resume.cwd_missing"));
}

/// OpenClaw 2026.9.6's completion handoff as it reaches the parent's next turn
/// (`formatTaskCompletionEvent`, protected mode).
fn handoff(child: &str, result: &str, stats: &str) -> String {
    format!(
        "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nOpenClaw runtime context (internal):\nThis context is runtime-generated, not user-authored. Keep internal details private.\n\n[Internal task completion event]\nsource: subagent\nsession_key: {child}\nsession_id: s-9\ntype: subagent task\ntask: w\nstatus: completed; ready for parent review\n\nChild result:\n{result}\n\nStats: {stats}\n\nAction:\nA completed subagent task is ready for parent review.\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>"
    )
}

fn prompt_with(rt: &mut Runtime, h: &MemoryHost, key: &str, event: Value) -> HookResponse {
    d(
        rt,
        h,
        "before_prompt_build",
        event,
        json!({"sessionKey": key, "sessionId": "sid-1", "agentId": "main"}),
    )
}

#[test]
fn p6_t16_a_result_delivered_again_gets_the_duplicate_note_also_after_a_restart() {
    let h = host();
    let child = "agent:main:subagent:w1";
    let mut rt = runtime(&h, json!({}));
    spawn(&mut rt, &h, P, child, "fix the parser");
    // First delivery: the turn's prompt is the handoff. Recorded, no note.
    let first = prompt_with(
        &mut rt,
        &h,
        P,
        json!({"prompt": handoff(child, "All tests pass.", "runtime 3s"), "messages": []}),
    );
    let text = first.ret["prependContext"].as_str().unwrap_or("");
    assert!(!text.contains("already delivered"), "{text}");
    // The same result again in the next turn (history ends with the parent's reply, the
    // repeated handoff follows it): the note, naming the worker and the first time.
    h.advance(60_000);
    let again = json!({
        "prompt": "continue",
        "messages": [
            {"role": "user", "content": handoff(child, "All tests pass.", "runtime 3s")},
            {"role": "assistant", "content": [{"type": "text", "text": "Verified."}]},
            {"role": "user", "content": [{"type": "text", "text": handoff(child, "All  tests pass.", "runtime 4s")}]},
        ]
    });
    let second = prompt_with(&mut rt, &h, P, again.clone());
    let note = second.ret["prependContext"].as_str().unwrap_or("");
    assert!(
        note.contains("The result of worker w shown below was already delivered at 2026-09-21T")
            && note.contains("do not act on it twice."),
        "{note}"
    );
    assert!(second
        .decisions
        .iter()
        .any(|x| x.code == "coord.delivery.duplicate"));
    // After a restart the registry (rebuilt from the journal) still knows the delivery.
    let mut rt2 = runtime(&h, json!({}));
    let third = prompt_with(&mut rt2, &h, P, again);
    assert!(third.ret["prependContext"]
        .as_str()
        .unwrap_or("")
        .contains("already delivered"));
    // A different result of the same worker is a new delivery: no note.
    let other = prompt_with(
        &mut rt2,
        &h,
        P,
        json!({"prompt": handoff(child, "One test still fails.", "runtime 5s")}),
    );
    assert!(!other.ret["prependContext"]
        .as_str()
        .unwrap_or("")
        .contains("already delivered"));
    // The history before the last assistant message is not new: no note for it.
    let quiet = prompt_with(
        &mut rt2,
        &h,
        P,
        json!({"prompt": "next", "messages": [
            {"role": "user", "content": handoff(child, "All tests pass.", "runtime 3s")},
            {"role": "assistant", "content": "ok"}
        ]}),
    );
    assert!(!quiet.ret["prependContext"]
        .as_str()
        .unwrap_or("")
        .contains("already delivered"));
}

/// Every lineage event journalled so far, in order.
fn lineage_events(h: &MemoryHost) -> Vec<Value> {
    use agent_ops::host::Host;
    let mut names: Vec<String> = h
        .fs_list(&format!("{STATE}/lineage"), 1000)
        .map(|l| l.entries.into_iter().map(|e| e.name).collect())
        .unwrap_or_default();
    names.sort();
    names
        .iter()
        .filter(|n| n.ends_with(".jsonl"))
        .flat_map(|n| {
            let bytes = h
                .fs_read(&format!("{STATE}/lineage/{n}"), 1 << 20)
                .unwrap_or_default();
            String::from_utf8_lossy(&bytes)
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn p6_r1_engine_mode_records_prepared_rolled_back_and_ended() {
    let h = host();
    let mut rt = runtime(&h, json!({}));
    let child = "agent:main:subagent:eng";
    let prep = json!({"parentSessionKey": P, "childSessionKey": child, "contextMode": "fork"});
    let v = rt.engine(&h, "prepareSubagentSpawn", &prep).unwrap();
    assert_eq!(v["value"], json!({"rollback": true}), "{v}");
    // The spawn failed after preparation: OpenClaw calls the rollback handle.
    rt.engine(&h, "rollbackSubagentSpawn", &prep).unwrap();
    let kinds: Vec<Value> = lineage_events(&h)
        .iter()
        .map(|e| e["event"].clone())
        .collect();
    assert_eq!(kinds, vec![json!("prepared"), json!("rolled_back")]);
    let ev = lineage_events(&h);
    assert_eq!(ev[0]["contextMode"], "fork", "{ev:?}");
    assert_eq!(ev[0]["parentSessionKey"], P);

    // A second worker: prepared, spawned (the hook fills in the task), ended by the engine
    // first (no outcome), then by the hook (the outcome fills in; the parent hears it once).
    let child2 = "agent:main:subagent:eng2";
    let prep2 =
        json!({"parentSessionKey": P, "childSessionKey": child2, "contextMode": "isolated"});
    rt.engine(&h, "prepareSubagentSpawn", &prep2).unwrap();
    spawn(&mut rt, &h, P, child2, "implement");
    rt.engine(
        &h,
        "onSubagentEnded",
        &json!({"childSessionKey": child2, "reason": "completed"}),
    )
    .unwrap();
    let again = rt
        .engine(
            &h,
            "onSubagentEnded",
            &json!({"childSessionKey": child2, "reason": "completed"}),
        )
        .unwrap();
    assert!(again["value"].is_null());
    let e = d(
        &mut rt,
        &h,
        "subagent_ended",
        json!({"targetSessionKey": child2, "outcome": "ok"}),
        json!({}),
    );
    assert!(e
        .decisions
        .iter()
        .any(|x| x.code == "coord.worker.verify_reminder"));
    let ended: Vec<Value> = lineage_events(&h)
        .into_iter()
        .filter(|e| e["childSessionKey"] == child2 && e["event"] == "ended")
        .collect();
    assert_eq!(
        ended.len(),
        2,
        "engine ended + the hook's outcome: {ended:?}"
    );
    assert_eq!(ended[0]["reason"], "completed");
    let text = prompt(&mut rt, &h, P)["prependContext"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(text.matches("ended: ok").count(), 1, "{text}");
    // A replayed hook changes nothing.
    let e = d(
        &mut rt,
        &h,
        "subagent_ended",
        json!({"targetSessionKey": child2, "outcome": "ok"}),
        json!({}),
    );
    assert!(e.decisions.is_empty(), "{:?}", e.decisions);
}

#[test]
fn p6_r1_engine_methods_pass_through_with_phase_6_off() {
    let h = host();
    let mut rt = Runtime::new();
    let r = rt.init(
        &h,
        &json!({"stateDir": STATE, "phases": {"coordinator": false}}).to_string(),
        &json!({"homeDir": "/home/u"}).to_string(),
    );
    assert!(r.ok, "{:?}", r.errors);
    let prep = json!({"parentSessionKey": P, "childSessionKey": "c", "contextMode": "fork"});
    let v = rt.engine(&h, "prepareSubagentSpawn", &prep).unwrap();
    assert!(v["value"].is_null(), "{v}");
    assert!(lineage_events(&h).is_empty());
}
