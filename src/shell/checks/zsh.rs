//! Phase 4 checks 19 and 20 (ZSH_DANGEROUS_BUILTIN, ZSH_EXPANSION): zsh builtins and
//! expansions that run code or touch files and sockets without a visible command, and zsh
//! forms that bash reads as plain text. With `dialect: "bash"` (commands are known to run
//! under bash) both checks only record findings (P4 §9).

use super::encoding::{each_flat_part, excerpt, flat_parts, Unit};
use super::{CheckCx, Findings};
use crate::shell::ast::{CompoundKind, WordPart, ZshForm};
use crate::shell::semantic::{Arg, ExecCommand};
use crate::shell::verdict::Severity;
use crate::shell::Dialect;

/// zsh builtins (and module builtins) that are always flagged.
const ALWAYS: &[&str] = &[
    "zmodload", "sysopen", "sysread", "syswrite", "sysseek", "zpty", "ztcp", "zsocket", "mapfile",
    "zf_rm", "zf_mv", "zf_ln", "zf_chmod", "zf_chown", "zf_mkdir", "zf_rmdir", "zf_chgrp", "sched",
    "zle",
];

/// Precommand modifiers looked through before the command name.
const PRECOMMANDS: &[&str] = &["command", "builtin", "noglob", "nocorrect", "-"];

fn severity(cx: &CheckCx<'_>) -> Severity {
    if cx.cfg.dialect == Dialect::Bash {
        Severity::Info
    } else {
        Severity::Ask
    }
}

/// The command name and its arguments after zsh precommand modifiers.
fn after_precommands(c: &ExecCommand) -> Option<(&str, &[Arg])> {
    let mut argv = c.argv.as_slice();
    loop {
        let (first, rest) = argv.split_first()?;
        let name = first.value.as_deref()?;
        if !crate::shell::tables::has(PRECOMMANDS, name) {
            return Some((crate::shell::paths::basename(name), rest));
        }
        // `command -p cmd`: skip its options too.
        argv = rest;
        while let Some((a, r)) = argv.split_first() {
            if a.text().starts_with('-') && a.text().len() > 1 && name == "command" {
                argv = r;
            } else {
                break;
            }
        }
    }
}

fn dangerous_builtin(name: &str, args: &[Arg]) -> Option<String> {
    if crate::shell::tables::has(ALWAYS, name) {
        return Some(format!("`{name}` is a zsh builtin that loads modules, opens files or sockets, or runs code without a visible command"));
    }
    match name {
        "emulate" => {
            let mut operands = 0usize;
            let mut it = args.iter();
            while let Some(a) = it.next() {
                let t = a.text();
                if (t.starts_with('-') || t.starts_with('+')) && t.len() > 1 {
                    if t.contains('c') && !t.starts_with("--") {
                        return Some("`emulate -c` evaluates a string as zsh code".into());
                    }
                    if matches!(t, "-o" | "+o") {
                        it.next();
                    }
                } else {
                    operands += 1;
                }
            }
            (operands > 1).then(|| "`emulate` with a command runs it in another shell mode".into())
        }
        "zstyle" => args
            .iter()
            .any(|a| a.is("-e") || a.text().ends_with("command"))
            .then(|| {
                "`zstyle` with `-e` or a command style runs code when the style is used".into()
            }),
        "autoload" => args
            .iter()
            .any(|a| a.text().contains('/'))
            .then(|| "`autoload` with a path loads functions from a file".into()),
        _ => None,
    }
}

/// A glob qualifier that runs code: `e:…:`, `e'…'`, `+func`.
fn code_qualifier(q: &str) -> bool {
    let b = q.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        let next = b.get(i + 1).copied().unwrap_or(b' ');
        (c == b'e' && !next.is_ascii_alphanumeric() && !next.is_ascii_whitespace())
            || (c == b'+' && (next.is_ascii_alphabetic() || next == b'_'))
    })
}

