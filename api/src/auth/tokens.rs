//! Access and refresh tokens.
//!
//! An access token is an HS256 JWT (algorithm pinned; iss, aud, exp, iat checked)
//! whose `umk` claim is the user master key wrapped under a key derived from the
//! token secret, bound to the user and session. A refresh token is `id.secret`:
//! the store keeps SHA-256(secret) and the UMK wrapped under HKDF(secret), so the
//! stores alone never yield a UMK.

use data_encoding::{BASE64URL_NOPAD, HEXLOWER};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use uuid::Uuid;
use zeroize::Zeroizing;

use super::TokenSecret;
use super::error::{AuthError, Unauthorized};
use crate::crypto::keys::{self, Dek, Key32, NameKey, Umk};

const ISSUER: &str = "strongroom";
const AUDIENCE: &str = "strongroom-api";
/// Download URLs are a different audience: neither token opens the other's door.
const DOWNLOAD_AUDIENCE: &str = "strongroom-download";
/// A shared folder's zip URL: another audience again.
const ZIP_AUDIENCE: &str = "strongroom-share-zip";
/// Clock skew tolerated between instances, in seconds.
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Serialize, Deserialize)]
struct AccessClaims {
    iss: String,
    aud: String,
    sub: Uuid,
    sid: Uuid,
    iat: u64,
    exp: u64,
    /// The UMK wrapped under the token key (base64url).
    umk: String,
}

/// Claims of a download URL: one object, its DEK wrapped under the token key
/// (never the UMK), and its name sealed the same way so the URL reveals nothing.
#[derive(Debug, Serialize, Deserialize)]
struct DownloadClaims {
    iss: String,
    aud: String,
    sub: Uuid,
    nid: Uuid,
    oid: Uuid,
    /// The size the file's bound record gave when the URL was made.
    size: u64,
    iat: u64,
    exp: u64,
    dek: String,
    name: String,
}

/// Claims of a shared folder's zip URL: the share, and its key wrapped
/// under the download key (the link's secret and password stay out of it).
#[derive(Debug, Serialize, Deserialize)]
struct ZipClaims {
    iss: String,
    aud: String,
    sub: Uuid,
    iat: u64,
    exp: u64,
    key: String,
}

/// What a download URL opens.
#[derive(Clone, Copy)]
pub struct DownloadFile<'a> {
    pub user_id: Uuid,
    pub node_id: Uuid,
    pub object_id: Uuid,
    /// From the record, checked against its binding before the URL is made.
    pub size: u64,
    pub dek: &'a Dek,
    pub name: &'a str,
}

/// A verified download URL.
pub struct DownloadGrant {
    pub user_id: Uuid,
    pub node_id: Uuid,
    pub object_id: Uuid,
    pub size: u64,
    pub dek: Dek,
    pub name: String,
}

/// A verified access token.
pub struct AccessGrant {
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub umk: Umk,
}

/// Signs and checks tokens with keys derived from the token secret.
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    download_validation: Validation,
    zip_validation: Validation,
    umk_wrap: Key32,
    download_wrap: Key32,
    access_ttl_secs: u64,
}

impl TokenService {
    pub fn new(secret: &TokenSecret, access_ttl_secs: u64) -> Self {
        // Separate keys for separate jobs, all from the one configured secret.
        let signing = keys::hkdf_sha256(secret.key().as_bytes(), b"strongroom jwt signing");
        let umk_wrap = keys::hkdf_sha256(secret.key().as_bytes(), b"strongroom jwt umk wrap");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        let mut download_validation = validation.clone();
        download_validation.set_audience(&[DOWNLOAD_AUDIENCE]);
        let mut zip_validation = validation.clone();
        zip_validation.set_audience(&[ZIP_AUDIENCE]);
        Self {
            encoding: EncodingKey::from_secret(signing.as_bytes()),
            decoding: DecodingKey::from_secret(signing.as_bytes()),
            validation,
            download_validation,
            zip_validation,
            umk_wrap,
            download_wrap: keys::hkdf_sha256(secret.key().as_bytes(), b"strongroom download wrap"),
            access_ttl_secs,
        }
    }

    pub fn access_ttl_secs(&self) -> u64 {
        self.access_ttl_secs
    }

    fn umk_aad(user_id: Uuid, session_id: Uuid) -> Vec<u8> {
        [
            b"jwt-umk".as_slice(),
            user_id.as_bytes(),
            session_id.as_bytes(),
        ]
        .concat()
    }

