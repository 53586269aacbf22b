//! Phase 4 checks 17 and 18 (ARITHMETIC_SUBSCRIPT_EVAL, EXPANSION_TRICKS): bash features that
//! run code from data (array subscripts in arithmetic contexts) or reshape words at run time
//! (`$IFS`, substring and replacement expansions, word splitting of unknown values).

use super::encoding::{excerpt, flat_parts, Unit, MAX_PART_DEPTH};
use super::{CheckCx, Findings};
use crate::shell::ast::{
    AssignValue, CommandContext, CompoundKind, CondExpr, ParamExpansion, ParamOpKind, RedirTarget,
    Span, Word, WordPart,
};
use crate::shell::semantic::{Arg, ExecCommand};
use crate::shell::verdict::Severity;

/// Runs checks 17 and 18 (ARITHMETIC_SUBSCRIPT_EVAL, EXPANSION_TRICKS).
pub(super) fn run_unit(_cx: &CheckCx<'_>, u: &Unit<'_>, out: &mut Findings) {
    arithmetic(u, out);
    for c in u.commands() {
        subscript_builtins(u, c, out);
        unknown_operands(u, c, out);
    }
    expansions(u, out);
}

// --- Check 17 ----------------------------------------------------------------------------

/// Text that runs code when bash evaluates it as an arithmetic subscript.
fn code_text(s: &str) -> bool {
    use crate::shell::paths::{has_any_byte, has_substr};
    has_any_byte(s, b"`") || has_substr(s, "$(") || has_substr(s, "${")
}

/// A word that carries `$(`, a backtick or `${`: parsed as parts, or as text inside quotes
/// (single-quoted text is still evaluated by `let`, `[[ -eq ]]`, `test -v`, …).
fn has_code(w: &Word) -> bool {
    fn parts(ps: &[WordPart], depth: usize) -> bool {
        if depth > MAX_PART_DEPTH {
            return true;
        }
        ps.iter().any(|p| match p {
            WordPart::Literal(l) => code_text(&l.text),
            WordPart::CommandSubst(_) => true,
            WordPart::Param(pe) => {
                pe.braced
                    || pe
                        .subscript
                        .as_ref()
                        .is_some_and(|s| parts(&s.expr.parts, depth + 1))
            }
            WordPart::Arith(a) => parts(&a.expr.parts, depth + 1),
            WordPart::Subscript(s) => parts(&s.expr.parts, depth + 1),
            WordPart::Brace(_) | WordPart::Extglob(_) => false,
            WordPart::ProcessSubst(_) => true,
            WordPart::Glob(g) | WordPart::GlobQualifier(g) => code_text(&g.text),
            WordPart::Tilde(_) | WordPart::Array(_) => false,
        })
    }
    parts(&w.parts, 0)
        || flat_parts(&w.parts)
            .iter()
            .any(|p| matches!(p, WordPart::Literal(l) if code_text(&l.text)))
}

fn subscript_finding(u: &Unit<'_>, span: Span, what: &str, out: &mut Findings) {
    out.add(17, Severity::Ask, u.sp(span), format!("`{}` reaches {what}, where bash evaluates array subscripts and runs any `$(…)` or backtick inside them, even from quoted or variable text; use a plain name or number.", excerpt(u.text(span))));
}

fn cond_arith(u: &Unit<'_>, e: &CondExpr, depth: usize, out: &mut Findings) {
    if depth > MAX_PART_DEPTH {
        return;
    }
    match e {
        CondExpr::Binary {
            op, left, right, ..
        } if matches!(op.as_str(), "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge") => {
            for w in [left, right] {
                if has_code(w) {
                    subscript_finding(
                        u,
                        w.span,
                        &format!("an arithmetic comparison `{op}` in `[[ ]]`"),
                        out,
                    );
                }
            }
        }
        CondExpr::Unary { op, operand, .. }
            if matches!(op.as_str(), "-v" | "-R") && has_code(operand) =>
        {
            subscript_finding(u, operand.span, &format!("`[[ {op} ]]`"), out);
        }
        CondExpr::Not { expr, .. } | CondExpr::Group { expr, .. } => {
            cond_arith(u, expr, depth + 1, out)
        }
        CondExpr::And { left, right, .. } | CondExpr::Or { left, right, .. } => {
            cond_arith(u, left, depth + 1, out);
            cond_arith(u, right, depth + 1, out);
        }
        _ => {}
    }
}

