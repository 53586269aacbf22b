//! Checks that read the AST and the semantic model: substitutions (6), writes (7), dynamic
//! command names (8), nested or detached execution (10), eval-like builtins (16), privilege
//! escalation (22). Secret access (23) lives in `secrets`.

use super::Findings;
use crate::shell::parser::Parsed;
use crate::shell::semantic::{Arg, ExecCommand, Model, Note};
use crate::shell::tables::{
    self, Classes, BLOCK_DEVICE_PREFIXES, HARMLESS_TARGETS, TRUSTED_BIN_DIRS,
};
use crate::shell::verdict::Severity;
use crate::shell::{BashSecurityConfig, EvalContext};

fn sp(s: crate::shell::ast::Span) -> (u32, u32) {
    (s.start, s.end)
}

/// Variables whose assignment loads code into the next program (check 22, deny).
const CODE_LOADING_VARS: &[&str] = &[
    "LD_PRELOAD",
    "LD_AUDIT",
    "DYLD_INSERT_LIBRARIES",
    "BASH_ENV",
    "ENV",
    "PROMPT_COMMAND",
    "SHELLOPTS",
    "BASHOPTS",
    "LESSOPEN",
    "LESSCLOSE",
    "PERL5OPT",
    "RUBYOPT",
    "PYTHONSTARTUP",
    "GIT_SSH_COMMAND",
    "GIT_SSH",
    "GIT_EXTERNAL_DIFF",
    "GIT_ASKPASS",
    "SSH_ASKPASS",
    "SUDO_ASKPASS",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_PARAMETERS",
    // glibc's iconv loads the shared objects named by the gconv-modules file found here.
    "GCONV_PATH",
];

/// Variables that preload shared objects into the next program.
const PRELOAD_VARS: &[&str] = &["LD_PRELOAD", "LD_AUDIT", "DYLD_INSERT_LIBRARIES"];

/// Whether every library a preload value names is a literal path inside the workspace.
fn preload_in_workspace(value: &str, ctx: &EvalContext) -> bool {
    if ctx.workspace.is_empty() {
        return false;
    }
    let mut libs = value.split([':', ' ']).filter(|p| !p.is_empty()).peekable();
    libs.peek().is_some()
        && libs.all(|p| {
            p.contains('/')
                && !p.contains(['$', '`', '*', '?', '[', '~'])
                && crate::shell::paths::is_within(
                    &crate::shell::paths::resolve(p, ctx),
                    &ctx.workspace,
                    ctx.os,
                )
        })
}

/// Variables that change where programs or libraries come from (check 22, ask).
const PATH_VARS: &[&str] = &[
    "PATH",
    "LD_LIBRARY_PATH",
    "DYLD_LIBRARY_PATH",
    "PYTHONPATH",
    "NODE_PATH",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_EXEC_PATH",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
];

/// Variables that point a program at a configuration or module directory of the command's
/// choosing; such a file can name commands to run (`rg --pre=CMD` from
/// `RIPGREP_CONFIG_PATH`, git's `core.fsmonitor` from `$HOME/.gitconfig` or
/// `$XDG_CONFIG_HOME/git/config`, hooks from `GIT_TEMPLATE_DIR`, modules from `PERL5LIB`),
/// check 22, ask.
const CONFIG_VARS: &[&str] = &[
    "RIPGREP_CONFIG_PATH",
    "HOME",
    "XDG_CONFIG_HOME",
    "XDG_CONFIG_DIRS",
    "ZDOTDIR",
    "INPUTRC",
    "GIT_TEMPLATE_DIR",
    "GIT_CONFIG",
    "PERL5LIB",
    "PERLLIB",
    "RUBYLIB",
    "PYTHONHOME",
    "PYTHONUSERBASE",
    "GEM_PATH",
    "GEM_HOME",
    "CLASSPATH",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "LESSKEY",
    "WGETRC",
    "CURL_HOME",
    "NPM_CONFIG_USERCONFIG",
    "PIP_CONFIG_FILE",
    // Client configurations that name programs: a kubeconfig's `exec` credential plugin,
    // docker's CLI plugin directories and hooks, the AWS CLI's `credential_process`; a
    // docker host may be `ssh://…` (docker then runs ssh).
    "KUBECONFIG",
    "DOCKER_CONFIG",
    "DOCKER_HOST",
    "AWS_CONFIG_FILE",
    // Options a program reads from the environment: `TAR_OPTIONS='--checkpoint=1
    // --checkpoint-action=exec=CMD'` runs CMD under a listing `tar -tf`; `MANOPT='-P CMD'`
    // picks man's pager; systemd's pager turns insecure or takes `less` options.
    "TAR_OPTIONS",
    "MANOPT",
    "SYSTEMD_PAGERSECURE",
    "SYSTEMD_LESS",
];

