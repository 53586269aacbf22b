//! Secret redaction for everything written to the decision journal (README G-R12).
//!
//! Hand-written scanners instead of regular expressions: the rules are few and fixed, and a
//! regex engine with its Unicode tables would be most of the plugin's wasm size.
//!
//! Redacted: values of `Authorization`/`Cookie` headers, URL userinfo, `--password`/`--token`-
//! style option values, and assignments to variables whose name contains `TOKEN`, `SECRET`,
//! `PASSWORD`, `PASSWD`, `API_KEY`, `APIKEY` or `PRIVATE_KEY`.

use std::borrow::Cow;

/// The replacement text.
pub const REDACTED: &str = "[REDACTED]";

/// Name fragments that make a variable or key a secret.
const SECRET_NAMES: [&str; 7] = [
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
];

/// Option-name fragments whose value is a secret (`--password`, `--api-key`, …).
const SECRET_OPTIONS: [&str; 7] = [
    "password",
    "passwd",
    "token",
    "secret",
    "apikey",
    "api-key",
    "privatekey",
];

/// Header names whose value is a credential.
const SECRET_HEADERS: [&str; 4] = [
    "proxy-authorization",
    "authorization",
    "set-cookie",
    "cookie",
];

/// Whether a variable or key name names a secret (`*TOKEN*`, `*PASSWORD*`, …).
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase().replace('-', "_");
    SECRET_NAMES.iter().any(|k| upper.contains(k))
        || upper.contains("PRIVATE-KEY")
        || name.eq_ignore_ascii_case("authorization")
        || name.eq_ignore_ascii_case("cookie")
}

/// Replaces secrets in free text with `[REDACTED]`.
pub fn redact_text(text: &str) -> String {
    // Each pass runs only when the text holds what it needs to change anything (a `:` after a
    // header name, `://`, a secret option fragment, an `=`): every journalled decision is
    // redacted, and most command texts need none of the four (a unit test compares this with
    // running all passes over the corpora).
    let mut s = Cow::Borrowed(text);
    if s.as_bytes().contains(&b':') {
        s = Cow::Owned(headers(&s));
    }
    if s.contains("://") {
        s = Cow::Owned(userinfo(&s));
    }
    if SECRET_OPTIONS
        .iter()
        .any(|k| contains_ignore_ascii_case(&s, k))
    {
        s = Cow::Owned(options(&s));
    }
    if s.as_bytes().contains(&b'=') {
        s = Cow::Owned(assignments(&s));
    }
    s.into_owned()
}

/// Whether `hay` contains `needle` (lower-case ASCII), ignoring ASCII case.
fn contains_ignore_ascii_case(hay: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    n.is_empty()
        || hay
            .as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n))
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Copies the character at byte `i` to `out` and returns the index after it.
fn copy_char(text: &str, i: usize, out: &mut String) -> usize {
    let len = text
        .get(i..)
        .and_then(|r| r.chars().next())
        .map_or(1, char::len_utf8);
    out.push_str(text.get(i..i + len).unwrap_or(""));
    i + len
}

/// `Authorization: Bearer x` → `Authorization: [REDACTED]` (value up to a quote or line end).
fn headers(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let at_word_start = i == 0 || !bytes.get(i - 1).copied().is_some_and(is_word_byte);
        let hit = at_word_start
            .then(|| {
                SECRET_HEADERS
                    .iter()
                    .find(|h| lower.get(i..).is_some_and(|rest| rest.starts_with(*h)))
            })
            .flatten();
        if let Some(h) = hit {
            let mut j = i + h.len();
            while bytes.get(j).is_some_and(|b| *b == b' ' || *b == b'\t') {
                j += 1;
            }
            if bytes.get(j) == Some(&b':') {
                j += 1;
                while bytes.get(j).is_some_and(|b| *b == b' ' || *b == b'\t') {
                    j += 1;
                }
                let mut end = j;
                while bytes
                    .get(end)
                    .is_some_and(|b| !matches!(b, b'\'' | b'"' | b'\r' | b'\n'))
                {
                    end += 1;
                }
                if end > j {
                    out.push_str(text.get(i..j).unwrap_or(""));
                    out.push_str(REDACTED);
                    i = end;
                    continue;
                }
            }
        }
        i = copy_char(text, i, &mut out);
    }
    out
}

