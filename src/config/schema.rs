//! The JSON Schema of [`Config`] and the plugin manifest built around it.
//!
//! `pkg/openclaw.plugin.json` is generated from these functions (`agent-ops manifest`), and a
//! test compares the committed file with a fresh generation, so the schema OpenClaw validates
//! with and the type the core parses can never drift apart.

use super::{Config, PHASE_KEYS};
use crate::json;
use crate::phase::PHASES;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

/// The JSON Schema (draft-07, all subschemas inlined) of the plugin config, as shipped in the
/// manifest: it accepts every value (issue 17 item 3) and the Control UI renders it as
/// controls (issue 17 item 6).
///
/// Why it accepts everything: OpenClaw refuses to start on any manifest-schema error in a
/// plugin's config (exit 78, "run openclaw doctor --fix"), and `doctor --fix` then deletes the
/// config and disables the plugin, leaving exec unprotected. So OpenClaw must never find an
/// error here; the core validates strictly instead ([`crate::config::parse_config_lenient`]),
/// names every error by key path and closest key, and uses the default for each invalid key.
///
/// How it stays renderable: every property is `anyOf: [typed schema, ANY]`, where ANY is a
/// type list that includes `null`. OpenClaw's Control UI drops `anyOf` branches that admit
/// `null` and renders the one typed branch (a switch for a boolean, a select for an `enum`, a
/// number field for an integer), while OpenClaw's validator accepts any value through ANY.
/// Unknown keys pass because no object sets `additionalProperties: false`.
pub fn config_json_schema() -> Value {
    let mut v = typed_config_schema();
    shape_object(&mut v, true);
    v
}

