//! Issue 16 item 1: option grammars as data (unit tests: they read the grammar tables, which
//! are private to phase 4). Every option of every grammar is built in
//! every spelling the grammar allows (short separate, short attached, clustered, long `=`,
//! long separate, each unambiguous GNU prefix, single-dash long, after `--`), generated from
//! the tables, and checked against the parser and against the verdict: an option that
//! writes, runs, changes state or hides the program is never allowed in any spelling.

use super::table::GRAMMARS;
use crate::shell::grammar::{self, Effect, Grammar, Role, Value};
use crate::shell::semantic::Arg;
use crate::shell::{evaluate, BashSecurityConfig, EvalContext, Os, Verdict};

/// The grammar's own verdicts: with the workspace tier (issue 16 item 5) off, so that a
/// writer such as `sed -i` shows as "not read-only" instead of being lifted as a workspace
/// write (tests/shell_workspace.rs covers the tier).
fn grammar_cfg() -> BashSecurityConfig {
    BashSecurityConfig {
        workspace_writes: crate::shell::WorkspaceWrites::Ask,
        ..BashSecurityConfig::default()
    }
}

fn ctx() -> EvalContext {
    EvalContext {
        home: "/home/u".into(),
        cwd: "/home/u/ws".into(),
        workspace: "/home/u/ws".into(),
        os: Os::Linux,
        ..Default::default()
    }
}

fn arg(s: &str) -> Arg {
    Arg {
        value: Some(s.into()),
        span: Default::default(),
        plain: true,
        glob: false,
        substitution: false,
        param: false,
        brace: false,
    }
}

fn args(words: &[String]) -> Vec<Arg> {
    words.iter().map(|w| arg(w)).collect()
}

/// How an option takes values, read back from the table text.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Flag,
    Required,
    Optional,
    Two,
    UntilSemicolon,
}

fn shorts(g: &Grammar) -> Vec<(char, Kind)> {
    let b: Vec<char> = g.short.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        i += 1;
        if c == ':' {
            continue;
        }
        let kind = if b.get(i) == Some(&':') && b.get(i + 1) == Some(&':') {
            Kind::Optional
        } else if b.get(i) == Some(&':') {
            Kind::Required
        } else {
            Kind::Flag
        };
        out.push((c, kind));
    }
    out
}

fn longs(g: &Grammar) -> Vec<(&'static str, Kind)> {
    grammar::longs(g)
        .map(|e| {
            if let Some(n) = e.strip_suffix(';') {
                (n, Kind::UntilSemicolon)
            } else if let Some(n) = e.strip_suffix("==") {
                (n, Kind::Two)
            } else if let Some(n) = e.strip_suffix('=') {
                (n, Kind::Required)
            } else if let Some(n) = e.strip_suffix('?') {
                (n, Kind::Optional)
            } else {
                (e, Kind::Flag)
            }
        })
        .collect()
}

/// One spelling: the words, the canonical name expected, and the value expected.
struct Spelling {
    words: Vec<String>,
    name: String,
    value: Option<&'static str>,
}

const V: &str = "1";