fn arithmetic(u: &Unit<'_>, out: &mut Findings) {
    for (cc, _) in &u.compounds {
        match &cc.kind {
            CompoundKind::Arith(a) if has_code(&a.expr) => {
                subscript_finding(u, a.expr.span, "an arithmetic command `((…))`", out)
            }
            CompoundKind::ArithFor(f) => {
                for w in [&f.init, &f.cond, &f.update] {
                    if has_code(w) {
                        subscript_finding(u, w.span, "an arithmetic `for ((…))`", out);
                    }
                }
            }
            CompoundKind::Cond(c) => {
                if let Some(e) = &c.expr {
                    cond_arith(u, e, 0, out);
                }
            }
            _ => {}
        }
    }
    for (w, _) in &u.all_words {
        for p in &w.parts {
            if let WordPart::Arith(a) = p {
                if has_code(&a.expr) {
                    let what = if a.bracket {
                        "`$[…]`"
                    } else {
                        "an arithmetic expansion `$((…))`"
                    };
                    subscript_finding(u, a.span, what, out);
                }
            }
        }
    }
    for (cmd, _) in &u.simple {
        for a in &cmd.assignments {
            if let Some(sub) = &a.subscript {
                if has_code(&sub.expr) {
                    subscript_finding(u, a.span, "an array assignment subscript", out);
                }
            }
        }
    }
}

/// Whether an argument carries code-like text (its word, or its value when the word is not
/// in this unit).
fn arg_has_code(u: &Unit<'_>, a: &Arg) -> bool {
    match u.word_of(a) {
        Some(w) => has_code(w),
        None => a.value.as_deref().is_some_and(code_text) || a.substitution,
    }
}

fn subscript_builtins(u: &Unit<'_>, c: &ExecCommand, out: &mut Findings) {
    let Some(name) = c.base_name() else { return };
    let args = c.args();
    let flag = |a: &Arg, what: &str, out: &mut Findings| {
        if arg_has_code(u, a) {
            subscript_finding(u, a.span, what, out);
        }
    };
    match name {
        "let" => {
            for a in args {
                flag(a, "`let`", out);
            }
        }
        "test" | "[" => {
            let mut it = args.iter();
            while let Some(a) = it.next() {
                if a.is("-v") || a.is("-R") {
                    if let Some(n) = it.next() {
                        flag(n, &format!("`{name} {}`", a.text()), out);
                    }
                }
            }
        }
        "printf" | "wait" => {
            let opt = if name == "printf" { "-v" } else { "-p" };
            let mut it = args.iter();
            while let Some(a) = it.next() {
                if a.is(opt) {
                    if let Some(n) = it.next() {
                        flag(n, &format!("`{name} {opt}`"), out);
                    }
                } else if a.text().starts_with(opt) && a.text().len() > 2 {
                    flag(a, &format!("`{name} {opt}`"), out);
                } else if a.text() == "--" || !a.text().starts_with('-') {
                    break;
                }
            }
        }
        "read" => {
            let mut it = args.iter();
            let mut options = true;
            while let Some(a) = it.next() {
                let t = a.text();
                if options && t == "--" {
                    options = false;
                } else if options && t.starts_with('-') && t.len() > 1 {
                    // Options with a value: -a NAME (subscripted), -d -i -n -N -p -t -u.
                    let last = t.chars().last().unwrap_or('-');
                    if t.len() == 2 && "adinNptu".contains(last) {
                        if let Some(v) = it.next() {
                            if last == 'a' {
                                flag(v, "`read -a`", out);
                            }
                        }
                    }
                } else {
                    options = false;
                    flag(a, "a `read` variable name", out);
                }
            }
        }
        "unset" => {
            for a in args.iter().filter(|a| !a.text().starts_with('-')) {
                flag(a, "`unset`", out);
            }
        }
        "declare" | "typeset" | "local" => {
            for a in args.iter().filter(|a| !a.text().starts_with('-')) {
                let subscripted = match u.word_of(a) {
                    Some(w) => {
                        w.parts.iter().any(|p| match p {
                            WordPart::Subscript(s) => has_code(&s.expr),
                            _ => false,
                        }) || a.value.as_deref().is_some_and(|v| {
                            v.split('=')
                                .next()
                                .is_some_and(|n| n.contains('[') && code_text(n))
                        })
                    }
                    None => a.value.as_deref().is_some_and(|v| {
                        v.split('=')
                            .next()
                            .is_some_and(|n| n.contains('[') && code_text(n))
                    }),
                };
                if subscripted {
                    subscript_finding(u, a.span, &format!("a subscripted `{name}` name"), out);
                }
            }
        }
        _ => {}
    }
}

