//! The drift rules: env vars, streams and groups in code, compose and probe ports, and the
//! comparison with a live Redis.

use std::collections::{BTreeMap, BTreeSet};

use crate::code::{StreamRole, glob_match};
use crate::drift::{Drift, DriftKind, Location};
use crate::runtime::RuntimeState;
use crate::scan::Facts;

/// Env vars: undocumented, documented but unused, defaults that disagree with the docs.
pub fn env(facts: &Facts, ignored: &[String], out: &mut Vec<Drift>) {
    let mut reads: BTreeMap<&str, Vec<&(Location, crate::code::EnvRead)>> = BTreeMap::new();
    for read in &facts.env_reads {
        if !ignored.contains(&read.1.name) {
            reads.entry(read.1.name.as_str()).or_default().push(read);
        }
    }
    let mut docs: BTreeMap<&str, Vec<&crate::scan::DocVar>> = BTreeMap::new();
    for doc in &facts.env_docs {
        if !ignored.contains(&doc.name) {
            docs.entry(doc.name.as_str()).or_default().push(doc);
        }
    }
    for (name, sites) in &reads {
        let Some(documented) = docs.get(name) else {
            let first = &sites[0].0;
            out.push(Drift::new(
                DriftKind::EnvUndocumented,
                *name,
                first.clone(),
                "documented in a `.env.example`/`.env.*` file or a docs table",
                format!("read at {} place(s), documented nowhere", sites.len()),
            ));
            continue;
        };
        let Some(doc) = documented.iter().find(|d| d.value.is_some()) else {
            continue;
        };
        let doc_value = doc.value.as_deref().unwrap_or_default();
        for (location, read) in sites {
            if let Some(default) = &read.default
                && normalise(default) != normalise(doc_value)
            {
                out.push(Drift::new(
                    DriftKind::EnvDefaultMismatch,
                    *name,
                    location.clone(),
                    format!("`{doc_value}` ({})", doc.location),
                    format!("`{default}`"),
                ));
            }
        }
    }
    for (name, documented) in &docs {
        if reads.contains_key(name) || facts.env_in_config.contains(*name) {
            continue;
        }
        out.push(Drift::new(
            DriftKind::EnvUnused,
            *name,
            documented[0].location.clone(),
            "read by code or set/interpolated by a compose file or manifest",
            "documented, read nowhere",
        ));
    }
}

fn normalise(value: &str) -> &str {
    value.trim().trim_matches(|c| c == '"' || c == '\'')
}

/// Loose equality for names that drifted: case, separators, a plural `s`, and suffixes such
/// as `-group` are ignored, and one inserted or dropped character is tolerated on names of eight characters or more
/// (a substituted one is not: `stream:fills` and `stream:bills` are different streams).
#[must_use]
pub fn similar(a: &str, b: &str) -> bool {
    if a == b {
        return false;
    }
    let (ca, cb) = (core(a), core(b));
    ca == cb || (ca.len().min(cb.len()) >= 8 && one_insertion(&ca, &cb))
}

fn core(name: &str) -> String {
    let mut s: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    for suffix in [
        "consumergroup",
        "group",
        "grp",
        "consumers",
        "consumer",
        "cg",
    ] {
        if let Some(stripped) = s.strip_suffix(suffix)
            && !stripped.is_empty()
        {
            s = stripped.to_owned();
            break;
        }
    }
    if s.len() > 3 && s.ends_with('s') {
        s.pop();
    }
    s
}

/// True when `long` is `short` with exactly one character inserted.
fn one_insertion(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
    if long.len() != short.len() + 1 {
        return false;
    }
    let prefix = short
        .bytes()
        .zip(long.bytes())
        .take_while(|(x, y)| x == y)
        .count();
    short.as_bytes()[prefix..] == long.as_bytes()[prefix + 1..]
}

/// Streams and groups as the code uses them, indexed.
struct StreamIndex<'a> {
    published: BTreeMap<&'a str, &'a Location>,
    read: BTreeMap<&'a str, &'a Location>,
    named: BTreeMap<&'a str, &'a Location>,
    /// stream -> group -> (uses, created by code, first location)
    groups: BTreeMap<&'a str, BTreeMap<&'a str, (usize, bool, &'a Location)>>,
}

fn index(facts: &Facts) -> StreamIndex<'_> {
    let mut ix = StreamIndex {
        published: BTreeMap::new(),
        read: BTreeMap::new(),
        named: BTreeMap::new(),
        groups: BTreeMap::new(),
    };
    for (location, usage) in &facts.streams {
        let stream = usage.stream.as_str();
        ix.named.entry(stream).or_insert(location);
        match usage.role {
            StreamRole::Publish => {
                ix.published.entry(stream).or_insert(location);
            }
            StreamRole::Read | StreamRole::GroupCreate => {
                ix.read.entry(stream).or_insert(location);
            }
            StreamRole::Mention => {}
        }
        if let Some(group) = &usage.group {
            let entry = ix
                .groups
                .entry(stream)
                .or_default()
                .entry(group.as_str())
                .or_insert((0, false, location));
            entry.0 += 1;
            entry.1 |= usage.role == StreamRole::GroupCreate;
        }
    }
    ix
}

