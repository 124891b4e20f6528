"""Create a console login for a lender: ``create_user CODE USERNAME --role officer``."""

from getpass import getpass

from django.core.management.base import BaseCommand, CommandError

from registry.actors import Actor
from registry.choices import Role
from registry.exceptions import InvalidInput
from registry.models import Organization
from registry.services.organizations import user_create


class Command(BaseCommand):
    help = "Create a lender-console login of an organization with a role."

    def add_arguments(self, parser):
        parser.add_argument("code", help="the organization's code, e.g. BANKA")
        parser.add_argument("username")
        parser.add_argument("--role", choices=Role.values, default=Role.VIEWER)
        parser.add_argument("--password", help="prompted for when not given")

    def handle(self, *args, code, username, role, password=None, **options):
        organization = Organization.objects.filter(code=code.strip().upper()).first()
        if organization is None:
            raise CommandError(f"No organization {code}; create it with create_lender first.")
        if not password:
            password = getpass("Password: ")
            if password != getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        try:
            user = user_create(
                actor=Actor.command(organization, "create_user"),
                username=username,
                password=password,
                role=role,
            )
        except InvalidInput as exc:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.extra.items())
            raise CommandError(problems) from exc
        self.stdout.write(f"Created {user.username} ({role}) of {organization.code}")
