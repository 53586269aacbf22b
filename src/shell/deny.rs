//! High-confidence deny rules (P4 §6.2), evaluated on every executed command: nested,
//! wrapped, substituted or carried.

use super::paths::{resolve, same_path};
use super::semantic::{reads_program_from_stdin, Arg, Context, ExecCommand, Model};
use super::tables::{self, Classes, BLOCK_DEVICE_PREFIXES, PROTECTED_DIRS, SYSTEM_DIRS};
use super::verdict::Reason;
use super::EvalContext;

/// Evaluates every deny rule on the model.
pub fn rules(model: &Model, ctx: &EvalContext, out: &mut Vec<Reason>) {
    for c in &model.commands {
        one(c, ctx, out);
        // Every combination of the possible values of tracked variables (P4-R25).
        for v in &c.variants {
            let mut alt = c.clone();
            alt.argv = v.clone();
            one(&alt, ctx, out);
        }
    }
    fork_bomb(model, out);
}

fn one(c: &ExecCommand, ctx: &EvalContext, out: &mut Vec<Reason>) {
    // The base name once for every rule (P4-R49: each rule computed it before).
    let name = c.base_name();
    rm_root(c, name, ctx, out);
    find_delete_root(c, name, ctx, out);
    rsync_delete_root(c, name, ctx, out);
    disk(c, name, out);
    perms_root(c, name, ctx, out);
    power(c, name, out);
    hidden(c, name, out);
    pipe_to_shell(c, out);
    reverse_shell(c, name, out);
}

/// Short options of `rm` bundled in one word, e.g. `-rf`, `-Rfv`.
fn short_flags(a: &Arg) -> Option<&str> {
    let t = a.value.as_deref()?;
    (t.starts_with('-') && !t.starts_with("--") && t.len() > 1).then(|| t.get(1..).unwrap_or(""))
}

fn rm_root(c: &ExecCommand, name: Option<&str>, ctx: &EvalContext, out: &mut Vec<Reason>) {
    if name != Some("rm") {
        return;
    }
    let mut recursive = false;
    let mut no_preserve = false;
    let mut operands: Vec<&Arg> = Vec::new();
    let mut options_done = false;
    for a in c.args() {
        let t = a.text();
        if !options_done && a.value.is_some() {
            if t == "--" {
                options_done = true;
                continue;
            }
            if let Some(long) = t.strip_prefix("--") {
                if "recursive".starts_with(long) && !long.is_empty() {
                    recursive = true;
                }
                if long.len() >= 4 && "no-preserve-root".starts_with(long) {
                    no_preserve = true;
                }
                continue;
            }
            if let Some(f) = short_flags(a) {
                if f.contains(['r', 'R']) {
                    recursive = true;
                }
                continue;
            }
        }
        operands.push(a);
    }
    if no_preserve {
        out.push(Reason::deny(
            "exec.deny.destructive.rm_root",
            format!(
                "`{}` removes files with --no-preserve-root; it was not run.",
                c.excerpt(120)
            ),
        ));
        return;
    }
    if !recursive {
        return;
    }
    let home = resolve("~", ctx);
    // The workspace root holds the whole project, uncommitted work included: emptying it or
    // deleting it is the same loss as a home directory's (DCG, Zed and gptme deny `rm -rf *`).
    let workspace = (!ctx.workspace.is_empty()).then(|| super::paths::normalize(&ctx.workspace));
    for op in operands {
        let Some(v) = op.value.as_deref() else {
            continue;
        };
        let (base, all_entries) = match v.strip_suffix("/*") {
            Some(b) if op.glob => (if b.is_empty() { "/" } else { b }, true),
            // `rm -rf *` removes every entry of the directory it runs in.
            _ if op.glob && v == "*" => (".", true),
            _ => (v, false),
        };
        // A relative operand names a path in each directory the command may run in: after
        // `cd ~`, `rm -rf *` empties the home directory. (`rm` refuses `.` itself.)
        let relative = !(base.starts_with('/') || base == "~" || base.starts_with("~/"));
        let candidates: Vec<String> = if relative {
            c.cwd
                .dirs(ctx)
                .unwrap_or_default()
                .iter()
                .map(|d| super::paths::normalize(&format!("{d}/{base}")))
                .collect()
        } else {
            vec![resolve(base, ctx)]
        };
        let root_of_work = |p: &str| {
            workspace
                .as_deref()
                .is_some_and(|w| same_path(p, w, ctx.os))
        };
        let hit = candidates.into_iter().find(|p| {
            (all_entries || !matches!(base, "." | "./"))
                && (PROTECTED_DIRS.iter().any(|d| same_path(p, d, ctx.os))
                    || same_path(p, &home, ctx.os)
                    || root_of_work(p))
        });
        if let Some(p) = hit {
            let what = if all_entries { "every entry of" } else { "" };
            let kind = if root_of_work(&p) {
                "the workspace root: the whole project"
            } else {
                "a system or home directory"
            };
            out.push(Reason::deny(
                "exec.deny.destructive.rm_root",
                format!("`{}` recursively deletes {what} `{p}` ({kind}); it was not run. Delete only the specific paths you mean.", c.excerpt(120)).replace("deletes  `", "deletes `"),
            ));
            return;
        }
    }
}

