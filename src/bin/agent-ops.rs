//! The `agent-ops` command line; all logic lives in `agent_ops::cli` (the same code serves
//! `openclaw agent-ops` through the plugin). This file only gathers what the process knows.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use agent_ops::cli::{self, Context};
    use agent_ops::host::{HostDirs, NativeHost};
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cwd = std::env::current_dir()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let host = NativeHost::new(HostDirs {
        home_dir: std::env::var("HOME").unwrap_or_default(),
        workspace_dir: cwd.clone(),
        ..HostDirs::default()
    });
    let cx = Context {
        host: &host,
        cwd,
        os: agent_ops::shell::Os::build_target(),
        program: "agent-ops".into(),
        openclaw_config: None,
        plugin_dir: None,
    };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let code = cli::run(&args, &cx, &mut input, &mut out, &mut err);
    std::process::exit(code);
}

/// The native binary is not built for wasm; the plugin runs the CLI through the library.
#[cfg(target_arch = "wasm32")]
fn main() {}
