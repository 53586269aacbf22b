//! Project snapshots (P5-R16, R17): `snapshot.json` timestamps compared as instants, and the
//! initialize / prompt-update / none decision. Pure: the caller lists and reads the files.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Snapshot metadata file in the snapshot directory.
pub const SNAPSHOT_FILE: &str = "snapshot.json";
/// Sync marker in the memory directory.
pub const MARKER_FILE: &str = ".snapshot-synced.json";

/// Days from 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// An ISO-8601 / RFC 3339 timestamp (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, or a bare date)
/// as Unix milliseconds; `None` when it is not one.
pub fn parse_instant(text: &str) -> Option<i64> {
    let t = text.trim();
    let date = t.get(..10)?;
    let mut dp = date.split('-');
    let (y, mo, d) = (num(dp.next()?)?, num(dp.next()?)?, num(dp.next()?)?);
    if date.len() != 10 || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, u32::try_from(mo).ok()?, u32::try_from(d).ok()?);
    // Reject dates that do not exist (2026-02-30).
    if crate::audit::civil_from_days(days) != (y, u32::try_from(mo).ok()?, u32::try_from(d).ok()?) {
        return None;
    }
    let rest = t.get(10..)?;
    if rest.is_empty() {
        return Some(days * 86_400_000);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (hh, mm, ss) = (
        num(rest.get(0..2)?)?,
        num(rest.get(3..5)?)?,
        num(rest.get(6..8)?)?,
    );
    if rest.get(2..3)? != ":" || rest.get(5..6)? != ":" || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut tail = rest.get(8..)?;
    let mut millis = 0;
    if let Some(frac) = tail.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let digits = frac.get(..n)?;
        let three: String = digits.chars().chain("000".chars()).take(3).collect();
        millis = num(&three)?;
        tail = frac.get(n..)?;
    }
    let offset_min = match tail {
        "Z" | "z" => 0,
        _ => {
            let sign = match tail.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let oh = num(tail.get(1..3)?)?;
            let om = num(tail.get(tail.len().checked_sub(2)?..)?)?;
            if !(tail.len() == 6 && tail.get(3..4)? == ":" || tail.len() == 5) || oh > 23 || om > 59
            {
                return None;
            }
            sign * (oh * 60 + om)
        }
    };
    Some(((days * 86_400 + hh * 3600 + mm * 60 + ss) - offset_min * 60) * 1000 + millis)
}

/// What to do with a snapshot (P5-R17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Nothing pending.
    None,
    /// Empty memory: copy the snapshot.
    Initialize,
    /// Newer snapshot: ask the agent (merge, replace or skip).
    PromptUpdate,
    /// An interrupted initialize finished: only the marker is missing.
    WriteMarker,
}

/// Inputs of the decision.
#[derive(Debug, Clone, Default)]
pub struct SnapshotState<'a> {
    /// `snapshot.json` text, when present.
    pub snapshot_json: Option<&'a str>,
    /// The marker's text, when present.
    pub marker_json: Option<&'a str>,
    /// The memory directory has at least one `.md` file.
    pub memory_has_md: bool,
    /// Every snapshot file already exists in memory with identical content.
    pub all_files_identical: bool,
}

/// The decision and, for `none` caused by a bad snapshot, why.
pub fn check(s: &SnapshotState<'_>) -> (Action, Option<String>) {
    let Some(text) = s.snapshot_json else {
        return (Action::None, None);
    };
    let updated = match crate::json::from_str::<Value>(text) {
        Ok(Value::Object(o)) => o
            .get("updatedAt")
            .and_then(Value::as_str)
            .map(str::to_string),
        Ok(_) => return (Action::None, Some("snapshot.json is not an object".into())),
        Err(e) => {
            return (
                Action::None,
                Some(format!("snapshot.json is not JSON: {e}")),
            )
        }
    };
    let Some(updated) = updated.filter(|u| !u.trim().is_empty()) else {
        return (Action::None, Some("snapshot.json has no updatedAt".into()));
    };
    let Some(at) = parse_instant(&updated) else {
        return (
            Action::None,
            Some(format!(
                "snapshot.json updatedAt {updated:?} is not a timestamp"
            )),
        );
    };
    if !s.memory_has_md {
        return (Action::Initialize, None);
    }
    let synced = s
        .marker_json
        .and_then(|m| crate::json::from_str::<Value>(m).ok())
        .and_then(|v| {
            v.get("syncedFrom")
                .and_then(Value::as_str)
                .and_then(parse_instant)
        });
    match synced {
        None if s.all_files_identical => (Action::WriteMarker, None),
        None => (Action::PromptUpdate, None),
        Some(from) if at > from => (Action::PromptUpdate, None),
        Some(_) => (Action::None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants() {
        assert_eq!(parse_instant("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_instant("2026-01-02T01:00:00+02:00"),
            parse_instant("2026-01-01T23:00:00Z")
        );
        assert_eq!(
            parse_instant("2026-01-01T00:00:00.5Z"),
            Some(1_767_225_600_500)
        );
        assert_eq!(parse_instant("2026-01-01"), Some(1_767_225_600_000));
        for bad in [
            "",
            "2026-02-30T00:00:00Z",
            "2026-13-01",
            "yesterday",
            "2026-01-01T25:00:00Z",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00+2",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad:?}");
        }
    }

    fn st<'a>(snap: Option<&'a str>, marker: Option<&'a str>, has_md: bool) -> SnapshotState<'a> {
        SnapshotState {
            snapshot_json: snap,
            marker_json: marker,
            memory_has_md: has_md,
            all_files_identical: false,
        }
    }

    #[test]
    fn p5_t18_t19_t20_t21_decisions() {
        let snap = r#"{"updatedAt":"2026-01-02T01:00:00+02:00"}"#;
        assert_eq!(check(&st(Some(snap), None, false)).0, Action::Initialize);
        // P5-T19: a later string but an earlier instant.
        assert_eq!(
            check(&st(
                Some(snap),
                Some(r#"{"syncedFrom":"2026-01-02T00:00:00Z"}"#),
                true
            ))
            .0,
            Action::None
        );
        assert_eq!(
            check(&st(
                Some(r#"{"updatedAt":"2026-01-02T03:00:00Z"}"#),
                Some(r#"{"syncedFrom":"2026-01-02T00:00:00Z"}"#),
                true
            ))
            .0,
            Action::PromptUpdate
        );
        let (a, why) = check(&st(Some(r#"{"updatedAt":""}"#), None, false));
        assert_eq!(a, Action::None);
        assert!(why.is_some());
        assert_eq!(check(&st(Some("[]"), None, false)).0, Action::None);
        assert_eq!(check(&st(None, None, false)), (Action::None, None));
        assert_eq!(check(&st(Some(snap), None, true)).0, Action::PromptUpdate);
        let mut done = st(Some(snap), None, true);
        done.all_files_identical = true;
        assert_eq!(check(&done).0, Action::WriteMarker);
    }
}
