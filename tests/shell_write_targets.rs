//! Issue 16 item 5, the two holes of the workspace tier: a patch writes the files named
//! inside it, and a recursive copy or a move writes whatever its source tree holds. Each
//! case runs the real Host lookup (`lookup_file_facts`) on a scratch workspace, then the
//! evaluation, as the gateway and `agent-ops check` do.

use agent_ops::host::{HostDirs, NativeHost};
use agent_ops::shell::{
    evaluate, lookup_file_facts, BashSecurityConfig, EvalContext, Evaluation, Os, Verdict,
};

struct Ws {
    root: std::path::PathBuf,
}

impl Drop for Ws {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

impl Ws {
    fn new(tag: &str) -> Ws {
        let root = std::env::temp_dir().join(format!("agent-ops-wt-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("ws")).ok();
        Ws { root }
    }

    fn ws(&self) -> String {
        self.root
            .join("ws")
            .to_str()
            .unwrap_or("/nonexistent")
            .to_string()
    }

    /// Writes `text` at `rel` under the workspace, with parents.
    fn file(&self, rel: &str, text: &str) {
        let p = self.root.join("ws").join(rel);
        std::fs::create_dir_all(p.parent().unwrap_or(&self.root)).ok();
        std::fs::write(&p, text).ok();
    }

    fn ctx(&self) -> EvalContext {
        EvalContext {
            home: "/home/u".into(),
            cwd: self.ws(),
            workspace: self.ws(),
            os: Os::Linux,
            // The scratch dir lies under the system temp dir: another temp dir keeps
            // "outside the workspace" outside the tier.
            tmp_dir: "/nonexistent-tmp".into(),
            ..Default::default()
        }
    }

    /// What the gateway does: the Host lookup, then the evaluation.
    fn judge(&self, cmd: &str) -> Evaluation {
        let host = NativeHost::new(HostDirs::default());
        let mut c = self.ctx();
        c.files = lookup_file_facts(&host, cmd, &c);
        evaluate(cmd, &c, &BashSecurityConfig::default())
    }

    #[track_caller]
    fn allow(&self, cmd: &str) {
        let e = self.judge(cmd);
        assert_eq!(e.verdict, Verdict::Allow, "{cmd}: {e:#?}");
        assert_eq!(e.reason, "exec.allow.workspace_write", "{cmd}");
        // Without the Host's answer the same command asks (fail closed).
        let blind = evaluate(cmd, &self.ctx(), &BashSecurityConfig::default());
        if blind.verdict == Verdict::Allow {
            // Only a command whose patch text the input holds, or one that writes nothing,
            // may be known without it.
            assert!(
                cmd.contains("EOF")
                    || cmd.contains("--check")
                    || cmd.contains("--stat")
                    || cmd.contains("--numstat")
                    || cmd.contains("--dry-run"),
                "{cmd} allowed without the Host lookup"
            );
        }
    }

    #[track_caller]
    fn ask(&self, cmd: &str) {
        let e = self.judge(cmd);
        assert_ne!(e.verdict, Verdict::Allow, "{cmd}: {e:#?}");
    }
}

const GOOD: &str = "diff --git a/src/a.py b/src/a.py\nindex 1..2 100644\n--- a/src/a.py\n+++ b/src/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n";

fn creating(name: &str) -> String {
    format!("diff --git a/{name} b/{name}\nnew file mode 100644\n--- /dev/null\n+++ b/{name}\n@@ -0,0 +1 @@\n+x\n")
}

#[test]
fn patches_whose_targets_are_workspace_files_are_tier_writes() {
    let w = Ws::new("patch-ok");
    w.file("src/a.py", "x = 1\n");
    w.file("good.patch", GOOD);
    w.file("sub/new.patch", &creating("sub/new.py"));
    for c in [
        "patch -p1 < good.patch",
        "patch < good.patch",
        "patch -p1 -i good.patch",
        "patch --input=good.patch -p1",
        "patch -p1 --input good.patch",
        "patch -d src -p2 < good.patch",
        "git apply good.patch",
        "git apply -p1 good.patch",
        "git apply --directory=sub sub/new.patch",
        "git apply --index good.patch",
        "git apply --exclude=docs/* good.patch",
        "cd sub && git apply new.patch",
        "cp src/a.py src/a.py.bak && patch -p1 < good.patch",
        // Nothing there: the redirection fails, nothing is written.
        "patch -p1 < missing.patch",
        // The patch text is in the input itself.
        &format!("patch -p1 <<'EOF'\n{GOOD}EOF"),
        &format!("git apply <<'EOF'\n{GOOD}EOF"),
        &format!("patch -p1 <<EOF\n{GOOD}EOF"),
        &format!("cat > fix.patch << 'EOF'\n{GOOD}EOF\ngit apply fix.patch"),
        &format!(
            "cd {} && cat > fix.patch << 'EOF'\n{GOOD}EOF\npatch -p1 < fix.patch",
            w.ws()
        ),
    ] {
        w.allow(c);
    }
}

#[test]
fn patches_that_plant_files_that_run_code_or_leave_the_tree_ask() {
    let w = Ws::new("patch-bad");
    for (file, name) in [
        ("gitcfg.patch", ".git/config"),
        ("pth.patch", ".venv/lib/python3.12/site-packages/evil.pth"),
        ("vscode.patch", ".vscode/settings.json"),
        ("env.patch", ".env"),
        ("custom.patch", "src/sitecustomize.py"),
        ("venvbin.patch", "venv/bin/ls"),
    ] {
        w.file(file, &creating(name));
    }
    w.file(
        "abs.patch",
        "--- /etc/cron.d/x\n+++ /etc/cron.d/x\n@@ -0,0 +1 @@\n+x\n",
    );
    w.file(
        "up.patch",
        "--- a/../../x\n+++ b/../../x\n@@ -0,0 +1 @@\n+x\n",
    );
    w.file(
        "link.patch",
        "diff --git a/lnk b/lnk\nnew file mode 120000\n--- /dev/null\n+++ b/lnk\n@@ -0,0 +1 @@\n+/home/u/.ssh/id_rsa\n\\ No newline at end of file\n",
    );
    w.file(
        "bin.patch",
        "diff --git a/x.bin b/x.bin\nnew file mode 100644\nGIT binary patch\nliteral 1\nIcmZpc00001\n\nliteral 0\nHcmV?d00001\n",
    );
    w.file("ed.patch", "1a\nx\n.\nw\n");
    w.file("junk.patch", "this is not a patch\n");
    w.file(
        "indented.patch",
        "  --- a/x\n  +++ b/.git/hooks/pre-commit\n",
    );
    w.file("good.patch", GOOD);
    w.file("big.patch", &"x".repeat(4 * 1024 * 1024 + 1));
    std::fs::create_dir_all(w.root.join("ws/dir.patch")).ok();
    // The ask says what the tier needs.
    let e = w.judge("patch -p1 < gitcfg.patch");
    assert!(
        e.message
            .contains("A patch writes the files named inside it"),
        "{e:#?}"
    );
    let e = w.judge("mv evil/.git .");
    assert!(e.message.contains("A copy or move writes"), "{e:#?}");
    w.ask("patch -p0 < abs.patch");
    w.ask("git apply -p0 abs.patch");
    for f in [
        "gitcfg", "pth", "vscode", "env", "custom", "venvbin", "up", "link", "bin", "ed", "junk",
        "indented", "big", "dir",
    ] {
        w.ask(&format!("patch -p1 < {f}.patch"));
        w.ask(&format!("patch -p0 -i {f}.patch"));
        w.ask(&format!("git apply {f}.patch"));
        w.ask(&format!("git apply -p1 --index {f}.patch"));
    }
    let gitcfg = creating(".git/config");
    for c in [
        format!("patch -p1 <<'EOF'\n{gitcfg}EOF"),
        format!("git apply <<'EOF'\n{gitcfg}EOF"),
        format!("cat > fix.patch << 'EOF'\n{gitcfg}EOF\ngit apply fix.patch"),
        // The body expands a variable: the text is not known.
        format!("patch -p1 <<EOF\n{GOOD}$X\nEOF"),
        // Where the patch comes from is not known.
        "cat good.patch | patch -p1".into(),
        "patch -p1".into(),
        "git apply".into(),
        "patch -p1 < $P".into(),
        "git apply *.patch".into(),
        // An earlier command may have rewritten the file after the Host read it.
        "echo '+++ b/.git/config' >> good.patch && patch -p1 < good.patch".into(),
        "cp gitcfg.patch good.patch && git apply good.patch".into(),
        "python3 gen.py && git apply good.patch".into(),
        "for i in 1 2; do patch -p1 < good.patch; done".into(),
        // Outside the workspace.
        "patch -d /etc -p1 < good.patch".into(),
        "git apply --unsafe-paths good.patch".into(),
    ] {
        w.ask(&c);
    }
    // Read-only forms write nothing, whatever the patch holds.
    for c in [
        "patch -p1 --dry-run < gitcfg.patch",
        "git apply --check gitcfg.patch",
        "git apply --stat link.patch",
        "git apply --numstat bin.patch",
    ] {
        w.allow(c);
    }
}

#[test]
fn recursive_copies_and_moves_are_tier_writes_only_for_known_harmless_trees() {
    let w = Ws::new("copy");
    w.file("src/a.py", "x\n");
    w.file("src/pkg/b.py", "x\n");
    w.file("evil/.git/config", "[core]\n\tfsmonitor = sh -c id\n");
    w.file("evil/ok.txt", "x\n");
    w.file("pth/lib/x.pth", "import os\n");
    w.file("cfg/.vscode/settings.json", "{}\n");
    w.file("cfg/.env", "A=1\n");
    w.file("links/ok.txt", "x\n");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/home/u/.ssh/id_rsa", w.root.join("ws/links/key")).ok();
        std::os::unix::fs::symlink("/home/u/.ssh", w.root.join("ws/sshdir")).ok();
    }
    w.file("one.txt", "x\n");
    for c in [
        "cp -r src dst",
        "cp -a src/. out/",
        "cp -rT src out",
        "cp -R src/ backup",
        "mv src renamed",
        "mv one.txt two.txt",
        "mv -t sub one.txt",
        "cp -r src dst2",
        "cp src/a.py src/a.py.bak && sed -i 's/x/y/' src/a.py.bak && mv src/a.py.bak src/a.py",
        "head -1 src/a.py > new.py && mv new.py src/a.py",
        "cp -r missing dst",
    ] {
        w.allow(c);
    }
    for c in [
        "cp -rT evil .",
        "cp -a evil/. ./",
        "cp -r evil/.git .",
        "cp -r evil dst && true; cp -rT evil .",
        "mv evil/.git .",
        "cp -r pth .venv",
        "cp -r pth/lib .venv/lib/python3.12/site-packages",
        "cp -rT pth/lib .",
        "cp -r cfg/. .",
        "cp cfg/.env .",
        "mv cfg/.vscode .",
        "cp -r links dst",
        "cp -a links/. .",
        "mv links/key k",
        "cp -r sshdir dst",
        "mv sshdir d",
        // Globs expand only at run time.
        "mv src/* .",
        "cp -r src/* dst",
        "cp evil/* .",
        // An earlier command changed the tree after the Host listed it.
        "touch src/x && cp -r src dst",
        "python3 gen.py && cp -r src dst",
        "mkdir -p src/.git && cp -r src dst",
        // Outside the workspace.
        "cp -r src /etc/x",
        "mv src ../elsewhere",
    ] {
        w.ask(c);
    }
}

/// A source tree over the enumeration bound asks.
#[test]
fn an_oversized_source_tree_asks() {
    let w = Ws::new("big");
    for i in 0..10_001 {
        w.file(&format!("big/f{i}"), "");
    }
    w.ask("cp -r big dst");
    w.ask("mv big dst");
}

/// Write-then-run chains found by hand (issue 16 item 5 hunt), each reproduced with the real
/// tool before it was closed: a directory holding `HEAD`, `objects/` and `refs/` is a git
/// directory to git run inside it, so a tier-written `sub/config` with `diff.external` ran
/// under an allowed `cd sub && git diff --no-index a b` (git 2.47); a bare repository
/// `NAME.git` has its `config` at the top; a venv's `pyvenv.cfg` `home =` moved
/// `.venv/bin/python`'s standard library to a tier-written prefix (CPython 3.11).
#[test]
fn git_directories_and_venv_config_are_not_tier_writes() {
    let w = Ws::new("hunt");
    w.file("h.patch", &creating("sub/HEAD"));
    for c in [
        "echo 'ref: refs/heads/main' > sub/HEAD",
        "mkdir -p sub/objects sub/refs && echo 'ref: refs/heads/main' > sub/HEAD",
        "cp notes.txt /tmp/x/HEAD",
        "printf '[diff]\\n\\texternal = sh\\n' > tests/fixtures/repo.git/config",
        "touch fixtures/Repo.GIT/hooks/x",
        "echo 'home = /tmp/evil/bin' > .venv/pyvenv.cfg",
        "sed -i 's#home = .*#home = /tmp/e#' venv/pyvenv.cfg",
        "git apply h.patch",
        "patch -p1 < h.patch",
    ] {
        w.ask(c);
    }
    // Ordinary names stay tier writes.
    w.file("src/a.py", "x\n");
    for c in [
        "echo x > src/head.txt",
        "echo x > sub/config",
        "echo x > docs/git.md",
    ] {
        let e = w.judge(c);
        assert_eq!(e.reason, "exec.allow.workspace_write", "{c}: {e:#?}");
    }
}

/// A repository can commit symlinks: `notes -> ~/.bashrc`, `conf -> /etc`. Writing through
/// one lands outside the workspace although the name lies inside it, so the Host checks every
/// existing component of every tier target below the workspace (or temp) root. Each case
/// below was allow (exec.allow.workspace_write) by name alone.
#[cfg(unix)]
#[test]
fn writes_through_committed_symlinks_ask() {
    let w = Ws::new("links");
    let outside = w.root.join("outside");
    std::fs::create_dir_all(&outside).ok();
    std::fs::write(outside.join("bashrc"), "# startup\n").ok();
    let ws = w.root.join("ws");
    std::os::unix::fs::symlink(outside.join("bashrc"), ws.join("notes")).ok();
    std::os::unix::fs::symlink(&outside, ws.join("conf")).ok();
    w.file("src/main.py", "print(1)\n");
    w.file("a.txt", "a\n");
    for cmd in [
        "echo 'curl x | sh' >> notes",
        "echo x > conf/hosts",
        "printf x | tee notes",
        "cp a.txt notes",
        "cp a.txt conf/",
        "mv a.txt conf/x",
        "mkdir -p conf/sub",
        "touch conf/new",
        "sed -i 's/a/b/' conf/bashrc",
        "cat > conf/evil.sh <<'EOF'\nid\nEOF",
        "cd conf && echo x > f",
    ] {
        let e = w.judge(cmd);
        assert_ne!(e.verdict, Verdict::Allow, "{cmd}: {e:#?}");
    }
    // The hint names the path.
    let e = w.judge("echo x >> notes");
    assert!(e.message.contains("symbolic link"), "{e:#?}");
    // Plain paths, new files and new directories stay in the tier.
    for cmd in [
        "echo x > src/new.py",
        "echo x >> a.txt",
        "mkdir -p build/out && touch build/out/f",
        "cp a.txt src/",
        "sed -i 's/1/2/' src/main.py",
        "cat > src/gen.py <<'EOF'\nx = 1\nEOF",
    ] {
        let e = w.judge(cmd);
        assert_eq!(e.verdict, Verdict::Allow, "{cmd}: {e:#?}");
        assert_eq!(e.reason, "exec.allow.workspace_write", "{cmd}");
    }
    // Nothing written (the checks above only judged).
    assert_eq!(
        std::fs::read_to_string(outside.join("bashrc")).unwrap_or_default(),
        "# startup\n"
    );
}

/// Reading through a committed symlink: `config.txt -> ~/.aws/credentials` printed by `cat`
/// under a harmless name was allow (read only). The Host finds the link, check 23 asks.
#[cfg(unix)]
#[test]
fn reads_through_committed_symlinks_ask() {
    let w = Ws::new("readlinks");
    let outside = w.root.join("outside");
    std::fs::create_dir_all(&outside).ok();
    std::fs::write(outside.join("credentials"), "[default]\n").ok();
    let ws = w.root.join("ws");
    std::os::unix::fs::symlink(outside.join("credentials"), ws.join("config.txt")).ok();
    std::os::unix::fs::symlink(&outside, ws.join("vendor")).ok();
    w.file("README.md", "hello\n");
    w.file("sub/plain.txt", "x\n");
    std::os::unix::fs::symlink(outside.join("credentials"), ws.join("sub/inner.txt")).ok();
    for cmd in [
        // Resolved in the directory the command runs in (was allow).
        "cd sub && cat inner.txt",
        "cat config.txt",
        "head -n 3 config.txt",
        "grep key config.txt",
        "base64 config.txt",
        "cat vendor/credentials",
        "tar czf /tmp/x.tgz config.txt",
    ] {
        let e = w.judge(cmd);
        assert_ne!(e.verdict, Verdict::Allow, "{cmd}: {e:#?}");
        assert!(e.findings.iter().any(|f| f.id == 23), "{cmd}: {e:#?}");
    }
    for cmd in [
        "cat README.md",
        "echo config.txt",
        "ls -la",
        "wc -l README.md",
    ] {
        let e = w.judge(cmd);
        assert_eq!(e.verdict, Verdict::Allow, "{cmd}: {e:#?}");
    }
}

/// `python -m mypkg` runs the project's own package when the Host lists `mypkg` in the
/// directory the run starts in (issue 16 item 6); an installed module, a link, a run after
/// a `cd` elsewhere, or a directory that shadows a standard module keeps it inline code.
#[test]
fn python_m_of_a_workspace_package_is_a_project_run() {
    use agent_ops::shell::{lookup_host_facts, RunProject};
    let w = Ws::new("pym");
    w.file("bookminder/__main__.py", "print(1)\n");
    w.file("bookminder/cli.py", "print(1)\n");
    w.file("tool.py", "print(1)\n");
    let host = NativeHost::new(HostDirs::default());
    let cfg = BashSecurityConfig {
        run_project: RunProject::Allow,
        ..BashSecurityConfig::default()
    };
    let judge = |ws: &Ws, cmd: &str| {
        let mut c = ws.ctx();
        let (hooks, shadow) = lookup_host_facts(&host, cmd, &c.cwd, &c.home);
        c.repo_hooks = hooks;
        c.module_shadow = shadow;
        c.files = lookup_file_facts(&host, cmd, &c);
        evaluate(cmd, &c, &cfg)
    };
    for cmd in [
        "python -m bookminder list recent",
        "python3 -m bookminder.cli --help",
        "python -m tool",
    ] {
        let e = judge(&w, cmd);
        assert_eq!(e.reason, "exec.allow.run_project", "{cmd}: {e:#?}");
        // Without the Host's listing it is code of unknown origin.
        let blind = evaluate(cmd, &w.ctx(), &cfg);
        assert_eq!(blind.verdict, Verdict::Ask, "{cmd}: {blind:#?}");
    }
    for cmd in [
        "python -m mteb --help",
        "python -m http.server",
        "cd bookminder && python -m cli",
        "python -m nothere",
    ] {
        let e = judge(&w, cmd);
        assert_eq!(e.verdict, Verdict::Ask, "{cmd}: {e:#?}");
    }
    // A workspace whose directory shadows a standard module: nothing there is vouched for.
    w.file("json/__init__.py", "x = 1\n");
    let e = judge(&w, "python -m bookminder list");
    assert_eq!(e.verdict, Verdict::Ask, "{e:#?}");
    // A link in the directory may lead anywhere.
    let v = Ws::new("pym-link");
    #[cfg(unix)]
    {
        let _ = std::os::unix::fs::symlink("/usr/lib", v.root.join("ws").join("linked"));
        let e = judge(&v, "python -m linked");
        assert_eq!(e.verdict, Verdict::Ask, "{e:#?}");
    }
}
