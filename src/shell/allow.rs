//! The list-based verdict (P4 §6.5): a command is read-only only when the allowlist covers it
//! with its profile satisfied; everything else gets the liftable or non-liftable ask that says
//! why.

use super::policy::Reason;
use super::semantic::{Arg, ExecCommand, Model, Note};
use super::tables::{self, Classes, GIT_READ_ONLY, TRUSTED_BIN_DIRS};
use super::{BashSecurityConfig, EvalContext, GlobOptionInjection};

/// Adds the ask reasons of commands that are not read-only.
pub fn classify(
    model: &Model,
    _ctx: &EvalContext,
    cfg: &BashSecurityConfig,
    out: &mut Vec<Reason>,
) {
    for n in &model.notes {
        match n {
            Note::WrapperUnparsed(_, why) => out.push(Reason::ask("exec.ask.wrapper_unparsed", format!("a wrapper's options could not be parsed ({why}); the command it runs is unknown."))),
            Note::WrapperDepth(_) => out.push(Reason::ask("exec.ask.wrapper_depth", "wrappers are nested too deeply to analyse.")),
            _ => {}
        }
    }
    for (i, c) in model.commands.iter().enumerate() {
        if let Some(r) = command_reason(i, c, cfg) {
            out.push(r);
        }
        if cfg.glob_option_injection == GlobOptionInjection::Ask {
            if let Some(r) = glob_injection(c) {
                out.push(r);
            }
        }
        if let Some(r) = destructive_warning(c) {
            out.push(r);
        }
    }
}

/// The name used for table look-ups: plain names, or trusted absolute paths by basename.
fn lookup_name(c: &ExecCommand) -> Option<&str> {
    let first = c.argv.first()?;
    let n = first.value.as_deref()?;
    if let Some((dir, base)) = n.rsplit_once('/') {
        return TRUSTED_BIN_DIRS
            .contains(&if dir.is_empty() { "/" } else { dir })
            .then_some(base);
    }
    Some(n)
}

fn command_reason(i: usize, c: &ExecCommand, cfg: &BashSecurityConfig) -> Option<Reason> {
    if c.argv.is_empty() {
        return None;
    }
    // Wrappers are transparent: the carried command is classified on its own.
    if is_transparent_wrapper(c) {
        return None;
    }
    let Some(name) = lookup_name(c) else {
        return Some(Reason::liftable(
            "exec.ask.unlisted",
            format!("`{}` is not a plain, known command.", c.excerpt(100)),
            i,
        ));
    };
    if read_only(name, c, cfg) {
        return None;
    }
    let args = c.args();
    if args.len() == 1
        && args
            .first()
            .is_some_and(|a| a.is("--version") || a.is("--help"))
        && !name.contains('/')
    {
        return None;
    }
    let msg = if tables::is(name, Classes::NETWORK) {
        return Some(Reason::liftable(
            "exec.ask.network",
            format!("`{}` talks to the network.", c.excerpt(100)),
            i,
        ));
    } else if tables::interpreter_family(name).is_some() || tables::is_shell(name) {
        return Some(Reason::liftable(
            "exec.ask.interpreter",
            format!("`{}` runs a program or inline code.", c.excerpt(100)),
            i,
        ));
    } else {
        format!(
            "`{}` is not on the read-only allowlist; it needs approval.",
            c.excerpt(100)
        )
    };
    Some(Reason::liftable("exec.ask.unlisted", msg, i))
}

/// Wrappers whose carried command is classified in their place (all in `tables::WRAPPERS`,
/// which a unit test checks).
const TRANSPARENT_WRAPPERS: &[&str] = &[
    "env",
    "timeout",
    "nice",
    "nohup",
    "setsid",
    "stdbuf",
    "time",
    "command",
    "builtin",
    "xargs",
    "ionice",
    "unbuffer",
    "caffeinate",
];

fn is_transparent_wrapper(c: &ExecCommand) -> bool {
    // One index lookup settles most commands before the list is scanned.
    c.base_name()
        .is_some_and(|n| tables::is(n, Classes::WRAPPER) && tables::has(TRANSPARENT_WRAPPERS, n))
        && matches!(
            super::wrappers::carried(c),
            super::wrappers::Carried::Command { .. }
        )
}

