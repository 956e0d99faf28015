import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess(),
  // Styles go into the CSS file, never injected at run time (the CSP forbids inline styles).
  compilerOptions: { css: 'external' },
};
