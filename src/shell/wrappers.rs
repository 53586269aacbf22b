//! Wrapper unwrapping (P4-R28): commands that run another command (`env`, `timeout`, `sudo`,
//! `xargs`, `find -exec`, `sh -c`, `eval`, …). Options are parsed the way the real program's
//! getopt does (bundled short options, attached or separate values, `--`, unique-prefix long
//! options); anything we cannot parse fails closed as [`Carried::Unparsed`].

use super::command::{Arg, ExecCommand};
use super::grammar::{self, Grammar};
use super::tables::{self, Classes};

/// What a command carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carried {
    /// Nothing: an ordinary command.
    None,
    /// Another command, with the wrapper's name.
    Command {
        /// The wrapper (`sudo`, `find -exec`, …).
        wrapper: String,
        /// The carried argv.
        argv: Vec<Arg>,
    },
    /// A wrapper whose options could not be parsed (ask `exec.ask.wrapper_unparsed`).
    Unparsed {
        /// The wrapper.
        wrapper: String,
        /// Why.
        reason: String,
    },
    /// A script string (`sh -c`, `eval`, `trap`, `su -c`, `flock -c`, `watch`).
    Script {
        /// Its text when literal.
        text: Option<String>,
        /// What it is, for messages.
        what: String,
    },
    /// Several commands of one wrapper (`find -exec A ; -exec B ;`), each walked like
    /// [`Carried::Command`].
    Commands {
        /// The wrapper.
        wrapper: String,
        /// The carried argvs, in order (an empty one has no command after its option).
        argvs: Vec<Vec<Arg>>,
    },
    /// A shell started with no script: reads stdin (piped, heredoc) or is interactive.
    ShellNoScript,
    /// Shell commands run by a program text (awk `system()`, `print | "cmd"`, sed `e`):
    /// each literal text, or `None` when computed, with what it is for messages.
    Scripts(Vec<(Option<String>, String)>),
}

/// Parses options by the wrapper's grammar (the shared getopt of `grammar`); returns the
/// index (into `args`) of the first operand. Option values must be literal here: a wrapper
/// whose options we cannot read fails closed as [`Carried::Unparsed`].
fn getopt(spec: &Grammar, args: &[Arg]) -> Result<usize, String> {
    let p = grammar::parse(spec, args).map_err(|e| e.to_string())?;
    if let Some(o) = p
        .options
        .iter()
        .find(|o| o.value == grammar::Value::Unknown)
    {
        return Err(format!("the value of {} is not a literal", o.name));
    }
    Ok(match p.operands.first() {
        Some((first, _)) => args
            .iter()
            .position(|a| std::ptr::eq(a, *first))
            .unwrap_or(args.len()),
        None => args.len(),
    })
}

/// A wrapper grammar: POSIX order (the first operand is the command), GNU prefixes,
/// every word literal.
const WRAPPER: Grammar = Grammar {
    names: &[],
    short: "",
    long: "",
    effects: &[],
    roles: &[],
    permute: false,
    abbrev: true,
    cluster: true,
    numeric: false,
    strict: true,
    single_dash_long: false,
};

fn rest(args: &[Arg], from: usize) -> Vec<Arg> {
    args.get(from..).map(<[Arg]>::to_vec).unwrap_or_default()
}

fn carry(wrapper: &str, argv: Vec<Arg>) -> Carried {
    if argv.is_empty() {
        Carried::Unparsed {
            wrapper: wrapper.into(),
            reason: "no command after the options".into(),
        }
    } else {
        Carried::Command {
            wrapper: wrapper.into(),
            argv,
        }
    }
}

fn unparsed(wrapper: &str, reason: String) -> Carried {
    Carried::Unparsed {
        wrapper: wrapper.into(),
        reason,
    }
}