fn opt(args: &[Arg], f: &str) -> bool {
    args.iter().any(|a| {
        let t = a.text();
        t == f
            || (f.starts_with("--") && t.starts_with(f) && t.as_bytes().get(f.len()) == Some(&b'='))
            || (f.len() == 2
                && !f.starts_with("--")
                && t.starts_with('-')
                && !t.starts_with("--")
                && t.len() > 1
                && t.contains(f.get(1..).unwrap_or("\0")))
    })
}

/// Operands (non-option words); a lone `-` (stdin/stdout) is an operand.
fn operands(args: &[Arg]) -> usize {
    args.iter()
        .filter(|a| a.is("-") || !a.text().starts_with('-'))
        .count()
}

fn read_only(name: &str, c: &ExecCommand, cfg: &BashSecurityConfig) -> bool {
    let args = c.args();
    if tables::is(name, Classes::STATE_ONLY) {
        return match name {
            "export" | "readonly" | "local" | "declare" | "typeset" => !opt(args, "-n"),
            "wait" => !opt(args, "-p"),
            "set" => args
                .iter()
                .all(|a| a.text().starts_with('-') || a.text().starts_with('+')),
            _ => true,
        };
    }
    if cfg.read_only_extra.iter().any(|n| n == name) {
        return true;
    }
    if !tables::is(name, Classes::READ_ONLY) {
        return false;
    }
    match name {
        "hostname" => args.is_empty(),
        "date" => {
            !opt(args, "-s")
                && !opt(args, "--set")
                && args
                    .iter()
                    .all(|a| a.text().starts_with('+') || a.text().starts_with('-'))
        }
        "tree" => !opt(args, "-o"),
        "file" => !opt(args, "-C"),
        "printf" => !opt(args, "-v"),
        "test" | "[" => !args.iter().any(|a| a.is("-v") || a.is("-R")),
        "yq" => !opt(args, "-i") && !opt(args, "--inplace"),
        "sort" => {
            !opt(args, "-o")
                && !opt(args, "--output")
                && !opt(args, "--compress-program")
                && !opt(args, "-T")
                && !opt(args, "--temporary-directory")
                && args.iter().all(|a| a.value.is_some())
        }
        "uniq" => operands(args) <= 1,
        "base64" => !opt(args, "-o") && !opt(args, "--output"),
        "xxd" => operands(args) <= 1,
        "rg" => ![
            "--pre",
            "--pre-glob",
            "-z",
            "--search-zip",
            "--hostname-bin",
        ]
        .iter()
        .any(|f| opt(args, f)),
        "find" => !args.iter().any(|a| {
            matches!(
                a.text(),
                "-delete" | "-fls" | "-fprint" | "-fprint0" | "-fprintf"
            )
        }),
        "sed" => sed_read_only(args),
        "awk" | "gawk" | "mawk" | "nawk" => awk_read_only(args),
        "git" => git_read_only(c),
        "systemctl" => args
            .iter()
            .find(|a| !a.text().starts_with('-'))
            .is_some_and(|s| {
                matches!(
                    s.text(),
                    "status"
                        | "show"
                        | "list-units"
                        | "list-unit-files"
                        | "list-timers"
                        | "is-active"
                        | "is-enabled"
                        | "is-failed"
                        | "cat"
                )
            }),
        // Without --no-pager journalctl may start a pager, whose `!` runs shell commands.
        "journalctl" => {
            args.iter().any(|a| a.is("--no-pager"))
                && !args.iter().any(|a| {
                    a.text().starts_with("--vacuum")
                        || matches!(a.text(), "--rotate" | "--flush" | "--setup-keys")
                })
        }
        "docker" | "podman" => docker_read_only(args),
        "kubectl" => {
            let sub: Vec<&str> = args
                .iter()
                .filter(|a| !a.text().starts_with('-'))
                .map(Arg::text)
                .collect();
            match sub.first() {
                Some(&("get" | "describe" | "logs" | "version" | "explain" | "api-resources")) => {
                    true
                }
                Some(&"config") => sub.get(1) == Some(&"view") && !opt(args, "--raw"),
                _ => false,
            }
        }
        "crontab" => args.len() == 1 && args.first().is_some_and(|a| a.is("-l")),
        _ => true,
    }
}

