//! A new case: the form, its HTCDS document (checked field by field, errors named by form
//! field), sealed on the node with its identifiers blind-indexed, and `cases.open`.

use super::{KINDS, load};
use crate::console::ConsoleState;
use crate::console::sealing::{self, SealRequest};
use crate::console::{Ctx, after_post, html, need};
use crate::console::{form_for, page_for, refuse_or};
use crate::service::problem::Problem;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};
use unchain_cases::workflow::CaseKind;

/// `GET /console/cases/new`.
pub async fn new_form(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let ctx = refuse_or!(page_for(&state, &headers, &uri.to_string(), need::SEAL).await);
    html(ctx.page("case-new", new_case_form(&ctx, &NewCase::default(), None)))
}

fn new_case_form(ctx: &Ctx, v: &NewCase, error: Option<(&str, String)>) -> Markup {
    let err_for = |f: &str| {
        error
            .as_ref()
            .filter(|(field, _)| *field == f)
            .map(|(_, e)| e.clone())
    };
    let field =
        |name: &str, label: &str, ty: &str, value: &str, required: bool, hint: Option<String>| {
            let e = err_for(name);
            html! {
                div.field {
                    label for=(name) { (ctx.t(label)) @if required { " *" } }
                    @if let Some(h) = &hint { small #(format!("{name}-hint")) { (h) } }
                    input #(name) name=(name) type=(ty) value=(value) required[required]
                        aria-invalid=[e.as_ref().map(|_| "true")]
                        aria-describedby=[hint.as_ref().map(|_| format!("{name}-hint"))];
                    @if let Some(e) = e { p.field-error role="alert" { (e) } }
                }
            }
        };
    html! {
        h1 { (ctx.t("case-new")) }
        @if let Some((f, e)) = &error {
            @if f.is_empty() { p.notice.error role="alert" { (e) } }
        }
        form.stack method="post" action="/console/cases" {
            (ctx.csrf())
            fieldset {
                legend { (ctx.t("case-public")) }
                p.hint { (ctx.t("case-public-hint")) }
                (field("case", "case-id", "text", &v.case, true, Some(ctx.t("case-id-hint"))))
                div.field {
                    label for="kind" { (ctx.t("case-kind")) }
                    select #kind name="kind" {
                        @for k in KINDS {
                            option value=(k.name()) selected[v.kind == k.name()] { (ctx.t(&format!("kind-{}", k.name()))) }
                        }
                    }
                }
            }
            fieldset {
                legend { (ctx.t("case-sealed")) }
                p.hint { (ctx.t("case-sealed-hint")) }
                div.field {
                    label for="summary" { (ctx.t("case-summary")) " *" }
                    textarea #summary name="summary" rows="5" required { (v.summary) }
                    @if let Some(e) = err_for("summary") { p.field-error role="alert" { (e) } }
                }
                (field("first_name", "person-first-name", "text", &v.first_name, false, None))
                (field("birthdate", "person-birthdate", "date", &v.birthdate, false, None))
                (field("phone", "person-phone", "tel", &v.phone, false, Some(ctx.t("person-phone-hint"))))
                (field("email", "person-email", "email", &v.email, false, None))
            }
            button type="submit" #create-case { (ctx.t("case-create")) }
        }
    }
}

/// The new-case form.
#[derive(Debug, Deserialize, Default)]
pub struct NewCase {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    case: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    birthdate: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
}

/// Which form field an HTCDS path came from.
fn form_field(path: &str) -> &'static str {
    // The path names an HTCDS field of the one person or comment the form writes.
    if path.contains("prs_MobilePhone") {
        "phone"
    } else if path.contains("prs_Email") {
        "email"
    } else if path.contains("prs_Birthdate") {
        "birthdate"
    } else if path.contains("prs_FirstName") {
        "first_name"
    } else if path.contains("cco_CaseComment") {
        "summary"
    } else {
        ""
    }
}

