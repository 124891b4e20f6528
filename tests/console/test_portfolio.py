"""Portfolio import (preview, then all or nothing) and export, through the console."""

from __future__ import annotations

import io

import openpyxl
import pytest
import tablib
from django.db import connection

from registry.models import CollateralItem, Registration
from registry.portfolio import all_columns, sample_rows
from tests.console.conftest import login

pytestmark = pytest.mark.django_db

URL = "/console/portfolio/import/"


def _csv(rows) -> io.BytesIO:
    data = tablib.Dataset(*rows, headers=all_columns()).export("csv").encode()
    upload = io.BytesIO(data)
    upload.name = "portfolio.csv"
    return upload


def test_the_sample_file_previews_then_imports_every_registration(demo, client):
    login(client, "officer_a")
    sample = client.get("/console/portfolio/sample.csv")
    upload = io.BytesIO(sample.content)
    upload.name = "sample.csv"
    before = Registration.objects.count()
    preview = client.post(URL, {"file": upload, "preview": "1"})
    assert preview.context["plan"].ok
    assert Registration.objects.count() == before  # the preview writes nothing
    done = client.post(URL, {"confirm": "1"})
    assert done.status_code == 302
    new = Registration.objects.filter(loan_reference__startswith="LOAN-2026-")
    assert new.count() == 2
    assert CollateralItem.objects.filter(registration__in=new).count() == 3
    assert set(new.values_list("events__actor", flat=True)) == {"user:officer_a"}


def test_an_xlsx_file_is_read_too(demo, client):
    login(client, "officer_a")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(all_columns())
    for row in sample_rows():
        sheet.append(row)
    content = io.BytesIO()
    book.save(content)
    content.seek(0)
    content.name = "portfolio.xlsx"
    preview = client.post(URL, {"file": content, "preview": "1"})
    assert preview.context["plan"].ok, preview.context["plan"].errors


def test_one_bad_row_is_reported_by_number_and_nothing_is_written(demo, client):
    login(client, "officer_a")
    rows = sample_rows()
    rows[2][all_columns().index("ear_tags")] = "133010600009101;999"  # a broken tag
    before = Registration.objects.count()
    preview = client.post(URL, {"file": _csv(rows), "preview": "1"})
    plan = preview.context["plan"]
    assert list(plan.errors) == [4]
    assert "ear_tags" in " ".join(plan.errors[4])
    assert 'name="confirm"' not in preview.content.decode()
    assert client.post(URL, {"confirm": "1"}).status_code == 302  # nothing stored to confirm
    assert Registration.objects.count() == before


def test_unknown_columns_and_unreadable_files_are_field_errors(demo, client):
    login(client, "officer_a")
    upload = io.BytesIO(b"loan_reference,grantor_name,kind,colour\nA,B,ip,red\n")
    upload.name = "x.csv"
    page = client.post(URL, {"file": upload, "preview": "1"})
    assert page.status_code == 200 and "colour" in str(page.context["form"].errors)
    upload = io.BytesIO(b"\x00\xff not a workbook")
    upload.name = "x.xlsx"
    assert client.post(URL, {"file": upload, "preview": "1"}).context["form"].errors


def test_export_holds_the_organizations_rows_only(demo, client):
    login(client, "officer_a")
    response = client.get("/console/portfolio/export/?format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 4
    registrations = book.worksheets[0]
    numbers = {row[0].value for row in registrations.iter_rows(min_row=2)}
    own = set(
        Registration.objects.filter(secured_party__code="BANKA").values_list("number", flat=True)
    )
    assert numbers == own
    alerts = client.get("/console/portfolio/export/?format=csv&sheet=alerts").content.decode()
    assert "dup:" not in alerts and "同时在登记" not in alerts  # English in tests; message, not key


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics are PostgreSQL's")
def test_an_import_refreshes_the_planner_statistics_once_it_commits(
    demo, client, django_capture_on_commit_callbacks
):
    login(client, "officer_a")
    client.post(URL, {"file": _csv(sample_rows()), "preview": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(URL, {"confirm": "1"}).status_code == 302
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = %s", [Registration._meta.db_table]
        )
        (estimated,) = cursor.fetchone()
    assert estimated == Registration.objects.count()
