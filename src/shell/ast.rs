//! The shell AST produced by [`crate::shell::parser::parse`] (P4-R8 .. P4-R21).
//!
//! Plain data: every node carries a [`Span`] of byte offsets into the *original* input, also
//! when line continuations were removed before a token (P4-R9) or when the node came from
//! the unescaped text of a backtick substitution. Consumers read the AST; nothing here
//! evaluates it except the static helpers on [`Word`] (quote removal, brace expansion) that
//! the semantic model needs and that must agree with the parser's reading.

use serde::Serialize;

#[path = "ast_sexp.rs"]
mod sexp;
#[path = "ast_walk.rs"]
mod walk;

pub use walk::{walk_script, CommandContext, Visitor};

/// Byte range `[start, end)` into the original input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end`; `end` is clamped so a span is never inverted.
    pub fn new(start: u32, end: u32) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// Length in bytes.
    pub fn len(&self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    /// True for a zero-length span.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// True when `other` lies inside `self`.
    pub fn contains(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// The source text under the span, if the span is valid for `src`.
    pub fn slice<'a>(&self, src: &'a str) -> Option<&'a str> {
        src.get(self.start as usize..self.end as usize)
    }
}

/// A whole input: one list of commands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Script {
    /// Whole script.
    pub span: Span,
    /// The commands.
    pub list: List,
}

/// `AndOr {(; | & | newline) AndOr}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct List {
    /// From the first item to the last terminator.
    pub span: Span,
    /// Items in source order.
    pub items: Vec<ListItem>,
}

/// One and-or list with the terminator that followed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListItem {
    /// Item including its terminator.
    pub span: Span,
    /// The and-or list.
    pub and_or: AndOr,
    /// `;`, `&` or newline; absent for the last item of a list.
    pub terminator: Option<Terminator>,
}

/// A list terminator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Terminator {
    /// The operator.
    pub span: Span,
    /// Which one.
    pub kind: TerminatorKind,
}

/// Kinds of list terminators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminatorKind {
    /// `;`
    Semi,
    /// `&` (background: the command outlives the tool call).
    Amp,
    /// A newline.
    Newline,
}

/// `Pipeline {(&& | ||) newline* Pipeline}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AndOr {
    /// Whole and-or list.
    pub span: Span,
    /// First pipeline.
    pub first: Pipeline,
    /// Following pipelines with their operators.
    pub rest: Vec<AndOrTail>,
}

/// One `&& pipeline` or `|| pipeline`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AndOrTail {
    /// `&&` or `||`.
    pub op: AndOrOp,
    /// The operator itself (check 4 looks for continuations inside it).
    pub op_span: Span,
    /// The pipeline after the operator.
    pub pipeline: Pipeline,
}

/// And-or operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AndOrOp {
    /// `&&`
    And,
    /// `||`
    Or,
}

/// `[time [-p]] [!] Command {(| | |&) newline* Command}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pipeline {
    /// Whole pipeline.
    pub span: Span,
    /// The `time` keyword, if present.
    pub time: Option<TimeSpec>,
    /// An odd number of `!` prefixes.
    pub negated: bool,
    /// Spans of the `!` prefixes.
    pub bangs: Vec<Span>,
    /// The stages; empty only for bash's `!`/`time` without a command.
    pub commands: Vec<Command>,
    /// `pipes[i]` connects `commands[i]` and `commands[i + 1]`.
    pub pipes: Vec<PipeOp>,
}

/// The `time` reserved word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TimeSpec {
    /// `time` (and `-p`).
    pub span: Span,
    /// `time -p`.
    pub posix: bool,
}

/// A pipe operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PipeOp {
    /// The operator.
    pub span: Span,
    /// `|` or `|&`.
    pub kind: PipeKind,
}

/// Pipe kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PipeKind {
    /// `|`
    Pipe,
    /// `|&` (stderr too).
    PipeAmp,
}

/// One pipeline stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Assignments, words and redirections.
    Simple(SimpleCommand),
    /// A compound command with its trailing redirections.
    Compound(CompoundCommand),
    /// `name () compound` or `function name compound`.
    FunctionDef(FunctionDef),
    /// `coproc [NAME] command`.
    Coproc(Coproc),
}