const ENV: Grammar = Grammar {
    short: "i0vu:C:",
    long: "ignore-environment null debug unset= chdir=",
    ..WRAPPER
};
const TIMEOUT: Grammar = Grammar {
    short: "vs:k:",
    long: "preserve-status foreground verbose signal= kill-after=",
    ..WRAPPER
};
const NICE: Grammar = Grammar {
    short: "n:",
    long: "adjustment=",
    ..WRAPPER
};
const NONE: Grammar = Grammar {
    short: "",
    long: "",
    ..WRAPPER
};
const SETSID: Grammar = Grammar {
    short: "fwc",
    long: "fork wait ctty",
    ..WRAPPER
};
const STDBUF: Grammar = Grammar {
    short: "i:o:e:",
    long: "input= output= error=",
    ..WRAPPER
};
const TIME: Grammar = Grammar {
    short: "pvaf:o:",
    long: "portability verbose append format= output=",
    ..WRAPPER
};
const COMMAND: Grammar = Grammar {
    short: "pvV",
    long: "",
    ..WRAPPER
};
const EXEC: Grammar = Grammar {
    short: "cla:",
    long: "",
    ..WRAPPER
};
const XARGS: Grammar = Grammar {
    short: "0prtxoa:d:E:I:L:n:P:s:",
    long: "null interactive no-run-if-empty verbose exit show-limits open-tty arg-file= \
        delimiter= max-args= max-procs= max-chars= process-slot-var= max-lines= replace= \
        eof=",
    ..WRAPPER
};
/// sudo's options: the one copy, also read by check 22 (`sudo -s CMD`).
pub(crate) const SUDO: Grammar = Grammar {
    short: "AbEeHiKklnPSsVvu:g:h:p:C:D:r:t:T:U:",
    long: "askpass background preserve-env edit set-home login remove-timestamp \
        reset-timestamp list non-interactive preserve-groups stdin shell version \
        validate user= group= host= prompt= close-from= chdir= role= type= \
        command-timeout= other-user=",
    ..WRAPPER
};
const DOAS: Grammar = Grammar {
    short: "nsu:C:",
    long: "",
    ..WRAPPER
};
const CAFFEINATE: Grammar = Grammar {
    short: "dimsut:w:",
    long: "",
    ..WRAPPER
};
const IONICE: Grammar = Grammar {
    short: "tc:n:",
    long: "ignore class= classdata=",
    ..WRAPPER
};

/// What `cmd` carries.
pub fn carried(cmd: &ExecCommand) -> Carried {
    let Some(name) = cmd.base_name() else {
        return Carried::None;
    };
    // Every name `carried_by` knows is a wrapper, a shell or `find` (a unit test holds the
    // two in step): one index lookup settles most commands, which carry nothing (P4-R49).
    if name != "find" && !tables::is(name, Classes::WRAPPER | Classes::SHELL) {
        return super::programs::carried(name, cmd);
    }
    carried_by(name, cmd)
}

