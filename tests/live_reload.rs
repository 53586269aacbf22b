//! Live reload (issue 17): a plugin replacement (config hot reload, `plugins reload`,
//! `plugins install --force`) stops the old instance's service and starts the new one's on the
//! same process-wide core. Phase 3 must keep running across it; a replacement OpenClaw refused
//! is applied in place by the running instance; every (re)init reports its `config applied`
//! line; the gateway status file says what is enforced.

use agent_ops::host::{HostDirs, MemoryHost};
use agent_ops::runtime::{HookResponse, JobKind, Runtime, DRIFT_GRACE_MS};
use serde_json::{json, Value};

const NOW: i64 = 1_790_000_000_000;
const STATE: &str = "/state";
const WS: &str = "/home/u/ws";
const KEY: &str = "agent:main:main";

fn host() -> MemoryHost {
    let h = MemoryHost::new(
        HostDirs {
            home_dir: "/home/u".into(),
            workspace_dir: WS.into(),
            openclaw_state_dir: "/oc".into(),
            ..HostDirs::default()
        },
        NOW,
    );
    h.put_file(&format!("{WS}/.git/HEAD"), b"ref: refs/heads/main\n");
    h
}

fn info() -> String {
    json!({"homeDir": "/home/u", "workspaceDir": WS, "conversationAccess": true, "pid": 4242})
        .to_string()
}

/// Phases 3 and 4 on, long-term extraction off; `extra` is merged into `phases`.
fn config(extra: Value) -> Value {
    let mut phases = json!({
        "compaction": false, "loopBudget": false, "memoryScoping": false, "coordinator": false,
        "forkSkills": false, "bashSecurity": {"enabled": true},
        "sessionMemory": {"enabled": true, "longTerm": {"enabled": false}},
    });
    if let (Some(p), Some(e)) = (phases.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            p.insert(k.clone(), v.clone());
        }
    }
    json!({"stateDir": STATE, "phases": phases})
}

fn init(rt: &mut Runtime, h: &MemoryHost, cfg: &Value) {
    let r = rt.init(h, &cfg.to_string(), &info());
    assert!(r.ok, "{:?}", r.errors);
}

fn ctx() -> Value {
    json!({"sessionKey": KEY, "sessionId": "sess-1", "agentId": "main", "workspaceDir": WS})
}

/// A run whose messages cross the notes threshold (`n` makes each run's transcript longer).
fn agent_end(rt: &mut Runtime, h: &MemoryHost, n: usize) -> HookResponse {
    let mut messages = Vec::new();
    for i in 0..n {
        messages.push(json!({"role": "user", "content": format!("step {i}")}));
        messages.push(json!({"role": "assistant", "content": [{"type": "text", "text": "done"}], "usage": {"input": 12_000 * (i + 1), "output": 10}}));
    }
    rt.dispatch(
        h,
        "sessionMemory:agent_end",
        &json!({"runId": format!("run-{n}"), "messages": messages}),
        &ctx(),
    )
    .unwrap()
}

fn llm_ids(r: &HookResponse) -> Vec<String> {
    r.jobs
        .iter()
        .filter(|j| j.kind == JobKind::Llm)
        .map(|j| j.id.clone())
        .collect()
}

