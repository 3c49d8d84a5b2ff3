//! `/problems/{code}`: what a problem's `type` names, for a person. RFC 9457 (§3.1.1)
//! asks that a type URI resolve to human-readable documentation; a problem's `type` is
//! `/problems/{code}`, relative to the node that answered, and resolves here.

use super::Problem;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse as _, Response};
use unchain_types::Code;

/// The documentation of a refusal code: its meaning, as a page.
#[utoipa::path(get, path = "/problems/{code}",
    params(("code" = String, Path, description = "a refusal code, e.g. `not-found`", pattern = "^[a-z]+(-[a-z]+)*$")),
    responses((status = 200, description = "the code's meaning, as a page", content_type = "text/html"), (status = 404, body = Problem)))]
pub async fn problem_type(Path(code): Path<String>) -> Result<Response, Problem> {
    let Some(c) = Code::parse(&code) else {
        return Err(Problem::not_found(format!(
            "code: no refusal code is named {code:?}; every code is listed in /v1/openapi.json (Problem.code)"
        )));
    };
    let page = maud::html! {
        (maud::DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Unchain refusal: " (c.as_str()) }
            }
            body {
                h1 { code { (c.as_str()) } }
                p { (c.meaning()) }
                p {
                    "An Unchain node gives this code in the problem details (RFC 9457) of a "
                    "refusal, as " code { "code" } ", and this page as " code { "type" } ". "
                    "Clients branch on the code, never on the detail's words. Codes are only "
                    "added, never renamed or reused."
                }
            }
        }
    };
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page.into_string(),
    )
        .into_response())
}
