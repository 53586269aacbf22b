//! [`HostInfo`] from OpenClaw's own config (issue 18 item 5): the one derivation used by the
//! plugin (through the `hostInfo` binding) and by every CLI command, so both read OpenClaw's
//! settings the same way; and the one fallback chain for OpenClaw's state directory.

use crate::contract::{HostInfo, ModelCost, ModelInfo};
use crate::host::{join_path, Host};
use crate::json;
use serde_json::Value;

/// The plugin id: its entry under `plugins.entries` and its value in `plugins.slots`.
const PLUGIN_ID: &str = "agent-ops";

/// A non-negative integer (`5` or `5.0`); anything else counts as not set.
fn int(v: Option<&Value>) -> Option<u64> {
    let v = v?;
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f <= u64::MAX as f64)
            .map(|f| f as u64)
    })
}

fn text(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// A price: a finite non-negative number, else 0 (a bad price never becomes a credit).
fn price(v: &Value, key: &str) -> f64 {
    v.get(key)
        .and_then(Value::as_f64)
        .filter(|f| f.is_finite() && *f >= 0.0)
        .unwrap_or(0.0)
}

/// `models.providers.<provider>.models[]`, flattened: every entry with a string `id`.
fn models(config: &Value) -> Vec<ModelInfo> {
    let Some(providers) = config
        .pointer("/models/providers")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (provider, p) in providers {
        let Some(entries) = p.get("models").and_then(Value::as_array) else {
            continue;
        };
        for m in entries {
            let Some(id) = m.get("id").and_then(Value::as_str) else {
                continue;
            };
            out.push(ModelInfo {
                provider: provider.clone(),
                id: id.to_string(),
                context_window: int(m.get("contextWindow")),
                max_tokens: int(m.get("maxTokens")),
                cost: m.get("cost").filter(|c| c.is_object()).map(|c| ModelCost {
                    input: price(c, "input"),
                    output: price(c, "output"),
                    cache_read: price(c, "cacheRead"),
                    cache_write: price(c, "cacheWrite"),
                }),
            });
        }
    }
    out
}

impl HostInfo {
    /// What OpenClaw's config (`openclaw.json` as OpenClaw resolved it, or any slice of it
    /// with the same top-level keys) says about the host: the default workspace, conversation
    /// access and the context-engine slot of this plugin, OpenClaw's compaction settings, the
    /// model table (windows, output limits, prices) and the `agents`/`tools`/`skills` sections
    /// that decide the exec sandbox and the skill sources. A value of the wrong type counts as
    /// not set. Process facts (home, temp dir, pid, state dir) are the caller's to fill in.
    pub fn from_openclaw(config: &Value) -> HostInfo {
        let compaction = config
            .pointer("/agents/defaults/compaction")
            .unwrap_or(&Value::Null);
        let section = |k: &str| config.get(k).cloned().unwrap_or(Value::Null);
        HostInfo {
            workspace_dir: text(config, "/agents/defaults/workspace"),
            conversation_access: Some(
                config
                    .pointer("/plugins/entries")
                    .and_then(|e| e.get(PLUGIN_ID))
                    .and_then(|e| e.pointer("/hooks/allowConversationAccess"))
                    == Some(&Value::Bool(true)),
            ),
            context_engine_selected: Some(
                config
                    .pointer("/plugins/slots/contextEngine")
                    .and_then(Value::as_str)
                    == Some(PLUGIN_ID),
            ),
            models: models(config),
            compaction_provider: text(compaction, "/provider"),
            host_compaction_enabled: Some(compaction.get("enabled") != Some(&Value::Bool(false))),
            compaction_timeout_seconds: int(compaction.get("timeoutSeconds")),
            sandbox: json!({ "agents": section("agents"), "tools": section("tools"), "skills": section("skills") }),
            ..HostInfo::default()
        }
    }

    /// The plugin's view of a Node process: OpenClaw's config from `openclaw` and the facts
    /// `pkg/index.js` read from Node and OpenClaw's runtime API (`stateDir`, `homeDir`,
    /// `tmpDir`, `pid`, `platform`, `version`). Fields of the wrong type count as not set.
    pub fn from_plugin_facts(facts: &Value) -> HostInfo {
        let s = |k: &str| {
            facts
                .get(k)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        HostInfo {
            openclaw_state_dir: s("stateDir"),
            home_dir: s("homeDir"),
            os: Some(
                if s("platform").as_deref() == Some("darwin") {
                    "macos"
                } else {
                    "linux"
                }
                .into(),
            ),
            openclaw_version: s("version").or_else(|| {
                facts
                    .get("version")
                    .filter(|v| v.is_number())
                    .map(Value::to_string)
            }),
            tmp_dir: s("tmpDir"),
            pid: int(facts.get("pid")).and_then(|p| u32::try_from(p).ok()),
            ..HostInfo::from_openclaw(facts.get("openclaw").unwrap_or(&Value::Null))
        }
    }

    /// OpenClaw's state directory: as OpenClaw reported it, else the host's, else
    /// `$OPENCLAW_STATE_DIR`, else `~/.openclaw`; a leading `~` is the home directory. The one
    /// place this fallback lives (the plugin's state dir, OpenClaw's config file and the skill
    /// sources all start from it).
    pub fn openclaw_dir(&self, host: &dyn Host) -> String {
        let nonblank = |d: &Option<String>| d.clone().filter(|d| !d.trim().is_empty());
        let mut dirs = None;
        let mut host_dirs = || dirs.get_or_insert_with(|| host.resolve_dirs()).clone();
        let home = nonblank(&self.home_dir)
            .or_else(|| nonblank(&Some(host_dirs().home_dir)))
            .or_else(|| nonblank(&host.env("HOME")))
            .unwrap_or_else(|| "/".to_string());
        let dir = nonblank(&self.openclaw_state_dir)
            .or_else(|| nonblank(&Some(host_dirs().openclaw_state_dir)))
            .or_else(|| nonblank(&host.env("OPENCLAW_STATE_DIR")));
        match dir {
            Some(d) if d == "~" => home,
            Some(d) => match d.strip_prefix("~/") {
                Some(rest) => join_path(&home, rest),
                None => d,
            },
            None => join_path(&home, ".openclaw"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::SandboxFacts;
    use crate::host::HostDirs;
    use crate::host::MemoryHost;

    fn host(home: &str, oc: &str) -> MemoryHost {
        MemoryHost::new(
            HostDirs {
                home_dir: home.into(),
                openclaw_state_dir: oc.into(),
                ..HostDirs::default()
            },
            0,
        )
    }

    #[test]
    fn an_empty_or_odd_config_gives_the_defaults_of_a_plain_openclaw() {
        for cfg in [
            Value::Null,
            json!({}),
            json!([1]),
            json!("x"),
            json!({"agents": 5, "models": []}),
        ] {
            let i = HostInfo::from_openclaw(&cfg);
            assert_eq!(i.conversation_access, Some(false), "{cfg}");
            assert_eq!(i.context_engine_selected, Some(false));
            assert_eq!(i.host_compaction_enabled, Some(true));
            assert_eq!(i.workspace_dir, None);
            assert!(i.models.is_empty());
            assert_eq!(i.compaction_provider, None);
            assert_eq!(i.compaction_timeout_seconds, None);
            assert_eq!(
                SandboxFacts::from_value(&i.sandbox),
                SandboxFacts::default()
            );
        }
    }

    #[test]
    fn a_full_config_is_read_field_by_field() {
        let cfg = json!({
            "agents": {
                "defaults": {
                    "workspace": "/srv/ws",
                    "compaction": {"provider": "agent-ops", "enabled": false, "timeoutSeconds": 90},
                    "sandbox": {"mode": "non-main"}
                },
                "entries": {"ops": {"sandbox": {"mode": "all"}, "tools": {"exec": {"host": "sandbox"}, "elevated": {"enabled": true}}}}
            },
            "tools": {"exec": {"host": "gateway"}, "elevated": {"enabled": false}},
            "skills": {"load": {"extraDirs": ["/skills"]}},
            "plugins": {
                "slots": {"contextEngine": "agent-ops"},
                "entries": {"agent-ops": {"hooks": {"allowConversationAccess": true}}, "other": {"hooks": {"allowConversationAccess": false}}}
            },
            "models": {"providers": {
                "local": {"apiKey": "secret", "models": [
                    {"id": "m1", "contextWindow": 200000, "maxTokens": 8192.0, "cost": {"input": 3, "output": 15, "cacheRead": 0.3, "cacheWrite": 3.75}},
                    {"id": "m2", "contextWindow": -1, "maxTokens": 1.5, "cost": {"input": -3, "output": "15", "cacheRead": null}},
                    {"id": 7},
                    {"name": "no id"},
                    {"id": "m3", "cost": [1, 2]}
                ]},
                "broken": {"models": "none"}
            }}
        });
        let i = HostInfo::from_openclaw(&cfg);
        assert_eq!(i.workspace_dir.as_deref(), Some("/srv/ws"));
        assert_eq!(i.conversation_access, Some(true));
        assert_eq!(i.context_engine_selected, Some(true));
        assert_eq!(i.compaction_provider.as_deref(), Some("agent-ops"));
        assert_eq!(i.host_compaction_enabled, Some(false));
        assert_eq!(i.compaction_timeout_seconds, Some(90));
        assert_eq!(
            i.models,
            vec![
                ModelInfo {
                    provider: "local".into(),
                    id: "m1".into(),
                    context_window: Some(200_000),
                    max_tokens: Some(8192),
                    cost: Some(ModelCost {
                        input: 3.0,
                        output: 15.0,
                        cache_read: 0.3,
                        cache_write: 3.75
                    }),
                },
                ModelInfo {
                    provider: "local".into(),
                    id: "m2".into(),
                    context_window: None,
                    max_tokens: None,
                    cost: Some(ModelCost::default()),
                },
                ModelInfo {
                    provider: "local".into(),
                    id: "m3".into(),
                    ..ModelInfo::default()
                },
            ]
        );
        // Only the sections that decide the sandbox and skills are kept (no model keys).
        assert_eq!(i.sandbox.get("models"), None);
        assert_eq!(i.sandbox["skills"], cfg["skills"]);
        let sb = SandboxFacts::from_value(&i.sandbox);
        assert_eq!(sb.mode.as_deref(), Some("non-main"));
        assert_eq!(sb.exec_host.as_deref(), Some("gateway"));
        assert_eq!(sb.elevated_enabled, Some(false));
        assert_eq!(sb.agents.len(), 1);
        assert_eq!(sb.agents[0].mode.as_deref(), Some("all"));
        assert_eq!(sb.agents[0].exec_host.as_deref(), Some("sandbox"));
        assert_eq!(sb.agents[0].elevated_enabled, Some(true));
    }

    #[test]
    fn settings_of_the_wrong_type_count_as_not_set() {
        let cfg = json!({
            "agents": {"defaults": {"workspace": 5, "compaction": {"provider": 1, "enabled": "no", "timeoutSeconds": -4}}},
            "plugins": {"slots": {"contextEngine": "legacy"}, "entries": {"agent-ops": {"hooks": {"allowConversationAccess": "true"}}}}
        });
        let i = HostInfo::from_openclaw(&cfg);
        assert_eq!(i.workspace_dir, None);
        assert_eq!(i.compaction_provider, None);
        assert_eq!(i.host_compaction_enabled, Some(true));
        assert_eq!(i.compaction_timeout_seconds, None);
        assert_eq!(i.conversation_access, Some(false));
        assert_eq!(i.context_engine_selected, Some(false));
    }

    #[test]
    fn the_plugin_facts_add_the_process_to_the_config() {
        let facts = json!({
            "openclaw": {"agents": {"defaults": {"workspace": "/ws", "sandbox": {"mode": "all"}}}},
            "stateDir": "/oc", "homeDir": "/home/u", "tmpDir": "/tmp", "pid": 4242,
            "platform": "darwin", "version": "2026.9.6"
        });
        let i = HostInfo::from_plugin_facts(&facts);
        assert_eq!(i.openclaw_state_dir.as_deref(), Some("/oc"));
        assert_eq!(i.home_dir.as_deref(), Some("/home/u"));
        assert_eq!(i.tmp_dir.as_deref(), Some("/tmp"));
        assert_eq!(i.pid, Some(4242));
        assert_eq!(i.os.as_deref(), Some("macos"));
        assert_eq!(i.openclaw_version.as_deref(), Some("2026.9.6"));
        assert_eq!(i.workspace_dir.as_deref(), Some("/ws"));
        assert_eq!(
            SandboxFacts::from_value(&i.sandbox).mode.as_deref(),
            Some("all")
        );
        let odd = HostInfo::from_plugin_facts(
            &json!({"stateDir": "", "pid": -1, "platform": "linux", "version": 3}),
        );
        assert_eq!(odd.openclaw_state_dir, None);
        assert_eq!(odd.pid, None);
        assert_eq!(odd.os.as_deref(), Some("linux"));
        assert_eq!(odd.openclaw_version.as_deref(), Some("3"));
        assert_eq!(
            HostInfo::from_plugin_facts(&Value::Null).os.as_deref(),
            Some("linux")
        );
    }

    #[test]
    fn the_openclaw_dir_falls_back_in_one_order() {
        let info = |oc: Option<&str>, home: Option<&str>| HostInfo {
            openclaw_state_dir: oc.map(str::to_string),
            home_dir: home.map(str::to_string),
            ..HostInfo::default()
        };
        // Reported by OpenClaw, with `~` expanded.
        assert_eq!(
            info(Some("/oc"), None).openclaw_dir(&host("/h", "/x")),
            "/oc"
        );
        assert_eq!(
            info(Some("~/st"), Some("/home/u")).openclaw_dir(&host("/h", "")),
            "/home/u/st"
        );
        assert_eq!(info(Some("~"), None).openclaw_dir(&host("/h", "")), "/h");
        // Else the host's, else the environment, else ~/.openclaw.
        assert_eq!(info(Some(" "), None).openclaw_dir(&host("/h", "/x")), "/x");
        let h = host("/h", "");
        assert_eq!(info(None, None).openclaw_dir(&h), "/h/.openclaw");
        h.set_env("OPENCLAW_STATE_DIR", "~/env");
        assert_eq!(info(None, Some("/home/u")).openclaw_dir(&h), "/home/u/env");
        let bare = host("", "");
        assert_eq!(info(None, None).openclaw_dir(&bare), "/.openclaw");
        bare.set_env("HOME", "/e");
        assert_eq!(info(None, None).openclaw_dir(&bare), "/e/.openclaw");
    }
}