impl Command {
    /// The command's span.
    pub fn span(&self) -> Span {
        match self {
            Command::Simple(c) => c.span,
            Command::Compound(c) => c.span,
            Command::FunctionDef(c) => c.span,
            Command::Coproc(c) => c.span,
        }
    }
}

/// `NAME=v… word… ` with redirections anywhere among them.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct SimpleCommand {
    /// Whole command.
    pub span: Span,
    /// Prefix assignments (`X=1 cmd`), in order.
    pub assignments: Vec<Assignment>,
    /// Command name and arguments, in order (brace expansion is kept structured, not done).
    pub words: Vec<Word>,
    /// Redirections in source order; compare spans with `words` for their relative order.
    pub redirections: Vec<Redirection>,
}

/// `NAME=value`, `NAME[sub]=value`, `NAME+=value`, `NAME=(…)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    /// Whole assignment word.
    pub span: Span,
    /// Variable name.
    pub name: String,
    /// Span of the name.
    pub name_span: Span,
    /// `[sub]` after the name.
    pub subscript: Option<Subscript>,
    /// `+=`.
    pub append: bool,
    /// The value.
    pub value: AssignValue,
}

/// An assignment value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignValue {
    /// `NAME=word` (no brace expansion, no word splitting, no globbing).
    Scalar(Word),
    /// `NAME=(w1 w2 …)`.
    Array(ArrayValue),
}

/// `( w1 w2 … )` of an array assignment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArrayValue {
    /// From `(` to `)`.
    pub span: Span,
    /// Elements (each may be `[k]=v`, kept as a word).
    pub elements: Vec<Word>,
}

/// `[ … ]` after a variable name: evaluated arithmetically for indexed arrays (check 17).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subscript {
    /// From `[` to `]`.
    pub span: Span,
    /// The text between the brackets, with expansions parsed.
    pub expr: Word,
}

/// A compound command and the redirections after it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompoundCommand {
    /// Compound plus redirections.
    pub span: Span,
    /// What kind of compound.
    pub kind: CompoundKind,
    /// Redirections after the closing keyword.
    pub redirections: Vec<Redirection>,
}

/// Compound commands of bash and the zsh forms of P4-R21.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompoundKind {
    /// `( list )`
    Subshell(List),
    /// `{ list; }`
    Group(List),
    /// `if … fi` (or zsh `if [[ … ]] { … }`).
    If(IfClause),
    /// `for NAME [in words]; do … done` (or zsh `for x (a b) { … }`).
    For(ForClause),
    /// `for (( init; cond; update )) …`
    ArithFor(ArithForClause),
    /// `while list; do list; done`
    While(LoopClause),
    /// `until list; do list; done`
    Until(LoopClause),
    /// `case word in … esac`
    Case(CaseClause),
    /// `select NAME [in words]; do … done`
    Select(ForClause),
    /// `(( expr ))`
    Arith(ArithCommand),
    /// `[[ expr ]]`
    Cond(CondCommand),
    /// zsh `repeat N do … done` / `repeat N { … }`.
    Repeat(RepeatClause),
    /// zsh `foreach x (a b) … end`.
    Foreach(ForClause),
    /// zsh `{ … } always { … }`.
    Always(AlwaysClause),
}

/// `if` with its branches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IfClause {
    /// Condition of the `if`.
    pub condition: List,
    /// Body after `then`.
    pub then_body: List,
    /// `elif` branches.
    pub elifs: Vec<ElifClause>,
    /// Body after `else`.
    pub else_body: Option<List>,
    /// The zsh brace form.
    pub zsh: bool,
}

/// One `elif cond; then body`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElifClause {
    /// From `elif` to the end of the body.
    pub span: Span,
    /// Condition.
    pub condition: List,
    /// Body.
    pub body: List,
}

/// `for`, `select` and zsh `foreach` loops over words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForClause {
    /// Loop variable.
    pub var: String,
    /// Span of the variable name.
    pub var_span: Span,
    /// The `in` words; `None` iterates over `"$@"`.
    pub words: Option<Vec<Word>>,
    /// Loop body.
    pub body: List,
    /// A zsh-only form (`for x (…)`, `foreach`).
    pub zsh: bool,
}

/// `for (( init; cond; update ))`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArithForClause {
    /// Initialiser expression.
    pub init: Word,
    /// Condition expression.
    pub cond: Word,
    /// Update expression.
    pub update: Word,
    /// Loop body.
    pub body: List,
}

