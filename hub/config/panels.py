"""The district file's `dc09:` block: alarm-panel accounts reporting over SIA DC-09, each mapped to a
panel device of a site, with its AES key if the account is encrypted.

    dc09:
      timestamp_past_s: 20     # optional: the window for a message's timestamp
      timestamp_future_s: 20
      panels:
        - account: "1234"      # quoted: YAML would read 0123 as the number 83
          site: bank-icbc-dongsi
          device: panel-bank-icbc-dongsi
          key_hex: "…"         # optional: 32, 48 or 64 hex digits (AES-128/192/256)
          prefix: "0"          # optional: the line prefix (L) the panel must use
          receiver: "1"        # optional: the receiver number (R) the panel must use
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.config.sites import SiteConfig
from hub.domain.panels import DEFAULT_WINDOW_S, PanelAccount, PanelDirectory, TimestampWindow

_AES_KEY_HEX_DIGITS = (32, 48, 64)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _quoted(value: object) -> object:
    if isinstance(value, int | float):
        raise ValueError('write it as a quoted string, e.g. "1234" (YAML reads 0123 as the number 83)')
    return value


class PanelConfig(_Strict):
    account: Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{3,16}$")]
    site: Annotated[str, Field(min_length=1, max_length=64)]
    device: Annotated[str, Field(min_length=1, max_length=64)]
    key_hex: str | None = Field(default=None, repr=False)
    prefix: Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{1,6}$")] | None = None
    receiver: Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{1,6}$")] | None = None

    _quoted_fields = field_validator("account", "key_hex", "prefix", "receiver", mode="before")(_quoted)

    @field_validator("key_hex")
    @classmethod
    def _aes_key(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = value.replace(" ", "")
        try:
            bytes.fromhex(digits)
        except ValueError:
            raise ValueError("must be hex digits (0-9, A-F)") from None
        if len(digits) not in _AES_KEY_HEX_DIGITS:
            raise ValueError(f"must be 32, 48 or 64 hex digits (AES-128/192/256), not {len(digits)}")
        return digits


class Dc09Config(_Strict):
    timestamp_past_s: Annotated[int, Field(ge=1, le=3600)] = DEFAULT_WINDOW_S
    timestamp_future_s: Annotated[int, Field(ge=1, le=3600)] = DEFAULT_WINDOW_S
    panels: list[PanelConfig] = []


def dc09_problems(config: Dc09Config, sites: Sequence[SiteConfig]) -> list[str]:
    """Cross-references: each account once, each mapped to a device of kind panel at its site."""
    problems: list[str] = []
    kinds = {(s.id, d.id): d.kind for s in sites for d in s.devices}
    site_ids = {s.id for s in sites}
    seen: set[str] = set()
    for i, panel in enumerate(config.panels):
        key = f"dc09.panels[{i}]"
        account = panel.account.upper()
        if account in seen:
            problems.append(f"{key}.account: account {panel.account!r} is used more than once")
        seen.add(account)
        if panel.site not in site_ids:
            problems.append(f"{key}.site: unknown site {panel.site!r}")
        elif (panel.site, panel.device) not in kinds:
            problems.append(f"{key}.device: {panel.device!r} is not a device of site {panel.site!r}")
        elif kinds[(panel.site, panel.device)] != "panel":
            kind = kinds[(panel.site, panel.device)]
            problems.append(f"{key}.device: {panel.device!r} is a {kind}, not a panel")
    return problems


def panel_directory(config: Dc09Config) -> PanelDirectory:
    accounts = {
        p.account.upper(): PanelAccount(
            account=p.account.upper(),
            site_id=p.site,
            device_id=p.device,
            key=bytes.fromhex(p.key_hex) if p.key_hex else None,
            prefix=p.prefix.upper() if p.prefix else None,
            receiver=p.receiver.upper() if p.receiver else None,
        )
        for p in config.panels
    }
    return PanelDirectory(accounts, TimestampWindow(config.timestamp_past_s, config.timestamp_future_s))
