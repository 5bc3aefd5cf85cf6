//! End to end in a real browser: Debian's headless chromium, driven through
//! chromedriver, against the real server on the embedded default serving the
//! built app. Screenshots of every page go to `target/screenshots/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
mod harness;

use harness::{Browser, start_browser, start_server_with};

const PASSWORD: &str = "correct horse battery staple";

/// Signs up through the form and returns the recovery code it showed.
async fn sign_up(browser: &Browser, base: &str, email: &str, shots: Option<&str>) -> String {
    browser.goto(&format!("{base}/signup")).await;
    browser.find("#signup-page").await;
    browser.fill("#email", email).await;
    browser.fill("#display-name", "Ada").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .fill("#password-confirm", "something else entirely")
        .await;
    browser.click("#signup-submit").await;
    // The mismatch is caught in the page, beside the field.
    browser
        .text_contains("#password-confirm-error", "differ")
        .await;
    if let Some(prefix) = shots {
        browser.shot(&format!("{prefix}-signup-error")).await;
    }
    browser.fill("#password-confirm", PASSWORD).await;
    browser.click("#signup-submit").await;

    browser.find("#recovery-page").await;
    let code = browser.text("#recovery-code").await;
    assert!(
        code.len() >= 20 && code.contains('-'),
        "recovery code looks like one: {code:?}"
    );
    if let Some(prefix) = shots {
        browser.shot(&format!("{prefix}-recovery-code")).await;
    }
    // Going on needs the "I have stored it" box.
    let go_on = browser.find("#recovery-continue").await;
    assert!(
        !go_on.is_enabled().await.unwrap(),
        "continue waits for the confirmation"
    );
    browser.click("#stored-confirm").await;
    browser.click("#recovery-continue").await;
    browser.find("#files-page").await;
    browser.text_contains("#whoami", email).await;
    code
}

async fn log_in(browser: &Browser, base: &str, email: &str, password: &str) {
    browser.goto(&format!("{base}/login")).await;
    browser.find("#login-page").await;
    browser.fill("#email", email).await;
    browser.fill("#password", password).await;
    browser.click("#login-submit").await;
    browser.find("#files-page").await;
    browser.text_contains("#whoami", email).await;
}

async fn log_out(browser: &Browser) {
    browser.click("#logout").await;
    browser.find("#login-page").await;
}

async fn new_folder(browser: &Browser, name: &str) {
    browser.click("#new-folder").await;
    browser.find("#new-folder-dialog").await;
    browser.fill("#folder-name", name).await;
    browser.click("#create-folder-submit").await;
    browser.gone("#new-folder-dialog").await;
    browser.find(&format!("tr[data-name=\"{name}\"]")).await;
}

fn row(name: &str) -> String {
    format!("tr[data-name=\"{name}\"]")
}

