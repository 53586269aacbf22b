//! Read-only forms of the system-information commands agents run to learn their machine
//! (issue 16 item 7: read-only gaps): `locale`, `getconf`, `lsb_release`, `ip addr`,
//! `ifconfig`, `top -b`, `vmstat`, `dmesg`, `who`, `service NAME status`, … Each entry
//! accepts only the forms that print: a verb, option or operand outside its list (one that
//! sets, clears, kills, reads a batch or config file, or waits for keys) leaves the command
//! to the ordinary rules, so an unknown form fails closed (ask).

use super::semantic::Arg;

/// `Some(true)` when `name args` only reads and prints, `Some(false)` when `name` is one of
/// these commands in a form that may do more, `None` when `name` is none of them.
pub(super) fn read_only(name: &str, args: &[Arg], piped_stdout: bool) -> Option<bool> {
    // Every word must be literal: a computed one could be any verb or option.
    if args.iter().any(|a| a.value.is_none()) {
        return table_name(name).then_some(false);
    }
    let t: Vec<&str> = args.iter().map(Arg::text).collect();
    Some(match name {
        // No options or only listing flags.
        "hostid" => t.is_empty(),
        "locale" => all_opts(&t, &["-a", "-m", "-c", "-k", "--all-locales", "--charmaps"]),
        "lsb_release" => all_in(
            &t,
            &[
                "-a", "-i", "-d", "-r", "-c", "-s", "-v", "-h", "--all", "--short",
            ],
        ),
        // `getconf NAME [PATH]` or `getconf -a`.
        "getconf" => {
            matches!(t.as_slice(), ["-a"] | [_] | [_, _])
                && !t.iter().skip(1).any(|w| w.starts_with('-'))
        }
        // systemd's tools page their lists through less (whose `!` runs commands) unless
        // the output goes to a pipe or `--no-pager` is given.
        "hostnamectl" | "timedatectl" | "localectl" => {
            let no_pager = piped_stdout || t.contains(&"--no-pager");
            let verbs: Vec<&&str> = t.iter().filter(|w| **w != "--no-pager").collect();
            match verbs.as_slice() {
                [] | [&"status"] => true,
                [&("show" | "list-timezones" | "list-locales" | "list-keymaps")] => no_pager,
                _ => false,
            }
        }
        "lspci" => all_opts_or_values(&t, "vkntmDqQP", "sd"),
        "lsusb" => all_opts_or_values(&t, "vt", "sd"),
        // Sampling every N seconds, COUNT times: numbers are operands.
        "vmstat" => all_opts_or_numbers(&t, "afmnsdDtwy", "SpcM"),
        "iostat" => all_opts_or_numbers(&t, "cdhkmNtxyzs", "pj"),
        "mpstat" => all_opts_or_numbers(&t, "uT", "PIo"),
        // `top` only in batch mode (interactive top kills and renices on keys).
        "top" => {
            t.iter().any(|w| is_short_cluster(w, 'b'))
                && all_opts_or_numbers(&t, "bcHiSs", "ndpuUwo")
        }
        "w" | "who" | "users" => t.iter().all(|w| {
            matches!(
                *w,
                "-h" | "-s"
                    | "-i"
                    | "-a"
                    | "-b"
                    | "-d"
                    | "-q"
                    | "-r"
                    | "-t"
                    | "-u"
                    | "-H"
                    | "am"
                    | "i"
                    | "--short"
                    | "--no-header"
            )
        }),
        // The login records: not `-f FILE` (another file).
        "last" | "lastb" => all_opts_or_numbers(&t, "aiFRwx", "n"),
        "pidof" => t
            .iter()
            .all(|w| !w.starts_with('-') || matches!(*w, "-s" | "-x")),
        "pstree" => t.iter().all(|w| {
            !w.starts_with('-') || w.bytes().skip(1).all(|b| b"acghlnpsSATuU".contains(&b))
        }),
        // Kernel messages: not `-c`/`-C` (clear), `-n` (console level), `-D`/`-E`, `-F`
        // (another file), nor `-H`/`--human` (it pages through less, whose `!` runs commands).
        "dmesg" => t.iter().all(|w| {
            matches!(
                *w,
                "-T" | "-k"
                    | "-u"
                    | "-x"
                    | "-t"
                    | "-r"
                    | "-L"
                    | "-w"
                    | "-e"
                    | "--ctime"
                    | "--kernel"
                    | "--userspace"
                    | "--decode"
                    | "--notime"
                    | "--raw"
                    | "--follow"
                    | "--reltime"
                    | "--color=never"
                    | "--color=always"
            ) || w.starts_with("--level=")
                || w.starts_with("--facility=")
                || w.starts_with("--time-format=")
        }),
        // Terminal size and capabilities; not `reset`/`init`/`clear` (they write to it).
        "tput" => matches!(t.as_slice(), ["cols" | "lines" | "colors" | "longname"]),
        "stty" => matches!(
            t.as_slice(),
            ["size"] | ["-a"] | ["--all"] | ["-g"] | ["--save"]
        ),
        // `ulimit -a`, `ulimit -n`: printing forms only (a value sets the limit).
        "ulimit" => t.iter().all(|w| {
            w.starts_with('-')
                && w.bytes()
                    .skip(1)
                    .all(|b| b"SHabcdefilmnpqrstuvxPRT".contains(&b))
        }),
        // `ip [OPTIONS] OBJECT [show|list|get …]`; not `-batch FILE`, not add/del/set/flush.
        "ip" => ip_read_only(&t),
        "ifconfig" => {
            matches!(t.as_slice(), [] | ["-a"] | ["-s"] | ["-a", "-s"])
                || matches!(t.as_slice(), [dev] if !dev.starts_with('-'))
        }
        // A service's status script (as `systemctl status`); the name is looked up in
        // /etc/init.d, so a path (`../../bin/sh`) would run another program.
        "service" => {
            matches!(t.as_slice(), [svc, "status"] if plain_name(svc))
                || matches!(t.as_slice(), ["--status-all"])
        }
        // NSS databases that hold no secret and need no network lookup.
        "getent" => {
            matches!(
                t.first(),
                Some(&("passwd" | "group" | "services" | "protocols" | "shells" | "ethers"))
            ) && t.iter().skip(1).all(|w| !w.starts_with('-'))
        }
        "nvidia-smi" => t.iter().all(|w| {
            matches!(*w, "-L" | "--list-gpus" | "-q" | "--query")
                || w.starts_with("--query-gpu=")
                || w.starts_with("--query-compute-apps=")
                || w.starts_with("--format=")
        }),
        "openssl" if t.first() == Some(&"version") => t
            .iter()
            .skip(1)
            .all(|w| matches!(*w, "-a" | "-v" | "-b" | "-o" | "-f" | "-p" | "-d")),
        "go" if t.first() == Some(&"env") => t
            .iter()
            .skip(1)
            .all(|w| !w.starts_with('-') || *w == "-json"),
        // (Not `conda info` or `pip config list`: they print channel and index URLs, which
        // may carry credentials.)
        "conda" if t.first() == Some(&"env") => matches!(t.as_slice(), ["env", "list"]),
        "pyenv" | "rbenv" | "nodenv" => {
            matches!(
                t.as_slice(),
                ["versions" | "version" | "--version" | "root"]
            )
        }
        "gem" if t.first() == Some(&"list") => t
            .iter()
            .skip(1)
            .all(|w| !w.starts_with('-') || matches!(*w, "--local" | "-l" | "-d" | "--details")),
        "terraform" | "tofu" => matches!(t.as_slice(), ["version"] | ["-version"] | ["--version"]),
        _ => return None,
    })
}

