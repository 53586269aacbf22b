//! Phase 3's pure rules: the notes template (P3-R1), when to update the notes (P3-R2), message
//! cursors (P3 §5) and validation of long-term extraction output (P3-R11).

use crate::tokens::session_tokens;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Session tokens before the first notes update.
pub const MIN_TOKENS_TO_INIT: u64 = 10_000;
/// Token growth required between updates.
pub const MIN_TOKENS_BETWEEN_UPDATES: u64 = 5_000;
/// Tool calls since the counting cursor.
pub const TOOL_CALLS_BETWEEN_UPDATES: usize = 3;
/// Operations applied per long-term job.
pub const LT_MAX_OPS: usize = 20;
/// Largest body of one memory file.
pub const LT_MAX_BODY_BYTES: usize = 16_384;

/// The default template: (header, description line), P3-R1.
pub const TEMPLATE: [(&str, &str); 10] = [
    (
        "# Session Title",
        "_A short, specific title for this session._",
    ),
    (
        "# Current State",
        "_What is in progress now, what is done, and the immediate next step._",
    ),
    (
        "# Task Specification",
        "_What the user asked for, with constraints and acceptance criteria._",
    ),
    (
        "# Files and Functions",
        "_Important files and symbols and why each matters._",
    ),
    (
        "# Workflow",
        "_Commands and procedures used to build, test and run, and how to read their output._",
    ),
    (
        "# Errors & Corrections",
        "_Errors met, their fixes, and approaches that failed and must not be retried._",
    ),
    (
        "# Codebase and System Documentation",
        "_How the relevant parts of the system fit together._",
    ),
    ("# Learnings", "_What worked, what did not, what to avoid._"),
    ("# Key Results", "_Exact outputs the user asked for._"),
    ("# Worklog", "_Terse step-by-step record of what was done._"),
];

/// The default template as text (the tests compare with it).
#[cfg(test)]
pub fn default_template() -> String {
    TEMPLATE
        .iter()
        .map(|(h, d)| format!("{h}\n{d}\n\n"))
        .collect::<String>()
        .trim_end()
        .to_string()
        + "\n"
}

/// A custom template: at least one `# ` header, each followed by a description line.
pub fn validate_template(text: &str) -> Result<(), String> {
    let lines: Vec<&str> = text.lines().collect();
    let headers: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("# "))
        .map(|(i, _)| i)
        .collect();
    if headers.is_empty() {
        return Err("memory.config.bad_template: the template has no `# ` header".into());
    }
    for i in headers {
        let next = lines.get(i + 1).map(|l| l.trim()).unwrap_or("");
        if next.is_empty() || next.starts_with('#') {
            return Err(format!(
                "memory.config.bad_template: header `{}` has no description line after it",
                lines.get(i).unwrap_or(&"")
            ));
        }
    }
    Ok(())
}

/// Notes are empty when they equal the template after trimming whitespace.
pub fn notes_empty(notes: &str, template: &str) -> bool {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    norm(notes) == norm(template)
}

fn has_tool_call(m: &Value) -> bool {
    m.get("role").and_then(Value::as_str) == Some("assistant")
        && m.get("content").and_then(Value::as_array).is_some_and(|c| {
            c.iter().any(|b| {
                matches!(
                    b.get("type").and_then(Value::as_str),
                    Some("toolCall") | Some("tool_use")
                )
            })
        })
}

fn text_of(m: &Value) -> String {
    match m.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(blocks)) => blocks
            .iter()
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

/// A message reference that survives reordering and rewrites (P3 §5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRef {
    /// Transcript entry id, when known.
    pub entry_id: Option<String>,
    /// Index when it was taken.
    pub index: usize,
    /// SHA-256 of `role + "\n" + text`, first 16 hex chars.
    pub fingerprint: String,
}

crate::json::read::json_struct!(MessageRef {
    "entryId" => entry_id: opt,
    "index" => index: req,
    "fingerprint" => fingerprint: req,
});

/// The fingerprint of one message.
pub fn fingerprint(m: &Value) -> String {
    let role = m.get("role").and_then(Value::as_str).unwrap_or("");
    crate::hash::sha256_hex_prefix(format!("{role}\n{}", text_of(m)).as_bytes(), 8)
}