/// The HTCDS document the new-case form describes (summary, and the person's first name,
/// date of birth, mobile phone and e-mail, each optional), checked against the standard; an
/// error names the form field and the reason.
pub fn case_document(
    summary: &str,
    first_name: &str,
    birthdate: &str,
    phone: &str,
    email: &str,
) -> Result<Value, (&'static str, String)> {
    document(&NewCase {
        summary: summary.into(),
        first_name: first_name.into(),
        birthdate: birthdate.into(),
        phone: phone.into(),
        email: email.into(),
        ..NewCase::default()
    })
}

/// The HTCDS document the form describes, checked against the standard.
fn document(v: &NewCase) -> Result<Value, (&'static str, String)> {
    let mut person = serde_json::Map::new();
    for (k, val) in [
        ("prs_FirstName", &v.first_name),
        ("prs_Birthdate", &v.birthdate),
        ("prs_MobilePhone", &v.phone),
        ("prs_Email", &v.email),
    ] {
        if !val.trim().is_empty() {
            person.insert(k.into(), val.trim().into());
        }
    }
    let mut doc = json!({"comments": [{"cco_CaseComment": v.summary.trim()}]});
    if !person.is_empty() {
        person.insert("id".into(), "p1".into());
        person.insert("role".into(), "victim".into());
        doc["persons"] = json!([person]);
    }
    unchain_htcds::document::validate(&doc).map_err(|e| (form_field(&e.field), e.to_string()))
}

/// Why the new-case form (or a step behind it) was not accepted: the form field at fault
/// (`""` for the form as a whole), the status to answer with, and what to show.
#[derive(Debug)]
pub(crate) struct FormError {
    /// The form field at fault, or `""`.
    pub field: &'static str,
    /// 422 for what the user can correct; the node's problem's own status otherwise (403
    /// for a node that does not seal, 503 for a full mempool, 500 for a failure).
    pub status: StatusCode,
    /// The message, in words.
    pub message: String,
}

