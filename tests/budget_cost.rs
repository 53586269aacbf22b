//! Issue 20: dollar caps of phase 2 through the runtime's dispatch, as the JS entry calls it:
//! the ladder (warning, block, end of the run), refusal of new runs, `/budget resume`, the
//! daily window in the operator's time zone, unknown prices.

use agent_ops::host::{HostDirs, MemoryHost};
use agent_ops::runtime::{HookResponse, JobKind, Runtime};
use serde_json::{json, Value};

/// 2026-12-07T23:30:00Z.
const NOW: i64 = 1_796_686_200_000;

fn setup(cfg: Value) -> (MemoryHost, Runtime) {
    let h = MemoryHost::new(
        HostDirs {
            home_dir: "/home/u".into(),
            workspace_dir: "/home/u/ws".into(),
            ..HostDirs::default()
        },
        NOW,
    );
    let mut rt = Runtime::new();
    let config = json!({"phases": {"bashSecurity": false, "compaction": false, "loopBudget": cfg}})
        .to_string();
    // $1 per million input tokens, $10 per million output, cache at its own prices.
    let info = json!({"openclawStateDir": "/oc", "conversationAccess": true, "models": [
        {"provider": "p", "id": "m", "cost": {"input": 1.0, "output": 10.0, "cacheRead": 0.1, "cacheWrite": 1.25}}
    ]});
    let r = rt.init(&h, &config, &info.to_string());
    assert!(r.ok, "{:?}", r.errors);
    (h, rt)
}

fn hook(rt: &mut Runtime, h: &MemoryHost, name: &str, event: Value, ctx: Value) -> HookResponse {
    rt.dispatch(h, &format!("loopBudget:{name}"), &event, &ctx)
        .unwrap()
}

fn ctx(run: &str, key: &str) -> Value {
    json!({"runId": run, "sessionKey": key, "sessionId": format!("sid-{run}"), "agentId": "main", "modelProviderId": "p", "modelId": "m"})
}

fn codes(r: &HookResponse) -> Vec<String> {
    r.decisions.iter().map(|d| d.code.clone()).collect()
}

fn aborts(r: &HookResponse) -> usize {
    r.jobs.iter().filter(|j| j.kind == JobKind::Abort).count()
}

/// One model call of `bytes` request bytes (bytes / 4 tokens priced as input), then one tool
/// call with distinct arguments. Returns the tool call's response.
fn step(
    rt: &mut Runtime,
    h: &MemoryHost,
    c: &Value,
    n: u64,
    bytes: u64,
) -> (HookResponse, HookResponse) {
    let run = c["runId"].clone();
    let started = hook(
        rt,
        h,
        "model_call_started",
        json!({"runId": run, "provider": "p", "model": "m"}),
        c.clone(),
    );
    hook(
        rt,
        h,
        "model_call_ended",
        json!({"runId": run, "provider": "p", "model": "m", "requestPayloadBytes": bytes, "responseStreamBytes": 0}),
        c.clone(),
    );
    let r = hook(
        rt,
        h,
        "before_tool_call",
        json!({"runId": run, "toolName": "exec", "toolCallId": format!("t{n}"), "params": {"command": format!("echo {n}")}}),
        c.clone(),
    );
    hook(
        rt,
        h,
        "after_tool_call",
        json!({"runId": run, "toolName": "exec", "toolCallId": format!("t{n}"), "result": format!("{n}")}),
        c.clone(),
    );
    (started, r)
}

