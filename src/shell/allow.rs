//! The list-based verdict (P4 §6.5): a command is read-only only when the allowlist covers it
//! with its profile satisfied; everything else gets the liftable or non-liftable ask that says
//! why.

use super::grammar::{self, Parsed};
use super::python_shadow;
use super::semantic::{Arg, ExecCommand, Model, Note};
use super::tables::{self, Classes, GIT_READ_ONLY, TRUSTED_BIN_DIRS};
use super::verdict::Reason;
use super::{BashSecurityConfig, EvalContext, GlobOptionInjection};

/// Adds the ask reasons of commands that are not read-only.
pub fn classify(model: &Model, ctx: &EvalContext, cfg: &BashSecurityConfig, out: &mut Vec<Reason>) {
    for n in &model.notes {
        match n {
            Note::WrapperUnparsed(_, why) => out.push(Reason::ask("exec.ask.wrapper_unparsed", format!("a wrapper's options could not be parsed ({why}); the command it runs is unknown."))),
            Note::WrapperDepth(_) => out.push(Reason::ask("exec.ask.wrapper_depth", "wrappers are nested too deeply to analyse.")),
            _ => {}
        }
    }
    for (i, c) in model.commands.iter().enumerate() {
        if let Some(r) = command_reason(i, c, ctx, cfg) {
            out.push(r);
        } else if let Some(r) = xargs_appended_options(i, c, model) {
            out.push(r);
        }
        if cfg.glob_option_injection == GlobOptionInjection::Ask {
            if let Some(r) = glob_injection(c) {
                out.push(r);
            }
        }
        if let Some(r) = destructive_warning(c, ctx) {
            out.push(r);
        }
    }
}

/// `cat list | xargs git show`: xargs appends words computed at run time to the command, so
/// for a command with options that write or read other files (`git show --output=FILE`,
/// `git diff --no-index ~/.ssh/id_rsa /dev/null`, `sort -o`, `wc --files0-from=`) those
/// words may be such options, and a read-only verdict would rest on words nobody has seen
/// (issue 16 item 1: an option the grammar cannot read is never allowed). Not when the
/// command's own words end its options (`--`), or the names come from a `find` (see
/// [`names_from_path_find`]).
fn xargs_appended_options(i: usize, c: &ExecCommand, model: &Model) -> Option<Reason> {
    if c.wrappers.last().is_none_or(|w| w != "xargs") {
        return None;
    }
    let name = lookup_name(c)?;
    let risky = name == "git"
        || super::grammar::grammar(name)
            .is_some_and(|g| g.effects.iter().any(|(_, e)| !e.read_only()));
    if !risky || c.args().iter().any(|a| a.is("--")) || names_from_path_find(i, model) {
        return None;
    }
    Some(Reason::liftable(
        "exec.ask.unknown_option",
        format!(
            "`{}`: `xargs` appends words known only at run time, which `{name}` may read as options that write or read other files; end its options with `--` (`xargs {name} … --`).",
            c.excerpt(100)
        ),
        i,
    ))
}

