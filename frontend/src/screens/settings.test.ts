import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, tick, unmount } from 'svelte';
import Settings from './Settings.svelte';
import type { EmbeddingInfo, ProviderInfo } from '../lib/types';

// A fake SettingsService on window.go, recording every call, the way Wails
// binds the Go one.
type Call = [string, unknown[]];
let calls: Call[] = [];
let cleanup: (() => void)[] = [];

afterEach(() => {
  cleanup.forEach((f) => f());
  cleanup = [];
  calls = [];
  document.body.innerHTML = '';
  delete (window as { go?: unknown }).go;
});

const providers: ProviderInfo[] = [
  { name: 'ollama', kind: 'ollama', base_url: 'http://127.0.0.1:11434', model: 'llama3.2', temperature: 0.2, enabled: true, default: true, needs_key: false, key: { provider: 'ollama', set: false, source: 'none' } },
  { name: 'openai', kind: 'openai', base_url: 'https://api.openai.com/v1', model: 'gpt-4o-mini', temperature: 0.2, enabled: true, default: false, needs_key: true, key: { provider: 'openai', set: false, source: 'none', env_var: 'OPENAI_API_KEY' } },
];
const embedding: EmbeddingInfo = { backend: 'local', model: 'use-lite', dimensions: 512, base_url: '', ollama_url: 'http://127.0.0.1:11434', remote: false, reembed: [], reembed_hint: '' };

function fakeService(overrides: Record<string, (...a: unknown[]) => unknown> = {}) {
  const impl: Record<string, (...a: unknown[]) => unknown> = {
    Providers: () => providers,
    Embedding: () => embedding,
    Locations: () => ({ data_dir: '/home/u/.local/share/reasonkit', database: '/home/u/.local/share/reasonkit/reasonkit.db', config_file: '/home/u/.config/reasonkit/config.toml', config_saved: false }),
    Models: (name) => (name === 'ollama' ? { reachable: true, models: ['llama3.2', 'qwen2.5'], reason: '' } : { reachable: false, models: [], reason: 'provider openai has no API key' }),
    UpdateProvider: (name, p) => ({ ...providers.find((x) => x.name === name)!, ...(p as object) }),
    SetTheme: () => undefined,
    SetDefaultProvider: () => undefined,
    SetEmbedding: (backend, model, dims, url) => ({ ...embedding, backend, model, dimensions: dims, base_url: url, remote: true, reembed: ['work'], reembed_hint: 'Re-embed each with `reasonkit index --collection NAME --reembed`.' }),
    AddProvider: (name, url, model) => ({ ...providers[1], name, kind: 'openai-compatible', base_url: url, model, needs_key: false }),
    ...overrides,
  };
  const bound: Record<string, (...a: unknown[]) => Promise<unknown>> = {};
  for (const [k, f] of Object.entries(impl)) {
    bound[k] = async (...a: unknown[]) => {
      calls.push([k, a]);
      return f(...a);
    };
  }
  (window as unknown as { go: unknown }).go = { app: { SettingsService: bound } };
}

async function settle() {
  for (let i = 0; i < 5; i++) {
    await tick();
    await Promise.resolve();
  }
  flushSync();
}

async function render(props: Record<string, unknown> = {}) {
  const target = document.createElement('div');
  document.body.appendChild(target);
  const c = mount(Settings, { target, props: { info: null, theme: 'system', ...props } });
  cleanup.push(() => unmount(c));
  await settle();
  return target;
}

function input(el: HTMLInputElement | HTMLSelectElement, value: string) {
  el.value = value;
  el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
  flushSync();
}

function button(root: ParentNode, name: string): HTMLButtonElement {
  const b = [...root.querySelectorAll('button')].find((x) => x.textContent?.trim() === name || x.getAttribute('aria-label') === name);
  if (!b) throw new Error(`no button ${name}`);
  return b as HTMLButtonElement;
}

async function openDetails(d: HTMLDetailsElement) {
  d.open = true;
  d.dispatchEvent(new Event('toggle'));
  await settle();
}

