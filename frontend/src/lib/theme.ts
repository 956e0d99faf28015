// Light / dark / system theme. The choice is kept in localStorage and
// applied as data-theme on <html>; "system" follows the OS setting live.

export type ThemeChoice = 'light' | 'dark' | 'system';
const KEY = 'reasonkit.theme';

export function loadTheme(storage: Pick<Storage, 'getItem'> = localStorage): ThemeChoice {
  const v = storage.getItem(KEY);
  return v === 'light' || v === 'dark' || v === 'system' ? v : 'system';
}

export function saveTheme(choice: ThemeChoice, storage: Pick<Storage, 'setItem'> = localStorage): void {
  storage.setItem(KEY, choice);
}

/** resolveTheme turns a choice into the theme to paint. */
export function resolveTheme(choice: ThemeChoice, prefersDark: boolean): 'light' | 'dark' {
  if (choice === 'system') return prefersDark ? 'dark' : 'light';
  return choice;
}

/** applyTheme paints choice now and, for "system", on every OS change. It returns a function that stops following. */
export function applyTheme(choice: ThemeChoice, root: HTMLElement = document.documentElement): () => void {
  const mq = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  const paint = () => {
    root.dataset.theme = resolveTheme(choice, mq?.matches ?? false);
  };
  paint();
  if (choice !== 'system' || !mq) return () => {};
  mq.addEventListener('change', paint);
  return () => mq.removeEventListener('change', paint);
}
