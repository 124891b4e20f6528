"""Every collateral kind, registered by importing its module here (the one place to add one)."""

from collateral.kinds import forest_right, ip, livestock, receivable, warehouse_receipt

__all__ = ["forest_right", "ip", "livestock", "receivable", "warehouse_receipt"]


def collateral_kind_choices():
    """``(code, label)`` of every registered kind: the OpenAPI ``CollateralKindEnum``."""
    from collateral.kinds.base import kind_choices

    return kind_choices()
