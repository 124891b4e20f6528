"""The append-only, hash-chained ledger of registration events."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.choices import LedgerEventType
from registry.models.registrations import Registration

GENESIS_HASH = "0" * 64


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no whitespace: the same data always gives the same text."""
    return json.dumps(
        data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def jsonable(data: Any) -> Any:
    """``data`` as a JSON field gives it back (Decimals and times as strings), so what is
    hashed, stored and compared is exactly what a later read returns."""
    return json.loads(canonical_json(data))


class LedgerHead(models.Model):
    """The single row every ledger write locks first.

    Holding it serializes writers, so sequence numbers are gap-free, each ``prev_hash`` is
    the true predecessor, and a registration's priority time is taken only after every
    earlier write on any collateral has committed.
    """

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    last_occurred_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"ledger head at #{self.last_sequence}"


class LedgerEvent(models.Model):
    """One lifecycle event. The database refuses UPDATE and DELETE on this table."""

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    event = models.CharField(_("event"), max_length=30, choices=LedgerEventType.choices)
    actor = models.CharField(_("actor"), max_length=100)
    occurred_at = models.DateTimeField(_("occurred at"))
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("ledger event")
        verbose_name_plural = _("ledger events")
        ordering = ["sequence"]
        indexes = [models.Index(fields=["registration", "sequence"], name="ledger_reg_seq_idx")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.event}"

    def canonical_content(self, registration_number: str) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "registration": registration_number,
            "event": self.event,
            "actor": self.actor,
            "occurred_at": self.occurred_at.isoformat(),
            "payload": self.payload,
        }

    @staticmethod
    def compute_hash(prev_hash: str, content: dict[str, Any]) -> str:
        return LedgerEvent.chain_hash(prev_hash, canonical_json(content))

    @staticmethod
    def chain_hash(prev_hash: str, canonical_text: str) -> str:
        """The hash of a row whose ``canonical_json`` content is ``canonical_text``."""
        return hashlib.sha256((prev_hash + canonical_text).encode()).hexdigest()
