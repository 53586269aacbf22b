//! Where the file names a command reads at run time come from (check 23).
//!
//! `find . -name '*.py' | xargs grep -l x` reads files a listing found: the names lie under
//! the listed tree, so judging that tree (secret paths, home directories) judges every name.
//! `echo L3Jvb3QvLnNzaC9pZF9yc2E= | base64 -d | xargs cat` reads a file whose name the
//! command computes: nothing in the text says which file, and the decoded name is
//! `/root/.ssh/id_rsa`. A name is only as trustworthy as its source, so the names handed to a
//! reader are classified by the pipeline stage that prints them.

use super::super::ast::RedirOp;
use super::super::command::{ExecCommand, Redir};
use super::super::semantic::Model;

/// Where the names an earlier pipeline stage prints come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NameSource {
    /// A listing of a tree (`find`, `ls`, `git ls-files`, `grep -l`): each name lies under
    /// the lister's operands, which the caller judges as a whole tree. The index is the
    /// lister's in the model's commands.
    Listing(usize),
    /// Literal words printed as they are (`echo a b`, `printf '%s\n' a b`): the caller
    /// judges each word as the name it is.
    Literal,
    /// Anything else: a decoder, a transformer, a file's content. The name is computed at
    /// run time; the string says by what (for the message).
    Computed(String),
}

/// Listers whose output lines are paths under their operands.
const LISTERS: &[&str] = &[
    "find", "fd", "fdfind", "ls", "locate", "plocate", "mlocate", "tree",
];

/// Line filters that print a subset of their input lines unchanged, in some order, when they
/// read only their standard input.
const LINE_FILTERS: &[&str] = &[
    "head", "tail", "sort", "uniq", "tac", "shuf", "cat", "grep", "egrep", "fgrep",
];

/// Options of the line filters that take a separate value (`head -n 5`, `sort -k 2`).
fn takes_value(filter: &str, opt: &str) -> bool {
    match filter {
        "head" | "tail" => matches!(opt, "-n" | "-c" | "--lines" | "--bytes"),
        "sort" => matches!(
            opt,
            "-k" | "-t" | "-S" | "-T" | "--key" | "--field-separator" | "--buffer-size"
        ),
        "uniq" => matches!(opt, "-f" | "-s" | "-w"),
        "shuf" => matches!(opt, "-n" | "--head-count"),
        "grep" | "egrep" | "fgrep" => matches!(
            opt,
            "-e" | "-A" | "-B" | "-C" | "-m" | "--regexp" | "--max-count"
        ),
        _ => false,
    }
}

/// The source of the names stage `k - 1` of `pipeline` prints into stage `k`.
pub(crate) fn piped_names(model: &Model, pipeline: &[Vec<usize>], k: usize) -> NameSource {
    let mut k = k;
    // Bounded by the pipeline's length: each filter moves one stage back.
    while k > 0 {
        let Some(stage) = pipeline.get(k - 1) else {
            return NameSource::Computed("an earlier stage".into());
        };
        let mut cmds = stage
            .iter()
            .filter_map(|i| model.commands.get(*i).map(|c| (*i, c)));
        let Some((first_at, first)) = cmds.next() else {
            return NameSource::Computed("an earlier stage".into());
        };
        // A compound stage (`{ a; b; }`, a loop) prints whatever its commands print; commands
        // carried by the sender (`find -exec grep -l`) only add names of the same tree, and
        // the commands of a substitution in its words print into that word, not the pipe.
        let inside = |c: &ExecCommand| {
            c.in_substitution
                && !first.in_substitution
                && first.span.start <= c.span.start
                && c.span.end <= first.span.end
        };
        if cmds.any(|(_, c)| c.wrappers.is_empty() && !inside(c)) {
            return NameSource::Computed("a compound command".into());
        }
        let name = first.base_name().unwrap_or("");
        // `… | xargs grep -l x | …`: names of files among the names fed in, and `xargs -I{}
        // find {} …`: names under them. Either way as trustworthy as the names fed in.
        if name == "xargs" {
            let carried = stage
                .iter()
                .filter_map(|i| model.commands.get(*i))
                .find(|c| c.wrappers.last().is_some_and(|w| w == "xargs"));
            if let Some(c) = carried {
                let n = c.base_name().unwrap_or("");
                if super::super::tables::has(LISTERS, n) || lists_names(c, n) {
                    k -= 1;
                    continue;
                }
            }
        }
        if name == "tee" {
            // Prints its input unchanged (and copies it into its files).
            k -= 1;
            continue;
        }
        if super::super::tables::has(LISTERS, name) || lists_names(first, name) {
            return NameSource::Listing(first_at);
        }
        if literal_printer(first, name) {
            return NameSource::Literal;
        }
        if super::super::tables::has(LINE_FILTERS, name) && reads_only_stdin(first, name) {
            k -= 1;
            continue;
        }
        return NameSource::Computed(format!("`{name}`"));
    }
    NameSource::Computed("the shell's input".into())
}

