//! The import rule of issue 18 (ARCHITECTURE.md): a phase imports only the ground floor and
//! its own submodules; a ground-floor module imports only the ground floor.
//!
//! The test reads every `src/**/*.rs`, collects the top-level module of each `crate::…` path
//! in code (comments and string literals are skipped; a `use crate::{a, b::c}` group counts
//! `a` and `b`) and checks each file's imports against its layer. Violations that remain from
//! before the rule existed are listed in [`KNOWN`]: the found set must equal that list
//! exactly, so a fixed violation has to be removed from it and a new one fails. Issue 18 is
//! done when the list is empty.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The seven phases (README §2).
const PHASES: [&str; 7] = [
    "compaction",
    "budget",
    "session_memory",
    "shell",
    "memory_scope",
    "coordinator",
    "fork_skills",
];

/// Modules above the phases: they wire phases together and may import anything. `config` is
/// the aggregate of every phase's config; `test_support` is unit-test scaffolding (cfg(test)).
const UPPER: [&str; 7] = [
    "runtime",
    "bindings",
    "cli",
    "config",
    "lib",
    "bin",
    "test_support",
];

/// The ground floor: vocabulary every phase may use; it imports no phase and nothing above.
const GROUND: [&str; 16] = [
    "audit",
    "calendar",
    "contract",
    "hash",
    "host",
    "host_info",
    "json",
    "memdir",
    "paths",
    "phase",
    "redact",
    "schema",
    "session_key",
    "settings",
    "sorted",
    "tokens",
];

/// Violations that predate the rule, as (file, imported top-level module). Remove an entry
/// when its import is gone; never add one (fix the import instead).
const KNOWN: &[(&str, &str)] = &[];

/// The layer of a top-level module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    Ground,
    Phase,
    Upper,
}

fn layer(module: &str) -> Option<Layer> {
    if GROUND.contains(&module) {
        Some(Layer::Ground)
    } else if PHASES.contains(&module) {
        Some(Layer::Phase)
    } else if UPPER.contains(&module) {
        Some(Layer::Upper)
    } else {
        None
    }
}

/// Whether a file of `from` may import `to` (both top-level modules).
fn allowed(from: &str, to: &str) -> bool {
    // Unit-test scaffolding (cfg(test) only) may be used by any layer's tests.
    if from == to || to == "test_support" {
        return true;
    }
    matches!(
        (layer(from), layer(to)),
        (Some(Layer::Upper), _)
            | (Some(Layer::Phase), Some(Layer::Ground))
            | (Some(Layer::Ground), Some(Layer::Ground))
    )
}