fn spellings(g: &Grammar) -> Vec<Spelling> {
    let mut out = Vec::new();
    let flag_other = shorts(g)
        .into_iter()
        .find(|(_, k)| *k == Kind::Flag)
        .map(|(c, _)| c);
    for (c, kind) in shorts(g) {
        // With single-dash long options, `-a` may name a long option by prefix (xxd reads
        // `-a` as `-autoskip`): those letters are tested through the long spellings.
        if g.single_dash_long && longs(g).iter().any(|(n, _)| n.starts_with(c)) {
            continue;
        }
        let name = c.to_string();
        let s = |words: Vec<String>, value| Spelling {
            words,
            name: name.clone(),
            value,
        };
        match kind {
            Kind::Flag => {
                out.push(s(vec![format!("-{c}")], None));
                if g.cluster {
                    if let Some(o) = flag_other.filter(|o| *o != c) {
                        out.push(s(vec![format!("-{o}{c}")], None));
                        out.push(s(vec![format!("-{c}{o}")], None));
                    }
                }
            }
            Kind::Required | Kind::Two | Kind::UntilSemicolon => {
                out.push(s(vec![format!("-{c}"), V.into()], Some(V)));
                if g.cluster {
                    out.push(s(vec![format!("-{c}{V}")], Some(V)));
                    if let Some(o) = flag_other.filter(|o| *o != c) {
                        out.push(s(vec![format!("-{o}{c}"), V.into()], Some(V)));
                        out.push(s(vec![format!("-{o}{c}{V}")], Some(V)));
                    }
                }
            }
            Kind::Optional => {
                out.push(s(vec![format!("-{c}")], None));
                out.push(s(vec![format!("-{c}{V}")], Some(V)));
            }
        }
    }
    let dashes: &[&str] = if g.single_dash_long {
        &["-", "--"]
    } else {
        &["--"]
    };
    for (name, kind) in longs(g) {
        for d in dashes {
            // The one-letter single-dash forms of find (`-a`, `-o`) are those names only.
            for p in grammar::long_spellings(g, name) {
                if *d == "-" && p.len() == 1 && p != name {
                    continue;
                }
                let s = |words: Vec<String>, value| Spelling {
                    words,
                    name: name.to_string(),
                    value,
                };
                match kind {
                    Kind::Flag => out.push(s(vec![format!("{d}{p}")], None)),
                    Kind::Required => {
                        out.push(s(vec![format!("{d}{p}={V}")], Some(V)));
                        out.push(s(vec![format!("{d}{p}"), V.into()], Some(V)));
                    }
                    Kind::Optional => {
                        out.push(s(vec![format!("{d}{p}")], None));
                        out.push(s(vec![format!("{d}{p}={V}")], Some(V)));
                    }
                    Kind::Two => {
                        out.push(s(vec![format!("{d}{p}"), V.into(), "2".into()], Some(V)))
                    }
                    Kind::UntilSemicolon => out.push(s(
                        vec![format!("{d}{p}"), "echo".into(), "{}".into(), ";".into()],
                        Some("echo"),
                    )),
                }
            }
        }
    }
    out
}

/// Grammars with no operand roles that need more than plain files.
fn operand_for(g: &Grammar) -> &'static str {
    match g.roles.first() {
        Some(Role::Program) => "p",
        _ => "f",
    }
}

#[test]
fn every_option_parses_in_every_spelling() {
    let mut checked = 0;
    for g in GRAMMARS {
        for sp in spellings(g) {
            let mut words = sp.words.clone();
            words.push(operand_for(g).into());
            let a = args(&words);
            let p =
                grammar::parse(g, &a).unwrap_or_else(|e| panic!("{:?} {:?}: {e}", g.names, words));
            let o = p
                .options
                .iter()
                .find(|o| o.name == sp.name)
                .unwrap_or_else(|| {
                    panic!("{:?} {:?}: no option {} in {p:?}", g.names, words, sp.name)
                });
            match sp.value {
                Some(v) => assert_eq!(o.value, Value::Known(v), "{:?} {words:?}", g.names),
                None => assert_eq!(o.value, Value::None, "{:?} {words:?}", g.names),
            }
            assert_eq!(o.effect, grammar::effect_of(g, sp.name.as_str()));
            // The trailing operand stays an operand (unless a program option replaced it).
            assert!(
                p.operands
                    .iter()
                    .any(|(x, _)| x.value.as_deref() == Some(operand_for(g))),
                "{:?} {words:?}: {p:?}",
                g.names
            );
            // After `--` the same words are operands, never options.
            let mut after = vec!["--".to_string()];
            after.extend(sp.words.iter().cloned());
            let a2 = args(&after);
            if let Ok(p2) = grammar::parse(g, &a2) {
                assert!(p2.options.is_empty(), "{:?} {after:?}: {p2:?}", g.names);
            }
            checked += 1;
        }
    }
    assert!(checked > 1500, "{checked}");
}