/// A reference to `messages[index]`.
pub fn message_ref(messages: &[Value], index: usize) -> Option<MessageRef> {
    let m = messages.get(index)?;
    Some(MessageRef {
        entry_id: m.get("entryId").and_then(Value::as_str).map(str::to_string),
        index,
        fingerprint: fingerprint(m),
    })
}

/// Where a reference points now: by entry id, else by fingerprint scanning back from its
/// index; `None` when the message is gone.
pub fn find(messages: &[Value], r: &MessageRef) -> Option<usize> {
    if let Some(id) = &r.entry_id {
        if let Some(i) = messages
            .iter()
            .position(|m| m.get("entryId").and_then(Value::as_str) == Some(id))
        {
            return Some(i);
        }
    }
    let start = r.index.min(messages.len().saturating_sub(1));
    (0..=start).rev().find(|&i| {
        messages
            .get(i)
            .is_some_and(|m| fingerprint(m) == r.fingerprint)
    })
}

/// Per-session notes state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NotesState {
    /// The first update happened (permanent).
    pub initialized: bool,
    /// Tokens at the last update.
    pub tokens_at_last_update: u64,
    /// Tool-call counting anchor (P3-R3).
    pub count_ref: Option<MessageRef>,
}

/// The P3-R2 thresholds (config `notes.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Session tokens before the first update.
    pub min_tokens_to_init: u64,
    /// Token growth between updates.
    pub min_tokens_between_updates: u64,
    /// Tool calls since the counting cursor.
    pub tool_calls_between_updates: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_tokens_to_init: MIN_TOKENS_TO_INIT,
            min_tokens_between_updates: MIN_TOKENS_BETWEEN_UPDATES,
            tool_calls_between_updates: TOOL_CALLS_BETWEEN_UPDATES,
        }
    }
}

/// P3-R2 with the spec's default thresholds (the tests use them; the keeper passes the
/// configured ones to `should_update_with`).
#[cfg(test)]
pub fn should_update(state: &mut NotesState, messages: &[Value], main_session: bool) -> bool {
    should_update_with(state, messages, main_session, &Thresholds::default())
}

/// P3-R2: whether to update the notes after this run; on `true` the counting cursor has moved.
pub fn should_update_with(
    state: &mut NotesState,
    messages: &[Value],
    main_session: bool,
    th: &Thresholds,
) -> bool {
    if !main_session || messages.is_empty() {
        return false;
    }
    let tokens = session_tokens(messages, None).tokens;
    if !state.initialized {
        if tokens < th.min_tokens_to_init {
            return false;
        }
        state.initialized = true;
    }
    let token_ok =
        tokens.saturating_sub(state.tokens_at_last_update) >= th.min_tokens_between_updates;
    // A lost counting cursor counts nothing (P3-R2 step 4).
    let from = match &state.count_ref {
        Some(r) => find(messages, r).map(|i| i + 1),
        None => Some(0),
    };
    let tool_calls = from.map_or(0, |f| {
        messages.iter().skip(f).filter(|m| has_tool_call(m)).count()
    });
    let last_has_tools = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("assistant"))
        .is_some_and(has_tool_call);
    let update = token_ok && (tool_calls >= th.tool_calls_between_updates || !last_has_tools);
    if update {
        state.count_ref = message_ref(messages, messages.len() - 1);
        state.tokens_at_last_update = tokens;
    }
    update
}

/// One validated long-term operation (P3-R11).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// `create`, `update`, `append`, `delete`.
    pub op: String,
    /// Relative `.md` path.
    pub file: String,
    /// Memory type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Body.
    pub body: Option<String>,
}

crate::json::read::json_struct!(Operation {
    "op" => op: req,
    "file" => file: req,
    "type" => kind: opt,
    "name" => name: opt,
    "description" => description: opt,
    "body" => body: opt,
});

