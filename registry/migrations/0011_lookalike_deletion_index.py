"""The look-alike index (deletion neighbourhood of every folded identity key), filled for the
identity keys already stored, so similar search keeps finding them."""

from django.db import migrations, models

BATCH = 2000


def fill_lookalike_index(apps, schema_editor):
    from registry.selectors.similar import MAX_INDEXED_LENGTH, lookalike_hashes

    IdentityKeyEntry = apps.get_model("registry", "IdentityKeyEntry")
    LookalikeVariant = apps.get_model("registry", "LookalikeVariant")
    keys = (
        IdentityKeyEntry.objects.order_by("scheme", "folded")
        .values_list("scheme", "folded")
        .distinct()
        .iterator(chunk_size=BATCH)
    )
    rows = []
    for scheme, folded in keys:
        if len(folded) > MAX_INDEXED_LENGTH:
            continue
        rows.extend(
            LookalikeVariant(variant=variant, folded=folded)
            for variant in lookalike_hashes(scheme, folded)
        )
        if len(rows) >= BATCH:
            LookalikeVariant.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
            rows = []
    LookalikeVariant.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0010_objections_and_transfers"),
    ]

    operations = [
        migrations.CreateModel(
            name="LookalikeVariant",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "variant",
                        "folded",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("variant", models.BigIntegerField(verbose_name="variant hash")),
                ("folded", models.CharField(max_length=200, verbose_name="folded value")),
            ],
            options={
                "verbose_name": "look-alike variant",
                "verbose_name_plural": "look-alike variants",
            },
        ),
        migrations.RunPython(fill_lookalike_index, migrations.RunPython.noop),
    ]
