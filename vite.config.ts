import { execSync } from 'node:child_process';
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { CONTENT_SECURITY_POLICY } from './src/csp.ts';

/** What the app calls this build: PRIMER_BUILD (CI, tests), else the commit, else "dev". */
function buildId(): string {
  if (process.env.PRIMER_BUILD) return process.env.PRIMER_BUILD;
  try {
    return execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'dev';
  }
}

/** The built page's Content-Security-Policy, as a <meta> tag (static hosts send no headers); not in dev. */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'primer-content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
        injectTo: 'head-prepend',
      },
    ],
  };
}

// One config for the app and the three test suites: unit (Node, no GPU), gpu (Node + Dawn on
// SwiftShader or a real Vulkan driver) and e2e (the built app in headless Chromium).
// base './': every URL in the build is relative, so the same dist/ works at a domain's root or under a
// sub-path (GitHub Pages serves a fork at https://USER.github.io/REPO/).
export default defineConfig({
  plugins: [
    svelte(),
    contentSecurityPolicy(),
    // Offline after the first visit: src/sw.ts precaches the whole build from the manifest Workbox generates.
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      manifest: {
        name: 'Primer',
        short_name: 'Primer',
        description: 'A research notebook for cognitive behaviors, priming and GRPO, on WebGPU in the browser.',
        start_url: './',
        scope: './',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#1f4e79',
        icons: [{ src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      injectManifest: {
        // The icons and the web app manifest join the list on their own.
        globPatterns: ['**/*.{js,css,html,wasm}'],
        // The WebLLM worker and its library are about 6 MB each.
        maximumFileSizeToCacheInBytes: 32 * 2 ** 20,
      },
    }),
  ],
  define: { __PRIMER_BUILD__: JSON.stringify(buildId()) },
  base: './',
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 8000 },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node', testTimeout: 30_000 },
      },
      {
        extends: true,
        test: {
          name: 'gpu',
          include: ['tests/gpu/**/*.test.ts'],
          setupFiles: ['tests/support/gpu-setup.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
