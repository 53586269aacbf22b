//! The project's own entry points (issue 16 item 6, `runProject`): build and test tools,
//! scripts inside the workspace, and installs of the project's dependencies into the project.
//!
//! These run code the project holds (build scripts, tests, package scripts), so they are
//! never "read-only"; the `runProject` setting decides whether that is acceptable (an OpenClaw
//! sandbox makes it so by default). Inline code (`python -c`), global installs and installs
//! into the system interpreter are not project code and stay out.

use super::paths::{is_within, normalize, resolve};
use super::semantic::{Arg, ExecCommand};
use super::tables;
use super::EvalContext;

/// How a tool's arguments select a project action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sub {
    /// Any arguments: the tool only builds or tests (`pytest`, `make`, `tsc`).
    Any,
    /// The first operand must be one of these subcommands.
    OneOf(&'static [&'static str]),
    /// Installs from the project's manifest or lockfile: one of these subcommands without
    /// package operands and without a global or prefix option.
    InstallFromManifest(&'static [&'static str]),
}

/// `(tool, what selects a project action)`.
const TOOLS: &[(&str, Sub)] = &[
    (
        "cargo",
        Sub::OneOf(&[
            "build", "b", "test", "t", "run", "r", "check", "c", "clippy", "bench", "doc", "fmt",
            "add", "fetch", "nextest",
        ]),
    ),
    (
        "npm",
        Sub::OneOf(&["run", "run-script", "test", "t", "start"]),
    ),
    (
        "pnpm",
        Sub::OneOf(&["run", "test", "t", "start", "build", "lint"]),
    ),
    (
        "yarn",
        Sub::OneOf(&["run", "test", "start", "build", "lint"]),
    ),
    ("bun", Sub::OneOf(&["run", "test", "build"])),
    (
        "npm",
        Sub::InstallFromManifest(&["ci", "install", "i", "install-clean"]),
    ),
    ("pnpm", Sub::InstallFromManifest(&["install", "i"])),
    ("yarn", Sub::InstallFromManifest(&["install"])),
    ("bun", Sub::InstallFromManifest(&["install", "i"])),
    ("go", Sub::OneOf(&["test", "build", "run", "vet"])),
    ("uv", Sub::OneOf(&["run", "sync", "add", "lock"])),
    ("pytest", Sub::Any),
    ("py.test", Sub::Any),
    ("tox", Sub::Any),
    ("make", Sub::Any),
    ("gmake", Sub::Any),
    ("tsc", Sub::Any),
    ("jest", Sub::Any),
    ("vitest", Sub::Any),
    ("mocha", Sub::Any),
    ("mvn", Sub::Any),
    ("gradle", Sub::Any),
    // Linters, formatters and type checkers load the project's configuration, which names
    // plugins (eslint and prettier configs are JavaScript, mypy plugins are Python).
    ("eslint", Sub::Any),
    ("prettier", Sub::Any),
    ("biome", Sub::Any),
    ("stylelint", Sub::Any),
    ("mypy", Sub::Any),
    ("pyright", Sub::Any),
    ("ruff", Sub::Any),
    ("black", Sub::Any),
    ("isort", Sub::Any),
    ("flake8", Sub::Any),
    ("pylint", Sub::Any),
    ("nox", Sub::Any),
    ("rspec", Sub::Any),
    ("phpunit", Sub::Any),
    ("ctest", Sub::Any),
    ("ninja", Sub::Any),
    // The project's own tools through npx (it fetches one that is not installed).
    (
        "npx",
        Sub::OneOf(&[
            "tsc",
            "eslint",
            "prettier",
            "jest",
            "vitest",
            "mocha",
            "biome",
            "stylelint",
        ]),
    ),
];

/// Arguments that take any tool out of the project: other directories, other manifests,
/// global installs, publishing.
const OUTSIDE_OPTIONS: &[&str] = &[
    "-g",
    "--global",
    "--location",
    "--prefix",
    "-C",
    "--cwd",
    "--dir",
    "--directory",
    "--manifest-path",
    "--config",
    "--target-dir",
    "-f",
    "--file",
    "--makefile",
    "-I",
    "--include-dir",
    "--system",
    "--user",
    "--target",
    "--root",
    "--python",
    "--project",
    "--with",
];

/// Maven and Gradle goals that write outside the project or publish it.
const PUBLISHING_GOALS: &[&str] = &["install", "deploy", "publish", "release", "upload"];

