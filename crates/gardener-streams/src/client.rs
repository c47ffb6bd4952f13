//! Talking to the server: connect (with TLS, ACL user, cluster primaries), discover streams and
//! take one look at a stream. Only read commands are sent: `INFO`, `TIME`, `CLUSTER NODES`,
//! `SCAN`, `TYPE`, `XINFO`, `XPENDING`, `XRANGE`.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use redis::{Connection, ConnectionAddr, ErrorKind, IntoConnectionInfo, RedisError, Value};

use crate::error::StreamsError;
use crate::id::StreamId;
use crate::sample::{ConsumerSample, DeliveryScan, GroupSample, PendingEntry, StreamSample};

/// Poison entries kept as evidence per group.
const POISON_EVIDENCE: usize = 5;
/// Pending entries fetched per extended XPENDING call.
const PENDING_PAGE: u64 = 500;

/// One primary (or the only server) with an open connection.
pub struct Node {
    /// `host:port`, for messages and for the report.
    pub addr: String,
    conn: Connection,
}

/// The server as the run sees it.
pub struct Server {
    /// Every primary to scan (one for a standalone server).
    pub nodes: Vec<Node>,
    /// `redis_version` from `INFO server`.
    pub version: Option<String>,
    /// True when `INFO cluster` said `cluster_enabled:1`.
    pub cluster: bool,
}

/// The outcome of looking at one key.
pub enum Look {
    /// The stream and its groups.
    Present(StreamSample),
    /// The key is gone or is no longer a stream.
    Vanished,
    /// A per-key failure that does not stop the run (the message says what failed).
    Failed(String),
}

/// Masks the password in a redis url for messages.
#[must_use]
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((auth, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => format!("{scheme}://***@{host}"),
    }
}

impl Server {
    /// Connects to the url and, on a cluster, to every primary it lists.
    ///
    /// # Errors
    ///
    /// Bad url, connection refused or timed out, authentication or permission failure.
    pub fn connect(url: &str, timeout: Duration) -> Result<Self, StreamsError> {
        let info = url
            .into_connection_info()
            .map_err(|source| StreamsError::InvalidUrl {
                url: redact_url(url),
                source,
            })?;
        let first = Node::open(info.clone(), timeout)?;
        let mut first = first;
        let server_info = first.info("server")?;
        let version = info_field(&server_info, "redis_version");
        let cluster_info = first.info("cluster")?;
        let cluster = info_field(&cluster_info, "cluster_enabled").as_deref() == Some("1");
        let mut nodes = vec![];
        if cluster {
            let text: String = first.query(redis::cmd("CLUSTER").arg("NODES"), "CLUSTER NODES")?;
            let primaries = parse_cluster_primaries(&text);
            let first_addr = first.addr.clone();
            nodes.push(first);
            for (host, port, myself) in primaries {
                if myself {
                    continue;
                }
                let host = if host.is_empty() {
                    host_of(info.addr())
                } else {
                    host
                };
                let addr = match info.addr().clone() {
                    ConnectionAddr::TcpTls {
                        insecure,
                        tls_params,
                        ..
                    } => ConnectionAddr::TcpTls {
                        host,
                        port,
                        insecure,
                        tls_params,
                    },
                    _ => ConnectionAddr::Tcp(host, port),
                };
                if addr.to_string() == first_addr {
                    continue;
                }
                nodes.push(Node::open(info.clone().set_addr(addr), timeout)?);
            }
        } else {
            nodes.push(first);
        }
        Ok(Self {
            nodes,
            version,
            cluster,
        })
    }

    /// `(major, minor)` of the server version, when known.
    #[must_use]
    pub fn version_tuple(&self) -> Option<(u32, u32)> {
        let version = self.version.as_deref()?;
        let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
        Some((parts.next()??, parts.next().flatten().unwrap_or(0)))
    }
}

fn host_of(addr: &ConnectionAddr) -> String {
    match addr {
        ConnectionAddr::Tcp(host, _) | ConnectionAddr::TcpTls { host, .. } => host.clone(),
        _ => "127.0.0.1".into(),
    }
}

