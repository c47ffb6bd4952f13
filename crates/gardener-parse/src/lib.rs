//! Log formats of Log Gardener.
//!
//! A framed input record (a line, or one element of a JSON array) becomes a [`Record`]: time,
//! severity on the Cloud Logging ladder, service, the message to mine, and a few attributes
//! used later (trace, instance, revision). [`detect`] picks the format of an input from its first
//! bytes; [`Decoder`] decodes one record; [`stack`] recognises stack traces and builds the
//! text a stack-trace event is mined by; [`Assembler`] joins stack traces that arrive as
//! consecutive plain-text lines into one event.
//!
//! A record that cannot be decoded is not an error: it is returned as [`Decoded::Unparsed`]
//! with a reason, and counted by the caller.

#![deny(missing_docs)]

mod assemble;
pub mod container;
mod decode;
mod detect;
mod gcp;
mod json;
mod logfmt;
mod plain;
mod record;
pub mod stack;
mod time;

pub use assemble::{Assembled, Assembler};
pub use decode::{Decoded, Decoder, DecoderConfig, text_of};
pub use detect::{Format, detect};
pub use record::{Payload, Record};
pub use time::parse_timestamp;