#[test]
fn a_runaway_run_is_warned_blocked_at_its_dollar_cap_then_ended_and_held() {
    let (h, mut rt) = setup(json!({"maxRunCostUsd": 0.1}));
    let key = "agent:main:loop";
    let c = ctx("r1", key);
    assert!(hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "go"}),
        c.clone()
    )
    .ret
    .is_null());
    // Each call: 40,000 request bytes ≈ 10,000 input tokens ≈ $0.01.
    let mut warned_at = None;
    let mut blocked_at = None;
    for n in 1..=12u64 {
        let (started, r) = step(&mut rt, &h, &c, n, 40_000);
        assert_eq!(aborts(&started), 0, "call {n}");
        if codes(&r).contains(&"budget.cost.warning.run".to_string()) {
            warned_at.get_or_insert(n);
            let inject = r
                .jobs
                .iter()
                .find(|j| j.kind == JobKind::Inject)
                .expect("warning reaches the agent");
            let text = inject.payload["text"].as_str().unwrap();
            assert!(
                text.starts_with("agent-ops[budget.cost.warning.run]"),
                "{text}"
            );
            assert!(text.contains("phases.loopBudget.maxRunCostUsd"), "{text}");
        }
        if r.ret["block"] == true {
            blocked_at = Some(n);
            let reason = r.ret["blockReason"].as_str().unwrap();
            assert!(
                reason.starts_with("agent-ops[budget.cap.cost_usd.run]"),
                "{reason}"
            );
            assert!(
                reason.contains(
                    "$0.1000 of its $0.1000 dollar cap (phases.loopBudget.maxRunCostUsd)"
                ),
                "{reason}"
            );
            assert_eq!(aborts(&r), 0, "the model gets one more call to answer");
            let d = &r
                .decisions
                .iter()
                .find(|d| d.code == "budget.cap.cost_usd.run")
                .unwrap()
                .details;
            assert_eq!(d["cap"], "phases.loopBudget.maxRunCostUsd");
            break;
        }
    }
    assert_eq!(warned_at, Some(8), "warning at 80 %");
    assert_eq!(blocked_at, Some(10), "blocked at 100 %");
    // The model answers with another tool call instead of stopping: the run is ended.
    let (started, r) = step(&mut rt, &h, &c, 11, 40_000);
    assert_eq!(aborts(&started), 0);
    assert_eq!(r.ret["block"], true);
    assert_eq!(aborts(&r), 1, "the run is ended within one more model call");
    let job = r.jobs.iter().find(|j| j.kind == JobKind::Abort).unwrap();
    assert_eq!(job.payload["sessionId"], "sid-r1");
    assert_eq!(job.payload["code"], "budget.cap.cost_usd.run");
    // Should the host's abort not stop it, the next model call asks again.
    let started = hook(
        &mut rt,
        &h,
        "model_call_started",
        json!({"runId": "r1"}),
        c.clone(),
    );
    assert_eq!(aborts(&started), 1);
    let f = hook(
        &mut rt,
        &h,
        "before_agent_finalize",
        json!({"runId": "r1"}),
        c.clone(),
    );
    assert_eq!(f.ret["action"], "finalize");
    hook(
        &mut rt,
        &h,
        "agent_end",
        json!({"runId": "r1", "success": false, "error": "aborted"}),
        c.clone(),
    );
    // Exact usage of the pass replaces the estimate: 50,000 input + 20,000 cache reads + 1,000 output.
    hook(
        &mut rt,
        &h,
        "llm_output",
        json!({"runId": "r1", "provider": "p", "model": "m", "usage": {"input": 50_000, "output": 1_000, "cacheRead": 20_000, "cacheWrite": 0}}),
        c.clone(),
    );
    let spend = h
        .file_text("/oc/agent-ops/budget/spend-2026-12-07.jsonl")
        .unwrap();
    let line: Value = serde_json::from_str(spend.lines().next().unwrap()).unwrap();
    // 50,000 × 1 + 1,000 × 10 + 20,000 × 0.1 = 62,000 per million.
    assert!(
        (line["costUsd"].as_f64().unwrap() - 0.062).abs() < 1e-12,
        "{line}"
    );
    assert_eq!(
        (line["purpose"].as_str(), line["agentId"].as_str()),
        (Some("main"), Some("main"))
    );
    let runs = h
        .file_text("/oc/agent-ops/budget/runs-2026-12-07.jsonl")
        .unwrap();
    assert!(runs.contains("\"terminal\":\"cap_cost_usd_run\""), "{runs}");
    assert!(runs.contains("\"endedByPlugin\":true"), "{runs}");

    // The next run of the agent is refused with the reason until an operator resumes it.
    let c2 = ctx("r2", "agent:main:other");
    let r = hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "again"}),
        c2.clone(),
    );
    assert_eq!(r.ret["outcome"], "block");
    let msg = r.ret["message"].as_str().unwrap();
    assert!(
        msg.starts_with("agent-ops[budget.cap.cost_usd.run]"),
        "{msg}"
    );
    assert!(msg.contains("/budget resume"), "{msg}");
    let out = hook(
        &mut rt,
        &h,
        "command:budget",
        json!({"args": "resume"}),
        json!({"sessionKey": key, "agentId": "main"}),
    );
    assert!(
        out.ret["text"]
            .as_str()
            .unwrap()
            .contains("agent main resumed"),
        "{}",
        out.ret
    );
    assert!(codes(&out).contains(&"budget.cost.resumed".to_string()));
    let r = hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "again"}),
        ctx("r3", "agent:main:other"),
    );
    assert!(r.ret.is_null(), "{}", r.ret);
    // Another agent was never held.
    let r = hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "x"}),
        json!({"runId": "r4", "sessionKey": "agent:ops:a", "agentId": "ops"}),
    );
    assert!(r.ret.is_null());
}

