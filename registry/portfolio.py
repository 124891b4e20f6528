"""Portfolio files: registrations to import, one row per collateral item, grouped by loan
reference. Read with django-import-export's formats (CSV or XLSX); every row is validated
by the same code as an API request (grantor, period, each kind's serializer) before
anything is written, and errors are reported by row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from import_export.formats.base_formats import CSV, XLSX
from rest_framework import serializers

from collateral.kinds.base import all_kinds
from registry.exceptions import InvalidInput, RegistryError
from registry.items import ItemInput, grantor_validate, items_validate
from registry.periods import Period

REGISTRATION_COLUMNS = [
    "loan_reference",
    "grantor_name",
    "grantor_id_type",
    "grantor_id_number",
    "period_years",
    "period_months",
    "secured_amount",
    "currency",
    "description",
]
MAX_ROWS = 5000
FORMATS = {"csv": CSV, "xlsx": XLSX}
LIST_SEPARATORS = ";；\n"


def item_columns() -> list[str]:
    """Every kind's own fields, once each, in registration order of the kinds."""
    columns: list[str] = ["kind"]
    for kind in all_kinds().values():
        for name in kind.serializer_class().fields:
            if name not in columns:
                columns.append(name)
    return columns


def all_columns() -> list[str]:
    return REGISTRATION_COLUMNS + item_columns()


def column_guide() -> list[tuple[str, str, str]]:
    """For the upload page: each column, what it holds, and the values it takes."""
    from collateral.serializers import GrantorSerializer
    from registry.display import kind_label

    grantor = GrantorSerializer().fields
    guide = [
        ("loan_reference", _("Loan reference"), _("rows with the same one make one registration")),
        ("grantor_name", str(grantor["name"].label), ""),
        (
            "grantor_id_type",
            str(grantor["id_type"].label),
            ", ".join(f"{v} = {label}" for v, label in grantor["id_type"].choices.items()),
        ),
        ("grantor_id_number", str(grantor["id_number"].label), ""),
        ("period_years", _("Period (years)"), "1–30"),
        ("period_months", _("or period (months)"), "1–360"),
        ("secured_amount", _("Secured amount"), ""),
        ("currency", _("Currency"), "CNY"),
        ("description", _("Description"), ""),
        (
            "kind",
            _("Kind"),
            ", ".join(f"{code} = {kind_label(code)}" for code in all_kinds()),
        ),
    ]
    seen = {"kind"}
    for code, kind in all_kinds().items():
        for name, serializer_field in kind.serializer_class().fields.items():
            if name in seen:
                continue
            seen.add(name)
            values = ""
            if isinstance(serializer_field, serializers.ChoiceField):
                values = ", ".join(
                    f"{v} = {label}" for v, label in serializer_field.choices.items()
                )
            elif isinstance(serializer_field, serializers.ListField):
                values = _("separated by ;")
            guide.append((name, f"{serializer_field.label} ({kind_label(code)})", values))
    return guide


@dataclass
class PlannedRegistration:
    """One registration the file asks for, validated, with the rows it came from."""

    loan_reference: str
    rows: list[int]
    grantor: dict[str, str] | None = None
    period: Period | None = None
    secured_amount: Decimal | None = None
    currency: str = "CNY"
    description: str = ""
    items: list[ItemInput] = field(default_factory=list)


@dataclass
class PortfolioPlan:
    """What an import would write, or the errors by row (1 is the header row)."""

    registrations: list[PlannedRegistration] = field(default_factory=list)
    errors: dict[int, list[str]] = field(default_factory=dict)
    row_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.registrations)

    def add_error(self, row: int, message: str) -> None:
        self.errors.setdefault(row, []).append(message)