/// `while`/`until` loops.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoopClause {
    /// Condition list.
    pub condition: List,
    /// Body.
    pub body: List,
    /// zsh brace body.
    pub zsh: bool,
}

/// `case word in items esac`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseClause {
    /// The subject word.
    pub word: Word,
    /// The items.
    pub items: Vec<CaseItem>,
}

/// `[(]pat{|pat}) list [;; | ;& | ;;&]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseItem {
    /// Whole item.
    pub span: Span,
    /// Patterns (no brace expansion).
    pub patterns: Vec<Word>,
    /// Body.
    pub body: List,
    /// Terminator, absent before `esac`.
    pub terminator: Option<CaseTerminator>,
}

/// Case item terminators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CaseTerminator {
    /// The operator.
    pub span: Span,
    /// Which one.
    pub kind: CaseTerminatorKind,
}

/// Case item terminator kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseTerminatorKind {
    /// `;;`
    Break,
    /// `;&`
    FallThrough,
    /// `;;&`
    Continue,
}

/// `(( expr ))`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArithCommand {
    /// The expression text with expansions parsed.
    pub expr: Word,
}

/// `[[ expr ]]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CondCommand {
    /// The expression (absent only after a parse error).
    pub expr: Option<CondExpr>,
}

/// Expressions inside `[[ ]]` (operands are not word-split or globbed).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CondExpr {
    /// `-f word` and friends.
    Unary {
        /// Whole test.
        span: Span,
        /// Operator such as `-f`, `-v`.
        op: String,
        /// Operand.
        operand: Word,
    },
    /// `a == b`, `a =~ re`, `a -eq b`, `a < b`.
    Binary {
        /// Whole test.
        span: Span,
        /// Operator.
        op: String,
        /// Left operand.
        left: Word,
        /// Right operand (a pattern for `==`/`!=`, a regex for `=~`).
        right: Word,
    },
    /// A lone word: true when non-empty.
    Word(Word),
    /// `! expr`
    Not {
        /// Whole expression.
        span: Span,
        /// Negated expression.
        expr: Box<CondExpr>,
    },
    /// `a && b`
    And {
        /// Whole expression.
        span: Span,
        /// Left.
        left: Box<CondExpr>,
        /// Right.
        right: Box<CondExpr>,
    },
    /// `a || b`
    Or {
        /// Whole expression.
        span: Span,
        /// Left.
        left: Box<CondExpr>,
        /// Right.
        right: Box<CondExpr>,
    },
    /// `( expr )`
    Group {
        /// With parentheses.
        span: Span,
        /// Inner expression.
        expr: Box<CondExpr>,
    },
}

/// zsh `repeat N …`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepeatClause {
    /// Repetition count.
    pub count: Word,
    /// Body.
    pub body: List,
}

/// zsh `{ try } always { finally }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlwaysClause {
    /// First block.
    pub try_body: List,
    /// Block after `always`.
    pub always_body: List,
}

/// A function definition (check 10).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionDef {
    /// Whole definition.
    pub span: Span,
    /// Function name (any word text bash accepts, e.g. `:`).
    pub name: String,
    /// Span of the name word.
    pub name_span: Span,
    /// Written with the `function` keyword.
    pub keyword: bool,
    /// Body (a compound command with its redirections).
    pub body: Box<CompoundCommand>,
}

/// `coproc [NAME] command`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coproc {
    /// Whole coproc.
    pub span: Span,
    /// Name given before a compound command.
    pub name: Option<String>,
    /// The command run as a coprocess.
    pub command: Box<Command>,
}

/// A redirection `[fd]op target`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Redirection {
    /// From the fd prefix to the end of the target word (heredoc bodies are separate).
    pub span: Span,
    /// Explicit descriptor prefix.
    pub fd: Option<RedirFd>,
    /// The operator.
    pub op: RedirOp,
    /// Span of the operator.
    pub op_span: Span,
    /// The target.
    pub target: RedirTarget,
    /// For `<<` and `<<-`.
    pub heredoc: Option<Heredoc>,
}

/// `2>` or `{name}>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RedirFd {
    /// A decimal descriptor.
    Number(u32),
    /// `{name}`: bash allocates a descriptor and stores it in `name`.
    Named(String),
}

