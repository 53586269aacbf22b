//! Phase 4 check 9 (SEPARATOR_SMUGGLING): operator characters smuggled into words, where a
//! validator or a later re-parse (`eval`, `sh -c "$*"`, logs pasted into a shell) would read a
//! second command that bash does not run now.

use super::encoding::{excerpt, Unit};
use super::{CheckCx, Findings};
use crate::shell::ast::{Literal, QuoteKind, SimpleCommand, Word, WordPart};
use crate::shell::tables::{self, Classes};
use crate::shell::verdict::Severity;

/// Characters that separate or redirect commands when unescaped.
const OPERATORS: &[char] = &[';', '&', '<', '>', '|'];

/// Commands whose `-exec`-style actions end with `;` (or `+`), with those actions.
const FIND_LIKE: &[(&str, &[&str])] = &[
    ("find", &["-exec", "-execdir", "-ok", "-okdir"]),
    ("gfind", &["-exec", "-execdir", "-ok", "-okdir"]),
    ("bfs", &["-exec", "-execdir", "-ok", "-okdir"]),
    ("ippfind", &["-x", "--exec"]),
];

/// Commands whose own syntax uses escaped operators as standalone words (`expr a \| b`,
/// `test a \< b`).
const OPERATOR_ARGS: &[&str] = &["expr", "test", "["];

/// Whether `name` (a literal word) is a command name the §6 tables know.
fn known_command(name: &str) -> bool {
    let base = crate::shell::paths::basename(name);
    !base.is_empty()
        && (tables::classes(base) != Classes::default()
            || tables::interpreter_family(base).is_some()
            || tables::is_deny_rule_command(base))
}

