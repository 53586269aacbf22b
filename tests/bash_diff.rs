//! Parser differentials against the real GNU bash (spec/phase4-bash-security.md P4-R23 b, c).
//!
//! (b) Syntax: for every corpus line, our accept/reject must equal bash's. bash checks the
//! lines in two long-running processes: for each line a forked subshell runs
//! `eval $'set -n\n'"$line"` — after `set -n` (the `-n` of `bash -n`) bash parses the rest of
//! the string and executes nothing. A sample is cross-checked against `bash -n -c` itself.
//! (c) argv: for corpus lines we read as plain words (one simple command, every word static
//! after quote removal and brace expansion, no redirection), and for generated harmless
//! commands covering quotes, escapes, ANSI-C, continuations and brace expansion, our static
//! argv must equal what bash prints when the command word is replaced by `printf '%s\0'`.
//! That runs in a restricted bash (`bash -r`, `PATH` empty, inside a temporary directory),
//! each command in its own subshell via `eval`.
//!
//! Reviewed disagreements are listed in `tests/fixtures/bash_syntax_exceptions.txt` and
//! `tests/fixtures/bash_argv_exceptions.txt` (`id<TAB>reason[<TAB>command]`). A missing
//! bash ≥ 5.1 fails with a message; it is never a silent skip.

use super::corpus::{jsonl_corpus, par_map, show, text_corpus};
use agent_ops::shell::{parse, Command, ParseLimits};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

// ---------------------------------------------------------------------------------------
// bash and temporary directories

/// `AGENT_OPS_BASH`, else `bash` resolved on `PATH` to an absolute path (the bash
/// processes run with an empty `PATH`).
fn bash_path() -> String {
    if let Ok(b) = std::env::var("AGENT_OPS_BASH") {
        return b;
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join("bash"))
        .find(|p| p.is_file())
        .map_or_else(|| "bash".into(), |p| p.display().to_string())
}

/// Checks that GNU bash ≥ 5.1 is installed; fails the test otherwise.
fn require_bash() -> String {
    let bash = bash_path();
    let out = std::process::Command::new(&bash)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "P4-R23: the bash differential needs GNU bash ≥ 5.1, but `{bash} --version` failed \
                 ({e}). Install bash (or set AGENT_OPS_BASH); this test never skips."
            )
        });
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text
        .split("version ")
        .nth(1)
        .and_then(|v| {
            let mut it = v.split(|c: char| !c.is_ascii_digit());
            Some((
                it.next()?.parse::<u32>().ok()?,
                it.next()?.parse::<u32>().ok()?,
            ))
        })
        .unwrap_or_else(|| panic!("P4-R23: `{bash} --version` is not GNU bash: {text}"));
    assert!(
        text.contains("GNU bash") && version >= (5, 1),
        "P4-R23: the bash differential needs GNU bash ≥ 5.1; found {version:?}: {text}"
    );
    bash
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p =
            std::env::temp_dir().join(format!("agent-ops-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `bash [args] script` in `dir` with a minimal environment; returns stdout.
fn run_bash(bash: &str, args: &[&str], script: &Path, dir: &Path, stdin: &[u8]) -> Vec<u8> {
    let empty_path = dir.join("empty-path");
    std::fs::create_dir_all(&empty_path).unwrap();
    let mut child = std::process::Command::new(bash)
        .args(args)
        .arg(script)
        .current_dir(dir)
        .env_clear()
        .env("PATH", &empty_path)
        .env("HOME", dir)
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bash}: {e}"));
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out.stdout
}

/// Encodes bytes as a bash ANSI-C string `$'…'` (only safe ASCII kept as is).
fn ansi_c(s: &str) -> String {
    let mut out = String::from("$'");
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b" -_./,:=+@%^".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('\'');
    out
}

// ---------------------------------------------------------------------------------------
// Corpus lines

/// Every corpus line as (`corpus:line`, command).
fn corpus_lines() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for name in ["tldr.txt", "nl2bash.txt"] {
        for (i, l) in text_corpus(name).into_iter().enumerate() {
            out.push((format!("{}:{}", stem(name), i + 1), l));
        }
    }
    for name in ["gtfobins.jsonl", "peer_cases.jsonl"] {
        for (i, row) in jsonl_corpus(name).into_iter().enumerate() {
            let cmd = row
                .get("command")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned();
            out.push((format!("{}:{}", stem(name), i + 1), cmd));
        }
    }
    out
}

