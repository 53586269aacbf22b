//! Where OpenClaw keeps its config and state, found the way OpenClaw 2026.9.6 finds them
//! (`src/config/paths.ts`, `src/config/state-dir.ts`, `src/infra/home-dir.ts`), so every
//! subcommand reads the file the gateway reads (issue 17 item 7).
//!
//! Home: `$OPENCLAW_HOME` (a leading `~` is the OS home), else `$HOME`, else the working
//! directory. State dir: `$OPENCLAW_STATE_DIR` (`~` expanded), else `~/.openclaw` when it exists,
//! else the legacy `~/.clawdbot` when it exists, else `~/.openclaw`. Config: `$OPENCLAW_CONFIG_PATH`,
//! else the first existing of `openclaw.json` / `clawdbot.json` in `$OPENCLAW_STATE_DIR`, then in
//! `~/.openclaw`, then in `~/.clawdbot`, else `openclaw.json` in the state dir.

use crate::host::{join_path, Host};
use serde_json::Value;

/// The config file names OpenClaw reads, newest first.
const CONFIG_NAMES: [&str; 2] = ["openclaw.json", "clawdbot.json"];

/// Where the config path came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigSource {
    /// `--openclaw-config`.
    Option,
    /// `$OPENCLAW_CONFIG_PATH`.
    EnvConfigPath,
    /// A file found in `$OPENCLAW_STATE_DIR`.
    EnvStateDir,
    /// A file found in the default state directory.
    DefaultDir,
    /// No file exists; the path OpenClaw would create.
    NotFound,
}

impl ConfigSource {
    /// How the report names the source.
    pub fn describe(self) -> &'static str {
        match self {
            ConfigSource::Option => "from --openclaw-config",
            ConfigSource::EnvConfigPath => "from $OPENCLAW_CONFIG_PATH",
            ConfigSource::EnvStateDir => "found in $OPENCLAW_STATE_DIR",
            ConfigSource::DefaultDir => "found in the default state directory",
            ConfigSource::NotFound => "no config file exists; OpenClaw runs with its defaults",
        }
    }
}

/// OpenClaw's home, state directory and config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenClawPaths {
    /// The effective home directory.
    pub home: String,
    /// OpenClaw's state directory.
    pub state_dir: String,
    /// The config file.
    pub config_path: String,
    /// Where `config_path` came from.
    pub source: ConfigSource,
}

fn env_nonblank(host: &dyn Host, name: &str) -> Option<String> {
    host.env(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty() && v != "undefined" && v != "null")
}

fn exists(host: &dyn Host, path: &str) -> bool {
    host.fs_stat(path).is_ok()
}

/// `~` and `~/…` become the home; a relative path is taken from `cwd`.
pub fn user_path(input: &str, home: &str, cwd: &str) -> String {
    let expanded = if input == "~" {
        home.to_string()
    } else if let Some(rest) = input.strip_prefix("~/") {
        join_path(home, rest)
    } else {
        input.to_string()
    };
    if expanded.starts_with('/') || cwd.is_empty() {
        expanded
    } else {
        join_path(cwd, &expanded)
    }
}

/// Finds OpenClaw's paths; `config_option` is `--openclaw-config` when given.
pub fn locate(host: &dyn Host, cwd: &str, config_option: Option<&str>) -> OpenClawPaths {
    let os_home = env_nonblank(host, "HOME").unwrap_or_else(|| cwd.to_string());
    let home = match env_nonblank(host, "OPENCLAW_HOME") {
        Some(h) => user_path(&h, &os_home, cwd),
        None => os_home,
    };
    let env_state = env_nonblank(host, "OPENCLAW_STATE_DIR").map(|d| user_path(&d, &home, cwd));
    let default_dirs = [join_path(&home, ".openclaw"), join_path(&home, ".clawdbot")];
    let state_dir = env_state.clone().unwrap_or_else(|| {
        default_dirs
            .iter()
            .find(|d| exists(host, d))
            .cloned()
            .unwrap_or_else(|| join_path(&home, ".openclaw"))
    });
    let done = |config_path: String, source| OpenClawPaths {
        home: home.clone(),
        state_dir: state_dir.clone(),
        config_path,
        source,
    };
    if let Some(path) = config_option {
        return done(user_path(path, &home, cwd), ConfigSource::Option);
    }
    if let Some(path) = env_nonblank(host, "OPENCLAW_CONFIG_PATH") {
        return done(user_path(&path, &home, cwd), ConfigSource::EnvConfigPath);
    }
    let mut candidates: Vec<(String, ConfigSource)> = Vec::new();
    if let Some(dir) = &env_state {
        for n in CONFIG_NAMES {
            candidates.push((join_path(dir, n), ConfigSource::EnvStateDir));
        }
    }
    for dir in &default_dirs {
        for n in CONFIG_NAMES {
            candidates.push((join_path(dir, n), ConfigSource::DefaultDir));
        }
    }
    match candidates.into_iter().find(|(p, _)| exists(host, p)) {
        Some((p, source)) => done(p, source),
        None => done(
            join_path(&state_dir, "openclaw.json"),
            ConfigSource::NotFound,
        ),
    }
}

