"""SIA DC-09 receiver for intruder-alarm panels (ADM-CID and SIA DCS over TCP and UDP)."""

from hub.adapters.dc09.receiver import Dc09Receiver, PanelSink
from hub.adapters.dc09.server import Dc09Listen, Dc09Server

__all__ = ["Dc09Listen", "Dc09Receiver", "Dc09Server", "PanelSink"]
