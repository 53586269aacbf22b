//! Decisions, reason codes, secret redaction and the append-only decision journal
//! (README G-R10 to G-R12, G-R17, G-R18).
//!
//! Every decision a phase takes is a [`Decision`] with a stable dotted reason code. Texts that
//! reach OpenClaw start with `agent-ops[<code>]: ` ([`block_text`]). Decisions other than plain
//! allows, and every phase-4 verdict, are appended to
//! `<stateDir>/audit/decisions-YYYY-MM-DD.jsonl` with secrets redacted.
//!
//! # Torn lines (G-R17)
//!
//! Every journal of every phase is written only by [`Host::fs_append_line`]: one `O_APPEND`
//! write of `line\n`, prefixed with `\n` when the file's last byte is not a newline (a writer
//! killed mid-line). That prefix is the whole repair: the torn fragment becomes a line of its
//! own, which every reader skips because it does not parse, and the new record starts on a
//! fresh line. Nothing ever rewrites, cuts or overwrites journal bytes.
//!
//! The spec's "the next writer holding the journal lock truncates the file to the last
//! complete line" cannot be done safely: appends take no lock (G-R18), so any cut or in-place
//! overwrite races with a line another process is appending at that moment (an overwrite under
//! the lock lost lines in 3 of 100 runs of `tests/state_torn.rs`). The append-only rule never
//! touches a byte another writer may write:
//!
//! * a line another process is still appending can look torn (the kernel may show a prefix of
//!   a write that spans pages); the `\n` this writer then adds is written after that whole
//!   line (`O_APPEND` writes do not interleave), leaving an empty line, which readers skip;
//! * two appenders that both meet the torn line each add a `\n`: again one empty line.
//!
//! One window remains, for every lock-free scheme: a writer killed inside its write between
//! another appender's tail check and that appender's write leaves a fragment the appender's
//! line is glued to (both unreadable). The kernel stops a write for `SIGKILL` only between
//! page-sized chunks, so this needs a line that crosses a page boundary, killed within those
//! microseconds.

use crate::host::{join_path, random_hex, Host, HostError, MAX_APPEND_LINE_BYTES};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use crate::calendar::{civil_from_days, utc_date};
pub use crate::redact::{is_secret_name, redact_text};

/// Schema version written in every record (`"v"`).
pub const RECORD_VERSION: u32 = 1;

/// Areas a reason code may start with (README G-R10).
pub const AREAS: [&str; 9] = [
    "compaction",
    "budget",
    "memory",
    "exec",
    "scope",
    "coord",
    "fork",
    "skills",
    "core",
];

/// What a decision did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Let it happen.
    Allow,
    /// Asked a person (or would have, per `askAction`).
    Ask,
    /// Blocked it.
    Deny,
    /// Recorded something without changing the outcome.
    Note,
}

/// One explainable decision (README G-R10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Record schema version.
    pub v: u32,
    /// When, ms since the Unix epoch.
    pub at: i64,
    /// Decision-log area of the deciding phase (`exec`, `budget`, …).
    pub phase: String,
    /// Stable reason code `<area>.<class>.<name>[.<detail>]`.
    pub code: String,
    /// What was done.
    pub action: Action,
    /// One or two sentences a user can act on.
    pub message: String,
    /// OpenClaw session key, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<String>,
    /// OpenClaw run id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// OpenClaw tool call id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// Phase-specific evidence.
    #[serde(default)]
    pub details: Value,
}

/// Whether `code` is a well-formed reason code: lowercase dotted segments
/// `<area>.<class>.<name>[.<detail>…]` with a known area.
pub fn is_valid_code(code: &str) -> bool {
    let segs: Vec<&str> = code.split('.').collect();
    if segs.len() < 3 {
        return false;
    }
    let ok_seg = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    segs.iter().all(|s| ok_seg(s)) && segs.first().is_some_and(|a| AREAS.contains(a))
}

/// The text shown to OpenClaw, the model and the user for a block or approval (G-R11).
pub fn block_text(code: &str, message: &str) -> String {
    format!("agent-ops[{code}]: {message}")
}

