//! Phase 4 checks 11 to 14 (ANSI_C_QUOTING, OBFUSCATED_FLAG, BRACE_EXPANSION,
//! BACKSLASH_OBFUSCATION): spellings that make an argument look different from what the
//! program receives.
//!
//! This file also holds the small pieces checks 9–20 share: the *units* they run on (the
//! input itself plus every literal script string a command carries, `sh -c '…'`, `eval '…'`,
//! parsed again with its findings mapped to the carrier's span) and a word index by span.

use super::{CheckCx, Findings};
use crate::shell::ast::{
    walk_script, AnsiEscape, BraceKind, CommandContext, CompoundCommand, CompoundKind, Literal,
    QuoteKind, SimpleCommand, Span, Visitor, Word, WordPart,
};
use crate::shell::parser::{parse, Parsed};
use crate::shell::semantic::{analyze, Arg, ExecCommand, Model, WalkLimits};
use crate::shell::verdict::Severity;
use crate::sorted::{SortedMap, SortedSet};

// ---------------------------------------------------------------------------------------
// Shared by checks 9–20.
// ---------------------------------------------------------------------------------------

/// Recursion bound for the walks over word parts and `[[ ]]` expressions in checks 9–20; the
/// parser's own depth limit keeps real inputs far below it.
pub(super) const MAX_PART_DEPTH: usize = 256;

/// One script the checks read: the input, or a literal script string carried by a command.
pub(super) struct Unit<'a> {
    /// Source text the spans of `parsed` point into.
    pub src: &'a str,
    /// The parse result.
    pub parsed: &'a Parsed,
    /// The semantic model of this script.
    pub model: &'a Model,
    /// For a carried script: the carrier command's span in the input (every finding maps here).
    pub carrier: Option<Span>,
    /// Every word of the AST by span.
    pub words: SortedMap<Span, &'a Word>,
    /// Every word of the AST in walk order, with where it sits.
    pub all_words: Vec<(&'a Word, CommandContext)>,
    /// Every simple command of the AST (nested substitutions included).
    pub simple: Vec<(&'a SimpleCommand, CommandContext)>,
    /// Every compound command of the AST.
    pub compounds: Vec<(&'a CompoundCommand, CommandContext)>,
    /// Spans of words in command-name position (AST `words[0]` and argv[0] of the model).
    pub names: SortedSet<Span>,
    /// Spans of carrier commands whose script strings are analysed as units of their own.
    pub carriers: SortedSet<Span>,
}

impl Unit<'_> {
    /// The finding span for a node of this unit.
    pub fn sp(&self, s: Span) -> (u32, u32) {
        let s = self.carrier.unwrap_or(s);
        (s.start, s.end)
    }

    /// The source text of a node of this unit.
    pub fn text(&self, s: Span) -> &str {
        s.slice(self.src).unwrap_or("")
    }

    /// The AST word an argument came from, when it belongs to this unit's own text.
    pub fn word_of(&self, a: &Arg) -> Option<&Word> {
        self.words.get(&a.span).copied()
    }

    /// Model commands of this unit's own text (commands of carried scripts are skipped: they
    /// are checked in their own unit).
    pub fn commands(&self) -> impl Iterator<Item = &ExecCommand> {
        self.model.commands.iter().filter(|c| {
            !(self.carriers.contains(&c.span)
                && c.argv
                    .first()
                    .is_none_or(|a| !self.words.contains_key(&a.span)))
        })
    }
}

#[derive(Default)]
struct Collect<'a> {
    all_words: Vec<(&'a Word, CommandContext)>,
    simple: Vec<(&'a SimpleCommand, CommandContext)>,
    compounds: Vec<(&'a CompoundCommand, CommandContext)>,
}

impl<'a> Visitor<'a> for Collect<'a> {
    fn word(&mut self, word: &'a Word, ctx: &CommandContext) {
        self.all_words.push((word, *ctx));
    }
    fn simple_command(&mut self, cmd: &'a SimpleCommand, ctx: &CommandContext) {
        self.simple.push((cmd, *ctx));
    }
    fn compound(&mut self, cmd: &'a CompoundCommand, ctx: &CommandContext) {
        self.compounds.push((cmd, *ctx));
    }
}

fn unit<'a>(src: &'a str, parsed: &'a Parsed, model: &'a Model, carrier: Option<Span>) -> Unit<'a> {
    // Room for a typical line's words up front: one allocation instead of two or three
    // (P4-R49).
    let mut c = Collect {
        all_words: Vec::with_capacity(8),
        ..Collect::default()
    };
    walk_script(&parsed.script, &mut c);
    let words: SortedMap<Span, &Word> = c.all_words.iter().map(|(w, _)| (w.span, *w)).collect();
    let mut names: SortedSet<Span> = c
        .simple
        .iter()
        .filter_map(|(s, _)| s.words.first().map(|w| w.span))
        .collect();
    for cmd in &model.commands {
        if let Some(a) = cmd.argv.first() {
            if words.contains_key(&a.span) {
                names.insert(a.span);
            }
        }
    }
    let carriers: SortedSet<Span> = model.scripts.iter().map(|(sp, _)| *sp).collect();
    Unit {
        src,
        parsed,
        model,
        carrier,
        words,
        all_words: c.all_words,
        simple: c.simple,
        compounds: c.compounds,
        names,
        carriers,
    }
}

