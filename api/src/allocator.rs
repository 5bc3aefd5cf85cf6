//! mimalloc's settings for a long-running server. mimalloc reads them from
//! the environment once, as the process starts, before `main`; setting them
//! from the code would take an `unsafe` FFI call (the workspace forbids
//! `unsafe`), and the one that matters has no compile-time default. So the
//! server starts itself again, once, with them in its environment: the same
//! process (`exec`), whichever way it was launched.
//!
//! `MIMALLOC_PURGE_DELAY=0`: memory freed is given back to the OS at once
//! instead of after a delay of 1 s that only runs out when the thread
//! allocates again, so an idle worker kept what its last request used
//! (Argon2's 19 MiB, a burst's pages). bench/memory.sh, same binary:
//! idle 31 → 23 MiB, after a log-in 49 → 25, 1 GiB rounds 49/59/63 →
//! 32/37/36, 32 parallel up/down 100/107 → 62/78, small-upload burst
//! 112 → 79; upload and download speed unchanged.

use std::ffi::OsString;

/// What the server runs with unless the environment already says otherwise.
pub const SETTINGS: &[(&str, &str)] = &[("MIMALLOC_PURGE_DELAY", "0")];

/// The settings the environment (`var`) lacks: an operator's own value wins.
pub fn missing(var: impl Fn(&str) -> Option<OsString>) -> Vec<(&'static str, &'static str)> {
    SETTINGS
        .iter()
        .copied()
        .filter(|(name, _)| var(name).is_none())
        .collect()
}

/// Replaces this process with itself, same arguments, plus the missing
/// settings. Returns only when none is missing, or with the error when the
/// `exec` failed (the server then runs with mimalloc's defaults).
#[cfg(target_os = "linux")]
pub fn restart_with_settings() -> Option<std::io::Error> {
    use std::os::unix::process::CommandExt;

    let missing = missing(|name| std::env::var_os(name));
    if missing.is_empty() {
        return None;
    }
    let mut args = std::env::args_os();
    let arg0 = args.next().unwrap_or_else(|| "strongroom".into());
    // This very file, even if the path it was started by now names another.
    Some(
        std::process::Command::new("/proc/self/exe")
            .arg0(arg0)
            .args(args)
            .envs(missing)
            .exec(),
    )
}

/// Elsewhere: mimalloc's defaults.
#[cfg(not(target_os = "linux"))]
pub fn restart_with_settings() -> Option<std::io::Error> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_settings_are_missing_from_an_empty_environment() {
        assert_eq!(missing(|_| None), SETTINGS.to_vec());
        assert!(SETTINGS.contains(&("MIMALLOC_PURGE_DELAY", "0")));
    }

    #[test]
    fn an_operators_value_wins() {
        let set = |name: &str| (name == "MIMALLOC_PURGE_DELAY").then(|| OsString::from("1000"));
        assert!(missing(set).is_empty());
    }
}
