import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import Snippet from './Snippet.svelte';
import StatusBadge from './StatusBadge.svelte';
import type { DocumentInfo } from '../lib/types';

let cleanup: (() => void)[] = [];
afterEach(() => {
  cleanup.forEach((f) => f());
  cleanup = [];
  document.body.innerHTML = '';
});

function render<P extends Record<string, unknown>>(C: any, props: P): HTMLElement {
  const target = document.createElement('div');
  document.body.appendChild(target);
  const c = mount(C, { target, props });
  flushSync();
  cleanup.push(() => unmount(c));
  return target;
}

describe('Snippet', () => {
  it('marks the highlighted ranges and keeps markup as text', () => {
    const el = render(Snippet, { text: '<b>bold</b> notice period <img src=x onerror=alert(1)>', highlights: [[12, 18]] });
    expect(el.querySelector('b')).toBeNull();
    expect(el.querySelector('img')).toBeNull();
    expect([...el.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['notice']);
    expect(el.textContent).toBe('<b>bold</b> notice period <img src=x onerror=alert(1)>');
  });
});

describe('StatusBadge', () => {
  const base: DocumentInfo = {
    id: 1, collection: 'c', path: '/d/a.pdf', name: 'a.pdf', dir: '/d', title: '', format: 'pdf', size: 10,
    status: 'indexed', embed_percent: 100, error: '', chunks: 4, embedded: 4, indexed_at: 0,
  };
  it.each([
    ['indexed', 100, 'indexed'],
    ['embedding', 40, 'embedding 40%'],
    ['failed', 0, 'failed'],
  ] as const)('%s', (status, pct, text) => {
    const el = render(StatusBadge, { doc: { ...base, status, embed_percent: pct } });
    expect(el.textContent?.trim()).toBe(text);
  });
  it('a failed badge is a button that reports which document to explain', () => {
    let shown: DocumentInfo | null = null;
    const el = render(StatusBadge, { doc: { ...base, status: 'failed', error: 'encrypted PDF' }, onshowerror: (d: DocumentInfo) => (shown = d) });
    const btn = el.querySelector('button')!;
    expect(btn.getAttribute('aria-label')).toBe('Failed: show the reason for a.pdf');
    btn.click();
    expect((shown as DocumentInfo | null)?.error).toBe('encrypted PDF');
  });
});
