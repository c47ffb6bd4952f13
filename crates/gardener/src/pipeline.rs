//! The analysis pipeline: read → decode → assemble → mine → aggregate → report model.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context as _;
use gardener_analyze::{
    Accounting, Group, Sample, Summary, Timeline, minute_of, minute_text, sample_rank,
};
use gardener_core::{PatternId, Severity};
use gardener_ingest::{Compression, InputSource, Line, LineReader};
use gardener_mine::{MessageKey, Miner, MinerConfig};
use gardener_parse::{Assembled, Assembler, Decoded, Decoder, DecoderConfig, Format, Record};
use gardener_redact::Redactor;
use gardener_report::{
    ChangesReport, InputReport, PatternReport, Report, SampleReport, ServiceReport, TimelineReport,
    Totals, TriageNotes, UnparsedReport, Window,
};
use indicatif::{ProgressBar, ProgressStyle};

/// What the pipeline is told.
pub struct Options {
    /// Inputs as given on the command line.
    pub inputs: Vec<String>,
    /// A forced format.
    pub format: Option<Format>,
    /// Decoder settings.
    pub decoder: DecoderConfig,
    /// Where to write assignments, if asked.
    pub assignments: Option<PathBuf>,
    /// Show a progress bar (only when stderr is a terminal).
    pub progress: bool,
    /// Templates of the user's own, tried before mining.
    pub patterns: crate::user_patterns::UserPatterns,
}

/// The most events of severity WARNING and above kept for the cascade analysis (about 24 bytes
/// each); past it, events are counted in `triage.cascade_events_capped` and left out.
pub const MAX_CASCADE_EVENTS: usize = 8_000_000;

/// The most patterns listed in a report; the rest are counted in `patterns_omitted`.
pub const MAX_REPORTED_PATTERNS: usize = 20_000;

/// The result of a run.
pub struct Analysis {
    /// The report model.
    pub report: Report,
    /// Inputs that failed part-way or could not be opened, as messages.
    pub input_errors: Vec<String>,
    /// Events of severity WARNING and above with a time, for the cascade analysis; `pattern` is
    /// the index in `report.patterns`.
    pub cascade_events: Vec<gardener_triage::ErrorEvent>,
}

/// What an event is counted under until patterns are known: a message form the miner interns,
/// or a fixed template (request summaries, whose shape the decoder already made).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum EventKey {
    /// A form interned by the miner of one service (index into `State::miners`).
    Mined(u32, MessageKey),
    Fixed(u32),
}

/// A warning-or-worse event as the pipeline keeps it until patterns are known.
struct PendingEvent {
    key: EventKey,
    time_ms: i64,
    service: u32,
    instance: Option<u32>,
}

struct State {
    decoder: Decoder,
    /// One miner per service: a word that is constant within a service (`shedding payout
    /// work`) stays a word instead of becoming `<*>` because other services write other
    /// words there. Templates that come out the same in several services share one id.
    miners: Vec<Miner>,
    miner_of_service: std::collections::HashMap<String, u32>,
    redactor: Redactor,
    summary: Summary<EventKey>,
    /// Fixed templates by index, and their index by text.
    fixed: Vec<String>,
    fixed_index: std::collections::HashMap<String, u32>,
    /// Templates of the user's own, tried before mining.
    user_patterns: crate::user_patterns::UserPatterns,
    accounting: Accounting,
    assignments: Option<BufWriter<File>>,
    /// Keys written to the assignments scratch file, numbered in order of first use.
    assignment_keys: Vec<EventKey>,
    assignment_slots: std::collections::HashMap<EventKey, u32>,
    /// Warning-or-worse events for the cascade analysis.
    cascade_events: Vec<PendingEvent>,
    /// Such events left out at the cap.
    cascade_capped: u64,
    /// Service and instance names, numbered for the cascade analysis.
    service_ids: std::collections::HashMap<String, u32>,
    instance_ids: std::collections::HashMap<String, u32>,
}

