//! Token counting (P1-R2): the provider's last reported usage plus an estimate of what came
//! after it, or an estimate of everything when no usage is known. Ground floor (issue 18):
//! phase 1 counts to decide compaction, phase 3 to decide when notes are due.

use serde_json::Value;

/// Flat estimate per image or document block.
pub const IMAGE_TOKEN_ESTIMATE: u64 = 2_000;

/// `ceil(utf8_bytes / 4)`.
pub fn estimate_text(text: &str) -> u64 {
    (text.len() as u64).div_ceil(4)
}

fn estimate_json(v: &Value) -> u64 {
    estimate_text(&serde_json::to_string(v).unwrap_or_default())
}

/// Estimate of one content block.
pub fn estimate_block(block: &Value) -> u64 {
    match block {
        Value::String(s) => estimate_text(s),
        Value::Object(o) => match o.get("type").and_then(Value::as_str) {
            Some("text") => o
                .get("text")
                .and_then(Value::as_str)
                .map_or(0, estimate_text),
            Some("thinking") => o
                .get("thinking")
                .and_then(Value::as_str)
                .map_or(0, estimate_text),
            Some("image") | Some("document") | Some("file") => IMAGE_TOKEN_ESTIMATE,
            Some("toolCall") | Some("tool_use") => {
                let name = o
                    .get("name")
                    .and_then(Value::as_str)
                    .map_or(0, estimate_text);
                name + o
                    .get("arguments")
                    .or_else(|| o.get("input"))
                    .map_or(0, estimate_json)
            }
            _ => estimate_json(block),
        },
        other => estimate_json(other),
    }
}

/// Estimate of a message `content` (string or array of blocks).
pub fn estimate_content(content: &Value) -> u64 {
    match content {
        Value::Null => 0,
        Value::String(s) => estimate_text(s),
        Value::Array(blocks) => blocks.iter().map(estimate_block).sum(),
        other => estimate_block(other),
    }
}

/// Estimate of one OpenClaw agent message.
pub fn estimate_message(m: &Value) -> u64 {
    match m.get("content") {
        Some(c) => estimate_content(c),
        None => match m.get("summary").and_then(Value::as_str) {
            Some(s) => estimate_text(s),
            None => estimate_json(m),
        },
    }
}

fn num(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// Prompt plus output tokens of one usage record, if it says anything (a zero usage is
/// what OpenClaw stores on kept messages after a compaction: it is not a measurement).
pub fn usage_total(usage: &Value) -> Option<u64> {
    if !usage.is_object() {
        return None;
    }
    let parts = num(usage, "input")
        .saturating_add(num(usage, "cacheRead"))
        .saturating_add(num(usage, "cacheWrite"))
        .saturating_add(num(usage, "output"));
    let total = if parts > 0 {
        parts
    } else {
        num(usage, "totalTokens")
    };
    (total > 0).then_some(total)
}

/// Where a token count came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// Usage of a model call plus estimates of later messages.
    Usage,
    /// A count the host passed in (`currentTokenCount`).
    Host,
    /// Estimates only.
    Estimate,
}

/// A session's token count with its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCount {
    /// Tokens.
    pub tokens: u64,
    /// Source.
    pub source: TokenSource,
}

/// `tokens(session)` of P1-R2 over `messages`, with an optional host-reported count that
/// wins over the transcript when it is larger (it includes the system prompt and tools).
pub fn session_tokens(messages: &[Value], host_count: Option<u64>) -> TokenCount {
    let mut after = 0u64;
    let mut counted = None;
    for m in messages.iter().rev() {
        if m.get("role").and_then(Value::as_str) == Some("assistant") {
            if let Some(total) = m.get("usage").and_then(usage_total) {
                counted = Some(total.saturating_add(after));
                break;
            }
        }
        after = after.saturating_add(estimate_message(m));
    }
    let transcript = match counted {
        Some(t) => TokenCount {
            tokens: t,
            source: TokenSource::Usage,
        },
        None => TokenCount {
            tokens: after,
            source: TokenSource::Estimate,
        },
    };
    match host_count {
        Some(h) if h > transcript.tokens => TokenCount {
            tokens: h,
            source: TokenSource::Host,
        },
        _ => transcript,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn estimates() {
        assert_eq!(estimate_text(""), 0);
        assert_eq!(estimate_text("abcd"), 1);
        assert_eq!(estimate_text("abcde"), 2);
        assert_eq!(estimate_text("é"), 1);
        let m = json!({"role":"user","content":[{"type":"text","text":"12345678"},{"type":"image","data":"x"}]});
        assert_eq!(estimate_message(&m), 2 + IMAGE_TOKEN_ESTIMATE);
        let unknown = json!({"type":"weird","x":1});
        assert_eq!(
            estimate_block(&unknown),
            estimate_text(r#"{"type":"weird","x":1}"#)
        );
    }

    #[test]
    fn usage_plus_later_estimates() {
        let msgs = vec![
            json!({"role":"user","content":"x".repeat(400)}),
            json!({"role":"assistant","content":[{"type":"text","text":"ok"}],"usage":{"input":1000,"output":20,"cacheRead":0,"cacheWrite":0,"totalTokens":1020}}),
            json!({"role":"toolResult","toolName":"exec","content":[{"type":"text","text":"y".repeat(40)}]}),
        ];
        let t = session_tokens(&msgs, None);
        assert_eq!((t.tokens, t.source), (1030, TokenSource::Usage));
        assert_eq!(session_tokens(&msgs, Some(5000)).tokens, 5000);
        assert_eq!(session_tokens(&msgs, Some(5)).tokens, 1030);
    }

    #[test]
    fn zero_usage_is_not_a_measurement() {
        let msgs = vec![
            json!({"role":"user","content":"abcdefgh"}),
            json!({"role":"assistant","content":"abcd","usage":{"input":0,"output":0,"totalTokens":0}}),
        ];
        let t = session_tokens(&msgs, None);
        assert_eq!((t.tokens, t.source), (3, TokenSource::Estimate));
    }
}
