//! Read-only traversal of a [`Script`], including scripts nested in words
//! (command/process substitutions in arguments, assignment values, redirection targets,
//! parameter arguments, arithmetic and unquoted heredoc bodies, P4-R27).

use super::{
    AssignValue, Command, CompoundCommand, CompoundKind, CondExpr, FunctionDef, List, Pipeline,
    RedirTarget, Redirection, Script, SimpleCommand, Word, WordPart,
};

/// Traversal stops descending below this nesting; the parser's own depth limit keeps real
/// ASTs far below it, so this only guards hand-built trees.
const MAX_WALK_DEPTH: u32 = 4096;

/// Where a visited node sits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommandContext {
    /// Number of enclosing command/process substitutions.
    pub substitution_depth: u32,
    /// Inside `<(…)`, `>(…)` or `=(…)`.
    pub in_process_substitution: bool,
    /// Inside a function body.
    pub in_function: bool,
    /// Inside an unquoted heredoc body.
    pub in_heredoc: bool,
    /// Stage index within the innermost pipeline.
    pub stage: u32,
    /// Number of stages of the innermost pipeline.
    pub stages: u32,
    /// The innermost list item runs in the background (`&`).
    pub background: bool,
    /// Structural nesting depth.
    pub depth: u32,
}

/// Callbacks for [`walk_script`]; every method defaults to doing nothing.
pub trait Visitor<'a> {
    /// Every script, the top one and nested ones.
    fn script(&mut self, _script: &'a Script, _ctx: &CommandContext) {}
    /// Every pipeline.
    fn pipeline(&mut self, _pipeline: &'a Pipeline, _ctx: &CommandContext) {}
    /// Every simple command, before its words are walked.
    fn simple_command(&mut self, _cmd: &'a SimpleCommand, _ctx: &CommandContext) {}
    /// Every compound command, before its body is walked.
    fn compound(&mut self, _cmd: &'a CompoundCommand, _ctx: &CommandContext) {}
    /// Every function definition, before its body is walked.
    fn function_def(&mut self, _def: &'a FunctionDef, _ctx: &CommandContext) {}
    /// Every word (arguments, assignment values, targets, patterns, nested words).
    fn word(&mut self, _word: &'a Word, _ctx: &CommandContext) {}
    /// Every redirection.
    fn redirection(&mut self, _redir: &'a Redirection, _ctx: &CommandContext) {}
}

/// Walks `script` depth-first in source order.
///
/// The visitor is a trait object: one copy of the traversal serves every visitor, where a
/// generic walker was compiled once per visitor type (plugin size, README G-R3).
pub fn walk_script<'a>(script: &'a Script, v: &mut dyn Visitor<'a>) {
    let ctx = CommandContext::default();
    script_inner(script, v, &ctx);
}

fn deeper(ctx: &CommandContext) -> Option<CommandContext> {
    if ctx.depth >= MAX_WALK_DEPTH {
        return None;
    }
    let mut c = *ctx;
    c.depth += 1;
    Some(c)
}

fn script_inner<'a>(s: &'a Script, v: &mut dyn Visitor<'a>, ctx: &CommandContext) {
    v.script(s, ctx);
    list(&s.list, v, ctx);
}

fn list<'a>(l: &'a List, v: &mut dyn Visitor<'a>, ctx: &CommandContext) {
    let Some(ctx) = deeper(ctx) else { return };
    for item in &l.items {
        let mut c = ctx;
        c.background = ctx.background
            || matches!(
                item.terminator,
                Some(super::Terminator {
                    kind: super::TerminatorKind::Amp,
                    ..
                })
            );
        pipeline(&item.and_or.first, v, &c);
        for t in &item.and_or.rest {
            pipeline(&t.pipeline, v, &c);
        }
    }
}

fn pipeline<'a>(p: &'a Pipeline, v: &mut dyn Visitor<'a>, ctx: &CommandContext) {
    v.pipeline(p, ctx);
    let n = u32::try_from(p.commands.len()).unwrap_or(u32::MAX);
    for (i, c) in p.commands.iter().enumerate() {
        let mut cx = *ctx;
        cx.stage = u32::try_from(i).unwrap_or(u32::MAX);
        cx.stages = n;
        command(c, v, &cx);
    }
}

fn command<'a>(c: &'a Command, v: &mut dyn Visitor<'a>, ctx: &CommandContext) {
    let Some(ctx) = deeper(ctx) else { return };
    match c {
        Command::Simple(s) => {
            v.simple_command(s, &ctx);
            for a in &s.assignments {
                if let Some(sub) = &a.subscript {
                    word(&sub.expr, v, &ctx);
                }
                match &a.value {
                    AssignValue::Scalar(w) => word(w, v, &ctx),
                    AssignValue::Array(arr) => {
                        for w in &arr.elements {
                            word(w, v, &ctx);
                        }
                    }
                }
            }
            for w in &s.words {
                word(w, v, &ctx);
            }
            for r in &s.redirections {
                redirection(r, v, &ctx);
            }
        }
        Command::Compound(cc) => compound(cc, v, &ctx),
        Command::FunctionDef(f) => {
            v.function_def(f, &ctx);
            let mut cx = ctx;
            cx.in_function = true;
            compound(&f.body, v, &cx);
        }
        Command::Coproc(cp) => command(&cp.command, v, &ctx),
    }
}

fn words<'a>(ws: &'a [Word], v: &mut dyn Visitor<'a>, ctx: &CommandContext) {
    for w in ws {
        word(w, v, ctx);
    }
}