/// Runs the pipeline over every input.
///
/// # Errors
///
/// An input that does not exist (before anything is read), or an output that cannot be
/// written. Inputs that fail while being read are reported in [`Analysis::input_errors`] and the
/// rest is analysed.
pub fn run(options: &Options) -> anyhow::Result<Analysis> {
    let sources = gardener_ingest::expand(&options.inputs)?;
    let assignments_tmp = options
        .assignments
        .as_ref()
        .map(|path| path.with_extension("partial"));
    let assignments = match &assignments_tmp {
        Some(path) => {
            Some(BufWriter::new(File::create(path).with_context(|| {
                format!("cannot create `{}`", path.display())
            })?))
        }
        None => None,
    };
    let mut decoder = options.decoder.clone();
    // Syslog time stamps carry no year: they get the one that fits the run's time.
    decoder.syslog_reference = decoder.syslog_reference.or_else(|| Some(run_time()));
    let mut state = State {
        decoder: Decoder::new(decoder),
        miners: Vec::new(),
        miner_of_service: std::collections::HashMap::new(),
        redactor: Redactor::new(),
        summary: Summary::new(),
        accounting: Accounting::default(),
        assignments,
        assignment_keys: Vec::new(),
        assignment_slots: std::collections::HashMap::new(),
        fixed: Vec::new(),
        fixed_index: std::collections::HashMap::new(),
        user_patterns: options.patterns.clone(),
        cascade_events: Vec::new(),
        cascade_capped: 0,
        service_ids: std::collections::HashMap::new(),
        instance_ids: std::collections::HashMap::new(),
    };
    let mut inputs = Vec::new();
    let mut input_errors = Vec::new();
    for source in &sources {
        let name = source.display_name();
        match read_source(source, options, &mut state) {
            Ok(input) => {
                if let Some(error) = &input.error {
                    input_errors.push(format!("{name}: {error}"));
                }
                inputs.push(input);
            }
            Err(error) => {
                let message = format!("{:#}", error);
                input_errors.push(message.clone());
                inputs.push(InputReport {
                    name,
                    format: "-".to_owned(),
                    compression: "-".to_owned(),
                    records: 0,
                    error: Some(message),
                });
            }
        }
    }
    let mined: Vec<gardener_mine::Patterns> = state.miners.iter().map(Miner::finish).collect();
    let mut templates: BTreeMap<PatternId, String> = BTreeMap::new();
    let fixed = &state.fixed;
    let mut resolve = |key: &EventKey| match key {
        EventKey::Mined(miner, key) => {
            let patterns = &mined[*miner as usize];
            let index = patterns.pattern_of(*key);
            let id = patterns.id(index);
            templates
                .entry(id)
                .or_insert_with(|| patterns.template(index).to_owned());
            id
        }
        EventKey::Fixed(index) => {
            let template = &fixed[*index as usize];
            let id = PatternId::of_template(template);
            templates.entry(id).or_insert_with(|| template.clone());
            id
        }
    };
    if let (Some(writer), Some(tmp), Some(path)) = (
        state.assignments.take(),
        &assignments_tmp,
        &options.assignments,
    ) {
        let ids: Vec<PatternId> = state.assignment_keys.iter().map(&mut resolve).collect();
        finish_assignments(writer, tmp, path, &ids)?;
    }
    let pending_ids: Vec<PatternId> = state
        .cascade_events
        .iter()
        .map(|event| resolve(&event.key))
        .collect();
    let by_pattern = state.summary.rekey(&mut resolve);
    let mut report = build_report(
        inputs,
        &state.accounting,
        &by_pattern,
        &templates,
        &state.redactor,
    );
    let mut mining = gardener_report::MiningReport {
        patterns: report.patterns.len() as u64,
        ..gardener_report::MiningReport::default()
    };
    for miner in &state.miners {
        let stats = miner.stats();
        mining.distinct_forms += stats.distinct_forms as u64;
        mining.lines_token_capped += stats.lines_token_capped;
        mining.lines_form_capped += stats.lines_form_capped;
    }
    report.mining = mining;
    report.triage.cascade_events = state.cascade_events.len() as u64;
    report.triage.cascade_events_capped = state.cascade_capped;
    let index_of: std::collections::HashMap<PatternId, u32> = report
        .patterns
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let cascade_events = state
        .cascade_events
        .iter()
        .zip(pending_ids)
        .map(|(event, id)| gardener_triage::ErrorEvent {
            time_ms: event.time_ms,
            pattern: index_of.get(&id).copied().unwrap_or(u32::MAX),
            service: event.service,
            instance: event.instance,
        })
        .collect();
    Ok(Analysis {
        report,
        input_errors,
        cascade_events,
    })
}