/// `find ~ -delete`, `find / -depth -delete`: with no test that narrows what it finds, `find
/// -delete` removes everything under its start points, as `rm -rf` does, so a system or home
/// directory among them is the same deny. A test (`-name '*.pyc'`, `-type f -mtime +30`, …)
/// makes it a selective cleanup, which stays with the other checks; `-type f` does not (every
/// file under a home is everything in it that matters).
fn find_delete_root(c: &ExecCommand, name: Option<&str>, ctx: &EvalContext, out: &mut Vec<Reason>) {
    if name != Some("find") {
        return;
    }
    let (starts, expr) = super::wrappers::find_start_points(c.args());
    let mut deletes = false;
    let mut k = 0;
    while let Some(a) = expr.get(k) {
        match a.text() {
            "-delete" => deletes = true,
            // `-exec rm -f {} +` deletes what it is given as `-delete` does (P4 issue 16:
            // `find ~ -type f -exec rm {} \;` was only an unlisted ask).
            "-exec" | "-execdir" => {
                let carried = expr.get(k + 1..).unwrap_or_default();
                let end = carried
                    .iter()
                    .position(|a| matches!(a.text(), ";" | "+"))
                    .unwrap_or(carried.len());
                let argv = carried.get(..end).unwrap_or_default();
                let remover = argv.first().is_some_and(|a| {
                    matches!(
                        crate::shell::paths::basename(a.text()),
                        "rm" | "unlink" | "shred"
                    )
                });
                let plain = argv
                    .get(1..)
                    .unwrap_or_default()
                    .iter()
                    .all(|a| a.text() == "{}" || a.text().starts_with('-'));
                if !(remover && plain) {
                    return;
                }
                deletes = true;
                k += end + 1;
            }
            // Every file of a kind is still everything that matters under a home.
            "-type" | "-xtype" => k += 1,
            "-depth"
            | "-xdev"
            | "-mount"
            | "-print"
            | "-print0"
            | "-noleaf"
            | "-ignore_readdir_race"
            | "-daystart" => {}
            "-maxdepth" | "-mindepth" => k += 1,
            // Any test, action or operator: not the plain "everything" form.
            _ => return,
        }
        k += 1;
    }
    if !deletes {
        return;
    }
    let home = resolve("~", ctx);
    // `find` with no start point searches `.`.
    let dot = [".".to_string()];
    let values: Vec<&str> = if starts.is_empty() {
        dot.iter().map(String::as_str).collect()
    } else {
        starts.iter().filter_map(|a| a.value.as_deref()).collect()
    };
    for v in values {
        let p = resolve(v, ctx);
        if PROTECTED_DIRS.iter().any(|d| same_path(&p, d, ctx.os)) || same_path(&p, &home, ctx.os) {
            out.push(Reason::deny(
                "exec.deny.destructive.rm_root",
                format!("`{}` deletes everything under `{p}` (a system or home directory); it was not run. Delete only the specific paths you mean.", c.excerpt(120)),
            ));
            return;
        }
    }
}

