//! What each executed command does, as the workspace tier and `runProject` see it (issue 16
//! items 5 and 6, P4 §6.5).
//!
//! The read-only allowlist answers "does this command only read?". This module answers the
//! next question for the commands it does not cover: which files does it write (every target,
//! resolved against the command's own cwd with `..` removed before any exemption), and does it
//! run the project's own code. Everything here only widens `allow` for commands whose whole
//! behaviour the tables describe; an option, operand or wrapper the tables do not know makes
//! the command [`Class::Other`] (fail closed), and the findings of the 23 checks and the deny
//! rules are never touched.

use super::paths::{is_within, normalize, resolve};
use super::semantic::{Arg, Cwd, ExecCommand, Model, Stdin};
use super::write_targets::{name_suffixes, patch_names, SourceFact};
use super::{BashSecurityConfig, EvalContext, RepoHooks};

/// How the tier classifies one executed command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Nothing the tier can vouch for: the allowlist and the checks decide alone.
    Other,
    /// Only reads and writes files inside the workspace or the temp dir
    /// (`exec.allow.workspace_write` under `workspaceWrites: "allow"`).
    WorkspaceWrite,
    /// Runs the project's build, tests or scripts, or installs its dependencies into the
    /// project (`runProject`).
    RunProject,
}

/// Directories under which the tier never writes, wherever they are: repository internals
/// (hooks, config) and agent and editor settings that make tools run code.
const PROTECTED_DIRS: &[&str] = &[
    ".git",
    ".openclaw",
    ".claude",
    ".vscode",
    ".idea",
    // Other coding agents' and editors' settings: their hooks, MCP servers and tasks run
    // commands, and their rule files steer every later session (`.cursor/mcp.json`,
    // `.gemini/settings.json`, `.continue/config.json`, `.devcontainer/devcontainer.json`'s
    // `postCreateCommand`).
    ".cursor",
    ".windsurf",
    ".gemini",
    ".codex",
    ".continue",
    ".zed",
    ".roo",
    ".kilocode",
    ".cline",
    ".amazonq",
    ".devcontainer",
    // Code every later interpreter start runs or imports (`*.pth` files, packages that
    // replace installed ones) and programs a tool runs by name (`node_modules/.bin`): a
    // write there turns a later read-only command into code execution.
    "site-packages",
    "dist-packages",
    ".bin",
];

/// Virtual environment directory names whose `bin/` (`Scripts/`) an activated shell puts
/// first on `PATH`: a program written there replaces `ls` or `python` for later commands.
const VENV_DIRS: &[&str] = &[
    ".venv",
    "venv",
    "env",
    "virtualenv",
    ".virtualenv",
    ".tox",
    ".nox",
];

/// File names that make later commands run other code: interpreter start-up files, and the
/// version files of version managers (pyenv, asdf, nodenv, rbenv, mise), which pick the
/// binary a later `python -V` or `node -v` runs from the working directory (asdf and mise
/// accept `path:` versions, and mise config can set hooks).
const STARTUP_FILES: &[&str] = &[
    "sitecustomize.py",
    "usercustomize.py",
    ".python-version",
    ".tool-versions",
    ".node-version",
    ".nvmrc",
    ".ruby-version",
    ".java-version",
    ".go-version",
    ".sdkmanrc",
    ".mise.toml",
    "mise.toml",
    ".mise.local.toml",
    "mise.local.toml",
    ".rtx.toml",
    // A venv's `home =` picks the base interpreter and its standard library: pointed at a
    // tier-written prefix, `.venv/bin/python -m json.tool` imports code from there
    // (reproduced with CPython 3.11).
    "pyvenv.cfg",
    // Project-level agent configuration files: MCP servers they name are started by the
    // agent (`.mcp.json`), rule files steer it (`.clinerules`, `.cursorrules`).
    ".mcp.json",
    ".clinerules",
    ".cursorrules",
    ".windsurfrules",
    ".aider.conf.yml",
];

/// Wrappers that change neither the cwd, the user nor the argv of the command they carry;
/// any other wrapper (`sudo`, `env -C`, `xargs`, `find -exec`, `nohup`, …) keeps the carried
/// command out of the tier.
const PLAIN_WRAPPERS: &[&str] = &[
    "timeout", "nice", "stdbuf", "time", "command", "builtin", "ionice",
];

/// What the operands of a file-writing command are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operands {
    /// Every operand is written (`mkdir`, `touch`, `tee`, `rm`).
    AllWritten,
    /// `mv SRC… DEST`: sources are removed and land under DEST with whatever they hold.
    Move,
    /// Sources are read, the last operand (or `-t DIR`) is written (`cp`).
    LastWritten,
    /// `ln`: the link is written; its target must resolve inside the tree too.
    Link,
    /// `chmod MODE FILE…`: the first operand is the mode, every other one is written. A
    /// set-user/group-id mode is check 22's deny, which no tier lifts.
    ModeFirst,
    /// `patch [ORIGFILE [PATCHFILE]]`: the first operand is written, the second read; the
    /// files named inside the patch are relative to the cwd (GNU patch refuses absolute and
    /// `..` names).
    Patch,
}

/// One file-writing command of the tier, with the options it may carry (written as data so
/// that an option missing here keeps the command out of the tier).
struct Writer {
    name: &'static str,
    /// Short flags without a value.
    flags: &'static str,
    /// Short options that take a value (attached or the next word).
    valued: &'static str,
    /// Long options without a value (`--name` or, for those ending in `=`, `--name=VALUE`).
    long: &'static [&'static str],
    /// Long options that take a value.
    long_valued: &'static [&'static str],
    operands: Operands,
}

/// Short option whose value is the written directory (`-t DIR`), long form after it.
const TARGET_DIR: (char, &str) = ('t', "target-directory");

const WRITERS: &[Writer] = &[
    Writer {
        name: "cp",
        flags: "abdfHiLnPprRuvxT",
        valued: "tS",
        long: &[
            "archive",
            "force",
            "interactive",
            "no-clobber",
            "recursive",
            "verbose",
            "update",
            "update=",
            "preserve",
            "preserve=",
            "no-preserve=",
            "no-dereference",
            "dereference",
            "backup",
            "backup=",
            "remove-destination",
            "no-target-directory",
            "sparse=",
            "reflink",
            "reflink=",
            "strip-trailing-slashes",
            "one-file-system",
            "attributes-only",
        ],
        long_valued: &["target-directory", "suffix"],
        operands: Operands::LastWritten,
    },
    Writer {
        name: "mv",
        flags: "bfinuvT",
        valued: "tS",
        long: &[
            "force",
            "interactive",
            "no-clobber",
            "update",
            "update=",
            "verbose",
            "backup",
            "backup=",
            "no-target-directory",
            "strip-trailing-slashes",
        ],
        long_valued: &["target-directory", "suffix"],
        operands: Operands::Move,
    },
    Writer {
        name: "mkdir",
        flags: "pv",
        valued: "m",
        long: &["parents", "verbose"],
        long_valued: &["mode"],
        operands: Operands::AllWritten,
    },
    // Only empty directories go; `-p` (which also removes each empty parent, up and out of
    // the tree) is left out.
    Writer {
        name: "rmdir",
        flags: "v",
        valued: "",
        long: &["verbose", "ignore-fail-on-non-empty"],
        long_valued: &[],
        operands: Operands::AllWritten,
    },
    Writer {
        name: "touch",
        flags: "acmfh",
        valued: "dtr",
        long: &["no-create", "no-dereference"],
        long_valued: &["date", "reference", "time"],
        operands: Operands::AllWritten,
    },
    Writer {
        name: "tee",
        flags: "aip",
        valued: "",
        long: &[
            "append",
            "ignore-interrupts",
            "output-error",
            "output-error=",
        ],
        long_valued: &[],
        operands: Operands::AllWritten,
    },
    Writer {
        name: "rm",
        flags: "fivd",
        valued: "",
        long: &[
            "force",
            "interactive",
            "interactive=",
            "verbose",
            "dir",
            "one-file-system",
            "preserve-root",
        ],
        long_valued: &[],
        operands: Operands::AllWritten,
    },
    Writer {
        // Not `-R`: a recursive mode change is left to approval like `rm -r`.
        name: "chmod",
        flags: "cfv",
        valued: "",
        long: &["changes", "silent", "quiet", "verbose", "preserve-root"],
        long_valued: &[],
        operands: Operands::ModeFirst,
    },
    Writer {
        name: "ln",
        flags: "sfnvrTbiLP",
        valued: "tS",
        long: &[
            "symbolic",
            "force",
            "no-dereference",
            "verbose",
            "relative",
            "no-target-directory",
            "backup",
            "backup=",
            "interactive",
            "logical",
            "physical",
        ],
        long_valued: &["target-directory", "suffix"],
        operands: Operands::Link,
    },
    Writer {
        name: "patch",
        flags: "RNEfstucnbl",
        valued: "piodF",
        long: &[
            "forward",
            "reverse",
            "dry-run",
            "silent",
            "quiet",
            "batch",
            "force",
            "no-backup-if-mismatch",
            "backup",
            "binary",
            "verbose",
            "unified",
            "context",
            "ignore-whitespace",
            "remove-empty-files",
            "posix",
        ],
        long_valued: &["strip", "input", "output", "fuzz", "directory"],
        operands: Operands::Patch,
    },
];