#[test]
fn the_daily_cap_counts_in_the_operator_s_zone_and_rolls_over_at_local_midnight() {
    // UTC+01:00: at 23:30Z the local day is 30 minutes old.
    let (h, mut rt) = setup(json!({"maxDailyCostUsd": 1.0, "timeZone": "+01:00"}));
    let spend = |rt: &mut Runtime, run: &str, usd_input_tokens: u64| {
        let c = ctx(run, &format!("agent:main:{run}"));
        hook(
            rt,
            &h,
            "before_agent_run",
            json!({"prompt": "x"}),
            c.clone(),
        );
        hook(
            rt,
            &h,
            "agent_end",
            json!({"runId": run, "success": true}),
            c.clone(),
        );
        hook(
            rt,
            &h,
            "llm_output",
            json!({"runId": run, "provider": "p", "model": "m", "usage": {"input": usd_input_tokens, "output": 0}}),
            c,
        );
    };
    // $0.70 at 22:00Z (yesterday, local), $0.60 at 23:30Z (today, local).
    h.set_now(NOW - 90 * 60_000);
    spend(&mut rt, "a", 700_000);
    h.set_now(NOW);
    spend(&mut rt, "b", 600_000);
    let r = hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "x"}),
        ctx("c", "agent:main:c"),
    );
    assert!(
        r.ret.is_null(),
        "only today's $0.60 counts in UTC+1: {}",
        r.ret
    );
    spend(&mut rt, "d", 500_000);
    let r = hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "x"}),
        ctx("e", "agent:main:e"),
    );
    assert_eq!(r.ret["outcome"], "block");
    let msg = r.ret["message"].as_str().unwrap();
    assert!(
        msg.starts_with("agent-ops[budget.cap.cost_usd.daily]"),
        "{msg}"
    );
    assert!(
        msg.contains("$1.1000 of its $1.0000") && msg.contains("phases.loopBudget.maxDailyCostUsd"),
        "{msg}"
    );
    // Still the same local day at 22:59Z of the next UTC day ...
    h.set_now(NOW + 23 * 3_600_000 + 29 * 60_000);
    let r = hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "x"}),
        ctx("g", "agent:main:g"),
    );
    assert_eq!(r.ret["outcome"], "block");
    // ... the next local midnight (23:00Z) rolls the window over.
    h.set_now(NOW + 23 * 3_600_000 + 31 * 60_000);
    let r = hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "x"}),
        ctx("f", "agent:main:f"),
    );
    assert!(r.ret.is_null(), "{}", r.ret);
}

