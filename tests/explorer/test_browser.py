"""The pages in a real browser: Debian's chromium driven by Playwright, with JavaScript off
(every page must work without it). What a person sees: the journey's stages in order, the
money chart, the seller's on-time share, a document found and one never recorded. A
screenshot of each page goes to build/explorer/ for a reviewer.

Without chromium the test is skipped on a developer's machine (`make setup` says how to
install it) and fails under CI (`.ci/run` sets TRADELANE_BROWSER=required, and installs
chromium when the machine has none).
"""

from __future__ import annotations

import tempfile

import pytest
import requests

from .conftest import SHOTS, Explored, browser_required, chromium_path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    path = chromium_path()
    if path is None:
        message = (
            "chromium is not installed: apt-get install chromium (Debian's package), "
            "or point $TRADELANE_CHROMIUM at a Chromium"
        )
        if browser_required():
            pytest.fail(message + "; browser tests may not be skipped here (CI)")
        pytest.skip(message)
    return path


@pytest.mark.eth_tester_only  # the pages read the database; one chain is enough
def test_the_pages_as_a_person_sees_them(explored: Explored, server: str) -> None:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    damaged = explored.results["damaged_goods_cif"].orders["po-1"].lower()
    happy = explored.results["happy_eth_fob"]
    happy_id = happy.orders["po-7"].lower()
    seller = requests.get(f"{server}/api/orders/{happy_id}", timeout=30).json()["parties"]["seller"]
    record = requests.get(f"{server}/api/parties/{seller['address']}", timeout=30).json()
    assert record["on_time"]["share"] is not None, "the happy path's seller completed a sale"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=FLAGS,
            java_script_enabled=False,
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = context.new_page()

            # The orders, newest first, and a filter through the form (a plain GET).
            page.goto(server + "/")
            total = requests.get(f"{server}/api/orders", timeout=30).json()
            rows = page.locator("#orders tbody tr")
            assert rows.count() == len(total["orders"])
            page.screenshot(path=str(SHOTS / "orders.png"), full_page=True)
            page.select_option("select[name=status]", "completed")
            page.click("form.filters button[type=submit]")
            page.wait_for_load_state()
            assert "status=completed" in page.url
            badges = page.locator("#orders tbody tr .badge").all_inner_texts()
            assert badges and set(badges) == {"completed"}

            # One order: the journey in order, the money chart, where the money went.
            page.goto(f"{server}/orders/{damaged}")
            stages = page.locator("#journey li").evaluate_all(
                "items => items.map(item => item.dataset.stage)"
            )
            assert stages == ["picked_up", "export_cleared"]
            assert page.locator("#journey li").first.inner_text().lower().startswith("picked up")
            chart = page.locator("svg#money-chart")
            assert chart.is_visible()
            box = chart.bounding_box()
            assert box is not None and box["width"] > 400 and box["height"] > 100
            series = page.locator("svg#money-chart path.series").evaluate_all(
                "paths => paths.map(p => p.dataset.series)"
            )
            assert set(series) >= {"seller", "buyer", "locked"}
            assert page.locator("#money-seller").inner_text() == "8553.6 USDC"
            assert page.locator("#money-buyer").inner_text() == "3360 USDC"
            assert page.locator("#money-locked").inner_text() == "0 USDC"
            assert "buyer 40%" in page.locator("#ruling").inner_text()
            assert page.locator("#transactions tbody tr").count() >= 5
            page.screenshot(path=str(SHOTS / "order.png"), full_page=True)

            # The seller's track record, reached from the order page's link.
            page.goto(f"{server}/orders/{happy_id}")
            page.click(f"#summary a[href='/parties/{seller['address']}']")
            page.wait_for_load_state()
            expected = f"{record['on_time']['share'] * 100:g}%"
            assert page.locator("#on-time-share").inner_text().strip() == expected
            assert page.locator("#party-name").inner_text() == seller["name"]
            assert page.locator("#last-trades tbody tr").count() == len(record["last_trades"])
            page.screenshot(path=str(SHOTS / "party.png"), full_page=True)

            # A document check: the bill of lading's file is found...
            page.goto(server + "/verify")
            page.set_input_files(
                "#file",
                files=[{"name": "BL-0042.txt", "mimeType": "text/plain", "buffer": b"BL-0042"}],
            )
            page.click("#verify-form button[type=submit]")
            page.wait_for_load_state()
            result = page.locator("#verify-result")
            assert result.locator(".verdict").inner_text() == "Recorded"
            assert result.locator(f"a[href='/orders/{damaged}']").count() == 1
            assert "picked up" in result.inner_text()
            page.screenshot(path=str(SHOTS / "verify.png"), full_page=True)
            # ...and a hash no order recorded is said to be so.
            page.fill("#hash", "0x" + "5e" * 32)
            page.click("#verify-form button[type=submit]")
            page.wait_for_load_state()
            assert page.locator("#verify-result .verdict").inner_text() == "Never recorded"
            page.screenshot(path=str(SHOTS / "verify-never.png"), full_page=True)

            # A malformed order id is a page that says so.
            response = page.goto(f"{server}/orders/0x1234")
            assert response is not None and response.status == 400
            assert "Bad request (400)" in page.locator("#error h1").inner_text()
            page.screenshot(path=str(SHOTS / "error.png"), full_page=True)
        finally:
            context.close()
    for name in ("orders", "order", "party", "verify", "verify-never", "error"):
        assert (SHOTS / f"{name}.png").stat().st_size > 5_000, name
