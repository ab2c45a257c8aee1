//! `witness serve` over HTTP: SigV4-signed requests through the S3 client crate (object_store)
//! work, unsigned or malformed ones get S3 error XML, conditional writes answer 412, and no
//! acknowledged PUT is lost across cache-node and witness restarts.

use futures::TryStreamExt;
use index_cache::{Mode, NodeId};
use object_store::path::Path;
use object_store::{ObjectStore, PutMode, PutOptions, UpdateVersion};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use witness_s3::faults::Fault;
use witness_s3::probe::client::{Client, Endpoint, Outcome};
use witness_s3::serve::{self, Credentials, ServeConfig, Server};

fn credentials() -> Credentials {
    Credentials {
        access_key: "WITNESSTESTKEY".into(),
        secret_key: "witness-test-secret".into(),
    }
}

/// A server on a free local port with `nodes` cache nodes, each key spread over two of them.
async fn server(mode: Mode, nodes: usize) -> Server {
    let config = ServeConfig {
        mode,
        nodes,
        spread: 2,
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        data: None,
        credentials: credentials(),
        faults: None,
        seed: 1,
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