/// Redirection operators of P4-R10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RedirOp {
    /// `<`
    Read,
    /// `>`
    Write,
    /// `>>`
    Append,
    /// `>|`
    Clobber,
    /// `<>`
    ReadWrite,
    /// `<<`
    HereDoc,
    /// `<<-`
    HereDocStrip,
    /// `<<<`
    HereString,
    /// `<&`
    DupIn,
    /// `>&`
    DupOut,
    /// `&>`
    WriteBoth,
    /// `&>>`
    AppendBoth,
}

impl RedirOp {
    /// The operator text.
    pub fn as_str(self) -> &'static str {
        match self {
            RedirOp::Read => "<",
            RedirOp::Write => ">",
            RedirOp::Append => ">>",
            RedirOp::Clobber => ">|",
            RedirOp::ReadWrite => "<>",
            RedirOp::HereDoc => "<<",
            RedirOp::HereDocStrip => "<<-",
            RedirOp::HereString => "<<<",
            RedirOp::DupIn => "<&",
            RedirOp::DupOut => ">&",
            RedirOp::WriteBoth => "&>",
            RedirOp::AppendBoth => "&>>",
        }
    }

    /// True for operators that may create or modify the target file (check 7).
    pub fn writes(self) -> bool {
        matches!(
            self,
            RedirOp::Write
                | RedirOp::Append
                | RedirOp::Clobber
                | RedirOp::ReadWrite
                | RedirOp::DupOut
                | RedirOp::WriteBoth
                | RedirOp::AppendBoth
        )
    }
}

/// What a redirection points at.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RedirTarget {
    /// A file name, here-string word or heredoc delimiter word.
    Word(Word),
    /// `>&N` / `<&N` (`N-` moves the descriptor).
    Fd {
        /// The descriptor duplicated.
        fd: u32,
        /// `N-`: close `N` after duplicating.
        close_source: bool,
    },
    /// `>&-` / `<&-`.
    Close,
}

/// A here-document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heredoc {
    /// Delimiter after quote removal.
    pub delimiter: String,
    /// Any part of the delimiter was quoted or escaped: the body is literal.
    pub quoted: bool,
    /// `<<-`: leading tabs were stripped.
    pub strip_tabs: bool,
    /// Body without the delimiter line (empty span if the heredoc was never closed).
    pub body_span: Span,
    /// Body parts: one literal when quoted; expansions and substitutions parsed otherwise.
    pub body: Vec<WordPart>,
    /// Links the redirection with its body while the input is still being read.
    #[serde(skip)]
    pub(crate) id: u32,
}

/// A shell word: parts glued together without blanks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Word {
    /// Whole word.
    pub span: Span,
    /// Parts in order.
    pub parts: Vec<WordPart>,
    /// zsh-only readings of this word (checks 20); bash reads it literally.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub zsh: Vec<ZshForm>,
}

/// zsh forms that bash reads as plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZshForm {
    /// `=cmd` at word start (EQUALS expansion to the command's path).
    Equals,
    /// `~[…]` dynamic named directory.
    NamedDir,
    /// `word(…)` glob qualifiers after a glob.
    GlobQualifier,
}

/// How a literal segment was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteKind {
    /// Bare text.
    Unquoted,
    /// `'…'`
    Single,
    /// `"…"`
    Double,
    /// `$'…'` (text is the decoded value).
    AnsiC,
    /// `$"…"`
    Locale,
}

/// A literal segment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Literal {
    /// Source span: with the quotes for `'…'` and `$'…'`, with the backslash for an escaped
    /// character; the text between the quotes for `"…"` segments (which may be split by
    /// expansions).
    pub span: Span,
    /// Value after quote removal (decoded for ANSI-C).
    pub text: String,
    /// Quoting.
    pub quote: QuoteKind,
    /// A single backslash-escaped character.
    pub escaped: bool,
    /// ANSI-C escapes used, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub escapes: Vec<AnsiEscape>,
}

/// One escape inside `$'…'` (check 11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnsiEscape {
    /// The escape in the source.
    pub span: Span,
    /// The escape text, e.g. `\x63`.
    pub source: String,
    /// What it decoded to (may be a control character).
    pub decoded: String,
}

