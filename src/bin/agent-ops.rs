//! The `agent-ops` command line; all logic lives in `agent_ops::cli`.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let code = agent_ops::cli::run(&args, &mut input, &mut out, &mut err);
    std::process::exit(code);
}

/// The CLI is native only; wasm builds use the library.
#[cfg(target_arch = "wasm32")]
fn main() {}