/// Primaries from `CLUSTER NODES`: `(host, port, is_myself)`, skipping failed ones.
fn parse_cluster_primaries(text: &str) -> Vec<(String, u16, bool)> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let _id = fields.next()?;
            let address = fields.next()?;
            let flags: Vec<&str> = fields.next()?.split(',').collect();
            if !flags.contains(&"master")
                || flags
                    .iter()
                    .any(|f| matches!(*f, "fail" | "noaddr" | "handshake"))
            {
                return None;
            }
            // `ip:port@cport[,hostname]`
            let host_port = address.split(['@', ',']).next()?;
            let (host, port) = host_port.rsplit_once(':')?;
            Some((
                host.to_owned(),
                port.parse().ok()?,
                flags.contains(&"myself"),
            ))
        })
        .collect()
}

fn info_field(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|line| {
        line.strip_prefix(name)?
            .strip_prefix(':')
            .map(|v| v.trim().to_owned())
    })
}

/// Opens and closes a TCP connection to check the address answers within `timeout`.
fn probe_tcp(host: &str, port: u16, timeout: Duration) -> std::io::Result<()> {
    use std::net::{TcpStream, ToSocketAddrs};
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "host resolves to no address");
    for addr in (host, port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(_) => return Ok(()),
            Err(error) => last = error,
        }
    }
    Err(last)
}

/// Maps a client error to the run-level error it means.
fn classify(addr: &str, command: &str, source: RedisError) -> StreamsError {
    let code = source.code().unwrap_or_default().to_owned();
    if source.kind() == ErrorKind::AuthenticationFailed || code == "NOAUTH" || code == "WRONGPASS" {
        StreamsError::Auth {
            addr: addr.to_owned(),
            source,
        }
    } else if code == "NOPERM" {
        StreamsError::Permission {
            addr: addr.to_owned(),
            command: command.to_owned(),
            source,
        }
    } else if source.is_io_error() || source.is_timeout() || source.is_connection_refusal() {
        StreamsError::Connect {
            addr: addr.to_owned(),
            source,
        }
    } else {
        StreamsError::Command {
            addr: addr.to_owned(),
            command: command.to_owned(),
            source,
        }
    }
}

/// True for errors that mean "the key is not (any more) a stream".
fn is_vanished(error: &RedisError) -> bool {
    let code = error.code().unwrap_or_default();
    let detail = error.detail().unwrap_or_default().to_ascii_lowercase();
    code == "WRONGTYPE" || code == "NOGROUP" || detail.contains("no such key")
}

impl Node {
    fn open(info: redis::ConnectionInfo, timeout: Duration) -> Result<Self, StreamsError> {
        let addr = info.addr().to_string();
        let client = redis::Client::open(info.clone()).map_err(|source| StreamsError::Connect {
            addr: addr.clone(),
            source,
        })?;
        let conn = match info.addr() {
            // redis-rs 1.2 unwraps a failed TLS handshake on its timeout path (fixed in 1.3,
            // which needs rust 1.88): probe TCP with the timeout ourselves, then use the
            // untimed path, which returns handshake errors.
            ConnectionAddr::TcpTls { host, port, .. } => {
                probe_tcp(host, *port, timeout).map_err(|source| StreamsError::Connect {
                    addr: addr.clone(),
                    source: RedisError::from(source),
                })?;
                client.get_connection()
            }
            _ => client.get_connection_with_timeout(timeout),
        }
        .map_err(|source| classify(&addr, "connect", source))?;
        conn.set_read_timeout(Some(timeout))
            .map_err(|source| classify(&addr, "connect", source))?;
        conn.set_write_timeout(Some(timeout))
            .map_err(|source| classify(&addr, "connect", source))?;
        Ok(Self { addr, conn })
    }

    fn query<T: redis::FromRedisValue>(
        &mut self,
        cmd: &redis::Cmd,
        name: &str,
    ) -> Result<T, StreamsError> {
        cmd.query(&mut self.conn)
            .map_err(|source| classify(&self.addr, name, source))
    }