// --- Check 18 ----------------------------------------------------------------------------

/// Commands where a word-split unknown value can inject options (`rm $X` with X="-rf /").
const SPLIT_SENSITIVE: &[&str] = &["rm", "mv", "cp", "chmod", "chown", "dd", "truncate", "find"];

/// Builtins whose `NAME=value` operands are assignments (no splitting after `=`).
const DECLARATION_BUILTINS: &[&str] = &["export", "declare", "typeset", "local", "readonly"];

fn unquoted_expansion(w: &Word) -> bool {
    w.parts.iter().any(|p| match p {
        WordPart::Param(pe) => !pe.quoted,
        WordPart::CommandSubst(cs) => !cs.quoted,
        WordPart::Arith(a) => !a.quoted,
        _ => false,
    })
}

fn unknown_operands(u: &Unit<'_>, c: &ExecCommand, out: &mut Findings) {
    let Some(name) = c.base_name() else { return };
    if !crate::shell::tables::has(SPLIT_SENSITIVE, name) {
        return;
    }
    for (i, a) in c
        .args()
        .iter()
        .enumerate()
        .filter(|(_, a)| a.value.is_none())
    {
        if u.word_of(a).is_some_and(unquoted_expansion) && !split_safe_in_every_variant(c, i) {
            out.add(18, Severity::Ask, u.sp(a.span), format!("`{}` is an unquoted value only known at run time, given to `{name}`; word splitting can turn it into options or extra paths. Quote it (\"$var\") and put `--` before it.", excerpt(u.text(a.span))));
        }
    }
}

/// `for t in a.sql b.sql; do cp $t /tmp/$t; done`: the operand at `i` (of `c.args()`) is one
/// plain word in every argv variant (P4-R25; the variants include an unknown value as
/// unknown): no value splits, globs or starts an option, so quoting changes nothing.
fn split_safe_in_every_variant(c: &ExecCommand, i: usize) -> bool {
    !c.variants.is_empty()
        && c.variants.iter().all(|v| {
            v.len() == c.argv.len()
                && v.get(i + 1)
                    .and_then(|a| a.value.as_deref())
                    .is_some_and(|t| {
                        !t.is_empty()
                            && !t.starts_with('-')
                            && !t
                                .contains(|ch: char| ch.is_ascii_whitespace() || "*?[".contains(ch))
                    })
        })
}

