//! Command tables of phase 4, grouped by why they matter, and a compile-time hash index over
//! the command-name tables ([`classes`]). The logic that reads them lives in `semantic`,
//! `deny` and `allow`.

use super::checks::secrets;

/// Shells: reading a script from stdin, `-c STRING`, or a script file (P4-R28).
pub const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish", "csh", "tcsh", "yash", "posh",
];

/// Interpreters that read a program from stdin when given no script operand (§6.2
/// pipe_to_shell) or run inline code with an eval-like flag.
pub const INTERPRETERS: &[&str] = &[
    "python",
    "python2",
    "python3",
    "perl",
    "ruby",
    "node",
    "nodejs",
    "php",
    "lua",
    "luajit",
    "deno",
    "bun",
    "tclsh",
    "wish",
    "r",
    "rscript",
    "osascript",
    "pwsh",
    "powershell",
    "irb",
    "jshell",
    "groovy",
    "scala",
    "guile",
    "racket",
    "sbcl",
    "julia",
];

/// Read-only commands allowed when their profile is satisfied (§6.5 first row).
pub const READ_ONLY: &[&str] = &[
    "cat",
    "tac",
    "nl",
    "head",
    "tail",
    "wc",
    "cut",
    "paste",
    "rev",
    "fold",
    "fmt",
    "column",
    "expand",
    "unexpand",
    "strings",
    "od",
    "hexdump",
    "hd",
    "cmp",
    "comm",
    "diff",
    "md5sum",
    "sha1sum",
    "sha224sum",
    "sha256sum",
    "sha384sum",
    "sha512sum",
    "b2sum",
    "cksum",
    "sum",
    "stat",
    "file",
    "du",
    "df",
    "ls",
    "dir",
    "tree",
    "pwd",
    "whoami",
    "printenv",
    "id",
    "groups",
    "uname",
    "hostname",
    "date",
    "uptime",
    "free",
    "nproc",
    "arch",
    "lscpu",
    "lsblk",
    "ps",
    "pgrep",
    "basename",
    "dirname",
    "realpath",
    "readlink",
    "which",
    "type",
    "whereis",
    "seq",
    "sleep",
    "echo",
    "printf",
    "test",
    "[",
    "true",
    "false",
    "tr",
    "jq",
    "yq",
    "sort",
    "uniq",
    "base64",
    "xxd",
    "grep",
    "egrep",
    "fgrep",
    "rg",
    "fd",
    "fdfind",
    "find",
    "sed",
    "awk",
    "gawk",
    "mawk",
    "nawk",
    "git",
    "systemctl",
    "journalctl",
    "docker",
    "podman",
    "kubectl",
    "crontab",
];

/// Statements that only change shell state (§6.5).
pub const STATE_ONLY: &[&str] = &[
    "cd", "pushd", "popd", ":", "true", "false", "export", "readonly", "local", "declare",
    "typeset", "read", "unset", "shift", "break", "continue", "return", "exit", "wait", "set",
    "shopt",
];

/// Commands whose purpose is fetching or sending over the network (`exec.ask.network`).
pub const NETWORK: &[&str] = &[
    "curl", "wget", "fetch", "aria2c", "nc", "ncat", "netcat", "socat", "ssh", "scp", "sftp",
    "rsync", "ftp", "telnet", "http", "https", "xh",
];

/// Commands that destroy data, denied when hidden inside a substitution (§6.2 hidden).
pub const DESTRUCTIVE: &[&str] = &["rm", "rmdir", "unlink", "shred", "truncate", "dd"];

/// Programs that run another command or a script string (P4-R28 wrappers, eval-likes).
pub const WRAPPERS: &[&str] = &[
    "env",
    "timeout",
    "nice",
    "nohup",
    "setsid",
    "unbuffer",
    "caffeinate",
    "stdbuf",
    "time",
    "ionice",
    "chrt",
    "taskset",
    "command",
    "builtin",
    "exec",
    "xargs",
    "sudo",
    "doas",
    "run0",
    "pkexec",
    "su",
    "runuser",
    "chroot",
    "flock",
    "strace",
    "ltrace",
    "watch",
    "eval",
    "source",
    ".",
    "trap",
    "busybox",
    "toybox",
    "tmux",
    "screen",
    "ssh",
];

