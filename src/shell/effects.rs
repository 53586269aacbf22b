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
use super::semantic::{Arg, Cwd, ExecCommand, Model};
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
    /// Every operand is written (`mkdir`, `touch`, `tee`, `rm`, `mv`).
    AllWritten,
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
        operands: Operands::AllWritten,
    },
    Writer {
        name: "mkdir",
        flags: "pv",
        valued: "m",
        long: &["parents", "verbose"],
        long_valued: &["mode"],
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
        valued: "pioF",
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
        long_valued: &["strip", "input", "output", "fuzz"],
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
        }
    }

    fn in_workspace(&self, abs: &str) -> bool {
        self.workspace
            .as_deref()
            .is_some_and(|w| is_within(abs, w, self.ctx.os))
    }

    fn in_tmp(&self, abs: &str) -> bool {
        let os = self.ctx.os;
        if self.ctx.tmp_dir.is_empty() {
            is_within(abs, "/tmp", os) || is_within(abs, "/var/tmp", os)
        } else {
            let t = normalize(&self.ctx.tmp_dir);
            t != "/" && is_within(abs, &t, os)
        }
    }

    /// Whether the tier may write the absolute path `abs` (or create a link there).
    fn writable(&self, abs: &str) -> bool {
        self.workspace.is_some()
            && (self.in_workspace(abs) || self.in_tmp(abs))
            && !self.protected(abs)
    }

    /// Repository internals, agent and editor settings, `.env*`, secret and persistence
    /// locations: never written without approval.
    fn protected(&self, abs: &str) -> bool {
        let segs = || abs.split('/').filter(|s| !s.is_empty());
        segs().any(|s| PROTECTED_DIRS.iter().any(|d| s.eq_ignore_ascii_case(d)))
            || segs().next_back().is_some_and(|b| {
                (b.len() >= 4 && b.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(".env")))
                    || STARTUP_FILES.iter().any(|f| b.eq_ignore_ascii_case(f))
                    || b.to_ascii_lowercase().ends_with(".pth")
            })
            || segs().zip(segs().skip(1)).any(|(v, b)| {
                VENV_DIRS.iter().any(|d| v.eq_ignore_ascii_case(d))
                    && (b.eq_ignore_ascii_case("bin") || b.eq_ignore_ascii_case("Scripts"))
            })
            || super::checks::secrets::is_secret_path(abs, self.ctx, self.cfg)
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
        Operands::LastWritten => {
            let (dest, sources): (&Arg, &[&Arg]) = match (p.target_dir, p.operands.split_last()) {
                (Some(d), _) => (d, &p.operands),
                (None, Some((last, rest))) if !rest.is_empty() => (last, rest),
                _ => return false,
            };
            all_writable(dest) && sources.iter().all(|s| readable(s))
        }
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
        Operands::Patch => {
            let written_opt = p.values.iter().all(|(ch, v)| match ch {
                'o' => all_writable(v),
                'i' => readable(v),
                _ => true,
            });
            c.cwd_in_workspace
                && written_opt
                && p.operands.len() <= 2
                && p.operands.first().is_none_or(|a| all_writable(a))
                && p.operands.get(1).is_none_or(|a| readable(a))
        }
    }
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
        && scripts.iter().all(|s| !sed_script_writes_or_runs(s))
        && files.iter().all(|f| {
            resolve_operand(f.value.as_deref(), &c.cwd, tree.ctx)
                .is_some_and(|ps| ps.iter().all(|p| tree.writable(p)))
        })
}

/// A conservative reading of a sed script: every command must be one that neither runs a
/// program nor reads or writes another file (a whitelist, so `e`, `w`, `W`, `r`, `R` and
/// anything unknown fail), and `s` may carry only the `g p i I m M` and number flags. A
/// script this reader cannot follow counts as unsafe.
fn sed_script_writes_or_runs(script: &str) -> bool {
    const SAFE_COMMANDS: &str = "sydDpPnNgGhHxl=qQaicbtT:#zF";
    for cmd in script.split([';', '\n']) {
        let mut t = cmd;
        // Addresses: numbers, `$`, `first~step`, `addr,+N`, `!`, and `/regex/` with `I`/`M`.
        loop {
            let before = t.len();
            t = t.trim_start_matches(|c: char| {
                c.is_ascii_digit()
                    || matches!(c, ' ' | '\t' | ',' | '$' | '!' | '~' | '+' | '{' | '}')
            });
            if let Some(rest) = t.strip_prefix('/') {
                let Some(end) = unescaped(rest, '/') else {
                    return true;
                };
                t = rest
                    .get(end + 1..)
                    .unwrap_or("")
                    .trim_start_matches(['I', 'M']);
            }
            if t.len() == before {
                break;
            }
        }
        let Some(first) = t.chars().next() else {
            continue;
        };
        if !SAFE_COMMANDS.contains(first) {
            return true;
        }
        if first == 's' || first == 'y' {
            let rest = t.get(1..).unwrap_or("");
            let Some(delim) = rest.chars().next() else {
                return true;
            };
            if delim == '\\' || delim.is_whitespace() {
                return true;
            }
            let mut body = rest.get(delim.len_utf8()..).unwrap_or("");
            for _ in 0..2 {
                let Some(end) = unescaped(body, delim) else {
                    return true;
                };
                body = body.get(end + delim.len_utf8()..).unwrap_or("");
            }
            if first == 's'
                && !body
                    .chars()
                    .all(|c| c.is_ascii_digit() || "gpiImM }".contains(c))
            {
                return true;
            }
        }
    }
    false
}

/// Byte index of the first `delim` in `s` not preceded by a backslash escape.
fn unescaped(s: &str, delim: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == delim {
            return Some(i);
        }
    }
    None
}

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
    if !git_sub_in_tier(sub, rest, &cwd, tree) {
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
fn git_sub_in_tier(sub: &str, rest: &[Arg], cwd: &Cwd, tree: &Tree<'_>) -> bool {
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
        "apply" => split(
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
            ],
            &["-p"],
        )
        .is_some_and(|ops| {
            ops.iter().all(|p| {
                resolve_operand(Some(p), cwd, tree.ctx)
                    .is_some_and(|ps| ps.iter().all(|x| !tree.protected(x)))
            })
        }),
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
            .is_some_and(|ops| {
                // `stash apply stash@{1}` names a stash, not a path.
                ops.iter().all(|o| {
                    ["push", "save", "pop", "apply", "list", "show"].contains(o)
                        || o.starts_with("stash@{")
                })
            })
        }
        "commit" => {
            // Without a message git opens an editor, which runs a program.
            let has_msg = texts.iter().any(|t| {
                matches!(
                    *t,
                    "-m" | "--message" | "-F" | "--file" | "--no-edit" | "-C" | "--reuse-message"
                ) || t.starts_with("--message=")
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
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sed_scripts_that_write_or_run_are_seen() {
        for s in [
            "s/a/b/",
            "s/a/b/g",
            "1,3d",
            "/x/d",
            "s|a|b|g; 4p",
            "y/ab/cd/",
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