describe('Settings screen', () => {
  it('saves a theme choice through the backend', async () => {
    fakeService();
    const el = await render();
    button(el, 'Dark').click();
    await settle();
    expect(calls).toContainEqual(['SetTheme', ['dark']]);
    expect(el.querySelector('[role="radio"][aria-checked="true"]')?.textContent).toMatch(/Dark/);
  });

  it('fills the model picker when the provider answers and applies an edit', async () => {
    fakeService();
    const el = await render();
    const item = el.querySelector('[aria-label="Provider ollama"]')!;
    await openDetails(item.querySelector('details')!);
    expect(calls).toContainEqual(['Models', ['ollama']]);
    const picker = item.querySelector('select[aria-label="Model for ollama"]') as HTMLSelectElement;
    expect([...picker.options].map((o) => o.value)).toEqual(['llama3.2', 'qwen2.5']);
    input(picker, 'qwen2.5');
    input(item.querySelector('input[aria-label="Temperature for ollama"]') as HTMLInputElement, '0.8');
    button(item, 'Apply').click();
    await settle();
    expect(calls).toContainEqual(['UpdateProvider', ['ollama', { enabled: true, base_url: 'http://127.0.0.1:11434', model: 'qwen2.5', temperature: 0.8 }]]);
    expect(item.textContent).toMatch(/Saved to config\.toml/);
    expect(item.textContent).toMatch(/temperature 0\.8/);
  });

  it('falls back to a text field and says why when the models cannot be listed', async () => {
    fakeService();
    const el = await render();
    const item = el.querySelector('[aria-label="Provider openai"]')!;
    await openDetails(item.querySelector('details')!);
    expect(item.querySelector('select[aria-label="Model for openai"]')).toBeNull();
    expect((item.querySelector('input[aria-label="Model for openai"]') as HTMLInputElement).value).toBe('gpt-4o-mini');
    expect(item.querySelector('[data-testid="models-unavailable"]')?.textContent).toMatch(/no API key/);
    input(item.querySelector('input[aria-label="Temperature for openai"]') as HTMLInputElement, '2.5');
    button(item, 'Apply').click();
    await settle();
    expect(calls.some(([m]) => m === 'UpdateProvider')).toBe(false);
    expect(item.textContent).toMatch(/out of range/);
  });

  it('warns before document text leaves the machine and lists collections to re-embed', async () => {
    fakeService();
    const el = await render();
    expect(el.querySelector('[data-testid="embedding-remote"]')).toBeNull();
    input(el.querySelector('#emb-backend') as HTMLSelectElement, 'ollama');
    expect(el.querySelector('[data-testid="embedding-remote"]')).toBeNull(); // the ollama provider is on loopback
    expect(el.querySelector('[data-testid="embedding-reembed"]')?.textContent).toMatch(/re-embedded/);
    input(el.querySelector('#emb-url') as HTMLInputElement, 'https://gpu.example:11434');
    expect(el.querySelector('[data-testid="embedding-remote"]')?.textContent).toMatch(/sent to gpu\.example/);
    button(el, 'Apply embedder').click();
    await settle();
    expect(calls).toContainEqual(['SetEmbedding', ['ollama', 'nomic-embed-text', 768, 'https://gpu.example:11434']]);
    expect(el.querySelector('[data-testid="embedding-result"]')?.textContent).toMatch(/work .*must be re-embedded/);
  });

  it('adds an OpenAI-compatible provider, chooses the default and shows where data lives', async () => {
    fakeService();
    const el = await render();
    expect(el.querySelector('[data-testid="data-dir"]')?.textContent).toBe('/home/u/.local/share/reasonkit');
    expect(el.textContent).toMatch(/Not created yet/);
    input(el.querySelector('#add-name') as HTMLInputElement, 'LM Studio');
    expect(button(el, 'Add provider').disabled).toBe(true);
    input(el.querySelector('#add-name') as HTMLInputElement, 'lmstudio');
    input(el.querySelector('#add-model') as HTMLInputElement, 'qwen');
    button(el, 'Add provider').click();
    await settle();
    expect(calls).toContainEqual(['AddProvider', ['lmstudio', 'http://127.0.0.1:1234/v1', 'qwen']]);
    expect(el.querySelector('[aria-label="Provider lmstudio"]')).not.toBeNull();
    input(el.querySelector('#default-provider') as HTMLSelectElement, 'lmstudio');
    await settle();
    expect(calls).toContainEqual(['SetDefaultProvider', ['lmstudio']]);
    expect(el.textContent).toMatch(/Chat now uses lmstudio/);
  });

  it('shows a refused change with the field the backend named', async () => {
    fakeService({ SetDefaultProvider: () => { throw new Error('general.default_provider: provider "openai" is disabled; enable it first'); } });
    const el = await render();
    input(el.querySelector('#default-provider') as HTMLSelectElement, 'openai');
    await settle();
    expect(el.textContent).toMatch(/general\.default_provider: provider "openai" is disabled/);
    expect((el.querySelector('#default-provider') as HTMLSelectElement).value).toBe('ollama');
  });
});
