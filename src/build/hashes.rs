//! The content hashes of a site's input files, kept between runs the way git's index keeps
//! them: with each hash, the file's status when it was taken (size, modification and change
//! times, inode, device). A file whose status is the same as then is not read again.
//!
//! The change time (`ctime`) is what makes this safe where modification times alone are not:
//! on a local Linux filesystem every write and every `touch -m` sets it to the present, and no
//! program can set it back. One case remains, as in git: a file written twice within one tick
//! of the filesystem's clock keeps its status. So a hash taken less than [`RACY`] after the
//! file's last change is not trusted later ("racily clean", in git's words): such a file is
//! read and hashed again until its hash is older than that.
//!
//! Only the filesystems known to keep a real change time of their own are trusted (see
//! [`keeps_change_times`]): network and FUSE filesystems report the modification time as the
//! change time (so `touch -d` or `cp -p` could set a file's whole status back) and may give
//! cached attributes of a file edited elsewhere. There, and off Linux, every file is read
//! every time, as if there were no cache.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long after a file's last change its hash must have been taken to be trusted later: a
/// generous bound on a filesystem clock's tick (FAT keeps times to two seconds).
pub const RACY: Duration = Duration::from_secs(3);

/// The first line of the cache file.
const HEADER: &str = "nianbao file hashes 1";

const HEX: &[u8; 16] = b"0123456789abcdef";

/// What a file's status says of its contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    /// Nanoseconds since 1970 (negative before).
    mtime: i128,
    ctime: i128,
    ino: u64,
    dev: u64,
}

impl Stamp {
    /// The stamp of a file's metadata; None where there is no change time (off Unix).
    #[cfg(unix)]
    pub fn of(meta: &fs::Metadata) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        Some(Stamp {
            len: meta.size(),
            mtime: ns(meta.mtime(), meta.mtime_nsec()),
            ctime: ns(meta.ctime(), meta.ctime_nsec()),
            ino: meta.ino(),
            dev: meta.dev(),
        })
    }

    #[cfg(not(unix))]
    pub fn of(_meta: &fs::Metadata) -> Option<Stamp> {
        None
    }
}

/// A file's hash and the status it had just before it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    stamp: Stamp,
    hash: [u8; 32],
    /// When the status was read (nanoseconds since 1970).
    at: i128,
}

impl Entry {
    /// Whether this hash holds for a file whose status is now `stamp`: the same status, and
    /// the hash taken well after the file's last change.
    fn holds_for(&self, stamp: &Stamp) -> bool {
        let racy = RACY.as_nanos() as i128;
        self.stamp == *stamp && stamp.mtime + racy < self.at && stamp.ctime + racy < self.at
    }
}

