//! One call into one phase (issue 18 item 3): the runtime builds the phase's [`PhaseCtx`] over
//! its own state and hands the closure the phases' cores. Every route, hand-off, tick and job
//! outcome goes through [`Active::call_in`] or one of its short forms, so a call site names
//! only what differs: the phase method and its arguments.
//!
//! The phase's settings are chosen by type: a closure that calls a phase method taking
//! `&PhaseCtx<CompactionConfig>` gets `phases.compaction`'s settings ([`Settings`]), so the
//! settings a call sees cannot be another phase's.

use super::interplay::{self, ShellJudge};
use super::{Active, CallIds, HookResponse};
use crate::config::Phases;
use crate::contract::{Outcome, PhaseCtx};
use crate::host::Host;
use serde_json::Value;

/// The phases' states as a call sees them: each core to borrow mutably, next to what the
/// runtime builds their inputs from (phase 3's template, phase 4 as phase 7's judge).
pub(super) struct Cores<'a> {
    /// Phase 4 (approvals awaiting `complete_job`).
    pub(super) approvals: &'a mut crate::shell::ExecApprovals,
    /// Phase 1.
    pub(super) governor: &'a mut crate::compaction::CompactionGovernor,
    /// Phase 2.
    pub(super) tracker: &'a mut crate::budget::SpendTracker,
    /// Phase 5.
    pub(super) scoper: &'a mut crate::memory_scope::MemoryScoper,
    /// Phase 3.
    pub(super) keeper: &'a mut crate::session_memory::NotesKeeper,
    /// Phase 6.
    pub(super) coordinator: &'a mut crate::coordinator::ResumeGuard,
    /// Phase 7 (skills).
    pub(super) skiller: &'a mut crate::fork_skills::SkillGuard,
    /// Phase 3's notes template.
    pub(super) template: &'a crate::session_memory::Template,
    /// Phase 4 with the operator's settings, as phase 7's judge of skill snippets.
    pub(super) judge: ShellJudge<'a>,
}

/// The settings of the phase whose settings type is `C`.
pub(super) trait Settings<C> {
    /// The settings (the defaults when the phase's entry was a boolean).
    fn settings(&self) -> &C;
}

macro_rules! settings {
    ($($field:ident: $ty:ty),* $(,)?) => {$(
        impl Settings<$ty> for Phases {
            fn settings(&self) -> &$ty {
                self.$field.settings()
            }
        }
    )*};
}

settings! {
    compaction: crate::compaction::CompactionConfig,
    loop_budget: crate::budget::LoopBudgetConfig,
    session_memory: crate::session_memory::SessionMemoryConfig,
    bash_security: crate::shell::BashSecurityConfig,
    memory_scoping: crate::memory_scope::MemoryScopingConfig,
    coordinator: crate::coordinator::CoordinatorConfig,
    fork_skills: crate::fork_skills::ForkSkillsConfig,
}

impl Active {
    /// One call into a phase during a hook call (its ids and OpenClaw's context): `f` gets
    /// the cores and the context of the phase whose settings type it asks for.
    pub(super) fn call_in<C, R>(
        &mut self,
        host: &dyn Host,
        ids: &CallIds,
        ctx: &Value,
        f: impl FnOnce(&mut Cores<'_>, &PhaseCtx<'_, C>) -> R,
    ) -> R
    where
        Phases: Settings<C>,
    {
        let Active {
            config,
            info,
            state_dir,
            next_job,
            approvals,
            governor,
            tracker,
            scoper,
            keeper,
            template,
            coordinator,
            skiller,
            ..
        } = self;
        let cx = PhaseCtx::new(
            host,
            config.phases.settings(),
            info,
            state_dir,
            ids,
            ctx,
            next_job,
        );
        let mut cores = Cores {
            approvals,
            governor,
            tracker,
            scoper,
            keeper,
            coordinator,
            skiller,
            template,
            judge: ShellJudge::new(info, config.phases.bash_security.settings()),
        };
        f(&mut cores, &cx)
    }

    /// One call into a phase outside a hook (a hand-off, a tick, a job's outcome, an engine
    /// method): no ids and a `null` context.
    pub(super) fn call<C, R>(
        &mut self,
        host: &dyn Host,
        f: impl FnOnce(&mut Cores<'_>, &PhaseCtx<'_, C>) -> R,
    ) -> R
    where
        Phases: Settings<C>,
    {
        self.call_in(host, &CallIds::default(), &Value::Null, f)
    }

    /// [`Active::call`] whose outcome is delivered with its hand-offs ([`interplay::deliver`]).
    /// (The hand-offs' own calls take their outcome as it is: `active.apply`.)
    pub(super) fn call_deliver<C>(
        &mut self,
        host: &dyn Host,
        resp: &mut HookResponse,
        f: impl FnOnce(&mut Cores<'_>, &PhaseCtx<'_, C>) -> Outcome,
    ) where
        Phases: Settings<C>,
    {
        let out = self.call(host, f);
        interplay::deliver(self, host, resp, out);
    }
}
