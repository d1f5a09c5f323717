// Lint for the whole repository: the recommended rule sets of ESLint, typescript-eslint and eslint-plugin-svelte,
// and the layers of docs/architecture.md as an import-boundary rule (eslint-plugin-boundaries) over src/.
import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';

// docs/architecture.md's layers, top to bottom: each may import only the layers above it. ui/ and cli/ are the two
// front ends, side by side: neither imports the other. The entry files at src/'s top (main.ts, sw.ts, csp.ts)
// are outside the layers.
const LAYERS = [
  'tasks',
  'behaviors',
  'priming',
  'engine',
  'store',
  'charts',
  'notebook',
  'generators',
  'scaleout',
  'app',
];
const FRONT_ENDS = ['ui', 'cli'];

const layerElements = [...LAYERS, ...FRONT_ENDS].map((layer) => ({
  type: layer,
  pattern: `src/${layer}`,
  partialMatch: false,
}));
const layerPolicies = [
  ...LAYERS.map((layer, i) => ({
    from: { element: { type: layer } },
    allow: { to: { element: { types: { anyOf: LAYERS.slice(0, i + 1) } } } },
  })),
  ...FRONT_ENDS.map((end) => ({
    from: { element: { type: end } },
    allow: { to: { element: { types: { anyOf: [...LAYERS, end] } } } },
  })),
];

// The DOM, which only ui/ touches.
const DOM_GLOBALS = ['document', 'window', 'DataTransfer', 'DragEvent', 'HTMLElement', 'HTMLInputElement'];
const nonDomGlobals = DOM_GLOBALS.map((name) => ({ name, message: `${name} is the DOM, which only src/ui/ touches` }));

export default ts.config(
  { ignores: ['dist/', 'test-artifacts/', '.primer-cache/', 'node_modules/'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.worker, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // A variable a callback reads before its one assignment (a handle on an object being made) stays `let`.
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    rules: { 'prefer-const': ['error', { ignoreReadBeforeAssign: true }] },
  },
  ...svelte.configs['flat/recommended'],
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.svelte'],
    plugins: { boundaries },
    settings: { 'boundaries/elements': layerElements, 'boundaries/include': ['src/**/*'] },
    rules: { 'boundaries/dependencies': ['error', { default: 'disallow', policies: layerPolicies }] },
  },
  {
    // ui/ is the only layer that touches the DOM (and src/main.ts, which mounts it).
    files: ['src/**/*.ts'],
    ignores: ['src/ui/**', 'src/main.ts'],
    rules: { 'no-restricted-globals': ['error', ...nonDomGlobals] },
  },
);
