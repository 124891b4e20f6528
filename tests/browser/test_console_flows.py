"""A credit officer's day in the console, in Chinese, in a real browser."""

from __future__ import annotations

import pytest

from registry.alerts.models import Alert
from registry.models import Registration
from valuation.models import Valuation

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PATENT = "ZL201710601862.3"


def test_officer_searches_an_identifier_and_issues_a_certificate(console):
    console.login("officer_a")
    page = console.page
    assert "待处理提醒" in page.content()
    console.shot("dashboard")
    console.go("/console/registry-search/")
    page.fill("input[name=q]", DEMO_PATENT)
    page.click("#search-form button[type=submit]")
    results = page.locator("#results")
    assert "2026-" in results.inner_text()
    assert results.locator("tbody tr").count() == 2
    assert "精确匹配" in results.inner_text()
    console.shot("search-results")
    page.click("text=出具查询证明")
    page.wait_for_url("**/console/certificates/**")
    assert "查询证明" in page.content()
    console.shot("search-certificate")


def _fill_registration(page, patent_number: str):
    page.fill("input[name=grantor_name]", "深圳新材科技有限公司")
    page.select_option("select[name=grantor_id_type]", "uscc")
    page.fill("input[name=grantor_id_number]", "91440300MA5F000007")
    page.fill("input[name=period_years]", "2")
    page.fill("input[name=secured_amount]", "1200000")
    page.fill("input[name=loan_reference]", "LOAN-BROWSER-1")
    page.click("button[data-add='items-ip']")
    page.select_option("select[name='items-ip-0-ip_type']", "invention_patent")
    page.fill("input[name='items-ip-0-number']", patent_number)
    page.fill("input[name='items-ip-0-title']", "锂电池隔膜")
    page.click("button[data-add='items-livestock']")
    page.select_option("select[name='items-livestock-0-species']", "cattle")
    page.fill("textarea[name='items-livestock-0-ear_tags']", "215010200009901\n215010200009902")
    page.fill("input[name='items-livestock-0-farm']", "锡林郭勒牧场")


def test_officer_registers_two_kinds_sees_the_conflict_then_the_registration_page(console):
    console.login("officer_a")
    page = console.page
    before = Registration.objects.count()
    console.go("/console/registry/registration/add/")
    console.shot("register-form")
    _fill_registration(page, DEMO_PATENT)
    page.click("button[name=check]")
    warning = page.locator("#conflict-check")
    assert "已有在先的有效登记" in warning.inner_text()
    assert Registration.objects.count() == before  # the check wrote nothing
    console.shot("conflict-warning")
    page.click("button[name=register]")
    page.wait_for_url("**/change/")
    assert Registration.objects.count() == before + 1
    text = page.content()
    assert "锂电池隔膜" in text and "牛" in text
    assert "第 3 位，共 3 位" in page.locator("#collateral").inner_text()
    assert "覆盖率" in page.locator("#coverage").inner_text()
    assert "登记" in page.locator("#history").inner_text()
    assert "ip" not in page.locator("#collateral td").first.inner_text()
    console.shot("registration-page")


def test_officer_adds_a_valuation_from_the_item_row(console):
    registration = Registration.objects.filter(
        secured_party__code="BANKA", items__kind="forest_right"
    ).first()
    console.login("officer_a")
    page = console.page
    console.go(f"/console/registry/registration/{registration.pk}/change/")
    page.click("#collateral >> text=添加估值")
    page.wait_for_url("**/valuation/valuation/add/**")
    page.fill("input[name=value]", "1000000")
    page.select_option("select[name=method]", "appraisal")
    page.fill("input[name=valued_on]", "2026-11-20")
    page.fill("input[name=appraiser]", "中联评估")
    console.shot("valuation-form")
    page.click("#valuation-form button[type=submit]")
    page.wait_for_url("**/change/")
    coverage = page.locator("#coverage").inner_text()
    assert "1,000,000.00 元" in coverage
    assert Valuation.objects.filter(item__registration=registration).count() == 1
    console.shot("registration-with-valuation")


def test_officer_acknowledges_an_alert(console):
    alert = Alert.objects.filter(organization__code="BANKA", kind="duplicate_pledge").get()
    console.login("officer_a")
    page = console.page
    console.go("/console/alerts/alert/")
    assert "同时在登记" in page.content()  # the message, not the internal key
    assert "dup:" not in page.content()
    console.shot("alerts-inbox")
    page.check(f"input[name=_selected_action][value='{alert.pk}']")
    page.select_option("select[name=action]", "acknowledge")
    page.click("button[name=index], button[type=submit][title], .actions button")
    page.wait_for_load_state()
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    assert alert.acknowledged_by == "user:officer_a"
    console.shot("alert-acknowledged")


def test_switching_to_english_shows_the_same_page_in_english(console):
    registration = Registration.objects.filter(secured_party__code="BANKA").first()
    console.login("officer_a")
    page = console.page
    url = f"/console/registry/registration/{registration.pk}/change/"
    console.go(url)
    assert "优先顺位" in page.content() or "担保物与顺位" in page.content()
    page.click("[x-on\\:click='openUserLinks = !openUserLinks']")  # the user menu
    with page.expect_navigation():
        page.click("form[action='/i18n/setlang/'] button:has-text('English')")
    console.go(url)
    assert "Collateral and priority" in page.content()
    assert "History" in page.content()
    console.shot("registration-page-english")


def test_import_with_one_bad_row_shows_its_error_and_writes_nothing(console, tmp_path):
    from registry.portfolio import all_columns, sample_rows

    rows = sample_rows()
    bad = list(rows[0])
    bad[all_columns().index("loan_reference")] = "LOAN-BAD"
    bad[all_columns().index("number")] = "201810123457.1"  # wrong check character
    import tablib

    dataset = tablib.Dataset(*rows, bad, headers=all_columns())
    path = tmp_path / "portfolio.csv"
    path.write_text(dataset.export("csv"), encoding="utf-8")
    before = Registration.objects.count()
    console.login("officer_a")
    page = console.page
    console.go("/console/portfolio/import/")
    page.set_input_files("input[name=file]", str(path))
    page.click("button[name=preview]")
    errors = page.locator("#row-errors")
    assert errors.locator("tbody tr").count() == 1
    assert errors.locator("tbody tr td").first.inner_text() == "5"
    assert "校验" in errors.inner_text()
    assert page.locator("button[name=confirm]").count() == 0
    assert Registration.objects.count() == before
    console.shot("import-bad-row")