/// Nanoseconds since 1970 of `t`.
pub(crate) fn nanos(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

/// The hashes of files (by path relative to the site folder), as loaded from the cache and
/// updated by [`FileHashes::hash`].
#[derive(Debug, Default)]
pub struct FileHashes {
    entries: HashMap<String, Entry>,
    /// Whether an entry was added or replaced since loading.
    changed: bool,
    /// Per device: whether its filesystem keeps change times (asked once per run).
    trusted: Mutex<HashMap<u64, bool>>,
}

impl FileHashes {
    /// The hashes kept in `path`; none when it is missing or unreadable (every file is then
    /// read once).
    pub fn load(path: &Path) -> FileHashes {
        let text = fs::read_to_string(path).unwrap_or_default();
        FileHashes {
            entries: parse(&text).unwrap_or_default(),
            ..FileHashes::default()
        }
    }

    /// Keep the hashes in `path` when they changed since loading (best effort: without them
    /// the next run reads every file once).
    pub fn save(&mut self, path: &Path) {
        if !self.changed {
            return;
        }
        if super::inputs::write_cache_file(path, self.text().as_bytes()).is_ok() {
            self.changed = false;
        }
    }

    /// The content hash of the file at `abs` (named `rel`), whose metadata (following
    /// symlinks) `meta` was read no earlier than `now`; None when it cannot be read. Read only
    /// when no kept hash holds for it; a hash taken is kept.
    pub fn hash(
        &self,
        rel: &str,
        abs: &Path,
        meta: &fs::Metadata,
        now: SystemTime,
    ) -> Option<Hashed> {
        let trusted = self.trusts(meta, abs);
        if let (Some(s), Some(e)) = (Stamp::of(meta).filter(|_| trusted), self.entries.get(rel))
            && e.holds_for(&s)
        {
            return Some(Hashed {
                hash: e.hash,
                fresh: None,
            });
        }
        // the status kept is that of the file read (a file renamed over `abs` meanwhile is
        // another inode), taken before its bytes
        let mut file = fs::File::open(abs).ok()?;
        let status = file.metadata().ok()?;
        let mut bytes = Vec::with_capacity(usize::try_from(status.len()).unwrap_or(0));
        file.read_to_end(&mut bytes).ok()?;
        let hash: [u8; 32] = Sha256::digest(&bytes).into();
        // names with a line break cannot be kept in the cache's lines
        let fresh = Stamp::of(&status)
            .filter(|_| trusted && !rel.contains(['\n', '\r']))
            .map(|stamp| Entry {
                stamp,
                hash,
                at: nanos(now),
            });
        Some(Hashed { hash, fresh })
    }

    /// Take the filesystem of `path` for one that keeps change times, whatever it is (tests
    /// of the cache's use on any temporary folder).
    #[cfg(all(test, unix))]
    pub(crate) fn trust_filesystem_of(&self, path: &Path) {
        use std::os::unix::fs::MetadataExt;
        let dev = fs::metadata(path).unwrap().dev();
        self.trusted.lock().unwrap().insert(dev, true);
    }

    /// Whether the filesystem of the file at `abs` (whose metadata is `meta`) keeps change
    /// times: asked once per device.
    fn trusts(&self, meta: &fs::Metadata, abs: &Path) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let mut known = self.trusted.lock().unwrap_or_else(|e| e.into_inner());
            *known
                .entry(meta.dev())
                .or_insert_with(|| keeps_change_times(abs))
        }
        #[cfg(not(unix))]
        {
            let _ = (meta, abs);
            false
        }
    }

    /// Keep what [`FileHashes::hash`] took.
    pub fn keep(&mut self, rel: &str, hashed: &Hashed) {
        if let Some(e) = hashed.fresh
            && self.entries.get(rel) != Some(&e)
        {
            self.entries.insert(rel.to_string(), e);
            self.changed = true;
        }
    }

    /// Forget the files not in `present` (removed from the site).
    pub fn retain<'a>(&mut self, present: impl IntoIterator<Item = &'a str>) {
        let present: std::collections::HashSet<&str> = present.into_iter().collect();
        let before = self.entries.len();
        self.entries.retain(|k, _| present.contains(k.as_str()));
        self.changed |= self.entries.len() != before;
    }

    fn text(&self) -> String {
        let mut keys: Vec<&String> = self.entries.keys().collect();
        keys.sort();
        let mut out = String::with_capacity(keys.len() * 160);
        out.push_str(HEADER);
        out.push('\n');
        for k in keys {
            use std::fmt::Write;
            let e = &self.entries[k];
            let s = &e.stamp;
            for b in e.hash {
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
            // writing into a String cannot fail
            let _ = writeln!(
                out,
                " {} {} {} {} {} {} {k}",
                s.len, s.mtime, s.ctime, s.ino, s.dev, e.at
            );
        }
        out
    }
}

/// Whether the filesystem holding `path` is one whose change times can stand for its files'
/// contents: a local Linux filesystem that keeps them itself (by the magic number `statfs`
/// gives: ext2/3/4, XFS, Btrfs, tmpfs, F2FS, ZFS). Network filesystems (NFS, SMB, 9p), FUSE
/// (sshfs), overlays and the FAT family are not.
#[cfg(target_os = "linux")]
fn keeps_change_times(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    const KEEPING: [u64; 6] = [
        0xEF53,      // ext2, ext3, ext4
        0x5846_5342, // XFS
        0x9123_683E, // Btrfs
        0x0102_1994, // tmpfs
        0xF2F5_2010, // F2FS
        0x2FC1_2FC1, // ZFS
    ];
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: an all-zero statfs is a valid value of that plain C struct
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a NUL-terminated path and `st` a valid place for the answer, both alive
    // for the call
    if unsafe { libc::statfs(c.as_ptr(), &mut st) } != 0 {
        return false;
    }
    // the field's integer type varies by architecture; the magic numbers are 32-bit
    KEEPING.contains(&(st.f_type as u64 & 0xFFFF_FFFF))
}

#[cfg(not(target_os = "linux"))]
fn keeps_change_times(_path: &Path) -> bool {
    false
}

/// A file's hash, and the entry to keep for it when it was read.
#[derive(Debug, Clone, Copy)]
pub struct Hashed {
    pub hash: [u8; 32],
    fresh: Option<Entry>,
}

