"""The staff-edited service content: district providers, opening hours, local contacts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.settings import get_settings


@dataclass(frozen=True)
class DistrictService:
    """The provider(s) of one district, with the contact details staff have filled in."""

    district: str
    providers: tuple[str, ...]
    lead: str | None
    phone: str
    website: str

    @property
    def provider_names(self) -> str:
        """'POPs (lead) and Back on Track' — how a person should read the list."""
        names = [
            f"{p} (lead)" if p == self.lead and len(self.providers) > 1 else p
            for p in self.providers
        ]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class ServiceContent:
    """Everything in content/services.yml, parsed once."""

    name: str
    lead_provider: str
    opening_hours: str
    phone: str
    website: str
    consent_wording_version: str
    districts: dict[str, DistrictService]


def load_content(path: Path | None = None) -> ServiceContent:
    """Parse the content file; a missing district or provider is a startup error, not a guess."""
    path = path or get_settings().content_dir / "services.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    service = raw["service"]
    districts = {
        name: DistrictService(
            district=name,
            providers=tuple(entry["providers"]),
            lead=entry.get("lead"),
            phone=(entry.get("phone") or "").strip(),
            website=(entry.get("website") or "").strip(),
        )
        for name, entry in raw["districts"].items()
    }
    return ServiceContent(
        name=service["name"],
        lead_provider=service["lead_provider"],
        opening_hours=(service.get("opening_hours") or "").strip(),
        phone=(service.get("phone") or "").strip(),
        website=(service.get("website") or "").strip(),
        consent_wording_version=str(raw["consent_wording_version"]),
        districts=districts,
    )


@lru_cache(maxsize=1)
def get_content() -> ServiceContent:
    """The content for this process, read on first use."""
    return load_content()