/// [`carried`] once the command's base name is known.
fn carried_by(name: &str, cmd: &ExecCommand) -> Carried {
    let args = cmd.args();
    match name {
        "env" => {
            if let Some(split) = env_split_string(args) {
                return split;
            }
            let i = match getopt(&ENV, args) {
                Ok(i) => i,
                Err(e) => return unparsed("env", e),
            };
            let mut j = i;
            while let Some(a) = args.get(j) {
                let t = a.text();
                if a.value.is_some() && t.contains('=') && !t.starts_with('=') {
                    j += 1;
                } else {
                    break;
                }
            }
            let argv = rest(args, j);
            if argv.is_empty() {
                Carried::None
            } else {
                Carried::Command {
                    wrapper: "env".into(),
                    argv,
                }
            }
        }
        "timeout" => match getopt(&TIMEOUT, args) {
            Ok(i) => match args.get(i) {
                Some(d) if d.value.as_deref().is_some_and(is_duration) => {
                    carry("timeout", rest(args, i + 1))
                }
                Some(_) => unparsed("timeout", "the duration is not a literal number".into()),
                None => unparsed("timeout", "no duration".into()),
            },
            Err(e) => unparsed("timeout", e),
        },
        "nice" => {
            // Legacy `nice -5 cmd`.
            let start = match args.first().map(Arg::text) {
                Some(t)
                    if t.len() > 1
                        && t.starts_with('-')
                        && t.get(1..)
                            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit())) =>
                {
                    1
                }
                _ => 0,
            };
            match getopt(&NICE, args.get(start..).unwrap_or(&[])) {
                Ok(i) => carry("nice", rest(args, start + i)),
                Err(e) => unparsed("nice", e),
            }
        }
        "nohup" | "unbuffer" | "builtin" => match getopt(&NONE, args) {
            Ok(i) => carry(name, rest(args, i)),
            Err(e) => unparsed(name, e),
        },
        "setsid" => match getopt(&SETSID, args) {
            Ok(i) => carry("setsid", rest(args, i)),
            Err(e) => unparsed("setsid", e),
        },
        "caffeinate" => match getopt(&CAFFEINATE, args) {
            Ok(i) if i >= args.len() => Carried::None,
            Ok(i) => carry("caffeinate", rest(args, i)),
            Err(e) => unparsed("caffeinate", e),
        },
        "ionice" => match getopt(&IONICE, args) {
            Ok(i) => carry("ionice", rest(args, i)),
            Err(e) => unparsed("ionice", e),
        },
        "stdbuf" => match getopt(&STDBUF, args) {
            Ok(i) => carry("stdbuf", rest(args, i)),
            Err(e) => unparsed("stdbuf", e),
        },
        "time" => match getopt(&TIME, args) {
            Ok(i) if i >= args.len() => Carried::None,
            Ok(i) => carry("time", rest(args, i)),
            Err(e) => unparsed("time", e),
        },
        "command" => match getopt(&COMMAND, args) {
            Ok(i) => {
                let lookup = args
                    .iter()
                    .take(i)
                    .any(|a| a.text().contains('v') || a.text().contains('V'));
                if lookup || i >= args.len() {
                    Carried::None
                } else {
                    carry("command", rest(args, i))
                }
            }
            Err(e) => unparsed("command", e),
        },
        "exec" => match getopt(&EXEC, args) {
            Ok(i) if i >= args.len() => Carried::None,
            Ok(i) => carry("exec", rest(args, i)),
            Err(e) => unparsed("exec", e),
        },
        "xargs" => match getopt(&XARGS, args) {
            Ok(i) if i >= args.len() => Carried::Command {
                wrapper: "xargs".into(),
                argv: vec![Arg {
                    value: Some("echo".into()),
                    span: cmd.span,
                    plain: true,
                    glob: false,
                    substitution: false,
                    param: false,
                    brace: false,
                }],
            },
            Ok(i) => carry("xargs", rest(args, i)),
            Err(e) => unparsed("xargs", e),
        },
        "sudo" | "run0" | "pkexec" => match getopt(&SUDO, args) {
            Ok(i) if i >= args.len() => Carried::None,
            Ok(i) => carry(name, rest(args, i)),
            Err(e) => unparsed(name, e),
        },
        "doas" => match getopt(&DOAS, args) {
            Ok(i) if i >= args.len() => Carried::None,
            Ok(i) => carry("doas", rest(args, i)),
            Err(e) => unparsed("doas", e),
        },
        "busybox" | "toybox" => match args.first() {
            Some(a) if a.value.is_some() && !a.text().starts_with('-') => {
                carry(name, rest(args, 0))
            }
            _ => Carried::None,
        },
        "chroot" => match args.get(1..) {
            Some(r)
                if !r.is_empty() && args.first().is_some_and(|a| !a.text().starts_with('-')) =>
            {
                carry("chroot", r.to_vec())
            }
            _ => Carried::None,
        },
        "eval" => script_of_words("eval", args),
        "trap" => match args.first() {
            Some(a) if a.text().starts_with('-') || args.len() < 2 => Carried::None,
            Some(a) => Carried::Script {
                text: a.value.clone(),
                what: "trap action".into(),
            },
            None => Carried::None,
        },
        "su" | "runuser" => {
            let mut it = args.iter();
            while let Some(a) = it.next() {
                if matches!(a.text(), "-c" | "--command") {
                    return Carried::Script {
                        text: it.next().and_then(|v| v.value.clone()),
                        what: format!("{name} -c script"),
                    };
                }
            }
            Carried::None
        }
        "flock" => {
            let mut it = args.iter();
            while let Some(a) = it.next() {
                if matches!(a.text(), "-c" | "--command") {
                    return Carried::Script {
                        text: it.next().and_then(|v| v.value.clone()),
                        what: "flock -c script".into(),
                    };
                }
            }
            match args.iter().position(|a| !a.text().starts_with('-')) {
                Some(i) => carry("flock", rest(args, i + 1)),
                None => Carried::None,
            }
        }
        "watch" => {
            let i = args
                .iter()
                .position(|a| !a.text().starts_with('-'))
                .unwrap_or(args.len());
            if args.iter().take(i).any(|a| a.is("-x") || a.is("--exec")) {
                carry("watch", rest(args, i))
            } else {
                script_of_words("watch", args.get(i..).unwrap_or(&[]))
            }
        }
        "find" => find_exec(args),
        "tmux" => super::session_carriers::tmux(args),
        "screen" => super::session_carriers::screen(args),
        "ssh" => super::session_carriers::ssh(args),
        n if tables::is_shell(n) => shell(n, args),
        n => super::programs::carried(n, cmd),
    }
}

