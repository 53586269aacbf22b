//! Phase 1 through the runtime: the engine methods and hooks as the JS entry calls them,
//! with the in-memory host (state files, clock) and the native host (a real restart).

use agent_ops::audit::read_journal;
use agent_ops::host::{Fault, Host, HostDirs, MemoryHost, NativeHost};
use agent_ops::runtime::Runtime;
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

/// 200k window, 20k output: threshold 167,000, blocking 177,000 (P1-T1).
fn info(provider: bool) -> String {
    json!({
        "openclawStateDir": "/oc", "homeDir": "/home/u", "contextEngineSelected": true,
        "models": [{"provider": "p", "id": "m", "contextWindow": 200000, "maxTokens": 20000}],
        "compactionProvider": if provider { "agent-ops" } else { "" },
    })
    .to_string()
}

fn rt_with(h: &dyn Host, config: &str, provider: bool) -> Runtime {
    let mut rt = Runtime::new();
    let r = rt.init(h, config, &info(provider));
    assert!(r.ok, "{:?}", r.errors);
    rt
}

fn rt(h: &dyn Host) -> Runtime {
    rt_with(h, r#"{"phases":{"bashSecurity":false}}"#, true)
}

fn call(rt: &mut Runtime, h: &dyn Host, method: &str, params: Value) -> Value {
    let v = rt.engine(h, method, &params).unwrap();
    v["value"].clone()
}

fn auto_compact(tokens: u64, key: &str) -> Value {
    json!({"sessionId": SID, "sessionKey": key, "tokenBudget": 200000, "force": true, "currentTokenCount": tokens,
           "compactionTarget": "budget", "runtimeContext": {"trigger": "budget", "forceReason": "preflight_required", "provider": "p", "model": "m"}})
}

fn overflow_compact(tokens: u64) -> Value {
    json!({"sessionId": SID, "sessionKey": KEY, "tokenBudget": 200000, "force": true, "currentTokenCount": tokens,
           "compactionTarget": "budget", "runtimeContext": {"trigger": "overflow", "attempt": 1, "provider": "p", "model": "m"}})
}

fn manual_compact() -> Value {
    json!({"sessionId": SID, "sessionKey": KEY, "tokenBudget": 200000, "force": true, "compactionTarget": "threshold",
           "runtimeContext": {"trigger": "manual", "forceReason": "manual", "provider": "p", "model": "m"}})
}

fn nine_sections() -> String {
    agent_ops::compaction::SECTIONS
        .iter()
        .map(|t| format!("## {t}\nNone.\n"))
        .collect()
}

fn fail_once(rt: &mut Runtime, h: &dyn Host, tokens: u64) -> Value {
    let d = call(rt, h, "compact", auto_compact(tokens, KEY));
    assert_eq!(d["action"], "delegate", "{d}");
    call(
        rt,
        h,
        "compactResult",
        json!({"attempt": d["attempt"], "result": {"ok": false, "compacted": false, "reason": "summarizer HTTP 500"}}),
    )
}

fn codes(h: &dyn Host) -> Vec<String> {
    let path = agent_ops::audit::journal_path("/oc/agent-ops", NOW);
    read_journal(h, &path, 1 << 24)
        .unwrap()
        .into_iter()
        .map(|d| d.code)
        .collect()
}

#[test]
fn p1_t4_three_failures_trip_the_breaker_and_the_fourth_is_refused_benignly() {
    let h = host();
    let mut rt = rt(&h);
    for _ in 0..3 {
        let v = fail_once(&mut rt, &h, 190_000);
        // Never {ok:false} on an automatic host call (openclaw.md §13.2).
        assert_eq!(v["ok"], true, "{v}");
        assert_eq!(v["compacted"], false);
    }
    let v = call(&mut rt, &h, "compact", auto_compact(190_000, KEY));
    assert_eq!(
        v["action"], "return",
        "no delegate call once the breaker is open: {v}"
    );
    assert_eq!(v["value"]["ok"], true);
    assert!(v["value"]["reason"]
        .as_str()
        .unwrap()
        .starts_with("agent-ops[compaction.skip.breaker_open]"));
    assert!(v["value"]["reason"]
        .as_str()
        .unwrap()
        .contains("already compacted"));
    let c = codes(&h);
    assert_eq!(
        c.iter()
            .filter(|c| *c == "compaction.failed.delegate")
            .count(),
        3
    );
    assert_eq!(
        c.iter()
            .filter(|c| *c == "compaction.breaker.tripped")
            .count(),
        1
    );
    assert!(c.contains(&"compaction.skip.breaker_open".to_string()));
}

#[test]
fn p1_t5_manual_compaction_bypasses_the_open_breaker_and_closes_it() {
    let h = host();
    let mut rt = rt(&h);
    for _ in 0..3 {
        fail_once(&mut rt, &h, 190_000);
    }
    let d = call(&mut rt, &h, "compact", manual_compact());
    assert_eq!(d["action"], "delegate");
    let r = call(
        &mut rt,
        &h,
        "compactResult",
        json!({"attempt": d["attempt"], "result": {"ok": true, "compacted": true, "result": {"summary": nine_sections(), "tokensBefore": 190000, "tokensAfter": 30000}}}),
    );
    assert_eq!(
        r,
        Value::Null,
        "the delegate's own result goes back to OpenClaw"
    );
    let d = call(&mut rt, &h, "compact", auto_compact(190_000, KEY));
    assert_eq!(d["action"], "delegate", "breaker closed again: {d}");
}

#[test]
fn p1_t6_overflow_with_the_breaker_open_fails_explicitly() {
    let h = host();
    let mut rt = rt(&h);
    for _ in 0..3 {
        fail_once(&mut rt, &h, 190_000);
    }
    let v = call(&mut rt, &h, "compact", overflow_compact(210_000));
    assert_eq!(v["action"], "return");
    assert_eq!(v["value"]["ok"], false);
    assert!(v["value"]["reason"]
        .as_str()
        .unwrap()
        .starts_with("agent-ops[compaction.refused.breaker_open]"));
}

#[test]
fn p1_t3_and_t22_gate_answers_on_host_calls() {
    let h = host();
    let mut rt = rt(&h);
    let v = call(&mut rt, &h, "compact", auto_compact(166_999, KEY));
    assert!(v["value"]["reason"]
        .as_str()
        .unwrap()
        .starts_with("agent-ops[compaction.skip.below_threshold]"));
    let d = call(&mut rt, &h, "compact", auto_compact(167_000, KEY));
    assert_eq!(d["action"], "delegate");
    // A second call while the first is in flight (P1-T22): refused with the in-flight code.
    let v = call(&mut rt, &h, "compact", auto_compact(170_000, KEY));
    assert!(
        v["value"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("agent-ops[compaction.skip.in_flight]"),
        "{v}"
    );
}

#[test]
fn p1_t8_internal_sessions_are_never_gated_into_compaction() {
    let h = host();
    let mut rt = rt(&h);
    let key = "agent:main:internal-session-effects:run-1-0123456789abcdef";
    // A host call for an internal run is delegated without gating (condition 2) …
    let d = call(&mut rt, &h, "compact", auto_compact(190_000, key));
    assert_eq!(d["action"], "delegate");
    assert!(d.get("attempt").is_none() || d["attempt"].is_null());
    // … and our own post-turn check never starts one.
    let sid = "internal-session-effects-run-1";
    call(
        &mut rt,
        &h,
        "commitTurn",
        json!({"advancementKey": "k-int", "admission": {"sessionId": sid, "sessionKey": key},
        "messages": [{"role": "assistant", "content": "x", "usage": {"input": 190000, "output": 10}}]}),
    );
    let m = call(
        &mut rt,
        &h,
        "maintain",
        json!({"sessionId": sid, "sessionKey": key, "runtimeContext": {"provider": "p", "modelId": "m"}}),
    );
    assert_eq!(m["action"], "none");
    assert!(codes(&h).contains(&"compaction.skip.recursion".to_string()));
}

#[test]
fn p1_t7_ineffective_compaction_counts_and_arms_the_thrash_guard() {
    let h = host();
    let mut rt = rt(&h);
    let d = call(&mut rt, &h, "compact", auto_compact(180_000, KEY));
    call(
        &mut rt,
        &h,
        "compactResult",
        json!({"attempt": d["attempt"], "result": {"ok": true, "compacted": true, "result": {"summary": nine_sections(), "tokensBefore": 180000, "tokensAfter": 170000}}}),
    );
    let v = call(&mut rt, &h, "compact", auto_compact(171_000, KEY));
    assert!(
        v["value"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("agent-ops[compaction.skip.thrash_guard]"),
        "{v}"
    );
    assert_eq!(
        call(&mut rt, &h, "compact", auto_compact(184_000, KEY))["action"],
        "delegate"
    );
    assert!(codes(&h).contains(&"compaction.ineffective".to_string()));
}

#[test]
fn p1_t20_summary_without_pending_tasks_is_a_failure() {
    let h = host();
    let mut rt = rt(&h);
    let d = call(&mut rt, &h, "compact", auto_compact(180_000, KEY));
    let summary = nine_sections().replace("Pending tasks", "Leftovers");
    call(
        &mut rt,
        &h,
        "compactResult",
        json!({"attempt": d["attempt"], "result": {"ok": true, "compacted": true, "result": {"summary": summary, "tokensBefore": 180000, "tokensAfter": 20000}}}),
    );
    assert!(codes(&h).contains(&"compaction.failed.summary_incomplete".to_string()));
    // The provider's own check refuses the text up front.
    let c = call(
        &mut rt,
        &h,
        "summaryCheck",
        json!({"text": nine_sections().replace("Pending tasks", "x")}),
    );
    assert_eq!(c["ok"], false);
    assert_eq!(c["missing"], json!(["Pending tasks"]));
    assert_eq!(
        call(
            &mut rt,
            &h,
            "summaryCheck",
            json!({"text": nine_sections()})
        )["ok"],
        true
    );
}

#[test]
fn built_in_summaries_are_not_checked_without_our_provider() {
    let h = host();
    let mut rt = rt_with(&h, r#"{"phases":{"bashSecurity":false}}"#, false);
    let d = call(&mut rt, &h, "compact", auto_compact(180_000, KEY));
    call(
        &mut rt,
        &h,
        "compactResult",
        json!({"attempt": d["attempt"], "result": {"ok": true, "compacted": true, "result": {"summary": "## Decisions\n", "tokensAfter": 20000}}}),
    );
    assert!(codes(&h).contains(&"compaction.ok".to_string()));
}

#[test]
fn p1_t16_breaker_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("agent-ops-p1-t16-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cfg =
        json!({"stateDir": dir.to_string_lossy(), "phases": {"bashSecurity": false}}).to_string();
    let h = NativeHost::new(HostDirs {
        home_dir: "/home/u".into(),
        ..HostDirs::default()
    });
    {
        let mut rt = rt_with(&h, &cfg, true);
        for _ in 0..3 {
            fail_once(&mut rt, &h, 190_000);
        }
    } // the process "dies": only the files remain
    let mut rt = rt_with(&h, &cfg, true);
    let v = call(&mut rt, &h, "compact", auto_compact(190_000, KEY));
    assert_eq!(v["action"], "return");
    assert!(v["value"]["reason"]
        .as_str()
        .unwrap()
        .starts_with("agent-ops[compaction.skip.breaker_open]"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn p1_r21_failed_state_writes_are_retried() {
    let h = host();
    let mut rt = rt(&h);
    h.inject(Fault::FailWrites("/compaction/".into()));
    let v = rt
        .engine(&h, "compact", &auto_compact(180_000, KEY))
        .unwrap();
    assert!(v["diagnostics"]
        .to_string()
        .contains("compaction.state.write_failed"));
    assert_eq!(
        v["value"]["action"], "delegate",
        "the in-memory state still works"
    );
    h.clear_faults();
    call(
        &mut rt,
        &h,
        "compactResult",
        json!({"attempt": v["value"]["attempt"], "result": {"ok": false}}),
    );
    let text = h.file_text("/oc/agent-ops/compaction/sess-1.json").unwrap();
    assert!(text.contains("\"consecutiveFailures\": 1"), "{text}");
}

#[test]
fn p1_t19_commit_turn_is_idempotent() {
    let h = host();
    let mut rt = rt(&h);
    let p = json!({"advancementKey": "k1", "admission": {"sessionId": SID}, "messages": []});
    assert_eq!(
        call(&mut rt, &h, "commitTurn", p.clone())["status"],
        "committed"
    );
    assert_eq!(call(&mut rt, &h, "commitTurn", p)["status"], "duplicate");
}

#[test]
fn p1_t15_invalid_messages_pass_through_and_are_recorded() {
    let h = host();
    let mut rt = rt(&h);
    let v = rt
        .engine(&h, "assemble", &json!({"sessionId": SID, "messages": "x"}))
        .unwrap();
    assert_eq!(v["value"]["clear"], json!([]));
    assert_eq!(v["invalidInput"]["code"], "core.invalid_input");
    assert!(codes(&h).contains(&"core.invalid_input".to_string()));
    let v = rt
        .engine(
            &h,
            "compact",
            &json!({"sessionId": SID, "currentTokenCount": -5}),
        )
        .unwrap();
    assert_eq!(
        v["value"]["action"], "delegate",
        "compact falls back to delegating"
    );
    let v = rt.engine(&h, "commitTurn", &json!(7)).unwrap();
    assert_eq!(v["value"]["status"], "committed");
}

fn transcript(results: usize, usage: u64) -> Value {
    let mut v = vec![json!({"role": "user", "content": "go", "timestamp": NOW - 1000})];
    for i in 0..results {
        v.push(json!({"role": "assistant", "timestamp": NOW - 900, "content": [{"type": "toolCall", "id": format!("c{i}"), "name": "exec", "arguments": {"command": "ls"}}]}));
        v.push(json!({"role": "toolResult", "toolCallId": format!("c{i}"), "toolName": "exec", "content": [{"type": "text", "text": "word ".repeat(2000)}]}));
    }
    v.push(json!({"role": "assistant", "timestamp": NOW - 800, "content": [{"type": "text", "text": "done"}], "usage": {"input": usage, "output": 20}}));
    Value::Array(v)
}

#[test]
fn p1_t10_pressure_microcompaction_in_assemble() {
    let h = host();
    let mut rt = rt(&h);
    // Warning is 147,000: at 160,000 tokens every eligible result goes (each saves ~3.3k).
    let v = call(
        &mut rt,
        &h,
        "assemble",
        json!({"sessionId": SID, "sessionKey": KEY, "messages": transcript(9, 160_000), "runtimeContext": {"provider": "p", "model": "m"}}),
    );
    assert_eq!(v["clear"], json!([2, 4, 6, 8]));
    assert!(v["estimatedTokens"].as_u64().unwrap() < 160_020);
    // Below the warning nothing new is cleared (another session: nothing at all); what this
    // session's projection cleared stays cleared (issue 20 item 5, see the test below).
    let v = call(
        &mut rt,
        &h,
        "assemble",
        json!({"sessionId": "s2", "sessionKey": "agent:main:other", "messages": transcript(9, 100_000)}),
    );
    assert_eq!(v["clear"], json!([]));
    assert!(codes(&h).contains(&"compaction.microcompact.applied".to_string()));
}

fn applied(h: &dyn Host) -> usize {
    codes(h)
        .iter()
        .filter(|c| *c == "compaction.microcompact.applied")
        .count()
}

/// Issue 20 item 5 (changes P1-R16's default): under pressure every eligible result is cleared in
/// one batch, and a result the projection cleared stays cleared while the count is back under
/// the warning, until the session compacts. Before, the next call saw the smaller count of the
/// cleared prompt, cleared fewer results and restored the others: the middle of the prompt
/// flipped between calls and the provider's prompt cache missed from there on every time.
#[test]
fn issue20_pressure_clearing_is_batched_and_sticky_until_compaction() {
    let h = host();
    let mut rt = rt(&h);
    let asm = |rt: &mut Runtime, results: usize, usage: u64| {
        call(
            rt,
            &h,
            "assemble",
            json!({"sessionId": SID, "sessionKey": KEY, "messages": transcript(results, usage), "runtimeContext": {"provider": "p", "model": "m"}}),
        )
    };
    // Warning 147,000; 148,000 tokens: one result would do, the batch clears all four.
    assert_eq!(asm(&mut rt, 9, 148_000)["clear"], json!([2, 4, 6, 8]));
    assert_eq!(applied(&h), 1);
    // The next call reports the cleared prompt's smaller count: the same four stay cleared, no
    // new pass is journaled, and two newer eligible results (indices 10, 12) are not touched.
    assert_eq!(asm(&mut rt, 9, 135_000)["clear"], json!([2, 4, 6, 8]));
    assert_eq!(asm(&mut rt, 11, 135_000)["clear"], json!([2, 4, 6, 8]));
    assert_eq!(applied(&h), 1);
    // Pressure again: the next batch extends the cleared prefix, never reorders it.
    assert_eq!(
        asm(&mut rt, 11, 150_000)["clear"],
        json!([2, 4, 6, 8, 10, 12])
    );
    assert_eq!(applied(&h), 2);
    // A compaction ends the stickiness (its transcript no longer has those results).
    let d = call(&mut rt, &h, "compact", manual_compact());
    call(
        &mut rt,
        &h,
        "compactResult",
        json!({"attempt": d["attempt"], "result": {"ok": true, "compacted": true, "result": {"summary": nine_sections(), "tokensAfter": 1000}}}),
    );
    assert_eq!(asm(&mut rt, 11, 1_000)["clear"], json!([]));
}

/// `microcompact.pressureBatch: false` keeps P1-R16's minimal pass, and it is sticky too.
#[test]
fn issue20_minimal_pressure_pass_is_sticky() {
    let h = host();
    let mut rt = rt_with(
        &h,
        r#"{"phases":{"bashSecurity":false,"compaction":{"microcompact":{"pressureBatch":false}}}}"#,
        true,
    );
    let asm = |rt: &mut Runtime, usage: u64| {
        call(
            rt,
            &h,
            "assemble",
            json!({"sessionId": SID, "sessionKey": KEY, "messages": transcript(9, usage), "runtimeContext": {"provider": "p", "model": "m"}}),
        )
    };
    assert_eq!(asm(&mut rt, 148_000)["clear"], json!([2]));
    assert_eq!(asm(&mut rt, 145_000)["clear"], json!([2]));
    assert_eq!(asm(&mut rt, 150_000)["clear"], json!([2, 4]));
}

#[test]
fn p1_r14_time_based_microcompaction_needs_the_idle_gap_and_a_main_session() {
    let h = host();
    let mut rt = rt(&h);
    h.set_now(NOW + 61 * 60_000);
    let v = call(
        &mut rt,
        &h,
        "assemble",
        json!({"sessionId": SID, "sessionKey": KEY, "messages": transcript(7, 1_000)}),
    );
    assert_eq!(v["clear"], json!([2, 4]));
    let v = call(
        &mut rt,
        &h,
        "assemble",
        json!({"sessionId": "s2", "sessionKey": "agent:main:subagent:abc", "messages": transcript(7, 1_000)}),
    );
    assert_eq!(v["clear"], json!([]));
    h.set_now(NOW);
    let v = call(
        &mut rt,
        &h,
        "assemble",
        json!({"sessionId": "s3", "sessionKey": "agent:main:fresh", "messages": transcript(7, 1_000)}),
    );
    assert_eq!(v["clear"], json!([]));
    // The session whose gap cleared them keeps them cleared (issue 20 item 5: a stable prefix).
    let v = call(
        &mut rt,
        &h,
        "assemble",
        json!({"sessionId": SID, "sessionKey": KEY, "messages": transcript(7, 1_000)}),
    );
    assert_eq!(v["clear"], json!([2, 4]));
}

#[test]
fn own_threshold_compaction_from_the_post_turn_maintain() {
    let h = host();
    let mut rt = rt(&h);
    // No maintain work before a committed turn.
    let m = call(
        &mut rt,
        &h,
        "maintain",
        json!({"sessionId": SID, "sessionKey": KEY}),
    );
    assert_eq!(m["action"], "none");
    call(
        &mut rt,
        &h,
        "commitTurn",
        json!({"advancementKey": "t1", "admission": {"sessionId": SID, "sessionKey": KEY},
        "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok", "usage": {"input": 168000, "output": 100}}]}),
    );
    let m = call(
        &mut rt,
        &h,
        "maintain",
        json!({"sessionId": SID, "sessionKey": KEY, "runtimeContext": {"provider": "p", "modelId": "m", "modelContextWindow": 200000}}),
    );
    assert_eq!(m["action"], "delegate", "{m}");
    assert!(m["customInstructions"]
        .as_str()
        .unwrap()
        .contains("Pending tasks"));
    let r = call(
        &mut rt,
        &h,
        "compactResult",
        json!({"attempt": m["attempt"], "result": {"ok": true, "compacted": true, "result": {"summary": nine_sections(), "tokensAfter": 9000}}}),
    );
    assert_eq!(r, Value::Null);
    // The post-turn check ran once: the next maintain without a new turn does nothing.
    assert_eq!(
        call(
            &mut rt,
            &h,
            "maintain",
            json!({"sessionId": SID, "sessionKey": KEY})
        )["action"],
        "none"
    );
}

#[test]
fn p1_t14_tool_result_persist_caps_oversize_results() {
    let h = host();
    let mut rt = rt(&h);
    let text = "line of tool output\n".repeat(10_000);
    let ev = json!({"toolName": "exec", "toolCallId": "c1", "message": {"role": "toolResult", "toolCallId": "c1", "toolName": "exec", "content": [{"type": "text", "text": text}]}});
    let r = rt
        .dispatch(
            &h,
            "compaction:tool_result_persist",
            &ev,
            &json!({"sessionKey": KEY}),
        )
        .unwrap();
    let capped = r.ret["message"]["content"][0]["text"].as_str().unwrap();
    assert!(capped.chars().count() <= 60_000);
    assert!(capped.contains("characters omitted by agent-ops"));
    assert_eq!(r.ret["message"]["toolCallId"], "c1");
    let mut own = ev.clone();
    own["toolName"] = json!("agent_ops_workers");
    assert_eq!(
        rt.dispatch(&h, "compaction:tool_result_persist", &own, &json!({}))
            .unwrap()
            .ret,
        Value::Null
    );
}

#[test]
fn p1_t21_subagent_compaction_resets_only_its_own_state_and_restores_reads() {
    let h = host();
    let mut rt = rt(&h);
    h.put_file("/home/u/ws/src/main.rs", b"fn main() {}\n");
    rt.dispatch(
        &h,
        "compaction:after_tool_call",
        &json!({"toolName": "read", "params": {"path": "src/main.rs"}}),
        &json!({"sessionId": SID, "sessionKey": KEY, "workspaceDir": "/home/u/ws"}),
    )
    .unwrap();
    let d = call(&mut rt, &h, "compact", manual_compact());
    call(
        &mut rt,
        &h,
        "compactResult",
        json!({"attempt": d["attempt"], "result": {"ok": true, "compacted": true, "result": {"summary": nine_sections(), "tokensAfter": 1000}}}),
    );
    // The first assemble after the success carries the restoration block, once.
    let a = call(
        &mut rt,
        &h,
        "assemble",
        json!({"sessionId": SID, "sessionKey": KEY, "messages": []}),
    );
    let add = a["systemPromptAddition"].as_str().unwrap();
    assert!(add.contains("/home/u/ws/src/main.rs") && add.contains("fn main()"));
    let a = call(
        &mut rt,
        &h,
        "assemble",
        json!({"sessionId": SID, "sessionKey": KEY, "messages": []}),
    );
    assert!(a.get("systemPromptAddition").is_none());
}

#[test]
fn persistent_microcompaction_plans_replacements_before_the_newest_turn() {
    let h = host();
    let mut rt = rt_with(
        &h,
        r#"{"phases":{"bashSecurity":false,"compaction":{"microcompact":{"persist":true}}}}"#,
        true,
    );
    // 160,000 tokens: over the warning (147,000), under the threshold (167,000).
    call(
        &mut rt,
        &h,
        "commitTurn",
        json!({"advancementKey": "t1", "admission": {"sessionId": SID, "sessionKey": KEY},
        "messages": [{"role": "assistant", "content": "ok", "usage": {"input": 160000, "output": 10}}]}),
    );
    let m = call(
        &mut rt,
        &h,
        "maintain",
        json!({"sessionId": SID, "sessionKey": KEY, "runtimeContext": {"provider": "p", "modelId": "m"}}),
    );
    assert_eq!(m["action"], "microcompact", "{m}");
    let mut msgs = transcript(9, 160_000).as_array().unwrap().clone();
    // The newest turn: a user message and two more results that must stay.
    msgs.push(json!({"role": "user", "content": "next"}));
    for i in 0..2 {
        msgs.push(json!({"role": "toolResult", "toolCallId": format!("n{i}"), "toolName": "exec", "content": [{"type": "text", "text": "fresh ".repeat(500)}]}));
    }
    let entries: Vec<Value> = msgs
        .iter()
        .enumerate()
        .map(|(i, m)| json!({"entryId": format!("e{i}"), "message": m}))
        .collect();
    let r = call(
        &mut rt,
        &h,
        "microcompactEntries",
        json!({"sessionId": SID, "sessionKey": KEY, "entries": entries}),
    );
    let ids: Vec<&str> = r["replacements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["entryId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["e2", "e4", "e6", "e8"]);
    assert_eq!(
        r["replacements"][0]["message"]["content"][0]["text"],
        "[Old tool result content cleared]"
    );
    assert_eq!(r["replacements"][0]["message"]["toolCallId"], "c0");
    // Only once per post-turn check.
    let again = call(
        &mut rt,
        &h,
        "microcompactEntries",
        json!({"sessionId": SID, "entries": entries}),
    );
    assert_eq!(again["replacements"], json!([]));
    call(
        &mut rt,
        &h,
        "microcompactPersisted",
        json!({"sessionKey": KEY, "result": {"changed": true, "rewrittenEntries": 4, "bytesFreed": 4000}}),
    );
    assert!(codes(&h).contains(&"compaction.microcompact.persisted".to_string()));
}

/// G-R16: a compaction state file that does not parse (its circuit breaker with it) is kept
/// as `<name>.corrupt-<ms>` and reported, never silently replaced by a fresh one.
#[test]
fn g_r16_a_corrupt_state_file_is_moved_aside() {
    let h = host();
    let mut rt = rt(&h);
    let path = "/oc/agent-ops/compaction/sess-1.json";
    h.put_file(path, b"{\"consecutiveFailures\": 3,");
    let v = rt
        .engine(&h, "compact", &auto_compact(180_000, KEY))
        .unwrap();
    let aside: Vec<String> = h
        .paths()
        .into_iter()
        .filter(|p| p.starts_with(&format!("{path}.corrupt-")))
        .collect();
    assert_eq!(aside.len(), 1, "{:?}", h.paths());
    assert_eq!(
        h.file_text(&aside[0]).as_deref(),
        Some("{\"consecutiveFailures\": 3,")
    );
    let said = v["diagnostics"]
        .to_string()
        .contains("compaction.state.corrupt")
        || h.logs()
            .iter()
            .any(|(_, c, _)| c == "compaction.state.corrupt");
    assert!(said, "{v:#?}");
}

/// G-R18: two processes on one state dir run the same session (the gateway and a `--local`
/// run). The breaker one of them opened survives the other's later save of its older copy
/// (before, the last writer's copy won and the open breaker was lost).
#[test]
fn g_r18_a_breaker_opened_by_another_process_survives_this_ones_save() {
    let h = host();
    let mut cli = rt(&h);
    fail_once(&mut cli, &h, 190_000);
    let mut gateway = rt(&h);
    // The gateway reads the CLI's failure and trips the breaker with two more.
    for _ in 0..2 {
        fail_once(&mut gateway, &h, 190_000);
    }
    assert!(codes(&h).contains(&"compaction.breaker.tripped".to_string()));
    // The CLI still holds its copy (one failure, breaker closed) and saves after another.
    fail_once(&mut cli, &h, 190_000);
    let mut fresh = rt(&h);
    let v = call(&mut fresh, &h, "compact", auto_compact(190_000, KEY));
    assert_eq!(v["action"], "return", "{v}");
    assert!(v["value"]["reason"]
        .as_str()
        .unwrap()
        .starts_with("agent-ops[compaction.skip.breaker_open]"));
}
