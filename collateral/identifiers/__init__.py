"""Identifier rules of collateral, as pure functions, one module per family of numbers.

Every ``normalize_*`` function takes what a user typed (full-width, spaced, lower-case …) and
returns the one canonical form used in identity keys, or raises :class:`IdentifierError` whose
message names the rule that failed. Normalizing a normalized value returns it unchanged.
No database, no Django models: only ``gettext_lazy`` for the messages.
"""

from collateral.identifiers.base import (
    LOOKALIKE_DIGITS,
    IdentifierError,
    fold_identifier,
    normalize_text,
)
from collateral.identifiers.divisions import PROVINCE_CODES, check_county_code, check_real_county
from collateral.identifiers.forest import (
    normalize_forest_certificate,
    normalize_unit_number,
    unit_number_lookalike,
)
from collateral.identifiers.ip import (
    PATENT_TYPE_DIGITS,
    PATENT_WEIGHTS,
    is_software_certificate,
    normalize_copyright_number,
    normalize_foreign_number,
    normalize_patent_number,
    normalize_software_certificate,
    normalize_software_copyright_number,
    normalize_trademark_number,
    patent_check_character,
    patent_lookalike_number,
    patent_type,
)
from collateral.identifiers.livestock import (
    ISO11784_MAX_NATIONAL_ID,
    NATIONAL_SPECIES_CODES,
    normalize_iso11784_tag,
    normalize_national_tag,
    tag_lookalike,
)

__all__ = [
    "ISO11784_MAX_NATIONAL_ID",
    "LOOKALIKE_DIGITS",
    "NATIONAL_SPECIES_CODES",
    "PATENT_TYPE_DIGITS",
    "PATENT_WEIGHTS",
    "PROVINCE_CODES",
    "IdentifierError",
    "check_county_code",
    "check_real_county",
    "fold_identifier",
    "is_software_certificate",
    "normalize_copyright_number",
    "normalize_foreign_number",
    "normalize_forest_certificate",
    "normalize_iso11784_tag",
    "normalize_national_tag",
    "normalize_patent_number",
    "normalize_software_certificate",
    "normalize_software_copyright_number",
    "normalize_text",
    "normalize_trademark_number",
    "normalize_unit_number",
    "patent_check_character",
    "patent_lookalike_number",
    "patent_type",
    "tag_lookalike",
    "unit_number_lookalike",
]
