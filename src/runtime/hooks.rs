//! One OpenClaw registration per hook name (issue 17, item 5).
//!
//! Each phase lists its own handlers ([`Registration`], `<phaseKey>:<hook>`). Registering all
//! of them made OpenClaw run, count and report the same hook once per phase: with conversation
//! access off, the gateway log said `typed hook "agent_end" blocked` three times. The binding
//! layer now registers [`HookRegistration`]s, one per hook, and the core runs the phases of
//! that hook itself, in the order and with the result merging OpenClaw applies between
//! separate handlers, so the behaviour is the same as with one registration per phase.

use super::types::{FailureMode, FailurePolicy, Registration};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One hook the binding layer registers (`api.on(hook, …)` once); `dispatch(handler)` runs
/// every phase that handles it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HookRegistration {
    /// Name to pass to `dispatch`: the bare hook name.
    pub handler: String,
    /// OpenClaw hook name.
    pub hook: String,
    /// Config keys of the phases behind it, in the order they run.
    pub phases: Vec<String>,
    /// Highest priority among the phases (higher runs first), so the first of our phases
    /// still runs where OpenClaw ran it among other plugins' handlers.
    pub priority: i32,
    /// Tool ids (`before_tool_call` / `after_tool_call`): the union of the phases' matchers;
    /// absent when one phase wants every tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matcher: Option<Vec<String>>,
    /// What to return when the core fails.
    pub failure: HookFailure,
}

/// Failure policy of a merged hook: closed (block) for the tools of the phases that fail
/// closed, open for the others, as when each phase had its own registration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HookFailure {
    /// `closed` when at least one phase fails closed.
    pub mode: FailureMode,
    /// What to return to OpenClaw when the core errors or traps (closed mode).
    pub ret: Value,
    /// Closed only for these tool ids (lower case); absent: for every call of the hook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<String>>,
}

/// Orders `regs` the way OpenClaw runs separate handlers: priority descending, then
/// registration order.
pub(super) fn sort_by_priority(regs: &mut Vec<Registration>) {
    // A stable sort: equal priorities keep registration order, as in OpenClaw.
    crate::sorted::sort_by_key(regs, |r| std::cmp::Reverse(r.priority));
}

/// One [`HookRegistration`] per hook name of `regs` (already in run order), in order of
/// first appearance.
pub(super) fn merge_registrations(regs: &[Registration]) -> Vec<HookRegistration> {
    // Each hook with the union of its phases' matchers so far (`None`: every tool).
    let mut out: Vec<(HookRegistration, Option<Vec<String>>)> = Vec::new();
    for r in regs {
        if !out.iter().any(|(h, _)| h.hook == r.hook) {
            out.push((
                HookRegistration {
                    handler: r.hook.clone(),
                    hook: r.hook.clone(),
                    phases: Vec::new(),
                    priority: r.priority,
                    matcher: None,
                    failure: HookFailure {
                        mode: FailureMode::Open,
                        ret: Value::Null,
                        tools: None,
                    },
                },
                Some(Vec::new()),
            ));
        }
        let Some((h, matcher)) = out.iter_mut().find(|(h, _)| h.hook == r.hook) else {
            continue;
        };
        if !h.phases.contains(&r.phase) {
            h.phases.push(r.phase.clone());
        }
        h.priority = h.priority.max(r.priority);
        *matcher = match (matcher.take(), &r.matcher) {
            (Some(all), Some(m)) => Some(union(all, m)),
            _ => None,
        };
        merge_failure(&mut h.failure, &r.failure, r.matcher.as_deref());
    }
    out.into_iter()
        .map(|(mut h, m)| {
            h.matcher = m.map(|mut all| {
                crate::sorted::sort(&mut all);
                all
            });
            h
        })
        .collect()
}

/// `all` plus the lower-case entries of `more` it lacks.
fn union(mut all: Vec<String>, more: &[String]) -> Vec<String> {
    for t in more {
        let t = t.to_ascii_lowercase();
        if !all.contains(&t) {
            all.push(t);
        }
    }
    all
}

/// Adds one phase's failure policy: the first closed phase decides the returned value; its
/// tools (or every call, without a matcher) join the closed set.
fn merge_failure(acc: &mut HookFailure, next: &FailurePolicy, matcher: Option<&[String]>) {
    if next.mode != FailureMode::Closed {
        return;
    }
    let first = acc.mode != FailureMode::Closed;
    if first {
        acc.mode = FailureMode::Closed;
        acc.ret = next.ret.clone();
    }
    acc.tools = match (first, acc.tools.take(), matcher) {
        (_, _, None) | (false, None, Some(_)) => None,
        (true, _, Some(m)) => Some(union(Vec::new(), m)),
        (false, Some(all), Some(m)) => Some(union(all, m)),
    };
}

