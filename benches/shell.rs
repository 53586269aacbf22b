//! Phase 4 benchmark (spec §12, P4-R49): latency and throughput of `shell::evaluate` over
//! every line of `tldr.txt`, native. Not a pass/fail test; run through `scripts/bench.sh`
//! (which also measures the wasm build and the tree-sitter-bash peer in Node) or directly:
//! `cargo bench --profile native --bench shell`.
//!
//! The corpora directory is `AGENT_OPS_CORPORA_DIR` (default `tests/corpora`). With
//! `AGENT_OPS_BENCH_JSON=<file>` the results are also written as JSON for the combined table.

use agent_ops::shell::{evaluate, BashSecurityConfig, EvalContext, Os};
use std::path::PathBuf;
use std::time::Instant;

fn corpora_dir() -> PathBuf {
    match std::env::var_os("AGENT_OPS_CORPORA_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpora"),
    }
}

/// The value at quantile `q` of sorted nanosecond samples.
fn quantile(sorted: &[u128], q: f64) -> u128 {
    if sorted.is_empty() {
        return 0;
    }
    let idx = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted.get(idx.min(sorted.len() - 1)).copied().unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = corpora_dir().join("tldr.txt");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let lines: Vec<&str> = text
        .strip_suffix('\n')
        .unwrap_or(&text)
        .split('\n')
        .collect();
    let ctx = EvalContext {
        home: "/home/u".into(),
        cwd: "/home/u/ws".into(),
        workspace: "/home/u/ws".into(),
        os: Os::Linux,
        env_keys: Vec::new(),
        ..Default::default()
    };
    let cfg = BashSecurityConfig::default();

    // Warm-up: one full pass.
    let mut sink = 0usize;
    for l in &lines {
        sink = sink.wrapping_add(evaluate(l, &ctx, &cfg).reason.len());
    }
    // Measured passes: per-line latency over three passes, total time of the best pass.
    let mut samples: Vec<u128> = Vec::with_capacity(lines.len() * 3);
    let mut best_total = u128::MAX;
    for _ in 0..3 {
        let pass = Instant::now();
        for l in &lines {
            let t = Instant::now();
            let e = evaluate(l, &ctx, &cfg);
            samples.push(t.elapsed().as_nanos());
            sink = sink.wrapping_add(e.reason.len());
        }
        best_total = best_total.min(pass.elapsed().as_nanos());
    }
    samples.sort_unstable();
    let n = samples.len().max(1) as f64;
    let mean_us = samples.iter().sum::<u128>() as f64 / n / 1000.0;
    let p50_us = quantile(&samples, 0.50) as f64 / 1000.0;
    let p99_us = quantile(&samples, 0.99) as f64 / 1000.0;
    let max_us = samples.last().copied().unwrap_or(0) as f64 / 1000.0;
    let total_ms = best_total as f64 / 1e6;
    let per_s = lines.len() as f64 / (best_total as f64 / 1e9);

    println!(
        "phase 4 benchmark: evaluate() over {} tldr.txt lines, native (profile {}), checksum {sink}",
        lines.len(),
        if cfg!(debug_assertions) { "debug" } else { "optimised" }
    );
    println!();
    println!("| engine | p50 (µs) | p99 (µs) | mean (µs) | max (µs) | total (ms) | lines/s |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    println!(
        "| native `evaluate` | {p50_us:.2} | {p99_us:.2} | {mean_us:.2} | {max_us:.1} | {total_ms:.1} | {per_s:.0} |"
    );
    println!();
    println!(
        "targets (P4-R49): native mean ≤ 20 µs ({}), p99 ≤ 50 µs ({})",
        if mean_us <= 20.0 { "met" } else { "NOT met" },
        if p99_us <= 50.0 { "met" } else { "NOT met" }
    );

    // `AGENT_OPS_BENCH_SLOWEST=N`: the N slowest lines (best of five runs each), to find what
    // drives the p99.
    if let Some(k) = std::env::var("AGENT_OPS_BENCH_SLOWEST")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        let mut per_line: Vec<(u128, &str)> = lines
            .iter()
            .map(|l| {
                let best = (0..5)
                    .map(|_| {
                        let t = Instant::now();
                        sink = sink.wrapping_add(evaluate(l, &ctx, &cfg).reason.len());
                        t.elapsed().as_nanos()
                    })
                    .min()
                    .unwrap_or(0);
                (best, *l)
            })
            .collect();
        per_line.sort_unstable_by_key(|b| std::cmp::Reverse(b.0));
        println!();
        for (ns, l) in per_line.iter().take(k) {
            println!("{:8.2} µs  {l}", *ns as f64 / 1000.0);
        }
    }

    if let Some(out) = std::env::var_os("AGENT_OPS_BENCH_JSON") {
        let json = serde_json::json!({
            "engine": "native evaluate",
            "lines": lines.len(),
            "p50_us": p50_us,
            "p99_us": p99_us,
            "mean_us": mean_us,
            "max_us": max_us,
            "total_ms": total_ms,
            "lines_per_s": per_s,
        });
        std::fs::write(&out, json.to_string())?;
    }
    Ok(())
}