/// `sed` options besides `-i`/`--in-place` (`-f`/`--file` is left out: the script is not
/// visible).
const SED_FLAGS: &str = "nErsuzi";
const SED_LONG: &[&str] = &[
    "quiet",
    "silent",
    "regexp-extended",
    "separate",
    "unbuffered",
    "null-data",
    "posix",
    "debug",
    "sandbox",
];

/// Where writes are acceptable, as the tier reads the context.
struct Tree<'a> {
    ctx: &'a EvalContext,
    cfg: &'a BashSecurityConfig,
    /// The workspace, normalised; `None` when it cannot anchor the tier (empty, `/`, or a
    /// directory that holds the home directory and so its startup files).
    workspace: Option<String>,
    /// Set while collecting the paths the Host must check for symlinks
    /// ([`write_requests`]): every path that passes the lexical test is recorded.
    record: Option<&'a std::cell::RefCell<Vec<String>>>,
}

impl<'a> Tree<'a> {
    fn new(ctx: &'a EvalContext, cfg: &'a BashSecurityConfig) -> Tree<'a> {
        let ws = (!ctx.workspace.is_empty()).then(|| normalize(&ctx.workspace));
        let workspace = ws.filter(|w| {
            w != "/" && (ctx.home.is_empty() || !is_within(&normalize(&ctx.home), w, ctx.os))
        });
        Tree {
            ctx,
            cfg,
            workspace,
            record: None,
        }
    }

    fn in_workspace(&self, abs: &str) -> bool {
        self.workspace
            .as_deref()
            .is_some_and(|w| is_within(abs, w, self.ctx.os))
    }

    /// Below the temp directory, never the directory itself: `chmod 777 /tmp` drops its
    /// sticky bit for every user of the machine.
    fn in_tmp(&self, abs: &str) -> bool {
        let os = self.ctx.os;
        let below = |t: &str| is_within(abs, t, os) && !super::paths::same_path(abs, t, os);
        if self.ctx.tmp_dir.is_empty() {
            below("/tmp") || below("/var/tmp")
        } else {
            let t = normalize(&self.ctx.tmp_dir);
            t != "/" && below(&t)
        }
    }

    /// Whether the tier may write the absolute path `abs` (or create a link there).
    fn writable(&self, abs: &str) -> bool {
        let lexical = self.workspace.is_some()
            && (self.in_workspace(abs) || self.in_tmp(abs))
            && !self.protected(abs);
        if !lexical {
            return false;
        }
        if let Some(r) = self.record {
            r.borrow_mut().push(abs.to_string());
            return true;
        }
        // A committed symlink (`notes -> ~/.bashrc`, `sub -> /etc`) turns a write inside
        // the tree into one outside it: when the Host looked (the hook and the CLI always
        // do), only a path it found free of symlinks below the tree's root is in the tier.
        match &self.ctx.files.write_paths {
            None => true,
            Some(checked) => checked.iter().any(|(p, plain)| *plain && p == abs),
        }
    }

    /// The directory of the tree `abs` lies in (the workspace or the temp directory whose
    /// name is the longest prefix), for the Host's symlink check.
    fn root_of(&self, abs: &str) -> Option<String> {
        let os = self.ctx.os;
        let mut roots: Vec<String> = self.workspace.iter().cloned().collect();
        if self.ctx.tmp_dir.is_empty() {
            roots.extend(["/tmp".to_string(), "/var/tmp".to_string()]);
        } else {
            roots.push(normalize(&self.ctx.tmp_dir));
        }
        roots
            .into_iter()
            .filter(|r| r != "/" && is_within(abs, r, os))
            .max_by_key(String::len)
    }

    /// Repository internals, agent and editor settings, `.env*`, secret and persistence
    /// locations: never written without approval.
    fn protected(&self, abs: &str) -> bool {
        let segs = || abs.split('/').filter(|s| !s.is_empty());
        segs().any(|s| {
            PROTECTED_DIRS.iter().any(|d| s.eq_ignore_ascii_case(d))
                // `NAME.git`: a bare repository, whose `config` git reads like `.git/config`.
                || (s.len() > 4
                    && s.get(s.len() - 4..)
                        .is_some_and(|t| t.eq_ignore_ascii_case(".git")))
        }) || segs().next_back().is_some_and(|b| {
            (b.len() >= 4 && b.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(".env")))
                    || STARTUP_FILES.iter().any(|f| b.eq_ignore_ascii_case(f))
                    // A directory holding `HEAD`, `objects/` and `refs/` is a git directory
                    // to git run inside it: its `config` (`diff.external`, `core.pager`,
                    // `core.fsmonitor` with `core.worktree`) then runs code under an allowed
                    // `git diff --no-index` (reproduced with git 2.47).
                    || b.eq_ignore_ascii_case("HEAD")
                    || b.to_ascii_lowercase().ends_with(".pth")
        }) || segs().zip(segs().skip(1)).any(|(v, b)| {
            VENV_DIRS.iter().any(|d| v.eq_ignore_ascii_case(d))
                && (b.eq_ignore_ascii_case("bin") || b.eq_ignore_ascii_case("Scripts"))
        }) || super::checks::secrets::is_secret_path(abs, self.ctx, self.cfg)
            || super::checks::persistence::is_persistence_path(abs, self.ctx, self.cfg)
    }
}

/// Every absolute path a path operand may name, given the directories the command may run
/// in; `None` when it cannot be known (unknown value, `~user`, a glob that could match `..`,
/// or a relative path under an unknown cwd).
fn resolve_operand(value: Option<&str>, cwd: &Cwd, ctx: &EvalContext) -> Option<Vec<String>> {
    let v = value?;
    if v.is_empty() || (v.starts_with('~') && v != "~" && !v.starts_with("~/")) {
        return None;
    }
    // A glob in a segment that starts with `.` may match `.` or `..` (older bash).
    if v.split('/')
        .any(|seg| seg.starts_with('.') && super::paths::has_any_byte(seg, b"*?["))
    {
        return None;
    }
    if v.starts_with('/') || v.starts_with('~') {
        return Some(vec![resolve(v, ctx)]);
    }
    let dirs = cwd.dirs(ctx)?;
    Some(
        dirs.iter()
            .map(|d| normalize(&format!("{d}/{v}")))
            .collect(),
    )
}

