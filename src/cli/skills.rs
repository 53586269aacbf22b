//! `agent-ops skills` (P7-R14): the effective skill set for an OpenClaw installation, with
//! shadowing, invalid files, scanner findings and the OpenClaw limits that would be exceeded.

use super::{option_value, EXIT_USAGE};
use crate::fork_skills::engine::{Env, Skiller};
use crate::host::{join_path, HostDirs, NativeHost};
use crate::runtime::{resolve_state_dir, HostInfo};
use serde_json::Value;
use std::io::Write;

fn usage(stderr: &mut dyn Write, m: &str) -> i32 {
    let _ = writeln!(stderr, "agent-ops skills: {m}\nusage: agent-ops skills [--openclaw-config FILE] [--workspace DIR] [--state-dir DIR]");
    EXIT_USAGE
}

/// Runs `agent-ops skills`.
pub fn run(args: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let mut oc_config = std::env::var("OPENCLAW_CONFIG_PATH").ok();
    let mut workspace = None;
    let mut state_dir = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut take = |name: &str| option_value(arg, name, &mut it);
        let v = if let Some(v) = take("--openclaw-config") {
            v.map(|v| oc_config = Some(v))
        } else if let Some(v) = take("--workspace") {
            v.map(|v| workspace = Some(v))
        } else if let Some(v) = take("--state-dir") {
            v.map(|v| state_dir = Some(v))
        } else {
            Err(format!("unknown option `{arg}`"))
        };
        if let Err(m) = v {
            return usage(stderr, &m);
        }
    }
    let (oc, config) = match super::load_plugin_config(
        "skills",
        oc_config.as_deref(),
        state_dir.as_deref(),
        stderr,
    ) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let home = std::env::var("HOME").unwrap_or_default();
    let workspace = workspace
        .or_else(|| {
            oc.pointer("/agents/defaults/workspace")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| {
            std::env::current_dir()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    let oc_state = std::env::var("OPENCLAW_STATE_DIR")
        .ok()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| join_path(&home, ".openclaw"));
    let host = NativeHost::new(HostDirs {
        home_dir: home.clone(),
        workspace_dir: workspace.clone(),
        ..HostDirs::default()
    });
    let info = HostInfo {
        home_dir: Some(home.clone()),
        openclaw_state_dir: Some(oc_state.clone()),
        ..HostInfo::default()
    };
    let sd = resolve_state_dir(&config, &info, &host);
    let (agents, extra_dirs) = crate::fork_skills::skills::openclaw_sources(&oc, &home);
    let env = Env {
        agents: &agents,
        extra_dirs: &extra_dirs,
        cfg: config.phases.fork_skills.settings(),
        shell: config.phases.bash_security.settings(),
        host: &host,
        state_dir: &sd,
        now_ms: crate::host::Host::now_ms(&host),
        workspace: &workspace,
        home: &home,
        openclaw_state: &oc_state,
    };
    let text = Skiller::default().audit(&env);
    let _ = stdout.write_all(text.as_bytes());
    0
}
