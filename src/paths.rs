//! Lexical path normalisation shared by phases 4, 5 and 3 (ground floor, issue 18). Pure: no
//! symlink is resolved (the core does no I/O of its own).

/// Lexically normalises an absolute path: no `.`, no `..`, no repeated or trailing `/`.
pub fn normalize(path: &str) -> String {
    normalize_joined(&[path])
}

/// [`normalize`] of the pieces joined with `/`, built in one buffer: `resolve` runs for
/// every path operand, and the segment list, `join` and `format!` it used to allocate were a
/// visible share of an evaluation in the size-optimised wasm build (P4-R49).
pub fn normalize_joined(pieces: &[&str]) -> String {
    let mut out = String::with_capacity(pieces.iter().map(|p| p.len() + 1).sum::<usize>() + 1);
    for piece in pieces {
        // Segments between `/` bytes, found with a byte loop (no char searcher).
        let b = piece.as_bytes();
        let mut start = 0;
        while start <= b.len() {
            let mut end = start;
            while end < b.len() && !matches!(b.get(end), Some(b'/')) {
                end += 1;
            }
            // Matched as bytes: a `str` pattern is a length check and a `memcmp` call per
            // arm in the size-optimised build, and this runs for every path segment (P4-R49).
            match b.get(start..end).unwrap_or_default() {
                [] | [b'.'] => {}
                [b'.', b'.'] => {
                    // Every pushed segment is `/` plus a non-empty name without `/`.
                    let mut cut = out.len();
                    while cut > 0 && !matches!(out.as_bytes().get(cut - 1), Some(b'/')) {
                        cut -= 1;
                    }
                    out.truncate(cut.saturating_sub(1));
                }
                _ => {
                    out.push('/');
                    out.push_str(piece.get(start..end).unwrap_or(""));
                }
            }
            start = end + 1;
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Lexical normalisation of an absolute path; `None` for a relative path or a NUL byte.
pub fn normalize_absolute(path: &str) -> Option<String> {
    if !path.starts_with('/') || path.contains('\0') {
        return None;
    }
    Some(normalize(path))
}
