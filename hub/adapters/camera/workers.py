"""Analysis in worker processes: nothing CPU-bound runs on the event loop, and the GIL is not shared.

Each camera's analyzer keeps state (background model, tracks), so a camera is pinned to one worker: the pool is
a set of single-process executors ("shards"), camera i on shard i mod n, each running its frames in order. Only
the small grey analysis frame (≈ 57 kB at 320×180) crosses the process boundary, never the decoded picture.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import cv2
import numpy as np
import structlog

from hub.video.analyzer import AnalyzerSettings, CameraAnalyzer
from hub.video.detections import Detection

log = structlog.get_logger(__name__)

# In a worker process: the analyzers of the cameras pinned to it.
_analyzers: dict[str, CameraAnalyzer] = {}


def _start_worker(settings: Mapping[str, AnalyzerSettings]) -> None:
    cv2.setNumThreads(1)  # one worker per core already: OpenCV's own thread pool would only oversubscribe
    _analyzers.clear()
    _analyzers.update({camera: CameraAnalyzer(s) for camera, s in settings.items()})


def _analyze(camera: str, gray: np.ndarray, t: float) -> list[Detection]:
    return _analyzers[camera].analyze(gray, t)


class ProcessAnalysisPool:
    def __init__(self, settings: Mapping[str, AnalyzerSettings], workers: int = 2) -> None:
        cameras = sorted(settings)
        shard_count = max(1, min(workers, len(cameras)))
        self._shard_settings = [
            {camera: settings[camera] for camera in cameras[i::shard_count]} for i in range(shard_count)
        ]
        self._shard_of = {camera: i for i, shard in enumerate(self._shard_settings) for camera in shard}
        # spawn, not fork: the agent has threads (capture, MQTT) that a forked child would inherit half-way.
        self._context = multiprocessing.get_context("spawn")
        self._executors = [self._executor(i) for i in range(shard_count)]

    def _executor(self, shard: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=1, mp_context=self._context, initializer=_start_worker, initargs=(self._shard_settings[shard],)
        )

    async def analyze(self, camera: str, gray: np.ndarray, t: float) -> list[Detection]:
        shard = self._shard_of[camera]
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executors[shard], _analyze, camera, gray, t)
        except BrokenProcessPool:
            # A worker died (out of memory, a crash in native code): start a fresh one; its cameras relearn.
            log.error("analysis_worker_died", shard=shard, cameras=sorted(self._shard_settings[shard]))
            self._executors[shard].shutdown(wait=False, cancel_futures=True)
            self._executors[shard] = self._executor(shard)
            return []

    async def warm_up(self) -> None:
        """Start every worker now (spawning takes a moment) rather than on the first frame."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(e, int) for e in self._executors))

    def close(self) -> None:
        for executor in self._executors:
            executor.shutdown(wait=True, cancel_futures=True)
