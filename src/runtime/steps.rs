//! The context engine's multi-step calls as a core-driven effect loop (issue 18 item 5).
//!
//! `compact`, `maintain` and the compaction provider's `summarize` each need work only
//! JavaScript can do between two core decisions: wait for in-flight jobs, run OpenClaw's
//! delegate compaction, read or rewrite the stored transcript, call the LLM. The binding layer
//! asks for the engine method `step` with `{op, params}`; every answer is one step:
//!
//! * `{effect, next, fallback}`: perform `effect`, then ask `step` again with `next` plus
//!   `outcome` (`{result}`, `{error, aborted}` or `{unavailable: true}`); when that call fails
//!   (core error or trap), follow `fallback` instead;
//! * `{value}`: return `value` to OpenClaw; `{throw}`: throw it (a message, or the outcome's
//!   own error).
//!
//! Values and effect arguments are templates: `{"$ref": "a.b", "default": x}` is the value at
//! that path of the binding layer's scope (`call`: OpenClaw's arguments, `factory`: the
//! engine factory's context, `api`: the plugin API, `outcome`: the last effect's raw outcome),
//! or `x` when it is `null`/absent; `{"$spread": "a.b", …}` is that object with the other keys
//! set over it. They name what JSON cannot carry (functions, signals, OpenClaw's config
//! object); every decision stays here. The continuation travels in `next`, so the core keeps
//! no per-call state for it.

use super::{Active, CoreError, Diagnostic};
use crate::host::{Host, LogLevel};
use crate::json;
use serde_json::Value;

/// The fixed parts of the protocol as JSON text (parsed when needed: data costs the wasm build
/// far less than the code `json!` expands to, README G-R3).
///
/// * `fields`: per engine method, the paths of OpenClaw's arguments the binding layer sends
///   (`runtimeContext.*` names the fields the core reads; the rest holds config, functions and
///   signals, and stays in JavaScript).
/// * `failure`: per step op, the step to follow when its first call to the core fails (the
///   engine's failure policy, README G-R21): OpenClaw's own compaction (OC-R11: the engine
///   never throws to OpenClaw), a no-op maintain, the built-in summary (a provider declines
///   by throwing).
/// * `delegate`: OpenClaw's delegate compaction (openclaw.md §13); `read` and `rewrite`: the
///   stored transcript (§13.5); `maintainArgs`: the post-turn delegation, whose runtime
///   context lacks model and config (§13.3); `llm`: the summarizer call (§13.4).
const PROTOCOL: &str = r#"{
"fields": {
  "assemble": ["sessionId", "sessionKey", "messages", "tokenBudget", "model", "runtimeSettings.model"],
  "compact": ["sessionId", "sessionKey", "tokenBudget", "force", "currentTokenCount", "compactionTarget", "customInstructions"],
  "maintain": ["sessionId", "sessionKey"],
  "commitTurn": ["advancementKey", "admission.sessionId", "admission.sessionKey", "messages"],
  "summarize": ["messages", "previousSummary"],
  "prepareSubagentSpawn": ["parentSessionKey", "childSessionKey", "contextMode"],
  "rollbackSubagentSpawn": ["parentSessionKey", "childSessionKey", "contextMode"],
  "onSubagentEnded": ["childSessionKey", "reason"]
},
"runtimeFields": ["trigger", "forceReason", "currentTokenCount", "provider", "model", "modelId", "modelContextWindow",
  "tokenBudget", "attempt", "maxAttempts", "contextWindowReferenceTokens", "preflightCompactionTrigger"],
"failure": {
  "compact": {"effect": {"kind": "invoke", "module": "openclaw/plugin-sdk/core", "fn": "delegateCompactionToRuntime",
    "args": [{"$spread": "call"}], "signal": "call.abortSignal"}},
  "maintain": {"value": {"changed": false, "bytesFreed": 0, "rewrittenEntries": 0}},
  "summarize": {"throw": "agent-ops: the nine-section summary is unavailable; using OpenClaw's summary"}
},
"delegated": {"$ref": "outcome.result",
  "default": {"ok": false, "compacted": false, "reason": "agent-ops: compaction failed; see the gateway log"}},