/// Python options that may come before the script or `-m MODULE`.
const PYTHON_FLAGS: &[&str] = &[
    "-u", "-B", "-O", "-OO", "-b", "-bb", "-E", "-s", "-I", "-v", "-q",
];
/// Python options with a value.
const PYTHON_VALUED: &[&str] = &["-W", "-X"];
/// `python -m MODULE` that runs the project's tests or checks.
const PYTHON_MODULES: &[&str] = &[
    "pytest", "unittest", "doctest", "mypy", "ruff", "black", "isort", "flake8", "pylint",
];

/// Whether `c` runs the project's code or installs its dependencies into the project.
pub fn is_project_run(c: &ExecCommand, ctx: &EvalContext) -> bool {
    if !c.cwd_in_workspace {
        return false;
    }
    let Some(name) = c.name() else {
        return false;
    };
    let args = c.args();
    if args.iter().any(|a| a.value.is_none()) {
        return false;
    }
    if name.contains('/') {
        return path_program(name, args, c, ctx);
    }
    if super::tables::interpreter_family(name) == Some("python") {
        return python(args, c, ctx, false);
    }
    if matches!(
        super::tables::interpreter_family(name),
        Some("node" | "ruby")
    ) {
        return script_file(args, c, ctx, &[]);
    }
    if tables::has(POSIX_SHELLS, name) {
        return shell_script(args, c, ctx);
    }
    if !TOOLS.iter().any(|(t, _)| *t == name) || args.iter().any(|a| outside_option(a.text())) {
        return false;
    }
    if matches!(name, "mvn" | "gradle")
        && args.iter().any(|a| {
            let t = a.text().to_ascii_lowercase();
            PUBLISHING_GOALS.iter().any(|g| t.contains(g))
        })
    {
        return false;
    }
    TOOLS
        .iter()
        .filter(|(t, _)| *t == name)
        .any(|(_, sub)| matches_sub(*sub, args))
}

/// Whether a command name can start a project run at all (a cheap filter before
/// [`is_project_run`]).
pub fn may_run_project(name: &str) -> bool {
    name.contains('/')
        || TOOLS.iter().any(|(t, _)| *t == name)
        || tables::has(POSIX_SHELLS, name)
        || matches!(
            super::tables::interpreter_family(name),
            Some("python" | "node" | "ruby")
        )
}

fn outside_option(t: &str) -> bool {
    OUTSIDE_OPTIONS.iter().any(|o| {
        t == *o
            || (o.starts_with("--") && t.starts_with(o) && matches!(t.as_bytes().get(o.len()), Some(&b'=')))
            // Attached short values: `-Cdir`, `-fMakefile`.
            || (o.len() == 2 && !o.starts_with("--") && t.starts_with(o) && !t.starts_with("--"))
    })
}

fn matches_sub(sub: Sub, args: &[Arg]) -> bool {
    let first_operand = args
        .iter()
        .map(Arg::text)
        .find(|t| !t.starts_with('-') && !t.starts_with('+'));
    match sub {
        Sub::Any => true,
        Sub::OneOf(list) => first_operand.is_some_and(|s| list.contains(&s)),
        Sub::InstallFromManifest(list) => {
            let operands: Vec<&str> = args
                .iter()
                .map(Arg::text)
                .filter(|t| !t.starts_with('-'))
                .collect();
            match operands.as_slice() {
                // `yarn` alone installs.
                [] => list.contains(&"install") && args.is_empty(),
                [s] => list.contains(s),
                _ => false,
            }
        }
    }
}

/// A program named by path: a script or binary inside the workspace (`./run_tests.sh`,
/// `./gradlew test`), or a virtual environment's `pip`/`python` under the workspace.
fn path_program(name: &str, args: &[Arg], c: &ExecCommand, ctx: &EvalContext) -> bool {
    let Some(abs) = workspace_file(name, c, ctx) else {
        return false;
    };
    if let Some(base) = venv_tool(&abs) {
        return match base {
            "pip" => pip_install_in_venv(args),
            _ => python(args, c, ctx, true),
        };
    }
    matches!(super::paths::basename(&abs), "gradlew" | "mvnw")
        .then(|| {
            !args.iter().any(|a| {
                let t = a.text().to_ascii_lowercase();
                PUBLISHING_GOALS.iter().any(|g| t.contains(g))
            })
        })
        .unwrap_or(true)
}

/// `…/bin/pip`, `…/bin/pip3`, `…/bin/python3.12` of a virtual environment: the tool kind.
fn venv_tool(abs: &str) -> Option<&'static str> {
    let (dir, base) = abs.rsplit_once('/')?;
    if !dir.ends_with("/bin") || !super::paths::has_substr(dir, "env") {
        return None;
    }
    let family = base.trim_end_matches(|ch: char| ch.is_ascii_digit() || ch == '.');
    match family {
        "pip" => Some("pip"),
        "python" => Some("python"),
        _ => None,
    }
}