/// Programs the §6.2 deny rules and checks 15 and 21–23 look at. One list serves the
/// hidden-command test of check 9, the deny scan of unparsed words (P4-R29) and the
/// `readOnlyExtra` validation, so the three can never disagree.
pub const DENY_RULE_COMMANDS: &[&str] = &[
    // destruction and devices
    "rm",
    "rmdir",
    "unlink",
    "shred",
    "truncate",
    "dd",
    "mke2fs",
    "mkswap",
    "wipefs",
    "blkdiscard",
    "sgdisk",
    "find",
    // permissions, power, processes
    "chmod",
    "chown",
    "chgrp",
    "setcap",
    "shutdown",
    "reboot",
    "halt",
    "poweroff",
    "init",
    "systemctl",
    "kill",
    "killall5",
    // scheduling and persistence
    "crontab",
    "at",
    "batch",
    "systemd-run",
    "launchctl",
    "ln",
    "cp",
    "mv",
    "tee",
    "install",
    // containers
    "docker",
    "podman",
    "nerdctl",
    "nsenter",
    // network, transfer and program-executing options
    "curl",
    "wget",
    "nc",
    "ncat",
    "netcat",
    "socat",
    "rsync",
    "scp",
    "ssh",
    "sftp",
    "git",
    "tar",
    "zip",
    "unzip",
    "7z",
    "sort",
    "man",
    "vim",
    "vi",
    "nvim",
    "ex",
    "apt",
    "apt-get",
    "gdb",
    "rpm",
    // decoders and secrets
    "mkfifo",
    "base64",
    "xxd",
    "openssl",
    "uudecode",
    "security",
    "printenv",
];

/// Whether a command name (basename) is one the deny rules look at.
pub fn is_deny_rule_command(name: &str) -> bool {
    is(name, Classes::DENY_RULE) || name.starts_with("mkfs")
}

/// Eval-like builtins (check 16).
pub const EVAL_LIKE: &[&str] = &[
    "eval",
    "source",
    ".",
    "trap",
    "enable",
    "hash",
    "bind",
    "complete",
    "compgen",
    "alias",
    "fc",
    "mapfile",
    "readarray",
];

/// Directories whose recursive removal (or of all their entries) is denied (§6.2 rm_root).
pub const PROTECTED_DIRS: &[&str] = &[
    "/",
    "/home",
    "/Users",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/opt",
    "/sbin",
    "/srv",
    "/sys",
    "/usr",
    "/var",
    "/System",
    "/Library",
    "/Applications",
    "/private",
    "/root",
    "/tmp",
    "/private/tmp",
    "/private/var",
];

/// Top-level system directories for recursive chmod/chown/chgrp (§6.2 perms_root).
pub const SYSTEM_DIRS: &[&str] = &[
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/opt",
    "/sbin",
    "/srv",
    "/sys",
    "/usr",
    "/var",
    "/System",
    "/Library",
    "/Applications",
    "/private",
    "/home",
    "/Users",
    "/root",
];

/// Block device prefixes (§6.2 disk).
pub const BLOCK_DEVICE_PREFIXES: &[&str] = &[
    "/dev/sd",
    "/dev/nvme",
    "/dev/hd",
    "/dev/vd",
    "/dev/xvd",
    "/dev/mmcblk",
    "/dev/disk",
    "/dev/rdisk",
    "/dev/mapper/",
    "/dev/loop",
    "/dev/md",
];

/// Redirection targets that are never a file write (check 7).
pub const HARMLESS_TARGETS: &[&str] = &["/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"];

