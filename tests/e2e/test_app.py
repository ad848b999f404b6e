"""The whole path in a real browser: a dropped file, the worker's analyses, the overlays."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image as PILImage
from pypdf import PdfReader
from scipy import ndimage
from skimage import data as skimage_data

from pycore import ANALYSES, learned, models
from pycore.blocking import run_blocking
from pycore.image import load
from tests.credentials_signing import sign
from tests.e2e.conftest import (
    ARTIFACTS,
    LOGIT_TOLERANCE,
    assert_same_findings,
    drop_file,
    drop_files,
    native_findings,
    native_json,
    native_record,
    page_findings,
    page_result,
    paste_file,
    wait_analysed,
)
from tests.onnx_models import GAUSS5_NAME, gaussian_kernel
from tests.synthetic import encode, textured_rgb
from tests.unit.test_bad_input import inputs as bad_inputs
from tests.unit.test_copy_move import forged
from tests.unit.test_duplicates import images_with_a_reuse
from tests.unit.test_pdf import manuscript


def photo_jpeg() -> bytes:
    """A real photograph (scikit-image's astronaut, public domain) as a 4:2:0 JPEG."""
    return encode(skimage_data.astronaut(), "JPEG", quality=85)


def assert_only_local_requests(requests: list[str], site_url: str) -> None:
    origin = urlsplit(site_url).netloc
    assert requests, "no requests were recorded"
    for url in requests:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob"):
            continue
        assert parts.netloc == origin and parts.hostname == "127.0.0.1", url


def deep_gray_png() -> bytes:
    """A 16-bit grayscale PNG (Pillow 10 in the browser reads these as 32-bit 'I')."""
    scene = textured_rgb(200, 160, seed=12)[:, :, 1].astype(np.uint16) * 257
    buffer = io.BytesIO()
    PILImage.fromarray(scene).save(buffer, format="PNG")
    return buffer.getvalue()


def assert_page_matches_cli(page, path) -> dict:
    """Every analysis on the page equals the native CLI for the same file: findings to
    1e-6, verdict and reason."""
    record = native_record(path)
    for analysis_id, entry in record["analyses"].items():
        assert_same_findings(
            page_findings(page, analysis_id), native_findings(record, analysis_id), analysis_id
        )
        shown = page_result(page, analysis_id)
        assert shown["verdict"] == (entry["verdict"] or "none"), analysis_id
        assert shown["reason"] == entry["reason"], analysis_id
    return record


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("deep.png", deep_gray_png),
        (
            "scene-444.jpg",
            lambda: encode(textured_rgb(120, 170), "JPEG", quality=80, subsampling=0),
        ),
        ("scene.webp", lambda: encode(textured_rgb(120, 170), "WEBP", lossless=True)),
    ],
)
def test_numbers_match_the_native_cli(app, tmp_path, name, make):
    path = tmp_path / name
    path.write_bytes(make())
    drop_file(app, path.read_bytes(), name)
    wait_analysed(app, 1)
    assert_page_matches_cli(app, path)


