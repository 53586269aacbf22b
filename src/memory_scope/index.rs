//! `MEMORY.md` truncation (P5-R12), memory-file headers and the manifest (P5-R13, R14),
//! and freshness caveats (P5-R15). Pure: the caller lists and reads the files.

pub use crate::calendar::iso_utc;
pub use crate::memdir::parse_frontmatter;
use serde::{Deserialize, Serialize};

/// Index lines injected (only the tests use the constant).
#[cfg(test)]
pub const MAX_ENTRYPOINT_LINES: usize = 200;
/// Index bytes injected (only the tests use the constant).
#[cfg(test)]
pub const MAX_ENTRYPOINT_BYTES: usize = 25_000;
/// Memories this many days old carry a caveat.
pub const STALE_AFTER_DAYS: i64 = 1;

/// The index as injected, and which cap fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entrypoint {
    /// Text to inject.
    pub text: String,
    /// `lines`, `bytes`, or none.
    pub capped: Option<&'static str>,
}

/// P5-R12: trim; first `max_lines` lines; then cut at the last newline before `max_bytes`;
/// a notice line names the cap that fired.
pub fn truncate_entrypoint(raw: &str, max_lines: usize, max_bytes: usize) -> Entrypoint {
    let trimmed = raw.trim();
    let mut capped = None;
    let lines: Vec<&str> = trimmed.lines().collect();
    let mut text = if lines.len() > max_lines {
        capped = Some("lines");
        lines
            .iter()
            .take(max_lines)
            .copied()
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        trimmed.to_string()
    };
    if text.len() > max_bytes {
        let mut end = max_bytes;
        while end > 0 && !text.is_char_boundary(end) {
            end -= 1;
        }
        let cut = text.get(..end).and_then(|h| h.rfind('\n')).unwrap_or(end);
        text.truncate(cut);
        capped = Some("bytes");
    }
    if let Some(which) = capped {
        let limit = if which == "lines" {
            format!("{max_lines} lines")
        } else {
            format!("{max_bytes} bytes")
        };
        text.push_str(&format!(
            "\n[agent-ops: MEMORY.md was cut at {limit} ({which} cap); keep index entries to one line under about 150 characters and put detail in topic files]"
        ));
    }
    Entrypoint { text, capped }
}

/// One memory file as a scan sees it (P5-R14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    /// Path relative to the memory directory, `/` separators.
    pub filename: String,
    /// Absolute path.
    pub file_path: String,
    /// Modification time (ms).
    pub mtime_ms: i64,
    /// Frontmatter `name`.
    pub name: Option<String>,
    /// Frontmatter `description`.
    pub description: Option<String>,
    /// Frontmatter `type`, only one of [`crate::memdir::MEMORY_TYPES`].
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// Newest first, ties by path; at most `max`.
pub fn sort_and_cap(headers: &mut Vec<Header>, max: usize) {
    crate::sorted::sort_by(headers, |a, b| {
        b.mtime_ms
            .cmp(&a.mtime_ms)
            .then_with(|| a.filename.cmp(&b.filename))
    });
    headers.truncate(max);
}

/// P5-R14 manifest line.
pub fn manifest_line(h: &Header) -> String {
    let mut s = String::from("- ");
    if let Some(k) = &h.kind {
        s.push_str(&format!("[{k}] "));
    }
    s.push_str(&format!("{} ({})", h.filename, iso_utc(h.mtime_ms)));
    if let Some(d) = &h.description {
        s.push_str(&format!(": {d}"));
    }
    s
}

/// P5-R15: the staleness caveat, if the memory is at least a day old.
pub fn freshness(mtime_ms: i64, now_ms: i64) -> Option<String> {
    let age_days = now_ms.saturating_sub(mtime_ms).div_euclid(86_400_000);
    (age_days >= STALE_AFTER_DAYS)
        .then(|| format!("({age_days} day(s) old — verify before relying on it)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p5_t14_line_cap() {
        let raw: String = (0..250)
            .map(|i| format!("- [T{i}](t{i}.md) — hook\n"))
            .collect();
        let e = truncate_entrypoint(&raw, MAX_ENTRYPOINT_LINES, MAX_ENTRYPOINT_BYTES);
        assert_eq!(e.capped, Some("lines"));
        assert_eq!(e.text.lines().count(), 201);
        assert!(e.text.lines().last().unwrap().contains("200 lines"));
    }

    #[test]
    fn p5_t15_byte_cap_cuts_at_a_newline() {
        let line = format!("{}\n", "x".repeat(299));
        let raw = line.repeat(150);
        let e = truncate_entrypoint(&raw, MAX_ENTRYPOINT_LINES, MAX_ENTRYPOINT_BYTES);
        assert_eq!(e.capped, Some("bytes"));
        let body: Vec<&str> = e.text.lines().collect();
        assert_eq!(body.len(), 84);
        assert!(body[..83].iter().all(|l| l.len() == 299));
        assert!(body[83].contains("25000 bytes"));
        let small = truncate_entrypoint("  - a\n- b  \n", 200, 25_000);
        assert_eq!((small.text.as_str(), small.capped), ("- a\n- b", None));
    }

    #[test]
    fn p5_t16_headers_sorted_capped_and_manifest_exact() {
        let mut hs: Vec<Header> = (0..260)
            .map(|i| Header {
                filename: format!("f{i:03}.md"),
                file_path: format!("/m/f{i:03}.md"),
                mtime_ms: i64::from(i) * 1000,
                name: None,
                description: None,
                kind: None,
            })
            .collect();
        sort_and_cap(&mut hs, 200);
        assert_eq!(hs.len(), 200);
        assert_eq!(hs[0].filename, "f259.md");
        let (name, description, kind) = parse_frontmatter(
            "---\nname: Deploy\ndescription: \"deploy script steps\"\ntype: project\n---\nbody",
        );
        let h = Header {
            filename: "ops/deploy.md".into(),
            file_path: "/m/ops/deploy.md".into(),
            mtime_ms: 1_767_225_600_000,
            name,
            description,
            kind,
        };
        assert_eq!(
            manifest_line(&h),
            "- [project] ops/deploy.md (2026-01-01T00:00:00.000Z): deploy script steps"
        );
        let bare = Header {
            kind: None,
            description: None,
            ..h
        };
        assert_eq!(
            manifest_line(&bare),
            "- ops/deploy.md (2026-01-01T00:00:00.000Z)"
        );
        assert_eq!(
            parse_frontmatter("no frontmatter\nname: x"),
            (None, None, None)
        );
        assert_eq!(parse_frontmatter("---\ntype: secret\n---").2, None);
    }

    #[test]
    fn p5_t17_freshness() {
        let now = 1_767_225_600_000;
        assert_eq!(
            freshness(now - 36 * 3_600_000, now).unwrap(),
            "(1 day(s) old — verify before relying on it)"
        );
        assert!(freshness(now - 3_600_000, now).is_none());
    }
}
