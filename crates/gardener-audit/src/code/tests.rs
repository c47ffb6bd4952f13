use super::*;
use crate::lexer::lex;

fn reads(lang: Lang, src: &str) -> Vec<(String, Option<String>)> {
    let tokens = lex(lang, src);
    let local = constants(lang, &tokens);
    let global = Constants::default();
    let resolver = Resolver::new(&local, &global);
    env_reads(lang, &tokens, &resolver)
        .0
        .into_iter()
        .map(|r| (r.name, r.default))
        .collect()
}

fn read(name: &str, default: Option<&str>) -> (String, Option<String>) {
    (name.to_owned(), default.map(str::to_owned))
}

fn uses(lang: Lang, src: &str) -> Vec<(String, Option<String>, StreamRole)> {
    let tokens = lex(lang, src);
    let local = constants(lang, &tokens);
    let global = Constants::default();
    let resolver = Resolver::new(&local, &global);
    stream_uses(lang, &tokens, &resolver, &["stream:*".to_owned()])
        .into_iter()
        .filter(|u| u.role != StreamRole::Mention)
        .map(|u| (u.stream, u.group, u.role))
        .collect()
}

fn used(
    stream: &str,
    group: Option<&str>,
    role: StreamRole,
) -> (String, Option<String>, StreamRole) {
    (stream.to_owned(), group.map(str::to_owned), role)
}

#[test]
fn javascript_env_reads_with_defaults_and_destructuring() {
    let src = r#"
        const port = Number(process.env.PORT ?? 8080);
        const host = process.env["HOST"] || "0.0.0.0";
        const { A, B = "x" } = process.env;
        process.env.WRITTEN = "1";
        const m = import.meta.env.VITE_URL;
    "#;
    assert_eq!(
        reads(Lang::Js, src),
        [
            read("PORT", Some("8080")),
            read("HOST", Some("0.0.0.0")),
            read("A", None),
            read("B", Some("x")),
            read("VITE_URL", None)
        ]
    );
}

#[test]
fn python_env_reads_resolve_constants_and_skip_writes() {
    let src = r#"
KEY = "REDIS_URL"
url = os.environ.get(KEY, "redis://localhost")
level = os.getenv("LOG_LEVEL", default="INFO")
os.environ["SET_ONLY"] = "1"
x = environ["DIRECT"]
"#;
    assert_eq!(
        reads(Lang::Python, src),
        [
            read("REDIS_URL", Some("redis://localhost")),
            read("LOG_LEVEL", Some("INFO")),
            read("DIRECT", None)
        ]
    );
}

