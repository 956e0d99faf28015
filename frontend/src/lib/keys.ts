// Keyboard shortcuts shared by the screens.

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  isComposing?: boolean;
}

/** isMac reports whether the platform uses Cmd as the command key. */
export function isMac(platform = typeof navigator !== 'undefined' ? navigator.platform : ''): boolean {
  return /mac/i.test(platform);
}

/** isSearchShortcut matches Ctrl+K (Cmd+K on macOS). */
export function isSearchShortcut(e: KeyLike, mac = isMac()): boolean {
  const mod = mac ? e.metaKey : e.ctrlKey;
  return mod && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k';
}

/** isSend matches Enter without Shift (and not while an IME is composing). */
export function isSend(e: KeyLike): boolean {
  return e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.isComposing;
}

/** shortcutLabel renders the search shortcut for the current platform. */
export function shortcutLabel(mac = isMac()): string {
  return mac ? '⌘K' : 'Ctrl+K';
}