"delegate": {"kind": "invoke", "module": "openclaw/plugin-sdk/core", "fn": "delegateCompactionToRuntime"},
"maintainArgs": {
  "sessionId": {"$ref": "call.sessionId"}, "sessionKey": {"$ref": "call.sessionKey"},
  "sessionTarget": {"$ref": "call.sessionTarget"}, "force": true,
  "runtimeContext": {"$spread": "call.runtimeContext",
    "model": {"$ref": "call.runtimeContext.model", "default": {"$ref": "call.runtimeContext.modelId"}},
    "config": {"$ref": "call.runtimeContext.config", "default": {"$ref": "factory.config"}},
    "agentDir": {"$ref": "call.runtimeContext.agentDir", "default": {"$ref": "factory.agentDir"}},
    "workspaceDir": {"$ref": "call.runtimeContext.workspaceDir", "default": {"$ref": "factory.workspaceDir"}}}
},
"read": {"kind": "invoke", "module": "openclaw/plugin-sdk/session-transcript-runtime",
  "fn": "readVisibleSessionTranscriptMessageEntries",
  "args": [{"$ref": "call.sessionTarget", "default": {"$ref": "call.runtimeContext.sessionTarget"}}],
  "requires": "call.runtimeContext.rewriteTranscriptEntries"},
"rewrite": {"kind": "invoke", "fn": "call.runtimeContext.rewriteTranscriptEntries"},
"llm": {"kind": "invoke", "fn": "api.runtime.llm.complete"}
}"#;

/// One part of [`PROTOCOL`] (`null` if it were ever malformed: a test parses every part).
fn part(name: &str) -> Value {
    crate::json::from_str::<Value>(PROTOCOL)
        .ok()
        .and_then(|mut p| p.get_mut(name).map(Value::take))
        .unwrap_or(Value::Null)
}

/// Sets `key` in an object (anything else is left alone).
fn with(mut v: Value, key: &str, x: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.insert(key.into(), x);
    }
    v
}

/// What `maintain` answers when it does nothing.
fn pass() -> Value {
    let mut f = part("failure");
    f.get_mut("maintain")
        .map(Value::take)
        .unwrap_or(Value::Null)
}

/// Per engine method, the paths of OpenClaw's arguments to send (see [`PROTOCOL`]).
pub(in crate::runtime) fn fields() -> Value {
    let rc: Vec<Value> = part("runtimeFields")
        .as_array()
        .map(|f| {
            f.iter()
                .filter_map(Value::as_str)
                .map(|f| Value::String(format!("runtimeContext.{f}")))
                .collect()
        })
        .unwrap_or_default();
    let mut fields = part("fields");
    for m in ["assemble", "compact", "maintain"] {
        if let Some(Value::Array(a)) = fields.get_mut(m) {
            a.extend(rc.iter().cloned());
        }
    }
    fields
}

/// Per step op, the step to follow when its first call to the core fails (see [`PROTOCOL`]).
pub(in crate::runtime) fn failure() -> Value {
    let mut f = part("failure");
    if let Some(c) = f.get_mut("compact") {
        *c = with(c.take(), "value", part("delegated"));
    }
    f
}

/// The effect that runs OpenClaw's delegate compaction with `args` (a template); with
/// `call_signal`, an abort is read from OpenClaw's own signal.
fn delegate(args: Value, call_signal: bool) -> Value {
    let e = with(part("delegate"), "args", Value::Array(vec![args]));
    if call_signal {
        with(e, "signal", Value::String("call.abortSignal".into()))
    } else {
        e
    }
}

