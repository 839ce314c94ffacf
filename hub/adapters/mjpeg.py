"""Reading cameras' HTTP MJPEG streams (`multipart/x-mixed-replace` of JPEG images) without OpenCV: for the
console's live view, which relays the frames as they come, and for single snapshots.

`MjpegParser` splits the byte stream into JPEG frames (using each part's Content-Length when the camera sends
one, else the next boundary); `mjpeg_frames` is an async generator over a camera URL; closing it (leaving an
`aclosing` block) closes the connection to the camera.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator

import aiohttp

JPEG_START = b"\xff\xd8"
MAX_FRAME_BYTES = 8 * 1024 * 1024
MAX_HEADER_BYTES = 8 * 1024
_READ_CHUNK = 64 * 1024
_BOUNDARY = re.compile(r'boundary="?([^";,]+)"?', re.IGNORECASE)
_LENGTH = re.compile(rb"^content-length:\s*(\d{1,9})\s*$", re.IGNORECASE | re.MULTILINE)


class MjpegError(Exception):
    """The camera cannot be read as MJPEG: unreachable, an HTTP error, not multipart JPEG, a frame too large."""


def stream_kind(stream: str) -> str:
    """How a camera's stream can be shown in a browser: `mjpeg` (http/https, relayed by the hub), `rtsp`, `file`
    (a video file for tests and demos), or `none` (no stream configured)."""
    lowered = stream.strip().lower()
    if not lowered:
        return "none"
    if lowered.startswith(("http://", "https://")):
        return "mjpeg"
    if lowered.startswith(("rtsp://", "rtsps://")):
        return "rtsp"
    return "file"


def boundary_of(content_type: str) -> str | None:
    found = _BOUNDARY.search(content_type)
    return found[1].strip() if found else None


class MjpegParser:
    """Feed it the bytes of a multipart stream; it returns the complete JPEG frames found so far."""

    def __init__(self, boundary: str, max_frame_bytes: int = MAX_FRAME_BYTES) -> None:
        # Cameras disagree on whether the header's boundary includes the leading dashes: match without them.
        self._marker = boundary.lstrip("-").encode("latin-1")
        if not self._marker:
            raise MjpegError("empty multipart boundary")
        self._max = max_frame_bytes
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        frames: list[bytes] = []
        while (frame := self._next()) is not None:
            if frame.startswith(JPEG_START):
                frames.append(frame)
        if len(self._buffer) > self._max + MAX_HEADER_BYTES:
            raise MjpegError(f"a frame larger than {self._max} bytes")
        return frames

    def _next(self) -> bytes | None:
        buffer = self._buffer
        at = buffer.find(self._marker)
        if at < 0:
            # Keep only what could be the start of a marker split across reads.
            del buffer[: max(0, len(buffer) - len(self._marker))]
            return None
        line_end = buffer.find(b"\n", at)
        if line_end < 0:
            return None
        # The part's headers run from the end of the boundary line to the first empty line (there may be none).
        head_start = line_end - 1 if buffer[line_end - 1 : line_end] == b"\r" else line_end
        ends = [
            (i, n)
            for i, n in ((buffer.find(b"\r\n\r\n", head_start), 4), (buffer.find(b"\n\n", head_start), 2))
            if i >= 0
        ]
        head_end, skip = min(ends) if ends else (-1, 0)
        if head_end < 0:
            if len(buffer) - head_start > MAX_HEADER_BYTES:
                raise MjpegError("a part header that never ends")
            return None
        headers = bytes(buffer[head_start:head_end])
        body_start = head_end + skip
        length = _LENGTH.search(headers)
        if length is not None:
            size = int(length[1])
            if size > self._max:
                raise MjpegError(f"a frame of {size} bytes (more than {self._max})")
            if len(buffer) < body_start + size:
                return None
            frame = bytes(buffer[body_start : body_start + size])
            del buffer[: body_start + size]
            return frame
        following = buffer.find(self._marker, body_start)
        if following < 0:
            return None
        end = following
        while end > body_start and buffer[end - 1] in b"-\r\n":
            end -= 1
        frame = bytes(buffer[body_start:end])
        del buffer[:following]
        return frame


async def mjpeg_frames(
    session: aiohttp.ClientSession, url: str, connect_timeout_s: float = 5.0, frame_timeout_s: float = 10.0
) -> AsyncGenerator[bytes]:
    """The camera's JPEG frames as they arrive. A camera that answers with a single `image/jpeg` gives that one
    frame. Raises MjpegError when the camera cannot be read, or sends nothing for `frame_timeout_s`."""
    timeout = aiohttp.ClientTimeout(total=None, connect=connect_timeout_s, sock_read=frame_timeout_s)
    try:
        async with session.get(url, timeout=timeout) as response:
            if response.status != 200:
                raise MjpegError(f"the camera answered HTTP {response.status}")
            content_type = response.headers.get("Content-Type", "")
            if content_type.lower().startswith("image/jpeg"):
                frame = await response.content.read(MAX_FRAME_BYTES + 1)
                if len(frame) > MAX_FRAME_BYTES or not frame.startswith(JPEG_START):
                    raise MjpegError("the camera's image is not a JPEG of a sensible size")
                yield frame
                return
            boundary = boundary_of(content_type)
            if not content_type.lower().startswith("multipart/") or boundary is None:
                raise MjpegError(f"not an MJPEG stream (Content-Type {content_type or 'missing'})")
            parser = MjpegParser(boundary)
            while True:
                chunk = await response.content.readany()
                if not chunk:
                    raise MjpegError("the camera ended the stream")
                for frame in parser.feed(chunk):
                    yield frame
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise MjpegError(f"cannot read the camera: {type(exc).__name__} {exc}".strip()) from None
