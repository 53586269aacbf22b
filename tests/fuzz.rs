//! Fuzzing of the shell parser and evaluator with proptest (spec P4-R23 d, P4-R22).
//!
//! Inputs: arbitrary Unicode strings, and "shell-ish" strings assembled from fragments that
//! stress the parser (quotes, `$(`, backticks, heredocs, braces, backslashes, newlines, CR,
//! NUL, Unicode look-alikes), grown up to and just past the 64 KiB input limit.
//!
//! Properties: `parse` and `evaluate` never panic; and parsing takes time linear in the input
//! length, checked through deterministic work proxies instead of a clock: the number of heap
//! allocations and of allocated bytes made by the parsing thread (counted by a thread-local
//! counting allocator installed for this test binary) and the AST node count, each bounded by
//! `a · n + b` with generous constants. A quadratic parser exceeds them on large inputs.
//!
//! The number of inputs run is printed; `AGENT_OPS_FUZZ_CASES` scales it (default sized for
//! a debug-build CI budget of well under 60 s).

use agent_ops::shell::{evaluate, parse, BashSecurityConfig, EvalContext, Os, ParseLimits};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

// ---------------------------------------------------------------------------------------
// Work proxy: a counting allocator (per thread, so parallel tests do not interfere).

struct CountingAlloc;

thread_local! {
    static ALLOC_CALLS: Cell<u64> = const { Cell::new(0) };
    static ALLOC_BYTES: Cell<u64> = const { Cell::new(0) };
}

fn note_alloc(size: usize) {
    let _ = ALLOC_CALLS.try_with(|c| c.set(c.get() + 1));
    let _ = ALLOC_BYTES.try_with(|c| c.set(c.get() + size as u64));
}

// SAFETY: every method forwards to the system allocator unchanged; the counters are
// const-initialised thread-locals without destructors, so touching them never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_alloc(new_size);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: CountingAlloc = CountingAlloc;

/// (allocation calls, allocated bytes) made by this thread while running `f`.
fn work_of<R>(f: impl FnOnce() -> R) -> (R, u64, u64) {
    let c0 = ALLOC_CALLS.with(Cell::get);
    let b0 = ALLOC_BYTES.with(Cell::get);
    let r = f();
    let c1 = ALLOC_CALLS.with(Cell::get);
    let b1 = ALLOC_BYTES.with(Cell::get);
    (r, c1 - c0, b1 - b0)
}

// Linear bounds `a · n + b` on the parse work. Measured maxima over the generators are
// far below (see the printed ratios); the constants leave a wide margin while a
// quadratic algorithm would exceed them by orders of magnitude at 64 KiB.
const MAX_CALLS_PER_BYTE: u64 = 16;
const MAX_BYTES_PER_BYTE: u64 = 4096;
const MAX_NODES_PER_BYTE: u64 = 4;
const SLACK_CALLS: u64 = 10_000;
const SLACK_BYTES: u64 = 4 << 20;
const SLACK_NODES: u64 = 64;

// ---------------------------------------------------------------------------------------
// Generators

const FRAGMENTS: &[&str] = &[
    "'",
    "\"",
    "$(",
    ")",
    "`",
    "<<",
    "<<-",
    "<<'E'",
    "<<E",
    "E",
    "\nE\n",
    "{",
    "}",
    "\\",
    "\n",
    "\r",
    "\r\n",
    "\0",
    "\\\n",
    "$'",
    "$\"",
    "${",
    "${#",
    "${!",
    ":-",
    "//",
    "$((",
    "))",
    "((",
    "$[",
    "]",
    "[",
    "[[",
    "]]",
    "<(",
    ">(",
    "=(",
    "|",
    "||",
    "&",
    "&&",
    ";",
    ";;",
    ";&",
    "(",
    " ",
    "\t",
    "#",
    "*",
    "?",
    "!(",
    "@(",
    "~",
    "=",
    ",",
    "..",
    "{a,b}",
    "{1..3}",
    "-",
    "--",
    "x",
    "ls",
    "rm -rf /",
    "echo",
    "cat",
    "sh -c ",
    "eval ",
    "sudo ",
    "case x in",
    "esac",
    "if",
    "then",
    "fi",
    "for i in",
    "do",
    "done",
    "while",
    "function f",
    "coproc",
    "time ",
    ">",
    ">>",
    ">&",
    "2>",
    "<",
    "&>",
    "<<<",
    "é",
    "\u{a0}",
    "\u{202e}",
    "\u{200b}",
    "😀",
    "\u{fffd}",
    "\x1b",
    "\x7f",
    "a=1 ",
    "IFS=",
    "$IFS",
    "$0",
    "$@",
    "=cmd",
    "zmodload",
];

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => proptest::sample::select(FRAGMENTS).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
        1 => "[a-z0-9_./-]{1,12}",
    ]
}

/// Shell-ish text of up to `max_frags` fragments.
fn shellish(max_frags: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(fragment(), 0..max_frags).prop_map(|v| v.concat())
}

