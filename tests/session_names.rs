//! Per-session state names (issue 18): one collision-free sanitiser for every phase, and the
//! adoption of state written under the old, colliding names of phases 2, 3 and 6.
//!
//! Before, session ids `a/b` and `a:b` both became `a_b` in phases 2, 3 and 6, so two
//! sessions shared one budget, one notes directory and one coordinator mode file.

use agent_ops::host::{HostDirs, MemoryHost};
use agent_ops::runtime::{HookResponse, JobKind, Runtime};
use agent_ops::session_key::{legacy_budget_name, legacy_session_dir_name, state_name};
use serde_json::{json, Value};

const NOW: i64 = 1_790_000_000_000;
const STATE: &str = "/state";
const WS: &str = "/home/u/ws";

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

fn runtime(h: &MemoryHost, phases: Value) -> Runtime {
    let mut all = json!({"bashSecurity": false, "compaction": false, "loopBudget": false,
        "sessionMemory": false, "memoryScoping": false, "coordinator": false, "forkSkills": false});
    for (k, v) in phases.as_object().unwrap() {
        all[k] = v.clone();
    }
    let mut rt = Runtime::new();
    let cfg = json!({"stateDir": STATE, "phases": all});
    let r = rt.init(
        h,
        &cfg.to_string(),
        &json!({"homeDir": "/home/u", "workspaceDir": WS, "conversationAccess": true}).to_string(),
    );
    assert!(r.ok, "{:?}", r.errors);
    rt
}

fn ctx(sid: &str) -> Value {
    let key = format!(
        "agent:main:{}",
        sid.replace('/', "-slash-")
            .replace(':', "-colon-")
            .replace('.', "-dot-")
    );
    json!({"sessionKey": key, "sessionId": sid,
        "agentId": "main", "workspaceDir": WS, "runId": format!("run-{sid}")})
}

fn budget_hook(
    rt: &mut Runtime,
    h: &MemoryHost,
    name: &str,
    event: Value,
    sid: &str,
) -> HookResponse {
    let mut c = ctx(sid);
    c["runId"] = json!(format!("run-{sid}-{name}"));
    let mut e = event;
    e["runId"] = c["runId"].clone();
    rt.dispatch(h, &format!("loopBudget:{name}"), &e, &c)
        .unwrap()
}

/// One run of `sid` that reports `tokens` of usage.
fn spend(rt: &mut Runtime, h: &MemoryHost, sid: &str, run: &str, tokens: u64) -> HookResponse {
    let mut c = ctx(sid);
    c["runId"] = json!(run);
    let first = rt
        .dispatch(
            h,
            "loopBudget:before_agent_run",
            &json!({"runId": run, "prompt": "go"}),
            &c,
        )
        .unwrap();
    rt.dispatch(
        h,
        "loopBudget:agent_end",
        &json!({"runId": run, "success": true}),
        &c,
    )
    .unwrap();
    rt.dispatch(
        h,
        "loopBudget:llm_output",
        &json!({"runId": run, "usage": {"input": tokens, "output": 0}}),
        &c,
    )
    .unwrap();
    first
}

fn codes(r: &HookResponse) -> Vec<String> {
    r.diagnostics.iter().map(|d| d.code.clone()).collect()
}

#[test]
fn every_phase_names_a_b_and_a_colon_b_apart() {
    let (x, y) = ("a/b", "a:b");
    let name = |id: &str| agent_ops::session_memory::session_dir_name(Some(id), "k");
    let pairs = [
        (
            agent_ops::compaction::state_path(STATE, x),
            agent_ops::compaction::state_path(STATE, y),
        ),
        (
            agent_ops::budget::budget_path(STATE, x),
            agent_ops::budget::budget_path(STATE, y),
        ),
        (
            agent_ops::session_memory::notes_path(STATE, &name(x)),
            agent_ops::session_memory::notes_path(STATE, &name(y)),
        ),
        (
            agent_ops::coordinator::mode_path(STATE, &name(x)),
            agent_ops::coordinator::mode_path(STATE, &name(y)),
        ),
    ];
    for (a, b) in pairs {
        assert_ne!(a, b);
    }
    // The old names were the same: that was the bug.
    assert_eq!(legacy_budget_name(x), legacy_budget_name(y));
    assert_eq!(legacy_session_dir_name(x), legacy_session_dir_name(y));
    // Phase 1's names did not change.
    assert_eq!(
        agent_ops::compaction::state_path(STATE, "sess-1"),
        "/state/compaction/sess-1.json"
    );
}

