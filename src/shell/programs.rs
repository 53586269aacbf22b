//! Program-carrying commands (issue 16 item 1): once the option grammar has found an awk,
//! sed or jq program, this module reads it for what it can do beyond reading: run shell
//! commands (`system()`, `print | "cmd"`, `"cmd" | getline`, sed `e`), write files (`print >
//! "f"`, sed `w`), load code we cannot see (`@load`, `include`), or read the environment
//! (jq `$ENV`). Literal shell commands found here are fed to the walker like `sh -c` scripts
//! (see [`carried`]), so they get the full checker; computed ones are unknown scripts (ask).

use super::grammar::{self, Effect, Parsed};
use super::semantic::{Arg, ExecCommand};
use super::wrappers::Carried;

/// What a program text does besides reading its input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgramInfo {
    /// Shell commands it runs: `Some(text)` when literal, `None` when computed.
    pub runs: Vec<Option<String>>,
    /// Writes a file.
    pub writes: bool,
    /// Loads or includes code we cannot see, or uses a construct we do not understand.
    pub unseen: bool,
    /// Talks to the network (gawk `/inet/…` special files).
    pub network: bool,
    /// Reads the environment (jq `$ENV`, `env`).
    pub reads_env: bool,
    /// Reads a file named inside the program (awk `getline < "path"`): a path the secret
    /// checks never see, so the program is not read-only.
    pub reads_files: bool,
    /// The files a sed `r`/`R` command names, as written: `sed -i '5r part.py' f.py` splices
    /// a workspace file into another, a workspace edit when each resolves into the tree.
    pub read_names: Vec<String>,
}

impl ProgramInfo {
    /// Whether the program only reads.
    pub fn read_only(&self) -> bool {
        self.runs.is_empty() && !self.writes && !self.unseen && !self.network && !self.reads_files
    }
}

/// The family of a program-carrying command name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// awk, gawk, mawk, nawk.
    Awk,
    /// sed, gsed.
    Sed,
    /// jq.
    Jq,
}

/// The program family of `name`, if it carries one.
pub fn family(name: &str) -> Option<Family> {
    // Every family name ends in `k`, `d` or `q`: one byte test settles most names, which
    // this is asked about for every command, several times (P4-R49).
    if !matches!(name.as_bytes().last(), Some(b'k' | b'd' | b'q')) {
        return None;
    }
    match name {
        "awk" | "gawk" | "mawk" | "nawk" => Some(Family::Awk),
        "sed" | "gsed" => Some(Family::Sed),
        "jq" => Some(Family::Jq),
        _ => None,
    }
}

/// The program texts of a parsed command: `-e`/`--expression`/`--source` values and the
/// program operand. `None` in the list stands for a program we cannot see (non-literal).
pub fn program_texts<'a>(p: &Parsed<'a>) -> Vec<Option<&'a str>> {
    let mut out: Vec<Option<&'a str>> = p
        .options
        .iter()
        .filter(|o| o.effect == Effect::Program)
        .map(|o| o.value.text())
        .collect();
    if let Some(a) = p.program() {
        // An unquoted glob or brace expansion in the program can expand to other words (a
        // file named like a script): the shell, not the text, decides what the program is.
        out.push(a.value.as_deref().filter(|_| !a.glob && !a.brace));
    }
    out
}

/// Analyses every program of command `c` (`name` is its base name); `None` when the command
/// is no program carrier or its options do not parse (the allowlist then asks on its own).
pub fn analyse(name: &str, args: &[Arg]) -> Option<ProgramInfo> {
    let fam = family(name)?;
    let g = grammar::grammar(name)?;
    let parsed = grammar::parse(g, args).ok()?;
    let mut info = ProgramInfo::default();
    for text in program_texts(&parsed) {
        let Some(t) = text else {
            info.unseen = true;
            continue;
        };
        match fam {
            Family::Awk => awk(t, &mut info),
            Family::Sed => sed(t, &mut info),
            Family::Jq => jq(t, &mut info),
        }
    }
    Some(info)
}