/// The largest config file read (OpenClaw's own configs are a few KB).
const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// How the config was read.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedConfig {
    /// The config (`null` when no file exists).
    pub value: Value,
    /// A note for the report: JSON5 read by OpenClaw, or no file.
    pub note: Option<String>,
}

/// Reads the config at `paths`. A missing file (not named explicitly) is OpenClaw's empty
/// config. A file that is not plain JSON (OpenClaw accepts JSON5) is taken from `parsed_by_openclaw`
/// when the CLI runs inside OpenClaw; otherwise it is an error naming the file.
pub fn read_config(
    host: &dyn Host,
    paths: &OpenClawPaths,
    parsed_by_openclaw: Option<&Value>,
) -> Result<LoadedConfig, String> {
    let path = &paths.config_path;
    if paths.source == ConfigSource::NotFound {
        return Ok(LoadedConfig {
            value: Value::Null,
            note: None,
        });
    }
    let bytes = host
        .fs_read(path, MAX_CONFIG_BYTES)
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    let text = String::from_utf8_lossy(&bytes);
    let e = match crate::json::from_str::<Value>(&text) {
        Ok(v) => {
            return Ok(LoadedConfig {
                value: v,
                note: None,
            })
        }
        Err(e) => e,
    };
    if let Some(v) = parsed_by_openclaw {
        return Ok(LoadedConfig {
            value: v.clone(),
            note: Some("not plain JSON: OpenClaw's own reading of it (JSON5) was used".into()),
        });
    }
    match crate::json::from_str::<Value>(&json5_to_json(&text)) {
        Ok(v) => Ok(LoadedConfig {
            value: v,
            note: Some("read as JSON5 (comments, trailing commas, unquoted keys, single quotes)".into()),
        }),
        Err(_) => Err(format!(
            "{path} is neither JSON ({e}) nor the JSON5 this binary reads; `openclaw agent-ops` reads it with OpenClaw's own parser"
        )),
    }
}

/// The JSON5 people write in an OpenClaw config, as JSON: `//` and `/* */` comments dropped,
/// trailing commas dropped, unquoted keys and single-quoted strings quoted. Anything else is
/// left as it is (the JSON parser then reports it).
pub fn json5_to_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    // The byte range in `out` of the last bare identifier, quoted if a `:` follows it.
    let mut ident: Option<(usize, usize)> = None;
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                ident = None;
                out.push('"');
                while let Some(d) = chars.next() {
                    match d {
                        '\\' => match chars.next() {
                            Some('\'') => out.push('\''),
                            Some('\n') => {}
                            Some(x) => {
                                out.push('\\');
                                out.push(x);
                            }
                            None => {}
                        },
                        '"' if c == '\'' => out.push_str("\\\""),
                        d if d == c => break,
                        d => out.push(d),
                    }
                }
                out.push('"');
            }
            '/' if chars.peek() == Some(&'/') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for d in chars.by_ref() {
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
                out.push(' ');
            }
            '}' | ']' => {
                ident = None;
                let keep = out.trim_end().len();
                out.truncate(keep);
                if out.ends_with(',') {
                    out.pop();
                }
                out.push(c);
            }
            ':' => {
                if let Some((start, end)) = ident.take() {
                    if out.get(end..).is_some_and(|rest| rest.trim().is_empty()) {
                        out.insert(end, '"');
                        out.insert(start, '"');
                    }
                }
                out.push(':');
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == '$' => {
                let start = out.len();
                out.push(c);
                while let Some(&d) = chars.peek() {
                    if d.is_ascii_alphanumeric() || d == '_' || d == '$' {
                        out.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                ident = Some((start, out.len()));
            }
            c if c.is_whitespace() => out.push(c),
            c => {
                ident = None;
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::json5_to_json;
    use serde_json::{json, Value};

    fn read(text: &str) -> Value {
        serde_json::from_str(&json5_to_json(text)).unwrap_or(Value::Null)
    }

    #[test]
    fn json5_as_people_write_it_reads_as_json() {
        let text = r#"{
  // the gateway
  gateway: { mode: 'local', port: 18789, },
  /* plugins */
  plugins: {
    allow: ["agent-ops",],
    entries: { 'agent-ops': { enabled: true, config: { note: 'it\'s "x" // not a comment', url: "http://a/*b*/" } } },
  },
}"#;
        assert_eq!(
            read(text),
            json!({
                "gateway": {"mode": "local", "port": 18789},
                "plugins": {
                    "allow": ["agent-ops"],
                    "entries": {"agent-ops": {"enabled": true, "config": {"note": "it's \"x\" // not a comment", "url": "http://a/*b*/"}}}
                }
            })
        );
        // Plain JSON is unchanged; true/false/null stay literals.
        let plain = r#"{"a": [true, false, null, 1.5], "b": {"c": "d"}}"#;
        assert_eq!(json5_to_json(plain), plain);
        // Broken input stays broken (the JSON parser reports it), and never panics.
        for bad in [
            "{",
            "{a:",
            "'unterminated",
            "/* open",
            "}",
            "{a b: 1}",
            "\u{0}",
        ] {
            let _ = json5_to_json(bad);
        }
        assert_eq!(read("{a b: 1}"), Value::Null);
    }
}
