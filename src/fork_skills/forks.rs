//! Forks the agent spawns (P7-R2, R4a): the parent's cache-relevant parameters are
//! snapshotted from `llm_input` of main runs; a fork spawn whose parameters change a cache
//! field by construction is recorded (or blocked); a fork child's first request is compared
//! with the parent's snapshot field by field.

use super::cache::{tool_use_context, CacheSafeParams};
use super::CacheBreakMode;
use crate::audit::{block_text, Action, Decision, RECORD_VERSION};
use crate::json;
use crate::sorted::{SortedMap, SortedSet};
use serde_json::Value;
use std::collections::VecDeque;

/// Snapshots kept (main sessions, most recent first out).
pub const SNAPSHOT_LRU: usize = 64;

/// Phase 7 fork state of the process (memory only: snapshots hold whole conversations).
#[derive(Debug, Default)]
pub struct Forks {
    snapshots: SortedMap<String, CacheSafeParams>,
    order: VecDeque<String>,
    /// Fork spawns announced at `before_tool_call`, per parent, awaiting `subagent_spawned`.
    pending: SortedMap<String, usize>,
    /// Fork child → parent.
    children: SortedMap<String, String>,
    compared: SortedSet<String>,
    ruled: SortedSet<String>,
    /// Fork child → whether its first request kept every cache field.
    verdicts: SortedMap<String, bool>,
}

/// The fork rules (P7-R8), user-turn context of a fork child's first prompt.
pub const FORK_RULES: &str = "[agent-ops fork rules] You are a forked worker started with your parent's context. Do not start other agents. Do not chat with the user: carry out the directive. If you change files in a repository, commit them and list them. End with a report under 500 words that starts with \"Scope:\" and has the fields Scope, Result, Key files, Files changed, Issues.";

fn s<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str).filter(|x| !x.is_empty())
}

fn decision(
    now: i64,
    code: &str,
    action: Action,
    key: &str,
    message: String,
    details: Value,
) -> Decision {
    Decision {
        v: RECORD_VERSION,
        at: now,
        phase: "fork".into(),
        code: code.into(),
        action,
        message,
        session_key: Some(key.to_string()),
        run_id: None,
        tool_call_id: None,
        details,
    }
}

/// The five fields of one `llm_input` (the system and user contexts arrive merged into the
/// system prompt and the conversation, so differences there are reported under those fields).
pub fn params_of(event: &Value) -> CacheSafeParams {
    let tools: Vec<Value> = event
        .get("tools")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut prefix: Vec<Value> = event
        .get("historyMessages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(p) = event.get("prompt").filter(|p| !p.is_null()) {
        prefix.push(json!({ "role": "user", "content": p }));
    }
    CacheSafeParams {
        system_prompt: s(event, "systemPrompt").unwrap_or("").to_string(),
        user_context: String::new(),
        system_context: String::new(),
        tool_use_context: tool_use_context(
            &tools,
            s(event, "provider"),
            s(event, "model"),
            None,
            None,
        ),
        fork_prefix: prefix,
    }
}