/// Whether the words xargs hands to command `i` are the names a `find` prints: each starts
/// with one of its starting points, which never start with `-` (find reads such a word as
/// its expression), unless an action prints something else (`-printf '%P'`, `-exec cat`).
fn names_from_path_find(i: usize, model: &Model) -> bool {
    use super::checks::name_sources::{piped_names, NameSource};
    super::checks::decode::pipelines(model).iter().any(|p| {
        let Some(k) = p.iter().position(|stage| stage.contains(&i)) else {
            return false;
        };
        let NameSource::Listing(j) = piped_names(model, p, k) else {
            return false;
        };
        model.commands.get(j).is_some_and(|lister| {
            lister.base_name() == Some("find")
                && lister.args().iter().all(|a| {
                    a.value.as_deref().is_some_and(|t| {
                        !matches!(t, "-exec" | "-execdir" | "-ok" | "-okdir" | "-ls" | "-fls")
                            && !t.starts_with("-printf")
                            && !t.starts_with("-fprint")
                    })
                })
        })
    })
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

fn command_reason(
    i: usize,
    c: &ExecCommand,
    ctx: &EvalContext,
    cfg: &BashSecurityConfig,
) -> Option<Reason> {
    if c.argv.is_empty() {
        return None;
    }
    // Wrappers are transparent: the carried command is classified on its own.
    if is_transparent_wrapper(c) || super::wrappers::is_literal_shell_script(c) || c.known_script {
        return None;
    }
    let Some(name) = lookup_name(c) else {
        return Some(Reason::liftable(
            "exec.ask.unlisted",
            format!("`{}` is not a plain, known command.", c.excerpt(100)),
            i,
        ));
    };
    if version_query(name, c.args()) && !name.contains('/') {
        return None;
    }
    let ro = read_only(name, c, ctx, cfg);
    if !matches!(ro, Ro::Yes) && read_only_in_every_variant(name, c, ctx, cfg) {
        return None;
    }
    match ro {
        Ro::Yes => return None,
        Ro::No => {}
        Ro::Ask(r) => return Some(r),
        Ro::UnknownOption(e) => {
            // Issue 16 item 1: an argv the grammar cannot read is never allowed. Liftable
            // like `unlisted`: an operator who allows the command allows its options.
            return Some(Reason::liftable(
                "exec.ask.unknown_option",
                format!(
                    "`{}`: {e}; the command is allowed only when every option is known.",
                    c.excerpt(100)
                ),
                i,
            ));
        }
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
            "`{}` is not on the read-only allowlist; it needs approval.{}{}",
            c.excerpt(100),
            super::effects::tier_hint(name, c),
            super::effects::link_hint(ctx)
        )
    };
    Some(Reason::liftable("exec.ask.unlisted", msg, i))
}

/// `for line in 575 933; do sed -n "$((line-20)),$((line-1))p" f; done`: the argv is unknown
/// but each variant (P4-R25; an unknown value stays unknown there) is read-only.
fn read_only_in_every_variant(
    name: &str,
    c: &ExecCommand,
    ctx: &EvalContext,
    cfg: &BashSecurityConfig,
) -> bool {
    !c.variants.is_empty()
        && c.variants.iter().all(|v| {
            let mut alt = c.clone();
            alt.argv.clone_from(v);
            lookup_name(&alt) == Some(name) && matches!(read_only(name, &alt, ctx, cfg), Ro::Yes)
        })
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

/// The read-only answer for one command.
enum Ro {
    /// Only reads.
    Yes,
    /// Not read-only: the caller picks the unlisted/network/interpreter ask.
    No,
    /// Not read-only with a specific reason.
    Ask(Reason),
    /// The argv does not fit the command's grammar.
    UnknownOption(String),
}

impl From<bool> for Ro {
    fn from(b: bool) -> Ro {
        if b {
            Ro::Yes
        } else {
            Ro::No
        }
    }
}

/// Parses `args` by the grammar named `key`: `Err` carries the answer when the argv does
/// not fit or is not read-only.
fn parsed<'a>(key: &str, args: &'a [Arg]) -> Result<Parsed<'a>, Ro> {
    let Some(g) = grammar::grammar(key) else {
        return Err(Ro::No);
    };
    match grammar::parse(g, args) {
        Ok(p) if p.read_only() => Ok(p),
        Ok(_) => Err(Ro::No),
        Err(e) => Err(Ro::UnknownOption(e.to_string())),
    }
}

/// `?`-style early return for [`parsed`].
macro_rules! parse_or {
    ($key:expr, $args:expr) => {
        match parsed($key, $args) {
            Ok(p) => p,
            Err(ro) => return ro,
        }
    };
    ($key:expr, $args:expr, $wrap:expr) => {
        match parsed($key, $args) {
            Ok(p) => p,
            Err(ro) => return $wrap(ro),
        }
    };
}

