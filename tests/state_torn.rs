//! Issue 19 proof (G-R17): a journal whose last line is torn loses no line of the writers that
//! come after it, even when two of them append at once and one checks the tail first (as the
//! first writer of every process does).
//!
//! Each round plants a torn line (a writer killed mid-line), then two writers with their own
//! native hosts append at the same time; the first also runs `repair_torn_tail` before each
//! append (it overwrites the torn line in place with a filler, `Host::fs_overwrite_at`).
//! Afterwards every appended line is in the journal as a line of its own. Before, the repair
//! rewrote the file from what it had read (losing the other writer's appends made in between)
//! and an append after a torn line was glued to it (and lost to every reader).

use agent_ops::audit::repair_torn_tail;
use agent_ops::host::{Host, HostDirs, NativeHost};
use std::collections::BTreeSet;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::sync::{Arc, Barrier};

const ROUNDS: usize = 30;
const LINES: usize = 50;

#[test]
fn two_writers_after_a_torn_line_lose_nothing() {
    let dir = std::env::temp_dir().join(format!("agent-ops-torn-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("events.jsonl").to_string_lossy().into_owned();
    let mut expected = BTreeSet::new();
    for round in 0..ROUNDS {
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(format!("{{\"torn\":{round},\"tex").as_bytes())
            .unwrap();
        let barrier = Arc::new(Barrier::new(2));
        let writers: Vec<_> = ["a", "b"]
            .iter()
            .map(|tag| {
                let (path, barrier, tag) = (path.clone(), barrier.clone(), tag.to_string());
                std::thread::spawn(move || {
                    let h = NativeHost::new(HostDirs::default());
                    barrier.wait();
                    for i in 0..LINES {
                        if tag == "a" {
                            repair_torn_tail(&h, &path).unwrap();
                        }
                        let line = format!("{{\"w\":\"{tag}\",\"round\":{round},\"i\":{i}}}");
                        h.fs_append_line(&path, &line, false).unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        for tag in ["a", "b"] {
            for i in 0..LINES {
                expected.insert(format!("{{\"w\":\"{tag}\",\"round\":{round},\"i\":{i}}}"));
            }
        }
    }
    let text = fs::read_to_string(&path).unwrap();
    let lines: BTreeSet<String> = text.lines().map(str::to_string).collect();
    let lost: Vec<_> = expected.difference(&lines).collect();
    assert!(
        lost.is_empty(),
        "{} lines lost, e.g. {:?}",
        lost.len(),
        lost.first()
    );
    // Every torn line was either replaced by a filler (valid JSON, no record) or kept as a line
    // of its own by an append that met it first; readers skip both (an append and the repair
    // that both met it leave an empty line too).
    let unreadable = text
        .lines()
        .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_err())
        .filter(|l| !l.is_empty())
        .count();
    let fillers = text.lines().filter(|l| l.starts_with("0 ")).count();
    assert_eq!(unreadable + fillers, ROUNDS, "{text}");
    assert!(text.ends_with('\n'));
    let h = NativeHost::new(HostDirs::default());
    assert!(!repair_torn_tail(&h, &path).unwrap());
    assert!(h.fs_stat(&path).is_ok());
    let _ = fs::remove_dir_all(&dir);
}
