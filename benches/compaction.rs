//! Phase 1 benchmark (issue 4, not a test): the per-turn cost of the context engine's
//! `assemble` (JSON in, microcompaction plan, JSON out) over transcripts of 100, 1,000 and
//! 10,000 messages, through the same `engine_json` entry point the bindings call. Prints a
//! markdown table; the cost per message shows whether growth is linear.
//!
//! `cargo bench --profile native --bench compaction`

use agent_ops::host::{HostDirs, MemoryHost};
use agent_ops::runtime::Runtime;
use serde_json::{json, Value};
use std::time::Instant;

fn transcript(n: usize) -> Value {
    let mut v = Vec::with_capacity(n);
    v.push(json!({"role": "user", "content": "start", "timestamp": 1}));
    let mut i = 0;
    while v.len() < n {
        v.push(json!({"role": "assistant", "timestamp": 2, "content": [{"type": "toolCall", "id": format!("c{i}"), "name": "exec", "arguments": {"command": format!("cat file{i}.txt")}}]}));
        v.push(json!({"role": "toolResult", "toolCallId": format!("c{i}"), "toolName": "exec", "content": [{"type": "text", "text": format!("line {i} of some tool output\n").repeat(40)}]}));
        i += 1;
    }
    v.truncate(n);
    v.push(json!({"role": "assistant", "timestamp": 3, "content": [{"type": "text", "text": "ok"}], "usage": {"input": 170000, "output": 100}}));
    Value::Array(v)
}

fn main() {
    let host = MemoryHost::new(
        HostDirs {
            home_dir: "/home/u".into(),
            workspace_dir: "/home/u/ws".into(),
            ..HostDirs::default()
        },
        1_795_996_800_000,
    );
    let mut rt = Runtime::new();
    let info = json!({"contextEngineSelected": true, "openclawStateDir": "/oc",
        "models": [{"provider": "p", "id": "m", "contextWindow": 200000, "maxTokens": 20000}]});
    // Audit off: the benchmark measures the decision, not the in-memory journal growing.
    let r = rt.init(&host, r#"{"audit":{"enabled":false}}"#, &info.to_string());
    assert!(r.ok, "{:?}", r.errors);
    println!("| messages | input JSON (KiB) | assemble mean (µs) | min (µs) | µs per message | cleared |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for n in [100usize, 1_000, 10_000] {
        let params =
            json!({"sessionId": "s", "sessionKey": "agent:main:main", "messages": transcript(n),
            "runtimeContext": {"provider": "p", "model": "m"}})
            .to_string();
        let iters = (200_000 / n).clamp(5, 2_000);
        let mut cleared = 0;
        let _ = rt.engine_json(&host, "assemble", &params);
        let mut best = f64::MAX;
        let t0 = Instant::now();
        for _ in 0..iters {
            let t = Instant::now();
            let out = rt.engine_json(&host, "assemble", &params);
            best = best.min(t.elapsed().as_secs_f64());
            cleared = serde_json::from_str::<Value>(&out)
                .ok()
                .and_then(|v| {
                    v.pointer("/value/clear")
                        .and_then(Value::as_array)
                        .map(Vec::len)
                })
                .unwrap_or(0);
        }
        let mean = t0.elapsed().as_secs_f64() / iters as f64;
        println!(
            "| {n} | {:.0} | {:.1} | {:.1} | {:.3} | {cleared} |",
            params.len() as f64 / 1024.0,
            mean * 1e6,
            best * 1e6,
            mean * 1e6 / n as f64
        );
    }
}
