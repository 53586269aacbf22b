//! Path operands resolved the way the shell would see them (P4-R26): `~` and `$HOME`
//! expanded, relative paths joined to the working directory, `.` and `..` removed lexically.
//! Symlinks are not resolved (the core is pure).

use super::{EvalContext, Os};
pub use crate::paths::normalize;
use crate::paths::normalize_joined;

/// Expands a leading `~` (own home only) and joins relative paths to `cwd`.
pub fn resolve(value: &str, ctx: &EvalContext) -> String {
    // The pieces that, joined with `/`, spell the expanded value; a relative one is then
    // joined to the working directory (`/` when unknown).
    let (abs, pieces): (bool, [&str; 2]) = if value == "~" {
        (ctx.home.starts_with('/'), [&ctx.home, ""])
    } else if let Some(rest) = value.strip_prefix("~/") {
        let home = ctx.home.trim_end_matches('/');
        (home.is_empty() || home.starts_with('/'), [home, rest])
    } else {
        (value.starts_with('/'), [value, ""])
    };
    let two = value.starts_with("~/");
    let base = if ctx.cwd.is_empty() { "/" } else { &ctx.cwd };
    match (abs, two) {
        (true, false) => normalize_joined(&pieces[..1]),
        (true, true) => normalize_joined(&pieces),
        (false, false) => normalize_joined(&[base, pieces[0]]),
        (false, true) => normalize_joined(&[base, pieces[0], pieces[1]]),
    }
}

/// The last `/`-separated segment (`/usr/bin/rm` → `rm`, `rm` → `rm`, `dir/` → ``).
/// A byte scan: `rsplit('/')` builds a pattern searcher per call, which the size-optimised
/// wasm build does not inline, and this runs for every command name (P4-R49).
// Called for nearly every byte or word; the size-optimised wasm build would not inline it.
#[inline(always)]
pub fn basename(path: &str) -> &str {
    // A plain loop: `rposition` is not inlined in that build either.
    let b = path.as_bytes();
    let mut i = b.len();
    while i > 0 {
        i -= 1;
        if matches!(b.get(i), Some(&b'/')) {
            return path.get(i + 1..).unwrap_or("");
        }
    }
    path
}

/// Whether `s` contains any of the ASCII bytes in `set`. A plain byte loop: `str::contains`
/// with a char array builds a searcher per call, which the size-optimised wasm build does not
/// inline, and these tests run for every word.
#[inline(always)]
pub fn has_any_byte(s: &str, set: &[u8]) -> bool {
    for &b in s.as_bytes() {
        for &x in set {
            if b == x {
                return true;
            }
        }
    }
    false
}

/// `hay.contains(needle)` as a first-byte scan and a compare at each hit: the needles here
/// are short literals tested against every argument, where `str::contains` sets up a
/// two-way searcher per call (not inlined in the size-optimised wasm build).
#[inline(always)]
pub fn has_substr(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let Some(&first) = n.first() else {
        return true;
    };
    let mut i = 0;
    while i + n.len() <= h.len() {
        // `matches!` rather than `== Some(..)`: `Option`'s `eq` is a call in that build.
        if matches!(h.get(i), Some(&c) if c == first)
            && matches!(h.get(i..i + n.len()), Some(w) if w == n)
        {
            return true;
        }
        i += 1;
    }
    false
}