/// Parts of a word.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WordPart {
    /// Literal text.
    Literal(Literal),
    /// `$x`, `${…}`.
    Param(ParamExpansion),
    /// `$(…)` or `` `…` ``.
    CommandSubst(CommandSubst),
    /// `<(…)`, `>(…)`, zsh `=(…)`.
    ProcessSubst(ProcessSubst),
    /// `$((…))` or `$[…]`.
    Arith(ArithExpansion),
    /// `{a,b}` or `{1..9}`.
    Brace(BraceExpansion),
    /// `*`, `?`, `[…]`.
    Glob(Glob),
    /// `?(…) *(…) +(…) @(…) !(…)`.
    Extglob(Extglob),
    /// zsh glob qualifier `(…)` after a glob.
    GlobQualifier(Glob),
    /// `~`, `~user`, `~+`, `~-`.
    Tilde(Tilde),
    /// `(…)` of `NAME=(…)` when the word is not used as an assignment.
    Array(ArrayValue),
    /// `[…]` of `NAME[…]=` when the word is not used as an assignment.
    Subscript(Subscript),
}

impl WordPart {
    /// The part's span.
    pub fn span(&self) -> Span {
        match self {
            WordPart::Literal(p) => p.span,
            WordPart::Param(p) => p.span,
            WordPart::CommandSubst(p) => p.span,
            WordPart::ProcessSubst(p) => p.span,
            WordPart::Arith(p) => p.span,
            WordPart::Brace(p) => p.span,
            WordPart::Glob(p) | WordPart::GlobQualifier(p) => p.span,
            WordPart::Extglob(p) => p.span,
            WordPart::Tilde(p) => p.span,
            WordPart::Array(p) => p.span,
            WordPart::Subscript(p) => p.span,
        }
    }
}

/// A parameter expansion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamExpansion {
    /// From `$` to the end.
    pub span: Span,
    /// Name, digits, or special character (`@ * # ? - $ ! 0`).
    pub name: String,
    /// Written `${…}`.
    pub braced: bool,
    /// Inside double quotes (no word splitting).
    pub quoted: bool,
    /// `${#x}`.
    pub length: bool,
    /// `${!x}` (indirection, or keys with `[@]`).
    pub indirect: bool,
    /// `${x[…]}`.
    pub subscript: Option<Subscript>,
    /// Operator and its arguments.
    pub op: Option<ParamOp>,
    /// zsh `(flags)` text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zsh_flags: Option<String>,
    /// zsh `~`, `=`, `^` modifiers before the name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub zsh_modifiers: String,
}

impl ParamExpansion {
    /// Uses a zsh-only form.
    pub fn is_zsh(&self) -> bool {
        self.zsh_flags.is_some() || !self.zsh_modifiers.is_empty()
    }

    /// `$NAME` / `${NAME}`: no operator, length, indirection, subscript or zsh form, so its
    /// value is the variable's value.
    pub fn is_plain(&self) -> bool {
        self.op.is_none()
            && !self.length
            && !self.indirect
            && self.subscript.is_none()
            && !self.is_zsh()
    }
}

/// `${x<op>args}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamOp {
    /// The operator text.
    pub span: Span,
    /// Which operator.
    pub kind: ParamOpKind,
    /// Arguments: one word, two for replace (`pattern`, `replacement`) and substring
    /// (`offset`, `length`).
    pub args: Vec<Word>,
}

/// Parameter expansion operators of P4-R14.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamOpKind {
    /// `-` / `:-`
    Default {
        /// With `:`.
        colon: bool,
    },
    /// `=` / `:=`
    Assign {
        /// With `:`.
        colon: bool,
    },
    /// `?` / `:?`
    Error {
        /// With `:`.
        colon: bool,
    },
    /// `+` / `:+`
    Alternate {
        /// With `:`.
        colon: bool,
    },
    /// `#` / `##`
    RemovePrefix {
        /// `##`.
        longest: bool,
    },
    /// `%` / `%%`
    RemoveSuffix {
        /// `%%`.
        longest: bool,
    },
    /// `/`, `//`, `/#`, `/%`
    Replace {
        /// `//`.
        all: bool,
        /// `/#` anchors at the start, `/%` at the end.
        anchor: Option<char>,
    },
    /// `^ ^^ , ,,`
    Case {
        /// `^`.
        upper: bool,
        /// Doubled.
        all: bool,
    },
    /// `:offset[:length]`
    Substring,
    /// `@Q` and friends.
    Transform(char),
    /// `${!prefix*}` / `${!prefix@}`.
    PrefixList,
    /// Text bash reads to the closing brace but rejects when expanding.
    Invalid,
}

