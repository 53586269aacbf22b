//! Lexical path normalisation shared by phases 4, 5 and 3 (ground floor, issue 18). Pure: no
//! symlink is resolved (the core does no I/O of its own).

/// Lexically normalises an absolute path: no `.`, no `..`, no repeated or trailing `/`.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Lexical normalisation of an absolute path; `None` for a relative path or a NUL byte.
pub fn normalize_absolute(path: &str) -> Option<String> {
    if !path.starts_with('/') || path.contains('\0') {
        return None;
    }
    Some(normalize(path))
}
