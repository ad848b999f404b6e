"""After one visit the page works with the server gone, in the same tab and in a new one
(the service worker of web/sw.js)."""

from tests.browser import start_server
from tests.e2e.conftest import READY_TIMEOUT_MS, drop_file, wait_analysed
from tests.synthetic import encode, textured_rgb


def test_after_one_visit_the_page_works_with_the_server_gone(browser, site):
    server, url = start_server()
    context = browser.new_context(service_workers="allow", viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]", timeout=READY_TIMEOUT_MS)
        # Installed (every file of the build cached) and in charge of the page.
        cached = page.evaluate(
            """async () => {
                await navigator.serviceWorker.ready;
                const names = await caches.keys();
                const cache = await caches.open(names.find((n) => n.startsWith('figsleuth-')));
                return (await cache.keys()).length;
            }"""
        )
        assert cached > 30
        server.terminate()
        server.wait(timeout=10)
        failed: list[str] = []
        context.on("requestfailed", lambda request: failed.append(request.url))
        page.reload()
        page.wait_for_selector("body[data-ready=true]", timeout=READY_TIMEOUT_MS)
        assert page.evaluate("() => navigator.serviceWorker.controller !== null")
        drop_file(page, encode(textured_rgb(96, 96, seed=8), "PNG"), "offline.png", "image/png")
        wait_analysed(page, 1)
        states = page.eval_on_selector_all(".card", "cards => cards.map((c) => c.dataset.state)")
        assert set(states) == {"done"}, states  # the models too came from the cache
        # A new tab of the same browser, still with no server.
        other = context.new_page()
        other.goto(url)
        other.wait_for_selector("body[data-ready=true]", timeout=READY_TIMEOUT_MS)
        drop_file(other, encode(textured_rgb(64, 80, seed=9), "JPEG", quality=90), "tab.jpg")
        wait_analysed(other, 1)
        assert failed == []
    finally:
        context.close()
        if server.poll() is None:
            server.terminate()