fn read_only(name: &str, c: &ExecCommand, ctx: &EvalContext, cfg: &BashSecurityConfig) -> Ro {
    let args = c.args();
    if tables::is(name, Classes::STATE_ONLY) {
        return match name {
            "export" | "readonly" | "local" | "declare" | "typeset" => !opt(args, "-n"),
            "wait" => !opt(args, "-p"),
            "set" => args
                .iter()
                .all(|a| a.text().starts_with('-') || a.text().starts_with('+')),
            _ => true,
        }
        .into();
    }
    if cfg.read_only_extra.iter().any(|n| n == name) {
        return Ro::Yes;
    }
    if let Some(ro) = read_only_gap(name, c, ctx) {
        return ro;
    }
    if !tables::is(name, Classes::READ_ONLY) {
        return Ro::No;
    }
    match name {
        "test" | "[" => return (!args.iter().any(|a| a.is("-v") || a.is("-R"))).into(),
        "git" => return git_read_only(c, ctx),
        "systemctl" => {
            return args
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
                })
                .into()
        }
        // Without --no-pager journalctl may start a pager, whose `!` runs shell commands.
        // Its long options take GNU prefixes, so `--vac`, `--rot` count too.
        "journalctl" => {
            return (args.iter().any(|a| a.is("--no-pager"))
                && !args.iter().any(|a| {
                    grammar::long_prefix_of(
                        a.text(),
                        &[
                            "vacuum-size",
                            "vacuum-time",
                            "vacuum-files",
                            "rotate",
                            "flush",
                            "setup-keys",
                            "sync",
                            "relinquish-var",
                            "smart-relinquish-var",
                            "update-catalog",
                        ],
                    )
                }))
            .into()
        }
        "docker" | "podman" => return docker_read_only(args),
        "kubectl" => {
            let sub: Vec<&str> = args
                .iter()
                .filter(|a| !a.text().starts_with('-'))
                .map(Arg::text)
                .collect();
            // `kubectl get secret(s)` prints the secrets' data (`-o yaml`, jsonpath) or
            // lists them for that step (T1552.007): check 23's ask.
            if sub.first() == Some(&"get")
                && sub
                    .iter()
                    .skip(1)
                    .any(|r| r.split(',').any(|k| k.starts_with("secret")))
            {
                return Ro::Ask(Reason::ask(
                    "exec.ask.check.secret_access",
                    format!(
                        "`{}` reads Kubernetes Secrets, which hold credentials.",
                        c.excerpt(100)
                    ),
                ));
            }
            // A kubeconfig of the command's choosing can run any program (its `exec`
            // credential plugin, GTFOBins); `--as` acts as someone else; `get --raw` reads
            // any API path (Secrets too); the log and cache options write files.
            let risky = args.iter().any(|a| {
                let t = a.text();
                let name = t.split_once('=').map_or(t, |(n, _)| n);
                matches!(
                    name,
                    "--kubeconfig"
                        | "--as"
                        | "--as-group"
                        | "--as-uid"
                        | "--raw"
                        | "--log-file"
                        | "--log-dir"
                        | "--cache-dir"
                )
            });
            if risky {
                return Ro::No;
            }
            return match sub.first() {
                Some(&("get" | "describe" | "logs" | "version" | "explain" | "api-resources")) => {
                    true
                }
                Some(&"config") => sub.get(1) == Some(&"view") && !opt(args, "--raw"),
                _ => false,
            }
            .into();
        }
        "crontab" => return (args.len() == 1 && args.first().is_some_and(|a| a.is("-l"))).into(),
        "ps" if ps_shows_environment(args) => {
            return Ro::Ask(Reason::ask(
                "exec.ask.check.secret_access",
                format!(
                    "`{}` prints the environment of processes (BSD `e`), which holds secrets, like `env`.",
                    c.excerpt(100)
                ),
            ))
        }
        _ => {}
    }
    let Some(g) = grammar::grammar(name) else {
        // Commands without options that matter (`echo`, `ps`, …): spec §6.5.
        return Ro::Yes;
    };
    let p = match grammar::parse(g, args) {
        Ok(p) => p,
        Err(e) => return Ro::UnknownOption(e.to_string()),
    };
    if !p.read_only() {
        return Ro::No;
    }
    match name {
        "date" => p
            .operands
            .iter()
            .all(|(a, _)| a.text().starts_with('+'))
            .into(),
        _ => match super::programs::analyse(name, args) {
            None => Ro::Yes,
            Some(info) if !info.read_only() => Ro::No,
            Some(info) if info.reads_env => Ro::Ask(Reason::ask(
                "exec.ask.check.secret_access",
                format!(
                    "`{}` reads the environment (jq `$ENV`/`env`, awk `ENVIRON`), which holds secrets.",
                    c.excerpt(100)
                ),
            )),
            Some(_) => Ro::Yes,
        },
    }
}