/// Why a parameter expansion is a trick, if it is one.
fn trick(pe: &ParamExpansion) -> Option<&'static str> {
    if pe.indirect {
        let keys = pe
            .subscript
            .as_ref()
            .is_some_and(|s| matches!(s.expr.literal_value().as_deref(), Some("@" | "*")));
        let prefix = matches!(
            pe.op.as_ref().map(|o| &o.kind),
            Some(ParamOpKind::PrefixList)
        );
        if !keys && !prefix {
            return Some("an indirect expansion `${!…}`, which reads a variable named by another");
        }
    }
    match pe.op.as_ref().map(|o| &o.kind)? {
        ParamOpKind::Substring => Some("a substring expansion, which builds text piece by piece"),
        ParamOpKind::Replace { .. } => {
            Some("a replacement expansion, which rewrites text at run time")
        }
        ParamOpKind::Case { .. } => {
            Some("a case-changing expansion, which rewrites text at run time")
        }
        ParamOpKind::Transform(c) if !matches!(c, 'Q' | 'a' | 'u' | 'U' | 'L') => {
            Some("a transform expansion (`@P`, `@E`, …), which can expand prompts or escapes")
        }
        _ => None,
    }
}

fn params<'w>(parts: &'w [WordPart], out: &mut Vec<&'w ParamExpansion>) {
    super::encoding::each_flat_part(parts, &mut |p| {
        if let WordPart::Param(pe) = p {
            out.push(pe);
        }
    });
}

fn is_positional(name: &str) -> bool {
    matches!(name, "@" | "*")
        || (name != "0" && !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()))
}

