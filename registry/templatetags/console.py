"""Template filters of the lender console: labels instead of codes, money, local times."""

from django import template

from registry import display

register = template.Library()

register.filter("money", display.money)
register.filter("local_datetime", display.local_datetime)
register.filter("local_date", display.local_date)
register.filter("status_label", display.status_label)
register.filter("event_label", display.event_label)
register.filter("match_label", display.match_label)
register.filter("role_label", display.role_label)
register.filter("kind_label", display.kind_label)
register.filter("scheme_label", display.scheme_label)
register.filter("id_type_label", display.id_type_label)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
