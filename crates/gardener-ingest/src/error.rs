use std::path::PathBuf;

/// What can go wrong while finding, opening or reading inputs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// A named input does not exist.
    #[error("input `{}` does not exist", .path.display())]
    Missing {
        /// The path as given.
        path: PathBuf,
    },
    /// A file exists but cannot be opened.
    #[error("cannot open `{}`", .path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A directory cannot be listed.
    #[error("cannot list directory `{}`", .path.display())]
    ListDir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A glob pattern is malformed.
    #[error("bad glob pattern `{pattern}`")]
    Glob {
        /// The pattern as given.
        pattern: String,
        /// The cause.
        #[source]
        source: glob::PatternError,
    },
    /// A glob matched nothing.
    #[error("glob `{pattern}` matches no file")]
    GlobEmpty {
        /// The pattern as given.
        pattern: String,
    },
    /// Reading failed part-way (for example a truncated gzip stream).
    #[error("cannot read `{name}` after {lines} complete records")]
    Read {
        /// The input's display name.
        name: String,
        /// Records read before the failure.
        lines: u64,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}