fn stem(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// Reviewed exceptions: id → reason. Lines `id<TAB>reason[<TAB>command]`, `#` comments.
fn exceptions(file: &str) -> BTreeMap<String, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} cannot be read: {e}", path.display()));
    let mut map = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, '\t');
        let id = parts.next().unwrap_or_default().trim().to_owned();
        let reason = parts.next().unwrap_or_default().trim().to_owned();
        assert!(
            !id.is_empty() && !reason.is_empty(),
            "{} line {}: every exception needs an id and a reason",
            path.display(),
            n + 1
        );
        map.insert(id, reason);
    }
    map
}

// ---------------------------------------------------------------------------------------
// (b) syntax differential

/// bash's accept/reject for each command (`None`: not checkable, e.g. a NUL byte).
fn bash_accepts(bash: &str, cmds: &[&str]) -> Vec<Option<bool>> {
    let dir = TempDir::new("bash-n");
    let script = dir.0.join("check.sh");
    std::fs::write(
        &script,
        "while IFS= read -r -d '' __l; do\n  ( eval $'set -n\\n'\"$__l\" ) </dev/null\n  printf '%d\\n' \"$?\"\ndone\n",
    )
    .unwrap();
    let checkable: Vec<(usize, &str)> = cmds
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.contains('\0'))
        .map(|(i, c)| (i, *c))
        .collect();
    let n_chunks = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4);
    let chunk = checkable.len().div_ceil(n_chunks).max(1);
    let chunks: Vec<&[(usize, &str)]> = checkable.chunks(chunk).collect();
    let results = par_map(&chunks, |part| {
        let mut input = Vec::new();
        for (_, c) in part.iter() {
            input.extend_from_slice(c.as_bytes());
            input.push(0);
        }
        let out = run_bash(bash, &[], &script, &dir.0, &input);
        let codes: Vec<bool> = String::from_utf8_lossy(&out)
            .lines()
            .map(|l| l.trim() == "0")
            .collect();
        assert_eq!(
            codes.len(),
            part.len(),
            "the bash syntax driver answered {} of {} lines",
            codes.len(),
            part.len()
        );
        codes
    });
    let mut out = vec![None; cmds.len()];
    for ((i, _), ok) in checkable.iter().zip(results.into_iter().flatten()) {
        out[*i] = Some(ok);
    }
    out
}

/// `bash -n -c CMD` itself, for cross-checking the driver.
fn bash_n(bash: &str, cmd: &str, dir: &Path) -> bool {
    std::process::Command::new(bash)
        .args(["-n", "-c", cmd])
        .current_dir(dir)
        .env_clear()
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn verdict_word(ok: bool) -> &'static str {
    if ok {
        "accept"
    } else {
        "reject"
    }
}

