//! Byte-level helpers for the shell parser: character classes, bounded look-ahead scans and
//! ANSI-C decoding. Everything here is pure and works on byte slices with explicit bounds,
//! so it never indexes out of range and never allocates in the scans.

/// Blank characters that separate words.
pub(super) fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Characters that end an unquoted word (P4-R10).
pub(super) fn is_meta(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\n' | b'|' | b'&' | b';' | b'(' | b')' | b'<' | b'>'
    )
}

/// First character of a variable name.
pub(super) fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

/// Later characters of a variable name.
pub(super) const fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// One-character special parameters after `$`.
pub(super) fn is_special_param(c: u8) -> bool {
    matches!(c, b'@' | b'*' | b'#' | b'?' | b'-' | b'$' | b'!')
}

/// A valid shell variable name.
pub(super) fn is_name(s: &str) -> bool {
    let mut b = s.bytes();
    matches!(b.next(), Some(c) if is_name_start(c)) && b.all(is_name_char)
}

fn at(src: &[u8], i: usize, end: usize) -> Option<u8> {
    if i < end {
        src.get(i).copied()
    } else {
        None
    }
}

/// Index of the first byte at or after `i` that is not part of a line continuation.
pub(super) fn skip_continuations(src: &[u8], mut i: usize, end: usize) -> usize {
    while matches!(at(src, i, end), Some(b'\\')) && matches!(at(src, i + 1, end), Some(b'\n')) {
        i += 2;
    }
    i
}