fn events_of(h: &MemoryHost, id: &str) -> Vec<String> {
    h.file_text(&format!("{STATE}/jobs/journal.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["jobId"] == id)
        .map(|v| v["event"].as_str().unwrap_or("").to_string())
        .collect()
}

fn notes(tag: &str) -> Value {
    let text = agent_ops::session_memory::TEMPLATE
        .iter()
        .enumerate()
        .map(|(i, (h, d))| format!("{h}\n{d}\n{}\n", if i == 1 { tag } else { "" }))
        .collect::<Vec<_>>()
        .join("\n");
    json!({"ok": true, "text": text})
}

fn service(rt: &mut Runtime, h: &MemoryHost, handler: &str, n: u64) -> HookResponse {
    rt.dispatch(h, handler, &json!({"service": n}), &Value::Null)
        .unwrap()
}

fn status(h: &MemoryHost) -> Value {
    serde_json::from_str(
        &h.file_text(&format!("{STATE}/gateway-status.json"))
            .unwrap(),
    )
    .unwrap()
}

fn rm_root(rt: &mut Runtime, h: &MemoryHost) -> Value {
    rt.dispatch(
        h,
        "bashSecurity:before_tool_call",
        &json!({"toolName": "exec", "params": {"command": "rm -rf ~"}, "runId": "r", "toolCallId": "c"}),
        &json!({"sessionKey": KEY}),
    )
    .unwrap()
    .ret
}

#[test]
fn issue17_a_replacement_after_a_service_stop_keeps_phase_3_running() {
    let h = host();
    let mut rt = Runtime::new();
    init(&mut rt, &h, &config(json!({})));
    service(&mut rt, &h, "service_start", 1);
    let first = llm_ids(&agent_end(&mut rt, &h, 1));
    assert_eq!(first.len(), 1, "the first notes job starts");
    rt.complete_job(&h, &first[0], &notes("first")).unwrap();

    // The config hot reload: the old instance's service stops (phase 3 drains) ...
    service(&mut rt, &h, "sessionMemory:service_stop", 1);
    // ... a run ends while the replacement registers: its job can only be journaled.
    let during = agent_end(&mut rt, &h, 2);
    assert!(llm_ids(&during).is_empty());
    // The replacement registers with the new config on the same core.
    init(
        &mut rt,
        &h,
        &config(json!({"loopBudget": {"enabled": true}})),
    );
    // Before issue 17 nothing cleared the shutdown: every later job stayed `enqueued`.
    let started = service(&mut rt, &h, "service_start", 2);
    let replayed = llm_ids(&started);
    assert_eq!(
        replayed.len(),
        1,
        "the journaled job is replayed: {started:?}"
    );
    assert!(started
        .diagnostics
        .iter()
        .any(|d| d.code == "memory.resumed"));
    rt.complete_job(&h, &replayed[0], &notes("replayed"))
        .unwrap();
    assert_eq!(
        events_of(&h, &replayed[0]),
        ["enqueued", "started", "succeeded"]
    );
    // Jobs enqueued after the reload start at once.
    let after = llm_ids(&agent_end(&mut rt, &h, 3));
    assert_eq!(after.len(), 1, "a job enqueued after the reload starts");
    rt.complete_job(&h, &after[0], &notes("after")).unwrap();
    assert_eq!(
        events_of(&h, &after[0]),
        ["enqueued", "started", "succeeded"]
    );
    let text = h
        .file_text(&format!("{STATE}/sessions/sess-1/notes.md"))
        .unwrap();
    assert!(text.contains("after"), "{text}");
}

#[test]
fn issue17_a_stop_of_the_replaced_instance_after_its_successor_started_is_ignored() {
    let h = host();
    let mut rt = Runtime::new();
    init(&mut rt, &h, &config(json!({})));
    service(&mut rt, &h, "service_start", 1);
    init(&mut rt, &h, &config(json!({"loopBudget": true})));
    service(&mut rt, &h, "service_start", 2);
    let late = service(&mut rt, &h, "sessionMemory:service_stop", 1);
    assert!(late.jobs.is_empty(), "no drain for a stale instance");
    assert!(late
        .diagnostics
        .iter()
        .any(|d| d.code == "memory.stop.stale_instance"));
    assert_eq!(llm_ids(&agent_end(&mut rt, &h, 1)).len(), 1);
    // The current instance's stop still drains (a real shutdown).
    service(&mut rt, &h, "sessionMemory:service_stop", 2);
    assert!(llm_ids(&agent_end(&mut rt, &h, 2)).is_empty());
}

#[test]
fn issue17_a_gateway_shutdown_is_not_undone_without_a_new_service() {
    let h = host();
    let mut rt = Runtime::new();
    init(&mut rt, &h, &config(json!({})));
    service(&mut rt, &h, "service_start", 1);
    rt.dispatch(&h, "sessionMemory:gateway_stop", &json!({}), &json!({}))
        .unwrap();
    // A re-init alone (another module evaluation) does not restart work during a shutdown.
    init(&mut rt, &h, &config(json!({})));
    assert!(llm_ids(&agent_end(&mut rt, &h, 1)).is_empty());
    assert!(llm_ids(&rt.tick(&h, 0).unwrap()).is_empty());
}

#[test]
fn issue17_every_init_reports_the_applied_line_and_the_service_writes_the_status() {
    let h = host();
    let mut rt = Runtime::new();
    let r = rt.init(&h, &config(json!({})).to_string(), &info());
    assert_eq!(
        r.applied,
        "agent-ops config applied: on [sessionMemory, bashSecurity] off [compaction, loopBudget, memoryScoping, coordinator, forkSkills]"
    );
    // A phase-4-only config still has the service that checks for config changes.
    let r = rt.init(
        &h,
        &json!({"stateDir": STATE, "phases": {"compaction": false, "sessionMemory": false}})
            .to_string(),
        &info(),
    );
    assert!(r.service.is_some());
    assert!(
        r.applied.contains("off [compaction, sessionMemory"),
        "{}",
        r.applied
    );
    service(&mut rt, &h, "service_start", 1);
    let st = status(&h);
    assert_eq!(st["pid"], 4242);
    assert_eq!(st["on"][0], "loopBudget");
    assert!(st["pending"].is_null());
    assert_eq!(st["config"]["phases"]["sessionMemory"], false);
    // A config with a typo still applies, with defaults for the bad key and its error (issue
    // 17 item 3, merged after this test was written: a typo never unloads the plugin).
    let bad = Runtime::new().init(&h, r#"{"phases":{"bashSecurty":true}}"#, &info());
    assert!(bad.ok);
    assert!(!bad.config_errors.is_empty());
    assert!(bad.applied.contains("bashSecurity"), "{}", bad.applied);
}

#[test]
fn issue17_a_refused_replacement_is_applied_in_place_after_the_grace() {
    let h = host();
    let mut rt = Runtime::new();
    let cfg = config(json!({}));
    init(&mut rt, &h, &cfg);
    service(&mut rt, &h, "service_start", 1);
    assert_eq!(rm_root(&mut rt, &h)["block"], true);
    let check = |rt: &mut Runtime, c: &Value| {
        rt.dispatch(&h, "config_check", &json!({"config": c}), &Value::Null)
            .unwrap()
    };
    // Unchanged config: nothing to do.
    assert!(check(&mut rt, &cfg).diagnostics.is_empty());
    // Phase 4 switched off; OpenClaw refused the replacement (a model call was in flight).
    let off = config(json!({"bashSecurity": false}));
    let early = check(&mut rt, &off);
    assert!(
        early.ret.is_null() && early.diagnostics.is_empty(),
        "waits for OpenClaw's replacement first"
    );
    assert_eq!(rm_root(&mut rt, &h)["block"], true);
    h.advance(DRIFT_GRACE_MS as u64);
    let applied = check(&mut rt, &off);
    assert!(
        applied
            .diagnostics
            .iter()
            .any(|d| d.code == "core.config.applied_in_place"),
        "{:?}",
        applied.diagnostics
    );
    let line = applied.ret["applied"]["line"].as_str().unwrap();
    assert!(
        line.split(" off ").nth(1).unwrap().contains("bashSecurity"),
        "{line}"
    );
    assert!(
        rm_root(&mut rt, &h).is_null(),
        "phase 4 is off in the running instance"
    );
    let st = status(&h);
    assert!(!st["on"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p == "bashSecurity"));
    assert!(st["missing"].as_array().unwrap().is_empty());
    // The next check finds nothing to do.
    assert!(check(&mut rt, &off).diagnostics.is_empty());

    // Switched back on: this instance still has the phase 4 hook (it registered it at start).
    let on = config(json!({}));
    check(&mut rt, &on);
    h.advance(DRIFT_GRACE_MS as u64);
    let again = check(&mut rt, &on);
    assert!(again
        .diagnostics
        .iter()
        .any(|d| d.code == "core.config.applied_in_place"));
    assert_eq!(rm_root(&mut rt, &h)["block"], true);

    // A phase whose hooks this instance never registered is reported loudly and recorded.
    let more = config(json!({"loopBudget": {"enabled": true}}));
    check(&mut rt, &more);
    h.advance(DRIFT_GRACE_MS as u64);
    let loud = check(&mut rt, &more);
    let need = loud
        .diagnostics
        .iter()
        .find(|d| d.code == "core.config.reload_needed")
        .expect("reload_needed");
    assert!(need.message.contains("loopBudget"), "{}", need.message);
    assert!(need.message.contains("openclaw plugins reload agent-ops"));
    let st = status(&h);
    assert!(st["missing"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m.as_str().unwrap().starts_with("loopBudget:")));
    // A real replacement later registers everything: its init clears the missing handlers.
    init(&mut rt, &h, &more);
    service(&mut rt, &h, "service_start", 2);
    assert!(status(&h)["missing"].as_array().unwrap().is_empty());
}

#[test]
fn issue17_a_refused_replacement_with_a_typo_applies_in_place_with_its_error_and_keeps_phase_4() {
    let h = host();
    let mut rt = Runtime::new();
    init(&mut rt, &h, &config(json!({})));
    service(&mut rt, &h, "service_start", 1);
    let bad = json!({"stateDir": STATE, "phases": {"bashSecurty": false}});
    rt.dispatch(&h, "config_check", &json!({"config": bad}), &Value::Null)
        .unwrap();
    h.advance(DRIFT_GRACE_MS as u64);
    let r = rt
        .dispatch(&h, "config_check", &json!({"config": bad}), &Value::Null)
        .unwrap();
    // The lenient parse (issue 17 item 3) applies it with defaults for the misspelt key and
    // says which key is wrong; phase 4 stays on.
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code == "core.config.applied_in_place"),
        "{:?}",
        r.diagnostics
    );
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.code == "core.config.invalid")
        .expect("core.config.invalid");
    assert!(d.message.contains("bashSecurty"), "{}", d.message);
    assert_eq!(
        rm_root(&mut rt, &h)["block"],
        true,
        "phase 4 keeps enforcing"
    );
    // Reported once per change, not at every tick.
    h.advance(2_000);
    let quiet = rt
        .dispatch(&h, "config_check", &json!({"config": bad}), &Value::Null)
        .unwrap();
    assert!(quiet.diagnostics.is_empty());
}

