//! Worker results handed to a parent (P6-R12): finding OpenClaw's completion handoffs in the
//! text of a new turn, so a result delivered twice (a retried delivery, a re-delivery after a
//! restart) is recognised and the coordinator is told not to act on it again.
//!
//! OpenClaw 2026.9.6 hands a finished subagent's result to its requester as an internal
//! event rendered into the requester's next turn (`formatTaskCompletionEvent` in its
//! `internal-events` chunk): a block that starts with `[Internal task completion event]`,
//! then `source:`, `session_key:` (the child), `session_id:`, `type:`, `task:` and `status:`
//! lines, a blank line and the result, optionally followed by a model-route note, media
//! lines, a `Stats: …` line and an `Action:`/`Instruction:` paragraph. Blocks are separated
//! by `---` lines inside one `<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>` envelope.

use serde_json::Value;

/// First line of a completion block.
const BLOCK_HEAD: &str = "[Internal task completion event]";
/// End of OpenClaw's internal-context envelope (after the last block).
const ENVELOPE_END: &str = "<<<END_OPENCLAW_INTERNAL_CONTEXT>>>";
/// OpenClaw's closing instruction paragraph, always the last one of a block.
const INSTRUCTIONS: &[&str] = &["\n\nAction:", "\n\nInstruction:"];
/// Start of the runtime-stats paragraph OpenClaw puts just before the instruction.
const STATS: &str = "Stats: ";

/// One worker result found in a turn's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The worker's session key (`session_key:`).
    pub child_session_key: String,
    /// `status:` as OpenClaw wrote it.
    pub status: String,
    /// First 16 hex characters of SHA-256 of the child key, the status and the result text
    /// (whitespace runs collapsed, the `Stats:` line left out).
    pub result_hash: String,
}