fn sed_read_only(args: &[Arg]) -> bool {
    if args.iter().any(|a| {
        let t = a.text();
        t.starts_with("--in-place")
            || t.starts_with("--file")
            || (t.starts_with('-') && !t.starts_with("--") && (t.contains('i') || t.contains('f')))
    }) {
        return false;
    }
    let explicit_e = args.iter().any(|a| a.is("-e") || a.is("--expression"));
    let scripts: Vec<&str> = if explicit_e {
        args.windows(2)
            .filter(|w| {
                w.first()
                    .is_some_and(|a| a.is("-e") || a.is("--expression"))
            })
            .filter_map(|w| w.get(1))
            .map(Arg::text)
            .collect()
    } else {
        args.iter()
            .find(|a| !a.text().starts_with('-'))
            .map(Arg::text)
            .into_iter()
            .collect()
    };
    scripts.iter().all(|s| !sed_script_writes_or_runs(s))
}

/// A conservative reading of a sed script: `e`/`w`/`W` commands and `e`/`w` flags of `s`.
fn sed_script_writes_or_runs(s: &str) -> bool {
    for cmd in s.split([';', '\n']) {
        let t = cmd.trim_start_matches(|c: char| c.is_ascii_digit() || " ,$/!".contains(c));
        if t.starts_with('e') || t.starts_with('w') || t.starts_with('W') {
            return true;
        }
        if let Some(rest) = t.strip_prefix('s') {
            let mut chars = rest.chars();
            let Some(delim) = chars.next() else { continue };
            let parts: Vec<&str> = rest
                .get(delim.len_utf8()..)
                .unwrap_or("")
                .split(delim)
                .collect();
            if let Some(flags) = parts.get(2) {
                if flags.contains('e') || flags.contains('w') {
                    return true;
                }
            }
        }
    }
    false
}

fn awk_read_only(args: &[Arg]) -> bool {
    if args
        .iter()
        .any(|a| a.is("-f") || a.text().starts_with("--file") || a.value.is_none())
    {
        return false;
    }
    let program = args
        .iter()
        .find(|a| !a.text().starts_with('-'))
        .map(Arg::text)
        .unwrap_or("");
    !(program.contains("system")
        || program.contains("getline")
        || program.contains('>')
        || program.contains('|'))
}

fn git_read_only(c: &ExecCommand) -> bool {
    if c.after_cd && !c.cwd_in_workspace {
        return false;
    }
    let args = c.args();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        match a.text() {
            "--no-pager" | "--version" | "-P" => i += 1,
            t if t.starts_with('-') => return false,
            _ => break,
        }
    }
    let Some(sub) = args.get(i).map(Arg::text) else {
        return args.iter().any(|a| a.is("--version"));
    };
    let rest = args.get(i + 1..).unwrap_or(&[]);
    if rest.iter().any(|a| {
        a.text().starts_with("--output")
            || a.is("--ext-diff")
            || a.text().starts_with("-O")
            || a.text().starts_with("--open-files-in-pager")
    }) {
        return false;
    }
    let flags_only = |allowed: &[&str]| {
        rest.iter().all(|a| {
            allowed
                .iter()
                .any(|f| a.text() == *f || a.text().starts_with(&format!("{f}=")))
        })
    };
    match sub {
        s if GIT_READ_ONLY.contains(&s) => true,
        "branch" => flags_only(&[
            "-a",
            "-r",
            "-l",
            "--list",
            "-v",
            "-vv",
            "--all",
            "--remotes",
            "--show-current",
            "--contains",
            "--merged",
            "--no-merged",
            "--sort",
            "--format",
            "--color",
            "--no-color",
        ]),
        "tag" => flags_only(&[
            "-l",
            "--list",
            "-n",
            "--sort",
            "--contains",
            "--points-at",
            "--format",
        ]),
        "remote" => {
            rest.is_empty()
                || rest
                    .first()
                    .is_some_and(|a| a.is("-v") || a.is("get-url") || a.is("show"))
        }
        "config" => rest.iter().any(|a| {
            matches!(
                a.text(),
                "--get" | "--get-all" | "--get-regexp" | "--list" | "-l"
            )
        }),
        "stash" => rest.first().is_some_and(|a| a.is("list") || a.is("show")),
        "worktree" => rest.first().is_some_and(|a| a.is("list")),
        "submodule" => rest.first().is_some_and(|a| a.is("status")),
        "reflog" => rest
            .first()
            .is_none_or(|a| a.is("show") || a.text().starts_with('-')),
        _ => false,
    }
}

