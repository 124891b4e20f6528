"""Receivables (应收账款): money a debtor owes under a contract, evidenced by VAT invoices.

The same invoice financed twice is the classic supply-chain fraud, so every invoice is an
identity key of its own (``cn_invoice``), and so is the contract with an organization
debtor (``receivable_contract``: the debtor's unified social credit code and the contract
number). The invoice number rules below are pure functions, like those of
:mod:`collateral.identifiers`:

* a VAT invoice (增值税专用发票 / 普通发票, paper or electronic) is identified by its 发票代码,
  10 digits (special invoices) or 12 digits (ordinary and electronic invoices since 2018),
  together with its 8-digit 发票号码 — the number alone repeats across codes. Key
  ``CODE:NUMBER``;
* a fully digital e-invoice (全面数字化的电子发票, 数电票) has no code: its 20-digit number
  (year, region, channel and a serial) is unique on its own. Key: the 20 digits.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from collateral.choices import GrantorIdType
from collateral.fields import IdentifierField, identifier_error
from collateral.grantors import normalize_uscc
from collateral.identifiers import (
    LOOKALIKE_DIGITS,
    IdentifierError,
    fold_identifier,
    normalize_text,
)
from collateral.kinds.base import CollateralKind, IdentityKey, register
from collateral.serializers import GrantorSerializer

MAX_INVOICES = 1000
_DIGITS = re.compile(r"[0-9]+")
_SEPARATORS = re.compile(r"[\s:]+")

# --- invoice numbers --------------------------------------------------------------------


def _digits(value: str, what: Any) -> str:
    text = fold_identifier(value).replace("-", "")
    if not _DIGITS.fullmatch(text):
        raise IdentifierError("format", _("%(what)s is digits only."), what=what)
    return text


def normalize_invoice_code(value: str) -> str:
    """A 发票代码: 10 digits (VAT special invoices) or 12 (ordinary and electronic ones)."""
    code = _digits(value, _("An invoice code"))
    if len(code) not in (10, 12):
        raise IdentifierError(
            "length",
            _("An invoice code has 10 or 12 digits, not %(length)s."),
            length=len(code),
        )
    return code


def normalize_invoice_number(value: str) -> str:
    """The 8-digit 发票号码 of an invoice that has a code."""
    number = _digits(value, _("An invoice number"))
    if len(number) != 8:
        raise IdentifierError(
            "length",
            _("An invoice number with an invoice code has 8 digits, not %(length)s."),
            length=len(number),
        )
    return number


def normalize_digital_invoice_number(value: str) -> str:
    """The 20-digit number of a fully digital e-invoice (数电票), which has no code."""
    number = _digits(value, _("An invoice number"))
    if len(number) == 8:
        raise IdentifierError(
            "code_required",
            _(
                "An 8-digit invoice number needs its 10- or 12-digit invoice code; without a "
                "code, give the 20-digit number of a fully digital e-invoice."
            ),
        )
    if len(number) != 20:
        raise IdentifierError(
            "length",
            _("A fully digital e-invoice number has 20 digits, not %(length)s."),
            length=len(number),
        )
    return number


def invoice_key_value(invoice: dict[str, Any]) -> str:
    """The ``cn_invoice`` key value of a normalized invoice: ``CODE:NUMBER`` or 20 digits."""
    code = invoice.get("code")
    return f"{code}:{invoice['number']}" if code else invoice["number"]


def invoice_lookup_values(identifier: str) -> list[str]:
    """Every ``cn_invoice`` value a typed invoice may denote.

    Accepts ``code number`` (any spacing), ``CODE:NUMBER`` and the 20 digits of a
    数电票. Run together without a separator, 18 digits can only be a 10-digit code and its
    number, and 20 digits are either a 数电票 or a 12-digit code and its number: both are
    looked up. Anything else denotes no invoice (an empty list, never an error).
    """
    parts = [part for part in _SEPARATORS.split(normalize_text(identifier)) if part]
    try:
        if len(parts) == 2:
            code, number = normalize_invoice_code(parts[0]), normalize_invoice_number(parts[1])
            return [f"{code}:{number}"]
        if len(parts) != 1:
            return []
        digits = _digits(parts[0], "")
    except IdentifierError:
        return []
    if len(digits) == 20:
        return [digits, f"{digits[:12]}:{digits[12:]}"]
    if len(digits) == 18:
        return [f"{digits[:10]}:{digits[10:]}"]
    return []


# --- contracts --------------------------------------------------------------------------


def normalize_contract_number(value: str) -> str:
    """A contract number: folded (NFKC, no whitespace, upper-case), 1 to 100 characters."""
    number = fold_identifier(value)
    if not number:
        raise IdentifierError("required", _("This field may not be blank."))
    if len(number) > 100:
        raise IdentifierError(
            "length",
            _("A contract number has at most 100 characters, not %(length)s."),
            length=len(number),
        )
    return number


def contract_key_value(debtor_uscc: str, contract_number: str) -> str:
    """The ``receivable_contract`` key value: ``DEBTOR_USCC:CONTRACT`` (a USCC has no ``:``,
    so the first ``:`` always separates the two, whatever the contract number holds)."""
    return f"{debtor_uscc}:{contract_number}"


def contract_lookup_values(identifier: str) -> list[str]:
    """The ``receivable_contract`` value a typed ``USCC:CONTRACT`` denotes, if any."""
    left, colon, right = fold_identifier(identifier).partition(":")
    if not (colon and right):
        return []
    try:
        return [contract_key_value(normalize_uscc(left), normalize_contract_number(right))]
    except IdentifierError:
        return []


def contract_lookalike_values(identifier: str) -> list[str]:
    """The ``receivable_contract`` value of a typed ``USCC:CONTRACT`` whose debtor code has
    the form of a credit code (letters that look like digits counted as digits) but not its
    check character, as typed: one altered character breaks it (a look-alike search)."""
    left, colon, right = fold_identifier(identifier).partition(":")
    if not (colon and right) or contract_lookup_values(identifier):
        return []
    code = left.replace("-", "")
    try:
        normalize_uscc(code.translate(LOOKALIKE_DIGITS), verify_check_character=False)
        return [contract_key_value(code, normalize_contract_number(right))]
    except IdentifierError:
        return []


# --- fields -----------------------------------------------------------------------------


class DebtorSerializer(GrantorSerializer):
    """Who owes the money: name and identification, validated as for grantors.

    Collateral is public notice and is shown unmasked to every searcher, so a natural
    person's resident ID, which the registry only ever shows masked, is not accepted here.
    Nor is a grantor's check-character override: a debtor's code must verify.
    """

    check_override_reason = None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["id_type"] == GrantorIdType.RESIDENT_ID:
            raise serializers.ValidationError(
                {
                    "id_type": [
                        _(
                            "A debtor cannot be identified by a resident ID: collateral is "
                            "public notice, shown unmasked to every searcher. Give an "
                            "organization's unified social credit code (uscc), or other."
                        )
                    ]
                },
                code="resident_id",
            )
        return super().validate(attrs)


class InvoiceSerializer(serializers.Serializer):
    """One invoice: ``{"code", "number"}`` (VAT invoice) or ``{"number"}`` (数电票)."""

    code = serializers.CharField(
        max_length=40, required=False, allow_null=True, default=None, label=_("Invoice code")
    )
    number = serializers.CharField(max_length=40, label=_("Invoice number"))

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                shown = ", ".join(k.encode("utf-8", "backslashreplace").decode() for k in unknown)
                raise serializers.ValidationError(
                    {
                        "non_field_errors": [
                            _("Unknown invoice fields: %(fields)s; give code and number.")
                            % {"fields": shown}
                        ]
                    }
                )
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        code = attrs.get("code")
        if code is not None:
            try:
                attrs["code"] = normalize_invoice_code(code)
            except IdentifierError as exc:
                raise identifier_error("code", exc) from None
        normalize = (
            normalize_invoice_number if code is not None else normalize_digital_invoice_number
        )
        try:
            attrs["number"] = normalize(attrs["number"])
        except IdentifierError as exc:
            raise identifier_error("number", exc) from None
        return attrs

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if data.get("code") is None:
            data.pop("code", None)
        return data


class ReceivableSerializer(serializers.Serializer):
    """Fields of a ``receivable`` item: valid distinct invoices, amount > 0, ISO currency.

    Every receivable needs an identity key: at least one invoice, or a debtor identified by
    a unified social credit code (whose contract is then the key).
    """

    debtor = DebtorSerializer(label=_("Debtor"))
    contract_number = IdentifierField(
        normalize_contract_number, max_length=200, label=_("Contract number")
    )
    invoices = InvoiceSerializer(
        many=True, required=False, default=list, max_length=MAX_INVOICES, label=_("Invoices")
    )
    amount = serializers.DecimalField(
        max_digits=20, decimal_places=2, coerce_to_string=True, label=_("Amount")
    )
    currency = serializers.CharField(
        max_length=10, required=False, default="CNY", label=_("Currency")
    )
    due_on = serializers.DateField(label=_("Due on"))

    def validate_amount(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError(
                _("The amount must be greater than 0."), code="amount_positive"
            )
        return value

    def validate_currency(self, value: str) -> str:
        code = fold_identifier(value)
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise serializers.ValidationError(_("Use an ISO 4217 code, e.g. CNY."), code="format")
        return code

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: list[dict[str, Any]] = [{} for _invoice in attrs["invoices"]]
        seen: dict[str, int] = {}
        for index, invoice in enumerate(attrs["invoices"]):
            value = invoice_key_value(invoice)
            if value in seen:
                message = _(
                    "Invoice %(invoice)s is given twice (also as invoice %(other)s, counting "
                    "from 1): each invoice is financed once."
                ) % {"invoice": value, "other": seen[value] + 1}
                errors[index] = {"number": [ErrorDetail(message, code="duplicate_invoice")]}
            seen.setdefault(value, index)
        if any(errors):
            raise serializers.ValidationError({"invoices": errors})
        if not attrs["invoices"] and attrs["debtor"]["id_type"] != GrantorIdType.USCC:
            raise serializers.ValidationError(
                {
                    "invoices": [
                        _(
                            "Give the invoices, or identify the debtor by its unified social "
                            "credit code: a receivable needs one of them to be found again."
                        )
                    ]
                },
                code="required",
            )
        return attrs


@register
class Receivable(CollateralKind):
    """Accounts receivable, keyed by each invoice and by the debtor's contract."""

    code = "receivable"
    label = _("Receivable")
    description = _("Money a debtor owes under a contract, evidenced by its VAT invoices.")
    serializer_class = ReceivableSerializer
    schemes = {
        "cn_invoice": _("VAT invoice (code and number, or digital e-invoice number)"),
        "receivable_contract": _("Debtor's credit code and contract number"),
    }
    scheme_formats = {
        "cn_invoice": _(
            "CODE:NUMBER, a 10- or 12-digit invoice code and the 8-digit invoice number, "
            "e.g. 3100191130:01234567; or the 20-digit number of a digital e-invoice"
        ),
        "receivable_contract": _("DEBTOR_USCC:CONTRACT, e.g. 91310000MA1FL0XXXX:HT-2026-001"),
    }
    example = {
        "debtor": {
            "name": "深圳新材科技有限公司",
            "id_type": "uscc",
            "id_number": "91440300MA5F000007",
        },
        "contract_number": "HT-2026-0815",
        "invoices": [
            {"code": "044031900111", "number": "00012345"},
            {"number": "26442000000012345678"},
        ],
        "amount": "580000.00",
        "currency": "CNY",
        "due_on": "2027-03-31",
    }

    # Market practice: factoring advances 70–90 % of an invoice's face value (80 % is the
    # usual figure; construction and other disputed-work receivables 70 %; receivables
    # owed by governments or large listed companies up to 90 %), as factoring and invoice
    # finance providers publish their advance rates. The platform lends at the bottom of
    # that range, 70 % (haircut 30), because what it sees is weaker than what a factor
    # sees: the receivable is pledged, not bought, so nobody has confirmed it with the
    # debtor; invoices can be fabricated or financed with a lender who never registered;
    # and nothing here knows the debtor's credit or how concentrated the debtor book is.
    # A lender that verifies invoices and debtors raises it in its own policy.
    haircut_defaults = {"default": "30.00"}
    # Asset-based lenders re-value receivables monthly (the borrowing-base certificate):
    # a month-old figure is stale, and after a quarter the invoices have mostly been paid
    # or gone overdue, so nothing is lent until it is valued again.
    stale_after_days = 30
    stale_hard_limit_days = 90
    # ``due_on`` is not the end of a right: a receivable is due within months by nature,
    # so the remaining-life rule (years of life left) would cut every one of them.

    def identity_keys(self, attributes: dict[str, Any]) -> list[IdentityKey]:
        keys = [IdentityKey("cn_invoice", invoice_key_value(i)) for i in attributes["invoices"]]
        debtor = attributes["debtor"]
        if debtor["id_type"] == GrantorIdType.USCC:
            value = contract_key_value(debtor["id_number"], attributes["contract_number"])
            keys.append(IdentityKey("receivable_contract", value))
        return keys

    def lookup_keys(self, identifier: str) -> list[IdentityKey]:
        return [
            *(IdentityKey("cn_invoice", value) for value in invoice_lookup_values(identifier)),
            *(
                IdentityKey("receivable_contract", value)
                for value in contract_lookup_values(identifier)
            ),
        ]

    def lookalike_lookup_keys(self, identifier: str) -> list[IdentityKey]:
        return [
            IdentityKey("receivable_contract", value)
            for value in contract_lookalike_values(identifier)
        ]

    def describe(self, attributes: dict[str, Any]) -> str:
        return _(
            "Receivable from %(debtor)s under contract %(contract)s — %(amount)s "
            "%(currency)s due %(due_on)s"
        ) % {
            "debtor": attributes["debtor"]["name"],
            "contract": attributes["contract_number"],
            "amount": attributes["amount"],
            "currency": attributes["currency"],
            "due_on": attributes["due_on"],
        }