def test_dropped_jpeg_matches_the_native_cli(app, site, requests_seen, tmp_path):
    data = photo_jpeg()
    path = tmp_path / "astronaut.jpg"
    path.write_bytes(data)
    drop_file(app, data, path.name, "image/jpeg")
    wait_analysed(app, 1)
    record = assert_page_matches_cli(app, path)
    assert app.evaluate("() => crossOriginIsolated")  # so onnxruntime-web may use threads

    # Like every map of an analysis that did not flag the image (ELA gives no verdict), the
    # ELA overlay waits, off, not to hide the image, and holds no pixels while off; switched
    # on, it is drawn at the map's size.
    ela_canvas = "canvas.overlay[data-analysis='ela']"
    assert app.eval_on_selector(
        ela_canvas, "c => [c.width, c.height, getComputedStyle(c).display]"
    ) == [0, 0, "none"]
    app.locator("#layers li[data-analysis='ela'] input[type=checkbox]").first.check()
    overlay = app.evaluate(
        """() => {
            const canvas = document.querySelector("canvas.overlay[data-analysis='ela']");
            const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width,
                                                                canvas.height).data;
            let lit = 0;
            for (let i = 0; i < pixels.length; i += 4) lit += pixels[i] + pixels[i + 1] > 0;
            return { width: canvas.width, height: canvas.height,
                     hidden: getComputedStyle(canvas).display === 'none',
                     lit: lit / (pixels.length / 4), opacity: canvas.style.opacity,
                     layers: document.querySelectorAll('#layers li').length };
        }"""
    )
    assert (overlay["width"], overlay["height"]) == (512, 512)
    assert not overlay["hidden"] and overlay["lit"] > 0.5
    # One layer per overlay map the CLI reports (plots are drawn in their cards instead),
    # and one for each analysis that marks matches or boxes on the image itself.
    overlay_maps = sum(len(entry["maps"]) for entry in record["analyses"].values())
    marked = sum(
        any(mark["kind"] in ("match", "box") and not mark.get("map") for mark in entry["marks"])
        for entry in record["analyses"].values()
    )
    assert overlay["layers"] == overlay_maps + marked
    assert app.locator("section.card[data-analysis='spectrum'] figure.plot canvas").count() == 2
    assert app.is_hidden("canvas.overlay[data-map='residual']")

    ARTIFACTS.mkdir(exist_ok=True)
    app.screenshot(path=ARTIFACTS / "ela-overlay.png", full_page=True)
    assert_only_local_requests(requests_seen, site.url)
    assert not [line for line in site.log_lines() if '" 404 ' in line]


@pytest.mark.parametrize("kernel", [PILImage.BICUBIC, PILImage.NEAREST], ids=["bicubic", "nearest"])
def test_an_enlarged_image_is_judged_reduced_in_the_browser_as_natively(app, tmp_path, kernel):
    # Enlarged 1.5x: ai_generated finds the interpolation's trace (bicubic) or the repeated
    # lines (nearest) and judges the image at its size before (pycore.enlargement, Pillow's
    # resampling inside the worker).
    original = skimage_data.camera()[128:384, 128:384]
    enlarged = PILImage.fromarray(original).resize((384, 384), kernel)
    path = tmp_path / "enlarged.png"
    enlarged.save(path)
    drop_file(app, path.read_bytes(), path.name)
    wait_analysed(app, 1)
    record = assert_page_matches_cli(app, path)
    findings = {
        row["statistic"]: row["value"] for row in record["analyses"]["ai_generated"]["findings"]
    }
    assert findings["Judged at a reduction of"] == pytest.approx(1.5, abs=0.01)


def test_overlay_toggle_and_opacity(app):
    drop_file(app, encode(textured_rgb(96, 128), "PNG"), "scene.png", "image/png")
    wait_analysed(app, 1)
    layer = "#layers li[data-map='error_level']"
    canvas = "canvas.overlay[data-map='error_level']"
    app.locator(f"{layer} input[type=range]").fill("35")
    assert app.eval_on_selector(canvas, "c => c.style.opacity") == "0.35"
    app.locator(f"{layer} input[type=checkbox]").uncheck()
    assert app.is_hidden(canvas)
    app.locator(f"{layer} input[type=checkbox]").check()
    assert app.is_visible(canvas)


def test_corrupt_file_shows_an_error_and_the_next_file_works(app, site, requests_seen):
    good = encode(textured_rgb(64, 64), "PNG")
    drop_file(app, good[:500], "broken.png", "image/png")
    error = app.wait_for_selector("#messages li.error")
    assert "broken.png" in error.inner_text() and "damaged or truncated" in error.inner_text()
    drop_file(app, b"", "empty.jpg", "image/jpeg")
    app.wait_for_selector("#messages li.error >> text=empty (0 bytes)")

    drop_file(app, good, "good.png", "image/png")
    wait_analysed(app, 1)
    assert app.inner_text("#image-name") == "good.png"
    assert app.get_attribute("section.card[data-analysis='ela']", "data-state") == "done"
    assert_only_local_requests(requests_seen, site.url)


