//! Skill change detection (P7-R15 … R18, R20, R21): a file must be stable before it is
//! hashed, content hashes decide what changed, and a batch is emitted after a quiet period.
//! Time comes in as a parameter, so tests drive it with a fake clock.

use crate::sorted::SortedMap;
use serde::{Deserialize, Serialize};

/// A changed file must be unchanged this long before it is hashed.
pub const FILE_STABILITY_MS: i64 = 1_000;
/// Quiet period before a batch is emitted.
pub const RELOAD_DEBOUNCE_MS: i64 = 300;

/// What happened to one `SKILL.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// A new file.
    Created,
    /// New content.
    Updated,
    /// Gone.
    Removed,
}

/// Committed state of one file (`skills/index.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Committed {
    /// Size.
    pub size: u64,
    /// Modification time.
    pub mtime_ms: i64,
    /// SHA-256 (hex).
    pub sha256: String,
}

crate::json::read::json_struct!(Committed {
    "size" => size: req,
    "mtimeMs" => mtime_ms: req,
    "sha256" => sha256: req,
});

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Track {
    committed: Option<Committed>,
    pending: Option<(u64, i64, i64)>,
    pending_removal_at: Option<i64>,
}

/// The detector (P7-R15).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detector {
    tracks: SortedMap<String, Track>,
    batch: SortedMap<String, Change>,
    last_added: Option<i64>,
    /// Timing (config `stabilityMs`, `debounceMs`).
    pub stability_ms: i64,
    /// Quiet period.
    pub debounce_ms: i64,
}

/// P7-R18: how two changes of one path inside a batch collapse (`None`: nothing left).
pub fn collapse(first: Change, then: Change) -> Option<Change> {
    match (first, then) {
        (Change::Created, Change::Updated) => Some(Change::Created),
        (Change::Created, Change::Removed) => None,
        (Change::Updated, Change::Removed) => Some(Change::Removed),
        (Change::Removed, Change::Created) => Some(Change::Updated),
        (_, b) => Some(b),
    }
}

impl Detector {
    /// A detector with the spec's timing.
    pub fn new() -> Self {
        Detector {
            stability_ms: FILE_STABILITY_MS,
            debounce_ms: RELOAD_DEBOUNCE_MS,
            ..Detector::default()
        }
    }

    /// Restores committed state saved after an earlier batch (P7-R21).
    pub fn restore(&mut self, committed: SortedMap<String, Committed>) {
        for (p, c) in committed {
            self.tracks.entry(p).or_default().committed = Some(c);
        }
    }

    /// The committed state to save.
    pub fn committed(&self) -> SortedMap<String, Committed> {
        self.tracks
            .iter()
            .filter_map(|(p, t)| t.committed.clone().map(|c| (p.clone(), c)))
            .collect()
    }

    fn add(&mut self, path: &str, change: Change, now: i64) {
        let next = match self.batch.get(path) {
            Some(prev) => collapse(*prev, change),
            None => Some(change),
        };
        match next {
            Some(c) => {
                self.batch.insert(path.to_string(), c);
            }
            None => {
                self.batch.remove(path);
            }
        }
        self.last_added = Some(now);
    }

