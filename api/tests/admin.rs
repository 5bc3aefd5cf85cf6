//! `strongroom admin` end to end: the real binary, configured by `STRONGROOM_*`
//! variables alone, works on the stores of a real server (started in-process
//! with the same data folder, token secret file, bucket and table), and the
//! server's answers show each change. Once on fs + SQLite and once on S3 +
//! DynamoDB at the local endpoint the test command starts (fails without it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/mod.rs"]
mod common;

use common::probe::{self, Objects};
use common::{aws, legacy, server};

use std::process::{Command, Output, Stdio};

use reqwest::{Response, StatusCode};
use serde_json::Value;
use strongroom_api::auth::TokenSecret;
use strongroom_api::config::{BlobBackend, Config, MetaBackend, SignupPolicy};
use strongroom_shared::{
    LoginRequest, Node, Problem, SignupRequest, SignupResponse, TokenResponse, UserProfile,
};
use tempfile::TempDir;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

const PASSWORD: &str = "correct horse battery staple";
const ANN: &str = "ann@example.com";
const BOB: &str = "bob@example.com";
const NOBODY: &str = "nobody@example.com";

#[tokio::test(flavor = "multi_thread")]
async fn admin_commands_on_fs_and_sqlite() {
    every_command(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_commands_on_s3_and_dynamodb() {
    every_command(Some(aws::endpoint())).await;
}

async fn every_command(aws_endpoint: Option<String>) {
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = server::test_config(data_dir.path());
    config.signup = SignupPolicy::Invite;
    if let Some(endpoint) = aws_endpoint {
        aws::use_aws_pair(&mut config, endpoint, "admin");
    }
    let server = Server::start(&config).await;
    let admin = Admin::for_config(&config);

    let code = invites_work_once(&server, &admin).await;
    let ann_id = accounts_are_listed(&admin).await;
    disabling_ends_sessions_and_enabling_lets_in(&server, &admin).await;
    a_lower_quota_refuses_uploads_over_it(&server, &admin).await;
    deleting_removes_the_account_and_its_objects(&server, &admin, &config, &ann_id).await;
    refusals_name_what_is_wrong(&admin).await;
    // The code printed once is not printed again by anything.
    assert!(!admin.ok(&["user", "list", "--json"]).await.contains(&code));
}

/// Creates two invites (default validity, text; one hour, JSON); signs up ann
/// and bob with them. Returns the first code.
async fn invites_work_once(server: &Server, admin: &Admin) -> String {
    let text = admin.ok(&["invite", "create"]).await;
    let code = field(&text, "Invite code: ");
    let until = time::PrimitiveDateTime::parse(
        &field(&text, "Valid until: "),
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC"),
    )
    .unwrap()
    .assume_utc();
    assert_close(until, OffsetDateTime::now_utc() + time::Duration::days(7));

    server.signup(ANN, Some(&code)).await;
    let again = server.signup_raw(BOB, Some(&code)).await;
    problem(again, StatusCode::FORBIDDEN, "invite_invalid").await;
    let without = server.signup_raw(BOB, None).await;
    problem(without, StatusCode::BAD_REQUEST, "validation_failed").await;

    let json: Value = parse(
        &admin
            .ok(&["invite", "create", "--expires-in", "1h", "--json"])
            .await,
    );
    let expires_at = OffsetDateTime::parse(json["expires_at"].as_str().unwrap(), &Rfc3339).unwrap();
    assert_close(
        expires_at,
        OffsetDateTime::now_utc() + time::Duration::hours(1),
    );
    server.signup(BOB, json["code"].as_str()).await;
    code
}

/// Both accounts, as a table and as JSON. Returns ann's id.
async fn accounts_are_listed(admin: &Admin) -> String {
    let table = admin.ok(&["user", "list"]).await;
    for text in [
        "Email", "Created", "Used", "Quota", "Disabled", ANN, BOB, "10.0 GiB",
    ] {
        assert!(table.contains(text), "{text}: {table}");
    }
    let users = admin.users().await;
    assert_eq!(emails(&users), [ANN, BOB]);
    for user in &users {
        assert_eq!(user["quota_bytes"], 10u64 << 30);
        assert_eq!(user["used_bytes"], 0);
        assert_eq!(user["disabled"], false);
        let created = OffsetDateTime::parse(user["created_at"].as_str().unwrap(), &Rfc3339);
        assert_close(created.unwrap(), OffsetDateTime::now_utc());
        // Only what the table shows, and the id: no hash, no key material.
        let mut keys: Vec<&str> = user
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "created_at",
                "disabled",
                "email",
                "id",
                "quota_bytes",
                "used_bytes"
            ]
        );
    }
    users[0]["id"].as_str().unwrap().to_owned()
}