#[test]
fn syntax_differential_against_bash_n() {
    let bash = require_bash();
    let lines = corpus_lines();
    let cmds: Vec<&str> = lines.iter().map(|(_, c)| c.as_str()).collect();
    let ours = par_map(&cmds, |c| parse(c, &ParseLimits::default()).error.is_none());
    let theirs = bash_accepts(&bash, &cmds);
    let exc = exceptions("bash_syntax_exceptions.txt");

    let mut compared = 0usize;
    let mut agree = 0usize;
    let mut unexplained = String::new();
    let mut explained = 0usize;
    let mut disagreements = Vec::new();
    for (((id, cmd), o), t) in lines.iter().zip(&ours).zip(&theirs) {
        let Some(t) = t else { continue };
        compared += 1;
        if o == t {
            agree += 1;
            continue;
        }
        disagreements.push(id.clone());
        if exc.contains_key(id) {
            explained += 1;
        } else {
            let _ = writeln!(
                unexplained,
                "{id}\tours {} / bash {}\t{}",
                verdict_word(*o),
                verdict_word(*t),
                show(cmd)
            );
        }
    }
    let stale: Vec<&String> = exc.keys().filter(|k| !disagreements.contains(k)).collect();

    // Cross-check the fast driver against `bash -n -c` on a spread sample and on every
    // disagreement (at most 200 lines in all).
    let dir = TempDir::new("bash-n-check");
    let mut sample: Vec<usize> = (0..lines.len()).step_by(400).collect();
    sample.extend(
        lines
            .iter()
            .enumerate()
            .filter(|(_, (id, _))| disagreements.contains(id))
            .map(|(i, _)| i)
            .take(100),
    );
    let cross = par_map(&sample, |&i| {
        let c = cmds[i];
        (
            i,
            theirs[i],
            (!c.contains('\0')).then(|| bash_n(&bash, c, &dir.0)),
        )
    });
    let driver_wrong: Vec<String> = cross
        .iter()
        .filter(|(_, a, b)| b.is_some() && a != b)
        .map(|(i, a, b)| {
            format!(
                "{} driver {a:?} vs bash -n {b:?}: {}",
                lines[*i].0,
                show(cmds[*i])
            )
        })
        .collect();

    println!(
        "syntax differential (P4-R23 b): {compared} lines, agreement {agree}/{compared} = {:.2} %, \
         {} disagreements ({explained} reviewed exceptions, {} unexplained), {} stale exceptions, \
         driver cross-checked on {} lines",
        100.0 * agree as f64 / compared.max(1) as f64,
        disagreements.len(),
        disagreements.len() - explained,
        stale.len(),
        cross.len()
    );
    if !stale.is_empty() {
        println!("exceptions that no longer disagree (remove them): {stale:?}");
    }
    assert!(
        driver_wrong.is_empty(),
        "the eval/set -n driver disagrees with bash -n:\n{}",
        driver_wrong.join("\n")
    );
    assert!(
        unexplained.is_empty(),
        "our parser and bash -n disagree on these lines; fix the parser or add a reviewed \
         entry (id<TAB>reason) to tests/fixtures/bash_syntax_exceptions.txt:\n{unexplained}"
    );
}

// ---------------------------------------------------------------------------------------
// (c) argv differential

/// Our static argv of `cmd` when it is one simple command of literal words (brace
/// expansion allowed): `(start of the first argument, argv without the command word)`.
fn static_argv(cmd: &str) -> Option<(usize, Vec<String>)> {
    let p = parse(cmd, &ParseLimits::default());
    if p.error.is_some() {
        return None;
    }
    let [item] = p.script.list.items.as_slice() else {
        return None;
    };
    let pl = &item.and_or.first;
    if !item.and_or.rest.is_empty() || pl.time.is_some() || !pl.bangs.is_empty() {
        return None;
    }
    if item
        .terminator
        .is_some_and(|t| matches!(t.kind, agent_ops::shell::TerminatorKind::Amp))
    {
        return None;
    }
    let [Command::Simple(sc)] = pl.commands.as_slice() else {
        return None;
    };
    if !sc.assignments.is_empty() || !sc.redirections.is_empty() {
        return None;
    }
    let (w0, rest) = sc.words.split_first()?;
    for e in w0.brace_expand(1024).ok()? {
        e.literal_value()?;
    }
    let mut argv = Vec::new();
    for w in rest {
        for e in w.brace_expand(1024).ok()? {
            argv.push(e.literal_value()?);
        }
    }
    Some((w0.span.end as usize, argv))
}

/// One argv case: id, the command text, bash text, our argv.
struct ArgvCase {
    id: String,
    cmd: String,
    bash_text: String,
    ours: Vec<String>,
}

const SENTINEL: &str = "ARGV";

fn argv_case(id: String, cmd: &str) -> Option<ArgvCase> {
    let (after_name, ours) = static_argv(cmd)?;
    if ours
        .iter()
        .any(|a| a.contains('\0') || a.contains('\u{1e}'))
    {
        return None;
    }
    let tail = cmd.get(after_name..)?;
    Some(ArgvCase {
        id,
        cmd: cmd.to_owned(),
        bash_text: format!("printf '%s\\0' {SENTINEL}{tail}"),
        ours,
    })
}