/// Every path the tier would write for `model` if the Host vouched for it, each with the
/// root of its tree (workspace or temp directory): the requests of the symlink check
/// ([`super::write_targets::lookup`]). `ctx.files` must already hold the patch and copy
/// facts, so the paths a patch or a recursive copy writes are among them.
pub(crate) fn write_requests(
    model: &Model,
    ctx: &EvalContext,
    cfg: &BashSecurityConfig,
) -> Vec<(String, String)> {
    let cell = std::cell::RefCell::new(Vec::new());
    let tree = Tree {
        record: Some(&cell),
        ..Tree::new(ctx, cfg)
    };
    for c in &model.commands {
        let _ = class_of(c, &tree);
        for r in c.redirs.iter().filter(|r| r.is_file) {
            if let Some(t) = r.target.as_deref() {
                let _ = resolve_operand(Some(t), &c.cwd, ctx)
                    .is_some_and(|ps| ps.iter().all(|p| tree.writable(p)));
            }
        }
    }
    let mut paths = cell.take();
    crate::sorted::sort(&mut paths);
    paths.dedup();
    paths
        .into_iter()
        .filter_map(|p| tree.root_of(&p).map(|r| (p, r)))
        .collect()
}

/// Whether a redirection target of command `c` is a write the tier covers (check 7 marks
/// such a finding liftable, P4-R36).
pub fn redirect_in_tier(
    target: &str,
    c: &ExecCommand,
    ctx: &EvalContext,
    cfg: &BashSecurityConfig,
) -> bool {
    let tree = Tree::new(ctx, cfg);
    wrappers_ok(c)
        && resolve_operand(Some(target), &c.cwd, ctx)
            .is_some_and(|ps| ps.iter().all(|p| tree.writable(p)))
}

fn wrappers_ok(c: &ExecCommand) -> bool {
    c.wrappers
        .iter()
        .all(|w| crate::shell::tables::has(PLAIN_WRAPPERS, w.as_str()))
}

/// The class of every executed command of the model, in order.
pub fn classify(model: &Model, ctx: &EvalContext, cfg: &BashSecurityConfig) -> Vec<Class> {
    // Most commands are neither writers nor project tools: they are settled by name before
    // the tree (two path normalisations) is built.
    let mut tree: Option<Tree<'_>> = None;
    let mut out = Vec::with_capacity(model.commands.len());
    for c in &model.commands {
        let candidate = c.name().is_some_and(|n| {
            WRITERS.iter().any(|w| w.name == n)
                || matches!(n, "sed" | "git")
                || super::project::may_run_project(n)
        });
        out.push(if candidate {
            class_of(c, tree.get_or_insert_with(|| Tree::new(ctx, cfg)))
        } else {
            Class::Other
        });
    }
    out
}

fn class_of(c: &ExecCommand, tree: &Tree<'_>) -> Class {
    let own = class_of_argv(c, tree);
    if own != Class::Other || c.variants.is_empty() {
        return own;
    }
    // `for t in a.sql b.sql; do cp "$t" "/tmp/orig_$t"; done`: the operands are unknown in
    // the argv but known in each variant (P4-R25, which includes an unknown value as
    // unknown); the command is in a class when every variant is.
    let mut class = Class::Other;
    for (k, v) in c.variants.iter().enumerate() {
        let mut alt = c.clone();
        alt.argv.clone_from(v);
        let one = class_of_argv(&alt, tree);
        if one == Class::Other || (k > 0 && one != class) {
            return Class::Other;
        }
        class = one;
    }
    class
}

fn class_of_argv(c: &ExecCommand, tree: &Tree<'_>) -> Class {
    if c.argv.is_empty() || !wrappers_ok(c) || tree.workspace.is_none() {
        return Class::Other;
    }
    let Some(name) = c.name() else {
        return Class::Other;
    };
    if let Some(w) = WRITERS.iter().find(|w| w.name == name) {
        return if writer_in_tier(w, c, tree) {
            Class::WorkspaceWrite
        } else {
            Class::Other
        };
    }
    match name {
        "sed" => {
            if sed_in_place_in_tier(c, tree) {
                Class::WorkspaceWrite
            } else {
                Class::Other
            }
        }
        "git" => git_class(c, tree),
        n if py_compile_in_tier(n, c, tree) => Class::WorkspaceWrite,
        _ => {
            if super::project::is_project_run(c, tree.ctx) {
                Class::RunProject
            } else {
                Class::Other
            }
        }
    }
}

/// Splits the arguments of a table-described command into option values and operands;
/// `None` when an option is unknown. Returns `(operands, -t/--target-directory value,
/// whether the command links or copies as links)`.
struct Parsed<'c> {
    operands: Vec<&'c Arg>,
    target_dir: Option<&'c Arg>,
    values: Vec<(char, &'c Arg)>,
    flags: String,
    long: Vec<&'c str>,
    /// Each valued option with its exact value (`"i"`, `"input"` → the file name).
    vals: Vec<(String, Option<String>)>,
}

fn parse_options<'c>(
    args: &'c [Arg],
    flags: &str,
    valued: &str,
    long: &[&str],
    long_valued: &[&str],
) -> Option<Parsed<'c>> {
    let mut p = Parsed {
        operands: Vec::new(),
        target_dir: None,
        values: Vec::new(),
        flags: String::new(),
        long: Vec::new(),
        vals: Vec::new(),
    };
    let mut i = 0;
    let mut done = false;
    while let Some(a) = args.get(i) {
        i += 1;
        let t = a.value.as_deref()?;
        if done || t == "-" || !t.starts_with('-') {
            p.operands.push(a);
            continue;
        }
        if t == "--" {
            done = true;
            continue;
        }
        if let Some(l) = t.strip_prefix("--") {
            let (key, has_eq) = match l.split_once('=') {
                Some((k, _)) => (k, true),
                None => (l, false),
            };
            if long_valued.contains(&key) {
                let v = if has_eq {
                    a
                } else {
                    let v = args.get(i)?;
                    i += 1;
                    v
                };
                let exact = if has_eq {
                    l.split_once('=').map(|(_, x)| x.to_string())
                } else {
                    v.value.clone()
                };
                p.vals.push((key.to_string(), exact));
                if key == TARGET_DIR.1 {
                    // `--target-directory=DIR` holds the prefix: keep the whole word only
                    // when it is the separate form.
                    if has_eq {
                        return None;
                    }
                    p.target_dir = Some(v);
                }
                p.long.push(key);
                continue;
            }
            let known = if has_eq {
                long.iter().any(|k| k.strip_suffix('=') == Some(key))
            } else {
                long.contains(&key)
            };
            if !known {
                return None;
            }
            p.long.push(key);
            continue;
        }
        // A cluster of short flags, the last of which may take a value.
        let body = t.get(1..).unwrap_or("");
        for (j, ch) in body.char_indices() {
            if valued.contains(ch) {
                let rest = body.get(j + ch.len_utf8()..).unwrap_or("");
                p.vals.push((
                    ch.to_string(),
                    if rest.is_empty() {
                        args.get(i).and_then(|v| v.value.clone())
                    } else {
                        Some(rest.to_string())
                    },
                ));
                let v = if rest.is_empty() {
                    let v = args.get(i)?;
                    i += 1;
                    v
                } else {
                    // An attached value (`-p1`): only single-letter values matter here.
                    if ch == TARGET_DIR.0 {
                        return None;
                    }
                    a
                };
                if ch == TARGET_DIR.0 {
                    p.target_dir = Some(v);
                }
                p.values.push((ch, v));
                break;
            }
            if !flags.contains(ch) {
                return None;
            }
            p.flags.push(ch);
        }
    }
    Some(p)
}