/// `bash -c 'LITERAL'` / `sh -lc 'LITERAL'` (issue 16 item 7): the shell itself adds
/// nothing; its inner commands are in the model and classified on their own, so the whole
/// line gets the inner script's verdict (no check 10 ask, no interpreter ask).
/// `find`'s start points and its expression: leading `-H`/`-L`/`-P`/`-D …`/`-O…` options
/// are skipped, then the words before the first test, action or operator are start points
/// (none means `.`). Shared by the deny rules (`find ~ -delete`) and check 23 (`find ~/.aws
/// -exec cat {} +`).
pub(crate) fn find_start_points(args: &[Arg]) -> (&[Arg], &[Arg]) {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        match a.text() {
            "-H" | "-L" | "-P" => i += 1,
            "-D" => i += 2,
            t if t.starts_with("-O") => i += 1,
            _ => break,
        }
    }
    let rest = args.get(i..).unwrap_or(&[]);
    let n = rest
        .iter()
        .take_while(|a| {
            let t = a.text();
            !(t.starts_with('-') || t == "(" || t == "!" || t == ",")
        })
        .count();
    rest.split_at_checked(n).unwrap_or((rest, &[]))
}

pub fn is_literal_shell_script(c: &ExecCommand) -> bool {
    // Only shells whose syntax is the one we parse. zsh runs `$READNULLCMD` (a pager) for a
    // bare `< file`, so a zsh script with a redirection is not judged by bash rules.
    let Some(name) = c.base_name() else {
        return false;
    };
    let Carried::Script {
        text: Some(text), ..
    } = carried(c)
    else {
        return false;
    };
    // `{}` is replaced by find/xargs with a file name, which the shell then parses: a name
    // such as `$(rm -rf ~)` would run, so such a script is not the literal it looks like.
    if text.contains("{}") {
        return false;
    }
    let syntax_ok = match name {
        "bash" | "sh" | "dash" => true,
        "zsh" => !has_unquoted_redirect_char(&text),
        _ => false,
    };
    syntax_ok
        && c.args()
            .iter()
            .take_while(|a| a.text().starts_with('-'))
            .all(|a| {
                let t = a.text();
                // Only `-c` with the harmless letters `l`, `e`, `x`, `u` (login, errexit,
                // xtrace, nounset); `-i`, `-s`, `-o …`, `--rcfile` change what runs.
                !t.starts_with("--")
                    && t.chars()
                        .skip(1)
                        .all(|ch| matches!(ch, 'c' | 'l' | 'e' | 'x' | 'u'))
            })
}

/// Whether `<` or `>` appears outside quotes in a zsh script (`rg "<Tag" f` quotes its
/// `<`; `< file` alone runs zsh's `$READNULLCMD`, which bash does not). A substitution
/// (`$(…)`, backticks) may hide one inside double quotes, so then any `<` or `>` counts.
fn has_unquoted_redirect_char(text: &str) -> bool {
    if text.contains("$(") || text.contains('`') {
        return text.contains(['<', '>']);
    }
    let mut single = false;
    let mut double = false;
    let mut escaped = false;
    for ch in text.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match ch {
            '\\' if !single => escaped = true,
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '<' | '>' if !single && !double => return true,
            _ => {}
        }
    }
    false
}