#[test]
fn issue17_the_config_file_wins_over_openclaws_snapshot_after_a_failed_reload() {
    // OpenClaw's reload failed as a whole: its snapshot (`event.config`) still holds the old
    // config, the file holds the new one. The file is in OpenClaw's state dir as this host
    // reports it (`/oc`; HostInfo::openclaw_dir, the one fallback chain since issue 18).
    let h = host();
    let mut rt = Runtime::new();
    let old = config(json!({}));
    init(&mut rt, &h, &old);
    service(&mut rt, &h, "service_start", 1);
    let new = config(json!({"bashSecurity": false}));
    h.put_file(
        "/oc/openclaw.json",
        json!({"plugins": {"entries": {"agent-ops": {"enabled": true, "config": new}}}})
            .to_string()
            .as_bytes(),
    );
    let check = |rt: &mut Runtime| {
        rt.dispatch(&h, "config_check", &json!({"config": old}), &Value::Null)
            .unwrap()
    };
    assert!(check(&mut rt).diagnostics.is_empty());
    h.advance(DRIFT_GRACE_MS as u64);
    let r = check(&mut rt);
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code == "core.config.applied_in_place"),
        "{:?}",
        r.diagnostics
    );
    assert!(rm_root(&mut rt, &h).is_null());
    // A file OpenClaw could read but this check cannot (JSON5) falls back to the snapshot.
    h.put_file("/oc/openclaw.json", b"{ plugins: { // json5\n } }");
    h.advance(DRIFT_GRACE_MS as u64);
    check(&mut rt);
    h.advance(DRIFT_GRACE_MS as u64);
    let back = check(&mut rt);
    assert!(back
        .diagnostics
        .iter()
        .any(|d| d.code == "core.config.applied_in_place"));
    assert_eq!(rm_root(&mut rt, &h)["block"], true);
}

#[test]
fn issue17_a_file_that_never_matched_the_applied_config_is_not_a_change() {
    // `${VAR}` in the file: OpenClaw hands the plugin the substituted value, the file keeps
    // the reference. Neither that nor any later state of the file is taken for an edit.
    let h = host();
    let mut rt = Runtime::new();
    let applied = config(json!({}));
    let mut raw = applied.clone();
    raw["phases"]["bashSecurity"] = json!({"enabled": true, "askAction": "${ASK}"});
    h.put_file(
        "/oc/openclaw.json",
        json!({"plugins": {"entries": {"agent-ops": {"config": raw}}}})
            .to_string()
            .as_bytes(),
    );
    init(&mut rt, &h, &applied);
    service(&mut rt, &h, "service_start", 1);
    for _ in 0..3 {
        h.advance(DRIFT_GRACE_MS as u64);
        let r = rt
            .dispatch(
                &h,
                "config_check",
                &json!({"config": applied}),
                &Value::Null,
            )
            .unwrap();
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    }
    assert_eq!(rm_root(&mut rt, &h)["block"], true);
}
