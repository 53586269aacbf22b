//! Option grammars as data (issue 16 item 1, P4-R33 *strict* commands): one table entry per
//! command says which short options exist and whether they take a value, which long options
//! exist (with `=`/separate, optional or two values), whether GNU unambiguous prefixes and
//! option permutation apply, what each option does, and the role of each operand.
//!
//! [`parse`] reads an argv the way the command's own option parser would. Anything it cannot
//! read the same way (an unknown option, an ambiguous prefix, a non-literal word where a
//! *strict* command reads options) is an error, and the caller answers ask, never allow.

use super::semantic::Arg;

mod table;

pub use table::grammar;

/// What an option does, for the read-only decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Only changes what is read or how it is printed.
    Read,
    /// Writes a file (its value, or a default file).
    Writes,
    /// Runs another program, a pager, a helper, or loads code.
    Runs,
    /// Its value is program text the command interprets (`awk -e`, `sed -e`).
    Program,
    /// Its value names a program file we cannot see (`awk -f`, `sed -f`, `jq -f`).
    ProgramFile,
    /// Changes system or process state some other way (`date -s`, `ss -K`).
    Changes,
    /// Talks to the network (`pip list --outdated`).
    Network,
    /// Reads the files a list file names (`sort --files0-from=LIST`): paths the secret checks
    /// never see, so the command is not read-only.
    ReadsListed,
}

impl Effect {
    /// Whether a command using an option with this effect can still be read-only.
    pub fn read_only(self) -> bool {
        matches!(self, Effect::Read | Effect::Program)
    }
}

/// The role of an operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A file (or other thing) that is only read.
    Input,
    /// A file the command writes (`uniq IN OUT`).
    Output,
    /// Program text (`awk PROGRAM`, `sed SCRIPT`, `jq FILTER`); skipped when an option gave
    /// the program.
    Program,
    /// A subcommand; the caller decides what follows it.
    Subcommand,
    /// An operand that makes the command change state (`hostname NAME`, `date MMDDhhmm`).
    Changes,
}

/// One command's option grammar.
#[derive(Debug, Clone, Copy)]
pub struct Grammar {
    /// Command names that share it (`grep`, `egrep`, `fgrep`).
    pub names: &'static [&'static str],
    /// getopt option string: a letter is a flag, `x:` takes a value (attached `-xV` or
    /// separate `-x V`), `x::` an optional value that can only be attached.
    pub short: &'static str,
    /// Long options, separated by spaces (one string keeps the wasm build small): `name` a
    /// flag, `name=` a value (`--name=V` or `--name V`), `name?` an
    /// optional value (`--name=V` only), `name==` two separate values (`jq --arg N V`),
    /// `name;` every word up to a `;` or `+` word (`find -exec`).
    pub long: &'static str,
    /// Options that do more than read, keyed by the short letter or the long name.
    pub effects: &'static [(&'static str, Effect)],
    /// Role of operand `i`; the last entry repeats; empty means every operand is an input.
    pub roles: &'static [Role],
    /// GNU permutation: options may follow operands (otherwise the first operand ends them).
    pub permute: bool,
    /// GNU `getopt_long`: any unambiguous prefix of a long option names it.
    pub abbrev: bool,
    /// Short options may be clustered (`-rn`) and take attached values.
    pub cluster: bool,
    /// `-NUM` is an option (`head -5`, `grep -3`).
    pub numeric: bool,
    /// A non-literal word where an option may stand fails the parse (P4-R33 *strict*).
    pub strict: bool,
    /// Single-dash words name long options (`find -name`, `openssl x509 -noout`).
    pub single_dash_long: bool,
}

/// The usual GNU `getopt_long` grammar with no options, for struct update in the table.
pub const GNU: Grammar = Grammar {
    names: &[],
    short: "",
    long: "help version",
    effects: &[],
    roles: &[],
    permute: true,
    abbrev: true,
    cluster: true,
    numeric: false,
    strict: false,
    single_dash_long: false,
};

