//! External check of phase 4 (issue 16, "Proof"): labelled shell commands harvested from other
//! projects' public test suites (`tests/fixtures/external_cases.jsonl`, provenance and mapping
//! in `external_cases.README.md`), evaluated with the default config.
//!
//! The gate is one-sided, like the peer-case gate of spec §15: a row those projects forbid or
//! send for approval (`DENY`, `ASK`) must never be allowed, and a row they let through
//! (`ALLOW`) must never be denied. Exact label agreement is measured and reported, never gated:
//! the peers draw the ask/allow line in other places (P4-R4: allow only what is proven
//! read-only), so an `ALLOW` row that asks or a `DENY` row that asks is not a violation.
//!
//! `tests/fixtures/external_disagreements.txt` lists the violations that are accepted for now,
//! one `LINE<TAB>verdict<TAB>reason` per line (LINE is the 1-based fixture line, verdict our
//! verdict when it was reviewed). Entries above the `# known misses` header are peer-label
//! disagreements (their label is wrong for us or depends on context we cannot see); entries
//! below it are real misses of issue 16 that other work is fixing. A listed row that no longer
//! violates the gate is printed as a note so the list can be pruned; it does not fail the test.
//! Rows under the `# watch` header are peer DENY rows we only ask on (within the gate) that
//! issue 16 should turn into deny; their current verdict is printed, never gated.
//!
//! Run with `cargo test --test external_cases -- --nocapture` to see the full report.

use agent_ops::shell::{evaluate, BashSecurityConfig, EvalContext, Evaluation, Os, Verdict};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

const CASES: &str = "tests/fixtures/external_cases.jsonl";
const DISAGREEMENTS: &str = "tests/fixtures/external_disagreements.txt";
const MISSES_HEADER: &str = "# known misses (issue 16, to be fixed)";
const WATCH_HEADER: &str = "# watch (issue 16 should make these deny; printed, never failed)";
/// Required fields; `cwd` is optional (the peer test's working directory).
const FIELDS: [&str; 7] = [
    "command",
    "expect",
    "source_label",
    "project",
    "file",
    "url_or_path",
    "licence",
];

/// One harvested case.
struct Case {
    line: usize,
    command: String,
    expect: Verdict,
    source_label: String,
    project: String,
    /// The peer test's working directory, when it sets one (it is then also the workspace).
    cwd: Option<String>,
}

/// Why a listed violation is accepted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Listing {
    /// The peer's label is wrong for us, or depends on context we cannot see.
    Disagreement,
    /// A real miss of issue 16, to be fixed and then removed from the list.
    KnownMiss,
    /// Within the gate today (a peer's DENY that we ask on), but issue 16 should make it deny:
    /// reported so the integrator sees whether the fix reached external cases; never a failure.
    Watch,
}

struct Listed {
    kind: Listing,
    verdict: String,
    reason: String,
}

fn fixture(rel: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn verdict_of(label: &str) -> Option<Verdict> {
    match label {
        "ALLOW" | "allow" => Some(Verdict::Allow),
        "ASK" | "ask" => Some(Verdict::Ask),
        "DENY" | "deny" => Some(Verdict::Deny),
        _ => None,
    }
}

fn load_cases() -> Vec<Case> {
    let text = fixture(CASES);
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        assert!(!raw.trim().is_empty(), "{CASES}:{line}: empty line");
        let row: serde_json::Value = serde_json::from_str(raw)
            .unwrap_or_else(|e| panic!("{CASES}:{line}: invalid JSON: {e}"));
        let get = |k: &str| -> String {
            row.get(k)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_else(|| panic!("{CASES}:{line}: no string field {k:?}"))
                .to_owned()
        };
        for k in FIELDS {
            let v = get(k);
            // Every row keeps its attribution (issue 16: "per-row attribution").
            assert!(
                k == "command" || !v.trim().is_empty(),
                "{CASES}:{line}: empty {k:?}"
            );
        }
        let expect_label = get("expect");
        let expect = match expect_label.as_str() {
            "ALLOW" | "ASK" | "DENY" => verdict_of(&expect_label),
            _ => None,
        }
        .unwrap_or_else(|| panic!("{CASES}:{line}: expect must be ALLOW, ASK or DENY"));
        out.push(Case {
            line,
            command: get("command"),
            expect,
            source_label: get("source_label"),
            project: get("project"),
            cwd: row
                .get("cwd")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
        });
    }
    out
}

