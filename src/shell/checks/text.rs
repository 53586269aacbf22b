//! Checks 1–5 (category `text`): what the raw characters do, and whether the parser
//! understood the command at all.

use super::Findings;
use crate::shell::ast::Span;
use crate::shell::parser::{limit_kind, Parsed};
use crate::shell::semantic::Model;
use crate::shell::verdict::Severity;

fn span_of(i: usize, len: usize) -> (u32, u32) {
    let s = u32::try_from(i).unwrap_or(u32::MAX);
    (s, s.saturating_add(u32::try_from(len).unwrap_or(u32::MAX)))
}

/// Whitespace look-alikes (check 2): outside quotes ask, inside quotes info.
const LOOKALIKE_SPACES: &[char] = &[
    '\u{00A0}', '\u{1680}', '\u{2000}', '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}',
    '\u{2006}', '\u{2007}', '\u{2008}', '\u{2009}', '\u{200A}', '\u{2028}', '\u{2029}', '\u{202F}',
    '\u{205F}', '\u{3000}', '\u{FEFF}',
];

/// Invisible format characters that are not `Default_Ignorable_Code_Point` (interlinear
/// annotation anchors): they hide text like the default-ignorables do.
const INVISIBLE_EXTRA: &[char] = &['\u{FFF9}', '\u{FFFA}', '\u{FFFB}'];

/// Whether `c` is invisible (check 2, ask anywhere, issue 16 item 4): every
/// `Default_Ignorable_Code_Point` (zero-width characters, bidi controls, the TAG block,
/// variation selectors, fillers, soft hyphen, …) from the generated Unicode table, plus
/// [`INVISIBLE_EXTRA`]. One emoji presentation selector (U+FE0E/U+FE0F) right after a visible
/// non-ASCII character is how emoji are written (`✔️`) and is exempt; a run of selectors or
/// one after ASCII is how text is smuggled.
fn invisible(c: char, prev: Option<char>, next: Option<char>) -> bool {
    use crate::shell::unicode_tables::is_default_ignorable;
    if matches!(c, '\u{FE0E}' | '\u{FE0F}') {
        let after_glyph = prev.is_some_and(|p| !p.is_ascii() && !is_default_ignorable(p));
        let alone = !next.is_some_and(is_default_ignorable);
        if after_glyph && alone {
            return false;
        }
    }
    is_default_ignorable(c) || INVISIBLE_EXTRA.contains(&c)
}

/// Checks 1 and 3 on the raw text.
pub fn raw_checks(command: &str, out: &mut Findings) {
    // Printable ASCII, tabs and newlines (nearly every command) cannot trip checks 1 or 3;
    // one byte pass instead of decoding every character.
    if command
        .bytes()
        .all(|b| matches!(b, 0x20..=0x7E | b'\t' | b'\n'))
    {
        return;
    }
    for (i, c) in command.char_indices() {
        let code = u32::from(c);
        if matches!(code, 0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F) {
            out.add(1, Severity::Ask, span_of(i, c.len_utf8()), format!("the command contains the control character U+{code:04X}, which terminals hide and tools read differently."));
        } else if c == '\u{FFFD}' {
            out.add(
                1,
                Severity::Ask,
                span_of(i, c.len_utf8()),
                "the command contains invalid UTF-8 or a lone surrogate (shown as U+FFFD).",
            );
        } else if c == '\r' {
            out.add(3, Severity::Ask, span_of(i, 1), "the command contains a carriage return: bash treats it as an ordinary character while other tools split words on it, and it can hide text on a terminal.");
        }
    }
}

