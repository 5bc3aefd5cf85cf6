//! How sizes, speeds and times read on screen. Plain functions, tested natively.

use time::{Month, OffsetDateTime, UtcOffset};

// Binary units, named as such: a 10 GiB quota reads "10.0 GiB", not "10.7 GB".
const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/// "0 B", "1023 B", "1.0 KiB", "12.3 MiB": one decimal place.
pub fn size(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    // Float is fine here: one decimal place of precision is all we show.
    #[allow(clippy::cast_precision_loss)]
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    // Never "1024.0 KiB": what would round to it moves to the next unit.
    while value >= 1023.95 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// The exact size for a tooltip: "1,234,567 bytes".
pub fn exact_size(bytes: u64) -> String {
    let digits = bytes.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    let unit = if bytes == 1 { "byte" } else { "bytes" };
    format!("{out} {unit}")
}

/// Transfer speed from bytes moved over elapsed milliseconds: "4.2 MiB/s".
pub fn speed(bytes: u64, elapsed_ms: f64) -> String {
    if elapsed_ms <= 0.0 {
        return String::from("—");
    }
    #[allow(clippy::cast_precision_loss)]
    let per_second = bytes as f64 * 1000.0 / elapsed_ms;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let whole = per_second.round().max(0.0) as u64;
    format!("{}/s", size(whole))
}

/// Whole percent of `done` out of `total`, 0..=100; an empty total is done.
pub fn percent(done: u64, total: u64) -> u8 {
    if total == 0 {
        return 100;
    }
    let ratio = u128::from(done.min(total)) * 100 / u128::from(total);
    u8::try_from(ratio).unwrap_or(100)
}

fn month_abbrev(month: Month) -> &'static str {
    match month {
        Month::January => "Jan",
        Month::February => "Feb",
        Month::March => "Mar",
        Month::April => "Apr",
        Month::May => "May",
        Month::June => "Jun",
        Month::July => "Jul",
        Month::August => "Aug",
        Month::September => "Sep",
        Month::October => "Oct",
        Month::November => "Nov",
        Month::December => "Dec",
    }
}

/// A modification time in the viewer's zone, shorter the closer it is:
/// "Today, 14:05", "27 Nov, 14:05", "27 Nov 2025".
pub fn when(at: OffsetDateTime, now: OffsetDateTime, zone: UtcOffset) -> String {
    let at = at.to_offset(zone);
    let now = now.to_offset(zone);
    if at.date() == now.date() {
        format!("Today, {:02}:{:02}", at.hour(), at.minute())
    } else if at.year() == now.year() {
        format!(
            "{} {}, {:02}:{:02}",
            at.day(),
            month_abbrev(at.month()),
            at.hour(),
            at.minute()
        )
    } else {
        format!("{} {} {}", at.day(), month_abbrev(at.month()), at.year())
    }
}

/// A full date for titles and the account page: "27 Nov 2026, 14:05".
pub fn full_date(at: OffsetDateTime, zone: UtcOffset) -> String {
    let at = at.to_offset(zone);
    format!(
        "{} {} {}, {:02}:{:02}",
        at.day(),
        month_abbrev(at.month()),
        at.year(),
        at.hour(),
        at.minute()
    )
}

/// The browser's offset from UTC, from JavaScript's minutes *behind* UTC.
pub fn zone_from_js_minutes(minutes_behind_utc: f64) -> UtcOffset {
    #[allow(clippy::cast_possible_truncation)]
    let seconds = (-minutes_behind_utc * 60.0).round() as i32;
    UtcOffset::from_whole_seconds(seconds).unwrap_or(UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(1), "1 B");
        assert_eq!(size(1023), "1023 B");
        assert_eq!(size(1024), "1.0 KiB");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(1234), "1.2 KiB");
        assert_eq!(size(200_000), "195.3 KiB");
        assert_eq!(size(1024 * 1024 - 52), "1023.9 KiB");
        // Never "1024.0 KiB": rounding up moves to the next unit.
        assert_eq!(size(1024 * 1024 - 1), "1.0 MiB");
        assert_eq!(size(50 * 1024 * 1024), "50.0 MiB");
        assert_eq!(size(10 * 1024 * 1024 * 1024), "10.0 GiB");
        assert_eq!(size(u64::MAX), "16.0 EiB");
    }

    #[test]
    fn exact_sizes_group_thousands() {
        assert_eq!(exact_size(0), "0 bytes");
        assert_eq!(exact_size(1), "1 byte");
        assert_eq!(exact_size(999), "999 bytes");
        assert_eq!(exact_size(1000), "1,000 bytes");
        assert_eq!(exact_size(1_234_567), "1,234,567 bytes");
    }

    #[test]
    fn speeds_and_percentages() {
        assert_eq!(speed(5 * 1024 * 1024, 1000.0), "5.0 MiB/s");
        assert_eq!(speed(1024, 500.0), "2.0 KiB/s");
        assert_eq!(speed(10, 0.0), "—");
        assert_eq!(percent(0, 10), 0);
        assert_eq!(percent(5, 10), 50);
        assert_eq!(percent(10, 10), 100);
        assert_eq!(percent(11, 10), 100);
        assert_eq!(percent(0, 0), 100);
        assert_eq!(percent(u64::MAX - 1, u64::MAX), 99);
    }

    #[test]
    fn times_shorten_with_closeness() {
        let now = datetime!(2026-11-27 15:00 UTC);
        let zone = offset!(+1);
        assert_eq!(
            when(datetime!(2026-11-27 13:05 UTC), now, zone),
            "Today, 14:05"
        );
        assert_eq!(
            when(datetime!(2026-11-26 23:30 UTC), now, zone),
            "Today, 00:30"
        );
        assert_eq!(
            when(datetime!(2026-03-02 08:00 UTC), now, zone),
            "2 Mar, 09:00"
        );
        assert_eq!(
            when(datetime!(2025-12-31 22:59 UTC), now, zone),
            "31 Dec 2025"
        );
        // The zone decides the year as well as the day.
        assert_eq!(
            when(datetime!(2025-12-31 23:30 UTC), now, zone),
            "1 Jan, 00:30"
        );
        assert_eq!(
            full_date(datetime!(2026-11-27 13:05 UTC), zone),
            "27 Nov 2026, 14:05"
        );
    }

    #[test]
    fn javascript_offsets_are_inverted() {
        // Date.getTimezoneOffset() is -60 in Central Europe in winter.
        assert_eq!(zone_from_js_minutes(-60.0), offset!(+1));
        assert_eq!(zone_from_js_minutes(300.0), offset!(-5));
        assert_eq!(zone_from_js_minutes(-330.0), offset!(+5:30));
        assert_eq!(zone_from_js_minutes(f64::NAN), UtcOffset::UTC);
    }
}
