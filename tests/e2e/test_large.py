"""A 50-megapixel image dropped on the page: every analysis finishes, the worker stays
under 2 GB (bench/memory.py --browser measures each analysis), and the reduced search
says so."""

from tests.e2e.conftest import drop_file, wait_analysed
from tests.synthetic import encode, textured_rgb

SIDE = 7072  # 50 megapixels
WORKER_BUDGET = 2_000_000_000  # bytes
# All fifteen analyses take about 2 minutes on 2 cores (bench/results/memory_browser.md).
ANALYSED_WITHIN_MS = 600_000


def test_a_50_megapixel_image_is_analysed_whole_within_the_budget(app):
    drop_file(app, encode(textured_rgb(SIDE, SIDE, seed=5), "JPEG", quality=90), "large.jpg")
    wait_analysed(app, 1, ANALYSED_WITHIN_MS)
    states = app.eval_on_selector_all(".card", "cards => cards.map((c) => c.dataset.state)")
    assert set(states) == {"done"}, states
    assert not app.locator("#messages li.error").count()
    # The worker's WebAssembly memory never shrinks: this is its peak over all analyses.
    assert app.evaluate("() => window.figsleuth.engine.memory()") < WORKER_BUDGET
    reason = app.inner_text("section.card[data-analysis='copy_move'] .reason")
    assert "searched at 1/4 of its size" in reason