/// Literal script strings carried by the unit's own commands (not by commands of scripts
/// nested deeper, which their own unit reports).
fn own_scripts(u: &Unit<'_>) -> Vec<String> {
    u.model.scripts.iter().map(|(_, t)| t.clone()).collect()
}

/// Calls `f` on the input and on every literal script string carried by one of its commands
/// (`sh -c`, `eval`, `trap`, `su -c`, `flock -c`, `watch`), at any depth. Every finding of a
/// carried script points at the outermost carrier command.
pub(super) fn with_units(cx: &CheckCx<'_>, mut f: impl FnMut(&Unit<'_>)) {
    let limits = WalkLimits::from_config(&cx.cfg.limits);
    let top = unit(cx.command, cx.parsed, cx.model, None);
    let mut queue: Vec<(Span, String, usize)> = cx
        .model
        .scripts
        .iter()
        .map(|(carrier, text)| (*carrier, text.clone(), 1))
        .collect();
    f(&top);
    let mut budget = limits.max_commands;
    while let Some((carrier, text, depth)) = queue.pop() {
        if depth > limits.max_depth || budget == 0 {
            continue;
        }
        budget -= 1;
        let mut pl = limits.parse;
        pl.max_depth = pl.max_depth.saturating_sub(depth);
        let parsed = parse(&text, &pl);
        let model = analyze(&parsed.script, cx.ctx, limits);
        let u = unit(&text, &parsed, &model, Some(carrier));
        queue.extend(own_scripts(&u).into_iter().map(|t| (carrier, t, depth + 1)));
        f(&u);
    }
}

/// The parts of a word including those inside brace alternatives and extglob patterns (which
/// the AST walk does not visit as words of their own), depth-first.
pub(super) fn flat_parts(parts: &[WordPart]) -> Vec<&WordPart> {
    fn go<'a>(parts: &'a [WordPart], out: &mut Vec<&'a WordPart>, depth: usize) {
        if depth > MAX_PART_DEPTH {
            return;
        }
        for p in parts {
            out.push(p);
            match p {
                WordPart::Brace(b) => {
                    if let BraceKind::Alternatives(alts) = &b.kind {
                        for a in alts {
                            go(a, out, depth + 1);
                        }
                    }
                }
                WordPart::Extglob(e) => go(&e.pattern, out, depth + 1),
                _ => {}
            }
        }
    }
    let mut out = Vec::with_capacity(parts.len());
    go(parts, &mut out, 0);
    out
}

/// Calls `f` on every part [`flat_parts`] lists, in the same order, without building the
/// list: checks 18 and 20 look at every part of every word, and a `Vec` per word was a
/// visible share of the allocations of an evaluation (P4-R49).
pub(super) fn each_flat_part<'a>(parts: &'a [WordPart], f: &mut impl FnMut(&'a WordPart)) {
    fn go<'a>(parts: &'a [WordPart], f: &mut impl FnMut(&'a WordPart), depth: usize) {
        if depth > MAX_PART_DEPTH {
            return;
        }
        for p in parts {
            f(p);
            match p {
                WordPart::Brace(b) => {
                    if let BraceKind::Alternatives(alts) = &b.kind {
                        for a in alts {
                            go(a, f, depth + 1);
                        }
                    }
                }
                WordPart::Extglob(e) => go(&e.pattern, f, depth + 1),
                _ => {}
            }
        }
    }
    go(parts, f, 0);
}

/// A short, single-line excerpt of source text for messages.
pub(super) fn excerpt(s: &str) -> String {
    // Plain ASCII without control characters within the limit is quoted as is.
    if s.len() <= 60 && s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return s.to_string();
    }
    crate::shell::semantic::cut_chars(s.chars().map(|c| if c.is_control() { ' ' } else { c }), 60)
}

// ---------------------------------------------------------------------------------------
// Checks 11–14.
// ---------------------------------------------------------------------------------------

/// Runs checks 11 to 14 (ANSI_C_QUOTING, OBFUSCATED_FLAG, BRACE_EXPANSION, BACKSLASH_OBFUSCATION).
pub(super) fn run_unit(cx: &CheckCx<'_>, u: &Unit<'_>, out: &mut Findings) {
    let cap = usize::try_from(cx.cfg.limits.max_brace_words).unwrap_or(usize::MAX);
    ansi_c(u, out);
    for c in u.commands() {
        obfuscated_flags(u, c, out);
    }
    brace(u, cap, out);
    backslash(u, out);
}