#[test]
fn budgets_of_a_b_and_a_colon_b_are_separate() {
    let h = host();
    let mut rt = runtime(&h, json!({"loopBudget": {"maxSessionTokens": 1000}}));
    spend(&mut rt, &h, "a/b", "r1", 1500);
    // `a:b` has spent nothing: before issue 18 it read `a/b`'s total and was refused.
    let r = spend(&mut rt, &h, "a:b", "r2", 10);
    assert!(
        r.ret.is_null() || r.ret["outcome"] != "block",
        "{:?}",
        r.ret
    );
    let r = budget_hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "again"}),
        "a/b",
    );
    assert_eq!(r.ret["outcome"], "block");
    let a = h.file_text(&format!("{STATE}/budget/{}.json", state_name("a/b")));
    let b = h.file_text(&format!("{STATE}/budget/{}.json", state_name("a:b")));
    assert!(a.is_some() && b.is_some() && a != b, "{:?}", h.paths());
    assert!(h.file_text(&format!("{STATE}/budget/a_b.json")).is_none());
}

#[test]
fn a_budget_written_under_the_old_name_is_found_after_the_upgrade() {
    let h = host();
    // A session spends its budget; its file's content is what the old code wrote as well.
    let mut rt = runtime(&h, json!({"loopBudget": {"maxSessionTokens": 1000}}));
    spend(&mut rt, &h, "plain", "r1", 1500);
    let written = h.file_text(&format!("{STATE}/budget/plain.json")).unwrap();
    // The same state as the old code left it for session `a/b`: under `a_b.json`.
    let old = format!("{STATE}/budget/{}.json", legacy_budget_name("a/b"));
    assert_eq!(old, "/state/budget/a_b.json");
    h.put_file(&old, written.as_bytes());
    // After the upgrade (a new process), the spent budget still refuses the next run.
    let mut rt = runtime(&h, json!({"loopBudget": {"maxSessionTokens": 1000}}));
    let r = budget_hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "again"}),
        "a/b",
    );
    assert_eq!(r.ret["outcome"], "block", "{:?}", r.ret);
    assert!(
        codes(&r).contains(&"budget.state.migrated".to_string()),
        "{:?}",
        r.diagnostics
    );
    let new = format!("{STATE}/budget/{}.json", state_name("a/b"));
    assert!(h.file_text(&new).is_some());
    assert!(
        h.file_text(&old).is_none(),
        "the old file was moved, not copied"
    );
    // Idempotent: the next process has nothing left to adopt and still refuses.
    let mut rt = runtime(&h, json!({"loopBudget": {"maxSessionTokens": 1000}}));
    let r = budget_hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "again"}),
        "a/b",
    );
    assert_eq!(r.ret["outcome"], "block");
    assert!(!codes(&r)
        .iter()
        .any(|c| c.starts_with("budget.state.migrat")));
}

