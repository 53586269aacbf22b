//! The context engine's effect loop (issue 18 item 5): `compact`, `maintain` and `summarize`
//! as the engine method `step`, through every transition and error path, with the in-memory
//! host. What `pkg/index.js` does with each answer is only to perform the named effect.

use agent_ops::audit::read_journal;
use agent_ops::host::{Host, HostDirs, MemoryHost};
use agent_ops::runtime::{JobKind, Runtime};
use serde_json::{json, Value};

const NOW: i64 = 1_795_996_800_000;
const SID: &str = "sess-1";
const KEY: &str = "agent:main:main";

fn host() -> MemoryHost {
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

/// 200k window, 20k output: threshold 167,000, warning 147,000.
fn rt_with(h: &dyn Host, config: Value) -> Runtime {
    let info = json!({
        "openclawStateDir": "/oc", "homeDir": "/home/u", "workspaceDir": "/home/u/ws",
        "contextEngineSelected": true, "conversationAccess": true, "compactionProvider": "agent-ops",
        "models": [{"provider": "p", "id": "m", "contextWindow": 200000, "maxTokens": 20000}],
    });
    let mut rt = Runtime::new();
    let r = rt.init(h, &config.to_string(), &info.to_string());
    assert!(r.ok, "{:?}", r.errors);
    rt
}

fn rt(h: &dyn Host) -> Runtime {
    rt_with(
        h,
        json!({"phases": {"bashSecurity": false, "sessionMemory": false}}),
    )
}

/// One `step` call: the step the binding layer follows.
fn step(rt: &mut Runtime, h: &dyn Host, input: Value) -> Value {
    rt.engine(h, "step", &input).unwrap()["value"].clone()
}

/// The next step after performing `s`'s effect with `outcome`.
fn next(rt: &mut Runtime, h: &dyn Host, s: &Value, outcome: Value) -> Value {
    let mut input = s["next"].clone();
    assert!(input.is_object(), "no next in {s}");
    input["outcome"] = outcome;
    step(rt, h, input)
}

fn codes(h: &dyn Host) -> Vec<String> {
    let path = agent_ops::audit::journal_path("/oc/agent-ops", NOW);
    read_journal(h, &path, 1 << 24)
        .map(|d| d.into_iter().map(|d| d.code).collect())
        .unwrap_or_default()
}

fn compact(tokens: u64, key: &str, trigger: &str) -> Value {
    json!({"op": "compact", "params": {"sessionId": SID, "sessionKey": key, "tokenBudget": 200000, "force": true,
        "currentTokenCount": tokens, "compactionTarget": "budget",
        "runtimeContext": {"trigger": trigger, "provider": "p", "model": "m"}}})
}

fn manual() -> Value {
    json!({"op": "compact", "params": {"sessionId": SID, "sessionKey": KEY, "tokenBudget": 200000, "force": true,
        "compactionTarget": "threshold", "runtimeContext": {"trigger": "manual", "forceReason": "manual", "provider": "p", "model": "m"}}})
}

fn pass() -> Value {
    json!({"value": {"changed": false, "bytesFreed": 0, "rewrittenEntries": 0}})
}

#[test]
fn the_engine_spec_declares_fields_failure_policy_and_transcript_semantics() {
    let h = host();
    let mut r = Runtime::new();
    let res = r.init(
        &h,
        "{}",
        &json!({"contextEngineSelected": true}).to_string(),
    );
    let spec = serde_json::to_value(res.engine.unwrap()).unwrap();
    assert_eq!(
        spec["transcriptSemantics"]["currentTurnFence"],
        "before-current-turn-entry-v1"
    );
    let compact_fields: Vec<&str> = spec["fields"]["compact"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(compact_fields.contains(&"sessionId"));
    assert!(compact_fields.contains(&"runtimeContext.trigger"));
    assert!(!compact_fields.contains(&"runtimeContext.config"));
    assert_eq!(
        spec["fields"]["assemble"].as_array().unwrap()[5],
        "runtimeSettings.model"
    );
    // A core failure on the first call: OpenClaw's own compaction, a no-op maintain, and the
    // built-in summary (a throw is how a provider declines).
    let f = &spec["failure"];
    assert_eq!(f["compact"]["effect"]["fn"], "delegateCompactionToRuntime");
    assert_eq!(f["compact"]["effect"]["args"], json!([{"$spread": "call"}]));
    assert!(f["compact"].get("next").is_none());
    assert_eq!(f["compact"]["value"]["$ref"], "outcome.result");
    assert_eq!(f["maintain"], pass());
    assert!(f["summarize"]["throw"]
        .as_str()
        .unwrap()
        .contains("OpenClaw's summary"));
}

#[test]
fn compact_below_the_threshold_returns_the_core_answer_without_an_effect() {
    let h = host();
    let mut rt = rt(&h);
    let s = step(&mut rt, &h, compact(100_000, KEY, "budget"));
    assert!(s.get("effect").is_none(), "{s}");
    assert_eq!(s["value"]["ok"], true, "{s}");
    assert_eq!(s["value"]["compacted"], false);
    assert!(codes(&h).contains(&"compaction.skip.below_threshold".to_string()));
}

#[test]
fn compact_delegates_then_reports_a_success_and_returns_the_delegate_result() {
    let h = host();
    let mut rt = rt(&h);
    let s = step(&mut rt, &h, compact(190_000, KEY, "budget"));
    let e = &s["effect"];
    assert_eq!(e["kind"], "invoke");
    assert_eq!(e["module"], "openclaw/plugin-sdk/core");
    assert_eq!(e["fn"], "delegateCompactionToRuntime");
    assert_eq!(e["signal"], "call.abortSignal");
    assert_eq!(e["args"][0]["$spread"], "call");
    assert!(e["args"][0]["customInstructions"].is_string(), "{e}");
    assert_eq!(s["next"]["stage"], "delegated");
    assert!(s["next"]["state"]["attempt"].is_string());
    assert_eq!(s["fallback"]["value"]["$ref"], "outcome.result");
    assert!(codes(&h).contains(&"compaction.started".to_string()));
    let done = next(
        &mut rt,
        &h,
        &s,
        json!({"result": {"ok": true, "compacted": true, "result": {"summary": nine_sections(), "tokensBefore": 190000, "tokensAfter": 20000}}}),
    );
    assert_eq!(
        done,
        json!({"value": {"$ref": "outcome.result", "default": {"ok": false, "compacted": false, "reason": "agent-ops: compaction failed; see the gateway log"}}})
    );
    assert!(
        codes(&h).contains(&"compaction.ok".to_string()),
        "{:?}",
        codes(&h)
    );
}

#[test]
fn a_failed_automatic_compaction_is_answered_by_the_core_and_a_manual_one_names_the_error() {
    let h = host();
    let mut rt = rt(&h);
    let s = step(&mut rt, &h, compact(190_000, KEY, "budget"));
    let v = next(
        &mut rt,
        &h,
        &s,
        json!({"error": "HTTP 500", "aborted": false}),
    );
    assert_eq!(v["value"]["ok"], true, "{v}");
    assert_eq!(v["value"]["compacted"], false);
    assert!(v["value"]["reason"]
        .as_str()
        .unwrap()
        .contains("(already compacted)"));
    assert!(
        codes(&h).contains(&"compaction.failed.delegate".to_string()),
        "{:?}",
        codes(&h)
    );

    let s = step(&mut rt, &h, manual());
    assert!(s["next"]["state"]["attempt"].is_string(), "{s}");
    let v = next(&mut rt, &h, &s, json!({"error": "boom", "aborted": false}));
    assert_eq!(
        v,
        json!({"value": {"ok": false, "compacted": false, "reason": "agent-ops: compaction failed: boom"}})
    );
}

#[test]
fn an_aborted_compaction_is_not_a_failure_and_returns_the_error() {
    let h = host();
    let mut rt = rt(&h);
    let s = step(&mut rt, &h, manual());
    let v = next(
        &mut rt,
        &h,
        &s,
        json!({"error": "This operation was aborted", "aborted": true}),
    );
    assert_eq!(
        v["value"]["reason"],
        "agent-ops: compaction failed: This operation was aborted"
    );
    assert!(codes(&h).contains(&"compaction.aborted".to_string()));
    assert!(!codes(&h).iter().any(|c| c.starts_with("compaction.failed")));
}

#[test]
fn an_ungoverned_compaction_is_delegated_as_is_and_nothing_is_reported() {
    let h = host();
    let mut rt = rt(&h);
    let key = "agent:main:internal-session-effects:run-1-0123456789abcdef";
    let s = step(&mut rt, &h, compact(190_000, key, "budget"));
    assert_eq!(s["effect"]["args"][0], json!({"$spread": "call"}));
    assert!(s["next"]["state"]["attempt"].is_null());
    let before = codes(&h).len();
    let v = next(
        &mut rt,
        &h,
        &s,
        json!({"result": {"ok": true, "compacted": true}}),
    );
    assert_eq!(v["value"]["$ref"], "outcome.result");
    assert_eq!(codes(&h).len(), before);
    let v = next(&mut rt, &h, &s, json!({"error": "x"}));
    assert_eq!(v["value"]["reason"], "agent-ops: compaction failed: x");
}

#[test]
fn with_the_phase_off_compact_is_plain_delegation_and_maintain_does_nothing() {
    let h = host();
    let mut rt = rt_with(
        &h,
        json!({"phases": {"bashSecurity": false, "compaction": false, "sessionMemory": false}}),
    );
    let s = step(&mut rt, &h, compact(190_000, KEY, "budget"));
    assert_eq!(s["effect"]["fn"], "delegateCompactionToRuntime");
    assert!(s["next"]["state"]["attempt"].is_null());
    let m = step(
        &mut rt,
        &h,
        json!({"op": "maintain", "params": {"sessionId": SID}}),
    );
    assert_eq!(m, pass());
    assert!(codes(&h).is_empty());
}

#[test]
fn compact_first_waits_for_the_sessions_notes_job() {
    let h = host();
    h.put_file("/home/u/ws/.git/HEAD", b"ref: refs/heads/main\n");
    let mut rt = rt_with(
        &h,
        json!({"phases": {"bashSecurity": false, "loopBudget": false, "memoryScoping": false, "sessionMemory": {"longTerm": {"enabled": false}}}}),
    );
    let msgs = json!([{"role": "user", "content": "go"}, {"role": "assistant", "content": [{"type": "text", "text": "done"}], "usage": {"input": 12000, "output": 10}}]);
    let r = rt
        .dispatch(
            &h,
            "sessionMemory:agent_end",
            &json!({"runId": "run-abcdef123", "messages": msgs}),
            &json!({"sessionKey": KEY, "sessionId": SID, "agentId": "main", "workspaceDir": "/home/u/ws"}),
        )
        .unwrap();
    let job = r
        .jobs
        .iter()
        .find(|j| j.kind == JobKind::Llm)
        .unwrap()
        .id
        .clone();
    h.advance(5_000);
    let s = step(&mut rt, &h, manual());
    assert_eq!(
        s["effect"],
        json!({"kind": "wait", "waitMs": 15000, "jobs": [job]})
    );
    assert_eq!(s["next"]["stage"], "gate");
    assert_eq!(s["next"]["params"], manual()["params"]);
    // Whatever the wait gave, the gate follows: a delegation carrying the session notes.
    let g = next(&mut rt, &h, &s, json!({"result": null}));
    assert_eq!(g["effect"]["fn"], "delegateCompactionToRuntime", "{g}");
    assert_eq!(g["next"]["stage"], "delegated");
    // A core failure while waiting falls back to OpenClaw's own compaction.
    assert_eq!(s["fallback"]["effect"]["fn"], "delegateCompactionToRuntime");
}

/// A committed turn at `tokens` for the post-turn `maintain`.
fn commit(rt: &mut Runtime, h: &dyn Host, key: &str, tokens: u64) {
    rt.engine(
        h,
        "commitTurn",
        &json!({"advancementKey": format!("t-{key}-{tokens}"), "admission": {"sessionId": SID, "sessionKey": KEY},
            "messages": [{"role": "assistant", "content": "ok", "usage": {"input": tokens, "output": 10}}]}),
    )
    .unwrap();
}

fn maintain() -> Value {
    json!({"op": "maintain", "params": {"sessionId": SID, "sessionKey": KEY, "runtimeContext": {"provider": "p", "modelId": "m"}}})
}

#[test]
fn maintain_without_a_committed_turn_does_nothing() {
    let h = host();
    let mut rt = rt(&h);
    assert_eq!(step(&mut rt, &h, maintain()), pass());
    assert_eq!(step(&mut rt, &h, json!({"op": "maintain"})), pass());
}

#[test]
fn maintain_over_the_threshold_delegates_with_the_context_openclaw_left_out() {
    let h = host();
    let mut rt = rt(&h);
    commit(&mut rt, &h, "a", 190_000);
    let s = step(&mut rt, &h, maintain());
    let a = &s["effect"]["args"][0];
    assert_eq!(s["effect"]["fn"], "delegateCompactionToRuntime");
    assert!(s["effect"].get("signal").is_none());
    assert_eq!(a["force"], true);
    assert_eq!(a["sessionId"], json!({"$ref": "call.sessionId"}));
    assert_eq!(a["sessionTarget"], json!({"$ref": "call.sessionTarget"}));
    assert_eq!(
        a["tokenBudget"],
        json!({"$ref": "call.runtimeContext.tokenBudget", "default": 200000})
    );
    assert!(a["customInstructions"].is_string());
    let rc = &a["runtimeContext"];
    assert_eq!(rc["$spread"], "call.runtimeContext");
    assert_eq!(
        rc["model"],
        json!({"$ref": "call.runtimeContext.model", "default": {"$ref": "call.runtimeContext.modelId"}})
    );
    assert_eq!(
        rc["config"],
        json!({"$ref": "call.runtimeContext.config", "default": {"$ref": "factory.config"}})
    );
    assert_eq!(
        rc["agentDir"]["default"],
        json!({"$ref": "factory.agentDir"})
    );
    assert_eq!(
        rc["workspaceDir"]["default"],
        json!({"$ref": "factory.workspaceDir"})
    );
    assert_eq!(s["fallback"], pass());
    let v = next(
        &mut rt,
        &h,
        &s,
        json!({"result": {"ok": true, "compacted": true, "result": {"summary": nine_sections(), "tokensBefore": 190000, "tokensAfter": 30000}}}),
    );
    assert_eq!(v, pass());
    assert!(
        codes(&h).contains(&"compaction.ok".to_string()),
        "{:?}",
        codes(&h)
    );
}

/// A maintain that asks for persistent microcompaction (160k: over the warning, under the
/// threshold), and the stored entries: nine old turns and the newest one.
fn microcompact_setup(h: &MemoryHost) -> (Runtime, Value) {
    let mut rt = rt_with(
        h,
        json!({"phases": {"bashSecurity": false, "sessionMemory": false, "compaction": {"microcompact": {"persist": true}}}}),
    );
    commit(&mut rt, h, "m", 160_000);
    let s = step(&mut rt, h, maintain());
    assert_eq!(
        s["effect"]["module"],
        "openclaw/plugin-sdk/session-transcript-runtime"
    );
    assert_eq!(
        s["effect"]["fn"],
        "readVisibleSessionTranscriptMessageEntries"
    );
    assert_eq!(
        s["effect"]["requires"],
        "call.runtimeContext.rewriteTranscriptEntries"
    );
    assert_eq!(
        s["effect"]["args"][0],
        json!({"$ref": "call.sessionTarget", "default": {"$ref": "call.runtimeContext.sessionTarget"}})
    );
    assert_eq!(s["next"]["stage"], "entries");
    (rt, s)
}

fn entries() -> Value {
    let mut out = Vec::new();
    for i in 0..9 {
        out.push(json!({"role": "assistant", "content": [{"type": "toolCall", "id": format!("c{i}"), "name": "exec", "arguments": {}}]}));
        out.push(json!({"role": "toolResult", "toolCallId": format!("c{i}"), "toolName": "exec", "content": [{"type": "text", "text": "old ".repeat(4000)}]}));
    }
    out.push(json!({"role": "user", "content": "next"}));
    json!(out
        .into_iter()
        .enumerate()
        .map(|(i, m)| json!({"entryId": format!("e{i}"), "message": m, "extra": i}))
        .collect::<Vec<_>>())
}

#[test]
fn persistent_microcompaction_reads_rewrites_and_reports_the_transcript() {
    let h = host();
    let (mut rt, s) = microcompact_setup(&h);
    let r = next(&mut rt, &h, &s, json!({"result": entries()}));
    assert_eq!(r["effect"]["kind"], "invoke");
    assert!(r["effect"].get("module").is_none());
    assert_eq!(
        r["effect"]["fn"],
        "call.runtimeContext.rewriteTranscriptEntries"
    );
    let reps = r["effect"]["args"][0]["replacements"].as_array().unwrap();
    assert!(!reps.is_empty());
    assert_eq!(reps[0]["entryId"], "e1");
    assert_eq!(r["next"]["stage"], "rewritten");
    assert!(codes(&h).contains(&"compaction.microcompact.applied".to_string()));
    let v = next(
        &mut rt,
        &h,
        &r,
        json!({"result": {"changed": true, "rewrittenEntries": reps.len(), "bytesFreed": 4000}}),
    );
    assert_eq!(
        v,
        json!({"value": {"changed": true, "bytesFreed": 4000, "rewrittenEntries": reps.len()}})
    );
    assert!(codes(&h).contains(&"compaction.microcompact.persisted".to_string()));
    // A rewrite that throws is journaled and answered with the pass-through.
    let v = next(&mut rt, &h, &r, json!({"error": "disk full"}));
    assert_eq!(v, pass());
    assert!(codes(&h).contains(&"compaction.microcompact.persist_failed".to_string()));
    // An odd answer counts as nothing changed.
    let v = next(&mut rt, &h, &r, json!({"result": null}));
    assert_eq!(
        v,
        json!({"value": {"changed": false, "bytesFreed": 0, "rewrittenEntries": 0}})
    );
}

#[test]
fn persistent_microcompaction_stops_when_openclaw_cannot_rewrite_or_read() {
    let h = host();
    let (mut rt, s) = microcompact_setup(&h);
    // No rewrite function in the runtime context: nothing is read, nothing journaled.
    assert_eq!(next(&mut rt, &h, &s, json!({"unavailable": true})), pass());
    assert!(!codes(&h)
        .iter()
        .any(|c| c.starts_with("compaction.microcompact")));
    // The read fails: journaled as a failed persist.
    assert_eq!(
        next(&mut rt, &h, &s, json!({"error": "no transcript"})),
        pass()
    );
    assert!(codes(&h).contains(&"compaction.microcompact.persist_failed".to_string()));
    // Nothing to clear (or not an array): no rewrite.
    let h = host();
    let (mut rt, s) = microcompact_setup(&h);
    assert_eq!(
        next(&mut rt, &h, &s, json!({"result": "not entries"})),
        pass()
    );
}

fn summarize() -> Value {
    json!({"op": "summarize", "params": {"messages": [{"role": "user", "content": "hi"}], "previousSummary": "before"}})
}

fn nine_sections() -> String {
    agent_ops::compaction::SECTIONS
        .iter()
        .map(|t| format!("## {t}\nNone.\n"))
        .collect()
}

#[test]
fn summarize_asks_the_llm_then_checks_the_sections() {
    let h = host();
    let mut rt = rt(&h);
    let s = step(&mut rt, &h, summarize());
    let e = &s["effect"];
    assert_eq!(e["fn"], "api.runtime.llm.complete");
    let a = &e["args"][0];
    assert_eq!(a["messages"][0]["role"], "user");
    assert!(a["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("before"));
    assert!(a["systemPrompt"].is_string());
    assert_eq!(a["purpose"], "agent-ops.compaction.summary");
    assert!(a["maxTokens"].is_u64());
    assert_eq!(a["signal"], json!({"$ref": "call.signal"}));
    assert!(s["fallback"]["throw"].is_string());
    let ok = next(
        &mut rt,
        &h,
        &s,
        json!({"result": {"text": nine_sections()}}),
    );
    assert_eq!(ok, json!({"value": {"$ref": "outcome.result.text"}}));
    let bad = next(
        &mut rt,
        &h,
        &s,
        json!({"result": {"text": nine_sections().replace("Pending tasks", "x")}}),
    );
    assert_eq!(
        bad,
        json!({"throw": "agent-ops: the summary lacks required sections (Pending tasks)"})
    );
    let empty = next(&mut rt, &h, &s, json!({"result": {}}));
    assert!(empty["throw"]
        .as_str()
        .unwrap()
        .starts_with("agent-ops: the summary lacks required sections ("));
    // The LLM's own error is rethrown as it was.
    let err = next(&mut rt, &h, &s, json!({"error": "timeout", "cause": {}}));
    assert_eq!(err, json!({"throw": {"$ref": "outcome.cause"}}));
}

#[test]
fn summarize_declines_when_the_phase_is_off_or_the_input_is_bad() {
    let h = host();
    let mut rt = rt_with(
        &h,
        json!({"phases": {"bashSecurity": false, "sessionMemory": false, "compaction": false}}),
    );
    let s = step(&mut rt, &h, summarize());
    assert_eq!(
        s,
        json!({"throw": "agent-ops: the nine-section summary is off; using OpenClaw's summary"})
    );
    let mut rt = self::rt(&h);
    let s = step(
        &mut rt,
        &h,
        json!({"op": "summarize", "params": {"messages": "nope"}}),
    );
    assert!(s["throw"].as_str().unwrap().contains("is off"), "{s}");
    let answer = rt
        .engine(
            &h,
            "step",
            &json!({"op": "summarize", "params": {"messages": "nope"}}),
        )
        .unwrap();
    assert!(answer["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == "core.invalid_input"));
}

#[test]
fn an_unknown_step_is_an_error_the_binding_layer_answers_with_the_fallback() {
    let h = host();
    let mut rt = rt(&h);
    for input in [
        json!({"op": "assemble"}),
        json!({"op": "compact", "stage": "nope"}),
        json!({"op": "maintain", "stage": "gate"}),
        json!({"op": "summarize", "stage": "delegated"}),
        json!({}),
        json!(null),
    ] {
        let e = rt.engine(&h, "step", &input).unwrap_err();
        assert_eq!(e.code.as_str(), "core.invalid_input", "{input}");
    }
    let mut fresh = Runtime::new();
    assert_eq!(
        fresh
            .engine(&h, "step", &compact(1, KEY, "budget"))
            .unwrap_err()
            .code
            .as_str(),
        "core.not_initialized"
    );
}

/// Issue 20: our compaction summary's dollars count against the caps of the session it served,
/// attributed as `compaction` in phase 2's spend journal.
#[test]
fn a_compaction_summary_is_charged_to_its_session_as_compaction() {
    let h = host();
    let mut rt = rt(&h);
    let s = step(&mut rt, &h, summarize());
    let outcome = json!({"result": {"text": nine_sections(), "provider": "p", "model": "m", "agentId": "main",
        "audit": {"sessionKey": "agent:main:s"},
        "usage": {"inputTokens": 2000, "outputTokens": 300, "cacheReadTokens": 0, "cacheWriteTokens": 0, "costUsd": 0.0123}}});
    let ok = next(&mut rt, &h, &s, outcome);
    assert_eq!(ok, json!({"value": {"$ref": "outcome.result.text"}}));
    let day = agent_ops::calendar::utc_date(NOW);
    let text = h
        .file_text(&format!("/oc/agent-ops/budget/spend-{day}.jsonl"))
        .expect("spend journal");
    let line: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(line["purpose"], "compaction");
    assert_eq!(line["sessionKey"], "agent:main:s");
    assert_eq!(line["costUsd"], 0.0123, "the reported cost wins");
    assert_eq!(line["source"], "reported");
}
