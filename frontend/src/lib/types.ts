// Types of the values the Go services in app/ send to the UI. Field names are
// the JSON tags of the DTOs in app/dto.go; keep both in step.

export interface CollectionInfo {
  name: string;
  documents: number;
  failed: number;
  chunks: number;
  embedded: number;
  embedder_id: string;
  dim: number;
}

export type DocStatus = 'indexed' | 'embedding' | 'failed';

export interface DocumentInfo {
  id: number;
  collection: string;
  path: string;
  name: string;
  dir: string;
  title: string;
  format: string;
  size: number;
  status: DocStatus;
  embed_percent: number;
  error: string;
  chunks: number;
  embedded: number;
  indexed_at: number; // unix seconds
}

export interface SearchHit {
  chunk_id: number;
  document_id: number;
  path: string;
  name: string;
  title: string;
  page: number | null;
  heading: string;
  score: number;
  snippet: string;
  /** [start, end) offsets in runes (Unicode code points) into snippet. */
  highlights: [number, number][];
}

export interface SearchResult {
  query: string;
  mode: string;
  notice: string;
  elapsed_ms: number;
  results: SearchHit[];
}

export interface ChunkText {
  id: number;
  ordinal: number;
  text: string;
  page: number;
  heading: string;
}

export interface Preview {
  document_id: number;
  path: string;
  name: string;
  title: string;
  page: number | null;
  heading: string;
  chunk: ChunkText;
  before: ChunkText[];
  after: ChunkText[];
}

export interface FileEvent {
  path: string;
  status: string; // indexed | unchanged | failed | removed
  error: string;
}

export interface IndexProgress {
  run_id: number;
  collection: string;
  phase: string; // scan | text | embed | done
  files_total: number;
  files_done: number;
  chunks_total: number;
  chunks_embedded: number;
  current_file: string;
  rate: number;
  eta_seconds: number;
  elapsed_seconds: number;
  percent: number;
  files: FileEvent[];
  dropped_files: number;
}

export interface IndexDone {
  run_id: number;
  collection: string;
  indexed: number;
  unchanged: number;
  removed: number;
  failed: { path: string; reason: string }[];
  chunks: number;
  embedded: number;
  embed_pending: number;
  embed_error: string;
  cancelled: boolean;
  elapsed_seconds: number;
  error: string;
}

export interface AppInfo {
  version: string;
  data_dir: string;
  config_file: string;
  embedding_backend: string;
  embedding_model: string;
  /** The configured embedder as collections record theirs: "backend:model@dims". */
  embedder_id: string;
  remote_embedding: boolean;
  theme: string;
  indexing: boolean;
}

export interface KeyStatus {
  provider: string;
  set: boolean;
  source: 'keychain' | 'environment' | 'none';
  env_var?: string;
  masked?: string;
  error?: string;
}

export interface ProviderInfo {
  name: string;
  kind: string;
  base_url: string;
  model: string;
  temperature: number;
  enabled: boolean;
  default: boolean;
  needs_key: boolean;
  key: KeyStatus;
}

export interface KeyTestResult {
  ok: boolean;
  message: string;
  models: string[];
}

/** ProviderSettings are the provider fields Settings edits (core.ProviderSettings). */
export interface ProviderSettings {
  enabled: boolean;
  base_url: string;
  model: string;
  temperature: number;
}

/** ModelChoices fills a model picker, or says why the provider could not be asked. */
export interface ModelChoices {
  reachable: boolean;
  models: string[];
  reason: string;
}

export interface EmbeddingInfo {
  backend: string;
  model: string;
  dimensions: number;
  base_url: string;
  ollama_url: string;
  remote: boolean;
  reembed: string[];
  reembed_hint: string;
}

export interface Locations {
  data_dir: string;
  database: string;
  config_file: string;
  config_saved: boolean;
}

export interface ProtocolInfo {
  id: string;
  kind: string; // thinktool | profile
  name: string;
  description: string;
  builtin: boolean;
  inputs: { name: string; description: string; required: boolean }[];
  steps: string[];
  file: string;
  source: string; // the TOML text
}

export interface ProtocolImportError {
  file: string;
  line: number;
  field: string;
  message: string;
}

export interface ChatThread {
  id: number;
  title: string;
  created_at: string;
  updated_at: string;
  messages: number;
  preview: string;
}

export interface ChatMessage {
  id: number;
  chat_id: number;
  role: 'user' | 'assistant';
  content: string;
  mode: string;
  collection: string;
  run_id: string;
  run_status: string;
  created_at: string;
}

export interface ChatMode {
  id: string;
  label: string;
  description: string;
}

export interface StepView {
  seq: number;
  protocol: string;
  id: string;
  status: string;
  confidence: number | null;
  band: string;
  output: string;
  error?: string;
}

export interface Citation {
  source: string; // "S1"
  path: string;
  page?: number;
  heading?: string;
  chunk_id: number;
}

export interface RunSummary {
  run_id: string;
  status: string;
  error?: string;
  answer: string;
  confidence: number | null;
  band: string;
  citations: Citation[];
  steps: StepView[];
}

export interface ChatEvent {
  ticket: number;
  chat_id: number;
  run_id: string;
  kind: string; // run_started | step_started | delta | step_finished | link_skipped | run_finished | finished | error
  step?: StepView;
  text?: string;
  run?: RunSummary;
  error?: string;
}

export interface OutboundRecord {
  id: number;
  time: string;
  provider: string;
  host: string;
  purpose: string;
  bytes: number;
  body: string;
  status: number;
  error?: string;
  run_id?: string;
}
