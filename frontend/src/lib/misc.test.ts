import { afterEach, describe, expect, it, vi } from 'vitest';
import { isSearchShortcut, isSend, shortcutLabel, type KeyLike } from './keys';
import { loadTheme, resolveTheme, saveTheme, applyTheme } from './theme';
import { latest } from './latest';

const key = (k: Partial<KeyLike>): KeyLike => ({ key: '', ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...k });

describe('keys', () => {
  it('Ctrl+K on Linux/Windows, Cmd+K on macOS', () => {
    expect(isSearchShortcut(key({ key: 'k', ctrlKey: true }), false)).toBe(true);
    expect(isSearchShortcut(key({ key: 'K', ctrlKey: true }), false)).toBe(true);
    expect(isSearchShortcut(key({ key: 'k', metaKey: true }), false)).toBe(false);
    expect(isSearchShortcut(key({ key: 'k', metaKey: true }), true)).toBe(true);
    expect(isSearchShortcut(key({ key: 'k', ctrlKey: true, shiftKey: true }), false)).toBe(false);
    expect(isSearchShortcut(key({ key: 'k' }), false)).toBe(false);
  });
  it('Enter sends, Shift+Enter does not, composing does not', () => {
    expect(isSend(key({ key: 'Enter' }))).toBe(true);
    expect(isSend(key({ key: 'Enter', shiftKey: true }))).toBe(false);
    expect(isSend(key({ key: 'Enter', isComposing: true }))).toBe(false);
    expect(isSend(key({ key: 'a' }))).toBe(false);
  });
  it('labels the shortcut per platform', () => {
    expect(shortcutLabel(true)).toBe('⌘K');
    expect(shortcutLabel(false)).toBe('Ctrl+K');
  });
});

describe('theme', () => {
  it('stores and loads the choice, defaulting to system', () => {
    const m = new Map<string, string>();
    const st = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
    expect(loadTheme(st)).toBe('system');
    saveTheme('dark', st);
    expect(loadTheme(st)).toBe('dark');
    m.set('reasonkit.theme', 'neon');
    expect(loadTheme(st)).toBe('system');
  });
  it('resolves system from the OS preference', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
  });
  it('paints data-theme on the root', () => {
    const root = document.createElement('html');
    applyTheme('dark', root)();
    expect(root.dataset.theme).toBe('dark');
  });
});

describe('latest', () => {
  afterEach(() => vi.useRealTimers());

  it('debounces and runs only the last scheduled query', async () => {
    vi.useFakeTimers();
    const ran: string[] = [];
    const shown: string[] = [];
    const l = latest(async (q: string) => (ran.push(q), q.toUpperCase()), (r) => shown.push(r), () => {}, 100);
    l.schedule('a');
    l.schedule('ab');
    l.schedule('abc');
    await vi.advanceTimersByTimeAsync(150);
    expect(ran).toEqual(['abc']);
    expect(shown).toEqual(['ABC']);
  });

  it('ignores an answer that arrives after a newer query', async () => {
    const resolvers: Record<string, (v: string) => void> = {};
    const shown: string[] = [];
    const l = latest((q: string) => new Promise<string>((res) => (resolvers[q] = res)), (r) => shown.push(r), () => {}, 0);
    l.now('slow');
    l.now('fast');
    resolvers.fast('fast result');
    resolvers.slow('slow result');
    await Promise.resolve();
    await Promise.resolve();
    expect(shown).toEqual(['fast result']);
  });

  it('reports errors of the newest query only', async () => {
    const errs: unknown[] = [];
    const l = latest(async (q: string) => {
      throw new Error(q);
    }, () => {}, (e) => errs.push((e as Error).message), 0);
    l.now('x');
    await new Promise((r) => setTimeout(r, 0));
    expect(errs).toEqual(['x']);
  });
});
