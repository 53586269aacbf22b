//! The JSON Schema of [`Config`] and the plugin manifest built around it.
//!
//! `pkg/openclaw.plugin.json` is generated from these functions (`agent-ops manifest`), and a
//! test compares the committed file with a fresh generation, so the schema OpenClaw validates
//! with and the type the core parses can never drift apart.

use super::{Config, PHASE_KEYS};
use crate::phase::PHASES;
use schemars::generate::SchemaSettings;
use serde_json::{json, Map, Value};

/// The JSON Schema (draft-07, all subschemas inlined) of the plugin config.
///
/// Post-processing keeps only keywords OpenClaw's validator understands: integer `format`
/// annotations such as `uint64` are dropped (OpenClaw treats unknown formats as errors) and
/// replaced by `minimum: 0`.
pub fn config_json_schema() -> Value {
    let settings = SchemaSettings::draft07().with(|s| {
        s.inline_subschemas = true;
        s.meta_schema = None;
    });
    let schema = settings.into_generator().into_root_schema_for::<Config>();
    let mut v = schema.to_value();
    clean(&mut v);
    if let Value::Object(m) = &mut v {
        m.remove("title");
    }
    v
}

fn clean(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(f)) = m.get("format") {
                if f.starts_with("uint") || f.starts_with("int") || f == "double" || f == "float" {
                    m.remove("format");
                }
            }
            for (_, child) in m.iter_mut() {
                clean(child);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(clean),
        _ => {}
    }
}

/// `uiHints` of the manifest: labels and help for the top-level keys and the seven phases.
pub fn ui_hints() -> Value {
    let mut hints = Map::new();
    hints.insert(
        "phases".into(),
        json!({"label": "Phases", "help": "Switch each of the seven phases on or off; `true`/`false` or an object with `enabled` and the phase settings."}),
    );
    for p in PHASES.iter() {
        hints.insert(
            format!("phases.{}", p.key),
            json!({"label": format!("Phase {}: {}", p.number, p.title), "help": p.summary}),
        );
        hints.insert(
            format!("phases.{}.enabled", p.key),
            json!({"label": format!("Enable phase {} ({})", p.number, p.title)}),
        );
    }
    hints.insert(
        "stateDir".into(),
        json!({"label": "State directory", "help": "Root of all agent-ops state; default <OpenClaw state dir>/agent-ops.", "placeholder": "~/.openclaw/agent-ops", "advanced": true}),
    );
    hints.insert(
        "audit".into(),
        json!({"label": "Decision journal", "help": "Every non-trivial decision (and every shell-command verdict) is appended to <stateDir>/audit/decisions-YYYY-MM-DD.jsonl."}),
    );
    hints.insert(
        "logLevel".into(),
        json!({"label": "Log level", "advanced": true}),
    );
    debug_assert_eq!(PHASE_KEYS.len(), PHASES.len());
    Value::Object(hints)
}

/// The whole `openclaw.plugin.json` (openclaw.md OC-R3).
///
/// `configGroups` may only name immediate keys of `configSchema.properties` (OpenClaw's
/// manifest reference), so the phases share one group and the per-phase labels live in
/// `uiHints` under `phases.<key>`.
pub fn plugin_manifest() -> Value {
    json!({
        "id": "agent-ops",
        // What OpenClaw shows (`plugins list`, the Control UI); the id stays the config key.
        "name": "Agent Ops",
        "description": "Production agent operations: compaction governance, loop budgets, session memory, shell-command security, memory scoping, coordinator resume integrity, forked agents and skills.",
        "version": env!("CARGO_PKG_VERSION"),
        "kind": ["context-engine"],
        "activation": { "onStartup": true },
        "categories": ["security"],
        "skills": ["skills"],
        // Tools registered with `api.registerTool` must be declared (phase 6's worker list).
        "contracts": { "tools": ["agent_ops_workers", "agent_ops_skill_save"] },
        "configSchema": config_json_schema(),
        "uiHints": ui_hints(),
        "configGroups": [
            { "id": "phases", "title": "Phases", "order": 10, "properties": ["phases"] },
            { "id": "audit", "title": "Audit and state", "order": 20, "properties": ["audit", "stateDir", "logLevel"] }
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk<'a>(v: &'a Value, out: &mut Vec<&'a Map<String, Value>>) {
        match v {
            Value::Object(m) => {
                out.push(m);
                m.values().for_each(|c| walk(c, out));
            }
            Value::Array(a) => a.iter().for_each(|c| walk(c, out)),
            _ => {}
        }
    }

    #[test]
    fn every_object_schema_forbids_unknown_keys_and_has_no_refs() {
        let s = config_json_schema();
        let mut objs = Vec::new();
        walk(&s, &mut objs);
        for m in objs {
            assert!(!m.contains_key("$ref"), "inline schema expected: {m:?}");
            assert!(!m.contains_key("format"), "{m:?}");
            if m.get("type") == Some(&json!("object")) && m.contains_key("properties") {
                assert_eq!(m.get("additionalProperties"), Some(&json!(false)), "{m:?}");
            }
        }
    }

    #[test]
    fn schema_lists_the_seven_phases_as_boolean_or_object() {
        let s = config_json_schema();
        let phases = &s["properties"]["phases"]["properties"];
        for k in PHASE_KEYS {
            let any = phases[k]["anyOf"].as_array().expect(k);
            assert_eq!(any[0], json!({"type": "boolean"}));
            assert_eq!(any[1]["properties"]["enabled"]["type"], json!("boolean"));
        }
    }

    #[test]
    fn manifest_groups_name_existing_top_level_keys() {
        let m = plugin_manifest();
        let props = m["configSchema"]["properties"].as_object().unwrap();
        for g in m["configGroups"].as_array().unwrap() {
            for p in g["properties"].as_array().unwrap() {
                assert!(props.contains_key(p.as_str().unwrap()), "{p}");
            }
        }
    }
}
