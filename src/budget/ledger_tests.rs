use super::*;
use serde_json::json;

fn cfg() -> TokenTargetConfig {
    TokenTargetConfig::default()
}

fn run(target: u64) -> RunLedger {
    RunLedger {
        run_id: "r1".into(),
        target: Some(target),
        ..RunLedger::default()
    }
}

fn set_turn(l: &mut RunLedger, tokens: u64) {
    l.exact_output = tokens;
}

#[test]
fn p2_t1_to_t3_continue_then_reached() {
    let mut l = run(100_000);
    set_turn(&mut l, 50_000);
    let (f, e) = finalize(&mut l, &cfg(), false, false, 0);
    let Finalize::Revise {
        instruction,
        idempotency_key,
        reason,
    } = f
    else {
        panic!("{f:?}")
    };
    assert!(
        instruction.contains("50% of this task's token target (50,000 of 100,000 tokens)"),
        "{instruction}"
    );
    assert!(reason.starts_with("agent-ops[budget.continue.below_target]"));
    assert_eq!(idempotency_key, "r1:1");
    assert!(e.is_none());
    assert_eq!(l.continuation_count, 1);
    set_turn(&mut l, 89_999);
    assert!(matches!(
        finalize(&mut l, &cfg(), false, false, 0).0,
        Finalize::Revise { .. }
    ));
    assert_eq!(l.continuation_count, 2);
    set_turn(&mut l, 90_000);
    let (f, e) = finalize(&mut l, &cfg(), false, false, 0);
    assert!(matches!(f, Finalize::Stop(ref s) if s.code == "budget.target.reached"));
    let e = e.unwrap();
    assert_eq!(e.code, "budget.target.reached");
    assert_eq!(e.details["diminishingReturns"], false);
}

#[test]
fn p2_t4_diminishing() {
    let mut l = run(100_000);
    l.continuation_count = 3;
    l.last_delta_tokens = 400;
    l.last_turn_tokens = 10_000;
    set_turn(&mut l, 10_300);
    let (f, e) = finalize(&mut l, &cfg(), false, false, 0);
    assert!(
        matches!(f, Finalize::Stop(ref s) if s.code == "budget.target.diminishing"),
        "{f:?}"
    );
    assert_eq!(e.unwrap().details["diminishingReturns"], true);
}

#[test]
fn p2_t5_max_continuations() {
    let mut l = run(100_000);
    l.continuation_count = 3;
    l.last_delta_tokens = 600;
    l.last_turn_tokens = 10_000;
    set_turn(&mut l, 10_300);
    let (f, e) = finalize(&mut l, &cfg(), false, false, 0);
    assert!(
        matches!(f, Finalize::Stop(ref s) if s.code == "budget.target.max_continuations"),
        "{f:?}"
    );
    assert_eq!(e.unwrap().details["diminishingReturns"], false);
}

#[test]
fn p2_t6_t7_t8_no_revise_cases() {
    let mut l = run(100_000);
    l.is_subagent = true;
    assert_eq!(
        finalize(&mut l, &cfg(), false, false, 0),
        (Finalize::Pass, None)
    );
    let mut l = run(100_000);
    set_turn(&mut l, 95_000);
    let (f, e) = finalize(&mut l, &cfg(), false, false, 0);
    assert!(matches!(f, Finalize::Stop(ref s) if s.code == "budget.target.reached"));
    assert!(e.is_none(), "P2-T7: no event without a continuation");
    let mut l = run(100_000);
    set_turn(&mut l, 1_000);
    assert_eq!(
        finalize(&mut l, &cfg(), true, false, 0),
        (Finalize::Pass, None)
    );
    assert_eq!(l.continuation_count, 0);
    let mut l = RunLedger::default();
    assert_eq!(
        finalize(&mut l, &cfg(), false, false, 0),
        (Finalize::Pass, None)
    );
}

#[test]
fn p2_t21_reached_after_continuations() {
    let mut l = run(100_000);
    l.continuation_count = 3;
    l.last_delta_tokens = 5_000;
    l.last_turn_tokens = 80_000;
    set_turn(&mut l, 95_000);
    let (f, _) = finalize(&mut l, &cfg(), false, false, 0);
    assert!(matches!(f, Finalize::Stop(ref s) if s.code == "budget.target.reached"));
}

#[test]
fn settle_records_the_outcome_when_the_runner_stopped_calling() {
    let mut l = run(100_000);
    l.continuation_count = 3;
    l.last_delta_tokens = 100;
    l.last_turn_tokens = 1_000;
    set_turn(&mut l, 1_100);
    assert_eq!(
        settle_target(&mut l, &cfg(), 0).unwrap().code,
        "budget.target.diminishing"
    );
    assert!(settle_target(&mut l, &cfg(), 0).is_none(), "recorded once");
}

fn limits() -> Limits {
    Limits::for_run(&LoopBudgetConfig::default(), false)
}

fn push(l: &mut RunLedger, sig: &str, result: &str) {
    l.call_history.push_back(CallRecord {
        tool_call_id: None,
        tool: "exec".into(),
        signature: sig.into(),
        result_hash: Some(result_hash(result)),
        is_error: false,
    });
}