    /// One scan (P7-R17): `observed` is every `SKILL.md` seen with its `(size, mtimeMs)`;
    /// `hash` reads and hashes one file (`None`: unreadable, retried next scan). Returns the
    /// emitted batch (P7-R18) when the quiet period has passed.
    pub fn scan(
        &mut self,
        now: i64,
        observed: &SortedMap<String, (u64, i64)>,
        hash: &mut dyn FnMut(&str) -> Option<String>,
    ) -> Option<Vec<(String, Change)>> {
        for (path, &(size, mtime)) in observed {
            let t = self.tracks.entry(path.clone()).or_default();
            t.pending_removal_at = None;
            let same_committed = t
                .committed
                .as_ref()
                .is_some_and(|c| c.size == size && c.mtime_ms == mtime);
            let same_pending = t.pending.is_some_and(|(s, m, _)| s == size && m == mtime);
            if same_committed && t.pending.is_none() {
                continue;
            }
            if !same_pending {
                if same_committed {
                    t.pending = None;
                    continue;
                }
                t.pending = Some((size, mtime, now));
                continue;
            }
            let observed_at = t.pending.map_or(now, |(_, _, at)| at);
            if now - observed_at < self.stability_ms {
                continue;
            }
            let Some(sha) = hash(path) else {
                continue;
            };
            let change = match &t.committed {
                None => Some(Change::Created),
                Some(c) if c.sha256 != sha => Some(Change::Updated),
                Some(_) => None,
            };
            t.committed = Some(Committed {
                size,
                mtime_ms: mtime,
                sha256: sha,
            });
            t.pending = None;
            if let Some(c) = change {
                self.add(path, c, now);
            }
        }
        let missing: Vec<String> = self
            .tracks
            .iter()
            .filter(|(p, t)| t.committed.is_some() && !observed.contains_key(*p))
            .map(|(p, _)| p.clone())
            .collect();
        for p in missing {
            let Some(t) = self.tracks.get_mut(&p) else {
                continue;
            };
            match t.pending_removal_at {
                None => t.pending_removal_at = Some(now),
                Some(at) if now - at >= self.stability_ms => {
                    self.tracks.remove(&p);
                    self.add(&p, Change::Removed, now);
                }
                Some(_) => {}
            }
        }
        // Tracks of files that vanished before they were ever committed.
        self.tracks
            .retain(|p, t| t.committed.is_some() || observed.contains_key(p));
        match self.last_added {
            Some(at) if now - at >= self.debounce_ms => {
                self.last_added = None;
                let out: Vec<(String, Change)> =
                    std::mem::take(&mut self.batch).into_iter().collect();
                (!out.is_empty()).then_some(out)
            }
            _ => None,
        }
    }

