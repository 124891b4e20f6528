"""Database-side guarantees that code alone cannot give.

On PostgreSQL: a trigger that refuses UPDATE and DELETE on the ledger, the pg_trgm extension
and a GiST trigram index for fuzzy grantor-name search. On every backend: the single ledger head
row that writers lock.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    CREATE OR REPLACE FUNCTION registry_ledger_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'registry_ledgerevent is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER ledger_append_only
    BEFORE UPDATE OR DELETE ON registry_ledgerevent
    FOR EACH ROW EXECUTE FUNCTION registry_ledger_append_only()
    """,
    # GiST: grantor names are searched nearest-first (ORDER BY <<-> LIMIT n).
    "CREATE INDEX IF NOT EXISTS reg_grantor_name_trgm ON registry_registration "
    "USING gist (grantor_name gist_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS reg_grantor_name_trgm",
    "DROP TRIGGER IF EXISTS ledger_append_only ON registry_ledgerevent",
    "DROP FUNCTION IF EXISTS registry_ledger_append_only()",
]


def forward(apps, schema_editor):
    apps.get_model("registry", "LedgerHead").objects.get_or_create(pk=1)
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_BACKWARD:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
