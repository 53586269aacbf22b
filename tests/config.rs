//! The committed `pkg/openclaw.plugin.json` is exactly what the Rust config type generates.

use agent_ops::config::{parse_config, parse_config_lenient, plugin_manifest, Config, PHASE_KEYS};
use serde_json::json;

#[test]
fn committed_manifest_matches_the_rust_config_type() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/pkg/openclaw.plugin.json");
    let text = std::fs::read_to_string(path).expect("pkg/openclaw.plugin.json exists");
    let committed: serde_json::Value = serde_json::from_str(&text).expect("manifest is JSON");
    assert_eq!(
        committed,
        plugin_manifest(),
        "pkg/openclaw.plugin.json is stale: run `cargo run --bin agent-ops -- manifest --write pkg/openclaw.plugin.json`"
    );
}

#[test]
fn manifest_has_the_fields_openclaw_needs() {
    let m = plugin_manifest();
    assert_eq!(m["id"], "agent-ops");
    assert_eq!(m["activation"]["onStartup"], true);
    assert_eq!(m["skills"], serde_json::json!(["skills"]));
    // Unknown keys reach the core, which names them (issue 17 item 3).
    assert!(m["configSchema"].get("additionalProperties").is_none());
    for k in PHASE_KEYS {
        assert!(
            m["uiHints"][format!("phases.{k}")]["label"].is_string(),
            "{k}"
        );
    }
}

#[test]
fn every_phase_accepts_its_full_default_object() {
    // The defaults serialized back must be accepted: the schema and the parser agree.
    let full = serde_json::to_string(&agent_ops::config::Config::default()).unwrap();
    let parsed = parse_config(&full).unwrap();
    assert_eq!(parsed, agent_ops::config::Config::default());
}

#[test]
fn bad_configs_name_the_key_path() {
    let cases = [
        (
            r#"{"phases":{"bashSecurity":{"askActon":"block"}}}"#,
            "phases.bashSecurity.askActon",
            "askAction",
        ),
        (
            r#"{"phases":{"bashSecurity":{"askAction":"maybe"}}}"#,
            "phases.bashSecurity.askAction",
            "unknown variant",
        ),
        (
            r#"{"phases":{"bashSecurity":{"limits":{"maxDepth":1000}}}}"#,
            "phases.bashSecurity.limits.maxDepth",
            "from 1 to 256",
        ),
        (
            r#"{"phases":{"bashSecurity":{"readOnlyExtra":["bash"]}}}"#,
            "phases.bashSecurity.readOnlyExtra[0]",
            "never be read-only",
        ),
        (
            r#"{"phases":{"forkSkills":{"skills":{"debounceMs":10}}}}"#,
            "phases.forkSkills.skills.debounceMs",
            "from 50",
        ),
        (
            r#"{"phases":{"compaction":{"autoCompactPercent":0}}}"#,
            "phases.compaction.autoCompactPercent",
            "greater than 0",
        ),
        (
            r#"{"audit":{"enabled":"yes"}}"#,
            "audit.enabled",
            "invalid type",
        ),
        (r#"{"logLevel":"loud"}"#, "logLevel", "unknown variant"),
    ];
    for (json, path, text) in cases {
        let errs = parse_config(json).expect_err(json);
        assert!(
            errs.iter()
                .any(|e| e.path == path && e.message.contains(text)),
            "{json}: {errs:?}"
        );
    }
}

/// Issue 17 item 3: the three typo kinds an operator makes (a misspelt phase key, a string
/// where an integer belongs, an enum value that does not exist) each yield an error naming the
/// key path (and the closest key), and a config that keeps phase 4 on with its safe defaults.
#[test]
fn typos_fall_back_to_defaults_and_keep_phase_4_on() {
    let cases = [
        (
            json!({"phases": {"bashSecurty": false}}),
            "phases.bashSecurty",
            "did you mean `bashSecurity`",
        ),
        (
            json!({"phases": {"bashSecurity": {"limits": {"maxDepth": "deep"}}}}),
            "phases.bashSecurity.limits.maxDepth",
            "invalid type",
        ),
        (
            json!({"phases": {"bashSecurity": {"askAction": "prompt"}}}),
            "phases.bashSecurity.askAction",
            "unknown variant",
        ),
    ];
    for (cfg, path, text) in cases {
        let (config, errors) = parse_config_lenient(cfg.clone());
        assert_eq!(errors.len(), 1, "{cfg}: {errors:?}");
        assert_eq!(errors[0].path, path, "{cfg}");
        assert!(
            errors[0].message.contains(text),
            "{cfg}: {}",
            errors[0].message
        );
        assert!(config.phase_enabled("bashSecurity"), "{cfg}");
        assert_eq!(
            config.phases.bash_security.settings(),
            Config::default().phases.bash_security.settings(),
            "{cfg}"
        );
    }
}

/// Only the invalid keys fall back: the valid settings around them are kept, every error is
/// reported (not just the first), and a valid `enabled: false` is honoured.
#[test]
fn valid_settings_next_to_errors_are_kept_and_every_error_is_reported() {
    let cfg = json!({
        "logLevel": "loud",
        "phases": {
            "bashSecurity": {"askAction": "block", "limits": {"maxDepth": 1000, "maxNodes": "x"}, "rules": {"deny": ["curl", 7]}},
            "sessionMemory": {"enabled": false, "notez": 1},
            "loopBudget": "yes"
        }
    });
    let (config, errors) = parse_config_lenient(cfg);
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    for p in [
        "logLevel",
        "phases.bashSecurity.limits.maxNodes",
        "phases.bashSecurity.rules.deny[1]",
        "phases.bashSecurity.limits.maxDepth",
        "phases.sessionMemory.notez",
        "phases.loopBudget",
    ] {
        assert!(paths.contains(&p), "{p} not in {paths:?}");
    }
    let p4 = config.phases.bash_security.settings();
    assert_eq!(p4.rules.deny, vec!["curl".to_string()]);
    assert_eq!(serde_json::to_value(p4).unwrap()["askAction"], "block");
    assert!(config.phase_enabled("bashSecurity"));
    assert!(!config.phase_enabled("sessionMemory"));
    assert!(config.phase_enabled("loopBudget"));
}

#[test]
fn a_config_that_is_not_an_object_runs_on_defaults() {
    let (config, errors) = parse_config_lenient(json!(["x"]));
    assert_eq!(config, Config::default());
    assert_eq!(errors.len(), 1);
}

/// Every shipped skill (read by the agent, openclaw.md §8) has frontmatter whose `name` is its
/// directory and a non-empty `description`.
#[test]
fn shipped_skills_have_valid_frontmatter() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("skills");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(entry.path().join("SKILL.md")).unwrap();
        let front = text
            .strip_prefix("---\n")
            .and_then(|t| t.split_once("\n---\n"))
            .map(|(f, _)| f)
            .unwrap_or_else(|| panic!("{name}: no frontmatter"));
        assert!(
            front.lines().any(|l| l == format!("name: {name}")),
            "{name}: name line"
        );
        assert!(
            front
                .lines()
                .any(|l| l.starts_with("description: ") && l.len() > 40),
            "{name}: description"
        );
        seen += 1;
    }
    assert!(seen >= 2);
}