/// Every completion block in `text`, in order (at most one per child and hash).
pub fn completions_in(text: &str) -> Vec<Completion> {
    let mut out: Vec<Completion> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(BLOCK_HEAD) {
        let block = rest.get(at + BLOCK_HEAD.len()..).unwrap_or("");
        let end = block.find(BLOCK_HEAD).unwrap_or(block.len());
        let body = block.get(..end).unwrap_or("");
        rest = block.get(end..).unwrap_or("");
        if let Some(c) = parse_block(body) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

fn parse_block(body: &str) -> Option<Completion> {
    let (header, result) = body.trim_start_matches(['\r', '\n']).split_once("\n\n")?;
    let field = |name: &str| {
        header
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
    };
    let child = field("session_key:").filter(|k| !k.is_empty() && k != "unknown")?;
    let status = field("status:").unwrap_or_default();
    // Only OpenClaw's own trailing parts are cut, each at its last occurrence, so a result
    // that itself contains `---`, `Action:` or a `Stats:` line keeps all of its text.
    let mut result = result;
    if let Some(i) = result.rfind(ENVELOPE_END) {
        result = result.get(..i).unwrap_or(result);
    }
    // The separator before the next block of the same envelope.
    result = result.trim_end();
    result = result.strip_suffix("---").unwrap_or(result).trim_end();
    if let Some(i) = INSTRUCTIONS.iter().filter_map(|t| result.rfind(t)).max() {
        result = result.get(..i).unwrap_or(result).trim_end();
    }
    if let Some((before, last)) = result.rsplit_once("\n\n") {
        if last.trim_start().starts_with(STATS) && !last.contains('\n') {
            result = before;
        }
    }
    let normalised = result.split_whitespace().collect::<Vec<_>>().join(" ");
    let material = format!("{child}\n{status}\n{normalised}");
    Some(Completion {
        result_hash: crate::hash::sha256_hex_prefix(material.as_bytes(), 16),
        child_session_key: child,
        status,
    })
}

/// The text a `before_prompt_build` event brings since the last turn: the prompt, and the
/// messages after the last assistant message (a completion handed to a parent arrives as the
/// turn's input, never as an assistant message).
pub fn new_turn_texts(event: &Value) -> Vec<&str> {
    let mut texts: Vec<&str> = Vec::new();
    if let Some(p) = event.get("prompt").and_then(Value::as_str) {
        texts.push(p);
    }
    let messages = event
        .get("messages")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let start = messages
        .iter()
        .rposition(|m| m.get("role").and_then(Value::as_str) == Some("assistant"))
        .map_or(0, |i| i + 1);
    for m in messages.get(start..).unwrap_or(&[]) {
        match m.get("content") {
            Some(Value::String(s)) => texts.push(s),
            Some(Value::Array(parts)) => texts.extend(
                parts
                    .iter()
                    .filter_map(|p| p.get("text").and_then(Value::as_str)),
            ),
            _ => {}
        }
    }
    texts
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A handoff as OpenClaw 2026.9.6 renders it in protected mode.
    fn handoff(child: &str, result: &str, stats: &str) -> String {
        format!(
            "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nOpenClaw runtime context (internal):\nThis context is runtime-generated, not user-authored. Keep internal details private.\n\n[Internal task completion event]\nsource: subagent\nsession_key: {child}\nsession_id: 1234\ntype: subagent task\ntask: fix the parser\nstatus: completed; ready for parent review\n\nChild result:\n{result}\n\nStats: {stats}\n\nAction:\nA completed subagent task is ready for parent review.\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>"
        )
    }

    #[test]
    fn a_handoff_is_found_and_its_hash_ignores_stats_and_instructions() {
        let a = completions_in(&handoff(
            "agent:main:subagent:w1",
            "All tests pass.",
            "runtime 3s",
        ));
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].child_session_key, "agent:main:subagent:w1");
        assert_eq!(a[0].status, "completed; ready for parent review");
        let b = completions_in(&handoff(
            "agent:main:subagent:w1",
            "All  tests\npass.",
            "runtime 9s",
        ));
        assert_eq!(a[0].result_hash, b[0].result_hash);
        let other_result = completions_in(&handoff("agent:main:subagent:w1", "2 tests fail.", "x"));
        assert_ne!(a[0].result_hash, other_result[0].result_hash);
        let other_child =
            completions_in(&handoff("agent:main:subagent:w2", "All tests pass.", "x"));
        assert_ne!(a[0].result_hash, other_child[0].result_hash);
    }

    #[test]
    fn a_result_that_contains_separators_or_instructions_keeps_all_its_text() {
        let a = completions_in(&handoff(
            "k",
            "Part 1\n\n---\n\nAction: none\n\nStats: x\n\nPart 2 ok",
            "s",
        ));
        let b = completions_in(&handoff(
            "k",
            "Part 1\n\n---\n\nAction: none\n\nStats: x\n\nPart 2 FAILS",
            "s",
        ));
        assert_ne!(a[0].result_hash, b[0].result_hash);
    }

    #[test]
    fn several_blocks_and_garbage() {
        let two = format!(
            "{}\n\n---\n\n[Internal task completion event]\nsource: subagent\nsession_key: k2\nstatus: failed: boom\n\n(no output)",
            handoff("k1", "done", "s")
        );
        let found = completions_in(&two);
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].child_session_key, "k2");
        for junk in [
            "",
            BLOCK_HEAD,
            "[Internal task completion event]\nsession_key: unknown\n\nx",
            "[Internal task completion event]\nno blank line",
        ] {
            assert!(completions_in(junk).is_empty(), "{junk}");
        }
    }

    #[test]
    fn only_text_since_the_last_assistant_message_counts() {
        let ev = json!({
            "prompt": "p",
            "messages": [
                {"role": "user", "content": "old"},
                {"role": "assistant", "content": [{"type": "text", "text": "reply"}]},
                {"role": "user", "content": [{"type": "text", "text": "new"}]},
            ]
        });
        assert_eq!(new_turn_texts(&ev), vec!["p", "new"]);
        assert!(new_turn_texts(&json!({})).is_empty());
    }
}
