//! The semantic model (P4 §4): every simple command that can run, with its argv as the shell
//! would compute it statically, where it runs (top level, pipeline stage, substitution, nested
//! script, carried by a wrapper), and the variable values known at that point.
//!
//! Values are used to find dangerous things, never to grant `allow` (P4-R4).

use super::ast::{
    AndOrOp, AssignValue, Command, CompoundKind, CondExpr, List, ParamExpansion, RedirOp,
    RedirTarget, Redirection, Script, SimpleCommand, Span, TerminatorKind, Word, WordPart,
};
use super::parser::{parse, ParseLimits};
use super::tables::{self, Classes};
use super::EvalContext;
use crate::sorted::SortedMap;

pub(crate) use super::command::cut_chars;
pub use super::command::{Arg, Context, Cwd, ExecCommand, KnownInputs, Redir, Stdin};

/// A function definition seen in the script (fork-bomb detection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionInfo {
    /// Function name.
    pub name: String,
    /// How many times the body calls the function itself in a pipeline or background.
    pub self_calls: usize,
    /// Span of the definition.
    pub span: Span,
}

/// Something the walk itself noticed (structure rather than a single command).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// A command or process substitution; `literal_heredoc_cat` when exempt from check 6.
    Substitution {
        /// Span.
        span: Span,
        /// `$(cat <<'D' … D)` in argument position.
        literal_heredoc_cat: bool,
        /// Process substitution.
        process: bool,
    },
    /// A function definition.
    FunctionDef(Span),
    /// `coproc`.
    Coproc(Span),
    /// `select`.
    Select(Span),
    /// `&`.
    Background(Span),
    /// A nested shell (`sh -c`, stdin script, here-string to a shell).
    NestedShell(Span),
    /// A shell or interpreter started without a script: interactive.
    InteractiveShell(Span),
    /// A script we could not read (non-literal `sh -c "$x"`, `eval "$x"`, a script file).
    UnknownScript(Span, String),
    /// A wrapper whose options could not be parsed.
    WrapperUnparsed(Span, String),
    /// Wrappers nested deeper than [`MAX_WRAPPER_DEPTH`].
    WrapperDepth(Span),
    /// A limit was hit while walking.
    Limit(&'static str, Span),
    /// A nested script string failed to parse.
    NestedParseError(Span, String),
}

/// The directory a wrapper runs its command in: `env -C DIR`/`--chdir`, `sudo -D DIR`/
/// `--chdir`. `Some(None)`: it changes directory to a place only known at run time.
fn chdir_of(cmd: &ExecCommand) -> Option<Option<String>> {
    // The letter that changes directory, the other letters that take a value, the long name.
    let (letter, valued, long) = match cmd.base_name()? {
        "env" => ('C', "uSP", "--chdir"),
        "sudo" => ('D', "ughpCrtTU", "--chdir"),
        _ => return None,
    };
    let mut args = cmd.args().iter();
    while let Some(a) = args.next() {
        let Some(t) = a.value.as_deref() else {
            continue;
        };
        if t == "--" || !t.starts_with('-') || t == "-" {
            break;
        }
        if let Some(rest) = t.strip_prefix(long) {
            return match rest.strip_prefix('=') {
                Some(v) => Some(Some(v.to_string())),
                None if rest.is_empty() => Some(args.next().and_then(|v| v.value.clone())),
                None => None,
            };
        }
        if t.starts_with("--") {
            continue;
        }
        // A cluster (`-iC DIR`, `-iCDIR`): a value-taking letter ends it.
        for (i, ch) in t.char_indices().skip(1) {
            let rest = t.get(i + ch.len_utf8()..).unwrap_or("");
            if ch == letter {
                return Some(if rest.is_empty() {
                    args.next().and_then(|v| v.value.clone())
                } else {
                    Some(rest.to_string())
                });
            }
            if valued.contains(ch) {
                if rest.is_empty() {
                    args.next();
                }
                break;
            }
        }
    }
    None
}

/// Possible values tracked per variable before it counts as unknown (P4-R25).
pub const MAX_VALUES_PER_VAR: usize = 16;
/// Argv variants evaluated per command (P4-R25).
pub const MAX_VARIANTS: usize = 64;

/// Most wrappers looked through before answering ask (P4 §2).
pub const MAX_WRAPPER_DEPTH: usize = 8;

/// The result of the walk.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Every executed command in source order.
    pub commands: Vec<ExecCommand>,
    /// Structural notes.
    pub notes: Vec<Note>,
    /// Function definitions.
    pub functions: Vec<FunctionInfo>,
    /// Names of functions invoked anywhere.
    pub invoked: Vec<String>,
    /// Heredoc bodies of the top-level input, and whether a shell may read the body as its
    /// script (check 4 scans only those as shell text).
    pub heredoc_bodies: Vec<(Span, bool)>,
    /// Words of the top-level input that are inline code of an interpreter whose comments
    /// start with `#` (`python -c CODE`, `perl -e CODE`, `ruby -e`, `php -r`), for check 4.
    pub hash_comment_code: Vec<Span>,
    /// The literal script texts that commands of the input's own text carry and that the
    /// walk analysed as nested scripts (`sh -c`, `eval`, awk `system()`, tmux and ssh command
    /// lines, shell commands in inline interpreter code, a heredoc fed to a shell, a script
    /// file written and run): each with its carrier command's span. The text checks (9, 11–14,
    /// 17–20) read each one as a unit of its own, as they read the input (issue 16 item 2:
    /// found commands go through the full checker).
    pub scripts: Vec<(Span, String)>,
}

/// Interpreter families whose inline code treats a line starting with `#` as a comment, with
/// the option letters that take the code.
const HASH_COMMENT_CODE: &[(&str, &[u8])] = &[
    ("python", b"c"),
    ("perl", b"eE"),
    ("ruby", b"e"),
    ("php", b"r"),
];

/// The span of the inline-code word of `#`-comment interpreter code (`python -c CODE`,
/// `perl -ne CODE`): options are read up to the first operand; the code option ends a cluster.
fn hash_comment_code(c: &ExecCommand) -> Option<Span> {
    let name = c.base_name()?;
    // Every family in the table starts with `p` or `r`: one byte settles most commands.
    if !matches!(name.as_bytes().first(), Some(b'p' | b'r')) || c.argv.len() < 3 {
        return None;
    }
    let family = tables::interpreter_family(name)?;
    let opts = HASH_COMMENT_CODE.iter().find(|(n, _)| *n == family)?.1;
    let mut args = c.args().iter();
    while let Some(a) = args.next() {
        let flags = a.value.as_deref()?.strip_prefix('-')?;
        if flags.is_empty() || flags.starts_with('-') {
            return None;
        }
        if flags.bytes().last().is_some_and(|b| opts.contains(&b)) {
            return args.next().map(|a| a.span);
        }
    }
    None
}

/// Walk limits.
#[derive(Debug, Clone, Copy)]
pub struct WalkLimits {
    /// Executed commands, nested included.
    pub max_commands: usize,
    /// Nesting of nested scripts and substitutions.
    pub max_depth: usize,
    /// Words a brace expansion may produce.
    pub max_brace_words: usize,
    /// Parser limits for nested script strings.
    pub parse: ParseLimits,
}

impl WalkLimits {
    /// The limits the operator configured (`bashSecurity.limits`): the one mapping from
    /// settings to walk and parse limits, used by the policy and by check 12's re-walk.
    pub fn from_config(l: &super::LimitsConfig) -> Self {
        let to = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        WalkLimits {
            max_commands: to(l.max_commands),
            max_depth: to(l.max_depth),
            max_brace_words: to(l.max_brace_words),
            parse: ParseLimits {
                max_input_bytes: to(l.max_input_bytes),
                max_nodes: to(l.max_nodes),
                max_depth: to(l.max_depth),
                max_brace_words_per_word: to(l.max_brace_words),
                max_brace_words_per_command: to(l.max_brace_words).saturating_mul(8),
            },
        }
    }
}

