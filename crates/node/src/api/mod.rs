//! The HTTP/JSON API (`/v1`), served by every node. Errors are RFC 9457 problem details;
//! the OpenAPI 3.1 document at `/v1/openapi.json` is generated from this code.

pub mod body;
mod cases;
pub(crate) mod custody;
pub mod did_resolution;
pub mod epcis;
pub mod epcis_queries;
pub mod events;
pub(crate) mod handlers;
pub mod identity;
pub use crate::service::problem;
pub(crate) mod agreements;
pub(crate) mod border_page;
pub(crate) mod epoch_links;
pub mod exposition;
pub(crate) mod problems;
pub mod provenance;
pub mod recruit;
pub mod replay;
pub(crate) mod snapshots;
pub(crate) mod standing;
pub(crate) mod state_proofs;
pub(crate) mod status_tokens;
pub mod supply;
pub(crate) mod tips;
pub mod tokens;
pub mod users;
pub(crate) mod vault;
pub(crate) mod voice;
pub use unchain_client::views;

use crate::service::Service;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use std::sync::Arc;
use utoipa::OpenApi;

pub use problem::Problem;
pub use snapshots::BackupWritten;

/// Largest request body on routes without a limit of their own (ciphertext uploads).
/// Limits are enforced while the body streams in: a body past its limit is never buffered.
pub const MAX_REQUEST_BYTES: usize = 32 * 1024 * 1024;
/// Largest batch submission body (5 000 transactions of 1.6 KiB on average).
pub const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;
/// Most transactions in one batch submission.
pub const MAX_BATCH: usize = 5_000;

/// What the API's handlers share: the node's service, and the API's own login sessions
/// and trust-bundle cache.
#[derive(Clone)]
pub struct ApiState {
    /// The node's service layer.
    pub svc: Service,
    /// Live login sessions.
    pub sessions: Arc<users::Sessions>,
    /// The trust bundle last built, kept until a newer checkpoint is cosigned.
    pub trust: Arc<identity::TrustCache>,
    /// EPCIS capture jobs this node started.
    pub captures: Arc<epcis::CaptureJobs>,
    /// Named EPCIS queries and their subscriptions.
    pub queries: Arc<crate::named_queries::QueryStore>,
    /// Provenance bundles built since the log last grew.
    pub provenance: Arc<provenance::ProvenanceCache>,
    /// The state snapshots this node writes and serves.
    pub snapshots: Arc<crate::snapshots::SnapshotStore>,
    /// The node's data directory (backups are written under it).
    pub data_dir: std::path::PathBuf,
    /// Member signatures accepted within the replay window.
    pub seen_signatures: Arc<replay::SeenSignatures>,
}