fn plain_operator(l: &Literal) -> Option<char> {
    let mut it = l.text.chars();
    match (it.next(), it.next()) {
        (Some(c), None)
            if l.escaped && l.quote == QuoteKind::Unquoted && OPERATORS.contains(&c) =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// Indexes of words that are the `;` terminator of a `find -exec/-execdir/-ok/-okdir` action.
fn find_terminators(cmd: &SimpleCommand) -> Vec<usize> {
    let mut out = Vec::new();
    let mut actions: &[&str] = &[];
    let mut in_exec = false;
    for (i, w) in cmd.words.iter().enumerate() {
        let v = w.literal_text();
        let v = v.as_deref().unwrap_or("");
        if actions.is_empty() {
            let base = crate::shell::paths::basename(v);
            actions = FIND_LIKE
                .iter()
                .find(|(n, _)| *n == base)
                .map_or(&[], |(_, a)| a);
            continue;
        }
        if in_exec && (v == ";" || v == "+") {
            if v == ";" {
                out.push(i);
            }
            in_exec = false;
        } else if actions.contains(&v) {
            in_exec = true;
        }
    }
    out
}

/// The text after the last smuggled operator in a word, or the next word's literal value.
fn hidden_command(word: &Word, last_op: usize, next: Option<&Word>) -> Option<String> {
    let mut rest = String::new();
    for p in word.parts.iter().skip(last_op + 1) {
        match p {
            WordPart::Literal(l) => rest.push_str(&l.text),
            _ => return None,
        }
    }
    let rest = rest.trim_start_matches(OPERATORS).to_string();
    if rest.is_empty() {
        next.and_then(Word::literal_value)
    } else {
        Some(rest)
    }
}

fn smuggled(u: &Unit<'_>, cmd: &SimpleCommand, out: &mut Findings) {
    // Both are needed only for a word with an escaped operator, which few commands have.
    let mut exempt: Option<Vec<usize>> = None;
    let operator_args = || {
        cmd.words
            .first()
            .and_then(Word::literal_value)
            .is_some_and(|n| OPERATOR_ARGS.contains(&crate::shell::paths::basename(&n)))
    };
    for (i, w) in cmd.words.iter().enumerate() {
        let ops: Vec<(usize, char)> = w
            .parts
            .iter()
            .enumerate()
            .filter_map(|(j, p)| match p {
                WordPart::Literal(l) => plain_operator(l).map(|c| (j, c)),
                _ => None,
            })
            .collect();
        let Some(&(last, _)) = ops.last() else {
            continue;
        };
        if ops.len() == 1
            && w.parts.len() == 1
            && exempt
                .get_or_insert_with(|| find_terminators(cmd))
                .contains(&i)
        {
            continue;
        }
        let text = excerpt(u.text(w.span));
        let separates = ops.iter().any(|(_, c)| matches!(c, ';' | '&' | '|'));
        let hidden = if separates {
            hidden_command(w, last, cmd.words.get(i + 1)).filter(|n| known_command(n))
        } else {
            None
        };
        match hidden {
            None if ops.len() == w.parts.len() && operator_args() => {}
            Some(name) => out.add(9, Severity::Deny, u.sp(w.span), format!("`{text}` is an escaped operator followed by the command `{name}`: anything that re-reads this line runs `{name}` as a second command. Write the two commands separately, or quote the operator if it is data.")),
            None => out.add(9, Severity::Ask, u.sp(w.span), format!("`{text}` contains a backslash-escaped shell operator, which bash passes as text but other tools read as a separator or redirection; quote it if it is data.")),
        }
    }
}

/// `{"a":"b;c"}`: unquoted braces around a quoted separator (a malformed-token injection).
fn braces_around_quoted_separator(u: &Unit<'_>, w: &Word, out: &mut Findings) {
    let mut braces = false;
    let mut quoted_sep = false;
    for p in &w.parts {
        match p {
            WordPart::Brace(_) => braces = true,
            WordPart::Literal(l) if l.quote == QuoteKind::Unquoted && !l.escaped => {
                braces |= crate::shell::paths::has_any_byte(&l.text, b"{}");
            }
            WordPart::Literal(l)
                if matches!(
                    l.quote,
                    QuoteKind::Single | QuoteKind::Double | QuoteKind::AnsiC | QuoteKind::Locale
                ) =>
            {
                quoted_sep |= crate::shell::paths::has_any_byte(&l.text, b";&|");
            }
            _ => {}
        }
    }
    if braces && quoted_sep {
        out.add(9, Severity::Ask, u.sp(w.span), format!("`{}` mixes unquoted braces with a quoted `;`, `&` or `|`, a malformed token that tools split differently; quote the whole word.", excerpt(u.text(w.span))));
    }
}

/// Comments with quote characters and mid-word `#`: bash reads both exactly as we do, so they
/// are recorded only.
fn comments_and_hashes(u: &Unit<'_>, out: &mut Findings) {
    for c in &u.parsed.comments {
        if u.text(*c).contains(['\'', '"', '`']) {
            out.add(9, Severity::Info, u.sp(*c), "a comment contains quote characters; tools that do not parse comments may pair them with quotes elsewhere.");
        }
    }
    for (cmd, _) in &u.simple {
        for w in &cmd.words {
            let mid_hash = w.parts.iter().enumerate().any(|(i, p)| match p {
                // A byte scan (a `#` past the word's first byte): `#` is ASCII, so no byte of
                // another character equals it. This runs over every unquoted literal (P4-R49).
                WordPart::Literal(l) if l.quote == QuoteKind::Unquoted && !l.escaped => l
                    .text
                    .as_bytes()
                    .get(usize::from(i == 0)..)
                    .is_some_and(|b| b.contains(&b'#')),
                _ => false,
            });
            if mid_hash {
                out.add(9, Severity::Info, u.sp(w.span), format!("`{}` has a `#` inside a word, which bash keeps as text but some tools read as a comment.", excerpt(u.text(w.span))));
            }
        }
    }
}

/// Runs check 9 (SEPARATOR_SMUGGLING).
pub(super) fn run_unit(_cx: &CheckCx<'_>, u: &Unit<'_>, out: &mut Findings) {
    // An escaped operator needs a backslash in the unit's source, which its words are
    // parsed from: most commands have none, and then no word's parts are collected (P4-R49).
    let escapes = crate::shell::paths::has_any_byte(u.src, b"\\");
    for (cmd, _) in &u.simple {
        if escapes {
            smuggled(u, cmd, out);
        }
        for w in &cmd.words {
            braces_around_quoted_separator(u, w, out);
        }
    }
    comments_and_hashes(u, out);
}

#[cfg(test)]
mod tests {
    use crate::shell::verdict::Severity;
    use crate::shell::{BashSecurityConfig, EvalContext};

    fn sev(cmd: &str) -> Option<Severity> {
        crate::shell::evaluate(cmd, &EvalContext::default(), &BashSecurityConfig::default())
            .findings
            .iter()
            .filter(|f| f.id == 9)
            .map(|f| f.severity)
            .max()
    }

    #[test]
    fn escaped_separator_before_a_command_is_denied() {
        assert_eq!(
            sev("cat a.txt \\; echo ~/.ssh/id_rsa"),
            Some(Severity::Deny)
        );
        assert_eq!(
            sev("tac \"x\\\"y\" \\; echo ~/.ssh/id_rsa"),
            Some(Severity::Deny)
        );
        assert_eq!(sev("echo a\\;rm -rf x"), Some(Severity::Deny));
        assert_eq!(sev("echo x \\| sh"), Some(Severity::Deny));
        assert_eq!(sev("echo x \\&\\& curl y"), Some(Severity::Deny));
    }

    #[test]
    fn escaped_operator_without_a_command_asks() {
        assert_eq!(sev("cat a \\| b"), Some(Severity::Ask));
        assert_eq!(sev("cmd \\>/dev/null"), Some(Severity::Ask));
        assert_eq!(sev("echo {\"hi\":\"hi;evil\"}"), Some(Severity::Ask));
    }

    #[test]
    fn find_exec_terminator_and_quoted_data_are_fine() {
        for c in [
            "find . -name '*.tmp' -exec rm {} \\;",
            "find . -exec grep -l x {} \\; -exec echo {} \\;",
            "sudo find / -type f -execdir chmod 644 {} \\;",
            "find . \\( -name x -o -name y \\)",
            "bfs . -name '*.ext' -exec wc -l {} \\;",
            "ippfind -x ipptool -f a.ps '{}' print-job.test \\;",
            "expr 1 \\| 0",
            "echo 'a;b' \"c|d\"",
            "curl -d '{\"k\":\"v;w\"}' https://x.invalid",
        ] {
            assert_eq!(sev(c), None, "{c}");
        }
    }

    #[test]
    fn comments_with_quotes_and_mid_word_hash_are_info() {
        assert_eq!(sev("echo hi # it's"), Some(Severity::Info));
        assert_eq!(sev("echo a#b"), Some(Severity::Info));
        assert_eq!(sev("echo ${#x}"), None);
    }
}