/// `rsync -a --delete empty/ ~/`: `--delete` removes from the destination everything the
/// source lacks, so an empty (or any) source syncs a home or system directory away, the
/// `rm -rf` of that directory (deny). A local destination only; `host:path` is remote.
fn rsync_delete_root(
    c: &ExecCommand,
    name: Option<&str>,
    ctx: &EvalContext,
    out: &mut Vec<Reason>,
) {
    if name != Some("rsync") {
        return;
    }
    let args = c.args();
    if !args
        .iter()
        .any(|a| a.text().starts_with("--delete") || a.text() == "--del")
    {
        return;
    }
    let Some(dest) = args
        .iter()
        .rev()
        .find(|a| !a.text().starts_with('-'))
        .and_then(|a| a.value.as_deref())
    else {
        return;
    };
    if dest.contains(':') {
        return;
    }
    let p = resolve(dest, ctx);
    let home = resolve("~", ctx);
    if PROTECTED_DIRS.iter().any(|d| same_path(&p, d, ctx.os)) || same_path(&p, &home, ctx.os) {
        out.push(Reason::deny(
            "exec.deny.destructive.rm_root",
            format!("`{}` deletes from `{p}` (a system or home directory) everything its source lacks; it was not run. Sync into a project directory instead.", c.excerpt(120)),
        ));
    }
}

fn disk(c: &ExecCommand, name: Option<&str>, out: &mut Vec<Reason>) {
    let Some(name) = name else { return };
    let is_dev = |s: &str| BLOCK_DEVICE_PREFIXES.iter().any(|p| s.starts_with(p));
    let msg = || {
        format!(
            "`{}` writes to or formats a disk device; it was not run.",
            c.excerpt(120)
        )
    };
    let hit = match name {
        n if n.starts_with("mkfs") || n == "mke2fs" => mkfs_device(c, n),
        "wipefs" | "blkdiscard" => true,
        "mkswap" => c.args().iter().any(|a| a.text().starts_with("/dev/")),
        "sgdisk" => c
            .args()
            .iter()
            .any(|a| a.is("-Z") || a.text().starts_with("--zap")),
        "dd" => c
            .args()
            .iter()
            .any(|a| a.text().strip_prefix("of=").is_some_and(is_dev)),
        "shred" => c.args().iter().any(|a| a.text().starts_with("/dev/")),
        // `parted /dev/sda rm 1`, `parted -s /dev/sdb mklabel gpt`: the partition table of
        // a disk is rewritten (`print` and `unit` only read it).
        "parted" => {
            c.args().iter().any(|a| is_dev(a.text()))
                && c.args().iter().any(|a| {
                    matches!(
                        a.text(),
                        "rm" | "mklabel" | "mktable" | "mkpart" | "resizepart" | "mkpartfs"
                    )
                })
        }
        _ => false,
    };
    let redirected = c
        .redirs
        .iter()
        .any(|r| r.op.writes() && r.target.as_deref().is_some_and(is_dev));
    if hit || redirected {
        out.push(Reason::deny("exec.deny.destructive.disk", msg()));
    }
}

/// `mkfs*`/`mke2fs` formats a block device (issue 16 item 8): an operand under `/dev/` or one
/// that is not known (fail closed). Image files, `--help`, `-V` and the ext `-n` dry run are
/// not this rule's business.
fn mkfs_device(c: &ExecCommand, name: &str) -> bool {
    let args = c.args();
    // `-n` is a dry run only for the ext family; elsewhere (`mkfs.fat -n NAME`) it names the
    // volume.
    let ext = name == "mke2fs" || name.starts_with("mkfs.ext");
    let harmless = args
        .iter()
        .any(|a| matches!(a.text(), "--help" | "-h" | "-V" | "--version") || (ext && a.is("-n")));
    if harmless {
        return false;
    }
    args.iter().any(|a| match a.value.as_deref() {
        None => true,
        Some(v) => v.starts_with("/dev/"),
    })
}

fn perms_root(c: &ExecCommand, name: Option<&str>, ctx: &EvalContext, out: &mut Vec<Reason>) {
    let Some(name) = name else { return };
    if !matches!(name, "chmod" | "chown" | "chgrp") {
        return;
    }
    let recursive = c
        .args()
        .iter()
        .any(|a| a.is("--recursive") || short_flags(a).is_some_and(|f| f.contains('R')));
    if !recursive {
        return;
    }
    for a in c.args().iter().filter(|a| !a.text().starts_with('-')) {
        if let Some(v) = &a.value {
            let p = resolve(v, ctx);
            if SYSTEM_DIRS.iter().any(|d| same_path(&p, d, ctx.os)) {
                out.push(Reason::deny("exec.deny.destructive.perms_root", format!("`{}` recursively changes ownership or permissions of `{p}`; it was not run.", c.excerpt(120))));
                return;
            }
        }
    }
}

