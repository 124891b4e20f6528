"""Recompute IdentityKeyEntry.folded: the look-alike fold now starts from the UTS #39 skeleton
of the cleaned value (format and control characters removed), so stored folds must follow."""

from django.db import migrations

BATCH = 2000


def refold(apps, schema_editor):
    from registry.selectors.similar import fold_lookalikes

    IdentityKeyEntry = apps.get_model("registry", "IdentityKeyEntry")
    changed = []
    for entry in IdentityKeyEntry.objects.only("id", "value", "folded").iterator(chunk_size=BATCH):
        folded = fold_lookalikes(entry.value)
        if folded != entry.folded:
            entry.folded = folded
            changed.append(entry)
        if len(changed) >= BATCH:
            IdentityKeyEntry.objects.bulk_update(changed, ["folded"])
            changed = []
    IdentityKeyEntry.objects.bulk_update(changed, ["folded"])


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_grantor_id_upper_index"),
    ]

    operations = [
        migrations.RunPython(refold, migrations.RunPython.noop),
    ]
