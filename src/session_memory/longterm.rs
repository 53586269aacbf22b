//! Long-term extraction (P3 §6): the job prompt (P3-R10) and applying validated operations
//! to the scoped memory directory with the `MEMORY.md` index (P3-R12). Every write is
//! full-content and `append` is marker-guarded, so replaying a job changes nothing.

use super::rules::Operation;
use crate::host::{join_path, EntryKind, Host, HostError};
use crate::memdir::{parse_frontmatter, ENTRYPOINT_NAME};

/// Purpose marker of an extraction prompt (P3-R15, G-R7a).
pub const EXTRACT_MARKER: &str = "agent-ops:job=memory_extract";
/// Lines of the existing-memory manifest in the prompt.
pub const MANIFEST_MAX_LINES: usize = 200;
/// Longest `MEMORY.md` index line written.
pub const INDEX_LINE_MAX_CHARS: usize = 150;
/// Bytes read from the head of a memory file for its frontmatter.
const HEAD_BYTES: u64 = 16 * 1024;
/// Largest `MEMORY.md` read.
const INDEX_MAX_BYTES: u64 = 1024 * 1024;

fn head(host: &dyn Host, path: &str) -> Option<String> {
    let st = host.fs_stat(path).ok()?;
    if st.kind != EntryKind::File {
        return None;
    }
    if st.size > HEAD_BYTES {
        // Only the frontmatter matters; a large body is not read whole.
        return Some(String::new());
    }
    let b = host.fs_read(path, HEAD_BYTES).ok()?;
    Some(String::from_utf8_lossy(&b).into_owned())
}

/// Existing memory files (relative path, name, description), at most two levels deep.
pub fn manifest(host: &dyn Host, mem_dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![(mem_dir.trim_end_matches('/').to_string(), String::new(), 0)];
    while let Some((dir, rel, depth)) = dirs.pop() {
        let Ok(list) = host.fs_list(&dir, 500) else {
            continue;
        };
        let mut entries = list.entries;
        crate::sorted::sort_by(&mut entries, |a, b| a.name.cmp(&b.name));
        for e in entries {
            if out.len() >= MANIFEST_MAX_LINES {
                return out;
            }
            if e.name.starts_with('.') {
                continue;
            }
            let r = if rel.is_empty() {
                e.name.clone()
            } else {
                format!("{rel}/{}", e.name)
            };
            match e.kind {
                EntryKind::Dir if depth < 2 => dirs.push((join_path(&dir, &e.name), r, depth + 1)),
                EntryKind::File if e.name.ends_with(".md") && e.name != ENTRYPOINT_NAME => {
                    let h = head(host, &join_path(&dir, &e.name)).unwrap_or_default();
                    let (name, desc, kind) = parse_frontmatter(&h);
                    out.push(format!(
                        "- {r} [{}] {}: {}",
                        kind.unwrap_or_else(|| "?".into()),
                        name.unwrap_or_default(),
                        desc.unwrap_or_default()
                    ));
                }
                _ => {}
            }
        }
    }
    out
}

/// The system prompt and user prompt of an extraction job.
pub fn prompt(
    scope: &str,
    scope_note: &str,
    manifest: &[String],
    transcript: &str,
    max_ops: usize,
) -> (String, String) {
    let system = format!(
        "{EXTRACT_MARKER}\nYou extract durable memories from an AI agent's conversation. You never call tools. \
Answer with exactly one JSON object and nothing else."
    );
    let mut u = String::new();
    u.push_str(EXTRACT_MARKER);
    u.push_str(&format!(
        "\n\nMemory scope: {scope}. {scope_note}\n\nFrom the conversation below, keep only facts that will still matter in future sessions: \
the user's preferences and role (type user), feedback on how to work (type feedback), facts about the project (type project), \
and pointers to external resources (type reference). Skip anything temporary, already in memory, or derivable from the code.\n\n\
Answer with {{\"operations\": [{{\"op\": \"create\"|\"update\"|\"append\"|\"delete\", \"file\": \"<relative path>.md\", \
\"type\": \"user\"|\"feedback\"|\"project\"|\"reference\", \"name\": \"…\", \"description\": \"…\", \"body\": \"…\"}}]}}. \
At most {max_ops} operations; `file` is relative, at most two directories deep, and never MEMORY.md. \
Answer {{\"operations\": []}} when nothing is worth keeping.\n\n<existing_memories>\n"
    ));
    for l in manifest {
        u.push_str(l);
        u.push('\n');
    }
    u.push_str("</existing_memories>\n\n<conversation>\n");
    u.push_str(transcript);
    u.push_str("\n</conversation>\n");
    (system, u)
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ").trim().to_string()
}

