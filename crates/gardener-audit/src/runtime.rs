//! What exists in a live Redis: every stream key, its length, last id and consumer groups.
//! Read-only: `SCAN ... TYPE stream`, `XINFO STREAM`, `XINFO GROUPS`.

use std::collections::BTreeMap;
use std::time::Duration;

use redis::Commands;
use redis::streams::{StreamInfoGroupsReply, StreamInfoStreamReply};

use crate::error::AuditError;

/// One stream at runtime.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RuntimeStream {
    /// `XLEN`.
    pub length: usize,
    /// `last-generated-id`; `0-0` when no entry was ever added.
    pub last_generated_id: String,
    /// Consumer group names, sorted.
    pub groups: Vec<String>,
}

/// Streams of one Redis database.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RuntimeState {
    /// The URL inspected, password masked.
    pub url: String,
    /// Streams by key.
    pub streams: BTreeMap<String, RuntimeStream>,
}

/// Masks the password of a `redis://user:pass@host` URL.
#[must_use]
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    let user = userinfo.split_once(':').map_or("", |(u, _)| u);
    format!("{scheme}://{user}:***@{host}")
}

/// Lists every stream with its groups.
///
/// # Errors
///
/// When the URL is invalid, the server is unreachable, or a command fails (for example a
/// server older than 6.0 without `SCAN ... TYPE`).
pub fn inspect(url: &str) -> Result<RuntimeState, AuditError> {
    let shown = redact(url);
    let connect = |source| AuditError::RedisConnect {
        url: shown.clone(),
        source,
    };
    let client = redis::Client::open(url).map_err(connect)?;
    let mut con = client
        .get_connection_with_timeout(Duration::from_secs(5))
        .map_err(connect)?;
    let failed = |command: String| {
        let url = shown.clone();
        move |source| AuditError::RedisCommand {
            command,
            url,
            source,
        }
    };
    let mut keys = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("TYPE")
            .arg("stream")
            .arg("COUNT")
            .arg(1000)
            .query(&mut con)
            .map_err(failed("SCAN 0 TYPE stream".to_owned()))?;
        keys.extend(batch);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    keys.sort();
    keys.dedup();
    let mut streams = BTreeMap::new();
    for key in keys {
        let info: StreamInfoStreamReply = con
            .xinfo_stream(&key)
            .map_err(failed(format!("XINFO STREAM {key}")))?;
        let groups: StreamInfoGroupsReply = con
            .xinfo_groups(&key)
            .map_err(failed(format!("XINFO GROUPS {key}")))?;
        let mut names: Vec<String> = groups.groups.into_iter().map(|g| g.name).collect();
        names.sort();
        streams.insert(
            key,
            RuntimeStream {
                length: info.length,
                last_generated_id: info.last_generated_id,
                groups: names,
            },
        );
    }
    Ok(RuntimeState {
        url: shown,
        streams,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_but_keeps_user_and_host() {
        assert_eq!(
            redact("redis://app:s3cret@db:6379/0"),
            "redis://app:***@db:6379/0"
        );
        assert_eq!(redact("redis://:s3cret@db"), "redis://:***@db");
        assert_eq!(redact("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }
}