/// `grep -l`, `rg --files`, `git ls-files`, `git diff --name-only`: commands that print names
/// of files under their operands rather than content.
fn lists_names(c: &ExecCommand, name: &str) -> bool {
    let words = || c.args().iter().filter_map(|a| a.value.as_deref());
    match name {
        "grep" | "egrep" | "fgrep" | "rg" | "ag" => words().any(|w| {
            matches!(
                w,
                "--files-with-matches" | "--files-without-match" | "--files" | "--count"
            ) || (w.starts_with('-')
                && !w.starts_with("--")
                && w.bytes()
                    .skip(1)
                    .take_while(u8::is_ascii_alphabetic)
                    .any(|b| {
                        // `-rl`, `-lE`: a cluster that holds `l` or `L` before any value letter.
                        b == b'l' || b == b'L'
                    }))
        }),
        "git" => {
            let mut ws = words().skip_while(|w| w.starts_with('-'));
            match ws.next() {
                Some("ls-files") => true,
                Some("diff" | "show" | "log" | "ls-tree") => {
                    words().any(|w| matches!(w, "--name-only" | "--name-status"))
                }
                Some("status") => words().any(|w| matches!(w, "--porcelain" | "--short" | "-s")),
                Some("grep") => words().any(|w| matches!(w, "-l" | "--name-only" | "-L")),
                _ => false,
            }
        }
        _ => false,
    }
}

/// `echo WORD…` without escape processing, or `printf FORMAT WORD…` whose format only puts
/// a separator after each word: the printed names are the literal words themselves.
fn literal_printer(c: &ExecCommand, name: &str) -> bool {
    let args = c.args();
    if args.iter().any(|a| a.value.is_none()) {
        return false;
    }
    match name {
        "echo" => !args.iter().any(|a| {
            let t = a.text();
            t.starts_with('-')
                && t.len() > 1
                && t.bytes().skip(1).all(|b| b"neE".contains(&b))
                && t.contains('e')
        }),
        "printf" => {
            let Some(format) = args.first().map(|a| a.text()) else {
                return false;
            };
            separated_words_format(format)
        }
        _ => false,
    }
}

/// A printf format that prints each argument followed by a separator (`%s\n`, `%s\0`,
/// `%s `), or a format with no conversion and no escape (its text is the one name). `%s%s`
/// would join `/root/.ss` and `h/id_rsa` into one name, and `\057` is a slash.
fn separated_words_format(format: &str) -> bool {
    if !format.contains('%') {
        return !format.contains('\\');
    }
    let mut rest = format;
    while !rest.is_empty() {
        let Some(r) = rest.strip_prefix("%s") else {
            return false;
        };
        let seps = ["\\n", "\\0", "\\t", " ", "\n", "\t"];
        let Some(sep) = seps.iter().find(|s| r.starts_with(**s)) else {
            return false;
        };
        rest = r.get(sep.len()..).unwrap_or("");
    }
    true
}

