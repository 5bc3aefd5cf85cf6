//! Deleting an account cannot be undone, so without `--yes` the administrator
//! types the account's email on a terminal first. Without a terminal there is
//! nobody to ask: the command refuses rather than read a script's input as an
//! answer.

use std::io::{BufRead, IsTerminal, Write};

use super::AdminError;
use super::render::size;

/// Asks on the terminal; `NoTerminal` when standard input is not one.
pub async fn deletion(email: &str, used_bytes: u64) -> Result<(), AdminError> {
    if !std::io::stdin().is_terminal() {
        return Err(AdminError::NoTerminal(email.to_owned()));
    }
    let email = email.to_owned();
    // Waiting for a person blocks; it does so off the runtime.
    tokio::task::spawn_blocking(move || {
        ask(
            &email,
            used_bytes,
            &mut std::io::stdin().lock(),
            &mut std::io::stderr(),
        )
    })
    .await
    .map_err(|err| AdminError::Prompt(std::io::Error::other(err)))?
}

/// The prompt goes to `out` (stderr: stdout stays the command's output).
fn ask(
    email: &str,
    used_bytes: u64,
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> Result<(), AdminError> {
    write!(
        out,
        "This deletes the account {email} and its files ({}) for good.\n\
         Type its email to confirm: ",
        size(used_bytes)
    )
    .and_then(|()| out.flush())
    .map_err(AdminError::Prompt)?;
    let mut answer = String::new();
    input.read_line(&mut answer).map_err(AdminError::Prompt)?;
    match answer.trim().eq_ignore_ascii_case(email) {
        true => Ok(()),
        false => Err(AdminError::NotConfirmed),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn answer(typed: &str) -> (Result<(), AdminError>, String) {
        let mut out = Vec::new();
        let result = ask("ann@example.com", 2048, &mut typed.as_bytes(), &mut out);
        (result, String::from_utf8(out).unwrap())
    }

    #[test]
    fn the_email_typed_back_confirms() {
        let (result, prompt) = answer("  Ann@Example.com\n");
        assert!(result.is_ok());
        assert!(
            prompt.contains("ann@example.com") && prompt.contains("2.0 KiB"),
            "{prompt}"
        );
    }

    #[test]
    fn anything_else_or_nothing_declines() {
        for typed in ["y\n", "yes\n", "\n", "", "bob@example.com\n"] {
            let (result, _) = answer(typed);
            assert!(matches!(result, Err(AdminError::NotConfirmed)), "{typed:?}");
        }
    }
}