/// Runs the cases in restricted bash; returns each case's argv (without the sentinel).
fn bash_argvs(bash: &str, cases: &[ArgvCase]) -> Vec<Option<Vec<String>>> {
    let dir = TempDir::new("bash-argv");
    let n_chunks = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4);
    let chunk = cases.len().div_ceil(n_chunks).max(1);
    let chunks: Vec<(usize, &[ArgvCase])> = cases.chunks(chunk).enumerate().collect();
    let outs = par_map(&chunks, |(k, part)| {
        let script = dir.0.join(format!("argv{k}.sh"));
        let mut s = String::new();
        for c in part.iter() {
            let _ = writeln!(s, "( eval {} )\nprintf '\\036'", ansi_c(&c.bash_text));
        }
        std::fs::write(&script, s).unwrap();
        let out = run_bash(bash, &["-r"], &script, &dir.0, b"");
        let records: Vec<Option<Vec<String>>> = out
            .split(|b| *b == 0x1e)
            .take(part.len())
            .map(|rec| {
                let mut fields: Vec<String> = rec
                    .split(|b| *b == 0)
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                // printf '%s\0' ends every argument with NUL: drop the empty tail.
                if fields.last().is_some_and(String::is_empty) {
                    fields.pop();
                }
                (fields.first().map(String::as_str) == Some(SENTINEL)).then(|| fields.split_off(1))
            })
            .collect();
        records
    });
    let mut all: Vec<Option<Vec<String>>> = outs.into_iter().flatten().collect();
    all.resize(cases.len(), None);
    all
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// Plain words of the tldr corpus (letters, digits, `. _ / - : , =`), deduplicated.
fn corpus_words() -> Vec<String> {
    let mut words: Vec<String> = text_corpus("tldr.txt")
        .iter()
        .flat_map(|l| l.split(' ').map(str::to_owned).collect::<Vec<_>>())
        .filter(|w| {
            (1..=24).contains(&w.len())
                && w.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._/-:,=".contains(&b))
                && !w.contains(',')
        })
        .collect();
    words.sort();
    words.dedup();
    words
}

/// One generated argument covering one quoting or expansion form.
fn gen_arg(r: &mut Rng, words: &[String]) -> String {
    let w = words[r.below(words.len())].as_str();
    let w2 = words[r.below(words.len())].as_str();
    match r.below(12) {
        0 => w.to_owned(),
        1 => {
            let inner = r.pick(&[
                " ", "$HOME", "; x", "| y", "&", "*", "`id`", "\"", "\\", "\\n", "#", "{a,b}", "~",
            ]);
            format!("'{w}{inner}{w2}'")
        }
        2 => {
            let inner = r.pick(&[
                "\\\"", "\\\\", "\\$", "\\`", "\\a", "\\n", "'", " ", "{a,b}", "*", "~", "\\\n",
                "\n",
            ]);
            format!("\"{w}{inner}{w2}\"")
        }
        3 => {
            let inner = r.pick(&[
                "\\ ", "\\;", "\\|", "\\&", "\\*", "\\?", "\\[", "\\a", "\\\\", "\\'", "\\\"",
                "\\$", "\\{", "\\}", "\\#", "\\~", "\\(", "\\<",
            ]);
            format!("{w}{inner}{w2}")
        }
        4 => {
            let esc = r.pick(&[
                "\\n",
                "\\t",
                "\\x41",
                "\\x7e",
                "\\101",
                "\\7",
                "\\0101",
                "\\u00e9",
                "\\u263a",
                "\\U0001F600",
                "\\cA",
                "\\ca",
                "\\c?",
                "\\e",
                "\\E",
                "\\a",
                "\\b",
                "\\f",
                "\\v",
                "\\r",
                "\\'",
                "\\\"",
                "\\\\",
                "\\?",
                "\\z",
                "\\x4g",
                "\\u",
                "\\x",
            ]);
            format!("$'{w}{esc}{w2}'")
        }
        5 => {
            // Line continuation inside or after a word.
            let cut = r.below(w.len() + 1);
            let (a, b) = w.split_at(cut.min(w.len()));
            format!("{a}\\\n{b}")
        }
        6 => {
            let b = r.pick(&[
                "{a,b,c}",
                "{1..5}",
                "{a..e}",
                "{1..10..3}",
                "{05..12..3}",
                "{-2..2}",
                "{z..u..2}",
                "{a,{b,c}d}",
                "{a,}",
                "{,x}",
                "{}",
                "{a}",
                "{a..}",
                "'{'a,b}",
                "{a,b",
                "\\{a,b}",
                "{\"a b\",c}",
                "{'x','y z'}",
                "{1..3}{a,b}",
                "{x..y..0}",
                "{A..C}",
                "{a,b\\,c}",
                "{9..7}",
                "{a..c..-1}",
                "x{,}",
                "{1..2..}",
                "{$'a\\tb',c}",
            ]);
            format!("{w}{b}{w2}")
        }
        7 => format!("$\"{w} {w2}\""),
        8 => format!("{w}=\"{w2}\""),
        9 => format!("'{w}'\"{w2}\"$'\\x2d'{w}"),
        10 => {
            let p = r.pick(&[
                "--", "-", "-x", "--opt=", "+", "=", "@", "%", "^", ":", "{", "}", "!",
            ]);
            format!("{p}{w}")
        }
        _ => format!("\"\"{w}''"),
    }
}

