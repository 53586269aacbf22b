//! Phase 7's hooks (issue 18 item 2): registrations, `/skills-audit`, `/skillify`, the
//! `agent_ops_skill_save` tool, the hook dispatch, the config writes that disable denied
//! skills and the service tick. Phase 4's judgement of shell snippets and phase 3's notes
//! arrive as typed input from the runtime's `interplay`.

use super::engine::SkillGuard;
use super::ForkSkillsConfig;
use crate::audit::{Action, Decision, RECORD_VERSION};
use crate::contract::{
    fail_open, orphan_job, CommandJudge, CommandSpec, Diagnostic, HostInfo, JudgeSource, Outcome,
    PhaseCore, PhaseCtx, PhaseInit, Registration, ServiceSpec, ToolSpec,
};
use crate::host::{join_path, LogLevel};
use crate::json;
use serde_json::Value;

/// The phase key (also the `phase` of its jobs).
pub(super) const KEY: &str = "forkSkills";

fn reg(hook: &str) -> Registration {
    // P7-R28: fail open.
    fail_open(KEY, hook, 0, None)
}

/// Registrations, `/skills-audit`, `/skillify`, the save tool and the service (scans between
/// runs; `service` is the plugin's one service spec).
pub fn init(info: &HostInfo, service: ServiceSpec) -> PhaseInit {
    let mut init = PhaseInit::default();
    init.registrations.push(reg("session_start"));
    init.registrations.push(reg("agent_end"));
    init.registrations.push(reg("subagent_spawned"));
    // P7-R20: managed installs announce their commits; no wait for the next poll.
    init.registrations.push(reg("skill_changed"));
    let mut spawn = reg("before_tool_call");
    spawn.matcher = Some(vec!["sessions_spawn".into()]);
    spawn.priority = 250;
    init.registrations.push(spawn);
    if info.conversation_access != Some(false) {
        init.registrations.push(reg("before_prompt_build"));
        init.registrations.push(reg("llm_input"));
    }
    init.commands.push(CommandSpec {
        name: "skills-audit".into(),
        description: "agent-ops: the effective skills, what is shadowed or invalid, scanner findings and OpenClaw limits".into(),
        handler: "forkSkills:command:skills-audit".into(),
        accepts_args: false,
    });
    init.commands.push(CommandSpec {
        name: "skillify".into(),
        description: "agent-ops: turn this session's repeated workflow into a SKILL.md (optional description)".into(),
        handler: "forkSkills:command:skillify".into(),
        accepts_args: true,
    });
    init.tools.push(ToolSpec {
        name: "agent_ops_skill_save".into(),
        label: "agent-ops save skill".into(),
        description: "Save a skill the user confirmed: name (lowercase, digits, dashes), one-line description ending with \"Use when …\", body with ## Steps where every numbered step has a \"Success criteria:\" line, location workspace or personal, overwrite to replace an existing skill.".into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "name": { "type": "string" },
                "description": { "type": "string" },
                "body": { "type": "string" },
                "location": { "type": "string", "enum": ["workspace", "personal"] },
                "overwrite": { "type": "boolean" }
            },
            "required": ["name", "description", "body"],
            "additionalProperties": false
        }),
        handler: "forkSkills:tool:agent_ops_skill_save".into(),
        catalog_mode: "direct-only".into(),
    });
    init.service = Some(service);
    init
}

/// What phase 7 gets from the runtime for a call.
pub struct SkillsInput<'a> {
    /// Phase 4 as the scanner's and the save tool's judge of shell snippets.
    pub judge: &'a dyn JudgeSource,
    /// For `/skillify`: the session's notes (phase 3), when there are any.
    pub notes: Option<String>,
}

fn decisions(ret: Value, decisions: Vec<Decision>) -> Outcome {
    Outcome {
        ret,
        decisions,
        ..Outcome::default()
    }
}

/// Phase 4 as the judge of shell snippets run from this call's workspace.
fn judge<'s>(
    cx: &PhaseCtx<'_, ForkSkillsConfig>,
    source: &'s dyn JudgeSource,
) -> Box<dyn CommandJudge + 's> {
    source.in_workspace(&cx.home(), &cx.workspace())
}

impl PhaseCore for SkillGuard {
    type Config = ForkSkillsConfig;
    type Input<'a> = SkillsInput<'a>;
    const KEY: &'static str = KEY;

