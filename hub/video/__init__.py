"""Video analysis: pure numpy/OpenCV over frames, with time passed in — no I/O, no clock, no network.

Import from the modules (`hub.video.analyzer`, `hub.video.zones`, …): this package file stays empty so that a
light user (the config schema needs only `hub.video.schedule`) does not load OpenCV. Capture, process pools,
media and publishing live in `hub.adapters.camera`.
"""