def test_the_queue_survives_a_corrupt_file_between_good_ones(app):
    first = encode(textured_rgb(64, 64, seed=1), "PNG")
    second = encode(textured_rgb(48, 80, seed=2), "JPEG", quality=90)
    drop_files(
        app,
        [
            (first, "first.png", "image/png"),
            (second[:400], "corrupt.jpg", "image/jpeg"),
            (second, "second.jpg", "image/jpeg"),
        ],
    )
    wait_analysed(app, 2)
    tiles = app.locator(".tile")
    states = [tiles.nth(index).get_attribute("data-state") for index in range(3)]
    assert states == ["done", "failed", "done"]
    assert "could not be read" in tiles.nth(1).text_content()
    app.wait_for_selector("#messages li.error >> text=corrupt.jpg")
    assert app.inner_text("#image-name") == "second.jpg"
    # Both good images stay in the session: the first can be shown again, analysed.
    tiles.nth(0).locator("button.open").click()
    app.wait_for_function("() => document.querySelector('#image-name').textContent === 'first.png'")
    assert app.get_attribute("section.card[data-analysis='ela']", "data-state") == "done"
    app.wait_for_selector("canvas.overlay[data-map='error_level']", state="attached")


def test_picked_and_pasted_files_are_analysed(app, tmp_path):
    deep = (np.arange(48 * 64, dtype=np.uint32).reshape(48, 64) * 20).astype(np.uint16)
    path = tmp_path / "deep.tif"
    PILImage.fromarray(deep).save(path)
    app.set_input_files("#file-input", str(path))
    wait_analysed(app, 1)
    assert "16-bit" in app.inner_text("#image-facts")
    assert metadata_fields(app)["Bit depth"] == "16 bits per sample"

    paste_file(app, encode(textured_rgb(40, 50), "WEBP", lossless=True), "image.webp", "image/webp")
    wait_analysed(app, 2)
    assert app.inner_text("#image-name") == "image.webp"
    assert app.eval_on_selector("canvas.image", "c => [c.width, c.height]") == [50, 40]


def test_rerun_with_edited_parameters_matches_the_cli(app, tmp_path):
    data = photo_jpeg()
    path = tmp_path / "astronaut.jpg"
    path.write_bytes(data)
    drop_file(app, data, path.name, "image/jpeg")
    wait_analysed(app, 1)

    card = "section.card[data-analysis='ela']"
    app.click(f"{card} details.settings summary")
    app.fill(f"{card} #param-ela-quality", "75")
    app.select_option(f"{card} #param-ela-channels", "colour")
    app.click(f"{card} button[type=submit]")
    app.wait_for_selector(f"{card} .reason >> text=quality 75")

    native = native_findings(
        native_record(
            path, "--only", "ela", "--param", "ela.quality=75", "--param", "ela.channels=colour"
        ),
        "ela",
    )
    assert "colour differences" in app.inner_text(f"{card} .reason")
    assert_same_findings(page_findings(app, "ela"), native, "ela")
    assert app.locator("#layers li[data-analysis='ela']").count() == 1  # replaced, not added


def metadata_fields(page) -> dict[str, str]:
    """The metadata card's rows as field -> value (section, field, value columns)."""
    return {row[1]: row[2] for row in page_findings(page, "metadata")}