impl Forks {
    /// `llm_input`: main runs store the snapshot; a fork child's first request is compared.
    pub fn llm_input(&mut self, now: i64, event: &Value, ctx: &Value) -> Vec<Decision> {
        let Some(key) = s(ctx, "sessionKey") else {
            return Vec::new();
        };
        let p = params_of(event);
        if crate::session_key::is_subagent_key(key) {
            let Some(parent) = self.children.get(key).cloned() else {
                return Vec::new();
            };
            if !self.compared.insert(key.to_string()) {
                return Vec::new();
            }
            let Some(snap) = self.snapshots.get(&parent) else {
                return vec![decision(now, "fork.cache.not_compared", Action::Note, key, format!("The fork's parent {parent} has no request snapshot in this process; cache safety was not compared."), json!({ "parent": parent }))];
            };
            let fields = snap.differing_fields(&p);
            self.verdicts.insert(key.to_string(), fields.is_empty());
            if fields.is_empty() {
                return vec![decision(
                    now,
                    "fork.cache.ok",
                    Action::Allow,
                    key,
                    "The fork's first request keeps the parent's five cache fields.".into(),
                    json!({ "parent": parent, "cacheKey": snap.cache_key() }),
                )];
            }
            return vec![decision(
                now,
                "fork.cache.broken",
                Action::Note,
                key,
                format!("The fork's first request differs from its parent's in {}; it cannot reuse the parent's prompt cache.", fields.join(", ")),
                json!({ "parent": parent, "fields": fields, "parentCacheKey": snap.cache_key(), "childCacheKey": p.cache_key() }),
            )];
        }
        if crate::session_key::is_internal_key(key) {
            return Vec::new();
        }
        self.snapshots.insert(key.to_string(), p);
        self.order.retain(|k| k != key);
        self.order.push_back(key.to_string());
        while self.order.len() > SNAPSHOT_LRU {
            if let Some(old) = self.order.pop_front() {
                self.snapshots.remove(&old);
            }
        }
        Vec::new()
    }

    /// For a fork child: `Some(Some(safe))` once compared, `Some(None)` before; `None` for
    /// any other session (cost attribution, P7-R4a).
    pub fn fork_cache_safe(&self, key: &str) -> Option<Option<bool>> {
        self.children
            .contains_key(key)
            .then(|| self.verdicts.get(key).copied())
    }

    /// A session's fork depth (0: not a fork child).
    pub fn depth(&self, key: &str) -> u64 {
        let mut d = 0;
        let mut cur = key;
        while let Some(p) = self.children.get(cur) {
            d += 1;
            if d > 16 {
                break;
            }
            cur = p;
        }
        d
    }

    /// P7-R7: a fork child may not start another fork beyond the depth limit, nor (by
    /// default) any other worker. Only sessions positively known as fork children are blocked.
    pub fn guard(
        &self,
        now: i64,
        max_depth: u64,
        children_may_spawn: bool,
        event: &Value,
        ctx: &Value,
    ) -> Option<(Value, Decision)> {
        let caller = s(ctx, "sessionKey")?;
        let depth = self.depth(caller);
        if depth == 0 {
            return None;
        }
        let params = event.get("params").cloned().unwrap_or(Value::Null);
        let (code, msg) = if s(&params, "context") == Some("fork") && depth >= max_depth {
            ("fork.recursive", "Forking is not available inside a forked worker; do the work directly or report back to the parent.")
        } else if !children_may_spawn {
            ("fork.child_spawn", "A forked worker may not start other agents; do the work directly or report back to the parent.")
        } else {
            return None;
        };
        let d = decision(
            now,
            code,
            Action::Deny,
            caller,
            msg.into(),
            json!({ "forkDepth": depth }),
        );
        Some((
            json!({ "block": true, "blockReason": block_text(code, msg) }),
            d,
        ))
    }

