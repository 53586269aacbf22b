//! Profiling aid: evaluates one command in a loop (`cargo run --profile native --example
//! evalloop -- 'COMMAND' [N]`,
//! or `@FILE` for every line of FILE), for `perf record`.
use agent_ops::shell::{evaluate, BashSecurityConfig, EvalContext, Os};

fn main() {
    let mut args = std::env::args().skip(1);
    let cmd = args.next().unwrap_or_else(|| "ls -la".to_string());
    let n: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let ctx = EvalContext {
        home: "/home/u".into(),
        cwd: "/home/u/ws".into(),
        workspace: "/home/u/ws".into(),
        os: Os::Linux,
        env_keys: Vec::new(),
        ..Default::default()
    };
    let cfg = BashSecurityConfig::default();
    // `@FILE` evaluates every line of FILE, N times over.
    let commands: Vec<String> = match cmd.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect(),
        None => vec![cmd],
    };
    let mut sink = 0usize;
    let t = std::time::Instant::now();
    for _ in 0..n {
        for c in &commands {
            sink = sink.wrapping_add(evaluate(c, &ctx, &cfg).reason.len());
        }
    }
    println!(
        "{:.2} µs/eval ({sink})",
        t.elapsed().as_secs_f64() * 1e6 / (n * commands.len().max(1)) as f64
    );
}