/// The names [`read_only`] knows (for a computed argument, which makes them not read-only).
fn table_name(name: &str) -> bool {
    matches!(
        name,
        "hostid"
            | "locale"
            | "lsb_release"
            | "getconf"
            | "hostnamectl"
            | "timedatectl"
            | "localectl"
            | "lspci"
            | "lsusb"
            | "vmstat"
            | "iostat"
            | "mpstat"
            | "top"
            | "w"
            | "who"
            | "users"
            | "last"
            | "lastb"
            | "pidof"
            | "pstree"
            | "dmesg"
            | "tput"
            | "stty"
            | "ulimit"
            | "ip"
            | "ifconfig"
            | "service"
            | "getent"
            | "nvidia-smi"
    )
}

/// A service or unit name: letters, digits and `-_.@`, not starting with `-` or `.`.
fn plain_name(w: &str) -> bool {
    !w.is_empty()
        && !w.starts_with(['-', '.'])
        && w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b))
}

fn all_in(t: &[&str], list: &[&str]) -> bool {
    t.iter().all(|w| list.contains(w))
}

/// Only options, each in `list` (operands such as locale names are allowed too).
fn all_opts(t: &[&str], list: &[&str]) -> bool {
    t.iter().all(|w| !w.starts_with('-') || list.contains(w))
}