fn expansions(u: &Unit<'_>, out: &mut Findings) {
    // Words that are assignment values (no splitting there): `a=$IFS`, `export X=$IFS`.
    let mut assignment_values: Vec<Span> = Vec::new();
    for (cmd, _) in &u.simple {
        for a in &cmd.assignments {
            match &a.value {
                AssignValue::Scalar(w) => assignment_values.push(w.span),
                AssignValue::Array(arr) => {
                    assignment_values.extend(arr.elements.iter().map(|w| w.span))
                }
            }
        }
        let declaration = cmd
            .words
            .first()
            .and_then(Word::literal_text)
            .is_some_and(|n| crate::shell::tables::has(DECLARATION_BUILTINS, &n));
        if declaration {
            assignment_values.extend(
                cmd.words
                    .iter()
                    .skip(1)
                    .filter(|w| matches!(w.parts.first(), Some(WordPart::Literal(l)) if l.text.contains('=')))
                    .map(|w| w.span),
            );
        }
        // `IFS=…` as a statement of its own changes how every later word splits.
        if cmd.words.is_empty() {
            for a in cmd.assignments.iter().filter(|a| a.name == "IFS") {
                out.add(18, Severity::Ask, u.sp(a.span), format!("`{}` changes how bash splits every later unquoted word; set IFS only as a prefix of `read` (`IFS= read -r line`).", excerpt(u.text(a.span))));
            }
        }
        for r in &cmd.redirections {
            if let RedirTarget::Word(w) = &r.target {
                if r.heredoc.is_none() && unquoted_expansion(w) {
                    out.add(18, Severity::Ask, u.sp(r.span), format!("the redirection target `{}` is an unquoted expansion, so its file name is decided at run time; quote it or write the file name.", excerpt(u.text(w.span))));
                }
            }
        }
    }
    for (w, ctx) in &u.all_words {
        let ctx: &CommandContext = ctx;
        let mut ps = Vec::new();
        params(&w.parts, &mut ps);
        let in_assignment = assignment_values.iter().any(|s| s.contains(w.span));
        for pe in ps {
            let text = excerpt(u.text(pe.span));
            if pe.name == "IFS" && !pe.quoted && !in_assignment {
                out.add(18, Severity::Deny, u.sp(pe.span), format!("`{text}` is an unquoted `$IFS`, used to smuggle blanks into a command without writing them; write the spaces plainly."));
                continue;
            }
            if let Some(why) = trick(pe) {
                out.add(
                    18,
                    Severity::Ask,
                    u.sp(pe.span),
                    format!("`{text}` is {why}; write the value plainly."),
                );
            }
            if is_positional(&pe.name) && !ctx.in_function {
                out.add(18, Severity::Ask, u.sp(pe.span), format!("`{text}` is a positional parameter outside a function, so its value comes from whoever started the shell; write the value plainly."));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::shell::verdict::Severity;
    use crate::shell::{BashSecurityConfig, EvalContext};

    fn sev(cmd: &str, id: u8) -> Option<Severity> {
        crate::shell::evaluate(cmd, &EvalContext::default(), &BashSecurityConfig::default())
            .findings
            .iter()
            .filter(|f| f.id == id)
            .map(|f| f.severity)
            .max()
    }

    #[test]
    fn subscript_evaluation_contexts_ask() {
        for c in [
            "let 'x=a[$(id)]'",
            "test -v 'a[$(id)]'",
            "[ -v 'a[`id`]' ]",
            "[[ 'a[$(id)]' -eq 0 ]]",
            "[[ -v 'a[$(id)]' ]]",
            "(( ${x} + 1 ))",
            "echo $(( a[${i}] ))",
            "printf -v 'a[$(id)]' %s x",
            "read -a 'a[$(id)]'",
            "read 'a[$(id)]'",
            "unset 'a[$(id)]'",
            ": & wait -p 'a[$(id)]' %1",
            "declare 'a[$(id)]=1'",
        ] {
            assert_eq!(sev(c, 17), Some(Severity::Ask), "{c}");
        }
    }

    #[test]
    fn plain_arithmetic_is_fine() {
        for c in [
            "echo $((1 + 2))",
            "(( i++ ))",
            "[[ $a -eq 1 ]]",
            "let x=1",
            "unset x",
            "read -r line",
            "printf -v out %s x",
        ] {
            assert_eq!(sev(c, 17), None, "{c}");
        }
    }

    #[test]
    fn ifs_tricks() {
        assert_eq!(sev("cat${IFS}x", 18), Some(Severity::Deny));
        assert_eq!(sev("cat$IFS/etc/passwd", 18), Some(Severity::Deny));
        assert_eq!(sev("cat${IFS:0:1}/etc/passwd", 18), Some(Severity::Deny));
        // Script strings are checked at any depth; the finding points at the carrier.
        assert_eq!(
            sev("bash -c \"bash -c 'ls\\${IFS}x'\"", 18),
            Some(Severity::Deny)
        );
        assert_eq!(sev("a=$IFS", 18), None);
        assert_eq!(sev("export X=$IFS", 18), None);
        assert_eq!(sev("echo \"$IFS\"", 18), None);
        assert_eq!(sev("IFS=,", 18), Some(Severity::Ask));
        assert_eq!(
            sev("while IFS= read -r l; do echo \"$l\"; done < f.txt", 18),
            None
        );
    }

    #[test]
    fn expansion_tricks_ask() {
        for c in [
            "cat ${HOME:0:1}etc${HOME:0:1}passwd",
            "echo ${x/a/b}",
            "echo \"${x^^}\"",
            "echo ${!name}",
            "echo ${x@P}",
            "echo x > $out",
            "echo $1",
            "rm -rf $DIR",
        ] {
            assert_eq!(sev(c, 18), Some(Severity::Ask), "{c}");
        }
    }

    #[test]
    fn ordinary_expansions_are_fine() {
        for c in [
            "echo ${#x}",
            "echo ${x:-d}",
            "echo ${x%.txt} ${x#./}",
            "echo ${!arr[@]}",
            "echo ${x@Q}",
            "f() { echo $1; }",
            "rm -rf \"$DIR\"",
            "echo x > \"$out\"",
            "awk '{print $1}' f",
        ] {
            assert_eq!(sev(c, 18), None, "{c}");
        }
    }
}
