"""Drawing an event on its frame for the snapshot: the zone (or line) and the objects' boxes."""

from __future__ import annotations

import cv2
import numpy as np

from hub.video.detections import Detection

_ZONE_COLOUR = (0, 215, 255)  # amber, BGR
_OBJECT_COLOUR = (40, 40, 230)  # red


def draw_detection(frame: np.ndarray, detection: Detection) -> np.ndarray:
    """A copy of `frame` (BGR) with the detection's zone and objects drawn on it."""
    image = frame.copy() if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    height, width = image.shape[:2]
    thickness = max(2, width // 400)
    if detection.zone_shape:
        points = np.array([[x * width, y * height] for x, y in detection.zone_shape], np.int32)
        cv2.polylines(image, [points], len(points) > 2, _ZONE_COLOUR, thickness, cv2.LINE_AA)
    for obj in detection.objects:
        x, y, w, h = obj.box
        top_left = (int(x * width), int(y * height))
        bottom_right = (int((x + w) * width), int((y + h) * height))
        cv2.rectangle(image, top_left, bottom_right, _OBJECT_COLOUR, thickness)
    label = detection.name + (f" {detection.zone_id}" if detection.zone_id else "")
    scale = max(0.5, width / 1600)
    cv2.putText(image, label, (10, int(30 * scale) + 6), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thickness + 2)
    cv2.putText(image, label, (10, int(30 * scale) + 6), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness)
    return image
