//! Acceptance: a golden snapshot of `worklog.md` for the bundled example, with the
//! run-specific values (generation time, the checkout's path) redacted.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

#[test]
fn worklog_of_the_bundled_example() {
    let example =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/checkout-incident.json");
    let analysis = gardener::analyze_files(&[example.display().to_string()]).unwrap();
    let worklog = gardener_report::markdown::render(&analysis.report);
    let prefix = example.parent().unwrap().display().to_string();
    insta::with_settings!({filters => vec![
        (r"- Generated: .*", "- Generated: [GENERATED]"),
        (regex_escape(&prefix).as_str(), "[EXAMPLES]"),
    ]}, {
        insta::assert_snapshot!("checkout_incident_worklog", worklog);
    });
}

fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