fn writer_in_tier(w: &Writer, c: &ExecCommand, tree: &Tree<'_>) -> bool {
    let Some(p) = parse_options(c.args(), w.flags, w.valued, w.long, w.long_valued) else {
        return false;
    };
    let ctx = tree.ctx;
    let cwd = &c.cwd;
    let all_writable = |v: &Arg| {
        resolve_operand(v.value.as_deref(), cwd, ctx)
            .is_some_and(|ps| ps.iter().all(|x| tree.writable(x)))
    };
    let readable = |v: &Arg| {
        resolve_operand(v.value.as_deref(), cwd, ctx)
            .is_some_and(|ps| ps.iter().all(|x| !tree.protected(x)))
    };
    // `rm -r`/`-R` (recursive) and `cp -s`/`-l` (links) are not in the tables: they stay ask.
    if p.operands.is_empty() && p.target_dir.is_none() && w.operands != Operands::Patch {
        return false;
    }
    // `rm` takes named files only: a glob could reach more than the command shows.
    if w.name == "rm" && p.operands.iter().any(|a| a.glob) {
        return false;
    }
    match w.operands {
        Operands::AllWritten => {
            // `touch -r REF` reads REF.
            p.values
                .iter()
                .filter(|(ch, _)| *ch != 't' || w.name == "touch")
                .all(|(ch, v)| {
                    if w.name == "touch" && *ch == 'r' {
                        readable(v)
                    } else {
                        true
                    }
                })
                && p.target_dir.is_none_or(all_writable)
                && p.operands.iter().all(|a| all_writable(a))
                && !(w.name == "tee" && p.operands.is_empty())
        }
        Operands::ModeFirst => {
            let Some((mode, files)) = p.operands.split_first() else {
                return false;
            };
            // A literal symbolic or octal mode; a computed one could be anything.
            mode.value.as_deref().is_some_and(|m| {
                !m.is_empty()
                    && m.bytes()
                        .all(|b| b.is_ascii_digit() || b"ugoarwxXst+-=,".contains(&b))
            }) && !files.is_empty()
                && files.iter().all(|a| all_writable(a))
        }
        Operands::LastWritten | Operands::Move => copy_in_tier(w, &p, c, tree),
        Operands::Link => {
            let symbolic = p.flags.contains('s') || p.long.contains(&"symbolic");
            let relative = p.flags.contains('r') || p.long.contains(&"relative");
            let (link_dirs, targets): (Vec<&Arg>, &[&Arg]) =
                match (p.target_dir, p.operands.split_last()) {
                    (Some(d), _) => (vec![d], &p.operands),
                    (None, Some((last, rest))) if !rest.is_empty() => (vec![last], rest),
                    _ => return false,
                };
            if !link_dirs.iter().all(|d| all_writable(d)) || targets.is_empty() {
                return false;
            }
            // A relative symlink target resolves against the link's directory: the link
            // operand itself (when it is a directory) or its parent, and the cwd for `-r`.
            targets.iter().all(|t| {
                let Some(tv) = t.value.as_deref() else {
                    return false;
                };
                // Hard links, `-r` and absolute targets name the target from the cwd.
                if !symbolic || relative || tv.starts_with('/') || tv.starts_with('~') {
                    return all_writable(t);
                }
                link_dirs.iter().all(|d| {
                    resolve_operand(d.value.as_deref(), cwd, ctx).is_some_and(|ls| {
                        ls.iter().all(|l| {
                            let parent = l.rsplit_once('/').map_or("/", |(p, _)| p);
                            [l.as_str(), if parent.is_empty() { "/" } else { parent }]
                                .iter()
                                .all(|base| tree.writable(&normalize(&format!("{base}/{tv}"))))
                        })
                    })
                })
            })
        }
        Operands::Patch => patch_in_tier(&p, c, tree),
    }
}

/// Why the tier did not take a write the Host found going through a symbolic link: the
/// first such path, appended to the ask message; empty when there is none.
pub(crate) fn link_hint(ctx: &EvalContext) -> String {
    let linked = ctx
        .files
        .write_paths
        .iter()
        .flatten()
        .find(|(_, plain)| !plain);
    match linked {
        Some((p, _)) => format!(" `{p}` is a symbolic link, lies under one, or could not be checked: a write there can land outside the workspace, so it is not a workspace write."),
        None => String::new(),
    }
}

/// Why a patch, copy or move the tier did not take asks: what the tier needs to know
/// (issue 16 item 5), appended to the ask message; empty for other commands.
pub(crate) fn tier_hint(name: &str, c: &ExecCommand) -> &'static str {
    let git_apply = name == "git" && c.args().iter().any(|a| a.is("apply"));
    if name == "patch" || git_apply {
        " A patch writes the files named inside it: it is a workspace write only when its text is known (a heredoc, or a file of at most 4 MiB the plugin could read and nothing earlier in the line changed), it is a plain unified diff (no symlink, binary or ed parts), and every file it names lies inside the workspace or the temp directory, outside protected paths (.git, editor and agent settings, .env*, site-packages, venv bin, HEAD)."
    } else if name == "cp" || name == "mv" {
        " A copy or move writes wherever its sources land: it is a workspace write only when each landing path lies inside the workspace or the temp directory, outside protected paths, and, for a recursive copy or a move, the plugin could list the source (inside the workspace or temp, at most 10,000 entries, no symbolic links, no glob, nothing earlier in the line changed it) and every path of that tree lands on such a path."
    } else {
        ""
    }
}

/// The value of the last valued option among `keys` (short letter or long name).
fn last_val<'p>(p: &'p Parsed<'_>, keys: &[&str]) -> Option<&'p Option<String>> {
    p.vals
        .iter()
        .rev()
        .find(|(k, _)| keys.contains(&k.as_str()))
        .map(|(_, v)| v)
}

/// Whether `cp`/`mv` writes only tier paths (issue 16 item 5, hole 2). Each source lands at
/// `DEST` (`-T`, or a `DEST` that does not exist) or at `DEST/BASENAME` (`-t DIR`, several
/// sources, or an existing directory `DEST`); the existence of `DEST` is not known, so both
/// are checked. A recursive copy or a move lands the source's whole tree there: the Host
/// must have enumerated it (no symlink, bounded) and every resulting path must be a tier
/// path. Globs in a source are unknown before run time: not in the tier.
fn copy_in_tier(w: &Writer, p: &Parsed<'_>, c: &ExecCommand, tree: &Tree<'_>) -> bool {
    let ctx = tree.ctx;
    let (dest, sources): (&Arg, &[&Arg]) = match (p.target_dir, p.operands.split_last()) {
        (Some(d), _) => (d, &p.operands),
        (None, Some((last, rest))) if !rest.is_empty() => (last, rest),
        _ => return false,
    };
    if sources.is_empty() {
        return false;
    }
    let Some(dest_abs) = resolve_operand(dest.value.as_deref(), &c.cwd, ctx) else {
        return false;
    };
    let has = |f: char, l: &str| p.flags.contains(f) || p.long.contains(&l);
    let moves = w.operands == Operands::Move;
    let no_target_dir = has('T', "no-target-directory");
    // `cp -r` copies symlinks as links (`-R` implies `-P` without `-H`/`-L`); `-d`, `-P`
    // and `-a` keep them too; `mv` moves whatever the source is.
    let needs_tree = moves
        || ["r", "R", "a", "d", "P", "H", "L"]
            .iter()
            .any(|f| p.flags.contains(f))
        || ["recursive", "archive", "no-dereference", "dereference"]
            .iter()
            .any(|l| p.long.contains(l));
    sources.iter().all(|s| {
        let Some(text) = s.value.as_deref() else {
            return false;
        };
        if s.glob {
            return false;
        }
        let trimmed = text.trim_end_matches('/');
        let last = trimmed.rsplit('/').next().unwrap_or("");
        if trimmed.is_empty() || last.is_empty() || last == ".." {
            return false;
        }
        let mut landing: Vec<String> = Vec::new();
        for d in &dest_abs {
            let under = if last == "." {
                d.clone()
            } else {
                normalize(&format!("{d}/{last}"))
            };
            if p.target_dir.is_some() || (sources.len() > 1 && !no_target_dir) {
                landing.push(under);
            } else if no_target_dir {
                landing.push(d.clone());
            } else {
                landing.push(d.clone());
                landing.push(under);
            }
        }
        if !landing.iter().all(|l| tree.writable(l)) {
            return false;
        }
        let Some(src_abs) = resolve_operand(Some(text), &c.cwd, ctx) else {
            return false;
        };
        let src_ok = src_abs.iter().all(|x| {
            if moves {
                tree.writable(x)
            } else {
                !tree.protected(x)
            }
        });
        if !src_ok {
            return false;
        }
        if !needs_tree {
            return true;
        }
        // Trees are enumerated only where the tier itself writes.
        if !src_abs
            .iter()
            .all(|x| tree.in_workspace(x) || tree.in_tmp(x))
        {
            return false;
        }
        // What the Host found before the command line ran, still true for this command.
        src_abs.iter().all(|x| {
            let fact = match stale(c, x, ctx) {
                Fresh::No => return false,
                // Earlier writes made or kept a regular file there; on a directory they
                // may have added entries.
                Fresh::RedirectedFile => match ctx.files.source(x) {
                    Some(SourceFact::Missing | SourceFact::File) => Some(&SourceFact::File),
                    Some(SourceFact::Tree(_)) => None,
                    f => f,
                },
                Fresh::Yes => ctx.files.source(x),
            };
            match fact {
                Some(SourceFact::Missing | SourceFact::File) => true,
                Some(SourceFact::Tree(entries)) => landing.iter().all(|l| {
                    entries
                        .iter()
                        .all(|rel| tree.writable(&normalize(&format!("{l}/{rel}"))))
                }),
                Some(SourceFact::Unsafe(_)) | None => false,
            }
        })
    })
}