/// What a delegated compaction returns when the core adds nothing: the delegate's own result,
/// or a failed result naming its error.
fn delegated_value(error: Option<&str>) -> Value {
    match error {
        Some(e) => {
            json!({ "ok": false, "compacted": false, "reason": format!("agent-ops: compaction failed: {e}") })
        }
        None => part("delegated"),
    }
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// `{effect, next, fallback}` with `next` = `{op, stage, params, state}`.
fn effect(
    effect: Value,
    op: &str,
    stage: &str,
    params: &Value,
    state: Value,
    fallback: Value,
) -> Value {
    json!({
        "effect": effect,
        "next": { "op": op, "stage": stage, "params": params, "state": state },
        "fallback": fallback,
    })
}

fn done(value: Value) -> Value {
    json!({ "value": value })
}

/// The engine calls of one step, with their diagnostics collected for the answer.
struct Calls<'a> {
    active: &'a mut Active,
    host: &'a dyn Host,
    diagnostics: Vec<Value>,
}

impl Calls<'_> {
    /// One engine method; its `value` (`null` on an error, which becomes a diagnostic).
    fn call(&mut self, method: &str, params: Value) -> Value {
        let answer = super::engine::engine(self.active, self.host, method, &params);
        let mut answer = match answer {
            Ok(a) => a,
            Err(e) => {
                self.warn(e.code.as_str(), e.message);
                return Value::Null;
            }
        };
        if let Some(Value::Array(d)) = answer.get_mut("diagnostics").map(Value::take) {
            self.diagnostics.extend(d);
        }
        answer
            .get_mut("value")
            .map(Value::take)
            .unwrap_or(Value::Null)
    }

    fn warn(&mut self, code: &str, message: String) {
        let d = Diagnostic {
            level: LogLevel::Warn,
            code: code.into(),
            message,
        };
        self.diagnostics
            .push(serde_json::to_value(d).unwrap_or(Value::Null));
    }
}

/// The engine method `step`: `{op, stage?, params, state?, outcome?}` → `{value: Step,
/// diagnostics}`.
pub(super) fn step(
    active: &mut Active,
    host: &dyn Host,
    input: &Value,
) -> Result<Value, CoreError> {
    let op = s(input, "op").unwrap_or("");
    let stage = s(input, "stage").unwrap_or("start");
    let params = input.get("params").cloned().unwrap_or(Value::Null);
    let state = input.get("state").unwrap_or(&Value::Null);
    let outcome = input.get("outcome").unwrap_or(&Value::Null);
    let mut c = Calls {
        active,
        host,
        diagnostics: Vec::new(),
    };
    let value = match op {
        "compact" => compact(&mut c, stage, &params, state, outcome),
        "maintain" => maintain(&mut c, stage, &params, state, outcome),
        "summarize" => summarize(&mut c, stage, &params, outcome),
        _ => None,
    };
    let value = value.ok_or_else(|| {
        CoreError::invalid_input("/params", format!("unknown step `{op}` / `{stage}`"))
    })?;
    Ok(json!({ "value": value, "diagnostics": c.diagnostics }))
}

/// The outcome's error text, when the effect failed.
fn error_of(outcome: &Value) -> Option<&str> {
    outcome
        .get("error")
        .map(|e| e.as_str().unwrap_or("unknown error"))
}