// --- Check 11 ----------------------------------------------------------------------------

/// A numeric escape (`\x63`, `\143`, `\u0063`) rather than a named one (`\n`, `\\`).
fn numeric_escape(e: &AnsiEscape) -> bool {
    let s = e.source.as_bytes();
    matches!(s.get(1), Some(b'x' | b'u' | b'U' | b'0'..=b'7'))
}

fn ansi_c(u: &Unit<'_>, out: &mut Findings) {
    for (w, _) in &u.all_words {
        let w: &Word = w;
        // `$'…'` and `$"…"` are spelled with a `$`: a word whose source has none cannot
        // carry them (the common case, skipped without flattening the word).
        let source = u.text(w.span);
        if !source.is_empty() && !source.contains('$') {
            continue;
        }
        let parts = flat_parts(&w.parts);
        let lits = parts.iter().filter_map(|p| match p {
            WordPart::Literal(l) => Some(l),
            _ => None,
        });
        let mut printable = Vec::new();
        let mut control = Vec::new();
        let mut any_ansi = false;
        let mut locale = false;
        for l in lits {
            match l.quote {
                QuoteKind::AnsiC => any_ansi = true,
                QuoteKind::Locale => locale = true,
                _ => continue,
            }
            for e in &l.escapes {
                let mut ch = e.decoded.chars();
                let (Some(c), None) = (ch.next(), ch.next()) else {
                    continue;
                };
                if numeric_escape(e) && (c == ' ' || c.is_ascii_graphic()) {
                    printable.push(format!("{}={c:?}", e.source));
                } else if c.is_control() && c != '\t' && c != '\n' {
                    control.push(e.source.clone());
                }
            }
        }
        if !locale && !any_ansi {
            continue;
        }
        // Only built for words that can produce a finding: most words carry no `$'…'`.
        let text = excerpt(u.text(w.span));
        if locale {
            out.add(11, Severity::Ask, u.sp(w.span), format!("`{text}` uses `$\"…\"` locale quoting, which can translate the text at run time; use plain double quotes."));
        }
        if !any_ansi {
            continue;
        }
        if u.names.contains(&w.span) {
            out.add(11, Severity::Ask, u.sp(w.span), format!("the command name `{text}` is spelled with `$'…'` escapes, which hides what runs; write the command name plainly."));
        } else if !printable.is_empty() {
            out.add(
                11,
                Severity::Ask,
                u.sp(w.span),
                format!(
                    "`{text}` spells ordinary characters as escapes ({}); write them plainly.",
                    printable.join(", ")
                ),
            );
        } else if !control.is_empty() {
            out.add(11, Severity::Ask, u.sp(w.span), format!("`{text}` decodes to control characters ({}), which terminals hide or interpret; avoid them in commands.", control.join(", ")));
        } else if matches!(w.parts.first(), Some(WordPart::Literal(Literal { quote: QuoteKind::AnsiC, text, .. })) if text.starts_with('-'))
        {
            out.add(
                11,
                Severity::Ask,
                u.sp(w.span),
                format!("`{text}` is an option spelled with `$'…'`; write options plainly."),
            );
        }
    }
}

// --- Check 12 ----------------------------------------------------------------------------

/// Execution and write options per command (§6.2 option table, `find -exec/-delete/-fprint*`).
/// An obfuscated spelling of one of these is denied.
const EXEC_WRITE_OPTIONS: &[(&str, &[&str])] = &[
    (
        "find",
        &[
            "-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint", "-fprint0", "-fprintf",
            "-fls",
        ],
    ),
    (
        "tar",
        &[
            "--checkpoint-action",
            "--to-command",
            "-I",
            "--use-compress-program",
            "--rsh-command",
            "-F",
            "--info-script",
            "--new-volume-script",
        ],
    ),
    ("sort", &["--compress-program", "-o", "--output"]),
    ("zip", &["-TT", "--unzip-command"]),
    ("rsync", &["-e", "--rsh", "--rsync-path"]),
    ("ssh", &["-o"]),
    ("scp", &["-o", "-S"]),
    ("sftp", &["-o"]),
    (
        "git",
        &[
            "--upload-pack",
            "--receive-pack",
            "-u",
            "-c",
            "--config-env",
            "--exec",
            "-x",
            "--output",
            "--exec-path",
        ],
    ),
    ("man", &["-P", "--pager"]),
    ("vim", &["-c"]),
    ("vi", &["-c"]),
    ("nvim", &["-c"]),
    ("ex", &["-c"]),
    ("apt", &["-o"]),
    ("apt-get", &["-o"]),
    ("gdb", &["-ex"]),
    ("rpm", &["--eval"]),
    ("sed", &["-i", "--in-place"]),
    ("base64", &["-o", "--output"]),
    ("rg", &["--pre", "--pre-glob"]),
    ("curl", &["-o", "--output", "-K", "--config"]),
    ("wget", &["-O", "--output-document"]),
    ("env", &["-S", "--split-string"]),
];

