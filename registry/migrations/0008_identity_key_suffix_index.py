"""On PostgreSQL: an index that finds identity keys by the end of their value.

A warehouse receipt number typed without its issuer matches ``ISSUER:NUMBER`` under any
issuer; the search asks ``reverse(value) LIKE 'REBMUN:%'``, which this index answers.
"""

from django.db import migrations

FORWARD = (
    "CREATE INDEX IF NOT EXISTS idkey_scheme_reverse_value_idx ON registry_identitykeyentry "
    "(scheme, reverse(value) text_pattern_ops)"
)
BACKWARD = "DROP INDEX IF EXISTS idkey_scheme_reverse_value_idx"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_merge_alerts_move_and_certificates")]

    operations = [migrations.RunPython(forward, backward)]