struct Walker<'c> {
    ctx: &'c EvalContext,
    limits: WalkLimits,
    model: Model,
    /// Possible values of each tracked variable (`None` = unknown), P4-R25.
    vars: SortedMap<String, Vec<Option<String>>>,
    /// Values pinned while computing one argv variant.
    pins: SortedMap<String, String>,
    after_cd: bool,
    /// A virtual environment of the workspace was activated (see
    /// [`ExecCommand::venv_active`]).
    venv_active: bool,
    /// The tracked working directory (see [`Cwd`]).
    cwd: Cwd,
    /// `cd`s seen so far: lets a list or compound tell that one ran inside it.
    cds: usize,
    /// Depth of branches, loops and function bodies: a `cd` there makes the cwd unknown.
    branchy: usize,
    /// The context's cwd lies inside the workspace (computed once: every command asks).
    context_cwd_in_ws: bool,
    /// When walking a nested script string, every span maps to the carrier word's span.
    base: Option<Span>,
    depth: usize,
    stopped: bool,
    /// Script files this command wrote from a quoted heredoc and has not touched since
    /// (see [`super::script_files`]).
    scripts: Vec<super::script_files::Written>,
    /// The pipeline being walked starts its and-or list, or follows only no-op `cd`s joined
    /// by `&&`: it runs whenever the list item runs.
    chain_sure: bool,
    /// Paths the commands walked so far may have written (`true`: only by a write
    /// redirection); `None` once one may have written anywhere (see
    /// [`ExecCommand::fresh_fs`]).
    touched: Option<Vec<(String, bool)>>,
}

#[derive(Clone, Copy)]
struct Env {
    context: Context,
    in_subst: bool,
    background: bool,
}

/// Builds the semantic model of a parsed script.
pub fn analyze(script: &Script, ctx: &EvalContext, limits: WalkLimits) -> Model {
    let mut w = Walker {
        ctx,
        limits,
        model: Model::default(),
        vars: SortedMap::new(),
        pins: SortedMap::new(),
        after_cd: false,
        venv_active: false,
        cwd: Cwd::Context,
        cds: 0,
        branchy: 0,
        context_cwd_in_ws: !ctx.workspace.is_empty()
            && super::paths::is_within(
                &super::command::context_cwd_ref(ctx),
                &ctx.workspace,
                ctx.os,
            ),
        base: None,
        depth: 0,
        stopped: false,
        scripts: Vec::new(),
        chain_sure: false,
        touched: Some(Vec::new()),
    };
    let env = Env {
        context: Context::Top,
        in_subst: false,
        background: false,
    };
    w.list(&script.list, env);
    w.model
}

