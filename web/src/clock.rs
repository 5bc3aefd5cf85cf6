//! The browser's clock and time zone.

use time::{OffsetDateTime, UtcOffset};

/// Milliseconds on the page's monotonic clock, for transfer speeds.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}

pub fn now() -> OffsetDateTime {
    // Whole milliseconds since the epoch fit an i128 of nanoseconds exactly.
    #[allow(clippy::cast_possible_truncation)]
    let millis = js_sys::Date::now() as i128;
    OffsetDateTime::from_unix_timestamp_nanos(millis * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

pub fn zone() -> UtcOffset {
    crate::format::zone_from_js_minutes(js_sys::Date::new_0().get_timezone_offset())
}