async fn disabling_ends_sessions_and_enabling_lets_in(server: &Server, admin: &Admin) {
    let tokens = server.login(ANN).await;
    admin.ok(&["user", "disable", ANN]).await;
    let refresh = tokens.refresh_token.as_deref().unwrap();
    problem(
        server.refresh(refresh).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
    let me = server.get("/api/v1/me", &tokens.access_token).await;
    problem(me, StatusCode::UNAUTHORIZED, "session_ended").await;
    let login = server.login_raw(ANN).await;
    problem(login, StatusCode::FORBIDDEN, "account_disabled").await;
    assert_eq!(admin.user(ANN).await["disabled"], true);

    admin.ok(&["user", "enable", ANN]).await;
    let tokens = server.login(ANN).await;
    assert_eq!(
        server
            .get("/api/v1/me", &tokens.access_token)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(admin.user(ANN).await["disabled"], false);
}

async fn a_lower_quota_refuses_uploads_over_it(server: &Server, admin: &Admin) {
    let token = server.login(ANN).await.access_token;
    let said = admin.ok(&["user", "set-quota", ANN, "64KiB"]).await;
    assert!(said.contains("64.0 KiB (65536 bytes)"), "{said}");
    assert_eq!(admin.user(ANN).await["quota_bytes"], 65_536);

    let over = server.upload(&token, "over.bin", vec![1; 100_000]).await;
    problem(over, StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded").await;
    let under = server.upload(&token, "under.bin", vec![2; 10_000]).await;
    assert_eq!(under.status(), StatusCode::CREATED);
    assert_eq!(admin.user(ANN).await["used_bytes"], 10_000);

    // Sizes in decimal units and in plain bytes are read as such.
    admin.ok(&["user", "set-quota", BOB, "500MB"]).await;
    assert_eq!(admin.user(BOB).await["quota_bytes"], 500_000_000);
    admin.ok(&["user", "set-quota", BOB, "1073741824"]).await;
    assert_eq!(admin.user(BOB).await["quota_bytes"], 1u64 << 30);
}

async fn deleting_removes_the_account_and_its_objects(
    server: &Server,
    admin: &Admin,
    config: &Config,
    ann_id: &str,
) {
    let objects = Objects::of(config).await;
    assert_eq!(objects_of(&objects, ann_id).await, 1);

    admin.ok(&["user", "delete", ANN, "--yes"]).await;
    let login = server.login_raw(ANN).await;
    problem(login, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(emails(&admin.users().await), [BOB]);
    assert_eq!(objects_of(&objects, ann_id).await, 0);
}

async fn objects_of(objects: &Objects, user_id: &str) -> usize {
    let keys = objects.keys().await;
    keys.iter().filter(|key| key.starts_with(user_id)).count()
}

async fn refusals_name_what_is_wrong(admin: &Admin) {
    // No terminal (stdin is not one here) and no --yes: nothing is deleted.
    let said = admin.fails(&["user", "delete", BOB]).await;
    assert!(said.contains("--yes") && said.contains(BOB), "{said}");
    assert_eq!(emails(&admin.users().await), [BOB]);

    for command in [
        &["user", "disable", NOBODY][..],
        &["user", "enable", NOBODY],
        &["user", "set-quota", NOBODY, "1GiB"],
        &["user", "delete", NOBODY, "--yes"],
    ] {
        let said = admin.fails(command).await;
        assert!(
            said.contains(&format!("no account has the email {NOBODY}")),
            "{command:?}: {said}"
        );
    }

    // Bad values are usage errors (exit 2) that quote the value.
    for (command, value) in [
        (&["user", "set-quota", BOB, "10 parsecs"][..], "10 parsecs"),
        (&["invite", "create", "--expires-in", "forever"], "forever"),
    ] {
        let output = admin.run(command).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command:?}: {stderr}");
        assert!(stderr.contains(value), "{command:?}: {stderr}");
    }
}

/// Pointed where no server keeps data, the command says so and creates
/// nothing: no data folder, database or token secret; no bucket or table.
/// The token secret is read, never created.
#[tokio::test(flavor = "multi_thread")]
async fn nothing_is_created_where_there_is_no_server_data() {
    let empty = tempfile::tempdir().unwrap();
    let mut config = server::test_config(&empty.path().join("data"));
    let said = Admin::for_config(&config).fails(&["user", "list"]).await;
    assert!(said.contains("strongroom.db"), "{said}");

    aws::use_aws_pair(&mut config, aws::endpoint(), "admin-missing");
    // Emails are sealed with the server's token secret: without it, no
    // account can be found, and the command says which file it looked for.
    let said = Admin::for_config(&config)
        .fails(&["invite", "create"])
        .await;
    let secret_file = config.token_secret_path();
    assert!(said.contains(&secret_file.display().to_string()), "{said}");
    assert!(said.contains("token secret"), "{said}");
    let elsewhere = tempfile::tempdir().unwrap();
    config.token_secret_file = Some(elsewhere.path().join("token_secret"));
    TokenSecret::load_or_create(&config.token_secret_path()).unwrap();
    let said = Admin::for_config(&config)
        .fails(&["invite", "create"])
        .await;
    assert!(said.contains(&config.storage.dynamodb.table), "{said}");
    let sdk = aws::sdk_config(&aws::endpoint()).await;
    let tables = aws_sdk_dynamodb::Client::new(&sdk)
        .list_tables()
        .send()
        .await
        .unwrap();
    assert!(
        !tables
            .table_names()
            .contains(&config.storage.dynamodb.table)
    );

    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
}

/// The real binary with the configuration of `config` as `STRONGROOM_*`
/// variables, and nothing else of this process's environment (the test
/// command's own `STRONGROOM_TEST_*` variables are no configuration keys).
struct Admin {
    env: Vec<(String, String)>,
    /// An empty working directory: no `strongroom.toml` is read by accident.
    cwd: TempDir,
}

impl Admin {
    fn for_config(config: &Config) -> Self {
        let mut env = vec![
            ("STRONGROOM_DATA_DIR", config.data_dir.display().to_string()),
            (
                "STRONGROOM_TOKEN_SECRET_FILE",
                config.token_secret_path().display().to_string(),
            ),
            (
                "STRONGROOM_SIGNUP",
                serde_json::to_value(config.signup)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned(),
            ),
        ];
        let storage = &config.storage;
        if storage.blob == BlobBackend::S3 {
            env.extend([
                ("STRONGROOM_STORAGE__BLOB", "s3".to_owned()),
                ("STRONGROOM_STORAGE__S3__BUCKET", storage.s3.bucket.clone()),
                (
                    "STRONGROOM_STORAGE__S3__FORCE_PATH_STYLE",
                    storage.s3.force_path_style.to_string(),
                ),
            ]);
        }
        if storage.meta == MetaBackend::Dynamodb {
            env.extend([
                ("STRONGROOM_STORAGE__META", "dynamodb".to_owned()),
                (
                    "STRONGROOM_STORAGE__DYNAMODB__TABLE",
                    storage.dynamodb.table.clone(),
                ),
            ]);
        }
        let aws = &storage.aws;
        for (key, value) in [
            ("STRONGROOM_STORAGE__AWS__ENDPOINT_URL", &aws.endpoint_url),
            ("STRONGROOM_STORAGE__AWS__REGION", &aws.region),
        ] {
            if let Some(value) = value {
                env.push((key, value.clone()));
            }
        }
        // The static test credentials `aws::sdk_config` uses; never instance metadata.
        env.extend([
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ]);
        Self {
            env: env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            cwd: tempfile::tempdir().unwrap(),
        }
    }

    /// `strongroom admin ARGS`, with no terminal on stdin.
    async fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_strongroom"));
        command
            .arg("admin")
            .args(args)
            .current_dir(self.cwd.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        tokio::task::spawn_blocking(move || command.output())
            .await
            .unwrap()
            .unwrap()
    }

    /// Runs, asserts success, returns stdout.
    async fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args).await;
        let stdout = String::from_utf8(output.stdout).unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{args:?}: {stderr}");
        stdout
    }

    /// Runs, asserts exit code 1 and nothing on stdout, returns stderr.
    async fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args).await;
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
        stderr
    }

    async fn users(&self) -> Vec<Value> {
        match parse(&self.ok(&["user", "list", "--json"]).await) {
            Value::Array(users) => users,
            other => panic!("not a list: {other}"),
        }
    }

    async fn user(&self, email: &str) -> Value {
        let users = self.users().await;
        let found = users.into_iter().find(|user| user["email"] == email);
        found.unwrap_or_else(|| panic!("{email} is not listed"))
    }
}

