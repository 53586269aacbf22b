//! The files a patch or a recursive copy writes, which the command line does not name
//! (issue 16 item 5, workspace tier).
//!
//! `patch -p1 < x.patch` and `git apply x.patch` write the files named inside the patch;
//! `cp -r SRC .` and `mv SRC .` write whatever the source tree holds. Both can plant
//! `.git/config`, a `*.pth` file, editor settings or a symlink to a secret, which a later
//! allowed command then runs or reads. So the tier needs the names: a patch text the input
//! holds (a heredoc, or a file the same input wrote from a quoted heredoc) is parsed here,
//! and a patch file or a copy source on disk is read through the Host before the evaluation
//! ([`lookup`], the same pattern as `repo_hooks` and `python_shadow`). Anything that cannot
//! be read, is too large, holds a symlink or a binary patch, or does not parse keeps the
//! command out of the tier: it asks.

use super::paths::normalize;
use super::semantic::Model;
use super::EvalContext;
use crate::host::{join_path, EntryKind, Host, HostError};

/// Largest patch file read through the Host.
pub const MAX_PATCH_BYTES: u64 = 4 * 1024 * 1024;
/// Most entries of a copy source tree enumerated (all levels together).
pub const MAX_TREE_ENTRIES: usize = 10_000;
/// Deepest directory level of a copy source tree enumerated.
const MAX_TREE_DEPTH: usize = 64;
/// Most patch files and copy sources looked up for one command line.
const MAX_REQUESTS: usize = 64;
/// Most write targets checked for symlinks for one command line; a target past it stays
/// unknown, which keeps its command out of the tier.
const MAX_TARGETS: usize = 256;

/// What the Host found about one copy or move source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceFact {
    /// Not there: the command copies nothing from it.
    Missing,
    /// A regular file.
    File,
    /// A directory: the relative paths of every entry below it (files and directories),
    /// none of them a symlink or a special file.
    Tree(Vec<String>),
    /// Cannot be vouched for (a symlink, a special file, too many entries, unreadable).
    Unsafe(String),
}

/// What the Host found on disk for one command line, looked up before it is judged.
/// A path absent from these lists was not looked up, which the tier reads as "unknown".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileFacts {
    /// Patch files: the raw file names the patch writes, or why they cannot be known.
    pub patches: Vec<(String, Result<Vec<String>, String>)>,
    /// Copy and move sources.
    pub sources: Vec<(String, SourceFact)>,
    /// The tier's write targets the Host checked, each with whether it is free of symlinks
    /// below its tree's root; `None` when nobody looked (a pure evaluation without a Host,
    /// judged by names only). Once the Host looked, a target missing here is unknown (ask).
    pub write_paths: Option<Vec<(String, bool)>>,
    /// Workspace files that content-emitting commands read and that the Host found to be a
    /// symlink or under one (or could not check): check 23 asks for them. `None` when
    /// nobody looked.
    pub read_links: Option<Vec<String>>,
    /// The top-level modules and packages in the working directory, as the Host listed it
    /// for a `python -m` run of the line (regular files and directories, no links): `python
    /// -m NAME` of one of them runs the project's code. `None` when nobody looked.
    pub local_modules: Option<Vec<String>>,
}

impl FileFacts {
    /// The looked-up names of the patch file at `path`.
    pub fn patch(&self, path: &str) -> Option<&Result<Vec<String>, String>> {
        self.patches.iter().find(|(p, _)| p == path).map(|(_, r)| r)
    }

    /// The looked-up fact about the copy source at `path`.
    pub fn source(&self, path: &str) -> Option<&SourceFact> {
        self.sources.iter().find(|(p, _)| p == path).map(|(_, f)| f)
    }
}

