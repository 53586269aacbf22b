//! Lexical relevance recall (P5-R22), the deterministic fallback of the side query, and the
//! cost record arithmetic of P5-R24.

use super::index::Header;
use crate::sorted::SortedSet;

/// Memories surfaced per turn (only the tests use the constant).
#[cfg(test)]
pub const RECALL_MAX_SELECTED: usize = 5;

/// Common English words that say nothing about relevance.
const STOPWORDS: [&str; 72] = [
    "the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "had", "her", "was",
    "one", "our", "out", "day", "get", "has", "him", "his", "how", "man", "new", "now", "old",
    "see", "two", "way", "who", "boy", "did", "its", "let", "put", "say", "she", "too", "use",
    "that", "with", "have", "this", "will", "your", "from", "they", "know", "want", "been", "good",
    "much", "some", "time", "very", "when", "come", "here", "just", "like", "long", "make", "many",
    "more", "only", "over", "such", "take", "than", "them", "well", "were",
];

/// Distinct lowercase words of at least 3 letters that are not stopwords.
pub fn words(text: &str) -> SortedSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(|w| w.chars().map(fold_case).collect::<String>())
        .filter(|w| w.chars().count() >= 3 && !STOPWORDS.contains(&w.as_str()))
        .collect()
}

/// The lower case of `c` for the alphabets of most European languages (ASCII, Latin-1,
/// Latin Extended-A, Greek, Cyrillic); other characters are returned unchanged.
///
/// `char::to_lowercase` would link core's Unicode case tables, about 8 KB of the gzipped
/// plugin (README G-R3), for the only place that needs more than ASCII: matching a prompt's
/// words against memory headers. A test checks every character against `to_lowercase`.
fn fold_case(c: char) -> char {
    let u = u32::from(c);
    let lower = match u {
        0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE | 0x391..=0x3A1 | 0x3A3..=0x3AB | 0x410..=0x42F => {
            u + 0x20
        }
        0x400..=0x40F => u + 0x50,
        0x178 => 0xFF,
        0x100..=0x12F | 0x132..=0x137 | 0x14A..=0x177 if u % 2 == 0 => u + 1,
        0x139..=0x148 | 0x179..=0x17E if u % 2 == 1 => u + 1,
        _ => u,
    };
    char::from_u32(lower).unwrap_or(c)
}

/// P5-R22: top `max` headers by shared words with the prompt (score ≥ 1), ties by newer
/// mtime then path.
pub fn lexical<'h>(prompt: &str, candidates: &'h [Header], max: usize) -> Vec<&'h Header> {
    let p = words(prompt);
    let mut scored: Vec<(usize, &Header)> = candidates
        .iter()
        .map(|h| {
            let text = format!(
                "{} {} {}",
                h.name.as_deref().unwrap_or(""),
                h.description.as_deref().unwrap_or(""),
                h.filename
            );
            (words(&text).intersection(&p).count(), h)
        })
        .filter(|(s, _)| *s >= 1)
        .collect();
    crate::sorted::sort_by(&mut scored, |a, b| {
        b.0.cmp(&a.0)
            .then(b.1.mtime_ms.cmp(&a.1.mtime_ms))
            .then_with(|| a.1.filename.cmp(&b.1.filename))
    });
    scored.into_iter().take(max).map(|(_, h)| h).collect()
}

/// Price of one model's tokens in USD per million (`models.providers.*.models[].cost`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Price {
    /// Input.
    pub input: f64,
    /// Output.
    pub output: f64,
    /// Cache read.
    pub cache_read: f64,
    /// Cache write.
    pub cache_write: f64,
}

/// `cacheRead / (input + cacheWrite + cacheRead)`, `None` when nothing was sent.
pub fn cache_hit_rate(input: u64, cache_read: u64, cache_write: u64) -> Option<f64> {
    let denom = input.saturating_add(cache_read).saturating_add(cache_write);
    (denom > 0).then(|| cache_read as f64 / denom as f64)
}

/// Σ tokens × price per million.
pub fn cost_usd(p: &Price, input: u64, output: u64, cache_read: u64, cache_write: u64) -> f64 {
    (input as f64 * p.input
        + output as f64 * p.output
        + cache_read as f64 * p.cache_read
        + cache_write as f64 * p.cache_write)
        / 1_000_000.0
}

#[cfg(test)]
mod tests {

    #[test]
    fn fold_case_is_to_lowercase_where_it_folds_and_covers_the_european_alphabets() {
        for u in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(u) else { continue };
            let mut std_lower = c.to_lowercase();
            let single = match (std_lower.next(), std_lower.next()) {
                (Some(l), None) => Some(l),
                _ => None,
            };
            let ours = fold_case(c);
            if ours != c {
                assert_eq!(Some(ours), single, "U+{u:04X}");
            }
            let covered = matches!(u, 0..=0x17F | 0x391..=0x3AB | 0x3B1..=0x3CB | 0x400..=0x44F);
            if covered && u != 0x130 {
                assert_eq!(Some(ours), single, "U+{u:04X} is covered");
            }
        }
        assert_eq!(
            words("Über ÜBER über Straße ЖУРНАЛ журнал"),
            words("über straße журнал")
        );
    }
    use super::*;

    fn h(file: &str, desc: &str, mtime: i64) -> Header {
        Header {
            filename: file.into(),
            file_path: format!("/m/{file}"),
            mtime_ms: mtime,
            name: None,
            description: Some(desc.into()),
            kind: None,
        }
    }

    #[test]
    fn p5_t23_lexical_recall() {
        let c = vec![
            h("deploy.md", "deploy script steps", 1),
            h("style.md", "code style rules", 2),
            h("db.md", "database migrations", 3),
        ];
        let got = lexical("fix the deploy script", &c, RECALL_MAX_SELECTED);
        assert_eq!(
            got.iter().map(|h| h.filename.as_str()).collect::<Vec<_>>(),
            ["deploy.md"]
        );
        assert!(lexical("hello there", &c, 5).is_empty());
        // Ties: newer first.
        let c = vec![h("a.md", "deploy", 1), h("b.md", "deploy", 2)];
        assert_eq!(lexical("deploy now", &c, 5)[0].filename, "b.md");
    }

    #[test]
    fn p5_t25_cost_and_cache_rate() {
        assert_eq!(cache_hit_rate(1_000, 3_000, 0), Some(0.75));
        assert_eq!(cache_hit_rate(0, 0, 0), None);
        let p = Price {
            input: 3.0,
            output: 15.0,
            cache_read: 0.3,
            cache_write: 3.75,
        };
        assert!((cost_usd(&p, 1_000, 0, 3_000, 0) - 0.0039).abs() < 1e-12);
    }
}