/// Commands whose options are single-dash long names (`find -exec`), so the option name is the
/// whole word up to `=`.
const SINGLE_DASH_LONG: &[&str] = &["find", "gdb"];

/// Options that take the next word as their value, per command (so that word is not in option
/// position).
const VALUE_OPTIONS: &[(&str, &[&str])] = &[
    (
        "grep",
        &["-e", "--regexp", "-f", "--file", "-A", "-B", "-C", "-m"],
    ),
    ("egrep", &["-e", "--regexp", "-f", "--file"]),
    ("fgrep", &["-e", "--regexp", "-f", "--file"]),
    ("rg", &["-e", "--regexp", "-g", "--glob", "-f", "--file"]),
    (
        "git",
        &["-m", "--message", "-C", "-c", "--grep", "-S", "-G"],
    ),
    ("jq", &["--arg", "--argjson"]),
    ("sed", &["-e", "--expression"]),
    ("awk", &["-v", "-F"]),
    ("gawk", &["-v", "-F"]),
    ("date", &["-d", "--date"]),
    ("sort", &["-k", "-t"]),
    ("cut", &["-d", "-f"]),
    ("head", &["-n", "-c"]),
    ("tail", &["-n", "-c"]),
    ("xargs", &["-I", "-d", "-E"]),
    (
        "curl",
        &["-d", "--data", "--data-raw", "-H", "--header", "-X"],
    ),
    (
        "find",
        &[
            "-name", "-iname", "-path", "-ipath", "-regex", "-iregex", "-size", "-mtime", "-mmin",
            "-atime", "-amin", "-ctime", "-cmin", "-newer", "-perm", "-type", "-user", "-group",
            "-printf",
        ],
    ),
];

fn table<'t>(t: &'t [(&str, &'t [&'t str])], name: &str) -> &'t [&'t str] {
    t.iter().find(|(n, _)| *n == name).map_or(&[], |(_, o)| o)
}

/// The exec/write option `value` resolves to for command `name`, if any.
fn exec_write_option(name: &str, value: &str) -> Option<&'static str> {
    let opts: &[&str] = EXEC_WRITE_OPTIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(&[], |(_, o)| o);
    let opt = value.split('=').next().unwrap_or(value);
    if let Some(long) = opt.strip_prefix("--") {
        // A prefix of at least two characters counts, even if ambiguous (P4-R30).
        return opts.iter().copied().find(|o| {
            o.strip_prefix("--")
                .is_some_and(|full| full == long || (long.len() >= 2 && full.starts_with(long)))
        });
    }
    if crate::shell::tables::has(SINGLE_DASH_LONG, name) || opts.contains(&opt) && opt.len() > 2 {
        return opts.iter().copied().find(|o| *o == opt);
    }
    let bundle = opt.strip_prefix('-')?;
    bundle.chars().find_map(|c| {
        opts.iter()
            .copied()
            .find(|o| o.len() == 2 && o.strip_prefix('-').is_some_and(|s| s.starts_with(c)))
    })
}

/// Whether the option-name part of `value` (up to `=`, or `-X` for a short option) lies
/// inside the word's leading plain unquoted, unescaped text.
fn name_is_plain(word: &Word, value: &str, single_dash_long: bool) -> bool {
    let name_len = if value.starts_with("--") || single_dash_long {
        value.find('=').unwrap_or(value.len())
    } else {
        value.char_indices().nth(2).map_or(value.len(), |(i, _)| i)
    };
    let mut plain = 0usize;
    for p in &word.parts {
        match p {
            WordPart::Literal(Literal {
                quote: QuoteKind::Unquoted,
                escaped: false,
                text,
                ..
            }) => plain += text.len(),
            _ => break,
        }
    }
    plain >= name_len
}