/// An option value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// The option takes no value or its optional value is absent.
    None,
    /// A known value.
    Known(&'a str),
    /// A value that is not a literal.
    Unknown,
}

impl<'a> Value<'a> {
    /// The known text.
    pub fn text(self) -> Option<&'a str> {
        match self {
            Value::Known(t) => Some(t),
            _ => None,
        }
    }
}

/// One option as parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opt<'a> {
    /// Canonical name: the short letter (`o`) or the full long name (`output`); `NUM` for
    /// `-5`-style numbers.
    pub name: &'static str,
    /// Its value, if it takes one (the first of two for `name==`).
    pub value: Value<'a>,
    /// What it does.
    pub effect: Effect,
}

/// The parse of one argv (without the command name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed<'a> {
    /// Options in order.
    pub options: Vec<Opt<'a>>,
    /// Operands with their roles, in order.
    pub operands: Vec<(&'a Arg, Role)>,
}

impl<'a> Parsed<'a> {
    /// Whether option `name` (short letter or long name) was given.
    pub fn has(&self, name: &str) -> bool {
        self.options.iter().any(|o| o.name == name)
    }
    /// Whether every option and operand only reads.
    pub fn read_only(&self) -> bool {
        self.options.iter().all(|o| o.effect.read_only())
            && self
                .operands
                .iter()
                .all(|(_, r)| !matches!(r, Role::Output | Role::Changes))
    }
    /// The program text operand, if any.
    pub fn program(&self) -> Option<&'a Arg> {
        self.operands
            .iter()
            .find(|(_, r)| *r == Role::Program)
            .map(|(a, _)| *a)
    }
}

/// Why an argv does not fit the grammar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// An option the grammar does not know.
    Unknown(String),
    /// A long-option prefix that names more than one option.
    Ambiguous(String),
    /// An option that needs a value has none.
    MissingValue(String),
    /// A value given to an option that takes none.
    UnexpectedValue(String),
    /// A non-literal word where a *strict* command reads options.
    NotLiteral,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::Unknown(o) => write!(f, "unknown option `{o}`"),
            ParseError::Ambiguous(o) => write!(f, "ambiguous option `{o}`"),
            ParseError::MissingValue(o) => write!(f, "option `{o}` needs a value"),
            ParseError::UnexpectedValue(o) => write!(f, "option `{o}` takes no value"),
            ParseError::NotLiteral => f.write_str("a word in option position is not a literal"),
        }
    }
}

/// How a long option takes values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arity {
    Flag,
    Required,
    Optional,
    Two,
    /// Words up to a `;` or `+` word (`find -exec CMD … ;`).
    UntilSemicolon,
}

/// The long-option entries of `g`.
pub fn longs(g: &Grammar) -> impl Iterator<Item = &'static str> {
    g.long.split_ascii_whitespace()
}

/// Splits a table entry `name=` into its name and arity.
fn long_entry(e: &'static str) -> (&'static str, Arity) {
    if let Some(n) = e.strip_suffix(';') {
        (n, Arity::UntilSemicolon)
    } else if let Some(n) = e.strip_suffix("==") {
        (n, Arity::Two)
    } else if let Some(n) = e.strip_suffix('=') {
        (n, Arity::Required)
    } else if let Some(n) = e.strip_suffix('?') {
        (n, Arity::Optional)
    } else {
        (e, Arity::Flag)
    }
}