fn read_source(
    source: &InputSource,
    options: &Options,
    state: &mut State,
) -> anyhow::Result<InputReport> {
    let name = source.display_name();
    let (raw, length): (Box<dyn std::io::Read + Send>, Option<u64>) = match source {
        InputSource::Stdin => (Box::new(std::io::stdin()), None),
        InputSource::File(path) => {
            let file =
                File::open(path).with_context(|| format!("cannot open `{}`", path.display()))?;
            let length = file.metadata().ok().map(|m| m.len());
            (Box::new(file), length)
        }
    };
    let bar = progress_bar(options.progress, length, &name);
    let raw: Box<dyn std::io::Read + Send> = match &bar {
        Some(bar) => Box::new(bar.wrap_read(raw)),
        None => raw,
    };
    let mut opened =
        gardener_ingest::open_reader(raw).with_context(|| format!("cannot read `{name}`"))?;
    let head = opened
        .reader
        .fill_buf()
        .with_context(|| format!("cannot read `{name}`"))?;
    let format = options
        .format
        .unwrap_or_else(|| gardener_parse::detect(head));
    let before = state.accounting.lines_read;
    let result = if matches!(format, Format::Plain | Format::Logfmt | Format::Container) {
        read_lines(&name, format, opened.reader.as_mut(), state)
    } else {
        read_json(&name, format, opened.reader.as_mut(), state)
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let compression = match opened.compression {
        Compression::None => "none",
        Compression::Gzip => "gzip",
        Compression::Zstd => "zstd",
    };
    Ok(InputReport {
        name,
        format: format.as_str().to_owned(),
        compression: compression.to_owned(),
        records: state.accounting.lines_read - before,
        error: result
            .err()
            .map(|error| format!("read stopped early: {error}; the records before it are counted")),
    })
}

fn progress_bar(enabled: bool, length: Option<u64>, name: &str) -> Option<ProgressBar> {
    use std::io::IsTerminal as _;
    if !enabled || !std::io::stderr().is_terminal() {
        return None;
    }
    let length = length.filter(|len| *len > 16 * 1024 * 1024)?;
    let bar = ProgressBar::new(length);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(name.to_owned());
    Some(bar)
}

/// JSON inputs (an array, or one object per line): framed and decoded on a second thread,
/// mined and aggregated here, in input order.
fn read_json(
    name: &str,
    format: Format,
    reader: &mut (dyn BufRead + Send),
    state: &mut State,
) -> std::io::Result<()> {
    let decoder = state.decoder.clone();
    crate::frames::decode_json(format, reader, &decoder, |batch| {
        for item in batch.items {
            match item {
                crate::frames::Item::Record {
                    line,
                    decoded: Decoded::Record(record),
                    bytes,
                } => {
                    state.accounting.event(0);
                    let position = format!("{name}:{line}");
                    event(
                        state,
                        &record,
                        position,
                        SampleSource::Json(&batch.bytes[bytes]),
                    );
                }
                crate::frames::Item::Record {
                    line,
                    decoded: Decoded::Unparsed(reason),
                    bytes,
                } => state
                    .accounting
                    .unparsed(name, line, &reason, &batch.bytes[bytes]),
                crate::frames::Item::Unparsed { line, reason, head } => {
                    state
                        .accounting
                        .unparsed(name, line, &reason, &batch.bytes[head])
                }
            }
        }
    })
}

/// Text inputs (plain, logfmt, container runtime lines): lines are decoded and stack traces
/// joined in order.
fn read_lines(
    name: &str,
    format: Format,
    reader: &mut dyn BufRead,
    state: &mut State,
) -> std::io::Result<()> {
    let mut lines = LineReader::new(reader);
    let mut assembler = Assembler::new();
    let mut assembled = Vec::new();
    let mut container = ContainerLines::new(name);
    let result = loop {
        let line = match lines.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => break Ok(()),
            Err(error) => break Err(error),
        };
        match line {
            Line::Oversized {
                number,
                length,
                head,
            } => {
                let reason = format!("oversized line: {length} bytes, over the 8 MiB cap");
                state.accounting.unparsed(name, number, &reason, head);
            }
            Line::Text { number, bytes } => {
                match gardener_parse::text_of(bytes) {
                    Ok(text) if format == Format::Container => {
                        container.line(
                            number,
                            &text,
                            &state.decoder,
                            &mut assembler,
                            &mut assembled,
                        );
                    }
                    Ok(text) => {
                        let decoder = &state.decoder;
                        assembler.push(
                            number,
                            &text,
                            |t| decoder.decode_text(format, t),
                            &mut assembled,
                        );
                    }
                    Err(reason) => state.accounting.unparsed(name, number, reason, bytes),
                }
                for item in assembled.drain(..) {
                    assembled_item(name, item, state);
                }
            }
        }
    };
    container.finish(&state.decoder, &mut assembler, &mut assembled);
    assembler.finish(&mut assembled);
    for item in assembled.drain(..) {
        assembled_item(name, item, state);
    }
    result
}

