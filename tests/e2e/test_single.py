"""The saved single-file copy (`python3 build.py single`) opened as a file:// URL in
Chromium launched with no flags of ours, and a file analysed in it as on the served page."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests.browser import CHROMIUM
from tests.e2e.conftest import DIST, READY_TIMEOUT_MS, ROOT, drop_file, wait_analysed
from tests.e2e.test_app import assert_page_matches_cli, photo_jpeg

SINGLE = ROOT / "dist-single" / "figsleuth.html"


@pytest.fixture(scope="module")
def single_file():
    if not (DIST / "index.html").exists():
        pytest.fail("dist/ is not built: run `python3 build.py test`, which builds it first")
    subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "single", "--no-build"], cwd=ROOT, check=True
    )
    return SINGLE


def test_the_single_file_works_from_a_file_url(playwright, single_file, tmp_path):
    # Playwright's own launch only (headless, no sandbox as root): none of the flags the
    # other tests add, and none that would loosen file:// rules.
    browser = playwright.chromium.launch(executable_path=CHROMIUM)
    try:
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        requests: list[str] = []  # the page's and its worker's
        errors: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(single_file.as_uri())
        page.wait_for_selector("body[data-ready=true]", timeout=READY_TIMEOUT_MS)
        photo = tmp_path / "photo.jpg"
        photo.write_bytes(photo_jpeg())
        drop_file(page, photo.read_bytes(), photo.name, "image/jpeg")
        wait_analysed(page, 1)
        states = page.eval_on_selector_all(".card", "cards => cards.map((c) => c.dataset.state)")
        assert set(states) == {"done"}, states  # the models and the C2PA reader too
        # Every analysis gives what it gives natively.
        assert_page_matches_cli(page, photo)
        # The report downloads from the saved copy too.
        with page.expect_download() as download:
            page.click("#report-button")
        report = download.value.path().read_text()
        assert "photo.jpg" in report and "ai_generated" in report
        # Nothing was requested but the file itself and what the page made in memory.
        schemes = [urlsplit(url).scheme for url in requests]
        assert schemes.count("file") == 1, requests
        assert set(schemes) <= {"file", "blob", "data"}, requests
        assert not errors, errors
    finally:
        browser.close()