/// The server under test, spoken to over HTTP.
struct Server {
    address: String,
    client: reqwest::Client,
}

impl Server {
    async fn start(config: &Config) -> Self {
        Self {
            address: server::start(config.clone()).await,
            client: reqwest::Client::new(),
        }
    }

    async fn post(&self, path: &str, body: &impl serde::Serialize) -> Response {
        let url = format!("{}{path}", self.address);
        self.client.post(url).json(body).send().await.unwrap()
    }

    async fn get(&self, path: &str, token: &str) -> Response {
        let url = format!("{}{path}", self.address);
        self.client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    async fn signup_raw(&self, email: &str, invite_code: Option<&str>) -> Response {
        let request = SignupRequest {
            email: email.to_owned(),
            password: PASSWORD.to_owned(),
            display_name: None,
            invite_code: invite_code.map(str::to_owned),
        };
        self.post("/api/v1/auth/signup", &request).await
    }

    async fn signup(&self, email: &str, invite_code: Option<&str>) -> SignupResponse {
        json(
            self.signup_raw(email, invite_code).await,
            StatusCode::CREATED,
        )
        .await
    }

    async fn signup_named(&self, email: &str, display_name: &str) -> SignupResponse {
        let request = SignupRequest {
            email: email.to_owned(),
            password: PASSWORD.to_owned(),
            display_name: Some(display_name.to_owned()),
            invite_code: None,
        };
        let response = self.post("/api/v1/auth/signup", &request).await;
        json(response, StatusCode::CREATED).await
    }

    async fn mkdir(&self, token: &str, parent: &str, name: &str) -> Response {
        let url = format!("{}/api/v1/folders", self.address);
        let body = serde_json::json!({ "parent_id": parent, "name": name });
        let request = self.client.post(url).bearer_auth(token).json(&body);
        request.send().await.unwrap()
    }

    async fn login_raw(&self, email: &str) -> Response {
        let request = LoginRequest {
            email: email.to_owned(),
            password: PASSWORD.to_owned(),
            session_cookie: false,
        };
        self.post("/api/v1/auth/login", &request).await
    }

    async fn login(&self, email: &str) -> TokenResponse {
        json(self.login_raw(email).await, StatusCode::OK).await
    }

    async fn refresh(&self, refresh_token: &str) -> Response {
        let body = serde_json::json!({ "refresh_token": refresh_token });
        self.post("/api/v1/auth/refresh", &body).await
    }

    async fn upload(&self, token: &str, name: &str, body: Vec<u8>) -> Response {
        self.upload_to(token, &format!("root/files/{name}"), body)
            .await
    }

    /// PUT `/api/v1/folders/{path}`: `path` is `<folder>/files/<name>`.
    async fn upload_to(&self, token: &str, path: &str, body: Vec<u8>) -> Response {
        let url = format!("{}/api/v1/folders/{path}", self.address);
        self.client
            .put(url)
            .bearer_auth(token)
            .body(body)
            .send()
            .await
            .unwrap()
    }
}

async fn json<T: serde::de::DeserializeOwned>(response: Response, status: StatusCode) -> T {
    let actual = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(actual, status, "body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

async fn problem(response: Response, status: StatusCode, code: &str) {
    let problem: Problem = json(response, status).await;
    assert_eq!(problem.code, code, "{problem:?}");
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn emails(users: &[Value]) -> Vec<&str> {
    users
        .iter()
        .map(|user| user["email"].as_str().unwrap())
        .collect()
}

/// The rest of the line that starts with `label`.
fn field(text: &str, label: &str) -> String {
    let line = text.lines().find_map(|line| line.strip_prefix(label));
    line.unwrap_or_else(|| panic!("no {label:?} in {text}"))
        .trim()
        .to_owned()
}

/// Within a minute: the command ran a moment ago.
fn assert_close(actual: OffsetDateTime, expected: OffsetDateTime) {
    assert!(
        (actual - expected).abs() < time::Duration::minutes(1),
        "{actual} vs {expected}"
    );
}

// ---------------------------------------------------------------------------
// What a dump of the metadata store shows of the accounts

/// As typed at sign-up and log-in; accounts keep it lower-cased.
const TYPED_EMAIL: &str = "Quentin.Zephyrine-7731@Example.ORG";
const DISPLAY_NAME: &str = "Quixotic Marmaladewright";
const FOLDER: &str = "Wombatique Expenses";
const FILE: &str = "platypus-grimoire.txt";

#[tokio::test(flavor = "multi_thread")]
async fn a_store_dump_lists_no_account_on_fs_and_sqlite() {
    a_store_dump_lists_no_account(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_store_dump_lists_no_account_on_s3_and_dynamodb() {
    a_store_dump_lists_no_account(Some(aws::endpoint())).await;
}

/// After sign-up and use, no byte of the metadata store spells the email (in
/// any case), the display name, or a file or folder name; the user's id is
/// there, so the dump is the real one. Log-in, `me` and the admin listing
/// still show the email.
async fn a_store_dump_lists_no_account(aws_endpoint: Option<String>) {
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = server::test_config(data_dir.path());
    if let Some(endpoint) = aws_endpoint {
        aws::use_aws_pair(&mut config, endpoint, "dump");
    }
    let server = Server::start(&config).await;
    let signup = server.signup_named(TYPED_EMAIL, DISPLAY_NAME).await;
    let token = server.login(TYPED_EMAIL).await.access_token;
    let folder: Node = json(
        server.mkdir(&token, "root", FOLDER).await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("{}/files/{FILE}", folder.id);
    let uploaded = server.upload_to(&token, &path, b"hello".to_vec()).await;
    assert_eq!(uploaded.status(), StatusCode::CREATED);

    let raw = probe::meta_dump(&config).await;
    // Text in DynamoDB keys, 16 bytes in SQLite.
    let id = signup.user.id;
    let id_text = id.to_string().into_bytes();
    assert!(
        raw.windows(id_text.len()).any(|w| w == id_text)
            || raw.windows(16).any(|w| w == id.as_bytes()),
        "the dump does not even hold the user's id"
    );
    let dump = raw.to_ascii_lowercase();
    let holds = |needle: &str| {
        let needle = needle.to_ascii_lowercase().into_bytes();
        dump.windows(needle.len()).any(|w| w == needle)
    };
    for needle in [
        TYPED_EMAIL,
        "quentin",
        "zephyrine",
        "example.org",
        DISPLAY_NAME,
        "marmalade",
        FOLDER,
        "wombatique",
        FILE,
        "grimoire",
    ] {
        assert!(!holds(needle), "the metadata store holds {needle:?}");
    }

    let email = TYPED_EMAIL.to_lowercase();
    let me: UserProfile = json(server.get("/api/v1/me", &token).await, StatusCode::OK).await;
    assert_eq!(me.email, email);
    assert_eq!(me.display_name.as_deref(), Some(DISPLAY_NAME));
    let admin = Admin::for_config(&config);
    assert_eq!(emails(&admin.users().await), [email.as_str()]);
    admin.ok(&["user", "set-quota", TYPED_EMAIL, "1GiB"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_stored_in_clear_are_sealed_at_start_on_fs_and_sqlite() {
    accounts_stored_in_clear_are_sealed_at_start(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_stored_in_clear_are_sealed_at_start_on_s3_and_dynamodb() {
    accounts_stored_in_clear_are_sealed_at_start(Some(aws::endpoint())).await;
}

/// A real account (made by one server) written in the previous format into
/// the stores of a second server before it first starts: the second server
/// seals it, it logs in with its password, `me` and the admin listing show
/// its email, and the dump no longer does.
async fn accounts_stored_in_clear_are_sealed_at_start(aws_endpoint: Option<String>) {
    let maker_dir = tempfile::tempdir().unwrap();
    let mut maker = server::test_config(maker_dir.path());
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = server::test_config(&data_dir.path().join("data"));
    if let Some(endpoint) = &aws_endpoint {
        aws::use_aws_pair(&mut maker, endpoint.clone(), "clear-maker");
        aws::use_aws_pair(&mut config, endpoint.clone(), "clear");
    }
    Server::start(&maker)
        .await
        .signup_named(TYPED_EMAIL, DISPLAY_NAME)
        .await;
    let secret = TokenSecret::load_or_create(&maker.token_secret_path()).unwrap();
    let stores = strongroom_api::store::open(&maker, &secret.profile_keys())
        .await
        .unwrap();
    let user = stores
        .meta
        .user_by_email(TYPED_EMAIL)
        .await
        .unwrap()
        .unwrap();

    match &aws_endpoint {
        None => {
            std::fs::create_dir_all(&config.data_dir).unwrap();
            let db = strongroom_api::store::sqlite_path(&config);
            legacy::write_sqlite_v3(&db, &user, None);
        }
        Some(endpoint) => {
            let client = aws_sdk_dynamodb::Client::new(&aws::sdk_config(endpoint).await);
            let table = &config.storage.dynamodb.table;
            legacy::create_table(&client, table).await;
            legacy::put_dynamo_items(&client, table, &user).await;
        }
    }
    let before = probe::meta_dump(&config).await;
    assert!(before.windows(8).any(|w| w == b"zephyrin"));

    let server = Server::start(&config).await;
    let token = server.login(TYPED_EMAIL).await.access_token;
    let me: UserProfile = json(server.get("/api/v1/me", &token).await, StatusCode::OK).await;
    assert_eq!((me.id, me.email.as_str()), (user.id, user.email.as_str()));
    assert_eq!(me.display_name.as_deref(), Some(DISPLAY_NAME));
    let admin = Admin::for_config(&config);
    assert_eq!(emails(&admin.users().await), [user.email.as_str()]);
    let after = probe::meta_dump(&config).await.to_ascii_lowercase();
    for needle in [&b"zephyrine"[..], b"marmalade"] {
        assert!(!after.windows(needle.len()).any(|w| w == needle));
    }
}
