import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, tick, unmount } from 'svelte';
import Chat from './Chat.svelte';
import type { ChatThread } from '../lib/types';

// Fake ChatService and SettingsService on window.go, recording every call,
// the way Wails binds the Go ones. Threads keep their titles like the store.
type Call = [string, unknown[]];
let calls: Call[] = [];
let cleanup: (() => void)[] = [];
let threads: ChatThread[] = [];

afterEach(() => {
  cleanup.forEach((f) => f());
  cleanup = [];
  calls = [];
  document.body.innerHTML = '';
  delete (window as { go?: unknown }).go;
});

function bind(impl: Record<string, (...a: unknown[]) => unknown>) {
  const bound: Record<string, (...a: unknown[]) => Promise<unknown>> = {};
  for (const [k, f] of Object.entries(impl)) {
    bound[k] = async (...a: unknown[]) => {
      calls.push([k, a]);
      return f(...a);
    };
  }
  return bound;
}

function fakeBackend() {
  threads = [
    { id: 1, title: 'Lease questions', created_at: '', updated_at: '', messages: 2, preview: 'notice period' },
    { id: 2, title: 'Garden', created_at: '', updated_at: '', messages: 2, preview: 'tomatoes' },
  ];
  const chatService = bind({
    Send: () => 1,
    Threads: () => threads.map((t) => ({ ...t })),
    Modes: () => [],
    Messages: () => [],
    RenameThread: (id, title) => {
      const t = threads.find((x) => x.id === id);
      if (!t) throw new Error(`chat ${id} not found`);
      t.title = title as string;
    },
  });
  const settingsService = bind({ Providers: () => [] });
  (window as unknown as { go: unknown }).go = { app: { ChatService: chatService, SettingsService: settingsService } };
}

async function settle() {
  for (let i = 0; i < 5; i++) {
    await tick();
    await Promise.resolve();
  }
  flushSync();
}

async function render() {
  fakeBackend();
  const target = document.createElement('div');
  document.body.appendChild(target);
  const view = mount(Chat, { target, props: { collections: [], collection: 'default', ongo: () => {} } });
  cleanup.push(() => unmount(view));
  await settle();
  return target;
}

function button(root: ParentNode, name: string): HTMLButtonElement {
  const b = [...root.querySelectorAll('button')].find((x) => x.getAttribute('aria-label') === name);
  if (!b) throw new Error(`no button ${name}`);
  return b;
}
function titleInput(root: ParentNode): HTMLInputElement | null {
  return root.querySelector('input[aria-label="Chat title"]');
}
function type(el: HTMLInputElement, value: string) {
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}
function key(el: HTMLElement, k: string) {
  el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
}
function titles(root: ParentNode): string[] {
  return [...root.querySelectorAll('.threads .tt')].map((x) => x.textContent ?? '');
}
function renames(): Call[] {
  return calls.filter(([m]) => m === 'RenameThread');
}

describe('Chat thread rename', () => {
  it('pencil opens the title for editing and Enter saves it', async () => {
    const root = await render();
    expect(titles(root)).toEqual(['Lease questions', 'Garden']);
    button(root, 'Rename chat Lease questions').click();
    flushSync();
    const input = titleInput(root)!;
    expect(input.value).toBe('Lease questions');
    expect(document.activeElement).toBe(input);

    type(input, '  Lease: notice and rent  ');
    key(input, 'Enter');
    await settle();
    expect(renames()).toEqual([['RenameThread', [1, 'Lease: notice and rent']]]);
    expect(titleInput(root)).toBeNull();
    expect(titles(root)).toEqual(['Lease: notice and rent', 'Garden']);
  });

  it('double-click opens the title for editing and Escape cancels', async () => {
    const root = await render();
    const th = [...root.querySelectorAll<HTMLButtonElement>('.threads .th')].find((b) => b.textContent?.includes('Garden'))!;
    th.dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));
    flushSync();
    const input = titleInput(root)!;
    type(input, 'Something else');
    key(input, 'Escape');
    await settle();
    expect(titleInput(root)).toBeNull();
    expect(renames()).toEqual([]);
    expect(titles(root)).toEqual(['Lease questions', 'Garden']);
  });

  const unchanged: { name: string; value: string }[] = [
    { name: 'a blank title', value: '   ' },
    { name: 'the same title', value: 'Garden' },
  ];
  for (const tc of unchanged) {
    it(`saving ${tc.name} changes nothing`, async () => {
      const root = await render();
      button(root, 'Rename chat Garden').click();
      flushSync();
      const input = titleInput(root)!;
      type(input, tc.value);
      key(input, 'Enter');
      await settle();
      expect(renames()).toEqual([]);
      expect(titles(root)).toEqual(['Lease questions', 'Garden']);
    });
  }
});
