from django.core.management.base import BaseCommand, CommandError

from registry.tasks import JOBS


class Command(BaseCommand):
    help = "Run one scheduled job once in the foreground and print what it did."

    def add_arguments(self, parser):
        parser.add_argument("name", help="One of: " + ", ".join(JOBS))

    def handle(self, *args, name, **options):
        job = JOBS.get(name)
        if job is None:
            raise CommandError(f"Unknown job {name!r}; use one of: {', '.join(JOBS)}.")
        result = job()
        self.stdout.write(result.summary())
