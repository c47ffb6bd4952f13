//! Docker Compose files and Kubernetes manifests, read with a YAML 1.2 parser (`saphyr`, with
//! node positions) into the facts the port and env rules need.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

/// A published or internal port of a service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortMapping {
    /// Host address the port binds to (`""` for all addresses).
    pub host_ip: String,
    /// The host port, when the mapping publishes one.
    pub published: Option<u16>,
    /// The container port.
    pub target: u16,
    /// `tcp` or `udp`.
    pub protocol: String,
    /// 1-based line.
    pub line: u32,
}

/// A port a health check (or probe) talks to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthPort {
    /// The port number.
    pub port: u16,
    /// 1-based line of the check.
    pub line: u32,
}

/// One compose service or one Kubernetes container.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Service {
    /// `service` for compose, `Kind/name/container` for Kubernetes.
    pub name: String,
    /// 1-based line of the service's key.
    pub line: u32,
    /// `ports:` mappings (compose) or `containerPort`s (Kubernetes, never published).
    pub ports: Vec<PortMapping>,
    /// Other ports the service says it listens on: `expose:`, `PORT`-like environment values.
    pub own_ports: Vec<u16>,
    /// Ports its health check or probes use.
    pub health: Vec<HealthPort>,
    /// Environment variable names it sets.
    pub env: Vec<String>,
}

/// What a YAML file yielded.
#[derive(Debug, Default)]
pub struct Manifest {
    /// Compose services or Kubernetes containers.
    pub services: Vec<Service>,
    /// True for a compose file (only compose ports can collide on one host).
    pub compose: bool,
}

/// Parses a YAML file as compose (`services:` at the top) or Kubernetes workloads.
///
/// # Errors
///
/// The parser's message when the file is not valid YAML.
pub fn parse(source: &str) -> Result<Manifest, String> {
    let docs = MarkedYaml::load_from_str(source).map_err(|e| e.to_string())?;
    let mut manifest = Manifest::default();
    for doc in &docs {
        if let Some(services) = get(doc, "services") {
            manifest.compose = true;
            for (key, service) in entries(services) {
                if let Some(name) = scalar(key) {
                    manifest
                        .services
                        .push(compose_service(&name, line(key), service));
                }
            }
        } else if let Some(kind) = get(doc, "kind").and_then(scalar) {
            manifest.services.extend(kubernetes(&kind, doc));
        }
    }
    Ok(manifest)
}

fn data<'a, 'i>(node: &'a MarkedYaml<'i>) -> &'a YamlData<'i, MarkedYaml<'i>> {
    match &node.data {
        YamlData::Tagged(_, inner) => data(inner),
        other => other,
    }
}

fn line(node: &MarkedYaml<'_>) -> u32 {
    u32::try_from(node.span.start.line()).unwrap_or(u32::MAX)
}

fn scalar(node: &MarkedYaml<'_>) -> Option<String> {
    match data(node) {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Value(Scalar::Integer(i)) => Some(i.to_string()),
        YamlData::Value(Scalar::FloatingPoint(f)) => Some(f.to_string()),
        YamlData::Value(Scalar::Boolean(b)) => Some(b.to_string()),
        YamlData::Representation(s, _, _) => Some(s.to_string()),
        _ => None,
    }
}

fn entries<'a, 'i>(node: &'a MarkedYaml<'i>) -> Vec<(&'a MarkedYaml<'i>, &'a MarkedYaml<'i>)> {
    match data(node) {
        YamlData::Mapping(map) => map.iter().collect(),
        _ => Vec::new(),
    }
}

fn items<'a, 'i>(node: &'a MarkedYaml<'i>) -> Vec<&'a MarkedYaml<'i>> {
    match data(node) {
        YamlData::Sequence(seq) => seq.iter().collect(),
        _ => Vec::new(),
    }
}

fn get<'a, 'i>(node: &'a MarkedYaml<'i>, key: &str) -> Option<&'a MarkedYaml<'i>> {
    entries(node)
        .into_iter()
        .find(|(k, _)| scalar(k).as_deref() == Some(key))
        .map(|(_, v)| v)
}

