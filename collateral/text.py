"""The one text normalizer behind every identifier and name, and the UTS #39 skeleton.

Every value a user typed goes through :func:`clean` first: each Unicode format or control
character (general categories Cf, Cc, and lone surrogates Cs) and each other default-ignorable
code point is removed, so an identifier with a U+200E, U+202E or U+E0041 hidden inside is the
same identifier, and a name cannot carry ESC or DEL. Whitespace controls (tab, newline …)
become a space. :func:`skeleton` is the confusable fold of Unicode Technical Standard #39,
computed from the Unicode ``confusables.txt`` data that the ``confusable-homoglyphs`` package
ships, used by the look-alike search.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from importlib import resources

# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties.txt) outside Cf, Cc and Cn:
# the combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian free
# variation selectors and the variation selectors. They render as nothing, like Cf.
_IGNORABLE_RANGES = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xE0000, 0xE0FFF),  # tags and variation selectors supplement, assigned or not
)
REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def is_removed(character: str) -> bool:
    """True for a character :func:`clean` drops: a format or control character, or ignorable."""
    if character.isspace():
        return False
    if unicodedata.category(character) in REMOVED_CATEGORIES:
        return True
    code = ord(character)
    return any(start <= code <= end for start, end in _IGNORABLE_RANGES)


class _CleanTable(dict):
    """A ``str.translate`` table filled on demand: each code point is classified once."""

    def __missing__(self, code: int) -> str | None:
        character = chr(code)
        if character.isspace():
            value: str | None = " "
        elif is_removed(character):
            value = None
        else:
            value = character
        self[code] = value
        return value


_CLEAN = _CleanTable()


def clean(value: str) -> str:
    """NFKC without format, control or ignorable characters; whitespace runs become one space.

    Cleaning runs before and after NFKC, as compatibility decompositions may expose one.
    """
    text = unicodedata.normalize("NFKC", value.translate(_CLEAN)).translate(_CLEAN)
    return " ".join(text.split())


# --- UTS #39 confusables -------------------------------------------------------------------


def _strip_marks(text: str) -> str:
    # The data file quotes right-to-left characters between LEFT-TO-RIGHT MARKs.
    return text.replace("\u200e", "").replace("\u200f", "")


@functools.cache
def prototypes() -> dict[str, str]:
    """``confusables.txt`` as a mapping: source character → its prototype (one or more chars).

    The package stores each line ``source ; prototype`` as a link both ways, in file order.
    A prototype never is a source, so a character is a source exactly when it has one link
    and either its partner has several (a prototype shared by many sources) or it came first
    (the line that introduced both).
    """
    raw = resources.files("confusable_homoglyphs").joinpath("confusables.json")
    links = {
        _strip_marks(key): [_strip_marks(link["c"]) for link in value]
        for key, value in json.loads(raw.read_text(encoding="utf-8")).items()
    }
    order = {key: index for index, key in enumerate(links)}
    mapping = {}
    for key, partners in links.items():
        if len(key) != 1 or len(partners) != 1:
            continue
        partner = partners[0]
        if len(links.get(partner, ())) > 1 or order[key] < order.get(partner, len(order)):
            mapping[key] = partner
    return mapping


def skeleton(value: str) -> str:
    """The UTS #39 skeleton: NFD, every character replaced by its prototype, NFD again.

    Two strings with the same skeleton are visually confusable (Cyrillic ``АВС`` and Latin
    ``ABC``, ``0`` and ``O``, ``1`` and ``l``).
    """
    table = prototypes()
    text = unicodedata.normalize("NFD", value)
    return unicodedata.normalize("NFD", "".join(table.get(c, c) for c in text))


@functools.cache
def _ascii_lookalike_table() -> dict[int, str]:
    """Non-ASCII letters whose prototype is one Latin letter, mapped to that capital letter.

    Only letter to letter: a Bengali ``৪`` looks like ``8`` but is a four, so digits are left
    to the look-alike search. Prototype ``l`` (the I-like letters: Greek iota, Cyrillic і)
    maps to ``I``, the capital that identifiers are written in.
    """
    table = {}
    for source, prototype in prototypes().items():
        if source.isascii() or not unicodedata.category(source).startswith("L"):
            continue
        target = "I" if prototype == "l" else prototype.upper()
        if len(target) == 1 and "A" <= target <= "Z":
            table[ord(source)] = target
    return table


def fold_to_ascii_lookalikes(value: str) -> str:
    """Greek, Cyrillic, Cherokee … capitals that look like a Latin capital become that capital.

    ``АВС123`` typed with Cyrillic letters is the receipt ``ABC123``: identifiers in this
    registry are written in Latin letters and digits (and Chinese), so a look-alike letter is
    a typing accident or an attempt to slip past duplicate detection, and folds away.
    """
    return value.translate(_ascii_lookalike_table())
