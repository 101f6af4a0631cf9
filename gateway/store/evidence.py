"""Evidence images, content-addressed on disk: `<root>/ab/cd/<sha256>`.

Written atomically (temporary file, fsync, rename, fsync of the folder) so a crash leaves either
the whole image or nothing; the same image stored twice is one file. Records refer to images by
sha256 only, so the database and the files can be checked against each other.

A record's images are written in two steps so they cost fewer waits on the disk: `stage` each
image (write, fsync, rename; the images of one record can be staged in parallel threads), then
`sync_dir` once per folder that got a new entry (`sync_dirs` in one thread), after every rename
(on a journalling file system the first folder fsync then commits all the renames and the rest
find little left to do). A folder created on the way is made durable by an fsync of its parent
(the one-step `put` of old did not). `put` does both steps for one image.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EvidenceStore", "Staged"]


@dataclass(slots=True, frozen=True)
class Staged:
    """An image renamed into place; durable once `dirs` (its folder, and the parents of
    folders created for it) are fsync'd."""

    sha256: str
    dirs: tuple[Path, ...]


class EvidenceStore:
    __slots__ = ("root",)

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _make_dirs(self, folder: Path) -> list[Path]:
        """Create `folder` (root/ab/cd) as needed; the parents whose entries changed."""
        if folder.is_dir():
            return []
        changed: list[Path] = []
        if not self.root.is_dir():
            self.root.mkdir(parents=True, exist_ok=True)
            changed.append(self.root.parent)
        for level in (folder.parent, folder):
            try:
                level.mkdir()
            except FileExistsError:
                continue
            changed.append(level.parent)
        return changed

    def stage(self, content: bytes) -> Staged:
        """Write the bytes under their sha256: temporary file, fsync, atomic rename. Durable
        only after `sync_dirs(staged.dirs)`. Blocking: call from a worker thread."""
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        try:
            if target.stat().st_size == len(content):
                # already there; its folder is still synced, in case another thread renamed
                # it and has not fsync'd the folder yet (an fsync with nothing new is cheap)
                return Staged(digest, (target.parent,))
        except FileNotFoundError:
            pass
        changed = self._make_dirs(target.parent)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        # the folder's new entry first, then the folders created on the way (their parents)
        return Staged(digest, (target.parent, *changed))

    @staticmethod
    def sync_dir(folder: Path) -> None:
        """fsync one folder, making the entries renamed or created in it durable. Blocking."""
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    @classmethod
    def sync_dirs(cls, dirs: Iterable[Path]) -> int:
        """fsync each folder once (duplicates skipped); returns how many. Blocking."""
        done: set[Path] = set()
        for folder in dirs:
            if folder not in done:
                done.add(folder)
                cls.sync_dir(folder)
        return len(done)

    def put(self, content: bytes) -> str:
        """Store the bytes durably; returns their sha256. Blocking: call from a worker thread."""
        staged = self.stage(content)
        self.sync_dirs(staged.dirs)
        return staged.sha256

    def put_many(self, contents: Sequence[bytes]) -> list[str]:
        """Store several images durably, each folder fsync'd once. Blocking."""
        staged = [self.stage(content) for content in contents]
        self.sync_dirs(d for s in staged for d in s.dirs)
        return [s.sha256 for s in staged]

    def get(self, sha256: str) -> bytes:
        """The image bytes. Raises FileNotFoundError, or ValueError if the file is corrupt."""
        content = self.path(sha256).read_bytes()
        if hashlib.sha256(content).hexdigest() != sha256:
            raise ValueError(f"evidence file {sha256} is corrupt")
        return content