/// The shell scripts command `c` carries in its program (for the walker): literal commands
/// with their text, computed ones as unknown scripts.
pub fn carried(name: &str, c: &ExecCommand) -> Carried {
    if family(name).is_none() {
        return Carried::None;
    }
    let Some(info) = analyse(name, c.args()) else {
        return Carried::None;
    };
    if info.runs.is_empty() {
        return Carried::None;
    }
    Carried::Scripts(
        info.runs
            .into_iter()
            .map(|t| {
                let what = match t {
                    Some(_) => format!("{name} program command"),
                    None => format!("{name} program running a computed command"),
                };
                (t, what)
            })
            .collect(),
    )
}

/// Reads an awk string literal starting after its opening quote; returns the decoded text
/// and the rest after the closing quote.
fn awk_string(s: &str) -> (String, &str) {
    let mut out = String::new();
    let mut it = s.char_indices();
    while let Some((i, ch)) = it.next() {
        match ch {
            '"' => return (out, s.get(i + 1..).unwrap_or("")),
            '\\' => match it.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, c)) => out.push(c),
                None => {}
            },
            c => out.push(c),
        }
    }
    (out, "")
}

/// One token of awk text, as far as the analysis needs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Str(String),
    Word(String),
    Punct(&'static str),
    Other,
}

/// A small awk tokenizer: strings, words, regex literals (skipped), comments, and the
/// punctuation that matters (`|`, `|&`, `||`, `>`, `>>`, `(`, `)`, `;`, newline, braces).
fn awk_tokens(src: &str) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::new();
    let mut s = src;
    while let Some(c) = s.chars().next() {
        let rest = s.get(c.len_utf8()..).unwrap_or("");
        match c {
            '"' => {
                let (text, r) = awk_string(rest);
                out.push(Tok::Str(text));
                s = r;
            }
            '#' => {
                s = rest.find('\n').and_then(|i| rest.get(i..)).unwrap_or("");
            }
            '\\' if rest.starts_with('\n') => s = rest.get(1..).unwrap_or(""),
            '/' => {
                // A regex literal where an operand is expected; division otherwise.
                let operand_before = matches!(
                    out.last(),
                    Some(Tok::Word(_) | Tok::Str(_)) | Some(Tok::Punct(")"))
                );
                if operand_before {
                    out.push(Tok::Other);
                    s = rest;
                } else {
                    let mut end = rest.len();
                    let mut esc = false;
                    for (i, ch) in rest.char_indices() {
                        if esc {
                            esc = false;
                        } else if ch == '\\' {
                            esc = true;
                        } else if ch == '/' || ch == '\n' {
                            end = i;
                            break;
                        }
                    }
                    out.push(Tok::Other);
                    s = rest.get(end + 1..).unwrap_or("");
                }
            }
            '|' => {
                if let Some(r) = rest.strip_prefix('|') {
                    out.push(Tok::Punct("||"));
                    s = r;
                } else if let Some(r) = rest.strip_prefix('&') {
                    out.push(Tok::Punct("|&"));
                    s = r;
                } else {
                    out.push(Tok::Punct("|"));
                    s = rest;
                }
            }
            '>' => {
                if let Some(r) = rest.strip_prefix('>') {
                    out.push(Tok::Punct(">>"));
                    s = r;
                } else if let Some(r) = rest.strip_prefix('=') {
                    out.push(Tok::Other);
                    s = r;
                } else {
                    out.push(Tok::Punct(">"));
                    s = rest;
                }
            }
            // `<` only matters after `getline` (input from a file); `<=` is a comparison.
            '<' => {
                if let Some(r) = rest.strip_prefix('=') {
                    out.push(Tok::Other);
                    s = r;
                } else {
                    out.push(Tok::Punct("<"));
                    s = rest;
                }
            }
            '(' => {
                out.push(Tok::Punct("("));
                s = rest;
            }
            ')' => {
                out.push(Tok::Punct(")"));
                s = rest;
            }
            ';' | '\n' | '{' | '}' => {
                out.push(Tok::Punct(";"));
                s = rest;
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '@' => {
                let end = s
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '@'))
                    .unwrap_or(s.len());
                out.push(Tok::Word(s.get(..end).unwrap_or("").to_string()));
                s = s.get(end..).unwrap_or("");
            }
            c if c.is_whitespace() => s = rest,
            _ => {
                out.push(Tok::Other);
                s = rest;
            }
        }
    }
    out
}

