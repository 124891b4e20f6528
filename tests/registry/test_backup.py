"""Durability (issue 12, Build 6): `make backup` and `make restore` with pg_dump/pg_restore.

A restored database passes verify_ledger and serves the same certificates, whose
signatures verify — checked by a separate process on the restored database over HTTP.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.db import connection

from registry import signing
from registry.selectors.ledger import ledger_verify
from tests.factories import ip_item, patent_number, registration_payload

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="backup and restore are for PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]

# Runs in a fresh process on the restored database: each certificate read over HTTP, and
# verified there with the service's key.
CHECK = """
import json, os, sys
import django
django.setup()
from django.test import Client
raw, numbers = sys.argv[1], json.loads(sys.argv[2])
client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
out = {}
for number in numbers:
    cert = client.get(f"/api/v1/search-certificates/{number}/").json()
    check = client.get(f"/api/v1/search-certificates/{number}/verify/").json()
    out[number] = {"certificate": cert, "verify": check}
print(json.dumps(out))
"""


def _url(name: str) -> str:
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{name}"
    )


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    return subprocess.run(  # noqa: S603 - fixed arguments
        list(args), cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def empty_database():
    name = f"restore_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_restored_database_verifies_and_serves_the_same_signed_certificates(
    client_a, client_b, empty_database, tmp_path, bank_b
):
    from registry.services.organizations import api_key_create
    from tests.factories import actor_for

    number = patent_number()
    for _ in range(3):
        created = client_a.post(
            "/api/v1/registrations/", registration_payload(ip_item(number)), format="json"
        )
        assert created.status_code == 201
    registration = created.json()["registration_number"]
    client_a.post(
        f"/api/v1/registrations/{registration}/amendments/",
        {"description": "after amendment"},
        format="json",
    )
    _key, raw = api_key_create(actor=actor_for(bank_b), role="viewer")
    certificates = []
    for query in ({"identifier": number}, {"grantor_name": "nobody"}):
        response = client_b.post("/api/v1/search-certificates/", query, format="json")
        assert response.status_code == 201, response.json()
        certificates.append(response.json())
    assert ledger_verify().ok

    source = _url(connection.settings_dict["NAME"])
    backup = tmp_path / "registry.dump"
    made = _run("bin/backup", str(backup), DATABASE_URL=source)
    assert made.returncode == 0, made.stderr
    assert backup.exists() and not Path(f"{backup}.partial").exists()

    target = _url(empty_database)
    pem = (
        signing.signing_key()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    restored = _run("bin/restore", str(backup), RESTORE_DATABASE_URL=target, PYTHON=sys.executable)
    assert restored.returncode == 0, restored.stderr
    assert "Ledger intact" in restored.stdout

    numbers = [c["certificate_number"] for c in certificates]
    served = _run(
        sys.executable,
        "-c",
        CHECK,
        raw,
        json.dumps(numbers),
        DATABASE_URL=target,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        SEARCH_CERTIFICATE_SIGNING_KEY=pem,
        ALLOWED_HOSTS="testserver",
    )
    assert served.returncode == 0, served.stderr
    result = json.loads(served.stdout.strip().splitlines()[-1])
    for original in certificates:
        again = result[original["certificate_number"]]
        assert again["certificate"] == original
        assert again["verify"]["valid"] is True
        assert again["verify"]["signature_valid"] and again["verify"]["digest_valid"]


def test_restore_refuses_without_a_file_or_a_postgresql_target(tmp_path):
    assert _run("bin/restore").returncode == 2
    dump = tmp_path / "x.dump"
    dump.write_bytes(b"")
    refused = _run("bin/restore", str(dump), RESTORE_DATABASE_URL="sqlite:///x.db")
    assert refused.returncode == 2
    assert _run("bin/backup", DATABASE_URL="sqlite:///x.db").returncode == 2


def test_a_corrupt_backup_leaves_the_target_untouched(empty_database, tmp_path):
    target = _url(empty_database)
    dump = tmp_path / "corrupt.dump"
    dump.write_bytes(b"PGDMP not really")
    failed = _run("bin/restore", str(dump), RESTORE_DATABASE_URL=target, PYTHON=sys.executable)
    assert failed.returncode != 0