fn obfuscated_flags(u: &Unit<'_>, c: &ExecCommand, out: &mut Findings) {
    let Some(name) = c.base_name() else { return };
    let value_opts = table(VALUE_OPTIONS, name);
    let single_dash_long = crate::shell::tables::has(SINGLE_DASH_LONG, name);
    let mut skip_next = false;
    for a in c.args() {
        let Some(v) = a.value.as_deref() else {
            skip_next = false;
            continue;
        };
        if skip_next {
            skip_next = false;
            continue;
        }
        if v == "--" {
            break;
        }
        if value_opts.contains(&v) {
            skip_next = true;
            continue;
        }
        if !v.starts_with('-') || v.chars().all(|ch| ch == '-') {
            continue;
        }
        // `-5` (a number) cannot hide an option name.
        if v.get(1..)
            .is_some_and(|r| r.chars().all(|ch| ch.is_ascii_digit() || ch == '.'))
        {
            continue;
        }
        // echo/printf: only their real options matter.
        if name == "echo"
            && !v
                .get(1..)
                .is_some_and(|r| r.chars().all(|ch| matches!(ch, 'n' | 'e' | 'E')))
        {
            continue;
        }
        if name == "printf" && !v.starts_with("-v") {
            continue;
        }
        // After `find -exec`, the words belong to the carried command (checked on its own).
        let carries = name == "find" && matches!(v, "-exec" | "-execdir" | "-ok" | "-okdir");
        // A value with blanks or glob/redirection characters is quoted for a reason: it is
        // an argument string (`-s "-screen 0 …"`, exiftool's `"-gps*="`), not a hidden name.
        let name_part = v.split('=').next().unwrap_or(v);
        let protected = v.contains(char::is_whitespace)
            || crate::shell::paths::has_any_byte(name_part, b"*?[<>|&;()$`!~#\\");
        let Some(w) = u.word_of(a).filter(|_| !protected) else {
            if carries {
                break;
            }
            continue;
        };
        if a.brace
            || !w.parts.iter().all(|p| matches!(p, WordPart::Literal(_)))
            || name_is_plain(w, v, single_dash_long)
        {
            if carries {
                break;
            }
            continue;
        }
        let raw = excerpt(u.text(w.span));
        match exec_write_option(name, v) {
            Some(opt) => out.add(12, Severity::Deny, u.sp(w.span), format!("`{raw}` is `{name}`'s `{opt}` option written with quotes or escapes, which hides that it runs a program or writes a file; it is not allowed.")),
            None => out.add(12, Severity::Ask, u.sp(w.span), format!("the option `{raw}` is written with quotes or escapes inside its name (`{}` to `{name}`); write options plainly.", excerpt(v))),
        }
        if carries {
            break;
        }
    }
}

// --- Check 13 ----------------------------------------------------------------------------

/// bash's `brace_gobbler`: from `*i`, finds `satisfy` at nesting level 0 outside quotes,
/// skipping `${…}` and `$(…)`; a `}` only closes once a `,` or `..` was seen. Returns whether
/// it was found (then `*i` is its index). Sets `quoted_brace` when a quoted or escaped brace
/// was passed over.
fn gobble(t: &[u8], i: &mut usize, satisfy: u8, quoted_brace: &mut bool) -> bool {
    let mut level = 0usize;
    let mut quoted: u8 = 0;
    let mut pass_next = false;
    let mut commas = usize::from(satisfy != b'}');
    while let Some(&c) = t.get(*i) {
        if pass_next {
            pass_next = false;
            if c == b'{' || c == b'}' {
                *quoted_brace = true;
            }
            *i += 1;
            continue;
        }
        if c == b'\\' && (quoted == 0 || quoted == b'"' || quoted == b'`') {
            pass_next = true;
            *i += 1;
            continue;
        }
        if c == b'$' && matches!(t.get(*i + 1), Some(&b'{')) && quoted != b'\'' {
            pass_next = true;
            *i += 1;
            if quoted == 0 {
                level += 1;
            }
            continue;
        }
        if quoted != 0 {
            if c == quoted {
                quoted = 0;
            } else if c == b'{' || c == b'}' {
                *quoted_brace = true;
            }
            *i += 1;
            continue;
        }
        if c == b'"' || c == b'\'' || c == b'`' {
            quoted = c;
            *i += 1;
            continue;
        }
        if c == satisfy && level == 0 && commas > 0 {
            let prev_blank = *i == 0 || t.get(*i - 1).is_some_and(|p| p.is_ascii_whitespace());
            let next = t.get(*i + 1).copied().unwrap_or(b' ');
            if c == b'{' && prev_blank && (next.is_ascii_whitespace() || next == b'}') {
                *i += 1;
                continue;
            }
            return true;
        }
        if c == b'{' {
            level += 1;
        } else if c == b'}' && level > 0 {
            level -= 1;
        } else if satisfy == b'}' && level == 0 && (c == b',' || t.get(*i..*i + 2) == Some(b"..")) {
            commas += 1;
        }
        *i += 1;
    }
    false
}

/// Whether `amble` is a sequence `{A..B[..C]}` bash expands.
fn is_sequence(amble: &[u8]) -> bool {
    let s = String::from_utf8_lossy(amble);
    let mut it = s.split("..");
    let (Some(a), Some(b)) = (it.next(), it.next()) else {
        return false;
    };
    let step = it.next();
    if it.next().is_some()
        || step.is_some_and(|c| c.trim_start_matches(['-', '+']).parse::<u64>().is_err())
    {
        return false;
    }
    let int = |x: &str| {
        let d = x.strip_prefix(['-', '+']).unwrap_or(x);
        !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())
    };
    let chr = |x: &str| x.len() == 1 && x.bytes().all(|c| c.is_ascii_alphabetic());
    (int(a) && int(b)) || (chr(a) && chr(b))
}

