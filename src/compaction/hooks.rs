//! Phase 1's hooks (issue 18 item 2): init (engine and provider specs, registrations,
//! diagnostics), the hook dispatch in hooks-only mode, the context engine's and compaction
//! provider's methods, the tick, and the post-compaction events (P1-R18a) it hands to the
//! runtime as [`Outcome::compacted`].

use super::engine::{CompactionGovernor, ENGINE_ID};
use super::{CompactionConfig, SummaryTemplate};
use crate::audit::{self, Action, Decision};
use crate::contract::{
    fail_open, CoreError, Diagnostic, EngineSpec, HostInfo, Outcome, PhaseCore, PhaseCtx,
    PhaseInit, ProviderSpec, Registration,
};
use crate::host::LogLevel;
use crate::json;
use serde_json::Value;

/// The phase key.
const KEY: &str = "compaction";

/// Hooks phase 1 handles.
const HOOKS: [&str; 5] = [
    "tool_result_persist",
    "after_tool_call",
    "before_compaction",
    "after_compaction",
    "agent_end",
];

/// The context engine's methods phase 1 answers itself (the engine's other methods are
/// routed by the runtime).
pub const ENGINE_METHODS: [&str; 9] = [
    "assemble",
    "compact",
    "compactResult",
    "commitTurn",
    "maintain",
    "summaryRequest",
    "microcompactEntries",
    "microcompactPersisted",
    "summaryCheck",
];

/// Whether phase 1 handles this hook.
pub fn handles(hook: &str) -> bool {
    HOOKS.contains(&hook)
}

fn reg(hook: &str, matcher: Option<Vec<String>>) -> Registration {
    fail_open(KEY, hook, 0, matcher)
}

/// What the binding layer's side of the engine protocol needs in the engine spec (the
/// runtime's effect loop owns it): the crate version, the argument fields per method and the
/// failure steps.
pub struct EngineProtocol {
    /// `<crate version>+schema.<n>`.
    pub version: String,
    /// Per engine method, the paths of OpenClaw's arguments to send.
    pub fields: Value,
    /// Per multi-step call, the step to follow when the core fails on its first call.
    pub failure: Value,
}

/// Registrations, engine and provider specs, diagnostics (P1-R11, R12).
pub fn init(cfg: &CompactionConfig, info: &HostInfo, protocol: EngineProtocol) -> PhaseInit {
    let mut init = PhaseInit::default();
    let selected = info.context_engine_selected == Some(true);
    init.engine = Some(EngineSpec {
        id: ENGINE_ID.into(),
        name: "agent-ops compaction governance".into(),
        version: protocol.version,
        owns_compaction: false,
        selected,
        transcript_semantics: json!({ "currentTurnFence": "before-current-turn-entry-v1", "turnAdvancementIdempotency": "atomic-idempotent-v1" }),
        fields: protocol.fields,
        failure: protocol.failure,
    });
    if cfg.summary_template == SummaryTemplate::NineSection {
        init.compaction_provider = Some(ProviderSpec {
            id: ENGINE_ID.into(),
            label: "agent-ops nine-section summary".into(),
        });
        if info.compaction_provider.as_deref() != Some(ENGINE_ID) {
            init.diagnostics.push(Diagnostic {
                level: LogLevel::Info,
                code: "compaction.degraded.no_provider".into(),
                message: "summaries use OpenClaw's built-in format: set agents.defaults.compaction.provider to \"agent-ops\" for the nine-section summary (P1-R17)".into(),
            });
        }
    }
    if !selected {
        init.degraded.push("hooks-only mode (no circuit breaker, no microcompaction): set plugins.slots.contextEngine=\"agent-ops\"".into());
    }
    if cfg.summary_template == SummaryTemplate::NineSection
        && info.compaction_provider.as_deref() != Some(ENGINE_ID)
    {
        init.degraded.push("built-in summary format: set agents.defaults.compaction.provider=\"agent-ops\" for the nine-section summary".into());
    }
    init.registrations.push(reg("tool_result_persist", None));
    init.registrations
        .push(reg("after_tool_call", Some(vec!["read".into()])));
    if !selected {
        init.diagnostics.push(Diagnostic {
            level: LogLevel::Warn,
            code: "core.degraded.no_engine_slot".into(),
            message: "phase 1 runs in hooks-only mode: set plugins.slots.contextEngine to \"agent-ops\" so the circuit breaker and microcompaction can act".into(),
        });
        for h in ["before_compaction", "after_compaction", "agent_end"] {
            init.registrations.push(reg(h, None));
        }
    }
    init
}

