// The built app's Content-Security-Policy (vite.config.ts puts it in index.html as a <meta> tag, since a
// static host such as GitHub Pages sets no headers). Scripts come only from the app itself ('wasm-unsafe-eval'
// lets WebLLM compile its WebAssembly, never JavaScript from strings); the page talks only to the hosts
// Primer uses. js cells run in their own Worker (app/jsCell.worker.ts), never on the page.

/** Every host the page may fetch from, and why. */
export const CONNECT_HOSTS: Record<string, string> = {
  'https://huggingface.co': 'the Hugging Face Hub: model files (Primer and WebLLM), notebooks by URL',
  'https://*.huggingface.co': "the Hub's CDN (cdn-lfs) and datasets-server (Countdown problems)",
  'https://*.hf.co': "the Hub's newer CDN (cas-bridge.xethub.hf.co) that downloads redirect to",
  'https://api.anthropic.com': 'the Anthropic API: Claude judges and Claude-written priming sets',
  'https://raw.githubusercontent.com': "WebLLM's compiled model libraries; notebooks by URL",
  'https://gist.githubusercontent.com': 'notebooks by URL from a gist',
  'http://127.0.0.1:*': 'a model server or Hub mirror on this computer',
  'http://localhost:*': 'a model server or Hub mirror on this computer',
};

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  // Svelte's scoped styles are files; inline style attributes are what charts and progress bars set.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  `connect-src 'self' ${Object.keys(CONNECT_HOSTS).join(' ')}`,
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');
