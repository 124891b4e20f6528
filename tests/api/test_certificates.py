"""Certificates that verify from their own bytes; registration certificates; public checks."""

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jcs
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from django.core.cache import cache
from django.utils import timezone

from registry.models import RegistrationCertificate, SearchCertificate, SearchLog
from registry.models.ledger import canonical_json
from tests.factories import ip_item, patent_number, receipt_item, registration_payload

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "certificates.md"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def register(client, *items, **extra):
    response = client.post(
        "/api/v1/registrations/", registration_payload(*items, **extra), format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def public_key(client):
    key = client.get("/api/v1/search-certificates/public-key/").json()
    return serialization.load_pem_public_key(key["public_key_pem"].encode()), key


def verifies_offline(certificate: dict, key) -> bool:
    """The documented recipe, with an independent RFC 8785 implementation (``jcs``)."""
    body = {k: v for k, v in certificate.items() if k not in ("digest", "signature")}
    digest = hashlib.sha256(jcs.canonicalize(body)).hexdigest()
    if digest != certificate.get("digest"):
        return False
    try:
        key.verify(base64.b64decode(certificate.get("signature", "")), bytes.fromhex(digest))
    except (InvalidSignature, ValueError):
        return False
    return True


def issue(client, **query):
    response = client.post("/api/v1/search-certificates/", query, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_certificate_verifies_from_its_own_json(client_a, client_b):
    number = patent_number()
    register(client_a, ip_item(number))
    certificate = issue(client_b, identifier=number, purpose="pre_lending")
    assert certificate["format_version"] == 2 and certificate["purpose"] == "pre_lending"
    key, published = public_key(client_b)
    assert certificate["key_id"] == published["key_id"]
    assert verifies_offline(certificate, key)
    # as returned later, byte for byte the same content
    again = client_b.get(f"/api/v1/search-certificates/{certificate['certificate_number']}/")
    assert again.json() == certificate


def test_changing_any_byte_of_the_certificate_breaks_verification(client_a, client_b):
    register(client_a, ip_item())
    certificate = issue(client_b, grantor_name="杭州绿谷农业有限公司")
    key, _ = public_key(client_b)
    text = json.dumps(certificate, ensure_ascii=False)
    tried = 0
    for position in range(0, len(text), 7):
        changed = text[:position] + chr(ord(text[position]) ^ 1) + text[position + 1 :]
        try:
            tampered = json.loads(changed)
        except ValueError:
            continue
        if tampered == certificate:
            continue
        tried += 1
        assert not verifies_offline(tampered, key), position
    assert tried > 50
    # and in the database: the service's own check fails
    stored = SearchCertificate.objects.get(number=certificate["certificate_number"])
    stored.document["results"][0]["grantor"]["name"] = "杭州绿谷农业有限公可"
    stored.save(update_fields=["document"])
    path = f"/api/v1/search-certificates/{certificate['certificate_number']}/verify/"
    assert client_b.get(path).json()["valid"] is False


def test_the_documented_script_verifies_a_real_certificate(client_a, client_b, tmp_path):
    register(client_a, receipt_item("WR-2026-000815", issuer_code="QDPORT"))
    certificate = issue(client_b, identifier="WR-2026-000815")
    _, published = public_key(client_b)
    script = re.search(
        r"<!-- verify-script:start -->\n```python\n(.*?)```\n<!-- verify-script:end -->",
        DOCS.read_text(encoding="utf-8"),
        re.S,
    ).group(1)
    (tmp_path / "verify.py").write_text(script, encoding="utf-8")
    (tmp_path / "public-key.pem").write_text(published["public_key_pem"], encoding="utf-8")
    (tmp_path / "certificate.json").write_text(
        json.dumps(certificate, ensure_ascii=False, indent=2), encoding="utf-8"
    )

    def run():
        return subprocess.run(
            [sys.executable, "verify.py", "certificate.json", "public-key.pem"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )

    ok = run()
    assert ok.returncode == 0 and ok.stdout.startswith("VALID"), ok.stdout + ok.stderr
    certificate["results"][0]["status"] = "discharged"
    (tmp_path / "certificate.json").write_text(json.dumps(certificate), encoding="utf-8")
    bad = run()
    assert bad.returncode == 1 and "NOT VALID" in bad.stdout


def test_two_step_certificate_lists_exact_and_selected_similar_results(client_a, client_b):
    exact = register(client_a, receipt_item("WR00005555"))
    similar_one = register(client_a, receipt_item("WR00005556"))
    register(client_a, receipt_item("WR0O005555"))
    query = {"identifier": "SHFE01:WR00005555"}
    found = client_b.get("/api/v1/search/", query).json()
    assert [r["match"] for r in found["results"]] == ["exact", "similar", "similar"]
    certificate = issue(client_b, **query, selected=[similar_one["registration_number"]])
    assert [r["registration_number"] for r in certificate["results"]] == [
        exact["registration_number"],
        similar_one["registration_number"],
    ]
    assert certificate["selected"] == [similar_one["registration_number"]]
    none_selected = issue(client_b, **query, selected=[])
    assert [r["match"] for r in none_selected["results"]] == ["exact"]
    wrong = client_b.post(
        "/api/v1/search-certificates/",
        {**query, "selected": [exact["registration_number"]]},
        format="json",
    )
    assert wrong.status_code == 400 and "selected" in wrong.json()


def test_an_as_of_certificate_states_both_times(client_a, client_b):
    number = patent_number()
    reg = register(client_a, ip_item(number))
    before = timezone.now()
    client_a.post(f"/api/v1/registrations/{reg['registration_number']}/discharge/", format="json")
    certificate = issue(client_b, identifier=number, as_of=before.isoformat())
    assert certificate["as_of"] and certificate["issued_at"] > certificate["as_of"]
    [result] = certificate["results"]
    assert result["status"] == "active"
    key, _ = public_key(client_b)
    assert verifies_offline(certificate, key)
    page = client_b.get(
        f"/api/v1/search-certificates/{certificate['certificate_number']}/print/", {"lang": "en"}
    ).content.decode()
    assert "Registry as of" in page and "Issued at" in page


def test_every_registration_event_has_a_signed_certificate(client_a, client_b):
    reg = register(client_a, ip_item(), ip_item())
    path = f"/api/v1/registrations/{reg['registration_number']}/"
    item_id = reg["collateral"][0]["id"]
    client_a.post(path + "amendments/", {"remove_collateral_ids": [item_id]}, format="json")
    client_a.post(path + "extensions/", {"years": 1}, format="json")
    client_a.post(path + "discharge/", format="json")
    history = client_a.get(path + "history/").json()
    assert [e["event"] for e in history] == ["registered", "amended", "extended", "discharged"]
    numbers = [e["certificate_number"] for e in history]
    assert all(re.fullmatch(r"RC-\d{4}-\d{8}", n) for n in numbers)
    key, _ = public_key(client_a)
    for event, number in zip(history, numbers, strict=True):
        certificate = client_a.get(f"/api/v1/registration-certificates/{number}/").json()
        assert certificate["event"]["sequence"] == event["sequence"]
        assert certificate["event"]["hash"] == event["hash"]
        assert certificate["registration"]["registration_number"] == reg["registration_number"]
        assert verifies_offline(certificate, key)
        verify = client_a.get(f"/api/v1/registration-certificates/{number}/verify/").json()
        assert verify["valid"] is True
    last = client_a.get(f"/api/v1/registration-certificates/{numbers[-1]}/").json()
    assert last["registration"]["status"] == "discharged"
    assert client_b.get(f"/api/v1/registration-certificates/{numbers[0]}/").status_code == 404
    page = client_a.get(
        f"/api/v1/registration-certificates/{numbers[0]}/print/", {"lang": "zh-hans"}
    )
    assert page.status_code == 200 and "登记证明" in page.content.decode()
    assert RegistrationCertificate.objects.count() == 4


def test_public_verification_by_number_and_code(client_a, client_b):
    register(client_a, ip_item())
    certificate = issue(client_b, grantor_name="杭州绿谷农业有限公司")
    number, code = certificate["certificate_number"], certificate["verification_code"]
    anonymous = client_a.__class__()
    ok = anonymous.get(f"/api/v1/verify/{number}/", {"code": code.lower()})
    assert ok.status_code == 200 and ok.json()["genuine"] is True
    assert ok.json()["certificate"] == certificate
    page = anonymous.get(f"/verify/{number}", {"code": code})
    assert page.status_code == 200 and number in page.content.decode()
    assert certificate["results"][0]["grantor"]["name"] in page.content.decode()

    wrong = anonymous.get(f"/api/v1/verify/{number}/", {"code": "AAAA-AAAA-AAAA-AAAA"})
    unknown = anonymous.get("/api/v1/verify/SC-2020-99999999/", {"code": code})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    assert wrong.json()["genuine"] is False and wrong.json()["code"] == "not_found"
    assert "grantor" not in wrong.content.decode() and number not in wrong.content.decode()
    wrong_page = anonymous.get(f"/verify/{number}", {"code": "nope"})
    assert wrong_page.status_code == 404 and "杭州绿谷" not in wrong_page.content.decode()


def test_wrong_codes_are_rate_limited_and_then_even_a_right_one_reveals_nothing(client_b):
    certificate = issue(client_b, grantor_name="nobody")
    number, code = certificate["certificate_number"], certificate["verification_code"]
    anonymous = client_b.__class__()
    for attempt in range(10):
        response = anonymous.get(f"/api/v1/verify/{number}/", {"code": f"WRONG{attempt}"})
        assert response.status_code == 404
    refused = anonymous.get(f"/api/v1/verify/{number}/", {"code": code})
    assert refused.status_code == 429 and "certificate" not in refused.json()
    assert anonymous.get(f"/verify/{number}", {"code": code}).status_code == 429


def fonts_of(pdf: bytes, tmp_path) -> list[str]:
    """The embedded CJK fonts of a PDF, as poppler's ``pdffonts`` lists them."""
    (tmp_path / "c.pdf").write_bytes(pdf)
    listing = subprocess.run(  # noqa: S603 - a fixed tool on a file the test wrote
        [shutil.which("pdffonts"), str(tmp_path / "c.pdf")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[2:]
    # columns: name type encoding emb sub uni object ID
    return [line.split()[0] for line in listing if "CJK" in line and " yes " in line]


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="needs poppler-utils")
def test_printable_certificate_has_a_qr_code_and_pdf_embeds_chinese_fonts(
    client_a, client_b, tmp_path
):
    register(client_a, ip_item())
    certificate = issue(client_b, grantor_name="杭州绿谷农业有限公司")
    base = f"/api/v1/search-certificates/{certificate['certificate_number']}/"
    html = client_b.get(base + "print/").content.decode()
    assert "data:image/svg+xml" in html and certificate["verification_code"] in html
    pdf = client_b.get(base + "pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert fonts_of(pdf.content, tmp_path)


def test_format_1_certificates_keep_verifying(client_b, bank_b):
    from registry import signing

    issued_at = timezone.now()
    document = {
        "certificate_number": "SC-2025-00000001",
        "organization": bank_b.code,
        "issued_at": issued_at.isoformat(),
        "query": {"grantor_name": "nobody", "include_inactive": False},
        "results": [],
    }
    digest = hashlib.sha256(canonical_json(document).encode()).hexdigest()
    SearchCertificate.objects.create(
        number="SC-2025-00000001",
        organization=bank_b,
        actor="old",
        issued_at=issued_at,
        query=document["query"],
        results=[],
        digest=digest,
        signature=signing.sign(bytes.fromhex(digest)),
        key_id=signing.key_id(),
    )
    check = client_b.get("/api/v1/search-certificates/SC-2025-00000001/verify/").json()
    assert check["valid"] is True
    shown = client_b.get("/api/v1/search-certificates/SC-2025-00000001/").json()
    assert shown["format_version"] == 1 and shown["digest"] == digest


def test_search_log_is_the_organizations_own(client_a, client_b):
    client_a.get("/api/v1/search/", {"grantor_name": "绿谷农业", "purpose": "litigation"})
    client_b.get("/api/v1/search/", {"grantor_name": "其他公司"})
    own = client_a.get("/api/v1/search-log/").json()
    assert own["count"] == 1
    [entry] = own["results"]
    assert entry["purpose"] == "litigation" and entry["query"]["grantor_name"] == "绿谷农业"
    assert entry["actor"] and entry["result_count"] == 0 and entry["created_at"]
    assert client_a.get("/api/v1/search-log/", {"purpose": "other"}).json()["count"] == 0
    assert SearchLog.objects.count() == 2
    bad = client_a.get("/api/v1/search/", {"grantor_name": "x y", "purpose": "curiosity"})
    assert bad.status_code == 400 and "purpose" in bad.json()