fn expansions(u: &Unit<'_>, sev: Severity, out: &mut Findings) {
    for (cc, _) in &u.compounds {
        if let CompoundKind::Always(_) = cc.kind {
            out.add(20, sev, u.sp(cc.span), "`{ … } always { … }` is zsh-only syntax that bash reads differently; write the two blocks as separate commands.");
        }
    }
    for (w, _) in &u.all_words {
        // Quote only words with a zsh form: nearly every word has none.
        let text = if w.zsh.is_empty() {
            String::new()
        } else {
            excerpt(u.text(w.span))
        };
        for f in &w.zsh {
            match f {
                ZshForm::Equals => {
                    let name = if u.names.contains(&w.span) { " (here as the command name, so the program that runs is looked up at run time)" } else { "" };
                    out.add(20, sev, u.sp(w.span), format!("`{text}` starts with `=`, which zsh replaces with the full path of a command{name}; write the path or name plainly."));
                }
                ZshForm::NamedDir => out.add(20, sev, u.sp(w.span), format!("`{text}` uses zsh's `~[…]` dynamic named directory, which calls a shell function to build the path; write the path plainly.")),
                ZshForm::GlobQualifier => {
                    let quals: Vec<String> = flat_parts(&w.parts)
                        .iter()
                        .filter_map(|p| match p {
                            WordPart::GlobQualifier(g) => Some(g.text.clone()),
                            WordPart::Extglob(e) if matches!(e.op, '*' | '?') => Some(
                                e.pattern
                                    .iter()
                                    .filter_map(|q| match q {
                                        WordPart::Literal(l) => Some(l.text.as_str()),
                                        WordPart::Glob(g) => Some(g.text.as_str()),
                                        _ => None,
                                    })
                                    .collect(),
                            ),
                            _ => None,
                        })
                        .collect();
                    if quals.iter().any(|q| code_qualifier(q)) {
                        out.add(20, sev, u.sp(w.span), format!("`{text}` has a zsh glob qualifier that runs code for every file (`e:…:`, `+func`); list the files with `find` instead."));
                    }
                }
            }
        }
        each_flat_part(&w.parts, &mut |p| {
            if let WordPart::Param(pe) = p {
                let flags = pe.zsh_flags.as_deref().unwrap_or("");
                if flags.contains('e')
                    || pe.zsh_modifiers.contains('~')
                    || pe.zsh_modifiers.contains('=')
                {
                    out.add(20, sev, u.sp(pe.span), format!("`{}` uses a zsh parameter flag (`(e)`, `~` or `=`) that evaluates, globs or splits the value; write the value plainly.", excerpt(u.text(pe.span))));
                }
            }
        });
    }
}

/// Runs checks 19 and 20 (ZSH_DANGEROUS_BUILTIN, ZSH_EXPANSION).
pub(super) fn run_unit(cx: &CheckCx<'_>, u: &Unit<'_>, out: &mut Findings) {
    let sev = severity(cx);
    for c in u.commands() {
        let Some((name, args)) = after_precommands(c) else {
            continue;
        };
        if let Some(why) = dangerous_builtin(name, args) {
            out.add(
                19,
                sev,
                u.sp(c.span),
                format!("{why}; use an ordinary command instead."),
            );
        }
    }
    expansions(u, sev, out);
}

#[cfg(test)]
mod tests {
    use crate::shell::verdict::Severity;
    use crate::shell::{BashSecurityConfig, Dialect, EvalContext};

    fn sev_with(cmd: &str, id: u8, cfg: &BashSecurityConfig) -> Option<Severity> {
        crate::shell::evaluate(cmd, &EvalContext::default(), cfg)
            .findings
            .iter()
            .filter(|f| f.id == id)
            .map(|f| f.severity)
            .max()
    }

    fn sev(cmd: &str, id: u8) -> Option<Severity> {
        sev_with(cmd, id, &BashSecurityConfig::default())
    }

    #[test]
    fn dangerous_builtins_ask() {
        for c in [
            "zmodload zsh/system",
            "sysopen -w -u 3 f",
            "ztcp example.invalid 80",
            "emulate sh -c 'id'",
            "emulate zsh id",
            "noglob zf_rm x",
            "command zpty p id",
            "zstyle -e ':completion:*' x 'reply=(id)'",
            "autoload -U /tmp/f",
            "FOO=1 sched +1 id",
        ] {
            assert_eq!(sev(c, 19), Some(Severity::Ask), "{c}");
        }
    }

    #[test]
    fn harmless_builtins_are_fine() {
        for c in [
            "emulate -L zsh",
            "autoload -U compinit",
            "zstyle ':completion:*' menu select",
            "ls",
        ] {
            assert_eq!(sev(c, 19), None, "{c}");
        }
    }

    #[test]
    fn zsh_expansions_ask() {
        for c in [
            "=curl example.invalid",
            "ls ~[x]",
            "ls *(e:'id':)",
            "ls *(+f)",
            "{ ls; } always { echo done; }",
            "echo ${(e)x}",
            "echo ${~x}",
            "echo ${=x}",
        ] {
            assert_eq!(sev(c, 20), Some(Severity::Ask), "{c}");
        }
    }

    #[test]
    fn plain_zsh_like_text_is_fine() {
        for c in ["ls *.txt(.)", "ls *(a)", "echo a=b", "echo ${(f)x}"] {
            assert_eq!(sev(c, 20), None, "{c}");
        }
    }

    #[test]
    fn bash_dialect_makes_zsh_findings_info() {
        let cfg = BashSecurityConfig {
            dialect: Dialect::Bash,
            ..BashSecurityConfig::default()
        };
        assert_eq!(
            sev_with("zmodload zsh/system", 19, &cfg),
            Some(Severity::Info)
        );
        assert_eq!(sev_with("ls ~[x]", 20, &cfg), Some(Severity::Info));
    }
}