#[test]
fn unknown_prices_fall_back_to_the_token_caps_with_a_diagnostic() {
    let (h, mut rt) = setup(json!({"maxRunCostUsd": 0.01}));
    let c =
        json!({"runId": "u1", "sessionKey": "agent:main:u", "sessionId": "s-u", "agentId": "main"});
    hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "go"}),
        c.clone(),
    );
    let mut notes = 0;
    for n in 0..6u64 {
        hook(
            &mut rt,
            &h,
            "model_call_started",
            json!({"runId": "u1", "provider": "p", "model": "nameless"}),
            c.clone(),
        );
        hook(
            &mut rt,
            &h,
            "model_call_ended",
            json!({"runId": "u1", "provider": "p", "model": "nameless", "requestPayloadBytes": 4_000_000}),
            c.clone(),
        );
        let r = hook(
            &mut rt,
            &h,
            "before_tool_call",
            json!({"runId": "u1", "toolName": "exec", "toolCallId": format!("t{n}"), "params": {"n": n}}),
            c.clone(),
        );
        assert!(
            r.ret.is_null(),
            "an unknown price is never $0 and never over a cap: {}",
            r.ret
        );
        if r.diagnostics
            .iter()
            .any(|d| d.code == "budget.cost.unknown_price")
        {
            notes += 1;
            assert!(codes(&r).contains(&"budget.cost.unknown_price".to_string()));
        }
    }
    assert_eq!(notes, 1, "reported once per cap and run");
    hook(
        &mut rt,
        &h,
        "agent_end",
        json!({"runId": "u1", "success": true}),
        c.clone(),
    );
    hook(
        &mut rt,
        &h,
        "llm_output",
        json!({"runId": "u1", "provider": "p", "model": "nameless", "usage": {"input": 10, "output": 1}}),
        c,
    );
    let line = h
        .file_text("/oc/agent-ops/budget/spend-2026-12-07.jsonl")
        .unwrap();
    assert!(
        line.contains("\"costUsd\":null") && line.contains("\"source\":\"unknown\""),
        "{line}"
    );
}

#[test]
fn identical_call_and_cycle_blocks_end_the_run_after_one_more_model_call() {
    let (h, mut rt) = setup(json!({}));
    let c = ctx("l1", "agent:main:rep");
    hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "go"}),
        c.clone(),
    );
    let call = |rt: &mut Runtime, n: u64| {
        hook(
            rt,
            &h,
            "model_call_started",
            json!({"runId": "l1"}),
            c.clone(),
        );
        let r = hook(
            rt,
            &h,
            "before_tool_call",
            json!({"runId": "l1", "toolName": "exec", "toolCallId": format!("t{n}"), "params": {"command": "ls"}}),
            c.clone(),
        );
        hook(
            rt,
            &h,
            "after_tool_call",
            json!({"runId": "l1", "toolName": "exec", "toolCallId": format!("t{n}"), "result": "same"}),
            c.clone(),
        );
        r
    };
    for n in 1..=4 {
        assert!(call(&mut rt, n).ret.is_null());
    }
    let r = call(&mut rt, 5);
    assert!(r.ret["blockReason"]
        .as_str()
        .unwrap()
        .starts_with("agent-ops[budget.repeat.blocked]"));
    assert_eq!(aborts(&r), 0);
    // Before: a different call went on after the block. Now the next tool call ends the run.
    hook(
        &mut rt,
        &h,
        "model_call_started",
        json!({"runId": "l1"}),
        c.clone(),
    );
    let r = hook(
        &mut rt,
        &h,
        "before_tool_call",
        json!({"runId": "l1", "toolName": "read", "toolCallId": "t6", "params": {"path": "x"}}),
        c.clone(),
    );
    assert_eq!(r.ret["block"], true);
    assert!(r.ret["blockReason"]
        .as_str()
        .unwrap()
        .starts_with("agent-ops[budget.repeat.blocked]"));
    assert_eq!(aborts(&r), 1);
    let f = hook(
        &mut rt,
        &h,
        "before_agent_finalize",
        json!({"runId": "l1"}),
        c,
    );
    assert_eq!(f.ret["action"], "finalize");
    // A new run starts clean and is not refused (a loop is not a spend hold).
    let r = hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "x"}),
        ctx("l2", "agent:main:rep"),
    );
    assert!(r.ret.is_null());
}