impl Walker<'_> {
    fn span(&self, s: Span) -> Span {
        self.base.unwrap_or(s)
    }

    fn limit(&mut self, which: &'static str, s: Span) {
        if !self.stopped {
            let sp = self.span(s);
            self.model.notes.push(Note::Limit(which, sp));
        }
        self.stopped = true;
    }

    fn list(&mut self, list: &List, env: Env) {
        for item in &list.items {
            if self.stopped {
                return;
            }
            let bg = matches!(item.terminator.map(|t| t.kind), Some(TerminatorKind::Amp));
            if bg {
                let sp = self.span(item.span);
                self.model.notes.push(Note::Background(sp));
            }
            let env = Env {
                background: env.background || bg,
                ..env
            };
            let ao = &item.and_or;
            let (before, cds) = (self.cwd.clone(), self.cds);
            self.chain_sure = true;
            // The directories are compared only around a lone `cd` (rare): listed then only.
            let single = is_single_cd(&ao.first.commands);
            let before_dirs = if single {
                self.cwd.dirs(self.ctx)
            } else {
                None
            };
            self.pipeline(&ao.first.commands, env);
            let mut prev_noop_cd =
                single && before_dirs.is_some() && self.cwd.dirs(self.ctx) == before_dirs;
            for t in &ao.rest {
                // `cd x || cmd`: cmd runs where the failed cd left it.
                if self.cds != cds && t.op == AndOrOp::Or {
                    self.cwd = Cwd::Unknown;
                }
                self.chain_sure = self.chain_sure && prev_noop_cd && t.op == AndOrOp::And;
                let single = is_single_cd(&t.pipeline.commands);
                let at = if single {
                    self.cwd.dirs(self.ctx)
                } else {
                    None
                };
                self.pipeline(&t.pipeline.commands, env);
                prev_noop_cd = single && at.is_some() && self.cwd.dirs(self.ctx) == at;
            }
            self.chain_sure = false;
            if self.cds != cds {
                // The cd may have failed (or its `&&` chain stopped): both stay possible.
                self.cwd = self.cwd_union(&before);
            }
        }
    }

    fn pipeline(&mut self, commands: &[Command], env: Env) {
        let n = commands.len();
        for (i, c) in commands.iter().enumerate() {
            let context = if n > 1 && env.context == Context::Top {
                Context::Stage { index: i, of: n }
            } else {
                env.context
            };
            let stage = (i, n);
            self.command(c, Env { context, ..env }, stage);
        }
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self), s: Span) {
        if self.depth >= self.limits.max_depth {
            self.limit("depth", s);
            return;
        }
        self.depth += 1;
        f(self);
        self.depth -= 1;
    }

    fn command(&mut self, c: &Command, env: Env, stage: (usize, usize)) {
        match c {
            Command::Simple(s) => self.simple(s, env, stage),
            Command::Compound(cc) => {
                self.redirs(&cc.redirections, env);
                let redirs = self.eval_redirs(&cc.redirections);
                let reads = |r: &Redir| matches!(r.op, RedirOp::Read | RedirOp::ReadWrite);
                if redirs.iter().any(|r| r.op.writes() || reads(r)) {
                    // A compound's output redirection is a write like any other (check 7),
                    // and its input redirection a read (`while read l; do echo "$l"; done <
                    // ~/.ssh/id_rsa` prints the key: check 23).
                    self.push(ExecCommand {
                        argv: Vec::new(),
                        assignments: Vec::new(),
                        redirs,
                        context: env.context,
                        in_substitution: env.in_subst,
                        wrappers: Vec::new(),
                        span: self.span(cc.span),
                        after_cd: self.after_cd,
                        venv_active: self.venv_active,
                        cwd: self.cwd.clone(),
                        cwd_in_workspace: self.cwd_in_workspace(),
                        background: env.background,
                        piped_stdin: stage.0 > 0,
                        piped_stdout: stage.0 + 1 < stage.1,
                        stdin_heredoc: false,
                        known_script: false,
                        fresh_fs: false,
                        inputs: None,
                        variants: Vec::new(),
                    });
                    // It may have rewritten a recorded script file.
                    self.scripts.clear();
                    self.touched = None;
                }
                let (before, cds) = (self.cwd.clone(), self.cds);
                self.nested(|w| w.compound(&cc.kind, env, cc.span), cc.span);
                if self.cds != cds {
                    self.cwd = match cc.kind {
                        // A subshell's cd ends with it.
                        CompoundKind::Subshell(_) => before,
                        CompoundKind::Group(_) if stage.1 == 1 && !env.background => {
                            self.cwd.clone()
                        }
                        _ => Cwd::Unknown,
                    };
                }
            }
            Command::FunctionDef(f) => {
                let sp = self.span(f.span);
                self.model.notes.push(Note::FunctionDef(sp));
                let before = self.model.commands.len();
                self.branchy += 1;
                self.nested(|w| w.compound(&f.body.kind, env, f.span), f.span);
                self.branchy -= 1;
                let self_calls = self
                    .model
                    .commands
                    .get(before..)
                    .unwrap_or(&[])
                    .iter()
                    .filter(|c| {
                        c.name() == Some(f.name.as_str())
                            && (c.background || c.piped_stdin || c.piped_stdout)
                    })
                    .count();
                self.model.functions.push(FunctionInfo {
                    name: f.name.clone(),
                    self_calls,
                    span: sp,
                });
            }
            Command::Coproc(cp) => {
                let sp = self.span(cp.span);
                self.model.notes.push(Note::Coproc(sp));
                self.nested(|w| w.command(&cp.command, env, (0, 1)), cp.span);
            }
        }
    }

    fn compound(&mut self, kind: &CompoundKind, env: Env, span: Span) {
        let env = Env {
            context: if matches!(env.context, Context::Stage { .. }) {
                Context::Top
            } else {
                env.context
            },
            ..env
        };
        let straight = matches!(kind, CompoundKind::Subshell(_) | CompoundKind::Group(_));
        if !straight {
            self.branchy += 1;
        }
        self.compound_kind(kind, env, span);
        if !straight {
            self.branchy -= 1;
        }
    }

    fn compound_kind(&mut self, kind: &CompoundKind, env: Env, span: Span) {
        match kind {
            CompoundKind::Subshell(l) | CompoundKind::Group(l) => self.list(l, env),
            CompoundKind::If(i) => {
                self.list(&i.condition, env);
                self.list(&i.then_body, env);
                for e in &i.elifs {
                    self.list(&e.condition, env);
                    self.list(&e.body, env);
                }
                if let Some(b) = &i.else_body {
                    self.list(b, env);
                }
            }
            CompoundKind::For(f) | CompoundKind::Foreach(f) => {
                for w in f.words.iter().flatten() {
                    self.word_nested(w, env);
                }
                self.loop_values(&f.var, f.words.as_deref());
                self.list(&f.body, env);
            }
            CompoundKind::Select(f) => {
                let sp = self.span(span);
                self.model.notes.push(Note::Select(sp));
                for w in f.words.iter().flatten() {
                    self.word_nested(w, env);
                }
                self.set_var(&f.var, None);
                self.list(&f.body, env);
            }
            CompoundKind::ArithFor(a) => {
                for w in [&a.init, &a.cond, &a.update] {
                    self.word_nested(w, env);
                }
                self.list(&a.body, env);
            }
            CompoundKind::While(l) | CompoundKind::Until(l) => {
                self.list(&l.condition, env);
                self.list(&l.body, env);
            }
            CompoundKind::Case(c) => {
                self.word_nested(&c.word, env);
                for item in &c.items {
                    for p in &item.patterns {
                        self.word_nested(p, env);
                    }
                    self.list(&item.body, env);
                }
            }
            CompoundKind::Arith(a) => self.word_nested(&a.expr, env),
            CompoundKind::Cond(c) => {
                if let Some(e) = &c.expr {
                    self.cond(e, env, 0);
                }
            }
            CompoundKind::Repeat(r) => {
                self.word_nested(&r.count, env);
                self.list(&r.body, env);
            }
            CompoundKind::Always(a) => {
                self.list(&a.try_body, env);
                self.list(&a.always_body, env);
            }
        }
    }

    fn cond(&mut self, e: &CondExpr, env: Env, depth: usize) {
        if depth > self.limits.max_depth {
            self.limit("depth", Span::default());
            return;
        }
        match e {
            CondExpr::Unary { operand, .. } => self.word_nested(operand, env),
            CondExpr::Binary { left, right, .. } => {
                self.word_nested(left, env);
                self.word_nested(right, env);
            }
            CondExpr::Word(w) => self.word_nested(w, env),
            CondExpr::Not { expr, .. } | CondExpr::Group { expr, .. } => {
                self.cond(expr, env, depth + 1)
            }
            CondExpr::And { left, right, .. } | CondExpr::Or { left, right, .. } => {
                self.cond(left, env, depth + 1);
                self.cond(right, env, depth + 1);
            }
        }
    }

    /// Walks the substitutions inside a word.
    fn word_nested(&mut self, w: &Word, env: Env) {
        self.parts_nested(&w.parts, env, w);
    }

    fn parts_nested(&mut self, parts: &[WordPart], env: Env, word: &Word) {
        for p in parts {
            if self.stopped {
                return;
            }
            match p {
                WordPart::CommandSubst(cs) => {
                    let exempt = literal_heredoc_cat(&cs.script);
                    let sp = self.span(cs.span);
                    self.model.notes.push(Note::Substitution {
                        span: sp,
                        literal_heredoc_cat: exempt,
                        process: false,
                    });
                    let inner = Env {
                        context: Context::Substitution,
                        in_subst: true,
                        background: false,
                    };
                    self.nested(|w| w.list(&cs.script.list, inner), cs.span);
                }
                WordPart::ProcessSubst(ps) => {
                    let sp = self.span(ps.span);
                    self.model.notes.push(Note::Substitution {
                        span: sp,
                        literal_heredoc_cat: false,
                        process: true,
                    });
                    let inner = Env {
                        context: Context::ProcessSubstitution,
                        in_subst: true,
                        background: false,
                    };
                    self.nested(|w| w.list(&ps.script.list, inner), ps.span);
                }
                WordPart::Param(pe) => self.param_nested(pe, env, word),
                WordPart::Arith(a) => self.word_nested(&a.expr, env),
                WordPart::Brace(b) => {
                    if let super::ast::BraceKind::Alternatives(alts) = &b.kind {
                        for alt in alts {
                            self.parts_nested(alt, env, word);
                        }
                    }
                }
                WordPart::Extglob(e) => self.parts_nested(&e.pattern, env, word),
                WordPart::Array(a) => {
                    for el in &a.elements {
                        self.word_nested(el, env);
                    }
                }
                WordPart::Subscript(s) => self.word_nested(&s.expr, env),
                WordPart::Literal(_)
                | WordPart::Glob(_)
                | WordPart::GlobQualifier(_)
                | WordPart::Tilde(_) => {}
            }
        }
    }

    fn param_nested(&mut self, pe: &ParamExpansion, env: Env, word: &Word) {
        if let Some(s) = &pe.subscript {
            self.word_nested(&s.expr, env);
        }
        if let Some(op) = &pe.op {
            for a in &op.args {
                self.parts_nested(&a.parts, env, word);
            }
        }
    }

    fn redirs(&mut self, redirs: &[Redirection], env: Env) {
        for r in redirs {
            if let RedirTarget::Word(w) = &r.target {
                self.word_nested(w, env);
            }
            if let Some(h) = &r.heredoc {
                if !h.quoted {
                    let w = Word {
                        span: h.body_span,
                        parts: h.body.clone(),
                        zsh: Vec::new(),
                    };
                    self.word_nested(&w, env);
                }
            }
        }
    }

    fn eval_redirs(&self, redirs: &[Redirection]) -> Vec<Redir> {
        redirs
            .iter()
            .map(|r| {
                let (target, is_file) = match &r.target {
                    RedirTarget::Word(w) => (self.eval_single(w).value, true),
                    RedirTarget::Fd { .. } | RedirTarget::Close => (None, false),
                };
                Redir {
                    op: r.op,
                    target,
                    is_file,
                    span: self.span(r.span),
                    literal_heredoc: r.heredoc.as_ref().is_some_and(|h| h.quoted),
                }
            })
            .collect()
    }

    /// Every path `cmd` may write, resolved, with `true` for those only a write redirection
    /// writes; `None` when that is not known. Commands that keep files only write their
    /// redirections; the simple file writers write at most the paths their words name (every
    /// word is taken, option values included: a superset); anything else is unknown.
    fn written_paths(&self, cmd: &ExecCommand) -> Option<Vec<(String, bool)>> {
        const WRITERS: &[&str] = &[
            "cp", "mv", "sed", "tee", "touch", "mkdir", "rm", "rmdir", "ln", "chmod",
        ];
        let mut out = Vec::new();
        for r in cmd.redirs.iter().filter(|r| r.op.writes() && r.is_file) {
            out.push((self.resolve_here(r.target.as_deref()?)?, true));
        }
        if super::script_files::keeps_files(cmd) {
            return Some(out);
        }
        let name = cmd.name()?;
        if !WRITERS.contains(&name) || !cmd.wrappers.is_empty() {
            return None;
        }
        // `sed -i` and a plain `cp` (no recursion, no links) leave a regular file a regular
        // file and make a missing one a regular file.
        let keeps_kind = name == "sed"
            || (name == "cp"
                && cmd.args().iter().all(|a| {
                    a.text()
                        .strip_prefix('-')
                        .is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b"finvpu".contains(&b)))
                }));
        for a in cmd.args() {
            let v = a.value.as_deref()?;
            if a.glob {
                return None;
            }
            let mut words = vec![v];
            if let Some(rest) = v.strip_prefix('-') {
                words.extend(rest.split_once('=').map(|(_, x)| x));
                words.extend(rest.get(1..).filter(|x| !x.is_empty()));
            }
            for w in words.into_iter().filter(|w| !w.is_empty()) {
                out.push((self.resolve_here(w)?, keeps_kind));
            }
        }
        Some(out)
    }

    /// The last redirection of descriptor 0 decides what the command reads on stdin.
    fn stdin_of(&self, s: &SimpleCommand) -> Stdin {
        let mut out = Stdin::Unknown;
        for r in &s.redirections {
            let fd0 = match &r.fd {
                None => true,
                Some(super::ast::RedirFd::Number(n)) => *n == 0,
                Some(super::ast::RedirFd::Named(_)) => false,
            };
            if !fd0 {
                continue;
            }
            out = match (&r.op, &r.heredoc, &r.target) {
                (RedirOp::HereDoc | RedirOp::HereDocStrip, Some(h), _) => {
                    let text = if h.quoted {
                        Some(body_text(&h.body))
                    } else {
                        Word {
                            span: h.body_span,
                            parts: h.body.clone(),
                            zsh: Vec::new(),
                        }
                        .literal_value_keep_globs()
                    };
                    text.map_or(Stdin::Unknown, Stdin::Text)
                }
                (RedirOp::HereString, _, RedirTarget::Word(w)) => w
                    .literal_value_keep_globs()
                    .map_or(Stdin::Unknown, |t| Stdin::Text(t + "\n")),
                (RedirOp::Read, _, RedirTarget::Word(w)) => {
                    let a = self.eval_single(w);
                    match a.value {
                        Some(v) if !a.glob && !v.is_empty() => Stdin::File(v),
                        _ => Stdin::Unknown,
                    }
                }
                (RedirOp::Read | RedirOp::ReadWrite | RedirOp::DupIn, _, _) => Stdin::Unknown,
                (RedirOp::HereDoc | RedirOp::HereDocStrip | RedirOp::HereString, _, _) => {
                    Stdin::Unknown
                }
                _ => continue,
            };
        }
        out
    }

    fn push(&mut self, c: ExecCommand) {
        if self.model.commands.len() >= self.limits.max_commands {
            let sp = c.span;
            self.limit("commands", sp);
            return;
        }
        self.model.commands.push(c);
    }

    fn simple(&mut self, s: &SimpleCommand, env: Env, stage: (usize, usize)) {
        // Substitutions anywhere in the command run before it.
        let mut assignments = Vec::new();
        for a in &s.assignments {
            match &a.value {
                AssignValue::Scalar(w) => {
                    self.word_nested(w, env);
                    let v = if a.subscript.is_none() && !a.append {
                        self.eval_assign(w)
                    } else {
                        None
                    };
                    assignments.push((a.name.clone(), v, self.span(a.span)));
                }
                AssignValue::Array(arr) => {
                    for el in &arr.elements {
                        self.word_nested(el, env);
                    }
                    assignments.push((a.name.clone(), None, self.span(a.span)));
                }
            }
        }
        for w in &s.words {
            self.word_nested(w, env);
        }
        self.redirs(&s.redirections, env);
        if self.stopped {
            return;
        }
        let mut argv = Vec::with_capacity(s.words.len());
        for w in &s.words {
            self.eval_word_into(w, &mut argv);
            if argv.len() > self.limits.max_brace_words.saturating_mul(8) {
                self.limit("brace_words", s.span);
                return;
            }
        }
        if argv.is_empty() {
            // Standalone assignments change state for the rest of the script (P4-R25).
            for (n, v, _) in &assignments {
                self.set_var(n, v.clone());
            }
        }
        let variants = self.variants(&s.words);
        let redirs = self.eval_redirs(&s.redirections);
        let stdin_heredoc = redirs.iter().any(|r| {
            matches!(
                r.op,
                RedirOp::HereDoc | RedirOp::HereDocStrip | RedirOp::HereString
            )
        });
        let cmd = ExecCommand {
            argv,
            assignments,
            redirs,
            context: env.context,
            in_substitution: env.in_subst,
            wrappers: Vec::new(),
            span: self.span(s.span),
            after_cd: self.after_cd,
            venv_active: self.venv_active,
            cwd: self.cwd.clone(),
            cwd_in_workspace: self.cwd_in_workspace(),
            background: env.background,
            piped_stdin: stage.0 > 0,
            piped_stdout: stage.0 + 1 < stage.1,
            stdin_heredoc,
            known_script: false,
            fresh_fs: self.touched.is_some()
                && self.depth == 0
                && self.branchy == 0
                && stage == (0, 1)
                && !env.background
                && !env.in_subst
                && env.context == Context::Top,
            inputs: None,
            variants,
        };
        let mut cmd = cmd;
        if matches!(cmd.name(), Some("patch" | "git" | "cp" | "mv")) {
            cmd.inputs = Some(Box::new(KnownInputs {
                stdin: if stage.0 > 0 {
                    Stdin::Unknown
                } else {
                    self.stdin_of(s)
                },
                files: self
                    .scripts
                    .iter()
                    .map(|w| (w.path.clone(), w.text.clone()))
                    .collect(),
                touched: self.touched.clone().unwrap_or_default(),
            }));
        }
        if matches!(cmd.name(), Some("cd" | "pushd" | "popd")) {
            self.after_cd = true;
            self.change_dir(&cmd, env, stage);
        }
        self.track_venv(&cmd, env, stage);
        if matches!(cmd.name(), Some("read" | "unset" | "mapfile" | "readarray")) {
            for a in cmd.args().iter().filter(|a| !a.text().starts_with('-')) {
                if let Some(v) = a.value.clone() {
                    self.set_var(&v, None);
                }
            }
        }
        if matches!(
            cmd.name(),
            Some("export" | "declare" | "typeset" | "local" | "readonly")
        ) {
            for a in cmd.args() {
                if let Some((n, v)) = a.text().split_once('=') {
                    let v = Some(v.to_string()).filter(|_| a.value.is_some());
                    self.set_var(n, v);
                }
            }
        }
        self.model.invoked.extend(cmd.name().map(str::to_string));
        // Spans are the input's own only outside nested script strings; heredocs are rare, so
        // the argv is only looked at when there is one.
        if self.base.is_none() && s.redirections.iter().any(|r| r.heredoc.is_some()) {
            let shell_reads = cmd.argv.iter().any(|a| {
                let n = super::paths::basename(a.text());
                tables::is_shell(n) || matches!(n, "eval" | "source" | ".")
            });
            for r in &s.redirections {
                if let Some(h) = &r.heredoc {
                    self.model.heredoc_bodies.push((h.body_span, shell_reads));
                }
            }
        }
        if let Some((text, path)) = self.known_script(&cmd) {
            self.run_known_script(cmd, &text, &path, env);
        } else {
            let before = self.model.commands.len();
            self.unwrap_and_push(cmd, s, env, 0);
            self.after_command(s, env, stage, before);
        }
    }

    /// The path a command with one possible cwd resolves `p` to.
    fn resolve_here(&self, p: &str) -> Option<String> {
        let dirs = self.cwd.dirs(self.ctx)?;
        let [d] = dirs.as_slice() else { return None };
        let at = EvalContext {
            cwd: d.clone(),
            home: self.ctx.home.clone(),
            ..EvalContext::default()
        };
        Some(super::paths::resolve(p, &at))
    }

    /// The recorded text of the script file `cmd` runs, with its path (top level only: in a
    /// loop or branch the text order is not the run order).
    fn known_script(&self, cmd: &ExecCommand) -> Option<(String, String)> {
        if self.scripts.is_empty() || self.depth > 0 || self.branchy > 0 || cmd.background {
            return None;
        }
        let (file, direct) = super::script_files::run_target(cmd)?;
        let path = self.resolve_here(&file)?;
        let w = self.scripts.iter().rev().find(|w| w.path == path)?;
        if direct && !super::script_files::shell_shebang(&w.text) {
            return None;
        }
        Some((w.text.clone(), path))
    }

    /// Walks a script file whose text this command wrote in place of the command that runs
    /// it; a script that may rewrite itself while running is an unknown script instead.
    fn run_known_script(&mut self, mut cmd: ExecCommand, text: &str, path: &str, env: Env) {
        let span = cmd.span;
        cmd.known_script = true;
        let sourced = matches!(cmd.name(), Some("source" | "."));
        self.push(cmd);
        let start = self.model.commands.len();
        self.script_string(text, span, Context::StringScript, env);
        let rewrites = self
            .model
            .commands
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .any(|c| super::script_files::may_rewrite(c, path));
        if rewrites {
            if let Some(c) = self.model.commands.get_mut(start.saturating_sub(1)) {
                c.known_script = false;
            }
            self.model.notes.push(Note::UnknownScript(
                span,
                "a script file that may rewrite itself while it runs".into(),
            ));
        }
        // A sourced script runs in this shell: a `cd` in it moves the commands after it
        // (`source x.sh && cat shadow` after `cd /etc` in x.sh), to a place not tracked here.
        if sourced
            && self
                .model
                .commands
                .get(start..)
                .unwrap_or(&[])
                .iter()
                .any(|c| matches!(c.base_name(), Some("cd" | "pushd" | "popd")))
        {
            self.cwd = Cwd::Unknown;
        }
        // What the script did to other files is not tracked.
        self.scripts.clear();
        self.touched = None;
    }

    /// Updates the recorded script files after a command ran: forgets what it may have
    /// changed, and records `cat > FILE << 'EOF'` when it surely ran.
    fn after_command(&mut self, s: &SimpleCommand, env: Env, stage: (usize, usize), at: usize) {
        let Some(cmd) = self.model.commands.get(at) else {
            self.scripts.clear();
            self.touched = None;
            return;
        };
        let wrote = if self.model.commands.len() != at + 1 {
            None
        } else {
            self.written_paths(cmd)
        };
        match (wrote, self.touched.as_mut()) {
            (Some(w), Some(t)) => t.extend(w),
            _ => self.touched = None,
        }
        if self.model.commands.len() != at + 1 || !super::script_files::keeps_files(cmd) {
            // Anything else, or a command that carried others, may have changed any file.
            self.scripts.clear();
            return;
        }
        let mut forget_all = false;
        let mut forget = Vec::new();
        for r in cmd.redirs.iter().filter(|r| r.op.writes() && r.is_file) {
            match r.target.as_deref().and_then(|t| self.resolve_here(t)) {
                Some(p) => forget.push(p),
                None => forget_all = true,
            }
        }
        if forget_all {
            self.scripts.clear();
            return;
        }
        self.scripts.retain(|w| !forget.contains(&w.path));
        let sure = self.chain_sure
            && self.depth == 0
            && self.branchy == 0
            && stage == (0, 1)
            && !env.background
            && !env.in_subst
            && env.context == Context::Top;
        if !sure {
            return;
        }
        let Some((target, text)) = super::script_files::heredoc_write(cmd, s) else {
            return;
        };
        if let Some(path) = self.resolve_here(&target) {
            self.scripts
                .push(super::script_files::Written { path, text });
        }
    }

    /// Pushes a command and whatever it carries (wrappers, nested scripts).
    /// Walks the `k`-th command a wrapper carries, with the wrapper recorded on it; the
    /// outer command's argv variants carry their own `k`-th command.
    #[allow(clippy::too_many_arguments)]
    fn push_carried(
        &mut self,
        cmd: &ExecCommand,
        wrapper: String,
        argv: Vec<Arg>,
        k: usize,
        s: &SimpleCommand,
        env: Env,
        wrap_depth: usize,
    ) {
        if wrap_depth + 1 > MAX_WRAPPER_DEPTH {
            self.model.notes.push(Note::WrapperDepth(cmd.span));
            return;
        }
        let mut inner = cmd.clone();
        inner.argv = argv;
        inner.variants = cmd
            .variants
            .iter()
            .filter_map(|v| {
                let mut alt = cmd.clone();
                alt.argv = v.clone();
                match super::wrappers::carried(&alt) {
                    super::wrappers::Carried::Command { argv, .. } if k == 0 => Some(argv),
                    super::wrappers::Carried::Commands { mut argvs, .. } if k < argvs.len() => {
                        Some(argvs.swap_remove(k))
                    }
                    _ => None,
                }
            })
            .collect();
        // `env -C DIR CMD` (and `sudo -D DIR`) runs CMD in DIR: relative paths resolve there
        // (`env -C ~/.aws cat credentials` reads the credentials).
        if let Some(dir) = chdir_of(cmd) {
            self.carried_cwd(&mut inner, dir.as_deref());
        }
        inner.wrappers.push(wrapper);
        inner.assignments = Vec::new();
        inner.redirs = Vec::new();
        self.unwrap_and_push(inner, s, env, wrap_depth + 1);
    }

    /// Moves a carried command to the directory its wrapper changes to (`None`: unknown).
    fn carried_cwd(&self, inner: &mut ExecCommand, dir: Option<&str>) {
        inner.after_cd = true;
        let dirs: Option<Vec<String>> = match dir {
            Some(d) if d.starts_with('/') || d == "~" || d.starts_with("~/") => {
                Some(vec![super::paths::resolve(d, self.ctx)])
            }
            Some(d) if !d.is_empty() => inner.cwd.dirs(self.ctx).map(|ds| {
                ds.iter()
                    .map(|b| super::paths::normalize(&format!("{b}/{d}")))
                    .collect()
            }),
            _ => None,
        };
        match dirs {
            Some(ds) => {
                let ws = &self.ctx.workspace;
                inner.cwd_in_workspace = !ws.is_empty()
                    && ds
                        .iter()
                        .all(|d| super::paths::is_within(d, ws, self.ctx.os));
                inner.cwd = Cwd::Dirs(ds.into());
            }
            None => {
                inner.cwd_in_workspace = false;
                inner.cwd = Cwd::Unknown;
            }
        }
    }

    fn unwrap_and_push(
        &mut self,
        cmd: ExecCommand,
        s: &SimpleCommand,
        env: Env,
        wrap_depth: usize,
    ) {
        if self.base.is_none() {
            if let Some(sp) = hash_comment_code(&cmd) {
                self.model.hash_comment_code.push(sp);
            }
        }
        let carried = super::wrappers::carried(&cmd);
        let heredoc_body = if cmd.stdin_heredoc {
            heredoc_text(s)
        } else {
            None
        };
        let span = cmd.span;
        // A `cd` carried by a wrapper still changes what later relative paths and git see.
        if matches!(cmd.base_name(), Some("cd" | "pushd" | "popd")) {
            self.after_cd = true;
            if wrap_depth > 0 || cmd.name() != cmd.base_name() {
                self.cds += 1;
                self.cwd = Cwd::Unknown;
            }
        }
        if matches!(carried, super::wrappers::Carried::None) {
            // Shell commands started by inline interpreter code (issue 16 item 2).
            let inline = super::inline_code::spawned(&cmd, heredoc_body.as_deref());
            // Nothing carried, the common case: the command moves into the model uncopied.
            self.push(cmd);
            if let Some(found) = inline {
                self.inline_scripts(found, span, env);
            }
            return;
        }
        self.push(cmd.clone());
        match carried {
            super::wrappers::Carried::None => {}
            super::wrappers::Carried::Command { wrapper, argv } => {
                self.push_carried(&cmd, wrapper, argv, 0, s, env, wrap_depth);
            }
            // `find -exec A ; -exec B ;`: each carried command on its own, still inside its
            // wrapper (its `{}` is a found path, not a file named `{}`).
            super::wrappers::Carried::Commands { wrapper, argvs } => {
                for (k, argv) in argvs.into_iter().enumerate() {
                    if argv.is_empty() {
                        self.model.notes.push(Note::WrapperUnparsed(
                            span,
                            format!("{wrapper}: no command after the options"),
                        ));
                    } else {
                        self.push_carried(&cmd, wrapper.clone(), argv, k, s, env, wrap_depth);
                    }
                }
            }
            super::wrappers::Carried::Unparsed { wrapper, reason } => {
                self.model
                    .notes
                    .push(Note::WrapperUnparsed(span, format!("{wrapper}: {reason}")));
                // P4-R29: the words after an unparsable wrapper may still hold a dangerous
                // command; every suffix that starts with a command the deny rules know is
                // checked (this can only make the verdict stricter).
                for j in 1..cmd.argv.len() {
                    let starts_known = cmd
                        .argv
                        .get(j)
                        .and_then(|a| a.value.as_deref())
                        .is_some_and(is_deny_scan_name);
                    if starts_known && wrap_depth < MAX_WRAPPER_DEPTH {
                        let mut inner = cmd.clone();
                        inner.argv = cmd.argv.get(j..).map(<[Arg]>::to_vec).unwrap_or_default();
                        inner.wrappers.push(format!("{wrapper} (unparsed)"));
                        inner.assignments = Vec::new();
                        inner.redirs = Vec::new();
                        self.unwrap_and_push(inner, s, env, wrap_depth + 1);
                    }
                }
            }
            super::wrappers::Carried::Script {
                text: Some(text), ..
            } => {
                // A literal `bash -c` script is judged by its commands (issue 16 item 7).
                if !super::wrappers::is_literal_shell_script(&cmd) {
                    self.model.notes.push(Note::NestedShell(span));
                }
                self.script_string(&text, span, Context::StringScript, env);
            }
            super::wrappers::Carried::Script { text: None, what } => {
                // A script file of the workspace is a project run (issue 16 item 6), judged
                // by `runProject` like `./FILE`, not an unknown script.
                if !super::project::is_workspace_shell_script(&cmd, self.ctx) {
                    self.model.notes.push(Note::UnknownScript(span, what));
                }
            }
            // Commands inside an awk/sed program (issue 16 item 1): walked like `sh -c`.
            super::wrappers::Carried::Scripts(list) => {
                for (text, what) in list {
                    match text {
                        Some(t) => self.script_string(&t, span, Context::StringScript, env),
                        None => self.model.notes.push(Note::UnknownScript(span, what)),
                    }
                }
            }
            super::wrappers::Carried::ShellNoScript => {
                if let Some(body) = heredoc_body {
                    self.model.notes.push(Note::NestedShell(span));
                    self.script_string(&body, span, Context::StdinScript, env);
                } else if !cmd.piped_stdin {
                    self.model.notes.push(Note::InteractiveShell(span));
                }
            }
        }
    }

    /// Walks the shell commands that inline interpreter code starts as nested scripts; an
    /// undecodable one is an unknown script (ask).
    fn inline_scripts(&mut self, found: super::inline_code::Spawned, span: Span, env: Env) {
        for text in &found.commands {
            self.model.notes.push(Note::NestedShell(span));
            self.script_string(text, span, Context::StringScript, env);
        }
        if let Some(what) = found.unknown {
            self.model.notes.push(Note::UnknownScript(
                span,
                format!("`{what}` in the interpreter's inline code"),
            ));
        }
    }

    fn script_string(&mut self, text: &str, carrier: Span, context: Context, env: Env) {
        if self.depth >= self.limits.max_depth {
            self.limit("depth", carrier);
            return;
        }
        // Only the input's own carriers: deeper scripts are the nested unit's own (its model
        // records them when the text checks analyse it).
        if self.base.is_none()
            && !self
                .model
                .scripts
                .iter()
                .any(|(sp, t)| *sp == carrier && t == text)
        {
            self.model.scripts.push((carrier, text.to_owned()));
        }
        let mut limits = self.limits.parse;
        limits.max_depth = limits.max_depth.saturating_sub(self.depth);
        let parsed = parse(text, &limits);
        if let Some(e) = &parsed.error {
            self.model
                .notes
                .push(Note::NestedParseError(carrier, e.message.clone()));
        }
        let saved = self.base;
        self.base = Some(saved.unwrap_or(carrier));
        self.depth += 1;
        let inner = Env {
            context,
            in_subst: env.in_subst,
            background: env.background,
        };
        // A nested shell's cd stays in that shell.
        let (cwd, cds) = (self.cwd.clone(), self.cds);
        self.list(&parsed.script.list, inner);
        self.cwd = cwd;
        self.cds = cds;
        self.depth -= 1;
        self.base = saved;
    }

    /// Tracks a `cd`/`pushd`/`popd` run by the shell itself (see [`Cwd`]).
    /// `source DIR/bin/activate` of a workspace environment, run for sure in this shell (not
    /// in a branch, a pipeline, the background or a substitution), makes its `pip` and
    /// `python` the ones later commands run (issue 16 item 6: "pip install inside an active
    /// venv under the workspace"); `deactivate` ends it.
    fn track_venv(&mut self, cmd: &ExecCommand, env: Env, stage: (usize, usize)) {
        match cmd.base_name() {
            Some("deactivate") => self.venv_active = false,
            Some("source" | ".") => {
                let straight = self.branchy == 0
                    && stage.1 == 1
                    && !env.in_subst
                    && !env.background
                    && env.context == Context::Top;
                let activate = cmd
                    .args()
                    .first()
                    .is_some_and(|a| a.text().ends_with("/bin/activate"));
                if straight
                    && activate
                    && super::project::is_workspace_sourced_script(cmd, self.ctx)
                {
                    self.venv_active = true;
                }
            }
            _ => {}
        }
    }

    fn change_dir(&mut self, cmd: &ExecCommand, env: Env, stage: (usize, usize)) {
        self.cds += 1;
        let straight = self.branchy == 0
            && stage.1 == 1
            && !env.in_subst
            && !env.background
            && matches!(
                env.context,
                Context::Top | Context::StringScript | Context::StdinScript
            );
        // CDPATH makes `cd name` search other directories, and `shopt -s cdable_vars` makes
        // it read a variable's value: either makes the target unknown.
        let cdpath = self.vars.contains_key("CDPATH")
            || cmd.assignments.iter().any(|(n, _, _)| n == "CDPATH")
            || self.ctx.env_keys.iter().any(|(n, _)| n == "CDPATH")
            || self.model.invoked.iter().any(|n| n == "shopt");
        let mut operands = cmd
            .args()
            .iter()
            .skip_while(|a| matches!(a.text(), "-L" | "-P" | "-e" | "-@" | "-LP" | "-PL" | "--"));
        let target = match (cmd.name(), operands.next(), operands.next()) {
            (Some("cd"), None, _) if !self.ctx.home.is_empty() => Some(self.ctx.home.clone()),
            (Some("cd" | "pushd"), Some(a), None) if !a.text().starts_with(['-', '+']) => {
                // `~user`, `~+`, `~-` name directories the walk does not know.
                a.value.clone().filter(|v| {
                    !v.is_empty() && (!v.starts_with('~') || v == "~" || v.starts_with("~/"))
                })
            }
            _ => None,
        };
        let next = match (straight && !cdpath, target) {
            (true, Some(t)) => match self.cwd.dirs(self.ctx) {
                Some(dirs) => {
                    let mut out: Vec<String> = Vec::new();
                    for d in dirs {
                        let at = EvalContext {
                            cwd: d,
                            home: self.ctx.home.clone(),
                            ..EvalContext::default()
                        };
                        let r = super::paths::resolve(&t, &at);
                        if !out.contains(&r) {
                            out.push(r);
                        }
                    }
                    Cwd::Dirs(out.into())
                }
                None => Cwd::Unknown,
            },
            _ => Cwd::Unknown,
        };
        self.cwd = next;
    }

    /// Either `before` or the current directory (a `cd` that may not have happened).
    fn cwd_union(&self, before: &Cwd) -> Cwd {
        match (before.dirs(self.ctx), self.cwd.dirs(self.ctx)) {
            (Some(mut a), Some(b)) => {
                for d in b {
                    if !a.contains(&d) {
                        a.push(d);
                    }
                }
                if self.cwd == Cwd::Context || (a.len() == 1 && *before == Cwd::Context) {
                    Cwd::Context
                } else {
                    Cwd::Dirs(a.into())
                }
            }
            _ => Cwd::Unknown,
        }
    }

    /// Whether every directory the next command may run in lies inside the workspace.
    fn cwd_in_workspace(&self) -> bool {
        let ws = &self.ctx.workspace;
        match &self.cwd {
            Cwd::Context => self.context_cwd_in_ws,
            Cwd::Dirs(dirs) => {
                !ws.is_empty()
                    && dirs
                        .iter()
                        .all(|d| super::paths::is_within(d, ws, self.ctx.os))
            }
            Cwd::Unknown => false,
        }
    }

    fn eval_assign(&self, w: &Word) -> Option<String> {
        self.eval_parts(&w.parts, true)
    }

    fn eval_single(&self, w: &Word) -> Arg {
        self.arg_of(w)
    }

    /// Appends the arguments word `w` becomes to `out` (into the caller's list: a `Vec` per
    /// word was one allocation per argument, P4-R49).
    fn eval_word_into(&self, w: &Word, out: &mut Vec<Arg>) {
        if w.has_brace() {
            match w.brace_expand(self.limits.max_brace_words) {
                Ok(words) => {
                    out.extend(words.iter().map(|x| {
                        let mut a = self.arg_of(x);
                        a.brace = true;
                        a
                    }));
                    return;
                }
                Err(_) => {
                    let mut a = self.arg_of(w);
                    a.value = None;
                    a.brace = true;
                    out.push(a);
                    return;
                }
            }
        }
        // An unquoted lone expansion of a known value is word-split (P4-R25).
        if let [WordPart::Param(pe)] = w.parts.as_slice() {
            if !pe.quoted && pe.op.is_none() && !pe.length && !pe.indirect {
                if let Some(Some(v)) = self.lookup(&pe.name) {
                    let split: Vec<&str> = v
                        .split([' ', '\t', '\n'])
                        .filter(|s| !s.is_empty())
                        .collect();
                    if split.len() > 1 && !self.vars.contains_key("IFS") {
                        out.extend(split.into_iter().map(|s| Arg {
                            value: Some(s.to_string()),
                            span: self.span(w.span),
                            plain: false,
                            glob: false,
                            substitution: false,
                            param: true,
                            brace: false,
                        }));
                        return;
                    }
                }
            }
        }
        out.push(self.arg_of(w));
    }

    /// The value of a variable when it has exactly one possible known value.
    fn lookup(&self, name: &str) -> Option<Option<String>> {
        if let Some(v) = self.pins.get(name) {
            return Some(Some(v.clone()));
        }
        match name {
            "HOME" => Some(Some(self.ctx.home.clone())),
            "PWD" => Some(Some(self.ctx.cwd.clone())),
            _ => self.vars.get(name).map(|set| match set.as_slice() {
                [one] => one.clone(),
                _ => None,
            }),
        }
    }

    /// `for f in a ~/.ssh/id_rsa; do cat "$f"; done`: the loop variable takes each value of
    /// the word list in turn, so each is a possible value (P4-R25) and the body is judged for
    /// every one of them (it was unknown, and `cat` of an unknown name is a plain read). A
    /// word with no known value (`$(…)`), a list from `"$@"` or one longer than the values
    /// tracked per variable leaves the variable unknown.
    fn loop_values(&mut self, var: &str, words: Option<&[Word]>) {
        let mut args = Vec::new();
        for w in words.unwrap_or_default() {
            self.eval_word_into(w, &mut args);
            if args.len() > MAX_VALUES_PER_VAR {
                break;
            }
        }
        if words.is_none() || args.is_empty() {
            self.set_var(var, None);
        }
        for a in args {
            self.set_var(var, a.value);
        }
    }

    /// Adds a possible value (P4-R25: every assignment counts from that point on).
    fn set_var(&mut self, name: &str, value: Option<String>) {
        let set = self.vars.entry(name.to_string()).or_default();
        if !set.contains(&value) {
            set.push(value);
        }
        if set.len() > MAX_VALUES_PER_VAR {
            *set = vec![None];
        }
    }

    /// Argv variants for every combination of the known values of multi-valued variables
    /// referenced by the command's words (capped at [`MAX_VARIANTS`]).
    fn variants(&mut self, words: &[Word]) -> Vec<Vec<Arg>> {
        let mut names = Vec::new();
        let mut note = |name: &str| {
            let multi = self.vars.get(name).is_some_and(|set| set.len() > 1);
            if multi && !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        };
        for w in words {
            for p in &w.parts {
                match p {
                    WordPart::Param(pe) => note(&pe.name),
                    // `$((line-20))` reads `line` by its bare name too.
                    WordPart::Arith(a) => {
                        for q in &a.expr.parts {
                            match q {
                                WordPart::Param(pe) => note(&pe.name),
                                WordPart::Literal(l) => l
                                    .text
                                    .split(|ch: char| ch != '_' && !ch.is_ascii_alphanumeric())
                                    .filter(|t| {
                                        t.starts_with(|ch: char| {
                                            ch == '_' || ch.is_ascii_alphabetic()
                                        })
                                    })
                                    .for_each(&mut note),
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        if names.is_empty() {
            return Vec::new();
        }
        let mut combos: Vec<SortedMap<String, String>> = vec![SortedMap::new()];
        let mut truncated = false;
        for n in &names {
            // An unknown possible value stays in as an unpinned variant (the variable then
            // evaluates as unknown), so the variants cover every value and a check may lift a
            // finding only when all of them are harmless.
            let values: Vec<Option<String>> =
                self.vars.get(n).map(|set| set.to_vec()).unwrap_or_default();
            let mut next = Vec::new();
            for c in &combos {
                for v in &values {
                    if next.len() >= MAX_VARIANTS {
                        // The dropped combinations are stood for by one with nothing
                        // pinned: every multi-valued variable unknown.
                        truncated = true;
                        break;
                    }
                    let mut c2 = c.clone();
                    if let Some(v) = v {
                        c2.insert(n.clone(), v.clone());
                    }
                    next.push(c2);
                }
            }
            combos = next;
        }
        if truncated {
            combos.push(SortedMap::new());
        }
        let mut out = Vec::new();
        for c in combos {
            self.pins = c;
            let mut argv = Vec::new();
            for w in words {
                self.eval_word_into(w, &mut argv);
            }
            out.push(argv);
        }
        self.pins.clear();
        out
    }

    fn arg_of(&self, w: &Word) -> Arg {
        let mut a = Arg {
            value: None,
            span: self.span(w.span),
            plain: w.is_plain_literal(),
            glob: false,
            substitution: false,
            param: false,
            brace: false,
        };
        for p in &w.parts {
            match p {
                WordPart::Glob(_) | WordPart::Extglob(_) | WordPart::GlobQualifier(_) => {
                    a.glob = true
                }
                WordPart::CommandSubst(_) | WordPart::ProcessSubst(_) => a.substitution = true,
                WordPart::Param(_) => a.param = true,
                _ => {}
            }
        }
        a.value = self.eval_parts(&w.parts, false);
        a
    }

    fn eval_parts(&self, parts: &[WordPart], assignment: bool) -> Option<String> {
        let mut out = String::new();
        for (i, p) in parts.iter().enumerate() {
            match p {
                WordPart::Literal(l) => out.push_str(&l.text),
                WordPart::Glob(g) => out.push_str(&g.text),
                WordPart::Tilde(t) if t.user.is_empty() && (i == 0 || assignment) => {
                    out.push_str(&self.ctx.home)
                }
                WordPart::Param(pe) if pe.is_plain() => match self.lookup(&pe.name) {
                    Some(Some(v)) => out.push_str(&v),
                    _ => return None,
                },
                WordPart::Param(pe)
                    if !pe.length && !pe.indirect && pe.subscript.is_none() && !pe.is_zsh() =>
                {
                    let Some(Some(v)) = self.lookup(&pe.name) else {
                        return None;
                    };
                    out.push_str(&self.with_op(&v, pe.op.as_ref())?);
                }
                WordPart::Arith(a) => out.push_str(&self.arith_value(&a.expr)?),
                // A function named `cat` would print something else.
                WordPart::CommandSubst(cs)
                    if cs.quoted && !self.model.functions.iter().any(|f| f.name == "cat") =>
                {
                    out.push_str(&literal_cat_heredoc(cs)?)
                }
                _ => return None,
            }
        }
        Some(out)
    }

    /// The value of `$((expr))` when it follows from literal numbers and variables with one
    /// known value (`$((line-20))` in `for line in 575 933`): `$VAR` is replaced by its value
    /// first, as bash does, then [`super::arith::eval`] evaluates the text.
    fn arith_value(&self, expr: &Word) -> Option<String> {
        let mut text = String::new();
        for p in &expr.parts {
            match p {
                WordPart::Literal(l) => text.push_str(&l.text),
                WordPart::Param(pe) if pe.is_plain() => {
                    text.push_str(&self.lookup(&pe.name)??);
                }
                _ => return None,
            }
        }
        let var = |name: &str| self.lookup(name).flatten();
        super::arith::eval(&text, &var).map(|v| v.to_string())
    }

    /// The value of `${NAME<op>…}` for a variable whose value `v` is known, for the operators
    /// whose result follows from it alone: `:?`/`?` and `:-`/`-` give `v` (set, and for the
    /// colon forms non-empty), `%`/`%%`/`#`/`##` with a literal pattern strip it once
    /// (`rm -rf "${HOME:?}"` and `"${HOME%/}"` name the home directory). Anything else is
    /// unknown.
    fn with_op(&self, v: &str, op: Option<&super::ast::ParamOp>) -> Option<String> {
        use super::ast::ParamOpKind as K;
        let Some(op) = op else {
            return Some(v.to_string());
        };
        match op.kind {
            K::Error { colon } | K::Default { colon } => {
                (!(colon && v.is_empty())).then(|| v.to_string())
            }
            K::RemoveSuffix { .. } | K::RemovePrefix { .. } => {
                let [pat] = op.args.as_slice() else {
                    return None;
                };
                let mut p = String::new();
                for part in &pat.parts {
                    match part {
                        WordPart::Literal(l) => p.push_str(&l.text),
                        _ => return None,
                    }
                }
                // A literal pattern matches only itself, shortest and longest alike.
                if p.contains(['*', '?', '[', '\\']) {
                    return None;
                }
                let stripped = if matches!(op.kind, K::RemoveSuffix { .. }) {
                    v.strip_suffix(p.as_str())
                } else {
                    v.strip_prefix(p.as_str())
                };
                Some(stripped.unwrap_or(v).to_string())
            }
            _ => None,
        }
    }
}

/// Whether a pipeline is one plain `cd` command.
fn is_single_cd(commands: &[Command]) -> bool {
    matches!(commands, [Command::Simple(s)] if s.words.first().and_then(Word::plain_text) == Some("cd"))
}

/// `$(cat <<'D' … D)`: a literal text block (exempt from check 6).
fn literal_heredoc_cat(script: &Script) -> bool {
    let [item] = script.list.items.as_slice() else {
        return false;
    };
    if !item.and_or.rest.is_empty() {
        return false;
    }
    let [Command::Simple(s)] = item.and_or.first.commands.as_slice() else {
        return false;
    };
    let [w] = s.words.as_slice() else {
        return false;
    };
    w.plain_text() == Some("cat")
        && s.assignments.is_empty()
        && !s.redirections.is_empty()
        && s.redirections
            .iter()
            .all(|r| r.heredoc.as_ref().is_some_and(|h| h.quoted))
}

/// The literal text fed to a command's stdin by a heredoc or here-string, when static.
fn heredoc_text(s: &SimpleCommand) -> Option<String> {
    for r in &s.redirections {
        match (&r.op, &r.heredoc, &r.target) {
            (RedirOp::HereDoc | RedirOp::HereDocStrip, Some(h), _) => {
                let w = Word {
                    span: h.body_span,
                    parts: h.body.clone(),
                    zsh: Vec::new(),
                };
                return if h.quoted {
                    Some(body_text(&h.body))
                } else {
                    w.literal_value_keep_globs()
                };
            }
            (RedirOp::HereString, _, RedirTarget::Word(w)) => return w.literal_value_keep_globs(),
            _ => {}
        }
    }
    None
}

fn body_text(parts: &[WordPart]) -> String {
    parts
        .iter()
        .filter_map(|p| match p {
            WordPart::Literal(l) => Some(l.text.as_str()),
            WordPart::Glob(g) => Some(g.text.as_str()),
            _ => None,
        })
        .collect()
}

/// Command names whose presence inside unparsed words is worth a deny-rule scan (P4-R29).
fn is_deny_scan_name(name: &str) -> bool {
    let base = crate::shell::paths::basename(name);
    tables::is_deny_rule_command(base)
        || tables::is(
            base,
            Classes::DESTRUCTIVE | Classes::WRAPPER | Classes::SHELL,
        )
        || tables::interpreter_family(base).is_some()
}

/// Whether `name` is a shell, `busybox sh`-style included, for pipe-to-shell decisions.
pub fn reads_program_from_stdin(c: &ExecCommand) -> bool {
    let Some(name) = c.base_name() else {
        return false;
    };
    let args = c.args();
    let (name, args) = if matches!(name, "busybox" | "toybox") {
        match args.split_first() {
            Some((a, rest)) => (a.text(), rest),
            None => return false,
        }
    } else {
        (name, args)
    };
    if tables::is_shell(name) {
        // A shell reads stdin unless it has -c or a script operand.
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let t = a.text();
            if a.value.is_none() {
                return false;
            }
            if t == "-s" || t == "-" || t == "/dev/stdin" {
                return true;
            }
            if t == "--" {
                return it.next().is_none_or(|n| n.is("-") || n.is("/dev/stdin"));
            }
            if t.starts_with('-') || t.starts_with('+') {
                if t.trim_start_matches('-').contains('c') && !t.starts_with("--") {
                    return false;
                }
                continue;
            }
            return false;
        }
        return true;
    }
    if tables::interpreter_family(name).is_some() {
        for a in args {
            let t = a.text();
            if a.value.is_none() {
                return false;
            }
            if t == "-" || t == "/dev/stdin" {
                return true;
            }
            if t.starts_with('-') {
                if matches!(
                    t,
                    "-c" | "-e" | "-E" | "-r" | "--eval" | "-p" | "--print" | "-m"
                ) {
                    return false;
                }
                continue;
            }
            return false;
        }
        return true;
    }
    false
}

/// The output of `"$(cat <<'EOF' … EOF)"`: `cat` alone, reading one quoted heredoc, prints
/// the body verbatim, and the substitution drops its trailing newlines. Claude Code writes
/// every commit message this way (`git commit -m "$(cat <<'EOF' …)"`), so the message is a
/// known word. Anything else in the substitution leaves the value unknown. Only inside
/// double quotes: unquoted, the output would be split into several words.
fn literal_cat_heredoc(cs: &super::ast::CommandSubst) -> Option<String> {
    let [item] = cs.script.list.items.as_slice() else {
        return None;
    };
    if item
        .terminator
        .is_some_and(|t| t.kind == TerminatorKind::Amp)
        || !item.and_or.rest.is_empty()
    {
        return None;
    }
    let p = &item.and_or.first;
    if p.negated || p.time.is_some() {
        return None;
    }
    let [Command::Simple(sc)] = p.commands.as_slice() else {
        return None;
    };
    let ([word], [r]) = (sc.words.as_slice(), sc.redirections.as_slice()) else {
        return None;
    };
    if !sc.assignments.is_empty() || word.plain_text() != Some("cat") || r.fd.is_some() {
        return None;
    }
    if !matches!(r.op, RedirOp::HereDoc | RedirOp::HereDocStrip) {
        return None;
    }
    let h = r.heredoc.as_ref().filter(|h| h.quoted)?;
    let [WordPart::Literal(body)] = h.body.as_slice() else {
        return None;
    };
    Some(body.text.trim_end_matches('\n').to_string())
}

#[cfg(test)]
mod tests {
    use super::cut_chars;

    /// The old two-pass definition: count, then take `max - 3` and add `…`.
    fn reference(s: &str, max: usize) -> String {
        if s.chars().count() > max {
            let mut t: String = s.chars().take(max.saturating_sub(3)).collect();
            t.push('…');
            t
        } else {
            s.to_string()
        }
    }

    #[test]
    fn cut_chars_matches_the_two_pass_definition() {
        for s in ["", "a", "abc", "abcdef", "ééééé", "a…b…c…", "0123456789"] {
            for max in 0..12 {
                assert_eq!(cut_chars(s.chars(), max), reference(s, max), "{s:?} {max}");
            }
        }
    }
}
