// The typed door to the Go services bound by Wails (app/*.go). Wails puts the
// bound methods on window.go.app.<Service>.<Method> and its runtime on
// window.runtime; this module is the only place that touches either, so the
// screens stay typed and testable. It needs no generated code, which keeps
// `npm run build` independent of `wails generate`.
import type {
  AppInfo, CollectionInfo, DocumentInfo, IndexDone, IndexProgress, KeyStatus, KeyTestResult,
  ModelChoices, ProviderSettings, EmbeddingInfo, Locations,
  Preview, ProtocolImportError, ProtocolInfo, ProviderInfo, SearchResult,
  ChatThread, ChatMessage, ChatMode, RunSummary, OutboundRecord,
} from './types';

type Method = (...args: unknown[]) => Promise<unknown>;
type Bound = Record<string, Method | undefined>;

interface WailsRuntime {
  EventsOn(name: string, cb: (...data: unknown[]) => void): () => void;
  BrowserOpenURL(url: string): void;
  OnFileDrop(cb: (x: number, y: number, paths: string[]) => void, useDropTarget: boolean): void;
  OnFileDropOff(): void;
  WindowSetDarkTheme?(): void;
  WindowSetLightTheme?(): void;
  WindowSetSystemDefaultTheme?(): void;
}

declare global {
  interface Window {
    go?: { app?: Record<string, Bound | undefined> };
    runtime?: WailsRuntime;
  }
}

/** NotAvailableError means this build has no such backend method yet. */
export class NotAvailableError extends Error {
  constructor(public readonly what: string) {
    super(`${what} is not available in this version of ReasonKit`);
    this.name = 'NotAvailableError';
  }
}

function method(service: string, name: string): Method | undefined {
  return window.go?.app?.[service]?.[name];
}

/** has reports whether the backend offers service.name. */
export function has(service: string, name: string): boolean {
  return typeof method(service, name) === 'function';
}

/** connected reports whether the Wails bindings are present at all. */
export function connected(): boolean {
  return !!window.go?.app;
}

async function call<T>(service: string, name: string, ...args: unknown[]): Promise<T> {
  const fn = method(service, name);
  if (!fn) throw new NotAvailableError(`${service}.${name}`);
  return (await fn(...args)) as T;
}

/** errorText turns whatever a bound call rejected with into a sentence. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}

/** on subscribes to a backend event and returns the unsubscribe function. */
export function on<T>(name: string, cb: (data: T) => void): () => void {
  const rt = window.runtime;
  if (!rt) return () => {};
  const off = rt.EventsOn(name, (d) => cb(d as T));
  return typeof off === 'function' ? off : () => {};
}

/** onFileDrop receives paths dropped on the window (native drag and drop). */
export function onFileDrop(cb: (paths: string[]) => void): () => void {
  const rt = window.runtime;
  if (!rt?.OnFileDrop) return () => {};
  rt.OnFileDrop((_x, _y, paths) => cb(paths), false);
  return () => rt.OnFileDropOff();
}

