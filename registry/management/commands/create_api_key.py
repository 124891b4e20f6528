from django.core.management.base import BaseCommand, CommandError

from registry.actors import Actor
from registry.choices import Role
from registry.models import Organization
from registry.services.organizations import api_key_create


class Command(BaseCommand):
    help = "Issue an API key for a lender; the key is printed once, as the last line."

    def add_arguments(self, parser):
        parser.add_argument("code", help="the lender's code")
        parser.add_argument("--name", default="", help="what the key is for")
        parser.add_argument("--role", default=Role.OFFICER, choices=Role.values)

    def handle(self, *args, code, name, role, **options):
        organization = Organization.objects.filter(code=code.strip().upper()).first()
        if organization is None:
            raise CommandError(f"No lender with code {code!r}; run create_lender first.")
        api_key, raw_key = api_key_create(
            actor=Actor.command(organization, "create_api_key"), name=name, role=role
        )
        self.stdout.write(
            f"API key {api_key.prefix} for {organization.code} (role {role}). "
            "Store it now: it is not shown again."
        )
        self.stdout.write(raw_key)