#[test]
fn the_deprecated_phase_5_daily_budget_names_the_new_key_and_still_caps_all_agents() {
    let h = MemoryHost::new(HostDirs::default(), NOW);
    let mut rt = Runtime::new();
    let config = json!({"phases": {"bashSecurity": false, "compaction": false, "memoryScoping": {"costs": {"dailyBudgetUsd": 0.5}}}}).to_string();
    let info = json!({"openclawStateDir": "/oc", "conversationAccess": true, "models": [
        {"provider": "p", "id": "m", "cost": {"input": 1.0, "output": 10.0}}
    ]});
    let r = rt.init(&h, &config, &info.to_string());
    assert!(r.ok, "{:?}", r.errors);
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.code == "budget.config.deprecated")
        .expect("deprecation");
    assert!(
        d.message
            .contains("phases.loopBudget.allAgents.maxDailyCostUsd"),
        "{}",
        d.message
    );
    let c = json!({"runId": "a", "sessionKey": "agent:ops:a", "sessionId": "sa", "agentId": "ops"});
    hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "x"}),
        c.clone(),
    );
    hook(
        &mut rt,
        &h,
        "agent_end",
        json!({"runId": "a", "success": true}),
        c.clone(),
    );
    hook(
        &mut rt,
        &h,
        "llm_output",
        json!({"runId": "a", "provider": "p", "model": "m", "usage": {"input": 600_000, "output": 0}}),
        c,
    );
    // Another agent: the all-agents cap holds it too.
    let r = hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "x"}),
        json!({"runId": "b", "sessionKey": "agent:main:b", "sessionId": "sb", "agentId": "main"}),
    );
    assert_eq!(r.ret["outcome"], "block");
    assert!(
        r.ret["message"]
            .as_str()
            .unwrap()
            .starts_with("agent-ops[budget.cap.cost_usd.daily_all_agents]"),
        "{}",
        r.ret
    );
}

#[test]
fn agent_ops_status_shows_the_spend_journal_s_numbers_against_every_cap() {
    let (h, mut rt) =
        setup(json!({"maxSessionCostUsd": 1.0, "maxDailyCostUsd": 0.1, "costWarnAt": 0.5}));
    let key = "agent:main:st";
    let c = ctx("s1", key);
    hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "x"}),
        c.clone(),
    );
    hook(
        &mut rt,
        &h,
        "agent_end",
        json!({"runId": "s1", "success": true}),
        c.clone(),
    );
    hook(
        &mut rt,
        &h,
        "llm_output",
        json!({"runId": "s1", "provider": "p", "model": "m", "usage": {"input": 40_000, "output": 1_000, "cacheRead": 100_000, "cacheWrite": 4_000}}),
        c,
    );
    let line: Value = serde_json::from_str(
        h.file_text("/oc/agent-ops/budget/spend-2026-12-07.jsonl")
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let ledger = line["costUsd"].as_f64().unwrap();
    // 40,000 × 1 + 1,000 × 10 + 100,000 × 0.1 + 4,000 × 1.25 = 65,000 per million.
    assert!((ledger - 0.065).abs() < 1e-12);
    let r = rt
        .dispatch(
            &h,
            "loopBudget:command:agent-ops",
            &json!({"args": "status --json"}),
            &json!({"sessionKey": key, "agentId": "main"}),
        )
        .unwrap();
    let st: Value = serde_json::from_str(r.ret["text"].as_str().unwrap()).unwrap();
    assert_eq!(st["agent"], "main");
    assert_eq!(st["budget"]["sessionCostUsd"].as_f64(), Some(ledger));
    let caps = st["budget"]["caps"].as_array().unwrap();
    assert_eq!(caps.len(), 2);
    assert_eq!(caps[0]["key"], "phases.loopBudget.maxSessionCostUsd");
    assert_eq!(
        (caps[0]["spentUsd"].as_f64(), caps[0]["ladder"].as_str()),
        (Some(ledger), Some("ok"))
    );
    assert_eq!(caps[1]["key"], "phases.loopBudget.maxDailyCostUsd");
    assert_eq!(
        (caps[1]["spentUsd"].as_f64(), caps[1]["ladder"].as_str()),
        (Some(ledger), Some("warning"))
    );
    assert!(st["compactionBreakers"].as_array().unwrap().is_empty());
    assert!(st["grants"].as_array().unwrap().is_empty());
    assert!(st["memoryJobsInFlight"].as_array().unwrap().is_empty());
    let r = rt
        .dispatch(
            &h,
            "loopBudget:command:agent-ops",
            &json!({"args": "status"}),
            &json!({"sessionKey": key}),
        )
        .unwrap();
    let text = r.ret["text"].as_str().unwrap();
    assert!(text.contains("- dollars agent today: $0.0650 / $0.1000 [warning] (phases.loopBudget.maxDailyCostUsd)"), "{text}");
    assert!(
        text.contains("- compaction breakers open: 0") && text.contains("- live grants: 0"),
        "{text}"
    );
    assert!(
        text.contains("maxToolCallsPerRun"),
        "the token and call budget too: {text}"
    );
    // `/budget` carries the same dollar lines.
    let b = hook(
        &mut rt,
        &h,
        "command:budget",
        json!({}),
        json!({"sessionKey": key}),
    );
    assert!(
        b.ret["text"]
            .as_str()
            .unwrap()
            .contains("$0.0650 / $1.0000 [ok]"),
        "{}",
        b.ret
    );
}

