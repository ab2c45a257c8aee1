//! `witness serve` over HTTP: SigV4-signed requests through the S3 client crate (object_store)
//! work, unsigned or malformed ones get S3 error XML, conditional writes answer 412, and no
//! acknowledged PUT is lost across cache-node and witness restarts. Within its limits, a
//! half-sent header, an idle connection and a stalled body are cut off, and connections past the
//! cap wait until one closes.

use futures::TryStreamExt;
use index_cache::{Mode, NodeId};
use object_store::path::Path;
use object_store::signer::Signer;
use object_store::{ObjectStore, PutMode, PutOptions, UpdateVersion};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use witness_s3::faults::Fault;
use witness_s3::probe::client::{Client, Endpoint, Outcome};
use witness_s3::serve::{self, Credentials, Limits, ServeConfig, Server};

fn credentials() -> Credentials {
    Credentials {
        access_key: "WITNESSTESTKEY".into(),
        secret_key: "witness-test-secret".into(),
    }
}

/// A server on a free local port with `nodes` cache nodes, each key spread over two of them.
async fn server(mode: Mode, nodes: usize) -> Server {
    limited_server(mode, nodes, Limits::default()).await
}

async fn limited_server(mode: Mode, nodes: usize, limits: Limits) -> Server {
    let config = ServeConfig {
        mode,
        nodes,
        spread: 2,
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        data: None,
        credentials: credentials(),
        faults: None,
        seed: 1,
        limits,
    };
    serve::start(&config, Arc::new(|_: &Fault| {}))
        .await
        .expect("server starts")
}

fn endpoint(server: &Server, bucket: &str) -> Endpoint {
    Endpoint {
        url: format!("http://{}", server.addr()),
        bucket: bucket.into(),
        region: "us-east-1".into(),
        credentials: credentials(),
        timeout: Duration::from_secs(5),
    }
}