/// The literal command of the expression starting at `toks[i]`: a single string followed
/// by the end of the expression; `None` when computed.
fn literal_at(toks: &[Tok], i: usize) -> Option<String> {
    let (first, next) = match toks.get(i) {
        Some(Tok::Punct("(")) => (toks.get(i + 1), toks.get(i + 2)),
        t => (t, toks.get(i + 1)),
    };
    match (first, next) {
        (Some(Tok::Str(s)), None | Some(Tok::Punct(_))) => Some(s.clone()),
        _ => None,
    }
}

/// Reads an awk program (P4-R33 awk profile, issue 16 item 1).
pub fn awk(src: &str, info: &mut ProgramInfo) {
    let toks = awk_tokens(src);
    let mut in_print = false;
    let mut depth: i32 = 0;
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Word(w) => match w.as_str() {
                "system" if toks.get(i + 1) == Some(&Tok::Punct("(")) => {
                    info.runs.push(literal_at(&toks, i + 1));
                }
                "print" | "printf" => {
                    in_print = true;
                    depth = 0;
                }
                // `"cmd" | getline`: the command is the expression before the pipe, literal
                // only when it is one string standing alone.
                "getline" if i >= 2 && toks.get(i - 1) == Some(&Tok::Punct("|")) => {
                    let alone =
                        i < 3 || matches!(toks.get(i - 3), Some(Tok::Punct(p)) if *p != ")");
                    match toks.get(i - 2) {
                        Some(Tok::Str(s)) if alone => info.runs.push(Some(s.clone())),
                        _ => info.runs.push(None),
                    }
                }
                // `getline < file` / `getline var < file`: reads a path we cannot check.
                "getline"
                    if toks.get(i + 1) == Some(&Tok::Punct("<"))
                        || (matches!(toks.get(i + 1), Some(Tok::Word(_)))
                            && toks.get(i + 2) == Some(&Tok::Punct("<"))) =>
                {
                    info.reads_files = true;
                }
                // `ENVIRON["AWS_SECRET_ACCESS_KEY"]`, or every variable in a `for (k in
                // ENVIRON)` loop: an environment dump like `env` (check 23, issue 16 item 3).
                "ENVIRON" => info.reads_env = true,
                // gawk directives: `@load` runs a shared library, `@include` a file we cannot
                // see; `@namespace` is harmless.
                w if w.starts_with('@') && w != "@namespace" => info.unseen = true,
                _ => {}
            },
            Tok::Str(s) if s.starts_with("/inet") => info.network = true,
            Tok::Punct("(") => depth += 1,
            Tok::Punct(")") => depth -= 1,
            Tok::Punct(";") => in_print = false,
            Tok::Punct("|&") => {
                info.runs.push(None);
            }
            Tok::Punct("|") => {
                if toks.get(i + 1) == Some(&Tok::Word("getline".into())) {
                    continue;
                }
                info.runs.push(literal_at(&toks, i + 1));
                // `print "cmd" | "sh"`: the printed literal text is the shell's script.
                if let Some(target) = literal_at(&toks, i + 1) {
                    if super::tables::is_shell(target.trim()) {
                        let script: Vec<&str> = toks
                            .get(..i)
                            .unwrap_or(&[])
                            .iter()
                            .rev()
                            .take_while(
                                |t| !matches!(t, Tok::Word(w) if w == "print" || w == "printf"),
                            )
                            .filter_map(|t| match t {
                                Tok::Str(s) => Some(s.as_str()),
                                _ => None,
                            })
                            .collect();
                        if let [one] = script.as_slice() {
                            info.runs.push(Some((*one).to_string()));
                        }
                    }
                }
            }
            Tok::Punct(">" | ">>") if in_print && depth <= 0 => info.writes = true,
            _ => {}
        }
    }
}

