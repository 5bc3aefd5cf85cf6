//! Sizes and durations as people write them on the command line, read by
//! `bytesize` and `humantime`, with the bounds this server needs on top.

use bytesize::ByteSize;

/// The longest an invite may stay valid: an unused code is a standing way in,
/// and a bound keeps the expiry date representable.
const MAX_VALIDITY_DAYS: u64 = 365;

/// How long an invite works, in whole seconds (what the stores keep).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity(time::Duration);

impl Validity {
    pub fn duration(self) -> time::Duration {
        self.0
    }
}

/// `7d`, `12h`, `2w 3d`; more than zero and at most a year.
pub fn validity(text: &str) -> Result<Validity, String> {
    let parsed = humantime::parse_duration(text.trim())
        .map_err(|err| format!("{err}; write e.g. 12h, 7d or 2w"))?;
    let seconds = parsed.as_secs();
    if seconds == 0 {
        return Err("an invite must stay valid for at least a second".to_owned());
    }
    if seconds > MAX_VALIDITY_DAYS * 24 * 3600 {
        return Err(format!(
            "an invite can stay valid for at most {MAX_VALIDITY_DAYS} days"
        ));
    }
    i64::try_from(seconds)
        .map(|s| Validity(time::Duration::seconds(s)))
        .map_err(|_| "too long".to_owned())
}

/// `10GiB` (powers of 1024), `500MB` (powers of 1000) or a plain number of
/// bytes. Both stores count in signed 64 bits, so larger sizes are refused
/// here rather than by the store.
pub fn quota(text: &str) -> Result<u64, String> {
    let size: ByteSize = text
        .trim()
        .parse()
        .map_err(|err| format!("{err}; write e.g. 10GiB, 500MB or 1073741824 (bytes)"))?;
    let bytes = size.as_u64();
    if i64::try_from(bytes).is_err() {
        return Err(format!(
            "{} is larger than any store can count",
            size.display().iec()
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_binary_and_decimal_units_and_plain_bytes() {
        assert_eq!(quota("10GiB").unwrap(), 10 * 1024 * 1024 * 1024);
        assert_eq!(quota("500MB").unwrap(), 500_000_000);
        assert_eq!(quota("1073741824").unwrap(), 1_073_741_824);
        assert_eq!(quota("1.5 GiB").unwrap(), 1_610_612_736);
        assert_eq!(quota("0").unwrap(), 0);
    }

    #[test]
    fn sizes_that_are_not_or_are_too_large() {
        for bad in ["", "ten", "10 parsecs", "-1", "1e3"] {
            let err = quota(bad).unwrap_err();
            assert!(err.contains("10GiB"), "{bad}: {err}");
        }
        assert!(quota("9EiB").unwrap_err().contains("larger"));
        assert_eq!(quota(&i64::MAX.to_string()).unwrap(), i64::MAX as u64);
    }

    #[test]
    fn validity_in_human_units_within_a_year() {
        let days = |d: i64| Validity(time::Duration::days(d));
        assert_eq!(validity("7d").unwrap(), days(7));
        assert_eq!(validity("2w").unwrap(), days(14));
        assert_eq!(validity("365d").unwrap(), days(365));
        assert_eq!(
            validity("1h 30m").unwrap(),
            Validity(time::Duration::minutes(90))
        );
        // Stores keep whole seconds.
        assert_eq!(
            validity("1500ms").unwrap(),
            Validity(time::Duration::seconds(1))
        );
    }

    #[test]
    fn validity_that_is_not_or_is_out_of_bounds() {
        assert!(validity("7").unwrap_err().contains("7d"));
        assert!(validity("soon").unwrap_err().contains("7d"));
        assert!(validity("0s").unwrap_err().contains("at least"));
        assert!(validity("500ms").unwrap_err().contains("at least"));
        assert!(validity("366d").unwrap_err().contains("365 days"));
        assert!(validity("1000years").unwrap_err().contains("365 days"));
    }
}