    fn info(&mut self, section: &str) -> Result<String, StreamsError> {
        self.query(redis::cmd("INFO").arg(section), "INFO")
    }

    /// Server time in ms (`TIME`), so ages do not depend on this machine's clock.
    ///
    /// # Errors
    ///
    /// Connection or permission failure.
    pub fn time_ms(&mut self) -> Result<u64, StreamsError> {
        let (secs, micros): (u64, u64) = self.query(&redis::cmd("TIME"), "TIME")?;
        Ok(secs * 1000 + micros / 1000)
    }

    /// Keys of type stream matching any glob (`SCAN ... TYPE stream`), sorted, at most `max`.
    ///
    /// # Errors
    ///
    /// Connection or permission failure.
    pub fn discover(
        &mut self,
        globs: &[String],
        max: usize,
    ) -> Result<(BTreeSet<String>, bool), StreamsError> {
        let mut keys = BTreeSet::new();
        let mut truncated = false;
        'globs: for glob in globs {
            let mut cursor: u64 = 0;
            loop {
                let mut cmd = redis::cmd("SCAN");
                cmd.arg(cursor)
                    .arg("MATCH")
                    .arg(glob)
                    .arg("COUNT")
                    .arg(1000)
                    .arg("TYPE")
                    .arg("stream");
                let (next, batch): (u64, Vec<String>) = self.query(&cmd, "SCAN")?;
                for key in batch {
                    if keys.len() >= max {
                        truncated = true;
                        break 'globs;
                    }
                    keys.insert(key);
                }
                if next == 0 {
                    break;
                }
                cursor = next;
            }
        }
        Ok((keys, truncated))
    }

    /// Takes one look at `key`. `deep` adds the extended XPENDING scan and the next undelivered id
    /// per group (done on the final look only).
    ///
    /// # Errors
    ///
    /// Only failures that stop the run (connection, authentication, permission); a vanished key
    /// or a per-key failure is a [`Look`].
    pub fn look(
        &mut self,
        key: &str,
        time_ms: u64,
        deep: Option<(u64, u64)>,
    ) -> Result<Look, StreamsError> {
        match self.look_inner(key, time_ms, deep) {
            Ok(look) => Ok(look),
            Err(error) if is_vanished(&error) => Ok(Look::Vanished),
            Err(error) => match classify(&self.addr, "XINFO", error) {
                StreamsError::Command {
                    command, source, ..
                } => Ok(Look::Failed(format!("`{command}`: {source}"))),
                fatal => Err(fatal),
            },
        }
    }

    fn look_inner(
        &mut self,
        key: &str,
        time_ms: u64,
        deep: Option<(u64, u64)>,
    ) -> Result<Look, RedisError> {
        let reply: Value = redis::cmd("XINFO")
            .arg("STREAM")
            .arg(key)
            .query(&mut self.conn)?;
        let Some(fields) = map_of(reply) else {
            return Ok(Look::Failed("`XINFO STREAM` reply is not a map".into()));
        };
        let first_entry_id = fields.get("first-entry").and_then(entry_id);
        let mut stream = StreamSample {
            time_ms,
            length: fields.get("length").and_then(as_u64).unwrap_or(0),
            last_generated_id: fields
                .get("last-generated-id")
                .and_then(as_id)
                .unwrap_or_default(),
            max_deleted_entry_id: fields.get("max-deleted-entry-id").and_then(as_id),
            entries_added: fields.get("entries-added").and_then(as_u64),
            first_entry_id,
            groups: vec![],
        };
        let groups: Value = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg(key)
            .query(&mut self.conn)?;
        for group in as_array(groups) {
            let Some(group) = map_of(group) else { continue };
            let Some(name) = group.get("name").and_then(as_string) else {
                continue;
            };
            match self.look_group(key, &name, &group, deep) {
                Ok(sample) => stream.groups.push(sample),
                // The group was destroyed between XINFO GROUPS and now: leave it out.
                Err(error) if error.code() == Some("NOGROUP") => {}
                Err(error) => return Err(error),
            }
        }
        Ok(Look::Present(stream))
    }

    fn look_group(
        &mut self,
        key: &str,
        name: &str,
        group: &HashMap<String, Value>,
        deep: Option<(u64, u64)>,
    ) -> Result<GroupSample, RedisError> {
        let last_delivered_id = group
            .get("last-delivered-id")
            .and_then(as_id)
            .unwrap_or_default();
        let consumers: Value = redis::cmd("XINFO")
            .arg("CONSUMERS")
            .arg(key)
            .arg(name)
            .query(&mut self.conn)?;
        let consumers = as_array(consumers)
            .into_iter()
            .filter_map(map_of)
            .filter_map(|c| {
                Some(ConsumerSample {
                    name: c.get("name").and_then(as_string)?,
                    pending: c.get("pending").and_then(as_u64).unwrap_or(0),
                    idle_ms: c.get("idle").and_then(as_u64).unwrap_or(0),
                    inactive_ms: c.get("inactive").and_then(as_i64),
                })
            })
            .collect();
        let summary: Value = redis::cmd("XPENDING")
            .arg(key)
            .arg(name)
            .query(&mut self.conn)?;
        let summary = as_array(summary);
        let pending_min_id = summary.get(1).and_then(as_id);
        let mut sample = GroupSample {
            name: name.to_owned(),
            last_delivered_id,
            entries_read: group.get("entries-read").and_then(as_u64),
            lag: group.get("lag").and_then(as_u64),
            pending: group
                .get("pending")
                .and_then(as_u64)
                .or_else(|| summary.first().and_then(as_u64))
                .unwrap_or(0),
            pending_min_id,
            consumers,
            deliveries: None,
            next_undelivered_id: None,
        };
        if let Some((cap, poison_at)) = deep {
            if sample.pending > 0 {
                sample.deliveries = Some(self.scan_deliveries(key, name, cap, poison_at)?);
            }
            let next: Value = redis::cmd("XRANGE")
                .arg(key)
                .arg(format!("({last_delivered_id}"))
                .arg("+")
                .arg("COUNT")
                .arg(1)
                .query(&mut self.conn)?;
            sample.next_undelivered_id = as_array(next).first().and_then(entry_id);
        }
        Ok(sample)
    }

    fn scan_deliveries(
        &mut self,
        key: &str,
        group: &str,
        cap: u64,
        poison_at: u64,
    ) -> Result<DeliveryScan, RedisError> {
        let mut scan = DeliveryScan::default();
        let mut start = "-".to_owned();
        loop {
            let count = PENDING_PAGE.min(cap - scan.scanned);
            let page: Value = redis::cmd("XPENDING")
                .arg(key)
                .arg(group)
                .arg(&start)
                .arg("+")
                .arg(count)
                .query(&mut self.conn)?;
            let page = as_array(page);
            let fetched = page.len() as u64;
            let mut last = None;
            for entry in page {
                let entry = as_array(entry);
                let (Some(id), Some(consumer), Some(idle_ms), Some(deliveries)) = (
                    entry.first().and_then(as_id),
                    entry.get(1).and_then(as_string),
                    entry.get(2).and_then(as_u64),
                    entry.get(3).and_then(as_u64),
                ) else {
                    continue;
                };
                scan.scanned += 1;
                scan.max_deliveries = scan.max_deliveries.max(deliveries);
                if deliveries >= poison_at {
                    scan.poison_count += 1;
                    scan.poison.push(PendingEntry {
                        id,
                        consumer,
                        idle_ms,
                        deliveries,
                    });
                }
                last = Some(id);
            }
            match last {
                Some(id) if fetched == count && scan.scanned < cap => start = format!("({id}"),
                Some(_) if fetched == count => {
                    scan.truncated = true;
                    break;
                }
                _ => break,
            }
        }
        scan.poison
            .sort_by(|a, b| b.deliveries.cmp(&a.deliveries).then(a.id.cmp(&b.id)));
        scan.poison.truncate(POISON_EVIDENCE);
        Ok(scan)
    }
}