#[test]
fn an_old_budget_never_overwrites_a_new_one() {
    let h = host();
    let mut rt = runtime(&h, json!({"loopBudget": {"maxSessionTokens": 1000}}));
    spend(&mut rt, &h, "a/b", "r1", 10);
    let new = format!("{STATE}/budget/{}.json", state_name("a/b"));
    let kept = h.file_text(&new).unwrap();
    h.put_file(&format!("{STATE}/budget/a_b.json"), b"{\"runs\": 99}");
    let mut rt = runtime(&h, json!({"loopBudget": {"maxSessionTokens": 1000}}));
    let r = budget_hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "x"}),
        "a/b",
    );
    assert!(
        codes(&r).contains(&"budget.state.migrate_conflict".to_string()),
        "{:?}",
        r.diagnostics
    );
    assert!(r.ret.is_null() || r.ret["outcome"] != "block");
    let aside: Vec<String> = h
        .paths()
        .into_iter()
        .filter(|p| p.starts_with(&format!("{STATE}/budget/a_b.json.legacy-")))
        .collect();
    assert_eq!(aside.len(), 1, "{:?}", h.paths());
    assert_eq!(h.file_text(&aside[0]).unwrap(), "{\"runs\": 99}");
    // The new file is this session's own (one more run on top of what it had), not the old one.
    let now: Value = serde_json::from_str(&h.file_text(&new).unwrap()).unwrap();
    let before: Value = serde_json::from_str(&kept).unwrap();
    assert_eq!(now["runs"], json!(before["runs"].as_u64().unwrap() + 1));
}

fn notes_runtime(h: &MemoryHost) -> Runtime {
    runtime(
        h,
        json!({"memoryScoping": {"enabled": true}, "sessionMemory": {"longTerm": {"enabled": false}}}),
    )
}

/// One `agent_end` of `sid` whose notes job answers with `tag` in the current-state section.
fn write_notes(rt: &mut Runtime, h: &MemoryHost, sid: &str, tag: &str) -> HookResponse {
    let messages = vec![
        json!({"role": "user", "content": format!("work on {tag}")}),
        json!({"role": "assistant", "content": [{"type": "text", "text": "done"}], "usage": {"input": 12_000, "output": 10}}),
    ];
    let r = rt
        .dispatch(
            h,
            "sessionMemory:agent_end",
            &json!({"runId": format!("run-{tag}"), "messages": messages}),
            &ctx(sid),
        )
        .unwrap();
    let job = r
        .jobs
        .iter()
        .find(|j| j.kind == JobKind::Llm)
        .unwrap()
        .clone();
    let answer: String = agent_ops::session_memory::TEMPLATE
        .iter()
        .enumerate()
        .map(|(i, (head, d))| format!("{head}\n{d}\n{}\n", if i == 1 { tag } else { "" }))
        .collect::<Vec<_>>()
        .join("\n");
    rt.complete_job(
        h,
        &job.id,
        &json!({"ok": true, "text": answer, "provider": "p", "model": "m",
            "usage": {"inputTokens": 9, "outputTokens": 8, "cacheReadTokens": 0, "cacheWriteTokens": 0}}),
    )
    .unwrap();
    r
}

fn notes_of(h: &MemoryHost, sid: &str) -> Option<String> {
    h.file_text(&format!("{STATE}/sessions/{}/notes.md", state_name(sid)))
}

#[test]
fn notes_of_a_b_and_a_colon_b_are_separate() {
    let h = host();
    let mut rt = notes_runtime(&h);
    write_notes(&mut rt, &h, "a/b", "TAG-SLASH");
    write_notes(&mut rt, &h, "a:b", "TAG-COLON");
    let a = notes_of(&h, "a/b").unwrap();
    let b = notes_of(&h, "a:b").unwrap();
    assert!(a.contains("TAG-SLASH") && !a.contains("TAG-COLON"), "{a}");
    assert!(b.contains("TAG-COLON") && !b.contains("TAG-SLASH"), "{b}");
    assert!(!h
        .paths()
        .iter()
        .any(|p| p.starts_with("/state/sessions/a_b/")));
}