#[test]
fn unknown_and_ambiguous_options_are_errors() {
    for g in GRAMMARS {
        let a = args(&["--zz-not-an-option".to_string(), "f".to_string()]);
        assert!(grammar::parse(g, &a).is_err(), "{:?}", g.names);
        let taken = |c: char| {
            g.short.contains(c)
                || (g.single_dash_long && longs(g).iter().any(|(n, _)| n.starts_with(c)))
        };
        let free = ('A'..='Z').chain('a'..='z').find(|c| !taken(*c));
        if let Some(c) = free {
            let a = args(&[format!("-{c}"), "f".to_string()]);
            assert!(grammar::parse(g, &a).is_err(), "{:?} -{c}", g.names);
        }
    }
    let sort = grammar::grammar("sort").unwrap();
    // `--s` is ambiguous (sort, stable, …): an error, not a guess.
    assert!(matches!(
        grammar::parse(sort, &args(&["--s".to_string()])),
        Err(grammar::ParseError::Ambiguous(_))
    ));
}

/// The command line a spelling becomes, for grammars reachable as a command.
fn command_line(g: &Grammar, sp: &Spelling) -> Option<String> {
    let name = *g.names.first()?;
    let mut words: Vec<String> = name.split(' ').map(str::to_string).collect();
    words.extend(sp.words.iter().map(|w| {
        if w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-=_.,:+/".contains(c))
        {
            w.clone()
        } else {
            format!("'{}'", w.replace('\'', "'\\''"))
        }
    }));
    words.push(operand_for(g).into());
    Some(words.join(" "))
}

#[test]
fn options_that_do_more_than_read_are_never_allowed_in_any_spelling() {
    let cfg = grammar_cfg();
    let mut checked = 0;
    for g in GRAMMARS {
        for sp in spellings(g) {
            let effect = grammar::effect_of(g, sp.name.as_str());
            if effect.read_only() {
                continue;
            }
            let Some(line) = command_line(g, &sp) else {
                continue;
            };
            let e = evaluate(&line, &ctx(), &cfg);
            assert_ne!(e.verdict, Verdict::Allow, "{line}: {effect:?} → {e:?}");
            checked += 1;
        }
    }
    assert!(checked > 150, "{checked}");
}

/// Simple read-only commands: every read-only option in every spelling stays allowed.
#[test]
fn read_only_options_of_plain_commands_are_allowed_in_every_spelling() {
    // Commands whose verdict also depends on operands or subcommands are covered by
    // their own tests.
    const SPECIAL: &[&str] = &[
        "date",
        "hostname",
        "git",
        "git clean",
        "find",
        "printf",
        "xxd",
        "uniq",
        "base64",
        "tar",
        "unzip",
        "command",
        "man",
        "lsof",
        "pip list",
        "pip show",
        "npm ls",
        "docker compose",
        "docker compose ps",
        "docker compose logs",
        "openssl x509",
        "python -m json.tool",
        "tail",
        "sleep",
        "seq",
        "yq",
        "jq",
        "whereis",
        "sed",
        "awk",
        "rg",
        "type",
        "pwd",
        "true",
        "false",
        "dpkg query",
        "apt query",
        "jobs",
    ];
    let cfg = grammar_cfg();
    let mut checked = 0;
    for g in GRAMMARS {
        let Some(name) = g.names.first() else {
            continue;
        };
        if SPECIAL.contains(name) {
            continue;
        }
        for sp in spellings(g) {
            let effect = grammar::effect_of(g, sp.name.as_str());
            if !effect.read_only() || matches!(sp.name.as_str(), "help" | "version") {
                continue;
            }
            let Some(line) = command_line(g, &sp) else {
                continue;
            };
            let e = evaluate(&line, &ctx(), &cfg);
            assert_eq!(e.verdict, Verdict::Allow, "{line}: {e:?}");
            checked += 1;
        }
    }
    assert!(checked > 800, "{checked}");
}

