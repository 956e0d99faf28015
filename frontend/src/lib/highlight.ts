// Turning a snippet plus highlight offsets into plain-text segments. The UI
// renders each segment as a text node (inside <mark> when highlighted), so
// document text is never interpreted as HTML.

export interface Segment {
  text: string;
  mark: boolean;
}

/**
 * segments splits text at the [start, end) highlight ranges, which count
 * Unicode code points (Go runes), not UTF-16 units. Ranges may arrive
 * unsorted, overlapping or out of bounds; they are clamped and merged.
 */
export function segments(text: string, highlights: readonly (readonly [number, number])[] | null | undefined): Segment[] {
  const runes = Array.from(text);
  const n = runes.length;
  const ranges = (highlights ?? [])
    .map(([s, e]) => [Math.max(0, Math.min(n, Math.floor(s))), Math.max(0, Math.min(n, Math.floor(e)))] as [number, number])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  const out: Segment[] = [];
  let pos = 0;
  for (const [s, e] of merged) {
    if (s > pos) out.push({ text: runes.slice(pos, s).join(''), mark: false });
    out.push({ text: runes.slice(s, e).join(''), mark: true });
    pos = e;
  }
  if (pos < n || out.length === 0) out.push({ text: runes.slice(pos).join(''), mark: false });
  return out;
}

/**
 * termRanges finds the query's words inside text (case-insensitive, whole
 * code points), for highlighting a preview where the server sent no offsets.
 * Offsets are in code points, like the server's.
 */
export function termRanges(text: string, query: string): [number, number][] {
  const terms = Array.from(new Set(query.toLowerCase().split(/[^\p{L}\p{N}_]+/u).filter((t) => t.length >= 2)));
  if (terms.length === 0) return [];
  const lower = Array.from(text.toLowerCase());
  const orig = Array.from(text);
  // toLowerCase can change length for a few characters; fall back to no highlight then.
  if (lower.length !== orig.length) return [];
  const hay = lower;
  const out: [number, number][] = [];
  for (const term of terms) {
    const t = Array.from(term);
    for (let i = 0; i + t.length <= hay.length; i++) {
      let ok = true;
      for (let j = 0; j < t.length; j++) {
        if (hay[i + j] !== t[j]) {
          ok = false;
          break;
        }
      }
      if (ok) {
        out.push([i, i + t.length]);
        i += t.length - 1;
      }
    }
  }
  return out.sort((a, b) => a[0] - b[0]);
}