fn compound<'a>(cc: &'a CompoundCommand, v: &mut dyn Visitor<'a>, ctx: &CommandContext) {
    v.compound(cc, ctx);
    let mut cx = *ctx;
    cx.stage = 0;
    cx.stages = 1;
    let ctx = &cx;
    match &cc.kind {
        CompoundKind::Subshell(l) | CompoundKind::Group(l) => list(l, v, ctx),
        CompoundKind::If(i) => {
            list(&i.condition, v, ctx);
            list(&i.then_body, v, ctx);
            for e in &i.elifs {
                list(&e.condition, v, ctx);
                list(&e.body, v, ctx);
            }
            if let Some(e) = &i.else_body {
                list(e, v, ctx);
            }
        }
        CompoundKind::For(f) | CompoundKind::Select(f) | CompoundKind::Foreach(f) => {
            if let Some(ws) = &f.words {
                words(ws, v, ctx);
            }
            list(&f.body, v, ctx);
        }
        CompoundKind::ArithFor(f) => {
            word(&f.init, v, ctx);
            word(&f.cond, v, ctx);
            word(&f.update, v, ctx);
            list(&f.body, v, ctx);
        }
        CompoundKind::While(l) | CompoundKind::Until(l) => {
            list(&l.condition, v, ctx);
            list(&l.body, v, ctx);
        }
        CompoundKind::Case(c) => {
            word(&c.word, v, ctx);
            for item in &c.items {
                words(&item.patterns, v, ctx);
                list(&item.body, v, ctx);
            }
        }
        CompoundKind::Arith(a) => word(&a.expr, v, ctx),
        CompoundKind::Cond(c) => {
            if let Some(e) = &c.expr {
                cond(e, v, ctx);
            }
        }
        CompoundKind::Repeat(r) => {
            word(&r.count, v, ctx);
            list(&r.body, v, ctx);
        }
        CompoundKind::Always(a) => {
            list(&a.try_body, v, ctx);
            list(&a.always_body, v, ctx);
        }
    }
    for r in &cc.redirections {
        redirection(r, v, ctx);
    }
}

fn cond<'a>(e: &'a CondExpr, v: &mut dyn Visitor<'a>, ctx: &CommandContext) {
    let Some(ctx) = deeper(ctx) else { return };
    match e {
        CondExpr::Unary { operand, .. } => word(operand, v, &ctx),
        CondExpr::Binary { left, right, .. } => {
            word(left, v, &ctx);
            word(right, v, &ctx);
        }
        CondExpr::Word(w) => word(w, v, &ctx),
        CondExpr::Not { expr, .. } | CondExpr::Group { expr, .. } => cond(expr, v, &ctx),
        CondExpr::And { left, right, .. } | CondExpr::Or { left, right, .. } => {
            cond(left, v, &ctx);
            cond(right, v, &ctx);
        }
    }
}

fn redirection<'a>(r: &'a Redirection, v: &mut dyn Visitor<'a>, ctx: &CommandContext) {
    v.redirection(r, ctx);
    if let RedirTarget::Word(w) = &r.target {
        word(w, v, ctx);
    }
    if let Some(h) = &r.heredoc {
        let mut cx = *ctx;
        cx.in_heredoc = true;
        parts(&h.body, v, &cx);
    }
}

fn word<'a>(w: &'a Word, v: &mut dyn Visitor<'a>, ctx: &CommandContext) {
    v.word(w, ctx);
    parts(&w.parts, v, ctx);
}

fn parts<'a>(ps: &'a [WordPart], v: &mut dyn Visitor<'a>, ctx: &CommandContext) {
    let Some(ctx) = deeper(ctx) else { return };
    for p in ps {
        match p {
            WordPart::Literal(_)
            | WordPart::Glob(_)
            | WordPart::GlobQualifier(_)
            | WordPart::Tilde(_) => {}
            WordPart::Param(pe) => {
                if let Some(s) = &pe.subscript {
                    word(&s.expr, v, &ctx);
                }
                if let Some(op) = &pe.op {
                    words(&op.args, v, &ctx);
                }
            }
            WordPart::CommandSubst(cs) => {
                let mut cx = ctx;
                cx.substitution_depth += 1;
                cx.stage = 0;
                cx.stages = 1;
                script_inner(&cs.script, v, &cx);
            }
            WordPart::ProcessSubst(ps) => {
                let mut cx = ctx;
                cx.substitution_depth += 1;
                cx.in_process_substitution = true;
                cx.stage = 0;
                cx.stages = 1;
                script_inner(&ps.script, v, &cx);
            }
            WordPart::Arith(a) => word(&a.expr, v, &ctx),
            WordPart::Brace(b) => {
                if let super::BraceKind::Alternatives(alts) = &b.kind {
                    for alt in alts {
                        parts(alt, v, &ctx);
                    }
                }
            }
            WordPart::Extglob(e) => parts(&e.pattern, v, &ctx),
            WordPart::Array(a) => words(&a.elements, v, &ctx),
            WordPart::Subscript(s) => word(&s.expr, v, &ctx),
        }
    }
}