/// Every file name a patch text may write, raw (before `-p` stripping and before the
/// directory is applied); an error says why the patch is not in the tier.
///
/// This does not follow hunks: every line GNU patch or git apply may read as a file name
/// header (`---`, `+++`, `***`, `Index:`, `diff --git`, `rename`/`copy from`/`to`),
/// indented or not (GNU patch skips leading blanks and `X`), is taken, so the list is a
/// superset. Symlink modes, binary patches, ed scripts and normal diffs (GNU patch pipes ed
/// scripts to `ed`), quoted names and a patch that names no file are refused.
pub fn patch_names(text: &str) -> Result<Vec<String>, String> {
    let mut names: Vec<String> = Vec::new();
    let add = |n: &str, names: &mut Vec<String>| -> Result<(), String> {
        let n = n.trim_end_matches(['\r', ' ']);
        if n.starts_with('"') {
            return Err(format!("the patch names a quoted file name ({n})"));
        }
        if !n.is_empty() && n != "/dev/null" && !names.iter().any(|x| x == n) {
            names.push(n.to_string());
        }
        Ok(())
    };
    for raw in text.lines() {
        let l = raw.trim_start_matches([' ', '\t', 'X']);
        if l.starts_with("GIT binary patch") || l.starts_with("Binary files ") {
            return Err("the patch holds a binary patch".into());
        }
        if [
            "new file mode",
            "new mode",
            "old mode",
            "deleted file mode",
            "index ",
        ]
        .iter()
        .any(|k| l.starts_with(k))
            && l.contains("120000")
        {
            return Err("the patch creates or changes a symbolic link".into());
        }
        if is_ed_command(raw) || raw.starts_with("***************") {
            return Err(
                "the patch is not a unified diff (ed script, normal or context diff)".into(),
            );
        }
        if let Some(rest) = l.strip_prefix("diff --git ") {
            let rest = rest.trim_end_matches(['\r', ' ']);
            match rest.split(' ').collect::<Vec<_>>().as_slice() {
                [a, b] => {
                    add(a, &mut names)?;
                    add(b, &mut names)?;
                }
                _ => {
                    // `a/N b/N` with spaces in N: both halves are the same length.
                    let half = rest.len() / 2;
                    match (rest.get(..half), rest.get(half..)) {
                        (Some(a), Some(b)) if rest.len() % 2 == 1 && b.starts_with(' ') => {
                            add(a, &mut names)?;
                            add(&b[1..], &mut names)?;
                        }
                        _ => return Err("the patch has a `diff --git` line it cannot split".into()),
                    }
                }
            }
            continue;
        }
        let header = [
            "--- ",
            "+++ ",
            "*** ",
            "Index: ",
            "rename from ",
            "rename to ",
            "copy from ",
            "copy to ",
        ]
        .iter()
        .find_map(|k| l.strip_prefix(k));
        if let Some(rest) = header {
            // The name ends at a tab (GNU) or, for timestamps written with spaces, at the
            // first space: both readings are kept.
            let tab_cut = rest.split('\t').next().unwrap_or("");
            add(tab_cut, &mut names)?;
            add(tab_cut.split(' ').next().unwrap_or(""), &mut names)?;
        }
    }
    if names.is_empty() {
        return Err("the patch names no file".into());
    }
    Ok(names)
}

/// A normal-diff or ed-script command line: `N[,N](a|c|d)[N[,N]]`.
fn is_ed_command(line: &str) -> bool {
    let b = line.trim_end_matches('\r').as_bytes();
    let digits = |i: &mut usize| {
        let s = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > s
    };
    let range = |i: &mut usize| {
        if !digits(i) {
            return false;
        }
        if b.get(*i) == Some(&b',') {
            *i += 1;
            return digits(i);
        }
        true
    };
    let mut i = 0;
    if !range(&mut i) || !matches!(b.get(i), Some(b'a' | b'c' | b'd')) {
        return false;
    }
    i += 1;
    if i == b.len() {
        return true;
    }
    range(&mut i) && i == b.len()
}

/// The patch files and copy sources of `model` that the Host should look at, as absolute
/// paths (the tier asks for the same paths when it judges).
pub fn requests(model: &Model, ctx: &EvalContext) -> (Vec<String>, Vec<String>) {
    let mut patches = Vec::new();
    let mut sources = Vec::new();
    for c in model.commands.iter().filter(|c| c.fresh_fs) {
        let (p, s) = super::effects::wanted_files(c, ctx);
        patches.extend(p);
        sources.extend(s);
    }
    crate::sorted::sort(&mut patches);
    patches.dedup();
    crate::sorted::sort(&mut sources);
    sources.dedup();
    patches.truncate(MAX_REQUESTS);
    sources.truncate(MAX_REQUESTS);
    (patches, sources)
}