/// `agent-ops status --json` and `agent-ops budget resume` over a real state directory.
#[test]
fn the_cli_reports_the_hold_and_resume_lifts_it() {
    let dir = std::env::temp_dir().join(format!("agent-ops-spend-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let state = dir.join("state");
    std::fs::create_dir_all(state.join("budget")).unwrap();
    let cfg = dir.join("openclaw.json");
    std::fs::write(
        &cfg,
        json!({
            "models": {"providers": {"p": {"models": [{"id": "m", "cost": {"input": 1.0, "output": 10.0, "cacheRead": 0.1, "cacheWrite": 1.25}}]}}},
            "plugins": {"entries": {"agent-ops": {"config": {"stateDir": state, "phases": {"loopBudget": {"maxDailyCostUsd": 0.5}}}}}}
        })
        .to_string(),
    )
    .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let day = agent_ops::calendar::utc_date(now);
    std::fs::write(
        state.join("budget").join(format!("spend-{day}.jsonl")),
        format!("{}\n", json!({"v": 1, "at": now, "agentId": "main", "sessionKey": "agent:main:x", "purpose": "session_notes", "input": 600000, "output": 0, "cacheRead": 0, "cacheWrite": 0, "costUsd": 0.6, "source": "table"})),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_agent-ops"))
            .args(args)
            .arg("--openclaw-config")
            .arg(&cfg)
            .env("HOME", &dir)
            .env_remove("OPENCLAW_STATE_DIR")
            .env_remove("OPENCLAW_CONFIG_PATH")
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&["status", "--json", "--agent", "main"]);
    assert_eq!(code, 0, "{err}");
    let st: Value = serde_json::from_str(&out).unwrap();
    let daily = &st["budget"]["caps"][0];
    assert_eq!(daily["key"], "phases.loopBudget.maxDailyCostUsd");
    assert_eq!(
        (daily["spentUsd"].as_f64(), daily["ladder"].as_str()),
        (Some(0.6), Some("stopped"))
    );
    let (code, out, err) = run(&["budget", "resume", "--agent", "main"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("agent main resumed"), "{out}");
    let (_, out, _) = run(&["status", "--json", "--agent", "main"]);
    let st: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        st["budget"]["caps"][0]["spentUsd"].as_f64(),
        Some(0.0),
        "{out}"
    );
    assert!(st["budget"]["hold"].is_null());
    let (code, _, err) = run(&["budget", "resume"]);
    assert_eq!(code, 2, "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An assistant message as OpenClaw hands it to `before_message_write` (ctx: session key only).
fn write(rt: &mut Runtime, h: &MemoryHost, key: &str, content: Value) -> HookResponse {
    hook(
        rt,
        h,
        "before_message_write",
        json!({"message": {"role": "assistant", "content": content, "stopReason": "toolUse", "usage": {"input": 5}}}),
        json!({"sessionKey": key, "agentId": "main"}),
    )
}

#[test]
fn the_answer_to_the_last_allowed_call_is_closed_without_its_tool_calls() {
    let (h, mut rt) = setup(json!({}));
    let key = "agent:main:close";
    let c = ctx("w1", key);
    hook(
        &mut rt,
        &h,
        "before_agent_run",
        json!({"prompt": "go"}),
        c.clone(),
    );
    let poll =
        json!([{"type": "toolCall", "id": "x", "name": "exec", "arguments": {"command": "ls"}}]);
    for n in 1..=5u64 {
        hook(
            &mut rt,
            &h,
            "model_call_started",
            json!({"runId": "w1"}),
            c.clone(),
        );
        // Before the stop, answers with tool calls are written as they are.
        assert!(
            write(&mut rt, &h, key, poll.clone()).ret.is_null(),
            "call {n}"
        );
        let r = hook(
            &mut rt,
            &h,
            "before_tool_call",
            json!({"runId": "w1", "toolName": "exec", "toolCallId": format!("t{n}"), "params": {"command": "ls"}}),
            c.clone(),
        );
        assert_eq!(r.ret["block"] == true, n == 5, "call {n}");
        hook(
            &mut rt,
            &h,
            "after_tool_call",
            json!({"runId": "w1", "toolName": "exec", "toolCallId": format!("t{n}"), "result": "same"}),
            c.clone(),
        );
    }
    // The one call the stop allowed: a text answer passes (the run ends on it anyway) ...
    hook(
        &mut rt,
        &h,
        "model_call_started",
        json!({"runId": "w1"}),
        c.clone(),
    );
    assert!(
        write(&mut rt, &h, key, json!([{"type": "text", "text": "done"}]))
            .ret
            .is_null()
    );
    // ... another session's answer is not touched ...
    assert!(write(&mut rt, &h, "agent:main:other", poll.clone())
        .ret
        .is_null());
    // ... and an answer that would go on is closed: its text kept, the stop said, no tool calls.
    let mixed = json!([{"type": "text", "text": "polling again"}, {"type": "toolCall", "id": "y", "name": "exec", "arguments": {}}]);
    let r = write(&mut rt, &h, key, mixed);
    assert_eq!(r.ret["live"], true);
    let m = &r.ret["message"];
    assert_eq!(m["role"], "assistant");
    assert_eq!(m["stopReason"], "stop");
    assert_eq!(m["usage"]["input"], 5, "the rest of the message is kept");
    let parts = m["content"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0]["text"], "polling again");
    let text = parts[1]["text"].as_str().unwrap();
    assert!(
        text.starts_with("agent-ops[budget.repeat.blocked]: "),
        "{text}"
    );
    assert!(
        text.contains("agent-ops ended this run here; the requested 1 call(s) (exec) were not run"),
        "{text}"
    );
    assert!(parts.iter().all(|p| p["type"] == "text"));
    let d = r
        .decisions
        .iter()
        .find(|d| d.code == "budget.repeat.blocked")
        .expect("the end is journaled");
    assert_eq!(d.details["runEnded"], true);
    assert_eq!(d.details["tools"], json!(["exec"]));
    assert_eq!(
        aborts(&r),
        0,
        "closing the answer ends the run without an abort"
    );
    // OpenClaw's text-only finalization of the closed answer is not aborted.
    let started = hook(
        &mut rt,
        &h,
        "model_call_started",
        json!({"runId": "w1"}),
        c.clone(),
    );
    assert_eq!(aborts(&started), 0);
    hook(
        &mut rt,
        &h,
        "agent_end",
        json!({"runId": "w1", "success": true}),
        c,
    );
    let runs = h
        .file_text("/oc/agent-ops/budget/runs-2026-12-07.jsonl")
        .unwrap();
    assert!(runs.contains("\"terminal\":\"repeat_loop\""), "{runs}");
    assert!(runs.contains("\"endedByPlugin\":true"), "{runs}");
}
