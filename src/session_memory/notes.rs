//! The session notes file: parsing by template headers, merging an LLM update (P3-R22),
//! excerpting for consumers (P3-R19) and the deterministic worklog (P3-R18).

use crate::calendar::iso_utc;
use serde::{Deserialize, Serialize};

/// Largest notes update accepted from the LLM.
pub const NOTES_HARD_LIMIT_BYTES: usize = 65_536;
/// Marks a section cut for length.
pub const SECTION_TRUNCATION_MARKER: &str = "[… section truncated for length …]";
/// Fewest known headers an LLM update must keep.
pub const MIN_KNOWN_HEADERS: usize = 3;
/// Lines kept in `# Files and Functions` by the worklog.
pub const FILES_MAX_LINES: usize = 100;
/// Lines kept in `# Worklog`.
pub const WORKLOG_MAX_LINES: usize = 200;
/// Lines kept in `# Errors & Corrections` by the worklog.
pub const ERRORS_MAX_LINES: usize = 50;

/// The section the deterministic worklog owns outright.
pub const WORKLOG_HEADER: &str = "# Worklog";
/// The section the worklog adds paths to.
pub const FILES_HEADER: &str = "# Files and Functions";
/// The section the worklog adds error summaries to.
pub const ERRORS_HEADER: &str = "# Errors & Corrections";

/// A notes template: `(header, description line)` pairs in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Sections in order.
    pub sections: Vec<(String, String)>,
}

impl Template {
    /// The built-in ten-section template (P3-R1).
    pub fn builtin() -> Self {
        Template {
            sections: super::rules::TEMPLATE
                .iter()
                .map(|(h, d)| (h.to_string(), d.to_string()))
                .collect(),
        }
    }

    /// A custom template's sections (validated by `rules::validate_template`).
    pub fn parse(text: &str) -> Result<Self, String> {
        super::rules::validate_template(text)?;
        let lines: Vec<&str> = text.lines().collect();
        let mut sections = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            if l.starts_with("# ") {
                let desc = lines.get(i + 1).map(|d| d.trim()).unwrap_or("");
                sections.push((l.trim_end().to_string(), desc.to_string()));
            }
        }
        Ok(Template { sections })
    }

    /// The empty notes text.
    pub fn render_empty(&self) -> String {
        render(self, &vec![String::new(); self.sections.len()])
    }

    fn index_of(&self, header: &str) -> Option<usize> {
        self.sections
            .iter()
            .position(|(h, _)| h == header.trim_end())
    }
}

/// Section bodies in template order, from a notes text. Unknown headers go to the section
/// before them; description lines are dropped (they are re-added when rendering).
pub fn bodies(t: &Template, text: &str) -> (Vec<String>, usize) {
    let mut out = vec![String::new(); t.sections.len()];
    let mut present = vec![false; t.sections.len()];
    let mut cur: Option<usize> = None;
    let mut expect_desc = false;
    let mut preamble = String::new();
    for line in text.lines() {
        if line.starts_with("# ") {
            if let Some(i) = t.index_of(line) {
                cur = Some(i);
                if let Some(p) = present.get_mut(i) {
                    *p = true;
                }
                expect_desc = true;
                continue;
            }
        }
        if expect_desc {
            expect_desc = false;
            if let Some(i) = cur {
                if t.sections.get(i).is_some_and(|(_, d)| line.trim() == d) {
                    continue;
                }
            }
        }
        match cur {
            Some(i) => {
                if let Some(o) = out.get_mut(i) {
                    o.push_str(line);
                    o.push('\n');
                }
            }
            None => {
                preamble.push_str(line);
                preamble.push('\n');
            }
        }
    }
    // Text before the first known header joins the first section rather than being lost.
    if !preamble.trim().is_empty() {
        if let Some(first) = out.first_mut() {
            *first = format!("{preamble}{first}");
        }
    }
    let known = present.iter().filter(|p| **p).count();
    (
        out.into_iter().map(|b| b.trim().to_string()).collect(),
        known,
    )
}