/// A reply that is a RESP3 map or a RESP2 flat `[k, v, k, v]` array, as a map.
pub(crate) fn map_of(value: Value) -> Option<HashMap<String, Value>> {
    match value {
        Value::Map(pairs) => Some(
            pairs
                .into_iter()
                .filter_map(|(k, v)| Some((as_string(&k)?, v)))
                .collect(),
        ),
        Value::Array(items) => {
            let mut map = HashMap::new();
            let mut items = items.into_iter();
            while let (Some(k), Some(v)) = (items.next(), items.next()) {
                map.insert(as_string(&k)?, v);
            }
            Some(map)
        }
        _ => None,
    }
}

fn as_array(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) | Value::Set(items) => items,
        _ => vec![],
    }
}

pub(crate) fn as_string(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Value::SimpleString(text) => Some(text.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Int(n) => Some(n.to_string()),
        _ => None,
    }
}

fn as_i64(value: &Value) -> Option<i64> {
    match value {
        Value::Int(n) => Some(*n),
        other => as_string(other)?.parse().ok(),
    }
}

pub(crate) fn as_u64(value: &Value) -> Option<u64> {
    as_i64(value).and_then(|n| u64::try_from(n).ok())
}

fn as_id(value: &Value) -> Option<StreamId> {
    as_string(value)?.parse().ok()
}

