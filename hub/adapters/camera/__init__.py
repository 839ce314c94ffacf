"""The camera side's adapters: stream capture (OpenCV, one thread per camera), analysis in worker processes,
media (snapshots, clips, retention, HTTP), MQTT publishing as a smart camera, and the `camera-agent` that wires
them. The analysis itself is pure and lives in `hub.video`."""
