//! `witness serve --data DIR` keeps what it acknowledged: buckets, objects and their metadata are
//! there after a restart; its files are private and it refuses symbolic links; a PUT answered
//! 412 leaves no bytes behind, and the bytes of overwritten and deleted objects are freed.

use index_cache::Mode;
use object_store::path::Path;
use object_store::{ObjectStore, PutMode};
use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;
use witness_s3::blobs::DEFERRED_FREES;
use witness_s3::faults::Fault;
use witness_s3::probe::client::{Client, Endpoint, Outcome};
use witness_s3::serve::{self, Credentials, Limits, ServeConfig, ServeError, Server};

fn credentials() -> Credentials {
    Credentials {
        access_key: "WITNESSTESTKEY".into(),
        secret_key: "witness-test-secret".into(),
    }
}

fn config(data: &std::path::Path) -> ServeConfig {
    ServeConfig {
        mode: Mode::Strong,
        nodes: 3,
        spread: 2,
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        data: Some(data.to_path_buf()),
        credentials: credentials(),
        faults: None,
        seed: 1,
        limits: Limits::default(),
    }
}

/// A server on `data`. A previous server's connections may still hold the database for a moment
/// after it was dropped (they end when their clients close), so the start is retried briefly.
async fn start(data: &std::path::Path) -> Server {
    let mut last = None;
    for _ in 0..50 {
        match serve::start(&config(data), Arc::new(|_: &Fault| {})).await {
            Ok(server) => return server,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server does not start again: {last:?}");
}

fn endpoint(server: &Server, bucket: &str) -> Endpoint {
    Endpoint {
        url: format!("http://{}", server.addr()),
        bucket: bucket.into(),
        region: "us-east-1".into(),
        credentials: credentials(),
        timeout: Duration::from_secs(10),
    }
}

fn client(server: &Server, bucket: &str) -> Client {
    Client::new(&endpoint(server, bucket)).expect("client")
}

async fn put(client: &Client, key: &str, body: &str, mode: PutMode) -> Outcome<Option<String>> {
    client
        .put(key, body, mode)
        .await
        .expect("credentials accepted")
}

async fn get(client: &Client, key: &str) -> Option<String> {
    match client.get(key).await.expect("credentials accepted") {
        Outcome::Ok(version) => version.map(|v| v.body),
        other => panic!("GET {key}: {other:?}"),
    }
}

fn blob_files(data: &std::path::Path) -> usize {
    std::fs::read_dir(data.join("blobs"))
        .expect("blobs dir")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buckets_objects_and_metadata_survive_a_restart() {
    let scratch = tempfile::tempdir().expect("scratch dir");
    let data = scratch.path().join("data");
    let (etag, modified) = {
        let server = start(&data).await;
        let c = client(&server, "kept");
        c.ensure_bucket().await.expect("bucket");
        client(&server, "empty")
            .ensure_bucket()
            .await
            .expect("bucket");
        put(&c, "a", "first", PutMode::Overwrite).await;
        let Outcome::Ok(etag) = put(&c, "a", "second", PutMode::Overwrite).await else {
            panic!("PUT refused")
        };
        put(&c, "dir/b", "bee", PutMode::Overwrite).await;
        put(&c, "gone", "x", PutMode::Overwrite).await;
        assert_eq!(c.delete("gone").await.expect("ok"), Outcome::Ok(()));
        let s3 = store(&server, "kept");
        let head = s3.head(&Path::from("a")).await.expect("HEAD");
        (etag, head.last_modified)
    };
    let server = start(&data).await;
    let c = client(&server, "kept");
    assert_eq!(get(&c, "a").await.as_deref(), Some("second"));
    assert_eq!(get(&c, "dir/b").await.as_deref(), Some("bee"));
    assert_eq!(get(&c, "gone").await, None);
    assert_eq!(
        c.list("").await.expect("ok"),
        Outcome::Ok(vec!["a".to_string(), "dir/b".to_string()])
    );
    let head = store(&server, "kept")
        .head(&Path::from("a"))
        .await
        .expect("HEAD");
    assert_eq!(head.e_tag, etag, "the ETag is the one the PUT answered");
    assert_eq!(head.size, 6);
    assert_eq!(head.last_modified, modified);
    // Both buckets exist (an empty one too); a bucket never created does not.
    assert_eq!(
        client(&server, "empty").list("").await.expect("ok"),
        Outcome::Ok(vec![])
    );
    let missing = client(&server, "never").list("").await.expect("ok");
    assert!(!matches!(missing, Outcome::Ok(_)), "{missing:?}");
    // A conditional PUT is judged against the restored object.
    assert!(matches!(
        put(&c, "a", "third", PutMode::Create).await,
        Outcome::Fail(_)
    ));
}

fn store(server: &Server, bucket: &str) -> object_store::aws::AmazonS3 {
    object_store::aws::AmazonS3Builder::new()
        .with_endpoint(format!("http://{}", server.addr()))
        .with_bucket_name(bucket)
        .with_region("us-east-1")
        .with_access_key_id(credentials().access_key)
        .with_secret_access_key(credentials().secret_key)
        .with_allow_http(true)
        .build()
        .expect("store")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_private_and_symbolic_links_are_refused() {
    let scratch = tempfile::tempdir().expect("scratch dir");
    let data = scratch.path().join("data");
    {
        let server = start(&data).await;
        let c = client(&server, "bkt");
        c.ensure_bucket().await.expect("bucket");
        put(&c, "k", "v", PutMode::Overwrite).await;
    }
    let mut seen = 0;
    for dir in [data.clone(), data.join("blobs")] {
        for entry in std::fs::read_dir(&dir).expect("listed") {
            let meta = entry.expect("entry").metadata().expect("meta");
            let expected = if meta.is_dir() { 0o700 } else { 0o600 };
            assert_eq!(meta.permissions().mode() & 0o777, expected, "{dir:?}");
            seen += 1;
        }
    }
    assert!(seen >= 3, "index, blobs dir and a blob: {seen}");
    // A planted link among the blobs, or the data directory itself a link: refused at start.
    let outside = scratch.path().join("outside");
    std::fs::write(&outside, "secret").expect("written");
    let planted = data.join("blobs/00000000000000ff");
    std::os::unix::fs::symlink(&outside, &planted).expect("linked");
    let refused = serve::start(&config(&data), Arc::new(|_: &Fault| {})).await;
    assert!(
        matches!(&refused, Err(ServeError::Data(_, e)) if e.to_string().contains("symbolic link")),
        "{refused:?}"
    );
    std::fs::remove_file(&planted).expect("unlinked");
    let link = scratch.path().join("link");
    std::os::unix::fs::symlink(&data, &link).expect("linked");
    let refused = serve::start(&config(&link), Arc::new(|_: &Fault| {})).await;
    assert!(matches!(refused, Err(ServeError::Data(..))), "{refused:?}");
    assert_eq!(std::fs::read(&outside).expect("read"), b"secret");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_412_stores_no_bytes_and_replaced_bytes_are_freed() {
    let scratch = tempfile::tempdir().expect("scratch dir");
    let data = scratch.path().join("data");
    {
        let server = start(&data).await;
        let c = client(&server, "bkt");
        c.ensure_bucket().await.expect("bucket");
        put(&c, "k", "v0", PutMode::Overwrite).await;
        assert_eq!(blob_files(&data), 1);
        for _ in 0..5 {
            assert!(matches!(
                put(&c, "k", "refused", PutMode::Create).await,
                Outcome::Fail(_)
            ));
        }
        assert_eq!(blob_files(&data), 1, "no bytes of a 412 are kept");
        let writes = 3 * DEFERRED_FREES;
        for i in 1..=writes {
            put(&c, "k", &format!("v{i}"), PutMode::Overwrite).await;
        }
        assert_eq!(get(&c, "k").await, Some(format!("v{writes}")));
        assert_eq!(
            blob_files(&data),
            1 + DEFERRED_FREES,
            "the live object and the deferred frees, not {writes} files"
        );
        assert_eq!(c.delete("k").await.expect("ok"), Outcome::Ok(()));
    }
    let server = start(&data).await;
    assert_eq!(get(&client(&server, "bkt"), "k").await, None);
    assert_eq!(blob_files(&data), 0, "a restart deletes what nothing names");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blob_files_without_an_index_are_refused_not_deleted() {
    let scratch = tempfile::tempdir().expect("scratch dir");
    let data = scratch.path().join("data");
    std::fs::create_dir_all(data.join("blobs")).expect("created");
    let old = data.join("blobs/0000000000000001");
    std::fs::write(&old, "written by an older server").expect("written");
    let refused = serve::start(&config(&data), Arc::new(|_: &Fault| {})).await;
    assert!(
        matches!(&refused, Err(ServeError::Data(_, e)) if e.to_string().contains("index.redb")),
        "{refused:?}"
    );
    assert!(old.exists(), "the file was not collected as an orphan");
    assert!(!data.join("index.redb").exists());
}
