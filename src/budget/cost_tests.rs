use super::*;
use crate::budget::AgentCostCaps;
use crate::host::{HostDirs, MemoryHost};

fn models() -> Vec<ModelInfo> {
    vec![ModelInfo {
        provider: "p".into(),
        id: "m".into(),
        cost: Some(ModelCost {
            input: 3.0,
            output: 15.0,
            cache_read: 0.3,
            cache_write: 3.75,
        }),
        ..ModelInfo::default()
    }]
}

#[test]
fn cache_reads_and_writes_are_priced_as_such() {
    let t = Tokens {
        input: 1_000,
        output: 2_000,
        cache_read: 100_000,
        cache_write: 10_000,
    };
    let (c, src) = price(&models(), Some("p"), Some("m"), t, None);
    // 1,000 × 3 + 2,000 × 15 + 100,000 × 0.3 + 10,000 × 3.75 = 100,500 per million.
    assert_eq!(src, CostSource::Table);
    assert!((c.unwrap() - 0.1005).abs() < 1e-12, "{c:?}");
    // The same tokens all priced as input would be 0.363 + 0.03: caching is what makes it cheap.
    let (r, src) = price(&models(), Some("p"), Some("m"), t, Some(0.5));
    assert_eq!((r, src), (Some(0.5), CostSource::Reported));
    // A reported cost that is not a cost is ignored.
    let (r, _) = price(&models(), Some("p"), Some("m"), t, Some(f64::NAN));
    assert!((r.unwrap() - 0.1005).abs() < 1e-12);
}

#[test]
fn a_model_without_a_price_is_unknown_never_zero() {
    let t = Tokens {
        input: 1_000,
        ..Tokens::default()
    };
    assert_eq!(
        price(&models(), Some("p"), Some("other"), t, None),
        (None, CostSource::Unknown)
    );
    assert_eq!(
        price(&models(), Some("q"), Some("m"), t, None),
        (None, CostSource::Unknown)
    );
    let mut s = Spend::default();
    s.add(Some(0.25));
    s.add(None);
    assert_eq!(
        s,
        Spend {
            usd: 0.25,
            unknown: 1
        }
    );
}

#[test]
fn the_ladder_warns_at_the_fraction_and_stops_at_the_cap() {
    let at = |usd: f64, unknown: u64| rung(1.0, Spend { usd, unknown }, 0.8);
    assert_eq!(at(0.0, 0), Rung::Below);
    assert_eq!(at(0.79, 0), Rung::Below);
    assert_eq!(at(0.8, 0), Rung::Warn);
    assert_eq!(at(0.99, 0), Rung::Warn);
    assert_eq!(at(1.0, 0), Rung::Hit);
    assert_eq!(at(3.0, 0), Rung::Hit);
    // Unknown prices: the cap cannot be judged below it (token caps stay in force) ...
    assert_eq!(at(0.1, 1), Rung::Unknown);
    assert_eq!(at(0.9, 2), Rung::Unknown);
    // ... but known dollars alone at the cap are over it whatever the rest cost.
    assert_eq!(at(1.0, 5), Rung::Hit);
}

#[test]
fn caps_per_agent_override_the_phase_level_ones() {
    let mut cfg = LoopBudgetConfig {
        max_run_cost_usd: Some(1.0),
        max_daily_cost_usd: Some(10.0),
        ..LoopBudgetConfig::default()
    };
    cfg.agents.insert(
        "ops".into(),
        AgentCostCaps {
            max_daily_cost_usd: Some(2.0),
            ..AgentCostCaps::default()
        },
    );
    let main = caps_for(&cfg, "main", None);
    assert_eq!(main.len(), 2);
    assert_eq!(main[1].key, "phases.loopBudget.maxDailyCostUsd");
    let ops = caps_for(&cfg, "ops", Some(50.0));
    assert_eq!(
        ops.iter()
            .map(|c| (c.scope, c.limit, c.key.as_str()))
            .collect::<Vec<_>>(),
        vec![
            (Scope::Run, 1.0, "phases.loopBudget.maxRunCostUsd"),
            (Scope::Daily, 2.0, "phases.loopBudget.agents.ops.maxDailyCostUsd"),
            (
                Scope::DailyAll,
                50.0,
                "phases.memoryScoping.costs.dailyBudgetUsd (deprecated: use phases.loopBudget.allAgents.maxDailyCostUsd)"
            ),
        ]
    );
    cfg.all_agents.max_daily_cost_usd = Some(20.0);
    let all = caps_for(&cfg, "ops", Some(50.0));
    assert_eq!(all.last().map(|c| c.limit), Some(20.0), "the new key wins");
    let msg = hit_message(
        &ops[1],
        Spend {
            usd: 2.5,
            unknown: 0,
        },
        "ops",
    );
    assert!(msg.contains("$2.5000 of its $2.0000"), "{msg}");
    assert!(
        msg.contains("phases.loopBudget.agents.ops.maxDailyCostUsd"),
        "{msg}"
    );
}

