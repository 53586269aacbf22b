//! The two WebAssembly binding layers. Each translates types and nothing else: no policy.

#[cfg(feature = "component")]
mod component;
#[cfg(feature = "js")]
mod js;

/// JSON text with every escaped lone surrogate (`\ud800` without its pair, which
/// `JSON.stringify` writes for a malformed JavaScript string) replaced by `\ufffd`: the JSON
/// reader refuses lone surrogates, and phase 4's check 1 reports U+FFFD in a command, so a
/// malformed command is judged instead of failing the call.
#[cfg_attr(not(feature = "js"), allow(dead_code))]
pub(crate) fn well_formed(text: String) -> String {
    // One byte loop for `\ud` or `\uD`: every command and context text of the wasm API
    // comes through here, and two substring searches (a searcher set up for each) were
    // about 1 % of an `evaluateCommand` call in the size-optimised build (P4-R49).
    let b = text.as_bytes();
    let escaped_surrogate = b
        .windows(3)
        .any(|w| matches!(w, [b'\\', b'u', b'd' | b'D']));
    if !escaped_surrogate {
        return text;
    }
    let unit = |i: usize| -> Option<u16> {
        match b.get(i..i.checked_add(6)?)? {
            [b'\\', b'u', hex @ ..] => u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok(),
            _ => None,
        }
    };
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied) = (0usize, 0usize);
    while let Some(&c) = b.get(i) {
        if c != b'\\' {
            i += 1;
            continue;
        }
        match unit(i) {
            Some(0xD800..=0xDBFF) if matches!(unit(i + 6), Some(0xDC00..=0xDFFF)) => i += 12,
            Some(0xD800..=0xDFFF) => {
                out.push_str(text.get(copied..i).unwrap_or(""));
                out.push_str("\\ufffd");
                i += 6;
                copied = i;
            }
            // Any other escape, `\\` included: its second byte is never a new escape.
            _ => i += 2,
        }
    }
    out.push_str(text.get(copied..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    #[test]
    fn lone_surrogates_become_the_replacement_character_and_nothing_else_changes() {
        let cases = [
            (r#"{"a":"x"}"#, r#"{"a":"x"}"#),
            (r#"{"c":"\ud800"}"#, r#"{"c":"\ufffd"}"#),
            (r#"{"c":"\udc00x"}"#, r#"{"c":"\ufffdx"}"#),
            (r#"{"c":"\uD83D\uDE00"}"#, r#"{"c":"\uD83D\uDE00"}"#),
            (
                r#"{"c":"\ud83d\ude00\ud83d"}"#,
                r#"{"c":"\ud83d\ude00\ufffd"}"#,
            ),
            (r#"{"c":"\ude00\ud83d"}"#, r#"{"c":"\ufffd\ufffd"}"#),
            (r#"{"c":"\\ud800"}"#, r#"{"c":"\\ud800"}"#),
            (r#"{"c":"\\\ud800é"}"#, r#"{"c":"\\\ufffdé"}"#),
            (r#"{"c":"\ud8"}"#, r#"{"c":"\ud8"}"#),
            (r#"{"c":"é\ud800"}"#, r#"{"c":"é\ufffd"}"#),
            ("\\ud800", "\\ufffd"),
            ("\\ud8", "\\ud8"),
        ];
        for (input, want) in cases {
            assert_eq!(well_formed(input.to_string()), want, "{input}");
        }
        // The result parses, with U+FFFD where the lone surrogate was.
        let v: serde_json::Value =
            serde_json::from_str(&well_formed(r#"{"c":"rm \ud800 x"}"#.into())).unwrap();
        assert_eq!(v["c"], "rm \u{fffd} x");
    }
}