/// Trusted directories for absolute command paths (P4 §2).
pub const TRUSTED_BIN_DIRS: &[&str] = &[
    "/bin",
    "/usr/bin",
    "/usr/local/bin",
    "/sbin",
    "/usr/sbin",
    "/usr/local/sbin",
    "/opt/homebrew/bin",
];

/// `git` subcommands that only read (§6.5).
pub const GIT_READ_ONLY: &[&str] = &[
    "status",
    "log",
    "show",
    "diff",
    "blame",
    "annotate",
    "grep",
    "describe",
    "shortlog",
    "rev-parse",
    "rev-list",
    "ls-files",
    "ls-tree",
    "cat-file",
    "merge-base",
    "name-rev",
    "cherry",
    "count-objects",
    "for-each-ref",
    "show-ref",
    "whatchanged",
    "var",
    "check-ignore",
    "check-attr",
    // `git version` is `git --version`.
    "version",
];

/// Whether `name` is in `list`.
pub fn has(list: &[&str], name: &str) -> bool {
    // Length first, then the first byte: nearly every entry differs there, and in the
    // size-optimised wasm build each full string comparison is a call.
    let n = name.as_bytes();
    let first = |b: &[u8]| b.first().copied().unwrap_or(0);
    list.iter()
        .any(|s| s.len() == n.len() && first(s.as_bytes()) == first(n) && s.as_bytes() == n)
}

/// Interpreter family of a command name (`python3.12` → `python`), if it is one.
pub fn interpreter_family(name: &str) -> Option<&'static str> {
    // The version suffix is trimmed first, so `python3` reports the `python` family.
    // A name without a suffix is looked up once (most names: P4-R49).
    let base = without_version(name);
    entry(base, Classes::INTERPRETER)
        .or_else(|| (base.len() != name.len()).then(|| entry(name, Classes::INTERPRETER))?)
}

/// `name` without trailing digits and dots (`python3.12` → `python`).
fn without_version(name: &str) -> &str {
    let b = name.as_bytes();
    let mut end = b.len();
    while end > 0 && matches!(b.get(end - 1), Some(b'0'..=b'9' | b'.')) {
        end -= 1;
    }
    name.get(..end).unwrap_or(name)
}

/// Whether a command name is a shell (incl. `busybox sh` handled by the caller).
pub fn is_shell(name: &str) -> bool {
    is(name, Classes::SHELL)
}

/// Which of the indexed name tables a command name is in, as bit flags (see [`classes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Classes(u16);

impl Classes {
    /// In [`SHELLS`].
    pub const SHELL: Classes = Classes(1);
    /// In [`INTERPRETERS`].
    pub const INTERPRETER: Classes = Classes(1 << 1);
    /// In [`READ_ONLY`].
    pub const READ_ONLY: Classes = Classes(1 << 2);
    /// In [`STATE_ONLY`].
    pub const STATE_ONLY: Classes = Classes(1 << 3);
    /// In [`NETWORK`].
    pub const NETWORK: Classes = Classes(1 << 4);
    /// In [`DESTRUCTIVE`].
    pub const DESTRUCTIVE: Classes = Classes(1 << 5);
    /// In [`WRAPPERS`].
    pub const WRAPPER: Classes = Classes(1 << 6);
    /// In [`DENY_RULE_COMMANDS`] (without the `mkfs*` prefix rule of
    /// [`is_deny_rule_command`]).
    pub const DENY_RULE: Classes = Classes(1 << 7);
    /// In [`EVAL_LIKE`].
    pub const EVAL_LIKE: Classes = Classes(1 << 8);
    /// In check 23's [`secrets::EMITTERS`].
    pub const EMITTER: Classes = Classes(1 << 9);
    /// In check 23's [`secrets::COMPRESSORS`].
    pub const COMPRESSOR: Classes = Classes(1 << 10);
    /// In check 23's [`secrets::RAW_READERS`].
    pub const RAW_READER: Classes = Classes(1 << 11);
    /// In check 23's [`secrets::TREE_READERS`].
    pub const TREE_READER: Classes = Classes(1 << 12);
    /// In check 23's [`secrets::TREE_SENDERS`].
    pub const TREE_SENDER: Classes = Classes(1 << 13);
    /// In check 23's [`secrets::SENDERS`].
    pub const SENDER: Classes = Classes(1 << 14);
    /// In check 23's [`secrets::NAME_ONLY`].
    pub const NAME_ONLY: Classes = Classes(1 << 15);