/// Skips an sed regex or `s` part delimited by `d`; returns the rest after the delimiter
/// and the text read.
fn sed_delimited(s: &str, d: char) -> Option<(&str, String)> {
    let mut out = String::new();
    let mut it = s.char_indices();
    while let Some((i, ch)) = it.next() {
        if ch == '\\' {
            if let Some((_, n)) = it.next() {
                if n != d {
                    out.push('\\');
                }
                out.push(n);
            }
        } else if ch == d {
            return Some((s.get(i + ch.len_utf8()..).unwrap_or(""), out));
        } else {
            out.push(ch);
        }
    }
    None
}

/// The rest of the line (and the line's text).
fn sed_line(s: &str) -> (&str, &str) {
    match s.find('\n') {
        Some(i) => (s.get(..i).unwrap_or(""), s.get(i + 1..).unwrap_or("")),
        None => (s, ""),
    }
}

/// Whether an `a`/`i`/`c` text line continues on the next line: it ends in an odd number
/// of backslashes (an even number is escaped backslashes).
fn continues(line: &str) -> bool {
    line.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// Skips one sed address (number, `$`, `/re/`, `\cREc`, `first~step`, `+N`).
fn sed_address(mut s: &str) -> Option<&str> {
    s = s.trim_start_matches([' ', '\t']);
    if let Some(r) = s.strip_prefix('/') {
        s = sed_delimited(r, '/')?.0;
        s = s.trim_start_matches(['I', 'M']);
    } else if let Some(r) = s.strip_prefix('\\') {
        let d = r.chars().next()?;
        s = sed_delimited(r.get(d.len_utf8()..)?, d)?.0;
        s = s.trim_start_matches(['I', 'M']);
    } else {
        s = s.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '$' | '~' | '+'));
    }
    Some(s)
}

