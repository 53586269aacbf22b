//! Compact S-expression rendering of the AST.
//!
//! One line per script, small enough for one-line golden tests and readable in
//! `agent-ops explain`. Single-child wrappers are elided: a list of one item prints as the
//! item, an and-or list of one pipeline as the pipeline, a pipeline of one stage as the
//! command. Plain words print bare; other words print as `(w part…)` with literal parts
//! tagged by quoting: `"x"` unquoted, `e"x"` escaped, `s"x"` single, `d"x"` double,
//! `a"x"` ANSI-C (decoded), `l"x"` locale. A leading `q` marks expansions inside double
//! quotes.

use super::{
    AndOr, AndOrOp, AssignValue, Assignment, BraceKind, CaseTerminatorKind, Command,
    CompoundCommand, CompoundKind, CondExpr, List, ListItem, ParamExpansion, ParamOpKind, PipeKind,
    Pipeline, QuoteKind, RedirFd, RedirTarget, Redirection, Script, SimpleCommand, TerminatorKind,
    Word, WordPart,
};
use std::fmt::Write as _;

pub(super) fn script(out: &mut String, s: &Script) {
    list(out, &s.list);
}

fn list(out: &mut String, l: &List) {
    match l.items.as_slice() {
        [one] => item(out, one),
        items => {
            out.push_str("(list");
            for i in items {
                out.push(' ');
                item(out, i);
            }
            out.push(')');
        }
    }
}

fn item(out: &mut String, i: &ListItem) {
    let bg = matches!(i.terminator, Some(t) if t.kind == TerminatorKind::Amp);
    if bg {
        out.push_str("(bg ");
    }
    and_or(out, &i.and_or);
    if bg {
        out.push(')');
    }
}

fn and_or(out: &mut String, a: &AndOr) {
    if a.rest.is_empty() {
        pipeline(out, &a.first);
        return;
    }
    out.push_str("(andor ");
    pipeline(out, &a.first);
    for t in &a.rest {
        out.push_str(match t.op {
            AndOrOp::And => " && ",
            AndOrOp::Or => " || ",
        });
        pipeline(out, &t.pipeline);
    }
    out.push(')');
}

fn pipeline(out: &mut String, p: &Pipeline) {
    if p.time.is_none() && !p.negated && p.bangs.is_empty() && p.commands.len() == 1 {
        if let Some(c) = p.commands.first() {
            command(out, c);
            return;
        }
    }
    out.push_str("(pipe");
    if let Some(t) = p.time {
        out.push_str(if t.posix { " time-p" } else { " time" });
    }
    for _ in &p.bangs {
        out.push_str(" !");
    }
    for (i, c) in p.commands.iter().enumerate() {
        if i > 0 {
            out.push_str(match p.pipes.get(i - 1).map(|x| x.kind) {
                Some(PipeKind::PipeAmp) => " |& ",
                _ => " | ",
            });
        } else {
            out.push(' ');
        }
        command(out, c);
    }
    out.push(')');
}

fn command(out: &mut String, c: &Command) {
    match c {
        Command::Simple(s) => simple(out, s),
        Command::Compound(cc) => compound(out, cc),
        Command::FunctionDef(f) => {
            out.push_str("(function ");
            out.push_str(&quote_bare(&f.name));
            out.push(' ');
            compound(out, &f.body);
            out.push(')');
        }
        Command::Coproc(cp) => {
            out.push_str("(coproc ");
            if let Some(n) = &cp.name {
                out.push_str(&quote_bare(n));
                out.push(' ');
            }
            command(out, &cp.command);
            out.push(')');
        }
    }
}