    /// One phase-7 hook, command or tool call.
    fn on_hook(
        &mut self,
        cx: &PhaseCtx<'_, ForkSkillsConfig>,
        name: &str,
        event: &Value,
        input: SkillsInput<'_>,
    ) -> Outcome {
        let host = cx.host;
        let ctx = cx.ctx;
        let fork_cfg = &cx.cfg.fork;
        let key = cx.ctx_str("sessionKey");
        match name {
            "llm_input" if fork_cfg.check_cache_safety => {
                decisions(Value::Null, self.forks.llm_input(host.now_ms(), event, ctx))
            }
            "before_tool_call" if self.forks.depth(key.unwrap_or("")) > 0 => {
                match self.forks.guard(
                    host.now_ms(),
                    fork_cfg.max_fork_depth,
                    fork_cfg.fork_children_may_spawn,
                    event,
                    ctx,
                ) {
                    Some((ret, d)) => decisions(ret, vec![d]),
                    None => {
                        let (ret, d) = self.forks.before_spawn(
                            host.now_ms(),
                            fork_cfg.cache_break,
                            event,
                            ctx,
                        );
                        decisions(ret, d)
                    }
                }
            }
            "before_tool_call" => {
                let (ret, d) =
                    self.forks
                        .before_spawn(host.now_ms(), fork_cfg.cache_break, event, ctx);
                decisions(ret, d)
            }
            "subagent_spawned" => {
                self.forks.spawned(event, ctx);
                Outcome::default()
            }
            "session_start" => {
                self.scan_roots(cx, host.now_ms(), judge(cx, input.judge).as_ref(), false)
            }
            "skill_changed" => {
                let judge = judge(cx, input.judge);
                self.skill_changed(cx, host.now_ms(), judge.as_ref(), event)
            }
            "before_prompt_build" => {
                let judge = judge(cx, input.judge);
                let mut out = self.before_prompt_build(cx, host.now_ms(), judge.as_ref());
                // P7-R8: the fork rules join whatever context this phase already returns.
                if fork_cfg.inject_fork_rules {
                    if let Some(rules) = self.forks.rules_for(key.unwrap_or("")) {
                        let prev = out
                            .ret
                            .get("prependContext")
                            .and_then(Value::as_str)
                            .map(str::to_string);
                        let text = match prev {
                            Some(p) => format!("{rules}\n{p}"),
                            None => rules.to_string(),
                        };
                        if !out.ret.is_object() {
                            out.ret = json!({});
                        }
                        if let Some(o) = out.ret.as_object_mut() {
                            o.insert("prependContext".into(), Value::String(text));
                        }
                    }
                }
                out
            }
            "agent_end" => {
                if let Some(k) = key {
                    self.touch(k, host.now_ms());
                }
                Outcome::default()
            }
            "command:skillify" => {
                if !cx.cfg.skillify.enabled {
                    return Outcome::text(
                        "agent-ops: skillify is off (phases.forkSkills.skillify.enabled)",
                    );
                }
                let args = event.get("args").and_then(Value::as_str);
                let text = super::skillify::instructions(input.notes.as_deref(), args);
                self.queue(key.unwrap_or(""), text);
                Outcome::ret(
                    json!({ "text": "Capturing this session as a skill…", "continueAgent": true }),
                )
            }
            "tool:agent_ops_skill_save" => save(cx, input.judge, event),
            "command:skills-audit" => {
                Outcome::text(self.audit(cx, judge(cx, input.judge).as_ref()))
            }
            _ => Outcome::default(),
        }
    }

    /// Service tick: scan the roots so changes are ready before the next turn.
    fn tick(&mut self, cx: &PhaseCtx<'_, ForkSkillsConfig>, input: SkillsInput<'_>) -> Outcome {
        self.scan_roots(cx, cx.now_ms(), judge(cx, input.judge).as_ref(), true)
    }

    fn owns_job(&self, job_id: &str) -> bool {
        self.config_jobs.contains_key(job_id)
    }

    /// The outcome of a config write that disabled a skill (P7-R21c).
    fn job_done(
        &mut self,
        cx: &PhaseCtx<'_, ForkSkillsConfig>,
        job_id: &str,
        outcome: &Value,
        _: SkillsInput<'_>,
    ) -> Outcome {
        let Some((key, path)) = self.config_jobs.remove(job_id) else {
            return Outcome::default();
        };
        let mut result = Outcome {
            journal_allows: true,
            ..Outcome::default()
        };
        if outcome.get("ok").and_then(Value::as_bool) == Some(true) {
            result.decisions.push(Decision {
                v: RECORD_VERSION,
                at: cx.now_ms(),
                phase: "skills".into(),
                code: "skills.scan.disabled".into(),
                action: Action::Deny,
                message: format!("Skill {key} ({path}) was disabled in OpenClaw (skills.entries.{key}.enabled = false) because the skill scanner denied it."),
                session_key: None,
                run_id: None,
                tool_call_id: None,
                details: json!({ "skillKey": key, "path": path }),
            });
        } else {
            result.diagnostics.push(Diagnostic {
                level: LogLevel::Warn,
                code: "skills.scan.disable_failed".into(),
                message: format!(
                    "could not disable skill {key} ({path}): {}; set skills.entries.{key}.enabled to false in openclaw.json",
                    outcome.get("error").and_then(Value::as_str).unwrap_or("unknown error")
                ),
            });
        }
        result
    }