impl std::ops::Deref for ApiState {
    type Target = Service;
    fn deref(&self) -> &Service {
        &self.svc
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Unchain node API",
        version = "1",
        description = "Submit signed transactions, follow their status, and fetch blocks, checkpoints and proofs. Every ledger-backed answer carries what is needed to verify it offline."
    ),
    paths(
        problems::problem_type,
        handlers::submit,
        handlers::submit_batch,
        handlers::tx_status,
        handlers::block,
        handlers::latest_block,
        handlers::checkpoint,
        handlers::inclusion,
        handlers::certificate,
        epoch_links::epochs,
        handlers::consistency,
        handlers::members,
        handlers::vkeys,
        handlers::account,
        handlers::notary_lookup,
        handlers::status,
        handlers::healthz,
        vault::upload,
        vault::fetch,
        vault::record,
        vault::alerts,
        vault::notices,
        vault::matching_key,
        tokens::token_key,
        tokens::evaluations,
        tokens::counts,
        tokens::round,
        tokens::relay,
        vault::policies,
        vault::policy,
        state_proofs::proof,
        snapshots::manifest,
        snapshots::chunk,
        snapshots::backup,
        custody::item_view,
        custody::bundle,
        custody::waiting_for_me,
        cases::case_view,
        cases::mine,
        cases::audit,
        did_resolution::resolve,
        identity::controlled,
        identity::status_list,
        status_tokens::put_token,
        identity::next_index,
        identity::issued,
        identity::child,
        identity::trust_bundle,
        standing::standing,
        identity::border_check,
        identity::verify_presentation,
        tips::inbox,
        tips::view,
        tips::message,
        tips::upload,
        events::stream,
        epcis::capture,
        epcis::capture_job,
        epcis::events,
        epcis::event,
        epcis::epc_events,
        epcis::class_events,
        epcis::event_types,
        epcis::type_events,
        epcis::step_events,
        epcis::location_events,
        epcis::read_point_events,
        epcis::disposition_events,
        epcis_queries::list,
        epcis_queries::create,
        epcis_queries::one,
        epcis_queries::delete,
        epcis_queries::events,
        epcis_queries::subscriptions,
        epcis_queries::subscribe,
        epcis_queries::subscription,
        epcis_queries::unsubscribe,
        supply::goods,
        provenance::lot,
        provenance::item,
        provenance::shipment,
        supply::facilities,
        supply::facility,
        supply::findings,
        supply::reach,
        recruit::party,
        recruit::offer,
        recruit::employer_offers,
        recruit::employer_wages,
        recruit::alerts,
        recruit::brand_alerts,
        voice::published,
        voice::grievances,
        voice::escalations,
        voice::fees_reported,
        agreements::agreement,
        agreements::schema,
        agreements::outcome_bundle,
        users::login,
        users::me,
        users::act,
    ),
    components(schemas(
        Problem,
        views::SubmitResponse,
        views::BatchItem,
        views::TxStatusView,
        views::BlockView,
        views::RejectedView,
        views::ProofBundle,
        views::CertificateView,
        views::ConsistencyView,
        views::NotaryView,
        views::AnchorView,
        views::StatusView,
        views::ConsensusView,
        views::ValidatorVote,
        views::SnapshotBaseView,
        views::ValidatorKey,
        views::AccountView,
        identity::BorderCheckRequest,
        identity::PresentationCheckRequest,
        epcis::CaptureJobView,
        epcis_queries::NamedQueryView,
        epcis_queries::SubscriptionView,
        supply::GoodsView,
        supply::UpstreamView,
        supply::FacilityView,
        supply::FindingView,
        recruit::OfferView,
        voice::PublishedVoice,
        voice::GrievanceView,
        voice::ReportedFees,
        agreements::AgreementView,
        agreements::SchemaView,
        tokens::EvaluationRequest,
        tokens::RelayRequest,
        crate::service::tokens::EvaluationAnswer,
        crate::service::tokens::Relayed,
    ))
)]
struct ApiDoc;

/// The OpenAPI 3.1 document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    list_problem_codes(&mut doc);
    describe_errors_and_security(&mut doc);
    constrain_path_parameters(&mut doc);
    doc
}

/// What each identifier in a path looks like, as the handlers parse it: (path prefix,
/// parameter, pattern). A parameter not listed (EPC URNs, case ids, query names, party
/// names) is any string the handler then checks.
const PATH_PATTERNS: &[(&str, &str, &str)] = &[
    ("/v1/transactions/", "id", HEX64),
    ("/v1/recruit/offers/", "id", HEX64),
    ("/v1/supply/findings/", "id", HEX64),
    ("/v1/vault/records/", "id", HEX64),
    ("/v1/custody/items/", "id", HEX64),
    ("/v1/agreements/", "id", "^a-[0-9a-f]{20}$"),
    ("/v1/tips/{id}", "id", "^t-[0-9a-f]{20}$"),
    ("/v1/identity/children/", "child", "^c-[0-9a-f]{20}$"),
    ("/v1/identity/", "did", "^did:unchain:[0-9a-f]{32}$"),
    ("/v1/notary/", "hash", HEX64),
    ("/v1/accounts/", "key", HEX64),
    ("/v1/vault/notices/", "subject", HEX64),
    ("/v1/vault/ciphertexts/", "commitment", HEX64),
    ("/v1/tips/ciphertexts/", "commitment", HEX64),
    ("/v1/vault/policies/", "jurisdiction", "^[A-Z]{2}$"),
    ("/v1/recruit/alerts/", "country", "^[A-Z]{2}$"),
    (
        "/v1/recruit/employers/",
        "month",
        "^[0-9]{4}-(0[1-9]|1[0-2])$",
    ),
    ("/00/", "sscc", "^[0-9]{18}$"),
    ("/01/", "gtin", "^[0-9]{14}$"),
];

/// Every operation of a path item.
fn operations_mut(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
        &mut item.head,
        &mut item.options,
    ]
    .into_iter()
    .flatten()
}

/// 32 bytes in hex, as ids, hashes and keys are written.
const HEX64: &str = "^[0-9a-fA-F]{64}$";

