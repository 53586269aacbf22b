//! Issue 19 (OC-R7): jobs in flight while the plugin's core is replaced. `openclaw plugins
//! reload`, a re-install over a running gateway and the recovery from a trap give the process
//! a new core (a fresh `Runtime`) while the binding layer still runs jobs the previous core
//! issued; their outcomes reach a core that has no record of them. Each gets a
//! `core.job.unknown` warning naming the job and what became of it, nothing panics, nothing is
//! written from the unchecked result, and phase 3's jobs run again in the new core. A config
//! hot reload re-initialises the same core instead: its jobs in flight stay known.

use agent_ops::host::{HostDirs, MemoryHost};
use agent_ops::runtime::{Diagnostic, HookResponse, JobKind, Runtime};
use agent_ops::session_memory::TEMPLATE;
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

fn core(h: &MemoryHost, phases: Value) -> Runtime {
    let mut rt = Runtime::new();
    let cfg = json!({"stateDir": STATE, "phases": phases});
    let r = rt.init(
        h,
        &cfg.to_string(),
        &json!({"homeDir": "/home/u", "workspaceDir": WS, "conversationAccess": true}).to_string(),
    );
    assert!(r.ok, "{:?}", r.errors);
    rt
}

fn memory_phases() -> Value {
    json!({"bashSecurity": false, "compaction": false, "loopBudget": false, "memoryScoping": {"enabled": true}, "sessionMemory": {"enabled": true, "longTerm": {"enabled": false}}})
}

fn service(rt: &mut Runtime, h: &MemoryHost, handler: &str, n: u64) -> HookResponse {
    rt.dispatch(h, handler, &json!({"service": n}), &Value::Null)
        .unwrap()
}

