//! Token-target parsing from the user's prompt (P2-R1): `+500k …`, `… +2m.`, `use 1.5M tokens`.

/// Parsed targets above this are clamped.
pub const MAX_TARGET_TOKENS: u64 = 10_000_000_000;

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `(value, bytes consumed)` of a number with an optional fraction, spaces and a `k|m|b`
/// suffix at the start of `s`.
fn amount(s: &str) -> Option<(f64, usize)> {
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if digits == 0 {
        return None;
    }
    let mut end = digits;
    if s.get(end..)?.starts_with('.') {
        let frac = s.get(end + 1..)?;
        let n = frac
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(frac.len());
        if n > 0 {
            end += 1 + n;
        }
    }
    let number: f64 = s.get(..end)?.parse().ok()?;
    let rest = s.get(end..)?;
    let spaces = rest.len() - rest.trim_start_matches(' ').len();
    let after = rest.get(spaces..)?;
    let mult = match after.chars().next()?.to_ascii_lowercase() {
        'k' => 1e3,
        'm' => 1e6,
        'b' => 1e9,
        _ => return None,
    };
    Some((number * mult, end + spaces + 1))
}

fn value(x: f64) -> Option<u64> {
    if !x.is_finite() || x < 1.0 {
        return None;
    }
    let v = x.floor();
    Some(if v >= MAX_TARGET_TOKENS as f64 {
        MAX_TARGET_TOKENS
    } else {
        v as u64
    })
}

fn leading(text: &str) -> Option<u64> {
    let t = text.trim_start();
    let rest = t.strip_prefix('+')?;
    let (x, used) = amount(rest)?;
    let next = rest.get(used..)?.chars().next();
    if next.is_some_and(is_word) {
        return None;
    }
    value(x)
}

fn trailing(text: &str) -> Option<u64> {
    let t = text.trim_end();
    let t = t.strip_suffix(['.', '!', '?']).unwrap_or(t);
    let plus = t.rfind('+')?;
    let before = t.get(..plus)?;
    if !before.ends_with(char::is_whitespace) {
        return None;
    }
    let rest = t.get(plus + 1..)?;
    let (x, used) = amount(rest)?;
    if used != rest.len() {
        return None;
    }
    value(x)
}

fn verbose(text: &str) -> Option<u64> {
    let lower = text.to_lowercase();
    let mut from = 0;
    while let Some(off) = lower.get(from..)?.find(['u', 's']) {
        let at = from + off;
        from = at + 1;
        let word = if lower.get(at..)?.starts_with("use") {
            3
        } else if lower.get(at..)?.starts_with("spend") {
            5
        } else {
            continue;
        };
        if lower.get(..at)?.chars().next_back().is_some_and(is_word) {
            continue;
        }
        let rest = lower.get(at + word..)?;
        let ws = rest.len() - rest.trim_start().len();
        if ws == 0 {
            continue;
        }
        let rest = rest.get(ws..)?;
        let Some((x, used)) = amount(rest) else {
            continue;
        };
        let tail = rest.get(used..)?.trim_start();
        if let Some(after) = tail.strip_prefix("token") {
            let after = after.strip_prefix('s').unwrap_or(after);
            if !after.chars().next().is_some_and(is_word) {
                return value(x);
            }
        }
    }
    None
}

/// The token target of a prompt, first matching form wins (P2-R1).
pub fn parse_target(prompt: &str) -> Option<u64> {
    leading(prompt)
        .or_else(|| trailing(prompt))
        .or_else(|| verbose(prompt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p2_t9_forms() {
        assert_eq!(parse_target("+500k fix it"), Some(500_000));
        assert_eq!(parse_target("fix it +2m."), Some(2_000_000));
        assert_eq!(parse_target("please use 1.5M tokens"), Some(1_500_000));
        assert_eq!(parse_target("a+5k b"), None);
        assert_eq!(parse_target("+5x"), None);
        assert_eq!(parse_target("+0k"), None);
    }

    #[test]
    fn more_forms() {
        assert_eq!(parse_target("  +2 K refactor"), Some(2_000));
        assert_eq!(parse_target("+500kb"), None);
        assert_eq!(parse_target("Spend 3b tokens on it"), Some(3_000_000_000));
        assert_eq!(parse_target("spend 20b tokens"), Some(MAX_TARGET_TOKENS));
        assert_eq!(parse_target("refactor +1.5k!"), Some(1_500));
        assert_eq!(parse_target("refactor+1.5k"), None);
        assert_eq!(parse_target("misuse 5k tokens"), None);
        assert_eq!(parse_target("use 5k tokenizers"), None);
        assert_eq!(parse_target(""), None);
        assert_eq!(parse_target("+"), None);
    }
}