fn power(c: &ExecCommand, name: Option<&str>, out: &mut Vec<Reason>) {
    let Some(name) = name else { return };
    let args = c.args();
    let hit = match name {
        "shutdown" | "reboot" | "halt" | "poweroff" | "killall5" => {
            !args.iter().any(|a| a.is("--help") || a.is("--version"))
        }
        "init" | "telinit" => args.iter().any(|a| a.is("0") || a.is("6")),
        "systemctl" => args
            .iter()
            .any(|a| matches!(a.text(), "poweroff" | "reboot" | "halt" | "kexec")),
        "kill" => {
            args.iter().any(|a| a.is("-1"))
                && args
                    .iter()
                    .any(|a| matches!(a.text(), "-9" | "-KILL" | "-SIGKILL" | "-s"))
        }
        _ => false,
    };
    if hit {
        out.push(Reason::deny(
            "exec.deny.destructive.power",
            format!(
                "`{}` shuts down, reboots or kills every process; it was not run.",
                c.excerpt(120)
            ),
        ));
    }
}

fn hidden(c: &ExecCommand, name: Option<&str>, out: &mut Vec<Reason>) {
    if !c.in_substitution {
        return;
    }
    let Some(name) = name else { return };
    let args = c.args();
    let hit = tables::is(name, Classes::DESTRUCTIVE)
        || name.starts_with("mkfs")
        || (name == "find" && args.iter().any(|a| a.is("-delete")))
        || (name == "git" && args.iter().any(|a| a.is("clean")))
        || (name == "git"
            && args.iter().any(|a| a.is("reset"))
            && args.iter().any(|a| a.is("--hard")));
    if hit {
        out.push(Reason::deny("exec.deny.destructive.hidden", format!("`{}` deletes or overwrites data from inside a command substitution, where it is easy to miss; it was not run.", c.excerpt(120))));
    }
}

fn pipe_to_shell(c: &ExecCommand, out: &mut Vec<Reason>) {
    let stage_after_first =
        matches!(c.context, Context::Stage { index, .. } if index > 0) || c.piped_stdin;
    if stage_after_first && reads_program_from_stdin(c) {
        out.push(Reason::deny(
            "exec.deny.remote_exec.pipe_to_shell",
            format!("`{}` runs whatever the previous pipeline stage prints as a program; it was not run. Save the output to a file and inspect it first.", c.excerpt(120)),
        ));
    }
}

fn reverse_shell(c: &ExecCommand, name: Option<&str>, out: &mut Vec<Reason>) {
    let socket = c.redirs.iter().any(|r| {
        r.target
            .as_deref()
            .is_some_and(|t| t.starts_with("/dev/tcp/") || t.starts_with("/dev/udp/"))
    }) || c.args().iter().any(|a| {
        let t = a.text();
        crate::shell::paths::has_substr(t, "/dev/tcp/")
            || crate::shell::paths::has_substr(t, "/dev/udp/")
    });
    let name = name.unwrap_or("");
    let nc_exec = matches!(name, "nc" | "ncat" | "netcat")
        && c.args().iter().any(|a| {
            matches!(
                a.text(),
                "-e" | "-c" | "--exec" | "--sh-exec" | "--lua-exec"
            ) || short_flags(a).is_some_and(|f| f.ends_with('e') || f.ends_with('c'))
        });
    let socat = name == "socat"
        && c.args().iter().any(|a| {
            let t = a.text().to_ascii_lowercase();
            t.starts_with("exec:")
                || t.starts_with("system:")
                || t.contains(",exec:")
                || t.contains("!!exec:")
        });
    if socket || nc_exec || socat {
        out.push(Reason::deny(
            "exec.deny.reverse_shell",
            format!(
                "`{}` connects a shell to a network socket; it was not run.",
                c.excerpt(120)
            ),
        ));
    }
}

fn fork_bomb(model: &Model, out: &mut Vec<Reason>) {
    for f in &model.functions {
        if f.self_calls >= 2
            && model.invoked.iter().filter(|n| **n == f.name).count() > f.self_calls
        {
            out.push(Reason::deny("exec.deny.destructive.fork_bomb", format!("the function `{}` starts two copies of itself and is invoked: a fork bomb; it was not run.", f.name)));
        }
    }
}
