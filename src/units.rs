//! Durations and sizes as users type them (`90s`, `250ms`, `8G`), and durations written back in
//! a form [`parse_duration`] reads to the same nanosecond, for reproducing commands.

use std::time::Duration;

const NANOS_PER_SECOND: u128 = 1_000_000_000;

/// How long a run may take: `90s`, `5m`, `1h`, `250ms`, or plain seconds. Decimals are exact to
/// the nanosecond (`1.5h`, `0.000000001s`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let not_a_duration = || format!("'{text}' is not a duration (examples: 30s, 5m, 1h, 250ms)");
    let nanos = decimal_nanos(number).ok_or_else(not_a_duration)?;
    // (multiplier, divisor) from seconds to the unit.
    let (times, per) = match unit.trim() {
        "" | "s" => (1, 1),
        "ms" => (1, 1000),
        "m" | "min" => (60, 1),
        "h" => (3600, 1),
        other => {
            return Err(format!(
                "unknown duration unit '{other}' in '{text}' (use ms, s, m or h)"
            ))
        }
    };
    let total = nanos
        .checked_mul(times)
        .map(|n| n / per)
        .ok_or_else(|| format!("'{text}' is out of range"))?;
    let seconds =
        u64::try_from(total / NANOS_PER_SECOND).map_err(|_| format!("'{text}' is out of range"))?;
    // The remainder is below 10^9, so it fits.
    let subsec = (total % NANOS_PER_SECOND) as u32;
    Ok(Duration::new(seconds, subsec))
}

/// `12.5` as 12,500,000,000 (nanos of one unit); digits beyond the ninth decimal are dropped.
fn decimal_nanos(number: &str) -> Option<u128> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || !digits(fraction) {
        return None;
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut fraction_nanos = 0u128;
    for (place, digit) in fraction.chars().take(9).enumerate() {
        let value = u128::from(digit.to_digit(10)?);
        fraction_nanos += value * 10u128.pow(8 - place as u32);
    }
    whole
        .checked_mul(NANOS_PER_SECOND)?
        .checked_add(fraction_nanos)
}

/// The duration as [`parse_duration`] reads it back exactly: whole milliseconds as `250ms`,
/// anything finer as decimal seconds.
pub fn duration_text(duration: Duration) -> String {
    if duration.subsec_nanos() == duration.subsec_millis() * 1_000_000 {
        format!("{}ms", duration.as_millis())
    } else {
        format!("{}.{:09}s", duration.as_secs(), duration.subsec_nanos())
    }
}

/// serde's side of [`duration_text`], for the CLI's `Option<Duration>` flags.
pub fn serialize_duration<S: serde::Serializer>(
    duration: &Option<Duration>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match duration {
        Some(d) => serializer.serialize_some(&duration_text(*d)),
        None => serializer.serialize_none(),
    }
}

/// A size in bytes: a number with an optional binary unit (K, M, G, T; 1K = 1024).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size (examples: 512M, 8G)"))?;
    if unit.starts_with('.') {
        return Err(format!(
            "'{text}' is not a whole number: use a smaller unit (1.5G is 1536M)"
        ));
    }
    if value == 0 {
        return Err("a size must be more than 0".to_string());
    }
    let shift = match unit
        .trim()
        .trim_end_matches(['B', 'b'])
        .to_ascii_uppercase()
        .as_str()
    {
        "" => 0,
        "K" | "KI" => 10,
        "M" | "MI" => 20,
        "G" | "GI" => 30,
        "T" | "TI" => 40,
        _ => {
            return Err(format!(
                "unknown size unit in '{text}' (use K, M, G or T, e.g. 8G)"
            ))
        }
    };
    value
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("'{text}' is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration(".5s"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("0.000000001s"), Ok(Duration::from_nanos(1)));
        assert_eq!(parse_duration("0.001ms"), Ok(Duration::from_micros(1)));
        for bad in [
            "soon",
            "5 parsecs",
            ".",
            "1.2.3s",
            "",
            "99999999999999999999999h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn written_durations_read_back_exactly() {
        for d in [
            Duration::ZERO,
            Duration::from_millis(250),
            Duration::from_secs(3600),
            Duration::new(7, 1),
            Duration::new(0, 999_999_999),
            Duration::new(u64::MAX / 4000, 123_000_000),
        ] {
            assert_eq!(parse_duration(&duration_text(d)), Ok(d), "{d:?}");
        }
        assert_eq!(duration_text(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_bytes("512"), Ok(512));
        assert_eq!(parse_bytes("8G"), Ok(8 << 30));
        assert_eq!(parse_bytes("1KiB"), Ok(1024));
        assert!(parse_bytes("0").is_err());
        assert!(parse_bytes("1.5G").is_err());
        assert!(parse_bytes("3X").is_err());
    }
}
