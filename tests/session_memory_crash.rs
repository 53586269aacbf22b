//! Issue 6 crash proof (P3-R13 … R15, G-R16, G-R17): a writer process runs phase 3's job
//! pipeline through the runtime with the native host (real files, fsync, rename) and is
//! killed with SIGKILL at random moments. After every kill every memory file parses and every
//! journaled job is applied at most once; at the end a replay finishes every job exactly once.
//!
//! The writer is this test binary itself, started with `crash_writer` and
//! `AGENT_OPS_CRASH_DIR` set; the scripted LLM answers stand in for the model (outside the
//! product), everything else is the real core.

use agent_ops::host::{HostDirs, NativeHost};
use agent_ops::runtime::{JobKind, Runtime};
use agent_ops::session_memory::{bodies, Template};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Kill trials: `AGENT_OPS_CRASH_TRIALS`, default 200 (the issue asks for at least 200).
fn trials() -> usize {
    std::env::var("AGENT_OPS_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

fn runtime(dir: &Path) -> (NativeHost, Runtime) {
    let ws = dir.join("ws");
    let h = NativeHost::new(HostDirs {
        home_dir: dir.join("home").to_string_lossy().into_owned(),
        workspace_dir: ws.to_string_lossy().into_owned(),
        ..HostDirs::default()
    });
    let mut rt = Runtime::new();
    let cfg = json!({"stateDir": dir.join("state").to_string_lossy(), "phases": {"bashSecurity": false, "compaction": false, "loopBudget": false, "memoryScoping": {"enabled": true}, "sessionMemory": {"enabled": true}}});
    let info = json!({"homeDir": dir.join("home").to_string_lossy(), "workspaceDir": ws.to_string_lossy(), "conversationAccess": true});
    let r = rt.init(&h, &cfg.to_string(), &info.to_string());
    assert!(r.ok, "{:?}", r.errors);
    (h, rt)
}

fn notes_answer(tag: &str) -> String {
    agent_ops::session_memory::TEMPLATE
        .iter()
        .enumerate()
        .map(|(i, (h, d))| format!("{h}\n{d}\n{}\n", if i == 1 { tag } else { "" }))
        .collect::<Vec<_>>()
        .join("\n")
}

fn answer_for(job_id: &str, prompt: &str) -> Value {
    let text = if prompt.contains("agent-ops:job=memory_extract") {
        json!({"operations": [
            {"op": "append", "file": "log.md", "type": "project", "name": "Crash log", "description": "one entry per extraction", "body": format!("entry {job_id}")},
            {"op": "create", "file": format!("topics/{job_id}.md"), "type": "reference", "name": format!("Topic {job_id}"), "description": "created by one job", "body": "body"}
        ]})
        .to_string()
    } else {
        notes_answer(&format!("state after {job_id}"))
    };
    json!({"ok": true, "text": text})
}

/// Runs every job of an answer to completion (the scripted model answers at once).
fn run_jobs(h: &NativeHost, rt: &mut Runtime, mut jobs: Vec<agent_ops::runtime::Job>) {
    while let Some(j) = jobs.pop() {
        if j.kind != JobKind::Llm {
            continue;
        }
        let prompt = j.payload["prompt"].as_str().unwrap_or("").to_string();
        let r = rt
            .complete_job(h, &j.id, &answer_for(&j.id, &prompt))
            .unwrap();
        jobs.extend(r.jobs);
    }
}

/// The writer: replays what an earlier process left, then produces notes and extraction
/// jobs in a loop until it is killed.
#[test]
#[ignore = "child process of p3_crash_kill_9_at_random_moments_loses_and_duplicates_nothing"]
fn crash_writer() {
    let Some(dir) = std::env::var_os("AGENT_OPS_CRASH_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    let (h, mut rt) = runtime(&dir);
    let t = rt.tick(&h, 0).unwrap();
    run_jobs(&h, &mut rt, t.jobs);
    for i in 0..u64::MAX {
        let key = format!("agent:main:crash-{}-{i}", std::process::id());
        let messages = json!([
            {"role": "user", "content": format!("remember fact {i}")},
            {"role": "assistant", "content": [{"type": "text", "text": "noted"}], "usage": {"input": 12_000, "output": 10}}
        ]);
        let r = rt
            .dispatch(
                &h,
                "sessionMemory:agent_end",
                &json!({"runId": format!("run-{i}"), "messages": messages}),
                &json!({"sessionKey": key, "sessionId": format!("s{}-{i}", std::process::id()), "agentId": "main"}),
            )
            .unwrap();
        run_jobs(&h, &mut rt, r.jobs);
    }
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The journal's records. `torn` holds the unterminated tails earlier checks saw (a kill
/// mid-line): the next writer's append terminates such a tail, which then stays as a line of
/// its own that readers skip (G-R17: nothing cuts journal bytes). Exactly those lines may fail
/// to parse; any other would be a corruption (a record glued onto a fragment).
fn journal(dir: &Path, torn: &mut BTreeSet<String>) -> Vec<Value> {
    let text = fs::read_to_string(dir.join("state/jobs/journal.jsonl")).unwrap_or_default();
    let end = text.rfind('\n').map_or(0, |i| i + 1);
    let out = text[..end]
        .lines()
        .filter(|l| !torn.contains(*l))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("journal line {l:?}: {e}")))
        .collect();
    if end < text.len() {
        torn.insert(text[end..].to_string());
    }
    out
}

/// Whether a job was enqueued after byte `offset` of the journal.
fn enqueued_since(dir: &Path, offset: u64) -> bool {
    let text = fs::read(dir.join("state/jobs/journal.jsonl")).unwrap_or_default();
    let tail = text.get(offset as usize..).unwrap_or_default();
    String::from_utf8_lossy(tail).contains("\"enqueued\"")
}

fn journal_len(dir: &Path) -> u64 {
    fs::metadata(dir.join("state/jobs/journal.jsonl")).map_or(0, |m| m.len())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

/// Every file parses; no job is applied twice; returns (succeeded, live) job ids. `torn`: see
/// [`journal`].
fn check(dir: &Path, torn: &mut BTreeSet<String>) -> (BTreeSet<String>, BTreeSet<String>) {
    let t = Template::builtin();
    let mut files = Vec::new();
    walk(&dir.join("state"), &mut files);
    walk(&dir.join("ws/.openclaw"), &mut files);
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".tmp-") {
            // A temp file a kill left behind: never the real file, harmless.
            continue;
        }
        let text = fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        if name == "notes.md" {
            assert_eq!(
                bodies(&t, &text).1,
                10,
                "torn notes {}:\n{text}",
                f.display()
            );
        } else if name == "cursor.json"
            || (name.ends_with(".json") && f.parent().unwrap().ends_with("jobs"))
        {
            serde_json::from_str::<Value>(&text)
                .unwrap_or_else(|e| panic!("{}: {e}\n{text}", f.display()));
        } else if name == "MEMORY.md" {
            assert!(text.is_empty() || text.ends_with('\n'));
            for l in text.lines() {
                assert!(
                    l.starts_with("- [") && l.chars().count() <= 150,
                    "bad index line {l:?}"
                );
            }
        } else if f.extension().is_some_and(|e| e == "md") {
            assert!(
                text.starts_with("---\nname: "),
                "torn memory file {}:\n{text}",
                f.display()
            );
        }
    }
    let mut status: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in journal(dir, torn) {
        status
            .entry(r["jobId"].as_str().unwrap().to_string())
            .or_default()
            .push(r["event"].as_str().unwrap().to_string());
    }
    let mut done = BTreeSet::new();
    let mut live = BTreeSet::new();
    for (id, evs) in &status {
        assert_eq!(
            evs.first().map(String::as_str),
            Some("enqueued"),
            "{id}: {evs:?}"
        );
        let terminal = evs
            .iter()
            .filter(|e| matches!(e.as_str(), "succeeded" | "dead" | "dropped"))
            .count();
        assert!(
            terminal <= 1,
            "{id} has {terminal} terminal events: {evs:?}"
        );
        assert!(
            !evs.iter().any(|e| e == "dead" || e == "dropped"),
            "{id}: {evs:?}"
        );
        if evs.last().map(String::as_str) == Some("succeeded") {
            done.insert(id.clone());
        } else {
            live.insert(id.clone());
        }
    }
    let log =
        fs::read_to_string(dir.join("ws/.openclaw/agent-memory/main/log.md")).unwrap_or_default();
    for id in status.keys().filter(|id| id.starts_with("lt-")) {
        let n = log.matches(&format!("entry {id}\n")).count();
        let marker = log.matches(&format!("<!-- agent-ops:job={id} -->")).count();
        assert!(n <= 1 && marker <= 1, "{id} applied {n} times");
        // An append is skipped only once the file is over its cap (the job still succeeds).
        let full = log.len() as u64 > agent_ops::session_memory::MEMORY_FILE_MAX_BYTES;
        if done.contains(id) && !full {
            assert_eq!(n, 1, "{id} succeeded but its entry is missing");
        }
    }
    (done, live)
}

#[test]
fn p3_crash_kill_9_at_random_moments_loses_and_duplicates_nothing() {
    let dir = std::env::temp_dir().join(format!("agent-ops-p3-crash-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("ws/.git")).unwrap();
    fs::create_dir_all(dir.join("home")).unwrap();
    let exe = std::env::current_exe().unwrap();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    let mut rng = Rng(seed);
    let mut killed_mid_work = 0usize;
    let mut torn = BTreeSet::new();
    let trials = trials();
    let started = std::time::Instant::now();
    for trial in 0..trials {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "session_memory_crash::crash_writer",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("AGENT_OPS_CRASH_DIR", &dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let before = journal_len(&dir);
        // Kill at a random moment after the writer has enqueued a job of its own: waiting
        // for that journal line (not a fixed delay) keeps the test meaningful on a loaded
        // machine, where process start-up alone can take longer than any fixed delay.
        let started = std::time::Instant::now();
        while !enqueued_since(&dir, before)
            && started.elapsed() < Duration::from_secs(60)
            && child.try_wait().ok().flatten().is_none()
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_micros(5_000 + rng.next() % 75_000));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if journal_len(&dir) > before {
            killed_mid_work += 1;
        }
        check(&dir, &mut torn);
        let _ = trial;
    }
    // A last, uninterrupted process replays what the kills left and finishes everything.
    let (h, mut rt) = runtime(&dir);
    // Extractions of one memory directory run one at a time: tick until nothing is left.
    for _ in 0..10_000 {
        let t = rt.tick(&h, 0).unwrap();
        if t.jobs.is_empty() {
            break;
        }
        run_jobs(&h, &mut rt, t.jobs);
    }
    let (done, live) = check(&dir, &mut torn);
    assert!(
        live.is_empty(),
        "unfinished after the final replay: {live:?}"
    );
    assert!(
        done.len() >= trials / 2,
        "only {} jobs ran (seed {seed})",
        done.len()
    );
    assert!(
        killed_mid_work >= trials / 2,
        "only {killed_mid_work} kills hit a writer that had journaled work (seed {seed})"
    );
    eprintln!(
        "p3 crash test: {trials} SIGKILL trials (seed {seed}), {killed_mid_work} after the writer journaled work, {} jobs completed exactly once, {:.1} s",
        done.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = fs::remove_dir_all(&dir);
}
