//! The state file on disk: read, written atomically, and put aside when it is unreadable.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{StateFile, FORMAT_VERSION};

/// What is wrong with the state file.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The file exists but cannot be read.
    #[error("state file {path}: cannot read it: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is not a state file (bad JSON, unknown field, wrong types).
    #[error("state file {path}: line {line} column {column}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What serde_json says.
        message: String,
    },
    /// Written by a tapdemon with another format.
    #[error("state file {path}: format version {found}, this tapdemon reads version {expected}")]
    Version {
        /// The file.
        path: PathBuf,
        /// Its `version`.
        found: u32,
        /// [`FORMAT_VERSION`].
        expected: u32,
    },
    /// Its directory cannot be created.
    #[error("state file {path}: cannot create its directory: {source}")]
    CreateDir {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Writing the new state failed (the previous file is intact).
    #[error("state file {path}: cannot write it: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// The state file at one path.
#[derive(Debug, Clone)]
pub struct StateStore {
    path: PathBuf,
}

impl StateStore {
    /// The store at `path` (nothing is touched yet).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        StateStore { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Create the file's directory if it is missing.
    pub fn ensure_dir(&self) -> Result<(), StateError> {
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => {
                fs::create_dir_all(dir).map_err(|source| StateError::CreateDir {
                    path: self.path.clone(),
                    source,
                })
            }
            _ => Ok(()),
        }
    }

    /// The stored state; `Ok(None)` when there is no file yet.
    pub fn load(&self) -> Result<Option<StateFile>, StateError> {
        let text = match fs::read(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(StateError::Read {
                    path: self.path.clone(),
                    source,
                })
            }
        };
        self.parse(&text).map(Some)
    }

    /// Parse a state file's bytes (errors name this store's path).
    pub fn parse(&self, text: &[u8]) -> Result<StateFile, StateError> {
        let file: StateFile = serde_json::from_slice(text).map_err(|e| StateError::Parse {
            path: self.path.clone(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        if file.version != FORMAT_VERSION {
            return Err(StateError::Version {
                path: self.path.clone(),
                found: file.version,
                expected: FORMAT_VERSION,
            });
        }
        Ok(file)
    }

    /// Replace the file with `state`: a temp file in the same directory is written and
    /// fsynced, then renamed over the file (atomic on POSIX), then the directory is
    /// fsynced so the rename survives a power cut. A crash at any point leaves either
    /// the old or the new file, never a mix.
    pub fn save(&self, state: &StateFile) -> Result<(), StateError> {
        let write_err = |source| StateError::Write {
            path: self.path.clone(),
            source,
        };
        let mut json = serde_json::to_vec_pretty(state)
            .map_err(|e| write_err(io::Error::new(io::ErrorKind::InvalidData, e)))?;
        json.push(b'\n');
        let tmp = self.temp_path();
        if let Err(e) = write_synced(&tmp, &json).and_then(|()| fs::rename(&tmp, &self.path)) {
            let _ = fs::remove_file(&tmp);
            return Err(write_err(e));
        }
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Directories cannot be fsynced on every platform; the rename is done anyway.
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }

    /// Rename an unreadable file aside (`<file>.corrupt-<unix secs>`) so the operator can
    /// inspect it and the next write does not destroy it. Returns the new name.
    pub fn quarantine(&self, now_unix_secs: u64) -> io::Result<PathBuf> {
        let mut name = self.path.as_os_str().to_owned();
        name.push(format!(".corrupt-{now_unix_secs}"));
        let aside = PathBuf::from(name);
        fs::rename(&self.path, &aside)?;
        Ok(aside)
    }

    fn temp_path(&self) -> PathBuf {
        let file = self
            .path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| "state".into());
        self.path
            .with_file_name(format!(".{file}.tmp-{}", std::process::id()))
    }
}

/// Create (or truncate) `path`, write `bytes` and fsync them.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Direction;
    use crate::state::{SavedOrigin, SavedTap};
    use crate::topology::PortRef;
    use proto::DatapathId;

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "tapdemon-state-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = fs::remove_dir_all(&d);
        d
    }

    fn sample() -> StateFile {
        StateFile::new(
            vec![
                SavedTap {
                    name: "s1-3".into(),
                    origin: SavedOrigin::Runtime,
                    source: PortRef::new(DatapathId(1), 3),
                    monitor: PortRef::new(DatapathId(3), 11),
                    direction: Direction::Ingress,
                    filter: "tcp,tp_dst=80".into(),
                    expires_at_unix_ms: Some(1_800_000_000_000),
                },
                SavedTap {
                    name: "h9".into(),
                    origin: SavedOrigin::Activatable,
                    source: PortRef::new(DatapathId(2), 4),
                    monitor: PortRef::new(DatapathId(3), 11),
                    direction: Direction::Both,
                    filter: String::new(),
                    expires_at_unix_ms: None,
                },
            ],
            1_700_000_000_000,
        )
    }

    #[test]
    fn save_creates_the_directory_and_load_reads_back_the_same_state() {
        let d = dir("roundtrip");
        let store = StateStore::new(d.join("sub/state.json"));
        assert!(store.load().unwrap().is_none(), "no file yet is no state");
        store.ensure_dir().unwrap();
        store.save(&sample()).unwrap();
        assert_eq!(store.load().unwrap(), Some(sample()));
        // Replaced, not appended; no temp file left behind.
        let mut one = sample();
        one.taps.truncate(1);
        store.save(&one).unwrap();
        assert_eq!(store.load().unwrap(), Some(one));
        let names: Vec<_> = fs::read_dir(d.join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["state.json".to_string()]);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_truncated_file_names_path_line_and_column_and_is_put_aside() {
        let d = dir("corrupt");
        fs::create_dir_all(&d).unwrap();
        let store = StateStore::new(d.join("state.json"));
        let text = serde_json::to_string_pretty(&sample()).unwrap();
        fs::write(store.path(), &text[..text.len() / 2]).unwrap();
        let e = store.load().unwrap_err();
        let msg = e.to_string();
        assert!(
            matches!(e, StateError::Parse { line, .. } if line > 1),
            "{msg}"
        );
        assert!(msg.contains(&*store.path().to_string_lossy()), "{msg}");
        let aside = store.quarantine(42).unwrap();
        assert_eq!(aside, d.join("state.json.corrupt-42"));
        assert_eq!(fs::read_to_string(&aside).unwrap(), text[..text.len() / 2]);
        assert!(store.load().unwrap().is_none());
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn unknown_fields_and_other_versions_are_refused() {
        let store = StateStore::new("/nonexistent/state.json");
        let e = store
            .parse(br#"{"version":1,"saved_at_unix_ms":0,"taps":[],"extra":1}"#)
            .unwrap_err();
        assert!(e.to_string().contains("unknown field `extra`"), "{e}");
        let e = store
            .parse(br#"{"version":7,"saved_at_unix_ms":0,"taps":[]}"#)
            .unwrap_err();
        assert!(
            matches!(
                e,
                StateError::Version {
                    found: 7,
                    expected: 1,
                    ..
                }
            ),
            "{e}"
        );
        let e = store.parse(b"").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("state file /nonexistent/state.json: line 1"),
            "{e}"
        );
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_intact() {
        let d = dir("failwrite");
        fs::create_dir_all(&d).unwrap();
        let store = StateStore::new(d.join("state.json"));
        store.save(&sample()).unwrap();
        // The temp file's name is taken by a directory: the write fails before the rename.
        fs::create_dir_all(store.temp_path()).unwrap();
        let e = store.save(&StateFile::new(Vec::new(), 0)).unwrap_err();
        assert!(matches!(e, StateError::Write { .. }), "{e}");
        assert_eq!(store.load().unwrap(), Some(sample()));
        fs::remove_dir_all(&d).unwrap();
    }
}