fn is_duration(s: &str) -> bool {
    let s = s.strip_suffix(['s', 'm', 'h', 'd']).unwrap_or(s);
    let (a, b) = s.split_once('.').unwrap_or((s, "0"));
    !a.is_empty()
        && a.chars().all(|c| c.is_ascii_digit())
        && !b.is_empty()
        && b.chars().all(|c| c.is_ascii_digit())
}

fn script_of_words(what: &str, args: &[Arg]) -> Carried {
    if args.is_empty() {
        return Carried::None;
    }
    let mut text = Vec::new();
    for a in args {
        match &a.value {
            Some(v) if !a.param && !a.substitution => text.push(v.clone()),
            _ => {
                return Carried::Script {
                    text: None,
                    what: format!("{what} of a non-literal string"),
                }
            }
        }
    }
    Carried::Script {
        text: Some(text.join(" ")),
        what: what.into(),
    }
}

/// `env -S STRING ARG…` (`--split-string`, also in a cluster: `-iS`): env splits STRING into
/// words and runs them with the ARGs after it, so `env -iS 'rm -rf /'` runs `rm -rf /`. The
/// string and the words after it are walked as a script (env's splitting is close to the
/// shell's; where they differ, `\_` or `${VAR}`, the shell reading only sees odder words).
/// `None` when there is no `-S`.
fn env_split_string(args: &[Arg]) -> Option<Carried> {
    let non_literal = || Carried::Script {
        text: None,
        what: "env -S string".into(),
    };
    let mut i = 0;
    let (value, next): (Option<&Arg>, usize) = loop {
        let a = args.get(i)?;
        let t = a.text();
        if t == "--" || !t.starts_with('-') || t == "-" {
            return None;
        }
        if let Some(v) = t.strip_prefix("--split-string=") {
            if a.value.is_none() || a.param || a.substitution {
                return Some(non_literal());
            }
            let mut text = v.to_string();
            push_words(&mut text, args.get(i + 1..).unwrap_or(&[]))?;
            return Some(Carried::Script {
                text: Some(text),
                what: "env -S string".into(),
            });
        }
        if t == "--split-string" {
            break (args.get(i + 1), i + 2);
        }
        if matches!(t, "-u" | "-C" | "--unset" | "--chdir") {
            i += 2;
            continue;
        }
        if !t.starts_with("--") {
            if let Some(k) = t.find('S') {
                let rest = t.get(k + 1..).unwrap_or("");
                if rest.is_empty() {
                    break (args.get(i + 1), i + 2);
                }
                if a.value.is_none() || a.param || a.substitution {
                    return Some(non_literal());
                }
                let mut text = rest.to_string();
                if push_words(&mut text, args.get(i + 1..).unwrap_or(&[])).is_none() {
                    return Some(non_literal());
                }
                return Some(Carried::Script {
                    text: Some(text),
                    what: "env -S string".into(),
                });
            }
        }
        i += 1;
    };
    let Some(v) = value.filter(|v| !v.param && !v.substitution) else {
        return Some(non_literal());
    };
    let Some(mut text) = v.value.clone() else {
        return Some(non_literal());
    };
    if push_words(&mut text, args.get(next..).unwrap_or(&[])).is_none() {
        return Some(non_literal());
    }
    Some(Carried::Script {
        text: Some(text),
        what: "env -S string".into(),
    })
}

/// Appends `words` to `text` as single-quoted shell words; `None` when one is not literal.
fn push_words(text: &mut String, words: &[Arg]) -> Option<()> {
    for w in words {
        let v = w.value.as_deref().filter(|_| !w.param && !w.substitution)?;
        text.push_str(" '");
        text.push_str(&v.replace('\'', "'\\''"));
        text.push('\'');
    }
    Some(())
}