/// Pager and editor variables: only a plain word from a short list is harmless.
const PAGER_VARS: &[&str] = &[
    "PAGER",
    "GIT_PAGER",
    "MANPAGER",
    "EDITOR",
    "VISUAL",
    "GIT_EDITOR",
    "GIT_SEQUENCE_EDITOR",
    "SYSTEMD_PAGER",
    "SYSTEMD_EDITOR",
    "SUDO_EDITOR",
];
const SAFE_PAGERS: &[&str] = &[
    "cat", "less", "more", "head", "tail", "true", "vi", "vim", "nano",
];

/// Runs the structural checks.
pub fn run(
    command: &str,
    _parsed: &Parsed,
    model: &Model,
    ctx: &EvalContext,
    cfg: &BashSecurityConfig,
    out: &mut Findings,
) {
    notes(model, out);
    for (i, c) in model.commands.iter().enumerate() {
        writes(i, c, ctx, cfg, out);
        command_name(command, c, out);
        eval_like(c, ctx, out);
        escalation(c, out);
        history_impairment(c, out);
        forked_session(c, out);
        for (name, value, span) in &c.assignments {
            assignment(name, value.as_deref(), sp(*span), (ctx, cfg), out);
        }
        if c.base_name() == Some("env") {
            env_assignments(c, (ctx, cfg), out);
        }
        if matches!(
            c.base_name(),
            Some("export" | "declare" | "typeset" | "local" | "readonly")
        ) {
            for a in c.args() {
                if let Some((n, v)) = a.text().split_once('=') {
                    assignment(n, a.value.as_ref().map(|_| v), sp(a.span), (ctx, cfg), out);
                } else if a.value.is_none() {
                    // `export PATH=.:$PATH`: the value is only known at run time, but the name
                    // is in the source word; without a readable name (`export "$v"`, a word of
                    // a nested script) any variable may be set.
                    match exported_name(command, a) {
                        Some(n) => assignment(n, None, sp(a.span), (ctx, cfg), out),
                        None => out.add(
                            22,
                            Severity::Ask,
                            sp(a.span),
                            "the command sets a variable whose name is only known at run time; it could change which programs run.",
                        ),
                    }
                }
            }
        }
    }
    for (k, v) in &ctx.env_keys {
        assignment(k, v.as_deref(), (0, 0), (ctx, cfg), out);
    }
}

/// `env NAME=VALUE … CMD`: the assignments `env` makes for the command it runs are the same
/// as a `NAME=VALUE CMD` prefix (`env GIT_PAGER=CMD git log` runs CMD as git's pager), so they
/// go through the same check. Options come first (`-u NAME` and `-C DIR` take a value);
/// the first word without `=` is the command.
fn env_assignments(c: &ExecCommand, env: (&EvalContext, &BashSecurityConfig), out: &mut Findings) {
    let mut args = c.args().iter();
    while let Some(a) = args.next() {
        let t = a.text();
        if matches!(t, "-u" | "-C" | "--unset" | "--chdir") {
            args.next();
            continue;
        }
        if t.starts_with('-') {
            continue;
        }
        match t.split_once('=') {
            Some((n, v)) if !n.is_empty() => {
                assignment(n, a.value.as_ref().map(|_| v), sp(a.span), env, out)
            }
            _ => break,
        }
    }
}

/// The variable name of a declaration word whose value is not literal, read from its source
/// text: `NAME=…` or `NAME+=…`, optionally opened by a quote.
fn exported_name<'c>(command: &'c str, a: &crate::shell::semantic::Arg) -> Option<&'c str> {
    let raw = command.get(a.span.start as usize..a.span.end as usize)?;
    let raw = raw.trim_start_matches(['"', '\'']);
    let end = raw
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(raw.len());
    let (name, rest) = raw.split_at(end);
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    (first_ok && (rest.starts_with('=') || rest.starts_with("+="))).then_some(name)
}

