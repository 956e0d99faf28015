// Small formatting helpers for numbers people read.

/** formatDuration renders seconds as "45 s", "3 min 05 s" or "1 h 02 min"; "" for unknown (< 0 or NaN). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** formatETA says how long is left, or that it is still being estimated. */
export function formatETA(seconds: number): string {
  const d = formatDuration(seconds);
  return d ? `about ${d} left` : 'estimating time left…';
}

/** formatBytes renders a size with binary units: 512 B, 1.5 KB, 12 MB. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** formatCount renders 1234567 as "1,234,567". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** percent returns done/total as a whole percentage in [0, 100]; 0 when total is 0. */
export function percent(done: number, total: number): number {
  if (!total || total <= 0) return 0;
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)));
}

/** plural picks the singular or plural noun for n. */
export function plural(n: number, one: string, many = one + 's'): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** relativeTime renders a unix time relative to now: "just now", "5 min ago", "3 days ago". */
export function relativeTime(unixSeconds: number, nowMs = Date.now()): string {
  if (!unixSeconds) return '';
  const diff = Math.max(0, Math.round(nowMs / 1000 - unixSeconds));
  if (diff < 45) return 'just now';
  if (diff < 3600) return `${Math.max(1, Math.round(diff / 60))} min ago`;
  if (diff < 86400) return `${Math.round(diff / 3600)} h ago`;
  const days = Math.round(diff / 86400);
  return days === 1 ? 'yesterday' : `${days} days ago`;
}

/** fileName returns the last path element of a / or \ separated path. */
export function fileName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}
