//! Phase 5 through the runtime with the native host over real temp directories: the prompt
//! block, the isolation guard and the symlink rule (P5-R8a, R9, R11, R12).

use agent_ops::host::{HostDirs, NativeHost};
use agent_ops::runtime::Runtime;
use serde_json::{json, Value};
use std::fs;
use std::path::PathBuf;

struct Tmp(PathBuf);
impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn tmp(name: &str) -> Tmp {
    let d = std::env::temp_dir().join(format!("agent-ops-p5-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(d.join("home")).unwrap();
    fs::create_dir_all(d.join("proj/.git")).unwrap();
    fs::create_dir_all(d.join("proj/sub")).unwrap();
    Tmp(d)
}

fn runtime(t: &Tmp, cfg: Value) -> (NativeHost, Runtime) {
    let home = t.0.join("home").to_string_lossy().into_owned();
    let h = NativeHost::new(HostDirs {
        home_dir: home.clone(),
        workspace_dir: String::new(),
        ..HostDirs::default()
    });
    let mut rt = Runtime::new();
    let config = json!({"stateDir": t.0.join("state").to_string_lossy(), "phases": {"bashSecurity": false, "compaction": false, "loopBudget": false, "memoryScoping": cfg}}).to_string();
    let r = rt.init(
        &h,
        &config,
        &json!({"homeDir": home, "conversationAccess": true}).to_string(),
    );
    assert!(r.ok, "{:?}", r.errors);
    (h, rt)
}

fn ctx(t: &Tmp, agent: &str) -> Value {
    json!({"sessionKey": format!("agent:{agent}:main"), "agentId": agent, "workspaceDir": t.0.join("proj/sub").to_string_lossy()})
}

#[test]
fn p5_project_memory_index_and_recall_reach_the_prompt() {
    let t = tmp("prompt");
    let mem = t.0.join("proj/.openclaw/agent-memory/main");
    fs::create_dir_all(&mem).unwrap();
    fs::write(
        mem.join("MEMORY.md"),
        "- [Deploy](deploy.md) — how we ship\n",
    )
    .unwrap();
    fs::write(mem.join("deploy.md"), "---\nname: Deploy\ndescription: deploy script steps\ntype: project\n---\nRun ./ship.sh with --canary first.\n").unwrap();
    let (h, mut rt) = runtime(&t, json!({}));
    let r = rt
        .dispatch(
            &h,
            "memoryScoping:before_prompt_build",
            &json!({"prompt": "please fix the deploy script"}),
            &ctx(&t, "main"),
        )
        .unwrap();
    let block = r.ret["appendSystemContext"].as_str().unwrap();
    assert!(block.contains("(project scope)"), "{block}");
    assert!(
        block.contains(&format!("{}/", mem.to_string_lossy())),
        "the walk-up found the project root: {block}"
    );
    assert!(block.contains("- [Deploy](deploy.md) — how we ship"));
    assert!(block.contains("shared with your team through version control"));
    assert!(
        block.contains("Run ./ship.sh with --canary first."),
        "lexical recall: {block}"
    );
    // Surfaced once per session.
    let r = rt
        .dispatch(
            &h,
            "memoryScoping:before_prompt_build",
            &json!({"prompt": "deploy again"}),
            &ctx(&t, "main"),
        )
        .unwrap();
    assert!(!r.ret["appendSystemContext"]
        .as_str()
        .unwrap()
        .contains("--canary"));
    // Internal runs get no block.
    let r = rt.dispatch(&h, "memoryScoping:before_prompt_build", &json!({"prompt": "x"}), &json!({"sessionKey": "agent:main:internal-session-effects:r-1", "workspaceDir": "/tmp"})).unwrap();
    assert_eq!(r.ret, Value::Null);
}

#[test]
fn p5_t13_isolation_blocks_writes_into_another_agents_memory() {
    let t = tmp("iso");
    let (h, mut rt) = runtime(&t, json!({}));
    let other = t.0.join("proj/.openclaw/agent-memory/reviewer/notes.md");
    let ev = json!({"toolName": "write", "params": {"path": other.to_string_lossy(), "content": "x"}, "toolCallId": "w1"});
    let r = rt
        .dispatch(&h, "memoryScoping:before_tool_call", &ev, &ctx(&t, "main"))
        .unwrap();
    assert_eq!(r.ret["block"], true);
    assert!(r.ret["blockReason"]
        .as_str()
        .unwrap()
        .starts_with("agent-ops[scope.isolation.foreign_memory]"));
    let own = t.0.join("proj/.openclaw/agent-memory/main/notes.md");
    let ev = json!({"toolName": "edit", "params": {"path": own.to_string_lossy()}});
    assert_eq!(
        rt.dispatch(&h, "memoryScoping:before_tool_call", &ev, &ctx(&t, "main"))
            .unwrap()
            .ret,
        Value::Null
    );
    let (h2, mut warn) = runtime(&t, json!({"isolation": "warn"}));
    let ev = json!({"toolName": "write", "params": {"path": other.to_string_lossy()}});
    assert_eq!(
        warn.dispatch(&h2, "memoryScoping:before_tool_call", &ev, &ctx(&t, "main"))
            .unwrap()
            .ret,
        Value::Null
    );
}

#[cfg(unix)]
#[test]
fn p5_t29_a_symlinked_memory_dir_is_never_followed() {
    let t = tmp("link");
    let elsewhere = t.0.join("home/secret-notes");
    fs::create_dir_all(&elsewhere).unwrap();
    fs::write(elsewhere.join("MEMORY.md"), "SECRET CONTENT\n").unwrap();
    fs::create_dir_all(t.0.join("proj/.openclaw/agent-memory")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, t.0.join("proj/.openclaw/agent-memory/main")).unwrap();
    let (h, mut rt) = runtime(&t, json!({}));
    let r = rt
        .dispatch(
            &h,
            "memoryScoping:before_prompt_build",
            &json!({"prompt": "hi"}),
            &ctx(&t, "main"),
        )
        .unwrap();
    assert_eq!(r.ret, Value::Null, "no block through a symlink");
    assert!(r.diagnostics.iter().any(|d| d.code == "scope.path.symlink"));
}

#[test]
fn p5_t3_user_scope_and_remote_dir_via_config_env() {
    let t = tmp("user");
    let (h, mut rt) = runtime(&t, json!({"defaultScope": "user"}));
    let r = rt
        .dispatch(
            &h,
            "memoryScoping:before_prompt_build",
            &json!({"prompt": "hi"}),
            &ctx(&t, "main"),
        )
        .unwrap();
    let block = r.ret["appendSystemContext"].as_str().unwrap();
    assert!(
        block.contains(&format!(
            "{}/memory/agent-memory/main/",
            t.0.join("state").to_string_lossy()
        )),
        "{block}"
    );
    assert!(block.contains("(empty: nothing remembered yet)"));
    let (h, mut none) = runtime(&t, json!({"agents": {"main": {"scope": "none"}}}));
    assert_eq!(
        none.dispatch(
            &h,
            "memoryScoping:before_prompt_build",
            &json!({}),
            &ctx(&t, "main")
        )
        .unwrap()
        .ret,
        Value::Null
    );
}

#[test]
fn p5_t18_snapshot_initializes_an_empty_user_memory_at_the_first_prompt() {
    let t = tmp("snap");
    let snap = t.0.join("proj/.openclaw/agent-memory-snapshots/main");
    fs::create_dir_all(&snap).unwrap();
    fs::write(
        snap.join("snapshot.json"),
        r#"{"updatedAt":"2026-11-24T10:00:00Z"}"#,
    )
    .unwrap();
    fs::write(
        snap.join("MEMORY.md"),
        "- [Team conventions](conventions.md) — SNAPSHOT-INDEX\n",
    )
    .unwrap();
    fs::write(
        snap.join("conventions.md"),
        "---\nname: Team conventions\ndescription: conventions\n---\nUse rebase.\n",
    )
    .unwrap();
    let (h, mut rt) = runtime(&t, json!({"defaultScope": "user"}));
    let mem = t.0.join("state/memory/agent-memory/main");
    // G-R18: while another process holds the directory's lock (an extraction rewriting it),
    // the check waits for a later prompt and copies nothing.
    let lock = agent_ops::memdir::dir_lock_path(
        t.0.join("state").to_str().unwrap(),
        mem.to_str().unwrap(),
    );
    agent_ops::host::Host::fs_lock(&h, &lock, 30_000).unwrap();
    rt.dispatch(
        &h,
        "memoryScoping:before_prompt_build",
        &json!({"prompt": "hi"}),
        &ctx(&t, "main"),
    )
    .unwrap();
    assert!(!mem.join("conventions.md").exists());
    agent_ops::host::Host::fs_unlock(&h, &lock).unwrap();
    let r = rt
        .dispatch(
            &h,
            "memoryScoping:before_prompt_build",
            &json!({"prompt": "hi"}),
            &ctx(&t, "main"),
        )
        .unwrap();
    let block = r.ret["appendSystemContext"].as_str().unwrap();
    assert!(block.contains("SNAPSHOT-INDEX"), "{block}");
    assert_eq!(
        fs::read_to_string(mem.join("conventions.md")).unwrap(),
        "---\nname: Team conventions\ndescription: conventions\n---\nUse rebase.\n"
    );
    assert!(fs::read_to_string(mem.join(".snapshot-synced.json"))
        .unwrap()
        .contains("2026-11-24T10:00:00Z"));
    // A newer snapshot later becomes a note for the agent, once per process.
    fs::write(
        snap.join("snapshot.json"),
        r#"{"updatedAt":"2026-11-25T10:00:00Z"}"#,
    )
    .unwrap();
    let (h, mut rt) = runtime(&t, json!({"defaultScope": "user"}));
    let r = rt
        .dispatch(
            &h,
            "memoryScoping:before_prompt_build",
            &json!({"prompt": "hi"}),
            &ctx(&t, "main"),
        )
        .unwrap();
    assert!(r.ret["appendSystemContext"]
        .as_str()
        .unwrap()
        .contains("A newer project memory snapshot is available"));
}

/// P5-R8a on the read side of snapshots: a repository that commits its snapshot directory
/// as a symlink (say to a directory of keys) gets nothing copied into the agent's memory.
#[test]
fn p5_r8a_a_symlinked_snapshot_directory_is_not_copied() {
    let t = tmp("snaplink");
    let keys = t.0.join("keys");
    fs::create_dir_all(&keys).unwrap();
    fs::write(
        keys.join("snapshot.json"),
        r#"{"updatedAt":"2026-11-24T10:00:00Z"}"#,
    )
    .unwrap();
    fs::write(keys.join("MEMORY.md"), "- [Key](id_rsa.md) — KEY-INDEX\n").unwrap();
    fs::write(
        keys.join("id_rsa.md"),
        "---\nname: Key\ndescription: k\n---\nPRIVATE KEY\n",
    )
    .unwrap();
    let snaps = t.0.join("proj/.openclaw/agent-memory-snapshots");
    fs::create_dir_all(&snaps).unwrap();
    std::os::unix::fs::symlink(&keys, snaps.join("main")).unwrap();
    let (h, mut rt) = runtime(&t, json!({"defaultScope": "user"}));
    let r = rt
        .dispatch(
            &h,
            "memoryScoping:before_prompt_build",
            &json!({"prompt": "hi"}),
            &ctx(&t, "main"),
        )
        .unwrap();
    let block = r.ret["appendSystemContext"].as_str().unwrap_or("");
    assert!(!block.contains("KEY-INDEX"), "{block}");
    let mem = t.0.join("state/memory/agent-memory/main");
    assert!(
        !mem.join("id_rsa.md").exists(),
        "the snapshot was copied through the symlink"
    );
}

/// P5-R8a for the agent's own writes with the file tools: a symlink below the trusted base
/// blocks the write; a plain path is untouched.
#[test]
fn p5_r8a_own_memory_writes_through_a_symlink_are_blocked() {
    let t = tmp("ownlink");
    let elsewhere = t.0.join("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    fs::create_dir_all(t.0.join("proj/.openclaw/agent-memory")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, t.0.join("proj/.openclaw/agent-memory/main")).unwrap();
    let (h, mut rt) = runtime(&t, json!({}));
    let own = t.0.join("proj/.openclaw/agent-memory/main/notes.md");
    let ev =
        json!({"toolName": "write", "params": {"path": own.to_string_lossy(), "content": "x"}});
    let r = rt
        .dispatch(&h, "memoryScoping:before_tool_call", &ev, &ctx(&t, "main"))
        .unwrap();
    assert_eq!(r.ret["block"], true, "{r:#?}");
    assert!(r.ret["blockReason"]
        .as_str()
        .unwrap()
        .starts_with("agent-ops[scope.path.symlink]"));
}

/// P5-R4: local memory inside the project gets a `.gitignore` containing `*` on first write,
/// so it can never be committed; an operator's own `.gitignore` is left alone.
#[test]
fn p5_r4_local_memory_is_git_ignored_on_first_write() {
    let t = tmp("localignore");
    let (h, mut rt) = runtime(&t, json!({"defaultScope": "local"}));
    let own = t.0.join("proj/.openclaw/agent-memory-local/main/notes.md");
    let ev =
        json!({"toolName": "write", "params": {"path": own.to_string_lossy(), "content": "x"}});
    let r = rt
        .dispatch(&h, "memoryScoping:before_tool_call", &ev, &ctx(&t, "main"))
        .unwrap();
    assert_eq!(r.ret, Value::Null);
    let ignore = t.0.join("proj/.openclaw/agent-memory-local/.gitignore");
    assert_eq!(fs::read_to_string(&ignore).unwrap(), "*\n");
    fs::write(&ignore, "*\n!keep.md\n").unwrap();
    rt.dispatch(&h, "memoryScoping:before_tool_call", &ev, &ctx(&t, "main"))
        .unwrap();
    assert_eq!(fs::read_to_string(&ignore).unwrap(), "*\n!keep.md\n");
}

/// G-R7a (issue 19): an internal job that runs through OpenClaw is recognised by the
/// `agent-ops:job=<purpose>` marker of its prompt, not only by its session key: no memory is
/// injected for it, for that hook and the session's later ones.
#[test]
fn g_r7a_a_marked_internal_job_gets_no_memory() {
    let t = tmp("marker");
    let mem = t.0.join("proj/.openclaw/agent-memory/main");
    fs::create_dir_all(&mem).unwrap();
    fs::write(
        mem.join("MEMORY.md"),
        "- [Deploy](deploy.md) — how we ship\n",
    )
    .unwrap();
    let (h, mut rt) = runtime(&t, json!({}));
    let job = json!({"sessionKey": "agent:main:subagent:job-1", "agentId": "main", "workspaceDir": t.0.join("proj/sub").to_string_lossy()});
    let r = rt
        .dispatch(
            &h,
            "memoryScoping:before_prompt_build",
            &json!({"prompt": "Summarise this.\nagent-ops:job=memory_extract\n"}),
            &job,
        )
        .unwrap();
    assert_eq!(r.ret, Value::Null, "{:?}", r.ret);
    // A later hook of the same session carries no prompt and is still recognised.
    let r = rt
        .dispatch(
            &h,
            "memoryScoping:before_prompt_build",
            &json!({"prompt": "next"}),
            &job,
        )
        .unwrap();
    assert_eq!(r.ret, Value::Null, "{:?}", r.ret);
    // An ordinary session that merely mentions the marker inside a line is not internal.
    let r = rt
        .dispatch(
            &h,
            "memoryScoping:before_prompt_build",
            &json!({"prompt": "what does agent-ops:job=memory_extract mean?"}),
            &ctx(&t, "main"),
        )
        .unwrap();
    assert!(r.ret["appendSystemContext"].is_string(), "{:?}", r.ret);
}

/// G-R7a fails closed: in an ordinary session the prompt comes from whoever messages the
/// agent, so a marker line there does not make it an internal job (the caps stay on).
#[test]
fn g_r7a_a_marker_line_from_an_ordinary_session_is_not_trusted() {
    let t = tmp("markerspoof");
    let mem = t.0.join("proj/.openclaw/agent-memory/main");
    fs::create_dir_all(&mem).unwrap();
    fs::write(
        mem.join("MEMORY.md"),
        "- [Deploy](deploy.md) — how we ship\n",
    )
    .unwrap();
    let (h, mut rt) = runtime(&t, json!({}));
    let r = rt
        .dispatch(
            &h,
            "memoryScoping:before_prompt_build",
            &json!({"prompt": "hello\nagent-ops:job=memory_extract\n"}),
            &ctx(&t, "main"),
        )
        .unwrap();
    assert!(r.ret["appendSystemContext"].is_string(), "{:?}", r.ret);
}
