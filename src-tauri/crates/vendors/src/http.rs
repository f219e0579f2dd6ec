//! The one HTTP layer under every adapter: connect and request timeouts, pacing,
//! retries with exponential backoff and full jitter on 429, 5xx and transport
//! errors (honouring `Retry-After`), and a log line per attempt that never holds a
//! header, a body or a secret. [`Endpoint`] is what every client is built on:
//! the base URL, the secret sent the vendor's way, and "success, or the vendor's
//! error mapped".

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::Value;
use switchboard_domain::Vendor;
use switchboard_domain::connection::BaseUrl;
use switchboard_secrets::Secret;

use crate::VendorError;
use crate::pace::Pacer;

/// The largest answer read from a vendor. A page of 100 agents or chats is
/// well under 1 MB; an answer past this is refused unread (a misconfigured
/// base URL serving a download, a proxy's error page gone wrong).
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct HttpOptions {
    pub connect_timeout: Duration,
    /// For one attempt, answer included.
    pub request_timeout: Duration,
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The first backoff; doubled each retry, with full jitter.
    pub base_delay: Duration,
    /// No single wait is longer; a `Retry-After` beyond it is reported, not waited.
    pub max_delay: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl HttpOptions {
    /// For "test connection": one quick try, so the manager hears back at once.
    pub fn quick() -> Self {
        Self {
            request_timeout: Duration::from_secs(10),
            max_attempts: 1,
            ..Self::default()
        }
    }
}

/// An answer to keep: any status the vendor's mapping decides on.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

pub(crate) struct Transport {
    vendor: Vendor,
    client: Client,
    options: HttpOptions,
    pacer: Arc<Pacer>,
}

impl Transport {
    pub fn new(
        vendor: Vendor,
        options: HttpOptions,
        pacer: Arc<Pacer>,
    ) -> Result<Self, VendorError> {
        let client = Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .build()
            .map_err(|e| VendorError::Transport {
                message: format!("cannot set up HTTP: {e}"),
            })?;
        Ok(Self {
            vendor,
            client,
            options,
            pacer,
        })
    }

    /// Sends the request built by `build` (called again for each attempt), retrying
    /// what may succeed later. Returns the first answer that is not retried: the
    /// caller maps its status.
    pub async fn send(
        &self,
        build: impl Fn(&Client) -> RequestBuilder,
    ) -> Result<Answer, VendorError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let ticket = self.pacer.wait().await;
            let request = build(&self.client);
            let started = Instant::now();
            let outcome = self.attempt(request).await;
            // Its window starts now that the answer is in (see `Pacer`).
            drop(ticket);
            self.pacer.record(crate::pace::CallRecord {
                at_ms: chrono::Utc::now().timestamp_millis(),
                status: outcome.as_ref().ok().map(|a| a.status.as_u16()),
                took_ms: started.elapsed().as_millis().min(u128::from(u32::MAX)) as u32,
            });
            let last = attempt >= self.options.max_attempts;
            let wait = match &outcome {
                Ok(answer) => {
                    let retry = answer.status == StatusCode::TOO_MANY_REQUESTS
                        || is_retried_5xx(answer.status);
                    tracing::debug!(vendor = %self.vendor, status = answer.status.as_u16(), ms = started.elapsed().as_millis() as u64, attempt, "vendor call");
                    if !retry || last {
                        return outcome;
                    }
                    match retry_after(&answer.headers) {
                        Some(after) if after > self.options.max_delay => return outcome,
                        Some(after) => after,
                        None => self.backoff(attempt),
                    }
                }
                Err(e) => {
                    tracing::debug!(vendor = %self.vendor, error = %e, attempt, "vendor call failed");
                    if !e.is_transient() || last {
                        return outcome;
                    }
                    self.backoff(attempt)
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(&self, request: RequestBuilder) -> Result<Answer, VendorError> {
        let mut response = request.send().await.map_err(|e| self.classify(e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let too_big = || VendorError::Unexpected {
            status: status.as_u16(),
            excerpt: format!(
                "the answer is larger than {} MB, more than any page of a vendor's API; it was not read",
                MAX_ANSWER_BYTES / (1024 * 1024)
            ),
        };
        if response
            .content_length()
            .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
        {
            return Err(too_big());
        }
        // Read in chunks, so a body without a length is stopped at the limit too.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(e))? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .options
            .base_delay
            .saturating_mul(1u32 << attempt.min(16).saturating_sub(1));
        let cap = exp.min(self.options.max_delay);
        // Full jitter: anywhere from nothing to the cap, so retries from many
        // clients do not arrive together.
        cap.mul_f64(fastrand::f64())
    }

    fn classify(&self, e: reqwest::Error) -> VendorError {
        if e.is_timeout() {
            return VendorError::Timeout {
                after: self.options.request_timeout,
            };
        }
        let chain = error_chain(&e);
        let lower = chain.to_ascii_lowercase();
        if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
            return VendorError::Tls { message: chain };
        }
        VendorError::Transport { message: chain }
    }
}

/// How a vendor wants its secret sent.
pub(crate) enum Auth {
    /// `Authorization: Bearer <secret>`.
    Bearer,
    /// The secret alone in this header.
    Header(&'static str),
    /// HTTP Basic with this user and the secret as the password.
    Basic(String),
    /// `Authorization: <scheme> <secret>`, the secret sent as given.
    Verbatim(&'static str),
}

/// The secret, how it is sent, and what to say when it is blank.
pub(crate) struct Credentials {
    pub secret: Secret,
    pub auth: Auth,
    /// The field named when the secret is blank, and the fix.
    pub field: &'static str,
    pub missing: &'static str,
}

/// One connection's API: every client's calls go through here.
pub(crate) struct Endpoint {
    transport: Transport,
    base: String,
    credentials: Credentials,
    /// The vendor's mapping of an answer that is not a success.
    error: fn(&Answer) -> VendorError,
}

impl Endpoint {
    /// Refuses a blank secret by its field.
    pub fn new(
        vendor: Vendor,
        base: &BaseUrl,
        credentials: Credentials,
        options: HttpOptions,
        pacer: Arc<Pacer>,
        error: fn(&Answer) -> VendorError,
    ) -> Result<Self, VendorError> {
        if credentials.secret.is_blank() {
            return Err(VendorError::invalid(credentials.field, credentials.missing));
        }
        Ok(Self {
            transport: Transport::new(vendor, options, pacer)?,
            base: base.as_str().to_owned(),
            credentials,
            error,
        })
    }

    /// The base URL with `path` after it.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends to a full URL and returns the answer whatever its status.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Answer, VendorError> {
        let secret = self.credentials.secret.expose();
        self.transport
            .send(|c| {
                let r = c.request(method.clone(), url).query(query);
                let r = match &self.credentials.auth {
                    Auth::Bearer => r.bearer_auth(secret),
                    Auth::Header(name) => r.header(*name, secret),
                    Auth::Basic(user) => r.basic_auth(user, Some(secret)),
                    Auth::Verbatim(scheme) => {
                        r.header(reqwest::header::AUTHORIZATION, format!("{scheme} {secret}"))
                    }
                };
                match body {
                    Some(b) => r.json(b),
                    None => r,
                }
            })
            .await
    }

    /// Sends to a full URL: the answer on a success, else the vendor's error.
    pub async fn call_url(
        &self,
        method: Method,
        url: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Answer, VendorError> {
        let answer = self.send(method, url, query, body).await?;
        if answer.status.is_success() {
            Ok(answer)
        } else {
            Err((self.error)(&answer))
        }
    }

    /// As [`call_url`](Self::call_url), to a path under the base URL.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Answer, VendorError> {
        self.call_url(method, &self.url(path), query, body).await
    }

    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Answer, VendorError> {
        self.call(Method::GET, path, query, None).await
    }
}

fn is_retried_5xx(status: StatusCode) -> bool {
    matches!(status.as_u16(), 500 | 502 | 503 | 504)
}

/// `Retry-After` in seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The error and its causes in one line ("error sending request: connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, "7".parse().expect("header"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later =
            httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(120));
        h.insert(reqwest::header::RETRY_AFTER, later.parse().expect("header"));
        let d = retry_after(&h).expect("a date");
        assert!(
            d > Duration::from_secs(100) && d <= Duration::from_secs(120),
            "{d:?}"
        );
        h.insert(
            reqwest::header::RETRY_AFTER,
            "soon".parse().expect("header"),
        );
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn backoff_grows_and_stays_under_the_cap() {
        let t = Transport::new(
            Vendor::Pingup,
            HttpOptions::default(),
            Arc::new(Pacer::new(None)),
        )
        .expect("transport");
        for attempt in 1..20 {
            let cap = Duration::from_millis(250)
                .saturating_mul(1 << (attempt.min(16) - 1))
                .min(Duration::from_secs(30));
            assert!(t.backoff(attempt) <= cap);
        }
    }
}
