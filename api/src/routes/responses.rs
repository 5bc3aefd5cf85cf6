//! What operations declare in the OpenAPI document beyond their own success
//! answers: the problem answers they share, each declared once per operation
//! with the `Problem` schema, and the schemas of bodies that are not JSON.
//! These types only describe; handlers answer through `ApiError`.

use strongroom_shared::Problem;
use utoipa::openapi::schema::{AdditionalProperties, ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::{Ref, RefOr, Schema};
use utoipa::{IntoResponses, PartialSchema, ToSchema};

/// Every operation that needs `Authorization: Bearer`: the token is checked
/// and its session looked up before anything else.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Authenticated {
    /// `missing_token`, `invalid_token`, `token_expired` or `session_ended`:
    /// log in (or refresh) and try again. (`invalid_token` also for an app
    /// password that is wrong or revoked.)
    #[response(
        status = 401,
        content_type = "application/problem+json",
        headers(("WWW-Authenticate" = String, description = "`Bearer`"))
    )]
    Unauthorized(Problem),
    /// `internal`: the server failed; `integrity_error`: a stored object or
    /// record failed its integrity check and nothing of it is delivered.
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
    /// `storage_unavailable`: a storage backend does not answer; or `busy`:
    /// more key work is queued than the server takes. Try again shortly
    /// (`busy` says when in `Retry-After`).
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// `rate_limited`: too many attempts from this address, or too many failed
/// ones at this account; `Retry-After` says when to try again. (Log-in,
/// recovery, password changes, sign-up and refresh are limited per client
/// address; failed attempts in a row per account.)
#[derive(IntoResponses)]
#[response(
    status = 429,
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "seconds to wait"))
)]
#[allow(dead_code)]
pub struct RateLimited(Problem);

/// Every operation without a bearer token that still reaches storage.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Public {
    /// `internal`: the server failed; `integrity_error`: a stored object or
    /// record failed its integrity check and nothing of it is delivered.
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
    /// `storage_unavailable`: a storage backend does not answer; or `busy`:
    /// more key work is queued than the server takes. Try again shortly
    /// (`busy` says when in `Retry-After`).
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// Every operation with a JSON body.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum JsonBody {
    /// `malformed_json` or `invalid_body`: the body is not JSON of the expected
    /// shape; `validation_failed`: a field breaks a rule, and `errors` names
    /// each field with the rule's own code.
    #[response(status = 400, content_type = "application/problem+json")]
    Invalid(Problem),
    /// `payload_too_large`: the body is larger than `json_limit_bytes`.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// `request_timeout`: the body came too slowly, or stalled.
    #[response(status = 408, content_type = "application/problem+json")]
    TooSlow(Problem),
    /// `unsupported_media_type`: the body is not `application/json`.
    #[response(status = 415, content_type = "application/problem+json")]
    NotJson(Problem),
}

/// Every upload.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Upload {
    /// `request_timeout`: the body came too slowly, or stalled.
    #[response(status = 408, content_type = "application/problem+json")]
    TooSlow(Problem),
    /// `upload_too_large`: the file is larger than `max_upload_bytes`; or
    /// `too_many_parts`: the form has more parts than `limits.form_parts`
    /// (the files before the first part too many are stored).
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// `too_many_uploads`: the account runs as many uploads as allowed;
    /// `Retry-After` says when to try again.
    #[response(
        status = 429,
        content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "seconds to wait"))
    )]
    TooManyUploads(Problem),
    /// `quota_exceeded`: not enough of the account's quota is left (counting
    /// what the account's other running uploads hold); `node_limit`: the
    /// account holds as many files and folders as allowed.
    #[response(status = 507, content_type = "application/problem+json")]
    QuotaExceeded(Problem),
}

/// Every download of a file's bytes.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Download {
    /// The file has not changed since the `ETag` sent in `If-None-Match`.
    #[response(status = 304, headers(("ETag" = String, description = "the file's entity tag")))]
    NotModified,
    /// `range_not_satisfiable`: the `Range` starts beyond the end of the file.
    #[response(
        status = 416,
        content_type = "application/problem+json",
        headers(("Content-Range" = String, description = "`bytes */<size>`"))
    )]
    RangeNotSatisfiable(Problem),
}

/// `not_found`: no such file or folder of the caller's. Another user's ids
/// answer exactly like ids that never existed.
#[derive(IntoResponses)]
#[response(status = 404, content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct NodeNotFound(Problem);

/// A file's bytes, as uploaded and as downloaded.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
#[allow(dead_code)]
pub struct FileBytes(Vec<u8>);

/// `multipart/form-data` upload: one or more parts named `file`, each with a
/// filename, stored as files of those names. Other parts are refused, so the
/// schema allows no other property.
pub struct UploadForm;

impl PartialSchema for UploadForm {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "One or more parts named `file`, each a file with its filename; \
                 no other parts.",
            ))
            .property(
                "file",
                ArrayBuilder::new()
                    .items(Ref::from_schema_name(FileBytes::name()))
                    .min_items(Some(1))
                    .description(Some("The files, each with its filename.")),
            )
            .required("file")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .into()
    }
}

impl ToSchema for UploadForm {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((FileBytes::name().into_owned(), FileBytes::schema()));
    }
}