/// Streams in code: published but never read, read but never published, the same stream
/// under two names, the same group under two names.
pub fn streams(facts: &Facts, out: &mut Vec<Drift>) {
    let ix = index(facts);
    let mut publish_only: Vec<&str> = ix
        .published
        .keys()
        .filter(|s| !ix.read.contains_key(*s))
        .copied()
        .collect();
    let mut read_only: Vec<&str> = ix
        .read
        .keys()
        .filter(|s| !ix.published.contains_key(*s))
        .copied()
        .collect();
    let pairs: Vec<(&str, &str)> = publish_only
        .iter()
        .flat_map(|p| {
            read_only
                .iter()
                .filter(|r| similar(p, r))
                .map(move |r| (*p, *r))
        })
        .collect();
    for (published, read) in &pairs {
        out.push(Drift::new(
            DriftKind::StreamNameMismatch,
            *read,
            ix.read[read].clone(),
            format!("`{published}` (published at {})", ix.published[published]),
            format!("`{read}`"),
        ));
    }
    publish_only.retain(|p| !pairs.iter().any(|(q, _)| q == p));
    read_only.retain(|r| !pairs.iter().any(|(_, q)| q == r));
    for stream in publish_only {
        out.push(Drift::new(
            DriftKind::StreamPublishedNotRead,
            stream,
            ix.published[stream].clone(),
            "a reader (XREAD/XREADGROUP) in the scanned code",
            "published, read nowhere",
        ));
    }
    for stream in read_only {
        out.push(Drift::new(
            DriftKind::StreamReadNotPublished,
            stream,
            ix.read[stream].clone(),
            "a publisher (XADD) in the scanned code",
            "read, published nowhere",
        ));
    }
    for (stream, groups) in &ix.groups {
        // The canonical spelling: created by code, then most used, then first by name.
        let mut ranked: Vec<(&&str, &(usize, bool, &Location))> = groups.iter().collect();
        ranked.sort_by(|a, b| (b.1.1, b.1.0).cmp(&(a.1.1, a.1.0)).then(a.0.cmp(b.0)));
        let mut reported = BTreeSet::new();
        for (i, (canonical, (_, _, canonical_at))) in ranked.iter().enumerate() {
            if reported.contains(*canonical) {
                continue;
            }
            for (other, (_, _, at)) in &ranked[i + 1..] {
                if similar(canonical, other) && reported.insert(**other) {
                    out.push(Drift::new(
                        DriftKind::GroupNameMismatch,
                        format!("{stream}/{other}"),
                        (*at).clone(),
                        format!("`{canonical}` (at {canonical_at})"),
                        format!("`{other}`"),
                    ));
                }
            }
        }
    }
}

