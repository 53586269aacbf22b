//! Transcript sanitation of resumed sessions (P6-R13): a model API refuses a tool call
//! without a result, a result without a call, and empty or thinking-only assistant turns.
//! Pure and idempotent; messages of unknown shape pass through untouched.

use crate::json;
use crate::sorted::SortedSet;
use serde_json::Value;

/// Text of the tool result inserted for a dangling tool call.
pub const SYNTHETIC_RESULT_TEXT: &str =
    "[agent-ops: no result was recorded for this tool call before the session was interrupted]";

/// Repairs made, per kind (`coord.resume.repaired`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Repairs {
    /// Synthetic results inserted.
    pub inserted_results: usize,
    /// Orphan results removed.
    pub removed_orphans: usize,
    /// Thinking-only assistant messages removed.
    pub removed_thinking: usize,
    /// Whitespace-only assistant messages removed.
    pub removed_empty: usize,
}

impl Repairs {
    /// Whether anything changed.
    pub fn any(&self) -> bool {
        self.inserted_results + self.removed_orphans + self.removed_thinking + self.removed_empty
            > 0
    }
}

fn role(m: &Value) -> Option<&str> {
    m.get("role").and_then(Value::as_str)
}

fn blocks(m: &Value) -> Option<&Vec<Value>> {
    m.get("content").and_then(Value::as_array)
}

fn block_type(b: &Value) -> Option<&str> {
    b.get("type").and_then(Value::as_str)
}

fn is_call(b: &Value) -> bool {
    matches!(block_type(b), Some("toolCall") | Some("tool_use"))
}

fn call_ids(m: &Value) -> Vec<String> {
    if role(m) != Some("assistant") {
        return Vec::new();
    }
    blocks(m)
        .map(|bs| {
            bs.iter()
                .filter(|b| is_call(b))
                .filter_map(|b| b.get("id").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn result_id(m: &Value) -> Option<&str> {
    if !matches!(role(m), Some("toolResult") | Some("tool")) {
        return None;
    }
    m.get("toolCallId")
        .or_else(|| m.get("tool_call_id"))
        .and_then(Value::as_str)
}

/// Assistant message with no text and no tool call: `Some(true)` when it holds only
/// thinking, `Some(false)` when its text is only whitespace, `None` otherwise.
fn hollow(m: &Value) -> Option<bool> {
    if role(m) != Some("assistant") {
        return None;
    }
    match m.get("content") {
        Some(Value::String(s)) => s.trim().is_empty().then_some(false),
        Some(Value::Array(bs)) => {
            if bs.iter().any(is_call) {
                return None;
            }
            let text: String = bs
                .iter()
                .filter(|b| block_type(b) == Some("text"))
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect();
            if !text.trim().is_empty() {
                return None;
            }
            let thinking = bs.iter().any(|b| {
                matches!(
                    block_type(b),
                    Some("thinking") | Some("redacted_thinking") | Some("reasoning")
                )
            });
            let unknown = bs.iter().any(|b| {
                !matches!(
                    block_type(b),
                    Some("text") | Some("thinking") | Some("redacted_thinking") | Some("reasoning")
                )
            });
            if unknown {
                None
            } else {
                Some(thinking)
            }
        }
        _ => None,
    }
}

/// P6-R13 on `messages[..fence]` (the current turn from `fence` on is never modified).
pub fn sanitize(messages: &[Value], fence: usize) -> (Vec<Value>, Repairs) {
    let fence = fence.min(messages.len());
    let (head, tail) = messages.split_at(fence);
    let mut rep = Repairs::default();
    let all_results: SortedSet<&str> = messages.iter().filter_map(result_id).collect();
    let mut seen_calls: SortedSet<String> = SortedSet::new();
    let mut out = Vec::with_capacity(messages.len() + 2);
    for m in head {
        if let Some(id) = result_id(m) {
            if !seen_calls.contains(id) {
                rep.removed_orphans += 1;
                continue;
            }
            out.push(m.clone());
            continue;
        }
        match hollow(m) {
            Some(true) => {
                rep.removed_thinking += 1;
                continue;
            }
            Some(false) => {
                rep.removed_empty += 1;
                continue;
            }
            None => {}
        }
        out.push(m.clone());
        for id in call_ids(m) {
            if !all_results.contains(id.as_str()) {
                let name = blocks(m)
                    .and_then(|bs| {
                        bs.iter()
                            .find(|b| b.get("id").and_then(Value::as_str) == Some(id.as_str()))
                    })
                    .and_then(|b| b.get("name").and_then(Value::as_str))
                    .unwrap_or("tool")
                    .to_string();
                out.push(json!({
                    "role": "toolResult",
                    "toolCallId": id,
                    "toolName": name,
                    "content": [{ "type": "text", "text": SYNTHETIC_RESULT_TEXT }],
                    "isError": true,
                }));
                rep.inserted_results += 1;
            }
            seen_calls.insert(id);
        }
    }
    out.extend(tail.iter().cloned());
    (out, rep)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(id: &str) -> Value {
        json!({"role": "assistant", "content": [{"type": "text", "text": "running"}, {"type": "toolCall", "id": id, "name": "exec", "arguments": {}}]})
    }
    fn result(id: &str) -> Value {
        json!({"role": "toolResult", "toolCallId": id, "toolName": "exec", "content": [{"type": "text", "text": "ok"}]})
    }

    #[test]
    fn p6_t14_t15_repairs_exactly_the_four_kinds_and_is_idempotent() {
        let msgs = vec![
            json!({"role": "user", "content": "go"}),
            call("a"),
            json!({"role": "assistant", "content": [{"type": "thinking", "thinking": "hmm"}]}),
            json!({"role": "assistant", "content": [{"type": "text", "text": "   "}]}),
            result("ghost"),
            call("b"),
            result("b"),
            json!({"role": "user", "content": "current turn"}),
            json!({"role": "assistant", "content": "  "}),
        ];
        let (out, rep) = sanitize(&msgs, 7);
        assert_eq!(
            rep,
            Repairs {
                inserted_results: 1,
                removed_orphans: 1,
                removed_thinking: 1,
                removed_empty: 1
            }
        );
        assert_eq!(out.len(), 7);
        assert_eq!(out[1], msgs[1]);
        assert_eq!(out[2]["toolCallId"], "a");
        assert_eq!(out[2]["content"][0]["text"], SYNTHETIC_RESULT_TEXT);
        assert_eq!(out[3], msgs[5]);
        assert_eq!(out[4], msgs[6]);
        // The current turn (from the fence) is untouched, even its empty assistant message.
        assert_eq!(&out[5..], &msgs[7..]);
        let (again, rep2) = sanitize(&out, out.len() - 2);
        assert_eq!(again, out);
        assert!(!rep2.any());
    }

    #[test]
    fn unknown_shapes_pass_through() {
        let msgs = vec![
            json!({"weird": true}),
            json!({"role": "assistant", "content": [{"type": "image"}]}),
        ];
        let (out, rep) = sanitize(&msgs, 2);
        assert_eq!(out, msgs);
        assert!(!rep.any());
    }
}
