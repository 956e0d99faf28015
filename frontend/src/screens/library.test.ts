import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, tick, unmount } from 'svelte';
import Library from './Library.svelte';
import { needsReembed, reembedQuestion } from '../lib/reembed';
import type { AppInfo, CollectionInfo } from '../lib/types';

// A fake LibraryService on window.go, recording every call, the way Wails
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

const info: AppInfo = {
  version: 'test', data_dir: '/data', config_file: '/cfg/config.toml', embedding_backend: 'ollama',
  embedding_model: 'nomic-embed-text', embedder_id: 'ollama:nomic-embed-text@768', remote_embedding: false,
  theme: 'system', indexing: false,
};
function coll(embedder_id: string, chunks = 10): CollectionInfo {
  return { name: 'work', documents: 2, failed: 0, chunks, embedded: embedder_id ? chunks : 0, embedder_id, dim: 512 };
}

function fakeLibrary() {
  const impl: Record<string, (...a: unknown[]) => unknown> = {
    Documents: () => [],
    Watched: () => [],
    Reembed: () => 7,
  };
  const bound: Record<string, (...a: unknown[]) => Promise<unknown>> = {};
  for (const [k, f] of Object.entries(impl)) {
    bound[k] = async (...a: unknown[]) => {
      calls.push([k, a]);
      return f(...a);
    };
  }
  (window as unknown as { go: unknown }).go = { app: { LibraryService: bound } };
}

async function settle() {
  for (let i = 0; i < 5; i++) {
    await tick();
    await Promise.resolve();
  }
  flushSync();
}

async function render(c: CollectionInfo, i: AppInfo | null = info) {
  fakeLibrary();
  const target = document.createElement('div');
  document.body.appendChild(target);
  const view = mount(Library, {
    target,
    props: { collection: c.name, collections: [c], info: i, progress: null, lastDone: null, onchanged: () => {}, oncollection: () => {} },
  });
  cleanup.push(() => unmount(view));
  await settle();
  return target;
}

function findButton(root: ParentNode, name: string): HTMLButtonElement | undefined {
  return [...root.querySelectorAll('button')].find((x) => x.textContent?.trim() === name || x.getAttribute('aria-label') === name);
}
function button(root: ParentNode, name: string): HTMLButtonElement {
  const b = findButton(root, name);
  if (!b) throw new Error(`no button ${name}`);
  return b;
}

describe('needsReembed', () => {
  const cases: { name: string; c: CollectionInfo | null; i: AppInfo | null; want: boolean }[] = [
    { name: 'same embedder', c: coll('ollama:nomic-embed-text@768'), i: info, want: false },
    { name: 'another model', c: coll('local:use-lite@512'), i: info, want: true },
    { name: 'same model, another size', c: coll('ollama:nomic-embed-text@256'), i: info, want: true },
    { name: 'no vectors yet', c: coll(''), i: info, want: false },
    { name: 'no collection', c: null, i: info, want: false },
    { name: 'info not loaded', c: coll('local:use-lite@512'), i: null, want: false },
    { name: 'older backend without embedder_id', c: coll('local:use-lite@512'), i: { ...info, embedder_id: '' }, want: false },
  ];
  for (const tc of cases) {
    it(tc.name, () => expect(needsReembed(tc.c, tc.i)).toBe(tc.want));
  }
  it('asks with the collection and the model', () => {
    expect(reembedQuestion('work', info)).toBe('Recompute all vectors of work with nomic-embed-text (ollama)? Keyword search keeps working meanwhile.');
  });
});

describe('Library re-embed', () => {
  it('shows a prominent Re-embed when the embedder changed, confirms, then queues the run', async () => {
    const root = await render(coll('local:use-lite@512'));
    const banner = root.querySelector('[aria-label="Embedder changed"]');
    expect(banner?.textContent).toContain('local:use-lite@512');
    expect(banner?.textContent).toContain('ollama:nomic-embed-text@768');
    expect(findButton(root, 'Re-embed this collection')).toBeUndefined();

    button(banner!, 'Re-embed').click();
    flushSync();
    const ask = root.querySelector('[aria-label="Confirm re-embed"]');
    expect(ask?.textContent).toContain('Recompute all vectors of work with nomic-embed-text (ollama)? Keyword search keeps working meanwhile.');
    expect(calls.filter(([m]) => m === 'Reembed')).toEqual([]);

    button(ask!, 'Re-embed now').click();
    await settle();
    expect(calls.filter(([m]) => m === 'Reembed')).toEqual([['Reembed', ['work']]]);
    expect(root.querySelector('[aria-label="Confirm re-embed"]')).toBeNull();
  });

  it('keeps Re-embed in the collection actions when nothing changed, and Not now cancels', async () => {
    const root = await render(coll('ollama:nomic-embed-text@768'));
    expect(root.querySelector('[aria-label="Embedder changed"]')).toBeNull();
    button(root, 'Re-embed this collection').click();
    flushSync();
    const ask = root.querySelector('[aria-label="Confirm re-embed"]');
    expect(ask).not.toBeNull();
    button(ask!, 'Not now').click();
    await settle();
    expect(root.querySelector('[aria-label="Confirm re-embed"]')).toBeNull();
    expect(calls.some(([m]) => m === 'Reembed')).toBe(false);
  });

  it('offers no Re-embed for a collection without passages', async () => {
    const root = await render(coll('', 0));
    expect(findButton(root, 'Re-embed this collection')).toBeUndefined();
    expect(root.querySelector('[aria-label="Embedder changed"]')).toBeNull();
  });
});
