//! The load record (issue 17 item 7): when OpenClaw loads the plugin for real (registration
//! mode `full`: the gateway, or an `openclaw agent --local` run), the instance writes which
//! version, process and config it applied to `<stateDir>/runtime/applied.json`, atomically.
//! `agent-ops doctor` reads it to say whether the plugin is loaded and whether the config it
//! enforces is the one in the file now (a reload may be pending or have been refused).
//!
//! Discovery loads (`openclaw plugins inspect`, the CLI itself) do not write it: they enforce
//! nothing.

use super::Runtime;
use crate::host::{join_path, Host, HostError};
use crate::phase::PHASES;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The record's path under the plugin's state directory.
pub const APPLIED_FILE: &str = "runtime/applied.json";

/// What one loaded instance applied.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AppliedRecord {
    /// The core version (`<crate>+schema.<n>`).
    pub version: String,
    /// The process that loaded the plugin, when the host said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u64>,
    /// When the config was applied, ms since the epoch.
    pub applied_at_ms: i64,
    /// The plugin's state directory.
    pub state_dir: String,
    /// Phase keys enabled, in phase order.
    pub on: Vec<String>,
    /// Phase keys disabled, in phase order.
    pub off: Vec<String>,
    /// The plugin config as OpenClaw passed it.
    pub config: Value,
}

crate::json::read::json_struct!(default AppliedRecord {
    "version" => version, "pid" => pid, "appliedAtMs" => applied_at_ms, "stateDir" => state_dir,
    "on" => on, "off" => off, "config" => config,
});

impl Runtime {
    /// Writes the load record of the active config; `pid` is the loading process and
    /// `config` the plugin config JSON `init` accepted (kept as given: re-encoding the typed
    /// config would put a serializer for every setting into the wasm).
    /// Returns the path written. Errors when the runtime is not initialised or the write fails.
    pub fn record_loaded(
        &self,
        host: &dyn Host,
        pid: Option<u64>,
        config: Value,
    ) -> Result<String, HostError> {
        let active = self
            .active
            .as_ref()
            .ok_or_else(|| HostError::Io("the core is not initialised".into()))?;
        let (on, off): (Vec<&crate::phase::PhaseInfo>, Vec<_>) = PHASES
            .iter()
            .partition(|p| active.config.phase_enabled(p.key));
        let record = AppliedRecord {
            version: super::version(),
            pid,
            applied_at_ms: host.now_ms(),
            state_dir: active.state_dir.clone(),
            on: on.iter().map(|p| p.key.to_string()).collect(),
            off: off.iter().map(|p| p.key.to_string()).collect(),
            config,
        };
        let text = serde_json::to_string_pretty(&record)
            .map_err(|e| HostError::Io(format!("cannot encode the load record: {e}")))?;
        let path = join_path(&active.state_dir, APPLIED_FILE);
        host.fs_write_atomic(&path, format!("{text}\n").as_bytes(), 0o600)?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::AppliedRecord;
    use serde_json::json;

    #[test]
    fn the_load_record_reads_like_the_derive() {
        let n = crate::json::read::assert_reads_like_serde::<AppliedRecord>(&[
            json!({"version": "v", "pid": 1, "appliedAtMs": 2, "stateDir": "/s", "on": ["a"],
                "off": ["b"], "config": {"x": 1}}),
            json!({}),
        ]);
        assert!(n > 100, "{n}");
    }
}
