//! `agent-ops grants [list | revoke ID | clear]` (issue 16 item 9): the exec approval grants
//! the gateway stored, read and changed in the same state directory through the same store.

use super::{option_value, CliHost, Context, EXIT_IO};
use crate::host::{Host, HostDirs};
use crate::json;
use crate::runtime::resolve_state_dir;
use crate::shell;
use std::io::Write;

/// Runs `agent-ops grants`.
pub fn run(
    args: &[String],
    cx: &Context<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let usage = |stderr: &mut dyn Write, m: &str| super::usage_error(cx, stderr, "grants", m);
    let mut oc_config = None;
    let mut state_dir = None;
    let mut json_out = false;
    let mut words: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--json" {
            json_out = true;
            continue;
        }
        if !arg.starts_with("--") {
            words.push(arg.clone());
            continue;
        }
        let mut take = |name: &str| option_value(arg, name, &mut it);
        let v = if let Some(v) = take("--openclaw-config") {
            v.map(|v| oc_config = Some(v))
        } else if let Some(v) = take("--state-dir") {
            v.map(|v| state_dir = Some(v))
        } else {
            Err(format!("unknown option `{arg}`"))
        };
        if let Err(m) = v {
            return usage(stderr, &m);
        }
    }
    let action: Vec<&str> = words.iter().map(String::as_str).collect();
    if !matches!(action.as_slice(), [] | ["list"] | ["revoke", _] | ["clear"]) {
        return usage(stderr, &format!("unknown action `{}`", words.join(" ")));
    }
    let loaded = match super::load_plugin_config(
        "grants",
        cx,
        oc_config.as_deref(),
        state_dir.as_deref(),
        stderr,
    ) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let host = CliHost::new(
        cx.host,
        HostDirs {
            home_dir: cx.home(),
            workspace_dir: cx.cwd.clone(),
            openclaw_state_dir: loaded.paths.state_dir.clone(),
            ..HostDirs::default()
        },
    );
    let info = super::host_info(cx, &loaded, &cx.cwd);
    let sd = resolve_state_dir(&loaded.config, &info, &host);
    let now = host.now_ms();
    // G-R19: a state directory of a newer schema is never written, also not from the CLI.
    if matches!(action.as_slice(), ["revoke", _] | ["clear"]) {
        if let Some(why) = crate::schema::read_only_reason(&host, &sd) {
            let _ = writeln!(stderr, "agent-ops grants: core.schema.newer: {why}");
            return EXIT_IO;
        }
    }
    let (text, value) = match action.as_slice() {
        ["revoke", id] => match shell::revoke_grant(&host, &sd, now, id) {
            Ok(true) => (format!("revoked {id}"), json!({ "revoked": id })),
            Ok(false) => {
                let _ = writeln!(stderr, "agent-ops grants: no grant with id {id} in {sd}");
                return 1;
            }
            Err(e) => {
                let _ = writeln!(stderr, "agent-ops grants: cannot revoke {id}: {e}");
                return EXIT_IO;
            }
        },
        ["clear"] => match shell::clear_grants(&host, &sd, now) {
            Ok(n) => (format!("removed {n} grant(s)"), json!({ "removed": n })),
            Err(e) => {
                let _ = writeln!(stderr, "agent-ops grants: cannot clear: {e}");
                return EXIT_IO;
            }
        },
        _ => {
            let loaded = shell::load_grants(&host, &sd, now);
            for p in &loaded.problems {
                let _ = writeln!(stderr, "agent-ops grants: warning: {p}");
            }
            let live: Vec<_> = loaded
                .file
                .grants
                .iter()
                .filter(|g| now < g.expires_ms)
                .cloned()
                .collect();
            (
                shell::grant_listing(&live, now),
                json!({ "stateDir": sd, "grants": live.iter().map(|g| g.to_value()).collect::<Vec<_>>() }),
            )
        }
    };
    let out = if json_out { value.to_string() } else { text };
    if writeln!(stdout, "{out}").is_err() {
        return EXIT_IO;
    }
    0
}
