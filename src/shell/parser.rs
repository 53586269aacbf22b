//! Hand-written bash (+ zsh forms) parser (P4-R7 .. P4-R22).
//!
//! One struct does both lexing and parsing because the lexer needs the grammar: `$(…)` ends
//! at the `)` that closes it in the script grammar (case patterns!), so the word reader calls
//! back into the list parser. Tokens are produced on demand with one token of look-ahead.
//!
//! Positions are byte offsets into the parser's buffer; spans are mapped to the original
//! input when they are created. Line continuations are skipped by the cursor itself (outside
//! single quotes, ANSI-C strings, quoted heredocs and comments), so no text is rewritten and
//! spans stay exact. Backtick bodies are unescaped into a new buffer and parsed by a child
//! parser whose offset map points back into the original input.
//!
//! Robustness: the first error is sticky; after it every read returns end-of-input, so all
//! loops unwind and the partial AST built so far is returned (P4-R8). Every recursion goes
//! through a depth counter ([`ParseLimits::max_depth`]), every node through a node counter.

use super::ast::{
    merge_literals, AlwaysClause, AndOr, AndOrOp, AndOrTail, AnsiEscape, ArithCommand,
    ArithExpansion, ArithForClause, ArrayValue, AssignValue, Assignment, BraceExpansion, BraceKind,
    CaseClause, CaseItem, CaseTerminator, CaseTerminatorKind, Command, CommandSubst,
    CompoundCommand, CompoundKind, CondCommand, CondExpr, Coproc, ElifClause, Extglob, ForClause,
    FunctionDef, Glob, Heredoc, IfClause, List, ListItem, Literal, LoopClause, ParamExpansion,
    ParamOp, ParamOpKind, PipeKind, PipeOp, Pipeline, ProcessDir, ProcessSubst, QuoteKind, RedirFd,
    RedirOp, RedirTarget, Redirection, RepeatClause, Script, SimpleCommand, Span, Subscript,
    Terminator, TerminatorKind, Tilde, TimeSpec, Word, WordPart, ZshForm,
};
use serde::Serialize;

#[path = "lexer.rs"]
mod lexer;

use lexer::{
    bytes_to_string, decode_ansi_c, is_blank, is_meta, is_name, is_name_char, is_name_start,
    is_special_param, prescan_arith, prescan_bracket, prescan_subscript_assign, prescan_tilde,
};

/// Parser limits (spec §2; exceeding one is `limit_exceeded`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ParseLimits {
    /// `MAX_INPUT_BYTES`, including heredoc bodies.
    pub max_input_bytes: usize,
    /// `MAX_AST_NODES`.
    pub max_nodes: usize,
    /// `MAX_NESTING_DEPTH`: substitutions, subshells, groups, control structures.
    pub max_depth: usize,
    /// `MAX_BRACE_WORDS` per word.
    pub max_brace_words_per_word: usize,
    /// `MAX_BRACE_WORDS` per simple command.
    pub max_brace_words_per_command: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_input_bytes: 65_536,
            max_nodes: 50_000,
            max_depth: 64,
            max_brace_words_per_word: 1024,
            max_brace_words_per_command: 8192,
        }
    }
}

/// Which limit was exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// `MAX_INPUT_BYTES`.
    InputTooLarge,
    /// `MAX_AST_NODES`.
    Nodes,
    /// `MAX_NESTING_DEPTH`.
    Depth,
    /// `MAX_BRACE_WORDS`.
    BraceWords,
}

impl LimitKind {
    /// The `<which>` of `exec.deny.limit.<which>`.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::InputTooLarge => "input_too_large",
            LimitKind::Nodes => "nodes",
            LimitKind::Depth => "depth",
            LimitKind::BraceWords => "brace_words",
        }
    }
}

/// Error codes of P4-R8. Each variant names an input that triggers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParseErrorCode {
    /// `echo 'abc`
    UnterminatedSingleQuote,
    /// `echo "abc`
    UnterminatedDoubleQuote,
    /// `echo $'abc`
    UnterminatedAnsiC,
    /// `echo $(ls`, `cat <(ls`
    UnterminatedSubstitution,
    /// ``echo `ls``
    UnterminatedBacktick,
    /// `echo ${x`
    UnterminatedParameter,
    /// `echo $((1+2`
    UnterminatedArithmetic,
    /// `cat <<EOF` without a line `EOF`
    UnterminatedHeredoc,
    /// `echo )`, `fi`
    UnexpectedToken,
    /// `if true; then`
    UnexpectedEof,
    /// A limit of [`ParseLimits`] was exceeded.
    LimitExceeded(LimitKind),
    /// zsh-only syntax outside the forms of P4-R21, e.g. `${${x}}`.
    UnsupportedSyntax,
}

impl ParseErrorCode {
    /// The code as the spec spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ParseErrorCode::UnterminatedSingleQuote => "unterminated_single_quote",
            ParseErrorCode::UnterminatedDoubleQuote => "unterminated_double_quote",
            ParseErrorCode::UnterminatedAnsiC => "unterminated_ansi_c",
            ParseErrorCode::UnterminatedSubstitution => "unterminated_substitution",
            ParseErrorCode::UnterminatedBacktick => "unterminated_backtick",
            ParseErrorCode::UnterminatedParameter => "unterminated_parameter",
            ParseErrorCode::UnterminatedArithmetic => "unterminated_arithmetic",
            ParseErrorCode::UnterminatedHeredoc => "unterminated_heredoc",
            ParseErrorCode::UnexpectedToken => "unexpected_token",
            ParseErrorCode::UnexpectedEof => "unexpected_eof",
            ParseErrorCode::LimitExceeded(_) => "limit_exceeded",
            ParseErrorCode::UnsupportedSyntax => "unsupported_syntax",
        }
    }

    /// The limit, for `limit_exceeded`.
    pub fn limit(self) -> Option<LimitKind> {
        match self {
            ParseErrorCode::LimitExceeded(k) => Some(k),
            _ => None,
        }
    }
}

/// A parse failure: the first error found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseError {
    /// Classification.
    pub code: ParseErrorCode,
    /// Human-readable detail.
    pub message: String,
    /// Where (into the original input).
    pub span: Span,
}

/// The `<which>` of `exec.*.limit.<which>` when `e` is a limit error, else `None`.
pub fn limit_kind(e: &ParseError) -> Option<&'static str> {
    e.code.limit().map(LimitKind::as_str)
}

/// Result of [`parse`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parsed {
    /// The AST; partial when `error` is set (deny rules still run on it).
    pub script: Script,
    /// First error.
    pub error: Option<ParseError>,
    /// Comment spans (`#` to end of line, exclusive), in source order.
    pub comments: Vec<Span>,
    /// Every removed backslash-newline, in source order.
    pub continuations: Vec<Span>,
    /// Words and operators with a line continuation strictly inside them (`tr\⏎ace`,
    /// `&\⏎&`, `$\⏎(`), for check 4.
    pub split_tokens: Vec<Span>,
    /// AST nodes created.
    pub node_count: usize,
}

/// Parses `src` as a bash script (plus the zsh forms of P4-R21).
pub fn parse(src: &str, limits: &ParseLimits) -> Parsed {
    let bytes = src.as_bytes();
    let end = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    if bytes.len() > limits.max_input_bytes {
        return Parsed {
            script: Script {
                span: Span::new(0, end),
                list: List::default(),
            },
            error: Some(ParseError {
                code: ParseErrorCode::LimitExceeded(LimitKind::InputTooLarge),
                message: format!(
                    "input is {} bytes; the limit is {}",
                    bytes.len(),
                    limits.max_input_bytes
                ),
                span: Span::new(0, end),
            }),
            comments: Vec::new(),
            continuations: Vec::new(),
            split_tokens: Vec::new(),
            node_count: 0,
        };
    }
    let mut p = Parser::new(bytes, None, bytes, limits, 0, 0, 0);
    let script = p.parse_script();
    let mut comments = p.comments;
    let mut continuations = p.conts;
    let mut split_tokens = p.split_tokens;
    crate::sorted::sort(&mut comments);
    comments.dedup();
    crate::sorted::sort(&mut continuations);
    continuations.dedup();
    crate::sorted::sort(&mut split_tokens);
    split_tokens.dedup();
    Parsed {
        script,
        error: p.err,
        comments,
        continuations,
        split_tokens,
        node_count: p.nodes,
    }
}

// ---------------------------------------------------------------------------------------
// Tokens

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    AndIf,
    OrIf,
    DSemi,
    SemiAnd,
    DSemiAnd,
    Semi,
    Amp,
    Pipe,
    PipeAmp,
    LParen,
    RParen,
    Redir(RedirOp),
}

/// How a word token may be used as an assignment (`NAME[sub]=` / `NAME+=`).
#[derive(Debug)]
struct AssignShape {
    name: String,
    name_span: Span,
    sub_index: Option<usize>,
    value_start: usize,
    append: bool,
}

#[derive(Debug)]
struct WordTok {
    word: Word,
    assign: Option<AssignShape>,
    io: Option<RedirFd>,
}

#[derive(Debug)]
enum Tok {
    Word(Box<WordTok>),
    Op(Op, Span),
    Newline(Span),
    Eof(Span),
}

impl Tok {
    fn span(&self) -> Span {
        match self {
            Tok::Word(w) => w.word.span,
            Tok::Op(_, s) | Tok::Newline(s) | Tok::Eof(s) => *s,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kw {
    Bang,
    Time,
    LBrace,
    RBrace,
    If,
    Then,
    Else,
    Elif,
    Fi,
    For,
    In,
    Do,
    Done,
    While,
    Until,
    Case,
    Esac,
    Select,
    Function,
    Coproc,
    DLBracket,
    DRBracket,
    Repeat,
    Foreach,
    End,
}

fn keyword(text: &str) -> Option<Kw> {
    // This runs for every word token (P4-R49), and most words are not keywords: length and
    // first byte rule them out before any string comparison.
    let first = *text.as_bytes().first()?;
    if text.len() > 8
        || !matches!(
            first,
            b'!' | b'{'
                | b'}'
                | b'['
                | b']'
                | b'c'
                | b'd'
                | b'e'
                | b'f'
                | b'i'
                | b'r'
                | b's'
                | b't'
                | b'u'
                | b'w'
        )
    {
        return None;
    }
    // Byte-string patterns compile to a decision on length and bytes; `str` patterns are a
    // call to `str::eq` per keyword in the size-optimised build (P4-R49).
    Some(match text.as_bytes() {
        b"!" => Kw::Bang,
        b"time" => Kw::Time,
        b"{" => Kw::LBrace,
        b"}" => Kw::RBrace,
        b"if" => Kw::If,
        b"then" => Kw::Then,
        b"else" => Kw::Else,
        b"elif" => Kw::Elif,
        b"fi" => Kw::Fi,
        b"for" => Kw::For,
        b"in" => Kw::In,
        b"do" => Kw::Do,
        b"done" => Kw::Done,
        b"while" => Kw::While,
        b"until" => Kw::Until,
        b"case" => Kw::Case,
        b"esac" => Kw::Esac,
        b"select" => Kw::Select,
        b"function" => Kw::Function,
        b"coproc" => Kw::Coproc,
        b"[[" => Kw::DLBracket,
        b"]]" => Kw::DRBracket,
        b"repeat" => Kw::Repeat,
        b"foreach" => Kw::Foreach,
        b"end" => Kw::End,
        _ => return None,
    })
}

/// What the next token is, without borrowing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pk {
    Eof,
    Newline,
    Op(Op),
    Word {
        kw: Option<Kw>,
        io: bool,
        assign: bool,
    },
}

// Stop sets for `parse_list`: which tokens end a list in the current construct.
const S_RPAREN: u16 = 1;
const S_THEN: u16 = 1 << 1;
const S_ELSE: u16 = 1 << 2;
const S_ELIF: u16 = 1 << 3;
const S_FI: u16 = 1 << 4;
const S_DO: u16 = 1 << 5;
const S_DONE: u16 = 1 << 6;
const S_ESAC: u16 = 1 << 7;
const S_RBRACE: u16 = 1 << 8;
const S_END: u16 = 1 << 9;
const S_CASESEP: u16 = 1 << 10;

fn kw_stop(k: Kw) -> u16 {
    match k {
        Kw::Then => S_THEN,
        Kw::Else => S_ELSE,
        Kw::Elif => S_ELIF,
        Kw::Fi => S_FI,
        Kw::Do => S_DO,
        Kw::Done => S_DONE,
        Kw::Esac => S_ESAC,
        Kw::RBrace => S_RBRACE,
        Kw::End => S_END,
        _ => 0,
    }
}

/// Word-reading contexts other than a plain shell word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Inside `"…"` (`locale` for `$"…"`).
    Dq { locale: bool },
    /// Unquoted heredoc body.
    Heredoc { strip_tabs: bool },
    /// `$((…))`, `((…))`, `for ((…))`: stops at `)` on depth 0 (and `;` if asked).
    Arith { semicolon: bool },
    /// `$[…]` and subscripts: stops at `]` on depth 0.
    Bracket,
    /// `${x<op>…}` argument.
    ParamArg {
        quoted: bool,
        single_literal: bool,
        stop: u8,
    },
    /// Extglob body: stops at `)` on depth 0.
    Paren,
}

/// Bytes that are literal inside an unquoted word wherever they stand after its first byte
/// (no quote, expansion, glob, brace, tilde, operator or escape; `=` only starts an
/// assignment or a zsh `=cmd` in the word's first part, which a run never is).
const fn plain_unquoted(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, b'-' | b'.' | b'/' | b'_' | b'%' | b'^' | b'#' | b'=')
        || c >= 0x80
}

/// Bytes that are literal inside double quotes and heredoc bodies.
const fn plain_quoted(c: u8) -> bool {
    !matches!(c, b'"' | b'$' | b'`' | b'\\' | b'\n')
}

/// Which bytes a [`Parser::lit_run`] takes after its first.
#[derive(Clone, Copy)]
enum Run {
    /// [`is_name_char`].
    Name,
    /// [`plain_unquoted`].
    Unquoted,
    /// [`plain_quoted`].
    Quoted,
}

/// Room for exactly one part in an empty part list: most words have one part, and the
/// default first growth (four parts of 192 bytes) is a large block for the wasm allocator's
/// slower size classes (P4-R49).
fn reserve_first(parts: &mut Vec<WordPart>) {
    if parts.capacity() == 0 {
        parts.reserve_exact(1);
    }
}

/// Accumulates the parts of one word while it is read.
#[derive(Debug, Default)]
struct Parts {
    parts: Vec<WordPart>,
    lit: Vec<u8>,
    lit_start: usize,
    lit_end: usize,
    lit_quote: Option<QuoteKind>,
    zsh: Vec<ZshForm>,
    has_glob: bool,
    no_bracket_until: usize,
    assign: Option<AssignShape>,
}

impl Parts {
    fn is_empty(&self) -> bool {
        self.parts.is_empty() && self.lit_quote.is_none()
    }
}

struct PendingHeredoc {
    id: u32,
    delimiter: Vec<u8>,
    quoted: bool,
    strip_tabs: bool,
    span: Span,
}

type Bodies = crate::sorted::SortedMap<u32, (Span, Vec<WordPart>)>;

