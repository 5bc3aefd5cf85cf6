//! Where each call goes. Built here, in one place, with names and cursors
//! percent-encoded, so that a name like `a/b?c#d` stays one path segment.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use uuid::Uuid;

pub const API: &str = "/api/v1";

/// Everything but the characters RFC 3986 calls unreserved.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn encode(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

/// A folder in a URL: its id, or `root`.
fn folder_segment(folder: Option<Uuid>) -> String {
    folder.map_or_else(|| String::from("root"), |id| id.to_string())
}

pub fn children(folder: Option<Uuid>, cursor: Option<&str>, limit: u32) -> String {
    let mut path = format!(
        "{API}/folders/{}/children?limit={limit}",
        folder_segment(folder)
    );
    if let Some(cursor) = cursor {
        path.push_str("&cursor=");
        path.push_str(&encode(cursor));
    }
    path
}

pub fn folders() -> String {
    format!("{API}/folders")
}

pub fn node(id: Uuid) -> String {
    format!("{API}/nodes/{id}")
}

pub fn upload(folder: Uuid, name: &str, overwrite: bool) -> String {
    let mut path = format!("{API}/folders/{folder}/files/{}", encode(name));
    if overwrite {
        path.push_str("?overwrite=true");
    }
    path
}

pub fn download_url(file: Uuid) -> String {
    format!("{API}/files/{file}/download-url")
}

pub fn search(query: &str) -> String {
    format!("{API}/search?q={}", encode(query))
}

pub fn node_shares(node: Uuid) -> String {
    format!("{API}/nodes/{node}/shares")
}

pub fn shares() -> String {
    format!("{API}/shares")
}

pub fn share(id: Uuid) -> String {
    format!("{API}/shares/{id}")
}

/// The caller's app passwords: list them (`GET`), make one (`POST`).
pub fn app_passwords() -> String {
    format!("{API}/me/app-passwords")
}

/// One app password: revoke it (`DELETE`).
pub fn app_password(id: Uuid) -> String {
    format!("{API}/me/app-passwords/{id}")
}

/// The caller's trash: list it (`GET`), empty it (`DELETE`).
pub fn trash() -> String {
    format!("{API}/trash")
}

/// One item in the trash: delete it forever (`DELETE`).
pub fn trash_item(id: Uuid) -> String {
    format!("{API}/trash/{id}")
}

pub fn trash_restore(id: Uuid) -> String {
    format!("{}/restore", trash_item(id))
}

/// A file's earlier versions, newest first.
pub fn versions(file: Uuid) -> String {
    format!("{API}/files/{file}/versions")
}

/// One earlier version: delete it (`DELETE`).
pub fn version(file: Uuid, version: Uuid) -> String {
    format!("{}/{version}", versions(file))
}

pub fn version_download_url(file: Uuid, version_id: Uuid) -> String {
    format!("{}/download-url", version(file, version_id))
}

pub fn version_restore(file: Uuid, version_id: Uuid) -> String {
    format!("{}/restore", version(file, version_id))
}

/// What a link opens; the public calls below all start here.
pub fn public_share(token: &str) -> String {
    format!("{API}/public/shares/{}", encode(token))
}

pub fn public_download_url(token: &str) -> String {
    format!("{}/download-url", public_share(token))
}

/// A folder inside a shared folder: `path` is its names from the shared
/// folder down, joined by `/` (empty for the shared folder itself).
pub fn public_children(token: &str, path: &str) -> String {
    format!("{}/children?path={}", public_share(token), encode(path))
}

pub fn public_file_download_url(token: &str, file: Uuid) -> String {
    format!("{}/files/{file}/download-url", public_share(token))
}

/// The whole shared folder as a zip: a plain link, for shares without a
/// password.
pub fn public_zip(token: &str) -> String {
    format!("{}/zip", public_share(token))
}

