"""A site's names next to its id in a report row (the id stands in for a site the district no longer has)."""

from __future__ import annotations

from hub.domain.district import District
from hub.services.views.report_sections import SiteNames


def site_names(district: District, site_id: str) -> SiteNames:
    site = district.sites.get(site_id)
    return SiteNames(
        site_id=site_id,
        site_name=site.name if site else site_id,
        site_name_en=site.name_en if site else site_id,
    )