    /// P7-R8: the fork rules, once, at a fork child's first prompt.
    pub fn rules_for(&mut self, key: &str) -> Option<&'static str> {
        if self.children.contains_key(key) && self.ruled.insert(key.to_string()) {
            Some(FORK_RULES)
        } else {
            None
        }
    }

    /// `before_tool_call` of `sessions_spawn` (P7-R4a): fork spawns are remembered; a
    /// parameter that changes a cache field is recorded, and blocked in `block` mode.
    pub fn before_spawn(
        &mut self,
        now: i64,
        mode: CacheBreakMode,
        event: &Value,
        ctx: &Value,
    ) -> (Value, Vec<Decision>) {
        let Some(caller) = s(ctx, "sessionKey") else {
            return (Value::Null, Vec::new());
        };
        let params = event.get("params").cloned().unwrap_or(Value::Null);
        if s(&params, "context") != Some("fork") {
            return (Value::Null, Vec::new());
        }
        *self.pending.entry(caller.to_string()).or_insert(0) += 1;
        if mode == CacheBreakMode::Off {
            return (Value::Null, Vec::new());
        }
        let snap_model = self.snapshots.get(caller).and_then(|p| {
            p.tool_use_context
                .get("model")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        let caller_agent = s(ctx, "agentId").map(str::to_string).or_else(|| {
            caller
                .strip_prefix("agent:")
                .and_then(|r| r.split(':').next())
                .map(str::to_string)
        });
        let mut overrides: Vec<(&str, &str, String)> = Vec::new();
        if let Some(m) = s(&params, "model") {
            let same = snap_model
                .as_deref()
                .is_some_and(|sm| sm == m || sm.ends_with(&format!("/{m}")));
            if !same {
                overrides.push(("toolUseContext", "model", m.to_string()));
            }
        }
        if let Some(t) = params.get("thinking").filter(|t| !t.is_null()) {
            overrides.push(("toolUseContext", "thinking", t.to_string()));
        }
        if let Some(a) = s(&params, "agentId") {
            if caller_agent.as_deref() != Some(a) {
                overrides.push(("systemPrompt", "agentId", a.to_string()));
            }
        }
        let mut decisions = Vec::new();
        let mut ret = Value::Null;
        for (field, param, value) in overrides {
            let msg = format!("This fork sets `{param}` ({value}), which changes its {field} and loses the parent's prompt cache; drop the `{param}` parameter to keep the fork cache-safe.");
            let block = mode == CacheBreakMode::Block;
            decisions.push(decision(
                now,
                "fork.cache.override",
                if block { Action::Deny } else { Action::Note },
                caller,
                msg.clone(),
                json!({ "field": field, "param": param }),
            ));
            if block && ret.is_null() {
                ret = json!({ "block": true, "blockReason": block_text("fork.cache.override", &msg) });
            }
        }
        (ret, decisions)
    }

    /// `subagent_spawned`: a child of a parent with a pending fork spawn is a fork child.
    pub fn spawned(&mut self, event: &Value, ctx: &Value) {
        let Some(child) = s(event, "childSessionKey").or_else(|| s(ctx, "childSessionKey")) else {
            return;
        };
        let Some(parent) = s(ctx, "requesterSessionKey") else {
            return;
        };
        if let Some(n) = self.pending.get_mut(parent) {
            if *n > 0 {
                *n -= 1;
                self.children.insert(child.to_string(), parent.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(system: &str, model: &str, history: Vec<Value>) -> Value {
        json!({"systemPrompt": system, "provider": "fake", "model": model, "tools": [{"name": "exec"}], "historyMessages": history, "prompt": "next"})
    }

    #[test]
    fn p7_t1_snapshot_is_from_main_runs_only() {
        let mut f = Forks::default();
        f.llm_input(
            0,
            &input("main prompt", "m", vec![]),
            &json!({"sessionKey": "agent:main:main"}),
        );
        f.llm_input(
            0,
            &input("sub prompt", "m", vec![]),
            &json!({"sessionKey": "agent:main:subagent:x"}),
        );
        assert_eq!(f.snapshots["agent:main:main"].system_prompt, "main prompt");
        assert_eq!(f.snapshots.len(), 1);
    }

    #[test]
    fn p7_t24_block_mode_names_field_and_param() {
        let mut f = Forks::default();
        f.llm_input(
            0,
            &input("p", "m", vec![]),
            &json!({"sessionKey": "agent:main:main"}),
        );
        let ev = json!({"toolName": "sessions_spawn", "params": {"task": "t", "context": "fork", "model": "other/x"}});
        let (ret, d) = f.before_spawn(
            0,
            CacheBreakMode::Block,
            &ev,
            &json!({"sessionKey": "agent:main:main"}),
        );
        assert_eq!(ret["block"], true);
        assert!(ret["blockReason"]
            .as_str()
            .unwrap()
            .starts_with("agent-ops[fork.cache.override]"));
        assert_eq!(
            d[0].details,
            json!({"field": "toolUseContext", "param": "model"})
        );
        // The parent's own model is not an override; an isolated spawn is not a fork.
        let same = json!({"params": {"task": "t", "context": "fork", "model": "fake/m"}});
        assert!(f
            .before_spawn(
                0,
                CacheBreakMode::Block,
                &same,
                &json!({"sessionKey": "agent:main:main"})
            )
            .1
            .is_empty());
        let iso = json!({"params": {"task": "t", "model": "other/x"}});
        assert!(f
            .before_spawn(
                0,
                CacheBreakMode::Block,
                &iso,
                &json!({"sessionKey": "agent:main:main"})
            )
            .1
            .is_empty());
    }

    #[test]
    fn fork_child_first_request_is_compared_once() {
        let mut f = Forks::default();
        let parent = json!({"sessionKey": "agent:main:main"});
        f.llm_input(
            0,
            &input("p", "m", vec![json!({"role": "user", "content": "a"})]),
            &parent,
        );
        f.before_spawn(
            0,
            CacheBreakMode::Warn,
            &json!({"params": {"task": "t", "context": "fork"}}),
            &parent,
        );
        f.spawned(
            &json!({"childSessionKey": "agent:main:subagent:c"}),
            &json!({"requesterSessionKey": "agent:main:main"}),
        );
        let child = json!({"sessionKey": "agent:main:subagent:c"});
        let d = f.llm_input(
            1,
            &input(
                "subagent prompt",
                "m",
                vec![json!({"role": "user", "content": "a"})],
            ),
            &child,
        );
        assert_eq!(d[0].code, "fork.cache.broken");
        assert_eq!(d[0].details["fields"], json!(["systemPrompt"]));
        assert!(
            f.llm_input(2, &input("x", "m", vec![]), &child).is_empty(),
            "first request only"
        );
    }
}

#[cfg(test)]
mod guard_tests {
    use super::*;

    fn forked(f: &mut Forks, parent: &str, child: &str) {
        f.before_spawn(
            0,
            CacheBreakMode::Off,
            &json!({"params": {"task": "t", "context": "fork"}}),
            &json!({"sessionKey": parent}),
        );
        f.spawned(
            &json!({"childSessionKey": child}),
            &json!({"requesterSessionKey": parent}),
        );
    }

    #[test]
    fn p7_t5_t6_fork_children_cannot_fork_or_spawn_by_default() {
        let mut f = Forks::default();
        forked(&mut f, "agent:main:main", "agent:main:subagent:c");
        let ctx = json!({"sessionKey": "agent:main:subagent:c"});
        let (ret, d) = f
            .guard(
                0,
                1,
                false,
                &json!({"params": {"task": "x", "context": "fork"}}),
                &ctx,
            )
            .unwrap();
        assert_eq!(d.code, "fork.recursive");
        assert!(ret["blockReason"]
            .as_str()
            .unwrap()
            .starts_with("agent-ops[fork.recursive]"));
        let (_, d) = f
            .guard(0, 1, false, &json!({"params": {"task": "x"}}), &ctx)
            .unwrap();
        assert_eq!(d.code, "fork.child_spawn");
        assert!(f
            .guard(0, 1, true, &json!({"params": {"task": "x"}}), &ctx)
            .is_none());
        assert!(f
            .guard(
                0,
                1,
                false,
                &json!({"params": {"task": "x", "context": "fork"}}),
                &json!({"sessionKey": "agent:main:main"})
            )
            .is_none());
        assert_eq!(f.rules_for("agent:main:subagent:c"), Some(FORK_RULES));
        assert_eq!(f.rules_for("agent:main:subagent:c"), None, "once");
    }
}
