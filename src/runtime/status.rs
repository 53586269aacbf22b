//! `/agent-ops status` and `agent-ops status` (G-R14a, issue 20 item 3): one view across
//! phases (phase 2's dollars and budgets, phase 1's breakers, phase 3's memory jobs, phase
//! 4's grants), so the runtime answers it, reading each phase through its public face. The
//! command is registered by phase 2 (`loopBudget:command:agent-ops`) and routed here.

use super::{interplay, Active, HookResponse};
use crate::host::Host;
use crate::json;
use serde_json::Value;

/// The `/agent-ops` command: `status [--json]`.
pub(super) fn command(
    active: &mut Active,
    host: &dyn Host,
    event: &Value,
    ctx: &Value,
    resp: &mut HookResponse,
) {
    let key = ctx
        .get("sessionKey")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let args = event.get("args").and_then(Value::as_str).unwrap_or("");
    let words: Vec<&str> = args.split_whitespace().collect();
    let text = match words.first().copied() {
        None | Some("status") => {
            let agent = crate::session_key::agent_id(&key, ctx);
            let st = status(active, host, &agent, &key);
            if words.contains(&"--json") {
                serde_json::to_string_pretty(&st).unwrap_or_default()
            } else {
                status_text(&st)
            }
        }
        Some(other) => {
            format!("agent-ops: unknown action `{other}`; try /agent-ops status [--json]")
        }
    };
    resp.ret = json!({ "text": text });
}

/// `/agent-ops status` and `agent-ops status` (G-R14a, issue 20 item 3): for the agent and the
/// session, dollars against every cap with the ladder state and any hold (phase 2), the token
/// and call budget, open compaction breakers (phase 1), pending memory jobs (phase 3) and live
/// grants (phase 4). The runtime reads each phase's state through its public face.
pub(super) fn status(
    active: &mut Active,
    host: &dyn Host,
    agent: &str,
    session_key: &str,
) -> Value {
    let now = host.now_ms();
    let input = interplay::budget_input(&active.config);
    let cost = active.call(host, |c, cx| {
        c.tracker.status_report(cx, input, agent, session_key)
    });
    let dir = crate::host::join_path(&active.state_dir, "compaction");
    let mut breakers = Vec::new();
    for e in host
        .fs_list(&dir, 10_000)
        .map(|l| l.entries)
        .unwrap_or_default()
    {
        if !e.name.ends_with(".json") {
            continue;
        }
        let Ok(bytes) = host.fs_read(&crate::host::join_path(&dir, &e.name), 1024 * 1024) else {
            continue;
        };
        if let Ok(st) = crate::json::read_slice::<crate::compaction::CompactionState>(&bytes) {
            if st.breaker_open {
                breakers.push(json!({"sessionId": st.session_id, "sessionKey": st.session_key, "consecutiveFailures": st.consecutive_failures, "openedAt": st.breaker_opened_at}));
            }
        }
    }
    let grants: Vec<Value> = crate::shell::load_grants(host, &active.state_dir, now)
        .file
        .grants
        .iter()
        .filter(|g| now < g.expires_ms)
        .map(|g| json!({"id": g.id, "scope": g.scope.as_str(), "owner": g.owner, "workspace": g.workspace, "expiresMs": g.expires_ms, "example": g.example}))
        .collect();
    json!({
        "v": 1, "at": now, "agent": agent, "sessionKey": session_key,
        "budget": cost,
        "compactionBreakers": breakers,
        "memoryJobsInFlight": active.keeper.in_flight(),
        "grants": grants,
    })
}

/// The text form of [`status`].
pub(super) fn status_text(st: &Value) -> String {
    let g = |k: &str| st.get(k).unwrap_or(&Value::Null);
    let mut t = format!(
        "agent-ops status for agent {} (session {})\n",
        g("agent").as_str().unwrap_or(""),
        g("sessionKey")
            .as_str()
            .filter(|k| !k.is_empty())
            .unwrap_or("none")
    );
    let budget = g("budget");
    t.push_str(&crate::budget::cost_lines(budget));
    if let Some(b) = budget.get("budgetText").and_then(Value::as_str) {
        for line in b
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with("- dollars") && !l.starts_with("- HELD"))
        {
            t.push_str(line);
            t.push('\n');
        }
    }
    let breakers = g("compactionBreakers")
        .as_array()
        .cloned()
        .unwrap_or_default();
    t.push_str(&format!("- compaction breakers open: {}\n", breakers.len()));
    for b in breakers {
        t.push_str(&format!(
            "  - {} ({} failure(s) in a row)\n",
            b.get("sessionKey")
                .and_then(Value::as_str)
                .or_else(|| b.get("sessionId").and_then(Value::as_str))
                .unwrap_or("?"),
            b.get("consecutiveFailures")
                .and_then(Value::as_u64)
                .unwrap_or(0)
        ));
    }
    let jobs = g("memoryJobsInFlight").as_array().map_or(0, Vec::len);
    t.push_str(&format!("- memory jobs in flight: {jobs}\n"));
    let grants = g("grants").as_array().cloned().unwrap_or_default();
    t.push_str(&format!("- live grants: {}\n", grants.len()));
    for gr in grants {
        t.push_str(&format!(
            "  - {} {} {}: `{}`\n",
            gr.get("id").and_then(Value::as_str).unwrap_or(""),
            gr.get("scope").and_then(Value::as_str).unwrap_or(""),
            gr.get("owner").and_then(Value::as_str).unwrap_or(""),
            gr.get("example").and_then(Value::as_str).unwrap_or("")
        ));
    }
    t
}