impl CompactionGovernor {
    /// One of [`ENGINE_METHODS`]; its answer is the outcome's `ret`. Invalid input is an
    /// error (the runtime answers the method's pass-through, P1-R20).
    pub fn engine_method(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        method: &str,
        params: &Value,
    ) -> Result<Outcome, CoreError> {
        match method {
            "assemble" => self.assemble(cx, params),
            "compact" => self.compact(cx, params),
            "compactResult" => self.compact_result(cx, params),
            "commitTurn" => self.commit_turn(cx, params),
            "maintain" => self.maintain(cx, params),
            "summaryRequest" => self.summary_request(params),
            "microcompactEntries" => self.microcompact_entries(cx, params),
            "microcompactPersisted" => self.microcompact_persisted(cx, params),
            _ => self.summary_check(cx, params),
        }
    }
}

impl PhaseCore for CompactionGovernor {
    type Config = CompactionConfig;
    type Input<'a> = ();
    const KEY: &'static str = KEY;

    /// One phase-1 hook call (the compaction hooks only in hooks-only mode: the engine
    /// answers them itself otherwise).
    fn on_hook(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        hook: &str,
        event: &Value,
        _: (),
    ) -> Outcome {
        let engine_mode = cx.info.context_engine_selected == Some(true);
        let ctx = cx.ctx;
        match hook {
            "tool_result_persist" => {
                self.tool_result_persist(cx, event, cx.ids.session_key.as_deref())
            }
            "after_tool_call" => {
                CompactionGovernor::after_tool_call(self, cx, event, ctx);
                Outcome::default()
            }
            "before_compaction" if !engine_mode => self.before_compaction(cx, ctx),
            "after_compaction" if !engine_mode => {
                CompactionGovernor::after_compaction(self, cx, event, ctx)
            }
            "agent_end" if !engine_mode => CompactionGovernor::agent_end(self, cx, event, ctx),
            _ => Outcome::default(),
        }
    }

    /// Forgets the state of long-ended sessions.
    fn tick(&mut self, cx: &PhaseCtx<'_, CompactionConfig>, _: ()) -> Outcome {
        self.sweep(cx)
    }
}

/// The documented pass-through of an engine method (OC-R11): what it answers with phase 1 off
/// or on invalid input.
pub fn passthrough(method: &str, params: &Value) -> Value {
    match method {
        "assemble" => json!({ "clear": [], "estimatedTokens": 0 }),
        "compact" => {
            json!({ "action": "delegate", "customInstructions": params.get("customInstructions").cloned().unwrap_or(Value::Null) })
        }
        "compactResult" => Value::Null,
        "commitTurn" => json!({ "status": "committed" }),
        "maintain" => json!({ "action": "none" }),
        "summaryRequest" => json!({ "skip": true }),
        "microcompactEntries" => json!({ "replacements": [] }),
        "summaryCheck" => json!({ "ok": true, "missing": [] }),
        _ => json!({}),
    }
}

/// P1-R20, P1-T15: an engine method got invalid input: a `core.invalid_input` note for the
/// journal and a warning (the runtime answers the pass-through).
pub fn invalid_input(
    cx: &PhaseCtx<'_, CompactionConfig>,
    method: &str,
    params: &Value,
    e: &CoreError,
) -> Outcome {
    let d = Decision {
        v: audit::RECORD_VERSION,
        at: cx.now_ms(),
        phase: "compaction".into(),
        code: "core.invalid_input".into(),
        action: Action::Note,
        message: format!("The context engine's {method} got invalid input ({}: {}); it passed the call through unchanged.", e.path, e.message),
        session_key: params.get("sessionKey").and_then(Value::as_str).map(str::to_string),
        run_id: None,
        tool_call_id: None,
        details: json!({ "method": method, "path": e.path }),
    };
    Outcome {
        decisions: vec![d],
        diagnostics: vec![Diagnostic {
            level: LogLevel::Warn,
            code: e.code.as_str().to_string(),
            message: format!("{} {}", e.path, e.message),
        }],
        ..Outcome::default()
    }
}
