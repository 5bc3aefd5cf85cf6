//! Folder shares through the real server, without an account on the public
//! side: live browsing as the owner changes things, one file at a time, and
//! the whole folder as a streamed zip.

use reqwest::{Response, StatusCode};
use strongroom_shared::{CreateShareRequest, Node, PublicEntry, PublicListing, PublicShare, Share};

use crate::helpers::{TestApp, json, pattern, problem, spawn_app};

async fn share_folder(
    app: &TestApp,
    token: &str,
    folder: &Node,
    req: &CreateShareRequest,
) -> Share {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/nodes/{}/shares", folder.id)))
        .bearer_auth(token)
        .json(req)
        .send()
        .await
        .unwrap();
    json(response, StatusCode::CREATED).await
}

async fn get(app: &TestApp, path: &str, password: Option<&str>) -> Response {
    let mut request = app
        .client
        .get(app.url(&format!("/api/v1/public/shares/{path}")));
    if let Some(password) = password {
        request = request.header("X-Share-Password", password);
    }
    request.send().await.unwrap()
}

async fn listing(app: &TestApp, link: &Share, path: &str) -> PublicListing {
    let token = link.token.as_deref().unwrap();
    let query = format!(
        "{token}/children?path={}",
        crate::helpers::urlencoding(path)
    );
    json(get(app, &query, None).await, StatusCode::OK).await
}

fn names(listing: &PublicListing) -> Vec<&str> {
    listing
        .items
        .iter()
        .map(|item| item.name.as_str())
        .collect()
}

fn find<'a>(listing: &'a PublicListing, name: &str) -> &'a PublicEntry {
    listing.items.iter().find(|item| item.name == name).unwrap()
}

async fn file_bytes(app: &TestApp, link: &Share, entry: &PublicEntry) -> Response {
    let token = link.token.as_deref().unwrap();
    get(app, &format!("{token}/files/{}/content", entry.id), None).await
}

