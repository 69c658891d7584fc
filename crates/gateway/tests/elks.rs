//! The 46elks transport against a local stand-in that checks the exact request: Basic auth,
//! the form fields, 5xx and timeouts retried, and no message accepted twice.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use passa_app::{SmsTransport, TransportError};
use passa_domain::{PhoneNumber, SmsId};
use passa_gateway::{Elks, ElksConfig, Secret};

#[derive(Default)]
struct Standin {
    /// Requests seen, accepted or not.
    requests: Mutex<u32>,
    /// (to, message) the stand-in accepted.
    accepted: Mutex<Vec<(String, String)>>,
    /// How to treat the next requests: "ok", "500", "stall".
    script: Mutex<Vec<&'static str>>,
}

async fn sms(State(s): State<Arc<Standin>>, headers: HeaderMap, body: String) -> Response {
    if let Ok(mut n) = s.requests.lock() {
        *n += 1;
    }
    // user "u1234" with password "hemligt": dTEyMzQ6aGVtbGlndA==
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some("Basic dTEyMzQ6aGVtbGlndA==")
    {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let fields: Vec<(String, String)> = form_urlencoded(&body);
    let get = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone());
    let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    if names != ["from", "to", "message", "dontlog", "whendelivered"]
        || get("from").as_deref() != Some("Passa")
        || get("dontlog").as_deref() != Some("message")
        || get("whendelivered").as_deref() != Some("https://passa.example/hooks/46elks/s3cret/dlr")
        || get("to").is_none_or(|t| !t.starts_with("+46"))
    {
        return (StatusCode::BAD_REQUEST, format!("bad form: {body}")).into_response();
    }
    let step = s
        .script
        .lock()
        .ok()
        .and_then(|mut v| (!v.is_empty()).then(|| v.remove(0)))
        .unwrap_or("ok");
    match step {
        "500" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        // Too slow to answer, and nothing taken: the client gives up first.
        "stall" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        _ => {
            let mut accepted = match s.accepted.lock() {
                Ok(a) => a,
                Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            };
            accepted.push((
                get("to").unwrap_or_default(),
                get("message").unwrap_or_default(),
            ));
            let id = format!("s{:08x}", accepted.len());
            axum::Json(serde_json::json!({"id": id, "status": "created", "parts": 1, "cost": 3500}))
                .into_response()
        }
    }
}

fn form_urlencoded(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn standin() -> Result<(String, Arc<Standin>), Box<dyn std::error::Error>> {
    let state = Arc::new(Standin::default());
    let app = Router::new()
        .route("/a1/sms", post(sms))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((format!("http://{addr}"), state))
}

fn elks(base: &str, password: &str) -> Result<Elks, TransportError> {
    Elks::new(ElksConfig {
        base_url: base.into(),
        username: "u1234".into(),
        password: Secret::new(password),
        sender: "Passa".into(),
        delivery_url: Some(Secret::new("https://passa.example/hooks/46elks/s3cret/dlr")),
        timeout: Duration::from_secs(1),
    })
}

#[tokio::test]
async fn sends_the_exact_form_and_sorts_errors_into_retry_and_permanent()
-> Result<(), Box<dyn std::error::Error>> {
    let (base, state) = standin().await?;
    let transport = elks(&base, "hemligt")?;
    let to = PhoneNumber::parse("070-123 45 67")?;
    let text = "Passa: Kan du jobba tor 17/12 07:00-15:30 Ekbacken? Svara JA 4821 eller NEJ 4821.";
    let id = transport.send(SmsId::new(1), &to, text).await?;
    assert_eq!(id, "s00000001");
    let accepted = state.accepted.lock().map(|a| a.clone()).unwrap_or_default();
    assert_eq!(accepted, [("+46701234567".to_owned(), text.to_owned())]);

    // A 5xx and a stall are worth retrying; nothing was accepted by them.
    if let Ok(mut s) = state.script.lock() {
        s.extend(["500", "stall"]);
    }
    assert!(matches!(
        transport.send(SmsId::new(2), &to, "x").await,
        Err(TransportError::Retry(_))
    ));
    assert!(matches!(
        transport.send(SmsId::new(2), &to, "x").await,
        Err(TransportError::Retry(_))
    ));
    assert!(transport.send(SmsId::new(2), &to, "x").await.is_ok());
    assert_eq!(
        state.accepted.lock().map(|a| a.len()).unwrap_or(0),
        2,
        "one per message"
    );

    // Wrong credentials will not get better by retrying.
    let wrong = elks(&base, "fel")?;
    assert!(matches!(
        wrong.send(SmsId::new(3), &to, "x").await,
        Err(TransportError::Permanent(_))
    ));
    // Nothing listening: retry later.
    let nowhere = elks("http://127.0.0.1:9", "hemligt")?;
    assert!(matches!(
        nowhere.send(SmsId::new(4), &to, "x").await,
        Err(TransportError::Retry(_))
    ));
    // The password never shows in Debug output.
    assert!(!format!("{transport:?}").contains("hemligt"));
    Ok(())
}