fn valid_file(f: &str) -> Result<(), &'static str> {
    if f.starts_with('/')
        || f.contains("..")
        || !f.ends_with(".md")
        || f.rsplit('/').next() == Some("MEMORY.md")
    {
        return Err("the file must be a relative .md path other than MEMORY.md without ..");
    }
    if f.matches('/').count() > 2
        || !f
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c))
    {
        return Err(
            "the file has more than 2 directory levels or characters outside [A-Za-z0-9._/-]",
        );
    }
    Ok(())
}

/// P3-R11: the valid operations (at most 20) and the reasons for skipped ones. `Err` when the
/// output is not the required object, or a non-empty list yields nothing valid.
pub fn validate_ops(output: &str) -> Result<(Vec<Operation>, Vec<String>), String> {
    let trimmed = output.trim();
    let json = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|t| t.strip_suffix("```"))
        .unwrap_or(trimmed);
    let v: Value = crate::json::from_str(json.trim())
        .map_err(|e| format!("memory.lt.bad_output: not JSON ({e})"))?;
    let Some(list) = v.get("operations").and_then(Value::as_array) else {
        return Err("memory.lt.bad_output: no operations array".into());
    };
    let mut ok = Vec::new();
    let mut skipped = Vec::new();
    for (i, raw) in list.iter().take(LT_MAX_OPS).enumerate() {
        let Ok(op) = <Operation as crate::json::FromJson>::from_json(raw.clone()) else {
            skipped.push(format!("operation {i}: malformed"));
            continue;
        };
        let single = |s: &Option<String>, max: usize| {
            s.as_ref()
                .is_none_or(|x| !x.contains('\n') && x.chars().count() <= max)
        };
        let why = if !matches!(op.op.as_str(), "create" | "update" | "append" | "delete") {
            Some("unknown op")
        } else if let Err(e) = valid_file(&op.file) {
            Some(e)
        } else if op
            .kind
            .as_ref()
            .is_some_and(|k| !crate::memdir::MEMORY_TYPES.contains(&k.as_str()))
        {
            Some("unknown type")
        } else if !single(&op.name, 120) || !single(&op.description, 300) {
            Some("name or description is not a single short line")
        } else if op
            .body
            .as_ref()
            .is_some_and(|b| b.len() > LT_MAX_BODY_BYTES)
        {
            Some("body larger than 16,384 bytes")
        } else if op.op != "delete" && op.body.is_none() {
            Some("missing body")
        } else {
            None
        };
        match why {
            Some(w) => skipped.push(format!("operation {i} ({}): {w}", op.file)),
            None => ok.push(op),
        }
    }
    if list.len() > LT_MAX_OPS {
        skipped.push(format!(
            "{} operations beyond the first {LT_MAX_OPS} ignored",
            list.len() - LT_MAX_OPS
        ));
    }
    if ok.is_empty() && !list.is_empty() {
        return Err(format!("memory.lt.no_valid_ops: {}", skipped.join("; ")));
    }
    Ok((ok, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(t: &str) -> Value {
        json!({"role": "user", "content": t})
    }
    fn tool_call(id: &str) -> Value {
        json!({"role": "assistant", "content": [{"type": "toolCall", "id": id, "name": "exec", "arguments": {}}]})
    }
    fn reply(t: &str, usage: u64) -> Value {
        json!({"role": "assistant", "content": [{"type": "text", "text": t}], "usage": {"input": usage, "output": 10}})
    }

    #[test]
    fn template_is_valid_and_empty_notes_match_it() {
        let t = default_template();
        assert!(validate_template(&t).is_ok());
        assert_eq!(t.lines().filter(|l| l.starts_with("# ")).count(), 10);
        assert!(notes_empty(&format!("\n{t}\n\n"), &t));
        assert!(!notes_empty(
            &t.replace("# Worklog\n", "# Worklog\n- did a thing\n"),
            &t
        ));
        assert!(validate_template("no headers").is_err());
        assert!(validate_template("# A\n# B\n_d_").is_err());
    }

    #[test]
    fn p3_r2_update_thresholds() {
        let mut st = NotesState::default();
        // Below 10,000 tokens: never initialized.
        assert!(!should_update(
            &mut st,
            &[user("hi"), reply("ok", 9_000)],
            true
        ));
        assert!(!st.initialized);
        // 12,000 tokens, last turn without tools: first update.
        let mut msgs = vec![user("hi"), reply("ok", 12_000)];
        assert!(should_update(&mut st, &msgs, true));
        assert!(st.initialized);
        // +3,000 tokens: not enough growth even with tool calls.
        msgs.extend([
            tool_call("a"),
            tool_call("b"),
            tool_call("c"),
            reply("ok", 15_000),
        ]);
        assert!(!should_update(&mut st, &msgs, true));
        // +6,000 tokens and 3 tool calls since the cursor: update.
        msgs.push(reply("more", 18_000));
        assert!(should_update(&mut st, &msgs, true));
        // Subagents never.
        assert!(!should_update(
            &mut NotesState {
                initialized: true,
                ..NotesState::default()
            },
            &msgs,
            false
        ));
    }

    #[test]
    fn growth_with_a_turn_ending_in_tools_needs_three_calls() {
        let mut st = NotesState {
            initialized: true,
            tokens_at_last_update: 10_000,
            count_ref: None,
        };
        let msgs = vec![
            user("go"),
            tool_call("a"),
            reply("x", 16_000),
            tool_call("b"),
        ];
        assert!(
            !should_update(&mut st, &msgs, true),
            "2 calls and the last turn has tools"
        );
        let msgs = vec![
            user("go"),
            tool_call("a"),
            tool_call("c"),
            reply("x", 16_000),
            tool_call("b"),
        ];
        assert!(should_update(&mut st, &msgs, true));
    }

    #[test]
    fn cursors_find_messages_by_id_or_fingerprint() {
        let msgs = vec![user("a"), reply("b", 1), user("c")];
        let r = message_ref(&msgs, 1).unwrap();
        assert_eq!(find(&msgs, &r), Some(1));
        let shifted = vec![user("x"), user("a"), reply("b", 1), user("c")];
        assert_eq!(
            find(
                &shifted,
                &MessageRef {
                    index: 3,
                    ..r.clone()
                }
            ),
            Some(2)
        );
        assert_eq!(find(&[user("zzz")], &r), None);
        let with_ids = vec![json!({"role": "user", "content": "q", "entryId": "e9"})];
        let r = message_ref(&with_ids, 0).unwrap();
        assert_eq!(r.entry_id.as_deref(), Some("e9"));
        assert_eq!(find(&with_ids, &r), Some(0));
    }

    #[test]
    fn p3_r11_operation_validation() {
        let out = json!({"operations": [
            {"op": "create", "file": "deploy.md", "type": "project", "name": "Deploy", "description": "how we ship", "body": "steps"},
            {"op": "create", "file": "../escape.md", "body": "x"},
            {"op": "update", "file": "MEMORY.md", "body": "x"},
            {"op": "create", "file": "a/b/c/d.md", "body": "x"},
            {"op": "create", "file": "x.md", "type": "secret", "body": "x"},
            {"op": "create", "file": "y.md", "name": "two\nlines", "body": "x"},
            {"op": "delete", "file": "old.md"},
            {"op": "frob", "file": "z.md"}
        ]})
        .to_string();
        let (ok, skipped) = validate_ops(&format!("```json\n{out}\n```")).unwrap();
        assert_eq!(
            ok.iter().map(|o| o.file.as_str()).collect::<Vec<_>>(),
            ["deploy.md", "old.md"]
        );
        assert_eq!(skipped.len(), 6);
        assert!(
            validate_ops(r#"{"operations":[{"op":"create","file":"/abs.md","body":"x"}]}"#)
                .unwrap_err()
                .starts_with("memory.lt.no_valid_ops")
        );
        assert!(validate_ops("not json").is_err());
        assert_eq!(validate_ops(r#"{"operations":[]}"#).unwrap().0.len(), 0);
        let many: Vec<Value> = (0..25)
            .map(|i| json!({"op": "create", "file": format!("f{i}.md"), "body": "x"}))
            .collect();
        assert_eq!(
            validate_ops(&json!({"operations": many}).to_string())
                .unwrap()
                .0
                .len(),
            LT_MAX_OPS
        );
    }
}