/// Renders bodies in template order, each header followed by its description line.
pub fn render(t: &Template, bodies: &[String]) -> String {
    let mut s = String::new();
    for (i, (h, d)) in t.sections.iter().enumerate() {
        s.push_str(h);
        s.push('\n');
        s.push_str(d);
        s.push('\n');
        let b = bodies.get(i).map(|b| b.trim()).unwrap_or("");
        if !b.is_empty() {
            s.push_str(b);
            s.push('\n');
        }
        s.push('\n');
    }
    s.trim_end().to_string() + "\n"
}

/// Estimated tokens of a text (`ceil(bytes / 4)`, as phase 1 estimates).
pub fn tokens(text: &str) -> usize {
    text.len().div_ceil(4)
}

/// The outcome of merging an LLM update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Merged {
    /// The new notes text.
    pub text: String,
    /// Sections above the per-section target (the next update must condense them).
    pub oversize: Vec<String>,
    /// Sections cut by the core because a condense request was ignored.
    pub cut: Vec<String>,
    /// The whole file is above the total target.
    pub total_over: bool,
}

/// Cuts a text to about `max_tokens` at a line boundary, with the truncation marker.
pub fn cut_at_line(text: &str, max_tokens: usize) -> String {
    let max = max_tokens.saturating_mul(4);
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max.min(text.len());
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = text.get(..end).unwrap_or("");
    let cut = head.rfind('\n').unwrap_or(0);
    let kept = head.get(..cut).unwrap_or("").trim_end();
    if kept.is_empty() {
        SECTION_TRUNCATION_MARKER.to_string()
    } else {
        format!("{kept}\n{SECTION_TRUNCATION_MARKER}")
    }
}

/// Merge limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Per-section target in tokens.
    pub max_section_tokens: usize,
    /// Whole-file target in tokens.
    pub max_total_tokens: usize,
}

/// P3-R22: merges the LLM's full notes file into the previous notes. Missing sections keep
/// their previous content, description lines are restored, unknown headers join the section
/// before them. `keep` names sections whose previous content always wins (the worklog).
/// `condense` names sections the update was asked to shrink: still oversize, they are cut.
pub fn merge(
    t: &Template,
    previous: &str,
    update: &str,
    limits: Limits,
    keep: &[&str],
    condense: &[String],
) -> Result<Merged, String> {
    if update.len() > NOTES_HARD_LIMIT_BYTES {
        return Err(format!(
            "memory.notes.too_large: the update has {} bytes (limit {NOTES_HARD_LIMIT_BYTES})",
            update.len()
        ));
    }
    let update = strip_fence(update);
    let (new_bodies, known) = bodies(t, update);
    let min_known = MIN_KNOWN_HEADERS.min(t.sections.len());
    if known < min_known {
        return Err(format!(
            "memory.notes.malformed: the update keeps {known} of the template's headers (at least {min_known} required)"
        ));
    }
    let (old_bodies, _) = bodies(t, previous);
    let present = present_headers(t, update);
    let mut merged = Vec::with_capacity(t.sections.len());
    let mut oversize = Vec::new();
    let mut cut = Vec::new();
    for (i, (h, _)) in t.sections.iter().enumerate() {
        let old = old_bodies.get(i).cloned().unwrap_or_default();
        let mut body = if keep.contains(&h.as_str()) || !present.get(i).copied().unwrap_or(false) {
            old
        } else {
            new_bodies.get(i).cloned().unwrap_or_default()
        };
        if tokens(&body) > limits.max_section_tokens {
            if condense.iter().any(|c| c == h) {
                body = cut_at_line(&body, limits.max_section_tokens);
                cut.push(h.clone());
            } else {
                oversize.push(h.clone());
            }
        }
        merged.push(body);
    }
    let text = render(t, &merged);
    let total_over = tokens(&text) > limits.max_total_tokens;
    Ok(Merged {
        text,
        oversize,
        cut,
        total_over,
    })
}

fn strip_fence(text: &str) -> &str {
    let t = text.trim();
    for open in ["```markdown", "```md", "```"] {
        if let Some(rest) = t.strip_prefix(open) {
            if let Some(inner) = rest.strip_suffix("```") {
                return inner;
            }
        }
    }
    text
}

fn present_headers(t: &Template, text: &str) -> Vec<bool> {
    let mut p = vec![false; t.sections.len()];
    for line in text.lines() {
        if let Some(slot) = t.index_of(line).and_then(|i| p.get_mut(i)) {
            *slot = true;
        }
    }
    p
}

