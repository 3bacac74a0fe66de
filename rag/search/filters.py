"""Restrict a search to some outlets and a period (pure functions over the manifest).

A news archive is dated reporting from named outlets: an analyst asks what one
outlet said, or what was reported in a week. The filter picks articles by the
outlet and date the manifest records for each (rag.index.store.FileEntry); the
dense and lexical searches then look only at those articles' passages.
Articles without a readable date are kept unless a date bound is set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from rag.core.text import normalize
from rag.index.store import Manifest

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FilterError(ValueError):
    """A filter that cannot be applied; the message says why and what would work."""


def _is_day(value: str) -> bool:
    try:
        return bool(_ISO.match(value)) and bool(date.fromisoformat(value))
    except ValueError:  # 2023-13-01
        return False


def iso_day(value: str) -> str:
    """The YYYY-MM-DD at the start of a recorded date, or "" when it has none."""
    head = value.strip()[:10]
    return head if _ISO.match(head) else ""


def _outlet_key(name: str) -> str:
    return " ".join(normalize(name).casefold().split())


@dataclass(frozen=True)
class Filter:
    sources: tuple[str, ...] = ()  # outlets, as listed by `outlets`; matched ignoring case and Arabic letter variants
    since: str = ""  # YYYY-MM-DD, inclusive
    until: str = ""

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value and not _is_day(value):
                raise FilterError(f"{name} must be a date written YYYY-MM-DD, not {value!r}.")
        if self.since and self.until and self.since > self.until:
            raise FilterError(f"since ({self.since}) is after until ({self.until}).")

    @classmethod
    def of(cls, sources: Iterable[str] | str | None = None, since: str | None = None, until: str | None = None) -> Filter:
        """From API arguments: a name or a list of names, dates or None."""
        names = [sources] if isinstance(sources, str) else list(sources or [])
        return cls(tuple(n.strip() for n in names if n and n.strip()), (since or "").strip(), (until or "").strip())

    @property
    def active(self) -> bool:
        return bool(self.sources or self.since or self.until)

    def matches_source(self, source: str) -> bool:
        return not self.sources or _outlet_key(source) in {_outlet_key(s) for s in self.sources}

    def allows(self, source: str, date: str) -> bool:
        if not self.matches_source(source):
            return False
        if self.since or self.until:
            day = iso_day(date)
            if not day:
                return False  # an undated article cannot be placed in the period
            return (not self.since or day >= self.since) and (not self.until or day <= self.until)
        return True


@dataclass(frozen=True)
class Scope:
    """The articles a filtered search may return, and how many it left out."""

    docs: frozenset[str]
    chunks: frozenset[str]
    total: int  # articles in the index
    undated_left_out: int = 0
    filter: Filter = field(default_factory=Filter)

    @property
    def left_out(self) -> int:
        return self.total - len(self.docs)


def scope(manifest: Manifest, chosen: Filter) -> Scope | None:
    """The articles the filter keeps (None: no filter, search everything).
    Raises FilterError for an outlet the index does not hold, naming those it does."""
    if not chosen.active:
        return None
    if chosen.sources:
        known = {_outlet_key(f.source) for f in manifest.files.values() if f.source}
        unknown = [s for s in chosen.sources if _outlet_key(s) not in known]
        if unknown:
            held = ", ".join(outlets(manifest)) or "none (no article names its outlet)"
            raise FilterError(f"No article in the index is from {', '.join(unknown)}. Outlets in the index: {held}.")
    kept = {doc_id: f for doc_id, f in manifest.files.items() if chosen.allows(f.source, f.date)}
    dated = bool(chosen.since or chosen.until)
    undated = sum(1 for f in manifest.files.values() if dated and not iso_day(f.date) and chosen.matches_source(f.source))
    return Scope(
        docs=frozenset(kept),
        chunks=frozenset(c for f in kept.values() for c in f.chunks),
        total=len(manifest.files),
        undated_left_out=undated,
        filter=chosen,
    )


def outlets(manifest: Manifest) -> list[str]:
    """The outlets the index holds, each once (as first written), sorted."""
    seen: dict[str, str] = {}
    for f in manifest.files.values():
        if f.source:
            seen.setdefault(_outlet_key(f.source), f.source)
    return sorted(seen.values(), key=_outlet_key)


def date_range(manifest: Manifest) -> tuple[str, str] | None:
    """The earliest and latest article dates the index holds, or None."""
    days = sorted(d for d in (iso_day(f.date) for f in manifest.files.values()) if d)
    return (days[0], days[-1]) if days else None
