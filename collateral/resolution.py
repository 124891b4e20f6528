"""Identifier resolution: what a typed identifier can denote, for every query of the registry.

Search, priority, conflict checks and certificates all turn the text a person typed into
identity keys here and nowhere else. An identifier resolves to every key it can denote across
the kinds (narrowed by ``kind`` or ``scheme``), in the order of preference of each kind (the
first is the one a priority query ranks on). Text that fits no scheme is an error naming the
schemes that were tried, never a silent empty answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from collateral.kinds.base import IdentityKey, all_kinds

MAX_KEY_LENGTH = 200  # IdentityKeyEntry.value; longer text can match nothing


@dataclass(frozen=True)
class LookupKey:
    """One key an identifier may denote. ``partial``: ``value`` is the end of the stored value
    (a receipt number without its issuer matches ``ISSUER:NUMBER`` for any issuer)."""

    kind: str
    scheme: str
    value: str
    partial: bool = False

    @property
    def identity_key(self) -> IdentityKey:
        return IdentityKey(self.scheme, self.value)

    def matches(self, stored: str) -> bool:
        return stored.endswith(self.value) if self.partial else stored == self.value

    @property
    def shown_value(self) -> str:
        """The value as a person would read it (a partial key without its ``:``)."""
        return self.value.removeprefix(":") if self.partial else self.value


@dataclass(frozen=True)
class SchemeInfo:
    """A scheme of identity keys: its kind, its label and the form of its values."""

    scheme: str
    kind: str
    label: Any
    format: Any

    def describe(self) -> str:
        return f"{self.scheme} ({self.label}: {self.format})"


class UnresolvedIdentifier(ValueError):
    """The identifier fits no scheme of the kind (or scheme) asked for."""

    def __init__(self, *, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


def scheme_catalogue() -> dict[str, SchemeInfo]:
    """Every scheme of every registered kind, in the kinds' order."""
    return {
        scheme: SchemeInfo(scheme, kind.code, label, kind.scheme_formats.get(scheme, ""))
        for kind in all_kinds().values()
        for scheme, label in kind.schemes.items()
    }


def scheme_choices() -> list[str]:
    return list(scheme_catalogue())


def schemes_description() -> str:
    """Each scheme with its form, one per line (for the OpenAPI schema)."""
    return "\n".join(f"- `{info.scheme}`: {info.format}" for info in scheme_catalogue().values())


def _unresolved(identifier: str, kind: str, scheme: str) -> UnresolvedIdentifier:
    catalogue = scheme_catalogue()
    if scheme:
        tried = [catalogue[scheme]]
    elif kind:
        tried = [info for info in catalogue.values() if info.kind == kind]
    else:
        tried = list(catalogue.values())
    names = "; ".join(info.describe() for info in tried)
    if scheme:
        text = _("%(identifier)s is not a valid %(scheme)s identifier, which is %(schemes)s.")
    elif kind:
        text = _(
            "%(identifier)s fits no identifier scheme of %(kind)s, which accepts: %(schemes)s."
        )
    else:
        text = _("%(identifier)s fits no identifier scheme; the registry accepts: %(schemes)s.")
    kinds = all_kinds()
    label = kinds[kind].label if kind in kinds else kind
    if len(identifier) > 60:
        identifier = identifier[:60] + "…"
    return UnresolvedIdentifier(
        field="identifier",
        message=str(text)
        % {"identifier": identifier, "kind": label, "scheme": scheme, "schemes": names},
    )


def resolve_identifier(
    identifier: str, *, kind: str = "", scheme: str = "", lookalikes: bool = False
) -> list[LookupKey]:
    """Every key ``identifier`` can denote (of ``kind``, of ``scheme``), preferred first.

    With ``lookalikes`` (a search, which also shows similar identifiers) the keys of text that
    has a key's form but fails its check come too, after each kind's own: an altered number
    is then compared with the scheme it was altered in (``CollateralKind.lookalike_lookup_keys``).

    Raises :class:`UnresolvedIdentifier` when it fits none, or when ``scheme`` is not one of
    ``kind``'s schemes.
    """
    catalogue = scheme_catalogue()
    if scheme:
        if scheme not in catalogue:
            raise UnresolvedIdentifier(
                field="scheme",
                message=str(_("Unknown scheme %(scheme)s; use one of: %(schemes)s."))
                % {"scheme": scheme, "schemes": ", ".join(catalogue)},
            )
        if kind and catalogue[scheme].kind != kind:
            raise UnresolvedIdentifier(
                field="scheme",
                message=str(_("Scheme %(scheme)s is not one of %(kind)s's: %(schemes)s."))
                % {
                    "scheme": scheme,
                    "kind": all_kinds()[kind].label,
                    "schemes": ", ".join(all_kinds()[kind].schemes),
                },
            )
        kind = catalogue[scheme].kind
    kinds = [all_kinds()[kind]] if kind else list(all_kinds().values())
    found: list[LookupKey] = []
    for collateral_kind in kinds:
        candidates = [(key, False) for key in collateral_kind.lookup_keys(identifier)]
        if lookalikes:
            candidates += [
                (key, False) for key in collateral_kind.lookalike_lookup_keys(identifier)
            ]
        candidates += [(key, True) for key in collateral_kind.partial_lookup_keys(identifier)]
        for key, partial in candidates:
            lookup = LookupKey(collateral_kind.code, key.scheme, key.value, partial)
            if scheme and key.scheme != scheme:
                continue
            if len(key.value) > MAX_KEY_LENGTH or lookup in found:
                continue
            found.append(lookup)
    if not found:
        raise _unresolved(identifier, kind, scheme)
    return found
