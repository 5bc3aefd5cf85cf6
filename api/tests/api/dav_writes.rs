//! WebDAV sign-in and changes: HTTP Basic with the account's email and an
//! app password (read-only ones only read), PUT streamed through the vault
//! (overwrite keeps a version, quota refusals change nothing), MKCOL, DELETE
//! to the trash as one item, MOVE keeping the node, COPY re-encrypting, the
//! `Overwrite` header, and another user's paths answering 404.

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use strongroom_shared::{
    AppPassword, AppPasswordList, CreateAppPasswordRequest, TrashListing, VersionList,
};

use crate::helpers::{TestApp, TestUser, json, pattern, spawn_app, spawn_app_with, urlencoding};

fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).unwrap()
}

async fn app_password(app: &TestApp, user: &TestUser, read_only: bool) -> String {
    let created: AppPassword = json(
        app.client
            .post(app.url("/api/v1/me/app-passwords"))
            .bearer_auth(&user.tokens.access_token)
            .json(&CreateAppPasswordRequest {
                name: "webdav".to_owned(),
                read_only,
            })
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    created.password.unwrap()
}

/// A signed-in WebDAV client: Basic with the email and an app password.
struct Dav<'a> {
    app: &'a TestApp,
    user: String,
    password: String,
}

impl<'a> Dav<'a> {
    async fn new(app: &'a TestApp, user: &TestUser, read_only: bool) -> Self {
        Self {
            app,
            user: user.email.clone(),
            password: app_password(app, user, read_only).await,
        }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.app
            .client
            .request(method, self.app.url(&format!("/dav{path}")))
            .basic_auth(&self.user, Some(&self.password))
    }

    async fn send(&self, method: &str, path: &str) -> Response {
        self.request(self::method(method), path)
            .send()
            .await
            .unwrap()
    }

    async fn put(&self, path: &str, body: Vec<u8>) -> Response {
        self.request(Method::PUT, path)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, path: &str) -> Vec<u8> {
        let response = self.send("GET", path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.bytes().await.unwrap().to_vec()
    }

    async fn to(&self, method: &str, from: &str, to: &str, overwrite: Option<&str>) -> Response {
        let destination = self.app.url(&format!("/dav{to}"));
        let mut request = self
            .request(self::method(method), from)
            .header("destination", destination);
        if let Some(overwrite) = overwrite {
            request = request.header("overwrite", overwrite);
        }
        request.send().await.unwrap()
    }

    async fn status(&self, method: &str, path: &str) -> StatusCode {
        self.send(method, path).await.status()
    }
}

#[tokio::test]
async fn basic_sign_in_takes_the_email_and_an_app_password_only() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let dav = Dav::new(&app, &user, false).await;
    assert_eq!(
        dav.request(method("PROPFIND"), "/")
            .header("depth", "1")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::MULTI_STATUS
    );
    // The email is compared normalised, as at log-in.
    let shouting = app
        .client
        .request(method("PROPFIND"), app.url("/dav/"))
        .basic_auth(user.email.to_uppercase(), Some(&dav.password))
        .send()
        .await
        .unwrap();
    assert_eq!(shouting.status(), StatusCode::MULTI_STATUS);

    let other = app.new_user().await;
    let refusals = [
        // No credentials: the challenge a file manager needs to ask.
        None,
        // Someone else's email with this app password.
        Some((other.email.clone(), dav.password.clone())),
        // The account password is not accepted here.
        Some((
            user.email.clone(),
            "correct horse battery staple".to_owned(),
        )),
        // A mangled app password.
        Some((user.email.clone(), format!("{}x", dav.password))),
    ];
    for credentials in refusals {
        let mut request = app.client.request(method("PROPFIND"), app.url("/dav/"));
        if let Some((user, password)) = &credentials {
            request = request.basic_auth(user, Some(password));
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers()["www-authenticate"],
            r#"Basic realm="Strongroom", charset="UTF-8""#
        );
        assert_eq!(response.headers()["content-security-policy"], "sandbox");
    }

