//! `report.json`.

use crate::Report;

/// The report as pretty-printed JSON with a final newline. Maps are sorted, lists are in the
/// report's order, so the same report always gives the same bytes.
///
/// # Errors
///
/// Never in practice: the model holds only strings, numbers, lists and maps.
pub fn render(report: &Report) -> serde_json::Result<String> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}