fn docker_read_only(args: &[Arg]) -> bool {
    let sub = args
        .iter()
        .find(|a| !a.text().starts_with('-'))
        .map(Arg::text);
    match sub {
        Some(
            "ps" | "images" | "inspect" | "logs" | "version" | "info" | "top" | "port" | "history"
            | "diff",
        ) => true,
        Some("stats") => args.iter().any(|a| a.is("--no-stream")),
        _ => false,
    }
}

fn glob_injection(c: &ExecCommand) -> Option<Reason> {
    let mut after_dd = false;
    for a in c.args() {
        if a.is("--") {
            after_dd = true;
            continue;
        }
        if after_dd || !a.glob {
            continue;
        }
        let t = a.text();
        if t.starts_with('*') || t.starts_with('?') || t.starts_with('[') {
            return Some(Reason::ask(
                "exec.ask.glob_option_injection",
                format!("`{t}` can expand to a file name starting with `-`, which `{}` would read as an option; pass `--` before the glob (e.g. `{} -- {t}`).", c.name().unwrap_or(""), c.name().unwrap_or("")),
            ));
        }
    }
    None
}

fn destructive_warning(c: &ExecCommand) -> Option<Reason> {
    let name = c.base_name()?;
    let args = c.args();
    let has = |s: &str| args.iter().any(|a| a.is(s));
    let hit = match name {
        "rm" => args.iter().any(|a| {
            let t = a.text();
            (t.starts_with('-') && !t.starts_with("--") && t.contains(['r', 'R', 'f']))
                || matches!(t, "--recursive" | "--force")
        }),
        "git" => {
            (has("reset") && has("--hard"))
                || (has("push")
                    && args.iter().any(|a| {
                        a.is("--force") || a.is("-f") || a.text().starts_with("--force-with-lease")
                    }))
                || (has("clean")
                    && args
                        .iter()
                        .any(|a| a.text().starts_with('-') && a.text().contains('f')))
                || ((has("checkout") || has("restore")) && has("."))
                || (has("stash") && (has("drop") || has("clear")))
                || (has("branch") && has("-D"))
                || has("--no-verify")
                || has("--amend")
        }
        "kubectl" => has("delete"),
        "terraform" => has("destroy"),
        _ => {
            // Each SQL phrase below starts with one of these keywords inside a single
            // argument; without one, skip building the upper-cased text (every command
            // reaches this arm).
            let keyword = |t: &str| {
                t.as_bytes().windows(4).any(|w| {
                    let up = |i: usize| w.get(i).map_or(0, u8::to_ascii_uppercase);
                    matches!(
                        [up(0), up(1), up(2), up(3)],
                        [b'D', b'R', b'O', b'P']
                            | [b'T', b'R', b'U', b'N']
                            | [b'D', b'E', b'L', b'E']
                    )
                })
            };
            args.iter().any(|a| keyword(a.text())) && {
                let sql = args
                    .iter()
                    .map(|a| a.text().to_ascii_uppercase())
                    .collect::<Vec<_>>()
                    .join(" ");
                sql.contains("DROP TABLE")
                    || sql.contains("TRUNCATE ")
                    || (sql.contains("DELETE FROM") && !sql.contains("WHERE"))
            }
        }
    };
    hit.then(|| {
        Reason::ask(
            "exec.ask.destructive",
            format!(
                "`{}` can destroy work that is hard to recover; it needs approval.",
                c.excerpt(100)
            ),
        )
    })
}

/// Whether the whole command is a `--version`/`--help` query.
pub fn is_version_query(model: &Model) -> bool {
    let executed: Vec<&ExecCommand> = model
        .commands
        .iter()
        .filter(|c| !c.argv.is_empty())
        .collect();
    !executed.is_empty()
        && executed.iter().all(|c| {
            c.args().len() == 1
                && c.args()
                    .first()
                    .is_some_and(|a| a.is("--version") || a.is("--help"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transparent_wrappers_are_indexed_wrappers() {
        for w in TRANSPARENT_WRAPPERS {
            assert!(tables::is(w, Classes::WRAPPER), "{w}");
        }
    }
}
