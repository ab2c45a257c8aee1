//! The S3 operations over the `IndexCache`: the `s3s::S3` trait, which s3s calls after it has
//! parsed the request and verified its SigV4 signature.
//!
//! An object `bucket/key` is the index key `bucket/key` (bucket names cannot contain `/`, so the
//! mapping is one to one). PUT stores the bytes at a fresh location and writes the location through
//! the cache's write path, after the durable index has it ([`crate::objects`]); GET reads the
//! location through the cache's read path, routed to one of the key's spread nodes exactly as the
//! `IndexCache` routes it, so eventual mode shows its anomalies over HTTP. Conditional PUTs are
//! judged against persistence's committed entry under the key's write lock. File I/O and fsyncs
//! run on tokio's blocking threads, never on the async workers.

use crate::blobs;
use crate::limits;
use crate::listing::{self, Item};
use crate::objects::{self, Found, Objects};
use index_cache::Precondition;
use s3s::dto::{self, ETag, ETagCondition, StreamingBlob, Timestamp};
use s3s::{s3_error, S3Request, S3Response, S3Result, S3};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

/// Larger bodies are refused with `EntityTooLarge`: objects here exist to be probed, and the
/// limit keeps a client from filling memory.
pub const MAX_OBJECT_BYTES: usize = 16 << 20;

/// How many recently written keys the fault injector chooses evictions from.
const RECENT_KEYS: usize = 256;

pub struct IndexS3 {
    objects: Arc<Objects>,
    recent: Arc<RecentKeys>,
}

/// Keys clients wrote or deleted recently (a bounded sample), shared with the fault injector.
#[derive(Debug, Default)]
pub struct RecentKeys(Mutex<Vec<String>>);

impl RecentKeys {
    /// One of the keys, chosen by `pick`.
    pub fn pick(&self, pick: usize) -> Option<String> {
        let recent = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        (!recent.is_empty()).then(|| recent[pick % recent.len()].clone())
    }

    fn remember(&self, key: &str) {
        let mut recent = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if recent.iter().any(|k| k == key) {
            return;
        }
        if recent.len() < RECENT_KEYS {
            recent.push(key.to_string());
        } else {
            let slot = fastrand::usize(..RECENT_KEYS);
            recent[slot] = key.to_string();
        }
    }
}

impl std::fmt::Debug for IndexS3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexS3").finish_non_exhaustive()
    }
}

fn index_key(bucket: &str, key: &str) -> String {
    format!("{bucket}/{key}")
}

fn cache_error(e: index_cache::Error) -> s3s::S3Error {
    s3_error!(InvalidArgument, "{e}")
}

fn io_error(e: std::io::Error) -> s3s::S3Error {
    s3_error!(InternalError, "object store: {e}")
}

fn objects_error(e: objects::Error) -> s3s::S3Error {
    match e {
        objects::Error::Io(e) => io_error(e),
        objects::Error::Cache(e) => cache_error(e),
        objects::Error::Reclaimed => s3_error!(
            SlowDown,
            "The object this cache node names was overwritten and its bytes freed; retry."
        ),
    }
}

/// Runs `work` on a blocking thread: it does file I/O and waits for fsyncs.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, objects::Error> + Send + 'static,
) -> S3Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| s3_error!(InternalError, "the request's worker failed: {e}"))?
        .map_err(objects_error)
}

impl IndexS3 {
    pub fn new(objects: Arc<Objects>, recent: Arc<RecentKeys>) -> IndexS3 {
        IndexS3 { objects, recent }
    }

    fn require_bucket(&self, bucket: &str) -> S3Result<()> {
        if self.objects.has_bucket(bucket) {
            Ok(())
        } else {
            Err(s3_error!(
                NoSuchBucket,
                "The specified bucket does not exist."
            ))
        }
    }

    /// The object a key names now, as this request's cache node sees it.
    async fn current(&self, bucket: &str, key: &str, with_bytes: bool) -> S3Result<Found> {
        self.require_bucket(bucket)?;
        let objects = Arc::clone(&self.objects);
        let key = index_key(bucket, key);
        blocking(move || objects.read(&key, with_bytes))
            .await?
            .ok_or_else(|| s3_error!(NoSuchKey, "The specified key does not exist."))
    }
}

