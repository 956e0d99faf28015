// Pure helpers for the Settings screen: what an embedder choice means for
// privacy, what a form holds and whether it may be saved. The Go side
// validates again; these only give instant feedback.
import type { ProviderInfo, ProviderSettings } from './types';

export type EmbeddingBackend = 'local' | 'ollama' | 'openai';

export const embeddingBackends: { id: EmbeddingBackend; label: string }[] = [
  { id: 'local', label: 'Built-in (on this computer)' },
  { id: 'ollama', label: 'Ollama' },
  { id: 'openai', label: 'OpenAI or compatible API' },
];

/** embeddingSuggestion is a sensible model and size for a backend. */
export function embeddingSuggestion(backend: EmbeddingBackend): { model: string; dims: number } {
  switch (backend) {
    case 'ollama':
      return { model: 'nomic-embed-text', dims: 768 };
    case 'openai':
      return { model: 'text-embedding-3-small', dims: 1536 };
    default:
      return { model: 'use-lite', dims: 512 };
  }
}

/** hostOf returns the host of an http(s) URL, without brackets or port, or '' when it is not one. */
export function hostOf(url: string): string {
  try {
    const u = new URL(url.trim());
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return '';
    return u.hostname.replace(/^\[|\]$/g, '');
  } catch {
    return '';
  }
}

/** isLoopback reports whether url points at this computer. */
export function isLoopback(url: string): boolean {
  const h = hostOf(url).toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * sendsTextAway reports whether the embedder sends document text off this
 * computer: anything but the built-in model, unless its server is on
 * loopback. An Ollama embedder without its own URL uses the ollama
 * provider's URL, as the backend does.
 */
export function sendsTextAway(backend: string, baseURL: string, ollamaURL: string): boolean {
  switch (backend) {
    case 'local':
      return false;
    case 'ollama': {
      const url = baseURL.trim() || ollamaURL.trim();
      return url !== '' && !isLoopback(url);
    }
    default:
      return baseURL.trim() === '' || !isLoopback(baseURL);
  }
}

/** fieldText turns a form value (a number input gives a number, or null when empty) into trimmed text. */
export function fieldText(v: string | number | null | undefined): string {
  return v === null || v === undefined ? '' : String(v).trim();
}

/** parseTemperature reads the temperature field: a number from 0 to 2, or an error sentence. */
export function parseTemperature(input: string | number | null): { value: number } | { error: string } {
  const t = fieldText(input);
  const v = Number(t);
  if (t === '' || !Number.isFinite(v)) return { error: 'Temperature must be a number from 0 to 2.' };
  if (v < 0 || v > 2) return { error: `Temperature ${v} is out of range: use 0 to 2.` };
  return { value: v };
}

/** urlProblem explains what is wrong with a base URL, or returns ''. */
export function urlProblem(url: string): string {
  const u = url.trim();
  if (!u) return 'Base URL is required.';
  if (!hostOf(u)) return 'Base URL must be an http:// or https:// address.';
  try {
    const p = new URL(u);
    if (p.username || p.password) return 'Base URL must not carry a user or password; keys go in the key field.';
  } catch {
    return 'Base URL must be an http:// or https:// address.';
  }
  return '';
}

/** nameProblem checks a new provider's name the way config.toml does, or returns ''. */
export function nameProblem(name: string, existing: string[]): string {
  const n = name.trim();
  if (!n) return 'Give the provider a short name, for example lmstudio.';
  if (!/^[a-z0-9][a-z0-9_-]{0,39}$/.test(n)) return 'Use lower-case letters, digits, - and _ (at most 40), starting with a letter or digit.';
  if (existing.includes(n)) return `A provider named ${n} already exists.`;
  return '';
}

/** ProviderDraft is a provider's edit form; temperature is whatever the field holds. */
export interface ProviderDraft {
  enabled: boolean;
  base_url: string;
  model: string;
  temperature: string | number | null;
}

export function draftOf(p: ProviderInfo): ProviderDraft {
  return { enabled: p.enabled, base_url: p.base_url, model: p.model, temperature: String(p.temperature) };
}

/** draftChanged reports whether the form differs from the saved provider. */
export function draftChanged(p: ProviderInfo, d: ProviderDraft): boolean {
  return (
    d.enabled !== p.enabled ||
    d.base_url.trim() !== p.base_url ||
    d.model.trim() !== p.model ||
    (fieldText(d.temperature) === '' || Number(fieldText(d.temperature)) !== p.temperature)
  );
}

/** draftSettings validates a form and returns what to send, or the first problem. */
export function draftSettings(d: ProviderDraft): { settings: ProviderSettings } | { error: string } {
  const url = urlProblem(d.base_url);
  if (url) return { error: url };
  if (!d.model.trim()) return { error: 'Choose or type a model.' };
  const t = parseTemperature(d.temperature);
  if ('error' in t) return t;
  return { settings: { enabled: d.enabled, base_url: d.base_url.trim(), model: d.model.trim(), temperature: t.value } };
}

/** modelOptions lists the picker's choices, keeping the current model even when the provider no longer offers it. */
export function modelOptions(models: string[], current: string): string[] {
  const c = current.trim();
  return c && !models.includes(c) ? [c, ...models] : models;
}
