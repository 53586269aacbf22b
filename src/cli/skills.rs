//! `agent-ops skills` (P7-R14): the effective skill set for an OpenClaw installation, with
//! shadowing, invalid files, scanner findings and the OpenClaw limits that would be exceeded.

use super::{option_value, CliHost, Context};
use crate::contract::{CallIds, PhaseCtx};
use crate::fork_skills::SkillGuard;
use crate::host::HostDirs;
use crate::runtime::resolve_state_dir;
use serde_json::Value;
use std::cell::Cell;
use std::io::Write;

/// Runs `agent-ops skills`.
pub fn run(
    args: &[String],
    cx: &Context<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let mut oc_config = None;
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
            return super::usage_error(cx, stderr, "skills", &m);
        }
    }
    let loaded = match super::load_plugin_config(
        "skills",
        cx,
        oc_config.as_deref(),
        state_dir.as_deref(),
        stderr,
    ) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let config = &loaded.config;
    let home = cx.home();
    let workspace = workspace
        .or_else(|| {
            loaded
                .openclaw
                .pointer("/agents/defaults/workspace")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .map(|w| super::openclaw::user_path(&w, &home, &cx.cwd))
        .unwrap_or_else(|| cx.cwd.clone());
    let oc_state = loaded.paths.state_dir.clone();
    let host = CliHost::new(
        cx.host,
        HostDirs {
            home_dir: home.clone(),
            workspace_dir: workspace.clone(),
            openclaw_state_dir: oc_state.clone(),
            ..HostDirs::default()
        },
    );
    let info = super::host_info(cx, &loaded, &workspace);
    let sd = resolve_state_dir(config, &info, &host);
    let judge = crate::shell::SnippetJudge::in_workspace(
        &home,
        &workspace,
        crate::shell::Os::default(),
        config.phases.bash_security.settings(),
    );
    // The phase's context as the plugin builds it: the skill roots come from `info` (home,
    // workspace, OpenClaw's state directory and its `agents`/`skills` sections).
    let ids = CallIds::default();
    let next_job = Cell::new(0);
    let phase = PhaseCtx::new(
        &host,
        config.phases.fork_skills.settings(),
        &info,
        &sd,
        &ids,
        &Value::Null,
        &next_job,
    );
    let text = SkillGuard::default().audit(&phase, &judge);
    let _ = stdout.write_all(text.as_bytes());
    0
}