/// What bash's brace expansion does to one word's source text: the alternatives' raw
/// texts (first alternatives only: enough to see a leading `-`), and whether quoted braces
/// sat inside an expansion.
#[derive(Default)]
struct BashBraces {
    /// bash performs a brace expansion on the word.
    expands: bool,
    /// A quoted or escaped brace inside an expanded `{…}`.
    quoted_brace: bool,
    /// Raw source of every word bash produces (possibly truncated at the cap).
    words: Vec<Vec<u8>>,
}

/// A port of bash's `brace_expand` (braces.c) on raw word text, bounded by `cap` results and
/// an explicit depth.
fn bash_brace_expand(t: &[u8], cap: usize, depth: usize, info: &mut BashBraces) -> Vec<Vec<u8>> {
    if depth > MAX_PART_DEPTH {
        return vec![t.to_vec()];
    }
    let mut i = 0usize;
    let mut ignored = false;
    loop {
        if !gobble(t, &mut i, b'{', &mut ignored) {
            return vec![t.to_vec()];
        }
        let mut j = i + 1;
        if gobble(t, &mut j, b'}', &mut ignored) {
            break;
        }
        i += 1;
    }
    let preamble = t.get(..i).unwrap_or(&[]);
    let start = i + 1;
    let mut k = start;
    let mut qb = false;
    gobble(t, &mut k, b'}', &mut qb);
    let amble = t.get(start..k).unwrap_or(&[]);
    let post = t.get(k + 1..).unwrap_or(&[]);
    // Split the amble at top-level commas.
    let mut alts: Vec<&[u8]> = Vec::new();
    let mut a = 0usize;
    loop {
        let mut e = a;
        let mut ign = false;
        let found = gobble(amble, &mut e, b',', &mut ign);
        alts.push(amble.get(a..e).unwrap_or(&[]));
        if !found {
            break;
        }
        a = e + 1;
    }
    let tack: Vec<Vec<u8>> = if alts.len() > 1 {
        info.expands = true;
        info.quoted_brace |= qb;
        let mut v = Vec::new();
        for alt in alts {
            v.extend(bash_brace_expand(alt, cap, depth + 1, info));
            if v.len() > cap {
                break;
            }
        }
        v
    } else if is_sequence(amble) {
        info.expands = true;
        // The values are digits or letters; one representative is enough.
        let first = String::from_utf8_lossy(amble)
            .split("..")
            .next()
            .unwrap_or("")
            .as_bytes()
            .to_vec();
        vec![first]
    } else {
        let mut lit = b"{".to_vec();
        lit.extend_from_slice(amble);
        lit.push(b'}');
        vec![lit]
    };
    let rest = if post.is_empty() {
        vec![Vec::new()]
    } else {
        bash_brace_expand(post, cap, depth + 1, info)
    };
    let mut outv = Vec::new();
    'outer: for x in &tack {
        for r in &rest {
            let mut w = preamble.to_vec();
            w.extend_from_slice(x);
            w.extend_from_slice(r);
            outv.push(w);
            if outv.len() > cap {
                break 'outer;
            }
        }
    }
    outv
}

/// The first character of a raw word after quote removal (empty quotes skipped).
fn first_char_unquoted(raw: &[u8]) -> Option<u8> {
    let mut i = 0;
    while let Some(&c) = raw.get(i) {
        match c {
            b'\\' => return raw.get(i + 1).copied(),
            b'\'' | b'"' => {
                if raw.get(i + 1) == Some(&c) {
                    i += 2;
                    continue;
                }
                return raw
                    .get(i + 1)
                    .copied()
                    .filter(|n| *n != b'\\' || c == b'\'');
            }
            b'$' if matches!(raw.get(i + 1), Some(&b'\'')) => return None,
            _ => return Some(c),
        }
    }
    None
}

