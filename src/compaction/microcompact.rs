//! Microcompaction (P1 §9): old results of compactable tools are replaced by a fixed marker,
//! the newest ones and the current turn are kept, pairing and order never change.

use crate::tokens::estimate_content;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Replacement text of a cleared tool result (the string OpenClaw's own pruning uses).
pub const CLEARED_MARKER: &str = "[Old tool result content cleared]";

/// Why microcompaction runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Idle gap since the last assistant message (P1-R14): clear every eligible result.
    Time,
    /// Token pressure (P1-R15): stop as soon as the count is back under `warning`.
    Pressure {
        /// Session tokens.
        tokens: u64,
        /// Warning threshold.
        warning: u64,
    },
    /// Token pressure, cleared in one batch (issue 20 item 5, the default): every eligible result
    /// goes at once. Each pass rewrites the prompt from its first newly cleared result on, which
    /// costs a prompt-cache write of everything after it; one large pass pays that once where the
    /// minimal pass of P1-R16 pays it on nearly every call above `warning`.
    PressureBatch,
    /// No trigger holds now: only results an earlier pass cleared (`sticky`) are cleared again.
    Carry,
}

/// What a pass cleared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Message indices whose content becomes the marker, oldest first (carried ones included).
    pub clear: Vec<usize>,
    /// Of `clear`, results an earlier pass of the same session cleared already (`sticky`): the
    /// projection is rebuilt from the unchanged transcript on every call, so they are cleared again.
    pub carried: usize,
    /// Estimated tokens saved (`estimate × 4/3`, conservative).
    pub saved_tokens: u64,
    /// Compactable results seen before the fence.
    pub compactable: usize,
    /// Of those, already cleared earlier.
    pub already_cleared: usize,
}

/// The marker content block array.
pub fn marker_content() -> Value {
    crate::json!([{ "type": "text", "text": CLEARED_MARKER }])
}

fn is_tool_result(m: &Value) -> bool {
    matches!(
        m.get("role").and_then(Value::as_str),
        Some("toolResult") | Some("tool")
    )
}

/// Whether a message's content is the marker already.
pub fn is_cleared(m: &Value) -> bool {
    match m.get("content") {
        Some(Value::String(s)) => s == CLEARED_MARKER,
        Some(Value::Array(blocks)) => {
            blocks.len() == 1
                && blocks
                    .first()
                    .and_then(|b| b.get("text"))
                    .and_then(Value::as_str)
                    == Some(CLEARED_MARKER)
        }
        _ => false,
    }
}

/// Plans one pass over `messages[..fence]` (P1-R16). `tools` are the compactable tool
/// names, `keep_recent` the newest results never cleared (at least one).
pub fn plan(
    messages: &[Value],
    fence: usize,
    tools: &[String],
    keep_recent: usize,
    trigger: Trigger,
) -> Plan {
    plan_sticky(messages, fence, tools, keep_recent, trigger, &|_| false)
}

/// The tool-call id of a tool result (`toolCallId` in OpenClaw's transcript, `tool_call_id` on
/// the wire).
pub fn tool_call_id(m: &Value) -> Option<&str> {
    m.get("toolCallId")
        .or_else(|| m.get("tool_call_id"))
        .and_then(Value::as_str)
}

