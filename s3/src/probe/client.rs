//! The probe's S3 client: `object_store`'s AmazonS3 (SigV4, ListObjectsV2 paging, conditional
//! PUT via `If-Match` / `If-None-Match: *`), with retries off so that every recorded operation is
//! exactly one HTTP request, and what each outcome means for the history.

use crate::serve::Credentials;
use futures::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::signer::Signer;
use object_store::{
    ClientOptions, ObjectStore, PutMode, PutOptions, PutPayload, RetryConfig, UpdateVersion,
};
use std::fmt;
use std::time::Duration;

/// Where and as whom the probe talks S3.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    pub url: String,
    pub bucket: String,
    pub region: String,
    pub credentials: Credentials,
    /// A request without an answer after this long is indeterminate.
    pub timeout: Duration,
}

/// How an operation ended, in the history's terms (contract C1).
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum Outcome<T> {
    Ok(T),
    /// Definitely did not take effect (412 Precondition Failed).
    Fail(String),
    /// May or may not have taken effect (timeout, connection error, server error).
    Info(Cause),
}

/// Why an operation's outcome is unknown, as the probe's report counts them.
#[derive(Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub enum Cause {
    /// No answer within `--timeout`.
    Timeout,
    /// The server answered with this status (a 5xx, or one no S3 client expects).
    Status(u16),
    /// The connection could not be made, or broke before the answer.
    Connection,
    /// Anything else the client library reported (a body it could not read, ...).
    Other,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Timeout => write!(f, "timeout"),
            Cause::Status(code) => write!(f, "HTTP {code}"),
            Cause::Connection => write!(f, "connection error"),
            Cause::Other => write!(f, "other error"),
        }
    }
}

impl Cause {
    /// What the error chain says: the HTTP client's own error (object_store's wrapper hides
    /// its kind from `source()`), an I/O error, else the status object_store's retry error
    /// prints (the type that holds it is private to object_store).
    fn of(e: &object_store::Error) -> Cause {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(error) = source {
            if let Some(http) = error.downcast_ref::<reqwest::Error>() {
                if http.is_timeout() {
                    return Cause::Timeout;
                }
                if http.is_connect() {
                    return Cause::Connection;
                }
            }
            if let Some(io) = error.downcast_ref::<std::io::Error>() {
                return match io.kind() {
                    std::io::ErrorKind::TimedOut => Cause::Timeout,
                    _ => Cause::Connection,
                };
            }
            if let Some(hyper) = error.downcast_ref::<hyper::Error>() {
                if hyper.is_incomplete_message() || hyper.is_closed() || hyper.is_canceled() {
                    return Cause::Connection;
                }
            }
            source = error.source();
        }
        status_in(&e.to_string()).map_or(Cause::Other, Cause::Status)
    }
}

/// The status in object_store's "Server returned non-2xx status code: 503 Service Unavailable".
fn status_in(message: &str) -> Option<u16> {
    let (_, after) = message.split_once("status code: ")?;
    after.get(..3)?.parse().ok()
}

impl<T> Outcome<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Outcome<U> {
        match self {
            Outcome::Ok(t) => Outcome::Ok(f(t)),
            Outcome::Fail(why) => Outcome::Fail(why),
            Outcome::Info(cause) => Outcome::Info(cause),
        }
    }
}

/// An object as read: its body and the ETag a conditional write may name.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct Version {
    pub body: String,
    pub etag: Option<String>,
}

#[derive(Debug)]
pub struct Client {
    store: AmazonS3,
    endpoint: Endpoint,
}

/// The credentials were refused: no operation can succeed, so the probe stops (exit 2).
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct Refused(pub String);

fn classify<T>(e: object_store::Error) -> Result<Outcome<T>, Refused> {
    use object_store::Error as E;
    match e {
        E::Precondition { .. } | E::AlreadyExists { .. } | E::NotModified { .. } => {
            Ok(Outcome::Fail("412 Precondition Failed".into()))
        }
        E::PermissionDenied { .. } | E::Unauthenticated { .. } => Err(Refused(e.to_string())),
        // object_store hides the status of other failures; none of them proves the request had
        // no effect, so they are indeterminate.
        other => Ok(Outcome::Info(Cause::of(&other))),
    }
}

impl Client {
    /// The endpoint's URL, as every operation it serves is recorded.
    pub fn url(&self) -> &str {
        &self.endpoint.url
    }

    pub fn new(endpoint: &Endpoint) -> Result<Client, String> {
        let options = ClientOptions::new()
            .with_allow_http(true)
            .with_timeout(endpoint.timeout)
            .with_connect_timeout(endpoint.timeout);
        let retry = RetryConfig {
            max_retries: 0,
            retry_timeout: endpoint.timeout,
            ..RetryConfig::default()
        };
        let store = AmazonS3Builder::new()
            .with_endpoint(endpoint.url.trim_end_matches('/'))
            .with_bucket_name(&endpoint.bucket)
            .with_region(&endpoint.region)
            .with_access_key_id(&endpoint.credentials.access_key)
            .with_secret_access_key(&endpoint.credentials.secret_key)
            .with_allow_http(true)
            .with_virtual_hosted_style_request(false)
            .with_client_options(options)
            .with_retry(retry)
            .build()
            .map_err(|e| format!("cannot configure the S3 client: {e}"))?;
        Ok(Client {
            store,
            endpoint: endpoint.clone(),
        })
    }

