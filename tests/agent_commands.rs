//! Real agent commands (issue 16 "Proof"): `agent_commands_dev.jsonl` replayed with the
//! default config, each line's `cwd` as cwd and workspace.
//!
//! An independent effect oracle (written apart from `src/shell/effects.rs`, deliberately
//! crude and conservative) looks at the raw text of every allowed command and fails the test
//! when it sees a write outside the workspace or the temp dir, an install outside the project,
//! network use, privilege or a system change. The verdict split and the reason counts are
//! printed (`-- --nocapture`).

use agent_ops::shell::{evaluate, BashSecurityConfig, EvalContext, Os, Verdict};
use std::collections::BTreeMap;

const CORPUS: &str = "agent_commands_dev.jsonl";
/// The home directory of the runs (SWE-bench containers run as root).
const HOME: &str = "/root";

/// The corpus text: `agent_commands_dev.jsonl` when the corpora directory has it (the shared
/// corpora), else the committed `agent_commands_dev.jsonl.gz` (9.9 MB of text, 1.1 MB
/// compressed), unpacked with the system `gzip` as the differential tests use the system bash.
fn corpus_text() -> String {
    let dir = crate::corpus::corpora_dir();
    let plain = dir.join(CORPUS);
    if plain.exists() {
        return std::fs::read_to_string(&plain)
            .unwrap_or_else(|e| panic!("{} cannot be read: {e}", plain.display()));
    }
    let gz = dir.join(format!("{CORPUS}.gz"));
    let out = std::process::Command::new("gzip")
        .arg("-dc")
        .arg(&gz)
        .output()
        .unwrap_or_else(|e| panic!("gzip is needed to read {} ({e})", gz.display()));
    assert!(
        out.status.success(),
        "{} cannot be read ({}): set AGENT_OPS_CORPORA_DIR to a directory holding {CORPUS} \
         (a missing corpus is a failure, never a skip)",
        gz.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the corpus is UTF-8")
}

fn corpus_lines() -> Vec<(String, String)> {
    let text = corpus_text();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("corpus line is JSON");
            let cmd = v["command"].as_str().expect("command").to_string();
            let cwd = v["cwd"].as_str().unwrap_or("/testbed").to_string();
            (cmd, cwd)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The oracle

/// Commands that talk to the network.
const NETWORK: &[&str] = &[
    "curl", "wget", "nc", "ncat", "netcat", "socat", "ssh", "scp", "sftp", "rsync", "ftp",
    "telnet", "http", "xh", "aria2c",
];
/// Commands that change the system or act with privileges.
const SYSTEM: &[&str] = &[
    "sudo",
    "su",
    "doas",
    "pkexec",
    "systemctl",
    "service",
    "mount",
    "umount",
    "kill",
    "pkill",
    "killall",
    "reboot",
    "shutdown",
    "crontab",
    "useradd",
    "usermod",
    "chown",
    "chgrp",
    "apt",
    "apt-get",
    "yum",
    "dnf",
    "apk",
    "brew",
    "snap",
    "dpkg",
    "rpm",
    "modprobe",
    "sysctl",
    "iptables",
    "launchctl",
];
/// Commands that write the files named by their operands.
const WRITERS: &[&str] = &[
    "cp", "mv", "tee", "touch", "mkdir", "rm", "rmdir", "ln", "install", "dd", "truncate", "chmod",
    "patch", "unzip", "tar",
];
/// Words that only wrap the next command.
const WRAPPERS: &[&str] = &[
    "timeout", "nice", "env", "time", "command", "nohup", "stdbuf",
];

/// Removes heredoc bodies (everything up to the delimiter line), so that program text fed to
/// `cat` is not read as shell.
fn strip_heredocs(cmd: &str) -> String {
    let mut out = String::new();
    let mut pending: Vec<String> = Vec::new();
    for line in cmd.split('\n') {
        if let Some(d) = pending.first() {
            if line.trim_start_matches('\t').trim_end() == d {
                pending.remove(0);
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
        let mut rest = line;
        while let Some(i) = rest.find("<<") {
            let after = &rest[i + 2..];
            if let Some(r) = after.strip_prefix('<') {
                rest = r;
                continue;
            }
            let after = after.trim_start_matches('-').trim_start();
            let delim: String = after
                .chars()
                .take_while(|c| !c.is_whitespace() && !";|&)<>".contains(*c))
                .filter(|c| !"'\"\\".contains(*c))
                .collect();
            if !delim.is_empty() {
                pending.push(delim);
            }
            rest = after;
        }
    }
    out
}

/// Neutralises shell operators and blanks inside quotes, so that a quoted `>` or `;` is not
/// read as one, and drops comments.
fn neutralise_quotes(s: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                out.push(c);
            }
            Some(q) => {
                if q == '"' && c == '\\' {
                    chars.next();
                    out.push('_');
                    out.push('_');
                } else if c.is_whitespace() || ";&|<>()".contains(c) {
                    out.push('_');
                } else {
                    out.push(c);
                }
            }
            None => {
                if c == '\\' {
                    out.push('_');
                    if let Some(n) = chars.next() {
                        out.push(if n == '\n' { ' ' } else { '_' });
                    }
                } else if c == '#' && (prev.is_whitespace() || prev == ';') {
                    // A comment: up to the end of the line.
                    for n in chars.by_ref() {
                        if n == '\n' {
                            out.push('\n');
                            break;
                        }
                    }
                } else {
                    if c == '\'' || c == '"' {
                        quote = Some(c);
                    }
                    out.push(c);
                }
            }
        }
        prev = c;
    }
    out
}

/// Lexical path resolution against `cwd`; `None` for `~` and variables (unknown: outside).
fn resolve(p: &str, cwd: &str) -> Option<String> {
    let p = p.trim_matches(|c| c == '\'' || c == '"');
    if p.starts_with('~') || p.contains('$') || p.contains('`') || p.is_empty() {
        return None;
    }
    let joined = if p.starts_with('/') {
        p.to_string()
    } else {
        format!("{cwd}/{p}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

fn inside(p: &str, workspace: &str) -> bool {
    let under = |d: &str| p == d || p.starts_with(&format!("{d}/"));
    under(workspace) || under("/tmp") || under("/var/tmp") || p.starts_with("/dev/")
}

/// The effects the oracle sees in one command, empty when it sees none.
fn oracle(cmd: &str, cwd: &str) -> Vec<String> {
    let text = neutralise_quotes(&strip_heredocs(cmd));
    let mut found = Vec::new();
    let mut cwd_known = true;
    let mut here = cwd.to_string();
    // Redirections: `>`, `>>`, `&>`, `N>` followed by a target.
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == '>' && bytes.get(i + 1) != Some(&'(') {
            let mut j = i + 1;
            while j < bytes.len() && (bytes[j] == '>' || bytes[j] == '|') {
                j += 1;
            }
            if bytes.get(j) == Some(&'&') {
                i = j + 1;
                continue;
            }
            while j < bytes.len() && bytes[j] == ' ' {
                j += 1;
            }
            let target: String = bytes[j..]
                .iter()
                .take_while(|c| !c.is_whitespace() && !";|&)<>".contains(**c))
                .collect();
            found.push(format!("redirect:{target}"));
            i = j;
        } else {
            i += 1;
        }
    }
    let mut write_targets: Vec<String> = found
        .drain(..)
        .map(|t| t.trim_start_matches("redirect:").to_string())
        .collect();
    // Simple commands: split on operators and newlines.
    for seg in text.split(|c| ";|&\n(){}".contains(c)) {
        let mut words: Vec<&str> = seg.split_whitespace().collect();
        while words
            .first()
            .is_some_and(|w| w.contains('=') && !w.starts_with('-') && !w.starts_with('='))
        {
            words.remove(0);
        }
        while words.first().is_some_and(|w| WRAPPERS.contains(w)) {
            words.remove(0);
            while words
                .first()
                .is_some_and(|w| w.starts_with('-') || w.contains('=') || w.parse::<f64>().is_ok())
            {
                words.remove(0);
            }
        }
        let Some(&first) = words.first() else {
            continue;
        };
        let name = first.rsplit('/').next().unwrap_or(first);
        let args = &words[1..];
        let has = |w: &str| args.contains(&w);
        if name == "cd" || name == "pushd" {
            match args.first().and_then(|a| resolve(a, &here)) {
                Some(d) if inside(&d, cwd) => here = d,
                _ => cwd_known = false,
            }
            continue;
        }
        if NETWORK.contains(&name) {
            found.push(format!("network:{name}"));
        }
        if SYSTEM.contains(&name) {
            found.push(format!("system:{name}"));
        }
        if name == "git"
            && [
                "push",
                "pull",
                "fetch",
                "clone",
                "submodule",
                "remote",
                "config",
            ]
            .iter()
            .any(|s| has(s))
        {
            found.push("git network or config".into());
        }
        let venv = first.contains("venv/") || first.contains("/.venv");
        let installs = (name.starts_with("pip") && has("install"))
            || (name.starts_with("python") && has("pip") && has("install") && !venv)
            || (["npm", "pnpm", "yarn"].contains(&name) && (has("-g") || has("--global")))
            || (["gem", "cargo", "go", "conda", "uv"].contains(&name) && has("install"));
        if installs && !(venv && first.starts_with(cwd)) {
            found.push(format!("install:{name}"));
        }
        if WRITERS.contains(&name) {
            write_targets.extend(
                args.iter()
                    .filter(|a| !a.starts_with('-'))
                    .map(|a| a.to_string()),
            );
        }
        if name == "sed" && args.iter().any(|a| a.starts_with("-i")) {
            // The script is the first operand, or the word after each `-e`.
            let explicit = args.iter().any(|a| *a == "-e" || *a == "--expression");
            let mut skip_next = false;
            let mut script_seen = explicit;
            for a in args {
                if skip_next {
                    skip_next = false;
                } else if *a == "-e" || *a == "--expression" {
                    skip_next = true;
                } else if a.starts_with('-') {
                } else if !script_seen {
                    script_seen = true;
                } else {
                    write_targets.push(a.to_string());
                }
            }
        }
    }
    for t in write_targets {
        let t = t.trim_matches(|c| c == '\'' || c == '"');
        if t.is_empty() || t.starts_with('&') || t == "/dev/null" {
            continue;
        }
        let relative = !t.starts_with('/');
        match resolve(t, &here) {
            Some(p) if inside(&p, cwd) && (!relative || cwd_known) => {}
            _ => found.push(format!("write:{t}")),
        }
    }
    found
}

// ---------------------------------------------------------------------------------------
// The test

#[test]
fn agent_commands_allowed_lines_have_no_outside_effect() {
    let cfg = BashSecurityConfig::default();
    let lines = corpus_lines();
    let mut verdicts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut violations = Vec::new();
    let mut denies = Vec::new();
    for (n, (cmd, cwd)) in lines.iter().enumerate() {
        let ctx = EvalContext {
            home: HOME.into(),
            cwd: cwd.clone(),
            workspace: cwd.clone(),
            os: Os::Linux,
            // What the Host reports for a directory that does not exist here (as
            // `agent-ops check` replays the corpus): nothing in it shadows a standard module.
            module_shadow: agent_ops::shell::ModuleShadow::None,
            ..EvalContext::default()
        };
        let e = evaluate(cmd, &ctx, &cfg);
        *verdicts.entry(e.verdict.as_str()).or_default() += 1;
        *reasons.entry(e.reason.clone()).or_default() += 1;
        if e.verdict == Verdict::Deny {
            denies.push(format!("line {}: {}: {:.120?}", n + 1, e.reason, cmd));
        }
        if e.verdict == Verdict::Allow {
            let effects = oracle(cmd, cwd);
            if !effects.is_empty() {
                violations.push(format!(
                    "line {}: allowed ({}) but {:?}: {:.160?}",
                    n + 1,
                    e.reason,
                    effects,
                    cmd
                ));
            }
        }
    }
    let total = lines.len().max(1);
    let pct = |k: &str| 100.0 * verdicts.get(k).copied().unwrap_or(0) as f64 / total as f64;
    println!(
        "{CORPUS}: {total} commands: allow {:.1} %, ask {:.1} %, deny {:.1} %",
        pct("allow"),
        pct("ask"),
        pct("deny")
    );
    let mut by_count: Vec<(&String, &usize)> = reasons.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (r, c) in by_count {
        println!("  {c:>6}  {r}");
    }
    for d in &denies {
        println!("  deny: {d}");
    }
    assert!(
        violations.is_empty(),
        "{} allowed commands have an effect outside the workspace:\n{}",
        violations.len(),
        violations.join("\n")
    );
    // Regression gates: the tier's share (51.3 % before issue 16, about 69 % with the
    // workspace tier and check 4 on heredocs and inline code).
    assert!(
        pct("allow") >= 65.0,
        "allow share fell to {:.1} %",
        pct("allow")
    );
    assert!(pct("deny") <= 0.5, "deny share {:.1} %", pct("deny"));
}

#[test]
fn oracle_sees_what_it_must() {
    let ws = "/testbed";
    for c in [
        "cat > ../x << 'EOF'\nhi\nEOF",
        "echo hi | tee /etc/x",
        "cp a ~/.bashrc",
        "cd /etc && touch x",
        "pip install requests",
        "curl https://example.com",
        "git push origin main",
        "sudo ls",
        "echo x >> $HOME/.profile",
        "mv a /usr/local/bin/",
        "sed -i 's/a/b/' /etc/hosts",
        "sed -i -e 's/a/b/' ../x",
    ] {
        assert!(!oracle(c, ws).is_empty(), "{c}");
    }
    for c in [
        "cat > t.py << 'EOF'\nif a > b:\n    curl = 1\nEOF",
        "grep 'a > b' f.txt",
        "echo hi > /tmp/x",
        "cd /testbed/sub && touch x",
        "python -c \"print(1 > 0)\"",
        "/testbed/.venv/bin/pip install -e .",
        "ls 2>&1 | head",
        "sed -i '/^import os$/d' a.py",
    ] {
        assert!(oracle(c, ws).is_empty(), "{c}: {:?}", oracle(c, ws));
    }
}