/// The two issue-16 keys: defaults, accepted spellings, and a wrong value rejected with
/// its path; the JSON Schema lists both with their values.
#[test]
fn workspace_writes_and_run_project_parse_validate_and_appear_in_the_schema() {
    let d = agent_ops::shell::BashSecurityConfig::default();
    assert_eq!(d.workspace_writes, agent_ops::shell::WorkspaceWrites::Allow);
    assert_eq!(d.run_project, agent_ops::shell::RunProject::Sandbox);
    let c = parse_config(
        r#"{"phases":{"bashSecurity":{"workspaceWrites":"ask","runProject":"allow"}}}"#,
    )
    .map(|c| c.phases.bash_security.0);
    let c = c.as_ref().ok();
    assert_eq!(
        c.map(|c| c.workspace_writes),
        Some(agent_ops::shell::WorkspaceWrites::Ask)
    );
    assert_eq!(
        c.map(|c| c.run_project),
        Some(agent_ops::shell::RunProject::Allow)
    );
    for (text, path) in [
        (
            r#"{"phases":{"bashSecurity":{"workspaceWrites":"sandbox"}}}"#,
            "phases.bashSecurity.workspaceWrites",
        ),
        (
            r#"{"phases":{"bashSecurity":{"runProject":"yes"}}}"#,
            "phases.bashSecurity.runProject",
        ),
    ] {
        let errs = parse_config(text).err().unwrap_or_default();
        assert!(errs.iter().any(|e| e.path == path), "{text}: {errs:?}");
    }
    let schema = agent_ops::config::config_json_schema().to_string();
    for needle in ["\"workspaceWrites\"", "\"runProject\"", "\"sandbox\""] {
        assert!(schema.contains(needle), "{needle}");
    }
}