    /// Issues an access token for the session, valid `access_ttl_secs` from `now`.
    pub fn issue_access(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        umk: &Umk,
        now: OffsetDateTime,
    ) -> Result<String, AuthError> {
        let iat = u64::try_from(now.unix_timestamp()).unwrap_or(0);
        let wrapped = keys::wrap_key(
            &self.umk_wrap,
            umk.as_bytes(),
            &Self::umk_aad(user_id, session_id),
        );
        let claims = AccessClaims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: user_id,
            sid: session_id,
            iat,
            exp: iat + self.access_ttl_secs,
            umk: BASE64URL_NOPAD.encode(&wrapped),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|err| AuthError::Internal(format!("signing a token: {err}")))
    }

    /// Checks signature, algorithm and claims, then unwraps the UMK.
    pub fn verify_access(&self, token: &str) -> Result<AccessGrant, Unauthorized> {
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|err| match err.kind() {
                ErrorKind::ExpiredSignature => Unauthorized::TokenExpired,
                _ => Unauthorized::InvalidToken,
            })?;
        let claims = data.claims;
        let wrapped = BASE64URL_NOPAD
            .decode(claims.umk.as_bytes())
            .map_err(|_| Unauthorized::InvalidToken)?;
        let umk = keys::unwrap_key(
            &self.umk_wrap,
            &wrapped,
            &Self::umk_aad(claims.sub, claims.sid),
        )
        .map_err(|_| Unauthorized::InvalidToken)?;
        Ok(AccessGrant {
            user_id: claims.sub,
            session_id: claims.sid,
            umk: Umk::from_bytes(*umk.as_bytes()),
        })
    }
}

impl TokenService {
    fn download_names(&self) -> NameKey {
        NameKey::derive(&Umk::from_bytes(*self.download_wrap.as_bytes()))
    }

    fn dek_aad(user_id: Uuid, object_id: Uuid) -> Vec<u8> {
        [
            b"download-dek".as_slice(),
            user_id.as_bytes(),
            object_id.as_bytes(),
        ]
        .concat()
    }

    /// A token for `GET /api/v1/download/{token}`, valid `ttl_secs` from `now`.
    pub fn issue_download(
        &self,
        file: &DownloadFile<'_>,
        now: OffsetDateTime,
        ttl_secs: u64,
    ) -> Result<String, AuthError> {
        let DownloadFile {
            user_id,
            node_id,
            object_id,
            size,
            dek,
            name,
        } = *file;
        let iat = u64::try_from(now.unix_timestamp()).unwrap_or(0);
        let wrapped = keys::wrap_key(
            &self.download_wrap,
            dek.as_bytes(),
            &Self::dek_aad(user_id, object_id),
        );
        let sealed_name =
            self.download_names()
                .encrypt_name(node_id.as_bytes(), object_id.as_bytes(), name);
        let claims = DownloadClaims {
            iss: ISSUER.to_owned(),
            aud: DOWNLOAD_AUDIENCE.to_owned(),
            sub: user_id,
            nid: node_id,
            oid: object_id,
            size,
            iat,
            exp: iat + ttl_secs,
            dek: BASE64URL_NOPAD.encode(&wrapped),
            name: BASE64URL_NOPAD.encode(&sealed_name),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|err| AuthError::Internal(format!("signing a token: {err}")))
    }

    /// A short-lived URL token for a shared folder's zip, for a browser's
    /// plain link: the share's key, wrapped under the download key.
    pub fn issue_share_zip(
        &self,
        share_id: Uuid,
        key: &Key32,
        now: OffsetDateTime,
        ttl_secs: u64,
    ) -> Result<String, AuthError> {
        let iat = u64::try_from(now.unix_timestamp()).unwrap_or(0);
        let aad = [&b"share zip"[..], share_id.as_bytes()].concat();
        let wrapped = keys::wrap_key(&self.download_wrap, key.as_bytes(), &aad);
        let claims = ZipClaims {
            iss: ISSUER.to_owned(),
            aud: ZIP_AUDIENCE.to_owned(),
            sub: share_id,
            iat,
            exp: iat + ttl_secs,
            key: BASE64URL_NOPAD.encode(&wrapped),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|err| AuthError::Internal(format!("signing a token: {err}")))
    }