/// Code versus a live Redis: streams never created, groups missing or spelled differently,
/// streams with entries but no reader, streams with readers but no entries ever.
pub fn runtime(facts: &Facts, state: &RuntimeState, patterns: &[String], out: &mut Vec<Drift>) {
    let ix = index(facts);
    for (stream, location) in &ix.named {
        let location = ix.published.get(stream).copied().unwrap_or(location);
        if !state.streams.contains_key(*stream) {
            out.push(Drift::new(
                DriftKind::StreamMissingAtRuntime,
                *stream,
                location.clone(),
                "the stream exists at runtime",
                format!("no stream `{stream}` in redis"),
            ));
        }
    }
    for (stream, groups) in &ix.groups {
        let Some(live) = state.streams.get(*stream) else {
            continue;
        };
        for (group, (_, _, location)) in groups {
            if live.groups.iter().any(|g| g == group) {
                continue;
            }
            if let Some(runtime_name) = live.groups.iter().find(|g| similar(g, group)) {
                if groups.contains_key(runtime_name.as_str()) {
                    continue; // both spellings are in code: reported by the static rule
                }
                out.push(Drift::new(
                    DriftKind::GroupNameMismatch,
                    format!("{stream}/{group}"),
                    (*location).clone(),
                    format!("`{runtime_name}` (the group at runtime)"),
                    format!("`{group}`"),
                ));
            } else {
                out.push(Drift::new(
                    DriftKind::GroupMissingAtRuntime,
                    format!("{stream}/{group}"),
                    (*location).clone(),
                    format!("group `{group}` exists on `{stream}` at runtime"),
                    format!("groups at runtime: {}", list(&live.groups)),
                ));
            }
        }
    }
    for (stream, live) in &state.streams {
        let relevant = ix.named.contains_key(stream.as_str())
            || patterns.iter().any(|p| glob_match(p, stream));
        if !relevant {
            continue;
        }
        let location = ix.named.get(stream.as_str()).map_or_else(
            || Location {
                file: format!("redis:{stream}"),
                line: 0,
            },
            |l| (*l).clone(),
        );
        if live.groups.is_empty() && live.length > 0 {
            out.push(Drift::new(
                DriftKind::StreamUnreadAtRuntime,
                stream.as_str(),
                location,
                "at least one consumer group",
                format!("{} entries, no consumer group", live.length),
            ));
        } else if !live.groups.is_empty() && live.last_generated_id == "0-0" {
            out.push(Drift::new(
                DriftKind::StreamNeverPublishedAtRuntime,
                stream.as_str(),
                location,
                "entries published to the stream",
                format!("groups {} but no entry was ever added", list(&live.groups)),
            ));
        }
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compose ports: host ports published twice, container ports shared by several services,
/// health checks and probes that talk to a port the service does not listen on.
pub fn ports(facts: &Facts, out: &mut Vec<Drift>) {
    for file in &facts.service_files {
        if file.compose {
            published_collisions(file, out);
            shared_targets(file, out);
        }
        for service in &file.services {
            let mut own: BTreeSet<u16> = service.ports.iter().map(|p| p.target).collect();
            own.extend(service.own_ports.iter().copied());
            if own.is_empty() {
                continue;
            }
            for health in &service.health {
                if !own.contains(&health.port) {
                    out.push(Drift::new(
                        DriftKind::HealthcheckPortMismatch,
                        format!("{}:{}", service.name, health.port),
                        Location {
                            file: file.file.clone(),
                            line: health.line,
                        },
                        format!(
                            "one of the service's ports: {}",
                            own.iter()
                                .map(u16::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        format!("health check on port {}", health.port),
                    ));
                }
            }
        }
    }
}

fn published_collisions(file: &crate::scan::ServiceFile, out: &mut Vec<Drift>) {
    let mut seen: Vec<(&str, &crate::manifest::PortMapping)> = Vec::new();
    for service in &file.services {
        for mapping in &service.ports {
            let Some(port) = mapping.published else {
                continue;
            };
            let clash = seen.iter().find(|(other, m)| {
                *other != service.name
                    && m.published == Some(port)
                    && m.protocol == mapping.protocol
                    && (m.host_ip == mapping.host_ip
                        || any_ip(&m.host_ip)
                        || any_ip(&mapping.host_ip))
            });
            if let Some((other, first)) = clash {
                out.push(Drift::new(
                    DriftKind::PortPublishedCollision,
                    format!("{}:{port}", service.name),
                    Location {
                        file: file.file.clone(),
                        line: mapping.line,
                    },
                    format!(
                        "host port {port}/{} free (published by `{other}` at line {})",
                        mapping.protocol, first.line
                    ),
                    format!(
                        "`{}` publishes {port}/{} too",
                        service.name, mapping.protocol
                    ),
                ));
            }
            seen.push((service.name.as_str(), mapping));
        }
    }
}

fn any_ip(ip: &str) -> bool {
    matches!(ip, "" | "0.0.0.0" | "::")
}

fn shared_targets(file: &crate::scan::ServiceFile, out: &mut Vec<Drift>) {
    let mut by_target: BTreeMap<u16, Vec<(&str, u32)>> = BTreeMap::new();
    for service in &file.services {
        let mut targets: Vec<(u16, u32)> =
            service.ports.iter().map(|p| (p.target, p.line)).collect();
        targets.sort_unstable();
        targets.dedup_by_key(|t| t.0);
        for (target, line) in targets {
            by_target
                .entry(target)
                .or_default()
                .push((service.name.as_str(), line));
        }
    }
    for (target, users) in by_target {
        if users.len() < 2 {
            continue;
        }
        let names: Vec<String> = users.iter().map(|(n, _)| format!("`{n}`")).collect();
        out.push(Drift::new(
            DriftKind::PortInternalShared,
            format!("{}:{target}", file.file),
            Location {
                file: file.file.clone(),
                line: users[1].1,
            },
            "a distinct container port per service",
            format!("{} all map container port {target}", names.join(", ")),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_names_ignore_group_suffixes_plurals_and_one_dropped_letter() {
        assert!(similar("execution-engine", "execution-engine-group"));
        assert!(similar("execution_engine", "ExecutionEngine"));
        assert!(similar("stream:orders", "stream:order"));
        assert!(similar("stream:payments", "stream:paymnts"));
        assert!(!similar("execution-engine", "audit-logger"));
        assert!(!similar("stream:fills", "stream:bills"));
        assert!(!similar("worker-1", "worker-2"));
        assert!(!similar("same", "same"));
    }
}