/// `-x` clusters of `flags`; `-v VALUE` for the letters of `valued` (value separate or
/// attached); no other word.
fn all_opts_or_values(t: &[&str], flags: &str, valued: &str) -> bool {
    opts_walk(t, flags, valued, false)
}

/// As [`all_opts_or_values`], and plain numbers (an interval and a count) as operands.
fn all_opts_or_numbers(t: &[&str], flags: &str, valued: &str) -> bool {
    opts_walk(t, flags, valued, true)
}

fn opts_walk(t: &[&str], flags: &str, valued: &str, numbers: bool) -> bool {
    let mut it = t.iter();
    while let Some(w) = it.next() {
        if numbers && !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Some(rest) = w
            .strip_prefix('-')
            .filter(|r| !r.is_empty() && !r.starts_with('-'))
        else {
            return false;
        };
        for (i, ch) in rest.char_indices() {
            if valued.contains(ch) {
                // The value is the rest of the word or the next word.
                if i + ch.len_utf8() == rest.len() && it.next().is_none() {
                    return false;
                }
                break;
            }
            if !flags.contains(ch) {
                return false;
            }
        }
    }
    true
}

/// `-b`, `-bn1`, `-ib`: a short-option cluster holding `letter` before any valued letter.
fn is_short_cluster(w: &str, letter: char) -> bool {
    w.strip_prefix('-').is_some_and(|r| {
        !r.starts_with('-')
            && r.chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .any(|c| c == letter)
    })
}

/// `ip [-4|-6|-br|-s|-d|-c|-o|-j|-p|-h …] OBJECT [show|list|ls|get] [filters]`.
fn ip_read_only(t: &[&str]) -> bool {
    const OPTS: &[&str] = &[
        "-4",
        "-6",
        "-0",
        "-br",
        "-brief",
        "-s",
        "-stats",
        "-statistics",
        "-d",
        "-details",
        "-c",
        "-color",
        "-o",
        "-oneline",
        "-j",
        "-json",
        "-p",
        "-pretty",
        "-h",
        "-human",
        "-r",
        "-resolve",
        "-a",
        "-all",
    ];
    let mut i = 0;
    while let Some(w) = t.get(i) {
        if OPTS.contains(w) || w.starts_with("-color=") || w.starts_with("-c=") {
            i += 1;
        } else {
            break;
        }
    }
    let Some(object) = t.get(i) else {
        return false;
    };
    const OBJECTS: &[&str] = &[
        "a",
        "addr",
        "address",
        "l",
        "link",
        "r",
        "ro",
        "route",
        "n",
        "neigh",
        "neighbour",
        "neighbor",
        "ru",
        "rule",
        "maddr",
        "maddress",
        "netconf",
        "ntable",
        "tunnel",
    ];
    if !OBJECTS.contains(object) {
        return false;
    }
    let rest = t.get(i + 1..).unwrap_or(&[]);
    match rest.first() {
        None => true,
        // `ip route get ADDR` asks the kernel which route it would take.
        Some(&("show" | "list" | "ls" | "lst" | "sh" | "get")) => {
            rest.iter().skip(1).all(|w| !w.starts_with('-'))
        }
        // Filters without a verb (`ip addr dev eth0`) mean show.
        Some(&("dev" | "scope" | "up" | "label" | "to" | "table")) => {
            rest.iter().all(|w| !w.starts_with('-') && !is_ip_verb(w))
        }
        _ => false,
    }
}

fn is_ip_verb(w: &str) -> bool {
    matches!(
        w,
        "add"
            | "del"
            | "delete"
            | "set"
            | "change"
            | "replace"
            | "flush"
            | "append"
            | "prepend"
            | "save"
            | "restore"
            | "monitor"
    )
}