impl FormError {
    /// A field the user can correct.
    fn invalid((field, message): (&'static str, String)) -> Self {
        FormError {
            field,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message,
        }
    }
}

impl From<Problem> for FormError {
    /// A problem from the node: its status (a 400 becomes 422: the form's content was at
    /// fault), and the form field its `field` names (an identifier's kind).
    fn from(p: Problem) -> Self {
        let field = match p.field.as_deref() {
            Some("phone") => "phone",
            Some("email") => "email",
            _ => "",
        };
        let status = match p.http_status() {
            StatusCode::BAD_REQUEST => StatusCode::UNPROCESSABLE_ENTITY,
            s => s,
        };
        FormError {
            field,
            status,
            message: p.detail,
        }
    }
}

/// Seals `doc` (a new record, or a new version of `record`) with its identifiers blinded.
pub(super) async fn seal_document(
    ctx: &Ctx,
    doc: &Value,
    record: Option<sealing::RecordId>,
    country: Option<&str>,
) -> Result<(sealing::RecordId, u64), FormError> {
    let plaintext = serde_json::to_vec(doc).expect("json");
    let identifiers = unchain_htcds::document::identifiers(doc)
        .into_iter()
        .map(|(_, kind, value)| (kind, value))
        .collect();
    let (id, tx) = sealing::seal(
        &ctx.state,
        SealRequest {
            schema: "htcds.case",
            plaintext: &plaintext,
            identifiers,
            country,
            record,
            actor: &ctx.user.id,
        },
    )
    .await?;
    let height = crate::console::wait_committed(ctx, &tx).await?;
    Ok((id, height))
}

/// Seals `doc` (an HTCDS document) with its identifiers blinded and opens case `id` of
/// `kind` over it; the height of the opening block, or the form field at fault and why.
pub(crate) async fn open_case(
    ctx: &Ctx,
    id: &str,
    kind: CaseKind,
    doc: &Value,
    country: Option<&str>,
) -> Result<u64, FormError> {
    let (record, _) = seal_document(ctx, doc, None, country).await?;
    let body = unchain_cases::client::open(id, kind, record, None, &ctx.user.id);
    Ok(crate::console::submit_and_wait(ctx, "cases.open", body).await?)
}

/// `POST /console/cases`: seals the details and opens the case over them.
pub async fn create(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Form(v): Form<NewCase>,
) -> Response {
    let ctx =
        refuse_or!(form_for(&state, &headers, "/console/cases/new", &v.csrf, need::SEAL).await);
    let again = |e: FormError| {
        (
            e.status,
            html(ctx.page(
                "case-new",
                new_case_form(&ctx, &v, Some((e.field, e.message))),
            )),
        )
            .into_response()
    };
    let invalid = |field, message| again(FormError::invalid((field, message)));
    if let Err(e) = unchain_cases::check_case_id("case", v.case.trim()) {
        return invalid("case", e.reason);
    }
    let Some(kind) = KINDS.into_iter().find(|k| k.name() == v.kind) else {
        return invalid("", format!("kind: {:?} is not a kind of case", v.kind));
    };
    if matches!(load(&state, v.case.trim()), Ok(Some(_))) {
        return invalid("case", ctx.ta("case-exists", &[("id", v.case.trim())]));
    }
    if v.summary.trim().is_empty() {
        return invalid("summary", ctx.t("field-required"));
    }
    let doc = match document(&v) {
        Ok(d) => d,
        Err(e) => return again(FormError::invalid(e)),
    };
    match open_case(&ctx, v.case.trim(), kind, &doc, None).await {
        Ok(h) => after_post(
            &ctx,
            &format!(
                "/console/case?id={}",
                crate::console::url_encode(v.case.trim())
            ),
            "ok",
            ctx.ta(
                "case-opened-at",
                &[("id", v.case.trim()), ("height", &h.to_string())],
            ),
        ),
        Err(e) => again(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_becomes_a_checked_htcds_document_and_bad_fields_are_named() {
        let mut v = NewCase {
            summary: "s".into(),
            phone: "+66 81 555 0142".into(),
            ..NewCase::default()
        };
        let doc = document(&v).expect("valid");
        assert_eq!(doc["persons"][0]["prs_MobilePhone"], "+66 81 555 0142");
        assert_eq!(doc["persons"][0]["role"], "victim");
        assert_eq!(unchain_htcds::document::identifiers(&doc).len(), 1);
        v.birthdate = "3 March".into();
        let (field, why) = document(&v).expect_err("not a date");
        assert_eq!(field, "birthdate");
        assert!(why.contains("prs_Birthdate"), "{why}");
        v.birthdate.clear();
        v.summary.clear();
        v.first_name.clear();
        v.phone.clear();
        assert!(
            document(&v).is_ok(),
            "the form handler refuses an empty summary"
        );
    }

    #[test]
    fn a_problem_keeps_its_status_and_names_the_form_field() {
        use unchain_types::Code;
        // A phone number the matching key cannot blind: the phone input, 422.
        let mut p = Problem::bad_request(Code::BadRequest, "identifier phone: too short");
        p.field = Some("phone".into());
        let e = FormError::from(p);
        assert_eq!(
            (e.field, e.status),
            ("phone", StatusCode::UNPROCESSABLE_ENTITY)
        );
        assert_eq!(e.message, "identifier phone: too short");
        // A full mempool is not the user's mistake: 503, on the form as a whole.
        let full = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::MempoolFull,
            "mempool full",
            "try again",
        );
        let e = FormError::from(full);
        assert_eq!((e.field, e.status), ("", StatusCode::SERVICE_UNAVAILABLE));
        // A node that does not seal: 403.
        let off = crate::service::problem::forbidden("this node does not seal");
        assert_eq!(FormError::from(off).status, StatusCode::FORBIDDEN);
    }
}