    /// Whether any class of `other` is set in `self`.
    pub const fn any(self, other: Classes) -> bool {
        self.0 & other.0 != 0
    }
}

impl std::ops::BitOr for Classes {
    type Output = Classes;
    fn bitor(self, other: Classes) -> Classes {
        Classes(self.0 | other.0)
    }
}

/// The tables [`classes`] answers for, each with its flag.
// Check 23 asks up to a dozen of its lists about every command (P4-R49): they are indexed
// too, so one probe answers them all.
const INDEXED: [(&[&str], Classes); 16] = [
    (SHELLS, Classes::SHELL),
    (INTERPRETERS, Classes::INTERPRETER),
    (READ_ONLY, Classes::READ_ONLY),
    (STATE_ONLY, Classes::STATE_ONLY),
    (NETWORK, Classes::NETWORK),
    (DESTRUCTIVE, Classes::DESTRUCTIVE),
    (WRAPPERS, Classes::WRAPPER),
    (DENY_RULE_COMMANDS, Classes::DENY_RULE),
    (EVAL_LIKE, Classes::EVAL_LIKE),
    (secrets::EMITTERS, Classes::EMITTER),
    (secrets::COMPRESSORS, Classes::COMPRESSOR),
    (secrets::RAW_READERS, Classes::RAW_READER),
    (secrets::TREE_READERS, Classes::TREE_READER),
    (secrets::TREE_SENDERS, Classes::TREE_SENDER),
    (secrets::SENDERS, Classes::SENDER),
    (secrets::NAME_ONLY, Classes::NAME_ONLY),
];

/// Slots of the open-addressing index over [`INDEXED`] (a power of two, at least twice the
/// number of distinct names, so every probe sequence reaches an empty slot quickly).
const SLOTS: usize = 1024;

/// FNV-1a over the bytes, folded. A `const fn` so that the index is built at compile time;
/// the same function hashes names at run time.
const fn name_hash(mut b: &[u8]) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    while let [first, rest @ ..] = b {
        h ^= *first as u32;
        h = h.wrapping_mul(0x0100_0193);
        b = rest;
    }
    (h ^ (h >> 16)) as usize
}

/// Byte equality usable at compile time.
const fn same_bytes(mut a: &[u8], mut b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    while let ([x, ra @ ..], [y, rb @ ..]) = (a, b) {
        if *x != *y {
            return false;
        }
        a = ra;
        b = rb;
    }
    true
}

/// The [`INDEXED`] entry `1 + (table << 8 | entry)` names (`v` nonzero).
fn indexed_entry(v: u32) -> Option<&'static str> {
    let v = (v & 0xffff).checked_sub(1)? as usize;
    INDEXED.get(v >> 8)?.0.get(v & 0xff).copied()
}

