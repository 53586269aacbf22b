//! Programs that run a shell command line somewhere else: a terminal multiplexer's new
//! session, window, pane or typed keys (`tmux`, `screen`) and a remote shell (`ssh HOST CMD`).
//! Their command lines are walked for the commands they run (P4-R28), so `tmux new -d 'rm -rf ~'`
//! gets the verdict of `rm -rf ~` (deny) instead of an `unlisted` ask that an operator's
//! allowlist of the program would lift. A form these readers do not follow carries nothing:
//! the program keeps its own ask.

use super::semantic::Arg;
use super::wrappers::Carried;

/// `tmux [global options] COMMAND [options] [shell-command] [\; COMMAND …]`.
pub(crate) fn tmux(args: &[Arg]) -> Carried {
    let mut i = 0;
    while let Some(t) = args.get(i).map(Arg::text) {
        if !t.starts_with('-') || t == "-" {
            break;
        }
        if t == "--" {
            i += 1;
            break;
        }
        // `tmux -c CMD` runs CMD with the default shell, as a login shell would.
        if t == "-c" {
            return Carried::Script {
                text: literal(args.get(i + 1)),
                what: "tmux -c command".into(),
            };
        }
        i += if matches!(t, "-f" | "-L" | "-S" | "-T") {
            2
        } else {
            1
        };
    }
    let mut scripts = Vec::new();
    // tmux commands are separated by a `;` word (written `\;` or `';'`).
    for command in args.get(i..).unwrap_or_default().split(|a| a.text() == ";") {
        if let Some(s) = tmux_command(command) {
            scripts.push(s);
        }
    }
    if scripts.is_empty() {
        Carried::None
    } else {
        Carried::Scripts(scripts)
    }
}

/// Which tmux commands run a shell command (the trailing words) or type keys, with their
/// options that take a value.
fn tmux_command(words: &[Arg]) -> Option<(Option<String>, String)> {
    let (name, rest) = words.split_first()?;
    let (valued, keys) = match name.text() {
        "new-session" | "new" => ("cefFnstxy", false),
        "new-window" | "neww" => ("ceFnt", false),
        "split-window" | "splitw" => ("ceFlt", false),
        "respawn-pane" | "respawnp" | "respawn-window" | "respawnw" => ("cet", false),
        "run-shell" | "run" => ("cdt", false),
        "display-popup" | "popup" => ("bcdehsStTwxy", false),
        "pipe-pane" | "pipep" => ("t", false),
        "send-keys" | "send" => ("Nt", true),
        _ => return None,
    };
    let mut k = 0;
    let mut literal_keys = false;
    while let Some(t) = rest.get(k).map(Arg::text) {
        if t == "--" {
            k += 1;
            break;
        }
        let Some(cluster) = t.strip_prefix('-').filter(|c| !c.is_empty()) else {
            break;
        };
        literal_keys |= cluster.contains('l');
        // A cluster ending in a letter that takes a value takes the next word.
        let takes = cluster.chars().last().is_some_and(|ch| valued.contains(ch));
        k += if takes { 2 } else { 1 };
    }
    let tail = rest.get(k..).unwrap_or_default();
    let what = format!("tmux {} command", name.text());
    if keys {
        return Some((typed_text(tail, literal_keys), what));
    }
    if tail.is_empty() {
        return None;
    }
    let text: Option<Vec<String>> = tail.iter().map(|a| literal(Some(a))).collect();
    Some((text.map(|t| t.join(" ")), what))
}

/// The text `tmux send-keys` types: literal words as they are, `Enter`/`C-m`/`C-j` as a
/// newline, `Space` as a blank; any other key name (`C-c`, `Escape`, `Up`) makes the typed
/// line unknown. With `-l` every word is literal.
fn typed_text(words: &[Arg], literal_keys: bool) -> Option<String> {
    let mut out = String::new();
    for a in words {
        let t = literal(Some(a))?;
        if literal_keys {
            out.push_str(&t);
            continue;
        }
        match t.as_str() {
            "Enter" | "C-m" | "C-j" | "KPEnter" => out.push('\n'),
            "Space" => out.push(' '),
            k if key_name(k) => return None,
            _ => out.push_str(&t),
        }
    }
    Some(out)
}

