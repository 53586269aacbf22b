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
    let number = decimal_to_f64(s.get(..digits)?, s.get(digits + 1..end).unwrap_or(""));
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

/// `INT[.FRAC]` (ASCII digits only) as the nearest `f64`, ties to even: the value
/// `str::parse::<f64>` gives for the same text.
///
/// Not `str::parse` itself: core's float parser brings a 10 KB table of powers of five and
/// its general slow path into the wasm plugin (about 10 KB gzipped, README G-R3), for the one
/// plain decimal a prompt may hold. Short numbers take the exact one-operation path; longer
/// ones are settled by comparing with the halfway points between neighbouring doubles in
/// exact integer arithmetic ([`Big`]).
fn decimal_to_f64(int: &str, frac: &str) -> f64 {
    // Significant digits and the power of ten of the last one.
    let mut digits: Vec<u8> = int
        .bytes()
        .chain(frac.bytes())
        .map(|b| b.wrapping_sub(b'0'))
        .skip_while(|&d| d == 0)
        .collect();
    let mut exp = -i64::try_from(frac.len()).unwrap_or(i64::MAX);
    while digits.last() == Some(&0) {
        digits.pop();
        exp += 1;
    }
    if digits.is_empty() {
        return 0.0;
    }
    let len = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    // The value lies in [10^(len+exp-1), 10^(len+exp)).
    if len + exp > 310 {
        return f64::INFINITY;
    }
    if len + exp < -324 {
        return 0.0;
    }
    if digits.len() <= 15 && (-22..=22).contains(&exp) {
        // Exact operands and one correctly rounded operation (Clinger's fast path).
        let n = digits.iter().fold(0u64, |n, &d| n * 10 + u64::from(d)) as f64;
        let p = 10f64.powi(exp.unsigned_abs() as i32);
        return if exp >= 0 { n * p } else { n / p };
    }
    // No halfway point between doubles has more than 767 significant digits, so 800 digits
    // and a flag for the nonzero rest decide every comparison exactly.
    let sticky = digits.len() > 800;
    if sticky {
        exp += len - 800;
        digits.truncate(800);
    }
    let exp = exp as i32;
    let mut value = Big::default();
    for &d in &digits {
        value.mul_add(10, u32::from(d));
    }
    // A first guess within a few units in the last place, then one step at a time.
    let lead = digits
        .iter()
        .take(19)
        .fold(0u64, |n, &d| n * 10 + u64::from(d)) as f64;
    let shift = digits.len().saturating_sub(19) as i32;
    // In two factors, so that neither overflows nor underflows for any value in range.
    let scale = exp + shift;
    let mut z = lead * 10f64.powi(scale / 2) * 10f64.powi(scale - scale / 2);
    if !z.is_finite() {
        z = f64::MAX;
    }
    // The guess is a few steps off at most; the bound only guards against an endless loop.
    for _ in 0..64 {
        let bits = z.to_bits();
        let biased = (bits >> 52) as i32;
        let frac_bits = bits & ((1 << 52) - 1);
        // z = m * 2^k, exactly.
        let (m, k) = if biased == 0 {
            (frac_bits, -1074)
        } else {
            (frac_bits | (1 << 52), biased - 1075)
        };
        // Halfway up: (2m+1) * 2^(k-1).
        match compare(&value, sticky, exp, 2 * m + 1, k - 1) {
            std::cmp::Ordering::Greater => {
                z = f64::from_bits(bits + 1);
                if z.is_infinite() {
                    return z;
                }
                continue;
            }
            // A tie goes to the even neighbour (above `f64::MAX`, that is infinity).
            std::cmp::Ordering::Equal if m % 2 == 0 => return z,
            std::cmp::Ordering::Equal => return f64::from_bits(bits + 1),
            std::cmp::Ordering::Less => {}
        }
        if m == 0 {
            return z;
        }
        // Halfway down; below a power of two the lower neighbour is half as far away.
        let (low, low_k) = if m == 1 << 52 && biased > 1 {
            (4 * m - 1, k - 2)
        } else {
            (2 * m - 1, k - 1)
        };
        match compare(&value, sticky, exp, low, low_k) {
            std::cmp::Ordering::Less => z = f64::from_bits(bits - 1),
            std::cmp::Ordering::Equal if m % 2 == 1 => return f64::from_bits(bits - 1),
            _ => return z,
        }
    }
    z
}