fn parse(text: &str) -> Option<HashMap<String, Entry>> {
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return None;
    }
    let mut out = HashMap::new();
    for line in lines {
        let mut f = line.splitn(8, ' ');
        let hex = f.next()?;
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        let mut hash = [0u8; 32];
        for (i, b) in hash.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        let stamp = Stamp {
            len: f.next()?.parse().ok()?,
            mtime: f.next()?.parse().ok()?,
            ctime: f.next()?.parse().ok()?,
            ino: f.next()?.parse().ok()?,
            dev: f.next()?.parse().ok()?,
        };
        let at = f.next()?.parse().ok()?;
        let rel = f.next()?;
        out.insert(rel.to_string(), Entry { stamp, hash, at });
    }
    Some(out)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Hash `rel` in `dir` as a run at `now` would, keeping the result, its filesystem taken
    /// for one that keeps change times (whatever the one of the temporary folder is).
    fn run(h: &mut FileHashes, dir: &Path, rel: &str, now: SystemTime) -> [u8; 32] {
        use std::os::unix::fs::MetadataExt;
        let abs = dir.join(rel);
        let meta = fs::metadata(&abs).unwrap();
        h.trusted.lock().unwrap().insert(meta.dev(), true);
        let got = h.hash(rel, &abs, &meta, now).unwrap();
        h.keep(rel, &got);
        got.hash
    }

    #[test]
    fn on_a_filesystem_without_change_times_every_file_is_read() {
        use std::os::unix::fs::MetadataExt;
        let d = tempfile::tempdir().unwrap();
        let abs = d.path().join("a.md");
        fs::write(&abs, "一").unwrap();
        let later = SystemTime::now() + Duration::from_secs(60);
        let mut h = FileHashes::default();
        run(&mut h, d.path(), "a.md", later);
        let meta = fs::metadata(&abs).unwrap();
        h.trusted.lock().unwrap().insert(meta.dev(), false);
        // the kept hash, though its status matches, is not used; nothing new is kept
        h.entries.get_mut("a.md").unwrap().hash = [0; 32];
        let got = h.hash("a.md", &abs, &meta, later).unwrap();
        assert_eq!(got.hash, <[u8; 32]>::from(Sha256::digest("一".as_bytes())));
        assert!(got.fresh.is_none());
        // nor is anything kept on a filesystem that is not a local one
        assert!(!keeps_change_times(Path::new("/proc/self")));
        assert!(!keeps_change_times(&d.path().join("missing")));
    }

    fn set_times(path: &Path, t: SystemTime) {
        let f = fs::File::options().write(true).open(path).unwrap();
        f.set_times(fs::FileTimes::new().set_modified(t).set_accessed(t))
            .unwrap();
    }

    #[test]
    fn a_kept_hash_is_used_only_while_the_status_is_unchanged() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("a.md");
        fs::write(&file, "正文").unwrap();
        let digest = |s: &str| -> [u8; 32] { Sha256::digest(s.as_bytes()).into() };
        let later = SystemTime::now() + Duration::from_secs(60);
        let mut h = FileHashes::default();
        assert_eq!(run(&mut h, d.path(), "a.md", later), digest("正文"));
        // trusted: the kept hash is returned even though the file now says otherwise
        // (its status faked back below cannot happen in life: this shows it is not read)
        let e = h.entries["a.md"];
        h.entries.get_mut("a.md").unwrap().hash = digest("别的");
        assert_eq!(run(&mut h, d.path(), "a.md", later), digest("别的"));
        h.entries.insert("a.md".into(), e);
        // same size and modification time after a rewrite: the change time gives it away
        let before = fs::metadata(&file).unwrap();
        // past the clock tick of the first write (a rewrite within it is the racy case)
        std::thread::sleep(Duration::from_millis(50));
        fs::write(&file, "正交").unwrap();
        set_times(&file, before.modified().unwrap());
        let after = fs::metadata(&file).unwrap();
        assert_eq!(
            (after.len(), after.modified().unwrap()),
            (before.len(), before.modified().unwrap())
        );
        assert_eq!(run(&mut h, d.path(), "a.md", later), digest("正交"));
    }

    #[test]
    fn a_hash_taken_right_after_a_change_is_not_trusted_later() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("a.md"), "一").unwrap();
        let mut h = FileHashes::default();
        // hashed at once after the write: racy
        run(&mut h, d.path(), "a.md", SystemTime::now());
        let e = h.entries["a.md"];
        assert!(!e.holds_for(&e.stamp));
        // hashed again later: trusted from then on
        run(&mut h, d.path(), "a.md", SystemTime::now() + RACY * 2);
        let e = h.entries["a.md"];
        assert!(e.holds_for(&e.stamp));
    }

    #[test]
    fn hashes_survive_saving_and_a_garbled_file_is_ignored() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("a b.md"), "x").unwrap();
        let later = SystemTime::now() + Duration::from_secs(60);
        let mut h = FileHashes::default();
        run(&mut h, d.path(), "a b.md", later);
        assert!(h.changed);
        let path = d.path().join("cache/hashes");
        h.save(&path);
        assert!(!h.changed);
        let back = FileHashes::load(&path);
        assert_eq!(back.entries, h.entries);
        // running again changes nothing, so nothing is written
        let mut back = back;
        run(&mut back, d.path(), "a b.md", later);
        assert!(!back.changed);
        back.retain(["other"]);
        assert!(back.changed && back.entries.is_empty());
        for bad in ["", "nianbao file hashes 1\nzz 1 2 3 4 5 6 a\n", "other\n"] {
            fs::write(&path, bad).unwrap();
            assert!(FileHashes::load(&path).entries.is_empty(), "{bad:?}");
        }
    }
}