/// Compose variable interpolation: `${VAR:-default}` and `${VAR-default}` become the default;
/// a value with a `${VAR}` that has no default is unknown (`None`).
#[must_use]
pub fn interpolate(value: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        let inner = &rest[start + 2..end];
        let default = inner
            .split_once(":-")
            .or_else(|| inner.split_once('-'))
            .map(|(_, d)| d)?;
        out.push_str(default);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The `${VAR}` and `$VAR` names a compose file interpolates.
#[must_use]
pub fn interpolated_names(source: &str) -> Vec<String> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'$') {
            i += 2; // `$$` is a literal dollar
            continue;
        }
        if bytes[i] == b'$' {
            let start = if bytes.get(i + 1) == Some(&b'{') {
                i + 2
            } else {
                i + 1
            };
            let mut end = start;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            if end > start && !bytes[start].is_ascii_digit() {
                out.push(source[start..end].to_owned());
            }
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }
    out
}

fn port_number(text: &str) -> Option<u16> {
    text.trim().parse().ok()
}

/// `"8080:80"`, `"127.0.0.1:8080:80/udp"`, `"80"`, `"8000-8002:8000-8002"`, `9000`.
fn short_ports(spec: &str, line: u32) -> Vec<PortMapping> {
    let Some(spec) = interpolate(spec) else {
        return Vec::new();
    };
    let (spec, protocol) = spec.split_once('/').unwrap_or((spec.as_str(), "tcp"));
    let (host_ip, rest) = if let Some(stripped) = spec.strip_prefix('[') {
        match stripped.split_once("]:") {
            Some((ip, rest)) => (ip.to_owned(), rest.to_owned()),
            None => return Vec::new(),
        }
    } else {
        let parts: Vec<&str> = spec.split(':').collect();
        if parts.len() == 3 {
            (parts[0].to_owned(), format!("{}:{}", parts[1], parts[2]))
        } else {
            (String::new(), spec.to_owned())
        }
    };
    let (published, target) = match rest.split_once(':') {
        Some((published, target)) => (Some(published), target),
        None => (None, rest.as_str()),
    };
    let range = |text: &str| -> Option<Vec<u16>> {
        match text.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (port_number(a)?, port_number(b)?);
                (b >= a && b - a < 1024).then(|| (a..=b).collect())
            }
            None => Some(vec![port_number(text)?]),
        }
    };
    let Some(targets) = range(target) else {
        return Vec::new();
    };
    let published = match published {
        Some(p) => match range(p) {
            Some(list) if list.len() == targets.len() => list.into_iter().map(Some).collect(),
            // `"8000-8010:80"`: a host range for one port; the first host port stands for it.
            Some(list) => list.into_iter().take(targets.len()).map(Some).collect(),
            None => return Vec::new(),
        },
        None => vec![None; targets.len()],
    };
    targets
        .into_iter()
        .zip(published)
        .map(|(target, published)| PortMapping {
            host_ip: host_ip.clone(),
            published,
            target,
            protocol: protocol.to_owned(),
            line,
        })
        .collect()
}