fn load_listed(n_cases: usize) -> HashMap<usize, Listed> {
    let text = fixture(DISAGREEMENTS);
    let mut kind = Listing::Disagreement;
    let mut out = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let at = i + 1;
        if raw.trim() == MISSES_HEADER {
            kind = Listing::KnownMiss;
            continue;
        }
        if raw.trim() == WATCH_HEADER {
            kind = Listing::Watch;
            continue;
        }
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let mut parts = raw.splitn(3, '\t');
        let (Some(line), Some(verdict), Some(reason)) = (parts.next(), parts.next(), parts.next())
        else {
            panic!("{DISAGREEMENTS}:{at}: want LINE<TAB>verdict<TAB>reason");
        };
        let line: usize = line
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("{DISAGREEMENTS}:{at}: bad line number: {e}"));
        assert!(
            (1..=n_cases).contains(&line),
            "{DISAGREEMENTS}:{at}: line {line} is not in {CASES}"
        );
        assert!(
            verdict_of(verdict.trim()).is_some(),
            "{DISAGREEMENTS}:{at}: verdict must be allow, ask or deny"
        );
        assert!(
            !reason.trim().is_empty(),
            "{DISAGREEMENTS}:{at}: a listed row needs a reason"
        );
        let prev = out.insert(
            line,
            Listed {
                kind,
                verdict: verdict.trim().to_owned(),
                reason: reason.trim().to_owned(),
            },
        );
        assert!(
            prev.is_none(),
            "{DISAGREEMENTS}:{at}: line {line} listed twice"
        );
    }
    out
}

fn ctx(cwd: Option<&str>) -> EvalContext {
    // The same context as the corpus gates (tests/corpus.rs): a Linux agent whose workspace is
    // its cwd, no environment keys known. A row whose peer test runs in a given directory is
    // evaluated there, so its `..` paths resolve as they did for the peer.
    let dir = cwd.unwrap_or("/home/u/ws");
    EvalContext {
        home: "/home/u".into(),
        cwd: dir.into(),
        workspace: dir.into(),
        os: Os::Linux,
        env_keys: Vec::new(),
        ..Default::default()
    }
}