/// Redacts every string of a JSON value, and the whole value of secret-named keys. Numbers,
/// booleans and null are kept even under such keys: token *counts* (`tokensBefore`) are
/// evidence, and a credential is never a JSON number.
pub fn redact_value(v: &Value) -> Value {
    redact_value_depth(v, 0)
}

fn redact_value_depth(v: &Value, depth: usize) -> Value {
    if depth > 64 {
        return Value::String("[REDACTED: too deep]".into());
    }
    match v {
        Value::String(s) => Value::String(redact_text(s)),
        Value::Array(a) => {
            Value::Array(a.iter().map(|x| redact_value_depth(x, depth + 1)).collect())
        }
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                let plain = matches!(x, Value::Number(_) | Value::Bool(_) | Value::Null);
                let red = if !plain
                    && (is_secret_name(k)
                        || k.eq_ignore_ascii_case("authorization")
                        || k.eq_ignore_ascii_case("cookie"))
                {
                    Value::String("[REDACTED]".into())
                } else {
                    redact_value_depth(x, depth + 1)
                };
                out.insert(k.clone(), red);
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// Path of the decision journal for a given day.
pub fn journal_path(state_dir: &str, at_ms: i64) -> String {
    join_path(
        state_dir,
        &format!("audit/decisions-{}.jsonl", utc_date(at_ms)),
    )
}

/// Appends a decision (redacted) to the journal of its day.
///
/// A record too large for one atomic append is written to `audit/payloads/` atomically and
/// the journal line references it (G-R18).
pub fn append_decision(host: &dyn Host, state_dir: &str, d: &Decision) -> Result<(), HostError> {
    let mut rec = d.clone();
    rec.message = redact_text(&rec.message);
    rec.details = redact_value(&rec.details);
    let path = journal_path(state_dir, rec.at);
    let line = serde_json::to_string(&rec).map_err(|e| HostError::Io(e.to_string()))?;
    if line.len() < MAX_APPEND_LINE_BYTES {
        return host.fs_append_line(&path, &line, false);
    }
    let payload = join_path(
        state_dir,
        &format!("audit/payloads/{}-{}.json", rec.at, random_hex(host, 6)),
    );
    host.fs_write_atomic(&payload, line.as_bytes(), 0o600)?;
    let mut short = rec;
    short.details = crate::json!({ "payloadFile": payload, "truncated": true });
    short.message = short.message.chars().take(2_000).collect();
    let line = serde_json::to_string(&short).map_err(|e| HostError::Io(e.to_string()))?;
    host.fs_append_line(&path, &line, false)
}

/// Reads a journal, skipping a torn final line (no trailing newline, maybe still being
/// written) and every line that does not parse: a torn line a later append terminated, or an
/// empty line (G-R17, see the module documentation).
pub fn read_journal(
    host: &dyn Host,
    path: &str,
    max_bytes: u64,
) -> Result<Vec<Decision>, HostError> {
    let bytes = host.fs_read(path, max_bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let complete = match text.rfind('\n') {
        Some(i) => text.get(..i).unwrap_or(""),
        None => "",
    };
    Ok(complete
        .lines()
        .filter_map(|l| crate::json::from_str_via_value::<Decision>(l).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{HostDirs, MemoryHost};

    #[test]
    fn codes_are_checked() {
        assert!(is_valid_code("exec.deny.destructive.rm_root"));
        assert!(is_valid_code("core.degraded.conversation_access"));
        assert!(!is_valid_code("exec.deny"));
        assert!(!is_valid_code("Exec.deny.x"));
        assert!(!is_valid_code("nope.deny.x"));
        assert!(!is_valid_code("exec..x"));
    }

    #[test]
    fn block_text_has_the_prefix() {
        assert_eq!(
            block_text("exec.deny.rule", "No."),
            "agent-ops[exec.deny.rule]: No."
        );
    }

    #[test]
    fn dates_are_utc_civil_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400_000), "2000-02-29");
        assert_eq!(utc_date(1_795_996_800_000), "2026-11-30");
        assert_eq!(utc_date(-1), "1969-12-31");
    }

    #[test]
    fn json_values_are_redacted_by_key_and_content() {
        let v = crate::json!({"env": {"AWS_SECRET_ACCESS_KEY": "x", "HOME": "/h"}, "cmd": "A_TOKEN=1 x"});
        let r = redact_value(&v);
        assert_eq!(r["env"]["AWS_SECRET_ACCESS_KEY"], "[REDACTED]");
        assert_eq!(r["env"]["HOME"], "/h");
        assert_eq!(r["cmd"], "A_TOKEN=[REDACTED] x");
    }

    #[test]
    fn journal_round_trip_and_torn_line() {
        let h = MemoryHost::new(HostDirs::default(), 1_795_996_800_000);
        let d = Decision {
            v: 1,
            at: h.now_ms(),
            phase: "exec".into(),
            code: "exec.deny.rule".into(),
            action: Action::Deny,
            message: "no".into(),
            session_key: None,
            run_id: Some("r".into()),
            tool_call_id: None,
            details: crate::json!({"command": "TOKEN=abc x"}),
        };
        append_decision(&h, "/s", &d).unwrap();
        let p = journal_path("/s", d.at);
        assert_eq!(p, "/s/audit/decisions-2026-11-30.jsonl");
        let mut text = h.file_text(&p).unwrap();
        text.push_str("{\"v\":1,\"at\":");
        h.put_file(&p, text.as_bytes());
        let got = read_journal(&h, &p, 1 << 20).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].details["command"], "TOKEN=[REDACTED] x");
        // G-R17: the next append terminates the torn line in its own write; the fragment stays
        // byte for byte as a line of its own (nothing is cut or overwritten) and readers skip it.
        append_decision(&h, "/s", &d).unwrap();
        let after = h.file_text(&p).unwrap();
        assert!(after.starts_with(&format!("{text}\n{{")), "{after}");
        assert_eq!(after.lines().nth(1), Some("{\"v\":1,\"at\":"));
        assert_eq!(after.lines().count(), 3);
        assert_eq!(read_journal(&h, &p, 1 << 20).unwrap().len(), 2);
        // An append after a complete line adds no empty line.
        append_decision(&h, "/s", &d).unwrap();
        assert_eq!(h.file_text(&p).unwrap().lines().count(), 4);
        assert_eq!(read_journal(&h, &p, 1 << 20).unwrap().len(), 3);
    }

    /// G-R17: what concurrent appenders can leave (an empty line where two of them both
    /// terminated one torn line, or where one terminated a line that was still being written,
    /// and fragments in the middle) costs readers no record, and an unterminated last line is
    /// never read, even when it parses (its writer may not have finished it).
    #[test]
    fn readers_skip_empty_and_torn_lines_anywhere() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        let d = Decision {
            v: 1,
            at: 0,
            phase: "exec".into(),
            code: "exec.deny.rule".into(),
            action: Action::Deny,
            message: "no".into(),
            session_key: None,
            run_id: None,
            tool_call_id: None,
            details: Value::Null,
        };
        let line = serde_json::to_string(&d).unwrap();
        let p = journal_path("/s", 0);
        let text = format!("{line}\n{{\"v\":1,\"at\n\n{line}\n\n\n{{\"v\"\n{line}\n{line}");
        h.put_file(&p, text.as_bytes());
        assert_eq!(read_journal(&h, &p, 1 << 20).unwrap().len(), 3);
        // The next append terminates the last line: now it is a record too.
        append_decision(&h, "/s", &d).unwrap();
        assert_eq!(read_journal(&h, &p, 1 << 20).unwrap().len(), 5);
    }

    #[test]
    fn oversized_records_go_to_a_payload_file() {
        let h = MemoryHost::new(HostDirs::default(), 0);
        let d = Decision {
            v: 1,
            at: 0,
            phase: "exec".into(),
            code: "exec.deny.limit.input_too_large".into(),
            action: Action::Deny,
            message: "too large".into(),
            session_key: None,
            run_id: None,
            tool_call_id: None,
            details: crate::json!({"command": "x".repeat(70_000)}),
        };
        append_decision(&h, "/s", &d).unwrap();
        let got = read_journal(&h, &journal_path("/s", 0), 1 << 20).unwrap();
        let payload = got[0].details["payloadFile"].as_str().unwrap();
        assert!(h.file_text(payload).unwrap().contains(&"x".repeat(70_000)));
    }
}
