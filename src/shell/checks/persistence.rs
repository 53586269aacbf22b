//! Phase 4 check 21 (PERSISTENCE_TARGET, §6.3).

use super::{CheckCx, Findings};
use crate::shell::policy::Reason;

/// Runs check 21 (PERSISTENCE_TARGET, §6.3).
pub fn run(_cx: &CheckCx<'_>, _out: &mut Findings, _reasons: &mut Vec<Reason>) {}