/** openExternal opens an http(s) link in the user's browser, never inside the app window. */
export function openExternal(url: string): void {
  if (!/^https?:\/\//i.test(url)) return;
  window.runtime?.BrowserOpenURL(url);
}

export function setNativeTheme(theme: 'light' | 'dark' | 'system'): void {
  const rt = window.runtime;
  if (theme === 'dark') rt?.WindowSetDarkTheme?.();
  else if (theme === 'light') rt?.WindowSetLightTheme?.();
  else rt?.WindowSetSystemDefaultTheme?.();
}

export interface SearchRequest {
  collection: string;
  query: string;
  k: number;
  mode: string;
}

const L = 'LibraryService';
export const library = {
  info: () => call<AppInfo>(L, 'Info'),
  collections: () => call<CollectionInfo[]>(L, 'Collections'),
  documents: (collection: string) => call<DocumentInfo[]>(L, 'Documents', collection),
  search: (req: SearchRequest) => call<SearchResult>(L, 'Search', req),
  preview: (chunkID: number) => call<Preview>(L, 'Preview', chunkID),
  /** addPaths starts indexing in the background and returns its run id; progress arrives as events. */
  addPaths: (collection: string, paths: string[]) => call<number>(L, 'AddPaths', collection, paths),
  reindex: (documentID: number) => call<number>(L, 'Reindex', documentID),
  /** reembed recomputes a collection's vectors as a background run (same events as addPaths). */
  reembed: (collection: string) => call<number>(L, 'Reembed', collection),
  cancelIndex: () => call<boolean>(L, 'CancelIndex'),
  removeDocument: (id: number) => call<void>(L, 'RemoveDocument', id),
  deleteCollection: (name: string) => call<void>(L, 'DeleteCollection', name),
  chooseFolder: () => call<string>(L, 'ChooseFolder'),
  chooseFiles: () => call<string[]>(L, 'ChooseFiles'),
  openDocument: (id: number) => call<void>(L, 'OpenDocument', id),
  watch: (collection: string, dir: string) => call<void>(L, 'Watch', collection, dir),
  watched: (collection: string) => call<{ collection: string; dir: string; active: boolean }[]>(L, 'Watched', collection),
  unwatch: (collection: string, dir: string) => call<void>(L, 'Unwatch', collection, dir),
};

export const events = {
  progress: 'library:progress',
  done: 'library:done',
  changed: 'library:changed',
  watchProblem: 'library:watch_problem',
  chat: 'chat:event',
};

export type { IndexDone, IndexProgress };

const S = 'SettingsService';
export const settings = {
  providers: () => call<ProviderInfo[]>(S, 'Providers'),
  /** setKey stores the key in the OS keychain; only the masked status comes back. */
  setKey: (provider: string, key: string) => call<KeyStatus>(S, 'SetKey', provider, key),
  deleteKey: (provider: string) => call<KeyStatus>(S, 'DeleteKey', provider),
  testKey: (provider: string) => call<KeyTestResult>(S, 'TestKey', provider),
  models: (provider: string) => call<ModelChoices>(S, 'Models', provider),
  updateProvider: (name: string, p: ProviderSettings) => call<ProviderInfo>(S, 'UpdateProvider', name, p),
  addProvider: (name: string, baseURL: string, model: string) => call<ProviderInfo>(S, 'AddProvider', name, baseURL, model),
  setDefaultProvider: (name: string) => call<void>(S, 'SetDefaultProvider', name),
  setTheme: (theme: string) => call<void>(S, 'SetTheme', theme),
  embedding: () => call<EmbeddingInfo>(S, 'Embedding'),
  setEmbedding: (backend: string, model: string, dims: number, baseURL: string) =>
    call<EmbeddingInfo>(S, 'SetEmbedding', backend, model, dims, baseURL),
  locations: () => call<Locations>(S, 'Locations'),
};

const C = 'ChatService';
export const chat = {
  available: () => has(C, 'Send'),
  threads: () => call<ChatThread[]>(C, 'Threads'),
  newThread: () => call<number>(C, 'NewThread'),
  messages: (chatID: number) => call<ChatMessage[]>(C, 'Messages', chatID),
  deleteThread: (chatID: number) => call<void>(C, 'DeleteThread', chatID),
  renameThread: (chatID: number, title: string) => call<void>(C, 'RenameThread', chatID, title),
  modes: () => call<ChatMode[]>(C, 'Modes'),
  /** send posts a message and returns a ticket; the run streams ChatEvents with it. */
  send: (chatID: number, req: { mode: string; text: string; collection: string; provider: string; model: string }) =>
    call<number>(C, 'Send', chatID, req),
  stop: (ticket: number) => call<boolean>(C, 'Stop', ticket),
  run: (runID: string) => call<RunSummary>(C, 'Run', runID),
  exportMarkdown: (runID: string) => call<string>(C, 'ExportMarkdown', runID),
  outbound: (runID: string) => call<OutboundRecord[]>(C, 'Outbound', runID),
};

/** copyText puts text on the clipboard through the native runtime when present. */
export async function copyText(text: string): Promise<void> {
  const rt = window.runtime as unknown as { ClipboardSetText?: (t: string) => Promise<boolean> } | undefined;
  if (rt?.ClipboardSetText) {
    await rt.ClipboardSetText(text);
    return;
  }
  await navigator.clipboard.writeText(text);
}

const P = 'ProtocolService';
export const protocols = {
  available: () => has(P, 'List'),
  list: () => call<{ protocols: ProtocolInfo[]; problems: ProtocolImportError[] }>(P, 'List'),
  importFile: (path: string) => call<{ imported: string[]; errors: ProtocolImportError[] }>(P, 'Import', path),
  chooseFile: () => call<string>(P, 'ChooseFile'),
};

