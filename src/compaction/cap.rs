//! Oversize tool-result capping at persist time (P1-R19).

/// Marker inserted where text was cut; `{n}` is the number of characters removed.
pub fn truncation_marker(n: usize) -> String {
    format!("[… {n} characters omitted by agent-ops …]")
}

/// Caps `text` at `max_chars` characters (Unicode scalar values): the first 75 % and the
/// last 25 % of the room left after the marker, cut at line boundaries when one is near.
/// `None` when the text already fits.
pub fn cap_text(text: &str, max_chars: usize) -> Option<String> {
    let total = text.chars().count();
    if total <= max_chars {
        return None;
    }
    // Room for the marker itself; its digit count is bounded by the input length.
    let marker_len = truncation_marker(total).chars().count() + 2;
    let room = max_chars.saturating_sub(marker_len);
    let head_chars = room * 3 / 4;
    let tail_chars = room - head_chars;
    let head_end = byte_at_char(text, head_chars);
    let tail_start = byte_at_char(text, total - tail_chars);
    let head_cut = snap_head(text, head_end);
    let tail_cut = snap_tail(text, tail_start);
    let head = text.get(..head_cut).unwrap_or("");
    let tail = text.get(tail_cut..).unwrap_or("");
    let omitted = total - head.chars().count() - tail.chars().count();
    Some(format!("{head}\n{}\n{tail}", truncation_marker(omitted)))
}

fn byte_at_char(text: &str, n: usize) -> usize {
    text.char_indices().nth(n).map_or(text.len(), |(b, _)| b)
}

/// Ends the head after the last newline in its final quarter (else at the char boundary).
fn snap_head(text: &str, end: usize) -> usize {
    let slice = text.get(..end).unwrap_or("");
    match slice.rfind('\n') {
        Some(nl) if nl + 1 >= end - end / 4 => nl + 1,
        _ => end,
    }
}

/// Starts the tail after the first newline in its first quarter (else at the boundary).
fn snap_tail(text: &str, start: usize) -> usize {
    let slice = text.get(start..).unwrap_or("");
    match slice.find('\n') {
        Some(nl) if nl < slice.len() / 4 => start + nl + 1,
        _ => start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p1_t14_caps_200k_to_60k_with_marker_and_75_25_split() {
        let line = "0123456789 abcdefghij klmnopqrst uvwxyz\n";
        let text = line.repeat(200_000 / line.len() + 1);
        let out = cap_text(&text, 60_000).unwrap();
        assert!(out.chars().count() <= 60_000, "{}", out.chars().count());
        let (head, rest) = out.split_once("\n[… ").unwrap();
        let (_, tail) = rest.split_once("…]\n").unwrap();
        assert!(text.starts_with(head) && text.ends_with(tail));
        let (h, t) = (head.len() as f64, tail.len() as f64);
        assert!((h / (h + t) - 0.75).abs() < 0.02, "split {h}/{t}");
        assert!(head.ends_with('\n') || head.ends_with("uvwxyz"));
        assert!(out.contains("characters omitted by agent-ops"));
        assert!(cap_text("short", 60_000).is_none());
    }

    #[test]
    fn multibyte_and_no_newlines() {
        let text = "é".repeat(1000);
        let out = cap_text(&text, 200).unwrap();
        assert!(out.chars().count() <= 200);
        assert!(cap_text(&"x".repeat(50), 10).is_some());
    }
}
