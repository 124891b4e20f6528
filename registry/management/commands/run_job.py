from django.core.management.base import BaseCommand, CommandError

from registry.jobs import all_jobs


class Command(BaseCommand):
    help = "Run one scheduled job once in the foreground and print what it did."

    def add_arguments(self, parser):
        parser.add_argument("name", help="A job name; an unknown one lists them all.")

    def handle(self, *args, name, **options):
        jobs = all_jobs()
        job = jobs.get(name)
        if job is None:
            raise CommandError(f"Unknown job {name!r}; use one of: {', '.join(sorted(jobs))}.")
        self.stdout.write(job.run().summary())
