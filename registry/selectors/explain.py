"""Why a search result matched: per key, the query's value, the stored value and how."""

from __future__ import annotations

from typing import Any

from collateral.resolution import LookupKey
from registry.selectors.similar import fold_lookalikes


def _folded_characters(query: str, stored: str, skip: int | None = None) -> list[dict[str, Any]]:
    """Positions (1-based, in the stored value) where look-alike characters were folded."""
    return [
        {"position": i + 1, "query": q, "stored": s}
        for i, (q, s) in enumerate(zip(query, stored, strict=False))
        if i != skip and q != s and fold_lookalikes(q) == fold_lookalikes(s)
    ]


def _one_edit(query: str, stored: str) -> dict[str, Any]:
    """The one substitution, insertion or deletion that turns ``query`` into ``stored``.

    Found on the folded forms (so look-alikes around it do not count as the edit); the
    position is 1-based in the stored value.
    """
    a, b = fold_lookalikes(query), fold_lookalikes(stored)
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return {
            "operation": "substitution",
            "position": i + 1,
            "query": query[i],
            "stored": stored[i],
        }
    if len(b) > len(a):  # the stored value has one character more
        return {"operation": "insertion", "position": i + 1, "query": "", "stored": stored[i]}
    return {"operation": "deletion", "position": i + 1, "query": query[i], "stored": ""}


def explain_key_match(key: LookupKey, stored: str) -> dict[str, Any]:
    """``{"scheme", "query", "stored", "how", …}`` for one matched key.

    ``how`` is ``exact`` (equal once normalized; ``partial`` when only the receipt number was
    given and any issuer matched), ``lookalike`` (equal once look-alike characters are folded,
    listed in ``folded``) or ``one_edit`` (one character different, described in ``edit``).
    """
    explanation: dict[str, Any] = {
        "scheme": key.scheme,
        "query": key.shown_value,
        "stored": stored,
    }
    if key.matches(stored):
        explanation["how"] = "exact"
        explanation["partial"] = key.partial
        return explanation
    if fold_lookalikes(key.value) == fold_lookalikes(stored):
        explanation["how"] = "lookalike"
        explanation["folded"] = _folded_characters(key.value, stored)
        return explanation
    edit = _one_edit(key.value, stored)
    explanation["how"] = "one_edit"
    explanation["edit"] = edit
    skip = edit["position"] - 1 if edit["operation"] == "substitution" else None
    if edit["operation"] == "substitution":
        explanation["folded"] = _folded_characters(key.value, stored, skip)
    else:
        explanation["folded"] = []
    return explanation


def explain_field_match(*, field: str, query: str, stored: str, how: str) -> dict[str, Any]:
    """A match on a registration's own field (number, grantor ID, grantor name)."""
    return {"field": field, "query": query, "stored": stored, "how": how}