/// Whether what the Host read at `path` before the command line ran still holds when `c`
/// runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fresh {
    /// Nothing earlier may have written there.
    Yes,
    /// Only writes that leave a regular file wrote exactly there (write redirections,
    /// `sed -i`, a plain `cp`): a regular file now if it was one or missing, content unknown.
    RedirectedFile,
    /// Unknown, or an earlier command may have changed it.
    No,
}

fn stale(c: &ExecCommand, path: &str, ctx: &EvalContext) -> Fresh {
    let Some(inputs) = c.inputs.as_deref() else {
        return Fresh::No;
    };
    if !c.fresh_fs {
        return Fresh::No;
    }
    let mut out = Fresh::Yes;
    for (t, redirect) in &inputs.touched {
        if super::paths::same_path(t, path, ctx.os) {
            if !*redirect {
                return Fresh::No;
            }
            out = Fresh::RedirectedFile;
        } else if is_within(path, t, ctx.os) || is_within(t, path, ctx.os) {
            return Fresh::No;
        }
    }
    out
}

/// The file names a patch read from `input` writes; `None` when they cannot be known.
/// `input` is `None` for stdin, else a file name resolved against `base`.
fn patch_input_names(
    c: &ExecCommand,
    input: Option<&str>,
    base: &Cwd,
    ctx: &EvalContext,
) -> Option<Vec<String>> {
    let inputs = c.inputs.as_deref()?;
    let (file, base) = match input {
        Some(f) => (f.to_string(), base),
        None => match &inputs.stdin {
            Stdin::Text(t) => return patch_names(t).ok(),
            Stdin::File(f) => (f.clone(), &c.cwd),
            Stdin::Unknown => return None,
        },
    };
    let mut names = Vec::new();
    for p in resolve_operand(Some(&file), base, ctx)? {
        if let Some((_, t)) = inputs.files.iter().rev().find(|(q, _)| *q == p) {
            names.extend(patch_names(t).ok()?);
            continue;
        }
        // An earlier command of the line may have rewritten it.
        if stale(c, &p, ctx) != Fresh::Yes {
            return None;
        }
        match ctx.files.patch(&p)? {
            Ok(n) => names.extend(n.iter().cloned()),
            Err(_) => return None,
        }
    }
    Some(names)
}

/// Every name a patch writes, under every base directory, is a tier path.
fn patch_targets_writable(names: &[String], bases: &[String], tree: &Tree<'_>) -> bool {
    names.iter().all(|n| {
        bases
            .iter()
            .all(|b| name_suffixes(n, b).is_some_and(|ps| ps.iter().all(|x| tree.writable(x))))
    })
}

/// `patch [-pN] [-d DIR] [-i FILE | < FILE | <<EOF] [ORIGFILE [PATCHFILE]]` (hole 1): the
/// files named inside the patch must be known and tier paths.
fn patch_in_tier(p: &Parsed<'_>, c: &ExecCommand, tree: &Tree<'_>) -> bool {
    let ctx = tree.ctx;
    if !c.cwd_in_workspace || p.operands.len() > 2 {
        return false;
    }
    let all_writable = |v: Option<&str>, base: &Cwd| {
        resolve_operand(v, base, ctx).is_some_and(|ps| ps.iter().all(|x| tree.writable(x)))
    };
    // `-d DIR`: GNU patch changes into it before it opens anything.
    let base = match last_val(p, &["d", "directory"]) {
        Some(d) => match resolve_operand(d.as_deref(), &c.cwd, ctx) {
            Some(ds) if ds.iter().all(|x| tree.in_workspace(x) || tree.in_tmp(x)) => {
                Cwd::Dirs(ds.into())
            }
            _ => return false,
        },
        None => c.cwd.clone(),
    };
    if let Some(o) = last_val(p, &["o", "output"]) {
        if o.as_deref() != Some("-") && !all_writable(o.as_deref(), &base) {
            return false;
        }
    }
    if let Some(orig) = p.operands.first() {
        if !all_writable(orig.value.as_deref(), &base) {
            return false;
        }
    }
    if p.long.contains(&"dry-run") {
        return true;
    }
    let input = match (last_val(p, &["i", "input"]), p.operands.get(1)) {
        (Some(Some(f)), _) if f != "-" => Some(f.as_str()),
        (Some(None), _) => return false,
        (Some(Some(_)), _) => None,
        (None, Some(a)) => match a.value.as_deref() {
            Some("-") => None,
            Some(f) => Some(f),
            None => return false,
        },
        (None, None) => None,
    };
    let Some(names) = patch_input_names(c, input, &base, ctx) else {
        return false;
    };
    let Some(bases) = base.dirs(ctx) else {
        return false;
    };
    // `-p0` keeps an absolute name absolute (GNU patch 2.7 refuses it, older and BSD
    // patches write it); any other level makes it relative.
    let p0 = last_val(p, &["p", "strip"]).is_some_and(|v| v.as_deref() == Some("0"));
    !(p0 && names.iter().any(|n| n.starts_with('/')))
        && patch_targets_writable(&names, &bases, tree)
}

/// The patch files and copy sources `c` reads whose content the tier needs from the Host
/// ([`super::write_targets::lookup`]), as absolute paths.
pub(crate) fn wanted_files(c: &ExecCommand, ctx: &EvalContext) -> (Vec<String>, Vec<String>) {
    let mut patches = Vec::new();
    let mut sources = Vec::new();
    let Some(name) = c.name() else {
        return (patches, sources);
    };
    let stdin_file = |out: &mut Vec<String>| {
        if let Some(Stdin::File(f)) = c.inputs.as_deref().map(|i| &i.stdin) {
            out.extend(resolve_operand(Some(f), &c.cwd, ctx).unwrap_or_default());
        }
    };
    if let Some(w) = WRITERS.iter().find(|w| w.name == name) {
        let Some(p) = parse_options(c.args(), w.flags, w.valued, w.long, w.long_valued) else {
            return (patches, sources);
        };
        match w.operands {
            Operands::Patch => {
                let base = match last_val(&p, &["d", "directory"]) {
                    Some(d) => match resolve_operand(d.as_deref(), &c.cwd, ctx) {
                        Some(ds) => Cwd::Dirs(ds.into()),
                        None => return (patches, sources),
                    },
                    None => c.cwd.clone(),
                };
                let named = last_val(&p, &["i", "input"])
                    .and_then(|v| v.clone())
                    .or_else(|| p.operands.get(1).and_then(|a| a.value.clone()));
                match named {
                    Some(f) if f != "-" => {
                        patches.extend(resolve_operand(Some(&f), &base, ctx).unwrap_or_default())
                    }
                    _ => stdin_file(&mut patches),
                }
            }
            Operands::LastWritten | Operands::Move => {
                let n = p
                    .operands
                    .len()
                    .saturating_sub(usize::from(p.target_dir.is_none()));
                for s in p.operands.iter().take(n).filter(|a| !a.glob) {
                    sources.extend(
                        resolve_operand(s.value.as_deref(), &c.cwd, ctx).unwrap_or_default(),
                    );
                }
            }
            _ => {}
        }
    } else if name == "git" {
        let args = c.args();
        let mut i = 0;
        let mut cwd = c.cwd.clone();
        while let Some(a) = args.get(i) {
            match a.value.as_deref() {
                Some("--no-pager" | "-P") => i += 1,
                Some("-C") => {
                    match args
                        .get(i + 1)
                        .and_then(|d| resolve_operand(d.value.as_deref(), &c.cwd, ctx))
                    {
                        Some(ds) => cwd = Cwd::Dirs(ds.into()),
                        None => return (patches, sources),
                    }
                    i += 2;
                }
                _ => break,
            }
        }
        if !args.get(i).is_some_and(|a| a.is("apply")) {
            return (patches, sources);
        }
        let ops = git_apply_operands(args.get(i + 1..).unwrap_or(&[]));
        if ops.is_empty() {
            stdin_file(&mut patches);
        }
        for o in ops {
            if o == "-" {
                stdin_file(&mut patches);
            } else {
                patches.extend(resolve_operand(Some(o), &cwd, ctx).unwrap_or_default());
            }
        }
    }
    (patches, sources)
}