/// `pip install` inside a venv: requirement files and the project (`-e .`), or named
/// packages; never `--user`, `--target`, `--prefix`, `--root`.
fn pip_install_in_venv(args: &[Arg]) -> bool {
    args.first().is_some_and(|a| a.is("install")) && !args.iter().any(|a| outside_option(a.text()))
}

/// The absolute path of `value` when it names a file inside the workspace (relative to the
/// command's cwd, which lies inside it).
fn workspace_file(value: &str, c: &ExecCommand, ctx: &EvalContext) -> Option<String> {
    let ws = normalize(&ctx.workspace);
    if ctx.workspace.is_empty() || ws == "/" {
        return None;
    }
    if value.starts_with('~') && value != "~" && !value.starts_with("~/") {
        return None;
    }
    let candidates: Vec<String> = if value.starts_with('/') || value.starts_with('~') {
        vec![resolve(value, ctx)]
    } else {
        c.cwd
            .dirs(ctx)?
            .iter()
            .map(|d| normalize(&format!("{d}/{value}")))
            .collect()
    };
    let inside = candidates.iter().all(|p| {
        is_within(p, &ws, ctx.os) && !p.split('/').any(|s| s == ".git" || s.starts_with(".env"))
    });
    inside.then(|| candidates.into_iter().next()).flatten()
}

/// `python [flags] FILE.py …` for a file inside the workspace, `python -m pytest|unittest…`,
/// and (for a venv's python) `python -m pip install …`.
fn python(args: &[Arg], c: &ExecCommand, ctx: &EvalContext, venv: bool) -> bool {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let t = a.text();
        if crate::shell::tables::has(PYTHON_FLAGS, t) {
            i += 1;
        } else if crate::shell::tables::has(PYTHON_VALUED, t) {
            i += 2;
        } else if PYTHON_VALUED.iter().any(|v| t.starts_with(v)) {
            i += 1;
        } else {
            break;
        }
    }
    let Some(first) = args.get(i).map(Arg::text) else {
        return false;
    };
    let rest = args.get(i + 1..).unwrap_or(&[]);
    if first == "-m" {
        let module = rest.first().map(Arg::text).unwrap_or("");
        if crate::shell::tables::has(PYTHON_MODULES, module) {
            return true;
        }
        return venv && module == "pip" && pip_install_in_venv(rest.get(1..).unwrap_or(&[]));
    }
    if first.starts_with('-') {
        // `-c CODE`, `-` (stdin) and unknown options: not a project file.
        return false;
    }
    // `setup.py install|develop` installs into the interpreter, not the project.
    if super::paths::basename(first) == "setup.py"
        && rest
            .iter()
            .any(|a| matches!(a.text(), "install" | "develop" | "upload" | "register"))
    {
        return false;
    }
    workspace_file(first, c, ctx).is_some()
}

/// Shells whose script-file operand is a project script when it lies inside the workspace.
const POSIX_SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "ash", "mksh"];

/// `bash [-eux…] FILE [ARGS]` for a file inside the workspace: the same project script as
/// `./FILE` (issue 16 item 6 names "scripts inside the workspace"; the spec's shell row asks
/// on any script file because its content is unknown, and the issue, newer, wins for the
/// workspace). Only the tracing and error flags may come first: `-c`, `-s`, `-i`, `-l` (which
/// reads the user's profile), `--rcfile`, `-o`, … leave the command to the shell rules.
fn shell_script(args: &[Arg], c: &ExecCommand, ctx: &EvalContext) -> bool {
    let mut rest = args.iter().map(Arg::text);
    let first = loop {
        match rest.next() {
            Some(t)
                if t.len() > 1
                    && t.starts_with('-')
                    && t.bytes().skip(1).all(|b| b"euxvn".contains(&b)) => {}
            other => break other,
        }
    };
    first.is_some_and(|f| {
        !f.starts_with('-') && !f.starts_with('+') && workspace_file(f, c, ctx).is_some()
    })
}

/// Whether `c` is a shell running a script file of the workspace (see [`shell_script`]).
pub fn is_workspace_shell_script(c: &ExecCommand, ctx: &EvalContext) -> bool {
    c.base_name().is_some_and(|n| tables::has(POSIX_SHELLS, n)) && is_project_run(c, ctx)
}

/// `node FILE.js`, `ruby FILE.rb` for a file inside the workspace.
fn script_file(args: &[Arg], c: &ExecCommand, ctx: &EvalContext, flags: &[&str]) -> bool {
    let first = args.iter().map(Arg::text).find(|t| !flags.contains(t));
    first.is_some_and(|f| !f.starts_with('-') && workspace_file(f, c, ctx).is_some())
}