/// Container runtime lines of one input: unwrapped, their parts joined, and handed to the
/// assembler as the program's own text lines, so stack traces join across them.
struct ContainerLines {
    /// Container and pod named by a Kubernetes log file's path.
    origin: Option<(String, String)>,
    /// A line whose parts are still arriving: its first line number, time, text and how many
    /// parts came after the first.
    pending: Option<(u64, Option<jiff::Timestamp>, String, u32)>,
}

impl ContainerLines {
    fn new(name: &str) -> Self {
        Self {
            origin: kubernetes_origin(name),
            pending: None,
        }
    }

    fn line(
        &mut self,
        number: u64,
        text: &str,
        decoder: &gardener_parse::Decoder,
        assembler: &mut Assembler,
        out: &mut Vec<Assembled>,
    ) {
        let Some(envelope) = gardener_parse::container::unwrap(text) else {
            // Not a runtime line: whatever was pending ends, and the line is read as it is.
            self.finish(decoder, assembler, out);
            self.push(number, None, text, 0, decoder, assembler, out);
            return;
        };
        match (self.pending.take(), envelope.partial) {
            // The common case: a whole line, nothing pending; no copy of the text.
            (None, false) => {
                self.push(
                    number,
                    envelope.timestamp,
                    &envelope.text,
                    0,
                    decoder,
                    assembler,
                    out,
                );
            }
            (None, true) => {
                self.pending = Some((number, envelope.timestamp, envelope.text.into_owned(), 0));
            }
            (Some((first, timestamp, mut joined, parts)), partial) => {
                joined.push_str(&envelope.text);
                if partial {
                    self.pending = Some((first, timestamp, joined, parts + 1));
                } else {
                    self.push(
                        first,
                        timestamp,
                        &joined,
                        parts + 1,
                        decoder,
                        assembler,
                        out,
                    );
                }
            }
        }
    }

