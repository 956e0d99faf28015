// When a collection needs its vectors recomputed, and how to ask first.
import type { AppInfo, CollectionInfo } from './types';

/**
 * needsReembed reports whether a collection's vectors were made by another
 * embedder than the configured one. Until it is re-embedded its new files
 * get keyword search only. A collection with no vectors yet (embedder_id "")
 * is not out of step: the next run binds it to the configured embedder.
 */
export function needsReembed(c: CollectionInfo | null, info: AppInfo | null): boolean {
  if (!c || !info || !info.embedder_id || !c.embedder_id) return false;
  return c.embedder_id !== info.embedder_id;
}

/** canReembed reports whether a collection has passages to embed at all. */
export function canReembed(c: CollectionInfo | null): boolean {
  return !!c && c.chunks > 0;
}

/** embedderName is the configured model as a person reads it. */
export function embedderName(info: AppInfo | null): string {
  if (!info) return 'the configured embedder';
  return info.embedding_model ? `${info.embedding_model} (${info.embedding_backend})` : info.embedding_backend;
}

/** reembedQuestion is the confirmation asked before re-embedding. */
export function reembedQuestion(collection: string, info: AppInfo | null): string {
  return `Recompute all vectors of ${collection} with ${embedderName(info)}? Keyword search keeps working meanwhile.`;
}