/// The precondition of a PUT, from its `If-Match` / `If-None-Match` headers.
fn precondition(input: &dto::PutObjectInput) -> S3Result<Option<Precondition>> {
    match (&input.if_match, &input.if_none_match) {
        (None, None) => Ok(None),
        (None, Some(ETagCondition::Any)) => Ok(Some(Precondition::Absent)),
        (Some(ETagCondition::ETag(tag)), None) => match blobs::location_of(tag.value()) {
            Some(location) => Ok(Some(Precondition::Matches(location))),
            // No object of this server ever had that ETag: the precondition cannot hold.
            None => Err(s3_error!(PreconditionFailed)),
        },
        _ => Err(s3_error!(
            NotImplemented,
            "supported conditional writes: If-None-Match: * or If-Match: <etag>"
        )),
    }
}

fn timestamp(t: SystemTime) -> Timestamp {
    Timestamp::from(t)
}

fn size(meta: &blobs::Meta) -> i64 {
    i64::try_from(meta.size).unwrap_or(i64::MAX)
}

/// The request's body, whole; `stalled` tells a body that stopped arriving (from the request's
/// extensions; absent when the server runs without [`crate::connection`], as in unit tests).
async fn read_body(
    body: Option<StreamingBlob>,
    stalled: Option<&limits::Stalled>,
) -> S3Result<bytes::Bytes> {
    let Some(body) = body else {
        return Ok(bytes::Bytes::new());
    };
    let mut body = s3s::Body::from(body);
    body.store_all_limited(MAX_OBJECT_BYTES)
        .await
        .map_err(|e| {
            if stalled.is_some_and(limits::Stalled::happened) {
                // S3's own words for a stalled upload.
                s3_error!(
                    RequestTimeout,
                    "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed."
                )
            } else {
                s3_error!(EntityTooLarge, "{e}")
            }
        })
}

#[async_trait::async_trait]
impl S3 for IndexS3 {
    async fn create_bucket(
        &self,
        req: S3Request<dto::CreateBucketInput>,
    ) -> S3Result<S3Response<dto::CreateBucketOutput>> {
        let objects = Arc::clone(&self.objects);
        let bucket = req.input.bucket;
        if !blocking(move || Ok(objects.create_bucket(&bucket)?)).await? {
            return Err(s3_error!(BucketAlreadyOwnedByYou));
        }
        Ok(S3Response::new(dto::CreateBucketOutput::default()))
    }

    async fn head_bucket(
        &self,
        req: S3Request<dto::HeadBucketInput>,
    ) -> S3Result<S3Response<dto::HeadBucketOutput>> {
        self.require_bucket(&req.input.bucket)?;
        Ok(S3Response::new(dto::HeadBucketOutput::default()))
    }

    async fn list_buckets(
        &self,
        _req: S3Request<dto::ListBucketsInput>,
    ) -> S3Result<S3Response<dto::ListBucketsOutput>> {
        let list = self
            .objects
            .buckets()
            .into_iter()
            .map(|(name, created)| dto::Bucket {
                name: Some(name),
                creation_date: Some(timestamp(created)),
                bucket_region: None,
            })
            .collect();
        Ok(S3Response::new(dto::ListBucketsOutput {
            buckets: Some(list),
            ..Default::default()
        }))
    }

    async fn put_object(
        &self,
        req: S3Request<dto::PutObjectInput>,
    ) -> S3Result<S3Response<dto::PutObjectOutput>> {
        let stalled = req.extensions.get::<limits::Stalled>().cloned();
        let input = req.input;
        self.require_bucket(&input.bucket)?;
        let precondition = precondition(&input)?;
        let data = read_body(input.body, stalled.as_ref()).await?;
        let key = index_key(&input.bucket, &input.key);
        let objects = Arc::clone(&self.objects);
        let written = key.clone();
        // `data` moves into the worker and is dropped there, HTTP buffer and all, once stored.
        let location = blocking(move || objects.put(&written, &data, precondition))
            .await?
            .ok_or_else(|| {
                s3_error!(
                    PreconditionFailed,
                    "At least one of the pre-conditions you specified did not hold."
                )
            })?;
        self.recent.remember(&key);
        Ok(S3Response::new(dto::PutObjectOutput {
            e_tag: Some(ETag::Strong(blobs::etag(location))),
            ..Default::default()
        }))
    }

