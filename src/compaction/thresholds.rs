//! Threshold arithmetic from the model's context window (P1-R1).

use super::CompactionConfig;
use serde::{Deserialize, Serialize};

/// Upper bound of the output reserve kept free for the summary.
pub const MAX_OUTPUT_TOKENS_FOR_SUMMARY: u64 = 20_000;
/// Distance of the auto-compact threshold below the effective window.
pub const AUTOCOMPACT_BUFFER_TOKENS: u64 = 13_000;
/// Distance of the warning threshold below the auto-compact threshold.
pub const WARNING_BUFFER_TOKENS: u64 = 20_000;
/// Distance of the blocking limit below the effective window.
pub const BLOCKING_BUFFER_TOKENS: u64 = 3_000;
/// Window used when none can be resolved (a diagnostic is emitted).
pub const DEFAULT_CONTEXT_WINDOW: u64 = 200_000;
/// Model output limit assumed when the model entry has no `maxTokens`.
pub const DEFAULT_MAX_OUTPUT: u64 = 20_000;

/// Every threshold of one session, in tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Thresholds {
    /// The resolved context window `W`.
    pub window: u64,
    /// Output reserve kept free for the summary.
    pub reserve: u64,
    /// `W' − reserve`.
    pub effective: u64,
    /// Automatic compaction starts at or above this count.
    pub threshold: u64,
    /// Warning (and pressure microcompaction) at or above this count.
    pub warning: u64,
    /// Hard limit: turns at or above it need compaction first.
    pub blocking: u64,
}

impl Thresholds {
    /// P1-R1, all integer floors. `window` is `W`, `max_output` is `M`.
    pub fn compute(window: u64, max_output: u64, cfg: &CompactionConfig) -> Thresholds {
        let w = match cfg.auto_compact_window {
            Some(cap) => window.min(cap),
            None => window,
        };
        let reserve = max_output.min(MAX_OUTPUT_TOKENS_FOR_SUMMARY).min(w / 4);
        let effective = w.saturating_sub(reserve);
        let auto_buffer = AUTOCOMPACT_BUFFER_TOKENS.min(effective / 10);
        let warn_buffer = WARNING_BUFFER_TOKENS.min(effective.saturating_mul(15) / 100);
        let block_buffer = BLOCKING_BUFFER_TOKENS.min(effective.saturating_mul(2) / 100);
        let mut threshold = effective.saturating_sub(auto_buffer);
        if let Some(p) = cfg.auto_compact_percent {
            if p > 0.0 && p <= 100.0 {
                // Floor of effective × p / 100 without float drift for integral percentages.
                let by_percent = ((effective as f64) * p / 100.0).floor() as u64;
                threshold = threshold.min(by_percent);
            }
        }
        let warning = threshold.saturating_sub(warn_buffer);
        let blocking = cfg
            .blocking_limit
            .unwrap_or_else(|| effective.saturating_sub(block_buffer));
        Thresholds {
            window,
            reserve,
            effective,
            threshold,
            warning,
            blocking,
        }
    }

    /// Percentage of the threshold still free (P1-R1 step 7), rounded half away from zero.
    pub fn percent_left(&self, tokens: u64) -> u64 {
        if self.threshold == 0 || tokens >= self.threshold {
            return 0;
        }
        let left = self.threshold - tokens;
        (left.saturating_mul(200) + self.threshold) / (2 * self.threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(w: u64, m: u64) -> Thresholds {
        Thresholds::compute(w, m, &CompactionConfig::default())
    }

    fn quad(x: Thresholds) -> (u64, u64, u64, u64) {
        (x.effective, x.threshold, x.warning, x.blocking)
    }

    #[test]
    fn p1_t1_worked_examples() {
        assert_eq!(
            quad(t(200_000, 20_000)),
            (180_000, 167_000, 147_000, 177_000)
        );
        assert_eq!(
            quad(t(200_000, 64_000)),
            (180_000, 167_000, 147_000, 177_000)
        );
        assert_eq!(
            quad(t(200_000, 8_000)),
            (192_000, 179_000, 159_000, 189_000)
        );
        assert_eq!(
            quad(t(1_000_000, 20_000)),
            (980_000, 967_000, 947_000, 977_000)
        );
        assert_eq!(quad(t(128_000, 4_096)), (123_904, 111_514, 92_929, 121_426));
        assert_eq!(quad(t(32_000, 4_096)), (27_904, 25_114, 20_929, 27_346));
    }

    #[test]
    fn p1_t2_percent_override_only_lowers() {
        let cfg = CompactionConfig {
            auto_compact_percent: Some(50.0),
            ..CompactionConfig::default()
        };
        let x = Thresholds::compute(200_000, 20_000, &cfg);
        assert_eq!((x.threshold, x.warning), (90_000, 70_000));
        let cfg = CompactionConfig {
            auto_compact_percent: Some(100.0),
            ..CompactionConfig::default()
        };
        assert_eq!(
            Thresholds::compute(200_000, 20_000, &cfg).threshold,
            167_000
        );
    }

    #[test]
    fn window_cap_and_blocking_override() {
        let cfg = CompactionConfig {
            auto_compact_window: Some(128_000),
            blocking_limit: Some(100_000),
            ..CompactionConfig::default()
        };
        let x = Thresholds::compute(1_000_000, 4_096, &cfg);
        assert_eq!(
            (x.effective, x.threshold, x.blocking),
            (123_904, 111_514, 100_000)
        );
        assert_eq!(x.window, 1_000_000);
    }

    #[test]
    fn tiny_and_zero_windows_do_not_underflow() {
        let x = t(0, 0);
        assert_eq!(quad(x), (0, 0, 0, 0));
        let x = t(7, 20_000);
        assert!(x.threshold <= x.effective && x.warning <= x.threshold);
    }

    #[test]
    fn percent_left_rounds() {
        let x = t(200_000, 20_000);
        assert_eq!(x.percent_left(0), 100);
        assert_eq!(x.percent_left(167_000), 0);
        assert_eq!(x.percent_left(300_000), 0);
        assert_eq!(x.percent_left(83_500), 50);
    }
}