/// A shell-ish unit repeated up to just past the 64 KiB limit.
fn big_input() -> impl Strategy<Value = String> {
    (shellish(40), 1usize..=70_000).prop_map(|(unit, target)| {
        if unit.is_empty() {
            return "x".repeat(target);
        }
        let reps = target / unit.len() + 1;
        let mut s = unit.repeat(reps);
        let mut cut = target.min(s.len());
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s
    })
}

/// Deep nesting of one opener (e.g. `$(`) with its closer.
fn nested() -> impl Strategy<Value = String> {
    (
        proptest::sample::select(
            &[
                ("$(", ")"),
                ("(", ")"),
                ("{ ", "; }"),
                ("`", "`"),
                ("\"$(", ")\""),
                ("${x:-", "}"),
                ("$((", "))"),
                ("<(", ")"),
            ][..],
        ),
        0usize..3000,
        any::<bool>(),
    )
        .prop_map(|((open, close), depth, closed)| {
            let mut s = open.repeat(depth);
            s.push_str("echo x");
            if closed {
                s.push_str(&close.repeat(depth));
            }
            s
        })
}

// ---------------------------------------------------------------------------------------
// The properties

fn ctx() -> EvalContext {
    EvalContext {
        home: "/home/u".into(),
        cwd: "/home/u/ws".into(),
        workspace: "/home/u/ws".into(),
        os: Os::Linux,
        env_keys: Vec::new(),
        ..Default::default()
    }
}

/// The highest observed work ratios (per input byte), for the report.
struct Ratios {
    calls: AtomicUsize,
    bytes: AtomicUsize,
}

static RATIOS: Ratios = Ratios {
    calls: AtomicUsize::new(0),
    bytes: AtomicUsize::new(0),
};

fn check_input(input: &str, cfg: &BashSecurityConfig) -> Result<(), TestCaseError> {
    let limits = ParseLimits::default();
    let n = input.len() as u64;
    let (parsed, calls, bytes) = work_of(|| parse(input, &limits));
    let nodes = parsed.node_count as u64;
    if n >= 1024 {
        RATIOS.calls.fetch_max(
            usize::try_from(calls / n).unwrap_or(usize::MAX),
            Ordering::Relaxed,
        );
        RATIOS.bytes.fetch_max(
            usize::try_from(bytes / n).unwrap_or(usize::MAX),
            Ordering::Relaxed,
        );
    }
    prop_assert!(
        calls <= MAX_CALLS_PER_BYTE * n + SLACK_CALLS,
        "parse of {n} bytes made {calls} allocations (bound {})",
        MAX_CALLS_PER_BYTE * n + SLACK_CALLS
    );
    prop_assert!(
        bytes <= MAX_BYTES_PER_BYTE * n + SLACK_BYTES,
        "parse of {n} bytes allocated {bytes} bytes (bound {})",
        MAX_BYTES_PER_BYTE * n + SLACK_BYTES
    );
    prop_assert!(
        nodes <= MAX_NODES_PER_BYTE * n + SLACK_NODES,
        "parse of {n} bytes created {nodes} nodes"
    );
    let e = evaluate(input, &ctx(), cfg);
    prop_assert!(!e.reason.is_empty(), "empty reason for {input:?}");
    Ok(())
}

fn cases(default: u32) -> u32 {
    std::env::var("AGENT_OPS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .map_or(default, |scale| scale.max(1))
}

fn run_fuzz<S: Strategy<Value = String>>(name: &str, strategy: S, default_cases: u32) {
    let n_cases = cases(default_cases);
    let config = Config {
        cases: n_cases,
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    };
    let cfg = BashSecurityConfig::default();
    let ran = AtomicUsize::new(0);
    let total_bytes = AtomicUsize::new(0);
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |input| {
        ran.fetch_add(1, Ordering::Relaxed);
        total_bytes.fetch_add(input.len(), Ordering::Relaxed);
        check_input(&input, &cfg)
    });
    println!(
        "fuzz {name}: {} inputs run ({} bytes in all); max work per byte so far (inputs ≥ 1 KiB): {} allocations, {} bytes",
        ran.load(Ordering::Relaxed),
        total_bytes.load(Ordering::Relaxed),
        RATIOS.calls.load(Ordering::Relaxed),
        RATIOS.bytes.load(Ordering::Relaxed),
    );
    if let Err(e) = result {
        panic!("fuzz {name} failed: {e}");
    }
}

#[test]
fn fuzz_arbitrary_unicode_strings() {
    run_fuzz("arbitrary", any::<String>(), 3000);
}

#[test]
fn fuzz_arbitrary_bytes_as_lossy_utf8() {
    run_fuzz(
        "bytes",
        proptest::collection::vec(any::<u8>(), 0..4096)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        1500,
    );
}

#[test]
fn fuzz_shellish_fragments() {
    run_fuzz("shell-ish", shellish(400), 3000);
}

#[test]
fn fuzz_large_inputs_up_to_64k() {
    run_fuzz("large (≤ 70,000 bytes)", big_input(), 150);
}

#[test]
fn fuzz_deep_nesting() {
    run_fuzz("nesting", nested(), 300);
}