def test_metadata_text_is_shown_inert(app):
    exif = PILImage.Exif()
    exif[0x0131] = '<img src=x onerror="window.__injected = 1">'  # Software
    exif[0x010E] = "<script>window.__injected = 2</script><b>bold</b>"  # ImageDescription
    buffer = io.BytesIO()
    PILImage.fromarray(textured_rgb(32, 32)).save(buffer, "JPEG", exif=exif)
    drop_file(app, buffer.getvalue(), "<i>name</i>.jpg", "image/jpeg")
    wait_analysed(app, 1)
    found = metadata_fields(app)
    assert found["Software"] == '<img src=x onerror="window.__injected = 1">'
    assert found["ImageDescription"] == "<script>window.__injected = 2</script><b>bold</b>"
    assert app.inner_text("#image-name") == "<i>name</i>.jpg"
    assert (
        app.evaluate(
            "() => document.querySelectorAll('main img, main script, main b, main i').length"
        )
        == 0
    )
    assert app.evaluate("() => window.__injected") is None


def browser_infer(app, name: str, values: np.ndarray) -> np.ndarray:
    """Model ``name`` run on ``values`` in the page's worker (onnxruntime-web), with the
    output's own shape."""
    output = app.evaluate(
        """async ([name, values, dims]) => {
            const out = await window.figsleuth.engine.infer(name, values, dims);
            return { dims: out.dims, values: Array.from(new Float32Array(out.data)) };
        }""",
        [name, values.ravel().tolist(), list(values.shape)],
    )
    return np.array(output["values"], np.float32).reshape(output["dims"])


def test_model_bridge_matches_native_onnxruntime(app, site):
    rng = np.random.default_rng(7)
    values = rng.random((1, 1, 24, 31), dtype=np.float32)
    in_browser = browser_infer(app, GAUSS5_NAME, values)
    assert in_browser.shape == values.shape

    models.set_model_root(site.native_models)
    try:
        native = run_blocking(models.infer(GAUSS5_NAME, values))
    finally:
        models.set_model_root(models.DEFAULT_MODEL_ROOT)
    assert np.abs(in_browser - native).max() < 1e-5
    # And both are the Gaussian the model was built from.
    reference = ndimage.correlate(
        values[0, 0].astype(np.float64), gaussian_kernel(), mode="constant"
    )
    assert np.abs(in_browser[0, 0] - reference).max() < 1e-5


@pytest.mark.parametrize("name", ["ai_generated", "manipulation", "coding_cost"])
def test_shipped_models_agree_with_native_onnxruntime(app, name):
    """A fixed input (a 1024x1024 tile of a real photo, as the analyses feed it) through
    each shipped model in the browser and natively."""
    gray = np.tile(skimage_data.camera().astype(np.float64), (2, 2))
    values = learned.model_input(gray)
    in_browser = browser_infer(app, name, values)
    native = run_blocking(models.infer(name, values))
    assert in_browser.shape == native.shape
    assert np.abs(in_browser - native).max() < LOGIT_TOLERANCE
    assert native.std() > 0.1  # a real, varied output, not a constant


def test_files_queue_up_and_one_being_analysed_can_be_cancelled(app):
    big = encode(textured_rgb(1536, 1536, seed=13), "JPEG", quality=90)
    drop_file(app, big, "first.jpg", "image/jpeg")
    app.wait_for_selector("section.card[data-state='running']")
    drop_file(app, encode(textured_rgb(64, 64), "PNG"), "second.png", "image/png")
    first, second = app.locator(".tile").all()
    assert second.get_attribute("data-state") == "queued"
    first.locator("button.cancel").click()
    wait_analysed(app, 2)  # the first stops after the analysis it was running
    assert first.get_attribute("data-state") == "cancelled"
    assert "cancelled after" in first.locator(".state").text_content()
    assert second.get_attribute("data-state") == "done"
    assert app.inner_text("#image-name") == "second.png"
    states = app.eval_on_selector_all("section.card", "cards => cards.map(c => c.dataset.state)")
    assert states == ["done"] * len([entry for entry in ANALYSES.values() if entry.default])
    # The first image stays in the session: shown again with what it got done.
    first.locator("button.open").click()
    app.wait_for_function("() => document.querySelector('#image-name').textContent === 'first.jpg'")
    states = app.eval_on_selector_all("section.card", "cards => cards.map(c => c.dataset.state)")
    assert "done" in states and "skipped" in states