/// Runs a pending call through the checker the way the hook does.
fn attempt(l: &mut RunLedger, sig: &str, lim: &Limits) -> ToolVerdict {
    l.tool_calls += 1;
    check_tool_call(l, "exec", sig, lim, 0, None)
}

#[test]
fn p2_t10_tool_call_cap() {
    let mut l = RunLedger::default();
    let lim = Limits {
        tool_calls: Some(3),
        ..limits()
    };
    for i in 0..3 {
        assert_eq!(attempt(&mut l, &format!("s{i}"), &lim), ToolVerdict::Allow);
        push(&mut l, &format!("s{i}"), "r");
    }
    assert!(
        matches!(attempt(&mut l, "s9", &lim), ToolVerdict::Block(ref s) if s.code == "budget.cap.tool_calls" && s.message.contains("maxToolCallsPerRun"))
    );
    assert!(
        matches!(attempt(&mut l, "s10", &lim), ToolVerdict::Block(ref s) if s.code == "budget.cap.tool_calls")
    );
}

#[test]
fn p2_t11_identical_calls_warn_at_3_block_at_5() {
    let sig = signature("exec", &json!({"command": "echo hi"}));
    assert_eq!(sig, signature("exec", &json!({"command": "echo hi"})));
    assert_eq!(sig.len(), 16);
    let mut l = RunLedger::default();
    let lim = limits();
    let mut verdicts = Vec::new();
    for _ in 0..5 {
        let v = attempt(&mut l, &sig, &lim);
        verdicts.push(v.clone());
        push(&mut l, &sig, "hi\n");
    }
    assert_eq!(verdicts[0], ToolVerdict::Allow);
    assert_eq!(verdicts[1], ToolVerdict::Allow);
    assert!(matches!(verdicts[2], ToolVerdict::Warn(ref s) if s.code == "budget.repeat.warning"));
    assert_eq!(verdicts[3], ToolVerdict::Allow);
    assert!(matches!(verdicts[4], ToolVerdict::Block(ref s) if s.code == "budget.repeat.blocked"));
}

#[test]
fn p2_t12_differing_results_never_streak() {
    let mut l = RunLedger::default();
    let lim = limits();
    for i in 0..10 {
        assert_eq!(
            attempt(&mut l, "same", &lim),
            ToolVerdict::Allow,
            "call {i}"
        );
        push(&mut l, "same", &format!("result {i}"));
    }
}

#[test]
fn p2_t13_cycles_warn_at_6th_block_at_10th() {
    let mut l = RunLedger::default();
    let lim = limits();
    let mut first_warn = None;
    let mut first_block = None;
    for i in 1..=10 {
        let sig = if i % 2 == 1 { "A" } else { "B" };
        match attempt(&mut l, sig, &lim) {
            ToolVerdict::Warn(s) if s.code == "budget.cycle.warning" && first_warn.is_none() => {
                first_warn = Some(i)
            }
            ToolVerdict::Block(s) if s.code == "budget.cycle.blocked" && first_block.is_none() => {
                first_block = Some(i)
            }
            _ => {}
        }
        push(&mut l, sig, &format!("out {sig}"));
    }
    assert_eq!(first_warn, Some(6));
    assert_eq!(first_block, Some(10));
}

#[test]
fn p2_t18_run_duration() {
    let mut l = RunLedger::default();
    let lim = Limits {
        run_seconds: Some(60),
        ..limits()
    };
    l.tool_calls = 1;
    let v = check_tool_call(&mut l, "exec", "x", &lim, 61_000, None);
    assert!(matches!(v, ToolVerdict::Block(ref s) if s.code == "budget.cap.run_duration"));
    let (f, _) = finalize(&mut l, &cfg(), false, false, 61_000);
    assert!(matches!(f, Finalize::Stop(ref s) if s.code == "budget.cap.run_duration"));
}

#[test]
fn p2_t19_model_call_cap_wins_by_order() {
    let mut l = RunLedger {
        model_calls: 4,
        tool_calls: 3,
        ..RunLedger::default()
    };
    let lim = Limits {
        model_calls: Some(3),
        tool_calls: Some(3),
        ..limits()
    };
    let v = attempt(&mut l, "x", &lim);
    assert!(
        matches!(v, ToolVerdict::Block(ref s) if s.code == "budget.cap.model_calls"),
        "{v:?}"
    );
}

#[test]
fn run_token_cap_counts_children_and_uncomparable_never_streaks() {
    let mut l = RunLedger {
        exact_output: 8_000,
        child_output: 2_500,
        ..RunLedger::default()
    };
    let lim = Limits {
        run_tokens: Some(10_000),
        ..limits()
    };
    assert!(
        matches!(attempt(&mut l, "x", &lim), ToolVerdict::Block(ref s) if s.code == "budget.cap.run_tokens")
    );
    let mut l = RunLedger::default();
    for _ in 0..8 {
        assert_eq!(attempt(&mut l, UNCOMPARABLE, &limits()), ToolVerdict::Allow);
        push(&mut l, UNCOMPARABLE, "same");
    }
    let big = json!({"data": "x".repeat(MAX_SIGNATURE_INPUT + 1)});
    assert_eq!(signature("write", &big), UNCOMPARABLE);
}
