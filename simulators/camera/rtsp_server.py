"""A camera on real RTSP: GStreamer's RTSP server (Debian's gir1.2-gst-rtsp-server-1.0) streaming a moving test
picture as RTP/JPEG, which OpenCV's FFmpeg backend reads. Runs under the system Python (`/usr/bin/python3`, which
has the GObject bindings), as a process of its own, so that a test can kill it like a camera losing power.

    /usr/bin/python3 simulators/camera/rtsp_server.py PORT

Prints `ready rtsp://127.0.0.1:PORT/camera` once it listens, then reads commands on stdin, one per line:

* `stall`: no new frame at all while the RTSP session stays open (a hung encoder);
* `still`: the same frame, over and over (a frozen picture the camera keeps sending);
* `play`: live pictures again.
"""

from __future__ import annotations

import sys
import threading

import gi  # type: ignore[import-not-found]  # Debian's python3-gi, not in the venv

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # type: ignore[import-not-found]  # noqa: E402

PIPELINE = (
    "( videotestsrc name=source is-live=true pattern=ball "
    "! video/x-raw,width=320,height=240,framerate=10/1 "
    "! valve name=gate drop=false ! videoconvert ! video/x-raw,format=I420 "  # RTP/JPEG carries 4:2:0 only
    "! jpegenc quality=80 ! rtpjpegpay name=pay0 pt=96 )"
)


class Camera:
    def __init__(self, port: int) -> None:
        self.server = GstRtspServer.RTSPServer()
        self.server.set_address("127.0.0.1")
        self.server.set_service(str(port))
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(PIPELINE)
        factory.set_shared(True)  # every client (and a reconnecting one) sees the same pipeline and its state
        factory.connect("media-configure", self._configured)
        self.server.get_mount_points().add_factory("/camera", factory)
        self.pipelines: list[Gst.Bin] = []
        self.mode = "play"

    def _configured(self, _factory: GstRtspServer.RTSPMediaFactory, media: GstRtspServer.RTSPMedia) -> None:
        pipeline = media.get_element()
        self.pipelines.append(pipeline)
        self._apply(pipeline)

    def _apply(self, pipeline: Gst.Bin) -> None:
        source, gate = pipeline.get_by_name("source"), pipeline.get_by_name("gate")
        gate.set_property("drop", self.mode == "stall")
        # Checkers are the same picture every frame; the ball moves.
        source.set_property("pattern", "checkers-8" if self.mode == "still" else "ball")

    def command(self, mode: str) -> bool:
        if mode not in ("play", "stall", "still"):
            return False
        self.mode = mode
        for pipeline in self.pipelines:
            self._apply(pipeline)
        return False  # run once (GLib idle callback)


def main() -> int:
    port = int(sys.argv[1])
    Gst.init(None)
    camera = Camera(port)
    if camera.server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{port}", file=sys.stderr)
        return 1
    loop = GLib.MainLoop()

    def read_commands() -> None:
        for line in sys.stdin:
            GLib.idle_add(camera.command, line.strip())
        GLib.idle_add(loop.quit)  # stdin closed: the test is gone

    threading.Thread(target=read_commands, daemon=True).start()
    print(f"ready rtsp://127.0.0.1:{port}/camera", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