    /// The share and its key behind a zip URL.
    pub fn verify_share_zip(&self, token: &str) -> Result<(Uuid, Key32), Unauthorized> {
        let claims = jsonwebtoken::decode::<ZipClaims>(token, &self.decoding, &self.zip_validation)
            .map_err(|err| match err.kind() {
                ErrorKind::ExpiredSignature => Unauthorized::TokenExpired,
                _ => Unauthorized::InvalidToken,
            })?
            .claims;
        let wrapped = BASE64URL_NOPAD
            .decode(claims.key.as_bytes())
            .map_err(|_| Unauthorized::InvalidToken)?;
        let aad = [&b"share zip"[..], claims.sub.as_bytes()].concat();
        let key = keys::unwrap_key(&self.download_wrap, &wrapped, &aad)
            .map_err(|_| Unauthorized::InvalidToken)?;
        Ok((claims.sub, key))
    }

    pub fn verify_download(&self, token: &str) -> Result<DownloadGrant, Unauthorized> {
        let claims = jsonwebtoken::decode::<DownloadClaims>(
            token,
            &self.decoding,
            &self.download_validation,
        )
        .map_err(|err| match err.kind() {
            ErrorKind::ExpiredSignature => Unauthorized::TokenExpired,
            _ => Unauthorized::InvalidToken,
        })?
        .claims;
        let wrapped = BASE64URL_NOPAD
            .decode(claims.dek.as_bytes())
            .map_err(|_| Unauthorized::InvalidToken)?;
        let dek = keys::unwrap_key(
            &self.download_wrap,
            &wrapped,
            &Self::dek_aad(claims.sub, claims.oid),
        )
        .map_err(|_| Unauthorized::InvalidToken)?;
        let sealed_name = BASE64URL_NOPAD
            .decode(claims.name.as_bytes())
            .map_err(|_| Unauthorized::InvalidToken)?;
        let name = self
            .download_names()
            .decrypt_name(claims.nid.as_bytes(), claims.oid.as_bytes(), &sealed_name)
            .map_err(|_| Unauthorized::InvalidToken)?;
        Ok(DownloadGrant {
            user_id: claims.sub,
            node_id: claims.nid,
            object_id: claims.oid,
            size: claims.size,
            dek: Dek::from_bytes(*dek.as_bytes()),
            name,
        })
    }
}

/// The secret half of a refresh token, with what the store keeps of it.
pub struct RefreshSecret {
    secret: Zeroizing<[u8; 32]>,
}

impl RefreshSecret {
    pub fn generate() -> Self {
        Self {
            secret: Zeroizing::new(*Key32::random().as_bytes()),
        }
    }