/// The source with comments blanked and string/char literal contents removed, so that only
/// code remains (a doc link or a message naming `crate::x` is not an import).
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == b'/' && next == Some(b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && next == Some(b'*') {
            let mut depth = 0usize;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == b'r'
            && matches!(next, Some(b'"') | Some(b'#'))
            && raw_prefix_ok(b, i)
            && raw_string_end(b, i).is_some()
        {
            i = raw_string_end(b, i).unwrap_or(b.len());
            out.push_str("\"\"");
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == b'\'' && char_literal_end(b, i).is_some() {
            i = char_literal_end(b, i).unwrap_or(b.len());
            out.push_str("' '");
        } else {
            // Multi-byte UTF-8 sequences are copied byte by byte via the char boundary.
            let ch_len = src[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&src[i..i + ch_len]);
            i += ch_len;
        }
    }
    out
}

/// Whether the `r` at `i` starts a raw string (`r"`, `br"`), not the end of an identifier.
fn raw_prefix_ok(b: &[u8], i: usize) -> bool {
    match i.checked_sub(1).map(|k| b[k]) {
        None => true,
        Some(b'b') => i < 2 || !is_ident(b[i - 2]),
        Some(p) => !is_ident(p),
    }
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// End (exclusive) of a raw string starting at `i` (`r"…"`, `r#"…"#`), if it is one.
fn raw_string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    let mut hashes = 0;
    while b.get(j) == Some(&b'#') {
        hashes += 1;
        j += 1;
    }
    if b.get(j) != Some(&b'"') {
        return None;
    }
    j += 1;
    while j < b.len() {
        if b[j] == b'"' && (1..=hashes).all(|k| b.get(j + k) == Some(&b'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(b.len())
}

/// End (exclusive) of a char literal starting at `i` (`'a'`, `'\n'`, `'\u{1F}'`); `None` for a
/// lifetime or label.
fn char_literal_end(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i + 1) == Some(&b'\\') {
        let mut j = i + 2;
        while j < b.len() && j < i + 14 {
            if b[j] == b'\'' && j > i + 2 {
                return Some(j + 1);
            }
            j += 1;
        }
        return None;
    }
    // One character (possibly multi-byte) followed by a quote.
    let rest = std::str::from_utf8(b.get(i + 1..)?).ok()?;
    let ch = rest.chars().next()?;
    let j = i + 1 + ch.len_utf8();
    (b.get(j) == Some(&b'\'')).then_some(j + 1)
}

/// The top-level modules named by `crate::` paths in `code` (output of [`code_only`]), with the
/// number of paths naming each.
fn crate_imports(code: &str) -> BTreeMap<String, usize> {
    let b = code.as_bytes();
    let mut found = BTreeMap::new();
    let mut at = 0;
    while let Some(pos) = code[at..].find("crate") {
        let start = at + pos;
        at = start + 5;
        if start > 0 && is_ident(b[start - 1]) {
            continue;
        }
        let mut j = skip_ws(b, at);
        if !code[j..].starts_with("::") {
            continue;
        }
        j = skip_ws(b, j + 2);
        if b.get(j) == Some(&b'{') {
            for name in group_heads(b, j) {
                *found.entry(name).or_insert(0) += 1;
            }
        } else if let Some(name) = ident_at(b, j) {
            *found.entry(name).or_insert(0) += 1;
        }
    }
    found
}

fn skip_ws(b: &[u8], mut j: usize) -> usize {
    while j < b.len() && b[j].is_ascii_whitespace() {
        j += 1;
    }
    j
}

fn ident_at(b: &[u8], j: usize) -> Option<String> {
    let end = (j..b.len()).find(|&k| !is_ident(b[k])).unwrap_or(b.len());
    (end > j && !b[j].is_ascii_digit()).then(|| String::from_utf8_lossy(&b[j..end]).into_owned())
}

/// The first segment of each path in the `{…}` group opening at `open`.
fn group_heads(b: &[u8], open: usize) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut expect_head = false;
    let mut j = open;
    while j < b.len() {
        match b[j] {
            b'{' => {
                depth += 1;
                expect_head = depth == 1;
                j += 1;
            }
            b'}' => {
                depth -= 1;
                j += 1;
                if depth == 0 {
                    break;
                }
            }
            b',' => {
                expect_head = depth == 1;
                j += 1;
            }
            c if expect_head && is_ident(c) => {
                let name = ident_at(b, j).unwrap_or_default();
                j += name.len().max(1);
                if !name.is_empty() && name != "self" {
                    heads.push(name);
                }
                expect_head = false;
            }
            _ => j += 1,
        }
    }
    heads
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src is readable")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Every file's path relative to the crate (`src/…`) and the top-level module it belongs to.
fn source_files() -> Vec<(String, String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root)
                .expect("under the crate")
                .to_string_lossy()
                .replace('\\', "/");
            let first = rel
                .strip_prefix("src/")
                .and_then(|r| r.split('/').next())
                .unwrap_or_default();
            let module = first.strip_suffix(".rs").unwrap_or(first).to_string();
            let text = std::fs::read_to_string(&p).expect("source is UTF-8");
            (rel, module, text)
        })
        .collect()
}

/// Every violation: (file, imported module) → number of paths.
fn violations() -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for (rel, module, text) in source_files() {
        for (to, n) in crate_imports(&code_only(&text)) {
            if !allowed(&module, &to) {
                out.insert((rel.clone(), to), n);
            }
        }
    }
    out
}

#[test]
fn every_top_level_module_has_a_layer() {
    let mut modules = BTreeSet::new();
    for (_, module, _) in source_files() {
        modules.insert(module);
    }
    let unknown: Vec<_> = modules.iter().filter(|m| layer(m).is_none()).collect();
    assert!(
        unknown.is_empty(),
        "classify these modules in tests/layers.rs (GROUND, PHASES or UPPER) and ARCHITECTURE.md: {unknown:?}"
    );
    let listed = GROUND.iter().chain(&PHASES).chain(&UPPER);
    let gone: Vec<_> = listed.filter(|m| !modules.contains(**m)).collect();
    assert!(
        gone.is_empty(),
        "tests/layers.rs lists modules with no source: {gone:?}"
    );
}