fn shell(name: &str, args: &[Arg]) -> Carried {
    let mut i = 0;
    // `-c` only says that the first operand is the script: options may still follow it
    // (`bash -c -e 'rm -rf /'`, `sh -ce -- 'reboot'` run the script; bash 5.2, dash).
    let mut command_mode = false;
    while let Some(a) = args.get(i) {
        let Some(t) = a.value.as_deref() else {
            let what = if command_mode {
                format!("{name} -c script")
            } else {
                format!("{name} with a non-literal argument")
            };
            return Carried::Script { text: None, what };
        };
        if t == "--" {
            i += 1;
            break;
        }
        if t == "-" || t == "-s" {
            return Carried::ShellNoScript;
        }
        if (t.starts_with('-') || t.starts_with('+')) && t.len() > 1 {
            if t.starts_with('-') && !t.starts_with("--") && t.contains('c') {
                command_mode = true;
            }
            // Options such as -o NAME take a value.
            if matches!(t, "-o" | "+o" | "-O" | "+O" | "--rcfile" | "--init-file") {
                i += 1;
            }
            i += 1;
            continue;
        }
        break;
    }
    if command_mode {
        return match args.get(i) {
            Some(s) => Carried::Script {
                text: s.value.clone().filter(|_| !s.param && !s.substitution),
                what: format!("{name} -c script"),
            },
            None => unparsed(name, "-c without a script".into()),
        };
    }
    if args.get(i).is_some() {
        Carried::Script {
            text: None,
            what: format!("{name} script file"),
        }
    } else {
        Carried::ShellNoScript
    }
}

/// `find … -exec CMD … ;|+` (also -execdir, -ok, -okdir): the carried command; with
/// several, every one as a carried command of the same wrapper.
fn find_exec(args: &[Arg]) -> Carried {
    let mut found: Vec<Vec<Arg>> = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if matches!(a.text(), "-exec" | "-execdir" | "-ok" | "-okdir") {
            let start = i + 1;
            let end = args
                .iter()
                .skip(start)
                .position(|x| x.is(";") || x.is("+"))
                .map_or(args.len(), |p| start + p);
            found.push(
                args.get(start..end)
                    .map(<[Arg]>::to_vec)
                    .unwrap_or_default(),
            );
            i = end;
        }
        i += 1;
    }
    if found.len() <= 1 {
        return match found.pop() {
            Some(argv) => carry("find -exec", argv),
            None => Carried::None,
        };
    }
    Carried::Commands {
        wrapper: "find -exec".into(),
        argvs: found,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::policy::analyse;
    use crate::shell::{BashSecurityConfig, Os};

    /// The name pre-check of [`carried`] never hides what [`carried_by`] would find: over
    /// every command name of the tldr corpus and of the tables, with typical arguments.
    #[test]
    fn the_name_precheck_never_hides_a_carried_command() {
        let corpus = crate::test_support::read("tldr.txt");
        let mut names: Vec<&str> = corpus
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        for list in [
            tables::WRAPPERS,
            tables::SHELLS,
            tables::INTERPRETERS,
            tables::READ_ONLY,
        ] {
            names.extend_from_slice(list);
        }
        names.extend([
            "find", "busybox", "chrt", "taskset", "strace", "ltrace", "source", ".",
        ]);
        crate::sorted::sort(&mut names);
        names.dedup();
        assert!(names.len() > 500, "{}", names.len());
        let ctx = crate::test_support::eval_ctx(Os::Linux);
        let cfg = BashSecurityConfig::default();
        let mut carrying = 0;
        for name in names {
            for args in [
                "",
                " -c 'ls -l' x",
                " -n 5 ls -la",
                " sh -c id",
                " . -exec ls {} ;",
            ] {
                let text = format!("{name}{args}");
                for c in &analyse(&text, &ctx, &cfg).model.commands {
                    let Some(base) = c.base_name() else { continue };
                    let full = carried_by(base, c);
                    if full != Carried::None {
                        carrying += 1;
                    }
                    assert_eq!(carried(c), full, "{text}");
                }
            }
        }
        assert!(carrying > 20, "{carrying}");
    }
}