    /// P7-R20: a managed install reported a change (atomic write): hash now, no stability wait.
    pub fn observed_now(&mut self, path: &str, size: u64, mtime: i64, sha: String, now: i64) {
        let t = self.tracks.entry(path.to_string()).or_default();
        let change = match &t.committed {
            None => Some(Change::Created),
            Some(c) if c.sha256 != sha => Some(Change::Updated),
            Some(_) => None,
        };
        t.committed = Some(Committed {
            size,
            mtime_ms: mtime,
            sha256: sha,
        });
        t.pending = None;
        if let Some(c) = change {
            self.add(path, c, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "/ws/skills/a/SKILL.md";

    fn obs(entries: &[(&str, u64, i64)]) -> SortedMap<String, (u64, i64)> {
        entries
            .iter()
            .map(|(p, s, m)| (p.to_string(), (*s, *m)))
            .collect()
    }

    fn committed_detector(sha: &str) -> Detector {
        let mut d = Detector::new();
        let mut c = SortedMap::new();
        c.insert(
            P.to_string(),
            Committed {
                size: 10,
                mtime_ms: 0,
                sha256: sha.into(),
            },
        );
        d.restore(c);
        d
    }

    #[test]
    fn p7_t11_hashed_when_stable_emitted_after_the_quiet_period() {
        let mut d = committed_detector("old");
        let mut hashed_at = Vec::new();
        let o = obs(&[(P, 11, 5)]);
        let scan = |d: &mut Detector, now: i64, hashed_at: &mut Vec<i64>| {
            d.scan(now, &o, &mut |_| {
                hashed_at.push(now);
                Some("new".into())
            })
        };
        assert!(scan(&mut d, 0, &mut hashed_at).is_none());
        assert!(scan(&mut d, 500, &mut hashed_at).is_none());
        assert!(
            scan(&mut d, 1_000, &mut hashed_at).is_none(),
            "hashed now, quiet period starts"
        );
        assert_eq!(hashed_at, vec![1_000]);
        let b = scan(&mut d, 1_500, &mut hashed_at).unwrap();
        assert_eq!(b, vec![(P.to_string(), Change::Updated)]);
    }

    #[test]
    fn p7_t12_a_file_rewritten_every_400_ms_is_reported_once_when_stable() {
        let mut d = committed_detector("v0");
        let mut emitted = Vec::new();
        let mut t = 0;
        let mut version = 0;
        while t <= 6_000 {
            if t <= 3_000 && t % 400 == 0 {
                version += 1;
            }
            let o = obs(&[(P, 10 + version, version as i64)]);
            let v = version;
            if let Some(b) = d.scan(t, &o, &mut |_| Some(format!("v{v}"))) {
                emitted.push((t, b));
            }
            t += 100;
        }
        assert_eq!(emitted.len(), 1, "{emitted:?}");
        // The last write is at 2,800 ms: hashed once stable (3,800), emitted after the quiet period.
        assert!(emitted[0].0 >= 2_800 + 1_000 + 300, "{emitted:?}");
        assert_eq!(emitted[0].1, vec![(P.to_string(), Change::Updated)]);
    }

    #[test]
    fn p7_t13_same_content_new_mtime_is_no_change() {
        let mut d = committed_detector("same");
        let o = obs(&[(P, 10, 99)]);
        for now in [0, 1_000, 1_500, 3_000] {
            assert!(d.scan(now, &o, &mut |_| Some("same".into())).is_none());
        }
        assert_eq!(d.committed()[P].mtime_ms, 99);
    }

    #[test]
    fn p7_t14_created_then_removed_within_a_batch_is_nothing() {
        let mut d = Detector::new();
        let o = obs(&[(P, 10, 1)]);
        d.scan(0, &o, &mut |_| Some("x".into()));
        assert!(d.scan(1_000, &o, &mut |_| Some("x".into())).is_none());
        let empty = SortedMap::new();
        assert!(d.scan(1_100, &empty, &mut |_| None).is_none());
        assert!(
            d.scan(2_100, &empty, &mut |_| None).is_none(),
            "removed collapses with created"
        );
        assert!(d.scan(5_000, &empty, &mut |_| None).is_none());
    }

    #[test]
    fn p7_t15_a_managed_change_then_a_scan_is_one_change() {
        let mut d = committed_detector("old");
        d.observed_now(P, 11, 5, "new".into(), 0);
        let o = obs(&[(P, 11, 5)]);
        let b = d.scan(400, &o, &mut |_| Some("new".into())).unwrap();
        assert_eq!(b.len(), 1);
        assert!(d.scan(2_000, &o, &mut |_| Some("new".into())).is_none());
    }

    #[test]
    fn p7_t16_an_edit_while_down_is_reported_once_after_restart() {
        let mut d = committed_detector("before-restart");
        let o = obs(&[(P, 12, 7)]);
        assert!(d.scan(0, &o, &mut |_| Some("edited".into())).is_none());
        assert!(d.scan(1_000, &o, &mut |_| Some("edited".into())).is_none());
        assert_eq!(
            d.scan(1_300, &o, &mut |_| Some("edited".into())).unwrap(),
            vec![(P.to_string(), Change::Updated)]
        );
        assert!(d.scan(5_000, &o, &mut |_| Some("edited".into())).is_none());
    }

    #[test]
    fn collapse_table() {
        assert_eq!(
            collapse(Change::Created, Change::Updated),
            Some(Change::Created)
        );
        assert_eq!(collapse(Change::Created, Change::Removed), None);
        assert_eq!(
            collapse(Change::Updated, Change::Removed),
            Some(Change::Removed)
        );
        assert_eq!(
            collapse(Change::Removed, Change::Created),
            Some(Change::Updated)
        );
    }
}