fn notes(model: &Model, out: &mut Findings) {
    for n in &model.notes {
        match n {
            Note::Substitution { span, literal_heredoc_cat: false, process } => {
                let what = if *process { "process substitution" } else { "command substitution" };
                out.add(6, Severity::Ask, sp(*span), format!("a {what} runs a hidden command whose output becomes part of this one; run the inner command on its own first."));
            }
            Note::Substitution { .. } => {}
            Note::FunctionDef(s) => out.add(10, Severity::Ask, sp(*s), "the command defines a shell function."),
            Note::Coproc(s) => out.add(10, Severity::Ask, sp(*s), "`coproc` starts a background co-process."),
            Note::Select(s) => out.add(10, Severity::Ask, sp(*s), "`select` waits for interactive input."),
            Note::Background(s) => out.add(10, Severity::Ask, sp(*s), "`&` runs a command in the background, outside the tool's lifecycle; run it in the foreground."),
            Note::NestedShell(s) => out.add(10, Severity::Ask, sp(*s), "a nested shell runs a script string; its commands were analysed too."),
            Note::InteractiveShell(s) => out.add(10, Severity::Ask, sp(*s), "a shell or interpreter is started without a script: an interactive shell."),
            Note::UnknownScript(s, what) => {
                let id = if what.starts_with("eval") || what.starts_with("trap") { 16 } else { 10 };
                out.add(id, Severity::Ask, sp(*s), format!("{what}: the script text is not literal, so what it runs cannot be known."));
            }
            Note::NestedParseError(s, m) => out.add(5, Severity::Ask, sp(*s), format!("a nested script could not be parsed: {m}")),
            Note::WrapperUnparsed(..) | Note::WrapperDepth(_) | Note::Limit(..) => {}
        }
    }
}

fn writes(
    i: usize,
    c: &ExecCommand,
    ctx: &EvalContext,
    cfg: &BashSecurityConfig,
    out: &mut Findings,
) {
    for r in &c.redirs {
        let target = r.target.as_deref();
        if let Some(t) = target {
            if t.starts_with("/dev/tcp/") || t.starts_with("/dev/udp/") {
                out.add(
                    7,
                    Severity::Deny,
                    sp(r.span),
                    format!("`{t}` opens a network socket from the shell."),
                );
                continue;
            }
        }
        if !r.op.writes() || !r.is_file {
            continue;
        }
        match target {
            None => out.add_hit(
                7,
                Severity::Ask,
                sp(r.span),
                "the command writes to a file whose name is computed at run time.",
                false,
                Some(i),
            ),
            Some(t) if crate::shell::tables::has(HARMLESS_TARGETS, t) || is_fd_path(t) => {}
            Some(t) if BLOCK_DEVICE_PREFIXES.iter().any(|p| t.starts_with(p)) => {}
            Some(t) => {
                // Liftable (by the workspace tier or an allow rule, P4-R36) only when the
                // target resolves, against the command's own cwd, inside the workspace or
                // the temp dir and outside `.git/`, settings, `.env*` and secret paths.
                let inside = crate::shell::effects::redirect_in_tier(t, c, ctx, cfg);
                out.add_hit(7, Severity::Ask, sp(r.span), format!("the command writes the file `{t}` with `{}`; write files with the file tools instead.{}", r.op.as_str(), crate::shell::effects::link_hint(ctx)), inside, Some(i));
            }
        }
    }
}

fn is_fd_path(t: &str) -> bool {
    t.strip_prefix("/dev/fd/")
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

fn command_name(command: &str, c: &ExecCommand, out: &mut Findings) {
    let Some(name) = c.argv.first() else { return };
    if name.plain && name.value.is_some() {
        return;
    }
    let raw = command
        .get(name.span.start as usize..name.span.end as usize)
        .unwrap_or("");
    // `\ls` (one leading backslash on an otherwise plain name) only bypasses aliases.
    if let Some(rest) = raw.strip_prefix('\\') {
        if !rest.is_empty()
            && rest
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "-_./+".contains(ch))
        {
            return;
        }
    }
    if name.brace {
        // Brace expansion in a command name is check 13 (BRACE_EXPANSION, checks/encoding.rs).
        return;
    }
    let carried = !c.wrappers.is_empty();
    if carried && (name.substitution || name.param) {
        out.add(
            8,
            Severity::Deny,
            sp(name.span),
            format!(
                "the command run by `{}` is computed at run time (`{raw}`), which hides what runs.",
                c.wrappers.last().map_or("", String::as_str)
            ),
        );
    } else {
        out.add(8, Severity::Ask, sp(name.span), format!("the command name `{raw}` is not a plain word (quotes, escapes, variables or globs); write the command name plainly."));
    }
}

