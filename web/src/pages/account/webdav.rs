//! How to mount the vault as a drive over WebDAV: the address, the user
//! name, and a hint per system. The password is an app password.

use yew::prelude::*;

/// Where WebDAV is served, on this app's own origin.
pub fn mount_url(origin: &str) -> String {
    format!("{}/dav/", origin.trim_end_matches('/'))
}

/// The same address as GNOME Files and other gvfs clients take it.
pub fn gvfs_url(mount_url: &str) -> String {
    if let Some(rest) = mount_url.strip_prefix("https://") {
        format!("davs://{rest}")
    } else if let Some(rest) = mount_url.strip_prefix("http://") {
        format!("dav://{rest}")
    } else {
        mount_url.to_owned()
    }
}

#[derive(Properties, PartialEq)]
pub struct WebDavProps {
    pub email: AttrValue,
}

#[function_component(WebDav)]
pub fn webdav(props: &WebDavProps) -> Html {
    let origin = web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .unwrap_or_default();
    let url = mount_url(&origin);
    let gvfs = gvfs_url(&url);
    html! {
        <section class="card" id="webdav">
            <h2>{ "Connect a file manager (WebDAV)" }</h2>
            <p class="aside">
                { "Mount your vault as a drive, or sync it with rclone. Sign in with your email and an \
                   app password (above), never your account password." }
            </p>
            <dl class="facts">
                <dt>{ "Address" }</dt><dd><code id="webdav-url">{ url.clone() }</code></dd>
                <dt>{ "User name" }</dt><dd><code id="webdav-user">{ props.email.clone() }</code></dd>
                <dt>{ "Password" }</dt><dd>{ "an app password" }</dd>
            </dl>
            <ul class="hints" id="webdav-hints">
                <li><strong>{ "macOS Finder: " }</strong>{ "Go → Connect to Server (⌘K), then " }
                    <code>{ url.clone() }</code>{ "." }</li>
                <li><strong>{ "Windows: " }</strong>
                    { "File Explorer → This PC → Map network drive, with the address above. \
                       Windows sends passwords only over HTTPS." }</li>
                <li><strong>{ "Linux: " }</strong>{ "in GNOME Files, Other Locations → Connect to Server, " }
                    <code>{ gvfs }</code>{ "." }</li>
                <li><strong>{ "rclone: " }</strong>{ "a “webdav” remote with vendor “other”; see the README." }</li>
            </ul>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mount_address_is_on_the_apps_origin() {
        assert_eq!(
            mount_url("https://vault.example.com"),
            "https://vault.example.com/dav/"
        );
        assert_eq!(
            mount_url("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080/dav/"
        );
        assert_eq!(
            gvfs_url("https://vault.example.com/dav/"),
            "davs://vault.example.com/dav/"
        );
        assert_eq!(
            gvfs_url("http://127.0.0.1:8080/dav/"),
            "dav://127.0.0.1:8080/dav/"
        );
    }
}
