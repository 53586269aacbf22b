//! Issue 19 proof (G-R17): a journal whose last line is torn loses no line of the writers that
//! come after it, even when several of them append at once.
//!
//! Each round plants a torn line (a writer killed mid-line), then writers with their own native
//! hosts append at the same time. The only repair is the append itself
//! (`Host::fs_append_line`): a tail without a newline gets one in the same `O_APPEND` write, so
//! the torn fragment becomes a line of its own that readers skip. Nothing is cut or
//! overwritten: the in-place overwrite this replaced (`repair_torn_tail`) lost lines in about 3
//! of 100 runs of this test, because appends take no lock (G-R18) and a line another writer was
//! still appending could look torn to it.
//!
//! Afterwards every appended line is in the journal whole, on a line of its own, every planted
//! fragment is a line of its own byte for byte, and nothing else is in the file but empty lines
//! (two appenders that both met the torn tail, or one that met a line still being written, each
//! add a newline).

use agent_ops::host::{Host, HostDirs, NativeHost};
use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::sync::{Arc, Barrier};

/// What a journal holds after a run: every line, counted.
fn line_counts(text: &str) -> BTreeMap<&str, usize> {
    let mut out = BTreeMap::new();
    for l in text.lines() {
        *out.entry(l).or_insert(0) += 1;
    }
    out
}

/// Plants `rounds` torn lines, each followed by `writers` appenders writing `lines` records of
/// about `pad` bytes at once, and checks the journal.
fn torn_then_concurrent_appends(
    name: &str,
    rounds: usize,
    writers: usize,
    lines: usize,
    pad: usize,
) {
    let dir = std::env::temp_dir().join(format!("agent-ops-torn-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("events.jsonl").to_string_lossy().into_owned();
    let padding = "x".repeat(pad);
    let mut expected = Vec::new();
    let mut fragments = Vec::new();
    for round in 0..rounds {
        let fragment = format!("{{\"torn\":{round},\"tex");
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(fragment.as_bytes()).unwrap();
        fragments.push(fragment);
        let barrier = Arc::new(Barrier::new(writers));
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let (path, barrier, padding) = (path.clone(), barrier.clone(), padding.clone());
                std::thread::spawn(move || {
                    let h = NativeHost::new(HostDirs::default());
                    barrier.wait();
                    for i in 0..lines {
                        let line = format!(
                            "{{\"w\":{w},\"round\":{round},\"i\":{i},\"pad\":\"{padding}\"}}"
                        );
                        h.fs_append_line(&path, &line, false).unwrap();
                    }
                })
            })
            .collect();
        for t in handles {
            t.join().unwrap();
        }
        for w in 0..writers {
            for i in 0..lines {
                expected.push(format!(
                    "{{\"w\":{w},\"round\":{round},\"i\":{i},\"pad\":\"{padding}\"}}"
                ));
            }
        }
    }
    let text = fs::read_to_string(&path).unwrap();
    let _ = fs::remove_dir_all(&dir);
    assert!(text.ends_with('\n'));
    let mut counts = line_counts(&text);
    let lost: Vec<_> = expected
        .iter()
        .filter(|l| counts.get(l.as_str()) != Some(&1))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} lines lost or doubled, e.g. {:?}",
        lost.len(),
        expected.len(),
        lost.first().map(|l| l.chars().take(60).collect::<String>())
    );
    for l in expected.iter().chain(&fragments) {
        counts.remove(l.as_str());
    }
    // Empty lines are the harmless trace of a tail that looked torn to two writers, or to one
    // while another's line was still being written (the multi-page test has dozens per run).
    counts.remove("");
    // Every fragment was taken out above, so it was a line of its own; nothing else is left
    // (no glued or split line).
    assert!(
        counts.is_empty(),
        "unexpected lines: {:?}",
        counts
            .keys()
            .map(|l| l.chars().take(80).collect::<String>())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("{\"torn\"")).count(),
        rounds
    );
}

#[test]
fn writers_after_a_torn_line_lose_nothing() {
    torn_then_concurrent_appends("short", 30, 2, 50, 8);
}

/// Lines of 20 KiB span several pages, so a writer's tail check can see a prefix of another
/// writer's line still being written (it looks torn): the newline it then adds lands after that
/// whole line (`O_APPEND` writes do not interleave) as an empty line, and nothing is lost.
#[test]
fn writers_of_multi_page_lines_after_a_torn_line_lose_nothing() {
    torn_then_concurrent_appends("long", 8, 3, 20, 20 * 1024);
}