#[test]
fn session_notes_under_the_old_name_are_adopted() {
    let h = host();
    // Notes and cursor as the old code left them for session `a.b/c` (`.` was kept).
    let old = format!("{STATE}/sessions/{}", legacy_session_dir_name("a.b/c"));
    assert_eq!(old, "/state/sessions/a.b_c");
    let mut rt = notes_runtime(&h);
    write_notes(&mut rt, &h, "plain", "OLD-NOTES");
    let notes = notes_of(&h, "plain").unwrap();
    let cursor = h
        .file_text(&format!("{STATE}/sessions/plain/cursor.json"))
        .unwrap();
    h.put_file(&format!("{old}/notes.md"), notes.as_bytes());
    h.put_file(&format!("{old}/cursor.json"), cursor.as_bytes());

    let mut rt = notes_runtime(&h);
    let r = rt
        .dispatch(
            &h,
            "sessionMemory:agent_end",
            &json!({"runId": "run-next", "messages": []}),
            &ctx("a.b/c"),
        )
        .unwrap();
    let migrated = codes(&r)
        .iter()
        .filter(|c| *c == "memory.state.migrated")
        .count();
    assert_eq!(migrated, 2, "{:?}", r.diagnostics);
    assert_eq!(notes_of(&h, "a.b/c").as_deref(), Some(notes.as_str()));
    assert!(h.file_text(&format!("{old}/notes.md")).is_none());
    assert!(h.file_text(&format!("{old}/cursor.json")).is_none());
    // The next process finds nothing more to adopt.
    let mut rt = notes_runtime(&h);
    let r = rt
        .dispatch(
            &h,
            "sessionMemory:agent_end",
            &json!({"runId": "run-later", "messages": []}),
            &ctx("a.b/c"),
        )
        .unwrap();
    assert!(!codes(&r)
        .iter()
        .any(|c| c.starts_with("memory.state.migrat")));
    assert_eq!(notes_of(&h, "a.b/c").as_deref(), Some(notes.as_str()));
}

fn coord(rt: &mut Runtime, h: &MemoryHost, hook: &str, event: Value, sid: &str) -> HookResponse {
    let c = json!({"sessionKey": "agent:main:main", "sessionId": sid, "agentId": "main"});
    rt.dispatch(h, &format!("coordinator:{hook}"), &event, &c)
        .unwrap()
}

#[test]
fn a_coordinator_mode_saved_under_the_old_name_is_found_after_the_upgrade() {
    let h = host();
    let coordinator = json!({"coordinator": {"agents": {"main": {"mode": "coordinator"}}}});
    let mut rt = runtime(&h, coordinator);
    coord(
        &mut rt,
        &h,
        "before_prompt_build",
        json!({"prompt": "x"}),
        "plain",
    );
    coord(&mut rt, &h, "agent_end", json!({}), "plain");
    let saved = h.file_text(&format!("{STATE}/coord/plain.json")).unwrap();
    // The same file as the old code left it for session `a.b/c`.
    let old = format!("{STATE}/coord/{}.json", legacy_session_dir_name("a.b/c"));
    h.put_file(&old, saved.as_bytes());
    // New process, config now says normal: the resumed session keeps its saved mode.
    let mut rt = runtime(&h, json!({"coordinator": {}}));
    coord(
        &mut rt,
        &h,
        "session_start",
        json!({"resumedFrom": "x"}),
        "a.b/c",
    );
    let r = coord(
        &mut rt,
        &h,
        "before_prompt_build",
        json!({"prompt": "x"}),
        "a.b/c",
    );
    assert!(
        r.ret["prependContext"]
            .as_str()
            .is_some_and(|t| t.contains("Coordinator mode is on again")),
        "{:?}",
        r.ret
    );
    assert!(
        codes(&r).contains(&"coord.state.migrated".to_string()),
        "{:?}",
        r.diagnostics
    );
    assert!(h.file_text(&old).is_none());
    assert!(h
        .file_text(&format!("{STATE}/coord/{}.json", state_name("a.b/c")))
        .is_some());
}
