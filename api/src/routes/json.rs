//! JSON request bodies. Every body the API takes is a JSON object, and the
//! document says so; serde alone would also read a struct from a JSON array
//! (`[null, null]` as `{name: null, parent_id: null}`), so the body is read as
//! an object first and only then as the request type.

use std::future::Future;
use std::pin::Pin;

use actix_web::error::JsonPayloadError;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::json_error;

pub struct JsonObject<T>(T);

impl<T> JsonObject<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonObject<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Size, media type and syntax are checked as for any JSON body
        // (`web::JsonConfig`), then the object is read as `T`.
        let object = web::Json::<Map<String, Value>>::from_request(req, payload);
        Box::pin(async move {
            let object = object.await?.into_inner();
            serde_json::from_value(Value::Object(object))
                .map(Self)
                .map_err(|err| json_error(JsonPayloadError::Deserialize(err)).into())
        })
    }
}
