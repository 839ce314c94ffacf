"""Sentinel hub: one-button alarms and video patrol for police stations."""

__version__ = "0.1.0"