fn brace(u: &Unit<'_>, cap: usize, out: &mut Findings) {
    // Command names from the model cover carried commands (`sudo {rm,-rf} /`).
    for c in u.commands() {
        if let Some(a) = c.argv.first().filter(|a| a.brace) {
            if u.word_of(a).is_some() || u.carrier.is_some() {
                out.add(13, Severity::Ask, u.sp(a.span), format!("the command name comes from the brace expansion `{}`, which hides what runs; write the command plainly.", excerpt(u.text(a.span))));
            }
        }
    }
    // Every word below is a slice of the unit's source: without a `{` there, none has one.
    if !crate::shell::paths::has_any_byte(u.src, b"{") {
        return;
    }
    let mut words: Vec<&Word> = u.simple.iter().flat_map(|(s, _)| s.words.iter()).collect();
    for (cc, _) in &u.compounds {
        if let CompoundKind::For(f) | CompoundKind::Select(f) | CompoundKind::Foreach(f) = &cc.kind
        {
            words.extend(f.words.iter().flatten());
        }
    }
    for w in words {
        let raw_text = u.text(w.span);
        if !raw_text.contains('{') {
            continue;
        }
        let raw: Vec<u8> = raw_text.replace("\\\n", "").into_bytes();
        let mut info = BashBraces::default();
        info.words = bash_brace_expand(&raw, cap, 0, &mut info);
        let ours = w.has_brace();
        let text = excerpt(raw_text);
        let is_name = u.names.contains(&w.span);
        if !info.expands && !ours {
            continue;
        }
        let flag = info
            .words
            .iter()
            .find(|x| matches!(first_char_unquoted(x), Some(b'-')));
        let visible_dash = matches!(first_char_unquoted(&raw), Some(b'-'));
        if let (Some(x), false) = (flag, visible_dash) {
            let produced = excerpt(&String::from_utf8_lossy(x));
            out.add(13, Severity::Deny, u.sp(w.span), format!("the brace expansion `{text}` produces the option `{produced}`, which injects a flag the command line does not show; it is not allowed."));
        } else if info.expands != ours || info.quoted_brace {
            out.add(13, Severity::Ask, u.sp(w.span), format!("`{text}` mixes brace expansion with quoted, escaped or unbalanced braces, so what bash expands is hard to see; quote the whole word or write the words out."));
        } else if is_name {
            out.add(13, Severity::Ask, u.sp(w.span), format!("the command name comes from the brace expansion `{text}`, which hides what runs; write the command plainly."));
        } else {
            out.add(
                13,
                Severity::Info,
                u.sp(w.span),
                format!("`{text}` is brace-expanded; the expanded words are what was analysed."),
            );
        }
    }
}

// --- Check 14 ----------------------------------------------------------------------------

