"""Alerts, notifications and webhooks moved to the ``alerts`` app; no table changes."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0004_grantor_id_upper_index'),
        ('alerts', '0001_initial'),
    ]

    # The tables stay where they are (the alerts app's models keep their db_table names):
    # only Django's record of which app owns them changes.
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.RemoveField(
            model_name='notification',
            name='alert',
        ),
        migrations.RemoveField(
            model_name='alertsettings',
            name='organization',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='organization',
        ),
        migrations.RemoveField(
            model_name='notification',
            name='webhook',
        ),
        migrations.RemoveField(
            model_name='webhookdelivery',
            name='notification',
        ),
        migrations.RemoveField(
            model_name='webhook',
            name='organization',
        ),
        migrations.RemoveField(
            model_name='webhookdelivery',
            name='webhook',
        ),
        migrations.DeleteModel(
            name='Alert',
        ),
        migrations.DeleteModel(
            name='AlertSettings',
        ),
        migrations.DeleteModel(
            name='Notification',
        ),
        migrations.DeleteModel(
            name='Webhook',
        ),
        migrations.DeleteModel(
            name='WebhookDelivery',
        ),
            ],
        ),
    ]
