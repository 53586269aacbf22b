//! The nine-section summary (P1-R17): instructions for the summarizer, the request our
//! compaction provider sends, and the check that a returned summary has every section.

use serde_json::Value;

/// Section titles, in order.
pub const SECTIONS: [&str; 9] = [
    "Primary request and intent",
    "Key technical concepts",
    "Files and code sections",
    "Errors and fixes",
    "Problem solving",
    "All user messages",
    "Pending tasks",
    "Current work",
    "Optional next step",
];

/// Marker our summarizer requests carry, so logs and tests can tell them apart.
pub const REQUEST_TAG: &str = "agent-ops summary request v1";

/// Largest part of one message copied into the summarizer request.
const MAX_CHARS_PER_MESSAGE: usize = 4_000;
/// Largest transcript copied into one summarizer request (the newest part is kept).
const MAX_TRANSCRIPT_CHARS: usize = 400_000;

/// System prompt of the summarizer request.
pub fn system_prompt() -> String {
    "You write handover summaries of coding-agent conversations. You never call tools and never continue the work yourself; you only write the summary, in Markdown, with exactly the requested sections.".to_string()
}

/// The instructions (P1-R17). `automatic` adds the continue-directly rule.
pub fn instructions(automatic: bool) -> String {
    let mut s = String::from(
        "Summarise the conversation above so that another instance of the assistant can take over with no other context. Do not call any tools. Write these nine sections, in this order, each as a level-2 Markdown heading with exactly this title:\n",
    );
    let notes = [
        "what the user asked for and why, in their terms",
        "technologies, APIs, conventions and decisions that matter",
        "every file read, created or changed, with the paths and the code that matters",
        "each error met and how it was fixed (or that it was not)",
        "what was tried, what worked, what is still uncertain",
        "every user message that is not a tool result, verbatim or nearly so, in order",
        "work the user asked for that is not done yet",
        "exactly what was being done when this summary was requested",
        "the next step, only if it follows from the latest explicit request; quote where the work stopped",
    ];
    for (i, (title, note)) in SECTIONS.iter().zip(notes).enumerate() {
        s.push_str(&format!("{}. ## {title}: {note}.\n", i + 1));
    }
    s.push_str("Write \"None.\" under a section that has nothing to say; never drop a section.\n");
    if automatic {
        s.push_str("This summary is made automatically because the context window is full. The assistant that reads it must continue the work directly from where it stopped: no recap for the user, no follow-up questions.\n");
    }
    s
}

/// Section titles missing from `summary` (case-insensitive; the titles are ASCII, so ASCII
/// case folding finds them, without core's Unicode case tables: README G-R3).
pub fn missing_sections(summary: &str) -> Vec<&'static str> {
    let lower = summary.to_ascii_lowercase();
    SECTIONS
        .iter()
        .copied()
        .filter(|t| !lower.contains(&t.to_ascii_lowercase()))
        .collect()
}

fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => {
            let mut out = String::new();
            for b in blocks {
                let piece = match b.get("type").and_then(Value::as_str) {
                    Some("text") => b.get("text").and_then(Value::as_str).map(str::to_string),
                    Some("toolCall") | Some("tool_use") => Some(format!(
                        "[tool call {}: {}]",
                        b.get("name").and_then(Value::as_str).unwrap_or("?"),
                        b.get("arguments")
                            .or_else(|| b.get("input"))
                            .map(|a| a.to_string())
                            .unwrap_or_default()
                    )),
                    Some("image") | Some("document") | Some("file") => Some("[image]".into()),
                    Some("thinking") => None,
                    _ => Some(b.to_string()),
                };
                if let Some(p) = piece {
                    if !out.is_empty() {
                        out.push('\n');
                    }
                    out.push_str(&p);
                }
            }
            out
        }
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max).collect();
    format!("{head}\n[… clipped by agent-ops …]")
}

/// The user message of our summarizer request: the transcript (each message clipped,
/// the newest part kept when it is long), the previous summary, and the instructions last.
pub fn request(messages: &[Value], previous_summary: Option<&str>, automatic: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut used = 0usize;
    for m in messages.iter().rev() {
        let role = m.get("role").and_then(Value::as_str).unwrap_or("message");
        let body = match m.get("content") {
            Some(c) => text_of(c),
            None => m
                .get("summary")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        };
        let label = match role {
            "toolResult" | "tool" => format!(
                "tool result ({})",
                m.get("toolName").and_then(Value::as_str).unwrap_or("?")
            ),
            other => other.to_string(),
        };
        let piece = format!("### {label}\n{}\n", clip(&body, MAX_CHARS_PER_MESSAGE));
        used += piece.len();
        if used > MAX_TRANSCRIPT_CHARS {
            parts.push("[… older messages omitted by agent-ops …]\n".into());
            break;
        }
        parts.push(piece);
    }
    parts.reverse();
    let mut s = format!("<!-- {REQUEST_TAG} -->\n# Conversation to summarise\n\n");
    if let Some(prev) = previous_summary.filter(|p| !p.trim().is_empty()) {
        s.push_str("## Summary of the conversation before this part\n");
        s.push_str(&clip(prev, MAX_CHARS_PER_MESSAGE * 4));
        s.push_str("\n\n");
    }
    for p in parts {
        s.push_str(&p);
    }
    s.push_str("\n# Instructions\n");
    s.push_str(&instructions(automatic));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn instructions_list_nine_sections_in_order() {
        let text = instructions(true);
        let mut last = 0;
        for t in SECTIONS {
            let at = text.find(t).unwrap();
            assert!(at >= last);
            last = at;
        }
        assert!(text.contains("continue the work directly"));
        assert!(!instructions(false).contains("continue the work directly"));
        assert!(text.contains("Do not call any tools"));
    }

    #[test]
    fn missing_sections_case_insensitive() {
        let full: String = SECTIONS
            .iter()
            .map(|t| format!("## {}\nx\n", t.to_uppercase()))
            .collect();
        assert!(missing_sections(&full).is_empty());
        let partial = full.replace("PENDING TASKS", "Todo");
        assert_eq!(missing_sections(&partial), vec!["Pending tasks"]);
        assert_eq!(missing_sections("").len(), 9);
    }

    #[test]
    fn request_keeps_roles_and_clips() {
        let msgs = vec![
            json!({"role":"user","content":"please fix the build"}),
            json!({"role":"toolResult","toolName":"exec","content":[{"type":"text","text":"x".repeat(10_000)}]}),
        ];
        let r = request(&msgs, Some("earlier"), false);
        assert!(r.contains("### user\nplease fix the build"));
        assert!(r.contains("### tool result (exec)"));
        assert!(r.contains("clipped by agent-ops"));
        assert!(r.contains("earlier"));
        assert!(r.ends_with(&instructions(false)));
    }
}