    /// A config write another core asked for (`skill-disable-<key>-<ms>`): its outcome is
    /// reported with what the operator has to do; its decision record is not written (the
    /// skill's path is unknown here).
    fn adopt_job(
        &mut self,
        _cx: &PhaseCtx<'_, ForkSkillsConfig>,
        job_id: &str,
        outcome: &Value,
        _: SkillsInput<'_>,
    ) -> Option<Outcome> {
        let rest = job_id.strip_prefix("skill-disable-")?;
        let key = rest.rsplit_once('-').map_or("?", |(k, _)| k);
        let fate = if outcome.get("ok").and_then(Value::as_bool) == Some(true) {
            format!("phase 7 config write disabling the denied skill {key}; OpenClaw applied it (skills.entries.{key}.enabled = false), but its decision record is not written")
        } else {
            format!("phase 7 config write disabling the denied skill {key}; it failed: set skills.entries.{key}.enabled to false in openclaw.json")
        };
        Some(Outcome {
            diagnostics: vec![orphan_job(job_id, &fate)],
            ..Outcome::default()
        })
    }
}

/// `agent_ops_skill_save` (P7-R26): validate, refuse to clobber, write atomically, report
/// shadowing.
fn save(cx: &PhaseCtx<'_, ForkSkillsConfig>, judge: &dyn JudgeSource, event: &Value) -> Outcome {
    let host = cx.host;
    let params = event.get("params").cloned().unwrap_or(Value::Null);
    let home = cx.home();
    let workspace = cx.workspace();
    let default_location = match cx.cfg.skillify.default_location {
        super::SkillLocation::Personal => "personal",
        _ => "workspace",
    };
    let judge = judge.in_workspace(&home, &workspace);
    let req = match super::skillify::validate(&params, judge.as_ref(), default_location) {
        Ok(r) => r,
        Err(errors) => {
            return Outcome::ret(json!({
                "text": format!("agent-ops: the skill was not saved:\n- {}", errors.join("\n- ")),
                "details": { "errors": errors },
            }));
        }
    };
    let base = if req.location == "personal" {
        join_path(&home, ".agents/skills")
    } else {
        join_path(&workspace, "skills")
    };
    let path = join_path(&base, &format!("{}/SKILL.md", req.name));
    if !req.overwrite && host.fs_stat(&path).is_ok() {
        return Outcome::ret(json!({
            "text": format!("agent-ops: {path} already exists; pass overwrite: true to replace it"),
            "details": { "errors": [format!("{path} exists")] },
        }));
    }
    let higher: Vec<String> = if req.location == "personal" {
        vec![
            join_path(&workspace, "skills"),
            join_path(&workspace, ".agents/skills"),
        ]
    } else {
        Vec::new()
    };
    let shadowed_by = higher
        .iter()
        .map(|r| join_path(r, &format!("{}/SKILL.md", req.name)))
        .find(|p| host.fs_stat(p).is_ok());
    if let Err(e) = host.fs_write_atomic(&path, req.text.as_bytes(), 0o644) {
        return Outcome::ret(
            json!({ "text": format!("agent-ops: could not write {path}: {e}"), "details": { "errors": [e.to_string()] } }),
        );
    }
    let mut text = format!(
        "Saved skill {} to {path}. OpenClaw lists it from the next turn; invoke it by name (/{}).",
        req.name, req.name
    );
    if let Some(s) = &shadowed_by {
        text.push_str(&format!(
            " Warning: {s} has the same name and takes precedence, so this skill is shadowed."
        ));
    }
    let d = Decision {
        v: RECORD_VERSION,
        at: host.now_ms(),
        phase: "skills".into(),
        code: "skills.saved".into(),
        action: Action::Note,
        message: format!("Skill {} saved to {path}.", req.name),
        session_key: cx.ctx_str("sessionKey").map(str::to_string),
        run_id: None,
        tool_call_id: None,
        details: json!({ "path": path, "shadowedBy": shadowed_by, "notes": req.notes }),
    };
    Outcome {
        ret: json!({ "text": text, "details": { "path": path, "shadowedBy": shadowed_by } }),
        decisions: vec![d],
        journal_allows: true,
        ..Outcome::default()
    }
}