enum Elem<'a> {
    Assign(&'a Assignment),
    Word(&'a Word),
    Redir(&'a Redirection),
}

fn simple(out: &mut String, s: &SimpleCommand) {
    let mut elems: Vec<(u32, Elem<'_>)> = Vec::new();
    elems.extend(
        s.assignments
            .iter()
            .map(|a| (a.span.start, Elem::Assign(a))),
    );
    elems.extend(s.words.iter().map(|w| (w.span.start, Elem::Word(w))));
    elems.extend(
        s.redirections
            .iter()
            .map(|r| (r.span.start, Elem::Redir(r))),
    );
    crate::sorted::sort_by_key(&mut elems, |e| e.0);
    out.push_str("(cmd");
    for (_, e) in elems {
        out.push(' ');
        match e {
            Elem::Assign(a) => assignment(out, a),
            Elem::Word(w) => word(out, w),
            Elem::Redir(r) => redirection(out, r),
        }
    }
    out.push(')');
}

fn assignment(out: &mut String, a: &Assignment) {
    out.push('(');
    out.push_str(if a.append { "+=" } else { "=" });
    out.push(' ');
    out.push_str(&quote_bare(&a.name));
    if let Some(sub) = &a.subscript {
        out.push_str(" (sub ");
        word(out, &sub.expr);
        out.push(')');
    }
    out.push(' ');
    match &a.value {
        AssignValue::Scalar(w) => word(out, w),
        AssignValue::Array(arr) => {
            out.push_str("(array");
            for w in &arr.elements {
                out.push(' ');
                word(out, w);
            }
            out.push(')');
        }
    }
    out.push(')');
}

fn redirection(out: &mut String, r: &Redirection) {
    out.push('(');
    match &r.fd {
        Some(RedirFd::Number(n)) => {
            let _ = write!(out, "{n}");
        }
        Some(RedirFd::Named(n)) => {
            let _ = write!(out, "{{{n}}}");
        }
        None => {}
    }
    out.push_str(r.op.as_str());
    out.push(' ');
    match &r.target {
        RedirTarget::Word(w) => word(out, w),
        RedirTarget::Fd { fd, close_source } => {
            let _ = write!(out, "&{fd}{}", if *close_source { "-" } else { "" });
        }
        RedirTarget::Close => out.push_str("&-"),
    }
    if let Some(h) = &r.heredoc {
        out.push_str(" (heredoc ");
        out.push_str(&quote_str(&h.delimiter));
        if h.quoted {
            out.push_str(" quoted");
        }
        if h.strip_tabs {
            out.push_str(" strip");
        }
        for p in &h.body {
            out.push(' ');
            part(out, p);
        }
        out.push(')');
    }
    out.push(')');
}

fn compound(out: &mut String, cc: &CompoundCommand) {
    if !cc.redirections.is_empty() {
        out.push_str("(redirected ");
    }
    match &cc.kind {
        CompoundKind::Subshell(l) => tagged_list(out, "subshell", l),
        CompoundKind::Group(l) => tagged_list(out, "group", l),
        CompoundKind::If(i) => {
            out.push_str(if i.zsh { "(if-zsh " } else { "(if " });
            list(out, &i.condition);
            out.push(' ');
            list(out, &i.then_body);
            for e in &i.elifs {
                out.push_str(" (elif ");
                list(out, &e.condition);
                out.push(' ');
                list(out, &e.body);
                out.push(')');
            }
            if let Some(e) = &i.else_body {
                out.push_str(" (else ");
                list(out, e);
                out.push(')');
            }
            out.push(')');
        }
        CompoundKind::For(f) | CompoundKind::Select(f) | CompoundKind::Foreach(f) => {
            let tag = match &cc.kind {
                CompoundKind::Select(_) => "select",
                CompoundKind::Foreach(_) => "foreach",
                _ if f.zsh => "for-zsh",
                _ => "for",
            };
            let _ = write!(out, "({tag} {}", quote_bare(&f.var));
            if let Some(ws) = &f.words {
                out.push_str(" (in");
                for w in ws {
                    out.push(' ');
                    word(out, w);
                }
                out.push(')');
            }
            out.push(' ');
            list(out, &f.body);
            out.push(')');
        }
        CompoundKind::ArithFor(f) => {
            out.push_str("(arith-for ");
            word(out, &f.init);
            out.push(' ');
            word(out, &f.cond);
            out.push(' ');
            word(out, &f.update);
            out.push(' ');
            list(out, &f.body);
            out.push(')');
        }
        CompoundKind::While(l) | CompoundKind::Until(l) => {
            let tag = if matches!(cc.kind, CompoundKind::While(_)) {
                "while"
            } else {
                "until"
            };
            let _ = write!(out, "({tag}{} ", if l.zsh { "-zsh" } else { "" });
            list(out, &l.condition);
            out.push(' ');
            list(out, &l.body);
            out.push(')');
        }
        CompoundKind::Case(c) => {
            out.push_str("(case ");
            word(out, &c.word);
            for it in &c.items {
                out.push_str(" (");
                for (i, p) in it.patterns.iter().enumerate() {
                    if i > 0 {
                        out.push('|');
                    }
                    word(out, p);
                }
                out.push_str(") ");
                list(out, &it.body);
                if let Some(t) = it.terminator {
                    out.push_str(match t.kind {
                        CaseTerminatorKind::Break => " ;;",
                        CaseTerminatorKind::FallThrough => " ;&",
                        CaseTerminatorKind::Continue => " ;;&",
                    });
                }
            }
            out.push(')');
        }
        CompoundKind::Arith(a) => {
            out.push_str("(arith ");
            word(out, &a.expr);
            out.push(')');
        }
        CompoundKind::Cond(c) => {
            out.push_str("(cond");
            if let Some(e) = &c.expr {
                out.push(' ');
                cond(out, e);
            }
            out.push(')');
        }
        CompoundKind::Repeat(r) => {
            out.push_str("(repeat ");
            word(out, &r.count);
            out.push(' ');
            list(out, &r.body);
            out.push(')');
        }
        CompoundKind::Always(a) => {
            out.push_str("(always ");
            list(out, &a.try_body);
            out.push(' ');
            list(out, &a.always_body);
            out.push(')');
        }
    }
    if !cc.redirections.is_empty() {
        for r in &cc.redirections {
            out.push(' ');
            redirection(out, r);
        }
        out.push(')');
    }
}

fn tagged_list(out: &mut String, tag: &str, l: &List) {
    out.push('(');
    out.push_str(tag);
    out.push(' ');
    list(out, l);
    out.push(')');
}

fn cond(out: &mut String, e: &CondExpr) {
    match e {
        CondExpr::Unary { op, operand, .. } => {
            let _ = write!(out, "({op} ");
            word(out, operand);
            out.push(')');
        }
        CondExpr::Binary {
            op, left, right, ..
        } => {
            let _ = write!(out, "({op} ");
            word(out, left);
            out.push(' ');
            word(out, right);
            out.push(')');
        }
        CondExpr::Word(w) => word(out, w),
        CondExpr::Not { expr, .. } => {
            out.push_str("(! ");
            cond(out, expr);
            out.push(')');
        }
        CondExpr::Group { expr, .. } => {
            out.push_str("(paren ");
            cond(out, expr);
            out.push(')');
        }
        CondExpr::And { left, right, .. } | CondExpr::Or { left, right, .. } => {
            out.push_str(if matches!(e, CondExpr::And { .. }) {
                "(&& "
            } else {
                "(|| "
            });
            cond(out, left);
            out.push(' ');
            cond(out, right);
            out.push(')');
        }
    }
}

pub(super) fn word(out: &mut String, w: &Word) {
    let zsh: String = w.zsh.iter().map(|z| format!(" zsh:{z:?}")).collect();
    if let (Some(t), true) = (w.plain_text(), zsh.is_empty()) {
        out.push_str(&quote_bare(t));
        return;
    }
    out.push_str("(w");
    for p in &w.parts {
        out.push(' ');
        part(out, p);
    }
    out.push_str(&zsh);
    out.push(')');
}

fn parts_inline(out: &mut String, ps: &[WordPart]) {
    match ps {
        [one] => part(out, one),
        _ => {
            out.push('(');
            for (i, p) in ps.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                part(out, p);
            }
            out.push(')');
        }
    }
}

fn part(out: &mut String, p: &WordPart) {
    match p {
        WordPart::Literal(l) => {
            let tag = match (l.quote, l.escaped) {
                (QuoteKind::Unquoted, false) => "",
                (QuoteKind::Unquoted, true) => "e",
                (QuoteKind::Single, _) => "s",
                (QuoteKind::Double, false) => "d",
                (QuoteKind::Double, true) => "de",
                (QuoteKind::AnsiC, _) => "a",
                (QuoteKind::Locale, _) => "l",
            };
            out.push_str(tag);
            out.push_str(&quote_str(&l.text));
        }
        WordPart::Param(pe) => param(out, pe),
        WordPart::CommandSubst(cs) => {
            let q = if cs.quoted { "q" } else { "" };
            let open = if cs.backtick { "`" } else { "$(" };
            let _ = write!(out, "({q}{open} ");
            script(out, &cs.script);
            out.push(')');
        }
        WordPart::ProcessSubst(ps) => {
            let open = match ps.dir {
                super::ProcessDir::In => "<(",
                super::ProcessDir::Out => ">(",
                super::ProcessDir::ZshEquals => "=(",
            };
            let _ = write!(out, "({open} ");
            script(out, &ps.script);
            out.push(')');
        }
        WordPart::Arith(a) => {
            let q = if a.quoted { "q" } else { "" };
            let open = if a.bracket { "$[" } else { "$((" };
            let _ = write!(out, "({q}{open} ");
            word(out, &a.expr);
            out.push(')');
        }
        WordPart::Brace(b) => match &b.kind {
            BraceKind::Alternatives(alts) => {
                out.push_str("(brace");
                for a in alts {
                    out.push(' ');
                    if a.is_empty() {
                        out.push_str("\"\"");
                    } else {
                        parts_inline(out, a);
                    }
                }
                out.push(')');
            }
            BraceKind::Sequence { start, end, step } => {
                let _ = write!(out, "(seq {start} {end}");
                if let Some(s) = step {
                    let _ = write!(out, " {s}");
                }
                out.push(')');
            }
        },
        WordPart::Glob(g) => {
            let _ = write!(out, "(glob {})", quote_str(&g.text));
        }
        WordPart::GlobQualifier(g) => {
            let _ = write!(out, "(qual {})", quote_str(&g.text));
        }
        WordPart::Extglob(e) => {
            let _ = write!(out, "(extglob {}", e.op);
            for p in &e.pattern {
                out.push(' ');
                part(out, p);
            }
            out.push(')');
        }
        WordPart::Tilde(t) => {
            out.push('~');
            out.push_str(&t.user);
        }
        WordPart::Array(a) => {
            out.push_str("(array");
            for w in &a.elements {
                out.push(' ');
                word(out, w);
            }
            out.push(')');
        }
        WordPart::Subscript(s) => {
            out.push_str("(sub ");
            word(out, &s.expr);
            out.push(')');
        }
    }
}

fn param(out: &mut String, pe: &ParamExpansion) {
    let q = if pe.quoted { "q" } else { "" };
    let simple =
        !pe.length && !pe.indirect && pe.subscript.is_none() && pe.op.is_none() && !pe.is_zsh();
    if simple {
        if pe.braced {
            let _ = write!(out, "{q}${{{}}}", pe.name);
        } else {
            let _ = write!(out, "{q}${}", pe.name);
        }
        return;
    }
    let _ = write!(out, "({q}${{ ");
    if let Some(f) = &pe.zsh_flags {
        let _ = write!(out, "zsh-flags:{} ", quote_str(f));
    }
    if !pe.zsh_modifiers.is_empty() {
        let _ = write!(out, "zsh-mod:{} ", quote_str(&pe.zsh_modifiers));
    }
    if pe.length {
        out.push_str("len ");
    }
    if pe.indirect {
        out.push_str("indirect ");
    }
    out.push_str(&quote_bare(&pe.name));
    if let Some(s) = &pe.subscript {
        out.push_str(" (sub ");
        word(out, &s.expr);
        out.push(')');
    }
    if let Some(op) = &pe.op {
        out.push(' ');
        out.push_str(&op_name(&op.kind));
        for a in &op.args {
            out.push(' ');
            word(out, a);
        }
    }
    out.push(')');
}

fn op_name(k: &ParamOpKind) -> String {
    let c = |colon: bool, s: &str| {
        if colon {
            format!(":{s}")
        } else {
            s.to_string()
        }
    };
    match k {
        ParamOpKind::Default { colon } => c(*colon, "-"),
        ParamOpKind::Assign { colon } => c(*colon, "="),
        ParamOpKind::Error { colon } => c(*colon, "?"),
        ParamOpKind::Alternate { colon } => c(*colon, "+"),
        ParamOpKind::RemovePrefix { longest } => if *longest { "##" } else { "#" }.to_string(),
        ParamOpKind::RemoveSuffix { longest } => if *longest { "%%" } else { "%" }.to_string(),
        ParamOpKind::Replace { all, anchor } => {
            let mut s = String::from(if *all { "//" } else { "/" });
            if let Some(a) = anchor {
                s.push(*a);
            }
            s
        }
        ParamOpKind::Case { upper, all } => {
            let ch = if *upper { "^" } else { "," };
            if *all {
                ch.repeat(2)
            } else {
                ch.to_string()
            }
        }
        ParamOpKind::Substring => "substr".to_string(),
        ParamOpKind::Transform(c) => format!("@{c}"),
        ParamOpKind::PrefixList => "prefix-list".to_string(),
        ParamOpKind::Invalid => "invalid".to_string(),
    }
}

/// Bare when unambiguous in the S-expression, otherwise a quoted string.
fn quote_bare(s: &str) -> String {
    let needs = s.is_empty()
        || s.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '(' | ')' | '"' | '\\' | '\'')
        })
        || s.starts_with(['$', '~', 'e', 's', 'd', 'a', 'l', 'q'])
            && s.get(1..).is_some_and(|r| r.starts_with('"'));
    if needs {
        quote_str(s)
    } else {
        s.to_string()
    }
}

fn quote_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(o, "\\x{:02x}", u32::from(c));
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}
