//! The wiring of Log Gardener, used by the `gardener` binary and its tests: the analysis
//! [`pipeline`] over the pipeline crates, and the [`triage`] of its report.

mod frames;
pub mod pipeline;
pub mod triage;
pub mod user_patterns;

/// Analyses inputs the way `gardener analyze --no-state` does with no `gardener.toml`: the
/// pipeline with default decoding, then the triage with the built-in playbook and default
/// cascade thresholds. For library use and tests; the binary adds state, rules and outputs.
///
/// # Errors
///
/// As [`pipeline::run`].
pub fn analyze_files(inputs: &[String]) -> anyhow::Result<pipeline::Analysis> {
    let mut analysis = pipeline::run(&pipeline::Options {
        inputs: inputs.to_vec(),
        format: None,
        decoder: gardener_parse::DecoderConfig::default(),
        assignments: None,
        progress: false,
        patterns: user_patterns::UserPatterns::default(),
    })?;
    triage::apply(
        &mut analysis.report,
        &analysis.cascade_events,
        &gardener_triage::Playbook::builtin(),
        &gardener_triage::CascadeConfig::default(),
    );
    Ok(analysis)
}
