//! The context engine's and compaction provider's methods, routed (issue 18 item 3): phase 1
//! answers its own methods, phase 6 the subagent methods, phase 3 `compactWait`; the
//! multi-step calls run as the core-driven effect loop of [`super::steps`]. The hand-offs
//! between them (notes for the summariser, the repaired transcript) are
//! [`super::interplay`]'s.

use super::interplay::{self, deliver};
use super::{Active, CoreError, HookResponse};
use crate::compaction;
use crate::host::Host;
use crate::json;
use serde_json::Value;

/// Every method the engine answers.
const METHODS: [&str; 16] = [
    "step",
    "prepareSubagentSpawn",
    "rollbackSubagentSpawn",
    "onSubagentEnded",
    "assemble",
    "compactWait",
    "compact",
    "compactResult",
    "commitTurn",
    "maintain",
    "ingest",
    "bootstrap",
    "summaryRequest",
    "summaryCheck",
    "microcompactEntries",
    "microcompactPersisted",
];

/// One engine or provider method: `{value, diagnostics}`. Invalid input is recorded and
/// answered with the method's pass-through (P1-R20, P1-T15).
pub(super) fn engine(
    active: &mut Active,
    host: &dyn Host,
    method: &str,
    params: &Value,
) -> Result<Value, CoreError> {
    if !METHODS.contains(&method) {
        return Err(CoreError::invalid_input(
            "/method",
            format!("unknown engine method `{method}`"),
        ));
    }
    match method {
        "ingest" => return Ok(json!({ "value": { "ingested": false } })),
        "bootstrap" => return Ok(json!({ "value": {} })),
        "step" => return super::steps::step(active, host, params),
        "prepareSubagentSpawn" | "rollbackSubagentSpawn" | "onSubagentEnded" => {
            // With phase 6 off every subagent method passes through (`null`).
            if !active.config.phases.coordinator.enabled() || !params.is_object() {
                return Ok(json!({ "value": Value::Null }));
            }
            let mut out = active.call(host, |c, cx| {
                c.coordinator.engine_method(cx, method, params)
            });
            let value = std::mem::take(&mut out.ret);
            let mut resp = HookResponse::default();
            deliver(active, host, &mut resp, out);
            return Ok(json!({ "value": value, "diagnostics": resp.diagnostics }));
        }
        "compactWait" => {
            return Ok(json!({ "value": interplay::compact_wait(active, host, params) }));
        }
        _ => {}
    }
    if !active.config.phases.compaction.enabled() {
        return Ok(json!({ "value": compaction::passthrough(method, params) }));
    }
    if !params.is_object() {
        return Ok(invalid(
            active,
            host,
            method,
            params,
            CoreError::invalid_input("/params", "engine params must be an object"),
        ));
    }
    let r = active.call(host, |c, cx| c.governor.engine_method(cx, method, params));
    match r {
        Ok(mut out) => {
            let mut value = std::mem::take(&mut out.ret);
            if matches!(method, "compact" | "maintain") {
                interplay::feed_notes(active, host, params, &mut value);
            }
            let mut resp = HookResponse::default();
            if method == "assemble" {
                interplay::sanitize_assembled(active, host, params, &mut value, &mut resp);
            }
            deliver(active, host, &mut resp, out);
            Ok(json!({ "value": value, "diagnostics": resp.diagnostics }))
        }
        Err(e) => Ok(invalid(active, host, method, params, e)),
    }
}

/// The answer to invalid input: the pass-through, the error, and the journaled note.
fn invalid(
    active: &mut Active,
    host: &dyn Host,
    method: &str,
    params: &Value,
    e: CoreError,
) -> Value {
    let out = active.call(host, |_, cx| {
        compaction::invalid_input(cx, method, params, &e)
    });
    let mut resp = HookResponse::default();
    // The journal's own diagnostics (if any) come before the warning, as they always did.
    for d in out.decisions {
        active.record(host, &mut resp, d, false);
    }
    resp.diagnostics.extend(out.diagnostics);
    json!({ "value": compaction::passthrough(method, params), "invalidInput": e, "diagnostics": resp.diagnostics })
}