    async fn get_object(
        &self,
        req: S3Request<dto::GetObjectInput>,
    ) -> S3Result<S3Response<dto::GetObjectOutput>> {
        let input = req.input;
        if input.range.is_some() || input.part_number.is_some() {
            return Err(s3_error!(NotImplemented, "ranged GET is not served"));
        }
        let Found {
            location,
            meta,
            bytes,
        } = self.current(&input.bucket, &input.key, true).await?;
        let data = bytes.unwrap_or_default();
        Ok(S3Response::new(dto::GetObjectOutput {
            content_length: Some(size(&meta)),
            e_tag: Some(ETag::Strong(blobs::etag(location))),
            last_modified: Some(timestamp(meta.modified)),
            body: Some(StreamingBlob::from(s3s::Body::from(data))),
            ..Default::default()
        }))
    }

    async fn head_object(
        &self,
        req: S3Request<dto::HeadObjectInput>,
    ) -> S3Result<S3Response<dto::HeadObjectOutput>> {
        let Found { location, meta, .. } = self
            .current(&req.input.bucket, &req.input.key, false)
            .await?;
        Ok(S3Response::new(dto::HeadObjectOutput {
            content_length: Some(size(&meta)),
            e_tag: Some(ETag::Strong(blobs::etag(location))),
            last_modified: Some(timestamp(meta.modified)),
            ..Default::default()
        }))
    }

    async fn delete_object(
        &self,
        req: S3Request<dto::DeleteObjectInput>,
    ) -> S3Result<S3Response<dto::DeleteObjectOutput>> {
        let input = req.input;
        self.require_bucket(&input.bucket)?;
        if input.if_match.is_some() {
            return Err(s3_error!(
                NotImplemented,
                "conditional DELETE is not served"
            ));
        }
        let key = index_key(&input.bucket, &input.key);
        let objects = Arc::clone(&self.objects);
        let deleted = key.clone();
        blocking(move || objects.delete(&deleted)).await?;
        self.recent.remember(&key);
        Ok(S3Response::new(dto::DeleteObjectOutput::default()))
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<dto::ListObjectsV2Input>,
    ) -> S3Result<S3Response<dto::ListObjectsV2Output>> {
        let input = req.input;
        self.require_bucket(&input.bucket)?;
        let request = listing::Request::new(&input)?;
        let bucket_prefix = index_key(&input.bucket, "");
        let listed = self
            .objects
            .cache()
            .list(&index_key(&input.bucket, &request.prefix))
            .map_err(cache_error)?;
        let present = listed.into_iter().filter_map(|(key, entry)| {
            let location = entry.location?;
            let key = key.strip_prefix(&bucket_prefix)?.to_string();
            Some((key, location))
        });
        let page = request.page(present);
        let mut contents = Vec::new();
        let mut common_prefixes = Vec::new();
        for item in page.items {
            match item {
                Item::Object(key, location) => {
                    let meta = self.objects.meta(location);
                    contents.push(dto::Object {
                        key: Some(key),
                        e_tag: Some(ETag::Strong(blobs::etag(location))),
                        size: meta.as_ref().map(size),
                        last_modified: meta.map(|m| timestamp(m.modified)),
                        ..Default::default()
                    });
                }
                Item::Prefix(prefix) => common_prefixes.push(dto::CommonPrefix {
                    prefix: Some(prefix),
                }),
            }
        }
        let key_count = i32::try_from(contents.len() + common_prefixes.len()).unwrap_or(i32::MAX);
        Ok(S3Response::new(dto::ListObjectsV2Output {
            name: Some(input.bucket),
            prefix: Some(request.prefix),
            delimiter: request.delimiter,
            max_keys: Some(request.max_keys),
            key_count: Some(key_count),
            is_truncated: Some(page.next.is_some()),
            next_continuation_token: page.next,
            continuation_token: input.continuation_token,
            start_after: input.start_after,
            contents: Some(contents),
            common_prefixes: Some(common_prefixes),
            ..Default::default()
        }))
    }
}
