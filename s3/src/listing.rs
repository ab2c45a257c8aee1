//! ListObjectsV2 paging: prefix, delimiter (common prefixes), `max-keys`, `start-after` and
//! continuation tokens, over the sorted keys a cache node listed.
//!
//! A page is a run of items (objects and common prefixes, in key order, a common prefix counted
//! once). The continuation token is the last item of the page: the next page starts after it.

use index_cache::Location;
use s3s::{dto, s3_error, S3Result};

/// S3's default and largest page.
pub const MAX_KEYS: i32 = 1000;

#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum Item {
    Object(String, Location),
    Prefix(String),
}

impl Item {
    fn name(&self) -> &str {
        match self {
            Item::Object(key, _) => key,
            Item::Prefix(prefix) => prefix,
        }
    }
}

#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct Request {
    pub prefix: String,
    pub delimiter: Option<String>,
    pub max_keys: i32,
    /// The page starts after this item (the later of `start-after` and the continuation token).
    after: Option<String>,
}

#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
    /// The continuation token when more items follow.
    pub next: Option<String>,
}

impl Request {
    pub fn new(input: &dto::ListObjectsV2Input) -> S3Result<Request> {
        let max_keys = input.max_keys.unwrap_or(MAX_KEYS);
        if max_keys < 0 {
            return Err(s3_error!(InvalidArgument, "max-keys must not be negative"));
        }
        let delimiter = input.delimiter.clone().filter(|d| !d.is_empty());
        let after = [&input.start_after, &input.continuation_token]
            .into_iter()
            .flatten()
            .max()
            .cloned();
        Ok(Request {
            prefix: input.prefix.clone().unwrap_or_default(),
            delimiter,
            max_keys: max_keys.min(MAX_KEYS),
            after,
        })
    }

    /// What a key is listed as: itself, or the common prefix it rolls up into.
    fn item(&self, key: String, location: Location) -> Option<Item> {
        let rest = key.strip_prefix(&self.prefix)?;
        match self
            .delimiter
            .as_deref()
            .and_then(|d| rest.find(d).map(|i| i + d.len()))
        {
            Some(end) => Some(Item::Prefix(format!("{}{}", self.prefix, &rest[..end]))),
            None => Some(Item::Object(key, location)),
        }
    }

    /// The page of `present` (sorted keys with their locations) this request asks for.
    pub fn page(&self, present: impl Iterator<Item = (String, Location)>) -> Page {
        let limit = usize::try_from(self.max_keys).unwrap_or(0);
        let mut items: Vec<Item> = Vec::new();
        let mut more = false;
        for (key, location) in present {
            let Some(item) = self.item(key, location) else {
                continue;
            };
            if self.after.as_deref().is_some_and(|a| item.name() <= a) {
                continue;
            }
            if items.last().is_some_and(|last| last == &item) {
                continue;
            }
            if items.len() == limit {
                more = true;
                break;
            }
            items.push(item);
        }
        let next = more
            .then(|| items.last().map(|i| i.name().to_string()))
            .flatten();
        Page { items, next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(prefix: &str, delimiter: Option<&str>, max: i32, token: Option<&str>) -> Request {
        let input = dto::ListObjectsV2Input {
            bucket: "b".into(),
            prefix: Some(prefix.into()),
            delimiter: delimiter.map(str::to_string),
            max_keys: Some(max),
            continuation_token: token.map(str::to_string),
            ..Default::default()
        };
        Request::new(&input).expect("valid")
    }

    fn keys<'a>(names: &'a [&str]) -> impl Iterator<Item = (String, Location)> + 'a {
        names.iter().map(|k| (k.to_string(), Location(1)))
    }

    fn names(page: &Page) -> Vec<&str> {
        page.items.iter().map(Item::name).collect()
    }

    #[test]
    fn pages_follow_the_continuation_token_to_the_end() {
        let all = ["a", "b", "c", "d", "e"];
        let first = request("", None, 2, None).page(keys(&all));
        assert_eq!(
            (names(&first), first.next.as_deref()),
            (vec!["a", "b"], Some("b"))
        );
        let second = request("", None, 2, Some("b")).page(keys(&all));
        assert_eq!(names(&second), vec!["c", "d"]);
        let last = request("", None, 2, Some("d")).page(keys(&all));
        assert_eq!((names(&last), last.next.as_deref()), (vec!["e"], None));
    }

    #[test]
    fn a_delimiter_rolls_keys_up_into_common_prefixes_counted_once() {
        let all = ["p/a/1", "p/a/2", "p/b", "p/c/1", "q"];
        let page = request("p/", Some("/"), 2, None).page(keys(&all));
        assert_eq!(
            (names(&page), page.next.as_deref()),
            (vec!["p/a/", "p/b"], Some("p/b"))
        );
        let rest = request("p/", Some("/"), 2, Some("p/b")).page(keys(&all));
        assert_eq!((names(&rest), rest.next.as_deref()), (vec!["p/c/"], None));
    }

    #[test]
    fn negative_max_keys_is_an_s3_error() {
        let input = dto::ListObjectsV2Input {
            bucket: "b".into(),
            max_keys: Some(-1),
            ..Default::default()
        };
        assert!(Request::new(&input).is_err());
    }
}