/// The long option `name` names: an exact entry, else (with `abbrev`) the entry it is a
/// prefix of. Like `getopt_long`, several candidates are ambiguous only when they differ
/// (here: in effect or arity; `--col` for `--color`/`--colour` is fine).
fn resolve_long(g: &Grammar, name: &str) -> Result<(&'static str, Arity), ParseError> {
    if let Some(exact) = longs(g).map(long_entry).find(|(n, _)| *n == name) {
        return Ok(exact);
    }
    let mut found: Option<(&'static str, Arity)> = None;
    if g.abbrev && !name.is_empty() {
        for e in longs(g) {
            let (n, arity) = long_entry(e);
            if !n.starts_with(name) {
                continue;
            }
            match found {
                None => found = Some((n, arity)),
                Some((f, fa)) if fa == arity && effect_of(g, f) == effect_of(g, n) => {}
                Some(_) => return Err(ParseError::Ambiguous(format!("--{name}"))),
            }
        }
    }
    found.ok_or_else(|| ParseError::Unknown(format!("--{name}")))
}

/// What the short letter `c` is: `None` unknown, else (name, arity).
fn short_entry(g: &Grammar, c: char) -> Option<(&'static str, Arity)> {
    if c == ':' || !c.is_ascii() {
        return None;
    }
    let s = g.short;
    let p = s.find(c)?;
    let name = s.get(p..p + 1)?;
    let rest = s.get(p + 1..).unwrap_or("");
    let arity = if rest.starts_with("::") {
        Arity::Optional
    } else if rest.starts_with(':') {
        Arity::Required
    } else {
        Arity::Flag
    };
    Some((name, arity))
}

/// The effect of option `name`.
pub fn effect_of(g: &Grammar, name: &str) -> Effect {
    g.effects
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(Effect::Read, |(_, e)| *e)
}

fn value_of(a: Option<&Arg>) -> Value<'_> {
    match a.and_then(|a| a.value.as_deref()) {
        Some(t) => Value::Known(t),
        None => Value::Unknown,
    }
}