def test_content_credentials_are_read_in_the_browser_as_natively(
    app, site, requests_seen, tmp_path
):
    signed = sign(encode(textured_rgb(64, 80), "JPEG", quality=90), "image/jpeg")
    path = tmp_path / "credentials.jpg"
    path.write_bytes(signed)
    drop_file(app, signed, path.name, "image/jpeg")
    wait_analysed(app, 1)
    assert_page_matches_cli(app, path)  # the SDK's WebAssembly build agrees with c2pa-python
    found = metadata_fields(app)
    assert found["Claim generator"] == "FigSleuth test generator 1.0"
    assert found["Validation"] == "signature and hashes valid, signer not on a trust list"
    assert "no trust list is bundled" in found["Trust"]
    verdict = app.get_attribute("section.card[data-analysis='metadata'] .verdict", "data-verdict")
    assert verdict == "suspicious"
    assert_only_local_requests(requests_seen, site.url)
    assert any(url.endswith("/c2pa/c2pa_bg.wasm") for url in requests_seen)


def test_copied_regions_are_outlined_on_the_image(app, tmp_path):
    pixels, _ = forged("flip")
    path = tmp_path / "copied.png"
    path.write_bytes(encode(pixels, "PNG"))
    drop_file(app, path.read_bytes(), path.name, "image/png")
    wait_analysed(app, 1)
    assert_page_matches_cli(app, path)
    marks = app.locator("svg.marks[data-analysis='copy_move']")
    assert marks.count() == 1 and app.is_visible("svg.marks[data-analysis='copy_move']")
    assert marks.locator("polygon").count() == 2
    assert "flipped horizontally" in marks.locator("text").first.text_content()
    ARTIFACTS.mkdir(exist_ok=True)
    app.screenshot(path=ARTIFACTS / "copy-move.png", full_page=True)


def test_a_figure_is_split_and_images_dropped_together_are_compared(app, tmp_path):
    paths = []
    for name, data in zip(
        ("figure.png", "other.png", "crop.jpg"), images_with_a_reuse(), strict=True
    ):
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    paths = [paths[1], paths[2], paths[0]]  # the figure last: it stays on show
    drop_files(app, [(path.read_bytes(), path.name, "") for path in paths])
    wait_analysed(app, 3)
    app.wait_for_selector("body[data-compared='1']", timeout=120_000)
    # The figure on show: panels and duplicates as natively, the four panels boxed.
    assert_page_matches_cli(app, paths[2])
    boxes = app.locator("svg.marks[data-analysis='panels'] rect")
    assert boxes.count() == 8  # a dark and a light frame per panel
    # The three images compared: the same pairs as the native command, side by side.
    native = native_json("duplicates", *map(str, paths), "--json")
    assert len(native["pairs"]) == 1
    pair = native["pairs"][0]
    shown = app.locator(".across .pair")
    assert shown.count() == 1
    caption = shown.first.locator("figcaption").text_content()
    assert "crop.jpg, panel A → figure.png, panel B" in caption
    assert pair["transform"]["description"] in caption and f"{pair['matches']} matches" in caption
    assert "↻" in caption  # the rotation mark
    assert shown.first.locator("canvas").count() == 2
    assert shown.first.locator("polygon").count() == 2
    assert app.locator(".across .verdict").text_content().startswith(native["verdict"])
    ARTIFACTS.mkdir(exist_ok=True)
    app.screenshot(path=ARTIFACTS / "duplicates-across.png", full_page=True)