fn render_file(op: &Operation, previous: Option<&str>) -> String {
    let (pname, pdesc, ptype) = previous
        .map(parse_frontmatter)
        .unwrap_or((None, None, None));
    let name = op
        .name
        .clone()
        .or(pname)
        .unwrap_or_else(|| op.file.trim_end_matches(".md").to_string());
    let desc = op.description.clone().or(pdesc).unwrap_or_default();
    let kind = op
        .kind
        .clone()
        .or(ptype)
        .unwrap_or_else(|| "project".into());
    format!(
        "---\nname: {}\ndescription: {}\ntype: {}\n---\n{}\n",
        one_line(&name),
        one_line(&desc),
        kind,
        op.body.as_deref().unwrap_or("").trim_end()
    )
}

/// What applying a job changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Files written (relative).
    pub written: Vec<String>,
    /// Files deleted (relative).
    pub deleted: Vec<String>,
    /// Appends skipped because the job's marker was already there (replay).
    pub already: Vec<String>,
    /// Appends skipped because the file is over [`MEMORY_FILE_MAX_BYTES`].
    pub full: Vec<String>,
}

/// The largest memory file an `append` still extends (four maximal bodies).
pub const MEMORY_FILE_MAX_BYTES: u64 = 4 * super::rules::LT_MAX_BODY_BYTES as u64;

/// Why a write below a memory directory was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyError {
    /// P5-R8a: a component from the trusted base down to a file is a symlink (or a
    /// non-directory where a directory belongs): the write could land anywhere.
    Symlink(String),
    /// The host failed.
    Host(HostError),
}

impl std::fmt::Display for ApplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApplyError::Symlink(p) => write!(f, "scope.path.symlink: {p} is a symlink or not a directory; the memory write was refused"),
            ApplyError::Host(e) => write!(f, "memory.lt.write_failed: {e}"),
        }
    }
}

impl From<HostError> for ApplyError {
    fn from(e: HostError) -> Self {
        ApplyError::Host(e)
    }
}

/// P5-R8a: every component from `base` down to `path` must be a real directory (the last
/// one a regular file or missing); `lstat` never follows a link. A path outside `base` is
/// checked from its own parent directory down, never trusted blindly.
pub fn check_no_symlink(host: &dyn Host, base: &str, path: &str) -> Result<(), ApplyError> {
    use crate::host::EntryKind;
    let base = base.trim_end_matches('/');
    let (start, rest) = match path.strip_prefix(&format!("{base}/")) {
        Some(rest) if !base.is_empty() => (base.to_string(), rest),
        _ => {
            // No trusted base for this path (a job journaled before the base was recorded):
            // the memory directory's own components from its agent-memory root down.
            let cut = path
                .find("/agent-memory/")
                .map_or(0, |i| i + "/agent-memory".len());
            (
                path.get(..cut).unwrap_or("").to_string(),
                path.get(cut..).unwrap_or("").trim_start_matches('/'),
            )
        }
    };
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    let mut cur = start;
    for (i, part) in parts.iter().enumerate() {
        cur = format!("{cur}/{part}");
        let last = i + 1 == parts.len();
        match host.fs_stat(&cur) {
            Ok(st) if st.kind == EntryKind::Symlink => return Err(ApplyError::Symlink(cur)),
            Ok(st) if !last && st.kind != EntryKind::Dir => return Err(ApplyError::Symlink(cur)),
            Ok(st) if last && !matches!(st.kind, EntryKind::File) => {
                return Err(ApplyError::Symlink(cur))
            }
            Ok(_) => {}
            Err(HostError::NotFound) => return Ok(()),
            Err(e) => return Err(ApplyError::Host(e)),
        }
    }
    Ok(())
}

