//! Spawning the server and typed calls built on the `shared` types.

use reqwest::{Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use strongroom_api::auth::{TokenSecret, TokenService};
use strongroom_api::config::Config;
use strongroom_shared::{
    FolderListing, LoginRequest, Node, Problem, SignupRequest, SignupResponse, TokenResponse,
};
use tempfile::TempDir;
use uuid::Uuid;

use crate::common::probe::{self, Objects};
use crate::common::{aws, server};

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub data_dir: TempDir,
    pub config: Config,
}

/// Starts the server on port 0 with a fresh data folder; it stops with the test.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// As `spawn_app`, with configuration changes; on the AWS pair when the
/// suite runs there (`STRONGROOM_TEST_BACKEND=aws`).
pub async fn spawn_app_with(change: impl FnOnce(&mut Config)) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = server::test_config(data_dir.path());
    if let Some(endpoint) = aws::suite_backend() {
        aws::use_aws_pair(&mut config, endpoint, "t");
    }
    change(&mut config);
    TestApp {
        address: server::start(config.clone()).await,
        client: reqwest::Client::new(),
        data_dir,
        config,
    }
}

/// As `spawn_app`, serving the browser app from `web_dir`.
pub async fn spawn_app_with_web(web_dir: &std::path::Path) -> TestApp {
    let web_dir = web_dir.to_path_buf();
    spawn_app_with(move |config| config.web_dir = web_dir).await
}

/// The refresh token of an answer that carries it in the body.
pub fn refresh_token(tokens: &TokenResponse) -> &str {
    tokens
        .refresh_token
        .as_deref()
        .expect("the answer carries the refresh token")
}

pub fn unique_email() -> String {
    format!("user-{}@example.com", Uuid::new_v4().simple())
}

/// A logged-in user.
pub struct TestUser {
    pub email: String,
    pub signup: SignupResponse,
    pub tokens: TokenResponse,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_json(&self, path: &str, body: &impl Serialize) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_auth(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn signup_raw(&self, email: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/auth/signup",
            &SignupRequest {
                email: email.to_owned(),
                password: password.to_owned(),
                display_name: None,
                invite_code: None,
            },
        )
        .await
    }

    pub async fn login_raw(&self, email: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/auth/login",
            &LoginRequest {
                email: email.to_owned(),
                password: password.to_owned(),
                session_cookie: false,
            },
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> TokenResponse {
        json(self.login_raw(email, password).await, StatusCode::OK).await
    }

    /// Signs up a fresh user and logs them in.
    pub async fn new_user(&self) -> TestUser {
        let email = unique_email();
        let signup: SignupResponse =
            json(self.signup_raw(&email, PASSWORD).await, StatusCode::CREATED).await;
        let tokens = self.login(&email, PASSWORD).await;
        TestUser {
            email,
            signup,
            tokens,
        }
    }

    pub async fn refresh_raw(&self, refresh_token: &str) -> Response {
        self.post_json(
            "/api/v1/auth/refresh",
            &serde_json::json!({ "refresh_token": refresh_token }),
        )
        .await
    }

    pub async fn put_file(
        &self,
        token: &str,
        folder: &str,
        name: &str,
        body: Vec<u8>,
        overwrite: bool,
    ) -> Response {
        let url = format!(
            "{}/api/v1/folders/{folder}/files/{}{}",
            self.address,
            urlencoding(name),
            if overwrite { "?overwrite=true" } else { "" }
        );
        self.client
            .put(url)
            .bearer_auth(token)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Uploads and asserts 201.
    pub async fn upload(&self, token: &str, folder: &str, name: &str, body: Vec<u8>) -> Node {
        json(
            self.put_file(token, folder, name, body, false).await,
            StatusCode::CREATED,
        )
        .await
    }

    pub async fn mkdir(&self, token: &str, parent: &str, name: &str) -> Node {
        let response = self
            .client
            .post(self.url("/api/v1/folders"))
            .bearer_auth(token)
            .json(&serde_json::json!({ "parent_id": parent, "name": name }))
            .send()
            .await
            .unwrap();
        json(response, StatusCode::CREATED).await
    }

    pub async fn content(&self, token: &str, id: Uuid) -> Vec<u8> {
        let response = self
            .get_auth(&format!("/api/v1/files/{id}/content"), token)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.bytes().await.unwrap().to_vec()
    }

    pub async fn list(&self, token: &str, folder: &str) -> FolderListing {
        json(
            self.get_auth(
                &format!("/api/v1/folders/{folder}/children?limit=1000"),
                token,
            )
            .await,
            StatusCode::OK,
        )
        .await
    }

    /// Keys of every stored object (`{user}/{object}`), sorted.
    pub async fn objects(&self) -> Vec<String> {
        Objects::of(&self.config).await.keys().await
    }

    pub async fn object_bytes(&self, key: &str) -> Vec<u8> {
        Objects::of(&self.config).await.read(key).await
    }

    /// Replaces a stored object behind the server's back.
    pub async fn write_object(&self, key: &str, bytes: Vec<u8>) {
        Objects::of(&self.config).await.write(key, bytes).await
    }

    /// Uploads that started but neither finished nor were cleaned up.
    pub async fn partial_uploads(&self) -> usize {
        Objects::of(&self.config).await.unfinished_uploads().await
    }

    /// Every byte the metadata store holds.
    pub async fn meta_dump(&self) -> Vec<u8> {
        probe::meta_dump(&self.config).await
    }

    /// The stores this server uses, opened again (for the sweeper).
    pub async fn stores(&self) -> strongroom_api::store::Stores {
        let secret = TokenSecret::load_or_create(&self.config.token_secret_path()).unwrap();
        strongroom_api::store::open(&self.config, &secret.profile_keys())
            .await
            .unwrap()
    }

    /// The server's own token service, to mint tokens no client could (expired
    /// ones) and to look inside the ones it issued.
    pub fn token_service(&self) -> TokenService {
        let secret =
            TokenSecret::load_or_create(&self.data_dir.path().join("token_secret")).unwrap();
        TokenService::new(&secret, 900)
    }

    /// The UMK an access token carries, as the server would see it.
    pub fn umk_of(&self, access_token: &str) -> [u8; 32] {
        *self
            .token_service()
            .verify_access(access_token)
            .map_err(|e| e.to_string())
            .unwrap()
            .umk
            .as_bytes()
    }
}

/// Asserts the status and decodes the body.
pub async fn json<T: DeserializeOwned>(response: Response, status: StatusCode) -> T {
    let actual = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(actual, status, "body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Asserts a problem+json answer with this status and code.
pub async fn problem(response: Response, status: StatusCode, code: &str) -> Problem {
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let problem: Problem = json(response, status).await;
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(problem.code, code, "{problem:?}");
    assert_eq!(problem.status, status.as_u16());
    assert_eq!(problem.type_uri, format!("urn:strongroom:problem:{code}"));
    problem
}

/// Percent-encodes a path segment.
pub fn urlencoding(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Deterministic, incompressible-looking test data.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    let mut state = u32::from(seed).wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect()
}
