//! Passa's HTTP edge: the only crate that knows HTTP, HTML and JSON.
//!
//! For now it serves `/health`, a plain start page and the 46elks webhooks
//! (`/hooks/46elks/{secret}/sms` and `/dlr`); the web app grows here. Handlers stay thin:
//! they call the store or the use cases and turn the answer into a response.

mod hooks;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use passa_store::Store;

pub use hooks::{Clock, Hooks, IpRange, PROVIDER as ELKS_PROVIDER};

#[derive(Clone)]
struct AppState {
    store: Arc<dyn Store>,
}

/// The router with every route and the security headers every response carries. Without
/// `hooks` the SMS webhooks are not served.
pub fn router(store: Arc<dyn Store>, hooks: Option<Hooks>) -> Router {
    let mut app = Router::new()
        .route("/", get(start_page))
        .route("/health", get(health))
        .with_state(AppState { store });
    if let Some(hooks) = hooks {
        app = app.merge(
            Router::new()
                .route("/hooks/46elks/{secret}/sms", post(hooks::inbound))
                .route("/hooks/46elks/{secret}/dlr", post(hooks::delivery))
                .with_state(hooks),
        );
    }
    app.layer(axum::middleware::map_response(security_headers))
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Liveness and database reachability, for load balancers and monitoring. No data.
async fn health(State(state): State<AppState>) -> Response {
    match state.store.key_check().await {
        Ok(_) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({ "status": "ok", "database": state.store.backend() })),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({ "status": "unavailable", "database": state.store.backend() })),
            )
                .into_response()
        }
    }
}

fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// A plain start page: what this Passa holds, in counts only.
async fn start_page(State(state): State<AppState>) -> Response {
    let tenants = match state.store.tenants().await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "start page: database unreachable");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Html(page(
                    "<p>Databasen svarar inte just nu. Försök igen om en stund.</p>",
                )),
            )
                .into_response();
        }
    };
    let mut body = String::new();
    if tenants.is_empty() {
        body.push_str("<p>Ingen organisation är upplagd ännu. Kör <code>passa demo</code> eller <code>passa tenant create NAMN</code>.</p>");
    }
    for tenant in &tenants {
        let counts = state.store.counts(tenant.id).await.unwrap_or_default();
        body.push_str(&format!(
            "<section><h2>{}</h2><ul>\
             <li>{} enheter</li><li>{} medarbetare</li><li>{} timvikarier</li>\
             <li>{} kompetenser</li><li>{} passtyper</li><li>{} rader bemanningsbehov</li></ul></section>",
            escape(tenant.name.as_str()),
            counts.units,
            counts.staff,
            counts.substitutes,
            counts.competences,
            counts.shift_types,
            counts.demand_rows,
        ));
    }
    Html(page(&body)).into_response()
}

fn page(body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"sv\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Passa</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}}\
         h1{{font-size:1.8rem}} section{{border:1px solid #ccc;border-radius:8px;padding:0 1rem;margin:1rem 0}}\
         code{{background:#f2f2f2;padding:0 .25rem}}</style></head><body>\
         <h1>Passa</h1><p>Schemaläggning och vikariepool för vård och omsorg.</p>{body}\
         <p><small>Webbappen för planerare, medarbetare och vikarier kommer här. \
         Personuppgifter visas bara för inloggade och loggas i granskningsloggen.</small></p>\
         </body></html>"
    )
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    hooks: Option<Hooks>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(store, hooks).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    async fn store() -> Result<(Arc<dyn Store>, tempfile::TempDir), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        Ok((passa_store_sql::connect(&url).await?, dir))
    }

    #[tokio::test]
    async fn health_answers_ok_with_the_backend() -> Result<(), Box<dyn std::error::Error>> {
        let (store, _dir) = store().await?;
        let response = router(store, None)
            .oneshot(Request::get("/health").body(Body::empty())?)
            .await?;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers().get(header::X_CONTENT_TYPE_OPTIONS),
            Some(&HeaderValue::from_static("nosniff"))
        );
        let body = axum::body::to_bytes(response.into_body(), 10_000).await?;
        assert_eq!(&body[..], br#"{"database":"sqlite","status":"ok"}"#);
        Ok(())
    }

    #[tokio::test]
    async fn the_start_page_is_swedish_html() -> Result<(), Box<dyn std::error::Error>> {
        let (store, _dir) = store().await?;
        let response = router(store, None)
            .oneshot(Request::get("/").body(Body::empty())?)
            .await?;
        assert_eq!(response.status(), StatusCode::OK);
        let body = axum::body::to_bytes(response.into_body(), 100_000).await?;
        let text = String::from_utf8(body.to_vec())?;
        assert!(
            text.contains("lang=\"sv\"") && text.contains("passa demo"),
            "{text}"
        );
        Ok(())
    }

    #[test]
    fn names_are_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
