from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from registry.jobs import all_jobs


class Command(BaseCommand):
    help = "Register the default Celery beat schedules; schedules the operator edited are kept."

    @transaction.atomic
    def handle(self, *args, **options):
        created = 0
        jobs = [job for job in all_jobs().values() if job.schedule is not None]
        for job in jobs:
            default = job.schedule
            if PeriodicTask.objects.filter(name=default.name).exists():
                continue
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=default.minute,
                hour=default.hour,
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone=settings.TIME_ZONE,
            )
            PeriodicTask.objects.create(
                name=default.name,
                task=job.task,
                crontab=crontab,
                description=default.description,
            )
            created += 1
        self.stdout.write(f"Schedules: {created} created, {len(jobs) - created} kept.")