#[test]
fn gnu_prefixes_of_dangerous_long_options_are_caught() {
    // Hold-out style: derived from the table, not from the issue's examples.
    for g in GRAMMARS {
        for (name, eff) in g.effects {
            if name.len() < 2 || matches!(eff, Effect::Read | Effect::Program) {
                continue;
            }
            for p in grammar::long_spellings(g, name) {
                let a = args(&[format!("--{p}=x"), "f".into()]);
                let a_sep = args(&[format!("--{p}"), "x".into(), "f".into()]);
                for a in [a, a_sep] {
                    if let Ok(parsed) = grammar::parse(g, &a) {
                        assert!(!parsed.read_only(), "{:?} --{p}: {parsed:?}", g.names);
                    }
                }
            }
        }
    }
}

#[test]
fn issue_examples_and_neighbours() {
    let cfg = grammar_cfg();
    let v = |c: &str| evaluate(c, &ctx(), &cfg);
    for c in [
        "sort --out ./src/main.rs keys.txt",
        "sort --outp=x y",
        "sort -ox y",
        "sort -rno x y",
        "sort --compress=gzip y",
        // The files a list names are read unseen (Kilo Code's read-only mode denies it).
        "sort --files0-from=list names.txt",
        "sort --files0=list x",
        "sort --temp /tmp y",
        "uniq a b",
        "base64 --out=x y",
        "rg --pre=cat x",
        "rg -z x",
        "sed -ni 's/a/b/' f",
        "sed -i.bak 's/a/b/' f",
        "sed --in-place=.bak 's/a/b/' f",
        "sed --in 's/a/b/' f",
        "sed -f script.sed f",
        "sed --fil=script.sed f",
        "awk -f prog.awk f",
        "awk --fi prog.awk f",
        "gawk -l ordchr 'BEGIN{}'",
        "gawk --load=x 'BEGIN{}'",
        "gawk -i inc 'BEGIN{}'",
        "jq -f prog.jq x",
        "jq --from-file prog.jq x",
        "jq -L /tmp 'import \"a\" as a; .'",
        "jq 'include \"a\"; .' x",
        "date -s 2020-01-01",
        "date --se=2020-01-01",
        "date 010101012020",
        "hostname evil",
        "hostname -F /etc/x",
        "tree -o out.txt",
        "file -S suspicious.bin",
        "file --no-sandbox x",
        "file -C -m magic",
        "xxd in out",
        "xxd -ps in out",
        "find . -fprint out",
        "find . -delete",
        "git -c core.pager=sh log",
        "git -c alias.x=!sh x",
        "git --exec-path=/tmp log",
        "git -p log",
        "git log --out=x",
        "git log --outp x",
        "git diff --ext",
        "git clean -f",
        "git clean -e n -f",
        "tar -xf a.tar",
        "tar -tf host:a.tar",
        "tar -t",
        "unzip a.zip",
        "unzip -o a.zip",
        "pip list --outdated",
        "pip list -o",
        "pip install x",
        "openssl x509 -in a.pem -out b.pem",
        "openssl x509 -in a.pem -text",
        "python -m json.tool in.json out.json",
        "man -P sh ls",
        "man --pager=sh ls",
        "man ls",
        "ss -K dst 1.2.3.4",
        "lsof -D b",
        "ls --colr",
        "ls -la --zz",
        "arch -x86_64 sh",
    ] {
        let e = v(c);
        assert_ne!(e.verdict, Verdict::Allow, "{c}: {e:?}");
    }
    for c in [
        "sort -k2 -t, -n x",
        "sort --key=2 --field-sep=, x",
        "sort -u x | uniq -c",
        "head -5 x",
        "head -n5 x",
        "tail -n +3 x",
        "fold -b16 x",
        "grep -rn --include='*.rs' foo .",
        "grep -A3 -B 2 --col=never foo x",
        "rg -n -g '*.rs' foo",
        "ls -la --color=auto",
        "ls --sort=time -r",
        "date -d @1473305798",
        "date -u +%s",
        "cut -d: -f1 /etc/group",
        "xxd -c 10 x",
        "uniq -c x",
        "hostname -I",
        "find . -name '*.py' -not -path './.git/*' -print0",
        "find . -type f -exec grep -l x {} +",
        "find . -type f -exec echo {} \\; -exec wc -l {} \\;",
        "awk -F , '{print $1}' f",
        "awk -v x=1 'NR > x {print}' f",
        "awk 'NR >= 927 && NR <= 970' f",
        "sed -n '1,5p' f",
        "sed -e 's/a/b/' -e '/x/d' f",
        "jq -r '.a[] | .b' x.json",
        "jq --arg k v '.[$k]' x.json",
        "git -C sub log --oneline",
        "git --no-pager -c color.ui=never diff",
        "git --git-dir=.git --work-tree=. status",
        "git clean -n",
        "git clean --dry-run -d",
        "git log --oneline -5",
        "tar -tzf a.tgz",
        "tar --list --file=a.tar",
        "unzip -l a.zip",
        "pip list",
        "pip3 show requests",
        "pip freeze",
        "npm ls --depth 0",
        "docker compose ps",
        "docker compose logs -n 50 web",
        "docker ps",
        "openssl x509 -in a.pem -noout -subject -dates",
        "python3 --version",
        "python -V",
        "node -v",
        "go version",
        "command -v git",
        "type -a ls",
        "man -k ssh",
        "man ls | head",
        "numfmt --to=iec 2048",
        "ss -tlnp",
        "netstat -tulpn",
        "lsof -i :8080",
        "bash -lc 'ls | wc -l'",
        "sh -c 'git status'",
        "fd -e py",
        "fd -H -t f config src",
        "fdfind --max-depth 2 -l",
        "printenv PATH",
    ] {
        let e = v(c);
        assert_eq!(e.verdict, Verdict::Allow, "{c}: {e:?}");
    }
    // fd's `-x`/`-X` run a command per result; an option fd does not have fails closed.
    for c in [
        "fd -x rm {}",
        "fd -e py -X cat",
        "fd --exec-batch ls",
        "fd --bogus",
        "fd --hid",
    ] {
        assert_ne!(v(c).verdict, Verdict::Allow, "{c}");
    }
    // `python -m` imports from the cwd first, so item 7's `python -m json.tool` is read-only
    // once the Host found no standard-named module there (tests/shell_workspace.rs).
    let clean = crate::shell::EvalContext {
        module_shadow: crate::shell::ModuleShadow::None,
        ..ctx()
    };
    let e = evaluate("python3 -m json.tool x.json", &clean, &cfg);
    assert_eq!(e.verdict, Verdict::Allow, "{e:?}");
    assert_eq!(v("python3 -m json.tool x.json").verdict, Verdict::Ask);
}