/// `git apply` options that take a separate value.
const GIT_APPLY_VALUED: &[&str] = &["-p", "--directory", "--include", "--exclude"];

/// [`git_apply_operands`] over plain texts, `None` when an option is not one git apply
/// knows here.
fn git_apply_operands_text<'t>(texts: &[&'t str]) -> Option<Vec<&'t str>> {
    const KNOWN: &[&str] = &[
        "--check",
        "--stat",
        "--numstat",
        "--summary",
        "--index",
        "--cached",
        "-3",
        "--3way",
        "--reject",
        "-R",
        "--reverse",
        "-v",
        "--verbose",
        "--recount",
        "--allow-empty",
        "--ignore-space-change",
        "--ignore-whitespace",
        "-q",
        "--quiet",
    ];
    const KNOWN_EQ: &[&str] = &["--whitespace=", "--directory=", "--include=", "--exclude="];
    let mut out = Vec::new();
    let mut it = texts.iter();
    let mut done = false;
    while let Some(t) = it.next() {
        if done || *t == "-" || !t.starts_with('-') {
            out.push(*t);
        } else if *t == "--" {
            done = true;
        } else if GIT_APPLY_VALUED.contains(t) {
            it.next()?;
        } else if !KNOWN.contains(t) && !KNOWN_EQ.iter().any(|k| t.starts_with(k)) {
            return None;
        }
    }
    Some(out)
}

/// The operands (patch files) of `git apply ARGS`, for the lookup: every word that is not
/// an option or an option's value.
fn git_apply_operands(rest: &[Arg]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut it = rest.iter();
    let mut done = false;
    while let Some(a) = it.next() {
        let Some(t) = a.value.as_deref() else {
            continue;
        };
        if done || t == "-" || !t.starts_with('-') {
            out.push(t);
        } else if t == "--" {
            done = true;
        } else if GIT_APPLY_VALUED.contains(&t) {
            it.next();
        }
    }
    out
}

/// `python -m py_compile [-q] FILE…`: compiles without running (issue 16 item 5); it reads
/// each file and writes `__pycache__/` beside it, so every file must be a tier path, and
/// the module must be the standard one (python_shadow).
fn py_compile_in_tier(name: &str, c: &ExecCommand, tree: &Tree<'_>) -> bool {
    if super::tables::interpreter_family(name) != Some("python") {
        return false;
    }
    let [m, module, rest @ ..] = c.args() else {
        return false;
    };
    if !m.is("-m") || !module.is("py_compile") {
        return false;
    }
    let files = match rest {
        [q, files @ ..] if q.is("-q") => files,
        files => files,
    };
    !files.is_empty()
        && super::python_shadow::module_run_safe(c, tree.ctx)
        && files.iter().all(|f| {
            f.value.as_deref().is_some_and(|v| !v.starts_with('-'))
                && resolve_operand(f.value.as_deref(), &c.cwd, tree.ctx).is_some_and(|ps| {
                    ps.iter().all(|p| {
                        tree.writable(p) && tree.writable(&format!("{}/__pycache__", parent_of(p)))
                    })
                })
        })
}

/// The directory part of an absolute, normalised path.
fn parent_of(p: &str) -> &str {
    match p.rfind('/') {
        Some(0) | None => "/",
        Some(i) => p.get(..i).unwrap_or("/"),
    }
}

/// `sed -i` with a visible script that neither runs commands nor writes other files.
fn sed_in_place_in_tier(c: &ExecCommand, tree: &Tree<'_>) -> bool {
    let args = c.args();
    let mut in_place = false;
    let mut scripts: Vec<&str> = Vec::new();
    let mut files: Vec<&Arg> = Vec::new();
    let mut explicit = false;
    let mut i = 0;
    let mut done = false;
    while let Some(a) = args.get(i) {
        i += 1;
        let Some(t) = a.value.as_deref() else {
            return false;
        };
        if done || t == "-" || !t.starts_with('-') {
            files.push(a);
            continue;
        }
        if t == "--" {
            done = true;
        } else if t == "-e" || t == "--expression" {
            let Some(s) = args.get(i).and_then(|s| s.value.as_deref()) else {
                return false;
            };
            i += 1;
            scripts.push(s);
            explicit = true;
        } else if let Some(s) = t.strip_prefix("--expression=") {
            scripts.push(s);
            explicit = true;
        } else if t == "--in-place" || t.starts_with("--in-place=") {
            // A backup suffix with `/` or `*` names a path elsewhere.
            if t.contains(['/', '*']) {
                return false;
            }
            in_place = true;
        } else if let Some(l) = t.strip_prefix("--") {
            if !crate::shell::tables::has(SED_LONG, l) {
                return false;
            }
        } else if let Some(rest) = t.strip_prefix("-i") {
            // `-i` with an attached backup suffix (`-i.bak`); `-i` ends the cluster.
            if rest.contains(['/', '*']) {
                return false;
            }
            in_place = true;
        } else {
            let body = t.get(1..).unwrap_or("");
            let mut chars = body.chars();
            let mut ok = true;
            while let Some(ch) = chars.next() {
                if ch == 'i' {
                    if chars.as_str().contains(['/', '*']) {
                        return false;
                    }
                    in_place = true;
                    break;
                }
                if ch == 'e' {
                    // `-ne 'script'`: the rest of the cluster or the next word is a script.
                    let rest = chars.as_str();
                    let s = if rest.is_empty() {
                        let Some(s) = args.get(i).and_then(|s| s.value.as_deref()) else {
                            return false;
                        };
                        i += 1;
                        s
                    } else {
                        rest
                    };
                    scripts.push(s);
                    explicit = true;
                    break;
                }
                if !SED_FLAGS.contains(ch) {
                    ok = false;
                    break;
                }
            }
            if !ok {
                return false;
            }
        }
    }
    if !in_place {
        return false;
    }
    if !explicit {
        if files.is_empty() {
            return false;
        }
        let script = files.remove(0);
        let Some(s) = script.value.as_deref() else {
            return false;
        };
        scripts.push(s);
    }
    !files.is_empty()
        && scripts.iter().all(|s| sed_script_edits_in_tree(s, c, tree))
        && files.iter().all(|f| {
            resolve_operand(f.value.as_deref(), &c.cwd, tree.ctx)
                .is_some_and(|ps| ps.iter().all(|p| tree.writable(p)))
        })
}

/// A `sed -i` script that edits its own files and reads at most files of the tree. The one
/// sed reader (`programs::sed`, which also serves the read-only allowlist) finds `e`, `w`,
/// `W`, `r`, `R`, the `e`/`w` flags of `s` and anything it cannot follow; reading `a`/`i`/`c`
/// text as text (not as commands) is what lets multi-line inserts (`158i\` followed by text
/// lines) into the tier. The `r`/`R` names of `sed -i '206r part.py' f.py` must each resolve
/// to a path the tier may write (inside the workspace or temp, not protected, symlink-free
/// by the Host's look), so `r ~/.ssh/id_rsa`, `r .env` or `r /dev/stdin` keep the script out
/// of the tier.
fn sed_script_edits_in_tree(script: &str, c: &ExecCommand, tree: &Tree<'_>) -> bool {
    let mut info = super::programs::ProgramInfo::default();
    super::programs::sed(script, &mut info);
    let names = std::mem::take(&mut info.read_names);
    let reads_in_tree = !names.is_empty()
        && names.iter().all(|n| {
            resolve_operand(Some(n), &c.cwd, tree.ctx)
                .is_some_and(|ps| ps.iter().all(|p| tree.writable(p)))
        });
    if reads_in_tree {
        info.reads_files = false;
    }
    info.read_only()
}

