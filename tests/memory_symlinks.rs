//! Issue 19, P5-R8a: a repository can commit `.openclaw/agent-memory/<agent>`, a directory
//! above it or a memory file inside it as a symlink. Every long-term memory write refuses a
//! symlink anywhere below the trusted base, with `scope.path.symlink`, and writes nothing
//! through it. Real files through the native host; the scripted answer stands in for the model.

use agent_ops::host::{HostDirs, NativeHost};
use agent_ops::runtime::{JobKind, Runtime};
use serde_json::{json, Value};
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn fresh(tag: &str) -> Dir {
    let d = std::env::temp_dir().join(format!("agent-ops-p5-symlink-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(d.join("ws/.git")).unwrap();
    fs::create_dir_all(d.join("home")).unwrap();
    fs::create_dir_all(d.join("outside")).unwrap();
    Dir(d)
}

fn runtime(dir: &Path) -> (NativeHost, Runtime) {
    let ws = dir.join("ws");
    let h = NativeHost::new(HostDirs {
        home_dir: dir.join("home").to_string_lossy().into_owned(),
        workspace_dir: ws.to_string_lossy().into_owned(),
        ..HostDirs::default()
    });
    let mut rt = Runtime::new();
    let cfg = json!({"stateDir": dir.join("state").to_string_lossy(), "phases": {"bashSecurity": false, "compaction": false, "loopBudget": false, "memoryScoping": {"enabled": true}, "sessionMemory": {"enabled": true, "longTerm": {"everyNRuns": 1}}}});
    let info = json!({"homeDir": dir.join("home").to_string_lossy(), "workspaceDir": ws.to_string_lossy(), "conversationAccess": true});
    let r = rt.init(&h, &cfg.to_string(), &info.to_string());
    assert!(r.ok, "{:?}", r.errors);
    (h, rt)
}

/// One run that asks for an extraction, answered with a create and an append.
fn extract(h: &NativeHost, rt: &mut Runtime) {
    let messages = json!([
        {"role": "user", "content": "remember that the build uses make"},
        {"role": "assistant", "content": [{"type": "text", "text": "noted"}], "usage": {"input": 200, "output": 10}}
    ]);
    let r = rt
        .dispatch(
            h,
            "sessionMemory:agent_end",
            &json!({"runId": "r1", "messages": messages}),
            &json!({"sessionKey": "agent:main:main", "sessionId": "s1", "agentId": "main"}),
        )
        .unwrap();
    let mut jobs = r.jobs;
    let mut saw_extract = false;
    for _ in 0..50 {
        let Some(j) = jobs.pop() else { break };
        if j.kind != JobKind::Llm {
            continue;
        }
        let prompt = j.payload["prompt"].as_str().unwrap_or("");
        let extract = prompt.contains("agent-ops:job=memory_extract");
        saw_extract |= extract;
        let text = if extract {
            json!({"operations": [
                {"op": "create", "file": "build.md", "type": "project", "name": "Build", "description": "how to build", "body": "make"},
                {"op": "append", "file": "log.md", "type": "project", "name": "Log", "description": "entries", "body": "entry"}
            ]})
            .to_string()
        } else {
            continue;
        };
        let r = rt
            .complete_job(h, &j.id, &json!({"ok": true, "text": text}))
            .unwrap();
        jobs.extend(r.jobs);
    }
    assert!(saw_extract, "no extraction job was started");
}

fn decisions(dir: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    let Ok(rd) = fs::read_dir(dir.join("state/audit")) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "jsonl") && p.to_string_lossy().contains("decisions")
        {
            for l in fs::read_to_string(&p).unwrap_or_default().lines() {
                if let Ok(v) = serde_json::from_str::<Value>(l) {
                    out.push(v);
                }
            }
        }
    }
    out
}

fn refused(dir: &Path) -> bool {
    decisions(dir)
        .iter()
        .any(|d| d["code"] == "scope.path.symlink")
}

fn outside_untouched(dir: &Path, before: &[(PathBuf, String)]) {
    let mut now = Vec::new();
    for e in fs::read_dir(dir.join("outside")).unwrap().flatten() {
        now.push((e.path(), fs::read_to_string(e.path()).unwrap_or_default()));
    }
    now.sort();
    assert_eq!(now, before, "a memory write went through the symlink");
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut v: Vec<_> = fs::read_dir(dir.join("outside"))
        .unwrap()
        .flatten()
        .map(|e| (e.path(), fs::read_to_string(e.path()).unwrap_or_default()))
        .collect();
    v.sort();
    v
}

#[test]
fn a_plain_memory_directory_is_written() {
    let d = fresh("plain");
    let (h, mut rt) = runtime(&d.0);
    extract(&h, &mut rt);
    let mem = d.0.join("ws/.openclaw/agent-memory/main");
    assert!(
        mem.join("build.md").is_file(),
        "the control case wrote nothing"
    );
    assert!(!refused(&d.0));
}

#[test]
fn a_symlinked_agent_directory_is_refused() {
    let d = fresh("agentdir");
    fs::create_dir_all(d.0.join("ws/.openclaw/agent-memory")).unwrap();
    symlink(
        d.0.join("outside"),
        d.0.join("ws/.openclaw/agent-memory/main"),
    )
    .unwrap();
    let before = snapshot(&d.0);
    let (h, mut rt) = runtime(&d.0);
    extract(&h, &mut rt);
    outside_untouched(&d.0, &before);
    assert!(refused(&d.0), "{:#?}", decisions(&d.0));
}

#[test]
fn a_symlinked_parent_directory_is_refused() {
    let d = fresh("parent");
    symlink(d.0.join("outside"), d.0.join("ws/.openclaw")).unwrap();
    let before = snapshot(&d.0);
    let (h, mut rt) = runtime(&d.0);
    extract(&h, &mut rt);
    outside_untouched(&d.0, &before);
    assert!(refused(&d.0), "{:#?}", decisions(&d.0));
}

#[test]
fn a_symlinked_memory_file_is_refused() {
    let d = fresh("file");
    let mem = d.0.join("ws/.openclaw/agent-memory/main");
    fs::create_dir_all(&mem).unwrap();
    fs::write(d.0.join("outside/secret.txt"), "TOKEN=abc\n").unwrap();
    symlink(d.0.join("outside/secret.txt"), mem.join("log.md")).unwrap();
    let before = snapshot(&d.0);
    let (h, mut rt) = runtime(&d.0);
    extract(&h, &mut rt);
    outside_untouched(&d.0, &before);
    assert!(refused(&d.0), "{:#?}", decisions(&d.0));
    // Nothing else of the job was applied either, and the secret was not copied in.
    assert!(!mem.join("build.md").exists());
    assert!(fs::symlink_metadata(mem.join("log.md"))
        .unwrap()
        .file_type()
        .is_symlink());
}