fn backslash(u: &Unit<'_>, out: &mut Findings) {
    // An escaped literal comes from a backslash in the unit's source, which its words are
    // parsed from: without one there is nothing to find (P4-R49).
    if !crate::shell::paths::has_any_byte(u.src, b"\\") {
        return;
    }
    for w in u.simple.iter().flat_map(|(s, _)| s.words.iter()) {
        let is_name = u.names.contains(&w.span);
        let escaped: Vec<(usize, &Literal)> = w
            .parts
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match p {
                WordPart::Literal(l) if l.escaped && l.quote == QuoteKind::Unquoted => Some((i, l)),
                _ => None,
            })
            .collect();
        if escaped.is_empty() {
            continue;
        }
        let letters: Vec<&(usize, &Literal)> = escaped
            .iter()
            .filter(|(_, l)| l.text.chars().all(|c| c.is_ascii_alphanumeric()))
            .collect();
        // `\ls`: one leading backslash on a command name only bypasses aliases.
        let alias_bypass = is_name
            && letters.len() == 1
            && escaped.len() == 1
            && letters.first().is_some_and(|(i, _)| *i == 0);
        let text = excerpt(u.text(w.span));
        if !letters.is_empty() && !alias_bypass {
            out.add(14, Severity::Ask, u.sp(w.span), format!("`{text}` puts backslashes before ordinary letters or digits, which changes only how the word looks; write it without them."));
            continue;
        }
        let blank = escaped.iter().any(|(_, l)| l.text == " " || l.text == "\t");
        let option_like = w.literal_text().is_some_and(|v| v.starts_with('-'));
        if blank && (is_name || option_like) {
            let what = if is_name { "command name" } else { "option" };
            out.add(14, Severity::Ask, u.sp(w.span), format!("the {what} `{text}` contains an escaped blank, so it reads like two words but is one; write it without the backslash-space."));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::{BashSecurityConfig, EvalContext, Evaluation};

    fn eval(cmd: &str) -> Evaluation {
        crate::shell::evaluate(cmd, &EvalContext::default(), &BashSecurityConfig::default())
    }

    fn sev(cmd: &str, id: u8) -> Option<Severity> {
        eval(cmd)
            .findings
            .iter()
            .filter(|f| f.id == id)
            .map(|f| f.severity)
            .max()
    }

    fn expand(s: &str) -> Vec<String> {
        let mut info = BashBraces::default();
        bash_brace_expand(s.as_bytes(), 1024, 0, &mut info)
            .into_iter()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .collect()
    }

    #[test]
    fn bash_brace_port_matches_bash() {
        // Outputs measured with GNU bash 5.2 (`printf '[%s]' WORD`), before quote removal.
        assert_eq!(expand("{a,b}"), vec!["a", "b"]);
        assert_eq!(expand("x{a,b}y"), vec!["xay", "xby"]);
        assert_eq!(expand("{a}b,c}"), vec!["a}b", "c"]);
        assert_eq!(
            expand("{@'{'0},--output=/tmp/pwned}"),
            vec!["@'{'0}", "--output=/tmp/pwned"]
        );
        assert_eq!(expand("{a'{'b,c}d}"), vec!["a'{'bd}", "cd}"]);
        assert_eq!(expand("{a,b}}"), vec!["a}", "b}"]);
        assert_eq!(expand("{{a,b}"), vec!["{a", "{b"]);
        assert_eq!(expand("{}"), vec!["{}"]);
        assert_eq!(expand("${x},{a}"), vec!["${x},{a}"]);
        assert_eq!(expand("'{a,b}'"), vec!["'{a,b}'"]);
        assert_eq!(expand("{a\\,b,c}"), vec!["a\\,b", "c"]);
    }

    #[test]
    fn ansi_c_printable_escape_and_name_ask() {
        assert_eq!(sev("echo $'\\x63at'", 11), Some(Severity::Ask));
        assert_eq!(
            sev("$'\\143\\141\\164' /etc/passwd", 11),
            Some(Severity::Ask)
        );
        assert_eq!(sev("echo $'\\x20'-rf", 11), Some(Severity::Ask));
        assert_eq!(sev("echo $\"hello\"", 11), Some(Severity::Ask));
        assert_eq!(sev("echo $'\\r'", 11), Some(Severity::Ask));
    }

    #[test]
    fn ansi_c_plain_escapes_are_fine() {
        for c in [
            "echo $'\\n'",
            "echo $'\\t'",
            "echo $'\\\\'",
            "echo $'\\''",
            "IFS=$'\\n'",
        ] {
            assert_eq!(sev(c, 11), None, "{c}");
        }
    }

    #[test]
    fn obfuscated_flags() {
        assert_eq!(sev("find . \"-\"exec rm {} +", 12), Some(Severity::Deny));
        assert_eq!(sev("find . -e\\xec rm {} \\;", 12), Some(Severity::Deny));
        assert_eq!(sev("find . $'-delete'", 12), Some(Severity::Deny));
        assert_eq!(
            sev("sort --compress-p\"rog\"=sh f", 12),
            Some(Severity::Deny)
        );
        assert_eq!(sev("jq \"-f\" evil", 12), Some(Severity::Ask));
        assert_eq!(sev("jq \"\"\"-f\" evil", 12), Some(Severity::Ask));
        assert_eq!(sev("ls \"\"-la", 12), Some(Severity::Ask));
    }

    #[test]
    fn plain_or_value_quoting_is_not_an_obfuscated_flag() {
        for c in [
            "rg -n \"foo\" -g\"*.py\"",
            "git log --format=\"%h %s\"",
            "awk -F\",\" '{print $1}' f",
            "grep -e \"-x\" f",
            "echo \"--- title ---\"",
            "ls -- \"-la\"",
            "head -n \"-5\" f",
            "xvfb-run -s \"-screen 0 1024x768x24\" command",
            "exiftool \"-gps*=\" a.jpg",
        ] {
            assert_eq!(sev(c, 12), None, "{c}");
        }
    }

    #[test]
    fn brace_expansion() {
        assert_eq!(
            sev("git ls-remote {--upload-pack=touch\\ x,y}", 13),
            Some(Severity::Deny)
        );
        assert_eq!(
            sev("git diff {@'{'0},--output=/tmp/pwned}", 13),
            Some(Severity::Deny)
        );
        assert_eq!(sev("{cat,/etc/passwd}", 13), Some(Severity::Ask));
        assert_eq!(sev("echo {a}b,c}", 13), Some(Severity::Ask));
        assert_eq!(sev("echo {a'}'b,c}", 13), Some(Severity::Ask));
        assert_eq!(sev("mkdir -p src/{a,b}", 13), Some(Severity::Info));
        assert_eq!(sev("ls -{a,l}", 13), Some(Severity::Info));
    }

    #[test]
    fn braces_that_are_not_expansions() {
        for c in [
            "curl -d '{\"k\":\"v\"}' https://api.example.invalid",
            "find . -exec rm {} \\;",
            "awk '{print $1}' f",
            "echo ${x}",
            "git check-ref-format --branch @{-1}",
        ] {
            assert_eq!(sev(c, 13), None, "{c}");
        }
    }

    #[test]
    fn backslash_obfuscation() {
        assert_eq!(sev("w\\ho\\am\\i", 14), Some(Severity::Ask));
        assert_eq!(sev("ls\\ -la", 14), Some(Severity::Ask));
        assert_eq!(sev("ls \\-\\ la", 14), Some(Severity::Ask));
        assert_eq!(sev("cat My\\ Docs/a.txt", 14), None);
        assert_eq!(sev("\\ls -la", 14), None);
        assert_eq!(sev("find . -name \\*.txt", 14), None);
    }
}
