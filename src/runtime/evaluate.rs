//! Phase 4's direct API (`evaluateCommand`, P4-R46): one command evaluated with the active
//! (or the default) config, outside any hook. The CLI's `check` and the benchmarks call it
//! once per command, so its context is read without a `Value` tree where it can be (P4-R49).

use super::{parse_json, str_at, CoreError, Runtime, MAX_EVENT_BYTES};
use crate::host::Host;
use crate::shell;
use serde_json::Value;

/// The context of `evaluateCommand`: `home`, `cwd` and `os`, each used only when it is a
/// string; other keys and other value types are ignored.
// `deny_unknown_fields` only sends other keys to the general reader (see `parse`), which
// validates them as it always did (lone surrogates, nesting depth).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluateContext {
    /// Home directory (asked from the host when missing).
    #[serde(default, deserialize_with = "string_or_none")]
    pub home: Option<String>,
    /// Working directory, also the workspace (asked from the host when missing).
    #[serde(default, deserialize_with = "string_or_none")]
    pub cwd: Option<String>,
    /// `linux`, `macos` or `windows` (default: linux).
    #[serde(default, deserialize_with = "string_or_none")]
    pub os: Option<String>,
}

fn string_or_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::Deserialize;
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

impl EvaluateContext {
    /// Reads the context from JSON text: an object, `null` or blank. An object with only the
    /// three keys is read straight into the struct rather than through a `Value` tree: the
    /// CLI and the benchmark call this once per command (P4-R49).
    pub fn parse(text: &str) -> Result<EvaluateContext, CoreError> {
        if text.trim_start().starts_with('{') && text.len() <= MAX_EVENT_BYTES {
            if let Ok(ctx) = crate::json::from_str(text) {
                return Ok(ctx);
            }
        }
        // Everything else, errors included, as the general reader answers it.
        match parse_json(text, "/ctx")? {
            Value::Null => Ok(EvaluateContext::default()),
            v if v.is_object() => Ok(EvaluateContext {
                home: str_at(&v, "home"),
                cwd: str_at(&v, "cwd"),
                os: str_at(&v, "os"),
            }),
            _ => Err(CoreError::invalid_input(
                "/ctx",
                "the context must be a JSON object",
            )),
        }
    }
}

impl Runtime {
    /// Phase 4 direct API: evaluates one command with the active (or default) config.
    pub fn evaluate_command(
        &self,
        host: &dyn Host,
        command: &str,
        ctx: &EvaluateContext,
    ) -> shell::Evaluation {
        let ectx = self.eval_context(host, ctx);
        self.evaluate_in(command, &ectx, true)
    }

    /// `command` evaluated in `ectx` with the active (or default) config; with `patterns`
    /// false the grantable patterns are left out (the JSON record does not carry them).
    fn evaluate_in(
        &self,
        command: &str,
        ectx: &shell::EvalContext,
        patterns: bool,
    ) -> shell::Evaluation {
        let default_cfg;
        let cfg = match self.active.as_ref() {
            Some(a) => a.config.phases.bash_security.settings(),
            None => {
                default_cfg = shell::BashSecurityConfig::default();
                &default_cfg
            }
        };
        if patterns {
            shell::evaluate(command, ectx, cfg)
        } else {
            shell::evaluate_verdict(command, ectx, cfg)
        }
    }

    /// The evaluation context of `evaluateCommand`'s context.
    fn eval_context(&self, host: &dyn Host, ctx: &EvaluateContext) -> shell::EvalContext {
        // The host is asked only for what the context leaves out: each call crosses the
        // wasm boundary, and the CLI and benchmarks evaluate many commands (P4-R49).
        let home = ctx
            .home
            .clone()
            .or_else(|| self.active.as_ref().map(|a| a.home(host)));
        let cwd = ctx.cwd.clone();
        let dirs = (home.is_none() || cwd.is_none()).then(|| host.resolve_dirs());
        let home = home
            .or_else(|| dirs.as_ref().map(|d| d.home_dir.clone()))
            .unwrap_or_default();
        let cwd = cwd
            .or_else(|| dirs.as_ref().map(|d| d.workspace_dir.clone()))
            .unwrap_or_default();
        let os = ctx.os.as_deref().map(shell::Os::parse).unwrap_or_default();
        shell::EvalContext {
            home,
            workspace: cwd.clone(),
            cwd,
            os,
            env_keys: Vec::new(),
            ..Default::default()
        }
    }

    /// `evaluate_command` with JSON text in and out (P4-R46 field order).
    pub fn evaluate_command_json(&self, host: &dyn Host, command: &str, ctx_json: &str) -> String {
        thread_local! {
            /// The last context text that gave both `home` and `cwd`, with the evaluation
            /// context it makes: then that context is a function of the text alone (no host
            /// answer, no config), and callers that evaluate many commands pass the same text
            /// every time, so it is read once instead of per call (P4-R49).
            static LAST_CTX: std::cell::RefCell<Option<(String, shell::EvalContext)>> =
                const { std::cell::RefCell::new(None) };
        }
        let hit = LAST_CTX.with(|last| {
            let last = last.try_borrow().ok()?;
            let (_, ectx) = last.as_ref().filter(|(t, _)| t == ctx_json)?;
            Some(shell::cli_record(command, &self.evaluate_in(command, ectx, false)).to_json())
        });
        if let Some(out) = hit {
            return out;
        }
        match EvaluateContext::parse(ctx_json) {
            Ok(ctx) => {
                let ectx = self.eval_context(host, &ctx);
                let out =
                    shell::cli_record(command, &self.evaluate_in(command, &ectx, false)).to_json();
                if ctx.home.is_some() && ctx.cwd.is_some() {
                    LAST_CTX.with(|last| {
                        if let Ok(mut last) = last.try_borrow_mut() {
                            *last = Some((ctx_json.to_string(), ectx));
                        }
                    });
                }
                out
            }
            Err(e) => e.to_json(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the context reader answered when it read every context through a `Value`.
    fn through_value(text: &str) -> Result<EvaluateContext, String> {
        match parse_json(text, "/ctx") {
            Ok(v) if v.is_null() || v.is_object() => Ok(EvaluateContext {
                home: str_at(&v, "home"),
                cwd: str_at(&v, "cwd"),
                os: str_at(&v, "os"),
            }),
            Ok(_) => Err("the context must be a JSON object".into()),
            Err(e) => Err(e.message),
        }
    }

    #[test]
    fn the_direct_context_reader_answers_like_the_value_reader() {
        for text in [
            "",
            "  ",
            "null",
            "{}",
            r#"{"home":"/h","cwd":"/w","os":"macos"}"#,
            r#" {"home":5,"cwd":null,"os":["x"],"other":{"a":[1,2]}}"#,
            r#"{"home":"/a","home":"/b"}"#,
            r#"{"cwd":"/w\u00e9\n"}"#,
            r#"{"home":"/h""#,
            "{",
            "[1,2]",
            r#"["/h","/w"]"#,
            "5",
            r#""text""#,
            "nul",
            "{} x",
            r#"{"a":"\udc00"}"#,
            r#"{"home":"\udc00"}"#,
            r#"{"cwd":"/w","a":1}"#,
        ] {
            let direct = EvaluateContext::parse(text).map_err(|e| e.message);
            assert_eq!(direct, through_value(text), "{text:?}");
        }
        let deep = format!("{}1{}", r#"{"home":{"a":"#.repeat(300), "}}".repeat(300));
        assert!(EvaluateContext::parse(&deep).is_err());
        assert_eq!(
            EvaluateContext::parse(&deep).map_err(|e| e.message),
            through_value(&deep)
        );
    }
}
