import { describe, expect, it } from 'vitest';
import {
  draftChanged, draftOf, draftSettings, embeddingSuggestion, fieldText, hostOf, isLoopback, modelOptions, nameProblem,
  parseTemperature, sendsTextAway, urlProblem,
} from './settings';
import type { ProviderInfo } from './types';

const provider: ProviderInfo = {
  name: 'openai', kind: 'openai', base_url: 'https://api.openai.com/v1', model: 'gpt-4o-mini', temperature: 0.2,
  enabled: true, default: false, needs_key: true,
  key: { provider: 'openai', set: false, source: 'none', env_var: 'OPENAI_API_KEY' },
};

describe('sendsTextAway', () => {
  it.each([
    ['local', '', '', false],
    ['local', 'https://far.example', '', false],
    ['ollama', '', 'http://127.0.0.1:11434', false],
    ['ollama', '', 'https://gpu.example:11434', true],
    ['ollama', 'http://localhost:11434', 'https://gpu.example:11434', false],
    ['ollama', 'http://[::1]:11434', '', false],
    ['ollama', 'https://gpu.example:11434', '', true],
    ['openai', '', '', true],
    ['openai', 'http://127.0.0.5:8080/v1', '', false],
    ['openai', 'https://api.example.com/v1', '', true],
    ['openai', 'not a url', '', true],
  ])('%s with %j (ollama provider at %j) → %s', (backend, url, ollama, want) => {
    expect(sendsTextAway(backend, url, ollama)).toBe(want);
  });
  it('reads hosts the way the backend does', () => {
    expect(hostOf('https://u@h.example:8/x')).toBe('h.example');
    expect(hostOf('ftp://h.example')).toBe('');
    expect(isLoopback('http://LOCALHOST:1')).toBe(true);
    expect(isLoopback('http://127.evil.example')).toBe(false);
  });
});

describe('provider form', () => {
  it('parses temperature from text or a number input', () => {
    expect(parseTemperature('0.7')).toEqual({ value: 0.7 });
    expect(parseTemperature(2)).toEqual({ value: 2 });
    expect(parseTemperature(null)).toHaveProperty('error');
    expect(parseTemperature('2.5')).toEqual({ error: 'Temperature 2.5 is out of range: use 0 to 2.' });
    expect(parseTemperature('hot')).toHaveProperty('error');
    expect(fieldText(undefined)).toBe('');
  });
  it('explains bad URLs and names', () => {
    expect(urlProblem('')).toMatch(/required/);
    expect(urlProblem('localhost:1234')).toMatch(/http/);
    expect(urlProblem('https://me:pw@h.example/v1')).toMatch(/user or password/);
    expect(urlProblem('http://127.0.0.1:1234/v1')).toBe('');
    expect(nameProblem('', [])).toMatch(/name/);
    expect(nameProblem('LM Studio', [])).toMatch(/lower-case/);
    expect(nameProblem('openai', ['openai'])).toMatch(/already exists/);
    expect(nameProblem('lmstudio', ['openai'])).toBe('');
  });
  it('tracks changes and builds what to send', () => {
    const d = draftOf(provider);
    expect(draftChanged(provider, d)).toBe(false);
    expect(draftChanged(provider, { ...d, temperature: '0.20' })).toBe(false);
    expect(draftChanged(provider, { ...d, temperature: 0.9 })).toBe(true);
    expect(draftChanged(provider, { ...d, enabled: false })).toBe(true);
    expect(draftChanged(provider, { ...d, model: ' gpt-4o-mini ' })).toBe(false);
    expect(draftSettings({ ...d, temperature: '0.9', model: ' gpt-4.1 ' })).toEqual({
      settings: { enabled: true, base_url: 'https://api.openai.com/v1', model: 'gpt-4.1', temperature: 0.9 },
    });
    expect(draftSettings({ ...d, model: '' })).toEqual({ error: 'Choose or type a model.' });
    expect(draftSettings({ ...d, temperature: '3' })).toHaveProperty('error');
    expect(draftSettings({ ...d, base_url: 'x' })).toHaveProperty('error');
  });
  it('keeps the current model in the picker', () => {
    expect(modelOptions(['a', 'b'], 'c')).toEqual(['c', 'a', 'b']);
    expect(modelOptions(['a', 'b'], 'b')).toEqual(['a', 'b']);
    expect(modelOptions(['a'], '')).toEqual(['a']);
  });
  it('suggests an embedding model per backend', () => {
    expect(embeddingSuggestion('local')).toEqual({ model: 'use-lite', dims: 512 });
    expect(embeddingSuggestion('ollama').model).toBe('nomic-embed-text');
    expect(embeddingSuggestion('openai').dims).toBe(1536);
  });
});