#[test]
fn unknown_options_ask_with_their_own_code() {
    let e = evaluate("ls -la --zz", &ctx(), &grammar_cfg());
    assert_eq!(e.verdict, Verdict::Ask);
    assert_eq!(e.reason, "exec.ask.unknown_option");
}

/// Package queries, binary inspection and `jobs` (issue 16 item 7's read-only gaps, found
/// in agents' environment checks): the listings are read-only; installs, config overrides,
/// response files, plugins and `jobs -x` are not.
#[test]
fn package_queries_binary_inspection_and_jobs() {
    let cfg = grammar_cfg();
    let v = |c: &str| evaluate(c, &ctx(), &cfg);
    for c in [
        "dpkg -l | grep python",
        "dpkg -l --no-pager",
        "dpkg -L python3",
        "dpkg -s curl",
        "dpkg --get-selections",
        "dpkg-query -W -f='${Package}\\n' | head",
        "apt list --installed 2>/dev/null | head",
        "apt show curl",
        "apt-cache policy python3",
        "apt-cache search --names-only libssl",
        "readelf -h prog",
        "readelf -a -W libx.a | grep Class:",
        "objdump -d prog | head -50",
        "objdump --disassemble=main -M intel prog",
        "nm -C --size-sort prog",
        "size -A prog",
        "jobs",
        "jobs -l",
        "jobs -p %1",
    ] {
        let e = v(c);
        assert_eq!(e.verdict, Verdict::Allow, "{c}: {e:?}");
    }
    for c in [
        // dpkg's list pages into less (whose `!` runs commands) when not piped.
        "dpkg -l",
        "dpkg -i x.deb",
        "dpkg --purge x",
        "dpkg --admindir=/tmp/x -l | cat",
        "apt install curl",
        "apt -o APT::Update::Pre-Invoke::=id list",
        "apt-cache -c /tmp/apt.conf show x",
        "apt-cache gencache",
        "nm --plugin /tmp/x.so prog",
        "nm @opts prog",
        "readelf -a @/tmp/args",
        "objdump --bogus prog",
        "jobs -x rm -rf ~",
        "jobs name",
    ] {
        assert_ne!(v(c).verdict, Verdict::Allow, "{c}");
    }
}

