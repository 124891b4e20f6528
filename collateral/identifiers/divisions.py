"""Administrative division (county) codes inside identifiers (GB/T 2260)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from collateral.identifiers.base import IdentifierError, _is_digits
from collateral.regions import is_known_county

# --- Administrative divisions ---------------------------------------------------------------

# First two digits of a county code (GB/T 2260): the provinces, Taiwan, Hong Kong and Macao.
PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", *(str(n) for n in range(31, 38))}
    | {str(n) for n in range(41, 47)}
    | {str(n) for n in range(50, 55)}
    | {str(n) for n in range(61, 66)}
    | {"71", "81", "82"}
)


def check_county_code(code: str) -> None:
    """Six digits starting with a province code (GB/T 2260)."""
    if not _is_digits(code) or len(code) != 6 or code[:2] not in PROVINCE_CODES:
        raise IdentifierError(
            "county_code",
            _("County code %(code)s is not 6 digits starting with a province code (GB/T 2260)."),
            code=code,
        )


def check_real_county(code: str) -> None:
    """A county code of the GB/T 2260 list, valid in any year (python-stdnum's history)."""
    check_county_code(code)
    if not is_known_county(code):
        raise IdentifierError(
            "county_code",
            _(
                "County code %(code)s is no county in any year of the GB/T 2260 code list "
                "(a province or prefecture total is no county)."
            ),
            code=code,
        )
