//! Phase 3 through the runtime with the in-memory host: notes jobs, long-term extraction,
//! cursors, coalescing, retries, dead-lettering, replay and drain (P3 §13).

use agent_ops::host::{HostDirs, MemoryHost};
use agent_ops::runtime::{HookResponse, Job, JobKind, Runtime};
use serde_json::{json, Value};

const NOW: i64 = 1_790_000_000_000;
const STATE: &str = "/state";
const WS: &str = "/home/u/ws";
const MEM: &str = "/home/u/ws/.openclaw/agent-memory/main";
const KEY: &str = "agent:main:main";

fn host() -> MemoryHost {
    MemoryHost::new(
        HostDirs {
            home_dir: "/home/u".into(),
            workspace_dir: WS.into(),
            openclaw_state_dir: "/oc".into(),
            ..HostDirs::default()
        },
        NOW,
    )
}

fn runtime(h: &MemoryHost, sm: Value, conversation: bool) -> Runtime {
    h.put_file(&format!("{WS}/.git/HEAD"), b"ref: refs/heads/main\n");
    let mut rt = Runtime::new();
    let cfg = json!({"stateDir": STATE, "phases": {"bashSecurity": false, "compaction": false, "loopBudget": false, "memoryScoping": {"enabled": true}, "sessionMemory": sm}});
    let r = rt.init(
        h,
        &cfg.to_string(),
        &json!({"homeDir": "/home/u", "workspaceDir": WS, "conversationAccess": conversation})
            .to_string(),
    );
    assert!(r.ok, "{:?}", r.errors);
    rt
}

fn ctx() -> Value {
    json!({"sessionKey": KEY, "sessionId": "sess-1", "agentId": "main", "workspaceDir": WS})
}

fn user(t: &str) -> Value {
    json!({"role": "user", "content": t})
}
fn reply(t: &str, usage: u64) -> Value {
    json!({"role": "assistant", "content": [{"type": "text", "text": t}], "usage": {"input": usage, "output": 10}})
}
fn tool_call(id: &str) -> Value {
    json!({"role": "assistant", "content": [{"type": "toolCall", "id": id, "name": "exec", "arguments": {"command": "ls"}}], "usage": {"input": 12_000, "output": 5}})
}

fn agent_end(rt: &mut Runtime, h: &MemoryHost, messages: Vec<Value>) -> HookResponse {
    rt.dispatch(
        h,
        "sessionMemory:agent_end",
        &json!({"runId": "run-abcdef123", "messages": messages}),
        &ctx(),
    )
    .unwrap()
}

fn llm_jobs(r: &HookResponse) -> Vec<&Job> {
    r.jobs.iter().filter(|j| j.kind == JobKind::Llm).collect()
}

/// The torn line P3-T16 plants: a writer killed mid-line.
const TORN_JOB_LINE: &str = "{\"v\":1,\"at\":2,\"jobId\":\"old\",\"ev";