/// Read-only forms of commands outside the §6.5 table (issue 16 item 7); `None` when
/// `name` is none of them.
fn read_only_gap(name: &str, c: &ExecCommand, ctx: &EvalContext) -> Option<Ro> {
    let (args, piped_stdout) = (c.args(), c.piped_stdout);
    if let Some(ro) = super::system_queries::read_only(name, args, piped_stdout) {
        return Some(ro.into());
    }
    let first = args.first().map(Arg::text);
    let rest = args.get(1..).unwrap_or(&[]);
    Some(match name {
        "command" => {
            let p = parse_or!("command", args, Some);
            (p.has("v") || p.has("V")).into()
        }
        "man" => {
            // man's pager (less) runs shell commands on `!`: only forms that start none.
            let p = parse_or!("man", args, Some);
            let no_pager = piped_stdout
                || [
                    "f", "k", "w", "W", "whatis", "apropos", "where", "path", "location",
                ]
                .iter()
                .any(|o| p.has(o));
            no_pager.into()
        }
        // `@FILE` reads more options from FILE (binutils response files), which can name
        // `--plugin`: not read-only.
        "readelf" | "objdump" | "nm" | "size" => {
            parse_or!(name, args, Some);
            (!args.iter().any(|a| a.text().starts_with('@'))).into()
        }
        // `jobs -x CMD` runs CMD: only the listing flags and job specs.
        "jobs" => {
            let p = parse_or!("jobs", args, Some);
            p.operands
                .iter()
                .all(|(o, _)| {
                    o.text().starts_with('%') || o.text().bytes().all(|b| b.is_ascii_digit())
                })
                .into()
        }
        // Listings and lookups only; `dpkg -l` pages its list (less runs commands on `!`)
        // unless its output goes to a pipe or `--no-pager` is given.
        "dpkg" | "dpkg-query" => {
            const QUERIES: &[&str] = &[
                "-l",
                "--list",
                "-L",
                "--listfiles",
                "-s",
                "--status",
                "-S",
                "--search",
                "-p",
                "--print-avail",
                "-W",
                "--show",
                "--get-selections",
                "--print-architecture",
                "--print-foreign-architectures",
            ];
            // Other actions (`-i`, `--purge`, …) are not queries: the ordinary unlisted ask.
            if !first.is_some_and(|f| QUERIES.contains(&f) || f.starts_with("-l")) {
                return None;
            }
            let p = parse_or!("dpkg query", args, Some);
            let lists = p.has("l") || p.has("list");
            (!lists || piped_stdout || p.has("no-pager")).into()
        }
        "apt" | "apt-cache" => {
            let subs: &[&str] = if name == "apt" {
                &["list", "show", "search", "policy", "depends", "rdepends"]
            } else {
                &[
                    "show", "showpkg", "showsrc", "stats", "search", "depends", "rdepends",
                    "pkgnames", "policy", "madison", "unmet",
                ]
            };
            match first {
                Some(sub) if subs.contains(&sub) => {
                    parse_or!("apt query", rest, Some);
                    Ro::Yes
                }
                _ => return None,
            }
        }
        "numfmt" | "ss" | "netstat" | "lsof" => {
            parse_or!(name, args, Some);
            Ro::Yes
        }
        "tar" => {
            let p = parse_or!("tar", args, Some);
            let file = p
                .options
                .iter()
                .find(|o| o.name == "f" || o.name == "file")
                .and_then(|o| o.value.text());
            // Listing only, of a named local archive (`host:file` is a remote archive).
            ((p.has("t") || p.has("list")) && file.is_some_and(|f| !f.contains(':'))).into()
        }
        "unzip" => {
            let p = parse_or!("unzip", args, Some);
            ((p.has("l") || p.has("v") || p.has("Z") || p.has("t")) && !p.operands.is_empty())
                .into()
        }
        "pip" | "pip3" => match first {
            Some(sub @ ("list" | "show" | "freeze")) => {
                parse_or!(&format!("pip {sub}"), rest, Some);
                Ro::Yes
            }
            _ => return None,
        },
        "conda" => match first {
            Some("list") => {
                parse_or!("conda list", rest, Some);
                Ro::Yes
            }
            _ => return None,
        },
        "npm" => match first {
            Some("ls" | "list") => {
                parse_or!("npm ls", rest, Some);
                Ro::Yes
            }
            _ => return None,
        },
        "docker-compose" => compose_read_only(args),
        "openssl" => match first {
            Some("x509") => {
                let p = parse_or!("openssl x509", rest, Some);
                (p.has("noout") && p.operands.is_empty()).into()
            }
            _ => return None,
        },
        // `python -m` imports from the working directory first: read-only only where the
        // Host found no module there that would replace the standard one (python_shadow).
        n if tables::interpreter_family(n) == Some("python") => match args {
            [m, module, tail @ ..]
                if m.is("-m")
                    && module.is("json.tool")
                    && python_shadow::module_run_safe(c, ctx) =>
            {
                parse_or!("python -m json.tool", tail, Some);
                Ro::Yes
            }
            [m, module, sub, tail @ ..]
                if m.is("-m")
                    && module.is("pip")
                    && matches!(sub.text(), "list" | "show" | "freeze")
                    && python_shadow::module_run_safe(c, ctx) =>
            {
                parse_or!(&format!("pip {}", sub.text()), tail, Some);
                Ro::Yes
            }
            _ => return None,
        },
        _ => return None,
    })
}