/// Flags `cherry-pick` and `revert` share (the sequencer's).
const SEQUENCER_FLAGS: &[&str] = &[
    "-n",
    "--no-commit",
    "-s",
    "--signoff",
    "--continue",
    "--abort",
    "--skip",
    "--quit",
];

/// Options with a value `cherry-pick` and `revert` share: the mainline parent and options
/// for the built-in merge strategy.
const SEQUENCER_VALUED: &[&str] = &["-m", "--mainline", "-X", "--strategy-option"];

/// Git subcommands of the tier: `(name, runs hooks)`. A subcommand that runs repository hooks
/// counts as project code unless the Host found no active hook (`RepoHooks::None`).
const GIT_TIER: &[(&str, bool)] = &[
    ("add", false),
    ("apply", false),
    ("rm", false),
    ("mv", false),
    ("stash", false),
    ("commit", true),
    ("checkout", true),
    ("switch", true),
    ("merge", true),
    ("rebase", true),
    ("cherry-pick", true),
    ("revert", true),
    ("tag", false),
    ("restore", false),
    ("branch", false),
];

fn git_class(c: &ExecCommand, tree: &Tree<'_>) -> Class {
    let args = c.args();
    let mut i = 0;
    let mut other_repo = false;
    let mut cwd = c.cwd.clone();
    while let Some(a) = args.get(i) {
        match a.value.as_deref() {
            Some("--no-pager" | "-P") => i += 1,
            Some("-C") => {
                let Some(dirs) = args
                    .get(i + 1)
                    .and_then(|d| resolve_operand(d.value.as_deref(), &c.cwd, tree.ctx))
                else {
                    return Class::Other;
                };
                if !dirs
                    .iter()
                    .all(|d| tree.in_workspace(d) && !tree.protected(d))
                {
                    return Class::Other;
                }
                cwd = Cwd::Dirs(dirs.into());
                other_repo = true;
                i += 2;
            }
            // `-c key=value`, `--git-dir`, `--work-tree`, `--exec-path`, …: not in the tier.
            Some(t) if t.starts_with('-') => return Class::Other,
            Some(_) => break,
            None => return Class::Other,
        }
    }
    let Some(sub) = args.get(i).and_then(|a| a.value.as_deref()) else {
        return Class::Other;
    };
    let Some(&(_, hooks)) = GIT_TIER.iter().find(|(n, _)| *n == sub) else {
        return Class::Other;
    };
    let in_ws = match &cwd {
        Cwd::Context => c.cwd_in_workspace,
        d => d
            .dirs(tree.ctx)
            .is_some_and(|ds| ds.iter().all(|x| tree.in_workspace(x))),
    };
    if !in_ws {
        return Class::Other;
    }
    let rest = args.get(i + 1..).unwrap_or(&[]);
    if !git_sub_in_tier(sub, rest, &cwd, tree, c) {
        return Class::Other;
    }
    if !hooks {
        return Class::WorkspaceWrite;
    }
    // The Host looked at the repository around the context's cwd only.
    let same_repo = !other_repo
        && cwd.dirs(tree.ctx).is_some_and(|ds| {
            ds.iter()
                .all(|d| super::paths::same_path(d, &resolve(".", tree.ctx), tree.ctx.os))
        });
    if tree.ctx.repo_hooks == RepoHooks::None && same_repo {
        Class::WorkspaceWrite
    } else {
        // Hooks are the project's code (issue 16 item 5 → item 6).
        Class::RunProject
    }
}