const UNARY_TESTS: &[&str] = &[
    "-a", "-b", "-c", "-d", "-e", "-f", "-g", "-h", "-k", "-p", "-r", "-s", "-t", "-u", "-w", "-x",
    "-G", "-L", "-N", "-O", "-S", "-z", "-n", "-o", "-v", "-R",
];
const BINARY_TESTS: &[&str] = &[
    "=", "==", "!=", "=~", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef",
];

// ---------------------------------------------------------------------------------------
// Parser state

struct Parser<'s, 'l> {
    /// Buffer being read (the input, or an unescaped backtick body).
    src: &'s [u8],
    /// Offset map of `src` into the original input (`None`: identity).
    map: Option<&'s [u32]>,
    /// The original input, for source text of spans.
    orig: &'s [u8],
    pos: usize,
    end: usize,
    /// Line continuations are literal (single quotes, ANSI-C, comments).
    raw: bool,
    /// End (original offset) of the last consumed token.
    prev_end: u32,
    /// Buffer offset after the last consumed byte.
    last: usize,
    lim: &'l ParseLimits,
    depth: usize,
    nodes: usize,
    err: Option<ParseError>,
    comments: Vec<Span>,
    conts: Vec<Span>,
    split_tokens: Vec<Span>,
    peeked: Option<Tok>,
    /// The box of the last word token taken, reused for the next one: a box per word was an
    /// allocation and a free per word on the hot path (P4-R49). The token stays boxed so
    /// that the recursive descent's frames stay small.
    spare: Option<Box<WordTok>>,
    /// The kind of `peeked`, classified once: the recursive descent asks for it several
    /// times per token, and the keyword lookup is a chain of string compares.
    peeked_kind: Pk,
    pending: Vec<PendingHeredoc>,
    bodies: Bodies,
    next_heredoc: u32,
}