/// `s.split_once(b)` for an ASCII byte, as a byte scan (no searcher; see [`has_any_byte`]).
#[inline(always)]
pub fn split_once_byte(s: &str, b: u8) -> Option<(&str, &str)> {
    let i = s.as_bytes().iter().position(|&x| x == b)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// The part of `s` before the first `b` (all of `s` without one): `s.split(b).next()`.
#[inline(always)]
pub fn before_byte(s: &str, b: u8) -> &str {
    split_once_byte(s, b).map_or(s, |(head, _)| head)
}

/// Path equality under the host's case rules (case-insensitive on macOS).
pub fn same_path(a: &str, b: &str, os: Os) -> bool {
    match os {
        Os::Macos => a.eq_ignore_ascii_case(b),
        Os::Linux => a == b,
    }
}

/// Whether `path` is `dir` itself or inside it.
pub fn is_within(path: &str, dir: &str, os: Os) -> bool {
    let d = dir.trim_end_matches('/');
    if d.is_empty() {
        return true;
    }
    if same_path(path, d, os) {
        return true;
    }
    match path.get(..d.len()) {
        Some(prefix) => {
            same_path(prefix, d, os) && matches!(path.as_bytes().get(d.len()), Some(&b'/'))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> EvalContext {
        EvalContext {
            home: "/home/u".into(),
            cwd: "/home/u/ws".into(),
            ..EvalContext::default()
        }
    }

    #[test]
    fn basename_of_paths() {
        assert_eq!(basename("/usr/bin/rm"), "rm");
        assert_eq!(basename("rm"), "rm");
        assert_eq!(basename("dir/"), "");
        assert_eq!(basename(""), "");
    }

    #[test]
    fn byte_helpers_match_the_str_methods() {
        for s in ["", "a", "a=b", "=b", "a=", "a=b=c", "é=ü;x", "no-sep"] {
            assert_eq!(split_once_byte(s, b'='), s.split_once('='), "{s:?}");
            assert_eq!(
                before_byte(s, b';'),
                s.split(';').next().unwrap_or(s),
                "{s:?}"
            );
            assert_eq!(has_any_byte(s, b"=;"), s.contains(['=', ';']), "{s:?}");
            for n in ["", "=", "a=", "=b=", "ü;", "no-sep", "no-sep-longer"] {
                assert_eq!(has_substr(s, n), s.contains(n), "{s:?} {n:?}");
            }
        }
    }

    #[test]
    fn resolves_home_relative_and_dots() {
        assert_eq!(resolve("~", &ctx()), "/home/u");
        assert_eq!(resolve("~/", &ctx()), "/home/u");
        assert_eq!(resolve("./build", &ctx()), "/home/u/ws/build");
        assert_eq!(resolve("..", &ctx()), "/home/u");
        assert_eq!(
            resolve("/proc/self/../self/environ", &ctx()),
            "/proc/self/environ"
        );
        assert_eq!(resolve("../../..", &ctx()), "/");
        assert_eq!(resolve("//usr//", &ctx()), "/usr");
    }

    /// The one-buffer normalisation against the segment-list definition it replaced.
    #[test]
    fn normalize_matches_the_segment_list_definition() {
        let plain = |path: &str| {
            let mut parts: Vec<&str> = Vec::new();
            for seg in path.split('/') {
                match seg {
                    "" | "." => {}
                    ".." => {
                        parts.pop();
                    }
                    s => parts.push(s),
                }
            }
            format!("/{}", parts.join("/"))
        };
        let plain_resolve = |value: &str, ctx: &EvalContext| {
            let expanded = if value == "~" {
                ctx.home.clone()
            } else if let Some(rest) = value.strip_prefix("~/") {
                format!("{}/{rest}", ctx.home.trim_end_matches('/'))
            } else {
                value.to_string()
            };
            if expanded.starts_with('/') {
                plain(&expanded)
            } else {
                let base = if ctx.cwd.is_empty() { "/" } else { &ctx.cwd };
                plain(&format!("{base}/{expanded}"))
            }
        };
        let values = [
            "",
            "/",
            "//",
            ".",
            "..",
            "~",
            "~/",
            "~/.",
            "~/..",
            "~/../..",
            "~x",
            "~/a/../b",
            "a",
            "a/",
            "./a",
            "../a",
            "../../../..",
            "/a/./b//c/",
            "/a/../../b",
            "a/..",
            "é/ü/..",
            "/proc/self/../self/environ",
            "x/../../y/.",
        ];
        let dirs = [
            "", "/", "//", "/home/u", "/home/u/", "home", "rel/dir", "..", "/a/../b",
        ];
        for v in values {
            assert_eq!(normalize(v), plain(v), "{v:?}");
            for home in dirs {
                for cwd in dirs {
                    let cx = EvalContext {
                        home: home.into(),
                        cwd: cwd.into(),
                        ..EvalContext::default()
                    };
                    assert_eq!(
                        resolve(v, &cx),
                        plain_resolve(v, &cx),
                        "{v:?} {home:?} {cwd:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn within_respects_boundaries_and_case() {
        assert!(is_within("/home/u/ws/x", "/home/u/ws", Os::Linux));
        assert!(!is_within("/home/u/wsx", "/home/u/ws", Os::Linux));
        assert!(is_within("/Users/U/x", "/users/u", Os::Macos));
        assert!(!is_within("/Users/U/x", "/users/u", Os::Linux));
    }
}