def test_a_dropped_pdf_is_analysed_image_by_image_and_its_reuse_found(app, tmp_path):
    broken = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF"
    drop_files(app, [(broken, "broken.pdf", "application/pdf")])
    app.wait_for_selector("#messages li.error >> text=broken.pdf is not a readable PDF")

    data, *_ = manuscript()
    paper = tmp_path / "paper.pdf"
    paper.write_bytes(data)
    drop_files(app, [(data, paper.name, "application/pdf")])
    wait_analysed(app, 3)
    app.wait_for_selector("body[data-compared='1']", timeout=120_000)
    assert app.locator("#image-name").text_content() == "paper.pdf#page2-img2"
    native = native_json("duplicates", str(paper), "--json")
    (pair,) = native["pairs"]
    shown = app.locator(".across .pair")
    assert shown.count() == 1
    caption = shown.first.locator("figcaption").text_content()
    assert "paper.pdf#page1-img1" in caption and "paper.pdf#page2-img2" in caption
    assert pair["transform"]["description"] in caption and f"{pair['matches']} matches" in caption
    ARTIFACTS.mkdir(exist_ok=True)
    app.screenshot(path=ARTIFACTS / "overview-pdf.png", full_page=True)


def test_the_report_holds_every_analysis_and_opens_with_no_network(app, browser, tmp_path):
    files = list(zip(("other.png", "crop.jpg", "figure.png"), images_with_a_reuse(), strict=True))
    drop_files(app, [(data, name, "") for name, data in files])
    wait_analysed(app, 3)
    app.wait_for_selector("body[data-compared='1']", timeout=120_000)
    # The overview sorts, and the arrow keys step through the images in its order.
    names = "() => [...document.querySelectorAll('.tile .name')].map((e) => e.textContent)"
    app.select_option("select[aria-label='Order of the images']", "name")
    assert app.evaluate(names) == ["crop.jpg", "figure.png", "other.png"]
    app.select_option("select[aria-label='Order of the images']", "verdict")
    verdicts = app.eval_on_selector_all(".tile .verdict", "v => v.map((e) => e.textContent)")
    order = ["suspicious", "inconclusive", "clean"]
    assert verdicts == sorted(verdicts, key=order.index), verdicts
    app.locator(".tile button.open").first.click()
    first = app.inner_text("#image-name")
    app.keyboard.press("ArrowRight")
    app.wait_for_function(f"() => document.querySelector('#image-name').textContent !== {first!r}")
    assert app.inner_text("#image-name") == app.evaluate(names)[1]
    with app.expect_download() as download:
        app.click("#report-button")
    report = tmp_path / "report.html"
    download.value.save_as(report)
    assert download.value.suggested_filename.startswith("figsleuth-report-")
    html = report.read_text(encoding="utf-8")
    defaults = [entry.id for entry in ANALYSES.values() if entry.default]
    for number, (name, data) in enumerate(files, start=1):
        assert name in html
        assert load(data, name).sha256 in html
        for analysis_id in defaults:
            assert f'id="image-{number}-{analysis_id}"' in html, (name, analysis_id)
    across = html[html.index('id="across-1"') :]
    assert "figure.png, panel A" in across and "rotated 90 degrees" in across
    models = ("model ai_generated", "model manipulation", "model coding_cost")
    for name in ("Pyodide", "onnxruntime-web", *models):
        assert f"<th>{name}</th>" in html
    assert "<script" not in html.lower()
    ARTIFACTS.mkdir(exist_ok=True)
    app.screenshot(path=ARTIFACTS / "workbench.png")
    # Opened with the network off: the file itself is the only request, and it shows.
    offline = browser.new_context(offline=True, viewport={"width": 1280, "height": 800})
    try:
        requested: list[str] = []
        offline.on("request", lambda request: requested.append(request.url))
        page = offline.new_page()
        page.goto(report.as_uri())
        assert requested == [report.as_uri()]
        assert page.locator("section.analysis").count() == 3 * len(defaults)
        assert page.evaluate(
            "() => [...document.images].every((image) => image.complete && image.naturalWidth)"
        )
        page.screenshot(path=ARTIFACTS / "report.png")
        page.screenshot(path=ARTIFACTS / "report-full.png", full_page=True)
        # Printed to PDF as a user would from the browser, with the print stylesheet: one
        # page break before each image at least.
        printed = page.pdf(path=ARTIFACTS / "report.pdf", format="A4")
        assert printed.startswith(b"%PDF-")
        pages = len(PdfReader(io.BytesIO(printed)).pages)
        assert pages >= 1 + len(files), pages
    finally:
        offline.close()


