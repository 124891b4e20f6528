"""Enumerations used by the collateral kinds and grantors (values are stored, labels shown)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IpType(models.TextChoices):
    """What kind of intellectual-property right an ``ip`` item is."""

    INVENTION_PATENT = "invention_patent", _("Invention patent")
    UTILITY_MODEL = "utility_model", _("Utility model")
    DESIGN_PATENT = "design_patent", _("Design patent")
    TRADEMARK = "trademark", _("Trademark")
    COPYRIGHT = "copyright", _("Copyright")
    SOFTWARE_COPYRIGHT = "software_copyright", _("Software copyright")


PATENT_TYPES = frozenset({IpType.INVENTION_PATENT, IpType.UTILITY_MODEL, IpType.DESIGN_PATENT})
COPYRIGHT_TYPES = frozenset({IpType.COPYRIGHT, IpType.SOFTWARE_COPYRIGHT})


class Species(models.TextChoices):
    """Animals a ``livestock`` item can pledge."""

    PIG = "pig", _("Pig")
    CATTLE = "cattle", _("Cattle")
    SHEEP = "sheep", _("Sheep")
    GOAT = "goat", _("Goat")
    BREEDING_SOW = "breeding_sow", _("Breeding sow")


class TagScheme(models.TextChoices):
    """Numbering scheme of the ear tags of a ``livestock`` item."""

    NATIONAL = "national", _("National livestock tag")
    ISO11784 = "iso11784", _("ISO 11784 RFID")


class StandAge(models.TextChoices):
    """Age class of a forest stand (drives the haircut on young stands)."""

    YOUNG = "young", _("Young")
    MIDDLE = "middle", _("Middle-aged")
    MATURE = "mature", _("Mature")


class GrantorIdType(models.TextChoices):
    """How a grantor is identified."""

    USCC = "uscc", _("Unified social credit code")
    RESIDENT_ID = "resident_id", _("Resident ID")
    OTHER = "other", _("Other")