#[test]
fn daily_windows_follow_the_zone_across_midnight() {
    let h = MemoryHost::new(HostDirs::default(), 0);
    // 2026-12-07T23:30Z: in UTC the day began at 00:00Z, in UTC+01:00 it began 30 minutes ago.
    let now = 1_796_686_200_000;
    let line = |at: i64, agent: &str, c: f64| SpendLine {
        v: SPEND_VERSION,
        at,
        agent_id: agent.into(),
        session_key: None,
        run_id: None,
        purpose: "main".into(),
        provider: None,
        model: None,
        input: 0,
        output: 0,
        cache_read: 0,
        cache_write: 0,
        cost_usd: Some(c),
        source: CostSource::Table,
    };
    for l in [
        line(now - 26 * 3_600_000, "main", 100.0), // yesterday everywhere
        line(now - 3_600_000, "main", 1.0),        // 22:30Z: today in UTC, yesterday in UTC+1
        line(now - 60_000, "main", 2.0),           // 23:29Z: today in both
        line(now - 60_000, "ops", 4.0),
    ] {
        let p = spend_path("/s", l.at);
        h.fs_append_line(&p, &serde_json::to_string(&l).unwrap(), false)
            .unwrap();
    }
    let day = |offset: i32| {
        let start = crate::calendar::local_day_start(now, offset);
        let lines = lines_between(&h, "/s", start, now);
        (
            sum(&lines, Some("main"), start).usd,
            sum(&lines, None, start).usd,
        )
    };
    assert_eq!(day(0), (3.0, 7.0));
    assert_eq!(day(60), (2.0, 6.0));
    // UTC-05:00: the day began at 05:00Z, so 22:30Z and 23:29Z are today, the day before is not.
    assert_eq!(day(-300), (3.0, 7.0));
    // Right after local midnight nothing of the old day counts.
    // (The local day began at 23:00Z, 30 minutes ago; the next one begins 23 h 30 min from now.)
    assert_eq!(crate::calendar::local_day_start(now, 60), now - 30 * 60_000);
    let later = now + 23 * 3_600_000 + 31 * 60_000;
    let start = crate::calendar::local_day_start(later, 60);
    assert_eq!(start, now + 23 * 3_600_000 + 30 * 60_000);
    assert_eq!(
        sum(&lines_between(&h, "/s", start, later), None, start).usd,
        0.0
    );
    assert_eq!(lines_between(&h, "/s", now - 30 * 60_000, later).len(), 2);
    // A resume moves the start of what counts.
    let lines = lines_between(&h, "/s", crate::calendar::local_day_start(now, 0), now);
    assert_eq!(sum(&lines, Some("main"), now - 120_000).usd, 2.0);
}

#[test]
fn zones_are_fixed_offsets_or_resolved_by_the_host() {
    let h = MemoryHost::new(HostDirs::default(), 0);
    assert_eq!(zone_offset(&h, "+05:30", 0), Ok(330));
    assert_eq!(zone_offset(&h, "UTC", 0), Ok(0));
    // The memory host has no zone database: an IANA name is reported, never guessed.
    let e = zone_offset(&h, "Europe/Berlin", 0).unwrap_err();
    assert!(e.contains("phases.loopBudget.timeZone"), "{e}");
}

#[test]
fn lifts_round_trip_under_the_lock() {
    let h = MemoryHost::new(HostDirs::default(), 0);
    let l = update_lifts(&h, "/s", |l| {
        l.resumed_at.insert("main".into(), 5);
        l.holds.insert(
            "main".into(),
            Hold {
                code: "budget.cap.cost_usd.run".into(),
                message: "m".into(),
                at: 1,
                until: 2,
            },
        );
    })
    .unwrap();
    assert_eq!(read_lifts(&h, "/s"), l);
    assert!(
        h.file_text("/s/budget/lifts.json.lock").is_none(),
        "lock released"
    );
}
