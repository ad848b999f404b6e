// The service worker: after one visit the app works with the network gone. At install it
// caches every file of this build (build.py writes the list and a version named after their
// contents); at activation it drops the caches of older builds; afterwards it answers the
// app's own requests from the cache, and goes to the network only for what is not there.

const VERSION = 'unbuilt'; // build.py: a hash of the build's files
const PRECACHE = []; // build.py: every file of the build, relative to this script
const CACHE = `figsleuth-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(PRECACHE.map((path) => new Request(path, { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith('figsleuth-') && name !== CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    // The page's address may carry a query or a fragment; the files themselves do not.
    const cached = await cache.match(request, { ignoreSearch: true });
    return cached ?? fetch(request);
  })());
});
