//! The files `witness serve --data DIR` owns: private (files 0600, directories 0700), never
//! reached through a symbolic link, and written atomically (a temporary file in the same
//! directory, fsync, rename, fsync of the directory), so a crash leaves either the whole file or
//! none under its name.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

/// Where a temporary file is written before it is renamed into place; never a final name.
pub const TEMP_SUFFIX: &str = ".tmp";

/// Refuses `path` when it is a symbolic link: whoever can plant one could make the server read or
/// overwrite a file elsewhere.
pub fn refuse_symlink(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is a symbolic link; refusing to follow it",
                path.display()
            ),
        )),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Refuses `dir` if any of its entries is a symbolic link (a missing `dir` has none).
pub fn refuse_symlinks_in(dir: &Path) -> io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        refuse_symlink(&entry?.path())?;
    }
    Ok(())
}

/// Creates `dir` (and its missing parents) as 0700 if absent; refuses it if it is a symbolic
/// link or not a directory.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    refuse_symlink(dir)?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    if !std::fs::symlink_metadata(dir)?.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a directory", dir.display()),
        ));
    }
    Ok(())
}

fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    options.custom_flags(libc::O_NOFOLLOW).mode(0o600)
}

/// Opens `path` for reading without following a symbolic link.
pub fn open_read(path: &Path) -> io::Result<File> {
    no_follow(OpenOptions::new().read(true)).open(path)
}

/// Opens (creating it 0600 if absent) `path` for reading and writing without following a
/// symbolic link: the database file.
pub fn open_private(path: &Path) -> io::Result<File> {
    no_follow(OpenOptions::new().read(true).write(true).create(true)).open(path)
}

/// Writes `data` to `dir/name` atomically and durably: when this returns, the file is on disk
/// under its name; if the process dies before, at most a temporary file is left, which the next
/// start removes.
pub fn write_atomic(dir: &Path, name: &str, data: &[u8]) -> io::Result<()> {
    let temp = dir.join(format!("{name}{TEMP_SUFFIX}"));
    let written = (|| {
        let mut file = no_follow(OpenOptions::new().write(true).create_new(true)).open(&temp)?;
        file.write_all(data)?;
        file.sync_all()
    })();
    if let Err(e) = written.and_then(|()| std::fs::rename(&temp, dir.join(name))) {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    sync_dir(dir)
}

/// Makes the directory's entries (a rename, a new or removed file) durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn files_are_0600_directories_0700_and_a_write_leaves_no_temporary_file() {
        let scratch = tempfile::tempdir().expect("scratch dir");
        let dir = scratch.path().join("data/blobs");
        private_dir(&dir).expect("created");
        assert_eq!(mode(&dir), 0o700);
        write_atomic(&dir, "a", b"bytes").expect("written");
        assert_eq!(mode(&dir.join("a")), 0o600);
        assert_eq!(std::fs::read(dir.join("a")).expect("read"), b"bytes");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .expect("listed")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["a"]);
        open_private(&dir.join("db")).expect("created");
        assert_eq!(mode(&dir.join("db")), 0o600);
    }

    #[test]
    fn symbolic_links_are_refused_and_never_followed() {
        let scratch = tempfile::tempdir().expect("scratch dir");
        let target = scratch.path().join("target");
        std::fs::write(&target, b"secret").expect("written");
        let link = scratch.path().join("link");
        std::os::unix::fs::symlink(&target, &link).expect("linked");
        assert!(refuse_symlink(&link).is_err());
        assert!(private_dir(&link).is_err());
        assert!(open_read(&link).is_err(), "O_NOFOLLOW");
        assert!(open_private(&link).is_err(), "O_NOFOLLOW");
        // A link planted at a temporary name makes the write fail, not write through it.
        std::os::unix::fs::symlink(&target, scratch.path().join("x.tmp")).expect("linked");
        assert!(write_atomic(scratch.path(), "x", b"evil").is_err());
        assert_eq!(std::fs::read(&target).expect("read"), b"secret");
    }
}