pub fn public_zip_url(token: &str) -> String {
    format!("{}/zip-url", public_share(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: Uuid = Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);

    #[test]
    fn listing_paths() {
        assert_eq!(
            children(None, None, 100),
            "/api/v1/folders/root/children?limit=100"
        );
        assert_eq!(
            children(Some(ID), Some("ab+/="), 50),
            "/api/v1/folders/01234567-89ab-cdef-0123-456789abcdef/children?limit=50&cursor=ab%2B%2F%3D"
        );
    }

    #[test]
    fn names_stay_one_segment() {
        assert_eq!(
            upload(ID, "a/b?c#d e.txt", false),
            "/api/v1/folders/01234567-89ab-cdef-0123-456789abcdef/files/a%2Fb%3Fc%23d%20e.txt"
        );
        assert_eq!(
            upload(ID, "München.txt", true),
            "/api/v1/folders/01234567-89ab-cdef-0123-456789abcdef/files/M%C3%BCnchen.txt?overwrite=true"
        );
    }

    #[test]
    fn app_password_paths() {
        assert_eq!(app_passwords(), "/api/v1/me/app-passwords");
        assert_eq!(
            app_password(ID),
            "/api/v1/me/app-passwords/01234567-89ab-cdef-0123-456789abcdef"
        );
    }

    #[test]
    fn share_paths() {
        assert_eq!(
            node_shares(ID),
            "/api/v1/nodes/01234567-89ab-cdef-0123-456789abcdef/shares"
        );
        assert_eq!(shares(), "/api/v1/shares");
        assert_eq!(
            share(ID),
            "/api/v1/shares/01234567-89ab-cdef-0123-456789abcdef"
        );
        let token = "0123.a-b_c";
        assert_eq!(public_share(token), "/api/v1/public/shares/0123.a-b_c");
        assert_eq!(
            public_download_url(token),
            "/api/v1/public/shares/0123.a-b_c/download-url"
        );
        // Whatever a pasted link holds stays one segment.
        assert_eq!(public_share("a/b?c"), "/api/v1/public/shares/a%2Fb%3Fc");
        assert_eq!(
            public_children(token, ""),
            "/api/v1/public/shares/0123.a-b_c/children?path="
        );
        assert_eq!(
            public_children(token, "Trips/Rome & Naples"),
            "/api/v1/public/shares/0123.a-b_c/children?path=Trips%2FRome%20%26%20Naples"
        );
        assert_eq!(
            public_file_download_url(token, ID),
            "/api/v1/public/shares/0123.a-b_c/files/01234567-89ab-cdef-0123-456789abcdef/download-url"
        );
        assert_eq!(public_zip(token), "/api/v1/public/shares/0123.a-b_c/zip");
        assert_eq!(
            public_zip_url(token),
            "/api/v1/public/shares/0123.a-b_c/zip-url"
        );
    }

    #[test]
    fn trash_and_version_paths() {
        const VERSION: Uuid = Uuid::from_u128(0xfedc_ba98_7654_3210_fedc_ba98_7654_3210);
        assert_eq!(trash(), "/api/v1/trash");
        assert_eq!(
            trash_item(ID),
            "/api/v1/trash/01234567-89ab-cdef-0123-456789abcdef"
        );
        assert_eq!(
            trash_restore(ID),
            "/api/v1/trash/01234567-89ab-cdef-0123-456789abcdef/restore"
        );
        assert_eq!(
            versions(ID),
            "/api/v1/files/01234567-89ab-cdef-0123-456789abcdef/versions"
        );
        assert_eq!(
            version(ID, VERSION),
            "/api/v1/files/01234567-89ab-cdef-0123-456789abcdef/versions/fedcba98-7654-3210-fedc-ba9876543210"
        );
        assert_eq!(
            version_download_url(ID, VERSION),
            "/api/v1/files/01234567-89ab-cdef-0123-456789abcdef/versions/fedcba98-7654-3210-fedc-ba9876543210/download-url"
        );
        assert_eq!(
            version_restore(ID, VERSION),
            "/api/v1/files/01234567-89ab-cdef-0123-456789abcdef/versions/fedcba98-7654-3210-fedc-ba9876543210/restore"
        );
    }

    #[test]
    fn other_paths() {
        assert_eq!(folders(), "/api/v1/folders");
        assert_eq!(
            node(ID),
            "/api/v1/nodes/01234567-89ab-cdef-0123-456789abcdef"
        );
        assert_eq!(
            download_url(ID),
            "/api/v1/files/01234567-89ab-cdef-0123-456789abcdef/download-url"
        );
        assert_eq!(
            search("tax 2026 & co"),
            "/api/v1/search?q=tax%202026%20%26%20co"
        );
    }
}