fn agent_end(rt: &mut Runtime, h: &MemoryHost) -> HookResponse {
    let messages = json!([
        {"role": "user", "content": "plan the release"},
        {"role": "assistant", "content": [{"type": "text", "text": "planned"}], "usage": {"input": 12_000, "output": 10}}
    ]);
    rt.dispatch(
        h,
        "sessionMemory:agent_end",
        &json!({"runId": "run-abcdef123", "messages": messages}),
        &json!({"sessionKey": KEY, "sessionId": "sess-1", "agentId": "main", "workspaceDir": WS}),
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

fn notes(tag: &str) -> Value {
    let text = TEMPLATE
        .iter()
        .enumerate()
        .map(|(i, (h, d))| format!("{h}\n{d}\n{}\n", if i == 1 { tag } else { "" }))
        .collect::<Vec<_>>()
        .join("\n");
    json!({"ok": true, "text": text, "provider": "fake", "model": "fake-model", "usage": {"inputTokens": 900, "outputTokens": 80, "cacheReadTokens": 0, "cacheWriteTokens": 0}})
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

fn unknown<'a>(r: &'a HookResponse, id: &str) -> Vec<&'a Diagnostic> {
    r.diagnostics
        .iter()
        .filter(|d| d.code == "core.job.unknown" && d.message.contains(id))
        .collect()
}

fn notes_text(h: &MemoryHost) -> String {
    h.file_text(&format!("{STATE}/sessions/sess-1/notes.md"))
        .unwrap_or_default()
}

fn session_notes_costs(h: &MemoryHost) -> usize {
    h.paths()
        .iter()
        .filter(|p| p.starts_with(&format!("{STATE}/costs/")))
        .filter_map(|p| h.file_text(p))
        .flat_map(|t| t.lines().map(str::to_string).collect::<Vec<_>>())
        .filter(|l| l.contains("\"purpose\":\"session_notes\""))
        .count()
}

#[test]
fn issue19_a_notes_job_finishing_in_a_new_core_is_requeued_and_runs_again() {
    let h = host();
    let mut old = core(&h, memory_phases());
    service(&mut old, &h, "service_start", 1);
    let ids = llm_ids(&agent_end(&mut old, &h));
    assert_eq!(ids.len(), 1);
    let id = ids[0].clone();
    // `plugins reload`: the old instance's service stops (its drain ends before the job
    // does), then the new build's core starts and its service starts.
    service(&mut old, &h, "sessionMemory:service_stop", 1);
    drop(old);
    let mut new = core(&h, memory_phases());
    let started = service(&mut new, &h, "service_start", 2);
    // The previous core's lock on the job (this process, within its TTL) keeps the replay
    // from starting it twice while it may still be running.
    assert!(llm_ids(&started).is_empty(), "{started:?}");

    // The job the old core issued finishes in the new core.
    h.advance(5_000);
    let done = new.complete_job(&h, &id, &notes("STALE")).unwrap();
    let warn = unknown(&done, &id);
    assert_eq!(warn.len(), 1, "{:?}", done.diagnostics);
    assert_eq!(warn[0].level, agent_ops::host::LogLevel::Warn);
    assert!(
        warn[0].message.contains("session_notes"),
        "{}",
        warn[0].message
    );
    assert!(warn[0].message.contains("re-queued"), "{}", warn[0].message);
    assert!(
        llm_ids(&done).is_empty(),
        "it starts at the tick, not inside the completion"
    );
    // Nothing was applied from a result this core cannot check; the spend is recorded.
    assert!(!notes_text(&h).contains("STALE"));
    assert_eq!(events_of(&h, &id), ["enqueued", "started"]);
    assert_eq!(session_notes_costs(&h), 1);
    assert!(
        h.file_text(&format!("{STATE}/locks/job-{id}")).is_none(),
        "the dead core's job lock is released"
    );

    // The next tick runs it again; its result is applied once.
    let t = new.tick(&h, 0).unwrap();
    assert_eq!(llm_ids(&t), [id.as_str()]);
    let ok = new.complete_job(&h, &id, &notes("RERUN")).unwrap();
    assert!(unknown(&ok, &id).is_empty(), "{:?}", ok.diagnostics);
    assert_eq!(
        events_of(&h, &id),
        ["enqueued", "started", "started", "succeeded"]
    );
    assert!(notes_text(&h).contains("RERUN"));
    assert_eq!(session_notes_costs(&h), 2);
    // A second late copy of the old result changes nothing.
    let late = new.complete_job(&h, &id, &notes("LATE")).unwrap();
    assert!(unknown(&late, &id)[0]
        .message
        .contains("already ended (succeeded)"));
    assert!(llm_ids(&new.tick(&h, 0).unwrap()).is_empty());
    assert!(!notes_text(&h).contains("LATE"));
}

#[test]
fn issue19_a_failed_attempt_in_a_new_core_is_requeued_without_counting_a_failure() {
    // The job's abort (its timeout) reaches the new core: the attempt is not the job's fault,
    // so it runs again and its attempts left are unchanged.
    let h = host();
    let mut old = core(&h, memory_phases());
    service(&mut old, &h, "service_start", 1);
    let id = llm_ids(&agent_end(&mut old, &h))[0].clone();
    drop(old);
    let mut new = core(&h, memory_phases());
    service(&mut new, &h, "service_start", 2);
    let r = new
        .complete_job(&h, &id, &json!({"ok": false, "aborted": true, "error": "The operation was aborted due to timeout"}))
        .unwrap();
    assert_eq!(unknown(&r, &id).len(), 1);
    assert_eq!(events_of(&h, &id), ["enqueued", "started"]);
    assert_eq!(llm_ids(&new.tick(&h, 0).unwrap()), [id.as_str()]);
    new.complete_job(&h, &id, &notes("AFTER")).unwrap();
    assert_eq!(
        events_of(&h, &id),
        ["enqueued", "started", "started", "succeeded"]
    );
}

#[test]
fn issue19_a_completion_before_the_new_service_starts_waits_for_it() {
    // The old service stopped (no tick runs) and the new core sees the result first: the
    // job is queued and starts with the new service, once.
    let h = host();
    let mut old = core(&h, memory_phases());
    service(&mut old, &h, "service_start", 1);
    let id = llm_ids(&agent_end(&mut old, &h))[0].clone();
    drop(old);
    let mut new = core(&h, memory_phases());
    let r = new.complete_job(&h, &id, &notes("STALE")).unwrap();
    assert_eq!(unknown(&r, &id).len(), 1, "{:?}", r.diagnostics);
    let started = service(&mut new, &h, "service_start", 2);
    assert_eq!(llm_ids(&started), [id.as_str()], "{started:?}");
    new.complete_job(&h, &id, &notes("ONCE")).unwrap();
    assert_eq!(
        events_of(&h, &id),
        ["enqueued", "started", "started", "succeeded"]
    );
}

fn exec_approval(rt: &mut Runtime, h: &MemoryHost) -> String {
    let r = rt
        .dispatch(
            h,
            "bashSecurity:before_tool_call",
            &json!({"toolName": "exec", "params": {"command": "make build"}, "runId": "run-1", "toolCallId": "call-1"}),
            &json!({"sessionKey": KEY, "agentId": "main", "requester": {"channel": "webchat"}}),
        )
        .unwrap();
    assert!(r.ret.get("requireApproval").is_some(), "{}", r.ret);
    r.jobs
        .iter()
        .find(|j| j.kind == JobKind::Approval)
        .unwrap()
        .id
        .clone()
}

fn shell_phases() -> Value {
    json!({"bashSecurity": {"enabled": true}, "compaction": false, "loopBudget": false, "memoryScoping": false, "sessionMemory": false})
}

#[test]
fn issue19_an_approval_answered_in_a_new_core_is_reported_and_stores_no_grant() {
    let h = host();
    let mut old = core(&h, shell_phases());
    let id = exec_approval(&mut old, &h);
    drop(old);
    let mut new = core(&h, shell_phases());
    let r = new
        .complete_job(&h, &id, &json!({"decision": "allow-always"}))
        .unwrap();
    let warn = unknown(&r, &id);
    assert_eq!(warn.len(), 1, "{:?}", r.diagnostics);
    assert!(
        warn[0].message.contains("approval answered `allow-always`"),
        "{}",
        warn[0].message
    );
    assert!(r.decisions.is_empty());
    assert!(
        !h.paths().iter().any(|p| p.contains("grants")),
        "{:?}",
        h.paths()
    );
}

#[test]
fn issue19_a_config_hot_reload_keeps_the_approvals_in_flight() {
    // A config hot reload re-initialises the same core: the answer is recorded as usual.
    let h = host();
    let mut rt = core(&h, shell_phases());
    let id = exec_approval(&mut rt, &h);
    let cfg = json!({"stateDir": STATE, "phases": {"bashSecurity": {"enabled": true}, "compaction": false, "loopBudget": {"enabled": true}, "memoryScoping": false, "sessionMemory": false}});
    let info = json!({"homeDir": "/home/u", "workspaceDir": WS, "conversationAccess": true});
    assert!(rt.init(&h, &cfg.to_string(), &info.to_string()).ok);
    let r = rt
        .complete_job(&h, &id, &json!({"decision": "deny"}))
        .unwrap();
    assert!(unknown(&r, &id).is_empty(), "{:?}", r.diagnostics);
    assert_eq!(r.decisions[0].code, "exec.approval.deny");
    // A new approval after the re-init gets an id of its own.
    let next = exec_approval(&mut rt, &h);
    assert_ne!(next, id);
}

#[test]
fn issue19_outcomes_of_other_or_unknown_jobs_are_reported_without_effect() {
    let h = host();
    let mut rt = core(&h, memory_phases());
    for (id, outcome, says) in [
        (
            "skill-disable-evil-skill-1790000000000",
            json!({"ok": true}),
            "skills.entries.evil-skill.enabled = false",
        ),
        (
            "skill-disable-evil-skill-1790000000000",
            json!({"ok": false, "error": "x"}),
            "set skills.entries.evil-skill.enabled to false",
        ),
        (
            "notes-1789999999999-abcd",
            json!({"ok": true, "text": "x"}),
            "nothing to re-run",
        ),
        ("lt-1789999999999-abcd", json!(null), "nothing to re-run"),
        (
            "something-else",
            json!({}),
            "of a kind this build does not issue",
        ),
        ("", json!([]), "of a kind this build does not issue"),
    ] {
        let before = h.paths();
        let r = rt.complete_job(&h, id, &outcome).unwrap();
        let warn = unknown(&r, id);
        assert_eq!(warn.len(), 1, "{id}: {:?}", r.diagnostics);
        assert!(warn[0].message.contains(says), "{id}: {}", warn[0].message);
        assert!(r.jobs.is_empty() && r.decisions.is_empty(), "{id}: {r:?}");
        assert_eq!(h.paths(), before, "{id} wrote state");
    }
    assert!(llm_ids(&rt.tick(&h, 0).unwrap()).is_empty());
}