/// The options and operands each tier git subcommand may carry.
fn git_sub_in_tier(sub: &str, rest: &[Arg], cwd: &Cwd, tree: &Tree<'_>, c: &ExecCommand) -> bool {
    let texts: Option<Vec<&str>> = rest.iter().map(|a| a.value.as_deref()).collect();
    let Some(texts) = texts else {
        return false;
    };
    let paths_ok = |ops: &[&str]| {
        ops.iter().all(|p| {
            resolve_operand(Some(p), cwd, tree.ctx)
                .is_some_and(|ps| ps.iter().all(|x| tree.writable(x)))
        })
    };
    // Options with a value, per subcommand (the value is skipped, not judged).
    let split = |flags: &[&str], valued: &[&str]| -> Option<Vec<&str>> {
        let mut ops = Vec::new();
        let mut it = texts.iter();
        let mut done = false;
        while let Some(t) = it.next() {
            if done || !t.starts_with('-') || *t == "-" {
                ops.push(*t);
            } else if *t == "--" {
                done = true;
            } else if valued.contains(t) {
                it.next()?;
            } else if valued.iter().any(|v| {
                v.starts_with("--")
                    && t.starts_with(v)
                    && matches!(t.as_bytes().get(v.len()), Some(&b'='))
            }) {
            } else if !flags.contains(t)
                && !flags.iter().any(|f| f.ends_with('=') && t.starts_with(f))
            {
                return None;
            }
        }
        Some(ops)
    };
    match sub {
        "add" => split(
            &[
                "-A",
                "--all",
                "-u",
                "--update",
                "-v",
                "--verbose",
                "-f",
                "--force",
                "-N",
                "--intent-to-add",
                "--ignore-removal",
                "--no-all",
                "--renormalize",
            ],
            &[],
        )
        .is_some_and(|ops| paths_ok(&ops)),
        "rm" | "mv" => split(
            &[
                "--cached",
                "-q",
                "--quiet",
                "-f",
                "--force",
                "-k",
                "-v",
                "--verbose",
                "-n",
                "--dry-run",
            ],
            &[],
        )
        .is_some_and(|ops| !ops.is_empty() && paths_ok(&ops)),
        "apply" => {
            // `-p1` and `-C3` attach their number.
            let numeric = |t: &str, o: &str| {
                t.strip_prefix(o)
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            };
            if texts.iter().any(|t| t.starts_with("--unsafe-paths")) {
                return false;
            }
            let Some(ops) = split(
                &[
                    "--check",
                    "--stat",
                    "--numstat",
                    "--summary",
                    "--index",
                    "--cached",
                    "-3",
                    "--3way",
                    "--reject",
                    "-R",
                    "--reverse",
                    "-v",
                    "--verbose",
                    "--recount",
                    "--allow-empty",
                    "--whitespace=",
                    "--ignore-space-change",
                    "--ignore-whitespace",
                    "-q",
                    "--quiet",
                    "--directory=",
                    "--include=",
                    "--exclude=",
                ],
                GIT_APPLY_VALUED,
            )
            .or_else(|| {
                // The same with the attached numbers removed.
                let kept: Vec<&str> = texts
                    .iter()
                    .copied()
                    .filter(|t| !numeric(t, "-p") && !numeric(t, "-C"))
                    .collect();
                (kept.len() < texts.len())
                    .then(|| git_apply_operands_text(&kept))
                    .flatten()
            }) else {
                return false;
            };
            let readable = ops.iter().all(|p| {
                resolve_operand(Some(p), cwd, tree.ctx)
                    .is_some_and(|ps| ps.iter().all(|x| !tree.protected(x)))
            });
            if !readable {
                return false;
            }
            // `--check`, `--stat`, `--numstat`, `--summary` only report (git writes nothing
            // unless `--apply` is given too, which is not in the table).
            if texts
                .iter()
                .any(|t| matches!(*t, "--check" | "--stat" | "--numstat" | "--summary"))
            {
                return true;
            }
            // `--directory=ROOT` is put before every name in the patch.
            let mut dirs: Vec<&str> = Vec::new();
            let mut it = texts.iter();
            while let Some(t) = it.next() {
                if let Some(d) = t.strip_prefix("--directory=") {
                    dirs.push(d);
                } else if *t == "--directory" {
                    dirs.extend(it.next().copied());
                }
            }
            let inputs: Vec<Option<&str>> = if ops.is_empty() {
                vec![None]
            } else {
                ops.iter().map(|o| (*o != "-").then_some(*o)).collect()
            };
            let Some(bases) = cwd.dirs(tree.ctx) else {
                return false;
            };
            inputs.iter().all(|inp| {
                let Some(names) = patch_input_names(c, *inp, cwd, tree.ctx) else {
                    return false;
                };
                let names: Vec<String> = if dirs.is_empty() {
                    names
                } else {
                    names
                        .iter()
                        .flat_map(|n| dirs.iter().map(move |d| format!("{d}/{n}")))
                        .collect()
                };
                // git refuses absolute names and `..`; the tier refuses them too.
                !names.iter().any(|n| n.starts_with('/'))
                    && patch_targets_writable(&names, &bases, tree)
            })
        }
        "stash" => {
            let first = texts.first().copied();
            matches!(
                first,
                None | Some("push" | "save" | "pop" | "apply" | "list" | "show")
            ) && split(
                &[
                    "push",
                    "save",
                    "pop",
                    "apply",
                    "list",
                    "show",
                    "-u",
                    "--include-untracked",
                    "-k",
                    "--keep-index",
                    "--no-keep-index",
                    "-q",
                    "--quiet",
                    "--staged",
                    "--index",
                ],
                &["-m", "--message"],
            )
            .is_some_and(|ops| match ops.split_first() {
                // `stash push -- PATH…` stashes those paths' changes (kept in the stash).
                Some((&"push", paths)) => paths_ok(paths),
                // `stash save MESSAGE…`: the words are the message.
                Some((&"save", _)) => true,
                // `stash apply stash@{1}` / `stash pop 1` names a stash, not a path.
                Some((_, rest)) => rest
                    .iter()
                    .all(|o| o.starts_with("stash@{") || o.bytes().all(|b| b.is_ascii_digit())),
                None => true,
            })
        }
        "commit" => {
            // Without a message git opens an editor, which runs a program.
            let has_msg = texts.iter().any(|t| {
                matches!(
                    *t,
                    "-m" | "--message" | "-F" | "--file" | "--no-edit" | "-C" | "--reuse-message"
                ) || t.starts_with("--message=")
                    || t.starts_with("--reuse-message=")
                    || t.starts_with("--file=")
                    || (t.starts_with("-m") && t.len() > 2 && !t.starts_with("--"))
                    || (t.starts_with("-am") || t.starts_with("-qm"))
            });
            has_msg
                && split(
                    &[
                        "-a",
                        "--all",
                        "-q",
                        "--quiet",
                        "-v",
                        "--verbose",
                        "--allow-empty",
                        "--allow-empty-message",
                        "-s",
                        "--signoff",
                        "--no-gpg-sign",
                        "--no-edit",
                        "-am",
                        "-qm",
                        "--no-status",
                        "--reset-author",
                    ],
                    &[
                        "-m",
                        "--message",
                        "-F",
                        "--file",
                        "--author",
                        "-C",
                        "--reuse-message",
                        "--date",
                    ],
                )
                .is_some_and(|ops| paths_ok(&ops))
        }
        "checkout" => {
            // Only creating a branch: `checkout -b NAME [START]`.
            matches!(texts.first(), Some(&"-b"))
                && texts.len() <= 3
                && texts.iter().skip(1).all(|t| !t.starts_with('-'))
        }
        "switch" => split(
            &["-q", "--quiet", "--track", "--no-track", "--detach", "-d"],
            &["-c", "--create"],
        )
        .is_some_and(|ops| ops.len() <= 2),
        "merge" => split(
            &[
                "--no-edit",
                "--no-ff",
                "--ff-only",
                "--ff",
                "--squash",
                "-q",
                "--quiet",
                "--no-commit",
                "--commit",
                "--stat",
                "--no-stat",
                "--continue",
                "--abort",
            ],
            &["-m", "--message"],
        )
        .is_some(),
        "rebase" => split(
            &[
                "-q",
                "--quiet",
                "--continue",
                "--abort",
                "--skip",
                "--autostash",
                "--no-autostash",
                "--autosquash",
            ],
            &["--onto"],
        )
        .is_some(),
        // Local commits made from others; no `-e` (an editor is a program), no `-S` (gpg),
        // no `--strategy` (git runs `git-merge-NAME` found on PATH).
        "cherry-pick" => split(
            &[
                SEQUENCER_FLAGS,
                &["-x", "--ff", "--allow-empty", "--keep-redundant-commits"],
            ]
            .concat(),
            SEQUENCER_VALUED,
        )
        .is_some(),
        // `revert` opens an editor for its message unless told not to.
        "revert" => {
            texts.iter().any(|t| {
                matches!(
                    *t,
                    "--no-edit" | "--abort" | "--continue" | "--skip" | "--quit"
                )
            }) && split(
                &[SEQUENCER_FLAGS, &["--no-edit"]].concat(),
                SEQUENCER_VALUED,
            )
            .is_some()
        }
        // A new tag: lightweight (`tag NAME [REV]`) or annotated with its message given.
        // Not `-f` (moves a tag), `-d` (deletes one) or `-s`/`-u` (gpg).
        "tag" => {
            let annotated = texts.iter().any(|t| matches!(*t, "-a" | "--annotate"));
            let message = texts.iter().any(|t| {
                matches!(*t, "-m" | "--message" | "-F" | "--file")
                    || t.starts_with("--message=")
                    || t.starts_with("--file=")
            });
            (!annotated || message)
                && split(&["-a", "--annotate"], &["-m", "--message", "-F", "--file"])
                    .is_some_and(|ops| matches!(ops.len(), 1 | 2))
        }
        // A new branch (`branch NAME [START]`) or a rename (`-m OLD NEW`). Deleting one, even
        // merged (`-d`), stays ask as peers rate it (gemini-cli: destructive); so do the
        // forced forms (`-D`, `-f`, `-M`, `-C`) and `--edit-description` (an editor).
        "branch" => split(&["-m", "--move"], &[]).is_some_and(|ops| matches!(ops.len(), 1 | 2)),
        // Unstaging only: the working tree is untouched (`restore` of the tree discards
        // work and stays ask).
        "restore" => {
            texts.iter().any(|t| matches!(*t, "--staged" | "-S"))
                && !texts.iter().any(|t| matches!(*t, "--worktree" | "-W"))
                && split(&["--staged", "-S", "-q", "--quiet"], &["-s", "--source"])
                    .is_some_and(|ops| paths_ok(&ops))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a sed script does more than edit its own files (no tree to read from).
    fn sed_script_writes_or_runs(script: &str) -> bool {
        let mut info = crate::shell::programs::ProgramInfo::default();
        crate::shell::programs::sed(script, &mut info);
        !info.read_only()
    }

    #[test]
    fn sed_scripts_that_write_or_run_are_seen() {
        for s in [
            "s/a/b/",
            "s/a/b/g",
            "1,3d",
            "/x/d",
            "s|a|b|g; 4p",
            "y/ab/cd/",
            "158i\\\n    # return 0 for x\\\n    aoi = np.asanyarray(aoi)",
            "/import x/a\\    from y import z",
            "2042,2043c\\        if x is None:\\n            pass",
        ] {
            assert!(!sed_script_writes_or_runs(s), "{s}");
        }
        for s in [
            "s/a/b/e",
            "s/a/b/w out",
            "1e date",
            "w /etc/x",
            "/x/w out",
            "r /etc/shadow",
            "s/a",
            "/x",
            "0~3e date",
            "s/a\\/b/c/e",
            "/x/Ie date",
            "\\%x%e date",
            "1,+2W out",
            "v;e id",
            "1{e id}",
            "$!{w out",
            ":a;w out",
            "1a x\\\\\nw out",
            "158i\\\n    # note\\\n    x = 1\nw out",
        ] {
            assert!(sed_script_writes_or_runs(s), "{s}");
        }
    }

    #[test]
    fn option_tables_hold_no_duplicates() {
        for w in WRITERS {
            for ch in w.flags.chars() {
                assert!(!w.valued.contains(ch), "{} -{ch}", w.name);
            }
        }
    }
}