#[test]
fn rust_go_and_java_env_reads_leaving_out_cargo_build_variables() {
    assert_eq!(
        reads(
            Lang::Rust,
            r#"let p = std::env::var("PORT").unwrap_or_else(|_| "80".into()); env!("CARGO_PKG_NAME");"#
        ),
        [read("PORT", Some("80"))]
    );
    assert_eq!(
        reads(
            Lang::Go,
            r#"const k = "WORKERS"; n := os.Getenv(k); v, ok := os.LookupEnv("X")"#
        ),
        [read("WORKERS", None), read("X", None)]
    );
    assert_eq!(
        reads(Lang::Java, r#"String u = System.getenv("DB_URL");"#),
        [read("DB_URL", None)]
    );
}

#[test]
fn a_read_assigned_to_a_constant_binds_its_default() {
    let tokens = lex(
        Lang::Python,
        r#"STREAM = os.getenv("ORDERS_STREAM", "stream:orders")"#,
    );
    let global = Constants::default();
    let resolver = Resolver::new(&[], &global);
    let (_, bound) = env_reads(Lang::Python, &tokens, &resolver);
    assert_eq!(
        bound
            .iter()
            .map(|c| (c.name.as_str(), c.value.as_str()))
            .collect::<Vec<_>>(),
        [("STREAM", "stream:orders")]
    );
}

#[test]
fn python_redis_py_calls() {
    let src = r#"
ORDERS = "stream:orders"
r.xgroup_create(ORDERS, "engine", id="0", mkstream=True)
r.xreadgroup("engine", consumer, {ORDERS: ">"}, count=10)
r.xreadgroup(groupname="audit", consumername="c", streams={"stream:fills": ">"})
r.xack(ORDERS, "engine", msg_id)
r.xadd("stream:fills", {"k": "v"})
"#;
    assert_eq!(
        uses(Lang::Python, src),
        [
            used("stream:orders", Some("engine"), StreamRole::GroupCreate),
            used("stream:orders", Some("engine"), StreamRole::Read),
            used("stream:fills", Some("audit"), StreamRole::Read),
            used("stream:orders", Some("engine"), StreamRole::Read),
            used("stream:fills", None, StreamRole::Publish),
        ]
    );
}

#[test]
fn ioredis_node_redis_and_raw_commands() {
    let src = r#"
await redis.xadd("stream:orders", "*", "id", id);
await redis.xreadgroup("GROUP", "g1", "c", "BLOCK", 5000, "STREAMS", "stream:a", "stream:b", ">", ">");
await redis.xgroup("CREATE", "stream:a", "g1", "$", "MKSTREAM");
await client.xReadGroup("g2", "c", { key: "stream:c", id: ">" });
await client.sendCommand(["XADD", "stream:d", "*", "k", "v"]);
const script = "XGROUP CREATE stream:e g3 $ MKSTREAM";
"#;
    assert_eq!(
        uses(Lang::Js, src),
        [
            used("stream:orders", None, StreamRole::Publish),
            used("stream:a", Some("g1"), StreamRole::Read),
            used("stream:b", Some("g1"), StreamRole::Read),
            used("stream:a", Some("g1"), StreamRole::GroupCreate),
            used("stream:c", Some("g2"), StreamRole::Read),
            used("stream:d", None, StreamRole::Publish),
            used("stream:e", Some("g3"), StreamRole::GroupCreate),
        ]
    );
}

#[test]
fn go_redis_and_redis_rs_calls() {
    let src = r#"
const fills = "stream:fills"
rdb.XAdd(ctx, &redis.XAddArgs{Stream: fills, Values: map[string]any{"a": 1}})
rdb.XGroupCreateMkStream(ctx, "stream:orders", "worker", "$")
rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "worker", Consumer: name, Streams: []string{"stream:orders", ">"}})
"#;
    assert_eq!(
        uses(Lang::Go, src),
        [
            used("stream:fills", None, StreamRole::Publish),
            used("stream:orders", Some("worker"), StreamRole::GroupCreate),
            used("stream:orders", Some("worker"), StreamRole::Read),
        ]
    );
    let rust = r#"con.xadd("stream:x", "*", &[("a", 1)])?; con.xread_options(&["stream:y"], &[">"], &StreamReadOptions::default().group("g", "c"))?;"#;
    assert_eq!(
        uses(Lang::Rust, rust),
        [
            used("stream:x", None, StreamRole::Publish),
            used("stream:y", Some("g"), StreamRole::Read)
        ]
    );
}

#[test]
fn stream_names_in_comments_and_prose_are_not_usage() {
    let src = "# r.xadd('stream:ghost', {})\nlog.info('publishing to stream:ghost soon')\n";
    let tokens = lex(Lang::Python, src);
    let global = Constants::default();
    let resolver = Resolver::new(&[], &global);
    assert!(stream_uses(Lang::Python, &tokens, &resolver, &["stream:*".to_owned()]).is_empty());
}

#[test]
fn glob_matches_stars_and_question_marks() {
    assert!(glob_match("stream:*", "stream:orders"));
    assert!(glob_match("*:events", "billing:events"));
    assert!(glob_match("q?", "q1"));
    assert!(!glob_match("stream:*", "publishing to stream:orders"));
    assert!(!glob_match("q?", "q12"));
}

#[test]
fn go_const_blocks_bind_lower_case_names_but_python_keyword_arguments_do_not() {
    let go = constants(
        Lang::Go,
        &lex(
            Lang::Go,
            "const (\n\tstream = \"stream:a\"\n\tgroup  = \"g\"\n)\nx := T{Name: \"n\"}",
        ),
    );
    assert_eq!(
        go.iter()
            .map(|c| (c.name.as_str(), c.value.as_str()))
            .collect::<Vec<_>>(),
        [("stream", "stream:a"), ("group", "g")]
    );
    let py = constants(
        Lang::Python,
        &lex(Lang::Python, "f(name=\"x\")\nSTREAM: str = \"stream:b\""),
    );
    assert_eq!(
        py.iter()
            .map(|c| (c.name.as_str(), c.value.as_str()))
            .collect::<Vec<_>>(),
        [("STREAM", "stream:b")]
    );
}

#[test]
fn command_names_in_lists_and_match_arms_are_not_commands_sent() {
    let src = r#"
let allowed = ["scan", "xrange", "client|setinfo"];
moved("xrange", "__builtin__", "builtins");
match name { "xack" | "xpending" => 1, _ => 2 }
rdb.Do(ctx, "XADD", "stream:sent", "*", "k", "v")
"#;
    assert_eq!(
        uses(Lang::Rust, src),
        [used("stream:sent", None, StreamRole::Publish)]
    );
}