/// Decides whether `$((` / `((` starting with content at `i` closes as arithmetic.
///
/// Mirrors bash: the text is read with parenthesis nesting (quotes skipped) until a `)` at
/// depth zero; it is arithmetic only if the next character is another `)`. Running out of
/// input counts as arithmetic so the error names the construct the user most likely meant.
pub(super) fn prescan_arith(src: &[u8], mut i: usize, end: usize) -> bool {
    let mut depth: usize = 0;
    while let Some(c) = at(src, i, end) {
        match c {
            b'\\' => i += 2,
            b'\'' => {
                i += 1;
                while let Some(q) = at(src, i, end) {
                    i += 1;
                    if q == b'\'' {
                        break;
                    }
                }
            }
            b'"' => {
                i += 1;
                while let Some(q) = at(src, i, end) {
                    i += 1;
                    if q == b'\\' {
                        i += 1;
                    } else if q == b'"' {
                        break;
                    }
                }
            }
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                if depth == 0 {
                    let j = skip_continuations(src, i + 1, end);
                    return matches!(at(src, j, end), Some(b')'));
                }
                depth -= 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    true
}

/// For `[` at `i`: the index of the `]` closing a bracket glob inside the same word, or
/// `Err(stop)` with the index where the scan gave up (a later `[` before `stop` cannot
/// succeed either, which keeps repeated scans linear).
pub(super) fn prescan_bracket(src: &[u8], i: usize, end: usize) -> Result<usize, usize> {
    let mut j = i + 1;
    if matches!(at(src, j, end), Some(b'!' | b'^')) {
        j += 1;
    }
    if matches!(at(src, j, end), Some(b']')) {
        j += 1;
    }
    while let Some(c) = at(src, j, end) {
        match c {
            b']' => return Ok(j),
            b'[' if matches!(at(src, j + 1, end), Some(b':')) => {
                // `[:class:]` inside a bracket expression.
                let mut k = j + 2;
                loop {
                    match at(src, k, end) {
                        Some(b':') if matches!(at(src, k + 1, end), Some(b']')) => {
                            j = k + 2;
                            break;
                        }
                        Some(c) if !is_meta(c) && c != b'\\' => k += 1,
                        _ => return Err(k),
                    }
                }
            }
            c if is_meta(c) || matches!(c, b'\'' | b'"' | b'\\' | b'$' | b'`') => return Err(j),
            _ => j += 1,
        }
    }
    Err(j)
}

/// For `[` after a variable name at `i`: the index of the matching `]` when it is directly
/// followed by `=` or `+=` (an array element assignment), else `None`.
pub(super) fn prescan_subscript_assign(src: &[u8], i: usize, end: usize) -> Option<usize> {
    let mut depth: usize = 0;
    let mut j = i + 1;
    while let Some(c) = at(src, j, end) {
        match c {
            // Stopping at blanks keeps the scan inside one word, so it stays linear
            // (bash would also accept `a[1 + 2]=x`; that rare form reads as plain words).
            b'\n' | b' ' | b'\t' | b';' | b'&' | b'|' | b'<' | b'>' => return None,
            b'\\' => j += 2,
            b'[' => {
                depth += 1;
                j += 1;
            }
            b']' => {
                if depth == 0 {
                    let k = skip_continuations(src, j + 1, end);
                    return match at(src, k, end) {
                        Some(b'=') => Some(j),
                        Some(b'+')
                            if matches!(
                                at(src, skip_continuations(src, k + 1, end), end),
                                Some(b'=')
                            ) =>
                        {
                            Some(j)
                        }
                        _ => None,
                    };
                }
                depth -= 1;
                j += 1;
            }
            b'\'' => {
                j += 1;
                while let Some(q) = at(src, j, end) {
                    j += 1;
                    if q == b'\'' {
                        break;
                    }
                }
            }
            _ => j += 1,
        }
    }
    None
}

/// For `~` at `i`: the end of a tilde prefix made of plain characters, or `None` when a
/// quote, expansion or other special character makes it a literal `~`.
pub(super) fn prescan_tilde(src: &[u8], i: usize, end: usize, assign: bool) -> Option<usize> {
    let mut j = i + 1;
    loop {
        match at(src, j, end) {
            None => return Some(j),
            Some(c) if is_meta(c) || c == b'/' || (assign && c == b':') => return Some(j),
            Some(
                b'\'' | b'"' | b'\\' | b'$' | b'`' | b'*' | b'?' | b'[' | b'{' | b'}' | b',' | b'='
                | b'~',
            ) => return None,
            Some(_) => j += 1,
        }
    }
}

/// One decoded `$'…'` escape: local byte range in the content, source text, decoded text.
pub(super) struct AnsiEscapeRaw {
    pub start: usize,
    pub end: usize,
    pub source: String,
    pub decoded: String,
}

/// Result of decoding the content of `$'…'`.
pub(super) struct AnsiDecoded {
    pub text: String,
    pub escapes: Vec<AnsiEscapeRaw>,
}

fn hex_val(c: u8) -> Option<u32> {
    char::from(c).to_digit(16)
}

/// Decodes ANSI-C quoted content (P4-R12). `base` is added to the recorded escape offsets.
/// A decoded NUL ends the string, as in bash.
pub(super) fn decode_ansi_c(content: &[u8], base: usize) -> AnsiDecoded {
    let mut out: Vec<u8> = Vec::with_capacity(content.len());
    let mut escapes = Vec::new();
    let mut i = 0usize;
    let n = content.len();
    let get = |k: usize| content.get(k).copied();
    while i < n {
        let Some(c) = get(i) else { break };
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let start = i;
        let Some(e) = get(i + 1) else {
            out.push(b'\\');
            break;
        };
        i += 2;
        let mut bytes: Vec<u8> = Vec::new();
        let mut nul = false;
        match e {
            b'a' => bytes.push(7),
            b'b' => bytes.push(8),
            b'e' | b'E' => bytes.push(27),
            b'f' => bytes.push(12),
            b'n' => bytes.push(b'\n'),
            b'r' => bytes.push(b'\r'),
            b't' => bytes.push(b'\t'),
            b'v' => bytes.push(11),
            b'\\' | b'\'' | b'"' | b'?' => bytes.push(e),
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut k = 1;
                while k < 3 {
                    match get(i) {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                            k += 1;
                        }
                        _ => break,
                    }
                }
                let b = (v & 0xff) as u8;
                nul = b == 0;
                bytes.push(b);
            }
            b'x' | b'u' | b'U' => {
                let max = match e {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let mut v: u32 = 0;
                let mut k = 0;
                while k < max {
                    match get(i).and_then(hex_val) {
                        Some(d) => {
                            v = v.wrapping_mul(16).wrapping_add(d);
                            i += 1;
                            k += 1;
                        }
                        None => break,
                    }
                }
                if k == 0 {
                    bytes.push(b'\\');
                    bytes.push(e);
                } else if e == b'x' {
                    let b = (v & 0xff) as u8;
                    nul = b == 0;
                    bytes.push(b);
                } else {
                    nul = v == 0;
                    let ch = char::from_u32(v).unwrap_or('\u{FFFD}');
                    let mut buf = [0u8; 4];
                    bytes.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
            }
            b'c' => match get(i) {
                Some(x) => {
                    i += 1;
                    let b = if x == b'?' {
                        0x7f
                    } else {
                        x.to_ascii_uppercase() & 0x1f
                    };
                    nul = b == 0;
                    bytes.push(b);
                }
                None => {
                    bytes.push(b'\\');
                    bytes.push(b'c');
                }
            },
            other => {
                bytes.push(b'\\');
                bytes.push(other);
            }
        }
        let source =
            String::from_utf8_lossy(content.get(start..i).unwrap_or_default()).into_owned();
        if nul {
            escapes.push(AnsiEscapeRaw {
                start: base + start,
                end: base + i,
                source,
                decoded: "\0".into(),
            });
            break;
        }
        escapes.push(AnsiEscapeRaw {
            start: base + start,
            end: base + i,
            source,
            decoded: String::from_utf8_lossy(&bytes).into_owned(),
        });
        out.extend_from_slice(&bytes);
    }
    AnsiDecoded {
        text: bytes_to_string(out),
        escapes,
    }
}

/// UTF-8 bytes to a `String`; invalid sequences (only possible from `\xHH` escapes) become
/// U+FFFD.
pub(super) fn bytes_to_string(v: Vec<u8>) -> String {
    match String::from_utf8(v) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}