/// The id of an `[id, [field, value...]]` entry; `None` for nil (an empty stream).
fn entry_id(value: &Value) -> Option<StreamId> {
    match value {
        Value::Array(parts) => parts.first().and_then(as_id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_password_in_urls() {
        assert_eq!(
            redact_url("redis://mon:secret@h:6379/0"),
            "redis://mon:***@h:6379/0"
        );
        assert_eq!(redact_url("rediss://:secret@h:1"), "rediss://:***@h:1");
        assert_eq!(redact_url("redis://h:1"), "redis://h:1");
    }

    #[test]
    fn reads_primaries_from_cluster_nodes() {
        let text = "a1 10.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460\n\
                    b2 10.0.0.2:7001@17001,node-b master - 0 0 2 connected 5461-10922\n\
                    c3 10.0.0.3:7002@17002 slave b2 0 0 2 connected\n\
                    d4 10.0.0.4:7003@17003 master,fail - 0 0 3 disconnected\n";
        assert_eq!(
            parse_cluster_primaries(text),
            vec![
                ("10.0.0.1".into(), 7000, true),
                ("10.0.0.2".into(), 7001, false)
            ]
        );
    }

    #[test]
    fn a_stream_reply_without_7_0_fields_leaves_them_unknown() {
        // Shape of a Redis 6.2 `XINFO GROUPS` entry: no `entries-read`, no `lag`.
        let reply = Value::Array(vec![
            Value::BulkString(b"name".to_vec()),
            Value::BulkString(b"g".to_vec()),
            Value::BulkString(b"pending".to_vec()),
            Value::Int(2),
            Value::BulkString(b"lag".to_vec()),
            Value::Nil,
        ]);
        let map = map_of(reply).unwrap();
        assert_eq!(map.get("pending").and_then(as_u64), Some(2));
        assert_eq!(map.get("lag").and_then(as_u64), None);
        assert_eq!(map.get("entries-read").and_then(as_u64), None);
    }

    #[test]
    fn a_key_that_vanished_or_changed_type_after_scan_is_a_vanished_look() {
        let server = gardener_test::RedisServer::start();
        let mut server_conn = Server::connect(&server.url(), Duration::from_secs(2)).unwrap();
        let node = &mut server_conn.nodes[0];
        // Discovery saw these keys; by the time XINFO runs one is gone, one is a string.
        let _: () = redis::cmd("SET")
            .arg("now-a-string")
            .arg("x")
            .query(&mut node.conn)
            .unwrap();
        assert!(matches!(
            node.look("gone", 0, None).unwrap(),
            Look::Vanished
        ));
        assert!(matches!(
            node.look("now-a-string", 0, Some((10, 5))).unwrap(),
            Look::Vanished
        ));
    }
}
