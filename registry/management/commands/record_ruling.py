from django.core.management.base import BaseCommand, CommandError

from registry.choices import RulingOutcome
from registry.exceptions import RegistryError
from registry.services.objections import objection_rule


class Command(BaseCommand):
    help = (
        "Record, as the platform operator, the court or arbitration ruling on an objection "
        "whose case is pending; it may order an amendment (--remove-item) or a discharge."
    )

    def add_arguments(self, parser):
        parser.add_argument("objection_id", type=int)
        parser.add_argument("outcome", choices=RulingOutcome.values)
        parser.add_argument("--reference", required=True, help="the ruling's reference number")
        parser.add_argument("--note", default="")
        parser.add_argument(
            "--remove-item",
            type=int,
            action="append",
            default=[],
            dest="remove_item_ids",
            help="a collateral item id the ruling removes (amendment; repeat for several)",
        )
        parser.add_argument("--operator", default="console", help="who records it (for the ledger)")

    def handle(self, *args, objection_id, outcome, reference, note, remove_item_ids, operator, **_):
        try:
            objection = objection_rule(
                operator=f"operator:{operator}",
                objection_id=objection_id,
                outcome=outcome,
                reference=reference,
                note=note,
                remove_item_ids=remove_item_ids,
            )
        except RegistryError as exc:
            raise CommandError(f"{exc.message} {exc.extra or ''}".strip()) from exc
        self.stdout.write(
            f"Objection #{objection.pk} to {objection.registration.number}: "
            f"{objection.get_ruling_outcome_display()} ({objection.ruling_reference})"
        )