/// Reads the patch files and enumerates the copy sources `command` names, then checks every
/// path the workspace tier would write for symlinks, through the Host.
pub fn lookup(host: &dyn Host, command: &str, ctx: &EvalContext) -> FileFacts {
    let checked_none = FileFacts {
        write_paths: Some(Vec::new()),
        ..FileFacts::default()
    };
    let cfg = super::BashSecurityConfig::default();
    let limits = super::semantic::WalkLimits::from_config(&cfg.limits);
    if command.len() > limits.parse.max_input_bytes {
        return checked_none;
    }
    let parsed = super::parser::parse(command, &limits.parse);
    let model = super::semantic::analyze(&parsed.script, ctx, limits);
    let mut facts = content_facts(host, &model, ctx);
    if model
        .commands
        .iter()
        .any(super::python_shadow::is_python_module_run)
    {
        facts.local_modules = super::python_shadow::local_modules(host, &ctx.cwd);
    }
    // The targets as the tier will see them, with the patch and copy facts in hand (a
    // patch's or a copied tree's landing paths are targets too).
    let mut seen = ctx.clone();
    seen.files = facts.clone();
    let targets = super::effects::write_requests(&model, &seen, &cfg);
    let mut reads = super::checks::secrets::read_requests(&model, ctx);
    crate::sorted::sort(&mut reads);
    reads.dedup();
    let ws = normalize(&ctx.workspace);
    facts.read_links = Some(
        reads
            .into_iter()
            .take(MAX_TARGETS)
            .filter(|(p, glob)| !plain_path(host, p, &ws, *glob, true))
            .map(|(p, _)| p)
            .collect(),
    );
    facts.write_paths = Some(
        targets
            .into_iter()
            .take(MAX_TARGETS)
            .map(|(p, root)| {
                let plain = plain_target(host, &p, &root);
                (p, plain)
            })
            .collect(),
    );
    facts
}

/// Whether writing `path` lands where its name says: no existing component below `root` is
/// a symbolic link or a special file. A missing component ends the walk (what does not
/// exist yet is created as a plain file or directory); a glob in the last component is
/// checked against every entry of its directory; anything the Host cannot answer is not
/// plain.
fn plain_target(host: &dyn Host, path: &str, root: &str) -> bool {
    plain_path(host, path, root, true, false)
}

/// [`plain_target`], with `*`, `?` and `[` read as a glob only when `glob` (a quoted `*`
/// is part of a name); for a `reading` command a glob in a middle component is judged by
/// the directory it starts in.
fn plain_path(host: &dyn Host, path: &str, root: &str, glob: bool, reading: bool) -> bool {
    let Some(rel) = path.strip_prefix(root.trim_end_matches('/')) else {
        return false;
    };
    let segs: Vec<&str> = rel.split('/').filter(|s| !s.is_empty()).collect();
    let mut cur = root.trim_end_matches('/').to_string();
    for (k, seg) in segs.iter().enumerate() {
        let last = k + 1 == segs.len();
        if glob && seg.contains(['*', '?', '[']) {
            // A write needs every level known; a read is judged by the directory the glob
            // starts in (a symlink there may be what it matches).
            if !last && !reading {
                return false;
            }
            return match host.fs_list(&cur, MAX_TREE_ENTRIES as u32) {
                Err(HostError::NotFound) => true,
                Err(_) => false,
                Ok(l) => {
                    !l.truncated
                        && l.entries
                            .iter()
                            .all(|e| matches!(e.kind, EntryKind::File | EntryKind::Dir))
                }
            };
        }
        cur = join_path(&cur, seg);
        match host.fs_stat(&cur) {
            Err(HostError::NotFound) => return true,
            Err(_) => return false,
            Ok(st) => match st.kind {
                EntryKind::Dir => {}
                // A file in the middle makes the write fail; at the end it is the target.
                EntryKind::File => return true,
                EntryKind::Symlink | EntryKind::Other => return false,
            },
        }
    }
    true
}

