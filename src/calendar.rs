//! UTC calendar arithmetic shared by the journals and the phases (ground floor, issue 18):
//! day names of the daily journals and ISO timestamps, without a date library (README G-R3).

/// `YYYY-MM-DD` (UTC) of a Unix time in ms.
pub fn utc_date(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Proleptic Gregorian date from days since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of a Unix time in ms.
pub fn iso_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Minutes east of UTC written as a fixed offset: `UTC`, `Z`, `GMT`, `+02:00`, `-0530`, `+2`,
/// `UTC+05:30`, `GMT-3`. `None` for anything else (an IANA zone name is resolved by the Host,
/// which has a time-zone database; the core has none). At most ±18 hours.
pub fn parse_utc_offset(text: &str) -> Option<i32> {
    let t = text.trim();
    let rest = ["UTC", "GMT", "Z"]
        .iter()
        .find_map(|p| t.strip_prefix(p))
        .unwrap_or(t);
    if rest.is_empty() {
        return (!t.is_empty()).then_some(0);
    }
    let (sign, digits) = match rest.as_bytes().first()? {
        b'+' => (1, rest.get(1..)?),
        b'-' => (-1, rest.get(1..)?),
        _ => return None,
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => (digits.get(..2)?, digits.get(2..)?),
        None => (digits, "0"),
    };
    if h.is_empty() || h.len() > 2 || m.is_empty() || m.len() > 2 {
        return None;
    }
    if !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 18 && m < 60 && h * 60 + m <= 18 * 60).then_some(sign * (h * 60 + m))
}

/// The UTC instant (ms) at which the local day containing `ms` began, for a zone that is
/// `offset_minutes` east of UTC at that instant.
pub fn local_day_start(ms: i64, offset_minutes: i32) -> i64 {
    let shift = i64::from(offset_minutes) * 60_000;
    (ms + shift).div_euclid(86_400_000) * 86_400_000 - shift
}

/// `YYYY-MM-DD` of the local day containing `ms` in a zone `offset_minutes` east of UTC.
pub fn local_date(ms: i64, offset_minutes: i32) -> String {
    utc_date(ms + i64::from(offset_minutes) * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_offsets_parse_and_names_do_not() {
        for (t, want) in [
            ("UTC", Some(0)),
            ("Z", Some(0)),
            ("GMT", Some(0)),
            ("+02:00", Some(120)),
            ("-0530", Some(-330)),
            ("+2", Some(120)),
            ("UTC+05:30", Some(330)),
            ("GMT-3", Some(-180)),
            ("+18:00", Some(1080)),
            ("+18:30", None),
            ("+2:75", None),
            ("Europe/Berlin", None),
            ("", None),
            ("+", None),
            ("UTC+x", None),
        ] {
            assert_eq!(parse_utc_offset(t), want, "{t:?}");
        }
    }

    #[test]
    fn local_days_start_at_local_midnight() {
        // 2026-12-07T23:30:00Z is 2026-12-08 00:30 in UTC+1 and 2026-12-07 18:30 in UTC-5.
        let at = 1_796_686_200_000;
        assert_eq!(iso_utc(at), "2026-12-07T23:30:00.000Z");
        assert_eq!(local_date(at, 0), "2026-12-07");
        assert_eq!(local_date(at, 60), "2026-12-08");
        assert_eq!(local_date(at, -300), "2026-12-07");
        assert_eq!(iso_utc(local_day_start(at, 0)), "2026-12-07T00:00:00.000Z");
        assert_eq!(iso_utc(local_day_start(at, 60)), "2026-12-07T23:00:00.000Z");
        assert_eq!(
            iso_utc(local_day_start(at, -300)),
            "2026-12-07T05:00:00.000Z"
        );
        // Half-hour zones and instants before 1970.
        assert_eq!(
            iso_utc(local_day_start(at, 330)),
            "2026-12-07T18:30:00.000Z"
        );
        assert_eq!(local_day_start(-1, 0), -86_400_000);
    }
}