/// `$(…)` or backticks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommandSubst {
    /// From `$(`/`` ` `` to the closing delimiter.
    pub span: Span,
    /// The nested script.
    pub script: Box<Script>,
    /// Backtick form.
    pub backtick: bool,
    /// Inside double quotes or an unquoted heredoc body.
    pub quoted: bool,
}

/// Direction of a process substitution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessDir {
    /// `<(…)`
    In,
    /// `>(…)`
    Out,
    /// zsh `=(…)` (a temporary file).
    ZshEquals,
}

/// `<(…)`, `>(…)`, `=(…)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessSubst {
    /// Whole substitution.
    pub span: Span,
    /// Direction.
    pub dir: ProcessDir,
    /// The nested script.
    pub script: Box<Script>,
}

/// `$((…))` or `$[…]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArithExpansion {
    /// Whole expansion.
    pub span: Span,
    /// Expression text; nested expansions and substitutions are parsed parts.
    pub expr: Word,
    /// The obsolete `$[…]` form.
    pub bracket: bool,
    /// Inside double quotes.
    pub quoted: bool,
}

/// `{…}` brace expansion (P4-R19).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BraceExpansion {
    /// From `{` to `}`.
    pub span: Span,
    /// Alternatives or sequence.
    pub kind: BraceKind,
}

/// Brace expansion forms.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BraceKind {
    /// `{a,b,c}`: each alternative is a list of parts (possibly nested braces).
    Alternatives(Vec<Vec<WordPart>>),
    /// `{A..B[..C]}`.
    Sequence {
        /// Start (integer text or one letter).
        start: String,
        /// End.
        end: String,
        /// Step.
        step: Option<i64>,
    },
}

/// Glob text or zsh glob qualifier text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Glob {
    /// Span.
    pub span: Span,
    /// `*`, `?`, `[…]`, or the qualifier with parentheses.
    pub text: String,
}

/// Extended glob `op(pattern|pattern)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Extglob {
    /// Whole pattern.
    pub span: Span,
    /// One of `? * + @ !`.
    pub op: char,
    /// Text between the parentheses (`|` separates alternatives).
    pub pattern: Vec<WordPart>,
}

/// Tilde prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tilde {
    /// `~` and the user part.
    pub span: Span,
    /// Empty for `~`; `+`/`-` for `~+`/`~-`; otherwise a user name.
    pub user: String,
}

/// A limit hit while expanding braces (P4-R19, `MAX_BRACE_WORDS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LimitHit {
    /// The cap that was exceeded.
    pub cap: usize,
}

impl Word {
    /// A word with one unquoted literal part (for callers that synthesise words).
    pub fn plain(text: &str, span: Span) -> Word {
        Word {
            span,
            parts: vec![WordPart::Literal(Literal {
                span,
                text: text.to_string(),
                quote: QuoteKind::Unquoted,
                escaped: false,
                escapes: Vec::new(),
            })],
            zsh: Vec::new(),
        }
    }

    /// The value when the word expands to exactly one static string: quote removal applied,
    /// ANSI-C decoded; `None` with any expansion, substitution, glob, brace or tilde.
    pub fn literal_value(&self) -> Option<String> {
        literal_of(&self.parts, false)
    }

    /// [`Word::literal_value`], borrowed for the usual one-part word (no copy).
    pub fn literal_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self.parts.as_slice() {
            [WordPart::Literal(l)] => Some(std::borrow::Cow::Borrowed(l.text.as_str())),
            _ => self.literal_value().map(std::borrow::Cow::Owned),
        }
    }

    /// Like [`Word::literal_value`] but keeps glob characters as text, for contexts where
    /// no pathname expansion happens (assignment values, `[[ ]]` operands, case words).
    pub fn literal_value_keep_globs(&self) -> Option<String> {
        literal_of(&self.parts, true)
    }

    /// One unquoted, unescaped literal segment (e.g. a command name written plainly).
    pub fn is_plain_literal(&self) -> bool {
        matches!(
            self.parts.as_slice(),
            [WordPart::Literal(Literal {
                quote: QuoteKind::Unquoted,
                escaped: false,
                ..
            })]
        )
    }

    /// The text of a plain literal word.
    pub fn plain_text(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [WordPart::Literal(Literal {
                quote: QuoteKind::Unquoted,
                escaped: false,
                text,
                ..
            })] => Some(text),
            _ => None,
        }
    }

    /// Contains a brace expansion at top level.
    pub fn has_brace(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, WordPart::Brace(_)))
    }

    /// Brace-expands the word into the ordered cartesian product (P4-R19). Words without
    /// braces give themselves. Sequence elements become unquoted literals spanning the
    /// brace. Fails once more than `cap` words would be produced.
    pub fn brace_expand(&self, cap: usize) -> Result<Vec<Word>, LimitHit> {
        let alts = expand_parts(&self.parts, cap, 0)?;
        Ok(alts
            .into_iter()
            .map(|parts| Word {
                span: self.span,
                parts: merge_literals(parts),
                zsh: self.zsh.clone(),
            })
            .collect())
    }

    /// Number of words brace expansion produces, saturating (no allocation).
    pub fn brace_count(&self) -> u64 {
        count_parts(&self.parts, 0)
    }
}

