//! Issue 19 proof (G-R15, G-R19): the `SCHEMA` file, migrations at init under a lock, and a
//! newer schema's directory left untouched.
//!
//! - A state dir that says `SCHEMA` 999: every phase on, a run's worth of hooks (phase 4 with
//!   an `allow-always` answer, budgets, lineage, notes, compaction) and a tick write nothing to
//!   it, and the init diagnostic names the file and the version.
//! - Several processes (the gateway and `--local` CLI runs each init the runtime on start)
//!   initialising one pre-schema state dir at the same moment migrate it exactly once.

use agent_ops::host::{HostDirs, NativeHost};
use agent_ops::runtime::Runtime;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("agent-ops-schema-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("ws")).unwrap();
    fs::create_dir_all(dir.join("home")).unwrap();
    fs::create_dir_all(dir.join("state")).unwrap();
    dir
}

fn native(dir: &Path) -> NativeHost {
    NativeHost::new(HostDirs {
        home_dir: dir.join("home").to_string_lossy().into_owned(),
        workspace_dir: dir.join("ws").to_string_lossy().into_owned(),
        openclaw_state_dir: dir.join("oc").to_string_lossy().into_owned(),
        ..HostDirs::default()
    })
}

fn init(h: &NativeHost, dir: &Path) -> (Runtime, agent_ops::runtime::InitResult) {
    let cfg = json!({"stateDir": dir.join("state").to_string_lossy(), "phases": {
        "bashSecurity": {"enabled": true}, "compaction": {"enabled": true},
        "loopBudget": {"enabled": true}, "memoryScoping": {"enabled": true},
        "sessionMemory": {"enabled": true}, "coordinator": {"enabled": true},
        "forkSkills": {"enabled": true}}});
    let info = json!({"homeDir": dir.join("home").to_string_lossy(), "workspaceDir": dir.join("ws").to_string_lossy(), "conversationAccess": true});
    let mut rt = Runtime::new();
    let r = rt.init(h, &cfg.to_string(), &info.to_string());
    assert!(r.ok, "{:?}", r.errors);
    (rt, r)
}