/// Whether a phase registered with `matcher` sees this event (OpenClaw compares the lower-case
/// tool id with the matcher's entries). Tool ids are ASCII (model providers accept only
/// `[a-zA-Z0-9_-]` names), so ASCII lower case is OpenClaw's `toLowerCase` on every id that can
/// reach us, without linking core's Unicode case tables (plugin size, README G-R3).
pub(super) fn covers(matcher: Option<&[String]>, event: &Value) -> bool {
    let Some(m) = matcher else { return true };
    let tool = event
        .get("toolName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    m.iter().any(|t| t.to_ascii_lowercase() == tool)
}

/// What the merged result of the phases run so far means for the next ones.
pub(super) enum Merged {
    /// Run the next phase.
    Continue(Value),
    /// A terminal result (OpenClaw would skip the remaining handlers too).
    Stop(Value),
}

/// Merges the result of the next phase into the ones before it, as OpenClaw merges separate
/// handlers of `hook` (`runModifyingHook`): `before_tool_call` stops at a block, keeps the
/// first approval request and the last params; `before_agent_run` stops at a block;
/// the prompt hooks concatenate their text segments; other hooks keep the first result.
pub(super) fn merge_ret(hook: &str, acc: Value, next: Value) -> Merged {
    if next.is_null() {
        return Merged::Continue(acc);
    }
    match hook {
        "before_tool_call" => merge_tool_call(acc, next),
        "before_agent_run" => {
            let stop = next.get("outcome").and_then(Value::as_str) == Some("block");
            if stop {
                Merged::Stop(next)
            } else if acc.is_null() {
                Merged::Continue(next)
            } else {
                Merged::Continue(acc)
            }
        }
        "before_prompt_build" | "agent_turn_prepare" => {
            Merged::Continue(merge_text_segments(acc, next))
        }
        _ if acc.is_null() => Merged::Continue(next),
        _ => Merged::Continue(acc),
    }
}

fn merge_tool_call(acc: Value, next: Value) -> Merged {
    let (Some(a), Some(n)) = (acc.as_object(), next.as_object()) else {
        let stop = next.get("block") == Some(&Value::Bool(true));
        return if stop {
            Merged::Stop(next)
        } else {
            Merged::Continue(next)
        };
    };
    let mut out = Map::new();
    let approval = a
        .get("requireApproval")
        .filter(|v| !v.is_null())
        .or_else(|| n.get("requireApproval").filter(|v| !v.is_null()));
    let params = if a.get("requireApproval").is_some_and(|v| !v.is_null()) {
        a.get("params")
    } else {
        n.get("params").or_else(|| a.get("params"))
    };
    if let Some(p) = params {
        out.insert("params".into(), p.clone());
    }
    let block =
        a.get("block") == Some(&Value::Bool(true)) || n.get("block") == Some(&Value::Bool(true));
    if block {
        out.insert("block".into(), Value::Bool(true));
    }
    if let Some(r) = n.get("blockReason").or_else(|| a.get("blockReason")) {
        out.insert("blockReason".into(), r.clone());
    }
    if let Some(r) = approval {
        out.insert("requireApproval".into(), r.clone());
    }
    let merged = Value::Object(out);
    if block {
        Merged::Stop(merged)
    } else {
        Merged::Continue(merged)
    }
}

/// `before_prompt_build`: text segments joined with a blank line, the first `systemPrompt`
/// kept, other keys of the first result kept.
fn merge_text_segments(acc: Value, next: Value) -> Value {
    let (Value::Object(mut a), Value::Object(n)) = (acc.clone(), next.clone()) else {
        return if acc.is_null() { next } else { acc };
    };
    for (k, v) in n {
        let joinable = matches!(
            k.as_str(),
            "prependContext" | "appendContext" | "prependSystemContext" | "appendSystemContext"
        );
        match (a.get(&k).and_then(Value::as_str), v.as_str()) {
            (Some(left), Some(right)) if joinable && !left.is_empty() && !right.is_empty() => {
                let joined = format!("{left}\n\n{right}");
                a.insert(k, Value::String(joined));
            }
            _ => {
                let keep = a
                    .get(&k)
                    .is_some_and(|x| !x.is_null() && x.as_str() != Some(""));
                if !keep {
                    a.insert(k, v);
                }
            }
        }
    }
    Value::Object(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reg(
        phase: &str,
        hook: &str,
        priority: i32,
        matcher: Option<&[&str]>,
        closed: bool,
    ) -> Registration {
        Registration {
            handler: format!("{phase}:{hook}"),
            hook: hook.into(),
            phase: phase.into(),
            priority,
            matcher: matcher.map(|m| m.iter().map(|s| s.to_string()).collect()),
            failure: FailurePolicy {
                mode: if closed {
                    FailureMode::Closed
                } else {
                    FailureMode::Open
                },
                ret: if closed {
                    json!({"block": true})
                } else {
                    Value::Null
                },
            },
        }
    }

    #[test]
    fn one_registration_per_hook_with_union_matcher_and_closed_tools() {
        let mut regs = vec![
            reg("compaction", "after_tool_call", 0, Some(&["read"]), false),
            reg(
                "bashSecurity",
                "before_tool_call",
                1000,
                Some(&["exec", "process"]),
                true,
            ),
            reg(
                "coordinator",
                "before_tool_call",
                300,
                Some(&["sessions_spawn"]),
                false,
            ),
            reg("sessionMemory", "agent_end", 0, None, false),
            reg("coordinator", "agent_end", 0, None, false),
            reg("loopBudget", "after_tool_call", 0, None, false),
        ];
        sort_by_priority(&mut regs);
        let hooks = merge_registrations(&regs);
        let names: Vec<&str> = hooks.iter().map(|h| h.hook.as_str()).collect();
        assert_eq!(names, ["before_tool_call", "after_tool_call", "agent_end"]);
        let btc = &hooks[0];
        assert_eq!(btc.handler, "before_tool_call");
        assert_eq!(btc.priority, 1000);
        assert_eq!(btc.phases, ["bashSecurity", "coordinator"]);
        assert_eq!(
            btc.matcher.as_deref(),
            Some(
                &[
                    "exec".to_string(),
                    "process".into(),
                    "sessions_spawn".into()
                ][..]
            )
        );
        assert_eq!(btc.failure.mode, FailureMode::Closed);
        assert_eq!(
            btc.failure.tools.as_deref(),
            Some(&["exec".to_string(), "process".into()][..])
        );
        assert_eq!(btc.failure.ret, json!({"block": true}));
        // One phase without a matcher: every tool.
        assert_eq!(hooks[1].matcher, None);
        assert_eq!(hooks[1].failure.mode, FailureMode::Open);
        assert_eq!(hooks[2].phases, ["sessionMemory", "coordinator"]);
    }

    #[test]
    fn covers_compares_lower_case_tool_ids() {
        let m = vec!["exec".to_string()];
        assert!(covers(Some(&m), &json!({"toolName": "EXEC"})));
        assert!(!covers(Some(&m), &json!({"toolName": "read"})));
        assert!(!covers(Some(&m), &json!({})));
        assert!(covers(None, &json!({})));
    }

    #[test]
    fn tool_call_block_stops_and_keeps_the_first_approval() {
        let asked = json!({"requireApproval": {"title": "t"}, "params": {"a": 1}});
        let Merged::Continue(acc) = merge_ret("before_tool_call", Value::Null, asked) else {
            panic!("an approval request is not terminal")
        };
        let Merged::Continue(acc) = merge_ret("before_tool_call", acc, json!({"params": {"a": 2}}))
        else {
            panic!("params are not terminal")
        };
        assert_eq!(
            acc["params"],
            json!({"a": 1}),
            "params after an approval request stay"
        );
        let Merged::Stop(done) = merge_ret(
            "before_tool_call",
            acc,
            json!({"block": true, "blockReason": "r"}),
        ) else {
            panic!("a block is terminal")
        };
        assert_eq!(done["block"], true);
        assert_eq!(done["blockReason"], "r");
        assert_eq!(done["requireApproval"]["title"], "t");
    }

    #[test]
    fn prompt_segments_are_joined_and_other_hooks_keep_the_first_result() {
        let Merged::Continue(v) = merge_ret(
            "before_prompt_build",
            json!({"appendSystemContext": "a", "systemPrompt": "s1"}),
            json!({"appendSystemContext": "b", "prependContext": "p", "systemPrompt": "s2"}),
        ) else {
            panic!("prompt hooks never stop")
        };
        assert_eq!(
            v,
            json!({"appendSystemContext": "a\n\nb", "prependContext": "p", "systemPrompt": "s1"})
        );
        let Merged::Continue(v) = merge_ret(
            "tool_result_persist",
            json!({"message": 1}),
            json!({"message": 2}),
        ) else {
            panic!("not terminal")
        };
        assert_eq!(v, json!({"message": 1}));
        let Merged::Stop(v) =
            merge_ret("before_agent_run", Value::Null, json!({"outcome": "block"}))
        else {
            panic!("a blocked run is terminal")
        };
        assert_eq!(v["outcome"], "block");
    }
}