fn eval_all(cases: &[Case]) -> Vec<Option<Evaluation>> {
    let cfg = BashSecurityConfig::default();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4);
    let chunk = cases.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|c| {
                let cfg = &cfg;
                s.spawn(move || {
                    c.iter()
                        .map(|k| {
                            let cx = ctx(k.cwd.as_deref());
                            catch_unwind(AssertUnwindSafe(|| evaluate(&k.command, &cx, cfg))).ok()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker thread"))
            .collect()
    })
}

/// The gate: forbidden or approval-needing rows are never allowed, allowed rows never denied.
fn violates(expect: Verdict, got: Verdict) -> bool {
    match expect {
        Verdict::Deny | Verdict::Ask => got == Verdict::Allow,
        Verdict::Allow => got == Verdict::Deny,
    }
}

fn show(cmd: &str) -> String {
    let one: String = cmd.escape_debug().collect();
    if one.chars().count() > 160 {
        format!("{}…", one.chars().take(160).collect::<String>())
    } else {
        one
    }
}

fn pct(a: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        100.0 * a as f64 / n as f64
    }
}

/// Counts of our verdicts (allow, ask, deny) for one group of rows.
#[derive(Default)]
struct Tally {
    got: [usize; 3],
    exact: usize,
    violations: usize,
}

impl Tally {
    fn n(&self) -> usize {
        self.got.iter().sum()
    }
    fn add(&mut self, expect: Verdict, got: Verdict) {
        let slot = match got {
            Verdict::Allow => 0,
            Verdict::Ask => 1,
            Verdict::Deny => 2,
        };
        if let Some(c) = self.got.get_mut(slot) {
            *c += 1;
        }
        if expect == got {
            self.exact += 1;
        }
        if violates(expect, got) {
            self.violations += 1;
        }
    }
    fn row(&self, name: &str) -> String {
        let [allow, ask, deny] = self.got;
        format!(
            "  {name:<52} {:>5}  allow {allow:>4}  ask {ask:>4}  deny {deny:>4}  exact {:>5.1} %  gate violations {}",
            self.n(),
            pct(self.exact, self.n()),
            self.violations
        )
    }
}

#[test]
fn external_cases_gate() {
    let cases = load_cases();
    let listed = load_listed(cases.len());
    let evals = eval_all(&cases);

    let mut by_project: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut by_label: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut by_project_label: BTreeMap<(&str, &str), Tally> = BTreeMap::new();
    let mut total = Tally::default();
    let mut mismatches = String::new();
    let mut failures = String::new();
    let mut notes = String::new();
    // Ready-to-review lines for the disagreements file: the reason column must be written.
    let mut suggestions = String::new();
    let mut watch = String::new();
    let mut accepted = [0usize; 2];

    for (case, eval) in cases.iter().zip(&evals) {
        let Some(e) = eval else {
            let _ = writeln!(
                failures,
                "line {}: evaluate panicked: {}",
                case.line,
                show(&case.command)
            );
            continue;
        };
        let label = case.expect.as_str();
        total.add(case.expect, e.verdict);
        by_project
            .entry(&case.project)
            .or_default()
            .add(case.expect, e.verdict);
        by_label
            .entry(label)
            .or_default()
            .add(case.expect, e.verdict);
        by_project_label
            .entry((&case.project, label))
            .or_default()
            .add(case.expect, e.verdict);

        let bad = violates(case.expect, e.verdict);
        let mut listing = listed.get(&case.line);
        if let Some(w) = listing.filter(|l| l.kind == Listing::Watch) {
            let state = if e.verdict == Verdict::Deny {
                "now deny, as issue 16 intends"
            } else {
                "not yet deny"
            };
            let _ = writeln!(
                watch,
                "line {}: {state} (now {} {}; listed {}): {}",
                case.line,
                e.verdict.as_str(),
                e.reason,
                w.verdict,
                w.reason
            );
            // A watched row is not an accepted violation: the gate applies to it as to any row.
            listing = None;
        }
        if e.verdict != case.expect {
            let mark = match (bad, listing.map(|l| l.kind)) {
                (false, _) => "  ",
                (true, Some(Listing::Disagreement)) => "D ",
                (true, Some(Listing::KnownMiss)) => "M ",
                (true, None | Some(Listing::Watch)) => "! ",
            };
            let _ = writeln!(
                mismatches,
                "{mark}line {:>4}: expected {:<5} got {:<5} {:<40} [{}: {}] {}",
                case.line,
                label,
                e.verdict.as_str(),
                e.reason,
                case.project,
                case.source_label,
                show(&case.command)
            );
        }
        match (bad, listing) {
            (true, None) => {
                let _ = writeln!(
                    suggestions,
                    "{}\t{}\tTODO ({}): {}",
                    case.line,
                    e.verdict.as_str(),
                    e.reason,
                    show(&case.command)
                );
                let _ = writeln!(
                    failures,
                    "line {}: {} row is {} ({}) [{}: {}]\n    command: {}",
                    case.line,
                    label,
                    e.verdict.as_str(),
                    e.reason,
                    case.project,
                    case.source_label,
                    show(&case.command)
                );
            }
            (true, Some(l)) => {
                let slot = usize::from(l.kind == Listing::KnownMiss);
                if let Some(c) = accepted.get_mut(slot) {
                    *c += 1;
                }
                if l.verdict != e.verdict.as_str() {
                    let _ = writeln!(
                        notes,
                        "line {}: listed as {} but now {} ({}), still a violation: {}",
                        case.line,
                        l.verdict,
                        e.verdict.as_str(),
                        e.reason,
                        l.reason
                    );
                }
            }
            (false, Some(l)) => {
                let what = match l.kind {
                    Listing::Disagreement => "disagreement",
                    Listing::KnownMiss | Listing::Watch => "known miss FIXED",
                };
                let _ = writeln!(
                    notes,
                    "line {}: listed {what} no longer violates the gate (now {} {}); remove it from {DISAGREEMENTS}: {}",
                    case.line,
                    e.verdict.as_str(),
                    e.reason,
                    show(&case.command)
                );
            }
            (false, None) => {}
        }
    }

    let mut report = String::new();
    let _ = writeln!(
        report,
        "external_cases.jsonl: {} rows from {} projects; exact label agreement {}/{} ({:.1} %); \
         gate violations {} (accepted: {} peer-label disagreements, {} known misses)",
        total.n(),
        by_project.len(),
        total.exact,
        total.n(),
        pct(total.exact, total.n()),
        total.violations,
        accepted[0],
        accepted[1]
    );
    let _ = writeln!(report, "by project:");
    for (p, t) in &by_project {
        let _ = writeln!(report, "{}", t.row(p));
    }
    let _ = writeln!(report, "by expected label:");
    for (l, t) in &by_label {
        let _ = writeln!(report, "{}", t.row(l));
    }
    let _ = writeln!(report, "by project and expected label:");
    for ((p, l), t) in &by_project_label {
        let _ = writeln!(report, "{}", t.row(&format!("{p} {l}")));
    }
    println!("{report}");
    println!(
        "mismatches (D = listed disagreement, M = listed known miss, ! = unlisted violation, blank = within the gate):\n{mismatches}"
    );
    if !watch.is_empty() {
        println!("WATCH (peer DENY rows issue 16 should turn from ask into deny):\n{watch}");
    }
    if !notes.is_empty() {
        println!("NOTES for the integrator (listed rows whose verdict changed):\n{notes}");
    }
    if !suggestions.is_empty() {
        println!(
            "unlisted violations as {DISAGREEMENTS} lines (review each; replace TODO by the reason, \
             and put real misses under the known-misses header):\n{suggestions}"
        );
    }
    assert!(
        failures.is_empty(),
        "external case gate failed (list a reviewed case in {DISAGREEMENTS} or fix it):\n{failures}"
    );
}
