//! Lexical relevance recall (P5-R22), the deterministic fallback of the side query, and the
//! cost record arithmetic of P5-R24.

use super::index::Header;
use crate::sorted::SortedSet;

/// Memories surfaced per turn.
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
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3 && !STOPWORDS.contains(&w.as_str()))
        .collect()
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