/// The patch files' names and the copy sources' trees of `model`, through the Host.
fn content_facts(host: &dyn Host, model: &Model, ctx: &EvalContext) -> FileFacts {
    let (patches, sources) = requests(model, ctx);
    FileFacts {
        patches: patches
            .into_iter()
            .map(|p| {
                let fact = match host.fs_read(&p, MAX_PATCH_BYTES) {
                    // No file: the redirection or the tool fails before anything is written.
                    Err(HostError::NotFound) => Ok(Vec::new()),
                    Err(HostError::TooLarge) => Err(format!(
                        "the patch file {p} is over {MAX_PATCH_BYTES} bytes"
                    )),
                    Err(e) => Err(format!("the patch file {p} could not be read ({e})")),
                    Ok(bytes) => match std::str::from_utf8(&bytes) {
                        Ok(t) => patch_names(t),
                        Err(_) => Err(format!("the patch file {p} is not UTF-8 text")),
                    },
                };
                (p, fact)
            })
            .collect(),
        sources: sources
            .into_iter()
            .map(|s| {
                let fact = source_fact(host, &s);
                (s, fact)
            })
            .collect(),
        write_paths: None,
        read_links: None,
        local_modules: None,
    }
}

fn source_fact(host: &dyn Host, path: &str) -> SourceFact {
    match host.fs_stat(path) {
        Err(HostError::NotFound) => SourceFact::Missing,
        Err(e) => SourceFact::Unsafe(format!("{path} could not be read ({e})")),
        Ok(st) => match st.kind {
            EntryKind::File => SourceFact::File,
            EntryKind::Symlink => SourceFact::Unsafe(format!("{path} is a symbolic link")),
            EntryKind::Other => SourceFact::Unsafe(format!("{path} is a special file")),
            EntryKind::Dir => {
                let mut out = Vec::new();
                match walk(host, path, "", 0, &mut out) {
                    Ok(()) => SourceFact::Tree(out),
                    Err(why) => SourceFact::Unsafe(why),
                }
            }
        },
    }
}

fn walk(
    host: &dyn Host,
    root: &str,
    rel: &str,
    depth: usize,
    out: &mut Vec<String>,
) -> Result<(), String> {
    if depth > MAX_TREE_DEPTH {
        return Err(format!("{root} is deeper than {MAX_TREE_DEPTH} levels"));
    }
    let dir = if rel.is_empty() {
        root.to_string()
    } else {
        join_path(root, rel)
    };
    let left = MAX_TREE_ENTRIES.saturating_sub(out.len());
    let max = u32::try_from(left.saturating_add(1)).unwrap_or(u32::MAX);
    let listing = host
        .fs_list(&dir, max)
        .map_err(|e| format!("{dir} could not be listed ({e})"))?;
    if listing.truncated || listing.entries.len() > left {
        return Err(format!("{root} holds more than {MAX_TREE_ENTRIES} entries"));
    }
    for e in listing.entries {
        if e.name.is_empty() || e.name == "." || e.name == ".." || e.name.contains('/') {
            return Err(format!("{dir} lists an odd entry name"));
        }
        let child = if rel.is_empty() {
            e.name.clone()
        } else {
            format!("{rel}/{}", e.name)
        };
        match e.kind {
            EntryKind::File => out.push(child),
            EntryKind::Dir => {
                out.push(child.clone());
                walk(host, root, &child, depth + 1, out)?;
            }
            EntryKind::Symlink => {
                return Err(format!("{} is a symbolic link", join_path(root, &child)))
            }
            EntryKind::Other => {
                return Err(format!("{} is a special file", join_path(root, &child)))
            }
        }
        if out.len() > MAX_TREE_ENTRIES {
            return Err(format!("{root} holds more than {MAX_TREE_ENTRIES} entries"));
        }
    }
    Ok(())
}