/// [`plan`] for a projection that must stay stable (issue 20 item 5): an eligible result for which
/// `sticky` holds was cleared by an earlier pass and is cleared again whatever the trigger says now,
/// so the prompt prefix a provider has cached never changes back. Without this, a pressure pass
/// that brought the count under `warning` made the next call see fewer tokens, clear fewer results
/// and restore the others: the middle of the prompt flipped on every call and the cache never hit.
pub fn plan_sticky(
    messages: &[Value],
    fence: usize,
    tools: &[String],
    keep_recent: usize,
    trigger: Trigger,
    sticky: &dyn Fn(&Value) -> bool,
) -> Plan {
    let fence = fence.min(messages.len());
    let mut out = Plan::default();
    let mut candidates = Vec::new();
    for (i, m) in messages.iter().enumerate().take(fence) {
        if !is_tool_result(m) {
            continue;
        }
        let name = m
            .get("toolName")
            .or_else(|| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if tools.iter().any(|t| t == name) {
            candidates.push(i);
        }
    }
    out.compactable = candidates.len();
    let keep = keep_recent.max(1);
    let eligible = candidates.len().saturating_sub(keep);
    let mut stopped = false;
    for &i in candidates.iter().take(eligible) {
        let Some(m) = messages.get(i) else { continue };
        if is_cleared(m) {
            out.already_cleared += 1;
            continue;
        }
        if sticky(m) {
            out.already_cleared += 1;
            out.carried += 1;
            out.clear.push(i);
            continue;
        }
        if stopped || trigger == Trigger::Carry {
            // Back under `warning` (or no trigger): nothing new is cleared, but later sticky
            // results still are.
            continue;
        }
        if let Trigger::Pressure { tokens, warning } = trigger {
            if tokens.saturating_sub(out.saved_tokens) < warning {
                stopped = true;
                continue;
            }
        }
        let est = m.get("content").map_or(0, estimate_content);
        let marker = crate::tokens::estimate_text(CLEARED_MARKER);
        let saving = est.saturating_sub(marker).saturating_mul(4) / 3;
        if saving == 0 {
            continue;
        }
        out.saved_tokens = out.saved_tokens.saturating_add(saving);
        out.clear.push(i);
    }
    out
}

/// Applies a plan to owned messages (the projection for the model, or persisted entries).
/// The binding layer applies plans itself; the tests use this to check a plan's effect.
#[cfg(test)]
pub fn apply(messages: &mut [Value], plan: &Plan) {
    for &i in &plan.clear {
        if let Some(Value::Object(o)) = messages.get_mut(i) {
            o.insert("content".into(), marker_content());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tools() -> Vec<String> {
        crate::compaction::MicrocompactConfig::default().tools
    }

    fn transcript(n: usize) -> Vec<Value> {
        let mut v = vec![json!({"role":"user","content":"go"})];
        for i in 0..n {
            v.push(json!({"role":"assistant","content":[{"type":"toolCall","id":format!("c{i}"),"name":"exec","arguments":{"command":"ls"}}]}));
            v.push(json!({"role":"toolResult","toolCallId":format!("c{i}"),"toolName":"exec","content":[{"type":"text","text":format!("{i} ").repeat(500)}]}));
        }
        v
    }

    #[test]
    fn p1_t10_keeps_newest_five_and_pairing() {
        let mut msgs = transcript(9);
        let before = msgs.clone();
        let p = plan(&msgs, msgs.len(), &tools(), 5, Trigger::Time);
        assert_eq!(p.clear, vec![2, 4, 6, 8]);
        apply(&mut msgs, &p);
        for (a, b) in msgs.iter().zip(&before) {
            assert_eq!(a.get("role"), b.get("role"));
            assert_eq!(a.get("toolCallId"), b.get("toolCallId"));
        }
        assert!(is_cleared(&msgs[8]) && !is_cleared(&msgs[10]));
        assert_eq!(msgs.len(), before.len());
    }

    #[test]
    fn p1_t11_second_pass_is_a_no_op() {
        let mut msgs = transcript(9);
        let p = plan(&msgs, msgs.len(), &tools(), 5, Trigger::Time);
        apply(&mut msgs, &p);
        let again = plan(&msgs, msgs.len(), &tools(), 5, Trigger::Time);
        assert!(again.clear.is_empty());
        assert_eq!(again.already_cleared, 4);
        assert_eq!(again.saved_tokens, 0);
    }

    #[test]
    fn p1_t12_current_turn_is_untouched() {
        let msgs = transcript(9);
        assert!(plan(&msgs, 0, &tools(), 5, Trigger::Time).clear.is_empty());
        assert!(plan(&msgs, 1, &tools(), 1, Trigger::Time).clear.is_empty());
    }

    #[test]
    fn pressure_stops_under_warning_and_other_tools_are_kept() {
        let msgs = transcript(9);
        let one = plan(
            &msgs,
            msgs.len(),
            &tools(),
            5,
            Trigger::Pressure {
                tokens: 10_200,
                warning: 10_000,
            },
        );
        assert_eq!(one.clear, vec![2]);
        let none = plan(
            &msgs,
            msgs.len(),
            &tools(),
            5,
            Trigger::Pressure {
                tokens: 9_000,
                warning: 10_000,
            },
        );
        assert!(none.clear.is_empty());
        let only_read = plan(&msgs, msgs.len(), &["read".to_string()], 5, Trigger::Time);
        assert!(only_read.clear.is_empty());
    }

    #[test]
    fn issue20_batch_clears_every_eligible_result_where_minimal_stops_at_one() {
        let msgs = transcript(9);
        // Just over the warning: the minimal pass (P1-R16) clears one result, the batch all four.
        let minimal = Trigger::Pressure {
            tokens: 10_200,
            warning: 10_000,
        };
        assert_eq!(plan(&msgs, msgs.len(), &tools(), 5, minimal).clear, vec![2]);
        let batch = plan(&msgs, msgs.len(), &tools(), 5, Trigger::PressureBatch);
        assert_eq!(batch.clear, vec![2, 4, 6, 8]);
        assert_eq!(batch.carried, 0);
        // Without a trigger nothing new is cleared.
        assert!(plan(&msgs, msgs.len(), &tools(), 5, Trigger::Carry)
            .clear
            .is_empty());
    }

    #[test]
    fn issue20_sticky_results_stay_cleared_after_the_trigger_is_gone() {
        let msgs = transcript(11);
        let earlier = ["c0".to_string(), "c2".to_string()];
        let sticky = |m: &Value| tool_call_id(m).is_some_and(|id| earlier.iter().any(|e| e == id));
        // No trigger: exactly the results cleared before, nothing new, nothing restored.
        let carry = plan_sticky(&msgs, msgs.len(), &tools(), 5, Trigger::Carry, &sticky);
        assert_eq!(carry.clear, vec![2, 6]);
        assert_eq!(carry.carried, 2);
        assert_eq!(carry.saved_tokens, 0);
        // A minimal pass that is back under the warning after one new result still carries the
        // sticky result that comes after it (c2 at index 6).
        let minimal = plan_sticky(
            &msgs,
            msgs.len(),
            &tools(),
            5,
            Trigger::Pressure {
                tokens: 10_200,
                warning: 10_000,
            },
            &sticky,
        );
        assert_eq!(minimal.clear, vec![2, 4, 6]);
        assert_eq!(minimal.carried, 2);
        // The keepRecent window and the fence still win over stickiness.
        let all: Vec<String> = (0..11).map(|i| format!("c{i}")).collect();
        let every = |m: &Value| tool_call_id(m).is_some_and(|id| all.iter().any(|e| e == id));
        let kept = plan_sticky(&msgs, msgs.len(), &tools(), 5, Trigger::Carry, &every);
        assert_eq!(kept.clear, vec![2, 4, 6, 8, 10, 12]);
        assert!(plan_sticky(&msgs, 0, &tools(), 5, Trigger::Carry, &every)
            .clear
            .is_empty());
    }
}