def test_the_viewer_zooms_pans_reads_values_and_compares(app):
    gray = np.tile(np.arange(200, dtype=np.uint8), (100, 1))  # value = x
    drop_file(app, encode(gray, "PNG"), "ramp.png", "image/png")
    wait_analysed(app, 1)
    zoom = app.locator(".zoom-text")
    app.click("button[aria-label='One image pixel per screen pixel']")
    assert zoom.text_content() == "100%"
    app.click("button[aria-label='Zoom in']")
    assert zoom.text_content() == "125%"
    box = app.locator(".viewport").first.bounding_box()
    app.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    app.mouse.wheel(0, -100)
    assert zoom.text_content() == "156%"
    # The readout names the pixel under the pointer; its value is its x here.
    stage = app.locator(".viewport .stage").first.bounding_box()
    app.mouse.move(stage["x"] + 120.5 * 1.5625, stage["y"] + 10)
    readout = app.locator(".readout").text_content()
    assert readout.startswith("x 120, y 6 · value 120"), readout
    # Dragging pans the image by as much.
    app.mouse.down()
    app.mouse.move(stage["x"] + 120.5 * 1.5625 + 40, stage["y"] + 30)
    app.mouse.up()
    moved = app.locator(".viewport .stage").first.bounding_box()
    assert (round(moved["x"] - stage["x"]), round(moved["y"] - stage["y"])) == (40, 20)
    # The magnifier follows the pointer once switched on (M).
    app.keyboard.press("m")
    app.mouse.move(moved["x"] + 50, moved["y"] + 50)
    assert app.locator("canvas.magnifier").is_visible()
    # Side by side: the original beside the overlays, zoomed and panned alike.
    mode = "select[aria-label='How the overlays are compared with the image']"
    app.select_option(mode, "side")
    original = app.locator(".viewport.original")
    assert original.is_visible()
    transforms = app.eval_on_selector_all(".viewport .stage", "s => s.map(e => e.style.transform)")
    assert transforms[0] == transforms[1]
    app.select_option(mode, "flicker")
    app.wait_for_selector(".stage.flicker-off", timeout=3000)
    app.click("button[aria-label='Fit the image to the view']")
    ARTIFACTS.mkdir(exist_ok=True)
    app.screenshot(path=ARTIFACTS / "viewer.png")


def test_the_page_keeps_to_its_origin_and_asks_for_nothing_once_loaded(app, site, requests_seen):
    violations: list[str] = []
    app.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    app.evaluate(
        """() => document.addEventListener('securitypolicyviolation',
            (event) => console.error(`Content Security Policy: ${event.violatedDirective}`))"""
    )
    # The policy comes with every response, so it binds the worker as well as the page.
    policy = app.evaluate(
        """async () => (await fetch('js/worker.js')).headers.get('Content-Security-Policy')"""
    )
    assert "default-src 'self'" in policy and "connect-src 'self' blob: data:" in policy
    meta = app.evaluate("() => document.querySelector('meta[http-equiv]').content")
    assert meta.startswith("default-src 'self'")
    # The first image loads what the analyses need (onnxruntime-web, the models) ...
    drop_file(app, encode(textured_rgb(96, 96, seed=4), "PNG"), "first.png", "image/png")
    wait_analysed(app, 1)
    assert_only_local_requests(requests_seen, site.url)
    # ... after which a whole analysis of another image asks the network for nothing.
    requests_seen.clear()
    drop_file(app, encode(textured_rgb(80, 120, seed=5), "JPEG", quality=90), "next.jpg")
    wait_analysed(app, 2)
    assert requests_seen == []
    assert violations == []
    # And the policy holds: a request elsewhere is refused.
    refused = app.evaluate(
        "() => fetch('https://example.org/').then(() => 'sent', () => 'refused')"
    )
    assert refused == "refused"