/// Every path a relative patch file name may end up writing under `base`: GNU patch strips
/// `-pN` leading components (the base name without `-p`), git apply strips `-p` (1 by
/// default) and, in a subdirectory of a repository, applies only names below it relative
/// to the repository root. Each suffix of the name under `base` covers all of these. `None`
/// when the name holds `..` (both tools refuse it; the tier does not guess).
pub fn name_suffixes(name: &str, base: &str) -> Option<Vec<String>> {
    let segs: Vec<&str> = name
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    if segs.is_empty() || segs.contains(&"..") {
        return None;
    }
    Some(
        (0..segs.len())
            .map(|k| {
                normalize(&format!(
                    "{base}/{}",
                    segs.get(k..).unwrap_or(&[]).join("/")
                ))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{HostDirs, MemoryHost};

    #[test]
    fn unified_and_git_headers_are_all_read() {
        let p = "diff --git a/src/x.py b/src/y.py\nsimilarity index 90%\nrename from src/x.py\nrename to src/y.py\n--- a/src/x.py\t2024-01-01\n+++ b/src/y.py\n@@ -1 +1 @@\n-a\n+b\n";
        let n = patch_names(p).unwrap();
        for want in ["a/src/x.py", "b/src/y.py", "src/x.py", "src/y.py"] {
            assert!(n.iter().any(|x| x == want), "{want} in {n:?}");
        }
        let p = "  --- a/f\n  +++ b/.git/config\n";
        assert!(patch_names(p).unwrap().iter().any(|x| x == "b/.git/config"));
        assert!(patch_names("--- /dev/null\n+++ b/new\n").unwrap() == vec!["b/new"]);
        let p = "diff --git a/my file b/my file\nnew file mode 100644\n";
        assert_eq!(patch_names(p).unwrap(), vec!["a/my file", "b/my file"]);
    }

    #[test]
    fn symlinks_binaries_ed_scripts_and_nameless_patches_are_refused() {
        for p in [
            "diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+/root/.ssh/id_rsa\n",
            "diff --git a/x b/x\nold mode 100644\nnew mode 120000\n",
            "diff --git a/i.png b/i.png\nGIT binary patch\nliteral 3\nabc\n",
            "Binary files a/x and b/x differ\n",
            "1a\n!id\n.\nw\n",
            "3,4c3\n< a\n---\n> b\n",
            "*** a/f\n--- b/f\n***************\n",
            "just some text\n",
            "--- \"a/q\\tx\"\n+++ \"b/q\\tx\"\n",
            "diff --git a/x y b/z\n",
        ] {
            assert!(patch_names(p).is_err(), "{p:?}");
        }
    }

    #[test]
    fn suffixes_cover_every_strip_level() {
        assert_eq!(
            name_suffixes("b/src/.git/config", "/ws").unwrap(),
            vec![
                "/ws/b/src/.git/config",
                "/ws/src/.git/config",
                "/ws/.git/config",
                "/ws/config"
            ]
        );
        assert!(name_suffixes("../../x", "/ws").is_none());
        assert_eq!(name_suffixes("/etc/passwd", "/ws").unwrap().len(), 2);
    }

    #[test]
    fn trees_are_enumerated_and_symlinks_or_unreadable_fail_closed() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        h.fs_write_atomic("/tmp/src/a.py", b"x", 0o644).unwrap();
        h.fs_write_atomic("/tmp/src/pkg/b.py", b"x", 0o644).unwrap();
        match source_fact(&h, "/tmp/src") {
            SourceFact::Tree(mut t) => {
                t.sort();
                assert_eq!(t, vec!["a.py", "pkg", "pkg/b.py"]);
            }
            f => panic!("{f:?}"),
        }
        assert_eq!(source_fact(&h, "/tmp/src/a.py"), SourceFact::File);
        assert_eq!(source_fact(&h, "/tmp/none"), SourceFact::Missing);
        for i in 0..=MAX_TREE_ENTRIES {
            h.fs_write_atomic(&format!("/tmp/big/d/f{i}"), b"", 0o644)
                .unwrap();
        }
        assert!(matches!(source_fact(&h, "/tmp/big"), SourceFact::Unsafe(_)));
    }
}