/// P3-R12: applies validated operations; then rewrites `MEMORY.md`. Any host failure fails
/// the attempt (it is retried; completed writes are idempotent). Every file is checked for
/// symlinks from `trusted_base` down before it is read or written (P5-R8a).
pub fn apply(
    host: &dyn Host,
    trusted_base: &str,
    mem_dir: &str,
    job_id: &str,
    ops: &[Operation],
) -> Result<Applied, ApplyError> {
    for op in ops {
        check_no_symlink(host, trusted_base, &join_path(mem_dir, &op.file))?;
    }
    check_no_symlink(host, trusted_base, &join_path(mem_dir, ENTRYPOINT_NAME))?;
    let mut a = Applied::default();
    let mut index_updates: Vec<(String, Option<(String, String)>)> = Vec::new();
    for op in ops {
        let path = join_path(mem_dir, &op.file);
        let previous = match host.fs_read(&path, MEMORY_FILE_MAX_BYTES) {
            Ok(b) => Some(String::from_utf8_lossy(&b).into_owned()),
            Err(HostError::NotFound) => None,
            // A file that grew past the cap takes no more appends: failing the job instead
            // would retry it into the dead letter and lose the job's other operations.
            Err(HostError::TooLarge) if op.op == "append" => {
                a.full.push(op.file.clone());
                continue;
            }
            // Replaced or deleted whole: what it held does not matter.
            Err(HostError::TooLarge) => None,
            Err(e) => return Err(e.into()),
        };
        match op.op.as_str() {
            "delete" => {
                host.fs_remove(&path)?;
                a.deleted.push(op.file.clone());
                index_updates.push((op.file.clone(), None));
            }
            "append" if previous.is_some() => {
                let prev = previous.unwrap_or_default();
                let marker = format!("<!-- agent-ops:job={job_id} -->");
                if prev.contains(&marker) {
                    a.already.push(op.file.clone());
                    continue;
                }
                let text = format!(
                    "{}\n\n{marker}\n{}\n",
                    prev.trim_end(),
                    op.body.as_deref().unwrap_or("").trim_end()
                );
                host.fs_write_atomic(&path, text.as_bytes(), 0o600)?;
                let (n, d, _) = parse_frontmatter(&prev);
                a.written.push(op.file.clone());
                index_updates.push((
                    op.file.clone(),
                    Some((n.unwrap_or_default(), d.unwrap_or_default())),
                ));
            }
            _ => {
                // create, update, and an append to a missing file (which creates it)
                let text = if op.op == "append" {
                    let marked = Operation {
                        body: Some(format!(
                            "<!-- agent-ops:job={job_id} -->\n{}",
                            op.body.as_deref().unwrap_or("")
                        )),
                        ..op.clone()
                    };
                    render_file(&marked, None)
                } else {
                    render_file(op, previous.as_deref())
                };
                host.fs_write_atomic(&path, text.as_bytes(), 0o600)?;
                let (n, d, _) = parse_frontmatter(&text);
                a.written.push(op.file.clone());
                index_updates.push((
                    op.file.clone(),
                    Some((n.unwrap_or_default(), d.unwrap_or_default())),
                ));
            }
        }
    }
    let index_path = join_path(mem_dir, ENTRYPOINT_NAME);
    let old = match host.fs_read(&index_path, INDEX_MAX_BYTES) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(HostError::NotFound) => String::new(),
        Err(e) => return Err(e.into()),
    };
    let new = rewrite_index(&old, &index_updates);
    if new != old {
        host.fs_write_atomic(&index_path, new.as_bytes(), 0o600)?;
    }
    Ok(a)
}

