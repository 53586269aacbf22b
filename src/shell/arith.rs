//! The value of a shell arithmetic expansion `$((…))` when it follows from known values
//! alone (P4-R25): `sed -n "$((line-20)),$((line+5))p"` inside `for line in 575 933` names
//! line numbers, not options.
//!
//! Only the forms whose result cannot depend on anything unseen are evaluated: decimal
//! integers, variables whose one known value is a decimal integer, unary `+`/`-`, binary
//! `+ - * / %` and parentheses. Everything else (assignments, `++`, comparisons, bit
//! operators, `**`, `,`, `?:`, octal `010`, hex, `base#n`, a variable with no known value,
//! division by zero, overflow) gives no value, so the word stays unknown and every check
//! treats it as it did before.

/// Deepest parenthesis nesting evaluated (totality on hostile input).
const MAX_DEPTH: usize = 32;

/// The value of the arithmetic expression `text`; `var` gives a variable's one known value.
pub(crate) fn eval(text: &str, var: &dyn Fn(&str) -> Option<String>) -> Option<i64> {
    let mut p = Eval {
        s: text.as_bytes(),
        at: 0,
        var,
    };
    let v = p.sum(0)?;
    p.blank();
    (p.at == p.s.len()).then_some(v)
}

struct Eval<'a> {
    s: &'a [u8],
    at: usize,
    var: &'a dyn Fn(&str) -> Option<String>,
}

impl Eval<'_> {
    fn blank(&mut self) {
        while self.s.get(self.at).is_some_and(|b| b.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    /// The next byte after blanks, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.blank();
        self.s.get(self.at).copied()
    }

    /// An operator byte not doubled or followed by `=` (`++`, `+=`, `**` are other operators).
    fn single(&mut self, op: u8) -> bool {
        if self.peek() != Some(op) {
            return false;
        }
        let next = self.s.get(self.at + 1).copied();
        if next == Some(op) || next == Some(b'=') {
            return false;
        }
        self.at += 1;
        true
    }

    fn sum(&mut self, depth: usize) -> Option<i64> {
        let mut v = self.product(depth)?;
        loop {
            if self.single(b'+') {
                v = v.checked_add(self.product(depth)?)?;
            } else if self.single(b'-') {
                v = v.checked_sub(self.product(depth)?)?;
            } else {
                return Some(v);
            }
        }
    }

    fn product(&mut self, depth: usize) -> Option<i64> {
        let mut v = self.unary(depth)?;
        loop {
            if self.single(b'*') {
                v = v.checked_mul(self.unary(depth)?)?;
            } else if self.single(b'/') {
                v = v.checked_div(self.unary(depth)?)?;
            } else if self.single(b'%') {
                v = v.checked_rem(self.unary(depth)?)?;
            } else {
                return Some(v);
            }
        }
    }

    fn unary(&mut self, depth: usize) -> Option<i64> {
        // Signs are counted, not recursed on: `- - - …` of any length is total.
        let mut negate = false;
        loop {
            if self.single(b'-') {
                negate = !negate;
            } else if !self.single(b'+') {
                break;
            }
        }
        let v = self.atom(depth)?;
        if negate {
            v.checked_neg()
        } else {
            Some(v)
        }
    }

    fn atom(&mut self, depth: usize) -> Option<i64> {
        match self.peek()? {
            b'(' if depth < MAX_DEPTH => {
                self.at += 1;
                let v = self.sum(depth + 1)?;
                (self.peek()? == b')').then(|| self.at += 1)?;
                Some(v)
            }
            b'0'..=b'9' => {
                let start = self.at;
                while self
                    .s
                    .get(self.at)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'#')
                {
                    self.at += 1;
                }
                decimal(std::str::from_utf8(self.s.get(start..self.at)?).ok()?)
            }
            b if b == b'_' || b.is_ascii_alphabetic() => {
                let start = self.at;
                while self
                    .s
                    .get(self.at)
                    .is_some_and(|b| *b == b'_' || b.is_ascii_alphanumeric())
                {
                    self.at += 1;
                }
                let name = std::str::from_utf8(self.s.get(start..self.at)?).ok()?;
                // `a[1]`, `a=…` and `a==b` are not evaluated.
                if matches!(self.peek(), Some(b'[' | b'=')) {
                    return None;
                }
                decimal((self.var)(name)?.trim())
            }
            _ => None,
        }
    }
}

/// A decimal integer as bash reads it: no leading zero (octal), no base prefix.
fn decimal(t: &str) -> Option<i64> {
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    t.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::eval;

    fn vars(name: &str) -> Option<String> {
        match name {
            "line" => Some("575".into()),
            "neg" => Some("-3".into()),
            "word" => Some("abc".into()),
            "oct" => Some("010".into()),
            _ => None,
        }
    }

    #[test]
    fn known_values_evaluate() {
        let e = |t: &str| eval(t, &vars);
        assert_eq!(e("line-20"), Some(555));
        assert_eq!(e(" line - 1 "), Some(574));
        assert_eq!(e("(line+5)*2"), Some(1160));
        assert_eq!(e("-line"), Some(-575));
        assert_eq!(e("7/2"), Some(3));
        assert_eq!(e("7%4"), Some(3));
        assert_eq!(e("neg+1"), Some(-2));
        assert_eq!(e("0"), Some(0));
        assert_eq!(e("- -4"), Some(4));
    }

    #[test]
    fn anything_unsure_has_no_value() {
        let e = |t: &str| eval(t, &vars);
        for t in [
            "x+1",
            "word",
            "oct",
            "010",
            "0x10",
            "2#101",
            "line++",
            "line+=1",
            "line=1",
            "2**3",
            "1<2",
            "1,2",
            "1?2:3",
            "a[1]",
            "1/0",
            "5%0",
            "(1",
            "1)",
            "",
            "9223372036854775807+1",
            "line & 1",
            "~1",
            "!1",
            "$line",
            "$(id)",
        ] {
            assert_eq!(e(t), None, "{t}");
        }
        assert_eq!(e(&"(".repeat(40)), None);
        assert_eq!(e(&format!("{}1", "- ".repeat(100_000))), Some(1));
        assert_eq!(e(&format!("{}1{}", "(".repeat(40), ")".repeat(40))), None);
    }
}