fn compose_service(name: &str, key_line: u32, node: &MarkedYaml<'_>) -> Service {
    let mut service = Service {
        name: name.to_owned(),
        line: key_line,
        ..Service::default()
    };
    if let Some(ports) = get(node, "ports") {
        for item in items(ports) {
            if let Some(spec) = scalar(item) {
                service.ports.extend(short_ports(&spec, line(item)));
            } else if let Some(target) = get(item, "target")
                .and_then(scalar)
                .and_then(|t| port_number(&t))
            {
                let published = get(item, "published")
                    .and_then(scalar)
                    .and_then(|p| interpolate(&p))
                    .and_then(|p| port_number(&p));
                service.ports.push(PortMapping {
                    host_ip: get(item, "host_ip").and_then(scalar).unwrap_or_default(),
                    published,
                    target,
                    protocol: get(item, "protocol")
                        .and_then(scalar)
                        .unwrap_or_else(|| "tcp".to_owned()),
                    line: line(item),
                });
            }
        }
    }
    if let Some(expose) = get(node, "expose") {
        for item in items(expose) {
            let spec = scalar(item).unwrap_or_default();
            let spec = spec.split('/').next().unwrap_or_default();
            service.own_ports.extend(port_number(spec));
        }
    }
    if let Some(env) = get(node, "environment") {
        let pairs: Vec<(String, Option<String>)> = match data(env) {
            YamlData::Mapping(_) => entries(env)
                .into_iter()
                .filter_map(|(k, v)| Some((scalar(k)?, scalar(v))))
                .collect(),
            _ => items(env)
                .into_iter()
                .filter_map(scalar)
                .map(|s| match s.split_once('=') {
                    Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                    None => (s, None),
                })
                .collect(),
        };
        for (key, value) in pairs {
            if key.to_ascii_uppercase().ends_with("PORT")
                && let Some(port) = value
                    .and_then(|v| interpolate(&v))
                    .and_then(|v| port_number(&v))
            {
                service.own_ports.push(port);
            }
            service.env.push(key);
        }
    }
    if let Some(test) = get(node, "healthcheck").and_then(|h| get(h, "test")) {
        let command = match data(test) {
            YamlData::Sequence(_) => items(test)
                .into_iter()
                .filter_map(scalar)
                .collect::<Vec<_>>()
                .join(" "),
            _ => scalar(test).unwrap_or_default(),
        };
        let check_line = line(test);
        for port in command_ports(&command, name) {
            service.health.push(HealthPort {
                port,
                line: check_line,
            });
        }
    }
    service
}

