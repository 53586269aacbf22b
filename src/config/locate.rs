//! Finding the key path of a serde error from its position in the JSON text.
//!
//! serde reports *what* is wrong ("unknown field `x`", "invalid type") and serde_json reports
//! *where* in the text. Operators need the key (`phases.loopBudget.maxToolCalls`), so the
//! config is deserialised from compact JSON text and the error's byte position is mapped back
//! to the path of the element being read there. This replaces a path-tracking deserializer
//! wrapper that cost about 100 KB of the wasm plugin (README G-R3) for a job needed only on
//! the error path.

/// The path (`a.b[0].c`, empty for the root) of the element being read when a parse of
/// `text` stopped at byte `offset`.
///
/// serde_json raises an error just after the token it objects to: after a key for an
/// unknown field, after a value for a wrong type or an unknown variant, after the closing
/// brace for a missing field. So the path is that of the innermost key or index open at
/// `offset`. A string that straddles `offset` counts as read.
pub(crate) fn path_at(text: &str, offset: usize) -> String {
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < offset.min(bytes.len()) {
        let Some(&b) = bytes.get(i) else { break };
        match b {
            b'{' => stack.push(Frame::Object {
                key: None,
                want_key: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { want_key, .. }) => *want_key = true,
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            b':' => {
                if let Some(Frame::Object { want_key, .. }) = stack.last_mut() {
                    *want_key = false;
                }
            }
            b'"' => {
                let end = string_end(bytes, i);
                if let Some(Frame::Object {
                    key,
                    want_key: want @ true,
                }) = stack.last_mut()
                {
                    *key = text
                        .get(i..end)
                        .and_then(|quoted| crate::json::from_str::<String>(quoted).ok());
                    *want = false;
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(k), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array { index } => {
                path.push('[');
                path.push_str(&index.to_string());
                path.push(']');
            }
        }
    }
    path
}

/// An open container while scanning.
enum Frame {
    /// `key` is the last key read; `want_key` is true between `{`/`,` and the next key.
    Object { key: Option<String>, want_key: bool },
    /// `index` counts the commas seen at this level.
    Array { index: usize },
}

/// The byte just past the string starting at the quote `start` (or the end of the text when
/// it is unterminated).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte offset serde_json reports for an error, as the config loader computes it.
    fn error_path<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) -> String {
        let e = crate::json::from_str::<T>(text).unwrap_err();
        path_at(text, e.column())
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: u32,
        #[serde(default)]
        list: Vec<u32>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        #[serde(default)]
        a: Option<Inner>,
        #[serde(default)]
        items: Vec<Inner>,
        #[serde(default)]
        mode: Option<Mode>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    enum Mode {
        #[serde(rename = "on")]
        On,
    }

    #[test]
    fn paths_of_serde_errors() {
        assert_eq!(error_path::<Outer>(r#"{"a":{"n":1,"typo":2}}"#), "a.typo");
        assert_eq!(error_path::<Outer>(r#"{"a":{"n":"x"}}"#), "a.n");
        assert_eq!(error_path::<Outer>(r#"{"a":{"list":[]}}"#), "a");
        assert_eq!(
            error_path::<Outer>(r#"{"a":{"n":1,"list":[1,"x"]}}"#),
            "a.list[1]"
        );
        assert_eq!(
            error_path::<Outer>(r#"{"items":[{"n":1},{"n":true}]}"#),
            "items[1].n"
        );
        assert_eq!(error_path::<Outer>(r#"{"mode":"off"}"#), "mode");
        assert_eq!(error_path::<Outer>(r#"{"zz":1}"#), "zz");
        assert_eq!(error_path::<Outer>(r#"{"a":{"n":1},"b\"q":1}"#), "b\"q");
        assert_eq!(error_path::<Outer>(r#"{"a":"str"}"#), "a");
    }

    #[test]
    fn odd_offsets_are_total() {
        assert_eq!(path_at("", 5), "");
        assert_eq!(path_at(r#"{"a":"unterminated"#, 100), "a");
        assert_eq!(path_at(r#"{"a\"#, 3), "");
        assert_eq!(path_at("]]]}}", 5), "");
        assert_eq!(path_at(r#"[[1,2],[3"#, 9), "[1][0]");
    }
}
