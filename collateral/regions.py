"""Administrative division codes (GB/T 2260) with their history, from python-stdnum's data.

python-stdnum ships ``cn/loc.dat``, the code list with the years each county code was in use
(``[-2010]崇文区``: abolished after 2010). A resident ID or an ear tag keeps the code it was
issued under, so a code counts as real when it was valid in any year.
"""

from __future__ import annotations

import functools

from stdnum import numdb

# Districts that python-stdnum 2.2's list lacks although they are in GB/T 2260 today
# (Hangzhou's 2021 redistricting split Yuhang and Jianggan): without them a tag or ID issued
# there would be refused.
MISSING_FROM_LIST = {"330113": "临平区", "330114": "钱塘区"}

# GB 11643 as amended for residence permits (港澳台居民居住证, 2018): their address codes.
RESIDENCE_PERMIT_CODES = {"810000": "Hong Kong", "820000": "Macao", "830000": "Taiwan"}


@functools.cache
def _database() -> numdb.NumDB:
    return numdb.get("cn/loc")


@functools.lru_cache(maxsize=8192)  # a few thousand real codes; every tag looks one up
def region_names(code: str) -> tuple[str, str] | None:
    """``(province, county)`` names of a 6-digit code valid in some year, else ``None``.

    The county part may list several names with their years (``[-1991]东郊区,[1992-]东丽区``).
    """
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    if code in MISSING_FROM_LIST:
        return region_names(code[:2] + "0000")[0], MISSING_FROM_LIST[code]
    parts = dict(_database().info(code))
    province = parts.get(code[:2], {}).get("province")
    county = parts.get(code[2:], {}).get("county")
    if province is None or county is None:
        return None
    return province, county


def is_known_region(code: str) -> bool:
    """A code of the GB/T 2260 list (any year), or a residence-permit code (81/82/83)."""
    return code in RESIDENCE_PERMIT_CODES or region_names(code) is not None


@functools.cache
def _has_counties(prefecture: str) -> bool:
    return any(region_names(f"{prefecture}{n:02d}") for n in range(1, 100))


def is_known_county(code: str) -> bool:
    """A county-level code of the list (any year): not a province or prefecture total.

    ``xx0000`` is a province, ``xxyy00`` a prefecture and ``xxyy01`` its "市辖区" total;
    none of them is a county an animal or a parcel can be in. A prefecture-level city
    without counties (东莞 441900, 儋州 460400) is its own county.
    """
    names = region_names(code)
    if names is None or code.endswith("0000"):
        return False
    if code.endswith("00"):
        return not _has_counties(code[:4])
    return not all(name.endswith("市辖区") for name in names[1].split(","))


@functools.cache
def region_codes() -> tuple[str, ...]:
    """Every 6-digit code of the list (any year), in order: provinces, prefectures, counties."""
    codes = set(MISSING_FROM_LIST)
    for length, low, high, _props, children in _database().prefixes:
        if length != 2 or low != high:
            continue
        for child_length, child_low, child_high, _p, _c in children:
            if child_length == 4:
                codes.update(f"{low}{n:04d}" for n in range(int(child_low), int(child_high) + 1))
    return tuple(sorted(codes))


@functools.cache
def county_codes() -> tuple[str, ...]:
    """The county-level codes of the list (any year)."""
    return tuple(code for code in region_codes() if is_known_county(code))