/// Brace nesting is bounded by the parser's depth limit; this guards direct callers too.
const MAX_BRACE_RECURSION: usize = 256;

fn literal_of(parts: &[WordPart], keep_globs: bool) -> Option<String> {
    // One part is the usual word: copy it without growing a buffer.
    if let [WordPart::Literal(l)] = parts {
        return Some(l.text.clone());
    }
    let mut out = String::new();
    for p in parts {
        match p {
            WordPart::Literal(l) => out.push_str(&l.text),
            WordPart::Glob(g) if keep_globs => out.push_str(&g.text),
            _ => return None,
        }
    }
    Some(out)
}

fn count_parts(parts: &[WordPart], depth: usize) -> u64 {
    if depth > MAX_BRACE_RECURSION {
        return u64::MAX;
    }
    let mut n: u64 = 1;
    for p in parts {
        if let WordPart::Brace(b) = p {
            let c = match &b.kind {
                BraceKind::Alternatives(alts) => alts
                    .iter()
                    .fold(0u64, |acc, a| acc.saturating_add(count_parts(a, depth + 1))),
                BraceKind::Sequence { start, end, step } => {
                    sequence_len(start, end, *step).unwrap_or(1)
                }
            };
            n = n.saturating_mul(c);
        }
    }
    n
}

/// Numeric or letter endpoints of a sequence.
enum SeqEnds {
    Num { a: i64, b: i64, width: usize },
    Chr { a: u8, b: u8 },
}

fn seq_ends(start: &str, end: &str) -> Option<SeqEnds> {
    if let (Ok(a), Ok(b)) = (start.parse::<i64>(), end.parse::<i64>()) {
        let zero_padded = |s: &str| {
            let digits = s.trim_start_matches(['-', '+']);
            digits.len() > 1 && digits.starts_with('0')
        };
        let width = if zero_padded(start) || zero_padded(end) {
            start.len().max(end.len())
        } else {
            0
        };
        return Some(SeqEnds::Num { a, b, width });
    }
    match (start.as_bytes(), end.as_bytes()) {
        ([a], [b]) if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
            Some(SeqEnds::Chr { a: *a, b: *b })
        }
        _ => None,
    }
}

fn sequence_len(start: &str, end: &str, step: Option<i64>) -> Option<u64> {
    let step = step.unwrap_or(1).unsigned_abs().max(1) as u128;
    let span = match seq_ends(start, end)? {
        SeqEnds::Num { a, b, .. } => (i128::from(a) - i128::from(b)).unsigned_abs(),
        SeqEnds::Chr { a, b } => u128::from(a.abs_diff(b)),
    };
    Some(u64::try_from(span / step + 1).unwrap_or(u64::MAX))
}