/// Whether a line filter reads only its standard input (no file operands, no option we do
/// not know the shape of).
fn reads_only_stdin(c: &ExecCommand, name: &str) -> bool {
    let mut args = c.args().iter();
    let mut operands = 0usize;
    let mut pattern_given = false;
    while let Some(a) = args.next() {
        let Some(t) = a.value.as_deref() else {
            return false;
        };
        if t == "--" {
            operands += args.len();
            break;
        }
        if t.starts_with('-') && t.len() > 1 {
            // Recursive search or printing only the matched part changes what is printed.
            if matches!(name, "grep" | "egrep" | "fgrep")
                && (t == "-o"
                    || t == "-r"
                    || t == "-R"
                    || t.starts_with("--only")
                    || t.starts_with("--recursive")
                    || (!t.starts_with("--")
                        && t.bytes().any(|b| matches!(b, b'o' | b'r' | b'R' | b'f'))))
            {
                return false;
            }
            if matches!(t, "-e" | "--regexp") {
                pattern_given = true;
            }
            if takes_value(name, t) {
                args.next();
            }
            continue;
        }
        operands += 1;
    }
    let pattern_operand = matches!(name, "grep" | "egrep" | "fgrep") && !pattern_given;
    operands == usize::from(pattern_operand)
        && !c
            .redirs
            .iter()
            .any(|r: &Redir| matches!(r.op, RedirOp::Read | RedirOp::ReadWrite))
}

/// The variables `read`, `mapfile` and `readarray` set, each with where its text comes from:
/// the stage piped into the loop or command when that is a listing, otherwise computed.
pub(crate) fn read_variables(model: &Model) -> Vec<(String, NameSource)> {
    let mut vars = Vec::new();
    let is_read = |c: &ExecCommand| matches!(c.base_name(), Some("read" | "mapfile" | "readarray"));
    if !model.commands.iter().any(is_read) {
        return vars;
    }
    let pipelines = super::decode::pipelines(model);
    for (i, c) in model.commands.iter().enumerate() {
        let name = c.base_name().unwrap_or("");
        if !matches!(name, "read" | "mapfile" | "readarray") {
            continue;
        }
        let piped = pipelines.iter().find_map(|p| {
            p.iter()
                .position(|stage| stage.contains(&i))
                .filter(|k| *k > 0)
                .map(|k| piped_names(model, p, k))
        });
        let source = match piped {
            Some(s) if !has_input_redirect(c) => s,
            _ => NameSource::Computed(format!("the input of `{name}`")),
        };
        let mut args = c.args().iter();
        let mut set_any = false;
        while let Some(a) = args.next() {
            let Some(t) = a.value.as_deref() else {
                continue;
            };
            if t.starts_with('-') {
                // `read -a ARR`, `mapfile -t ARR`: options with a value; `-a`'s value is a name.
                if matches!(t, "-a") {
                    if let Some(v) = args.next().and_then(|a| a.value.clone()) {
                        vars.push((v, source.clone()));
                        set_any = true;
                    }
                } else if takes_read_value(name, t) {
                    args.next();
                }
                continue;
            }
            vars.push((t.to_string(), source.clone()));
            set_any = true;
        }
        if !set_any {
            let default = if name == "read" { "REPLY" } else { "MAPFILE" };
            vars.push((default.to_string(), source));
        }
    }
    vars
}

/// Options of `read` and `mapfile` that take a separate value.
fn takes_read_value(name: &str, opt: &str) -> bool {
    if name == "read" {
        matches!(opt, "-d" | "-i" | "-n" | "-N" | "-p" | "-t" | "-u")
    } else {
        matches!(opt, "-d" | "-n" | "-O" | "-s" | "-u" | "-C" | "-c")
    }
}

fn has_input_redirect(c: &ExecCommand) -> bool {
    c.redirs.iter().any(|r| {
        matches!(
            r.op,
            RedirOp::Read
                | RedirOp::ReadWrite
                | RedirOp::HereString
                | RedirOp::HereDoc
                | RedirOp::HereDocStrip
        )
    })
}

/// The names of the variables a word's source text expands (`$f`, `${f}`, `${f%.py}`).
pub(crate) fn expanded_names(raw: &str) -> impl Iterator<Item = &str> {
    raw.match_indices('$').filter_map(move |(i, _)| {
        let rest = raw.get(i + 1..)?;
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = rest.get(..end)?;
        (!name.is_empty()).then_some(name)
    })
}