/// P3-R19: the notes excerpted per section and in total, for compaction, restoration and
/// resume. Empty sections are left out.
pub fn excerpt(t: &Template, notes: &str, max_section_tokens: usize, max_total: usize) -> String {
    let (b, _) = bodies(t, notes);
    let mut out = String::new();
    for (i, (h, _)) in t.sections.iter().enumerate() {
        let body = b.get(i).map(String::as_str).unwrap_or("");
        if body.trim().is_empty() {
            continue;
        }
        let part = format!("{h}\n{}\n\n", cut_at_line(body, max_section_tokens));
        if tokens(&out) + tokens(&part) > max_total {
            let room = max_total.saturating_sub(tokens(&out));
            if room > 16 {
                out.push_str(&cut_at_line(&part, room));
                out.push('\n');
            }
            break;
        }
        out.push_str(&part);
    }
    out.trim_end().to_string()
}

/// One tool call seen by `after_tool_call` (P3-R18).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolEvent {
    /// Tool name.
    pub tool: String,
    /// Paths the call touched.
    pub paths: Vec<String>,
    /// `ok`, `error` or `blocked`.
    pub outcome: String,
    /// A short error summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn is_det_file_line(line: &str) -> bool {
    line.starts_with("- `") && line.ends_with('`')
}

/// P3-R18: rewrites `# Files and Functions`, `# Worklog` and `# Errors & Corrections` from one
/// run's tool calls, without an LLM. Sections missing from a custom template are skipped.
pub fn apply_worklog(
    t: &Template,
    notes: &str,
    events: &[ToolEvent],
    run_id: &str,
    now_ms: i64,
) -> String {
    let (mut b, _) = bodies(t, notes);
    if let Some(section) = t.index_of(FILES_HEADER).and_then(|i| b.get_mut(i)) {
        let mut new_paths: Vec<String> = Vec::new();
        for e in events.iter().rev() {
            for p in &e.paths {
                if !new_paths.contains(p) {
                    new_paths.push(p.clone());
                }
            }
        }
        let old = section.clone();
        let mut lines: Vec<String> = new_paths.iter().map(|p| format!("- `{p}`")).collect();
        for l in old.lines() {
            if l.trim().is_empty() || lines.iter().any(|x| x == l) {
                continue;
            }
            lines.push(l.to_string());
        }
        while lines.len() > FILES_MAX_LINES {
            // Oldest worklog-written lines go first; LLM-written lines stay.
            match lines.iter().rposition(|l| is_det_file_line(l)) {
                Some(pos) => {
                    lines.remove(pos);
                }
                None => break,
            }
        }
        *section = lines.join("\n");
    }
    if let Some(section) = t.index_of(WORKLOG_HEADER).and_then(|i| b.get_mut(i)) {
        let mut tools: Vec<&str> = Vec::new();
        for e in events {
            if !tools.contains(&e.tool.as_str()) {
                tools.push(&e.tool);
            }
        }
        let mut files: Vec<&str> = Vec::new();
        for e in events {
            for p in &e.paths {
                if !files.contains(&p.as_str()) {
                    files.push(p);
                }
            }
        }
        let errors = events.iter().filter(|e| e.outcome != "ok").count();
        let short: String = run_id.chars().take(8).collect();
        let mut files_text = files
            .iter()
            .take(10)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if files.len() > 10 {
            files_text.push_str(&format!(" (+{} more)", files.len() - 10));
        }
        let line = format!(
            "- {} {}: {} tool calls ({}); files: {}; errors: {}",
            iso_utc(now_ms),
            if short.is_empty() { "run" } else { &short },
            events.len(),
            tools.join(", "),
            if files_text.is_empty() {
                "none"
            } else {
                &files_text
            },
            errors
        );
        let mut lines: Vec<String> = section
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect();
        lines.push(line);
        let skip = lines.len().saturating_sub(WORKLOG_MAX_LINES);
        *section = lines.into_iter().skip(skip).collect::<Vec<_>>().join("\n");
    }
    if let Some(section) = t.index_of(ERRORS_HEADER).and_then(|i| b.get_mut(i)) {
        let mut lines: Vec<String> = section
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect();
        for e in events.iter().filter(|e| e.outcome != "ok") {
            let what = e.error.as_deref().unwrap_or(e.outcome.as_str());
            let clipped: String = what.chars().take(200).collect();
            lines.push(format!(
                "- {} {} {}: {}",
                iso_utc(now_ms),
                e.tool,
                e.outcome,
                clipped.replace('\n', " ")
            ));
        }
        let skip = lines.len().saturating_sub(ERRORS_MAX_LINES);
        *section = lines.into_iter().skip(skip).collect::<Vec<_>>().join("\n");
    }
    render(t, &b)
}

