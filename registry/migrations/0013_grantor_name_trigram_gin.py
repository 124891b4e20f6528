"""On PostgreSQL: the grantor-name trigram index becomes GIN (it was GiST).

Grantor-name search counts and pages every name at least word-similar (``%>``) or containing
the typed one; it never walks the index nearest-first. For that, GIN finds the candidates of a
seeded company name in 1,000,000 keys in about 9 ms where GiST took 54–70 ms, and leaves equality
to the B-tree ``reg_grantor_name_idx`` (the planner chose GiST for ``=`` too, at 2.2 ms instead
of 0.1 ms). docs/performance.md has the plans. Elsewhere (SQLite) nothing changes.
"""

from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS reg_grantor_name_trgm_gin ON registry_registration "
    "USING gin (grantor_name gin_trgm_ops)",
    "DROP INDEX IF EXISTS reg_grantor_name_trgm",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS reg_grantor_name_trgm ON registry_registration "
    "USING gist (grantor_name gist_trgm_ops)",
    "DROP INDEX IF EXISTS reg_grantor_name_trgm_gin",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("registry", "0012_merge_lookalike_and_search")]

    operations = [migrations.RunPython(forward, backward)]