/// Reads a sed script: `e`/`w`/`W` commands, `e`/`w` flags of `s`, unknown commands.
pub fn sed(src: &str, info: &mut ProgramInfo) {
    let mut s = src;
    loop {
        s = s.trim_start_matches(|c: char| c.is_whitespace() || c == ';' || c == '}');
        if s.is_empty() {
            return;
        }
        let start_len = s.len();
        let Some(a) = sed_address(s) else {
            info.unseen = true;
            return;
        };
        s = a;
        if let Some(r) = s.trim_start().strip_prefix(',') {
            let Some(b) = sed_address(r) else {
                info.unseen = true;
                return;
            };
            s = b;
        }
        s = s.trim_start_matches([' ', '\t', '!']);
        let Some(cmd) = s.chars().next() else {
            return;
        };
        let rest = s.get(cmd.len_utf8()..).unwrap_or("");
        match cmd {
            '{' => s = rest,
            '#' | ':' | 'a' | 'i' | 'c' | 'r' | 'R' | 'b' | 't' | 'T' | 'v' => {
                // `r FILE` / `R FILE` print a file the secret checks never see (`r ~/.ssh/…`).
                if matches!(cmd, 'r' | 'R') {
                    info.reads_files = true;
                    // GNU sed reads the name to the end of the line (`;` is part of it).
                    let name = sed_line(rest).0.trim_start_matches([' ', '\t']);
                    if name.is_empty() {
                        info.unseen = true;
                    } else {
                        info.read_names.push(name.to_string());
                    }
                }
                // Text, a comment or a file name runs to the end of the line; a text line
                // goes on only when it ends in an odd number of backslashes (`foo\\` ends
                // the text with a literal backslash, and the next line is a command again).
                let mut r = rest;
                loop {
                    let (line, next) = sed_line(r);
                    r = next;
                    if !(matches!(cmd, 'a' | 'i' | 'c') && continues(line)) {
                        break;
                    }
                }
                // GNU sed 4.9 ends a label (`:a`, `b a`, `t`, `T`) and `v` at `;` as well:
                // `:a;e CMD` runs CMD, so reading the label to the end of the line would hide it.
                s = if matches!(cmd, ':' | 'b' | 't' | 'T' | 'v') {
                    match rest.find([';', '\n']) {
                        Some(i) => rest.get(i..).unwrap_or(""),
                        None => "",
                    }
                } else {
                    r
                };
            }
            'w' | 'W' => {
                info.writes = true;
                s = sed_line(rest).1;
            }
            'e' => {
                let (line, next) = sed_line(rest);
                let line = line.trim();
                info.runs.push((!line.is_empty()).then(|| line.to_string()));
                s = next;
            }
            's' | 'y' => {
                let Some(d) = rest.chars().next() else {
                    info.unseen = true;
                    return;
                };
                let Some((r1, _)) = sed_delimited(rest.get(d.len_utf8()..).unwrap_or(""), d) else {
                    info.unseen = true;
                    return;
                };
                let Some((mut r2, _)) = sed_delimited(r1, d) else {
                    info.unseen = true;
                    return;
                };
                if cmd == 's' {
                    while let Some(f) = r2.chars().next() {
                        match f {
                            'g' | 'p' | 'i' | 'I' | 'm' | 'M' | '0'..='9' => {
                                r2 = r2.get(1..).unwrap_or("");
                            }
                            // `e` runs the pattern space as a command: its text is unknown.
                            'e' => {
                                info.runs.push(None);
                                r2 = r2.get(1..).unwrap_or("");
                            }
                            'w' => {
                                info.writes = true;
                                r2 = sed_line(r2).1;
                            }
                            _ => break,
                        }
                    }
                }
                s = r2;
            }
            'q' | 'Q' | 'l' | 'L' => {
                s = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ');
            }
            '=' | 'd' | 'D' | 'g' | 'G' | 'h' | 'H' | 'n' | 'N' | 'p' | 'P' | 'x' | 'z' | 'F' => {
                s = rest
            }
            _ => {
                info.unseen = true;
                return;
            }
        }
        if s.len() >= start_len {
            // No progress: stop rather than loop (fail closed).
            info.unseen = true;
            return;
        }
    }
}