/// Gives the path parameters in [`PATH_PATTERNS`] their pattern. DID resolution's `did`
/// keeps its own (any method: the resolver answers `methodNotSupported` for others).
fn constrain_path_parameters(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    for (path, item) in doc.paths.paths.iter_mut() {
        if path == "/v1/identity/dids/{did}" {
            continue;
        }
        for op in operations_mut(item) {
            for p in op.parameters.iter_mut().flatten() {
                if p.parameter_in != ParameterIn::Path {
                    continue;
                }
                let Some((_, _, pattern)) = PATH_PATTERNS
                    .iter()
                    .find(|(prefix, name, _)| path.starts_with(prefix) && p.name == *name)
                else {
                    continue;
                };
                let described = matches!(&p.schema, Some(RefOr::T(Schema::Object(o)))
                    if o.schema_type == utoipa::openapi::schema::SchemaType::Type(Type::String));
                if described || p.schema.is_none() {
                    p.schema = Some(RefOr::T(Schema::Object(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .pattern(Some(*pattern))
                            .build(),
                    )));
                }
            }
        }
    }
}

/// What the document says of errors and callers, as the node serves them: every problem
/// response is `application/problem+json` (RFC 9457), and an operation that can answer 401
/// needs a member-signed request or a user's bearer token (its `security`), with the
/// challenge in `WWW-Authenticate`.
fn describe_errors_and_security(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::header::Header;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::security::{
        ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
    };
    let components = doc.components.get_or_insert_with(Default::default);
    components.security_schemes.insert(
        "memberSignature".into(),
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "Signature",
            "An HTTP Message Signature (RFC 9421) by an organisation's Ed25519 key, in \
             `Signature` and `Signature-Input`: it covers `@method`, `@authority`, `@path` \
             and `@query`, `content-digest` (RFC 9530, sha-256 or sha-512) when the request \
             has a body, and `unchain-actor` when it names the user acting; `keyid` is the \
             member's name, `created` (Unix seconds) within five minutes of the node's clock, \
             `alg`, when given, `ed25519`. A signature already accepted is refused (add a \
             `nonce`). Any RFC 9421 implementation can sign; `unchain_client::auth` does.",
        ))),
    );
    components.security_schemes.insert(
        "userBearer".into(),
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "A user's session token from `POST /v1/login`, acting for that user's \
                     organisation.",
                ))
                .build(),
        ),
    );
    let mut challenge = Header::new(ObjectBuilder::new().schema_type(Type::String).build());
    challenge.description = Some(format!(
        "The scheme this node accepts for users: {}",
        crate::service::problem::WWW_AUTHENTICATE
    ));
    let mut accept_signature = Header::new(ObjectBuilder::new().schema_type(Type::String).build());
    accept_signature.description = Some(format!(
        "The signature this node accepts from members (RFC 9421 section 5.1): {}",
        crate::service::problem::ACCEPT_SIGNATURE
    ));
    let bad_request = utoipa::openapi::ResponseBuilder::new()
        .description("the request's parameters or body do not parse; `field` names which")
        .content(
            "application/problem+json",
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                .build(),
        )
        .build();
    for item in doc.paths.paths.values_mut() {
        for op in operations_mut(item) {
            for (status, response) in op.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                if (status.starts_with('4') || status.starts_with('5'))
                    && let Some(json) = response.content.shift_remove("application/json")
                {
                    response
                        .content
                        .insert("application/problem+json".into(), json);
                }
                if status == "401" {
                    response
                        .headers
                        .insert("WWW-Authenticate".into(), challenge.clone());
                    response
                        .headers
                        .insert("Accept-Signature".into(), accept_signature.clone());
                }
            }
            // A path or query parameter, or a body, that does not parse is refused with a
            // 400 problem by the framework's extractors, whether or not the handler names it.
            let takes_input =
                op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            if takes_input && !op.responses.responses.contains_key("400") {
                op.responses
                    .responses
                    .insert("400".into(), RefOr::T(bad_request.clone()));
            }
            if op.responses.responses.contains_key("401") && op.security.is_none() {
                op.security = Some(vec![
                    SecurityRequirement::new("memberSignature", Vec::<String>::new()),
                    SecurityRequirement::new("userBearer", Vec::<String>::new()),
                ]);
            }
        }
    }
}