fn eval_like(c: &ExecCommand, ctx: &EvalContext, out: &mut Findings) {
    let Some(name) = c.base_name() else { return };
    if !tables::is(name, Classes::EVAL_LIKE) {
        return;
    }
    // `source .venv/bin/activate`: a script of the workspace is a project run, which
    // `runProject` judges (issue 16 item 6), not text of unknown origin.
    if crate::shell::project::is_workspace_sourced_script(c, ctx) {
        return;
    }
    let args = c.args();
    let has = |f: &str| {
        args.iter().any(|a| {
            a.is(f)
                || (a.text().starts_with('-')
                    && !a.text().starts_with("--")
                    && f.len() == 2
                    && a.text().contains(f.get(1..).unwrap_or("?")))
        })
    };
    let flagged = match name {
        "eval" | "source" | "." => true,
        "trap" => args.len() >= 2 && !args.first().is_some_and(|a| a.text().starts_with('-')),
        "enable" => true,
        "hash" => has("-p"),
        "bind" => has("-x"),
        "complete" | "compgen" => has("-C") || has("-F"),
        "alias" => args.iter().any(|a| a.text().contains('=')),
        "fc" => !(has("-l") && !has("-e") && !has("-s")),
        "mapfile" | "readarray" => has("-C"),
        _ => false,
    };
    if flagged {
        out.add(
            16,
            Severity::Ask,
            sp(c.span),
            format!("`{name}` runs text as shell code or changes how later commands run."),
        );
    }
}

fn escalation(c: &ExecCommand, out: &mut Findings) {
    let Some(name) = c.base_name() else { return };
    if matches!(
        name,
        "sudo" | "doas" | "run0" | "pkexec" | "su" | "runuser" | "sudoedit"
    ) {
        out.add(
            22,
            Severity::Ask,
            sp(c.span),
            format!("`{name}` runs a command with another user's privileges."),
        );
    }
    if c.wrappers
        .iter()
        .any(|w| matches!(w.as_str(), "sudo" | "doas" | "run0" | "pkexec"))
    {
        let inline = tables::is_shell(name)
            && c.args()
                .iter()
                .any(|a| a.text().starts_with('-') && a.text().contains('c'))
            || tables::interpreter_family(name).is_some()
                && c.args()
                    .iter()
                    .any(|a| matches!(a.text(), "-c" | "-e" | "-E" | "-r" | "--eval"));
        if inline {
            out.add(
                22,
                Severity::Deny,
                sp(c.span),
                "inline code run as root (`sudo sh -c`, `sudo python -c`, …) is not allowed.",
            );
        }
    }
    if name == "sudo" && sudo_shell_with_command(c.args()) {
        out.add(
            22,
            Severity::Deny,
            sp(c.span),
            "`sudo -s`/`-i` with a command runs it through a root shell.",
        );
    }
    if name == "chmod" && c.args().iter().any(is_setid_mode) {
        out.add(
            22,
            Severity::Deny,
            sp(c.span),
            "setting the setuid/setgid bit creates a privilege-escalation path.",
        );
    }
    if let Some(first) = c.argv.first() {
        if let Some(n) = first.value.as_deref() {
            if n.contains('/') {
                let dir = n.rsplit_once('/').map_or("", |(d, _)| d);
                let base = crate::shell::paths::basename(n);
                if !crate::shell::tables::has(TRUSTED_BIN_DIRS, dir)
                    && tables::is(base, Classes::READ_ONLY)
                {
                    out.add(22, Severity::Ask, sp(first.span), format!("`{n}` is a program outside the system directories with the name of a standard command."));
                }
            }
        }
    }
}

/// `sudo -s CMD` / `sudo -i CMD` (also `--shell`, `--login` and their GNU prefixes): only
/// sudo's own options count (not the carried command's), read with the one sudo grammar the
/// wrapper unwrapping uses, and a command must follow them. Options the grammar cannot read
/// fail closed: any shell-looking flag counts.
fn sudo_shell_with_command(args: &[Arg]) -> bool {
    match crate::shell::grammar::parse(&crate::shell::wrappers::SUDO, args) {
        Ok(p) => ["s", "i", "shell", "login"].iter().any(|n| p.has(n)) && !p.operands.is_empty(),
        Err(_) => args.iter().any(|a| {
            let t = a.text();
            match t.strip_prefix("--") {
                Some(long) => {
                    !long.is_empty() && ("shell".starts_with(long) || "login".starts_with(long))
                }
                None => t.len() > 1 && t.starts_with('-') && t.contains(['s', 'i']),
            }
        }),
    }
}

