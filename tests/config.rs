//! The committed `pkg/openclaw.plugin.json` is exactly what the Rust config type generates.

use agent_ops::config::{parse_config, plugin_manifest, PHASE_KEYS};

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
    assert_eq!(m["configSchema"]["additionalProperties"], false);
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