/// Reads a jq filter: `include`/`import` load modules we cannot see; `$ENV`/`env` read the
/// environment (secrets, check 23). Strings are not skipped, because `"\\(env.X)"`
/// interpolates code: a word inside a string can only make the answer stricter.
pub fn jq(src: &str, info: &mut ProgramInfo) {
    let mut prev = ' ';
    let mut word_start: Option<usize> = None;
    for (i, ch) in src.char_indices().chain(std::iter::once((src.len(), ' '))) {
        if ch.is_ascii_alphanumeric() || ch == '_' {
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(st) = word_start.take() {
            let w = src.get(st..i).unwrap_or("");
            match (prev, w) {
                // `.env` and `.include` are object keys.
                ('.', _) => {}
                ('$', "ENV") | (_, "env") if prev != '$' || w == "ENV" => info.reads_env = true,
                (p, "include" | "import") if p != '$' => info.unseen = true,
                _ => {}
            }
            prev = 'a';
        }
        if !ch.is_whitespace() {
            prev = ch;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn awk_info(s: &str) -> ProgramInfo {
        let mut i = ProgramInfo::default();
        awk(s, &mut i);
        i
    }
    fn sed_info(s: &str) -> ProgramInfo {
        let mut i = ProgramInfo::default();
        sed(s, &mut i);
        i
    }
    fn jq_info(s: &str) -> ProgramInfo {
        let mut i = ProgramInfo::default();
        jq(s, &mut i);
        i
    }

    #[test]
    fn awk_comparisons_are_not_redirections() {
        assert!(awk_info("NR >= 927 && NR <= 970").read_only());
        assert!(awk_info("$3 > 5 { print $1 }").read_only());
        assert!(awk_info("{ if ($1 > 2) print ($1 > 3) }").read_only());
        assert!(awk_info("{ a = x || y; print a }").read_only());
        assert!(awk_info("/a|b/ { print }").read_only());
        assert!(!awk_info("{ print > \"out\" }").read_only());
        assert!(!awk_info("{ print $1 >> $2 }").read_only());
    }

    #[test]
    fn awk_getline_from_a_file_is_not_read_only() {
        assert!(!awk_info("BEGIN { getline l < \"/home/u/.ssh/id_rsa\"; print l }").read_only());
        assert!(!awk_info("BEGIN { while ((getline line < f) > 0) n++ }").read_only());
        assert!(!awk_info("BEGIN { getline < \"date\" }").read_only());
        assert!(awk_info("{ getline; print }").read_only());
        assert!(awk_info("{ getline x; print x }").read_only());
    }

    #[test]
    fn awk_commands_are_found() {
        assert_eq!(
            awk_info("BEGIN{system(\"rm -rf ~\")}").runs,
            vec![Some("rm -rf ~".to_string())]
        );
        assert_eq!(awk_info("{system(\"rm \" $1)}").runs, vec![None]);
        assert_eq!(
            awk_info("{print $1 | \"sh\"}").runs,
            vec![Some("sh".to_string())]
        );
        assert_eq!(
            awk_info("BEGIN{\"date\" | getline d; print d}").runs,
            vec![Some("date".to_string())]
        );
        assert_eq!(
            awk_info("BEGIN{print \"curl x|sh\" | \"sh\"}").runs,
            vec![Some("sh".to_string()), Some("curl x|sh".to_string())]
        );
        assert_eq!(
            awk_info("BEGIN{\"rm -rf \" \"~\" | getline}").runs,
            vec![None]
        );
        assert!(!awk_info("@load \"x\"").read_only());
        assert!(!awk_info("BEGIN{print |& \"cmd\"}").read_only());
    }

    #[test]
    fn sed_read_file_commands_are_not_read_only() {
        assert!(!sed_info("r /home/u/.ssh/id_rsa").read_only());
        assert!(!sed_info("1R secrets.txt").read_only());
        assert!(!sed_info("/x/r f").read_only());
        assert!(sed_info("s/r/R/g").read_only());
        assert!(sed_info("1i\\\nread me").read_only());
        assert_eq!(sed_info("206r ./part.py").read_names, vec!["./part.py"]);
        assert_eq!(sed_info("1R  a;b\n2d").read_names, vec!["a;b"]);
        assert!(sed_info("1r").unseen);
    }

    #[test]
    fn sed_scripts() {
        assert!(sed_info("s/a/b/g").read_only());
        assert!(sed_info("1,5p;10q").read_only());
        assert!(sed_info("/foo/,/bar/d").read_only());
        assert!(sed_info("s|a/b|c|g; s#x#y#2").read_only());
        assert!(sed_info("/x/a\\\nhello w").read_only());
        assert!(!sed_info("s/a/b/w out").read_only());
        assert!(!sed_info("s/a/b/e").read_only());
        assert!(!sed_info("1w out").read_only());
        assert_eq!(sed_info("1e rm -rf ~").runs, vec![Some("rm -rf ~".into())]);
        assert!(!sed_info("1!W f").read_only());
        assert!(!sed_info("k").read_only());
    }

    #[test]
    fn jq_filters() {
        assert!(jq_info(".a | .env | .include").read_only());
        assert!(!jq_info(".a | .env").reads_env);
        assert!(jq_info("$ENV.HOME").reads_env);
        assert!(jq_info("env.PATH").reads_env);
        assert!(!jq_info("include \"x\"; .").read_only());
        assert!(!jq_info("import \"x\" as y; .").read_only());
        assert!(jq_info("input_filename").read_only());
    }
}
