// Primer's service worker. At install it precaches the whole build (the manifest Workbox writes into
// self.__WB_MANIFEST at build time: entry, CSS, both workers, lazy chunks, icons, the web app manifest), so
// after the first visit the app opens and runs offline. A new build waits until the page asks it to take over
// (the "new version" prompt), so code never changes under a running notebook. Models are cached by the engine
// (Cache Storage "primer-models") and WebLLM, not here; requests to other origins pass by.
/// <reference lib="webworker" />
import {
  addPlugins,
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
  type PrecacheEntry,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (PrecacheEntry | string)[] };

/** The cache of the hand-kept worker this one replaced. */
const LEGACY_CACHE = 'primer-app-v1';

/** A js cell's worker may run code from strings (the cell's own), load scripts only from the app, and reach nothing. */
const JS_CELL_WORKER = /\/jsCell\.worker-[\w-]+\.js$/;
const JS_CELL_POLICY = "default-src 'none'; script-src 'self' 'unsafe-eval'";

addPlugins([
  {
    handlerWillRespond: async ({ request, response }) => {
      if (!JS_CELL_WORKER.test(new URL(request.url).pathname)) return response;
      const headers = new Headers(response.headers);
      headers.set('Content-Security-Policy', JS_CELL_POLICY);
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
    },
  },
]);
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
// Every page of the app is index.html (routes live in the URL's fragment; ?notebook=URL is read by the page).
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));

self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  // The first visit's page becomes controlled at once, so the chunks it loads later come from the precache.
  event.waitUntil(caches.delete(LEGACY_CACHE).then(() => self.clients.claim()));
});
