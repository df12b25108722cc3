//! The task that writes the state file: the tap and patch modules' [`WatchSink`]s each
//! replace their half of the latest state on a watch channel (never blocking the module);
//! the task writes it with blocking I/O off the runtime threads. Changes that arrive
//! during a write are merged: only the newest state is written next.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, error};

use super::{
    unix_ms, PatchSnapshot, PatchStateSink, SavedStaticOff, StateFile, StateStore, TapSnapshot,
    TapStateSink,
};

/// A module's end (clone it for each module).
#[derive(Debug, Clone)]
pub struct WatchSink {
    tx: Arc<watch::Sender<StateFile>>,
}

impl TapStateSink for WatchSink {
    fn save(&mut self, taps: &[TapSnapshot], now: Instant) {
        // The module's `now` is close to the real one; its wall-clock time is read here.
        let wall = unix_ms(SystemTime::now());
        let saved = taps.iter().map(|t| t.to_saved(now, wall)).collect();
        self.tx.send_modify(|f| {
            f.taps = saved;
            f.saved_at_unix_ms = wall;
        });
    }

    fn save_static_off(&mut self, off: &[SavedStaticOff]) {
        let wall = unix_ms(SystemTime::now());
        self.tx.send_modify(|f| {
            f.static_off = off.to_vec();
            f.saved_at_unix_ms = wall;
        });
    }
}

impl PatchStateSink for WatchSink {
    fn save_patches(&mut self, patches: &[PatchSnapshot], now: Instant) {
        let wall = unix_ms(SystemTime::now());
        let saved = patches.iter().map(|p| p.to_saved(now, wall)).collect();
        self.tx.send_modify(|f| {
            f.patches = saved;
            f.saved_at_unix_ms = wall;
        });
    }
}

/// Start the writer for `store` on `tracker`, from the state `initial` (what was restored:
/// a module that has not reported yet keeps its part). It stops (after a last write of
/// anything pending) when `shutdown` is cancelled.
pub fn start(
    store: StateStore,
    initial: StateFile,
    tracker: &TaskTracker,
    shutdown: CancellationToken,
) -> WatchSink {
    let (tx, rx) = watch::channel(initial);
    tracker.spawn(run(store, rx, shutdown));
    WatchSink { tx: Arc::new(tx) }
}

async fn run(store: StateStore, mut rx: watch::Receiver<StateFile>, shutdown: CancellationToken) {
    loop {
        let stopping = tokio::select! {
            r = rx.changed() => r.is_err(),
            _ = shutdown.cancelled() => true,
        };
        if stopping && !rx.has_changed().unwrap_or(false) {
            return;
        }
        let state = rx.borrow_and_update().clone();
        let s = store.clone();
        let n = state.taps.len();
        match tokio::task::spawn_blocking(move || s.save(&state)).await {
            Ok(Ok(())) => debug!(path = %store.path().display(), taps = n, "state saved"),
            Ok(Err(e)) => error!(error = %e, "dynamic taps not saved"),
            Err(e) => error!(path = %store.path().display(), error = %e, "state writer failed"),
        }
        if stopping {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proto::flow::Match;
    use proto::DatapathId;

    use super::*;
    use crate::pipeline::Direction;
    use crate::state::SavedOrigin;
    use crate::topology::PortRef;

    fn snap(name: &str, until: Option<Instant>) -> TapSnapshot {
        TapSnapshot {
            name: name.into(),
            origin: SavedOrigin::Runtime,
            source: PortRef::new(DatapathId(1), 3),
            monitor: PortRef::new(DatapathId(3), 11),
            direction: Direction::Both,
            filter: Match::default(),
            until,
        }
    }

    #[test]
    fn every_change_reaches_the_file_and_the_last_one_is_written_at_shutdown() {
        let dir = std::env::temp_dir().join(format!("tapdemon-writer-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = StateStore::new(dir.join("state.json"));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let tracker = TaskTracker::new();
        let shutdown = CancellationToken::new();
        let mut sink = {
            let _in = rt.enter();
            start(
                store.clone(),
                StateFile::new(Vec::new(), 0),
                &tracker,
                shutdown.clone(),
            )
        };
        let now = Instant::now();
        let before = unix_ms(SystemTime::now());
        sink.save(&[snap("a", Some(now + Duration::from_secs(300)))], now);
        let deadline = Instant::now() + Duration::from_secs(5);
        let file = loop {
            if let Some(f) = store.load().unwrap() {
                break f;
            }
            assert!(Instant::now() < deadline, "the state was not written");
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(file.taps.len(), 1);
        let at = file.taps[0].expires_at_unix_ms.unwrap();
        assert!(at >= before + 300_000 && at <= unix_ms(SystemTime::now()) + 300_000);
        // Changes made just before shutdown are not lost; each module replaces its part.
        sink.save(&[snap("a", None), snap("b", None)], now);
        let patch = PatchSnapshot {
            name: "s2-3-4".into(),
            until: now + Duration::from_secs(120),
        };
        sink.clone().save_patches(&[patch], now);
        let off = SavedStaticOff {
            name: "h1".into(),
            definition_hash: "0123456789abcdef".into(),
        };
        sink.save_static_off(std::slice::from_ref(&off));
        shutdown.cancel();
        tracker.close();
        rt.block_on(tracker.wait());
        let names: Vec<_> = store
            .load()
            .unwrap()
            .unwrap()
            .taps
            .into_iter()
            .map(|t| (t.name, t.expires_at_unix_ms))
            .collect();
        assert_eq!(names, vec![("a".into(), None), ("b".into(), None)]);
        let patches = store.load().unwrap().unwrap().patches;
        assert_eq!(patches[0].name, "s2-3-4");
        assert!(patches[0].expires_at_unix_ms >= before + 120_000);
        assert_eq!(store.load().unwrap().unwrap().static_off, vec![off]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
