//! Request bodies as the vault takes them: why one stopped early, in the
//! vault's terms (`BodyStop`), whatever the HTTP layer called it.

use actix_multipart::MultipartError;
use actix_web::error::PayloadError;

use crate::error::is_too_slow;
use crate::vault::upload::BodyStop;

pub fn from_payload(err: PayloadError) -> BodyStop {
    if is_too_slow(&err) {
        BodyStop::TooSlow
    } else {
        BodyStop::Broken(err.to_string())
    }
}

pub fn from_multipart(err: MultipartError) -> BodyStop {
    match err {
        MultipartError::Payload(err) => from_payload(err),
        other => BodyStop::Broken(other.to_string()),
    }
}