/// System-information commands agents run to learn their machine (issue 16 item 7): the
/// printing forms are read-only; the forms that set, clear, page into less, read another
/// file or run a program are not (several are GTFOBins entries).
#[test]
fn system_information_commands() {
    let cfg = grammar_cfg();
    let v = |c: &str| evaluate(c, &ctx(), &cfg);
    for c in [
        "locale",
        "locale -a",
        "getconf LONG_BIT",
        "getconf -a",
        "lsb_release -a",
        "hostnamectl",
        "timedatectl status",
        "timedatectl list-timezones | grep Europe",
        "lspci -k",
        "lsusb -t",
        "vmstat 1 3",
        "iostat -x 2 5",
        "mpstat -P 0 2 5",
        "top -bn1 | head -20",
        "top -b -n 1 -u abc",
        "w",
        "who am i",
        "last -n 5",
        "pidof -s node",
        "pstree -p",
        "dmesg | tail",
        "dmesg -T --level=err",
        "tput cols",
        "stty size",
        "ulimit -a",
        "ulimit -Hn",
        "ip addr",
        "ip -br a",
        "ip -4 addr show dev eth0",
        "ip route",
        "ip r get 1.1.1.1",
        "ifconfig",
        "ifconfig eth0",
        "service nginx status",
        "getent passwd root",
        "nvidia-smi",
        "nvidia-smi --query-gpu=name,memory.used --format=csv",
        "openssl version -a",
        "go env GOPATH",
        "conda env list",
        "pyenv versions",
        "gem list",
        "terraform version",
        "git check-ignore -v node_modules",
        "git check-attr -a src/a.ts",
    ] {
        let e = v(c);
        assert_eq!(e.verdict, Verdict::Allow, "{c}: {e:?}");
    }
    for c in [
        "locale --bogus",
        // Kernel modules are container-escape reconnaissance to a peer suite (noexec): ask.
        "lsmod",
        "hostnamectl set-hostname x",
        "timedatectl set-time 12:00",
        "timedatectl list-timezones",
        "top",
        "top -n 1",
        "dmesg -H",
        "dmesg -c",
        "dmesg -rF /tmp/x",
        "last -f /tmp/x",
        "tput reset",
        "stty raw",
        "stty -echo",
        "ulimit -n 100",
        "ip addr add 10.0.0.2/24 dev eth0",
        "ip link set eth0 down",
        "ip route flush table main",
        "ip netns exec x sh",
        "ip -batch cmds.txt",
        "ip -force -batch /tmp/x",
        "ifconfig eth0 down",
        "ifconfig eth0 10.0.0.2",
        "service ../../bin/sh status",
        "service nginx restart",
        "getent shadow",
        "getent hosts example.com",
        "nvidia-smi -pm 1",
        "nvidia-smi --gpu-reset",
        "conda info",
        "pip config list",
        "go env -w GOPROXY=x",
        "ifconfig $IF",
    ] {
        assert_ne!(v(c).verdict, Verdict::Allow, "{c}");
    }
}