#[test]
fn phases_import_only_the_ground_floor() {
    let found = violations();
    let known: BTreeSet<(String, String)> = KNOWN
        .iter()
        .map(|(f, m)| (f.to_string(), m.to_string()))
        .collect();
    let new: Vec<String> = found
        .iter()
        .filter(|(k, _)| !known.contains(*k))
        .map(|((f, m), n)| format!("{f} -> crate::{m} ({n})"))
        .collect();
    let fixed: Vec<String> = known
        .iter()
        .filter(|k| !found.contains_key(*k))
        .map(|(f, m)| format!("(\"{f}\", \"{m}\")"))
        .collect();
    assert!(
        new.is_empty(),
        "new layer violations (a phase imports only the ground floor and its own submodules; \
         the ground floor imports no phase; see ARCHITECTURE.md):\n{}",
        new.join("\n")
    );
    assert!(
        fixed.is_empty(),
        "fixed violations: remove them from KNOWN in tests/layers.rs:\n{}",
        fixed.join("\n")
    );
}

/// The submodules `code` (a `mod.rs` after [`code_only`]) declares with any `pub` visibility
/// (`pub mod x;`, `pub(crate) mod x { … }`, after attributes on the same line).
fn public_submodules(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in code.lines() {
        let mut rest = line.trim_start();
        while rest.starts_with("#[") {
            let Some(end) = rest.find(']') else { break };
            rest = rest[end + 1..].trim_start();
        }
        let Some(after) = rest.strip_prefix("pub") else {
            continue;
        };
        let mut after = after.trim_start();
        if after.starts_with('(') {
            let Some(end) = after.find(')') else { continue };
            after = after[end + 1..].trim_start();
        }
        if let Some(name) = after.strip_prefix("mod ") {
            out.push(ident_at(name.trim_start().as_bytes(), 0).unwrap_or_default());
        }
    }
    out
}

/// Issue 18 item 2: each phase module is private behind the one `pub use` block of its
/// `mod.rs`: no submodule of a phase is public, so the phase's face is that list.
#[test]
fn a_phases_submodules_are_private() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut public = Vec::new();
    for phase in PHASES {
        let path = root.join("src").join(phase).join("mod.rs");
        let text = std::fs::read_to_string(&path).expect("every phase is a directory with mod.rs");
        for name in public_submodules(&code_only(&text)) {
            public.push(format!("src/{phase}/mod.rs: {name}"));
        }
    }
    assert!(
        public.is_empty(),
        "a phase's submodules are private (`mod`); name what outside users need in the \
         phase's `pub use` block instead (ARCHITECTURE.md):\n{}",
        public.join("\n")
    );
    let sample =
        "mod a;\npub mod b;\n#[cfg(test)] pub(crate) mod c {}\npub use d::e;\n// pub mod f;\n";
    assert_eq!(public_submodules(&code_only(sample)), ["b", "c"]);
}

#[test]
fn the_scanner_reads_paths_groups_and_skips_comments_and_strings() {
    let src = r##"
        use crate::runtime::types::Diagnostic;
        use crate::{
            budget::SpendTracker,
            host::{Host, join_path},
            self,
        };
        // use crate::cli::run;
        /* crate::bindings */
        let s = "crate::config";
        let r = r#"crate::coordinator"#;
        let c = '"'; let l: &'static str = x;
        fn f() { crate :: shell::evaluate(); my_crate::json::x(); }
    "##;
    let got = crate_imports(&code_only(src));
    let names: Vec<&str> = got.keys().map(String::as_str).collect();
    assert_eq!(names, ["budget", "host", "runtime", "shell"]);
    assert!(!allowed("budget", "runtime"));
    assert!(!allowed("budget", "compaction"));
    assert!(!allowed("budget", "config"));
    assert!(allowed("budget", "host"));
    assert!(allowed("budget", "budget"));
    assert!(!allowed("host", "shell"));
    assert!(!allowed("json", "runtime"));
    assert!(allowed("runtime", "shell"));
}