fn sequence_values(
    start: &str,
    end: &str,
    step: Option<i64>,
    cap: usize,
) -> Result<Vec<String>, LimitHit> {
    let len = sequence_len(start, end, step).unwrap_or(1);
    if len > cap as u64 {
        return Err(LimitHit { cap });
    }
    let step = i128::from(step.unwrap_or(1).unsigned_abs().max(1).min(i64::MAX as u64) as i64);
    let mut out = Vec::new();
    match seq_ends(start, end) {
        Some(SeqEnds::Num { a, b, width }) => {
            let (a, b) = (i128::from(a), i128::from(b));
            let dir = if a <= b { 1 } else { -1 };
            let mut v = a;
            while (dir > 0 && v <= b) || (dir < 0 && v >= b) {
                let s = if width > 0 {
                    if v < 0 {
                        format!("-{:0w$}", v.unsigned_abs(), w = width.saturating_sub(1))
                    } else {
                        format!("{:0w$}", v, w = width)
                    }
                } else {
                    v.to_string()
                };
                out.push(s);
                v += dir * step;
            }
        }
        Some(SeqEnds::Chr { a, b }) => {
            let (a, b) = (i128::from(a), i128::from(b));
            let dir = if a <= b { 1 } else { -1 };
            let mut v = a;
            while (dir > 0 && v <= b) || (dir < 0 && v >= b) {
                if let Ok(byte) = u8::try_from(v) {
                    out.push(char::from(byte).to_string());
                }
                v += dir * step;
            }
        }
        None => out.push(format!("{{{start}..{end}}}")),
    }
    Ok(out)
}

fn expand_parts(
    parts: &[WordPart],
    cap: usize,
    depth: usize,
) -> Result<Vec<Vec<WordPart>>, LimitHit> {
    if depth > MAX_BRACE_RECURSION {
        return Err(LimitHit { cap });
    }
    let mut acc: Vec<Vec<WordPart>> = vec![Vec::new()];
    for p in parts {
        let WordPart::Brace(b) = p else {
            for a in &mut acc {
                a.push(p.clone());
            }
            continue;
        };
        let choices: Vec<Vec<WordPart>> = match &b.kind {
            BraceKind::Alternatives(alts) => {
                let mut all = Vec::new();
                for alt in alts {
                    let mut e = expand_parts(alt, cap, depth + 1)?;
                    all.append(&mut e);
                    if all.len() > cap {
                        return Err(LimitHit { cap });
                    }
                }
                all
            }
            BraceKind::Sequence { start, end, step } => sequence_values(start, end, *step, cap)?
                .into_iter()
                .map(|text| {
                    vec![WordPart::Literal(Literal {
                        span: b.span,
                        text,
                        quote: QuoteKind::Unquoted,
                        escaped: false,
                        escapes: Vec::new(),
                    })]
                })
                .collect(),
        };
        if acc.len().saturating_mul(choices.len()) > cap {
            return Err(LimitHit { cap });
        }
        let mut next = Vec::with_capacity(acc.len() * choices.len());
        for a in &acc {
            for c in &choices {
                let mut v = a.clone();
                v.extend(c.iter().cloned());
                next.push(v);
            }
        }
        acc = next;
    }
    Ok(acc)
}

/// Joins adjacent plain unquoted literals; the lexer splits them at brace characters.
pub(crate) fn merge_literals(mut parts: Vec<WordPart>) -> Vec<WordPart> {
    // In place: runs for every word, and most words have nothing to merge.
    parts.dedup_by(|cur, prev| match (cur, prev) {
        (WordPart::Literal(l), WordPart::Literal(p))
            if l.quote == QuoteKind::Unquoted
                && !l.escaped
                && p.quote == QuoteKind::Unquoted
                && !p.escaped =>
        {
            p.text.push_str(&l.text);
            p.span = p.span.cover(l.span);
            true
        }
        _ => false,
    });
    parts
}

impl Script {
    /// Compact S-expression rendering (golden tests, `agent-ops explain`).
    pub fn to_sexp(&self) -> String {
        let mut out = String::new();
        sexp::script(&mut out, self);
        out
    }

    /// Every simple command, including those nested in compounds, functions and
    /// substitutions anywhere in words, in source order of their start.
    pub fn simple_commands(&self) -> Vec<(&SimpleCommand, CommandContext)> {
        struct Collect<'a> {
            out: Vec<(&'a SimpleCommand, CommandContext)>,
        }
        impl<'a> Visitor<'a> for Collect<'a> {
            fn simple_command(&mut self, cmd: &'a SimpleCommand, ctx: &CommandContext) {
                self.out.push((cmd, *ctx));
            }
        }
        let mut c = Collect { out: Vec::new() };
        walk_script(self, &mut c);
        c.out
    }
}

impl Word {
    /// Compact S-expression rendering of one word.
    pub fn to_sexp(&self) -> String {
        let mut out = String::new();
        sexp::word(&mut out, self);
        out
    }
}
