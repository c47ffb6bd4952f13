//! `FILE.cursor`: the request being paged, the next page token and how much of the output is
//! complete, saved after every page so an interrupted collection can go on with `--resume`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::GcpError;
use crate::client::ListRequest;
use crate::filter::TimeWindow;

/// The cursor format version written.
pub const CURSOR_VERSION: u32 = 1;

/// The saved state of an unfinished collection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// [`CURSOR_VERSION`].
    pub version: u32,
    /// The request of the first page (its filter already has the window resolved, so a resumed
    /// `--since 1h` run keeps the original window).
    pub request: ListRequest,
    /// The window of the filter.
    pub window: TimeWindow,
    /// `--limit` of the original run.
    pub limit: Option<u64>,
    /// The token of the next page to fetch (`None`: start from the first page).
    pub next_page_token: Option<String>,
    /// Pages written.
    pub pages: u64,
    /// Entries written.
    pub entries: u64,
    /// Bytes of the output that hold those entries; anything after is cut on resume.
    pub bytes: u64,
}

/// The cursor path of an output: `FILE.cursor` beside it.
#[must_use]
pub fn cursor_path(output: &Path) -> PathBuf {
    let mut name = OsString::from(output.as_os_str());
    name.push(".cursor");
    PathBuf::from(name)
}

impl Cursor {
    /// Reads a cursor file.
    ///
    /// # Errors
    ///
    /// A missing, unreadable or foreign file.
    pub fn load(path: &Path) -> Result<Self, GcpError> {
        let fail = |reason: String| GcpError::Cursor {
            path: path.to_owned(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let cursor: Self =
            serde_json::from_str(&text).map_err(|e| fail(format!("not a gardener cursor: {e}")))?;
        if cursor.version != CURSOR_VERSION {
            return Err(fail(format!(
                "cursor version {} is not {CURSOR_VERSION}",
                cursor.version
            )));
        }
        Ok(cursor)
    }

    /// Writes the cursor atomically (a temporary file renamed over the old one), so a crash
    /// leaves either the old or the new cursor, never half of one.
    ///
    /// # Errors
    ///
    /// When the file cannot be written or renamed.
    pub fn save(&self, path: &Path) -> Result<(), GcpError> {
        let fail = |reason: String| GcpError::Cursor {
            path: path.to_owned(),
            reason,
        };
        let mut text = serde_json::to_string_pretty(self).map_err(|e| fail(e.to_string()))?;
        text.push('\n');
        let mut tmp = OsString::from(path.as_os_str());
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, text).map_err(|e| fail(e.to_string()))?;
        std::fs::rename(&tmp, path).map_err(|e| fail(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_sits_beside_the_output_and_round_trips() {
        assert_eq!(
            cursor_path(Path::new("out/logs.ndjson.gz")),
            PathBuf::from("out/logs.ndjson.gz.cursor")
        );
        let dir = std::env::temp_dir().join(format!("gardener-gcp-cursor-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.cursor");
        let cursor = Cursor {
            version: CURSOR_VERSION,
            request: ListRequest {
                resource_names: vec!["projects/p".into()],
                filter: r#"timestamp>="2025-05-28T17:00:00Z""#.into(),
                order_by: "timestamp asc".into(),
                page_size: 500,
                page_token: None,
            },
            window: TimeWindow {
                from: Some("2025-05-28T17:00:00Z".parse().unwrap()),
                to: None,
            },
            limit: Some(10_000),
            next_page_token: Some("tok".into()),
            pages: 4,
            entries: 2_000,
            bytes: 123_456,
        };
        cursor.save(&path).unwrap();
        assert_eq!(Cursor::load(&path).unwrap(), cursor);
        std::fs::write(&path, r#"{"version":9}"#).unwrap();
        assert!(Cursor::load(&path).is_err());
        std::fs::remove_dir_all(dir).ok();
    }
}