    fn finish(
        &mut self,
        decoder: &gardener_parse::Decoder,
        assembler: &mut Assembler,
        out: &mut Vec<Assembled>,
    ) {
        if let Some((first, timestamp, joined, parts)) = self.pending.take() {
            self.push(first, timestamp, &joined, parts, decoder, assembler, out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &self,
        number: u64,
        timestamp: Option<jiff::Timestamp>,
        text: &str,
        parts: u32,
        decoder: &gardener_parse::Decoder,
        assembler: &mut Assembler,
        out: &mut Vec<Assembled>,
    ) {
        let origin = &self.origin;
        assembler.push_parts(
            number,
            text,
            parts,
            |t| {
                let mut record = decoder.decode_text(Format::Plain, t);
                // The runtime's time has a zone; the program's own may not.
                if timestamp.is_some() {
                    record.timestamp = timestamp;
                }
                if let Some((container, pod)) = origin {
                    if record.service.is_empty() {
                        record.service.clone_from(container);
                    }
                    if record.instance.is_none() {
                        record.instance = Some(pod.clone());
                    }
                }
                record
            },
            out,
        );
    }
}

/// The container and pod of a Kubernetes node's log file:
/// `/var/log/containers/<pod>_<namespace>_<container>-<64 hex>.log`, or
/// `/var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log`.
fn kubernetes_origin(name: &str) -> Option<(String, String)> {
    let path = std::path::Path::new(name);
    let file = path.file_name()?.to_str()?;
    let stem = file
        .strip_suffix(".gz")
        .or_else(|| file.strip_suffix(".zst"))
        .unwrap_or(file);
    if let Some(stem) = stem.strip_suffix(".log")
        && let Some((head, id)) = stem.rsplit_once('-')
        && id.len() == 64
        && id.bytes().all(|b| b.is_ascii_hexdigit())
    {
        let mut parts = head.splitn(3, '_');
        let (pod, _namespace, container) = (parts.next()?, parts.next()?, parts.next()?);
        return Some((container.to_owned(), pod.to_owned()));
    }
    let restart = stem.split('.').next()?;
    if restart.bytes().all(|b| b.is_ascii_digit()) && !restart.is_empty() {
        let container = path.parent()?.file_name()?.to_str()?;
        let pod_dir = path.parent()?.parent()?.file_name()?.to_str()?;
        let mut parts = pod_dir.splitn(3, '_');
        let (_namespace, pod, uid) = (parts.next()?, parts.next()?, parts.next()?);
        if uid.len() >= 32 {
            return Some((container.to_owned(), pod.to_owned()));
        }
    }
    None
}

fn assembled_item(name: &str, item: Assembled, state: &mut State) {
    match item {
        Assembled::Event {
            record,
            line,
            merged,
        } => {
            state.accounting.event(u64::from(merged));
            let position = format!("{name}:{line}");
            event(state, &record, position, SampleSource::Text);
        }
        Assembled::Blank { line } => state.accounting.unparsed(name, line, "empty line", b""),
    }
}

enum SampleSource<'a> {
    /// The record's raw JSON: the sample is its compact re-encoding.
    Json(&'a [u8]),
    /// A text record: the sample is its message.
    Text,
}

/// The key of a template known before mining (a request shape, a user template).
fn fixed_key(state: &mut State, template: &str) -> EventKey {
    if let Some(&index) = state.fixed_index.get(template) {
        return EventKey::Fixed(index);
    }
    let index = u32::try_from(state.fixed.len()).unwrap_or(u32::MAX);
    state.fixed.push(template.to_owned());
    state.fixed_index.insert(template.to_owned(), index);
    EventKey::Fixed(index)
}

/// The key of a message mined by its service's miner.
fn mined_key(state: &mut State, record: &Record, signature: &str) -> EventKey {
    let miner = match state.miner_of_service.get(&record.service) {
        Some(&miner) => miner,
        None => {
            let next = u32::try_from(state.miners.len()).unwrap_or(u32::MAX);
            state.miners.push(Miner::new(MinerConfig::default()));
            state.miner_of_service.insert(record.service.clone(), next);
            next
        }
    };
    EventKey::Mined(miner, state.miners[miner as usize].observe(signature))
}

fn event(state: &mut State, record: &Record, position: String, source: SampleSource<'_>) {
    let key = if record.payload == gardener_parse::Payload::HttpRequest {
        // The decoder already wrote the request's shape (`GET /api/items/<*> 200`): method,
        // path with its variable segments masked, and the literal status, which the miner
        // would otherwise mask and so merge successes with failures.
        fixed_key(state, &record.message)
    } else {
        let signature = gardener_parse::stack::signature(&record.message);
        let user = if state.user_patterns.is_empty() {
            None
        } else {
            state
                .user_patterns
                .find(&signature, &record.service)
                .map(str::to_owned)
        };
        if let Some(template) = user {
            fixed_key(state, &template)
        } else {
            mined_key(state, record, &signature)
        }
    };
    let nanos = record
        .timestamp
        .map_or(0, |t| t.as_nanosecond())
        .to_le_bytes();
    let rank = sample_rank(&[
        &nanos,
        record.insert_id.as_deref().unwrap_or("").as_bytes(),
        record.message.as_bytes(),
    ]);
    if let Some(writer) = &mut state.assignments {
        let next = u32::try_from(state.assignment_keys.len()).unwrap_or(u32::MAX);
        let slot = *state.assignment_slots.entry(key).or_insert_with(|| {
            state.assignment_keys.push(key);
            next
        });
        // Errors here surface when the file is finished.
        let _ = writeln!(
            writer,
            "{},{},{slot}",
            csv_field(&position),
            csv_field(record.insert_id.as_deref().unwrap_or("")),
        );
    }
    if record.severity >= Severity::Warning
        && let Some(timestamp) = record.timestamp
    {
        if state.cascade_events.len() < MAX_CASCADE_EVENTS {
            let next = u32::try_from(state.service_ids.len()).unwrap_or(u32::MAX);
            let service = *state
                .service_ids
                .entry(record.service.clone())
                .or_insert(next);
            let instance = record.instance.as_ref().map(|name| {
                let next = u32::try_from(state.instance_ids.len()).unwrap_or(u32::MAX);
                *state.instance_ids.entry(name.clone()).or_insert(next)
            });
            state.cascade_events.push(PendingEvent {
                key,
                time_ms: timestamp.as_millisecond(),
                service,
                instance,
            });
        } else {
            state.cascade_capped += 1;
        }
    }
    let timestamp = record.timestamp;
    state.summary.add(
        key,
        &record.service,
        record.severity,
        timestamp,
        rank,
        || {
            // Kept raw: most samples are displaced by later ones, so re-encoding and
            // redaction wait for the report (`finish_sample`), which sees only the survivors.
            let text = match source {
                SampleSource::Json(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                SampleSource::Text => record.message.clone(),
            };
            Sample {
                position,
                timestamp,
                text,
                rank,
            }
        },
    );
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn finish_assignments(
    writer: BufWriter<File>,
    tmp: &PathBuf,
    path: &PathBuf,
    ids: &[PatternId],
) -> anyhow::Result<()> {
    let file = writer
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)
        .with_context(|| format!("cannot write `{}`", tmp.display()))?;
    drop(file);
    let input = std::io::BufReader::new(
        File::open(tmp).with_context(|| format!("cannot read `{}`", tmp.display()))?,
    );
    let mut out = BufWriter::new(
        File::create(path).with_context(|| format!("cannot create `{}`", path.display()))?,
    );
    writeln!(out, "position,insert_id,pattern_id")?;
    for line in input.lines() {
        let line = line?;
        let Some((prefix, slot)) = line.rsplit_once(',') else {
            continue;
        };
        let id = slot
            .parse::<usize>()
            .ok()
            .and_then(|slot| ids.get(slot))
            .context("corrupt assignments scratch file")?;
        writeln!(out, "{prefix},{id}")?;
    }
    out.flush()
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    std::fs::remove_file(tmp).ok();
    Ok(())
}

/// A kept sample as the report shows it: JSON re-encoded compactly (sorted keys), then
/// redacted.
fn finish_sample(redactor: &Redactor, raw: &str) -> String {
    let compact = if raw.trim_start().starts_with('{') {
        serde_json::from_str::<serde_json::Value>(raw)
            .map_or_else(|_| raw.to_owned(), |v| v.to_string())
    } else {
        raw.to_owned()
    };
    redactor.redact(&compact).into_owned()
}

#[allow(clippy::too_many_lines)]
fn build_report(
    inputs: Vec<InputReport>,
    accounting: &Accounting,
    summary: &Summary<PatternId>,
    templates: &BTreeMap<PatternId, String>,
    redactor: &Redactor,
) -> Report {
    struct PatternAcc {
        group: Group,
        severities: BTreeMap<Severity, u64>,
        services: BTreeMap<String, u64>,
    }
    let mut per_pattern: BTreeMap<PatternId, PatternAcc> = BTreeMap::new();
    let mut per_service: BTreeMap<String, (u64, u64, u64, BTreeMap<PatternId, u64>)> =
        BTreeMap::new();
    let mut severities: BTreeMap<Severity, u64> = Severity::ALL.iter().map(|s| (*s, 0)).collect();
    let mut timeline = Timeline::default();
    let mut window: (Option<jiff::Timestamp>, Option<jiff::Timestamp>) = (None, None);

    for (key, group) in summary.groups() {
        let service = if key.service.is_empty() {
            "(unknown)".to_owned()
        } else {
            key.service.clone()
        };
        let acc = per_pattern
            .entry(key.pattern)
            .or_insert_with(|| PatternAcc {
                group: Group::default(),
                severities: BTreeMap::new(),
                services: BTreeMap::new(),
            });
        acc.group.merge(group.clone());
        *acc.severities.entry(key.severity).or_insert(0) += group.count;
        *acc.services.entry(service.clone()).or_insert(0) += group.count;
        let entry = per_service.entry(service).or_default();
        entry.0 += group.count;
        if key.severity.is_error() {
            entry.1 += group.count;
        } else if key.severity == Severity::Warning {
            entry.2 += group.count;
        }
        *entry.3.entry(key.pattern).or_insert(0) += group.count;
        *severities.entry(key.severity).or_insert(0) += group.count;
        if key.severity.is_error() {
            for (minute, count) in &group.minutes {
                *timeline.errors_per_minute.entry(*minute).or_insert(0) += count;
            }
        }
        if let Some(first) = group.first_seen {
            window.0 = Some(window.0.map_or(first, |t| t.min(first)));
        }
        if let Some(last) = group.last_seen {
            window.1 = Some(window.1.map_or(last, |t| t.max(last)));
        }
    }
    timeline.window_last_minute = window.1.map(minute_of);

    let text = |t: Option<jiff::Timestamp>| t.map(|t| t.to_string());
    let mut patterns: Vec<PatternReport> = per_pattern
        .into_iter()
        .map(|(id, acc)| PatternReport {
            id,
            template: templates.get(&id).cloned().unwrap_or_default(),
            count: acc.group.count,
            severity: acc
                .severities
                .keys()
                .next_back()
                .copied()
                .unwrap_or(Severity::Default),
            severities: acc.severities,
            services: acc.services.keys().cloned().collect(),
            service_counts: acc.services,
            first_seen: text(acc.group.first_seen),
            last_seen: text(acc.group.last_seen),
            per_minute: acc
                .group
                .minutes
                .iter()
                .map(|(minute, count)| (minute_text(*minute), *count))
                .collect(),
            samples: {
                let mut samples: Vec<SampleReport> = acc
                    .group
                    .samples
                    .iter()
                    .map(|sample| SampleReport {
                        position: sample.position.clone(),
                        timestamp: text(sample.timestamp),
                        record: finish_sample(redactor, &sample.text),
                    })
                    .collect();
                samples
                    .sort_by(|a, b| (&a.timestamp, &a.position).cmp(&(&b.timestamp, &b.position)));
                samples
            },
            sparkline: String::new(),
            priority: gardener_triage::Priority::P3,
            score: gardener_triage::Score::default(),
            category: String::new(),
            actions: Vec::new(),
            labels: Vec::new(),
            rule: String::new(),
            role: gardener_triage::Role::Independent,
            caused_by: Vec::new(),
            episodes: 0,
            new: false,
            regressed: false,
        })
        .collect();
    patterns.sort_by(|a, b| b.count.cmp(&a.count).then(a.id.cmp(&b.id)));
    // Past the cap, the rarest patterns are tallied, not listed: a flood of unique lines must
    // not turn the report into hundreds of megabytes. Errors and warnings are kept first.
    let mut omitted = gardener_report::OmittedPatterns::default();
    if patterns.len() > MAX_REPORTED_PATTERNS {
        patterns.sort_by(|a, b| {
            (
                b.severity >= Severity::Warning,
                b.count,
                std::cmp::Reverse(b.id),
            )
                .cmp(&(
                    a.severity >= Severity::Warning,
                    a.count,
                    std::cmp::Reverse(a.id),
                ))
        });
        for dropped in patterns.drain(MAX_REPORTED_PATTERNS..) {
            omitted.patterns += 1;
            omitted.events += dropped.count;
        }
        patterns.sort_by(|a, b| b.count.cmp(&a.count).then(a.id.cmp(&b.id)));
    }

    let mut services: Vec<ServiceReport> = per_service
        .into_iter()
        .map(|(name, (count, errors, warnings, by_pattern))| {
            let mut top: Vec<(PatternId, u64)> = by_pattern.into_iter().collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(5);
            ServiceReport {
                name,
                count,
                errors,
                warnings,
                top_patterns: top,
            }
        })
        .collect();
    services.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));

    let peak = timeline.peak();
    Report {
        schema: "gardener.report/1",
        generated_at: generated_at(),
        inputs,
        window: Window {
            start: text(window.0),
            end: text(window.1),
        },
        totals: Totals {
            lines_read: accounting.lines_read,
            events: accounting.events,
            multiline_merged: accounting.multiline_merged,
            unparsed: accounting.unparsed,
        },
        unparsed: UnparsedReport {
            by_reason: accounting.unparsed_by_reason.clone(),
            samples: accounting
                .unparsed_samples
                .iter()
                .map(|s| gardener_report::UnparsedSampleReport {
                    position: format!("{}:{}", s.input, s.line),
                    reason: s.reason.clone(),
                    sample: s.sample.clone(),
                })
                .collect(),
        },
        services,
        severities,
        patterns,
        timeline: TimelineReport {
            first_error_minute: timeline.first_error_minute().map(minute_text),
            peak_minute: peak.map(|(minute, _)| minute_text(minute)),
            peak_errors_per_minute: peak.map_or(0, |(_, count)| count),
            last_minute_errors: timeline.last_minute_errors(),
            error_events: timeline.total(),
            errors_per_minute: timeline
                .errors_per_minute
                .iter()
                .map(|(minute, count)| (minute_text(*minute), *count))
                .collect(),
        },
        root_causes: Vec::new(),
        cascades: Vec::new(),
        onsets: Vec::new(),
        changes: ChangesReport::default(),
        triage: TriageNotes::default(),
        collection: None,
        mining: gardener_report::MiningReport::default(),
        patterns_omitted: omitted,
        issues: None,
        narrative: None,
        extra_sections: Vec::new(),
    }
}

/// Now, or `SOURCE_DATE_EPOCH` when set (the reproducible-builds convention), so a run can be
/// made byte-for-byte repeatable.
fn generated_at() -> String {
    run_time().to_string()
}

/// The time of the run, to the second: `SOURCE_DATE_EPOCH` when set, else now.
fn run_time() -> jiff::Timestamp {
    if let Some(seconds) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        && let Ok(t) = jiff::Timestamp::from_second(seconds)
    {
        return t;
    }
    let now = jiff::Timestamp::now();
    now.round(jiff::Unit::Second).unwrap_or(now)
}
