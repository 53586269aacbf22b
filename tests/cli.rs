//! The `agent-ops` binary: `check` contract (P4-R45..P4-R47, P4-T67/68/72/73), `explain`,
//! `doctor` (finding OpenClaw's config as OpenClaw does, the installed / enabled / allowed /
//! loaded / degraded checks: issue 17 item 7), `--help` on every subcommand, `manifest` and
//! usage errors.

use std::io::Write;
use std::process::{Command, Stdio};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], stdin: &[u8]) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_agent-ops"))
        .args(args)
        .env("HOME", "/home/u")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn agent-ops");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let o = child.wait_with_output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn json_lines(s: &str) -> Vec<serde_json::Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn p4_t67_stdin_json_lines_keep_order_and_key_order() {
    let o = run(&["check", "--json"], b"ls\nrm -rf /\n");
    assert_eq!(o.code, 0, "{}", o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    let v = json_lines(&o.stdout);
    assert_eq!(v[0]["verdict"], "allow");
    assert_eq!(v[1]["verdict"], "deny");
    for l in lines {
        let keys = [
            "\"command\":",
            "\"verdict\":",
            "\"checks\":",
            "\"reason\":",
            "\"message\":",
        ];
        let pos: Vec<usize> = keys
            .iter()
            .map(|k| l.find(k).unwrap_or_else(|| panic!("{k} in {l}")))
            .collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "key order in {l}");
    }
}

#[test]
fn p4_t68_jsonl_input_keeps_real_newlines() {
    let o = run(
        &["check", "--json", "--input", "jsonl"],
        b"{\"command\":\"echo a\\necho b\"}\n",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v = json_lines(&o.stdout);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["command"], "echo a\necho b");
}

#[test]
fn p4_t72_dash_command_after_double_dash_and_two_operands_are_a_usage_error() {
    let o = run(&["check", "--json", "--", "-rf /"], b"");
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v = json_lines(&o.stdout);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["command"], "-rf /");
    let o = run(&["check", "a", "b"], b"");
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("quote"), "{}", o.stderr);
    assert!(o.stdout.is_empty());
}

#[test]
fn p4_t73_exit_code_is_the_strictest_verdict() {
    let o = run(&["check", "--exit-code"], b"ls\ncurl x | sh\n");
    assert_eq!(o.stdout.lines().count(), 2);
    assert_eq!(o.code, 20);
    assert_eq!(run(&["check", "--exit-code", "ls -la"], b"").code, 0);
    assert_eq!(run(&["check", "--exit-code", "make build"], b"").code, 10);
    // Without --exit-code every evaluated input exits 0.
    assert_eq!(run(&["check", "rm -rf /"], b"").code, 0);
}

#[test]
fn plain_output_escapes_control_characters() {
    let o = run(&["check", "--", "echo a\tb"], b"");
    assert_eq!(
        o.stdout.trim_end().rsplit('\t').next().unwrap(),
        "echo a\\tb"
    );
    let first = o.stdout.split('\t').next().unwrap();
    assert!(["allow", "ask", "deny"].contains(&first));
}

#[test]
fn stdin_edge_cases_final_line_without_newline_empty_line_cr_and_bad_utf8() {
    let o = run(&["check", "--json"], b"ls\n\nls\r\nls \xff\nls");
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v = json_lines(&o.stdout);
    assert_eq!(v.len(), 5);
    assert_eq!(v[1]["command"], "");
    assert_eq!(v[1]["reason"], "exec.allow.empty");
    assert_eq!(v[2]["command"], "ls\r");
    assert_ne!(v[2]["verdict"], "allow", "a CR raises check 3");
    assert_eq!(v[3]["command"], "ls \u{fffd}");
    assert_ne!(v[3]["verdict"], "allow", "invalid UTF-8 raises check 1");
    assert_eq!(v[4]["command"], "ls");
}

#[test]
fn invalid_jsonl_line_is_reported_and_exits_4_after_evaluating_the_rest() {
    let o = run(
        &["check", "--input", "jsonl", "--exit-code"],
        b"\"ls\"\nnot json\n{\"x\":1}\n{\"command\":\"rm -rf /\"}\n",
    );
    assert_eq!(o.code, 4, "4 takes precedence over verdict codes");
    assert_eq!(o.stdout.lines().count(), 2);
    assert!(o.stderr.contains("line 2"), "{}", o.stderr);
    assert!(o.stderr.contains("line 3"), "{}", o.stderr);
}