/// Byte ranges inside single quotes, double quotes or `$'…'`, by a quote-state scan.
fn quoted_ranges(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        // An unquoted `#` that starts a word starts a comment: a quote inside it
        // (`# we're done`) opens nothing.
        let word_start = i == 0
            || b.get(i - 1).is_some_and(|p| {
                matches!(p, b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')')
            });
        if c == b'#' && word_start {
            while b.get(i).is_some_and(|&d| d != b'\n') {
                i += 1;
            }
            continue;
        }
        match c {
            b'\\' => i += 2,
            b'\'' => {
                let start = i;
                i += 1;
                while let Some(&d) = b.get(i) {
                    if d == b'\'' {
                        break;
                    }
                    i += 1;
                }
                out.push((start, i));
                i += 1;
            }
            b'"' => {
                let start = i;
                i += 1;
                while let Some(&d) = b.get(i) {
                    if d == b'\\' {
                        i += 2;
                        continue;
                    }
                    if d == b'"' {
                        break;
                    }
                    i += 1;
                }
                out.push((start, i));
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// Checks 2, 4 and 5, which need quoting context or the parse result.
pub fn parsed_checks(command: &str, parsed: &Parsed, out: &mut Findings) {
    // Only a look-alike space asks where its quoting is (rare): the ranges are found then.
    let mut quoted: Option<Vec<(usize, usize)>> = None;
    let mut in_quotes = |i: usize| {
        quoted
            .get_or_insert_with(|| quoted_ranges(command))
            .iter()
            .any(|(a, b)| i > *a && i < *b)
    };
    // Every invisible and look-alike character is outside ASCII: an ASCII command skips
    // the per-character scan.
    let scan = if command.is_ascii() { "" } else { command };
    let mut prev: Option<char> = None;
    for (i, c) in scan.char_indices() {
        let before = prev;
        prev = Some(c);
        if c.is_ascii() {
            continue;
        }
        let next = scan.get(i + c.len_utf8()..).and_then(|r| r.chars().next());
        if invisible(c, before, next) {
            out.add(2, Severity::Ask, span_of(i, c.len_utf8()), format!("the command contains the invisible character U+{:04X} (zero-width, bidirectional control, tag, variation selector or filler), which makes what you see differ from what runs.", u32::from(c)));
        } else if LOOKALIKE_SPACES.contains(&c) {
            let sev = if in_quotes(i) {
                Severity::Info
            } else {
                Severity::Ask
            };
            out.add(2, sev, span_of(i, c.len_utf8()), format!("the command contains U+{:04X}, which looks like a space but is part of a word for the shell.", u32::from(c)));
        }
    }
    // Check 4a (a quoted newline followed by a `#` line) needs the semantic model: it runs
    // from `multiline_comment_lines`.
    // Check 4b: a line continuation inside a word or operator (the parser records them).
    for sp in &parsed.split_tokens {
        out.add(4, Severity::Ask, (sp.start, sp.end), "a backslash-newline joins two lines inside one word or operator, so the command reads differently from how it looks.");
    }
    // Check 5: anything the parser could not read (limits are handled as limits).
    if let Some(e) = &parsed.error {
        if limit_kind(e).is_none() {
            out.add(5, Severity::Ask, (e.span.start, e.span.end), format!("the command could not be parsed completely ({}: {}); it is not run without approval.", e.code.as_str(), e.message));
        }
    }
}

fn within(inner: (usize, usize), outer: Span) -> bool {
    inner.0 >= outer.start as usize && inner.1 <= outer.end as usize
}

/// Check 4a, run once the semantic model is known. Quote ranges are found by a quote-state
/// scan of the command with heredoc bodies blanked (a body's apostrophes are text, not
/// quotes); bodies a shell may read are scanned as scripts of their own. In inline
/// `#`-comment interpreter code a `#` line is the language's comment, so it fires there only
/// when the quote closes on that line (where shell text can follow the "comment").
pub fn multiline_comment_lines(command: &str, model: &Model, out: &mut Findings) {
    if !crate::shell::paths::has_any_byte(command, b"#") {
        return;
    }
    let text: std::borrow::Cow<'_, str> = if model.heredoc_bodies.is_empty() {
        std::borrow::Cow::Borrowed(command)
    } else {
        let mut b = command.as_bytes().to_vec();
        for (sp, _) in &model.heredoc_bodies {
            for x in b
                .get_mut(sp.start as usize..sp.end as usize)
                .into_iter()
                .flatten()
            {
                *x = b' ';
            }
        }
        // Whole bodies were replaced by ASCII, so the bytes stay UTF-8.
        std::borrow::Cow::Owned(String::from_utf8(b).unwrap_or_default())
    };
    scan_quoted_comment_lines(&text, 0, &model.hash_comment_code, out);
    for (sp, shell) in &model.heredoc_bodies {
        if let (true, Some(body)) = (*shell, sp.slice(command)) {
            scan_quoted_comment_lines(body, sp.start as usize, &[], out);
        }
    }
}

fn scan_quoted_comment_lines(text: &str, base: usize, code: &[Span], out: &mut Findings) {
    for (a, b) in quoted_ranges(text) {
        let body = text.get(a..b).unwrap_or("");
        if !crate::shell::paths::has_any_byte(body, b"\n") {
            continue;
        }
        let starts_hash = |l: &str| l.trim_start_matches([' ', '\t']).starts_with('#');
        let abs = (base + a, base + b);
        if code.iter().any(|c| within(abs, *c)) {
            // Interpreter code: only a `#` line on which the quote closes.
            if !body.rsplit('\n').next().is_some_and(starts_hash) {
                continue;
            }
        } else if !body.split('\n').skip(1).any(starts_hash) {
            continue;
        }
        out.add(4, Severity::Ask, span_of(base + a, b.saturating_sub(a).saturating_add(1)), "a quoted string continues on a line that starts with `#`, which looks like a comment but is part of the argument.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check2(cmd: &str) -> Option<Severity> {
        let parsed =
            crate::shell::parser::parse(cmd, &crate::shell::parser::ParseLimits::default());
        let mut f = Findings::default();
        parsed_checks(cmd, &parsed, &mut f);
        f.iter().filter(|x| x.id == 2).map(|x| x.severity).max()
    }

    #[test]
    fn every_default_ignorable_is_ask_inside_and_outside_quotes() {
        for &(lo, hi) in crate::shell::unicode_tables::DEFAULT_IGNORABLE {
            for cp in [lo, hi, lo + (hi - lo) / 2] {
                let Some(c) = char::from_u32(cp) else {
                    continue;
                };
                for cmd in [
                    format!("echo a{c}b"),
                    format!("echo 'a{c}b'"),
                    format!("echo \"x{c}\""),
                ] {
                    assert_eq!(check2(&cmd), Some(Severity::Ask), "U+{cp:04X} in {cmd:?}");
                }
            }
        }
        // TAG characters smuggled into an argument (issue 16 item 4).
        assert_eq!(check2("cat f\u{E0041}\u{E0042}"), Some(Severity::Ask));
        assert_eq!(check2("echo 'x\u{FFF9}y'"), Some(Severity::Ask));
    }

    #[test]
    fn emoji_presentation_selectors_are_not_deception() {
        assert_eq!(check2("git commit -m '\u{2714}\u{FE0F} done'"), None);
        assert_eq!(check2("echo \"\u{2764}\u{FE0F}\""), None);
        // After ASCII, or a run of selectors: smuggling.
        assert_eq!(check2("echo 'a\u{FE0F}'"), Some(Severity::Ask));
        assert_eq!(
            check2("echo '\u{2714}\u{FE0F}\u{FE0F}'"),
            Some(Severity::Ask)
        );
        assert_eq!(check2("echo '\u{2714}\u{E0100}'"), Some(Severity::Ask));
    }

    /// The committed table equals the Unicode Character Database file when it is installed
    /// (Debian `unicode-data`); regenerate with `scripts/gen-unicode-tables.py`.
    #[test]
    fn unicode_table_matches_the_ucd_when_present() {
        let Ok(text) = std::fs::read_to_string("/usr/share/unicode/DerivedCoreProperties.txt")
        else {
            return;
        };
        let mut want: Vec<(u32, u32)> = Vec::new();
        for line in text.lines() {
            let body = line.split('#').next().unwrap_or("").trim();
            let mut f = body.split(';').map(str::trim);
            let (Some(cps), Some("Default_Ignorable_Code_Point")) = (f.next(), f.next()) else {
                continue;
            };
            let (lo, hi) = cps.split_once("..").unwrap_or((cps, cps));
            want.push((
                u32::from_str_radix(lo, 16).unwrap(),
                u32::from_str_radix(hi, 16).unwrap(),
            ));
        }
        crate::sorted::sort(&mut want);
        let mut merged: Vec<(u32, u32)> = Vec::new();
        for (lo, hi) in want {
            match merged.last_mut() {
                Some(last) if lo <= last.1 + 1 => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        if text.contains(crate::shell::unicode_tables::UNICODE_VERSION) {
            assert_eq!(merged, crate::shell::unicode_tables::DEFAULT_IGNORABLE);
        }
    }

    #[test]
    fn quoted_ranges_follow_shell_quoting() {
        assert_eq!(quoted_ranges("a 'b' \"c\\\"d\" e"), vec![(2, 4), (6, 11)]);
        assert_eq!(quoted_ranges("\\'x"), vec![]);
        // A quote in a comment opens nothing; a `#` inside a word is not a comment.
        assert_eq!(quoted_ranges("ls # we're\necho 'a'"), vec![(16, 18)]);
        assert_eq!(quoted_ranges("echo a#'b'"), vec![(7, 9)]);
    }
}
