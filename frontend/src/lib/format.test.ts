import { describe, expect, it } from 'vitest';
import { fileName, formatBytes, formatDuration, formatETA, percent, plural, relativeTime } from './format';

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [44.6, '45 s'],
    [65, '1 min 05 s'],
    [3599, '59 min 59 s'],
    [3720, '1 h 02 min'],
    [-1, ''],
    [Number.NaN, ''],
  ])('%s -> %s', (s, want) => expect(formatDuration(s)).toBe(want));
});

describe('formatETA', () => {
  it('says when the time is unknown', () => expect(formatETA(-1)).toBe('estimating time left…'));
  it('renders a known time', () => expect(formatETA(90)).toBe('about 1 min 30 s left'));
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KB'],
    [12 * 1024 * 1024, '12 MB'],
    [3 * 1024 ** 3, '3.0 GB'],
  ])('%s -> %s', (n, want) => expect(formatBytes(n)).toBe(want));
});

describe('percent', () => {
  it.each([
    [0, 0, 0],
    [1, 3, 33],
    [3, 3, 100],
    [5, 3, 100],
    [-1, 3, 0],
  ])('%s/%s -> %s', (d, t, want) => expect(percent(d, t)).toBe(want));
});

describe('plural', () => {
  it('picks the noun', () => {
    expect(plural(1, 'file')).toBe('1 file');
    expect(plural(1200, 'file')).toBe('1,200 files');
    expect(plural(2, 'match', 'matches')).toBe('2 matches');
  });
});

describe('relativeTime', () => {
  const now = 1_700_000_000_000;
  it.each([
    [now / 1000 - 10, 'just now'],
    [now / 1000 - 300, '5 min ago'],
    [now / 1000 - 7200, '2 h ago'],
    [now / 1000 - 86400, 'yesterday'],
    [now / 1000 - 3 * 86400, '3 days ago'],
    [0, ''],
  ])('%s -> %s', (t, want) => expect(relativeTime(t, now)).toBe(want));
});

describe('fileName', () => {
  it('handles both separators', () => {
    expect(fileName('/home/a/notes.md')).toBe('notes.md');
    expect(fileName('C:\\docs\\report.pdf')).toBe('report.pdf');
    expect(fileName('plain')).toBe('plain');
  });
});