    /// What the store keeps to recognise this secret.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.secret.as_slice()).into()
    }

    /// `true` when this secret hashes to `stored` (constant time).
    pub fn matches(&self, stored: &[u8; 32]) -> bool {
        self.hash().ct_eq(stored).into()
    }

    fn wrap_key(&self) -> Key32 {
        keys::hkdf_sha256(self.secret.as_slice(), b"strongroom refresh umk wrap")
    }

    fn aad(session_id: Uuid, user_id: Uuid) -> Vec<u8> {
        [
            b"refresh-umk".as_slice(),
            session_id.as_bytes(),
            user_id.as_bytes(),
        ]
        .concat()
    }

    pub fn wrap_umk(&self, session_id: Uuid, user_id: Uuid, umk: &Umk) -> Vec<u8> {
        keys::wrap_key(
            &self.wrap_key(),
            umk.as_bytes(),
            &Self::aad(session_id, user_id),
        )
        .to_vec()
    }

    pub fn unwrap_umk(&self, session_id: Uuid, user_id: Uuid, wrapped: &[u8]) -> Option<Umk> {
        keys::unwrap_key(&self.wrap_key(), wrapped, &Self::aad(session_id, user_id))
            .ok()
            .map(|key| Umk::from_bytes(*key.as_bytes()))
    }

    /// `id.secret` as handed to the client.
    pub fn token(&self, session_id: Uuid) -> String {
        format!(
            "{}.{}",
            HEXLOWER.encode(session_id.as_bytes()),
            BASE64URL_NOPAD.encode(self.secret.as_slice())
        )
    }

    /// Splits `id.secret`; anything else is `None`.
    pub fn parse(token: &str) -> Option<(Uuid, Self)> {
        let (id, secret) = token.split_once('.')?;
        let id: [u8; 16] = HEXLOWER.decode(id.as_bytes()).ok()?.try_into().ok()?;
        let bytes = Zeroizing::new(BASE64URL_NOPAD.decode(secret.as_bytes()).ok()?);
        let secret: [u8; 32] = bytes.as_slice().try_into().ok()?;
        Some((
            Uuid::from_bytes(id),
            Self {
                secret: Zeroizing::new(secret),
            },
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn service(byte: u8) -> TokenService {
        TokenService::new(&TokenSecret::from_bytes([byte; 32]), 900)
    }

    #[test]
    fn access_token_round_trip() {
        let tokens = service(1);
        let (user, session, umk) = (Uuid::new_v4(), Uuid::new_v4(), Umk::random());
        let jwt = tokens
            .issue_access(user, session, &umk, OffsetDateTime::now_utc())
            .unwrap();
        let grant = tokens.verify_access(&jwt).unwrap();
        assert_eq!((grant.user_id, grant.session_id), (user, session));
        assert_eq!(grant.umk.as_bytes(), umk.as_bytes());
        // No key material in clear inside the token.
        assert!(!jwt.contains(&BASE64URL_NOPAD.encode(umk.as_bytes())));
    }

    #[test]
    fn foreign_and_expired_tokens_are_refused() {
        let umk = Umk::random();
        let jwt = service(1)
            .issue_access(
                Uuid::new_v4(),
                Uuid::new_v4(),
                &umk,
                OffsetDateTime::now_utc(),
            )
            .unwrap();
        assert_eq!(
            service(2).verify_access(&jwt).err(),
            Some(Unauthorized::InvalidToken)
        );
        let old = OffsetDateTime::now_utc() - time::Duration::hours(1);
        let jwt = service(1)
            .issue_access(Uuid::new_v4(), Uuid::new_v4(), &umk, old)
            .unwrap();
        assert_eq!(
            service(1).verify_access(&jwt).err(),
            Some(Unauthorized::TokenExpired)
        );
    }

    #[test]
    fn download_tokens_open_one_object_and_are_not_access_tokens() {
        let tokens = service(1);
        let (user, node, object) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let dek = Dek::random();
        let now = OffsetDateTime::now_utc();
        let file = |name| DownloadFile {
            user_id: user,
            node_id: node,
            object_id: object,
            size: 7,
            dek: &dek,
            name,
        };
        let token = tokens
            .issue_download(&file("Ünïcode report.pdf"), now, 60)
            .unwrap();
        let grant = tokens.verify_download(&token).unwrap();
        assert_eq!(
            (grant.user_id, grant.node_id, grant.object_id),
            (user, node, object)
        );
        assert_eq!(grant.dek.as_bytes(), dek.as_bytes());
        assert_eq!(grant.name, "Ünïcode report.pdf");
        assert_eq!(grant.size, 7);
        assert!(!token.contains("report"));
        // Audiences keep the two kinds apart.
        assert_eq!(
            tokens.verify_access(&token).err(),
            Some(Unauthorized::InvalidToken)
        );
        let access = tokens
            .issue_access(user, node, &Umk::random(), now)
            .unwrap();
        assert!(tokens.verify_download(&access).is_err());
        let stale = tokens
            .issue_download(&file("x"), now - time::Duration::minutes(5), 60)
            .unwrap();
        assert_eq!(
            tokens.verify_download(&stale).err(),
            Some(Unauthorized::TokenExpired)
        );
        assert!(service(2).verify_download(&token).is_err());
    }

    #[test]
    fn refresh_token_round_trip() {
        let secret = RefreshSecret::generate();
        let session = Uuid::new_v4();
        let (id, parsed) = RefreshSecret::parse(&secret.token(session)).unwrap();
        assert_eq!(id, session);
        assert!(parsed.matches(&secret.hash()));
        assert!(!RefreshSecret::generate().matches(&secret.hash()));
        for bad in [
            "",
            ".",
            "abc.def",
            "zz.zz",
            &format!("{}.", HEXLOWER.encode(session.as_bytes())),
        ] {
            assert!(RefreshSecret::parse(bad).is_none(), "{bad:?}");
        }
        let (user, umk) = (Uuid::new_v4(), Umk::random());
        let wrapped = secret.wrap_umk(session, user, &umk);
        assert_eq!(
            secret
                .unwrap_umk(session, user, &wrapped)
                .unwrap()
                .as_bytes(),
            umk.as_bytes()
        );
        assert!(
            secret
                .unwrap_umk(session, Uuid::new_v4(), &wrapped)
                .is_none()
        );
        assert!(
            RefreshSecret::generate()
                .unwrap_umk(session, user, &wrapped)
                .is_none()
        );
    }
}