/// Purpose marker of a notes job prompt (P3-R15, G-R7a).
pub const NOTES_MARKER: &str = "agent-ops:job=session_notes";

/// The system prompt and user prompt of a notes update.
pub fn prompt(
    t: &Template,
    current: &str,
    transcript: &str,
    condense: &[String],
    worklog_owned: bool,
) -> (String, String) {
    let system = format!(
        "{NOTES_MARKER}\nYou maintain the session notes of an AI agent's working session. You never call tools. \
Answer with the complete, updated notes file in Markdown and nothing else."
    );
    let mut user = String::new();
    user.push_str(NOTES_MARKER);
    user.push_str(
        "\n\nUpdate the session notes below from the conversation that follows.\n\nRules:\n",
    );
    user.push_str("- Keep every `# ` header and the italic description line under it exactly as they are; add no other headers.\n");
    user.push_str("- Write dense, specific facts: file paths, commands, exact errors and results. No filler.\n");
    user.push_str(
        "- `# Current State` must say what is in progress and the immediate next step.\n",
    );
    user.push_str(
        "- Keep each section under about 2,000 tokens and the whole file under about 12,000.\n",
    );
    if worklog_owned {
        user.push_str("- Leave `# Worklog` as it is: agent-ops maintains it.\n");
    }
    if !condense.is_empty() {
        user.push_str(&format!(
            "- These sections are too long and must be condensed now: {}.\n",
            condense.join(", ")
        ));
    }
    user.push_str("\n<current_notes>\n");
    user.push_str(if current.trim().is_empty() {
        ""
    } else {
        current
    });
    if current.trim().is_empty() {
        user.push_str(&t.render_empty());
    }
    user.push_str("</current_notes>\n\n<conversation>\n");
    user.push_str(transcript);
    user.push_str("\n</conversation>\n");
    (system, user)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lim() -> Limits {
        Limits {
            max_section_tokens: 2_000,
            max_total_tokens: 12_000,
        }
    }

    #[test]
    fn empty_template_round_trips() {
        let t = Template::builtin();
        let e = t.render_empty();
        assert_eq!(e, super::super::rules::default_template());
        let (b, known) = bodies(&t, &e);
        assert_eq!(known, 10);
        assert!(b.iter().all(String::is_empty));
    }

    #[test]
    fn p3_t9_missing_sections_keep_previous_and_descriptions_are_restored() {
        let t = Template::builtin();
        let prev = render(&t, &(0..10).map(|i| format!("old {i}")).collect::<Vec<_>>());
        // The update drops `# Learnings` and `# Key Results`, and the description under
        // `# Current State`.
        let mut upd = String::new();
        for (i, (h, d)) in t.sections.iter().enumerate() {
            if i == 7 || i == 8 {
                continue;
            }
            upd.push_str(h);
            upd.push('\n');
            if i != 1 {
                upd.push_str(d);
                upd.push('\n');
            }
            upd.push_str(&format!("new {i}\n\n"));
        }
        let m = merge(&t, &prev, &upd, lim(), &[], &[]).unwrap();
        let (b, known) = bodies(&t, &m.text);
        assert_eq!(known, 10);
        assert_eq!(b[1], "new 1");
        assert_eq!(b[7], "old 7");
        assert_eq!(b[8], "old 8");
        assert!(m
            .text
            .contains(&format!("# Current State\n{}\n", t.sections[1].1)));
    }

    #[test]
    fn p3_t10_one_known_header_is_malformed() {
        let t = Template::builtin();
        let e = merge(&t, "", "# Session Title\nx\n# Other\ny\n", lim(), &[], &[]).unwrap_err();
        assert!(e.starts_with("memory.notes.malformed"), "{e}");
    }

    #[test]
    fn too_large_update_is_refused() {
        let t = Template::builtin();
        let big = "x".repeat(NOTES_HARD_LIMIT_BYTES + 1);
        let e = merge(&t, "", &big, lim(), &[], &[]).unwrap_err();
        assert!(e.starts_with("memory.notes.too_large"));
    }

    #[test]
    fn unknown_headers_join_the_section_before_and_worklog_is_kept() {
        let t = Template::builtin();
        let prev = apply_worklog(
            &t,
            &t.render_empty(),
            &[ToolEvent {
                tool: "exec".into(),
                paths: vec!["src/a.rs".into()],
                outcome: "ok".into(),
                error: None,
            }],
            "run-1234567890",
            0,
        );
        let upd = "# Session Title\nT\n# Current State\nnow\n## Extra\ndetail\n# Task Specification\nspec\n# Worklog\n- rewritten by the model\n";
        let m = merge(&t, &prev, upd, lim(), &[WORKLOG_HEADER], &[]).unwrap();
        let (b, _) = bodies(&t, &m.text);
        assert_eq!(b[1], "now\n## Extra\ndetail");
        assert!(b[9].contains("run-1234: 1 tool calls (exec)"), "{}", b[9]);
        assert!(!m.text.contains("rewritten by the model"));
    }

    #[test]
    fn oversize_sections_are_flagged_then_cut_when_a_condense_was_ignored() {
        let t = Template::builtin();
        let long: String = (0..1_000)
            .map(|i| format!("line {i} of the state\n"))
            .collect();
        let upd = format!("# Session Title\nT\n# Current State\n{long}# Task Specification\ns\n");
        let m = merge(&t, "", &upd, lim(), &[], &[]).unwrap();
        assert_eq!(m.oversize, vec!["# Current State".to_string()]);
        assert!(m.cut.is_empty());
        let m2 = merge(&t, &m.text, &upd, lim(), &[], &m.oversize).unwrap();
        assert_eq!(m2.cut, vec!["# Current State".to_string()]);
        let (b, _) = bodies(&t, &m2.text);
        assert!(b[1].ends_with(SECTION_TRUNCATION_MARKER));
        assert!(tokens(&b[1]) <= 2_000 + 20);
    }

    #[test]
    fn excerpt_respects_section_and_total_caps() {
        let t = Template::builtin();
        let long: String = (0..3_000).map(|i| format!("fact {i}\n")).collect();
        let notes = render(&t, &vec![long; 10]);
        let x = excerpt(&t, &notes, 2_000, 4_000);
        assert!(tokens(&x) <= 4_000 + 16, "{}", tokens(&x));
        assert!(x.contains(SECTION_TRUNCATION_MARKER));
        assert!(x.starts_with("# Session Title\n"));
    }

    #[test]
    fn p3_t20_worklog_updates_files_worklog_and_errors_over_two_runs() {
        let t = Template::builtin();
        let ev = |tool: &str, p: &str, outcome: &str| ToolEvent {
            tool: tool.into(),
            paths: vec![p.into()],
            outcome: outcome.into(),
            error: (outcome != "ok").then(|| "exit 1: no such file".to_string()),
        };
        let n1 = apply_worklog(
            &t,
            "",
            &[ev("read", "a.rs", "ok"), ev("exec", "b.rs", "error")],
            "r1",
            1_000,
        );
        let n2 = apply_worklog(
            &t,
            &n1,
            &[ev("write", "c.rs", "ok"), ev("read", "a.rs", "ok")],
            "r2",
            2_000,
        );
        let (b, known) = bodies(&t, &n2);
        assert_eq!(known, 10);
        assert_eq!(b[3], "- `a.rs`\n- `c.rs`\n- `b.rs`");
        assert_eq!(b[9].lines().count(), 2);
        assert!(b[9].contains("r2: 2 tool calls (write, read); files: c.rs, a.rs; errors: 0"));
        assert!(b[5].contains("exec error: exit 1: no such file"));
    }

    #[test]
    fn custom_templates_parse_and_render() {
        let t = Template::parse("# A\n_first_\n\n# B\n_second_\n").unwrap();
        assert_eq!(t.sections.len(), 2);
        assert_eq!(t.render_empty(), "# A\n_first_\n\n# B\n_second_\n");
        assert!(Template::parse("no header").is_err());
    }
}