/// Lists every refusal code in the document: as the enum of a problem's `code`, each with
/// its meaning in the description.
fn list_problem_codes(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    let meanings: String = unchain_types::Code::ALL
        .iter()
        .map(|c| format!("\n- `{c}`: {}", c.meaning()))
        .collect();
    let code = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(unchain_types::Code::ALL.iter().map(|c| c.as_str())))
        .description(Some(format!(
            "Why the request was refused, stable across versions; `type` is `/problems/{{code}}`. \
             Clients branch on this, never on `detail`.{meanings}"
        )))
        .build();
    if let Some(RefOr::T(Schema::Object(problem))) = doc
        .components
        .as_mut()
        .and_then(|c| c.schemas.get_mut("Problem"))
    {
        problem
            .properties
            .insert("code".into(), RefOr::T(Schema::Object(code)));
    }
}

/// The API's routes (`/v1`, `/healthz`, `/metrics`, the border page).
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route(
            "/v1/transactions",
            post(handlers::submit)
                .layer(DefaultBodyLimit::max(unchain_types::MAX_TX_BYTES))
                .layer(axum::middleware::from_fn(|req, next| {
                    crate::serve::declared_within(unchain_types::MAX_TX_BYTES, req, next)
                })),
        )
        .route(
            "/v1/transactions/batch",
            post(handlers::submit_batch)
                .layer(DefaultBodyLimit::max(MAX_BATCH_BYTES))
                .layer(axum::middleware::from_fn(|req, next| {
                    crate::serve::declared_within(MAX_BATCH_BYTES, req, next)
                })),
        )
        .route("/v1/transactions/{id}", get(handlers::tx_status))
        .route("/v1/epochs", get(epoch_links::epochs))
        .route("/v1/blocks/latest", get(handlers::latest_block))
        .route("/v1/blocks/{height}", get(handlers::block))
        .route(
            "/v1/blocks/{height}/certificate",
            get(handlers::certificate),
        )
        .route("/v1/checkpoint", get(handlers::checkpoint))
        .route("/v1/proofs/inclusion", get(handlers::inclusion))
        .route("/v1/proofs/consistency", get(handlers::consistency))
        .route("/v1/state/proof", get(state_proofs::proof))
        .route("/v1/snapshot", get(snapshots::manifest))
        .route(
            "/v1/snapshot/{height}/chunks/{index}",
            get(snapshots::chunk),
        )
        .route("/v1/backups", post(snapshots::backup))
        .route("/v1/members", get(handlers::members))
        .route("/v1/vkeys", get(handlers::vkeys))
        .route("/v1/accounts/{key}", get(handlers::account))
        .route("/v1/notary/{hash}", get(handlers::notary_lookup))
        .route("/v1/status", get(handlers::status))
        .route(
            "/v1/vault/ciphertexts/{commitment}",
            put(vault::upload).get(vault::fetch),
        )
        .route("/v1/vault/records/{id}", get(vault::record))
        .route("/v1/vault/alerts", get(vault::alerts))
        .route("/v1/vault/notices/{subject}", get(vault::notices))
        .route("/v1/vault/matching-key", get(vault::matching_key))
        .route("/v1/vault/token-key", get(tokens::token_key))
        .route("/v1/vault/token-key/round", get(tokens::round))
        .route(
            "/v1/vault/token-evaluations",
            get(tokens::counts).post(tokens::evaluations),
        )
        .route("/v1/vault/tokens", post(tokens::relay))
        .route("/v1/vault/policies", get(vault::policies))
        .route("/v1/vault/policies/{jurisdiction}", get(vault::policy))
        .route("/v1/custody/items/{id}", get(custody::item_view))
        .route("/v1/custody/items/{id}/bundle", get(custody::bundle))
        .route("/v1/custody/waiting", get(custody::waiting_for_me))
        .route("/v1/cases", get(cases::mine))
        .route("/v1/cases/{id}", get(cases::case_view))
        .route("/v1/cases/{id}/audit", get(cases::audit))
        .route("/v1/identity/dids/{did}", get(did_resolution::resolve))
        .route(
            "/v1/identity/controllers/{member}",
            get(identity::controlled),
        )
        .route("/v1/identity/status/{did}", get(identity::status_list))
        .route(
            "/v1/identity/status/{did}/token",
            axum::routing::put(status_tokens::put_token),
        )
        .route("/v1/identity/next/{did}", get(identity::next_index))
        .route("/v1/identity/issued/{did}/{idx}", get(identity::issued))
        .route("/v1/identity/children/{child}", get(identity::child))
        .route("/v1/identity/trust-bundle", get(identity::trust_bundle))
        .route("/v1/identity/standing", get(standing::standing))
        .route("/v1/identity/verify", post(identity::verify_presentation))
        .route("/v1/border/check", post(identity::border_check))
        .route("/v1/tips", get(tips::inbox))
        .route("/v1/tips/{id}", get(tips::view))
        .route("/v1/tips/{id}/messages/{seq}", get(tips::message))
        .route("/v1/tips/ciphertexts/{commitment}", put(tips::upload))
        .route("/v1/events", get(events::stream))
        .route(
            "/epcis/capture",
            post(epcis::capture).layer(DefaultBodyLimit::max(MAX_BATCH_BYTES)),
        )
        .route("/epcis/capture/{captureID}", get(epcis::capture_job))
        .route("/epcis/events", get(epcis::events))
        .route("/epcis/events/{eventID}", get(epcis::event))
        .route("/epcis/epcs/{epc}/events", get(epcis::epc_events))
        .route(
            "/epcis/epcClasses/{epcClass}/events",
            get(epcis::class_events),
        )
        .route("/epcis/eventTypes", get(epcis::event_types))
        .route("/epcis/eventTypes/{value}/events", get(epcis::type_events))
        .route("/epcis/bizSteps/{value}/events", get(epcis::step_events))
        .route(
            "/epcis/bizLocations/{value}/events",
            get(epcis::location_events),
        )
        .route(
            "/epcis/readPoints/{value}/events",
            get(epcis::read_point_events),
        )
        .route(
            "/epcis/dispositions/{value}/events",
            get(epcis::disposition_events),
        )
        .route(
            "/epcis/queries",
            get(epcis_queries::list).post(epcis_queries::create),
        )
        .route(
            "/epcis/queries/{queryName}",
            get(epcis_queries::one).delete(epcis_queries::delete),
        )
        .route(
            "/epcis/queries/{queryName}/events",
            get(epcis_queries::events),
        )
        .route(
            "/epcis/queries/{queryName}/subscriptions",
            get(epcis_queries::subscriptions).post(epcis_queries::subscribe),
        )
        .route(
            "/epcis/queries/{queryName}/subscriptions/{subscriptionID}",
            get(epcis_queries::subscription).delete(epcis_queries::unsubscribe),
        )
        .route("/v1/supply/goods/{id}", get(supply::goods))
        .route("/01/{gtin}/10/{lot}", get(provenance::lot))
        .route("/01/{gtin}/21/{serial}", get(provenance::item))
        .route("/00/{sscc}", get(provenance::shipment))
        .route("/v1/supply/facilities", get(supply::facilities))
        .route("/v1/supply/facilities/{id}", get(supply::facility))
        .route("/v1/supply/findings", get(supply::findings))
        .route("/v1/supply/findings/{id}/reach", get(supply::reach))
        .route("/v1/recruit/parties/{party}", get(recruit::party))
        .route("/v1/recruit/offers/{id}", get(recruit::offer))
        .route(
            "/v1/recruit/employers/{party}/offers",
            get(recruit::employer_offers),
        )
        .route(
            "/v1/recruit/employers/{party}/wages/{month}",
            get(recruit::employer_wages),
        )
        .route("/v1/recruit/alerts/{country}", get(recruit::alerts))
        .route(
            "/v1/recruit/brands/{brand}/alerts",
            get(recruit::brand_alerts),
        )
        .route("/v1/recruit/employers/{party}/voice", get(voice::published))
        .route(
            "/v1/recruit/employers/{party}/grievances",
            get(voice::grievances),
        )
        .route("/v1/recruit/escalations", get(voice::escalations))
        .route("/v1/agreements/schema", get(agreements::schema))
        .route("/v1/agreements/{id}", get(agreements::agreement))
        .route(
            "/v1/agreements/{id}/outcomes/{seq}/bundle",
            get(agreements::outcome_bundle),
        )
        .route(
            "/v1/recruit/recruiters/{party}/fees-reported",
            get(voice::fees_reported),
        )
        .route("/v1/login", post(users::login))
        .route("/v1/me", get(users::me))
        .route("/v1/act", post(users::act))
        .route("/v1/openapi.json", get(|| async { axum::Json(openapi()) }))
        .route("/problems/{code}", get(problems::problem_type))
        .route("/healthz", get(handlers::healthz))
        .route("/metrics", get(handlers::metrics))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(axum::middleware::from_fn(|req, next| {
            crate::serve::declared_within(MAX_REQUEST_BYTES, req, next)
        }))
        .layer(axum::middleware::from_fn(framework_refusals_as_problems))
        .merge(identity::border_routes())
        .with_state(state)
}

