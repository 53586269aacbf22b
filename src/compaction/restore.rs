//! Post-compaction restoration (P1-R18): recently read files and invoked skills are read
//! again through the Host and handed to the model once after a successful compaction.

use crate::host::Host;
use crate::tokens::estimate_text;
use serde::{Deserialize, Serialize};

/// Recently read files re-attached after compaction (only the tests use the constant).
#[cfg(test)]
pub const POST_COMPACT_MAX_FILES: usize = 5;
/// Cap per re-attached file, in tokens.
pub const POST_COMPACT_TOKENS_PER_FILE: u64 = 5_000;
/// Total cap of re-attached files.
pub const POST_COMPACT_FILE_BUDGET: u64 = 50_000;
/// Cap per re-attached skill.
pub const POST_COMPACT_TOKENS_PER_SKILL: u64 = 5_000;
/// Total cap of re-attached skills.
pub const POST_COMPACT_SKILL_BUDGET: u64 = 25_000;
/// Records kept per session.
pub const MAX_READ_RECORDS: usize = 50;

/// Files OpenClaw loads into every prompt itself: re-attaching them would duplicate them.
const BOOTSTRAP_FILES: [&str; 8] = [
    "MEMORY.md",
    "USER.md",
    "AGENTS.md",
    "SOUL.md",
    "TOOLS.md",
    "IDENTITY.md",
    "HEARTBEAT.md",
    "BOOTSTRAP.md",
];

/// One `read` tool call of the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadFileRecord {
    /// Absolute path.
    pub path: String,
    /// When (ms).
    pub read_at: i64,
}

/// Adds a read to a session's records: newest last, one entry per path, at most
/// [`MAX_READ_RECORDS`].
pub fn note_read(records: &mut Vec<ReadFileRecord>, path: &str, at: i64) {
    records.retain(|r| r.path != path);
    records.push(ReadFileRecord {
        path: path.to_string(),
        read_at: at,
    });
    if records.len() > MAX_READ_RECORDS {
        let drop = records.len() - MAX_READ_RECORDS;
        records.drain(..drop);
    }
}

/// Whether a read path is a skill file (`…/SKILL.md`): those are the skills the agent used.
pub fn is_skill(path: &str) -> bool {
    path.rsplit('/').next() == Some("SKILL.md")
}

fn excluded(path: &str, state_dirs: &[&str]) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    BOOTSTRAP_FILES.contains(&name)
        || state_dirs
            .iter()
            .any(|d| !d.is_empty() && (path == *d || path.starts_with(&format!("{d}/"))))
}

/// Cuts `text` to at most `tokens` estimated tokens on a char boundary, with the marker.
fn clip_tokens(text: &str, tokens: u64) -> String {
    if estimate_text(text) <= tokens {
        return text.to_string();
    }
    let max_bytes = usize::try_from(tokens.saturating_mul(4)).unwrap_or(usize::MAX);
    let marker_room = 64;
    let mut end = max_bytes.saturating_sub(marker_room).min(text.len());
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = text.get(..end).unwrap_or("");
    let omitted = text.chars().count() - head.chars().count();
    format!("{head}\n{}", super::cap::truncation_marker(omitted))
}

/// The restoration block, or `None` when nothing could be attached. `max_files` is the
/// configured cap (at most `POST_COMPACT_MAX_FILES` by default).
pub fn build(
    host: &dyn Host,
    records: &[ReadFileRecord],
    max_files: usize,
    state_dirs: &[&str],
) -> Option<String> {
    let mut newest: Vec<&ReadFileRecord> = records.iter().collect();
    crate::sorted::sort_by_key(&mut newest, |r| std::cmp::Reverse(r.read_at));
    let mut files = Vec::new();
    let mut used = 0u64;
    for r in newest
        .iter()
        .filter(|r| !is_skill(&r.path) && !excluded(&r.path, state_dirs))
    {
        if files.len() >= max_files {
            break;
        }
        let Ok(bytes) = host.fs_read(&r.path, 4 * 1024 * 1024) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let body = clip_tokens(&text, POST_COMPACT_TOKENS_PER_FILE);
        let cost = estimate_text(&body);
        if used + cost > POST_COMPACT_FILE_BUDGET {
            continue;
        }
        used += cost;
        files.push(format!("### {}\n```\n{body}\n```\n", r.path));
    }
    let mut skills = Vec::new();
    let mut skill_used = 0u64;
    for r in newest.iter().filter(|r| is_skill(&r.path)) {
        let Ok(bytes) = host.fs_read(&r.path, 1024 * 1024) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let body = clip_tokens(&text, POST_COMPACT_TOKENS_PER_SKILL);
        let cost = estimate_text(&body);
        if skill_used + cost > POST_COMPACT_SKILL_BUDGET {
            continue;
        }
        skill_used += cost;
        skills.push(format!("### {}\n{body}\n", r.path));
    }
    if files.is_empty() && skills.is_empty() {
        return None;
    }
    let mut out = String::from("## Context restored by agent-ops after compaction\nThe conversation was summarised. These are the current contents of files read recently (and skills in use); they were read again just now.\n\n");
    for f in files {
        out.push_str(&f);
    }
    if !skills.is_empty() {
        out.push_str("\n### Skills in use\n");
        for s in skills {
            out.push_str(&s);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::HostDirs;
    use crate::host::MemoryHost;

    #[test]
    fn p1_t13_seven_large_files_give_five_capped_files() {
        let host = MemoryHost::new(HostDirs::default(), 0);
        let mut recs = Vec::new();
        for i in 0..7 {
            let p = format!("/w/f{i}.txt");
            host.put_file(&p, "word ".repeat(16_000).as_bytes());
            note_read(&mut recs, &p, i);
        }
        let block = build(&host, &recs, POST_COMPACT_MAX_FILES, &[]).unwrap();
        assert_eq!(block.matches("### /w/f").count(), 5);
        assert!(block.contains("/w/f6.txt") && !block.contains("/w/f1.txt"));
        assert!(block.contains("characters omitted by agent-ops"));
        assert!(estimate_text(&block) <= POST_COMPACT_FILE_BUDGET + 200);
    }

    #[test]
    fn bootstrap_state_and_missing_files_are_skipped() {
        let host = MemoryHost::new(HostDirs::default(), 0);
        host.put_file("/w/MEMORY.md", b"m");
        host.put_file("/s/agent-ops/x.json", b"s");
        host.put_file("/w/skills/a/SKILL.md", b"skill body");
        let mut recs = Vec::new();
        note_read(&mut recs, "/w/MEMORY.md", 1);
        note_read(&mut recs, "/s/agent-ops/x.json", 2);
        note_read(&mut recs, "/w/gone.txt", 3);
        assert!(build(&host, &recs, 5, &["/s"]).is_none());
        note_read(&mut recs, "/w/skills/a/SKILL.md", 4);
        let b = build(&host, &recs, 5, &["/s"]).unwrap();
        assert!(b.contains("Skills in use") && b.contains("skill body"));
    }
}
