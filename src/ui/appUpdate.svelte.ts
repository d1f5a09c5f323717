// The app's own service worker as the page sees it (src/sw.ts, registered through vite-plugin-pwa): whether
// the whole build is cached for offline use, and whether a new build waits. A new build never takes over by
// itself: the page offers a reload, and only the tab whose user asked for it reloads, so a run in progress
// in another tab goes on with the code it started with.
/// <reference types="vite-plugin-pwa/vanillajs" />
import { registerSW } from 'virtual:pwa-register';

/** How often an open page asks the server for a new build (the browser also checks on every visit). */
const CHECK_EVERY_MS = 60 * 60_000;

export class AppUpdate {
  /** A new build is installed and waits for a reload. */
  available = $state(false);
  /** Every file of this build is in the service worker's cache: the app opens offline. */
  offlineReady = $state(false);
  /** What the build calls itself (the commit it was built from). */
  readonly build = __PRIMER_BUILD__;
  #update?: () => Promise<void>;

  register(): void {
    if (!('serviceWorker' in navigator)) return;
    this.#update = registerSW({
      immediate: true,
      onNeedRefresh: () => (this.available = true),
      onOfflineReady: () => (this.offlineReady = true),
      // Another tab let the new build take over: this one keeps its code until the user reloads it.
      onNeedReload: () => undefined,
      onRegisteredSW: (_url, registration) => registration && this.#watch(registration),
      onRegisterError: (err: unknown) => console.warn('Primer works online only:', err),
    });
  }

  /** Lets the waiting build take over; the page reloads once it has. */
  async apply(): Promise<void> {
    navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
    await this.#update?.();
  }

  #watch(registration: ServiceWorkerRegistration): void {
    if (registration.active) this.offlineReady = true; // a later visit: this build was cached by the first
    const check = () => registration.update().catch(() => undefined); // offline: the next check will do
    setInterval(check, CHECK_EVERY_MS);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') check();
    });
  }
}

export const appUpdate = new AppUpdate();