/// Ports a health-check command talks to on its own container: `localhost:8080`,
/// `http://127.0.0.1:8080/health`, `nc -z localhost 8080`, `redis-cli -p 6379`, `--port=8080`.
#[must_use]
pub fn command_ports(command: &str, service: &str) -> Vec<u16> {
    let local = |host: &str| {
        matches!(
            host,
            "localhost" | "127.0.0.1" | "0.0.0.0" | "[::1]" | "::1"
        ) || host == service
    };
    let words: Vec<&str> = command
        .split(|c: char| {
            c.is_whitespace() || c == '"' || c == '\'' || c == ';' || c == '(' || c == ')'
        })
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    for (k, word) in words.iter().enumerate() {
        let next_port = words.get(k + 1).and_then(|w| port_number(w));
        if matches!(*word, "-p" | "--port") {
            out.extend(next_port);
            continue;
        }
        if let Some(value) = word.strip_prefix("--port=") {
            out.extend(port_number(value));
            continue;
        }
        let without_scheme = word.split_once("://").map_or(*word, |(_, rest)| rest);
        let authority = without_scheme.split('/').next().unwrap_or_default();
        if let Some((host, port)) = authority.rsplit_once(':')
            && local(host)
        {
            out.extend(port_number(port));
        } else if local(authority) {
            out.extend(next_port);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn kubernetes(kind: &str, doc: &MarkedYaml<'_>) -> Vec<Service> {
    let spec = get(doc, "spec");
    let pod_spec = match kind {
        "Pod" => spec,
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => spec
            .and_then(|s| get(s, "template"))
            .and_then(|t| get(t, "spec")),
        "CronJob" => spec
            .and_then(|s| get(s, "jobTemplate"))
            .and_then(|j| get(j, "spec"))
            .and_then(|s| get(s, "template"))
            .and_then(|t| get(t, "spec")),
        _ => None,
    };
    let Some(pod_spec) = pod_spec else {
        return Vec::new();
    };
    let workload = get(doc, "metadata")
        .and_then(|m| get(m, "name"))
        .and_then(scalar)
        .unwrap_or_default();
    let mut out = Vec::new();
    for container in get(pod_spec, "containers").map(items).unwrap_or_default() {
        let cname = get(container, "name").and_then(scalar).unwrap_or_default();
        let mut service = Service {
            name: format!("{kind}/{workload}/{cname}"),
            line: line(container),
            ..Service::default()
        };
        let mut named = Vec::new();
        for port in get(container, "ports").map(items).unwrap_or_default() {
            if let Some(number) = get(port, "containerPort")
                .and_then(scalar)
                .and_then(|p| port_number(&p))
            {
                service.own_ports.push(number);
                if let Some(name) = get(port, "name").and_then(scalar) {
                    named.push((name, number));
                }
            }
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            let Some(probe) = get(container, probe) else {
                continue;
            };
            for handler in ["httpGet", "tcpSocket", "grpc"] {
                let Some(port) = get(probe, handler).and_then(|h| get(h, "port")) else {
                    continue;
                };
                let text = scalar(port).unwrap_or_default();
                let number = port_number(&text)
                    .or_else(|| named.iter().find(|(n, _)| *n == text).map(|(_, p)| *p));
                if let Some(number) = number {
                    service.health.push(HealthPort {
                        port: number,
                        line: line(port),
                    });
                }
            }
        }
        for var in get(container, "env").map(items).unwrap_or_default() {
            service.env.extend(get(var, "name").and_then(scalar));
        }
        out.push(service);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_port_syntax_with_ip_protocol_range_and_interpolation() {
        let got: Vec<(String, Option<u16>, u16, String)> = [
            "127.0.0.1:8080:80/udp",
            "3000",
            "${WEB_PORT:-8081}:8080",
            "9000-9001:9000-9001",
        ]
        .iter()
        .flat_map(|s| short_ports(s, 1))
        .map(|p| (p.host_ip, p.published, p.target, p.protocol))
        .collect();
        assert_eq!(
            got,
            [
                ("127.0.0.1".to_owned(), Some(8080), 80, "udp".to_owned()),
                (String::new(), None, 3000, "tcp".to_owned()),
                (String::new(), Some(8081), 8080, "tcp".to_owned()),
                (String::new(), Some(9000), 9000, "tcp".to_owned()),
                (String::new(), Some(9001), 9001, "tcp".to_owned()),
            ]
        );
        assert!(short_ports("${UNSET}:80", 1).is_empty());
    }

    #[test]
    fn health_check_ports_from_urls_netcat_and_flags() {
        assert_eq!(
            command_ports("CMD curl -f http://localhost:8080/health", "web"),
            [8080]
        );
        assert_eq!(
            command_ports("CMD-SHELL nc -z 127.0.0.1 9000 || exit 1", "w"),
            [9000]
        );
        assert_eq!(command_ports("CMD redis-cli -p 6380 ping", "r"), [6380]);
        assert_eq!(
            command_ports("wget -qO- http://api:3000/ready", "api"),
            [3000]
        );
        assert!(command_ports("curl -f https://example.com:443/", "web").is_empty());
    }

    #[test]
    fn compose_services_keep_lines_and_kubernetes_probes_resolve_named_ports() {
        let compose = "services:\n  web:\n    ports:\n      - \"8080:80\"\n      - target: 81\n        published: 8081\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"localhost:82\"]\n";
        let manifest = parse(compose).unwrap();
        let web = &manifest.services[0];
        assert_eq!((web.name.as_str(), web.line), ("web", 2));
        assert_eq!(
            web.ports
                .iter()
                .map(|p| (p.published, p.target, p.line))
                .collect::<Vec<_>>(),
            [(Some(8080), 80, 4), (Some(8081), 81, 5)]
        );
        assert_eq!(web.health, [HealthPort { port: 82, line: 8 }]);

        let k8s = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          ports:\n            - name: http\n              containerPort: 8080\n          readinessProbe:\n            httpGet:\n              port: http\n";
        let manifest = parse(k8s).unwrap();
        assert_eq!(manifest.services[0].name, "Deployment/api/app");
        assert_eq!(
            manifest.services[0].health,
            [HealthPort {
                port: 8080,
                line: 15
            }]
        );
    }
}