fn journal(h: &MemoryHost) -> Vec<(String, String)> {
    h.file_text(&format!("{STATE}/jobs/journal.jsonl"))
        .unwrap_or_default()
        .lines()
        // A torn line stays in the journal as a line of its own, which readers skip (G-R17);
        // every other line is a record.
        .filter(|l| *l != TORN_JOB_LINE)
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["jobId"].as_str().unwrap().to_string(),
                v["event"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn events_of(h: &MemoryHost, id: &str) -> Vec<String> {
    journal(h)
        .into_iter()
        .filter(|(j, _)| j == id)
        .map(|(_, e)| e)
        .collect()
}

fn notes_answer(tag: &str) -> String {
    agent_ops::session_memory::TEMPLATE
        .iter()
        .enumerate()
        .map(|(i, (h, d))| {
            format!(
                "{h}\n{d}\n{}\n",
                if i == 1 {
                    tag.to_string()
                } else {
                    String::new()
                }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ok(text: &str) -> Value {
    json!({"ok": true, "text": text, "provider": "fake", "model": "fake-model", "usage": {"inputTokens": 900, "outputTokens": 80, "cacheReadTokens": 0, "cacheWriteTokens": 0}})
}

fn cursor(h: &MemoryHost) -> Value {
    serde_json::from_str(
        &h.file_text(&format!("{STATE}/sessions/sess-1/cursor.json"))
            .unwrap(),
    )
    .unwrap()
}

fn lt_off() -> Value {
    json!({"longTerm": {"enabled": false}})
}

#[test]
fn p3_t21_notes_job_is_journaled_before_it_runs_and_applied_once() {
    let h = host();
    let mut rt = runtime(&h, lt_off(), true);
    let r = agent_end(
        &mut rt,
        &h,
        vec![user("plan the release"), reply("planned", 12_000)],
    );
    let jobs = llm_jobs(&r);
    assert_eq!(jobs.len(), 1, "{:?}", r.jobs);
    let job = jobs[0].clone();
    assert!(job.id.starts_with("notes-"));
    let prompt = job.payload["prompt"].as_str().unwrap();
    assert!(prompt.contains("agent-ops:job=session_notes"));
    assert!(prompt.contains("[user] plan the release"));
    assert!(job.payload["systemPrompt"]
        .as_str()
        .unwrap()
        .contains("never call tools"));
    // Journaled and on disk before the binding layer ran anything.
    assert_eq!(events_of(&h, &job.id), vec!["enqueued", "started"]);
    assert!(h
        .file_text(&format!("{STATE}/jobs/{}.json", job.id))
        .is_some());
    // No service ticked this process: a one-shot run drains at agent_end (P3-R16).
    let drain = r.jobs.iter().find(|j| j.kind == JobKind::Drain).unwrap();
    assert_eq!(drain.payload["waitMs"], 25_000);

    let c = rt
        .complete_job(&h, &job.id, &ok(&notes_answer("E2E state")))
        .unwrap();
    assert!(c.decisions.iter().any(|d| d.code == "memory.notes.updated"));
    let notes = h
        .file_text(&format!("{STATE}/sessions/sess-1/notes.md"))
        .unwrap();
    assert!(notes.contains("# Current State\n_What is in progress now, what is done, and the immediate next step._\nE2E state\n"));
    assert_eq!(
        events_of(&h, &job.id),
        vec!["enqueued", "started", "succeeded"]
    );
    assert!(h
        .file_text(&format!("{STATE}/jobs/{}.json", job.id))
        .is_none());
    let cur = cursor(&h);
    assert_eq!(cur["initialized"], true);
    assert!(cur["coveredRef"].is_object(), "{cur}");
    // The job's usage is in the cost ledger under its purpose.
    let costs: String = h
        .paths()
        .into_iter()
        .filter(|p| p.starts_with(&format!("{STATE}/costs/")))
        .map(|p| h.file_text(&p).unwrap())
        .collect();
    assert!(costs.contains("\"purpose\":\"session_notes\""), "{costs}");
    assert!(costs.contains("\"scope\":\"session\""), "{costs}");
    // A second completion of the same id is not applied again.
    let again = rt
        .complete_job(&h, &job.id, &ok(&notes_answer("other")))
        .unwrap();
    assert!(again.decisions.is_empty());
}

#[test]
fn p3_t1_below_the_init_threshold_nothing_runs() {
    let h = host();
    let mut rt = runtime(&h, lt_off(), true);
    let r = agent_end(&mut rt, &h, vec![user("hi"), reply("hello", 9_000)]);
    assert!(llm_jobs(&r).is_empty());
    assert_eq!(cursor(&h)["initialized"], false);
}

#[test]
fn p3_t7_t8_covered_cursor_rules() {
    let h = host();
    let mut rt = runtime(&h, lt_off(), true);
    // Input ends with a tool call (three of them: P3-T2): the covered cursor stays unset.
    let r = agent_end(
        &mut rt,
        &h,
        vec![
            user("go"),
            tool_call("c1"),
            tool_call("c2"),
            tool_call("c3"),
        ],
    );
    let id = llm_jobs(&r)[0].id.clone();
    rt.complete_job(&h, &id, &ok(&notes_answer("x"))).unwrap();
    assert!(cursor(&h)["coveredRef"].is_null());
    // A later tool-free input sets it; after_compaction clears it.
    let r = agent_end(
        &mut rt,
        &h,
        vec![
            user("go"),
            tool_call("c1"),
            tool_call("c2"),
            tool_call("c3"),
            reply("done", 18_000),
        ],
    );
    let id = llm_jobs(&r)[0].id.clone();
    rt.complete_job(&h, &id, &ok(&notes_answer("y"))).unwrap();
    assert!(cursor(&h)["coveredRef"].is_object());
    rt.dispatch(&h, "sessionMemory:after_compaction", &json!({}), &ctx())
        .unwrap();
    assert!(cursor(&h)["coveredRef"].is_null());
}

#[test]
fn p3_t10_malformed_answers_fail_the_attempt_and_retry_with_backoff() {
    let h = host();
    let mut rt = runtime(&h, lt_off(), true);
    let r = agent_end(&mut rt, &h, vec![user("go"), reply("done", 12_000)]);
    let id = llm_jobs(&r)[0].id.clone();
    let c = rt
        .complete_job(&h, &id, &ok("# Session Title\nonly one header"))
        .unwrap();
    assert!(c.diagnostics.iter().any(|d| d.code == "memory.job.retry"));
    assert_eq!(events_of(&h, &id), vec!["enqueued", "started", "failed"]);
    // Not before the 5 s backoff.
    h.advance(4_000);
    assert!(llm_jobs(&rt.tick(&h, 0).unwrap()).is_empty());
    h.advance(1_500);
    let t = rt.tick(&h, 0).unwrap();
    assert_eq!(llm_jobs(&t).len(), 1);
    rt.complete_job(&h, &id, &ok(&notes_answer("fixed")))
        .unwrap();
    assert_eq!(
        events_of(&h, &id),
        vec!["enqueued", "started", "failed", "started", "succeeded"]
    );
}

#[test]
fn p3_t17_three_failures_dead_letter_the_job() {
    let h = host();
    let mut rt = runtime(&h, lt_off(), true);
    let r = agent_end(&mut rt, &h, vec![user("go"), reply("done", 12_000)]);
    let id = llm_jobs(&r)[0].id.clone();
    let fail = json!({"ok": false, "error": "HTTP 500"});
    rt.complete_job(&h, &id, &fail).unwrap();
    h.advance(5_001);
    assert_eq!(llm_jobs(&rt.tick(&h, 0).unwrap()).len(), 1);
    rt.complete_job(&h, &id, &fail).unwrap();
    h.advance(29_000);
    assert!(
        llm_jobs(&rt.tick(&h, 0).unwrap()).is_empty(),
        "second backoff is 30 s"
    );
    h.advance(1_001);
    assert_eq!(llm_jobs(&rt.tick(&h, 0).unwrap()).len(), 1);
    let last = rt.complete_job(&h, &id, &fail).unwrap();
    assert!(last.diagnostics.iter().any(|d| d.code == "memory.job.dead"));
    assert_eq!(
        events_of(&h, &id),
        vec!["enqueued", "started", "failed", "started", "failed", "started", "failed", "dead"]
    );
    h.advance(120_000);
    assert!(
        llm_jobs(&rt.tick(&h, 0).unwrap()).is_empty(),
        "no 4th attempt"
    );
    // A new process does not replay a dead job either.
    let mut rt2 = runtime(&h, lt_off(), true);
    assert!(llm_jobs(&rt2.tick(&h, 0).unwrap()).is_empty());
}

#[test]
fn p3_t14_a_killed_process_replays_the_job_once_at_the_next_start() {
    let h = host();
    let mut rt = runtime(&h, lt_off(), true);
    let r = agent_end(&mut rt, &h, vec![user("go"), reply("done", 12_000)]);
    let id = llm_jobs(&r)[0].id.clone();
    drop(rt); // kill -9: no completion, no drain
              // The dead process's job lock goes stale after the job timeout + 30 s.
    h.advance(151_000);
    let mut rt2 = runtime(&h, lt_off(), true);
    let t = rt2.tick(&h, 0).unwrap();
    let jobs = llm_jobs(&t);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].id, id);
    assert!(t
        .diagnostics
        .iter()
        .any(|d| d.code == "memory.job.replayed"));
    rt2.complete_job(&h, &id, &ok(&notes_answer("replayed")))
        .unwrap();
    assert_eq!(
        events_of(&h, &id),
        vec!["enqueued", "started", "started", "succeeded"]
    );
    // Replay happens once per process.
    assert!(llm_jobs(&rt2.tick(&h, 0).unwrap()).is_empty());
}

#[test]
fn p3_t16_a_torn_journal_line_is_ignored_and_the_next_append_starts_a_new_line() {
    let h = host();
    h.put_file(
        &format!("{STATE}/jobs/journal.jsonl"),
        format!("{{\"v\":1,\"at\":1,\"jobId\":\"old\",\"event\":\"enqueued\"}}\n{TORN_JOB_LINE}")
            .as_bytes(),
    );
    let mut rt = runtime(&h, lt_off(), true);
    rt.tick(&h, 0).unwrap();
    let text = h.file_text(&format!("{STATE}/jobs/journal.jsonl")).unwrap();
    // The live job without a file was dropped on a fresh line. The torn line is not cut (G-R17
    // as built: a cut or an in-place overwrite races with other processes' lock-free appends,
    // audit.rs); the append terminated it, so it is a line of its own that readers skip, kept
    // byte for byte, and every other line is a record.
    assert!(text.ends_with('\n'));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[1], TORN_JOB_LINE, "{text}");
    for l in [lines[0], lines[2]] {
        assert!(serde_json::from_str::<Value>(l).is_ok(), "{text}");
    }
    assert_eq!(events_of(&h, "old"), vec!["enqueued", "dropped"]);
    let status = agent_ops::session_memory::read_status(&h, STATE).unwrap();
    assert_eq!(status.len(), 1, "{status:?}");
}

#[test]
fn p3_t11_requests_during_an_extraction_coalesce_into_one_trailing_job() {
    let h = host();
    let mut rt = runtime(&h, json!({"notes": {"enabled": false}}), true);
    let r = agent_end(&mut rt, &h, vec![user("first fact"), reply("ok", 100)]);
    let first = llm_jobs(&r)[0].clone();
    assert!(first.id.starts_with("lt-"));
    assert!(first.payload["prompt"]
        .as_str()
        .unwrap()
        .contains("agent-ops:job=memory_extract"));
    let mut coalesced = 0;
    for i in 0..3 {
        let r = agent_end(
            &mut rt,
            &h,
            vec![
                user("first fact"),
                reply("ok", 100),
                user(&format!("newer fact {i}")),
                reply("ok", 100),
            ],
        );
        assert!(llm_jobs(&r).is_empty());
        coalesced += r
            .decisions
            .iter()
            .filter(|d| d.code == "memory.lt.coalesced")
            .count();
    }
    assert_eq!(coalesced, 2);
    let answer = json!({"operations": [{"op": "create", "file": "facts.md", "type": "project", "name": "Facts", "description": "what we learned", "body": "first fact"}]}).to_string();
    let c = rt.complete_job(&h, &first.id, &ok(&answer)).unwrap();
    let trailing = llm_jobs(&c);
    assert_eq!(trailing.len(), 1, "exactly one trailing job");
    assert!(trailing[0].payload["prompt"]
        .as_str()
        .unwrap()
        .contains("newer fact 2"));
    assert!(h
        .file_text(&format!("{MEM}/facts.md"))
        .unwrap()
        .contains("first fact"));
    assert!(h
        .file_text(&format!("{MEM}/MEMORY.md"))
        .unwrap()
        .contains("- [Facts](facts.md) — what we learned"));
    assert!(cursor(&h)["ltRef"].is_object());
}

#[test]
fn p3_t12_an_agent_that_wrote_memory_itself_skips_extraction_and_advances_the_cursor() {
    let h = host();
    let mut rt = runtime(&h, json!({"notes": {"enabled": false}}), true);
    rt.dispatch(
        &h,
        "sessionMemory:after_tool_call",
        &json!({"toolName": "write", "params": {"path": ".openclaw/agent-memory/main/x.md", "content": "y"}}),
        &ctx(),
    )
    .unwrap();
    let r = agent_end(&mut rt, &h, vec![user("remember x"), reply("saved", 100)]);
    assert!(llm_jobs(&r).is_empty());
    assert!(r
        .decisions
        .iter()
        .any(|d| d.code == "memory.lt.skip.agent_wrote"));
    assert!(cursor(&h)["ltRef"].is_object());
    // Nothing new after the cursor: no job either.
    let r = agent_end(&mut rt, &h, vec![user("remember x"), reply("saved", 100)]);
    assert!(llm_jobs(&r).is_empty());
}

#[test]
fn p3_t6_a_lost_extraction_cursor_counts_every_message() {
    let h = host();
    h.put_file(
        &format!("{STATE}/sessions/sess-1/cursor.json"),
        br#"{"v":1,"ltRef":{"entryId":null,"index":40,"fingerprint":"0000000000000000"}}"#,
    );
    let mut rt = runtime(&h, json!({"notes": {"enabled": false}}), true);
    let r = agent_end(
        &mut rt,
        &h,
        vec![user("the very first message"), reply("ok", 100)],
    );
    let p = llm_jobs(&r)[0].payload["prompt"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(p.contains("the very first message"));
}

#[test]
fn extraction_needs_a_scope_and_messages() {
    let h = host();
    let mut rt = Runtime::new();
    let cfg = json!({"stateDir": STATE, "phases": {"bashSecurity": false, "compaction": false, "loopBudget": false, "memoryScoping": false, "sessionMemory": {"notes": {"enabled": false}}}});
    assert!(rt.init(&h, &cfg.to_string(), "{}").ok);
    let r = agent_end(&mut rt, &h, vec![user("x"), reply("y", 10)]);
    assert!(r
        .decisions
        .iter()
        .any(|d| d.code == "memory.lt.skip.no_scope"));
    let mut rt = runtime(&h, json!({"notes": {"enabled": false}}), false);
    let r = rt
        .dispatch(&h, "sessionMemory:agent_end", &json!({}), &ctx())
        .unwrap();
    assert!(r
        .decisions
        .iter()
        .any(|d| d.code == "memory.lt.skip.no_messages"));
}

#[test]
fn p3_t20_without_conversation_access_the_worklog_still_updates_the_notes() {
    let h = host();
    let mut rt = runtime(&h, lt_off(), false);
    for (run, (tool, path, err)) in [
        ("r1", "read", "src/a.rs", None),
        ("r2", "exec", "src/b.rs", Some("exit 2")),
    ]
    .iter()
    .map(|(r, t, p, e)| (*r, (*t, *p, *e)))
    {
        let mut ev = json!({"toolName": tool, "params": {"path": path}});
        if let Some(e) = err {
            ev["error"] = json!(e);
        }
        rt.dispatch(&h, "sessionMemory:after_tool_call", &ev, &ctx())
            .unwrap();
        rt.dispatch(
            &h,
            "sessionMemory:agent_end",
            &json!({"runId": run}),
            &ctx(),
        )
        .unwrap();
    }
    let notes = h
        .file_text(&format!("{STATE}/sessions/sess-1/notes.md"))
        .unwrap();
    assert!(notes.contains("- `src/b.rs`\n- `src/a.rs`"), "{notes}");
    assert!(notes.contains("r1: 1 tool calls (read); files: src/a.rs; errors: 0"));
    assert!(notes.contains("r2: 1 tool calls (exec); files: src/b.rs; errors: 1"));
    assert!(notes.contains("exec error: exit 2"));
}

#[test]
fn p3_r16_drain_budgets_and_no_new_starts_after_shutdown() {
    let h = host();
    let mut rt = runtime(&h, lt_off(), true);
    rt.tick(&h, 0).unwrap(); // a service runs: no drain at agent_end
    let r = agent_end(&mut rt, &h, vec![user("go"), reply("done", 12_000)]);
    assert!(r.jobs.iter().all(|j| j.kind != JobKind::Drain));
    let stop = rt
        .dispatch(&h, "sessionMemory:gateway_stop", &json!({}), &json!({}))
        .unwrap();
    let d = stop.jobs.iter().find(|j| j.kind == JobKind::Drain).unwrap();
    assert_eq!(d.payload["waitMs"], 4_500);
    h.advance(4_500);
    let svc = rt
        .dispatch(&h, "sessionMemory:service_stop", &json!({}), &json!({}))
        .unwrap();
    assert!(
        svc.jobs.iter().all(|j| j.kind != JobKind::Drain),
        "the shared stop budget is spent"
    );
    let e1 = rt
        .dispatch(
            &h,
            "sessionMemory:session_end",
            &json!({"reason": "shutdown"}),
            &ctx(),
        )
        .unwrap();
    assert_eq!(
        e1.jobs
            .iter()
            .find(|j| j.kind == JobKind::Drain)
            .unwrap()
            .payload["waitMs"],
        1_500
    );
    h.advance(1_000);
    let e2 = rt
        .dispatch(
            &h,
            "sessionMemory:session_end",
            &json!({"reason": "shutdown"}),
            &ctx(),
        )
        .unwrap();
    assert_eq!(
        e2.jobs
            .iter()
            .find(|j| j.kind == JobKind::Drain)
            .unwrap()
            .payload["waitMs"],
        500
    );
    // After shutdown began, a new request is journaled but not started.
    let r = agent_end(
        &mut rt,
        &h,
        vec![
            user("go"),
            reply("done", 12_000),
            user("more"),
            reply("done", 18_000),
        ],
    );
    assert!(llm_jobs(&r).is_empty());
    let live: Vec<String> = journal(&h)
        .into_iter()
        .filter(|(_, e)| e == "enqueued")
        .map(|(j, _)| j)
        .collect();
    assert_eq!(live.len(), 2);
}

#[test]
fn p3_r25_a_corrupt_cursor_is_moved_aside() {
    let h = host();
    h.put_file(
        &format!("{STATE}/sessions/sess-1/cursor.json"),
        b"{not json",
    );
    let mut rt = runtime(&h, lt_off(), true);
    let r = agent_end(&mut rt, &h, vec![user("go"), reply("done", 12_000)]);
    assert!(r
        .diagnostics
        .iter()
        .any(|d| d.code == "memory.cursor.corrupt"));
    assert!(h
        .paths()
        .iter()
        .any(|p| p.starts_with(&format!("{STATE}/sessions/sess-1/cursor.json.corrupt-"))));
    assert_eq!(cursor(&h)["initialized"], true);
}

#[test]
fn subagent_and_internal_sessions_never_extract() {
    let h = host();
    let mut rt = runtime(&h, json!({}), true);
    for key in [
        "agent:main:subagent:abc",
        "agent:main:internal-session-effects:flush",
    ] {
        let r = rt
            .dispatch(
                &h,
                "sessionMemory:agent_end",
                &json!({"messages": [user("x"), reply("y", 20_000)]}),
                &json!({"sessionKey": key}),
            )
            .unwrap();
        assert!(r.jobs.is_empty(), "{key}");
    }
}

/// Issue 17 item 3: a bad template is a config error like any other: the plugin still runs
/// (phase 4 included), with the built-in template, and the error names the key.
#[test]
fn a_custom_template_that_fails_validation_falls_back_to_the_builtin_one() {
    let h = host();
    h.put_file("/home/u/tpl.md", b"no headers here");
    let mut rt = Runtime::new();
    let cfg = json!({"stateDir": STATE, "phases": {"sessionMemory": {"notes": {"template": "~/tpl.md"}}}});
    let r = rt.init(
        &h,
        &cfg.to_string(),
        &json!({"homeDir": "/home/u"}).to_string(),
    );
    assert!(r.ok);
    assert_eq!(
        r.config_errors[0].path,
        "phases.sessionMemory.notes.template"
    );
    assert!(r.config_errors[0]
        .message
        .contains("memory.config.bad_template"));
    assert!(r.diagnostics.iter().any(|d| d.code == "core.config.invalid"
        && d.message
            .contains("plugins.entries.agent-ops.config.phases.sessionMemory.notes.template")));
    assert!(r
        .registrations
        .iter()
        .any(|g| g.hook == "before_tool_call" && g.phase == "bashSecurity"));
}

fn engine(rt: &mut Runtime, h: &MemoryHost, method: &str, params: Value) -> Value {
    rt.engine(h, method, &params).unwrap()["value"].clone()
}

#[test]
fn p3_t18_t19_r19_compaction_waits_for_a_fresh_notes_job_and_receives_the_notes() {
    let h = host();
    h.put_file(&format!("{WS}/.git/HEAD"), b"ref: refs/heads/main\n");
    let mut rt = Runtime::new();
    let cfg = json!({"stateDir": STATE, "phases": {"bashSecurity": false, "loopBudget": false, "memoryScoping": false, "sessionMemory": {"longTerm": {"enabled": false}}}});
    let info = json!({"homeDir": "/home/u", "workspaceDir": WS, "conversationAccess": true, "contextEngineSelected": true});
    assert!(rt.init(&h, &cfg.to_string(), &info.to_string()).ok);
    let manual = json!({"sessionId": "sess-1", "sessionKey": KEY, "tokenBudget": 200000, "force": true, "compactionTarget": "threshold",
        "runtimeContext": {"trigger": "manual", "forceReason": "manual", "provider": "p", "model": "m"}});
    // No notes job yet: nothing to wait for.
    assert!(engine(&mut rt, &h, "compactWait", json!({"sessionKey": KEY})).is_null());

    let r = agent_end(&mut rt, &h, vec![user("go"), reply("done", 12_000)]);
    let id = llm_jobs(&r)[0].id.clone();
    h.advance(5_000);
    // P3-T18: a job started 5 s ago is waited for (the binding layer waits up to 15 s).
    let w = engine(&mut rt, &h, "compactWait", json!({"sessionKey": KEY}));
    assert_eq!(w, json!({"jobs": [id], "waitMs": 15_000}));
    rt.complete_job(&h, &id, &ok(&notes_answer("E2E-FED-STATE")))
        .unwrap();
    assert!(engine(&mut rt, &h, "compactWait", json!({"sessionKey": KEY})).is_null());
    // P3-R19: the delegated compaction carries the notes after a header sentence.
    let d = engine(&mut rt, &h, "compact", manual);
    assert_eq!(d["action"], "delegate", "{d}");
    let ci = d["customInstructions"].as_str().unwrap();
    assert!(
        ci.contains("The session notes below were kept during this session."),
        "{ci}"
    );
    assert!(ci.contains("# Current State\nE2E-FED-STATE"), "{ci}");

    // P3-T19: a job started 70 s ago is not waited for.
    let r = agent_end(
        &mut rt,
        &h,
        vec![
            user("go"),
            reply("done", 12_000),
            user("more"),
            reply("done", 18_000),
        ],
    );
    assert_eq!(llm_jobs(&r).len(), 1);
    h.advance(70_000);
    assert!(engine(&mut rt, &h, "compactWait", json!({"sessionKey": KEY})).is_null());
}

#[test]
fn p3_r21_notes_are_offered_once_on_resume_and_again_after_compaction() {
    let h = host();
    let mut rt = runtime(&h, lt_off(), true);
    let r = agent_end(&mut rt, &h, vec![user("go"), reply("done", 12_000)]);
    let id = llm_jobs(&r)[0].id.clone();
    rt.complete_job(&h, &id, &ok(&notes_answer("E2E-RESUME-STATE")))
        .unwrap();
    // A new process (gateway restart) resumes the session.
    let mut rt2 = runtime(&h, lt_off(), true);
    let bpb = |rt: &mut Runtime| {
        rt.dispatch(
            &h,
            "sessionMemory:before_prompt_build",
            &json!({"prompt": "next"}),
            &ctx(),
        )
        .unwrap()
        .ret
    };
    let first = bpb(&mut rt2);
    let text = first["appendSystemContext"].as_str().unwrap();
    assert!(text.starts_with("# Session notes (agent-ops)\n"));
    assert!(text.contains("# Current State\nE2E-RESUME-STATE"));
    assert!(bpb(&mut rt2).is_null(), "offered once");
    rt2.dispatch(&h, "sessionMemory:after_compaction", &json!({}), &ctx())
        .unwrap();
    assert!(
        bpb(&mut rt2)["appendSystemContext"].is_string(),
        "offered again after compaction"
    );
    assert!(bpb(&mut rt2).is_null());
}

/// G-R18: an extraction rewrites the memory directory only under its lock. While another
/// process holds it, the attempt fails and nothing is written (no index lost to a concurrent
/// rewrite); the retry applies it once the lock is free.
#[test]
fn an_extraction_waits_for_the_memory_directory_lock() {
    use agent_ops::host::Host;
    let h = host();
    let mut rt = runtime(&h, json!({"notes": {"enabled": false}}), true);
    let lock = agent_ops::memdir::dir_lock_path(STATE, MEM);
    h.fs_lock(&lock, 30_000).unwrap();
    let r = agent_end(&mut rt, &h, vec![user("a fact"), reply("ok", 100)]);
    let id = llm_jobs(&r)[0].id.clone();
    let answer = json!({"operations": [{"op": "create", "file": "facts.md", "type": "project", "name": "Facts", "description": "what we learned", "body": "a fact"}]}).to_string();
    let c = rt.complete_job(&h, &id, &ok(&answer)).unwrap();
    assert!(
        c.diagnostics
            .iter()
            .any(|d| d.code == "memory.job.retry" && d.message.contains("memory.lt.locked")),
        "{:?}",
        c.diagnostics
    );
    assert_eq!(h.file_text(&format!("{MEM}/facts.md")), None);
    assert_eq!(events_of(&h, &id), vec!["enqueued", "started", "failed"]);
    h.fs_unlock(&lock).unwrap();
    h.advance(5_500);
    let t = rt.tick(&h, 0).unwrap();
    assert_eq!(llm_jobs(&t).len(), 1);
    rt.complete_job(&h, &id, &ok(&answer)).unwrap();
    assert_eq!(
        events_of(&h, &id),
        vec!["enqueued", "started", "failed", "started", "succeeded"]
    );
    assert!(h
        .file_text(&format!("{MEM}/MEMORY.md"))
        .unwrap()
        .contains("- [Facts](facts.md)"));
}