/// The index: one slot per distinct name, holding `1 + (table << 8 | entry)` of its first
/// [`INDEXED`] entry in the low 16 bits and the classes of every table that lists it in the
/// high 16. Membership of one name in all sixteen tables is one hash, a probe or two and one
/// comparison, where a scan of the lists compared it with about 420 entries (P4-R49: these
/// lookups run for every command and literal word).
// Evaluated at compile time: an index out of bounds or a full table fails the build.
#[allow(clippy::indexing_slicing)]
static INDEX: [u32; SLOTS] = {
    let mut slots = [0u32; SLOTS];
    let mut total = 0;
    let mut t = 0;
    while t < INDEXED.len() {
        let list = INDEXED[t].0;
        assert!(
            list.len() <= 256,
            "an indexed table has more than 256 entries"
        );
        let mut i = 0;
        while i < list.len() {
            let name = list[i].as_bytes();
            let mut s = name_hash(name) & (SLOTS - 1);
            loop {
                let v = slots[s];
                if v == 0 {
                    slots[s] = (1 + ((t << 8) | i) as u32) | ((INDEXED[t].1 .0 as u32) << 16);
                    total += 1;
                    break;
                }
                let at = ((v & 0xffff) - 1) as usize;
                if same_bytes(INDEXED[at >> 8].0[at & 0xff].as_bytes(), name) {
                    slots[s] = v | ((INDEXED[t].1 .0 as u32) << 16);
                    break;
                }
                s = (s + 1) & (SLOTS - 1);
            }
            i += 1;
        }
        t += 1;
    }
    assert!(2 * total <= SLOTS, "the name index is more than half full");
    slots
};

/// The index slot of `name`: hash, then probe to the name or an empty slot (0).
fn slot_of(name: &str) -> u32 {
    let b = name.as_bytes();
    let start = name_hash(b);
    // Bounded for totality; the build-time fill limit means an empty slot comes far sooner.
    for k in 0..SLOTS {
        let v = match INDEX.get(start.wrapping_add(k) & (SLOTS - 1)) {
            Some(&v) if v != 0 => v,
            _ => break,
        };
        if indexed_entry(v).is_some_and(|e| e.len() == b.len() && e.as_bytes() == b) {
            return v;
        }
    }
    0
}

/// Every indexed table `name` is in.
pub fn classes(name: &str) -> Classes {
    Classes((slot_of(name) >> 16) as u16)
}

/// Whether `name` is in any of the tables of `class`.
pub fn is(name: &str, class: Classes) -> bool {
    classes(name).any(class)
}

/// The entry equal to `name` in a table of `class`.
fn entry(name: &str, class: Classes) -> Option<&'static str> {
    let v = slot_of(name);
    if Classes((v >> 16) as u16).any(class) {
        indexed_entry(v)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list-scan answers the index replaces.
    fn scanned(name: &str) -> Classes {
        INDEXED
            .iter()
            .filter(|(list, _)| list.contains(&name))
            .fold(Classes::default(), |acc, (_, c)| acc | *c)
    }

    fn scanned_family(name: &str) -> Option<&'static str> {
        let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        INTERPRETERS
            .iter()
            .find(|i| **i == base || **i == name)
            .copied()
    }

    fn names() -> Vec<String> {
        let mut out: Vec<String> = [
            "",
            ".",
            "..",
            "x",
            "mkfs.ext4",
            "python3.12",
            "3",
            "r2",
            "ls ",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (list, _) in INDEXED {
            for e in list {
                for v in [
                    e.to_string(),
                    format!("{e}3"),
                    format!("{e}2.7"),
                    format!("{e}."),
                    format!("x{e}"),
                    e.to_uppercase(),
                    e.get(1..).unwrap_or("").to_string(),
                ] {
                    out.push(v);
                }
            }
        }
        out
    }

    #[test]
    fn the_index_answers_like_a_scan_of_the_lists() {
        for n in names() {
            assert_eq!(classes(&n), scanned(&n), "{n:?}");
            assert_eq!(interpreter_family(&n), scanned_family(&n), "{n:?}");
        }
        assert!(is("cat", Classes::READ_ONLY));
        assert!(is("rm", Classes::DESTRUCTIVE | Classes::SHELL));
        assert!(!is("rm", Classes::SHELL));
        assert_eq!(
            classes("eval"),
            Classes::WRAPPER | Classes::EVAL_LIKE,
            "a name in two tables has both flags"
        );
        assert_eq!(interpreter_family("python3"), Some("python"));
        assert_eq!(interpreter_family("luajit"), Some("luajit"));
        assert!(is_deny_rule_command("mkfs.xfs") && is_deny_rule_command("shred"));
    }
}