/// `docker compose SUB …` / `docker-compose SUB …` listing forms.
fn compose_read_only(args: &[Arg]) -> Ro {
    let p = parse_or!("docker compose", args);
    let Some((sub, _)) = p.operands.first() else {
        return Ro::No;
    };
    let Some(at) = args.iter().position(|a| std::ptr::eq(a, *sub)) else {
        return Ro::No;
    };
    let key = match sub.text() {
        "ps" => "docker compose ps",
        "logs" => "docker compose logs",
        _ => return Ro::No,
    };
    parse_or!(key, args.get(at + 1..).unwrap_or(&[]));
    Ro::Yes
}

/// Tools whose `-V`/`-v`/`version`/`-version` only prints a version (a sole argument).
const VERSION_FORMS: &[(&str, &[&str])] = &[
    ("python", &["-V", "-VV"]),
    ("node", &["-v"]),
    ("npm", &["-v"]),
    ("pnpm", &["-v"]),
    ("yarn", &["-v"]),
    ("bun", &["-v"]),
    ("deno", &["-V"]),
    ("pip", &["-V"]),
    ("pip3", &["-V"]),
    ("cargo", &["-V", "version"]),
    ("rustc", &["-V"]),
    ("rustup", &["-V"]),
    ("go", &["version"]),
    ("perl", &["-v"]),
    ("php", &["-v"]),
    ("java", &["-version"]),
    ("javac", &["-version"]),
    ("ssh", &["-V"]),
    ("make", &["-v"]),
    ("gcc", &["-v"]),
    ("clang", &["-v"]),
    ("docker", &["-v"]),
    ("helm", &["version"]),
    ("uv", &["-V"]),
    ("poetry", &["-V"]),
    ("grep", &["-V"]),
    ("tmux", &["-V"]),
    ("sqlite3", &["-version"]),
];

/// Whether `args` is only a version or help query of `name` (issue 16 item 7).
fn version_query(name: &str, args: &[Arg]) -> bool {
    let [a] = args else {
        return false;
    };
    if a.is("--version") || a.is("--help") {
        return true;
    }
    let family = tables::interpreter_family(name).unwrap_or(name);
    VERSION_FORMS
        .iter()
        .find(|(n, _)| *n == name || *n == family)
        .is_some_and(|(_, forms)| forms.iter().any(|f| a.is(f)))
}

fn opt(args: &[Arg], f: &str) -> bool {
    args.iter().any(|a| {
        let t = a.text();
        t == f
            || (f.starts_with("--")
                && t.starts_with(f)
                && matches!(t.as_bytes().get(f.len()), Some(&b'=')))
            || (f.len() == 2
                && !f.starts_with("--")
                && t.starts_with('-')
                && !t.starts_with("--")
                && t.len() > 1
                && t.contains(f.get(1..).unwrap_or("\0")))
    })
}