fn is_setid_mode(a: &Arg) -> bool {
    let t = a.text();
    if t.chars().all(|c| c.is_ascii_digit()) && t.len() == 4 {
        return matches!(t.chars().next(), Some('2' | '4' | '6' | '7'));
    }
    t.split(',').any(|clause| {
        let ops: Vec<&str> = clause.splitn(2, ['+', '=']).collect();
        clause.contains(['+', '=']) && ops.get(1).is_some_and(|perm| perm.contains('s'))
    })
}

/// Variables whose value is a command line that git or ssh runs (issue 16 item 8): a known
/// value is analysed as a command instead of being denied outright.
const COMMAND_VARS: &[&str] = &[
    "GIT_SSH_COMMAND",
    "GIT_SSH",
    "GIT_EXTERNAL_DIFF",
    "GIT_ASKPASS",
    "SSH_ASKPASS",
];

/// A command-valued variable: a shell or interpreter, or a value the full checker denies, is
/// deny; any other command is ask (it still chooses a program that runs).
fn command_var(
    name: &str,
    value: &str,
    span: (u32, u32),
    (ctx, cfg): (&EvalContext, &BashSecurityConfig),
    out: &mut Findings,
) {
    let first = value.split_whitespace().next().unwrap_or("");
    let base = crate::shell::paths::basename(first);
    if tables::is_shell(base) || tables::interpreter_family(base).is_some() {
        out.add(
            22,
            Severity::Deny,
            span,
            format!("`{name}` is set to a shell or interpreter (`{value}`), which runs code chosen by the command."),
        );
        return;
    }
    let inner = crate::shell::evaluate(value, ctx, cfg);
    if inner.verdict == crate::shell::Verdict::Deny {
        out.add(
            22,
            Severity::Deny,
            span,
            format!(
                "`{name}` is set to a command that is denied on its own ({}).",
                inner.reason
            ),
        );
    } else {
        out.add(
            22,
            Severity::Ask,
            span,
            format!("`{name}` chooses the command `{value}` that other programs run; it was analysed as a command."),
        );
    }
}

/// `setsid -f CMD` / `setsid --fork CMD`: the command runs in a new session in the
/// background, outside the tool's lifecycle, like `CMD &` (check 10).
fn forked_session(c: &ExecCommand, out: &mut Findings) {
    if c.base_name() != Some("setsid") {
        return;
    }
    let forks = c
        .args()
        .iter()
        .map(|a| a.text())
        .take_while(|t| t.starts_with('-') && *t != "--")
        .any(|t| t == "--fork" || (!t.starts_with("--") && t.contains('f')));
    if forks {
        out.add(
            10,
            Severity::Ask,
            sp(c.span),
            "`setsid -f` starts the command in the background, outside the tool's lifecycle; run it in the foreground.",
        );
    }
}

/// Variables that decide what the shell's command history keeps (ATT&CK T1070.003: an
/// attacker turns history off or points it elsewhere to hide what ran).
const HISTORY_VARS: &[&str] = &[
    "HISTFILE",
    "HISTFILESIZE",
    "HISTSIZE",
    "HISTCONTROL",
    "HISTIGNORE",
];

/// Whether setting history variable `name` to `value` hides commands: any `HISTFILE`,
/// `HISTIGNORE` or `HISTCONTROL` with `ignorespace`/`ignoreboth`, a size that is not a
/// positive number; an unknown value may be any of these.
fn hides_history(name: &str, value: Option<&str>) -> bool {
    match (name, value) {
        (_, None) | ("HISTFILE" | "HISTIGNORE", _) => true,
        ("HISTCONTROL", Some(v)) => v.contains("ignorespace") || v.contains("ignoreboth"),
        (_, Some(v)) => {
            !v.bytes().all(|b| b.is_ascii_digit()) || v.trim_start_matches('0').is_empty()
        }
    }
}

