//! Request bodies read as I-JSON: an object that repeats a member name is refused with a
//! problem naming the member (see [`unchain_types::ijson`]), where axum's `Json` would keep
//! the last one.

use super::Problem;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use unchain_types::Code;

/// A JSON body parsed strictly as I-JSON into a `T`.
pub struct IJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for IJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            Problem::new(
                e.status(),
                Code::UnreadableBody,
                "request body not read",
                format!("could not read the request body: {e}"),
            )
        })?;
        unchain_types::ijson::from_slice_as(&bytes)
            .map(IJson)
            .map_err(|e| Problem::bad_request(Code::UnreadableBody, format!("body: {e}")))
    }
}
