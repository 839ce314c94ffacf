"""Configuration: the district file (sites, grids, devices, officers) and the hub's runtime settings."""

from hub.config.district import load_district
from hub.config.errors import ConfigError
from hub.config.settings import Settings, load_settings

__all__ = ["ConfigError", "Settings", "load_district", "load_settings"]