async fn patch(app: &TestApp, token: &str, node: &Node, body: serde_json::Value) {
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/nodes/{}", node.id)))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_shared_folder_follows_its_owner() {
    let app = spawn_app().await;
    let owner = app.new_user().await;
    let token = &owner.tokens.access_token;
    let trip = app.mkdir(token, "root", "Trip").await;
    let day = app.mkdir(token, &trip.id.to_string(), "Day 1").await;
    let photo_bytes = pattern(150_000, 1);
    let photo = app
        .upload(token, &day.id.to_string(), "photo.jpg", photo_bytes.clone())
        .await;
    let notes = app
        .upload(token, &trip.id.to_string(), "notes.txt", b"notes".to_vec())
        .await;
    let outside = app
        .upload(token, "root", "private.txt", b"private".to_vec())
        .await;
    let link = share_folder(&app, token, &trip, &CreateShareRequest::default()).await;
    assert_eq!(link.name, "Trip");

    let about: PublicShare = json(
        get(&app, link.token.as_deref().unwrap(), None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (about.kind, about.name.as_str()),
        (strongroom_shared::NodeKind::Folder, "Trip")
    );
    let top = listing(&app, &link, "").await;
    assert_eq!(top.breadcrumbs, ["Trip"]);
    assert_eq!(names(&top), ["Day 1", "notes.txt"]);
    let inside = listing(&app, &link, "Day 1").await;
    assert_eq!(inside.breadcrumbs, ["Trip", "Day 1"]);
    assert_eq!(names(&inside), ["photo.jpg"]);
    let response = file_bytes(&app, &link, find(&inside, "photo.jpg")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap()[..], photo_bytes[..]);
    // Nothing outside the shared folder opens through it.
    let fake = PublicEntry {
        id: outside.id,
        ..find(&inside, "photo.jpg").clone()
    };
    problem(
        file_bytes(&app, &link, &fake).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        get(
            &app,
            &format!("{}/children?path=nowhere", link.token.as_deref().unwrap()),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // A new file, a rename, a new version.
    app.upload(token, &day.id.to_string(), "later.txt", b"later".to_vec())
        .await;
    patch(
        &app,
        token,
        &notes,
        serde_json::json!({ "name": "Notes (final).txt" }),
    )
    .await;
    let response = app
        .put_file(
            token,
            &day.id.to_string(),
            "later.txt",
            b"later, v2".to_vec(),
            true,
        )
        .await;
    let _: Node = json(response, StatusCode::OK).await;
    assert_eq!(
        names(&listing(&app, &link, "").await),
        ["Day 1", "Notes (final).txt"]
    );
    let inside = listing(&app, &link, "Day 1").await;
    assert_eq!(names(&inside), ["later.txt", "photo.jpg"]);
    let response = file_bytes(&app, &link, find(&inside, "later.txt")).await;
    assert_eq!(response.bytes().await.unwrap()[..], b"later, v2"[..]);

    // Moved out: gone, and its old id opens nothing. Moved in: there, with
    // what it holds.
    patch(
        &app,
        token,
        &photo,
        serde_json::json!({ "parent_id": "root" }),
    )
    .await;
    let inside = listing(&app, &link, "Day 1").await;
    assert_eq!(names(&inside), ["later.txt"]);
    let old = PublicEntry {
        id: photo.id,
        ..inside.items[0].clone()
    };
    problem(
        file_bytes(&app, &link, &old).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let extra = app.mkdir(token, "root", "Extra").await;
    app.upload(token, &extra.id.to_string(), "map.pdf", b"map".to_vec())
        .await;
    patch(
        &app,
        token,
        &extra,
        serde_json::json!({ "parent_id": trip.id.to_string() }),
    )
    .await;
    assert_eq!(
        names(&listing(&app, &link, "").await),
        ["Day 1", "Extra", "Notes (final).txt"]
    );
    assert_eq!(names(&listing(&app, &link, "Extra").await), ["map.pdf"]);

    // Deleted inside: gone. The shared folder renamed: the link follows.
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/nodes/{}", day.id)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        names(&listing(&app, &link, "").await),
        ["Extra", "Notes (final).txt"]
    );
    patch(
        &app,
        token,
        &trip,
        serde_json::json!({ "name": "Trip 2026" }),
    )
    .await;
    assert_eq!(listing(&app, &link, "").await.breadcrumbs, ["Trip 2026"]);
    // The shared folder deleted: the link is gone.
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/nodes/{}", trip.id)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    problem(
        get(&app, link.token.as_deref().unwrap(), None).await,
        StatusCode::NOT_FOUND,
        "share_not_found",
    )
    .await;
}

#[tokio::test]
async fn the_whole_folder_streams_as_a_zip() {
    let app = spawn_app().await;
    let owner = app.new_user().await;
    let token = &owner.tokens.access_token;
    let top = app.mkdir(token, "root", "Album").await;
    let nested = app.mkdir(token, &top.id.to_string(), "Sub folder").await;
    let deeper = app.mkdir(token, &nested.id.to_string(), "Ünïcode").await;
    let big = pattern(50 * 1024 * 1024, 9);
    app.upload(token, &deeper.id.to_string(), "big.bin", big.clone())
        .await;
    app.upload(token, &top.id.to_string(), "a.txt", b"alpha".to_vec())
        .await;
    app.upload(token, &nested.id.to_string(), "empty.txt", Vec::new())
        .await;
    let req = CreateShareRequest {
        password: Some("zip it".to_owned()),
        max_downloads: Some(1),
        ..CreateShareRequest::default()
    };
    let link = share_folder(&app, token, &top, &req).await;
    let path = format!("{}/zip", link.token.as_deref().unwrap());
    problem(
        get(&app, &path, None).await,
        StatusCode::UNAUTHORIZED,
        "share_password_required",
    )
    .await;
    let response = get(&app, &path, Some("zip it")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("Album.zip"), "{disposition}");
    let zip = response.bytes().await.unwrap().to_vec();

    let reader = async_zip::base::read::mem::ZipFileReader::new(zip)
        .await
        .unwrap();
    let mut found = Vec::new();
    for index in 0..reader.file().entries().len() {
        let name = reader.file().entries()[index]
            .filename()
            .as_str()
            .unwrap()
            .to_owned();
        let mut entry = reader.reader_with_entry(index).await.unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end_checked(&mut bytes).await.unwrap();
        found.push((name, bytes));
    }
    let mut listed: Vec<&str> = found.iter().map(|(name, _)| name.as_str()).collect();
    listed.sort_unstable();
    assert_eq!(
        listed,
        [
            "Sub folder/",
            "Sub folder/empty.txt",
            "Sub folder/Ünïcode/",
            "Sub folder/Ünïcode/big.bin",
            "a.txt",
        ]
    );
    let bytes_of = |wanted: &str| {
        found
            .iter()
            .find(|(name, _)| name == wanted)
            .map(|(_, b)| b.clone())
            .unwrap()
    };
    assert_eq!(bytes_of("a.txt"), b"alpha");
    assert_eq!(bytes_of("Sub folder/empty.txt"), b"");
    assert!(bytes_of("Sub folder/Ünïcode/big.bin") == big);
    // That was the one download allowed.
    problem(
        get(&app, &path, Some("zip it")).await,
        StatusCode::NOT_FOUND,
        "share_not_found",
    )
    .await;
}

#[tokio::test]
async fn a_protected_folder_zips_through_a_one_minute_url_and_its_names_stay_sealed() {
    let app = spawn_app().await;
    let owner = app.new_user().await;
    let token = &owner.tokens.access_token;
    let top = app.mkdir(token, "root", "Zanzibar-folder").await;
    app.upload(
        token,
        &top.id.to_string(),
        "xyzzy-notes.txt",
        b"notes".to_vec(),
    )
    .await;
    let req = CreateShareRequest {
        password: Some("pw".to_owned()),
        ..CreateShareRequest::default()
    };
    let link = share_folder(&app, token, &top, &req).await;
    let secret = link.token.as_deref().unwrap();
    let post = |password: Option<&'static str>| {
        let mut request = app
            .client
            .post(app.url(&format!("/api/v1/public/shares/{secret}/zip-url")));
        if let Some(password) = password {
            request = request.header("X-Share-Password", password);
        }
        request.send()
    };
    problem(
        post(None).await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "share_password_required",
    )
    .await;
    let url: strongroom_shared::DownloadUrl =
        json(post(Some("pw")).await.unwrap(), StatusCode::OK).await;
    assert!(url.url.starts_with("/api/v1/download/zip/"));
    let response = app.client.get(app.url(&url.url)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let zip = response.bytes().await.unwrap().to_vec();
    let reader = async_zip::base::read::mem::ZipFileReader::new(zip)
        .await
        .unwrap();
    let names: Vec<String> = reader
        .file()
        .entries()
        .iter()
        .map(|e| e.filename().as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["xyzzy-notes.txt"]);
    // A made-up zip URL opens nothing.
    let forged = app
        .client
        .get(app.url("/api/v1/download/zip/not.a.token"))
        .send()
        .await
        .unwrap();
    problem(forged, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // The store holds none of the names the share opens, nor the link's secret.
    let dump = app.meta_dump().await;
    let contains = |needle: &[u8]| dump.windows(needle.len()).any(|w| w == needle);
    for needle in [
        &b"Zanzibar"[..],
        b"xyzzy",
        secret.split_once('.').unwrap().1.as_bytes(),
    ] {
        assert!(!contains(needle), "{}", String::from_utf8_lossy(needle));
    }
    // Revoked: the zip URL made before opens nothing either.
    let url: strongroom_shared::DownloadUrl =
        json(post(Some("pw")).await.unwrap(), StatusCode::OK).await;
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/shares/{}", link.id)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let followed = app.client.get(app.url(&url.url)).send().await.unwrap();
    problem(followed, StatusCode::NOT_FOUND, "share_not_found").await;
}