/// `compact`: wait for the session's notes job (P3-R17), gate (phase 1), delegate, report.
fn compact(
    c: &mut Calls<'_>,
    stage: &str,
    params: &Value,
    state: &Value,
    outcome: &Value,
) -> Option<Value> {
    let mut stage = stage;
    if stage == "start" {
        let w = c.call(
            "compactWait",
            json!({ "sessionId": params.get("sessionId"), "sessionKey": params.get("sessionKey") }),
        );
        if w.get("waitMs")
            .and_then(Value::as_f64)
            .is_some_and(|ms| ms > 0.0)
        {
            let wait = json!({ "kind": "wait", "waitMs": w.get("waitMs"), "jobs": w.get("jobs") });
            return Some(effect(
                wait,
                "compact",
                "gate",
                params,
                Value::Null,
                failure()
                    .get_mut("compact")
                    .map(Value::take)
                    .unwrap_or(Value::Null),
            ));
        }
        stage = "gate";
    }
    match stage {
        "gate" => {
            let d = c.call("compact", params.clone());
            if s(&d, "action") == Some("return") {
                return Some(done(d.get("value").cloned().unwrap_or(Value::Null)));
            }
            let args = match s(&d, "customInstructions") {
                Some(ci) => json!({ "$spread": "call", "customInstructions": ci }),
                None => json!({ "$spread": "call" }),
            };
            let state = json!({ "attempt": d.get("attempt") });
            Some(effect(
                delegate(args, true),
                "compact",
                "delegated",
                params,
                state,
                json!({ "value": delegated_value(None) }),
            ))
        }
        "delegated" => {
            let error = error_of(outcome);
            if let Some(attempt) = s(state, "attempt") {
                let v = c.call("compactResult", report(attempt, outcome));
                if !v.is_null() {
                    return Some(done(v));
                }
            }
            Some(done(delegated_value(error)))
        }
        _ => None,
    }
}

/// The delegate's outcome as `compactResult` reads it.
fn report(attempt: &str, outcome: &Value) -> Value {
    json!({
        "attempt": attempt,
        "result": outcome.get("result"),
        "error": error_of(outcome),
        "aborted": outcome.get("aborted").and_then(Value::as_bool).unwrap_or(false),
    })
}

/// `maintain`: after a committed turn, compaction at our threshold (openclaw.md §13.3) or
/// persistent microcompaction through the transcript rewrite (§13.5).
fn maintain(
    c: &mut Calls<'_>,
    stage: &str,
    params: &Value,
    state: &Value,
    outcome: &Value,
) -> Option<Value> {
    let pass = pass;
    let key = params.get("sessionKey").cloned().unwrap_or(Value::Null);
    match stage {
        "start" => {
            let d = c.call("maintain", params.clone());
            match s(&d, "action") {
                Some("delegate") => {
                    // The post-turn runtime context lacks model and config (§13.3).
                    let budget = json!({ "$ref": "call.runtimeContext.tokenBudget", "default": d.get("tokenBudget") });
                    let mut args = with(part("maintainArgs"), "tokenBudget", budget);
                    if let Some(ci) = d.get("customInstructions").filter(|v| !v.is_null()) {
                        args = with(args, "customInstructions", ci.clone());
                    }
                    let state = json!({ "attempt": d.get("attempt") });
                    Some(effect(
                        delegate(args, false),
                        "maintain",
                        "delegated",
                        params,
                        state,
                        pass(),
                    ))
                }
                Some("microcompact") => {
                    let read = part("read");
                    Some(effect(
                        read,
                        "maintain",
                        "entries",
                        params,
                        Value::Null,
                        pass(),
                    ))
                }
                _ => Some(pass()),
            }
        }
        "delegated" => {
            if let Some(attempt) = s(state, "attempt") {
                c.call("compactResult", report(attempt, outcome));
            }
            Some(pass())
        }
        "entries" => {
            if outcome.get("unavailable") == Some(&Value::Bool(true)) {
                return Some(pass());
            }
            if let Some(e) = error_of(outcome) {
                c.call(
                    "microcompactPersisted",
                    json!({ "sessionKey": key, "error": e }),
                );
                return Some(pass());
            }
            let entries = match outcome.get("result") {
                Some(v @ Value::Array(_)) => v.clone(),
                _ => json!([]),
            };
            let plan = c.call("microcompactEntries", json!({ "sessionId": params.get("sessionId"), "sessionKey": key, "entries": entries }));
            match plan.get("replacements") {
                Some(Value::Array(r)) if !r.is_empty() => {
                    let rewrite = with(part("rewrite"), "args", json!([{ "replacements": r }]));
                    Some(effect(
                        rewrite,
                        "maintain",
                        "rewritten",
                        params,
                        Value::Null,
                        pass(),
                    ))
                }
                _ => Some(pass()),
            }
        }
        "rewritten" => {
            if let Some(e) = error_of(outcome) {
                c.call(
                    "microcompactPersisted",
                    json!({ "sessionKey": key, "error": e }),
                );
                return Some(pass());
            }
            let r = outcome.get("result").cloned().unwrap_or(Value::Null);
            c.call(
                "microcompactPersisted",
                json!({ "sessionKey": key, "result": r }),
            );
            let n = |k: &str| {
                r.get(k)
                    .filter(|v| v.as_f64().is_some_and(|f| f != 0.0))
                    .cloned()
                    .unwrap_or(json!(0))
            };
            let changed = r.get("changed").is_some_and(truthy);
            Some(done(
                json!({ "changed": changed, "bytesFreed": n("bytesFreed"), "rewrittenEntries": n("rewrittenEntries") }),
            ))
        }
        _ => None,
    }
}