impl<'s, 'l> Parser<'s, 'l> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        src: &'s [u8],
        map: Option<&'s [u32]>,
        orig: &'s [u8],
        lim: &'l ParseLimits,
        depth: usize,
        nodes: usize,
        next_heredoc: u32,
    ) -> Self {
        Parser {
            src,
            map,
            orig,
            pos: 0,
            end: src.len(),
            raw: false,
            prev_end: 0,
            last: 0,
            lim,
            depth,
            nodes,
            err: None,
            comments: Vec::new(),
            conts: Vec::new(),
            split_tokens: Vec::new(),
            peeked: None,
            spare: None,
            peeked_kind: Pk::Eof,
            pending: Vec::new(),
            bodies: Bodies::new(),
            next_heredoc,
        }
    }

    // ----- positions and errors -----

    fn orig_pos(&self, i: usize) -> u32 {
        match self.map {
            None => u32::try_from(i).unwrap_or(u32::MAX),
            Some(m) => m.get(i).or_else(|| m.last()).copied().unwrap_or(0),
        }
    }

    /// Span of buffer range `[a, b)` in original offsets.
    fn sp(&self, a: usize, b: usize) -> Span {
        match self.map {
            None => Span::new(self.orig_pos(a), self.orig_pos(b)),
            Some(_) => {
                let s = self.orig_pos(a);
                if b > a {
                    Span::new(s, self.orig_pos(b - 1).saturating_add(1))
                } else {
                    Span::new(s, s)
                }
            }
        }
    }

    // Called for nearly every byte or word; the size-optimised wasm build would not inline it.
    #[inline(always)]
    fn failed(&self) -> bool {
        self.err.is_some()
    }

    fn error(&mut self, code: ParseErrorCode, message: impl Into<String>, span: Span) {
        if self.err.is_none() {
            self.err = Some(ParseError {
                code,
                message: message.into(),
                span,
            });
        }
    }

    fn error_at(&mut self, code: ParseErrorCode, message: &str, a: usize) {
        let s = self.sp(a, self.end);
        self.error(code, message, s);
    }

    fn node(&mut self) {
        self.nodes += 1;
        if self.nodes > self.lim.max_nodes {
            let s = self.sp(self.pos, self.pos);
            let msg = format!("more than {} AST nodes", self.lim.max_nodes);
            self.error(ParseErrorCode::LimitExceeded(LimitKind::Nodes), msg, s);
        }
    }

    /// Enters one nesting level; false (with the depth error set) when over the limit.
    fn enter(&mut self) -> bool {
        self.depth += 1;
        if self.depth > self.lim.max_depth {
            let s = self.sp(self.pos, self.pos);
            let msg = format!("nesting deeper than {}", self.lim.max_depth);
            self.error(ParseErrorCode::LimitExceeded(LimitKind::Depth), msg, s);
            return false;
        }
        !self.failed()
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    // ----- cursor -----

    // Called for nearly every byte or word; the size-optimised wasm build would not inline it.
    #[inline(always)]
    fn at(&self, i: usize) -> Option<u8> {
        if i < self.end {
            self.src.get(i).copied()
        } else {
            None
        }
    }

    fn skip_conts(&mut self) {
        while matches!(self.at(self.pos), Some(b'\\'))
            && matches!(self.at(self.pos + 1), Some(b'\n'))
        {
            let s = self.sp(self.pos, self.pos + 2);
            self.conts.push(s);
            self.pos += 2;
        }
    }

    // Called for nearly every byte or word; the size-optimised wasm build would not inline it.
    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        if self.failed() {
            return None;
        }
        // Only a backslash can start a continuation; test it here so the common byte does
        // not pay for a call.
        if !self.raw && matches!(self.at(self.pos), Some(b'\\')) {
            self.skip_conts();
        }
        self.at(self.pos)
    }

    /// The character after the next one (skipping continuations unless raw).
    fn peek_nth(&mut self, n: usize) -> Option<u8> {
        self.peek()?;
        let mut i = self.pos;
        for _ in 0..n {
            i += 1;
            if !self.raw {
                i = lexer::skip_continuations(self.src, i, self.end);
            }
        }
        self.at(i)
    }

    fn peek2(&mut self) -> Option<u8> {
        self.peek_nth(1)
    }

    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        self.last = self.pos;
        Some(c)
    }

    fn peek_raw(&self) -> Option<u8> {
        if self.failed() {
            return None;
        }
        self.at(self.pos)
    }

    fn bump_raw(&mut self) -> Option<u8> {
        let c = self.peek_raw()?;
        self.pos += 1;
        self.last = self.pos;
        Some(c)
    }

    fn source_text(&self, s: Span) -> String {
        self.orig
            .get(s.start as usize..s.end as usize)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    }

    /// Records `span` as a split token when a continuation lies strictly inside it.
    fn check_split(&mut self, from: usize, span: Span) {
        let inside = self
            .conts
            .get(from..)
            .unwrap_or_default()
            .iter()
            .any(|c| c.start > span.start && c.end < span.end);
        if inside {
            self.split_tokens.push(span);
        }
    }

    // ----- literal accumulation -----

    fn lit_byte(&mut self, b: &mut Parts, c: u8, start: usize, end: usize, quote: QuoteKind) {
        if b.lit_quote.is_some_and(|q| q != quote) {
            self.flush(b);
        }
        if b.lit_quote.is_none() {
            b.lit_quote = Some(quote);
            b.lit_start = start;
            b.lit.clear();
        }
        b.lit.push(c);
        b.lit_end = end;
    }

    /// Consumes the next byte as literal text.
    fn lit_next(&mut self, b: &mut Parts, quote: QuoteKind) {
        let start = self.pos;
        if let Some(c) = self.bump() {
            self.lit_byte(b, c, start, self.pos, quote);
        }
    }

    /// Consumes the next byte as literal text, then every following byte `more` accepts (tested in the loop: an indirect call
    /// per byte before), as
    /// one slice copy: most words are runs of plain bytes, and a bump and a push per byte
    /// was the parser's largest cost (P4-R49). `more` must reject `\\`, so no line
    /// continuation can lie inside the run; the result is the same as one `lit_next` per byte.
    fn lit_run(&mut self, b: &mut Parts, quote: QuoteKind, more: Run) {
        let start = self.pos;
        let Some(c) = self.bump() else {
            return;
        };
        let from = self.pos;
        let mut i = from;
        while i < self.end
            && self.src.get(i).is_some_and(|&n| match more {
                Run::Name => is_name_char(n),
                Run::Unquoted => plain_unquoted(n),
                Run::Quoted => plain_quoted(n),
            })
        {
            i += 1;
        }
        // What `lit_byte` does for the first byte, with room for the whole run at once.
        if b.lit_quote.is_some_and(|q| q != quote) {
            self.flush(b);
        }
        if b.lit_quote.is_none() {
            b.lit_quote = Some(quote);
            b.lit_start = start;
            b.lit.clear();
        }
        let run = self.src.get(from..i).unwrap_or_default();
        b.lit.reserve(1 + run.len());
        b.lit.push(c);
        b.lit.extend_from_slice(run);
        self.pos = i;
        self.last = i;
        b.lit_end = i;
    }

    fn flush(&mut self, b: &mut Parts) {
        let Some(quote) = b.lit_quote.take() else {
            return;
        };
        let text = bytes_to_string(std::mem::take(&mut b.lit));
        let span = self.sp(b.lit_start, b.lit_end);
        self.node();
        reserve_first(&mut b.parts);
        b.parts.push(WordPart::Literal(Literal {
            span,
            text,
            quote,
            escaped: false,
            escapes: Vec::new(),
        }));
    }

    fn push_part(&mut self, b: &mut Parts, part: WordPart) {
        self.flush(b);
        self.node();
        reserve_first(&mut b.parts);
        b.parts.push(part);
    }

    /// Pushes a one-character unquoted literal as its own part (brace characters, so the
    /// brace pass can find them).
    fn lit_alone(&mut self, b: &mut Parts) {
        self.flush(b);
        self.lit_next(b, QuoteKind::Unquoted);
        self.flush(b);
    }

    /// After a backslash at `start` has been consumed: the next raw character, escaped.
    fn escaped_char(&mut self, b: &mut Parts, start: usize, quote: QuoteKind) {
        let mut bytes = Vec::new();
        if let Some(c) = self.bump_raw() {
            bytes.push(c);
            if c >= 0x80 {
                while let Some(n @ 0x80..=0xBF) = self.peek_raw() {
                    bytes.push(n);
                    self.bump_raw();
                }
            }
        }
        let span = self.sp(start, self.last);
        let text = bytes_to_string(bytes);
        self.push_part(
            b,
            WordPart::Literal(Literal {
                span,
                text,
                quote,
                escaped: true,
                escapes: Vec::new(),
            }),
        );
    }

    fn parts_word(&mut self, b: Parts, start: usize) -> Word {
        let span = if b.parts.is_empty() {
            self.sp(start, start)
        } else {
            self.sp(start, self.last.max(start))
        };
        Word {
            span,
            parts: b.parts,
            zsh: b.zsh,
        }
    }

    // ----- tokens -----

    fn fill(&mut self) {
        if self.peeked.is_none() {
            let t = self.next_token();
            self.set_peeked(t);
        }
    }

    /// Puts `t` back as the next token, with its kind.
    fn set_peeked(&mut self, t: Tok) {
        self.peeked_kind = match &t {
            Tok::Eof(_) => Pk::Eof,
            Tok::Newline(_) => Pk::Newline,
            Tok::Op(op, _) => Pk::Op(*op),
            Tok::Word(w) => Pk::Word {
                kw: w.word.plain_text().and_then(keyword),
                io: w.io.is_some(),
                assign: w.assign.is_some(),
            },
        };
        self.peeked = Some(t);
    }

    fn peek_kind(&mut self) -> Pk {
        self.fill();
        if self.peeked.is_none() {
            return Pk::Eof;
        }
        self.peeked_kind
    }

    fn peek_span(&mut self) -> Span {
        self.fill();
        self.peeked.as_ref().map(Tok::span).unwrap_or_default()
    }

    fn peek_plain(&mut self) -> Option<String> {
        self.fill();
        match &self.peeked {
            Some(Tok::Word(w)) => w.word.plain_text().map(str::to_owned),
            _ => None,
        }
    }

    fn take(&mut self) -> Tok {
        self.fill();
        let t = self.peeked.take().unwrap_or(Tok::Eof(Span::default()));
        if !matches!(t, Tok::Eof(_)) {
            self.prev_end = t.span().end;
        }
        t
    }

    fn skip_newlines(&mut self) {
        while self.peek_kind() == Pk::Newline {
            self.take();
        }
    }

    /// Error for the token that was not expected here.
    fn unexpected(&mut self, expected: &str) {
        if self.failed() {
            return;
        }
        self.fill();
        let (span, eof) = match &self.peeked {
            Some(Tok::Eof(_)) | None => (
                self.peeked.as_ref().map(Tok::span).unwrap_or_default(),
                true,
            ),
            Some(t) => (t.span(), false),
        };
        if eof {
            self.error(
                ParseErrorCode::UnexpectedEof,
                format!("unexpected end of input, expected {expected}"),
                span,
            );
        } else {
            let text = match &self.peeked {
                Some(Tok::Newline(_)) => "newline".to_string(),
                _ => self.source_text(span),
            };
            self.error(
                ParseErrorCode::UnexpectedToken,
                format!("unexpected token `{text}`, expected {expected}"),
                span,
            );
        }
    }

    fn expect_kw(&mut self, k: Kw, what: &str) -> bool {
        if matches!(self.peek_kind(), Pk::Word { kw: Some(x), .. } if x == k) {
            self.take();
            true
        } else {
            self.unexpected(what);
            false
        }
    }

    fn expect_op(&mut self, op: Op, what: &str) -> bool {
        if self.peek_kind() == Pk::Op(op) {
            self.take();
            true
        } else {
            self.unexpected(what);
            false
        }
    }

    fn next_token(&mut self) -> Tok {
        loop {
            if self.failed() {
                let s = self.sp(self.end, self.end);
                return Tok::Eof(s);
            }
            while let Some(c) = self.peek() {
                if is_blank(c) {
                    self.bump();
                } else {
                    break;
                }
            }
            let Some(c) = self.peek() else {
                let s = self.sp(self.end, self.end);
                return Tok::Eof(s);
            };
            let start = self.pos;
            let k = self.conts.len();
            match c {
                b'#' => {
                    self.raw = true;
                    while let Some(c) = self.peek_raw() {
                        if c == b'\n' {
                            break;
                        }
                        self.bump_raw();
                    }
                    self.raw = false;
                    let s = self.sp(start, self.last);
                    self.comments.push(s);
                }
                b'\n' => {
                    self.bump();
                    let s = self.sp(start, self.last);
                    self.read_heredoc_bodies();
                    return Tok::Newline(s);
                }
                b'&' | b'|' | b';' | b'(' | b')' => {
                    let op = self.lex_op(c);
                    let s = self.sp(start, self.last);
                    self.check_split(k, s);
                    return Tok::Op(op, s);
                }
                b'<' | b'>' if !matches!(self.peek2(), Some(b'(')) => {
                    let op = self.lex_op(c);
                    let s = self.sp(start, self.last);
                    self.check_split(k, s);
                    return Tok::Op(op, s);
                }
                _ => {
                    let t = self.read_word_token(start);
                    if !self.failed() && self.pos == start {
                        // Safety net: a word must consume input, or the loop would spin.
                        self.error_at(
                            ParseErrorCode::UnexpectedToken,
                            "unexpected character",
                            start,
                        );
                    }
                    let s = t.word.span;
                    self.check_split(k, s);
                    return Tok::Word(self.boxed(t));
                }
            }
        }
    }

    /// `t` in the spare box when there is one (see `spare`).
    fn boxed(&mut self, t: WordTok) -> Box<WordTok> {
        match self.spare.take() {
            Some(mut b) => {
                *b = t;
                b
            }
            None => Box::new(t),
        }
    }

    /// The token out of its box, which is kept for the next word (see `spare`).
    fn unbox(&mut self, mut b: Box<WordTok>) -> WordTok {
        let empty = WordTok {
            word: Word {
                span: Span::default(),
                parts: Vec::new(),
                zsh: Vec::new(),
            },
            assign: None,
            io: None,
        };
        let t = std::mem::replace(&mut *b, empty);
        self.spare = Some(b);
        t
    }

    fn lex_op(&mut self, c: u8) -> Op {
        self.bump();
        match c {
            b'&' => match self.peek() {
                Some(b'&') => {
                    self.bump();
                    Op::AndIf
                }
                Some(b'>') => {
                    self.bump();
                    if matches!(self.peek(), Some(b'>')) {
                        self.bump();
                        Op::Redir(RedirOp::AppendBoth)
                    } else {
                        Op::Redir(RedirOp::WriteBoth)
                    }
                }
                Some(b'|') => {
                    let s = self.sp(self.pos.saturating_sub(1), self.pos + 1);
                    self.error(
                        ParseErrorCode::UnsupportedSyntax,
                        "zsh `&|` (disown) is not supported",
                        s,
                    );
                    Op::Amp
                }
                _ => Op::Amp,
            },
            b'|' => match self.peek() {
                Some(b'|') => {
                    self.bump();
                    Op::OrIf
                }
                Some(b'&') => {
                    self.bump();
                    Op::PipeAmp
                }
                _ => Op::Pipe,
            },
            b';' => match self.peek() {
                Some(b';') => {
                    self.bump();
                    if matches!(self.peek(), Some(b'&')) {
                        self.bump();
                        Op::DSemiAnd
                    } else {
                        Op::DSemi
                    }
                }
                Some(b'&') => {
                    self.bump();
                    Op::SemiAnd
                }
                Some(b'|') => {
                    let s = self.sp(self.pos.saturating_sub(1), self.pos + 1);
                    self.error(
                        ParseErrorCode::UnsupportedSyntax,
                        "zsh `;|` case terminator is not supported",
                        s,
                    );
                    Op::Semi
                }
                _ => Op::Semi,
            },
            b'(' => Op::LParen,
            b')' => Op::RParen,
            b'<' => match self.peek() {
                Some(b'<') => {
                    self.bump();
                    match self.peek() {
                        Some(b'<') => {
                            self.bump();
                            Op::Redir(RedirOp::HereString)
                        }
                        Some(b'-') => {
                            self.bump();
                            Op::Redir(RedirOp::HereDocStrip)
                        }
                        _ => Op::Redir(RedirOp::HereDoc),
                    }
                }
                Some(b'&') => {
                    self.bump();
                    Op::Redir(RedirOp::DupIn)
                }
                Some(b'>') => {
                    self.bump();
                    Op::Redir(RedirOp::ReadWrite)
                }
                _ => Op::Redir(RedirOp::Read),
            },
            _ => match self.peek() {
                Some(b'>') => {
                    self.bump();
                    Op::Redir(RedirOp::Append)
                }
                Some(b'&') => {
                    self.bump();
                    Op::Redir(RedirOp::DupOut)
                }
                Some(b'|') => {
                    self.bump();
                    Op::Redir(RedirOp::Clobber)
                }
                _ => Op::Redir(RedirOp::Write),
            },
        }
    }

    fn read_word_token(&mut self, start: usize) -> WordTok {
        let mut b = Parts::default();
        self.read_word_parts(&mut b, false);
        self.flush(&mut b);
        let assign = b.assign.take();
        // zsh reads a trailing `*(…)` / `?(…)` as glob qualifiers (`*(e:'cmd':)` runs code).
        if let Some(WordPart::Extglob(e)) = b.parts.last() {
            if matches!(e.op, '*' | '?') && !b.zsh.contains(&ZshForm::GlobQualifier) {
                b.zsh.push(ZshForm::GlobQualifier);
            }
        }
        let word = self.parts_word(b, start);
        self.node();
        let mut io = None;
        if matches!(self.peek(), Some(b'<' | b'>')) {
            if let Some(t) = word.plain_text() {
                if !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()) {
                    if let Ok(n) = t.parse::<u32>() {
                        io = Some(RedirFd::Number(n));
                    }
                }
            } else if let Some(t) = word.literal_value() {
                let plain = word
                    .parts
                    .iter()
                    .all(|p| matches!(p, WordPart::Literal(l) if l.quote == QuoteKind::Unquoted && !l.escaped));
                if plain {
                    if let Some(name) = t.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
                        if is_name(name) {
                            io = Some(RedirFd::Named(name.to_string()));
                        }
                    }
                }
            }
        }
        WordTok { word, assign, io }
    }

    // ----- words -----

    /// Reads an unquoted shell word (or the right side of `=~` when `regex`).
    fn read_word_parts(&mut self, b: &mut Parts, regex: bool) {
        #[derive(PartialEq)]
        enum St {
            Name,
            Value,
            Other,
        }
        let mut st = if regex { St::Other } else { St::Name };
        let mut sub_parsed = false;
        let mut tilde_ok = !regex;
        let mut depth: u32 = 0;
        let uq = QuoteKind::Unquoted;
        while let Some(c) = self.peek() {
            if c == b'~' && tilde_ok {
                let assign = st == St::Value;
                if !assign && b.is_empty() && matches!(self.peek2(), Some(b'[')) {
                    b.zsh.push(ZshForm::NamedDir);
                } else if self.try_tilde(b, assign) {
                    tilde_ok = false;
                    continue;
                }
            }
            tilde_ok = false;
            if st == St::Name {
                let name_only = b.parts.is_empty() && !sub_parsed;
                if name_only && is_name_char(c) && (b.lit_quote.is_some() || is_name_start(c)) {
                    self.lit_run(b, uq, Run::Name);
                    continue;
                }
                let has_name = (b.lit_quote.is_some() && b.parts.is_empty()) || sub_parsed;
                if has_name
                    && c == b'['
                    && !sub_parsed
                    && prescan_subscript_assign(self.src, self.pos, self.end).is_some()
                {
                    self.flush(b);
                    let s = self.pos;
                    self.bump();
                    let sub = self.read_subscript(s);
                    self.push_part(b, WordPart::Subscript(sub));
                    sub_parsed = true;
                    continue;
                }
                if has_name && (c == b'=' || (c == b'+' && matches!(self.peek2(), Some(b'=')))) {
                    let append = c == b'+';
                    let name =
                        String::from_utf8_lossy(if sub_parsed { &[] } else { b.lit.as_slice() })
                            .into_owned();
                    let name = if sub_parsed {
                        match b.parts.first() {
                            Some(WordPart::Literal(l)) => l.text.clone(),
                            _ => String::new(),
                        }
                    } else {
                        name
                    };
                    let name_span = match (sub_parsed, b.parts.first()) {
                        (true, Some(p)) => p.span(),
                        _ => self.sp(b.lit_start, b.lit_end),
                    };
                    self.flush(b);
                    let s = self.pos;
                    self.bump();
                    if append {
                        self.bump();
                    }
                    let text = if append { "+=" } else { "=" };
                    let span = self.sp(s, self.last);
                    self.push_part(
                        b,
                        WordPart::Literal(Literal {
                            span,
                            text: text.into(),
                            quote: uq,
                            escaped: false,
                            escapes: Vec::new(),
                        }),
                    );
                    b.assign = Some(AssignShape {
                        name,
                        name_span,
                        sub_index: if sub_parsed { Some(1) } else { None },
                        value_start: b.parts.len(),
                        append,
                    });
                    st = St::Value;
                    tilde_ok = true;
                    continue;
                }
                st = St::Other;
            }
            let start = self.pos;
            match c {
                b' ' | b'\t' if regex && depth > 0 => self.lit_next(b, uq),
                b' ' | b'\t' | b'\n' | b';' | b'&' => break,
                b'|' => {
                    if regex && (depth > 0 || !matches!(self.peek2(), Some(b'|'))) {
                        self.lit_next(b, uq);
                    } else {
                        break;
                    }
                }
                b'(' => {
                    if regex {
                        depth += 1;
                        self.lit_next(b, uq);
                    } else if st == St::Value
                        && b.lit_quote.is_none()
                        && b.assign
                            .as_ref()
                            .is_some_and(|a| a.value_start == b.parts.len())
                    {
                        let arr = self.read_array();
                        self.push_part(b, WordPart::Array(arr));
                        break;
                    } else if b.has_glob {
                        self.read_glob_qualifier(b);
                    } else {
                        break;
                    }
                }
                b')' => {
                    if regex && depth > 0 {
                        depth -= 1;
                        self.lit_next(b, uq);
                    } else {
                        break;
                    }
                }
                b'<' | b'>' => {
                    if !regex && matches!(self.peek2(), Some(b'(')) {
                        let dir = if c == b'<' {
                            ProcessDir::In
                        } else {
                            ProcessDir::Out
                        };
                        self.read_process_subst(b, dir);
                    } else if regex && depth > 0 {
                        self.lit_next(b, uq);
                    } else {
                        break;
                    }
                }
                b'\'' => self.read_single(b),
                b'"' => self.read_dq(b, false),
                b'`' => self.read_backtick(b, false),
                b'$' => self.read_dollar(b, uq),
                b'\\' => {
                    self.bump();
                    if self.peek_raw().is_some() {
                        self.escaped_char(b, start, uq);
                    } else {
                        self.lit_byte(b, b'\\', start, self.pos, uq);
                    }
                }
                b'*' | b'?' if !regex => {
                    if matches!(self.peek2(), Some(b'(')) {
                        self.read_extglob(b, c);
                    } else {
                        self.bump();
                        let span = self.sp(start, self.last);
                        b.has_glob = true;
                        self.push_part(
                            b,
                            WordPart::Glob(Glob {
                                span,
                                text: char::from(c).to_string(),
                            }),
                        );
                    }
                }
                b'+' | b'@' | b'!' if !regex && matches!(self.peek2(), Some(b'(')) => {
                    self.read_extglob(b, c)
                }
                b'[' if !regex => {
                    if self.pos < b.no_bracket_until {
                        self.lit_next(b, uq);
                    } else {
                        match prescan_bracket(self.src, self.pos, self.end) {
                            Ok(close) => {
                                let text = String::from_utf8_lossy(
                                    self.src.get(self.pos..=close).unwrap_or_default(),
                                )
                                .into_owned();
                                self.pos = close + 1;
                                self.last = self.pos;
                                let span = self.sp(start, self.last);
                                b.has_glob = true;
                                self.push_part(b, WordPart::Glob(Glob { span, text }));
                            }
                            Err(stop) => {
                                b.no_bracket_until = stop;
                                self.lit_next(b, uq);
                            }
                        }
                    }
                }
                b'{' | b'}' | b',' if !regex => self.lit_alone(b),
                b'=' if !regex && b.is_empty() => {
                    match self.peek2() {
                        Some(b'(') => {
                            self.read_process_subst(b, ProcessDir::ZshEquals);
                            continue;
                        }
                        Some(n) if is_name_start(n) || n == b'/' || n == b'.' => {
                            b.zsh.push(ZshForm::Equals)
                        }
                        _ => {}
                    }
                    self.lit_next(b, uq);
                }
                b':' if st == St::Value => {
                    self.lit_next(b, uq);
                    tilde_ok = true;
                }
                _ => self.lit_run(b, uq, Run::Unquoted),
            }
        }
    }

    fn try_tilde(&mut self, b: &mut Parts, assign: bool) -> bool {
        let Some(stop) = prescan_tilde(self.src, self.pos, self.end, assign) else {
            return false;
        };
        let start = self.pos;
        let user =
            String::from_utf8_lossy(self.src.get(start + 1..stop).unwrap_or_default()).into_owned();
        self.pos = stop;
        self.last = stop;
        let span = self.sp(start, stop);
        self.push_part(b, WordPart::Tilde(Tilde { span, user }));
        true
    }

    fn read_single(&mut self, b: &mut Parts) {
        self.flush(b);
        let start = self.pos;
        self.bump();
        self.raw = true;
        let cstart = self.pos;
        let mut closed = false;
        while let Some(c) = self.peek_raw() {
            if c == b'\'' {
                closed = true;
                break;
            }
            self.bump_raw();
        }
        let text = bytes_to_string(self.src.get(cstart..self.pos).unwrap_or_default().to_vec());
        if closed {
            self.bump_raw();
        }
        self.raw = false;
        if !closed {
            self.error_at(
                ParseErrorCode::UnterminatedSingleQuote,
                "unterminated single quote",
                start,
            );
        }
        let span = self.sp(start, self.last);
        self.push_part(
            b,
            WordPart::Literal(Literal {
                span,
                text,
                quote: QuoteKind::Single,
                escaped: false,
                escapes: Vec::new(),
            }),
        );
    }

    /// `"…"` (or the `"…"` of `$"…"` when `locale`); the `"` is next.
    fn read_dq(&mut self, b: &mut Parts, locale: bool) {
        self.flush(b);
        let start = self.pos;
        self.bump();
        let before = b.parts.len();
        self.read_inner(b, Mode::Dq { locale });
        self.flush(b);
        if matches!(self.peek(), Some(b'"')) {
            self.bump();
        } else {
            self.error_at(
                ParseErrorCode::UnterminatedDoubleQuote,
                "unterminated double quote",
                start,
            );
        }
        if b.parts.len() == before {
            let span = self.sp(start, self.last);
            let quote = if locale {
                QuoteKind::Locale
            } else {
                QuoteKind::Double
            };
            self.push_part(
                b,
                WordPart::Literal(Literal {
                    span,
                    text: String::new(),
                    quote,
                    escaped: false,
                    escapes: Vec::new(),
                }),
            );
        }
    }

    /// Reads quoted or nested text until the mode's terminator (not consumed).
    fn read_inner(&mut self, b: &mut Parts, mode: Mode) {
        let mut depth: u32 = 0;
        let mut line_start = true;
        let (qk, quoted) = match mode {
            Mode::Dq { locale: true } => (QuoteKind::Locale, true),
            Mode::Dq { .. } | Mode::Heredoc { .. } | Mode::ParamArg { quoted: true, .. } => {
                (QuoteKind::Double, true)
            }
            _ => (QuoteKind::Unquoted, false),
        };
        loop {
            if let Mode::Heredoc { strip_tabs: true } = mode {
                if line_start {
                    while matches!(self.peek(), Some(b'\t')) {
                        self.bump();
                    }
                }
            }
            line_start = false;
            let Some(c) = self.peek() else { break };
            let start = self.pos;
            // Terminators and nesting.
            match mode {
                Mode::Dq { .. } if c == b'"' => break,
                Mode::Arith { semicolon } => match c {
                    b'(' => depth += 1,
                    b')' if depth == 0 => break,
                    b')' => depth -= 1,
                    b';' if semicolon && depth == 0 => break,
                    _ => {}
                },
                Mode::Bracket => match c {
                    b'[' => depth += 1,
                    b']' if depth == 0 => break,
                    b']' => depth -= 1,
                    _ => {}
                },
                // bash does not pair bare braces here: `${x:-{a}b}` is `{a` then `b}`.
                Mode::ParamArg { stop, .. } if c == b'}' || c == stop => break,
                Mode::Paren => match c {
                    b'(' => depth += 1,
                    b')' if depth == 0 => break,
                    b')' => depth -= 1,
                    _ => {}
                },
                _ => {}
            }
            match c {
                b'$' => self.read_dollar(b, qk),
                b'`' => self.read_backtick(b, quoted),
                b'\\' => {
                    self.bump();
                    let esc = match mode {
                        Mode::Dq { .. } => {
                            matches!(self.peek_raw(), Some(b'$' | b'`' | b'"' | b'\\'))
                        }
                        Mode::Heredoc { .. } => {
                            matches!(self.peek_raw(), Some(b'$' | b'`' | b'\\'))
                        }
                        Mode::ParamArg { quoted: true, .. } => {
                            matches!(self.peek_raw(), Some(b'$' | b'`' | b'"' | b'\\' | b'}'))
                        }
                        _ => self.peek_raw().is_some(),
                    };
                    if esc {
                        self.escaped_char(b, start, qk);
                    } else {
                        self.lit_byte(b, b'\\', start, self.pos, qk);
                    }
                }
                b'\''
                    if !quoted
                        || matches!(
                            mode,
                            Mode::ParamArg {
                                single_literal: false,
                                ..
                            }
                        ) =>
                {
                    self.read_single(b)
                }
                b'"' if !matches!(mode, Mode::Dq { .. } | Mode::Heredoc { .. }) => {
                    self.read_dq(b, false)
                }
                b'?' | b'*' | b'+' | b'@' | b'!'
                    if mode == Mode::Paren && matches!(self.peek2(), Some(b'(')) =>
                {
                    self.read_extglob(b, c)
                }
                b'\n' => {
                    self.lit_next(b, qk);
                    line_start = true;
                }
                _ if matches!(mode, Mode::Dq { .. } | Mode::Heredoc { .. }) => {
                    self.lit_run(b, qk, Run::Quoted)
                }
                _ => self.lit_next(b, qk),
            }
        }
    }

    fn read_dollar(&mut self, b: &mut Parts, qk: QuoteKind) {
        let quoted = qk != QuoteKind::Unquoted;
        let start = self.pos;
        self.bump();
        match self.peek() {
            Some(b'\'') if !quoted => self.read_ansi_c(b, start),
            Some(b'"') if !quoted => {
                self.flush(b);
                self.read_dq(b, true);
            }
            Some(b'(') => self.read_dollar_paren(b, start, quoted),
            Some(b'[') => {
                self.bump();
                if !self.enter() {
                    self.leave();
                    return;
                }
                let cstart = self.pos;
                let mut inner = Parts::default();
                self.read_inner(&mut inner, Mode::Bracket);
                self.flush(&mut inner);
                let expr = self.parts_word(inner, cstart);
                if matches!(self.peek(), Some(b']')) {
                    self.bump();
                } else {
                    self.error_at(
                        ParseErrorCode::UnterminatedArithmetic,
                        "unterminated `$[`",
                        start,
                    );
                }
                self.leave();
                let span = self.sp(start, self.last);
                self.push_part(
                    b,
                    WordPart::Arith(ArithExpansion {
                        span,
                        expr,
                        bracket: true,
                        quoted,
                    }),
                );
            }
            Some(b'{') => self.read_braced_param(b, start, quoted),
            Some(c) if is_name_start(c) => {
                let mut name = String::new();
                while let Some(c) = self.peek() {
                    if !is_name_char(c) {
                        break;
                    }
                    name.push(char::from(c));
                    self.bump();
                }
                let span = self.sp(start, self.last);
                self.push_part(b, WordPart::Param(simple_param(span, name, false, quoted)));
            }
            Some(c) if c.is_ascii_digit() || is_special_param(c) => {
                self.bump();
                let span = self.sp(start, self.last);
                self.push_part(
                    b,
                    WordPart::Param(simple_param(span, char::from(c).to_string(), false, quoted)),
                );
            }
            _ => self.lit_byte(b, b'$', start, start + 1, qk),
        }
    }

    fn read_ansi_c(&mut self, b: &mut Parts, start: usize) {
        self.flush(b);
        self.bump();
        self.raw = true;
        let cstart = self.pos;
        let mut closed = false;
        while let Some(c) = self.peek_raw() {
            match c {
                b'\'' => {
                    closed = true;
                    break;
                }
                b'\\' => {
                    self.bump_raw();
                    self.bump_raw();
                }
                _ => {
                    self.bump_raw();
                }
            }
        }
        let cend = self.pos;
        if closed {
            self.bump_raw();
        }
        self.raw = false;
        if !closed {
            self.error_at(
                ParseErrorCode::UnterminatedAnsiC,
                "unterminated $'…' string",
                start,
            );
        }
        let decoded = decode_ansi_c(self.src.get(cstart..cend).unwrap_or_default(), cstart);
        let escapes = decoded
            .escapes
            .into_iter()
            .map(|e| AnsiEscape {
                span: self.sp(e.start, e.end),
                source: e.source,
                decoded: e.decoded,
            })
            .collect();
        let span = self.sp(start, self.last);
        self.push_part(
            b,
            WordPart::Literal(Literal {
                span,
                text: decoded.text,
                quote: QuoteKind::AnsiC,
                escaped: false,
                escapes,
            }),
        );
    }

    /// `$(` at `start`; the `(` is next.
    fn read_dollar_paren(&mut self, b: &mut Parts, start: usize, quoted: bool) {
        self.bump();
        if matches!(self.peek(), Some(b'(')) && prescan_arith(self.src, self.pos + 1, self.end) {
            self.bump();
            if !self.enter() {
                self.leave();
                return;
            }
            let cstart = self.pos;
            let mut inner = Parts::default();
            self.read_inner(&mut inner, Mode::Arith { semicolon: false });
            self.flush(&mut inner);
            let expr = self.parts_word(inner, cstart);
            let closed = matches!(self.peek(), Some(b')')) && matches!(self.peek2(), Some(b')'));
            if closed {
                self.bump();
                self.bump();
            } else {
                self.error_at(
                    ParseErrorCode::UnterminatedArithmetic,
                    "unterminated `$((`",
                    start,
                );
            }
            self.leave();
            let span = self.sp(start, self.last);
            self.push_part(
                b,
                WordPart::Arith(ArithExpansion {
                    span,
                    expr,
                    bracket: false,
                    quoted,
                }),
            );
            return;
        }
        if !self.enter() {
            self.leave();
            return;
        }
        let script = self.parse_subst_body(start);
        self.leave();
        let span = self.sp(start, self.last);
        self.push_part(
            b,
            WordPart::CommandSubst(CommandSubst {
                span,
                script: Box::new(script),
                backtick: false,
                quoted,
            }),
        );
    }

    /// The script of `$(…)`, `<(…)`: reads up to and including the closing `)`.
    fn parse_subst_body(&mut self, open: usize) -> Script {
        let sstart = self.pos;
        let list = self.parse_list(S_RPAREN);
        let close = self.peek_span();
        match self.peek_kind() {
            Pk::Op(Op::RParen) => {
                self.take();
            }
            Pk::Eof => {
                self.error_at(
                    ParseErrorCode::UnterminatedSubstitution,
                    "unterminated substitution",
                    open,
                );
            }
            _ => self.unexpected("`)`"),
        }
        let s = self.sp(sstart, sstart);
        Script {
            span: Span::new(s.start, close.start.max(s.start)),
            list,
        }
    }

    fn read_process_subst(&mut self, b: &mut Parts, dir: ProcessDir) {
        self.flush(b);
        let start = self.pos;
        self.bump();
        self.bump();
        if !self.enter() {
            self.leave();
            return;
        }
        let script = self.parse_subst_body(start);
        self.leave();
        let span = self.sp(start, self.last);
        self.push_part(
            b,
            WordPart::ProcessSubst(ProcessSubst {
                span,
                dir,
                script: Box::new(script),
            }),
        );
    }

    fn read_subscript(&mut self, open: usize) -> Subscript {
        if !self.enter() {
            self.leave();
            let span = self.sp(open, self.last);
            return Subscript {
                span,
                expr: Word {
                    span,
                    parts: Vec::new(),
                    zsh: Vec::new(),
                },
            };
        }
        let cstart = self.pos;
        let mut inner = Parts::default();
        self.read_inner(&mut inner, Mode::Bracket);
        self.flush(&mut inner);
        let expr = self.parts_word(inner, cstart);
        if matches!(self.peek(), Some(b']')) {
            self.bump();
        } else {
            self.error_at(
                ParseErrorCode::UnterminatedParameter,
                "unterminated subscript",
                open,
            );
        }
        self.leave();
        Subscript {
            span: self.sp(open, self.last),
            expr,
        }
    }

    fn read_param_arg(&mut self, quoted: bool, single_literal: bool, stop: u8) -> Word {
        let start = self.pos;
        let mut b = Parts::default();
        self.read_inner(
            &mut b,
            Mode::ParamArg {
                quoted,
                single_literal,
                stop,
            },
        );
        self.flush(&mut b);
        let mut w = self.parts_word(b, start);
        w.parts = merge_literals(w.parts);
        w
    }

    fn read_braced_param(&mut self, b: &mut Parts, start: usize, quoted: bool) {
        self.bump();
        if !self.enter() {
            self.leave();
            return;
        }
        let mut pe = simple_param(Span::default(), String::new(), true, quoted);
        if matches!(self.peek(), Some(b'(')) {
            let fstart = self.pos;
            self.bump();
            let mut flags = String::new();
            while let Some(c) = self.peek() {
                if c == b')' || c == b'}' {
                    break;
                }
                flags.push(char::from(c));
                self.bump();
            }
            if matches!(self.peek(), Some(b')')) {
                self.bump();
            } else {
                self.error_at(
                    ParseErrorCode::UnterminatedParameter,
                    "unterminated zsh parameter flags",
                    fstart,
                );
            }
            pe.zsh_flags = Some(flags);
        }
        while let Some(c @ (b'~' | b'=' | b'^')) = self.peek() {
            pe.zsh_modifiers.push(char::from(c));
            self.bump();
        }
        match (self.peek(), self.peek2()) {
            (Some(b'$'), Some(b'{' | b'(')) | (Some(b'"'), _) => {
                let s = self.sp(start, self.pos + 1);
                self.error(
                    ParseErrorCode::UnsupportedSyntax,
                    "nested zsh parameter expansion is not supported",
                    s,
                );
            }
            _ => {}
        }
        // `#` (length) and `!` (indirection) prefixes.
        if let Some(p @ (b'#' | b'!')) = self.peek() {
            let n2 = self.peek2();
            let n3 = self.peek_nth(2);
            let prefix = match n2 {
                Some(c) if is_name_start(c) || c.is_ascii_digit() => true,
                Some(c) if is_special_param(c) => {
                    matches!(n3, Some(b'}' | b'[')) || (p == b'!' && c == b'@')
                }
                _ => false,
            };
            if prefix {
                self.bump();
                if p == b'#' {
                    pe.length = true;
                } else {
                    pe.indirect = true;
                }
            }
        }
        // Name.
        match self.peek() {
            Some(c) if is_name_start(c) => {
                while let Some(c) = self.peek() {
                    if !is_name_char(c) {
                        break;
                    }
                    pe.name.push(char::from(c));
                    self.bump();
                }
            }
            Some(c) if c.is_ascii_digit() => {
                while let Some(c) = self.peek() {
                    if !c.is_ascii_digit() {
                        break;
                    }
                    pe.name.push(char::from(c));
                    self.bump();
                }
            }
            Some(c) if is_special_param(c) => {
                pe.name.push(char::from(c));
                self.bump();
            }
            _ => {}
        }
        if matches!(self.peek(), Some(b'[')) && !pe.name.is_empty() {
            let s = self.pos;
            self.bump();
            pe.subscript = Some(self.read_subscript(s));
        }
        // Operator.
        let op_start = self.pos;
        let kind = match self.peek() {
            Some(b'}') | None => None,
            Some(b'*' | b'@') if pe.indirect && matches!(self.peek2(), Some(b'}')) => {
                self.bump();
                Some(ParamOpKind::PrefixList)
            }
            Some(b':') => {
                self.bump();
                match self.peek() {
                    Some(b'-') => Some(ParamOpKind::Default { colon: true }),
                    Some(b'=') => Some(ParamOpKind::Assign { colon: true }),
                    Some(b'?') => Some(ParamOpKind::Error { colon: true }),
                    Some(b'+') => Some(ParamOpKind::Alternate { colon: true }),
                    _ => Some(ParamOpKind::Substring),
                }
            }
            Some(b'-') => Some(ParamOpKind::Default { colon: false }),
            Some(b'=') => Some(ParamOpKind::Assign { colon: false }),
            Some(b'?') => Some(ParamOpKind::Error { colon: false }),
            Some(b'+') => Some(ParamOpKind::Alternate { colon: false }),
            Some(b'#') => Some(ParamOpKind::RemovePrefix {
                longest: matches!(self.peek2(), Some(b'#')),
            }),
            Some(b'%') => Some(ParamOpKind::RemoveSuffix {
                longest: matches!(self.peek2(), Some(b'%')),
            }),
            Some(b'/') => {
                self.bump();
                let k = match self.peek() {
                    Some(b'/') => ParamOpKind::Replace {
                        all: true,
                        anchor: None,
                    },
                    Some(c @ (b'#' | b'%')) => ParamOpKind::Replace {
                        all: false,
                        anchor: Some(char::from(c)),
                    },
                    _ => ParamOpKind::Replace {
                        all: false,
                        anchor: None,
                    },
                };
                if !matches!(
                    k,
                    ParamOpKind::Replace {
                        all: false,
                        anchor: None
                    }
                ) {
                    self.bump();
                }
                Some(k)
            }
            Some(c @ (b'^' | b',')) => Some(ParamOpKind::Case {
                upper: c == b'^',
                all: self.peek2() == Some(c),
            }),
            Some(b'@') => match self.peek2() {
                Some(c) if c.is_ascii_alphabetic() => {
                    self.bump();
                    self.bump();
                    Some(ParamOpKind::Transform(char::from(c)))
                }
                _ => Some(ParamOpKind::Invalid),
            },
            Some(_) => Some(ParamOpKind::Invalid),
        };
        if let Some(kind) = kind {
            // Consume the operator characters not consumed above.
            match kind {
                ParamOpKind::Default { .. }
                | ParamOpKind::Assign { .. }
                | ParamOpKind::Error { .. }
                | ParamOpKind::Alternate { .. } => {
                    self.bump();
                }
                ParamOpKind::RemovePrefix { longest } | ParamOpKind::RemoveSuffix { longest } => {
                    self.bump();
                    if longest {
                        self.bump();
                    }
                }
                ParamOpKind::Case { all, .. } => {
                    self.bump();
                    if all {
                        self.bump();
                    }
                }
                _ => {}
            }
            let op_span = self.sp(op_start, self.last.max(op_start));
            let single_literal = quoted
                && matches!(
                    kind,
                    ParamOpKind::Default { .. }
                        | ParamOpKind::Assign { .. }
                        | ParamOpKind::Error { .. }
                        | ParamOpKind::Alternate { .. }
                );
            let mut args = Vec::new();
            match kind {
                ParamOpKind::Substring => {
                    args.push(self.read_param_arg(quoted, single_literal, b':'));
                    if matches!(self.peek(), Some(b':')) {
                        self.bump();
                        args.push(self.read_param_arg(quoted, single_literal, b'}'));
                    }
                }
                ParamOpKind::Replace { .. } => {
                    args.push(self.read_param_arg(quoted, single_literal, b'/'));
                    if matches!(self.peek(), Some(b'/')) {
                        self.bump();
                        args.push(self.read_param_arg(quoted, single_literal, b'}'));
                    }
                }
                ParamOpKind::PrefixList | ParamOpKind::Transform(_) => {}
                _ => args.push(self.read_param_arg(quoted, single_literal, b'}')),
            }
            pe.op = Some(ParamOp {
                span: op_span,
                kind,
                args,
            });
        }
        if matches!(self.peek(), Some(b'}')) {
            self.bump();
        } else if matches!(
            pe.op,
            Some(ParamOp {
                kind: ParamOpKind::PrefixList | ParamOpKind::Transform(_),
                ..
            })
        ) {
            // `${x@Q…}` with trailing junk: bash reads to the brace and rejects it later.
            while let Some(c) = self.peek() {
                self.bump();
                if c == b'}' {
                    break;
                }
            }
            if self.last == 0 || !matches!(self.src.get(self.last - 1), Some(&b'}')) {
                self.error_at(
                    ParseErrorCode::UnterminatedParameter,
                    "unterminated `${`",
                    start,
                );
            }
        } else {
            self.error_at(
                ParseErrorCode::UnterminatedParameter,
                "unterminated `${`",
                start,
            );
        }
        self.leave();
        pe.span = self.sp(start, self.last);
        self.push_part(b, WordPart::Param(pe));
    }

    fn read_backtick(&mut self, b: &mut Parts, quoted: bool) {
        self.flush(b);
        let start = self.pos;
        self.bump();
        let mut buf: Vec<u8> = Vec::new();
        let mut map: Vec<u32> = Vec::new();
        let mut closed = false;
        while let Some(c) = self.peek() {
            let p = self.pos;
            match c {
                b'`' => {
                    self.bump();
                    closed = true;
                    break;
                }
                b'\\' => {
                    self.bump();
                    match self.peek_raw() {
                        Some(n) if matches!(n, b'$' | b'`' | b'\\') || (quoted && n == b'"') => {
                            buf.push(n);
                            map.push(self.orig_pos(self.pos));
                            self.bump_raw();
                        }
                        _ => {
                            buf.push(b'\\');
                            map.push(self.orig_pos(p));
                        }
                    }
                }
                _ => {
                    buf.push(c);
                    map.push(self.orig_pos(p));
                    self.bump();
                }
            }
        }
        if !closed {
            self.error_at(
                ParseErrorCode::UnterminatedBacktick,
                "unterminated backtick substitution",
                start,
            );
        }
        map.push(self.orig_pos(self.pos.saturating_sub(1)));
        let script = self.child_parse(&buf, &map);
        let span = self.sp(start, self.last);
        self.push_part(
            b,
            WordPart::CommandSubst(CommandSubst {
                span,
                script: Box::new(script),
                backtick: true,
                quoted,
            }),
        );
    }

    /// Parses an unescaped buffer as a nested script with a child parser sharing counters.
    fn child_parse(&mut self, buf: &[u8], map: &[u32]) -> Script {
        if !self.enter() {
            self.leave();
            let s = self.sp(self.pos, self.pos);
            return Script {
                span: s,
                list: List::default(),
            };
        }
        let (script, err, comments, conts, splits, nodes, next) = {
            let mut child = Parser::new(
                buf,
                Some(map),
                self.orig,
                self.lim,
                self.depth,
                self.nodes,
                self.next_heredoc,
            );
            let script = child.parse_script();
            (
                script,
                child.err,
                child.comments,
                child.conts,
                child.split_tokens,
                child.nodes,
                child.next_heredoc,
            )
        };
        self.leave();
        self.nodes = nodes;
        self.next_heredoc = next;
        self.comments.extend(comments);
        self.conts.extend(conts);
        self.split_tokens.extend(splits);
        if let Some(e) = err {
            if self.err.is_none() {
                self.err = Some(e);
            }
        }
        script
    }

    fn read_extglob(&mut self, b: &mut Parts, op: u8) {
        self.flush(b);
        let start = self.pos;
        self.bump();
        self.bump();
        if !self.enter() {
            self.leave();
            return;
        }
        let mut inner = Parts::default();
        self.read_inner(&mut inner, Mode::Paren);
        self.flush(&mut inner);
        if matches!(self.peek(), Some(b')')) {
            self.bump();
        } else {
            self.error_at(
                ParseErrorCode::UnexpectedEof,
                "unterminated extended glob",
                start,
            );
        }
        self.leave();
        b.has_glob = true;
        let span = self.sp(start, self.last);
        self.push_part(
            b,
            WordPart::Extglob(Extglob {
                span,
                op: char::from(op),
                pattern: merge_literals(inner.parts),
            }),
        );
    }

    fn read_glob_qualifier(&mut self, b: &mut Parts) {
        self.flush(b);
        let start = self.pos;
        let mut depth: u32 = 0;
        let mut text = Vec::new();
        while let Some(c) = self.bump() {
            text.push(c);
            match c {
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        if depth != 0 {
            self.error_at(
                ParseErrorCode::UnexpectedEof,
                "unterminated glob qualifier",
                start,
            );
        }
        let span = self.sp(start, self.last);
        if !b.zsh.contains(&ZshForm::GlobQualifier) {
            b.zsh.push(ZshForm::GlobQualifier);
        }
        self.push_part(
            b,
            WordPart::GlobQualifier(Glob {
                span,
                text: bytes_to_string(text),
            }),
        );
    }

    /// `(` of `NAME=(…)` is next.
    fn read_array(&mut self) -> ArrayValue {
        let start = self.pos;
        self.bump();
        let mut elements = Vec::new();
        if !self.enter() {
            self.leave();
            return ArrayValue {
                span: self.sp(start, self.last),
                elements,
            };
        }
        loop {
            let Some(c) = self.peek() else {
                self.error_at(
                    ParseErrorCode::UnexpectedEof,
                    "unterminated array assignment",
                    start,
                );
                break;
            };
            match c {
                b' ' | b'\t' | b'\n' => {
                    self.bump();
                }
                b')' => {
                    self.bump();
                    // Bash ends the array only at a word boundary: `a=(x)#y; CMD` is the
                    // string assignment `a="(x)#y"` (no comment: CMD runs) and `a=(x)y` is
                    // `a="(x)y"`. Such text is not read as bash would read it, so the parse
                    // fails (ask) instead of hiding what follows as a comment.
                    if let Some(n) = self.peek() {
                        if !(matches!(n, b' ' | b'\t' | b'\n') || is_meta(n)) {
                            let s = self.sp(self.pos, self.pos + 1);
                            self.error(
                                ParseErrorCode::UnexpectedToken,
                                "text right after the `)` of an array assignment",
                                s,
                            );
                        }
                    }
                    break;
                }
                b'#' => {
                    let cs = self.pos;
                    self.raw = true;
                    while let Some(c) = self.peek_raw() {
                        if c == b'\n' {
                            break;
                        }
                        self.bump_raw();
                    }
                    self.raw = false;
                    let s = self.sp(cs, self.last);
                    self.comments.push(s);
                }
                c if is_meta(c) && !matches!(c, b'<' | b'>') => {
                    let s = self.sp(self.pos, self.pos + 1);
                    self.error(
                        ParseErrorCode::UnexpectedToken,
                        "unexpected token in array assignment",
                        s,
                    );
                    break;
                }
                _ => {
                    let ws = self.pos;
                    let mut wb = Parts::default();
                    self.read_word_parts(&mut wb, false);
                    self.flush(&mut wb);
                    wb.assign = None;
                    if self.pos == ws && !self.failed() {
                        let s = self.sp(self.pos, self.pos + 1);
                        self.error(
                            ParseErrorCode::UnexpectedToken,
                            "unexpected token in array assignment",
                            s,
                        );
                        break;
                    }
                    let w = self.parts_word(wb, ws);
                    self.node();
                    let w = self.finish_word(w, true);
                    elements.push(w);
                }
            }
        }
        self.leave();
        ArrayValue {
            span: self.sp(start, self.last),
            elements,
        }
    }

    // ----- word post-processing -----

    /// Merges split literals and, when `brace`, structures brace expansions (P4-R19).
    fn finish_word(&mut self, mut w: Word, brace: bool) -> Word {
        let has_open = brace
            && w.parts.iter().any(|p| matches!(p, WordPart::Literal(l) if l.quote == QuoteKind::Unquoted && !l.escaped && l.text == "{"));
        if !has_open {
            w.parts = merge_literals(w.parts);
            return w;
        }
        let parts = std::mem::take(&mut w.parts);
        match brace_structure(parts, self.lim.max_depth) {
            Ok(p) => w.parts = p,
            Err(p) => {
                w.parts = p;
                self.error(
                    ParseErrorCode::LimitExceeded(LimitKind::Depth),
                    "brace expansion nested too deeply",
                    w.span,
                );
            }
        }
        if w.has_brace() {
            let n = w.brace_count();
            if n > self.lim.max_brace_words_per_word as u64 {
                let msg = format!(
                    "brace expansion produces {n} words; the limit is {}",
                    self.lim.max_brace_words_per_word
                );
                self.error(
                    ParseErrorCode::LimitExceeded(LimitKind::BraceWords),
                    msg,
                    w.span,
                );
            }
        }
        w
    }

    fn take_word(&mut self, brace: bool, what: &str) -> Option<Word> {
        if let Pk::Word { .. } = self.peek_kind() {
            if let Tok::Word(wt) = self.take() {
                let wt = self.unbox(wt);
                return Some(self.finish_word(wt.word, brace));
            }
        }
        self.unexpected(what);
        None
    }

    // ----- heredocs -----

    fn read_heredoc_bodies(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        for h in pending {
            if self.failed() {
                break;
            }
            let body_start = self.pos;
            let mut ls = body_start;
            let mut found = None;
            loop {
                let mut le = ls;
                while le < self.end && !matches!(self.src.get(le), Some(&b'\n')) {
                    le += 1;
                }
                let line = self.src.get(ls..le).unwrap_or_default();
                let cmp = if h.strip_tabs {
                    let t = line.iter().take_while(|&&c| c == b'\t').count();
                    line.get(t..).unwrap_or_default()
                } else {
                    line
                };
                if cmp == h.delimiter.as_slice()
                    && (le > ls || ls < self.end || h.delimiter.is_empty())
                {
                    found = Some((ls, le));
                    break;
                }
                if le >= self.end {
                    break;
                }
                ls = le + 1;
            }
            let Some((ls, le)) = found else {
                let span = Span::new(h.span.start, self.orig_pos(self.end));
                let msg = format!(
                    "here-document delimited by `{}` is not terminated",
                    String::from_utf8_lossy(&h.delimiter)
                );
                self.error(ParseErrorCode::UnterminatedHeredoc, msg, span);
                self.bodies.insert(h.id, (Span::default(), Vec::new()));
                self.pos = self.end;
                break;
            };
            let body_span = self.sp(body_start, ls);
            let parts = if h.quoted {
                let raw = self.src.get(body_start..ls).unwrap_or_default();
                let text = if h.strip_tabs {
                    let mut out = Vec::with_capacity(raw.len());
                    let mut at_start = true;
                    for &c in raw {
                        if at_start && c == b'\t' {
                            continue;
                        }
                        at_start = c == b'\n';
                        out.push(c);
                    }
                    out
                } else {
                    raw.to_vec()
                };
                if text.is_empty() {
                    Vec::new()
                } else {
                    self.node();
                    vec![WordPart::Literal(Literal {
                        span: body_span,
                        text: bytes_to_string(text),
                        quote: QuoteKind::Single,
                        escaped: false,
                        escapes: Vec::new(),
                    })]
                }
            } else {
                let saved_end = self.end;
                self.end = ls;
                let mut b = Parts::default();
                self.read_inner(
                    &mut b,
                    Mode::Heredoc {
                        strip_tabs: h.strip_tabs,
                    },
                );
                self.flush(&mut b);
                self.end = saved_end;
                b.parts
            };
            self.bodies.insert(h.id, (body_span, parts));
            self.pos = if le < self.end { le + 1 } else { le };
            self.last = self.pos;
        }
    }

    // ----- grammar -----

    fn parse_script(&mut self) -> Script {
        let list = self.parse_list(0);
        match self.peek_kind() {
            Pk::Eof => {}
            _ => self.unexpected("end of input"),
        }
        if !self.failed() {
            if let Some(h) = self.pending.first() {
                let span = h.span;
                let msg = format!(
                    "here-document delimited by `{}` is not terminated",
                    String::from_utf8_lossy(&h.delimiter)
                );
                self.error(ParseErrorCode::UnterminatedHeredoc, msg, span);
            }
        }
        let span = self.sp(0, self.src.len());
        let mut script = Script { span, list };
        if !self.bodies.is_empty() {
            let mut bodies = std::mem::take(&mut self.bodies);
            patch::list(&mut script.list, &mut bodies, 0);
        }
        script
    }

    fn parse_list(&mut self, stop: u16) -> List {
        let mut items: Vec<ListItem> = Vec::new();
        loop {
            self.skip_newlines();
            // After an error only a word already read (the one that failed) is kept, so the
            // partial AST still shows it.
            if self.failed() && !matches!(self.peek_kind(), Pk::Word { .. }) {
                break;
            }
            match self.peek_kind() {
                Pk::Eof => break,
                Pk::Op(Op::RParen) if stop & S_RPAREN != 0 => break,
                Pk::Op(Op::DSemi | Op::SemiAnd | Op::DSemiAnd) if stop & S_CASESEP != 0 => break,
                Pk::Word { kw: Some(k), .. } if kw_stop(k) & stop != 0 => break,
                _ => {}
            }
            let start = self.peek_span().start;
            let and_or = self.parse_and_or();
            self.node();
            let terminator = match self.peek_kind() {
                Pk::Op(Op::Semi) => Some(TerminatorKind::Semi),
                Pk::Op(Op::Amp) => Some(TerminatorKind::Amp),
                Pk::Newline => Some(TerminatorKind::Newline),
                _ => None,
            }
            .map(|kind| {
                let t = self.take();
                Terminator {
                    span: t.span(),
                    kind,
                }
            });
            let span = Span::new(start, self.prev_end);
            let done = terminator.is_none() || self.failed();
            items.push(ListItem {
                span,
                and_or,
                terminator,
            });
            if done {
                break;
            }
        }
        let span = match (items.first(), items.last()) {
            (Some(a), Some(b)) => a.span.cover(b.span),
            _ => {
                let s = self.peek_span().start;
                Span::new(s, s)
            }
        };
        List { span, items }
    }

    fn parse_and_or(&mut self) -> AndOr {
        let first = self.parse_pipeline();
        let mut rest = Vec::new();
        loop {
            let op = match self.peek_kind() {
                Pk::Op(Op::AndIf) => AndOrOp::And,
                Pk::Op(Op::OrIf) => AndOrOp::Or,
                _ => break,
            };
            let op_span = self.take().span();
            self.skip_newlines();
            let pipeline = self.parse_pipeline();
            rest.push(AndOrTail {
                op,
                op_span,
                pipeline,
            });
            if self.failed() {
                break;
            }
        }
        let end = rest.last().map_or(first.span.end, |t| t.pipeline.span.end);
        AndOr {
            span: Span::new(first.span.start, end),
            first,
            rest,
        }
    }

    fn parse_pipeline(&mut self) -> Pipeline {
        let start = self.peek_span().start;
        let mut time = None;
        let mut bangs = Vec::new();
        loop {
            match self.peek_kind() {
                Pk::Word {
                    kw: Some(Kw::Time), ..
                } if time.is_none() => {
                    let s = self.take().span();
                    let posix = self.peek_plain().as_deref() == Some("-p");
                    let span = if posix {
                        s.cover(self.take().span())
                    } else {
                        s
                    };
                    time = Some(TimeSpec { span, posix });
                }
                Pk::Word {
                    kw: Some(Kw::Bang), ..
                } => bangs.push(self.take().span()),
                _ => break,
            }
        }
        self.node();
        let mut commands = Vec::new();
        let mut pipes = Vec::new();
        let bare = (time.is_some() || !bangs.is_empty())
            && matches!(
                self.peek_kind(),
                Pk::Eof
                    | Pk::Newline
                    | Pk::Op(
                        Op::Semi | Op::Amp | Op::RParen | Op::DSemi | Op::SemiAnd | Op::DSemiAnd
                    )
            );
        if !bare {
            commands.push(self.parse_command());
            loop {
                let kind = match self.peek_kind() {
                    Pk::Op(Op::Pipe) => PipeKind::Pipe,
                    Pk::Op(Op::PipeAmp) => PipeKind::PipeAmp,
                    _ => break,
                };
                if self.failed() {
                    break;
                }
                let span = self.take().span();
                pipes.push(PipeOp { span, kind });
                self.skip_newlines();
                commands.push(self.parse_command());
            }
        }
        let negated = bangs.len() % 2 == 1;
        Pipeline {
            span: Span::new(start, self.prev_end.max(start)),
            time,
            negated,
            bangs,
            commands,
            pipes,
        }
    }

    fn is_compound_start(&mut self) -> bool {
        matches!(
            self.peek_kind(),
            Pk::Op(Op::LParen)
                | Pk::Word {
                    kw: Some(
                        Kw::LBrace
                            | Kw::If
                            | Kw::For
                            | Kw::While
                            | Kw::Until
                            | Kw::Case
                            | Kw::Select
                            | Kw::DLBracket
                    ),
                    ..
                }
        )
    }

    fn parse_command(&mut self) -> Command {
        if self.failed() && !matches!(self.peek_kind(), Pk::Word { .. }) {
            return Command::Simple(SimpleCommand::default());
        }
        match self.peek_kind() {
            Pk::Op(Op::LParen) => self.parse_compound(),
            Pk::Word { kw: Some(k), .. } => match k {
                Kw::LBrace
                | Kw::If
                | Kw::For
                | Kw::While
                | Kw::Until
                | Kw::Case
                | Kw::Select
                | Kw::DLBracket => self.parse_compound(),
                Kw::Function => self.parse_function_keyword(),
                Kw::Coproc => self.parse_coproc(),
                Kw::Repeat | Kw::Foreach => self.parse_zsh_loop(k),
                Kw::Then
                | Kw::Else
                | Kw::Elif
                | Kw::Fi
                | Kw::Do
                | Kw::Done
                | Kw::Esac
                | Kw::RBrace
                | Kw::In => {
                    self.unexpected("a command");
                    Command::Simple(SimpleCommand::default())
                }
                _ => self.parse_simple(Vec::new()),
            },
            Pk::Word { .. } | Pk::Op(Op::Redir(_)) => self.parse_simple(Vec::new()),
            _ => {
                self.unexpected("a command");
                Command::Simple(SimpleCommand::default())
            }
        }
    }

    fn parse_trailing_redirections(&mut self) -> Vec<Redirection> {
        let mut out = Vec::new();
        loop {
            match self.peek_kind() {
                Pk::Op(Op::Redir(_)) => out.push(self.parse_redirection(None)),
                Pk::Word { io: true, .. } => {
                    if let Tok::Word(wt) = self.take() {
                        let wt = self.unbox(wt);
                        let start = wt.word.span.start;
                        out.push(self.parse_redirection(Some((wt.io, start))));
                    }
                }
                _ => break,
            }
            if self.failed() {
                break;
            }
        }
        out
    }

    fn parse_compound(&mut self) -> Command {
        let start = self.peek_span().start;
        if !self.enter() {
            self.leave();
            return Command::Simple(SimpleCommand::default());
        }
        let kind = self.parse_compound_kind();
        self.leave();
        self.node();
        let mut kind = kind;
        // zsh `{ … } always { … }`.
        if matches!(kind, CompoundKind::Group(_)) && self.peek_plain().as_deref() == Some("always")
        {
            self.take();
            let always_body = self.parse_brace_body();
            kind = match kind {
                CompoundKind::Group(try_body) => CompoundKind::Always(AlwaysClause {
                    try_body,
                    always_body,
                }),
                other => other,
            };
        }
        let redirections = self.parse_trailing_redirections();
        Command::Compound(CompoundCommand {
            span: Span::new(start, self.prev_end.max(start)),
            kind,
            redirections,
        })
    }

    /// `{ list }` with the `{` next; returns the list.
    fn parse_brace_body(&mut self) -> List {
        if !self.expect_kw(Kw::LBrace, "`{`") {
            return List::default();
        }
        let body = self.parse_list(S_RBRACE);
        if body.items.is_empty() {
            self.unexpected("a command");
        }
        self.expect_kw(Kw::RBrace, "`}`");
        body
    }

    /// Body after a loop head: `do … done` or `{ … }`; `zsh` is set for the brace form.
    fn parse_do_body(&mut self, zsh: &mut bool) -> List {
        self.skip_newlines();
        match self.peek_kind() {
            Pk::Word {
                kw: Some(Kw::Do), ..
            } => {
                self.take();
                let body = self.parse_list(S_DONE);
                if body.items.is_empty() {
                    self.unexpected("a command");
                }
                self.expect_kw(Kw::Done, "`done`");
                body
            }
            Pk::Word {
                kw: Some(Kw::LBrace),
                ..
            } => {
                *zsh = true;
                self.parse_brace_body()
            }
            _ => {
                self.unexpected("`do`");
                List::default()
            }
        }
    }

    fn nonempty(&mut self, l: &List, what: &str) {
        if l.items.is_empty() {
            self.unexpected(what);
        }
    }

    fn parse_compound_kind(&mut self) -> CompoundKind {
        match self.peek_kind() {
            Pk::Op(Op::LParen) => {
                let open = self.take().span();
                // `((` glued: arithmetic command unless it does not close as `))`.
                let local_after = self.pos;
                let glued =
                    matches!(self.peek(), Some(b'(')) && self.orig_pos(local_after) == open.end;
                if glued && prescan_arith(self.src, self.pos + 1, self.end) {
                    self.bump();
                    let cstart = self.pos;
                    let mut inner = Parts::default();
                    self.read_inner(&mut inner, Mode::Arith { semicolon: false });
                    self.flush(&mut inner);
                    let expr = self.parts_word(inner, cstart);
                    if matches!(self.peek(), Some(b')')) && matches!(self.peek2(), Some(b')')) {
                        self.bump();
                        self.bump();
                        self.prev_end = self.orig_pos(self.pos.saturating_sub(1)).saturating_add(1);
                    } else {
                        let s = Span::new(open.start, self.orig_pos(self.end));
                        self.error(
                            ParseErrorCode::UnterminatedArithmetic,
                            "unterminated `((`",
                            s,
                        );
                    }
                    return CompoundKind::Arith(ArithCommand { expr });
                }
                let body = self.parse_list(S_RPAREN);
                self.nonempty(&body, "a command");
                self.expect_op(Op::RParen, "`)`");
                CompoundKind::Subshell(body)
            }
            Pk::Word { kw: Some(k), .. } => match k {
                Kw::LBrace => CompoundKind::Group(self.parse_brace_body()),
                Kw::If => self.parse_if(),
                Kw::For => self.parse_for(false),
                Kw::Select => self.parse_for(true),
                Kw::While | Kw::Until => {
                    self.take();
                    let condition = self.parse_list(S_DO);
                    self.nonempty(&condition, "a condition");
                    let mut zsh = false;
                    let body = self.parse_do_body(&mut zsh);
                    let l = LoopClause {
                        condition,
                        body,
                        zsh,
                    };
                    if k == Kw::While {
                        CompoundKind::While(l)
                    } else {
                        CompoundKind::Until(l)
                    }
                }
                Kw::Case => self.parse_case(),
                Kw::DLBracket => {
                    self.take();
                    let expr = self.cond_or();
                    self.skip_newlines();
                    self.expect_kw(Kw::DRBracket, "`]]`");
                    CompoundKind::Cond(CondCommand { expr })
                }
                _ => {
                    self.unexpected("a compound command");
                    CompoundKind::Group(List::default())
                }
            },
            _ => {
                self.unexpected("a compound command");
                CompoundKind::Group(List::default())
            }
        }
    }

    fn parse_if(&mut self) -> CompoundKind {
        self.take();
        let condition = self.parse_list(S_THEN);
        self.nonempty(&condition, "a condition");
        if let Pk::Word {
            kw: Some(Kw::LBrace),
            ..
        } = self.peek_kind()
        {
            // zsh `if [[ … ]] { … } elif … { … } else { … }`.
            let then_body = self.parse_brace_body();
            let mut elifs = Vec::new();
            let mut else_body = None;
            loop {
                match self.peek_kind() {
                    Pk::Word {
                        kw: Some(Kw::Elif), ..
                    } => {
                        let s = self.take().span();
                        let c = self.parse_list(S_THEN);
                        let body = self.parse_brace_body();
                        elifs.push(ElifClause {
                            span: Span::new(s.start, self.prev_end),
                            condition: c,
                            body,
                        });
                    }
                    Pk::Word {
                        kw: Some(Kw::Else), ..
                    } => {
                        self.take();
                        else_body = Some(self.parse_brace_body());
                        break;
                    }
                    _ => break,
                }
                if self.failed() {
                    break;
                }
            }
            return CompoundKind::If(IfClause {
                condition,
                then_body,
                elifs,
                else_body,
                zsh: true,
            });
        }
        self.expect_kw(Kw::Then, "`then`");
        let then_body = self.parse_list(S_ELIF | S_ELSE | S_FI);
        self.nonempty(&then_body, "a command");
        let mut elifs = Vec::new();
        let mut else_body = None;
        loop {
            if self.failed() {
                break;
            }
            match self.peek_kind() {
                Pk::Word {
                    kw: Some(Kw::Elif), ..
                } => {
                    let s = self.take().span();
                    let c = self.parse_list(S_THEN);
                    self.nonempty(&c, "a condition");
                    self.expect_kw(Kw::Then, "`then`");
                    let body = self.parse_list(S_ELIF | S_ELSE | S_FI);
                    self.nonempty(&body, "a command");
                    elifs.push(ElifClause {
                        span: Span::new(s.start, self.prev_end),
                        condition: c,
                        body,
                    });
                }
                Pk::Word {
                    kw: Some(Kw::Else), ..
                } => {
                    self.take();
                    let e = self.parse_list(S_FI);
                    self.nonempty(&e, "a command");
                    else_body = Some(e);
                    self.expect_kw(Kw::Fi, "`fi`");
                    break;
                }
                _ => {
                    self.expect_kw(Kw::Fi, "`fi`");
                    break;
                }
            }
        }
        CompoundKind::If(IfClause {
            condition,
            then_body,
            elifs,
            else_body,
            zsh: false,
        })
    }

    fn parse_for(&mut self, select: bool) -> CompoundKind {
        self.take();
        if !select && self.peek_kind() == Pk::Op(Op::LParen) {
            let open = self.peek_span();
            let glued = {
                self.fill();
                matches!(self.peek(), Some(b'(')) && self.orig_pos(self.pos) == open.end
            };
            if glued {
                self.take();
                return self.parse_arith_for(open);
            }
        }
        let (var, var_span) = match self.take_word(false, "a variable name") {
            Some(w) => (
                w.literal_value_keep_globs()
                    .unwrap_or_else(|| self.source_text(w.span)),
                w.span,
            ),
            None => (String::new(), Span::default()),
        };
        let mut words = None;
        let mut zsh = false;
        self.skip_newlines();
        match self.peek_kind() {
            Pk::Word {
                kw: Some(Kw::In), ..
            } => {
                self.take();
                let mut ws = Vec::new();
                loop {
                    match self.peek_kind() {
                        Pk::Word { .. } => {
                            if let Some(w) = self.take_word(true, "a word") {
                                ws.push(w);
                            }
                        }
                        Pk::Op(Op::Semi) | Pk::Newline => {
                            self.take();
                            break;
                        }
                        _ => {
                            self.unexpected("`;` or a newline");
                            break;
                        }
                    }
                    if self.failed() {
                        break;
                    }
                }
                words = Some(ws);
            }
            Pk::Op(Op::Semi) => {
                self.take();
            }
            Pk::Op(Op::LParen) if !select => {
                self.take();
                zsh = true;
                let mut ws = Vec::new();
                loop {
                    self.skip_newlines();
                    match self.peek_kind() {
                        Pk::Word { .. } => {
                            if let Some(w) = self.take_word(true, "a word") {
                                ws.push(w);
                            }
                        }
                        Pk::Op(Op::RParen) => {
                            self.take();
                            break;
                        }
                        _ => {
                            self.unexpected("`)`");
                            break;
                        }
                    }
                    if self.failed() {
                        break;
                    }
                }
                words = Some(ws);
            }
            _ => {}
        }
        let mut brace = false;
        let body = self.parse_do_body(&mut brace);
        let clause = ForClause {
            var,
            var_span,
            words,
            body,
            zsh,
        };
        if select {
            CompoundKind::Select(clause)
        } else {
            CompoundKind::For(clause)
        }
    }

    /// `for ((` with the first `(` token taken and the second `(` next in the buffer.
    fn parse_arith_for(&mut self, open: Span) -> CompoundKind {
        self.bump();
        let mut exprs = Vec::new();
        for i in 0..3 {
            let cstart = self.pos;
            let mut inner = Parts::default();
            self.read_inner(&mut inner, Mode::Arith { semicolon: i < 2 });
            self.flush(&mut inner);
            exprs.push(self.parts_word(inner, cstart));
            if i < 2 {
                if matches!(self.peek(), Some(b';')) {
                    self.bump();
                } else {
                    let s = Span::new(open.start, self.orig_pos(self.end));
                    self.error(
                        ParseErrorCode::UnterminatedArithmetic,
                        "expected `;` in `for ((…))`",
                        s,
                    );
                    break;
                }
            }
        }
        if matches!(self.peek(), Some(b')')) && matches!(self.peek2(), Some(b')')) {
            self.bump();
            self.bump();
            self.prev_end = self.orig_pos(self.pos.saturating_sub(1)).saturating_add(1);
        } else {
            let s = Span::new(open.start, self.orig_pos(self.end));
            self.error(
                ParseErrorCode::UnterminatedArithmetic,
                "unterminated `for ((`",
                s,
            );
        }
        if self.peek_kind() == Pk::Op(Op::Semi) {
            self.take();
        }
        let mut zsh = false;
        let body = self.parse_do_body(&mut zsh);
        let mut it = exprs.into_iter();
        let empty = Word {
            span: open,
            parts: Vec::new(),
            zsh: Vec::new(),
        };
        CompoundKind::ArithFor(ArithForClause {
            init: it.next().unwrap_or_else(|| empty.clone()),
            cond: it.next().unwrap_or_else(|| empty.clone()),
            update: it.next().unwrap_or(empty),
            body,
        })
    }

    fn parse_case(&mut self) -> CompoundKind {
        self.take();
        let word = self
            .take_word(false, "a word")
            .unwrap_or_else(|| Word::plain("", Span::default()));
        self.skip_newlines();
        self.expect_kw(Kw::In, "`in`");
        let mut items = Vec::new();
        loop {
            self.skip_newlines();
            if self.failed() {
                break;
            }
            match self.peek_kind() {
                Pk::Word {
                    kw: Some(Kw::Esac), ..
                } => {
                    self.take();
                    break;
                }
                Pk::Eof => {
                    self.unexpected("`esac`");
                    break;
                }
                _ => {}
            }
            let start = self.peek_span().start;
            if self.peek_kind() == Pk::Op(Op::LParen) {
                self.take();
            }
            let mut patterns = Vec::new();
            while let Some(w) = self.take_word(false, "a pattern") {
                patterns.push(w);
                if self.peek_kind() == Pk::Op(Op::Pipe) {
                    self.take();
                } else {
                    break;
                }
            }
            self.expect_op(Op::RParen, "`)`");
            let body = self.parse_list(S_CASESEP | S_ESAC);
            let terminator = match self.peek_kind() {
                Pk::Op(Op::DSemi) => Some(CaseTerminatorKind::Break),
                Pk::Op(Op::SemiAnd) => Some(CaseTerminatorKind::FallThrough),
                Pk::Op(Op::DSemiAnd) => Some(CaseTerminatorKind::Continue),
                _ => None,
            }
            .map(|kind| CaseTerminator {
                span: self.take().span(),
                kind,
            });
            self.node();
            items.push(CaseItem {
                span: Span::new(start, self.prev_end.max(start)),
                patterns,
                body,
                terminator,
            });
            if terminator.is_none() {
                self.skip_newlines();
                self.expect_kw(Kw::Esac, "`esac`");
                break;
            }
        }
        CompoundKind::Case(CaseClause { word, items })
    }

    // ----- [[ ]] -----

    fn cond_or(&mut self) -> Option<CondExpr> {
        let mut left = self.cond_and()?;
        while self.peek_kind() == Pk::Op(Op::OrIf) {
            self.take();
            self.skip_newlines();
            let right = self.cond_and()?;
            let span = cond_span(&left).cover(cond_span(&right));
            left = CondExpr::Or {
                span,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
        Some(left)
    }

    fn cond_and(&mut self) -> Option<CondExpr> {
        let mut left = self.cond_not()?;
        while self.peek_kind() == Pk::Op(Op::AndIf) {
            self.take();
            self.skip_newlines();
            let right = self.cond_not()?;
            let span = cond_span(&left).cover(cond_span(&right));
            left = CondExpr::And {
                span,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
        Some(left)
    }

    fn cond_not(&mut self) -> Option<CondExpr> {
        self.skip_newlines();
        if let Pk::Word {
            kw: Some(Kw::Bang), ..
        } = self.peek_kind()
        {
            let s = self.take().span();
            if !self.enter() {
                self.leave();
                return None;
            }
            let e = self.cond_not();
            self.leave();
            let e = e?;
            let span = s.cover(cond_span(&e));
            return Some(CondExpr::Not {
                span,
                expr: Box::new(e),
            });
        }
        self.cond_primary()
    }

    fn cond_primary(&mut self) -> Option<CondExpr> {
        self.skip_newlines();
        match self.peek_kind() {
            Pk::Op(Op::LParen) => {
                let s = self.take().span();
                if !self.enter() {
                    self.leave();
                    return None;
                }
                let e = self.cond_or();
                self.leave();
                self.skip_newlines();
                let close = self.peek_span();
                self.expect_op(Op::RParen, "`)`");
                let e = e?;
                Some(CondExpr::Group {
                    span: s.cover(close),
                    expr: Box::new(e),
                })
            }
            Pk::Word {
                kw: Some(Kw::DRBracket),
                ..
            } => {
                self.unexpected("a conditional expression");
                None
            }
            Pk::Word { .. } => {
                let left = self.take_word(false, "an operand")?;
                let lt = left.plain_text().map(str::to_owned);
                if let Some(op) = lt.as_deref().filter(|t| UNARY_TESTS.contains(t)) {
                    if let Pk::Word { kw, .. } = self.peek_kind() {
                        let next = self.peek_plain();
                        let next_is_binary =
                            next.as_deref().is_some_and(|t| BINARY_TESTS.contains(&t));
                        if kw != Some(Kw::DRBracket) && !next_is_binary {
                            let operand = self.take_word(false, "an operand")?;
                            let span = left.span.cover(operand.span);
                            return Some(CondExpr::Unary {
                                span,
                                op: op.to_string(),
                                operand,
                            });
                        }
                    }
                }
                let op = match self.peek_kind() {
                    Pk::Word { .. } => {
                        let t = self.peek_plain();
                        match t {
                            Some(t) if BINARY_TESTS.contains(&t.as_str()) => {
                                self.take();
                                Some(t)
                            }
                            _ => None,
                        }
                    }
                    Pk::Op(Op::Redir(RedirOp::Read)) => {
                        self.take();
                        Some("<".to_string())
                    }
                    Pk::Op(Op::Redir(RedirOp::Write)) => {
                        self.take();
                        Some(">".to_string())
                    }
                    _ => None,
                };
                let Some(op) = op else {
                    return Some(CondExpr::Word(left));
                };
                let right = if op == "=~" {
                    self.read_regex_word()
                } else {
                    self.take_word(false, "an operand")?
                };
                let span = left.span.cover(right.span);
                Some(CondExpr::Binary {
                    span,
                    op,
                    left,
                    right,
                })
            }
            _ => {
                self.unexpected("a conditional expression");
                None
            }
        }
    }

    /// Right side of `=~`: `( ) |` and blanks inside parentheses belong to the word.
    fn read_regex_word(&mut self) -> Word {
        while let Some(c) = self.peek() {
            if is_blank(c) {
                self.bump();
            } else {
                break;
            }
        }
        let start = self.pos;
        let k = self.conts.len();
        let mut b = Parts::default();
        self.read_word_parts(&mut b, true);
        self.flush(&mut b);
        let w = self.parts_word(b, start);
        self.node();
        if w.parts.is_empty() {
            self.unexpected("a regular expression");
        }
        self.check_split(k, w.span);
        self.prev_end = w.span.end;
        let mut w = w;
        w.parts = merge_literals(w.parts);
        w
    }

    // ----- functions, coproc, zsh loops, simple commands -----

    fn parse_function_keyword(&mut self) -> Command {
        let start = self.take().span().start;
        if let Pk::Word {
            kw: Some(Kw::LBrace),
            ..
        }
        | Pk::Op(Op::LParen) = self.peek_kind()
        {
            let s = self.peek_span();
            self.error(
                ParseErrorCode::UnsupportedSyntax,
                "zsh anonymous functions are not supported",
                s,
            );
            return Command::Simple(SimpleCommand::default());
        }
        let Some(name_w) = self.take_word(false, "a function name") else {
            return Command::Simple(SimpleCommand::default());
        };
        if self.peek_kind() == Pk::Op(Op::LParen) {
            self.take();
            self.expect_op(Op::RParen, "`)`");
        }
        self.finish_function(start, name_w, true)
    }

    fn finish_function(&mut self, start: u32, name_w: Word, keyword: bool) -> Command {
        self.skip_newlines();
        let name = name_w
            .literal_value_keep_globs()
            .unwrap_or_else(|| self.source_text(name_w.span));
        if !self.is_compound_start() {
            self.unexpected("a function body");
            return Command::Simple(SimpleCommand::default());
        }
        let body = match self.parse_compound() {
            Command::Compound(c) => c,
            _ => CompoundCommand {
                span: Span::default(),
                kind: CompoundKind::Group(List::default()),
                redirections: Vec::new(),
            },
        };
        self.node();
        Command::FunctionDef(FunctionDef {
            span: Span::new(start, self.prev_end.max(start)),
            name,
            name_span: name_w.span,
            keyword,
            body: Box::new(body),
        })
    }

    fn parse_coproc(&mut self) -> Command {
        let start = self.take().span().start;
        if self.is_compound_start() {
            let c = self.parse_compound();
            self.node();
            return Command::Coproc(Coproc {
                span: Span::new(start, self.prev_end),
                name: None,
                command: Box::new(c),
            });
        }
        let Some(first) = self.take_word(true, "a command") else {
            return Command::Simple(SimpleCommand::default());
        };
        if self.is_compound_start() {
            let name = first
                .literal_value()
                .unwrap_or_else(|| self.source_text(first.span));
            let c = self.parse_compound();
            self.node();
            return Command::Coproc(Coproc {
                span: Span::new(start, self.prev_end),
                name: Some(name),
                command: Box::new(c),
            });
        }
        let c = self.parse_simple(vec![first]);
        self.node();
        Command::Coproc(Coproc {
            span: Span::new(start, self.prev_end),
            name: None,
            command: Box::new(c),
        })
    }

    /// zsh `repeat N do … done` / `foreach x (…) … end`; anything else is a simple command.
    fn parse_zsh_loop(&mut self, k: Kw) -> Command {
        let start = self.peek_span().start;
        let Some(head) = self.take_word(true, "a command") else {
            return Command::Simple(SimpleCommand::default());
        };
        if !matches!(self.peek_kind(), Pk::Word { io: false, .. }) {
            return self.parse_simple(vec![head]);
        }
        let Some(second) = self.take_word(true, "a word") else {
            return Command::Simple(SimpleCommand::default());
        };
        let next = self.peek_kind();
        if k == Kw::Repeat
            && matches!(
                next,
                Pk::Word {
                    kw: Some(Kw::Do | Kw::LBrace),
                    ..
                }
            )
        {
            if !self.enter() {
                self.leave();
                return Command::Simple(SimpleCommand::default());
            }
            let mut zsh = true;
            let body = self.parse_do_body(&mut zsh);
            self.leave();
            self.node();
            let redirections = self.parse_trailing_redirections();
            return Command::Compound(CompoundCommand {
                span: Span::new(start, self.prev_end),
                kind: CompoundKind::Repeat(RepeatClause {
                    count: second,
                    body,
                }),
                redirections,
            });
        }
        if k == Kw::Foreach && next == Pk::Op(Op::LParen) {
            if !self.enter() {
                self.leave();
                return Command::Simple(SimpleCommand::default());
            }
            self.take();
            let mut ws = Vec::new();
            loop {
                match self.peek_kind() {
                    Pk::Word { .. } => {
                        if let Some(w) = self.take_word(true, "a word") {
                            ws.push(w);
                        }
                    }
                    Pk::Op(Op::RParen) => {
                        self.take();
                        break;
                    }
                    _ => {
                        self.unexpected("`)`");
                        break;
                    }
                }
                if self.failed() {
                    break;
                }
            }
            let body = self.parse_list(S_END);
            self.expect_kw(Kw::End, "`end`");
            self.leave();
            self.node();
            let var = second
                .literal_value()
                .unwrap_or_else(|| self.source_text(second.span));
            let redirections = self.parse_trailing_redirections();
            return Command::Compound(CompoundCommand {
                span: Span::new(start, self.prev_end),
                kind: CompoundKind::Foreach(ForClause {
                    var,
                    var_span: second.span,
                    words: Some(ws),
                    body,
                    zsh: true,
                }),
                redirections,
            });
        }
        self.parse_simple(vec![head, second])
    }

    fn parse_simple(&mut self, pre: Vec<Word>) -> Command {
        let start = pre
            .first()
            .map_or_else(|| self.peek_span().start, |w| w.span.start);
        let mut cmd = SimpleCommand {
            span: Span::default(),
            assignments: Vec::new(),
            words: pre,
            redirections: Vec::new(),
        };
        let mut brace_words: u64 = cmd
            .words
            .iter()
            .filter(|w| w.has_brace())
            .map(Word::brace_count)
            .sum();
        loop {
            match self.peek_kind() {
                Pk::Word { io: true, .. } => {
                    if let Tok::Word(wt) = self.take() {
                        let wt = self.unbox(wt);
                        let s = wt.word.span.start;
                        cmd.redirections
                            .push(self.parse_redirection(Some((wt.io, s))));
                    }
                }
                Pk::Word { assign: true, .. } if cmd.words.is_empty() => {
                    if let Tok::Word(wt) = self.take() {
                        let wt = self.unbox(wt);
                        let a = self.make_assignment(wt);
                        self.node();
                        cmd.assignments.push(a);
                    }
                }
                Pk::Word { .. } => {
                    if let Tok::Word(wt) = self.take() {
                        let wt = self.unbox(wt);
                        let w = self.finish_word(wt.word, true);
                        if w.has_brace() {
                            brace_words = brace_words.saturating_add(w.brace_count());
                        }
                        cmd.words.push(w);
                    }
                }
                Pk::Op(Op::Redir(_)) => {
                    let r = self.parse_redirection(None);
                    cmd.redirections.push(r);
                }
                Pk::Op(Op::LParen)
                    if cmd.words.len() == 1
                        && cmd.assignments.is_empty()
                        && cmd.redirections.is_empty() =>
                {
                    self.take();
                    self.expect_op(Op::RParen, "`)`");
                    let name_w = cmd
                        .words
                        .pop()
                        .unwrap_or_else(|| Word::plain("", Span::default()));
                    return self.finish_function(start, name_w, false);
                }
                _ => break,
            }
        }
        if brace_words > self.lim.max_brace_words_per_command as u64 {
            let msg = format!(
                "brace expansion produces {brace_words} words in one command; the limit is {}",
                self.lim.max_brace_words_per_command
            );
            let s = Span::new(start, self.prev_end);
            self.error(ParseErrorCode::LimitExceeded(LimitKind::BraceWords), msg, s);
        }
        if cmd.words.is_empty() && cmd.assignments.is_empty() && cmd.redirections.is_empty() {
            self.unexpected("a command");
        }
        self.node();
        cmd.span = Span::new(start, self.prev_end.max(start));
        Command::Simple(cmd)
    }

    fn make_assignment(&mut self, wt: WordTok) -> Assignment {
        let span = wt.word.span;
        let Some(shape) = wt.assign else {
            return Assignment {
                span,
                name: String::new(),
                name_span: span,
                subscript: None,
                append: false,
                value: AssignValue::Scalar(wt.word),
            };
        };
        let mut parts = wt.word.parts;
        let value_parts = if shape.value_start <= parts.len() {
            parts.split_off(shape.value_start)
        } else {
            Vec::new()
        };
        let subscript = shape.sub_index.and_then(|i| match parts.get(i) {
            Some(WordPart::Subscript(s)) => Some(s.clone()),
            _ => None,
        });
        let eq_end = parts.last().map_or(span.start, |p| p.span().end);
        let value = match value_parts.as_slice() {
            [WordPart::Array(a)] => AssignValue::Array(a.clone()),
            _ => {
                let vspan = Span::new(eq_end, span.end);
                AssignValue::Scalar(Word {
                    span: vspan,
                    parts: merge_literals(value_parts),
                    zsh: wt.word.zsh,
                })
            }
        };
        Assignment {
            span,
            name: shape.name,
            name_span: shape.name_span,
            subscript,
            append: shape.append,
            value,
        }
    }

    fn parse_redirection(&mut self, fd: Option<(Option<RedirFd>, u32)>) -> Redirection {
        let t = self.take();
        let (op, op_span) = match t {
            Tok::Op(Op::Redir(op), s) => (op, s),
            other => {
                self.set_peeked(other);
                self.unexpected("a redirection operator");
                (RedirOp::Read, Span::default())
            }
        };
        let start = fd.as_ref().map_or(op_span.start, |f| f.1);
        let fd = fd.and_then(|f| f.0);
        let empty = Word {
            span: Span::new(op_span.end, op_span.end),
            parts: Vec::new(),
            zsh: Vec::new(),
        };
        let mut heredoc = None;
        let target = match op {
            RedirOp::HereDoc | RedirOp::HereDocStrip => {
                let w = self
                    .take_word(false, "a here-document delimiter")
                    .unwrap_or(empty);
                let quoted = w.parts.iter().any(|p| match p {
                    WordPart::Literal(l) => l.quote != QuoteKind::Unquoted || l.escaped,
                    _ => false,
                });
                let delimiter: String = w
                    .parts
                    .iter()
                    .map(|p| match p {
                        WordPart::Literal(l) => l.text.clone(),
                        other => self.source_text(other.span()),
                    })
                    .collect();
                let id = self.next_heredoc;
                self.next_heredoc = self.next_heredoc.saturating_add(1);
                let strip_tabs = op == RedirOp::HereDocStrip;
                self.pending.push(PendingHeredoc {
                    id,
                    delimiter: delimiter.as_bytes().to_vec(),
                    quoted,
                    strip_tabs,
                    span: Span::new(start, w.span.end),
                });
                heredoc = Some(Heredoc {
                    delimiter,
                    quoted,
                    strip_tabs,
                    body_span: Span::default(),
                    body: Vec::new(),
                    id,
                });
                RedirTarget::Word(w)
            }
            RedirOp::DupIn | RedirOp::DupOut => {
                let w = self
                    .take_word(true, "a file descriptor or file")
                    .unwrap_or(empty);
                match w.plain_text() {
                    Some("-") => RedirTarget::Close,
                    Some(t)
                        if !t.is_empty()
                            && t.trim_end_matches('-').bytes().all(|c| c.is_ascii_digit())
                            && !t.starts_with('-') =>
                    {
                        let close_source = t.ends_with('-');
                        match t.trim_end_matches('-').parse::<u32>() {
                            Ok(fd) if t.matches('-').count() <= 1 => {
                                RedirTarget::Fd { fd, close_source }
                            }
                            _ => RedirTarget::Word(w),
                        }
                    }
                    _ => RedirTarget::Word(w),
                }
            }
            _ => RedirTarget::Word(self.take_word(true, "a file name").unwrap_or(empty)),
        };
        self.node();
        Redirection {
            span: Span::new(start, self.prev_end.max(start)),
            fd,
            op,
            op_span,
            target,
            heredoc,
        }
    }
}

fn simple_param(span: Span, name: String, braced: bool, quoted: bool) -> ParamExpansion {
    ParamExpansion {
        span,
        name,
        braced,
        quoted,
        length: false,
        indirect: false,
        subscript: None,
        op: None,
        zsh_flags: None,
        zsh_modifiers: String::new(),
    }
}

fn cond_span(e: &CondExpr) -> Span {
    match e {
        CondExpr::Unary { span, .. }
        | CondExpr::Binary { span, .. }
        | CondExpr::Not { span, .. }
        | CondExpr::And { span, .. }
        | CondExpr::Or { span, .. }
        | CondExpr::Group { span, .. } => *span,
        CondExpr::Word(w) => w.span,
    }
}

// ---------------------------------------------------------------------------------------
// Brace structure (P4-R19)

fn brace_class(p: &WordPart) -> u8 {
    match p {
        WordPart::Literal(Literal {
            quote: QuoteKind::Unquoted,
            escaped: false,
            text,
            ..
        }) => match text.as_str() {
            "{" => b'{',
            "}" => b'}',
            "," => b',',
            _ => 0,
        },
        _ => 0,
    }
}

/// Turns `{`, `,`, `}` literal parts into [`BraceExpansion`] nodes following bash's rules:
/// a `{` pairs with the `}` that closes it by nesting; the pair expands when it has a
/// top-level comma or is a valid sequence, otherwise the `{` is literal and scanning goes on
/// inside. `Err` (with the parts merged) when nesting exceeds `max_depth`.
fn brace_structure(parts: Vec<WordPart>, max_depth: usize) -> Result<Vec<WordPart>, Vec<WordPart>> {
    let cls: Vec<u8> = parts.iter().map(brace_class).collect();
    let n = parts.len();
    let mut close = vec![usize::MAX; n];
    let mut stack: Vec<usize> = Vec::new();
    for (i, c) in cls.iter().enumerate() {
        match c {
            b'{' => stack.push(i),
            b'}' => {
                if let Some(o) = stack.pop() {
                    if let Some(slot) = close.get_mut(o) {
                        *slot = i;
                    }
                }
            }
            _ => {}
        }
    }
    let mut slots: Vec<Option<WordPart>> = parts.into_iter().map(Some).collect();
    let mut too_deep = false;
    let out = build_braces(&mut slots, &cls, &close, 0, n, 0, max_depth, &mut too_deep);
    if too_deep {
        Err(merge_literals(out))
    } else {
        Ok(out)
    }
}

#[allow(clippy::too_many_arguments)]
fn build_braces(
    slots: &mut [Option<WordPart>],
    cls: &[u8],
    close: &[usize],
    lo: usize,
    hi: usize,
    depth: usize,
    max_depth: usize,
    too_deep: &mut bool,
) -> Vec<WordPart> {
    let mut out = Vec::new();
    let mut i = lo;
    let cl = |k: usize| cls.get(k).copied().unwrap_or(0);
    let cz = |k: usize| close.get(k).copied().unwrap_or(usize::MAX);
    while i < hi {
        if cl(i) == b'{' && cz(i) < hi && depth < max_depth {
            let c = cz(i);
            let mut commas = Vec::new();
            let mut j = i + 1;
            while j < c {
                if cl(j) == b'{' && cz(j) < c {
                    j = cz(j) + 1;
                    continue;
                }
                if cl(j) == b',' {
                    commas.push(j);
                }
                j += 1;
            }
            let open_span = slots
                .get(i)
                .and_then(|s| s.as_ref())
                .map(WordPart::span)
                .unwrap_or_default();
            let close_span = slots
                .get(c)
                .and_then(|s| s.as_ref())
                .map(WordPart::span)
                .unwrap_or_default();
            let span = open_span.cover(close_span);
            if !commas.is_empty() {
                let mut alts = Vec::new();
                let mut s = i + 1;
                for &k in commas.iter().chain(std::iter::once(&c)) {
                    alts.push(build_braces(
                        slots,
                        cls,
                        close,
                        s,
                        k,
                        depth + 1,
                        max_depth,
                        too_deep,
                    ));
                    s = k + 1;
                }
                out.push(WordPart::Brace(BraceExpansion {
                    span,
                    kind: BraceKind::Alternatives(alts),
                }));
                i = c + 1;
                continue;
            }
            if let Some(kind) = sequence_of(slots.get(i + 1..c).unwrap_or_default()) {
                out.push(WordPart::Brace(BraceExpansion { span, kind }));
                i = c + 1;
                continue;
            }
        } else if cl(i) == b'{' && cz(i) < hi && depth >= max_depth {
            *too_deep = true;
        }
        if let Some(p) = slots.get_mut(i).and_then(Option::take) {
            out.push(p);
        }
        i += 1;
    }
    merge_literals(out)
}

fn sequence_of(inner: &[Option<WordPart>]) -> Option<BraceKind> {
    let mut text = String::new();
    for p in inner {
        match p {
            Some(WordPart::Literal(Literal {
                quote: QuoteKind::Unquoted,
                escaped: false,
                text: t,
                ..
            })) => {
                if t == "{" || t == "}" || t == "," {
                    return None;
                }
                text.push_str(t);
            }
            _ => return None,
        }
    }
    let pieces: Vec<&str> = text.split("..").collect();
    let (a, b, step) = match pieces.as_slice() {
        [a, b] => (*a, *b, None),
        [a, b, c] => (*a, *b, Some(parse_int(c)?)),
        _ => return None,
    };
    let ints = parse_int(a).is_some() && parse_int(b).is_some();
    let chars = a.len() == 1
        && b.len() == 1
        && a.bytes().all(|c| c.is_ascii_alphabetic())
        && b.bytes().all(|c| c.is_ascii_alphabetic());
    if !(ints || chars) {
        return None;
    }
    Some(BraceKind::Sequence {
        start: a.to_string(),
        end: b.to_string(),
        step,
    })
}

fn parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

// ---------------------------------------------------------------------------------------
// Heredoc body patching: bodies are read after the line that holds the redirection, so
// they are attached once the whole script is parsed.

mod patch {
    use super::super::ast::{
        AssignValue, BraceKind, Command, CompoundKind, CondExpr, List, RedirTarget, Redirection,
        Word, WordPart,
    };
    use super::Bodies;

    const MAX: u32 = 4096;

    pub(super) fn list(l: &mut List, b: &mut Bodies, d: u32) {
        if d > MAX {
            return;
        }
        for item in &mut l.items {
            let ao = &mut item.and_or;
            for c in &mut ao.first.commands {
                command(c, b, d + 1);
            }
            for t in &mut ao.rest {
                for c in &mut t.pipeline.commands {
                    command(c, b, d + 1);
                }
            }
        }
    }

    fn command(c: &mut Command, b: &mut Bodies, d: u32) {
        if d > MAX {
            return;
        }
        match c {
            Command::Simple(s) => {
                for a in &mut s.assignments {
                    if let Some(sub) = &mut a.subscript {
                        word(&mut sub.expr, b, d);
                    }
                    match &mut a.value {
                        AssignValue::Scalar(w) => word(w, b, d),
                        AssignValue::Array(arr) => {
                            arr.elements.iter_mut().for_each(|w| word(w, b, d))
                        }
                    }
                }
                s.words.iter_mut().for_each(|w| word(w, b, d));
                redirs(&mut s.redirections, b, d);
            }
            Command::Compound(cc) => compound(&mut cc.kind, &mut cc.redirections, b, d),
            Command::FunctionDef(f) => compound(&mut f.body.kind, &mut f.body.redirections, b, d),
            Command::Coproc(cp) => command(&mut cp.command, b, d + 1),
        }
    }

    fn compound(k: &mut CompoundKind, r: &mut [Redirection], b: &mut Bodies, d: u32) {
        let d = d + 1;
        match k {
            CompoundKind::Subshell(l) | CompoundKind::Group(l) => list(l, b, d),
            CompoundKind::If(i) => {
                list(&mut i.condition, b, d);
                list(&mut i.then_body, b, d);
                for e in &mut i.elifs {
                    list(&mut e.condition, b, d);
                    list(&mut e.body, b, d);
                }
                if let Some(e) = &mut i.else_body {
                    list(e, b, d);
                }
            }
            CompoundKind::For(f) | CompoundKind::Select(f) | CompoundKind::Foreach(f) => {
                if let Some(ws) = &mut f.words {
                    ws.iter_mut().for_each(|w| word(w, b, d));
                }
                list(&mut f.body, b, d);
            }
            CompoundKind::ArithFor(f) => {
                word(&mut f.init, b, d);
                word(&mut f.cond, b, d);
                word(&mut f.update, b, d);
                list(&mut f.body, b, d);
            }
            CompoundKind::While(l) | CompoundKind::Until(l) => {
                list(&mut l.condition, b, d);
                list(&mut l.body, b, d);
            }
            CompoundKind::Case(c) => {
                word(&mut c.word, b, d);
                for it in &mut c.items {
                    it.patterns.iter_mut().for_each(|w| word(w, b, d));
                    list(&mut it.body, b, d);
                }
            }
            CompoundKind::Arith(a) => word(&mut a.expr, b, d),
            CompoundKind::Cond(c) => {
                if let Some(e) = &mut c.expr {
                    cond(e, b, d);
                }
            }
            CompoundKind::Repeat(r) => {
                word(&mut r.count, b, d);
                list(&mut r.body, b, d);
            }
            CompoundKind::Always(a) => {
                list(&mut a.try_body, b, d);
                list(&mut a.always_body, b, d);
            }
        }
        redirs(r, b, d);
    }

    fn cond(e: &mut CondExpr, b: &mut Bodies, d: u32) {
        if d > MAX {
            return;
        }
        match e {
            CondExpr::Unary { operand, .. } => word(operand, b, d),
            CondExpr::Binary { left, right, .. } => {
                word(left, b, d);
                word(right, b, d);
            }
            CondExpr::Word(w) => word(w, b, d),
            CondExpr::Not { expr, .. } | CondExpr::Group { expr, .. } => cond(expr, b, d + 1),
            CondExpr::And { left, right, .. } | CondExpr::Or { left, right, .. } => {
                cond(left, b, d + 1);
                cond(right, b, d + 1);
            }
        }
    }

    fn redirs(rs: &mut [Redirection], b: &mut Bodies, d: u32) {
        for r in rs {
            if let RedirTarget::Word(w) = &mut r.target {
                word(w, b, d);
            }
            if let Some(h) = &mut r.heredoc {
                if let Some((span, body)) = b.remove(&h.id) {
                    h.body_span = span;
                    h.body = body;
                }
                parts(&mut h.body, b, d + 1);
            }
        }
    }

    fn word(w: &mut Word, b: &mut Bodies, d: u32) {
        parts(&mut w.parts, b, d + 1);
    }

    fn parts(ps: &mut [WordPart], b: &mut Bodies, d: u32) {
        if d > MAX || b.is_empty() {
            return;
        }
        for p in ps {
            match p {
                WordPart::Param(pe) => {
                    if let Some(s) = &mut pe.subscript {
                        word(&mut s.expr, b, d);
                    }
                    if let Some(op) = &mut pe.op {
                        op.args.iter_mut().for_each(|w| word(w, b, d));
                    }
                }
                WordPart::CommandSubst(cs) => list(&mut cs.script.list, b, d + 1),
                WordPart::ProcessSubst(ps) => list(&mut ps.script.list, b, d + 1),
                WordPart::Arith(a) => word(&mut a.expr, b, d),
                WordPart::Brace(br) => {
                    if let BraceKind::Alternatives(alts) = &mut br.kind {
                        for a in alts {
                            parts(a, b, d + 1);
                        }
                    }
                }
                WordPart::Extglob(e) => parts(&mut e.pattern, b, d + 1),
                WordPart::Array(a) => a.elements.iter_mut().for_each(|w| word(w, b, d)),
                WordPart::Subscript(s) => word(&mut s.expr, b, d),
                WordPart::Literal(_)
                | WordPart::Glob(_)
                | WordPart::GlobQualifier(_)
                | WordPart::Tilde(_) => {}
            }
        }
    }
}

#[cfg(test)]
#[path = "parser_tests.rs"]
mod tests;
