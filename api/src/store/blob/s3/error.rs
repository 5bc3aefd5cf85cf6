//! Mapping SDK errors onto `StoreError`.

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::store::StoreError;

/// Maps an SDK error of operation `op` to ours. Messages carry the operation,
/// the error code and the cause, never credentials.
pub(super) fn s3_error<E>(op: &'static str, err: SdkError<E>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &err {
        SdkError::TimeoutError(_) => StoreError::Unavailable(format!("S3 {op}: timed out")),
        SdkError::DispatchFailure(_) => StoreError::Unavailable(format!(
            "S3 {op}: cannot reach the endpoint: {}",
            DisplayErrorContext(&err)
        )),
        SdkError::ResponseError(_) => StoreError::Unavailable(format!(
            "S3 {op}: broken response: {}",
            DisplayErrorContext(&err)
        )),
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = service.err().code().unwrap_or("");
            match code {
                "NoSuchKey" | "NotFound" | "NoSuchUpload" => StoreError::NotFound,
                "NoSuchBucket" => {
                    StoreError::Missing(format!("S3 {op}: the bucket does not exist"))
                }
                "SlowDown"
                | "Throttling"
                | "ThrottlingException"
                | "RequestTimeout"
                | "ServiceUnavailable"
                | "InternalError" => {
                    StoreError::Unavailable(format!("S3 {op}: {code} (HTTP {status})"))
                }
                _ if status == 404 => StoreError::NotFound,
                _ if status >= 500 || status == 429 => {
                    StoreError::Unavailable(format!("S3 {op}: {code} (HTTP {status})"))
                }
                _ => backend(format!("S3 {op}: {}", DisplayErrorContext(&err))),
            }
        }
        _ => backend(format!("S3 {op}: {}", DisplayErrorContext(&err))),
    }
}

pub(super) fn backend(message: String) -> StoreError {
    StoreError::Backend(message.into())
}