/// A tmux key name other than the ones [`typed_text`] spells out: `C-c`, `M-x`, `Escape`,
/// `F5`, `BSpace`, `Up`.
fn key_name(t: &str) -> bool {
    let modified = t.len() > 2 && matches!(t.get(..2), Some("C-" | "M-" | "S-"));
    let named = t.len() > 1
        && t.starts_with(|c: char| c.is_ascii_uppercase())
        && t.chars().all(|c| c.is_ascii_alphanumeric());
    modified || named
}

/// `screen [options] [CMD ARG…]`, `screen … -X stuff TEXT`, `screen … -X screen CMD…`.
pub(crate) fn screen(args: &[Arg]) -> Carried {
    // `-X` sends the rest to a running session, wherever it stands (`screen -S x -X …`).
    if let Some(x) = args.iter().position(|a| a.is("-X") || a.is("-Q")) {
        let rest = args.get(x + 1..).unwrap_or_default();
        return match rest.split_first() {
            Some((c, typed)) if c.text() == "stuff" => Carried::Script {
                // screen reads `\n`, `\r` and `^M` in the text as the Enter key.
                text: literal(typed.first()).map(|s| {
                    s.replace("\\n", "\n")
                        .replace("\\r", "\n")
                        .replace("^M", "\n")
                }),
                what: "screen stuff text".into(),
            },
            Some((c, argv)) if c.text() == "screen" && !argv.is_empty() => Carried::Command {
                wrapper: "screen".into(),
                argv: argv.to_vec(),
            },
            _ => Carried::None,
        };
    }
    // Attaching, reattaching and listing take an optional session name, which cannot be
    // told from a command: such a line runs no new command unless `-m` starts one.
    let mode = |a: &Arg| {
        let t = a.text();
        t.starts_with('-') && !t.starts_with("--") && t.contains(['x', 'r', 'R', 'D'])
    };
    let starts = args.iter().any(|a| {
        let t = a.text();
        t.starts_with('-') && !t.starts_with("--") && t.contains('m')
    });
    if args.iter().any(mode) && !starts {
        return Carried::None;
    }
    let mut i = 0;
    while let Some(t) = args.get(i).map(Arg::text) {
        if !t.starts_with('-') {
            break;
        }
        if matches!(t, "-ls" | "-list" | "-wipe" | "-v" | "-version" | "-help") {
            return Carried::None;
        }
        // Options with a value, also at the end of a cluster (`-dmS name`).
        let takes = t.len() > 1
            && !t.starts_with("--")
            && t.ends_with(['S', 'c', 'e', 'h', 'p', 'T', 't', 's']);
        i += if takes || t == "-Logfile" { 2 } else { 1 };
    }
    match args.get(i..) {
        Some(argv) if !argv.is_empty() => Carried::Command {
            wrapper: "screen".into(),
            argv: argv.to_vec(),
        },
        _ => Carried::None,
    }
}

/// `ssh [options] DESTINATION [COMMAND…]`: the remote shell runs the words joined by blanks.
/// What it does there is judged as if it ran here (`ssh host 'rm -rf ~'` deletes a home).
pub(crate) fn ssh(args: &[Arg]) -> Carried {
    const VALUED: &str = "BbcDEeFIiJLlmOopQRSWw";
    let mut i = 0;
    while let Some(t) = args.get(i).map(Arg::text) {
        if t == "--" {
            i += 1;
            break;
        }
        let Some(cluster) = t.strip_prefix('-').filter(|c| !c.is_empty()) else {
            break;
        };
        // The first letter that takes a value ends the cluster: the rest of the word, or
        // the next word, is the value.
        let at = cluster.find(|ch: char| VALUED.contains(ch));
        let attached = at.is_some_and(|p| p + 1 < cluster.len());
        i += if at.is_some() && !attached { 2 } else { 1 };
    }
    // The destination, then the command words.
    let command = args.get(i + 1..).unwrap_or_default();
    if command.is_empty() {
        return Carried::None;
    }
    let text: Option<Vec<String>> = command.iter().map(|a| literal(Some(a))).collect();
    // Walked for the commands it runs (the deny rules and the model's checks), like a
    // program's commands (`awk` `system()`), not as a second text for the text checks:
    // the remote shell's quoting is one level below ours (`'ssh r hostname\; uptime'`).
    Carried::Scripts(vec![(
        text.map(|t| t.join(" ")),
        "ssh remote command".into(),
    )])
}

/// A word's text when it is literal (no parameter or substitution).
fn literal(a: Option<&Arg>) -> Option<String> {
    let a = a?;
    if a.param || a.substitution {
        return None;
    }
    a.value.clone()
}