/// The strict JSON Schema generated from [`Config`] (the typed branches of the manifest schema):
/// integer `format` annotations such as `uint64` are dropped (OpenClaw treats unknown formats as
/// errors) and replaced by `minimum: 0`.
pub fn typed_config_schema() -> Value {
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

/// The branch that admits any JSON value. It lists `null` so the Control UI ignores it.
fn any_value() -> Value {
    json!({ "type": ["null", "boolean", "number", "string", "array", "object"] })
}

/// Rewrites one object schema (and everything below it) into the manifest form.
fn shape_object(v: &mut Value, root: bool) {
    let Value::Object(m) = v else { return };
    if m.get("additionalProperties") == Some(&Value::Bool(false)) {
        m.remove("additionalProperties");
    }
    // An object default makes the UI write the whole default object on the first edit, and
    // OpenClaw hydrate it into the config: the core has the same defaults, so leave them out.
    if !root {
        m.remove("default");
    }
    if let Some(Value::Object(props)) = m.get_mut("properties") {
        for (_, p) in props.iter_mut() {
            shape_property(p);
        }
    }
    if let Some(extra @ Value::Object(_)) = m.get_mut("additionalProperties") {
        shape_property(extra);
    }
}

/// Rewrites one property schema into `anyOf: [typed, ANY]`.
fn shape_property(p: &mut Value) {
    let mut typed = typed_branch(p.take());
    match typed.get("type").and_then(Value::as_str) {
        Some("object") => shape_object(&mut typed, false),
        Some("array") => {
            if let Some(items) = typed.get_mut("items") {
                shape_property(items);
            }
            // Like an object default: the UI would write the whole default list on the first
            // edit, freezing today's default into the operator's config.
            typed.as_object_mut().map(|m| m.remove("default"));
        }
        _ => {}
    }
    *p = json!({ "anyOf": [typed, any_value()] });
}

/// The typed schema of a property: a phase toggle's object form, an `enum` for a documented
/// unit enum, the non-null branch of an `Option`.
fn typed_branch(v: Value) -> Value {
    let Value::Object(mut m) = v else { return v };
    if let Some(Value::Array(variants)) = m.remove("anyOf") {
        // `Option<T>` (`[T, null]`) and a phase toggle (`[boolean, object]`): keep the one
        // branch the UI should render; the other values stay accepted through ANY.
        let keep = variants
            .iter()
            .find(|b| b.get("type") == Some(&json!("object")))
            .or_else(|| {
                variants
                    .iter()
                    .find(|b| b.get("type") != Some(&json!("null")))
            })
            .cloned();
        if let Some(Value::Object(branch)) = keep {
            for (k, val) in branch {
                m.entry(k).or_insert(val);
            }
        }
        if m.get("default") == Some(&Value::Null) {
            m.remove("default");
        }
        return typed_branch(Value::Object(m));
    }
    if let Some(Value::Array(variants)) = m.get("oneOf").cloned() {
        let values: Vec<Value> = variants
            .iter()
            .filter_map(|b| b.get("const").cloned())
            .collect();
        if !values.is_empty() && values.len() == variants.len() {
            m.remove("oneOf");
            let notes: Vec<String> = variants
                .iter()
                .filter_map(|b| {
                    let c = b.get("const")?.as_str()?;
                    let d = b.get("description")?.as_str()?.trim_end_matches('.');
                    Some(format!("`{c}`: {d}"))
                })
                .collect();
            if !notes.is_empty() {
                let lead = m
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let sep = if lead.is_empty() { "" } else { " " };
                m.insert(
                    "description".into(),
                    Value::String(format!("{lead}{sep}{}", notes.join("; "))),
                );
            }
            m.insert("type".into(), json!("string"));
            m.insert("enum".into(), Value::Array(values));
        }
    }
    if let Some(Value::Array(types)) = m.get("type").cloned() {
        // `type: [x, "null"]`: the UI renders x; null stays accepted through ANY.
        if let Some(t) = types.iter().find(|t| *t != "null") {
            m.insert("type".into(), t.clone());
        }
        if m.get("default") == Some(&Value::Null) {
            m.remove("default");
        }
    }
    Value::Object(m)
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

/// `uiHints` of the manifest: labels, help and order for the top-level keys and the seven
/// phases.
///
/// The Control UI sorts an object's fields by `order`, then by key name; without `order` the
/// phases would show as 4, 1, 6, 7, 2, 5, 3 (alphabetical keys). Each phase's `enabled` switch
/// comes first (order -1; the other settings keep the default 0).
pub fn ui_hints() -> Value {
    let mut hints = Map::new();
    hints.insert(
        "phases".into(),
        json!({"label": "Phases", "help": "Each phase has its own switch; open a phase for its settings. A phase left out of the config is on with its defaults."}),
    );
    for p in PHASES.iter() {
        hints.insert(
            format!("phases.{}", p.key),
            json!({"label": format!("{}. {}", p.number, p.title), "help": p.summary, "order": p.number}),
        );
        hints.insert(
            format!("phases.{}.enabled", p.key),
            json!({"label": format!("Phase {} on", p.number), "help": format!("Switch phase {} ({}) on or off; its other settings are kept.", p.number, p.title), "order": -1}),
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
        // `openclaw agent-ops …` (pkg/cli.js registers it; the text is the CLI's own).
        "cliCommands": [{ "name": "agent-ops", "description": crate::cli::usage::OPENCLAW_DESCRIPTION, "hasSubcommands": true }],
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
    fn the_schema_accepts_unknown_keys_and_has_no_refs_formats_or_object_defaults() {
        let s = config_json_schema();
        let mut objs = Vec::new();
        walk(&s, &mut objs);
        for m in objs {
            assert!(!m.contains_key("$ref"), "inline schema expected: {m:?}");
            assert!(!m.contains_key("format"), "{m:?}");
            assert!(!m.contains_key("oneOf"), "enum expected: {m:?}");
            assert_ne!(m.get("additionalProperties"), Some(&json!(false)), "{m:?}");
            if m.get("type") == Some(&json!("object")) && m.contains_key("properties") {
                assert!(!m.contains_key("default"), "object default: {m:?}");
            }
        }
    }

    /// Every property, at every depth, is `anyOf: [typed, ANY]`: OpenClaw accepts any value,
    /// and the typed branch (no `null` in it, so the Control UI renders it) has one type.
    #[test]
    fn every_property_accepts_any_value_and_has_one_typed_branch() {
        fn check(props: &Map<String, Value>, at: &str, n: &mut usize) {
            for (k, p) in props {
                let any = p["anyOf"].as_array().unwrap_or_else(|| panic!("{at}.{k}"));
                assert_eq!(any.len(), 2, "{at}.{k}");
                assert_eq!(any[1], any_value(), "{at}.{k}");
                let typed = &any[0];
                assert!(typed["type"].is_string(), "{at}.{k}: {typed}");
                assert_ne!(typed["type"], json!("null"), "{at}.{k}");
                *n += 1;
                if let Some(inner) = typed["properties"].as_object() {
                    check(inner, &format!("{at}.{k}"), n);
                }
            }
        }
        let s = config_json_schema();
        let mut n = 0;
        check(s["properties"].as_object().unwrap(), "", &mut n);
        assert!(n > 100, "{n} properties");
    }

    #[test]
    fn each_phase_is_an_object_with_an_enabled_switch_shown_first_in_phase_order() {
        let s = config_json_schema();
        let hints = ui_hints();
        let phases = &s["properties"]["phases"]["anyOf"][0]["properties"];
        for p in PHASES.iter() {
            let typed = &phases[p.key]["anyOf"][0];
            assert_eq!(typed["type"], json!("object"), "{}", p.key);
            let enabled = &typed["properties"]["enabled"]["anyOf"][0];
            assert_eq!(enabled["type"], json!("boolean"), "{}", p.key);
            assert_eq!(enabled["default"], json!(true), "{}", p.key);
            let h = &hints[format!("phases.{}", p.key)];
            assert_eq!(h["order"], json!(p.number));
            assert!(!h["label"].as_str().unwrap().contains("Phase"), "{h}");
            assert_eq!(
                hints[format!("phases.{}.enabled", p.key)]["order"],
                json!(-1)
            );
        }
        let ask = &phases["bashSecurity"]["anyOf"][0]["properties"]["askAction"]["anyOf"][0];
        assert_eq!(ask["enum"], json!(["approve", "block", "allow"]));
        assert_eq!(ask["default"], json!("approve"));
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