/// The framework's own refusals — axum's extractor rejections (a body that is not JSON,
/// a JSON body of the wrong shape, a query string that does not parse, a missing content
/// type) and a method a route does not take — as problem details like every other error
/// of the API, keeping the framework's headers (`Allow` on a 405). A response that already
/// is a problem, or a page, passes untouched.
async fn framework_refusals_as_problems(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse as _;
    use unchain_types::Code;
    let response = next.run(request).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|t| t.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let (parts, body) = response.into_parts();
    let said = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let (code, title, otherwise) = match status {
        StatusCode::BAD_REQUEST => (
            Code::BadRequest,
            "invalid request",
            "the request cannot be read",
        ),
        StatusCode::UNAUTHORIZED => (
            Code::Unauthenticated,
            "not authenticated",
            "sign the request or log in",
        ),
        StatusCode::FORBIDDEN => (
            Code::Forbidden,
            "not entitled",
            "this caller may not do this",
        ),
        StatusCode::NOT_FOUND => (Code::NotFound, "not found", "nothing is at this path"),
        StatusCode::METHOD_NOT_ALLOWED => (
            Code::BadRequest,
            "method not allowed",
            "this path does not take this method: the Allow header lists those it takes",
        ),
        StatusCode::REQUEST_TIMEOUT => (
            Code::RequestTimeout,
            "request timeout",
            "the request took too long to arrive",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            Code::TooLarge,
            "too large",
            "the body is larger than this endpoint takes",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            Code::UnreadableBody,
            "unsupported media type",
            "the body's content type is not one this endpoint reads",
        ),
        StatusCode::UNPROCESSABLE_ENTITY => (
            Code::InvalidBody,
            "invalid body",
            "the body does not fit this endpoint's schema",
        ),
        StatusCode::TOO_MANY_REQUESTS => (
            Code::RateLimited,
            "rate limited",
            "too many requests: try again later",
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            Code::Unavailable,
            "unavailable",
            "the node cannot answer now",
        ),
        s if s.is_client_error() => (
            Code::BadRequest,
            "invalid request",
            "the request cannot be accepted",
        ),
        _ => (Code::Internal, "internal error", "the node failed"),
    };
    let detail = if said.is_empty() {
        otherwise.to_owned()
    } else {
        said
    };
    let mut problem = Problem::new(status, code, title, detail).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            problem.headers_mut().insert(name.clone(), value.clone());
        }
    }
    problem
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pattern names a parameter the document has, and the ids this code makes match
    /// their pattern (a typo in the table, or a pattern stricter than the ids, fails here).
    #[test]
    fn every_path_pattern_applies_and_admits_real_ids() {
        let doc = serde_json::to_value(openapi()).expect("json");
        for (prefix, name, pattern) in PATH_PATTERNS {
            let applied = doc["paths"]
                .as_object()
                .expect("paths")
                .iter()
                .filter(|(path, _)| path.starts_with(prefix) && *path != "/v1/identity/dids/{did}")
                .flat_map(|(_, item)| item.as_object().expect("item").values())
                .filter_map(|op| op["parameters"].as_array())
                .flatten()
                .filter(|p| p["name"] == *name && p["in"] == "path")
                .all(|p| p["schema"]["pattern"] == *pattern);
            let present = doc["paths"]
                .as_object()
                .expect("paths")
                .keys()
                .any(|path| path.starts_with(prefix) && path.contains(&format!("{{{name}}}")));
            assert!(present && applied, "{prefix} {name}");
        }
        let tx = unchain_types::Hash32::digest(b"x").to_hex();
        let full = |p: &str, s: &str| {
            let re = p.trim_start_matches('^').trim_end_matches('$');
            // The table's patterns are simple enough to check by shape.
            match re {
                "[0-9a-fA-F]{64}" => s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()),
                "did:unchain:[0-9a-f]{32}" => s
                    .strip_prefix("did:unchain:")
                    .is_some_and(|h| h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit())),
                _ => true,
            }
        };
        assert!(full(HEX64, &tx));
        let did = unchain_identity::rules::did_of(&unchain_types::TxId(
            unchain_types::Hash32::digest(b"did"),
        ));
        assert!(full("^did:unchain:[0-9a-f]{32}$", &did), "{did}");
    }
}