/// Parses `args` (without the command name) by grammar `g`.
pub fn parse<'a>(g: &Grammar, args: &'a [Arg]) -> Result<Parsed<'a>, ParseError> {
    let mut out = Parsed::default();
    let mut raw: Vec<&'a Arg> = Vec::new();
    let mut only_operands = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        if only_operands {
            raw.push(a);
            continue;
        }
        let Some(t) = a.value.as_deref() else {
            if g.strict {
                return Err(ParseError::NotLiteral);
            }
            raw.push(a);
            only_operands |= !g.permute;
            continue;
        };
        if t == "--" {
            only_operands = true;
            continue;
        }
        let Some(body) = t.strip_prefix('-').filter(|b| !b.is_empty()) else {
            raw.push(a);
            only_operands |= !g.permute;
            continue;
        };
        if g.numeric && body.starts_with(|c: char| c.is_ascii_digit()) {
            out.options.push(Opt {
                name: "NUM",
                value: Value::None,
                effect: Effect::Read,
            });
            continue;
        }
        let long_body = match body.strip_prefix('-') {
            Some(l) => Some(l),
            None if g.single_dash_long => Some(body),
            None => None,
        };
        if let Some(l) = long_body {
            let (name, inline) = match l.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (l, None),
            };
            let resolved = resolve_long(g, name);
            // Single-dash long words that are no long option may still be short clusters
            // (`xxd -ps`): fall through to the short reading.
            let resolved = match resolved {
                Err(_) if !t.starts_with("--") && g.cluster && !g.short.is_empty() => None,
                r => Some(r?),
            };
            if let Some((full, arity)) = resolved {
                let value = match (arity, inline) {
                    (Arity::UntilSemicolon, _) => {
                        let first = args.get(i);
                        let end = args
                            .iter()
                            .skip(i)
                            .position(|x| x.is(";") || x.is("+"))
                            .ok_or_else(|| ParseError::MissingValue(t.into()))?;
                        i += end + 1;
                        value_of(first)
                    }
                    (Arity::Flag, Some(_)) => return Err(ParseError::UnexpectedValue(t.into())),
                    (Arity::Flag | Arity::Optional, None) => Value::None,
                    (_, Some(v)) => Value::Known(v),
                    (Arity::Required | Arity::Two, None) => {
                        let v = args
                            .get(i)
                            .ok_or_else(|| ParseError::MissingValue(t.into()))?;
                        i += 1;
                        value_of(Some(v))
                    }
                };
                if arity == Arity::Two {
                    args.get(i)
                        .ok_or_else(|| ParseError::MissingValue(t.into()))?;
                    i += 1;
                }
                out.options.push(Opt {
                    name: full,
                    value,
                    effect: effect_of(g, full),
                });
                continue;
            }
        }
        let mut rest = body;
        while let Some(c) = rest.chars().next() {
            rest = rest.get(c.len_utf8()..).unwrap_or("");
            if g.numeric && c.is_ascii_digit() {
                // `fold -b16`: digits inside a cluster are a number option.
                rest = rest.trim_start_matches(|d: char| d.is_ascii_digit());
                out.options.push(Opt {
                    name: "NUM",
                    value: Value::None,
                    effect: Effect::Read,
                });
                continue;
            }
            let (name, arity) =
                short_entry(g, c).ok_or_else(|| ParseError::Unknown(format!("-{c}")))?;
            let attached = (!rest.is_empty()).then_some(rest);
            if !g.cluster && attached.is_some() {
                return Err(ParseError::Unknown(t.into()));
            }
            let value = match arity {
                Arity::Flag => {
                    out.options.push(Opt {
                        name,
                        value: Value::None,
                        effect: effect_of(g, name),
                    });
                    continue;
                }
                Arity::Optional => attached.map_or(Value::None, Value::Known),
                Arity::Required | Arity::Two | Arity::UntilSemicolon => match attached {
                    Some(v) => Value::Known(v),
                    None => {
                        let v = args
                            .get(i)
                            .ok_or_else(|| ParseError::MissingValue(format!("-{c}")))?;
                        i += 1;
                        value_of(Some(v))
                    }
                },
            };
            out.options.push(Opt {
                name,
                value,
                effect: effect_of(g, name),
            });
            break;
        }
    }
    let program_given = out
        .options
        .iter()
        .any(|o| matches!(o.effect, Effect::Program | Effect::ProgramFile));
    let skip = usize::from(program_given && g.roles.first() == Some(&Role::Program));
    for (k, a) in raw.into_iter().enumerate() {
        let role = g
            .roles
            .get(k + skip)
            .or_else(|| g.roles.last())
            .copied()
            .unwrap_or(Role::Input);
        // Only the first operand is the program: a repeated last role never is.
        let role = if role == Role::Program && k + skip >= g.roles.len() {
            Role::Input
        } else {
            role
        };
        out.operands.push((a, role));
    }
    Ok(out)
}

/// Every spelling of a long option `name` that names it by the grammar's rules: the full
/// name and, with `abbrev`, each unambiguous prefix (for the generated tests and for
/// matching dangerous options by prefix).
#[cfg(test)]
pub fn long_spellings(g: &Grammar, name: &str) -> Vec<String> {
    let mut out = vec![name.to_string()];
    if g.abbrev {
        for end in 1..name.len() {
            let Some(p) = name.get(..end) else { continue };
            if matches!(resolve_long(g, p), Ok((n, _)) if n == name) {
                out.push(p.to_string());
            }
        }
    }
    out
}

/// Whether the long-option word `t` (`--out`, `--outp=x`) may name one of `names` under GNU
/// prefix rules, without a full grammar: any non-empty prefix counts (fail closed).
pub fn long_prefix_of(t: &str, names: &[&str]) -> bool {
    let Some(body) = t.strip_prefix("--") else {
        return false;
    };
    let name = body.split_once('=').map_or(body, |(n, _)| n);
    !name.is_empty() && names.iter().any(|n| n.starts_with(name))
}

#[cfg(test)]
#[path = "grammar_tests.rs"]
mod spelling_tests;
