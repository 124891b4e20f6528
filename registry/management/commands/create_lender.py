from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from registry.services.organizations import organization_ensure


class Command(BaseCommand):
    help = "Create a lender organization (idempotent: an existing code keeps its data)."

    def add_arguments(self, parser):
        parser.add_argument("code", help="short upper-case code, e.g. BANKA")
        parser.add_argument("name", help='display name, e.g. "Bank A"')

    def handle(self, *args, code, name, **options):
        try:
            organization, created = organization_ensure(code=code, name=name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        verb = "Created" if created else "Already present:"
        self.stdout.write(f"{verb} {organization.code} {organization.name}")