/// A line of the upload list in a given state.
fn upload(name: &str, state: &str) -> String {
    format!("li.upload[data-name=\"{name}\"][data-state=\"{state}\"]")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_vault_in_a_browser() {
    // A small quota, so that running out of space can be seen too.
    let server = start_server_with(|config| config.default_quota_bytes = 300 * 1024).await;
    let base = server.base.as_str();
    let browser = start_browser().await;

    // Signed out, any page leads to log in.
    browser.goto(&format!("{base}/files")).await;
    browser.find("#login-page").await;
    browser.shot("01-login").await;
    // The app arrived gzipped (the server sends the build's .gz copies).
    let sizes = browser
        .client
        .execute(
            "const wasm = performance.getEntriesByType('resource').find(r => r.name.endsWith('_bg.wasm'));
             return wasm ? [wasm.encodedBodySize, wasm.decodedBodySize] : null;",
            vec![],
        )
        .await
        .unwrap();
    let (sent, size) = (sizes[0].as_u64().unwrap(), sizes[1].as_u64().unwrap());
    assert!(
        sent * 2 < size,
        "wasm sent compressed: {sent} of {size} bytes"
    );

    let email = "ada@example.com";
    sign_up(&browser, base, email, Some("02")).await;
    browser.find("#empty-state").await;
    browser.shot("03-empty-vault").await;

    // Folders.
    new_folder(&browser, "Reports").await;
    new_folder(&browser, "Archive").await;
    browser
        .click(&format!("{} a.folder-link", row("Reports")))
        .await;
    browser.text_contains("#folder-title", "Reports").await;
    browser.text_contains("#breadcrumbs", "My files").await;
    let reports_path = browser.path().await;
    assert!(
        reports_path.starts_with("/files/"),
        "deep link {reports_path}"
    );

    // Two files through the file input.
    let files = tempfile::tempdir().unwrap();
    let notes: Vec<u8> = (0..1234_u32)
        .map(|i| b"Strongroom notes\n"[(i % 17) as usize])
        .collect();
    let photo: Vec<u8> = (0..200_000_u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let notes_path = files.path().join("notes.txt");
    let photo_path = files.path().join("photo.bin");
    std::fs::write(&notes_path, &notes).unwrap();
    std::fs::write(&photo_path, &photo).unwrap();
    // Two files picked at once.
    browser.pick_files(&[&notes_path, &photo_path]).await;
    browser.find(&row("notes.txt")).await;
    browser.find(&row("photo.bin")).await;
    browser
        .until("both uploads to finish", || async {
            browser.exists(&upload("photo.bin", "done")).await
                && browser.exists(&upload("notes.txt", "done")).await
        })
        .await;
    assert_eq!(
        browser
            .text(&format!("{} .col-size", row("notes.txt")))
            .await,
        "1.2 KiB"
    );
    assert_eq!(
        browser
            .text(&format!("{} .col-size", row("photo.bin")))
            .await,
        "195.3 KiB"
    );
    browser.shot("04-uploaded").await;

    // A file that does not fit fails on its own line, saying why; nothing is kept.
    let too_big = files.path().join("too-big.bin");
    std::fs::write(&too_big, vec![7_u8; 150 * 1024]).unwrap();
    browser.click("#clear-uploads").await;
    browser.pick_files(&[&too_big]).await;
    browser
        .text_contains(&upload("too-big.bin", "failed"), "Not enough space")
        .await;
    browser.shot("05-quota-exceeded").await;
    assert!(!browser.exists(&row("too-big.bin")).await);

    // Download through the browser's own download manager, byte for byte.
    browser
        .click(&format!("{} .action-download", row("notes.txt")))
        .await;
    assert_eq!(
        browser.downloaded("notes.txt").await,
        notes,
        "downloaded bytes"
    );

    // Drop files on the list (a drop event carrying a file, as a drag from
    // the desktop delivers it).
    browser
        .client
        .execute(
            "const data = new DataTransfer();
             data.items.add(new File(['dropped on the folder'], 'dropped.txt', {type: 'text/plain'}));
             const zone = document.querySelector('#files-page');
             zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: data, bubbles: true, cancelable: true}));
             zone.dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));",
            vec![],
        )
        .await
        .unwrap();
    browser.find(&row("dropped.txt")).await;
    assert_eq!(
        browser
            .text(&format!("{} .col-size", row("dropped.txt")))
            .await,
        "21 B"
    );
    browser
        .click(&format!("{} .action-delete", row("dropped.txt")))
        .await;
    browser.click("#confirm-delete").await;
    browser.gone(&row("dropped.txt")).await;

    // Rename.
    browser
        .click(&format!("{} .action-rename", row("photo.bin")))
        .await;
    browser.find("#rename-dialog").await;
    browser.fill("#rename-input", "holiday.bin").await;
    browser.shot("06-rename").await;
    browser.click("#rename-submit").await;
    browser.find(&row("holiday.bin")).await;
    browser.gone(&row("photo.bin")).await;

    // Move into Archive with the folder picker.
    browser
        .click(&format!("{} .action-move", row("holiday.bin")))
        .await;
    browser.find("#move-dialog").await;
    browser
        .click("#move-dialog .breadcrumbs li:first-child button")
        .await;
    browser
        .click("#move-dialog .picker-folder[data-name=\"Archive\"]")
        .await;
    browser
        .until("the picker to open Archive", || async {
            !browser.exists("#move-dialog .picker-folder").await
                && browser.exists("#move-here:not([disabled])").await
        })
        .await;
    browser.shot("07-move").await;
    browser.click("#move-here").await;
    browser.gone("#move-dialog").await;
    browser.gone(&row("holiday.bin")).await;

    // Delete, after confirming.
    browser
        .click(&format!("{} .action-delete", row("notes.txt")))
        .await;
    browser.find("#delete-dialog").await;
    browser.shot("08-delete-confirm").await;
    browser.click("#confirm-delete").await;
    browser.gone(&row("notes.txt")).await;
    browser.find("#empty-state").await;

    // The moved file is in Archive, reached through the breadcrumbs.
    browser.click("#breadcrumbs li:first-child a").await;
    browser
        .click(&format!("{} a.folder-link", row("Archive")))
        .await;
    browser.text_contains("#folder-title", "Archive").await;
    browser.find(&row("holiday.bin")).await;
    let archive_path = browser.path().await;

    // Reloading keeps the session (refresh token in the HttpOnly cookie).
    browser.client.refresh().await.unwrap();
    browser.find(&row("holiday.bin")).await;
    browser.text_contains("#whoami", email).await;
    assert_eq!(browser.path().await, archive_path);
    let cookies = browser
        .client
        .execute("return document.cookie", vec![])
        .await
        .unwrap();
    assert_eq!(
        cookies,
        serde_json::json!(""),
        "no cookie is readable by scripts"
    );
    let stored = browser
        .client
        .execute(
            "return JSON.stringify([localStorage.length, sessionStorage.length])",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        stored,
        serde_json::json!("[0,0]"),
        "nothing kept in web storage"
    );

    // Two tabs starting at once share one cookie; they take turns refreshing
    // it (a replayed refresh token would end the session for both).
    let first_tab = browser.client.window().await.unwrap();
    let second_tab = browser.client.new_window(true).await.unwrap().handle;
    browser
        .client
        .switch_to_window(second_tab.clone())
        .await
        .unwrap();
    browser.goto(&format!("{base}{archive_path}")).await;
    browser.find(&row("holiday.bin")).await;
    // Reload both without waiting for either, so their refreshes overlap.
    let reload = "setTimeout(() => location.reload(), 0)";
    browser.client.execute(reload, vec![]).await.unwrap();
    browser
        .client
        .switch_to_window(first_tab.clone())
        .await
        .unwrap();
    browser.client.execute(reload, vec![]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    browser.find(&row("holiday.bin")).await;
    browser.client.switch_to_window(second_tab).await.unwrap();
    browser.find(&row("holiday.bin")).await;
    browser.client.close_window().await.unwrap();
    browser.client.switch_to_window(first_tab).await.unwrap();
    browser.client.refresh().await.unwrap();
    browser.find(&row("holiday.bin")).await;

    // Search.
    browser.fill("#search", "holi").await;
    browser.click("form.search button[type=submit]").await;
    browser.find("#search-results").await;
    browser
        .find(&format!("#search-results {}", row("holiday.bin")))
        .await;
    browser.shot("09-search").await;
    // A change made from the results shows in them; "Open folder" goes to
    // where the file lives.
    browser
        .click(&format!(
            "#search-results {} .action-rename",
            row("holiday.bin")
        ))
        .await;
    browser.fill("#rename-input", "holiday-2026.bin").await;
    browser.click("#rename-submit").await;
    browser
        .find(&format!("#search-results {}", row("holiday-2026.bin")))
        .await;
    browser
        .click(&format!(
            "#search-results {} .action-locate",
            row("holiday-2026.bin")
        ))
        .await;
    browser.text_contains("#folder-title", "Archive").await;
    browser.find(&row("holiday-2026.bin")).await;
    assert!(!browser.exists("#search-results").await);

    // Account: usage against the quota. The two files deleted above wait in
    // the trash, and count until it is emptied.
    browser.click("nav a[href=\"/account\"]").await;
    browser.find("#account-page").await;
    browser
        .text_contains("#usage-text", "196.5 KiB of 300.0 KiB used (65%)")
        .await;
    browser
        .text_contains(
            "#usage-split",
            "Files 195.3 KiB · versions 0 B · trash 1.2 KiB",
        )
        .await;
    browser.text_contains("#account-email", email).await;
    browser.shot("10-account").await;

    // Phone width.
    browser.goto(&format!("{base}{archive_path}")).await;
    browser.find(&row("holiday-2026.bin")).await;
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.shot("11-files-phone").await;
    browser.client.set_window_size(1280, 900).await.unwrap();

    // Log out: reloading no longer signs in.
    log_out(&browser).await;
    browser.shot("12-logged-out").await;
    browser.goto(&format!("{base}{archive_path}")).await;
    browser.find("#login-page").await;

    // A second user sees none of it, not even by the first user's link.
    sign_up(&browser, base, "grace@example.com", None).await;
    browser.find("#empty-state").await;
    assert!(!browser.exists(&row("Archive")).await);
    browser.goto(&format!("{base}{archive_path}")).await;
    browser
        .text_contains("#files-page .alert", "does not exist")
        .await;
    assert!(!browser.exists(&row("holiday-2026.bin")).await);
    browser.shot("13-second-user").await;
    browser.fill("#search", "holiday").await;
    browser.click("form.search button[type=submit]").await;
    browser
        .text_contains("#search-results", "Nothing matches")
        .await;
    log_out(&browser).await;

    // And the first user logs in again to find everything where it was.
    log_in(&browser, base, email, PASSWORD).await;
    browser.find(&row("Archive")).await;
    browser.find(&row("Reports")).await;
    browser
        .click(&format!("{} a.folder-link", row("Archive")))
        .await;
    browser.find(&row("holiday-2026.bin")).await;
    browser.shot("14-back-again").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_flows_in_a_browser() {
    // Access tokens live one second here (plus the server's 5 s leeway), so
    // the app has to refresh them silently and retry along the way.
    let server = start_server_with(|config| config.access_token_ttl_secs = 1).await;
    let base = server.base.as_str();
    let browser = start_browser().await;
    let email = "lin@example.com";
    let code = sign_up(&browser, base, email, None).await;

    // Uploading a name that is taken offers to replace it.
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("plan.txt");
    std::fs::write(&path, b"first version").unwrap();
    browser.pick_files(&[&path]).await;
    browser.find(&upload("plan.txt", "done")).await;
    std::fs::write(&path, b"second, longer version").unwrap();
    browser.click("#clear-uploads").await;
    browser.pick_files(&[&path]).await;
    browser
        .find("li.upload[data-state=\"failed\"] .upload-replace")
        .await;
    browser.shot("20-name-taken").await;
    browser
        .click("li.upload[data-state=\"failed\"] .upload-replace")
        .await;
    browser.find(&upload("plan.txt", "done")).await;
    browser
        .text_contains(&format!("{} .col-size", row("plan.txt")), "22 B")
        .await;

    // A big upload shows its progress and can be cancelled; nothing is kept.
    // (A sparse 1 GiB file: instant to make, seconds to send.)
    let big = files.path().join("big.bin");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    browser.click("#clear-uploads").await;
    browser.pick_files(&[&big]).await;
    browser
        .find(&format!("{} .upload-cancel", upload("big.bin", "sending")))
        .await;
    browser
        .until("the upload to be under way", || async {
            browser
                .text("li.upload[data-name=\"big.bin\"] .upload-detail")
                .await
                .split('%')
                .next()
                .and_then(|percent| percent.parse::<u8>().ok())
                .is_some_and(|percent| percent > 0)
        })
        .await;
    browser.shot("21-upload-in-progress").await;
    browser
        .click("li.upload[data-name=\"big.bin\"] .upload-cancel")
        .await;
    browser.find(&upload("big.bin", "cancelled")).await;
    browser.client.refresh().await.unwrap();
    browser.find(&row("plan.txt")).await;
    assert!(
        !browser.exists(&row("big.bin")).await,
        "a cancelled upload leaves no file"
    );

    // After the access token has expired, a call and an upload still work:
    // each is refreshed from the cookie and retried once.
    tokio::time::sleep(std::time::Duration::from_secs(7)).await;
    browser
        .click(&format!("{} .action-rename", row("plan.txt")))
        .await;
    browser.fill("#rename-input", "plan-v2.txt").await;
    browser.click("#rename-submit").await;
    browser.find(&row("plan-v2.txt")).await;
    tokio::time::sleep(std::time::Duration::from_secs(7)).await;
    browser.pick_files(&[&path]).await;
    browser.find(&upload("plan.txt", "done")).await;
    browser.find(&row("plan.txt")).await;
    browser
        .click(&format!("{} .action-delete", row("plan-v2.txt")))
        .await;
    browser.click("#confirm-delete").await;
    browser.gone(&row("plan-v2.txt")).await;

    // Bad names are refused in the dialog with the rule, and nothing changes.
    browser.click("#new-folder").await;
    browser.fill("#folder-name", "a/b").await;
    browser.click("#create-folder-submit").await;
    browser.find("#folder-name-error").await;
    browser.shot("22-bad-name").await;
    // Keyboard: Tab stays inside the dialog (name, Cancel, Create, name...),
    // Escape closes it and the focus goes back to the button that opened it.
    let active_id = || async {
        browser
            .client
            .execute(
                "return document.activeElement && document.activeElement.id",
                vec![],
            )
            .await
            .unwrap()
    };
    browser.find("#folder-name").await.click().await.unwrap();
    assert_eq!(active_id().await, serde_json::json!("folder-name"));
    for _ in 0..3 {
        browser
            .client
            .active_element()
            .await
            .unwrap()
            .send_keys("\u{e004}")
            .await
            .unwrap();
    }
    assert_eq!(
        active_id().await,
        serde_json::json!("folder-name"),
        "Tab wrapped inside the dialog"
    );
    browser
        .client
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{e00c}")
        .await
        .unwrap();
    browser.gone("#new-folder-dialog").await;
    assert_eq!(
        active_id().await,
        serde_json::json!("new-folder"),
        "focus back on the opener"
    );
    assert_eq!(
        browser
            .client
            .find_all(fantoccini::Locator::Css("tbody tr"))
            .await
            .unwrap()
            .len(),
        1
    );

    // Change the password; the old one stops working.
    browser.click("nav a[href=\"/account\"]").await;
    browser.find("#change-password").await;
    browser.fill("#current-password", "not my password").await;
    browser
        .fill("#changed-password", "a brand new passphrase")
        .await;
    browser
        .fill("#changed-password-confirm", "a brand new passphrase")
        .await;
    browser.click("#change-password-submit").await;
    browser
        .text_contains("#change-password .alert", "not right")
        .await;
    browser.fill("#current-password", PASSWORD).await;
    browser.click("#change-password-submit").await;
    browser
        .text_contains("#change-password .alert", "Password changed")
        .await;
    browser.shot("23-account-password-changed").await;
    log_out(&browser).await;
    browser.fill("#email", email).await;
    browser.fill("#password", PASSWORD).await;
    browser.click("#login-submit").await;
    browser
        .text_contains("#login-page", "email or password is wrong")
        .await;

    // Forgot it: recover with the recovery code, get a new one.
    browser.click("a[href=\"/recover\"]").await;
    browser.find("#recover-page").await;
    browser.fill("#email", email).await;
    browser
        .fill("#recovery-code-input", &code.to_lowercase())
        .await;
    browser.fill("#new-password", "recovered passphrase").await;
    browser
        .fill("#new-password-confirm", "recovered passphrase")
        .await;
    browser.shot("24-recover").await;
    browser.click("#recover-submit").await;
    browser.find("#recovered-page").await;
    let new_code = browser.text("#recovery-code").await;
    assert_ne!(new_code, code, "a new recovery code");
    browser.click("#stored-confirm").await;
    browser.click("#recovery-continue").await;
    log_in(&browser, base, email, "recovered passphrase").await;
    browser.find(&row("plan.txt")).await;

    // Delete the account: the button waits for the email to be typed.
    browser.click("nav a[href=\"/account\"]").await;
    browser.find("#delete-account").await;
    let delete = browser.find("#delete-account-submit").await;
    assert!(!delete.is_enabled().await.unwrap());
    browser.fill("#delete-confirm-email", email).await;
    browser
        .fill("#delete-password", "recovered passphrase")
        .await;
    browser.shot("25-delete-account").await;
    browser.click("#delete-account-submit").await;
    browser.find("#login-page").await;
    browser.text_contains("#login-page .alert", "deleted").await;
    browser.fill("#email", email).await;
    browser.fill("#password", "recovered passphrase").await;
    browser.click("#login-submit").await;
    browser
        .text_contains("#login-page", "email or password is wrong")
        .await;
}

/// Fills the sign-up form's own fields (not the invite code) and sends it.
async fn send_sign_up(browser: &Browser, email: &str) {
    browser.fill("#email", email).await;
    browser.fill("#password", PASSWORD).await;
    browser.fill("#password-confirm", PASSWORD).await;
    browser.click("#signup-submit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_by_invite_or_not_at_all() {
    use strongroom_api::config::SignupPolicy;

    let server = start_server_with(|config| config.signup = SignupPolicy::Invite).await;
    let base = server.base.as_str();
    let browser = start_browser().await;

    // The form asks for an invite code, labelled like the other fields.
    browser.goto(&format!("{base}/signup")).await;
    browser.find("#invite-code").await;
    assert_eq!(
        browser.text("label[for=\"invite-code\"]").await,
        "Invite code"
    );
    // None typed: said beside the field before anything is sent.
    send_sign_up(&browser, "mo@example.com").await;
    browser
        .text_contains("#invite-code-error", "Enter the invite code")
        .await;
    browser.shot("30-signup-invite").await;

    // A wrong code: the server's answer shows beside the field too.
    browser
        .fill("#invite-code", "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
        .await;
    browser.click("#signup-submit").await;
    browser
        .text_contains("#invite-code-error", "invite code is not valid")
        .await;
    assert!(!browser.exists("#signup-page .alert").await);
    browser.shot("31-signup-invite-invalid").await;

    // A real one, made by the administrator and sent as a link: the field
    // comes filled in, and the account is made.
    let admin = server.admin().await;
    let invite = admin
        .accounts
        .create_invite(time::Duration::days(1))
        .await
        .unwrap();
    browser
        .goto(&format!("{base}/signup?invite={}", invite.code))
        .await;
    let field = browser.find("#invite-code").await;
    assert_eq!(
        field.prop("value").await.unwrap().as_deref(),
        Some(invite.code.as_str())
    );
    browser
        .text_contains("#invite-code-hint", "invite link")
        .await;
    browser.shot("32-signup-invite-link").await;
    let email = "mo@example.com";
    send_sign_up(&browser, email).await;
    browser.find("#recovery-page").await;
    browser.click("#stored-confirm").await;
    browser.click("#recovery-continue").await;
    browser.find("#files-page").await;
    browser.text_contains("#whoami", email).await;
    log_out(&browser).await;

    // Disabled by the administrator: log-in says so (the password is right).
    let user = admin.accounts.user_by_email(email).await.unwrap();
    admin.accounts.set_disabled(user.id, true).await.unwrap();
    browser.fill("#email", email).await;
    browser.fill("#password", PASSWORD).await;
    browser.click("#login-submit").await;
    browser
        .text_contains("#login-page .alert", "This account has been disabled.")
        .await;
    browser.shot("33-login-disabled").await;

    // A server that takes no new accounts shows no form, and the way to log in.
    let closed = start_server_with(|config| {
        config.signup = SignupPolicy::Closed;
        config.limits.login_per_minute = 2;
    })
    .await;
    browser.goto(&format!("{}/signup", closed.base)).await;
    browser
        .text_contains("#signup-closed", "does not take new accounts")
        .await;
    assert!(!browser.exists("#signup-page form").await);
    assert!(!browser.exists("#email").await);
    browser.shot("34-signup-closed").await;
    browser.click("#signup-page a[href=\"/login\"]").await;
    browser.find("#login-page").await;

    // Past the per-address limit on log-ins, the page says how long to wait.
    browser.fill("#email", "nobody@example.com").await;
    browser.fill("#password", "not a password at all").await;
    browser
        .until("log-in to be rate limited", || async {
            if browser.exists("#login-submit:not([disabled])").await {
                browser.click("#login-submit").await;
            }
            browser
                .text("#login-page")
                .await
                .contains("Too many attempts. Try again in")
        })
        .await;
    browser
        .text_contains("#login-page .alert", "seconds.")
        .await;
    // Only that: a failed log-in does not look for a session to end.
    assert_eq!(
        browser
            .client
            .find_all(fantoccini::Locator::Css("#login-page .alert"))
            .await
            .unwrap()
            .len(),
        1
    );
    browser.shot("35-login-rate-limited").await;
}

/// Opens the share dialog of the item `name` and makes a link with these
/// options; returns the link it showed.
async fn share(browser: &Browser, name: &str, password: &str, limit: &str) -> String {
    browser.click(&format!("{} .action-share", row(name))).await;
    browser.find("#share-dialog").await;
    browser
        .find("#share-expiry")
        .await
        .select_by_value("7d")
        .await
        .expect("pick an expiry");
    browser.fill("#share-password", password).await;
    browser.fill("#share-limit", limit).await;
    browser.click("#share-submit").await;
    browser.find("#share-created").await;
    let link = browser
        .find("#share-link")
        .await
        .prop("value")
        .await
        .expect("the link's value")
        .expect("a link");
    browser.click("#share-done").await;
    browser.gone("#share-created").await;
    link
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_links_in_a_browser() {
    let server = start_server_with(|_| {}).await;
    let base = server.base.as_str();
    let owner = start_browser().await;
    sign_up(&owner, base, "owner@example.com", None).await;

    let files = tempfile::tempdir().unwrap();
    let report: Vec<u8> = (0..70_000_u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    let report_path = files.path().join("report.pdf");
    std::fs::write(&report_path, &report).unwrap();
    owner.pick_files(&[&report_path]).await;
    owner.find(&upload("report.pdf", "done")).await;

    // What the server would refuse is said beside its field, before sending.
    owner
        .click(&format!("{} .action-share", row("report.pdf")))
        .await;
    owner.find("#share-dialog").await;
    owner.fill("#share-limit", "0").await;
    owner
        .find("#share-expiry")
        .await
        .select_by_value("date")
        .await
        .unwrap();
    // A day long gone, set as the date picker would.
    owner
        .client
        .execute(
            "const input = document.querySelector('#share-expiry-date');
             input.value = '2020-01-01';
             input.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![],
        )
        .await
        .unwrap();
    owner.click("#share-submit").await;
    owner
        .text_contains("#share-limit-error", "1 to 1,000,000")
        .await;
    owner
        .text_contains("#share-expiry-error", "from today on")
        .await;
    owner.shot("30-share-problems").await;
    owner
        .click("#share-dialog .dialog-buttons button[type=\"button\"]")
        .await;
    owner.gone("#share-dialog").await;

    // A file, with a password and a limit; the link is shown once.
    let link = share(&owner, "report.pdf", "open sesame", "5").await;
    assert!(
        link.starts_with(&format!("{base}/s/")),
        "an absolute link to the share page: {link}"
    );

    // Another browser, fresh profile, signed out: asked for the password.
    let guest = start_browser().await;
    guest.goto(&link).await;
    guest.find("#share-locked").await;
    assert!(!guest.exists("#whoami").await, "nobody is signed in here");
    guest.fill("#share-unlock-password", "open sesam").await;
    guest.click("#share-unlock").await;
    guest
        .text_contains("#share-unlock-password-error", "not right")
        .await;
    guest.shot("31-share-wrong-password").await;
    guest.fill("#share-unlock-password", "open sesame").await;
    guest.click("#share-unlock").await;
    guest.text_contains("#share-name", "report.pdf").await;
    assert_eq!(guest.text("#share-size").await, "68.4 KiB");
    assert_eq!(guest.text("#share-downloads-left").await, "5");
    guest.shot("32-share-open").await;
    guest.click("#share-download").await;
    assert_eq!(
        guest.downloaded("report.pdf").await,
        report,
        "the shared file arrived byte for byte"
    );
    guest.text_contains("#share-downloads-left", "4").await;

    // The owner opens the link too, signed in: the same page.
    owner.goto(&link).await;
    owner.find("#share-locked").await;
    owner.text_contains("#whoami", "owner@example.com").await;

    // The Shared page lists it with its options and the download.
    owner.click("a.nav-shared").await;
    owner.find("#shared-page").await;
    let listed = row("report.pdf");
    owner
        .text_contains(&format!("{listed} .col-downloads"), "1 of 5")
        .await;
    assert_eq!(owner.text(&format!("{listed} .col-password")).await, "Yes");
    assert_eq!(owner.text(&format!("{listed} .col-kind")).await, "file");
    owner.shot("33-shared-page").await;
    owner.click(&format!("{listed} .action-revoke")).await;
    owner.find("#revoke-dialog").await;
    owner.click("#confirm-revoke").await;
    owner.find("#shares-empty").await;
    owner.shot("34-shared-empty").await;

    // The guest's page, loaded again, opens nothing now.
    guest.client.refresh().await.unwrap();
    guest
        .text_contains(
            "#share-not-found",
            "may have expired, been revoked or used up",
        )
        .await;
    guest.shot("35-share-not-found").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folder_links_in_a_browser() {
    let server = start_server_with(|_| {}).await;
    let base = server.base.as_str();
    let owner = start_browser().await;
    sign_up(&owner, base, "owner@example.com", None).await;

    // Trip/notes.txt and Trip/Day 1/photo.bin.
    let files = tempfile::tempdir().unwrap();
    let notes = b"bring the umbrella".to_vec();
    let photo: Vec<u8> = (0..90_000_u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8)
        .collect();
    let notes_path = files.path().join("notes.txt");
    let photo_path = files.path().join("photo.bin");
    std::fs::write(&notes_path, &notes).unwrap();
    std::fs::write(&photo_path, &photo).unwrap();
    new_folder(&owner, "Trip").await;
    owner.click(&format!("{} a.folder-link", row("Trip"))).await;
    owner.text_contains("#folder-title", "Trip").await;
    owner.pick_files(&[&notes_path]).await;
    owner.find(&upload("notes.txt", "done")).await;
    new_folder(&owner, "Day 1").await;
    owner
        .click(&format!("{} a.folder-link", row("Day 1")))
        .await;
    owner.text_contains("#folder-title", "Day 1").await;
    owner.click("#clear-uploads").await;
    owner.pick_files(&[&photo_path]).await;
    owner.find(&upload("photo.bin", "done")).await;

    // Shared from the folder above, without a password.
    owner.goto(&format!("{base}/files")).await;
    owner.click(&format!("{} .action-share", row("Trip"))).await;
    owner.find("#share-dialog").await;
    owner.click("#share-submit").await;
    owner.find("#share-created").await;
    let link = owner
        .find("#share-link")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    owner.click("#share-done").await;

    // A fresh profile browses it.
    let guest = start_browser().await;
    guest.goto(&link).await;
    guest.find("#share-page[data-kind=\"folder\"]").await;
    guest.text_contains("#share-name", "Trip").await;
    guest.find(&row("notes.txt")).await;
    guest.click(&format!("{} .folder-link", row("Day 1"))).await;
    guest.text_contains("#share-breadcrumbs", "Day 1").await;
    guest.find(&row("photo.bin")).await;
    guest.shot("36-shared-folder").await;
    guest
        .click(&format!("{} .action-download", row("photo.bin")))
        .await;
    assert_eq!(guest.downloaded("photo.bin").await, photo);
    // Back up through the breadcrumbs.
    guest
        .click("#share-breadcrumbs .crumb[data-depth=\"0\"]")
        .await;
    guest.find(&row("notes.txt")).await;
    guest.gone(&row("photo.bin")).await;

    // The whole folder as a zip, with both files in it.
    guest.click("#share-zip").await;
    let zip = guest.downloaded("Trip.zip").await;
    assert!(zip.starts_with(b"PK\x03\x04"), "a zip archive");
    for name in ["notes.txt", "Day 1/photo.bin"] {
        assert!(
            zip.windows(name.len())
                .any(|window| window == name.as_bytes()),
            "{name} is in the zip"
        );
    }
}

/// How many elements match `css` now.
async fn count(browser: &Browser, css: &str) -> usize {
    browser
        .client
        .find_all(fantoccini::Locator::Css(css))
        .await
        .unwrap()
        .len()
}

/// Uploads `content` as `name` over the file of that name in the folder
/// shown, through the upload list's Replace (what the app offers when the
/// name is taken).
async fn upload_over(browser: &Browser, path: &std::path::Path, content: &[u8]) {
    let name = path.file_name().unwrap().to_str().unwrap();
    std::fs::write(path, content).unwrap();
    browser.click("#clear-uploads").await;
    browser.pick_files(&[path]).await;
    let replace = format!("li.upload[data-name=\"{name}\"][data-state=\"failed\"] .upload-replace");
    browser.click(&replace).await;
    browser.find(&upload(name, "done")).await;
    browser
        .text_contains(
            &format!("{} .col-size", row(name)),
            &format!("{} B", content.len()),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trash_and_versions_in_a_browser() {
    let server = start_server_with(|_| {}).await;
    let base = server.base.as_str();
    let browser = start_browser().await;
    sign_up(&browser, base, "kim@example.com", None).await;
    let files = tempfile::tempdir().unwrap();

    // A folder with a file in it.
    new_folder(&browser, "Projects").await;
    browser
        .click(&format!("{} a.folder-link", row("Projects")))
        .await;
    browser.text_contains("#folder-title", "Projects").await;
    let plan_path = files.path().join("plan.txt");
    std::fs::write(&plan_path, b"the plan").unwrap();
    browser.pick_files(&[&plan_path]).await;
    browser.find(&upload("plan.txt", "done")).await;
    browser.find(&row("plan.txt")).await;

    // Deleting the folder moves it to the trash, as the dialog says.
    browser.click("#breadcrumbs li:first-child a").await;
    browser
        .click(&format!("{} .action-delete", row("Projects")))
        .await;
    browser
        .text_contains(
            "#delete-warning",
            "will be moved to the trash. You can restore it from there for 30 days.",
        )
        .await;
    browser.shot("40-delete-to-trash").await;
    browser.click("#confirm-delete").await;
    browser.gone(&row("Projects")).await;

    // The Trash page lists it: its size, where it was, until when.
    browser.click("a.nav-trash").await;
    browser.find("#trash-page").await;
    browser
        .text_contains(
            "#trash-retention",
            "Items are deleted for good after 30 days.",
        )
        .await;
    let projects = format!("#trash-table {}", row("Projects"));
    browser
        .text_contains(&format!("{projects} .col-origin"), "My files")
        .await;
    assert_eq!(browser.text(&format!("{projects} .col-size")).await, "8 B");
    assert_eq!(
        browser.text(&format!("{projects} .col-purge")).await,
        "in 29 days"
    );
    browser.shot("41-trash").await;
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.shot("41-trash-phone").await;
    browser.client.set_window_size(1280, 900).await.unwrap();

    // Restored, it is back where it was, with its file.
    browser.click(&format!("{projects} .restore")).await;
    browser
        .text_contains("#trash-notice", "“Projects” is back in My files.")
        .await;
    browser.find("#trash-empty").await;
    browser.shot("42-trash-restored").await;
    browser.click("#trash-notice a").await;
    browser.find("#files-page").await;
    browser
        .click(&format!("{} a.folder-link", row("Projects")))
        .await;
    browser.text_contains("#folder-title", "Projects").await;
    browser.find(&row("plan.txt")).await;

    // Restoring where its name has been taken meanwhile asks for another.
    browser
        .click(&format!("{} .action-delete", row("plan.txt")))
        .await;
    browser.click("#confirm-delete").await;
    browser.gone(&row("plan.txt")).await;
    std::fs::write(&plan_path, b"a new plan, longer").unwrap();
    browser.pick_files(&[&plan_path]).await;
    browser.find(&upload("plan.txt", "done")).await;
    browser.click("a.nav-trash").await;
    browser
        .click(&format!("#trash-table {} .restore", row("plan.txt")))
        .await;
    browser.find("#restore-name-dialog").await;
    browser
        .text_contains("#restore-name-dialog", "already in My files / Projects")
        .await;
    let offered = browser.find("#restore-name").await.prop("value").await;
    assert_eq!(
        offered.unwrap().as_deref(),
        Some("plan (restored).txt"),
        "a free name is offered, keeping the extension"
    );
    browser.shot("43-restore-name-taken").await;
    browser.click("#restore-name-submit").await;
    browser.gone("#restore-name-dialog").await;
    browser
        .text_contains(
            "#trash-notice",
            "“plan (restored).txt” is back in My files / Projects.",
        )
        .await;
    browser.click("#trash-notice a").await;
    browser.text_contains("#folder-title", "Projects").await;
    browser
        .text_contains(&format!("{} .col-size", row("plan (restored).txt")), "8 B")
        .await;
    browser
        .text_contains(&format!("{} .col-size", row("plan.txt")), "18 B")
        .await;

    // Delete forever, and empty the trash: each asks first.
    browser
        .click(&format!("{} .action-delete", row("plan (restored).txt")))
        .await;
    browser.click("#confirm-delete").await;
    browser.gone(&row("plan (restored).txt")).await;
    browser.click("#breadcrumbs li:first-child a").await;
    browser
        .click(&format!("{} .action-delete", row("Projects")))
        .await;
    browser.click("#confirm-delete").await;
    browser.gone(&row("Projects")).await;
    browser.click("a.nav-trash").await;
    browser
        .click(&format!(
            "#trash-table {} .purge",
            row("plan (restored).txt")
        ))
        .await;
    browser
        .text_contains("#purge-dialog", "deleted for good. This cannot be undone.")
        .await;
    browser.click("#confirm-purge").await;
    browser.gone(&row("plan (restored).txt")).await;
    browser.find(&row("Projects")).await;
    browser.click("#empty-trash").await;
    browser
        .text_contains(
            "#empty-trash-dialog",
            "The 1 item in the trash (18 B) will be deleted for good. This cannot be undone.",
        )
        .await;
    browser.shot("44-empty-trash").await;
    browser.click("#confirm-empty-trash").await;
    browser.find("#trash-empty").await;
    assert!(!browser.exists("#trash-table").await);

    // Versions: a file uploaded over twice keeps both contents it replaced.
    browser.click("nav a[href=\"/files\"]").await;
    browser.find("#files-page").await;
    let draft_path = files.path().join("draft.txt");
    let first = b"first draft".to_vec();
    std::fs::write(&draft_path, &first).unwrap();
    browser.pick_files(&[&draft_path]).await;
    browser.find(&upload("draft.txt", "done")).await;
    upload_over(&browser, &draft_path, b"second draft, longer").await;
    upload_over(&browser, &draft_path, b"the third and final draft").await;

    browser
        .click(&format!("{} .action-versions", row("draft.txt")))
        .await;
    browser.find("#versions-dialog").await;
    browser
        .until("two versions", || async {
            count(&browser, "#versions-dialog .version-row").await == 2
        })
        .await;
    // Newest first: the oldest, the first content, is last.
    let newest = "#versions-dialog .version-row:first-child";
    let oldest = "#versions-dialog .version-row:last-child";
    assert_eq!(browser.text(&format!("{newest} .col-size")).await, "20 B");
    assert_eq!(browser.text(&format!("{oldest} .col-size")).await, "11 B");
    browser.shot("45-versions").await;
    browser.click(&format!("{oldest} .version-download")).await;
    assert_eq!(
        browser.downloaded("draft.txt").await,
        first,
        "the oldest version downloads as it was"
    );

    // Restoring the oldest makes it the content again; the folder shows it.
    browser.click(&format!("{oldest} .version-restore")).await;
    browser.gone("#versions-dialog").await;
    browser
        .text_contains(&format!("{} .col-size", row("draft.txt")), "11 B")
        .await;
    std::fs::remove_file(browser.downloads.path().join("draft.txt")).unwrap();
    browser
        .click(&format!("{} .action-download", row("draft.txt")))
        .await;
    assert_eq!(
        browser.downloaded("draft.txt").await,
        first,
        "the file's content is the first one again"
    );

    // The content it replaced is a version now; one is deleted, after asking.
    browser
        .click(&format!("{} .action-versions", row("draft.txt")))
        .await;
    browser
        .text_contains(&format!("{newest} .col-size"), "25 B")
        .await;
    assert_eq!(count(&browser, "#versions-dialog .version-row").await, 2);
    browser.click(&format!("{oldest} .version-delete")).await;
    browser.shot("46-version-delete").await;
    browser
        .click(&format!("{oldest} .version-delete-confirm"))
        .await;
    browser
        .until("one version left", || async {
            count(&browser, "#versions-dialog .version-row").await == 1
        })
        .await;
    browser.click("#versions-close").await;
    browser.gone("#versions-dialog").await;

    // The account shows what takes the space.
    browser.click("nav a[href=\"/account\"]").await;
    browser
        .text_contains("#usage-split", "Files 11 B · versions 25 B · trash 0 B")
        .await;
    browser.shot("47-account-usage-split").await;

    // A server that keeps no trash: a delete says it is for good, and the
    // Trash page that it is off.
    log_out(&browser).await;
    let no_trash = start_server_with(|config| config.trash_retention_days = 0).await;
    sign_up(&browser, &no_trash.base, "lee@example.com", None).await;
    new_folder(&browser, "Old").await;
    browser
        .click(&format!("{} .action-delete", row("Old")))
        .await;
    browser
        .text_contains(
            "#delete-warning",
            "This deletes the folder and everything in it, for good.",
        )
        .await;
    browser.click("#confirm-delete").await;
    browser.gone(&row("Old")).await;
    browser.click("a.nav-trash").await;
    browser
        .text_contains("#trash-retention", "The trash is off on this server")
        .await;
    browser.find("#trash-empty").await;
    browser.shot("48-trash-off").await;
}

/// Makes an app password with the account page's form and returns it as the
/// dialog shows it (once).
async fn make_app_password(browser: &Browser, name: &str, read_only: bool) -> String {
    browser.fill("#app-password-name", name).await;
    if read_only {
        browser.click("#app-password-read-only").await;
    }
    browser.click("#create-app-password").await;
    browser
        .text_contains("#app-password-created", "will not be shown again")
        .await;
    let password = browser
        .find("#new-app-password")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        password.starts_with("sr_app_") && password.len() > 40,
        "an app password is shown: {} characters",
        password.len()
    );
    password
}

/// Brings a part of a long page into the screenshot.
async fn scroll_to(browser: &Browser, css: &str) {
    let element = browser.find(css).await;
    browser
        .client
        .execute(
            "arguments[0].scrollIntoView({block: 'start'})",
            vec![serde_json::to_value(element).unwrap()],
        )
        .await
        .unwrap();
}

fn app_password_row(name: &str) -> String {
    format!("#app-password-table tr[data-name=\"{name}\"]")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_passwords_and_webdav_in_a_browser() {
    let server = start_server_with(|_| {}).await;
    let base = server.base.as_str();
    let browser = start_browser().await;
    let email = "noa@example.com";
    sign_up(&browser, base, email, None).await;
    let http = reqwest::Client::new();
    let propfind = reqwest::Method::from_bytes(b"PROPFIND").unwrap();

    // None yet: the page says what they are for, and how to mount.
    browser.click("nav a[href=\"/account\"]").await;
    browser
        .text_contains("#app-passwords-empty", "Authorization: Bearer")
        .await;
    assert_eq!(browser.text("#webdav-url").await, format!("{base}/dav/"));
    assert_eq!(browser.text("#webdav-user").await, email);
    browser
        .text_contains("#webdav-hints", "Connect to Server")
        .await;
    scroll_to(&browser, "#app-passwords").await;
    browser.shot("50-app-passwords-none").await;
    scroll_to(&browser, "#webdav").await;
    browser.shot("50-webdav-how-to").await;

    // A name is needed; the form says so without asking the server.
    browser.click("#create-app-password").await;
    browser
        .text_contains("#app-passwords .alert", "needs a name")
        .await;

    // Made: shown once, then listed as never used.
    let laptop = make_app_password(&browser, "laptop", false).await;
    browser.shot("51-app-password-shown-once").await;
    browser.click("#app-password-done").await;
    browser.gone("#app-password-created").await;
    let laptop_row = app_password_row("laptop");
    browser
        .text_contains(&format!("{laptop_row} .col-last-used"), "never")
        .await;
    assert!(
        !browser
            .exists(&format!("{laptop_row} .read-only-badge"))
            .await
    );
    assert!(
        !browser
            .text("#account-page")
            .await
            .contains(laptop.as_str()),
        "the password is not on the page once the dialog is closed"
    );

    // It works as a bearer token on the API, and with the email over WebDAV.
    let me = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&laptop)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me["email"], email);
    let listing = http
        .request(propfind.clone(), format!("{base}/dav/"))
        .basic_auth(email, Some(&laptop))
        .header("Depth", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(listing.status(), 207, "PROPFIND with Basic");
    assert!(listing.text().await.unwrap().contains("multistatus"));

    // A read-only one reads, and any write is refused.
    let reader = make_app_password(&browser, "backup", true).await;
    browser
        .text_contains("#app-password-created", "read-only")
        .await;
    browser.click("#app-password-done").await;
    let reader_row = app_password_row("backup");
    browser
        .text_contains(&format!("{reader_row} .read-only-badge"), "read-only")
        .await;
    let read = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    let mkdir = http
        .post(format!("{base}/api/v1/folders"))
        .bearer_auth(&reader)
        .json(&serde_json::json!({ "parent_id": me["id"], "name": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(mkdir.status(), 403);
    let problem: serde_json::Value = mkdir.json().await.unwrap();
    assert_eq!(problem["code"], "read_only");
    let put = http
        .put(format!("{base}/dav/note.txt"))
        .basic_auth(email, Some(&reader))
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 403, "a WebDAV write with a read-only one");
    // Managing app passwords takes a log-in session.
    let more = http
        .post(format!("{base}/api/v1/me/app-passwords"))
        .bearer_auth(&laptop)
        .json(&serde_json::json!({ "name": "another" }))
        .send()
        .await
        .unwrap();
    assert_eq!(more.status(), 403);
    let problem: serde_json::Value = more.json().await.unwrap();
    assert_eq!(problem["code"], "session_required");

    // Used ones show when, after a reload.
    browser.client.refresh().await.unwrap();
    browser.find(&laptop_row).await;
    browser
        .until("the last use to show", || async {
            !browser
                .text(&format!("{laptop_row} .col-last-used"))
                .await
                .contains("never")
        })
        .await;
    browser
        .text_contains(&format!("{laptop_row} .col-last-used"), "Today")
        .await;
    scroll_to(&browser, "#app-passwords").await;
    browser.shot("52-app-passwords-listed").await;

    // Revoked after asking: it stops working at once, the other goes on.
    browser.click(&format!("{laptop_row} .action-revoke")).await;
    browser
        .text_contains("#revoke-app-password-dialog", "cannot be undone")
        .await;
    browser.shot("53-app-password-revoke").await;
    browser.click("#confirm-revoke-app-password").await;
    browser.gone("#revoke-app-password-dialog").await;
    browser.gone(&laptop_row).await;
    browser.find(&reader_row).await;
    let revoked = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&laptop)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 401);
    let revoked = http
        .request(propfind, format!("{base}/dav/"))
        .basic_auth(email, Some(&laptop))
        .header("Depth", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 401, "PROPFIND with a revoked one");
    let still = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), 200);

    // On a phone the section still reads.
    browser.client.set_window_size(390, 844).await.unwrap();
    scroll_to(&browser, "#app-passwords").await;
    browser.shot("54-app-passwords-phone").await;
    browser.client.set_window_size(1280, 900).await.unwrap();
}