/// `unset HISTFILE`, `set +o history`, `history -c`: the shell's command history is turned
/// off or cleared (check 21 ask, like the writes to `~/.bash_history` it already denies).
fn history_impairment(c: &ExecCommand, out: &mut Findings) {
    let args = c.args();
    let texts = || args.iter().map(|a| a.text());
    let hit = match c.base_name() {
        Some("unset") => texts().any(|t| crate::shell::tables::has(HISTORY_VARS, t)),
        Some("set") => args
            .windows(2)
            .any(|w| matches!(w, [a, b] if a.text() == "+o" && b.text() == "history")),
        Some("shopt") => {
            texts().any(|t| t == "-ou" || t == "-uo") && texts().any(|t| t == "history")
        }
        Some("history") => texts().any(|t| {
            t.strip_prefix('-')
                .is_some_and(|f| !f.starts_with('-') && f.contains(['c', 'd']))
        }),
        _ => false,
    };
    if hit {
        out.add(
            21,
            Severity::Ask,
            sp(c.span),
            format!(
                "`{}` turns off or rewrites the shell's command history, which hides what ran.",
                c.excerpt(60)
            ),
        );
    }
}

fn assignment(
    name: &str,
    value: Option<&str>,
    span: (u32, u32),
    env: (&EvalContext, &BashSecurityConfig),
    out: &mut Findings,
) {
    if crate::shell::tables::has(HISTORY_VARS, name) && hides_history(name, value) {
        out.add(
            21,
            Severity::Ask,
            span,
            format!("setting `{name}` turns off or redirects the shell's command history, which hides what ran."),
        );
        return;
    }
    if let Some(v) = value.filter(|_| crate::shell::tables::has(COMMAND_VARS, name)) {
        command_var(name, v, span, env, out);
        return;
    }
    if crate::shell::tables::has(PRELOAD_VARS, name)
        && value.is_some_and(|v| preload_in_workspace(v, env.0))
    {
        // A library the project built, preloaded into its own program, is the project's
        // code running (issue 16 item 8): ask, not the deny of loading code from elsewhere.
        out.add(
            22,
            Severity::Ask,
            span,
            format!("setting `{name}` loads a library from the workspace into the next program; it runs the project's code."),
        );
        return;
    }
    if crate::shell::tables::has(CODE_LOADING_VARS, name)
        || name.starts_with("BASH_FUNC_")
        || name.starts_with("GIT_CONFIG_KEY_")
        || name.starts_with("GIT_CONFIG_VALUE_")
    {
        out.add(
            22,
            Severity::Deny,
            span,
            format!("setting `{name}` makes programs load or run code chosen by the command."),
        );
    } else if name == "PS4" && value.is_none_or(|v| v.contains("$(") || v.contains('`')) {
        out.add(
            22,
            Severity::Deny,
            span,
            "`PS4` with a command substitution runs code on every traced line.",
        );
    } else if name == "NODE_OPTIONS"
        && value.is_none_or(|v| {
            ["--require", "-r", "--import", "--loader"]
                .iter()
                .any(|f| v.contains(f))
        })
    {
        out.add(
            22,
            Severity::Deny,
            span,
            "`NODE_OPTIONS` with --require/--import/--loader loads code into every Node process.",
        );
    } else if crate::shell::tables::has(PAGER_VARS, name) {
        match value {
            Some(v) if crate::shell::tables::has(SAFE_PAGERS, v) => {}
            // A command line without shell syntax (`less -R`, `code --wait`): analysed as a
            // command (issue 16 item 8).
            Some(v)
                if v.chars().any(char::is_whitespace)
                    && !v.chars().any(|c| ";&|$()<>`\\'\"\n".contains(c)) =>
            {
                command_var(name, v, span, env, out)
            }
            Some(v)
                if v.chars()
                    .any(|c| c.is_whitespace() || ";&|$()<>`".contains(c)) =>
            {
                out.add(
                    22,
                    Severity::Deny,
                    span,
                    format!(
                        "`{name}` is set to a command line; programs run it as a pager or editor."
                    ),
                )
            }
            _ => out.add(
                22,
                Severity::Ask,
                span,
                format!("`{name}` chooses a program that other commands run."),
            ),
        }
    } else if crate::shell::tables::has(PATH_VARS, name) {
        out.add(
            22,
            Severity::Ask,
            span,
            format!("setting `{name}` changes which programs or libraries run."),
        );
    } else if crate::shell::tables::has(CONFIG_VARS, name) {
        out.add(
            22,
            Severity::Ask,
            span,
            format!("setting `{name}` makes programs read configuration or modules from a place the command chooses; such files can name commands to run."),
        );
    }
}