/// Whether the directory `v` names, from every directory `c` may run in, lies inside the
/// workspace (an unknown workspace or cwd: no).
pub(crate) fn dir_in_workspace(c: &ExecCommand, v: &str, ctx: &EvalContext) -> bool {
    let ws = ctx.workspace.as_str();
    if ws.is_empty() || v.is_empty() {
        return false;
    }
    let dirs = if v.starts_with('/') || v == "~" || v.starts_with("~/") {
        vec![super::paths::resolve(v, ctx)]
    } else {
        match c.cwd.dirs(ctx) {
            Some(ds) => ds
                .iter()
                .map(|d| super::paths::normalize(&format!("{d}/{v}")))
                .collect(),
            None => return false,
        }
    };
    dirs.iter().all(|d| super::paths::is_within(d, ws, ctx.os))
}

/// Git's read-only forms (§6.5, issue 16 item 7): global options parsed by the grammar
/// (`-C`, `--git-dir`, `--work-tree`, `--no-pager`, `-c` with keys that cannot run code),
/// then a read-only subcommand.
fn git_read_only(c: &ExecCommand, ctx: &EvalContext) -> Ro {
    // After `cd DIR` git reads DIR's repository: fine when DIR is inside the workspace
    // (issue 16 item 7), not when it is unknown or elsewhere.
    if c.after_cd && !c.cwd_in_workspace {
        return Ro::No;
    }
    let args = c.args();
    let Some(g) = grammar::grammar("git") else {
        return Ro::No;
    };
    let p = match grammar::parse(g, args) {
        Ok(p) => p,
        Err(e) => return Ro::UnknownOption(e.to_string()),
    };
    for o in &p.options {
        let ok = match o.name {
            // `--exec-path` alone prints the path; with a value it picks the programs run.
            "exec-path" => o.value == grammar::Value::None,
            // `git -C DIR status` reads DIR's repository like `cd DIR && git status`: its
            // config can run programs (`core.fsmonitor`), so DIR must lie inside the
            // workspace, as after a `cd` (P4-T51).
            "C" | "git-dir" | "work-tree" => {
                o.value.text().is_some_and(|v| dir_in_workspace(c, v, ctx))
            }
            "c" => o.value.text().is_some_and(|kv| {
                let (k, v) = kv.split_once('=').map_or((kv, None), |(k, v)| (k, Some(v)));
                !super::checks::persistence::git_key_runs_code(k, v)
            }),
            _ => o.effect.read_only(),
        };
        if !ok {
            return Ro::No;
        }
    }
    let Some((sub_arg, _)) = p.operands.first() else {
        return (p.has("version") || p.has("v") || p.has("help") || p.has("h")).into();
    };
    let Some(at) = args.iter().position(|a| std::ptr::eq(a, *sub_arg)) else {
        return Ro::No;
    };
    let sub = sub_arg.text();
    let rest = args.get(at + 1..).unwrap_or(&[]);
    // Git's option parser takes unambiguous prefixes: `--out` is `--output`. Besides writes
    // and pagers, some read-only subcommands run programs the repository's config names:
    // signature checks (`gpg.program`), textconv and clean/smudge filter drivers. A word that
    // is not a literal could be any of these.
    if rest.iter().any(|a| {
        let t = a.text();
        a.value.is_none()
            || grammar::long_prefix_of(
                t,
                &[
                    "output",
                    "ext-diff",
                    "open-files-in-pager",
                    "show-signature",
                    "textconv",
                    "filters",
                    "verify-signatures",
                ],
            )
            || t.starts_with("-O")
            || ((t.starts_with("--format") || t.starts_with("--pretty")) && t.contains("%G"))
    }) {
        return Ro::No;
    }
    let flags_only = |allowed: &[&str]| {
        // With `-l`/`--list` every other word is a pattern to list or an option's value
        // (`git tag -l 'v*'`, `git branch --list 'feat*'`); options must still be listed.
        let listing = rest.iter().any(|a| a.is("-l") || a.is("--list"));
        rest.iter().all(|a| {
            (listing && a.value.is_some() && !a.text().starts_with('-'))
                || allowed
                    .iter()
                    .any(|f| a.text() == *f || a.text().starts_with(&format!("{f}=")))
        })
    };
    match sub {
        s if crate::shell::tables::has(GIT_READ_ONLY, s) => true,
        "clean" => {
            let p = parse_or!("git clean", rest);
            p.has("n") || p.has("dry-run")
        }
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
        // `git remote show NAME` contacts the remote unless `-n` is given.
        "remote" => {
            rest.is_empty()
                || rest.first().is_some_and(|a| a.is("-v") || a.is("get-url"))
                || (rest.first().is_some_and(|a| a.is("show")) && rest.iter().any(|a| a.is("-n")))
        }
        // `git config user.email`: one name and no value reads it (a value would set it).
        "config" => {
            rest.iter().any(|a| {
                matches!(
                    a.text(),
                    "--get" | "--get-all" | "--get-regexp" | "--list" | "-l"
                )
            }) || {
                let (opts, names): (Vec<&Arg>, Vec<&Arg>) =
                    rest.iter().partition(|a| a.text().starts_with('-'));
                opts.iter().all(|a| {
                    matches!(
                        a.text(),
                        "--global" | "--local" | "--system" | "--worktree" | "--show-origin"
                            | "--show-scope" | "--includes" | "--no-includes"
                    )
                }) && matches!(names.as_slice(), [n] if n.value.as_deref().is_some_and(|v| v.contains('.') && !v.is_empty()))
            }
        }
        "stash" => rest.first().is_some_and(|a| a.is("list") || a.is("show")),
        "worktree" => rest.first().is_some_and(|a| a.is("list")),
        "submodule" => rest.first().is_some_and(|a| a.is("status")),
        "reflog" => rest
            .first()
            .is_none_or(|a| a.is("show") || a.text().starts_with('-')),
        _ => false,
    }
    .into()
}

