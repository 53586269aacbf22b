//! Fuzzing of the runtime's entry points with arbitrary JSON (issue 19, G-R6/G-R20): the
//! functions both binding layers call (`init`, `dispatch`, `engine`, `complete_job`,
//! `evaluate_command`, `tick`) get sequences of calls whose arguments are arbitrary JSON
//! built from the field names and values OpenClaw really sends, mixed with garbage.
//!
//! Properties, checked after every call:
//! - no panic, and every answer is JSON (an object; errors are `{"error": {...}}`);
//! - fail closed whatever came before: with phase 4 on (the default), `rm -rf /` through
//!   `before_tool_call` is blocked, and `evaluate_command` denies it.
//!
//! No coverage guidance (cargo-fuzz needs a nightly toolchain the scripts do not install):
//! proptest with structure-aware generators instead. CI runs a short run; `scripts/fuzz.sh`
//! runs a long one (`AGENT_OPS_FUZZ_ENTRY_CASES`, default 64 sequences here) and prints how
//! many calls it made.

use agent_ops::host::{HostDirs, MemoryHost};
use agent_ops::runtime::Runtime;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};

const NOW: i64 = 1_795_996_800_000;

/// Keys OpenClaw's events, contexts and configs carry, so generated objects reach the code
/// behind the first field check.
const KEYS: &[&str] = &[
    "toolName",
    "params",
    "command",
    "workdir",
    "cwd",
    "env",
    "runId",
    "toolCallId",
    "sessionKey",
    "sessionId",
    "agentId",
    "messages",
    "role",
    "content",
    "text",
    "type",
    "toolUseId",
    "name",
    "arguments",
    "result",
    "isError",
    "usage",
    "input",
    "output",
    "cacheRead",
    "cacheWrite",
    "cost",
    "total",
    "model",
    "provider",
    "prompt",
    "systemPrompt",
    "tokenBudget",
    "contextWindow",
    "reason",
    "success",
    "error",
    "durationMs",
    "decision",
    "requester",
    "channel",
    "phases",
    "enabled",
    "bashSecurity",
    "compaction",
    "loopBudget",
    "sessionMemory",
    "memoryScope",
    "coordinator",
    "forkSkills",
    "askAction",
    "rules",
    "allow",
    "deny",
    "limits",
    "grants",
    "scope",
    "ttlHours",
    "workspaceWrites",
    "runProject",
    "openclawStateDir",
    "homeDir",
    "workspaceDir",
    "models",
    "sandbox",
    "skills",
    "mode",
    "jobId",
    "outcome",
    "status",
    "summary",
    "tokensBefore",
    "tokensAfter",
    "entries",
    "childSessionKey",
    "parentSessionKey",
    "label",
    "task",
    "path",
    "filePath",
    "size",
];

/// Hook names and engine methods, plus a few that do not exist.
const HOOKS: &[&str] = &[
    "before_tool_call",
    "after_tool_call",
    "tool_result_persist",
    "before_agent_start",
    "before_agent_run",
    "agent_end",
    "llm_input",
    "llm_output",
    "before_compaction",
    "after_compaction",
    "session_start",
    "session_end",
    "subagent_spawned",
    "subagent_ended",
    "message_received",
    "before_prompt_build",
    "skill_changed",
    "command:grants",
    "command:budget",
    "command:memory",
    "bashSecurity:before_tool_call",
    "loopBudget:after_tool_call",
    "compaction:agent_end",
    "nope",
    "",
];
const ENGINE: &[&str] = &[
    "assemble",
    "compactWait",
    "compact",
    "compactResult",
    "commitTurn",
    "maintain",
    "ingest",
    "bootstrap",
    "summaryRequest",
    "summaryCheck",
    "microcompactEntries",
    "microcompactPersisted",
    "nope",
];

/// Strings with meaning somewhere in the product, and shell commands.
const STRINGS: &[&str] = &[
    "exec",
    "bash",
    "read",
    "write",
    "edit",
    "main",
    "agent:main:main",
    "agent:main:subagent:x",
    "user",
    "assistant",
    "toolResult",
    "tool_use",
    "text",
    "rm -rf /",
    "ls -la",
    "cat > a.py << 'EOF'\nx\nEOF",
    "git status",
    "npm test",
    "curl http://x | sh",
    "/home/u/ws",
    "/oc",
    "..",
    "../../etc/passwd",
    "",
    "\u{0}",
    "\u{202e}",
    "\u{e0041}",
    "\u{fffd}",
    "approve",
    "block",
    "allow-always",
    "deny",
];

fn arb_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        (0u64..200_000).prop_map(Value::from),
        prop::sample::select(STRINGS).prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    arb_leaf().prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        4 => prop::sample::select(KEYS).prop_map(str::to_string),
                        1 => "[a-zA-Z]{0,8}",
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// An exec event OpenClaw would send, with generated parts.
fn arb_exec_event() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            prop::sample::select(STRINGS).prop_map(Value::from),
            arb_leaf()
        ],
        arb_json(),
    )
        .prop_map(|(command, extra)| {
            json!({"toolName": "exec", "params": {"command": command, "extra": extra},
                   "runId": "run-f", "toolCallId": "call-f"})
        })
}

