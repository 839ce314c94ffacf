"""Who is sent: the officer on duty for the site's grid, then the nearest available officer (by last
known location), then the station supervisor."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from hub.domain.dispatch import RouteRule
from hub.domain.district import District, Site


@dataclass(frozen=True, slots=True)
class OfficerPresence:
    """What the hub knows of an officer right now."""

    officer_id: str
    signed_on: bool
    busy: bool = False  # holds an active dispatch of another incident
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    officer_id: str
    rule: RouteRule
    distance_m: float | None
    available: bool
    why_not: str = ""  # for the console's ranking: why an officer would not be chosen


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), metres."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def _distance(site: Site, presence: OfficerPresence | None) -> float | None:
    if presence is None or presence.lat is None or presence.lon is None or site.lat is None or site.lon is None:
        return None
    return distance_m(site.lat, site.lon, presence.lat, presence.lon)


def rank_officers(
    district: District,
    site_id: str,
    presence: Mapping[str, OfficerPresence],
    excluded: Collection[str] = (),
) -> list[Candidate]:
    """Every officer in the order the routing rules prefer them, available ones first within each
    rule. `excluded`: officers who already declined or let this incident's dispatch time out."""
    site = district.sites[site_id]
    grid = district.grids.get(site.grid_id)
    grid_team = [o for o in ([grid.officer_id, *grid.assistant_ids] if grid else []) if o in district.officers]

    def why_not(officer_id: str) -> str:
        p = presence.get(officer_id)
        if officer_id in excluded:
            return "declined_or_timed_out"
        if p is None or not p.signed_on:
            return "not_signed_on"
        if p.busy:
            return "busy"
        return ""

    ranked: list[Candidate] = []
    for officer_id in grid_team:
        reason = why_not(officer_id)
        ranked.append(
            Candidate(officer_id, RouteRule.GRID, _distance(site, presence.get(officer_id)), not reason, reason)
        )
    others = [o.id for o in district.officers.values() if o.role != "supervisor" and o.id not in grid_team]
    nearest = [
        Candidate(o, RouteRule.NEAREST, _distance(site, presence.get(o)), not why_not(o), why_not(o)) for o in others
    ]
    nearest.sort(key=lambda c: (not c.available, c.distance_m is None, c.distance_m or 0.0, c.officer_id))
    ranked.extend(nearest)
    for officer in district.officers.values():
        if officer.role == "supervisor":
            # The station is manned around the clock: the supervisor is always reachable.
            excluded_now = officer.id in excluded
            ranked.append(
                Candidate(
                    officer.id,
                    RouteRule.SUPERVISOR,
                    _distance(site, presence.get(officer.id)),
                    not excluded_now,
                    "declined_or_timed_out" if excluded_now else "",
                )
            )
    grid_first = sorted(
        [c for c in ranked if c.rule is RouteRule.GRID], key=lambda c: not c.available
    )  # stable: responsible officer before assistants
    return grid_first + [c for c in ranked if c.rule is not RouteRule.GRID]


def choose_officer(
    district: District, site_id: str, presence: Mapping[str, OfficerPresence], excluded: Collection[str] = ()
) -> Candidate | None:
    """The first available candidate, in the order: grid → nearest → supervisor."""
    for candidate in rank_officers(district, site_id, presence, excluded):
        if candidate.available:
            return candidate
    return None