/// `value * 10^exp` (plus a nonzero rest when `sticky`) against `n * 2^p`.
fn compare(value: &Big, sticky: bool, exp: i32, n: u64, p: i32) -> std::cmp::Ordering {
    let mut left = value.clone();
    let mut right = Big::default();
    right.mul_add(1 << 16, (n >> 48) as u32);
    right.mul_add(1 << 16, ((n >> 32) & 0xffff) as u32);
    right.mul_add(1 << 16, ((n >> 16) & 0xffff) as u32);
    right.mul_add(1 << 16, (n & 0xffff) as u32);
    left.mul_pow10(exp.max(0).unsigned_abs());
    right.mul_pow10((-exp).max(0).unsigned_abs());
    left.shl((-p).max(0).unsigned_abs());
    right.shl(p.max(0).unsigned_abs());
    match left.cmp(&right) {
        std::cmp::Ordering::Equal if sticky => std::cmp::Ordering::Greater,
        o => o,
    }
}

/// A non-negative integer as little-endian 32-bit limbs, just enough arithmetic for
/// [`decimal_to_f64`].
#[derive(Clone, Default)]
struct Big(Vec<u32>);

impl Big {
    /// `self = self * m + add`.
    fn mul_add(&mut self, m: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(m) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    /// `self = self * 10^n`, nine digits at a time.
    fn mul_pow10(&mut self, mut n: u32) {
        while n > 0 {
            let step = n.min(9);
            self.mul_add(10u32.pow(step), 0);
            n -= step;
        }
    }

    /// `self = self * 2^bits`.
    fn shl(&mut self, bits: u32) {
        let words = (bits / 32) as usize;
        let rest = bits % 32;
        if rest > 0 {
            let mut carry = 0u32;
            for limb in &mut self.0 {
                let v = (*limb << rest) | carry;
                carry = *limb >> (32 - rest);
                *limb = v;
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        if words > 0 && !self.0.is_empty() {
            self.0.splice(0..0, std::iter::repeat_n(0, words));
        }
    }

    fn trimmed(&self) -> &[u32] {
        let n = self.0.iter().rposition(|&l| l != 0).map_or(0, |i| i + 1);
        self.0.get(..n).unwrap_or(&[])
    }

    fn cmp(&self, other: &Big) -> std::cmp::Ordering {
        let (a, b) = (self.trimmed(), other.trimmed());
        a.len()
            .cmp(&b.len())
            .then_with(|| a.iter().rev().cmp(b.iter().rev()))
    }
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
    let lower = text.to_ascii_lowercase();
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

    /// Every decimal reads as `str::parse` reads it: short and long, halfway points between
    /// doubles, the edges of the range.
    #[test]
    fn decimals_read_like_str_parse() {
        fn check(text: &str) {
            let (int, frac) = text.split_once('.').unwrap_or((text, ""));
            let ours = decimal_to_f64(int, frac);
            let theirs: f64 = text.parse().unwrap();
            assert_eq!(ours.to_bits(), theirs.to_bits(), "{text}");
        }
        let mut texts: Vec<String> = [
            "0", "000", "0.0", "1", "1.5", "0.3", "1.005", "123456789012345", "1234567890123456",
            "9007199254740992", "9007199254740993", "9007199254740995", "9007199254740993.0000001",
            "0.1000000000000000055511151231257827021181583404541015625",
            "0.1000000000000000055511151231257827021181583404541015624",
            "0.1000000000000000055511151231257827021181583404541015626",
            "1.99999999999999999999", "0.99999999999999999999",
            "17976931348623157081452742373170435679807056752584499659891747680315726078002853876058955863276687817154045895351438246423432132688946418276846754670353751698604991057655128207624549009038932894407586850845513394230458323690322294816580855933212334827479782620414472316873817718091929988125040402618412485836",
            "17976931348623158079372897140530341507993413271003782693617377898044496829276475094664901797758720709633028641669288791094655554785194040263065748867150582068190890200070838367627385484581771153176447573027006985099637100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "17976931348623158079372897140530341507993413271003782693617377898044496829276475094664901797758720709633028641669288791094655554785194040263065748867150582068190890200070838367627385484581771153176447573027006985099637099999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999",
            "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Tiny values down to and past the smallest subnormal, and their halfway points.
        texts.push(format!("0.{}494065645841246544176568792868221372365059802614324764425585682500675507270208751865299836361635992379796564695445717730926656710355939796398774796010781878126300713190311404527845817167848982103688718636056998730723050006387409153564984387312473397273169615140031715385398074126238565591171026658556686768187039560310624931945271591492455329305456544401127480129709999541931989409080416563324524757147869014726780159355238611550134803526493472019379026810710749170333222684475333572083243193609238289345836806010601150616980975307834227731832924790498252473077637592724787465608477820373446969953364701797267771758512566055119913150489110145103786273816725095583738973359899366480994116420570263709027924276754456522908753868250641971826553344726562499999", "0".repeat(300)));
        texts.push(format!("0.{}2470328229206232720882", "0".repeat(323)));
        texts.push(format!("0.{}2470328229206232720881", "0".repeat(323)));
        texts.push(format!("0.{}1", "0".repeat(330)));
        texts.push(format!("1{}", "0".repeat(400)));
        texts.push(format!("{}.{}", "9".repeat(30), "9".repeat(900)));
        texts.push(format!("1.{}1", "0".repeat(850)));
        // Pseudo-random digits of many lengths, and the exact decimal forms of doubles and
        // of the halfway points next to them.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..400 {
            let a = next();
            let int_len = (a % 25) as usize;
            let frac_len = ((a >> 8) % 30) as usize;
            let mut t = String::new();
            for _ in 0..int_len.max(1) {
                t.push(char::from(b'0' + (next() % 10) as u8));
            }
            if frac_len > 0 {
                t.push('.');
                for _ in 0..frac_len {
                    t.push(char::from(b'0' + (next() % 10) as u8));
                }
            }
            texts.push(t);
            let x = f64::from_bits(next() >> 2);
            if x.is_finite() && x > 1e-30 && x < 1e30 {
                let exact = format!("{x:.80}");
                texts.push(
                    exact
                        .trim_end_matches('0')
                        .trim_end_matches('.')
                        .to_string(),
                );
                let up = f64::from_bits(x.to_bits() + 1);
                // The halfway point: the exact mean needs one more binary digit, so print
                // both neighbours exactly and average their decimal digits.
                let (a, b) = (format!("{x:.1100}"), format!("{up:.1100}"));
                let half = decimal_mean(&a, &b);
                texts.push(half.clone());
                texts.push(format!("{half}1"));
                texts.push(nudge_down(&half));
            }
        }
        for t in &texts {
            check(t);
        }
    }

    /// (a + b) / 2 of two decimals printed with the same number of fraction digits; exact,
    /// with one more fraction digit.
    fn decimal_mean(a: &str, b: &str) -> String {
        let width = a.len().max(b.len());
        let (a, b) = (format!("{a:0>width$}"), format!("{b:0>width$}"));
        let mut sum: Vec<u8> = Vec::new();
        let mut carry = 0;
        for (x, y) in a.bytes().rev().zip(b.bytes().rev()) {
            if x == b'.' {
                sum.push(b'.');
                continue;
            }
            let s = (x - b'0') + (y - b'0') + carry;
            sum.push(s % 10);
            carry = s / 10;
        }
        sum.push(carry);
        sum.reverse();
        // Halve, digit by digit from the top.
        let mut out = String::new();
        let mut rem = 0;
        for d in sum.iter().chain(std::iter::once(&0)) {
            if *d == b'.' {
                out.push('.');
                continue;
            }
            let v = rem * 10 + d;
            out.push(char::from(b'0' + v / 2));
            rem = v % 2;
        }
        let out = out.trim_start_matches('0');
        let out = if out.starts_with('.') {
            format!("0{out}")
        } else {
            out.to_string()
        };
        out.trim_end_matches('0').trim_end_matches('.').to_string()
    }

    /// The decimal just below `text` in its last digit (a value just under a halfway point).
    fn nudge_down(text: &str) -> String {
        let mut b = text.as_bytes().to_vec();
        for i in (0..b.len()).rev() {
            match b[i] {
                b'.' => continue,
                b'0' => b[i] = b'9',
                _ => {
                    b[i] -= 1;
                    break;
                }
            }
        }
        let s = String::from_utf8(b).unwrap();
        format!("{s}9")
    }
}