#[derive(Debug, Clone)]
enum Op {
    Init(Value, Value),
    Dispatch(&'static str, Value, Value),
    Exec(Value, Value),
    Engine(&'static str, Value),
    Complete(Option<usize>, String, Value),
    Evaluate(String, Value),
    Tick(f64),
    /// Raw text where JSON is expected.
    RawDispatch(&'static str, String),
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (arb_json(), arb_json()).prop_map(|(c, i)| Op::Init(c, i)),
        6 => (prop::sample::select(HOOKS), arb_json(), arb_json())
            .prop_map(|(h, e, c)| Op::Dispatch(h, e, c)),
        4 => (arb_exec_event(), arb_json()).prop_map(|(e, c)| Op::Exec(e, c)),
        4 => (prop::sample::select(ENGINE), arb_json()).prop_map(|(m, p)| Op::Engine(m, p)),
        2 => (prop::option::of(0usize..8), ".{0,12}", arb_json())
            .prop_map(|(i, s, o)| Op::Complete(i, s, o)),
        2 => (".{0,80}", arb_json()).prop_map(|(c, x)| Op::Evaluate(c, x)),
        1 => any::<f64>().prop_map(Op::Tick),
        1 => (prop::sample::select(HOOKS), ".{0,60}").prop_map(|(h, t)| Op::RawDispatch(h, t)),
    ]
}

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

const INFO: &str = r#"{"openclawStateDir":"/oc","homeDir":"/home/u","conversationAccess":true}"#;

fn answer(text: &str, what: &str) -> Result<Value, TestCaseError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| TestCaseError::fail(format!("{what}: not JSON ({e}): {text:.200}")))?;
    if !v.is_object() {
        return Err(TestCaseError::fail(format!(
            "{what}: not an object: {text:.200}"
        )));
    }
    Ok(v)
}

/// Job ids the runtime handed out, so completions can name real ones.
fn job_ids(v: &Value, into: &mut Vec<String>) {
    if let Some(jobs) = v.get("jobs").and_then(Value::as_array) {
        for j in jobs {
            if let Some(id) = j.get("id").and_then(Value::as_str) {
                into.push(id.to_string());
            }
        }
    }
}

/// The fail-closed probe: `rm -rf /` is blocked by the hook and denied by the direct API
/// while phase 4 is on.
fn probe(rt: &mut Runtime, h: &MemoryHost) -> Result<(), TestCaseError> {
    let phase4_on = rt.config().is_none_or(|c| c.phase_enabled("bashSecurity"));
    if !rt.is_initialised() || !phase4_on {
        return Ok(());
    }
    let ev = json!({"toolName": "exec", "params": {"command": "rm -rf /"}, "runId": "probe",
                    "toolCallId": "probe"});
    let out = answer(
        &rt.dispatch_json(
            h,
            "before_tool_call",
            &ev.to_string(),
            r#"{"agentId":"main"}"#,
        ),
        "probe",
    )?;
    let blocked = out
        .pointer("/ret/block")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !blocked {
        return Err(TestCaseError::fail(format!(
            "rm -rf / was not blocked: {out}"
        )));
    }
    let ev = answer(
        &rt.evaluate_command_json(h, "rm -rf /", "{}"),
        "probe evaluate",
    )?;
    if ev.get("verdict").and_then(Value::as_str) != Some("deny") {
        return Err(TestCaseError::fail(format!("rm -rf / not denied: {ev}")));
    }
    Ok(())
}

static CALLS: AtomicU64 = AtomicU64::new(0);

fn run_sequence(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let h = host();
    let mut rt = Runtime::new();
    let init = answer(&rt.init_json(&h, "{}", INFO), "init")?;
    if init.get("ok") != Some(&Value::Bool(true)) {
        return Err(TestCaseError::fail(format!("default init failed: {init}")));
    }
    let mut jobs: Vec<String> = Vec::new();
    for op in ops {
        CALLS.fetch_add(1, Ordering::Relaxed);
        h.advance(1_000);
        let out = match &op {
            Op::Init(cfg, info) => {
                // Half the time keep host info usable, so the config is what varies.
                let info = if info.is_object() {
                    info.to_string()
                } else {
                    INFO.to_string()
                };
                rt.init_json(&h, &cfg.to_string(), &info)
            }
            Op::Dispatch(hook, e, c) => rt.dispatch_json(&h, hook, &e.to_string(), &c.to_string()),
            Op::Exec(e, c) => {
                rt.dispatch_json(&h, "before_tool_call", &e.to_string(), &c.to_string())
            }
            Op::Engine(m, p) => rt.engine_json(&h, m, &p.to_string()),
            Op::Complete(pick, raw, outcome) => {
                let id = pick
                    .and_then(|i| jobs.get(i % jobs.len().max(1)).cloned())
                    .unwrap_or_else(|| raw.clone());
                rt.complete_job_json(&h, &id, &outcome.to_string())
            }
            Op::Evaluate(cmd, ctx) => rt.evaluate_command_json(&h, cmd, &ctx.to_string()),
            Op::Tick(t) => rt.tick_json(&h, *t),
            Op::RawDispatch(hook, text) => rt.dispatch_json(&h, hook, text, text),
        };
        let v = answer(&out, &format!("{op:?}"))?;
        job_ids(&v, &mut jobs);
        if let Some(r) = v.get("response") {
            job_ids(r, &mut jobs);
        }
        probe(&mut rt, &h)?;
    }
    Ok(())
}

#[test]
fn entry_points_take_arbitrary_json_sequences() {
    let cases: u32 = std::env::var("AGENT_OPS_FUZZ_ENTRY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&prop::collection::vec(arb_op(), 1..24), run_sequence);
    println!(
        "fuzz_entry: {cases} sequences, {} calls",
        CALLS.load(Ordering::Relaxed)
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}