/// `scheme://user:pass@host` → `scheme://[REDACTED]@host`.
fn userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(p) = rest.find("://") {
        let (head, tail) = rest.split_at(p + 3);
        let has_scheme = head
            .strip_suffix("://")
            .and_then(|h| h.chars().last())
            .is_some_and(|c| c.is_ascii_alphanumeric());
        out.push_str(head);
        let stop = tail
            .find(|c: char| c == '/' || c == '@' || c.is_whitespace() || c == '\'' || c == '"')
            .unwrap_or(tail.len());
        if has_scheme && stop > 0 && tail.get(stop..stop + 1) == Some("@") {
            out.push_str(REDACTED);
            rest = tail.get(stop..).unwrap_or("");
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// Length of a value starting at `s`: a quoted string, or up to a blank (or `stop` bytes).
fn value_len(s: &str, stop: &[u8]) -> usize {
    let b = s.as_bytes();
    match b.first() {
        Some(q @ (b'\'' | b'"')) => match b.iter().skip(1).position(|c| c == q) {
            Some(p) => p + 2,
            None => s.len(),
        },
        _ => b
            .iter()
            .position(|c| c.is_ascii_whitespace() || matches!(c, b'\'' | b'"') || stop.contains(c))
            .unwrap_or(s.len()),
    }
}

/// `--password x`, `--token=x`, `-api-key 'x'` → the value becomes `[REDACTED]`.
fn options(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let b = text.as_bytes();
    while i < text.len() {
        let at_start = i == 0 || b.get(i - 1).is_some_and(u8::is_ascii_whitespace);
        if at_start && b.get(i) == Some(&b'-') {
            let name_end = b
                .iter()
                .skip(i)
                .position(|c| !(c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_'))
                .map_or(text.len(), |p| i + p);
            let name = text.get(i..name_end).unwrap_or("").to_ascii_lowercase();
            let secret = SECRET_OPTIONS.iter().any(|k| name.contains(k));
            if secret {
                let mut j = name_end;
                let sep = match b.get(j) {
                    Some(b'=') => {
                        j += 1;
                        true
                    }
                    Some(c) if c.is_ascii_whitespace() => {
                        while b.get(j).is_some_and(u8::is_ascii_whitespace) {
                            j += 1;
                        }
                        true
                    }
                    _ => false,
                };
                let vlen = text.get(j..).map_or(0, |r| value_len(r, &[]));
                if sep && vlen > 0 {
                    out.push_str(text.get(i..j).unwrap_or(""));
                    out.push_str(REDACTED);
                    i = j + vlen;
                    continue;
                }
            }
            out.push_str(text.get(i..name_end.max(i + 1)).unwrap_or(""));
            i = name_end.max(i + 1);
            continue;
        }
        i = copy_char(text, i, &mut out);
    }
    out
}

/// `GITHUB_TOKEN=x`, `export DB_PASSWORD="x"` → `NAME=[REDACTED]`.
fn assignments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let at_start = i == 0
            || !b
                .get(i - 1)
                .copied()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_');
        if at_start
            && b.get(i)
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        {
            let name_end = b
                .iter()
                .skip(i)
                .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                .map_or(text.len(), |p| i + p);
            let name = text.get(i..name_end).unwrap_or("");
            if b.get(name_end) == Some(&b'=') && is_secret_name(name) {
                let j = name_end + 1;
                let vlen = text.get(j..).map_or(0, |r| value_len(r, b";&|"));
                out.push_str(name);
                out.push('=');
                out.push_str(REDACTED);
                i = j + vlen;
                continue;
            }
            out.push_str(name);
            i = name_end;
            continue;
        }
        i = copy_char(text, i, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pass, unconditionally: what `redact_text` computed before its pass guards.
    fn all_passes(text: &str) -> String {
        assignments(&options(&userinfo(&headers(text))))
    }

    #[test]
    fn pass_guards_never_change_the_result() {
        let mut lines: Vec<String> = Vec::new();
        for name in ["tldr.txt", "nl2bash.txt"] {
            lines.extend(crate::test_support::read(name).lines().map(str::to_string));
        }
        for extra in [
            "curl -H 'AUTHORIZATION: Bearer x' -u a:b https://u:p@h/x --Api-Key=k TOKEN=1 y",
            "mysql --PASSWORD secret -h db",
            "x=1 Y_Secret=2 echo ftp://a@b",
            "Cookie:1",
            "--token",
            "",
        ] {
            lines.push(extra.to_string());
        }
        let mut changed = 0;
        for l in &lines {
            let want = all_passes(l);
            if want != *l {
                changed += 1;
            }
            assert_eq!(redact_text(l), want, "{l}");
        }
        assert!(changed > 10, "{changed}");
    }

    #[test]
    fn redaction_covers_the_listed_secret_forms() {
        let cases = [
            (
                "curl -H 'Authorization: Bearer abc123' x",
                "curl -H 'Authorization: [REDACTED]' x",
            ),
            (
                "curl -H \"Cookie: sid=1\" x",
                "curl -H \"Cookie: [REDACTED]\" x",
            ),
            (
                "git clone https://user:pw@example.invalid/r",
                "git clone https://[REDACTED]@example.invalid/r",
            ),
            (
                "mysql --password=hunter2 db",
                "mysql --password=[REDACTED] db",
            ),
            (
                "gh auth login --token abc",
                "gh auth login --token [REDACTED]",
            ),
            ("x --api-key 'a b' y", "x --api-key [REDACTED] y"),
            ("GITHUB_TOKEN=ghp_x make", "GITHUB_TOKEN=[REDACTED] make"),
            ("export DB_PASSWORD='a b'", "export DB_PASSWORD=[REDACTED]"),
            ("OPENAI_API_KEY=sk-1 run", "OPENAI_API_KEY=[REDACTED] run"),
            ("TOKEN=abc x", "TOKEN=[REDACTED] x"),
            ("A_SECRET=1;ls", "A_SECRET=[REDACTED];ls"),
            ("ls -la", "ls -la"),
            (
                "see https://example.invalid/a@b",
                "see https://example.invalid/a@b",
            ),
            ("héllo wörld --token=ü", "héllo wörld --token=[REDACTED]"),
            ("", ""),
        ];
        for (i, o) in cases {
            assert_eq!(redact_text(i), o, "{i}");
        }
    }

    #[test]
    fn secret_names() {
        for n in [
            "GITHUB_TOKEN",
            "db_password",
            "AWS_SECRET_ACCESS_KEY",
            "api-key",
            "Authorization",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in ["HOME", "PATH", "KEYBOARD"] {
            assert!(!is_secret_name(n), "{n}");
        }
    }
}
