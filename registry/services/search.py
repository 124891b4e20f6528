"""Searches that leave a trace in the search log (certificates: services/certificates.py)."""

from __future__ import annotations

from registry.actors import Actor
from registry.models import SearchLog
from registry.selectors.search import SearchHit, SearchQuery, search_registrations


def search_perform(*, actor: Actor, query: SearchQuery) -> list[SearchHit]:
    """Run a search and record who searched for what and how many notices it found."""
    hits = search_registrations(query)
    SearchLog.objects.create(
        organization=actor.organization,
        actor=actor.label,
        query=query.as_dict(),
        purpose=query.purpose,
        result_count=len(hits),
    )
    return hits
