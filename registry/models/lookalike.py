"""The look-alike index: every folded identity key under each of its one-deletion variants."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LookalikeVariant(models.Model):
    """One deletion-neighbourhood row of a folded identity key (the SymSpell idea).

    For each distinct ``(scheme, folded)`` of :class:`IdentityKeyEntry` the table holds the
    folded value itself and every string one character shorter, each as a 64-bit hash of
    scheme and variant. Two folded values are within one edit exactly when their sets share
    a member, so a look-alike search probes the ~len+1 hashes of the searched value instead
    of a thousand one-edit variants; candidates are then checked with ``within_one_edit``.

    Rows are never updated or deleted: whether an entry is live is decided on
    ``IdentityKeyEntry``, and a folded value stays in the index as long as any entry may
    carry it. Written by ``identity_keys_create`` in the transaction that writes the entries.
    """

    pk = models.CompositePrimaryKey("variant", "folded")
    variant = models.BigIntegerField(_("variant hash"))
    folded = models.CharField(_("folded value"), max_length=200)

    class Meta:
        verbose_name = _("look-alike variant")
        verbose_name_plural = _("look-alike variants")

    def __str__(self) -> str:
        return f"{self.variant}: {self.folded}"