    // Revoked: refused at the next request.
    let listed: AppPasswordList = json(
        app.get_auth("/api/v1/me/app-passwords", &user.tokens.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let revoked = app
        .client
        .delete(app.url(&format!("/api/v1/me/app-passwords/{}", listed.items[0].id)))
        .bearer_auth(&user.tokens.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(dav.status("PROPFIND", "/").await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_read_only_app_password_reads_over_webdav_but_never_writes() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let writer = Dav::new(&app, &user, false).await;
    assert_eq!(
        writer.put("/a.txt", b"kept".to_vec()).await.status(),
        StatusCode::CREATED
    );
    let reader = Dav::new(&app, &user, true).await;
    assert_eq!(reader.get("/a.txt").await, b"kept");
    assert_eq!(
        reader.status("PROPFIND", "/").await,
        StatusCode::MULTI_STATUS
    );
    assert_eq!(
        reader.put("/a.txt", b"changed".to_vec()).await.status(),
        StatusCode::FORBIDDEN
    );
    for (verb, path) in [
        ("MKCOL", "/d"),
        ("DELETE", "/a.txt"),
        ("LOCK", "/a.txt"),
        ("PROPPATCH", "/a.txt"),
    ] {
        assert_eq!(
            reader.status(verb, path).await,
            StatusCode::FORBIDDEN,
            "{verb}"
        );
    }
    for (verb, to) in [("MOVE", "/b.txt"), ("COPY", "/c.txt")] {
        assert_eq!(
            reader.to(verb, "/a.txt", to, None).await.status(),
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(writer.get("/a.txt").await, b"kept");
    let root = app.list(&user.tokens.access_token, "root").await;
    assert_eq!(root.items.len(), 1);
}

#[tokio::test]
async fn put_streams_through_the_vault_and_an_overwrite_keeps_a_version() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let dav = Dav::new(&app, &user, false).await;
    let name = "Résumé 日本 ☃.txt";
    let path = format!("/{}", urlencoding(name));

    let first = pattern(1_500_000, 3);
    let created = dav.put(&path, first.clone()).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let etag = created.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(dav.get(&path).await, first);

    // The API sees the same file under the same name, with the same ETag.
    let root = app.list(token, "root").await;
    assert_eq!(root.items.len(), 1);
    assert_eq!(root.items[0].name, name);
    let id = root.items[0].id;
    let api = app
        .get_auth(&format!("/api/v1/files/{id}/content"), token)
        .await;
    assert_eq!(api.headers()["etag"].to_str().unwrap(), etag);

    let second = pattern(10_000, 4);
    let replaced = dav.put(&path, second.clone()).await;
    assert_eq!(replaced.status(), StatusCode::NO_CONTENT);
    assert_ne!(replaced.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(dav.get(&path).await, second);
    assert_eq!(app.content(token, id).await, second);
    let versions: VersionList = json(
        app.get_auth(&format!("/api/v1/files/{id}/versions"), token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(versions.items.len(), 1);
    assert_eq!(versions.items[0].size, first.len() as u64);

    // An empty file, and a PUT under a folder that does not exist.
    assert_eq!(
        dav.put("/empty", Vec::new()).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(dav.get("/empty").await, b"");
    assert_eq!(
        dav.put("/missing/x.txt", b"x".to_vec()).await.status(),
        StatusCode::CONFLICT
    );
    // A PUT onto a folder, and a name the vault refuses.
    app.mkdir(token, "root", "folder").await;
    assert_eq!(
        dav.put("/folder", b"x".to_vec()).await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(
        dav.put("/bad%00name", b"x".to_vec())
            .await
            .status()
            .is_client_error()
    );
    assert_eq!(app.list(token, "root").await.items.len(), 3);
}

#[tokio::test]
async fn a_put_over_the_quota_is_refused_and_changes_nothing() {
    let app = spawn_app_with(|config| config.default_quota_bytes = 100_000).await;
    let user = app.new_user().await;
    let dav = Dav::new(&app, &user, false).await;
    assert_eq!(
        dav.put("/small", pattern(60_000, 1)).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        dav.put("/big", pattern(60_000, 2)).await.status(),
        StatusCode::INSUFFICIENT_STORAGE
    );
    assert_eq!(dav.status("GET", "/big").await, StatusCode::NOT_FOUND);
    assert_eq!(
        app.list(&user.tokens.access_token, "root")
            .await
            .items
            .len(),
        1
    );
    assert_eq!(app.partial_uploads().await, 0);
}

#[tokio::test]
async fn mkcol_delete_move_and_copy_act_like_the_api() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let dav = Dav::new(&app, &user, false).await;

    assert_eq!(dav.status("MKCOL", "/docs").await, StatusCode::CREATED);
    assert_eq!(
        dav.status("MKCOL", "/docs").await,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(dav.status("MKCOL", "/no/such").await, StatusCode::CONFLICT);
    assert_eq!(
        dav.status("MKCOL", "/docs/inner").await,
        StatusCode::CREATED
    );
    let body = pattern(300_000, 9);
    assert_eq!(
        dav.put("/docs/inner/a.bin", body.clone()).await.status(),
        StatusCode::CREATED
    );
    let docs_id = app.list(token, "root").await.items[0].id;

    // MOVE renames and moves, keeping the node (and so its versions).
    let moved = dav.to("MOVE", "/docs", "/papers", None).await;
    assert_eq!(moved.status(), StatusCode::CREATED);
    assert_eq!(dav.status("PROPFIND", "/docs").await, StatusCode::NOT_FOUND);
    assert_eq!(app.list(token, "root").await.items[0].id, docs_id);
    assert_eq!(dav.get("/papers/inner/a.bin").await, body);

    // COPY gives an independent file with the same bytes.
    let copied = dav.to("COPY", "/papers/inner/a.bin", "/b.bin", None).await;
    assert_eq!(copied.status(), StatusCode::CREATED);
    assert_eq!(dav.get("/b.bin").await, body);
    let folder_copy = dav.to("COPY", "/papers", "/papers2", None).await;
    assert_eq!(folder_copy.status(), StatusCode::CREATED);
    assert_eq!(dav.get("/papers2/inner/a.bin").await, body);

    // `Overwrite: F` onto an existing name changes nothing; `T` replaces.
    assert_eq!(
        dav.put("/c.txt", b"c".to_vec()).await.status(),
        StatusCode::CREATED
    );
    let refused = dav.to("COPY", "/b.bin", "/c.txt", Some("F")).await;
    assert_eq!(refused.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(dav.get("/c.txt").await, b"c");
    let replaced = dav.to("MOVE", "/b.bin", "/c.txt", Some("T")).await;
    assert_eq!(replaced.status(), StatusCode::NO_CONTENT);
    assert_eq!(dav.get("/c.txt").await, body);
    assert_eq!(dav.status("GET", "/b.bin").await, StatusCode::NOT_FOUND);

    // Nothing goes into its own subtree.
    let into_itself = dav
        .to("COPY", "/papers/", "/papers/inner/again/", None)
        .await;
    assert_eq!(into_itself.status(), StatusCode::CONFLICT);
    let into_itself = dav
        .to("MOVE", "/papers/", "/papers/inner/again/", None)
        .await;
    assert_eq!(into_itself.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        dav.status("PROPFIND", "/papers/inner/again/").await,
        StatusCode::NOT_FOUND
    );

    // DELETE of a folder puts it in the trash as one item, restorable.
    assert_eq!(
        dav.status("DELETE", "/papers").await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        dav.status("PROPFIND", "/papers").await,
        StatusCode::NOT_FOUND
    );
    let trash: TrashListing =
        json(app.get_auth("/api/v1/trash", token).await, StatusCode::OK).await;
    let papers: Vec<_> = trash
        .items
        .iter()
        .filter(|item| item.name == "papers")
        .collect();
    assert_eq!(papers.len(), 1, "one trash item for the folder");
    assert_eq!(papers[0].id, docs_id);
    assert_eq!(dav.status("DELETE", "/papers").await, StatusCode::NOT_FOUND);
    assert_eq!(dav.status("DELETE", "/").await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn another_users_paths_are_not_there_over_webdav() {
    let app = spawn_app().await;
    let owner = app.new_user().await;
    let owner_dav = Dav::new(&app, &owner, false).await;
    assert_eq!(
        owner_dav.status("MKCOL", "/private").await,
        StatusCode::CREATED
    );
    assert_eq!(
        owner_dav
            .put("/private/a.txt", b"secret".to_vec())
            .await
            .status(),
        StatusCode::CREATED
    );
    let intruder = app.new_user().await;
    let dav = Dav::new(&app, &intruder, false).await;
    for verb in ["GET", "HEAD", "PROPFIND", "DELETE", "PROPPATCH"] {
        assert_eq!(
            dav.status(verb, "/private/a.txt").await,
            StatusCode::NOT_FOUND,
            "{verb}"
        );
    }
    for verb in ["MOVE", "COPY"] {
        assert_eq!(
            dav.to(verb, "/private/a.txt", "/mine.txt", None)
                .await
                .status(),
            StatusCode::NOT_FOUND,
            "{verb}"
        );
    }
    // A lock on the owner's path does not lock the same path of another
    // user's tree, and the lock's owner text is not shown to them.
    let lock = owner_dav
        .request(method("LOCK"), "/shared-name.txt")
        .header("timeout", "Second-60")
        .body(
            r#"<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>owner-secret-note</D:owner></D:lockinfo>"#,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(lock.status(), StatusCode::CREATED);
    assert_eq!(
        owner_dav
            .put("/shared-name.txt", b"o".to_vec())
            .await
            .status(),
        StatusCode::LOCKED
    );
    assert_eq!(
        dav.put("/shared-name.txt", b"mine".to_vec()).await.status(),
        StatusCode::CREATED
    );
    let listing = dav
        .request(method("PROPFIND"), "/shared-name.txt")
        .header("depth", "0")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!listing.contains("owner-secret-note"), "{listing}");

    // Writing to the same path writes into the intruder's own tree.
    assert_eq!(
        dav.put("/private/a.txt", b"x".to_vec()).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(owner_dav.get("/private/a.txt").await, b"secret");
}

#[tokio::test]
async fn a_put_whose_client_goes_away_leaves_nothing() {
    use tokio::io::AsyncWriteExt;

    let app = spawn_app().await;
    let user = app.new_user().await;
    let dav = Dav::new(&app, &user, false).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let credentials =
        data_encoding::BASE64.encode(format!("{}:{}", dav.user, dav.password).as_bytes());
    // Chunked, so no length says the body is short: only the missing end
    // of the body does.
    let head = format!(
        "PUT /dav/cut.bin HTTP/1.1\r\nhost: {address}\r\nauthorization: Basic {credentials}\r\ntransfer-encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for seed in 0..10 {
        let chunk = pattern(70_000, seed);
        stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .unwrap();
        stream.write_all(&chunk).await.unwrap();
        stream.write_all(b"\r\n").await.unwrap();
    }
    stream.flush().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    drop(stream);

    // The upload aborts: no file, and its partial object is removed.
    let mut left = usize::MAX;
    for _ in 0..50 {
        left = app.partial_uploads().await;
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(left, 0, "the partial object is removed");
    assert_eq!(dav.status("GET", "/cut.bin").await, StatusCode::NOT_FOUND);
    assert!(
        app.list(&user.tokens.access_token, "root")
            .await
            .items
            .is_empty()
    );
    assert!(app.objects().await.is_empty());
}

#[tokio::test]
async fn dead_properties_are_kept_sealed_and_follow_a_move() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let dav = Dav::new(&app, &user, false).await;
    assert_eq!(
        dav.put("/p.txt", b"x".to_vec()).await.status(),
        StatusCode::CREATED
    );
    let set = dav
        .request(method("PROPPATCH"), "/p.txt")
        .body(
            r#"<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:example:tags"><D:set><D:prop><Z:colour>ultramarine-marker</Z:colour></D:prop></D:set></D:propertyupdate>"#,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::MULTI_STATUS);
    assert_eq!(
        dav.to("MOVE", "/p.txt", "/q.txt", None).await.status(),
        StatusCode::CREATED
    );
    let found = dav
        .request(method("PROPFIND"), "/q.txt")
        .header("depth", "0")
        .body(
            r#"<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:Z="urn:example:tags"><D:prop><Z:colour/></D:prop></D:propfind>"#,
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(found.contains("ultramarine-marker"), "{found}");
    // Neither the value nor the property's name is readable in the store.
    let dump = app.meta_dump().await;
    for needle in [&b"ultramarine-marker"[..], b"urn:example:tags", b"colour"] {
        assert!(
            !dump.windows(needle.len()).any(|window| window == needle),
            "{} in the store",
            String::from_utf8_lossy(needle)
        );
    }
}

#[tokio::test]
async fn wrong_webdav_passwords_spend_the_log_in_budget() {
    let app = spawn_app_with(|config| config.limits.login_per_minute = 3).await;
    let user = app.new_user().await;
    let dav = Dav::new(&app, &user, false).await;
    let mut statuses = Vec::new();
    for attempt in 0..6 {
        let response = app
            .client
            .request(method("PROPFIND"), app.url("/dav/"))
            .basic_auth(&user.email, Some(format!("{}{attempt}", dav.password)))
            .send()
            .await
            .unwrap();
        statuses.push(response.status());
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Successes are not charged: a mount sends many requests.
    let app = spawn_app_with(|config| config.limits.login_per_minute = 3).await;
    let user = app.new_user().await;
    let dav = Dav::new(&app, &user, false).await;
    for _ in 0..10 {
        assert_eq!(dav.status("PROPFIND", "/").await, StatusCode::MULTI_STATUS);
    }
}

#[tokio::test]
async fn a_name_sent_decomposed_is_the_same_file() {
    // macOS sends names in NFD; the vault keeps NFC, so both spellings name
    // one file and the API shows the NFC one.
    let app = spawn_app().await;
    let user = app.new_user().await;
    let dav = Dav::new(&app, &user, false).await;
    let composed = "Caf\u{e9}.txt";
    let decomposed = "Cafe\u{301}.txt";
    assert_eq!(
        dav.put(&format!("/{}", urlencoding(decomposed)), b"one".to_vec())
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        dav.get(&format!("/{}", urlencoding(composed))).await,
        b"one"
    );
    assert_eq!(
        dav.put(&format!("/{}", urlencoding(composed)), b"two".to_vec())
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let root = app.list(&user.tokens.access_token, "root").await;
    assert_eq!(root.items.len(), 1);
    assert_eq!(root.items[0].name, composed);
}