async fn store(server: &Server, bucket: &str) -> (Client, object_store::aws::AmazonS3) {
    let e = endpoint(server, bucket);
    let client = Client::new(&e).expect("client");
    client.ensure_bucket().await.expect("bucket created");
    let s3 = object_store::aws::AmazonS3Builder::new()
        .with_endpoint(&e.url)
        .with_bucket_name(bucket)
        .with_region("us-east-1")
        .with_access_key_id(&e.credentials.access_key)
        .with_secret_access_key(&e.credentials.secret_key)
        .with_allow_http(true)
        .build()
        .expect("store");
    (client, s3)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_requests_put_get_list_and_conditional_writes_work() {
    let server = server(Mode::Strong, 3).await;
    let (client, s3) = store(&server, "witness-test").await;
    let put = s3
        .put(&Path::from("dir/a"), "one".into())
        .await
        .expect("put");
    s3.put(&Path::from("dir/b"), "two".into())
        .await
        .expect("put");
    s3.put(&Path::from("other"), "three".into())
        .await
        .expect("put");
    let body = s3
        .get(&Path::from("dir/a"))
        .await
        .expect("get")
        .bytes()
        .await
        .expect("body");
    assert_eq!(body.as_ref(), b"one");
    let listed: Vec<_> = s3
        .list(Some(&Path::from("dir")))
        .try_collect()
        .await
        .expect("list");
    let keys: Vec<String> = listed.iter().map(|o| o.location.to_string()).collect();
    assert_eq!(keys, ["dir/a", "dir/b"]);
    // If-None-Match: * on an existing key, If-Match on a stale ETag: 412; on the current: written.
    let create = PutOptions::from(PutMode::Create);
    let exists = s3.put_opts(&Path::from("dir/a"), "x".into(), create).await;
    assert!(
        matches!(exists, Err(object_store::Error::AlreadyExists { .. })),
        "{exists:?}"
    );
    let stale = PutMode::Update(UpdateVersion {
        e_tag: Some("0000000000000999".into()),
        version: None,
    });
    let cas = s3
        .put_opts(&Path::from("dir/a"), "x".into(), PutOptions::from(stale))
        .await;
    assert!(
        matches!(cas, Err(object_store::Error::Precondition { .. })),
        "{cas:?}"
    );
    let current = PutMode::Update(UpdateVersion {
        e_tag: put.e_tag,
        version: None,
    });
    s3.put_opts(
        &Path::from("dir/a"),
        "four".into(),
        PutOptions::from(current),
    )
    .await
    .expect("If-Match on the current ETag writes");
    assert_eq!(
        client
            .get("dir/a")
            .await
            .expect("accepted")
            .map(|v| v.map(|v| v.body)),
        Outcome::Ok(Some("four".into()))
    );
    s3.delete(&Path::from("dir/a")).await.expect("delete");
    assert_eq!(
        client.get("dir/a").await.expect("accepted"),
        Outcome::Ok(None)
    );
}

/// Status and body of a raw (unsigned) request.
async fn raw(method: reqwest::Method, url: String, body: &'static str) -> (u16, String) {
    let response = reqwest::Client::new()
        .request(method, url)
        .body(body)
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_and_malformed_requests_get_s3_error_xml() {
    let server = server(Mode::Strong, 3).await;
    let (_client, s3) = store(&server, "witness-test").await;
    s3.put(&Path::from("k"), "secret".into())
        .await
        .expect("put");
    let base = format!("http://{}", server.addr());
    let (status, body) = raw(reqwest::Method::GET, format!("{base}/witness-test/k"), "").await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("<Error>") && body.contains("AccessDenied"),
        "{body}"
    );
    assert!(!body.contains("secret"));
    let (status, body) = raw(
        reqwest::Method::PUT,
        format!("{base}/witness-test/k"),
        "overwrite",
    )
    .await;
    assert_eq!(status, 403, "{body}");
    // A forged signature header and an invalid bucket name: S3 errors, never a dropped connection.
    let forged = reqwest::Client::new()
        .get(format!("{base}/witness-test/k"))
        .header("authorization", "AWS4-HMAC-SHA256 Credential=garbage")
        .send()
        .await
        .expect("answered");
    assert!(forged.status().is_client_error());
    assert!(forged.text().await.expect("body").contains("<Error>"));
    let (status, body) = raw(reqwest::Method::GET, format!("{base}/B%00ad/k"), "").await;
    assert!((400..500).contains(&status), "{status} {body}");
    assert!(body.contains("<Error>"), "{body}");
    let unchanged = s3
        .get(&Path::from("k"))
        .await
        .expect("get")
        .bytes()
        .await
        .expect("body");
    assert_eq!(unchanged.as_ref(), b"secret");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_put_is_lost_across_node_and_witness_restarts() {
    let server = server(Mode::Strong, 3).await;
    let (client, _s3) = store(&server, "witness-test").await;
    let keys: Vec<String> = (0..6).map(|k| format!("k{k}")).collect();
    for round in 0..3 {
        for key in &keys {
            // Warm every node's cache with the old value first, so a lost write would be served.
            for _ in 0..3 {
                client.get(key).await.expect("accepted");
            }
            let body = format!("{key}-{round}");
            let put = client
                .put(key, &body, PutMode::Overwrite)
                .await
                .expect("accepted");
            assert!(matches!(put, Outcome::Ok(_)), "{put:?}");
        }
        let cache = server.cache();
        let faults = [
            Fault::RestartNode {
                node: NodeId(round % 3),
            },
            Fault::RestartWitness,
            Fault::Evict {
                node: NodeId((round + 1) % 3),
                key: "witness-test/k0".into(),
            },
        ];
        for fault in &faults {
            fault.inject(cache).expect("valid fault");
        }
        for key in &keys {
            for _ in 0..3 {
                let got = client.get(key).await.expect("accepted");
                let expected = Outcome::Ok(Some(format!("{key}-{round}")));
                assert_eq!(got.map(|v| v.map(|v| v.body)), expected, "after {faults:?}");
            }
        }
    }
}

/// The worked example of docs/s3.md: GET (miss) twice so both spread nodes cache the miss, PUT,
/// then GET again. Eventual mode answers NoSuchKey from the node that still holds the miss (A1);
/// strong mode never does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_a1_walkthrough_shows_a_negative_cache_miss_only_in_eventual_mode() {
    for mode in [Mode::Eventual, Mode::Strong] {
        let server = server(mode, 2).await;
        let (client, _s3) = store(&server, "demo-bucket").await;
        for _ in 0..4 {
            assert_eq!(client.get("k").await.expect("accepted"), Outcome::Ok(None));
        }
        let put = client
            .put("k", "v1", PutMode::Overwrite)
            .await
            .expect("accepted");
        assert!(matches!(put, Outcome::Ok(_)));
        let mut misses = 0;
        for _ in 0..8 {
            if client.get("k").await.expect("accepted") == Outcome::Ok(None) {
                misses += 1;
            }
        }
        match mode {
            Mode::Eventual => assert!(misses > 0, "eventual mode served the cached miss"),
            Mode::Strong => assert_eq!(misses, 0, "strong mode never serves a stale miss"),
        }
    }
}

/// How long the tests allow for a close that a 1 s limit makes due: ten times more, so that a
/// loaded machine does not fail them.
const CLOSE_BOUND: Duration = Duration::from_secs(10);

/// A server with the limit that `limit` picks set to 1 s, the others at their defaults.
async fn one_second(limit: fn(&mut Limits) -> &mut Duration) -> Server {
    let mut limits = Limits::default();
    *limit(&mut limits) = Duration::from_secs(1);
    limited_server(Mode::Strong, 3, limits).await
}

/// A raw connection to `server` on which `bytes` were sent.
async fn sent(server: &Server, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(server.addr()).await.expect("connects");
    stream.write_all(bytes).await.expect("sent");
    stream
}

/// Everything the server sends on `stream` until it closes it, which must be within `bound`.
async fn read_until_closed(stream: &mut TcpStream, bound: Duration) -> String {
    let mut seen = Vec::new();
    let read_all = async {
        let mut buf = [0u8; 4096];
        // A reset counts as closed as much as an orderly end.
        while let Ok(n @ 1..) = stream.read(&mut buf).await {
            seen.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(bound, read_all)
        .await
        .expect("the server closed the connection in time");
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_header_and_a_silent_connection_are_cut_off() {
    let server = one_second(|limits| &mut limits.header_timeout).await;
    let opened = std::time::Instant::now();
    let mut half = sent(
        &server,
        b"GET /witness-test/k HTTP/1.1\r\nHost: localhost\r\nX-Slow: ",
    )
    .await;
    // Sends nothing: hyper's own header timeout never starts on it, the watcher's does.
    let mut silent = sent(&server, b"").await;
    let (client, _s3) = store(&server, "witness-test").await;
    assert_eq!(client.get("k").await.expect("accepted"), Outcome::Ok(None));
    // Closed with no response, and not before the limit.
    assert_eq!(read_until_closed(&mut half, CLOSE_BOUND).await, "");
    assert_eq!(read_until_closed(&mut silent, CLOSE_BOUND).await, "");
    assert!(
        opened.elapsed() >= Duration::from_millis(900),
        "{:?}",
        opened.elapsed()
    );
    assert_eq!(client.get("k").await.expect("accepted"), Outcome::Ok(None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let server = one_second(|limits| &mut limits.idle_timeout).await;
    let mut idle = sent(
        &server,
        b"GET /witness-test/k HTTP/1.1\r\nHost: localhost\r\n\r\n",
    )
    .await;
    // The header timeout is 60 s here, so the close is the idle timeout's.
    let seen = read_until_closed(&mut idle, CLOSE_BOUND).await;
    assert!(seen.starts_with("HTTP/1.1 403"), "{seen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_answered_request_timeout() {
    let server = one_second(|limits| &mut limits.body_timeout).await;
    let (client, s3) = store(&server, "witness-test").await;
    let url = s3
        .signed_url(
            reqwest::Method::PUT,
            &Path::from("stalled"),
            Duration::from_secs(300),
        )
        .await
        .expect("signed");
    let target = format!("{}?{}", url.path(), url.query().expect("signature"));
    let head = format!(
        "PUT {target} HTTP/1.1\r\nHost: {}\r\nContent-Length: 100\r\n\r\n0123456789",
        server.addr()
    );
    let mut put = sent(&server, head.as_bytes()).await;
    let seen = read_until_closed(&mut put, CLOSE_BOUND).await;
    assert!(seen.starts_with("HTTP/1.1 400"), "{seen}");
    assert!(seen.contains("<Code>RequestTimeout</Code>"), "{seen}");
    assert_eq!(
        client.get("stalled").await.expect("accepted"),
        Outcome::Ok(None)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_wait_until_one_closes() {
    let limits = Limits {
        max_connections: 2,
        ..Limits::default()
    };
    let server = limited_server(Mode::Strong, 3, limits).await;
    let first = sent(&server, b"").await;
    let _second = sent(&server, b"").await;
    // The kernel completes the handshake from its backlog; the server does not read it yet.
    let mut third = sent(
        &server,
        b"GET /witness-test/k HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    let mut byte = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_secs(1), third.read(&mut byte)).await;
    assert!(early.is_err(), "answered past the cap: {early:?}");
    drop(first);
    let seen = read_until_closed(&mut third, CLOSE_BOUND).await;
    assert!(seen.starts_with("HTTP/1.1 403"), "{seen}");
}