fn docker_read_only(args: &[Arg]) -> Ro {
    if args.first().is_some_and(|a| a.is("compose")) {
        return compose_read_only(args.get(1..).unwrap_or(&[]));
    }
    let mut words = args
        .iter()
        .filter(|a| !a.text().starts_with('-'))
        .map(Arg::text);
    let sub = words.next();
    // The management forms (`docker container ls`, `docker image history`) read what the
    // legacy ones do; an option value before the subcommand (`--context x`) leaves the
    // command unknown.
    let sub = match (sub, words.next()) {
        (Some("container"), Some("ls" | "list" | "ps")) => Some("ps"),
        (Some("container"), Some(s @ ("top" | "port" | "logs" | "diff"))) => Some(s),
        (Some("container" | "image"), Some("inspect")) => Some("inspect"),
        (Some("image"), Some("ls" | "list")) => Some("images"),
        (Some("image"), Some("history")) => Some("history"),
        (Some("network" | "volume"), Some("ls" | "list" | "inspect"))
        | (Some("context"), Some("ls" | "list" | "show" | "inspect"))
        | (Some("system"), Some("df" | "info")) => Some("info"),
        (Some("container" | "image" | "network" | "volume" | "context" | "system"), _) => None,
        (s, _) => s,
    };
    match sub {
        // The whole `inspect` document holds the container's environment (`Config.Env`:
        // database passwords, API keys; an image's `Config.Env` too); a `--format` that picks
        // other fields does not.
        Some("inspect") if !inspect_format_avoids_env(args) => {
            return Ro::Ask(Reason::ask(
                "exec.ask.check.secret_access",
                "`docker inspect` prints the container's environment (`Config.Env`), which often holds credentials; pick fields with `--format` instead.".to_string(),
            ))
        }
        Some(
            "ps" | "images" | "inspect" | "logs" | "version" | "info" | "top" | "port" | "history"
            | "diff",
        ) => true,
        Some("stats") => args.iter().any(|a| a.is("--no-stream")),
        _ => false,
    }
    .into()
}