/// The file an index line links to: `- [name](file) — …`.
fn linked_file(line: &str) -> Option<&str> {
    let start = line.find("](")? + 2;
    let rest = line.get(start..)?;
    let end = rest.find(')')?;
    rest.get(..end)
}

/// One index line, at most [`INDEX_LINE_MAX_CHARS`] characters.
pub fn index_line(file: &str, name: &str, description: &str) -> String {
    let name = if name.trim().is_empty() {
        file
    } else {
        name.trim()
    };
    let line = if description.trim().is_empty() {
        format!("- [{}]({file})", one_line(name))
    } else {
        format!("- [{}]({file}) — {}", one_line(name), one_line(description))
    };
    if line.chars().count() <= INDEX_LINE_MAX_CHARS {
        line
    } else {
        let mut s: String = line.chars().take(INDEX_LINE_MAX_CHARS - 1).collect();
        s.push('…');
        s
    }
}

/// P3-R12 index rule: lines for untouched files stay in place, lines for deleted files go,
/// lines for new files are appended. A line for an updated file that is already listed stays.
pub fn rewrite_index(old: &str, updates: &[(String, Option<(String, String)>)]) -> String {
    let mut lines: Vec<String> = old.lines().map(str::to_string).collect();
    for (file, entry) in updates {
        let pos = lines
            .iter()
            .position(|l| linked_file(l) == Some(file.as_str()));
        match (entry, pos) {
            (None, Some(p)) => {
                lines.remove(p);
            }
            (Some((n, d)), None) => lines.push(index_line(file, n, d)),
            _ => {}
        }
    }
    let mut s = lines.join("\n");
    if !s.is_empty() {
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{HostDirs, MemoryHost};
    use crate::session_memory::rules::validate_ops;

    const DIR: &str = "/m/agent-memory/main";

    #[test]
    fn p3_t13_only_the_valid_file_is_applied_and_the_index_line_is_short() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        let long = "d".repeat(290);
        let out = format!(
            r#"{{"operations": [
            {{"op":"create","file":"../a.md","type":"user","name":"a","description":"x","body":"b"}},
            {{"op":"create","file":"/etc/a.md","type":"user","name":"a","description":"x","body":"b"}},
            {{"op":"create","file":"MEMORY.md","type":"user","name":"a","description":"x","body":"b"}},
            {{"op":"create","file":"a.txt","type":"user","name":"a","description":"x","body":"b"}},
            {{"op":"create","file":"topics/ok.md","type":"project","name":"Deploy","description":"{long}","body":"tag then build"}}
        ]}}"#
        );
        let (ops, skipped) = validate_ops(&out).unwrap();
        assert_eq!(ops.len(), 1);
        assert_eq!(skipped.len(), 4);
        let a = apply(&h, "/m", DIR, "lt-1", &ops).unwrap();
        assert_eq!(a.written, vec!["topics/ok.md".to_string()]);
        let idx = h.file_text(&format!("{DIR}/MEMORY.md")).unwrap();
        assert_eq!(idx.lines().count(), 1);
        assert!(idx.lines().all(|l| l.chars().count() <= 150));
        assert!(idx.starts_with("- [Deploy](topics/ok.md) — ddd"));
        let f = h.file_text(&format!("{DIR}/topics/ok.md")).unwrap();
        assert!(f.starts_with("---\nname: Deploy\n"));
        assert!(f.ends_with("---\ntag then build\n"));
    }

    #[test]
    fn p3_t15_replay_is_byte_identical_and_append_is_not_duplicated() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        h.put_file(
            &format!("{DIR}/MEMORY.md"),
            b"# Index\n- [Old](old.md) \xe2\x80\x94 kept\n- [Gone](gone.md) \xe2\x80\x94 removed\n",
        );
        h.put_file(
            &format!("{DIR}/prefs.md"),
            b"---\nname: Prefs\ndescription: user prefs\ntype: user\n---\nlikes tabs\n",
        );
        h.put_file(&format!("{DIR}/gone.md"), b"x");
        let out = r#"{"operations": [
            {"op":"append","file":"prefs.md","body":"prefers short answers"},
            {"op":"delete","file":"gone.md"},
            {"op":"create","file":"new.md","type":"feedback","name":"New","description":"fresh","body":"b"}
        ]}"#;
        let (ops, _) = validate_ops(out).unwrap();
        apply(&h, "/m", DIR, "lt-7", &ops).unwrap();
        let snap: Vec<(String, Option<String>)> = h
            .paths()
            .into_iter()
            .map(|p| (p.clone(), h.file_text(&p)))
            .collect();
        let again = apply(&h, "/m", DIR, "lt-7", &ops).unwrap();
        assert_eq!(again.already, vec!["prefs.md".to_string()]);
        let snap2: Vec<(String, Option<String>)> = h
            .paths()
            .into_iter()
            .map(|p| (p.clone(), h.file_text(&p)))
            .collect();
        assert_eq!(snap, snap2);
        let prefs = h.file_text(&format!("{DIR}/prefs.md")).unwrap();
        assert_eq!(prefs.matches("prefers short answers").count(), 1);
        let idx = h.file_text(&format!("{DIR}/MEMORY.md")).unwrap();
        // prefs.md was not listed: touching it adds its line.
        assert_eq!(idx, "# Index\n- [Old](old.md) — kept\n- [Prefs](prefs.md) — user prefs\n- [New](new.md) — fresh\n");
    }

    #[test]
    fn append_to_a_missing_file_creates_it_with_the_marker() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        let (ops, _) = validate_ops(r#"{"operations":[{"op":"append","file":"n.md","type":"user","name":"N","description":"d","body":"one"}]}"#).unwrap();
        apply(&h, "/m", DIR, "lt-9", &ops).unwrap();
        apply(&h, "/m", DIR, "lt-9", &ops).unwrap();
        let t = h.file_text(&format!("{DIR}/n.md")).unwrap();
        assert_eq!(t.matches("one").count(), 1, "{t}");
        assert!(t.contains("<!-- agent-ops:job=lt-9 -->"));
    }

    #[test]
    fn manifest_lists_memory_files_with_frontmatter() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        h.put_file(&format!("{DIR}/MEMORY.md"), b"- x");
        h.put_file(
            &format!("{DIR}/a.md"),
            b"---\nname: A\ndescription: first\ntype: user\n---\nbody",
        );
        h.put_file(
            &format!("{DIR}/t/b.md"),
            b"---\nname: B\ndescription: second\ntype: project\n---\n",
        );
        let m = manifest(&h, DIR);
        assert_eq!(
            m,
            vec![
                "- a.md [user] A: first".to_string(),
                "- t/b.md [project] B: second".to_string()
            ]
        );
    }

    #[test]
    fn an_append_to_a_full_file_is_skipped_and_the_rest_applies() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        let big = format!(
            "---\nname: Log\ndescription: d\ntype: project\n---\n{}",
            "x".repeat(70_000)
        );
        h.put_file(&format!("{DIR}/log.md"), big.as_bytes());
        let (ops, _) = validate_ops(
            r#"{"operations": [
            {"op":"append","file":"log.md","type":"project","name":"Log","description":"d","body":"one more"},
            {"op":"create","file":"new.md","type":"project","name":"New","description":"d","body":"fresh"}
        ]}"#,
        )
        .unwrap();
        let a = apply(&h, "/m", DIR, "lt-f", &ops).unwrap();
        assert_eq!(a.full, vec!["log.md".to_string()]);
        assert_eq!(a.written, vec!["new.md".to_string()]);
        assert_eq!(h.file_text(&format!("{DIR}/log.md")).unwrap(), big);
    }
}
