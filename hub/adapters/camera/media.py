"""Event media on disk: a JPEG snapshot and a WebM (VP8) clip per event, under `root/{camera}/{day}/`, with a
retention policy (older than N days, or over N bytes in total: oldest first).

Files are written under a temporary name and renamed, so the media server never serves half a file. Blocking:
call from a worker thread, not the event loop.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# cv2 (and numpy with it) is imported where frames are encoded or decoded, not here: the hub keeps only
# the store and its retention, and must not pay OpenCV's import before it begins ingest.

CLIP_FOURCC = "VP80"  # VP8 in WebM: what the opencv wheel writes and Chromium plays
SNAPSHOT_SUFFIX, CLIP_SUFFIX = ".jpg", ".webm"


class MediaError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class PruneReport:
    files_deleted: int
    bytes_deleted: int
    bytes_kept: int


class MediaStore:
    def __init__(self, root: Path, max_age_days: float = 14.0, max_bytes: int = 20 * 1024**3) -> None:
        self.root = Path(root).resolve()
        self.max_age_s = max_age_days * 86_400
        self.max_bytes = max_bytes

    def path_for(self, camera: str, event_id: str, t: float, suffix: str) -> Path:
        day = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d")
        return self.root / camera / day / f"{event_id}{suffix}"

    def relative(self, path: Path) -> str:
        """The path below the root, with '/' separators: what goes into a media URL."""
        return path.relative_to(self.root).as_posix()

    def resolve(self, relative: str) -> Path | None:
        """The file named by a URL path below the root; None if it would leave the root or does not exist."""
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def save_snapshot(self, camera: str, event_id: str, t: float, image: np.ndarray, quality: int = 85) -> bytes:
        """Encode and store the snapshot; return the JPEG bytes (the event also carries them inline)."""
        import cv2

        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise MediaError("JPEG encoding failed")
        data = encoded.tobytes()
        self.save_bytes(camera, event_id, t, data, SNAPSHOT_SUFFIX)
        return data

    def save_bytes(self, camera: str, event_id: str, t: float, data: bytes, suffix: str) -> Path:
        """Store media that arrived already encoded (a snapshot inline in an event, a fetched clip)."""
        path = self.path_for(camera, event_id, t, suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.part")
        partial.write_bytes(data)
        os.replace(partial, path)
        return path

    def save_clip(self, camera: str, event_id: str, t: float, frames: Sequence[np.ndarray], fps: float) -> Path:
        """Write the frames as a WebM (VP8) clip and check it by reading it back."""
        import cv2

        if not frames:
            raise MediaError("a clip needs at least one frame")
        path = self.path_for(camera, event_id, t, CLIP_SUFFIX)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}")  # hidden, and still .webm so FFmpeg picks the container
        height, width = frames[0].shape[:2]
        writer = cv2.VideoWriter(str(partial), cv2.VideoWriter.fourcc(*CLIP_FOURCC), fps, (width, height))
        if not writer.isOpened():
            raise MediaError(f"cannot open a {CLIP_FOURCC} writer for {partial}")
        try:
            for frame in frames:
                if frame.shape[:2] != (height, width):
                    frame = cv2.resize(frame, (width, height))
                writer.write(frame if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
        finally:
            writer.release()
        written = count_frames(partial)
        if written != len(frames):
            partial.unlink(missing_ok=True)
            raise MediaError(f"clip check failed: wrote {len(frames)} frames, read back {written}")
        os.replace(partial, path)
        return path

    def prune(self, now: float | None = None) -> PruneReport:
        """Delete media older than the age limit, then the oldest until the total fits the size limit."""
        now = time.time() if now is None else now
        files = []
        for path in self.root.rglob("*"):
            if path.is_file():
                stat = path.stat()
                files.append((stat.st_mtime, stat.st_size, path))
        files.sort()
        total = sum(size for _, size, _ in files)
        deleted = deleted_bytes = 0
        for mtime, size, path in files:
            if now - mtime <= self.max_age_s and total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
            deleted += 1
            deleted_bytes += size
        for directory in sorted((p for p in self.root.rglob("*") if p.is_dir()), reverse=True):
            if not any(directory.iterdir()):
                directory.rmdir()
        return PruneReport(deleted, deleted_bytes, total)


def count_frames(path: Path) -> int:
    """Frames decodable from a video file (0 if it cannot be opened)."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    count = 0
    try:
        while capture.grab():
            count += 1
    finally:
        capture.release()
    return count