    /// A presigned request on the bucket itself (object_store has no bucket operations).
    async fn bucket_request(&self, method: reqwest::Method) -> Result<reqwest::Response, String> {
        let url = self
            .store
            .signed_url(method.clone(), &Path::from(""), Duration::from_secs(300))
            .await
            .map_err(|e| format!("cannot sign a request: {e}"))?;
        reqwest::Client::new()
            .request(method, url)
            // An explicit empty body: some servers want Content-Length even on CreateBucket.
            .header(reqwest::header::CONTENT_LENGTH, 0)
            .timeout(self.endpoint.timeout)
            .send()
            .await
            .map_err(|e| format!("{}: {}", self.endpoint.url, root_cause(&e.without_url())))
    }

    /// Creates the bucket unless it exists (HeadBucket, then CreateBucket). Any failure means the
    /// endpoint cannot be probed; the message says why (unreachable, refused credentials, ...).
    pub async fn ensure_bucket(&self) -> Result<(), String> {
        let bucket = &self.endpoint.bucket;
        let head = self.bucket_request(reqwest::Method::HEAD).await?.status();
        if head.is_success() {
            return Ok(());
        }
        if head != reqwest::StatusCode::NOT_FOUND {
            return Err(format!("HeadBucket {bucket} answered {head}"));
        }
        let response = self.bucket_request(reqwest::Method::PUT).await?;
        let status = response.status();
        // 409 BucketAlreadyOwnedByYou: another probe created it meanwhile.
        if status.is_success() || status == reqwest::StatusCode::CONFLICT {
            Ok(())
        } else {
            let body = response.text().await.unwrap_or_default();
            Err(format!("CreateBucket {bucket} answered {status}: {body}"))
        }
    }

    pub async fn get(&self, key: &str) -> Result<Outcome<Option<Version>>, Refused> {
        let result = match self.store.get(&Path::from(key)).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Ok(Outcome::Ok(None)),
            Err(e) => return classify(e),
        };
        let etag = result.meta.e_tag.clone();
        match result.bytes().await {
            Ok(bytes) => Ok(Outcome::Ok(Some(Version {
                body: String::from_utf8_lossy(&bytes).into_owned(),
                etag,
            }))),
            Err(e) => classify(e),
        }
    }

    /// PUT, optionally conditional. Returns the new object's ETag.
    pub async fn put(
        &self,
        key: &str,
        body: &str,
        mode: PutMode,
    ) -> Result<Outcome<Option<String>>, Refused> {
        let payload = PutPayload::from(body.to_string());
        let options = PutOptions::from(mode);
        match self
            .store
            .put_opts(&Path::from(key), payload, options)
            .await
        {
            Ok(put) => Ok(Outcome::Ok(put.e_tag)),
            Err(e) => classify(e),
        }
    }

    pub async fn delete(&self, key: &str) -> Result<Outcome<()>, Refused> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(Outcome::Ok(())),
            Err(e) => classify(e),
        }
    }

    /// Every key under `prefix` (all pages), sorted.
    pub async fn list(&self, prefix: &str) -> Result<Outcome<Vec<String>>, Refused> {
        let listed: Result<Vec<_>, _> = self
            .store
            .list(Some(&Path::from(prefix)))
            .try_collect()
            .await;
        match listed {
            Ok(objects) => {
                let mut keys: Vec<String> = objects
                    .into_iter()
                    .map(|o| o.location.to_string())
                    .collect();
                keys.sort();
                Ok(Outcome::Ok(keys))
            }
            Err(e) => classify(e),
        }
    }
}

/// The innermost error of a chain ("Connection refused"), which is what a user can act on.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    format!("{e}: {cause}")
}

/// The put mode of a compare-and-set on `etag`.
pub fn if_match(etag: &str) -> PutMode {
    PutMode::Update(UpdateVersion {
        e_tag: Some(etag.to_string()),
        version: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_is_read_from_object_stores_message_and_nothing_else_is_taken_for_one() {
        let message = "Generic S3 error: Error performing PUT http://x/k in 1ms - Server returned non-2xx status code: 503 Service Unavailable: ";
        assert_eq!(status_in(message), Some(503));
        assert_eq!(status_in("status code: 5"), None);
        assert_eq!(status_in("connection refused"), None);
        assert_eq!(Cause::Status(503).to_string(), "HTTP 503");
    }

    #[tokio::test]
    async fn a_refused_connection_is_indeterminate_by_connection_error() {
        // A port nothing listens on: bind one, then close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let client = Client::new(&Endpoint {
            url: format!("http://127.0.0.1:{port}"),
            bucket: "b".into(),
            region: "us-east-1".into(),
            credentials: Credentials {
                access_key: "a".into(),
                secret_key: "s".into(),
            },
            timeout: Duration::from_secs(2),
        })
        .expect("configured");
        let outcome = client.get("k").await.expect("not refused");
        assert_eq!(outcome, Outcome::Info(Cause::Connection));
    }
}