/// Whether `docker inspect` has a `--format`/`-f` template that names fields other than the
/// environment: not `Env`, not the whole `Config`, not `json .` (the whole document).
fn inspect_format_avoids_env(args: &[Arg]) -> bool {
    let mut it = args.iter();
    let mut format: Option<&str> = None;
    while let Some(a) = it.next() {
        let t = a.text();
        if t == "--format" || t == "-f" {
            format = it.next().and_then(|v| v.value.as_deref());
        } else if let Some(v) = t.strip_prefix("--format=") {
            format = a.value.as_deref().map(|_| v);
        }
    }
    format.is_some_and(|f| {
        let compact: String = f.chars().filter(|c| !c.is_whitespace()).collect();
        !compact.contains("Env")
            && !compact.contains(".Config}}")
            && !compact.contains("json.}}")
            && compact != "{{.}}"
            && !compact.contains("{{.}}")
    })
}

/// Whether a `ps` argv asks for the processes' environment: the BSD `e` letter in an option
/// cluster written without a dash (`ps e`, `ps auxe`, `ps eww`). Values of the options that
/// take one (`-u deploy`, `o user`, `p123`) are skipped, so their letters do not count.
fn ps_shows_environment(args: &[Arg]) -> bool {
    // GNU long options whose value is the next word when not attached with `=`.
    const VALUED_LONG: &[&str] = &[
        "pid",
        "ppid",
        "user",
        "User",
        "group",
        "Group",
        "format",
        "sort",
        "sid",
        "tty",
        "quick-pid",
        "cols",
        "columns",
        "rows",
        "width",
        "lines",
    ];
    let mut skip = false;
    for a in args {
        let t = a.text();
        if std::mem::take(&mut skip) {
            continue;
        }
        if let Some(l) = t.strip_prefix("--") {
            skip = VALUED_LONG.contains(&l);
            continue;
        }
        if let Some(cluster) = t.strip_prefix('-') {
            // `-eo FORMAT`, `-p PID`: a UNIX cluster ending in a valued letter.
            skip = cluster.ends_with(['p', 'u', 'U', 'g', 'G', 'C', 'o', 'O', 't', 's', 'q', 'k']);
            continue;
        }
        // A BSD cluster: letters up to one that takes a value (attached, or the next word).
        for (i, ch) in t.char_indices() {
            match ch {
                'e' => return true,
                'p' | 'U' | 't' | 'o' | 'O' | 'k' | 'q' => {
                    skip = i + ch.len_utf8() == t.len();
                    break;
                }
                _ => {}
            }
        }
    }
    false
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

fn destructive_warning(c: &ExecCommand, ctx: &EvalContext) -> Option<Reason> {
    let name = c.base_name()?;
    let args = c.args();
    let has = |s: &str| args.iter().any(|a| a.is(s));
    let hit = match name {
        // Recursive removal always warns; `-f` only outside the workspace (§6.7 "rm -f
        // elsewhere"): inside it, `rm -f` of named files is a workspace write (issue 16 item 5).
        "rm" => {
            let short = |a: &Arg, set: &[char]| {
                let t = a.text();
                t.starts_with('-') && !t.starts_with("--") && t.contains(set)
            };
            let recursive = args
                .iter()
                .any(|a| short(a, &['r', 'R']) || a.is("--recursive"));
            let force = args.iter().any(|a| short(a, &['f']) || a.is("--force"));
            // An absolute operand counts when it names a path inside the workspace
            // (`rm -f /home/u/ws/specs/conftest.py`, as `rm` of it without `-f` is a
            // workspace write).
            let ws = crate::shell::paths::normalize(&ctx.workspace);
            let local = c.cwd_in_workspace
                && args.iter().all(|a| {
                    let t = a.text();
                    let inside_abs = || {
                        !ws.is_empty()
                            && t.starts_with('/')
                            && crate::shell::paths::is_within(
                                &crate::shell::paths::normalize(t),
                                &ws,
                                ctx.os,
                            )
                            && crate::shell::paths::normalize(t) != ws
                    };
                    a.value.is_some()
                        && (!t.starts_with('/') || inside_abs())
                        && !t.starts_with('~')
                        && !t.contains("..")
                });
            recursive || (force && !local)
        }
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
                // Option words (`column --table-truncate`) are no SQL.
                let sql = args
                    .iter()
                    .filter(|a| !a.text().starts_with('-'))
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
        && executed
            .iter()
            .all(|c| c.base_name().is_some_and(|n| version_query(n, c.args())))
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