def read_rows(content: bytes, file_format: str) -> list[dict[str, str]]:
    """The file's rows as dicts of text by column; raises InvalidInput if unreadable."""
    if file_format not in FORMATS:
        raise InvalidInput(extra={"file": [_("Upload a CSV or XLSX file.")]})
    try:
        if file_format == "csv":
            text = content.decode("utf-8-sig")
            dataset = CSV().create_dataset(text)
        else:
            dataset = XLSX().create_dataset(content)
    except (UnicodeDecodeError, ValueError, KeyError, OSError) as exc:
        raise InvalidInput(
            extra={"file": [_("The file cannot be read: %(e)s") % {"e": exc}]}
        ) from exc
    except Exception as exc:
        raise InvalidInput(extra={"file": [_("The file cannot be read.")]}) from exc
    headers = [str(h or "").strip() for h in (dataset.headers or [])]
    missing = [c for c in ("loan_reference", "grantor_name", "kind") if c not in headers]
    if missing:
        raise InvalidInput(
            extra={"file": [_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}]}
        )
    unknown = [h for h in headers if h and h not in all_columns()]
    if unknown:
        raise InvalidInput(
            extra={"file": [_("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)}]}
        )
    if len(dataset) > MAX_ROWS:
        raise InvalidInput(
            extra={"file": [_("At most %(max)d rows per file.") % {"max": MAX_ROWS}]}
        )
    rows = []
    for values in dataset:
        row = {
            h: ("" if v is None else str(v).strip())
            for h, v in zip(headers, values, strict=False)
            if h
        }
        rows.append(row)
    return rows


def _raw_item(row: dict[str, str]) -> dict[str, Any]:
    kind = all_kinds().get(row.get("kind", ""))
    item: dict[str, Any] = {"kind": row.get("kind", "")}
    if kind is None:
        return item
    for name, serializer_field in kind.serializer_class().fields.items():
        value = row.get(name, "")
        if value == "":
            continue
        if isinstance(serializer_field, serializers.ListField):
            for separator in LIST_SEPARATORS[1:]:
                value = value.replace(separator, LIST_SEPARATORS[0])
            item[name] = [v.strip() for v in value.split(LIST_SEPARATORS[0]) if v.strip()]
        elif value.endswith(" 00:00:00") and isinstance(serializer_field, serializers.DateField):
            item[name] = value[:10]  # a spreadsheet date cell
        else:
            item[name] = value
    return item


def _column_label(name: str) -> str:
    """``编号 (number)``: the field's label, with the column it is read from."""
    for kind in all_kinds().values():
        serializer_field = kind.serializer_class().fields.get(name)
        if serializer_field is not None and serializer_field.label:
            return f"{serializer_field.label} ({name})"
    return name


def _messages(detail: Any, prefix: str = "") -> list[str]:
    """Error messages prefixed with the column (and, in a list, the 1-based position)."""
    if isinstance(detail, dict):
        messages = []
        for key, value in detail.items():
            if key == "non_field_errors":
                label = prefix
            elif isinstance(key, int) or str(key).isdigit():
                label = f"{prefix.rstrip(': ')} #{int(key) + 1}: "
            else:
                label = f"{prefix}{_column_label(str(key))}: "
            messages.extend(_messages(value, label))
        return messages
    if isinstance(detail, list):
        return [m for value in detail for m in _messages(value, prefix)]
    return [f"{prefix}{detail}"]


def _int(text: str) -> int:
    return int(float(text)) if text else 0


def portfolio_plan(rows: list[dict[str, str]]) -> PortfolioPlan:
    """Validate every row; the plan lists the registrations, or the errors row by row."""
    plan = PortfolioPlan(row_count=len(rows))
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for index, row in enumerate(rows, start=2):
        reference = row.get("loan_reference", "")
        if not reference:
            plan.add_error(index, _("loan_reference: this field is required."))
            continue
        groups.setdefault(reference, []).append((index, row))
    for reference, members in groups.items():
        first_row, first = members[0]
        planned = PlannedRegistration(loan_reference=reference, rows=[n for n, _r in members])
        for number, row in members[1:]:
            differing = [
                c for c in REGISTRATION_COLUMNS if row.get(c, "") not in ("", first.get(c, ""))
            ]
            if differing:
                plan.add_error(
                    number,
                    _("Differs from row %(row)s of the same loan reference in: %(columns)s.")
                    % {"row": first_row, "columns": ", ".join(differing)},
                )
        try:
            planned.grantor = grantor_validate(
                {
                    "name": first.get("grantor_name", ""),
                    "id_type": first.get("grantor_id_type", ""),
                    "id_number": first.get("grantor_id_number", ""),
                }
            )
        except InvalidInput as exc:
            for message in _messages(exc.extra.get("grantor", exc.extra)):
                plan.add_error(first_row, _("grantor %(error)s") % {"error": message})
        try:
            planned.period = Period(
                years=_int(first.get("period_years", "")),
                months=_int(first.get("period_months", "")),
            )
        except ValueError:
            plan.add_error(first_row, _("period: give whole numbers."))
        except InvalidInput as exc:
            for message in _messages(exc.extra):
                plan.add_error(first_row, message)
        amount = first.get("secured_amount", "").replace(",", "")
        try:
            planned.secured_amount = Decimal(amount) if amount else None
            if planned.secured_amount is not None and planned.secured_amount < 0:
                raise InvalidOperation
        except InvalidOperation:
            plan.add_error(first_row, _("secured_amount: give an amount of 0 or more."))
        planned.currency = (first.get("currency") or "CNY").upper()
        planned.description = first.get("description", "")
        try:
            planned.items = items_validate([_raw_item(row) for _n, row in members])
        except RegistryError as exc:
            detail = exc.extra.get("collateral", []) if isinstance(exc.extra, dict) else []
            if detail and isinstance(detail[0], dict):
                for (number, _row), errors in zip(members, detail, strict=False):
                    for message in _messages(errors):
                        plan.add_error(number, message)
            else:
                for message in _messages(detail) or [str(exc.message)]:
                    plan.add_error(first_row, message)
        plan.registrations.append(planned)
    return plan


def sample_rows() -> list[list[str]]:
    """Two registrations of the sample file: a patent, and a receipt with a herd."""
    columns = all_columns()

    def row(**values: str) -> list[str]:
        return [values.get(c, "") for c in columns]

    grantor = {
        "grantor_name": "杭州绿谷农业有限公司",
        "grantor_id_type": "uscc",
        "grantor_id_number": "91330106MA2B12345N",
        "period_years": "1",
        "currency": "CNY",
    }
    return [
        row(
            loan_reference="LOAN-2026-001",
            secured_amount="1000000.00",
            description="Patent pledge",
            kind="ip",
            ip_type="invention_patent",
            number="201810123457.X",
            title="Sample patent",
            **grantor,
        ),
        row(
            loan_reference="LOAN-2026-002",
            secured_amount="800000.00",
            kind="warehouse_receipt",
            issuer_code="QDPORT",
            receipt_number="WR-2026-100001",
            commodity="copper cathode",
            quantity="100",
            unit="t",
            warehouse="QD-BONDED-1",
            lot="L-1001",
            issued_on="2026-09-01",
            expires_on="2027-08-31",
            **grantor,
        ),
        row(
            loan_reference="LOAN-2026-002",
            kind="livestock",
            species="pig",
            ear_tags="133010600009101;133010600009102",
            farm="绿谷生猪养殖场",
            insurance_policy="PICC-2026-9",
            **grantor,
        ),
    ]