fn generated_cases(n: usize) -> Vec<(String, String)> {
    let words = corpus_words();
    assert!(words.len() > 100, "too few corpus words for the generator");
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    (0..n)
        .map(|i| {
            let k = 1 + r.below(4);
            let mut cmd = String::from("echo");
            for _ in 0..k {
                cmd.push(if r.below(8) == 0 { '\t' } else { ' ' });
                if r.below(10) == 0 {
                    cmd.push_str("\\\n");
                }
                cmd.push_str(&gen_arg(&mut r, &words));
            }
            match r.below(6) {
                0 => cmd.push_str(" # trailing comment"),
                1 => cmd.push(';'),
                _ => {}
            }
            (format!("gen:{}", i + 1), cmd)
        })
        .collect()
}

/// Compares our argv with bash's for `cases`; returns the report of unexplained
/// disagreements and prints the agreement rate.
fn compare_argv(bash: &str, label: &str, cases: &[ArgvCase]) -> String {
    let exc = exceptions("bash_argv_exceptions.txt");
    let theirs = bash_argvs(bash, cases);
    let mut report = String::new();
    let mut agree = 0;
    let mut excepted = 0;
    for (c, t) in cases.iter().zip(&theirs) {
        if t.as_ref() == Some(&c.ours) {
            agree += 1;
        } else if exc.contains_key(&c.id) {
            excepted += 1;
        } else {
            let _ = writeln!(
                report,
                "{}\tours {:?}\n\tbash {:?}\n\tcommand: {}",
                c.id,
                c.ours,
                t,
                show(&c.cmd)
            );
        }
    }
    println!(
        "argv differential (P4-R23 c), {label}: {agree}/{} = {:.2} % agree, {excepted} reviewed exceptions",
        cases.len(),
        100.0 * agree as f64 / cases.len().max(1) as f64
    );
    report
}

#[test]
fn argv_differential_corpus_lines() {
    let bash = require_bash();
    let cases: Vec<ArgvCase> = corpus_lines()
        .into_iter()
        .filter_map(|(id, c)| argv_case(id, &c))
        .collect();
    assert!(
        cases.len() > 1000,
        "only {} plain-word corpus lines",
        cases.len()
    );
    let report = compare_argv(&bash, "corpus lines read as plain words", &cases);
    assert!(
        report.is_empty(),
        "static argv differs from bash; fix the parser or add a reviewed entry \
         (id<TAB>reason) to tests/fixtures/bash_argv_exceptions.txt:\n{report}"
    );
}

#[test]
fn argv_differential_generated_commands() {
    let bash = require_bash();
    let src = generated_cases(800);
    let cases: Vec<ArgvCase> = src
        .iter()
        .filter_map(|(id, c)| argv_case(id.clone(), c))
        .collect();
    for (id, c) in src.iter().step_by(160) {
        println!("  example {id}: {}", show(c));
    }
    let not_plain: Vec<String> = src
        .iter()
        .filter(|(id, _)| !cases.iter().any(|g| &g.id == id))
        .map(|(id, c)| format!("{id}: {}", show(c)))
        .collect();
    println!(
        "{} of {} generated commands are not read as plain words by our parser{}",
        not_plain.len(),
        src.len(),
        if not_plain.is_empty() {
            String::new()
        } else {
            format!(": {not_plain:?}")
        }
    );
    let report = compare_argv(&bash, "generated commands", &cases);
    assert!(
        cases.len() >= 500,
        "only {} generated commands were comparable (need ≥ 500)",
        cases.len()
    );
    assert!(
        report.is_empty(),
        "static argv differs from bash; fix the parser or add a reviewed entry \
         (id<TAB>reason) to tests/fixtures/bash_argv_exceptions.txt:\n{report}"
    );
}