def test_bad_and_unusual_files_in_one_drop_leave_the_page_usable(app):
    cases = bad_inputs()
    chosen = ["bomb.png", "drawing.svg", "animated.gif", "dot.png", "cmyk.jpg", "float.tif"]
    drop_files(app, [(cases[name][0], name, "") for name in chosen])
    readable = [name for name in chosen if cases[name][1] is None]
    wait_analysed(app, len(readable))
    for name in chosen:
        tile = app.locator(".tile", has_text=name)
        expected = "done" if name in readable else "failed"
        assert tile.get_attribute("data-state") == expected, name
    for name in ("bomb.png", "drawing.svg"):
        message = app.locator("#messages li.error", has_text=name).text_content()
        assert cases[name][1] in message, message
    # A multi-frame file: its first frame, and said so.
    app.locator(".tile", has_text="animated.gif").locator("button.open").click()
    app.wait_for_function(
        "() => document.querySelector('#image-facts').textContent.includes('first of 3 frames')"
    )
    # Still usable: another file is analysed as usual.
    drop_file(app, encode(textured_rgb(64, 64, seed=3), "PNG"), "after.png", "image/png")
    wait_analysed(app, len(readable) + 1)
    assert app.inner_text("#image-name") == "after.png"


def test_a_stuck_analysis_can_be_stopped_and_a_dead_worker_is_replaced(app):
    big = encode(textured_rgb(1536, 1536, seed=13), "JPEG", quality=90)
    small = encode(textured_rgb(64, 64), "PNG")
    # Stop now: the worker is replaced in the middle of an analysis.
    drop_file(app, big, "stuck.jpg", "image/jpeg")
    # copy_move takes seconds on this image: long enough to be stopped in the middle.
    app.wait_for_selector(
        "section.card[data-analysis='copy_move'][data-state='running']", timeout=120_000
    )
    tile = app.locator(".tile", has_text="stuck.jpg")
    tile.locator("button.cancel").click()  # after this analysis ...
    tile.locator("button.stop").click()  # ... or now
    app.wait_for_selector("#messages li >> text=Stopped the analysis of stuck.jpg")
    app.wait_for_function("() => document.querySelector('.tile').dataset.state === 'cancelled'")
    drop_file(app, small, "after-stop.png", "image/png")
    wait_analysed(app, 2)
    assert app.inner_text("#image-name") == "after-stop.png"
    # A worker that dies while analysing: the user is told which file, the engine restarts
    # and the next file is analysed.
    drop_file(app, big, "fatal.jpg", "image/jpeg")
    app.wait_for_function(
        """() => document.querySelector('#image-name').textContent === 'fatal.jpg'
             && document.querySelector("section.card[data-state='running']")"""
    )
    app.evaluate(
        """() => {
            const worker = window.figsleuth.engine.worker;
            worker.terminate();
            worker.dispatchEvent(new ErrorEvent('error', { message: 'out of memory' }));
        }"""
    )
    app.wait_for_selector(
        "#messages li.error >> text=stopped while analysing fatal.jpg (The analysis worker "
        "failed: out of memory)"
    )
    fatal = app.locator(".tile", has_text="fatal.jpg")
    app.wait_for_function(
        "() => [...document.querySelectorAll('.tile')].at(-1).dataset.state === 'failed'"
    )
    assert "engine stopped" in fatal.locator(".state").text_content()
    drop_file(app, small, "after-death.png", "image/png")
    wait_analysed(app, 4)
    assert app.inner_text("#image-name") == "after-death.png"
    states = app.eval_on_selector_all("section.card", "cards => cards.map(c => c.dataset.state)")
    assert set(states) == {"done"}