/// Every file below `dir` with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.insert(format!("{}/", p.display()), Vec::new());
                stack.push(p);
            } else {
                out.insert(p.display().to_string(), fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

/// A run's worth of hooks through every phase, with an `allow-always` answer and a tick.
fn run_hooks(h: &NativeHost, rt: &mut Runtime, dir: &Path) {
    let ctx = &json!({"sessionKey": "agent:main:s", "sessionId": "s", "agentId": "main", "runId": "r1", "workspaceDir": dir.join("ws").to_string_lossy(), "requester": {"channel": "webchat"}});
    let hooks: Vec<(&str, Value)> = vec![
        (
            "session_start",
            json!({"sessionId": "s", "sessionKey": "agent:main:s"}),
        ),
        ("before_agent_run", json!({"prompt": "go", "runId": "r1"})),
        (
            "before_prompt_build",
            json!({"prompt": "go", "messages": []}),
        ),
        (
            "llm_output",
            json!({"runId": "r1", "usage": {"input": 5000, "output": 70}}),
        ),
        (
            "after_tool_call",
            json!({"toolName": "read", "params": {"path": "a"}, "result": "x", "runId": "r1", "toolCallId": "t0"}),
        ),
        (
            "agent_end",
            json!({"success": true, "messages": [{"role": "user", "content": "go"}]}),
        ),
    ];
    for (name, ev) in &hooks {
        rt.dispatch(h, name, ev, ctx).unwrap();
    }
    let ask = rt
        .dispatch(
            h,
            "before_tool_call",
            &json!({"toolName": "exec", "params": {"command": "npm test"}, "runId": "r1", "toolCallId": "t1"}),
            ctx,
        )
        .unwrap();
    for job in ask
        .jobs
        .iter()
        .filter(|j| j.kind == agent_ops::runtime::JobKind::Approval)
    {
        rt.complete_job(h, &job.id, &json!({"decision": "allow-always"}))
            .unwrap();
    }
    rt.dispatch(h, "session_end", &json!({"sessionId": "s"}), ctx)
        .unwrap();
    rt.tick(h, 0).unwrap();
}

#[test]
fn a_newer_schema_is_never_written_and_the_diagnostic_names_it() {
    let dir = temp_dir("newer");
    let state = dir.join("state");
    fs::write(state.join("SCHEMA"), "999\n").unwrap();
    // State of the newer version, which this one must not touch either.
    fs::create_dir_all(state.join("budget")).unwrap();
    fs::write(state.join("budget/agent_main_s.json"), "{\"v\":7}").unwrap();
    let before = tree(&state);
    let h = native(&dir);
    let (mut rt, r) = init(&h, &dir);
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.code == "core.schema.newer")
        .unwrap_or_else(|| panic!("{:?}", r.diagnostics));
    assert!(
        d.message.contains("999")
            && d.message
                .contains(&state.join("SCHEMA").display().to_string()),
        "{}",
        d.message
    );
    assert!(r
        .phases
        .iter()
        .filter(|p| p.enabled)
        .all(|p| p.degraded.iter().any(|m| m.starts_with("read-only"))));
    run_hooks(&h, &mut rt, &dir);
    assert_eq!(tree(&state), before, "the read-only state dir changed");
    // The same run on the current schema writes state: the comparison above can fail.
    fs::write(
        state.join("SCHEMA"),
        format!("{}\n", agent_ops::schema::SCHEMA_VERSION),
    )
    .unwrap();
    let (mut rt, _) = init(&h, &dir);
    run_hooks(&h, &mut rt, &dir);
    let after = tree(&state);
    assert!(after.len() > before.len() + 3, "{:?}", after.keys());
    let _ = fs::remove_dir_all(&dir);
}

/// One process initialising the shared dir: `AGENT_OPS_SCHEMA_DIR` set by the test below.
#[test]
#[ignore = "child process of concurrent_inits_migrate_a_pre_schema_dir_once"]
fn schema_initialiser() {
    let Some(dir) = std::env::var_os("AGENT_OPS_SCHEMA_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    // Start together: wait for the parent's go file (every child is spawned by then).
    while !dir.join("go").exists() {
        std::thread::yield_now();
    }
    let h = native(&dir);
    let (_, r) = init(&h, &dir);
    let migrated = r
        .diagnostics
        .iter()
        .any(|d| d.code == "core.schema.migrated");
    let locked = r.diagnostics.iter().any(|d| d.code == "core.schema.locked");
    println!("result migrated={migrated} locked={locked}");
}

#[test]
fn concurrent_inits_migrate_a_pre_schema_dir_once() {
    const PROCS: usize = 4;
    for round in 0..3 {
        let dir = temp_dir(&format!("conc{round}"));
        let state = dir.join("state");
        // A pre-schema directory: a phase 2 file under its legacy name.
        fs::create_dir_all(state.join("budget")).unwrap();
        fs::write(state.join("budget/agent_main_a_b.json"), "{}").unwrap();
        let exe = std::env::current_exe().unwrap();
        let children: Vec<_> = (0..PROCS)
            .map(|_| {
                Command::new(&exe)
                    .args([
                        "--exact",
                        "state_schema::schema_initialiser",
                        "--ignored",
                        "--nocapture",
                        "--test-threads=1",
                    ])
                    .env("AGENT_OPS_SCHEMA_DIR", &dir)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        fs::write(dir.join("go"), "").unwrap();
        let mut migrated = 0;
        for c in children {
            let out = c.wait_with_output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && text.contains("result "),
                "{text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            if text.contains("migrated=true") {
                migrated += 1;
            }
            // A process that found the lock held past its wait would run unmigrated: it never
            // waits that long here.
            assert!(text.contains("locked=false"), "{text}");
        }
        let journal = fs::read_to_string(state.join("migrations.jsonl")).unwrap();
        assert_eq!(journal.lines().count(), 1, "{journal}");
        assert_eq!(migrated, 1);
        assert_eq!(
            fs::read_to_string(state.join("SCHEMA")).unwrap(),
            format!("{}\n", agent_ops::schema::SCHEMA_VERSION)
        );
        assert!(!state.join("locks/schema").exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