#[test]
fn config_file_is_validated_with_key_paths() {
    let dir = std::env::temp_dir().join(format!("agent-ops-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"askActon":"block"}"#).unwrap();
    let o = run(&["check", "--config", bad.to_str().unwrap(), "ls"], b"");
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("phases.bashSecurity.askActon"),
        "{}",
        o.stderr
    );
    let good = dir.join("good.json");
    std::fs::write(&good, r#"{"unlisted":"allow"}"#).unwrap();
    let o = run(
        &[
            "check",
            "--json",
            "--config",
            good.to_str().unwrap(),
            "make build",
        ],
        b"",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(json_lines(&o.stdout)[0]["verdict"], "allow");
    let o = run(
        &[
            "check",
            "--config",
            dir.join("missing.json").to_str().unwrap(),
            "ls",
        ],
        b"",
    );
    assert_eq!(o.code, 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&[], b"").code, 2);
    assert_eq!(run(&["frobnicate"], b"").code, 2);
    assert_eq!(run(&["check", "--input", "xml"], b"").code, 2);
    assert_eq!(run(&["check", "--os", "windows", "ls"], b"").code, 2);
    assert_eq!(run(&["check", "--bogus"], b"").code, 2);
    assert_eq!(run(&["explain"], b"").code, 2);
}

#[test]
fn explain_shows_tree_commands_findings_and_verdict() {
    let o = run(&["explain", "--", "echo \"$(rm -rf ./x)\""], b"");
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("rm"), "{}", o.stdout);
    assert!(
        o.stdout.contains("exec.deny.destructive.hidden"),
        "{}",
        o.stdout
    );
}

#[test]
fn doctor_lists_every_phase() {
    let dir = std::env::temp_dir().join(format!("agent-ops-doctor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("openclaw.json");
    std::fs::write(&cfg, r#"{"plugins":{"entries":{"agent-ops":{"config":{"phases":{"loopBudget":false}},"hooks":{"allowConversationAccess":false}}}}}"#).unwrap();
    let o = run(
        &[
            "doctor",
            "--openclaw-config",
            cfg.to_str().unwrap(),
            "--state-dir",
            "/tmp/x",
        ],
        b"",
    );
    // No plugin is installed where this config's OpenClaw would load it: that check fails.
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stdout.contains("FAIL installed"), "{}", o.stdout);
    assert!(o.stdout.contains("phase 4 bashSecurity"), "{}", o.stdout);
    assert!(o.stdout.contains("phase 2 loopBudget"));
    assert!(o.stdout.contains("disabled"));
    assert!(o.stdout.contains("allowConversationAccess"));
    assert!(o.stdout.contains("state dir: /tmp/x"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 17 item 3: doctor shows each config error with its key path and what runs instead,
/// and exits 2 while errors remain.
#[test]
fn doctor_shows_config_errors_and_fails() {
    let dir = std::env::temp_dir().join(format!("agent-ops-doctor-err-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("openclaw.json");
    std::fs::write(
        &cfg,
        r#"{"plugins":{"entries":{"agent-ops":{"config":{"phases":{"bashSecurty":false}}}}}}"#,
    )
    .unwrap();
    let o = run(&["doctor", "--openclaw-config", cfg.to_str().unwrap()], b"");
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("error core.config.invalid: plugins.entries.agent-ops.config.phases.bashSecurty: unknown key `bashSecurty`; did you mean `bashSecurity`?"), "{}", o.stdout);
    // The misspelt attempt to switch phase 4 off leaves it on.
    assert!(
        o.stdout
            .lines()
            .any(|l| l.starts_with("phase 4 bashSecurity") && l.ends_with(": enabled")),
        "{}",
        o.stdout
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn manifest_command_prints_the_generated_manifest() {
    let o = run(&["manifest"], b"");
    assert_eq!(o.code, 0);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v, agent_ops::config::plugin_manifest());
}

/// P5-R19a, P5-T30: `memory snapshot` publishes one teammate's user memory into the project;
/// `memory status` shows `Initialize` for a teammate with an empty memory; `memory sync`
/// applies it, marker last; then nothing is pending.
#[test]
fn memory_snapshot_status_sync_round_trip() {
    let dir = std::env::temp_dir().join(format!("agent-ops-memcli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let proj = dir.join("proj");
    std::fs::create_dir_all(proj.join(".git")).unwrap();
    let me = dir.join("me");
    let mate = dir.join("mate");
    let my_mem = me.join("memory/agent-memory/main");
    std::fs::create_dir_all(&my_mem).unwrap();
    std::fs::write(
        my_mem.join("MEMORY.md"),
        "- [Build](build.md) — how to build\n",
    )
    .unwrap();
    std::fs::write(
        my_mem.join("build.md"),
        "---\nname: Build\ndescription: build steps\n---\ncargo build\n",
    )
    .unwrap();
    let p = proj.to_str().unwrap();
    let o = run(
        &[
            "memory",
            "snapshot",
            "--workspace",
            p,
            "--state-dir",
            me.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(o.code, 0, "{} {}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains("published 2 memory file(s) of the user scope"),
        "{}",
        o.stdout
    );
    assert!(proj
        .join(".openclaw/agent-memory-snapshots/main/snapshot.json")
        .exists());

    let o = run(
        &[
            "memory",
            "status",
            "--json",
            "--workspace",
            p,
            "--state-dir",
            mate.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["snapshot"]["check"], "initialize");
    assert_eq!(v["projectRoot"], p);
    // G-R18: while another live process holds the memory directory's lock (an extraction
    // rewriting it), sync waits, then refuses without writing.
    let mate_mem = mate.join("memory/agent-memory/main");
    let lock = agent_ops::memdir::dir_lock_path(mate.to_str().unwrap(), mate_mem.to_str().unwrap());
    let native = agent_ops::host::NativeHost::new(agent_ops::host::HostDirs::default());
    agent_ops::host::Host::fs_lock(&native, &lock, 30_000).unwrap();
    let sync = || {
        run(
            &[
                "memory",
                "sync",
                "--workspace",
                p,
                "--state-dir",
                mate.to_str().unwrap(),
            ],
            b"",
        )
    };
    let o = sync();
    assert_eq!(o.code, 3, "{} {}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("being updated by another process"),
        "{}",
        o.stderr
    );
    assert!(!mate_mem.join("build.md").exists());
    agent_ops::host::Host::fs_unlock(&native, &lock).unwrap();
    let o = run(
        &[
            "memory",
            "sync",
            "--workspace",
            p,
            "--state-dir",
            mate.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        std::fs::read_to_string(mate_mem.join("build.md")).unwrap(),
        "---\nname: Build\ndescription: build steps\n---\ncargo build\n"
    );
    assert!(mate_mem.join(".snapshot-synced.json").exists());
    let o = run(
        &[
            "memory",
            "sync",
            "--workspace",
            p,
            "--state-dir",
            mate.to_str().unwrap(),
        ],
        b"",
    );
    assert!(o.stdout.contains("nothing pending"), "{}", o.stdout);
    assert_eq!(run(&["memory", "frobnicate"], b"").code, 2);
    assert_eq!(run(&["memory", "sync", "--mode", "later"], b"").code, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn p7_r14_skills_cli_lists_effective_and_shadowed_skills() {
    let dir = std::env::temp_dir().join(format!("agent-ops-cli-skills-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ws = dir.join("ws");
    let home = dir.join("home");
    for (root, desc) in [
        (ws.join("skills/deploy"), "a"),
        (home.join(".agents/skills/deploy"), "b"),
    ] {
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(
            root.join("SKILL.md"),
            format!("---\nname: deploy\ndescription: {desc}; Use when shipping.\n---\n"),
        )
        .unwrap();
    }
    let cfg = dir.join("openclaw.json");
    std::fs::write(&cfg, "{}").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_agent-ops"))
        .args([
            "skills",
            "--openclaw-config",
            cfg.to_str().unwrap(),
            "--workspace",
            ws.to_str().unwrap(),
            "--state-dir",
            dir.join("state").to_str().unwrap(),
        ])
        .env("HOME", &home)
        .env("OPENCLAW_STATE_DIR", dir.join("oc"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("deploy [workspace]") && text.contains(": effective"),
        "{text}"
    );
    assert!(
        text.contains("deploy [personal]") && text.contains("shadowed by"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 16 item 10: JSONL lines carry their own `cwd`, `home`, `os` and `workspace`; the
/// workspace follows a line's cwd unless `--workspace` was given.
#[test]
fn jsonl_lines_carry_their_own_cwd_home_os_and_workspace() {
    let input = concat!(
        "{\"command\":\"cat > f.txt << 'EOF'\\nx\\nEOF\",\"cwd\":\"/testbed\"}\n",
        "{\"command\":\"cat > f.txt << 'EOF'\\nx\\nEOF\",\"cwd\":\"/srv\",\"workspace\":\"/testbed\"}\n",
        "{\"command\":\"cat ~/.ssh/id_rsa\",\"home\":\"/home/zed\",\"cwd\":\"/testbed\"}\n",
        "{\"command\":\"ls\",\"os\":\"beos\"}\n",
    );
    let o = run(&["check", "--json", "--input", "jsonl"], input.as_bytes());
    assert_eq!(o.code, 4, "{}", o.stderr);
    assert!(
        o.stderr.contains("line 4") && o.stderr.contains("`os`"),
        "{}",
        o.stderr
    );
    let v = json_lines(&o.stdout);
    assert_eq!(v.len(), 3, "{}", o.stdout);
    assert_eq!(v[0]["verdict"], "allow", "{}", v[0]);
    assert_eq!(v[0]["reason"], "exec.allow.workspace_write");
    assert_eq!(v[1]["verdict"], "ask", "{}", v[1]);
    assert_eq!(v[2]["verdict"], "deny", "{}", v[2]);
}

/// `--workspace DIR` (default: `--cwd`) anchors the workspace tier, also for JSONL lines that
/// name their own cwd.
#[test]
fn workspace_option_anchors_the_tier() {
    let cmd = "cat > f.txt << 'EOF'\nx\nEOF";
    let o = run(&["check", "--json", "--cwd", "/testbed", "--", cmd], b"");
    assert_eq!(json_lines(&o.stdout)[0]["verdict"], "allow", "{}", o.stdout);
    let o = run(
        &[
            "check",
            "--json",
            "--cwd",
            "/testbed",
            "--workspace",
            "/elsewhere",
            "--",
            cmd,
        ],
        b"",
    );
    assert_eq!(json_lines(&o.stdout)[0]["verdict"], "ask", "{}", o.stdout);
    let o = run(
        &["check", "--json", "--input", "jsonl", "--workspace", "/ws"],
        b"{\"command\":\"touch a\",\"cwd\":\"/ws/sub\"}\n{\"command\":\"touch a\",\"cwd\":\"/other\"}\n",
    );
    let v = json_lines(&o.stdout);
    assert_eq!(v[0]["verdict"], "allow", "{}", o.stdout);
    assert_eq!(v[1]["verdict"], "ask", "{}", o.stdout);
    let o = run(&["check", "--workspace"], b"");
    assert_eq!(o.code, 2, "{}", o.stderr);
}

#[test]
fn sandboxed_replays_project_commands_as_the_sandboxed_gateway_does() {
    let o = run(
        &[
            "check",
            "--json",
            "--cwd",
            "/testbed",
            "--",
            "python -m pytest -x tests",
        ],
        b"",
    );
    assert_eq!(
        json_lines(&o.stdout)[0]["reason"],
        "exec.ask.run_project",
        "{}",
        o.stdout
    );
    let o = run(
        &[
            "check",
            "--json",
            "--cwd",
            "/testbed",
            "--sandboxed",
            "--",
            "python -m pytest -x tests",
        ],
        b"",
    );
    assert_eq!(
        json_lines(&o.stdout)[0]["reason"],
        "exec.allow.run_project",
        "{}",
        o.stdout
    );
    // Never more than runProject: inline code and network still ask in the sandbox.
    for cmd in ["python -c 'print(1)'", "curl https://example.invalid/x"] {
        let o = run(&["check", "--json", "--sandboxed", "--", cmd], b"");
        assert_eq!(
            json_lines(&o.stdout)[0]["verdict"],
            "ask",
            "{cmd}: {}",
            o.stdout
        );
    }
}

/// Runs the binary with only `env` of the OpenClaw variables (the developer's own are removed),
/// `HOME` included, in `cwd`.
fn run_env(args: &[&str], env: &[(&str, &std::path::Path)], cwd: &std::path::Path) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agent-ops"));
    cmd.args(args).current_dir(cwd).stdin(Stdio::null());
    for (k, _) in std::env::vars() {
        if k.starts_with("OPENCLAW_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("HOME", "/nonexistent-home");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// A fresh temp directory for one test.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("agent-ops-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const SUBCOMMANDS: [&str; 8] = [
    "check", "explain", "doctor", "memory", "skills", "grants", "manifest", "version",
];

/// Issue 17 item 7: every subcommand answered `--help` with "unknown option", exit 2.
#[test]
fn help_on_every_subcommand_exits_0_with_its_usage() {
    for cmd in SUBCOMMANDS {
        for flag in ["--help", "-h"] {
            let o = run(&[cmd, flag], b"");
            assert_eq!(o.code, 0, "{cmd} {flag}: {}", o.stderr);
            assert!(
                o.stdout.starts_with(&format!("usage: agent-ops {cmd}")),
                "{cmd} {flag}: {}",
                o.stdout
            );
            assert!(o.stderr.is_empty(), "{cmd} {flag}: {}", o.stderr);
        }
        // `help <command>` prints the same text.
        let o = run(&["help", cmd], b"");
        assert_eq!(o.code, 0);
        assert_eq!(o.stdout, run(&[cmd, "--help"], b"").stdout);
    }
    // Help wins over other options and actions; after `--` it is an operand.
    assert_eq!(run(&["memory", "status", "--help"], b"").code, 0);
    assert_eq!(run(&["grants", "revoke", "x", "-h"], b"").code, 0);
    let o = run(&["check", "--json", "--", "--help"], b"");
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(json_lines(&o.stdout)[0]["command"], "--help");
    // The overview names every subcommand.
    let o = run(&["--help"], b"");
    assert_eq!(o.code, 0);
    for cmd in SUBCOMMANDS {
        assert!(
            o.stdout.contains(&format!("\n  {cmd} ")),
            "{cmd}: {}",
            o.stdout
        );
    }
    // A usage error shows the subcommand's usage line on stderr.
    let o = run(&["doctor", "--bogus"], b"");
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("unknown option `--bogus`"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("usage: agent-ops doctor"), "{}", o.stderr);
    assert_eq!(run(&["help", "frobnicate"], b"").code, 2);
}

/// OpenClaw's precedence (`src/config/paths.ts`): `$OPENCLAW_CONFIG_PATH`, else a config in
/// `$OPENCLAW_STATE_DIR`, else `~/.openclaw/openclaw.json` (`$OPENCLAW_HOME` before `$HOME`); the
/// report names the file it read, and every subcommand reads the same one.
#[test]
fn doctor_finds_the_config_as_openclaw_does_and_names_it() {
    let dir = temp_dir("doctor-find");
    let home = dir.join("home");
    let default_cfg = home.join(".openclaw/openclaw.json");
    std::fs::create_dir_all(default_cfg.parent().unwrap()).unwrap();
    // Each file disables a different phase, so the table shows which one was read.
    let cfg = |phase: &str| {
        format!(
            r#"{{"plugins":{{"entries":{{"agent-ops":{{"config":{{"phases":{{"{phase}":false}}}}}}}}}}}}"#
        )
    };
    std::fs::write(&default_cfg, cfg("loopBudget")).unwrap();
    let state = dir.join("state");
    std::fs::create_dir_all(&state).unwrap();
    let explicit = dir.join("explicit.json");
    std::fs::write(&explicit, cfg("coordinator")).unwrap();

    // ~/.openclaw/openclaw.json without any variable (item 7: it was ignored).
    let o = run_env(&["doctor"], &[("HOME", &home)], &dir);
    assert!(
        o.stdout.contains(&format!(
            "OpenClaw config: {} (found in the default state directory)",
            default_cfg.display()
        )),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .contains("phase 2 loopBudget     Loop termination and budgets: disabled"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains(&format!(
        "state dir: {}",
        home.join(".openclaw/agent-ops").display()
    )));
    // OPENCLAW_HOME moves the home OpenClaw uses.
    let o = run_env(
        &["doctor"],
        &[("HOME", &dir), ("OPENCLAW_HOME", &home)],
        &dir,
    );
    assert!(
        o.stdout.contains(&default_cfg.display().to_string()),
        "{}",
        o.stdout
    );

    // $OPENCLAW_STATE_DIR without a config there: OpenClaw falls back to ~/.openclaw.
    let o = run_env(
        &["doctor"],
        &[("HOME", &home), ("OPENCLAW_STATE_DIR", &state)],
        &dir,
    );
    assert!(
        o.stdout.contains(&default_cfg.display().to_string()),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .contains(&format!("OpenClaw state dir: {}", state.display())),
        "{}",
        o.stdout
    );
    // … and with one, that one.
    let state_cfg = state.join("openclaw.json");
    std::fs::write(&state_cfg, cfg("sessionMemory")).unwrap();
    let o = run_env(
        &["doctor"],
        &[("HOME", &home), ("OPENCLAW_STATE_DIR", &state)],
        &dir,
    );
    assert!(
        o.stdout.contains(&format!(
            "OpenClaw config: {} (found in $OPENCLAW_STATE_DIR)",
            state_cfg.display()
        )),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .contains("phase 3 sessionMemory  Session memory: disabled"),
        "{}",
        o.stdout
    );
    assert!(o
        .stdout
        .contains(&format!("state dir: {}", state.join("agent-ops").display())));

    // $OPENCLAW_CONFIG_PATH wins; --openclaw-config wins over it.
    let env = [
        ("HOME", home.as_path()),
        ("OPENCLAW_STATE_DIR", &state),
        ("OPENCLAW_CONFIG_PATH", &explicit),
    ];
    let o = run_env(&["doctor"], &env, &dir);
    assert!(
        o.stdout.contains(&format!(
            "OpenClaw config: {} (from $OPENCLAW_CONFIG_PATH)",
            explicit.display()
        )),
        "{}",
        o.stdout
    );
    assert!(o
        .stdout
        .contains("phase 6 coordinator    Coordinator resume integrity: disabled"));
    let o = run_env(
        &["doctor", "--openclaw-config", default_cfg.to_str().unwrap()],
        &env,
        &dir,
    );
    assert!(
        o.stdout.contains("(from --openclaw-config)"),
        "{}",
        o.stdout
    );
    assert!(o
        .stdout
        .contains("phase 2 loopBudget     Loop termination and budgets: disabled"));

    // The JSON report carries the same.
    let o = run_env(&["doctor", "--json"], &env, &dir);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["openclawConfig"]["path"], explicit.to_str().unwrap());
    assert_eq!(v["openclawConfig"]["source"], "OPENCLAW_CONFIG_PATH");
    assert_eq!(v["init"]["ok"], true);

    // No file anywhere: OpenClaw's defaults, said so.
    let empty = dir.join("empty-home");
    std::fs::create_dir_all(&empty).unwrap();
    let o = run_env(&["doctor"], &[("HOME", &empty)], &dir);
    assert!(o.stdout.contains("no config file exists"), "{}", o.stdout);
    // A named file that does not exist is an I/O error naming it.
    let missing = dir.join("missing.json");
    let o = run_env(
        &["doctor"],
        &[("HOME", &home), ("OPENCLAW_CONFIG_PATH", &missing)],
        &dir,
    );
    assert_eq!(o.code, 3);
    assert!(o.stderr.contains(missing.to_str().unwrap()), "{}", o.stderr);

    // `grants` reads the same default file: its stateDir decides where grants are listed.
    let custom_state = dir.join("custom-state");
    std::fs::write(
        &default_cfg,
        format!(
            r#"{{"plugins":{{"entries":{{"agent-ops":{{"config":{{"stateDir":"{}"}}}}}}}}}}"#,
            custom_state.display()
        ),
    )
    .unwrap();
    let o = run_env(&["grants", "--json"], &[("HOME", &home)], &dir);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(o.stdout.trim()).unwrap();
    assert_eq!(v["stateDir"], custom_state.to_str().unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

fn check_line<'a>(stdout: &'a str, name: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.get(5..).is_some_and(|r| r.starts_with(name)))
        .unwrap_or_else(|| panic!("no {name} line in {stdout}"))
}

/// installed / enabled / allowed / loaded / degraded, from a bare state directory to a plugin
/// OpenClaw loaded, and a config changed after the load.
#[test]
fn doctor_checks_installed_enabled_allowed_loaded_degraded() {
    use agent_ops::host::{HostDirs, NativeHost};
    use agent_ops::runtime::Runtime;
    let dir = temp_dir("doctor-checks");
    let state = dir.join("state");
    std::fs::create_dir_all(&state).unwrap();
    let cfg_path = state.join("openclaw.json");
    let write_cfg = |v: serde_json::Value| std::fs::write(&cfg_path, v.to_string()).unwrap();
    let env = [
        ("HOME", dir.as_path()),
        ("OPENCLAW_STATE_DIR", state.as_path()),
    ];

    // Nothing installed: installed fails, exit 1.
    write_cfg(serde_json::json!({}));
    let o = run_env(&["doctor"], &env, &dir);
    assert_eq!(o.code, 1, "{}", o.stdout);
    assert!(
        check_line(&o.stdout, "installed").starts_with("FAIL"),
        "{}",
        o.stdout
    );
    assert!(check_line(&o.stdout, "enabled").starts_with("warn"));
    assert!(check_line(&o.stdout, "allowed").starts_with("warn"));
    assert!(check_line(&o.stdout, "loaded").contains("runtime/applied.json is missing"));

    // The plugin folder where `openclaw plugins install` puts it.
    let ext = state.join("extensions/agent-ops");
    std::fs::create_dir_all(&ext).unwrap();
    std::fs::write(ext.join("openclaw.plugin.json"), r#"{"id":"agent-ops"}"#).unwrap();
    std::fs::write(
        ext.join("package.json"),
        format!(r#"{{"version":"{}"}}"#, env!("CARGO_PKG_VERSION")),
    )
    .unwrap();
    // Disabled, and an allowlist without it: both fail.
    write_cfg(
        serde_json::json!({"plugins": {"allow": ["other"], "entries": {"agent-ops": {"enabled": false}}}}),
    );
    let o = run_env(&["doctor"], &env, &dir);
    assert_eq!(o.code, 1);
    let installed = check_line(&o.stdout, "installed");
    assert!(installed.starts_with("ok"), "{installed}");
    assert!(installed.contains(ext.to_str().unwrap()), "{installed}");
    assert!(check_line(&o.stdout, "enabled").starts_with("FAIL"));
    assert!(check_line(&o.stdout, "allowed").starts_with("FAIL"));
    assert!(check_line(&o.stdout, "allowed").contains("plugins.allow (other)"));
    // plugins.deny wins over enabled.
    write_cfg(
        serde_json::json!({"plugins": {"deny": ["agent-ops"], "entries": {"agent-ops": {"enabled": true}}}}),
    );
    let o = run_env(&["doctor"], &env, &dir);
    assert!(
        check_line(&o.stdout, "enabled").contains("plugins.deny"),
        "{}",
        o.stdout
    );

    // Fully set up: the README's install.
    let plugin_cfg = serde_json::json!({"phases": {"coordinator": false}});
    let full = serde_json::json!({
        "plugins": {
            "allow": ["agent-ops"],
            "slots": {"contextEngine": "agent-ops"},
            "entries": {"agent-ops": {"enabled": true, "hooks": {"allowConversationAccess": true}, "config": plugin_cfg}}
        },
        "agents": {"defaults": {"compaction": {"provider": "agent-ops"}}}
    });
    write_cfg(full.clone());
    let o = run_env(&["doctor"], &env, &dir);
    assert_eq!(o.code, 0, "{}", o.stdout);
    for name in ["installed", "enabled", "allowed"] {
        assert!(
            check_line(&o.stdout, name).starts_with("ok"),
            "{name}: {}",
            o.stdout
        );
    }
    let degraded: Vec<&str> = o
        .stdout
        .lines()
        .filter(|l| l.get(5..).is_some_and(|r| r.starts_with("degraded")))
        .collect();
    assert_eq!(degraded.len(), 3, "{}", o.stdout);
    assert!(degraded.iter().all(|l| l.starts_with("ok")), "{degraded:?}");
    // Not loaded yet: a warning, not a failure.
    assert!(check_line(&o.stdout, "loaded").starts_with("warn"));

    // The record an instance writes when OpenClaw loads it (pid: this test process, running).
    let host = NativeHost::new(HostDirs {
        home_dir: dir.to_str().unwrap().into(),
        ..HostDirs::default()
    });
    let mut rt = Runtime::new();
    let info = serde_json::json!({"openclawStateDir": state, "homeDir": dir}).to_string();
    assert!(rt.init(&host, &plugin_cfg.to_string(), &info).ok);
    let written = rt
        .record_loaded(
            &host,
            Some(u64::from(std::process::id())),
            plugin_cfg.clone(),
        )
        .unwrap();
    assert_eq!(
        written,
        state
            .join("agent-ops/runtime/applied.json")
            .to_str()
            .unwrap()
    );
    let o = run_env(&["doctor"], &env, &dir);
    assert_eq!(o.code, 0, "{}", o.stdout);
    let loaded = check_line(&o.stdout, "loaded");
    assert!(loaded.starts_with("ok"), "{loaded}");
    assert!(
        loaded.contains(&format!("process {} (running)", std::process::id())),
        "{loaded}"
    );
    assert!(loaded.contains("off [coordinator]"), "{loaded}");
    assert!(!loaded.contains("differs"), "{loaded}");

    // The file changes after the load (a reload pending or refused): said so.
    let mut changed = full.clone();
    changed["plugins"]["entries"]["agent-ops"]["config"] =
        serde_json::json!({"phases": {"bashSecurity": false}});
    write_cfg(changed);
    let o = run_env(&["doctor"], &env, &dir);
    let loaded = check_line(&o.stdout, "loaded");
    assert!(loaded.starts_with("warn"), "{loaded}");
    assert!(
        loaded.contains("differs from what that instance applied"),
        "{loaded}"
    );

    // Degraded: conversation access missing names the phases it degrades.
    let mut no_conv = full;
    no_conv["plugins"]["entries"]["agent-ops"]["hooks"] = serde_json::json!({});
    no_conv["plugins"]["slots"] = serde_json::json!({});
    write_cfg(no_conv);
    let o = run_env(&["doctor"], &env, &dir);
    assert_eq!(o.code, 0, "warnings do not fail: {}", o.stdout);
    assert!(
        o.stdout
            .contains("warn degraded  conversation access: not granted, degrading loopBudget"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("warn degraded  context-engine slot"),
        "{}",
        o.stdout
    );

    // A config the core refuses: exit 2, the error named.
    write_cfg(
        serde_json::json!({"plugins": {"entries": {"agent-ops": {"config": {"phases": {"bashSecurty": true}}}}}}),
    );
    let o = run_env(&["doctor"], &env, &dir);
    assert_eq!(o.code, 2, "{}", o.stdout);
    assert!(o.stdout.contains("bashSecurty"), "{}", o.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// OpenClaw's config is JSON5: comments, trailing commas, unquoted keys and single quotes are
/// read (and said so); what is not JSON5 either is an I/O error naming the file.
#[test]
fn doctor_reads_a_json5_config() {
    let dir = temp_dir("doctor-json5");
    let cfg = dir.join("openclaw.json");
    std::fs::write(
        &cfg,
        "{\n  // hand-edited\n  plugins: {\n    entries: { 'agent-ops': { config: { phases: { forkSkills: false, }, }, }, },\n  },\n}\n",
    )
    .unwrap();
    let o = run_env(
        &["doctor"],
        &[("HOME", &dir), ("OPENCLAW_CONFIG_PATH", &cfg)],
        &dir,
    );
    assert!(
        o.stdout.contains("read as JSON5"),
        "{}\n{}",
        o.stdout,
        o.stderr
    );
    assert!(
        o.stdout
            .contains("phase 7 forkSkills     Forked agents and skills: disabled"),
        "{}",
        o.stdout
    );
    std::fs::write(&cfg, "{ plugins: [ }").unwrap();
    let o = run_env(
        &["doctor"],
        &[("HOME", &dir), ("OPENCLAW_CONFIG_PATH", &cfg)],
        &dir,
    );
    assert_eq!(o.code, 3);
    assert!(o.stderr.contains(cfg.to_str().unwrap()), "{}", o.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 18 item 5: `memory cost` reads OpenClaw's model table through the plugin's own
/// HostInfo derivation, so a usage record written without a price is priced like a new one.
#[test]
fn memory_cost_prices_unpriced_records_from_openclaws_model_table() {
    let dir = temp_dir("memcost");
    let state = dir.join("state");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let ledger = agent_ops::memory_scope::ledger_path(state.to_str().unwrap(), now);
    std::fs::create_dir_all(std::path::Path::new(&ledger).parent().unwrap()).unwrap();
    let record = serde_json::json!({"v": 1, "at": now, "sessionKey": "agent:main:main", "agentId": "main", "runId": null,
        "purpose": "main", "provider": "p", "model": "m", "tier": "main", "inputTokens": 1_000_000, "outputTokens": 100_000,
        "cacheReadTokens": 0, "cacheWriteTokens": 0, "costUsd": null, "durationMs": null, "cacheHitRate": null, "cacheSafe": null});
    std::fs::write(&ledger, format!("{record}\n")).unwrap();
    let report = |models: serde_json::Value| {
        let cfg = dir.join("openclaw.json");
        std::fs::write(&cfg, serde_json::json!({"models": models}).to_string()).unwrap();
        let o = run(
            &[
                "memory",
                "cost",
                "7d",
                "--openclaw-config",
                cfg.to_str().unwrap(),
                "--state-dir",
                state.to_str().unwrap(),
            ],
            b"",
        );
        assert_eq!(o.code, 0, "{} {}", o.stdout, o.stderr);
        o.stdout
    };
    let priced = report(
        serde_json::json!({"providers": {"p": {"models": [{"id": "m", "cost": {"input": 3, "output": 15}}]}}}),
    );
    assert!(priced.contains("main on p/m: 1 call(s)"), "{priced}");
    assert!(priced.contains("$4.5000"), "{priced}");
    let other = report(
        serde_json::json!({"providers": {"q": {"models": [{"id": "m", "cost": {"input": 3}}]}}}),
    );
    assert!(other.contains("cost unknown"), "{other}");
    std::fs::remove_dir_all(&dir).unwrap();
}