/// JavaScript truthiness of a JSON value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(t) => !t.is_empty(),
        _ => true,
    }
}

/// The compaction provider's `summarize` (openclaw.md §13.4): the nine-section request, the
/// LLM call, the section check.
fn summarize(c: &mut Calls<'_>, stage: &str, params: &Value, outcome: &Value) -> Option<Value> {
    match stage {
        "start" => {
            let req = c.call("summaryRequest", json!({ "messages": params.get("messages"), "previousSummary": params.get("previousSummary") }));
            if req.is_null() || req.get("skip").is_some_and(truthy) {
                return Some(
                    json!({ "throw": "agent-ops: the nine-section summary is off; using OpenClaw's summary" }),
                );
            }
            let args = json!([{
                "systemPrompt": req.get("systemPrompt"),
                "messages": [{ "role": "user", "content": req.get("prompt") }],
                "purpose": req.get("purpose"),
                "maxTokens": req.get("maxTokens"),
                "signal": { "$ref": "call.signal" },
            }]);
            let llm = with(part("llm"), "args", args);
            let fallback = json!({ "throw": "agent-ops: the summary could not be checked; using OpenClaw's summary" });
            Some(effect(
                llm,
                "summarize",
                "answered",
                params,
                Value::Null,
                fallback,
            ))
        }
        "answered" => {
            if outcome.get("error").is_some() {
                // The LLM call's own error reaches OpenClaw, as if thrown here.
                return Some(json!({ "throw": { "$ref": "outcome.cause" } }));
            }
            // Issue 20: the summary's dollars count against the caps of the session it served.
            if let Some(result) = outcome.get("result") {
                for d in super::interplay::summary_usage(c.active, c.host, result) {
                    c.diagnostics
                        .push(serde_json::to_value(d).unwrap_or(Value::Null));
                }
            }
            let text = outcome
                .pointer("/result/text")
                .and_then(Value::as_str)
                .unwrap_or("");
            let check = c.call("summaryCheck", json!({ "text": text }));
            if check.get("ok") == Some(&Value::Bool(true)) {
                return Some(done(json!({ "$ref": "outcome.result.text" })));
            }
            let missing: Vec<&str> = check
                .get("missing")
                .and_then(Value::as_array)
                .map(|m| m.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let missing = if missing.is_empty() {
                "empty".to_string()
            } else {
                missing.join(", ")
            };
            Some(
                json!({ "throw": format!("agent-ops: the summary lacks required sections ({missing})") }),
            )
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_of_the_protocol_parses() {
        for name in [
            "fields",
            "runtimeFields",
            "failure",
            "delegated",
            "delegate",
            "maintainArgs",
            "read",
            "rewrite",
            "llm",
        ] {
            assert!(part(name).is_object() || part(name).is_array(), "{name}");
        }
        assert!(part("nope").is_null());
        assert_eq!(pass()["value"]["changed"], false);
        assert_eq!(fields()["maintain"].as_array().map(Vec::len), Some(14));
        assert_eq!(failure()["compact"]["value"]["$ref"], "outcome.result");
    }
}
