import { describe, expect, it } from 'vitest';
import { segments, termRanges } from './highlight';

describe('segments', () => {
  const cases: { name: string; text: string; hl: [number, number][]; want: [string, boolean][] }[] = [
    { name: 'no highlights', text: 'plain text', hl: [], want: [['plain text', false]] },
    { name: 'middle', text: 'the notice period', hl: [[4, 10]], want: [['the ', false], ['notice', true], [' period', false]] },
    { name: 'start and end', text: 'ab cd', hl: [[0, 2], [3, 5]], want: [['ab', true], [' ', false], ['cd', true]] },
    { name: 'unsorted and overlapping merge', text: 'abcdef', hl: [[3, 5], [1, 4]], want: [['a', false], ['bcde', true], ['f', false]] },
    { name: 'out of range is clamped', text: 'abc', hl: [[-3, 1], [2, 99]], want: [['a', true], ['b', false], ['c', true]] },
    { name: 'empty range ignored', text: 'abc', hl: [[1, 1]], want: [['abc', false]] },
    // Offsets count code points: the emoji is one rune but two UTF-16 units.
    { name: 'astral characters', text: '😀 café naïve', hl: [[2, 6]], want: [['😀 ', false], ['café', true], [' naïve', false]] },
    { name: 'empty text', text: '', hl: [[0, 3]], want: [['', false]] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(segments(c.text, c.hl).map((s) => [s.text, s.mark])).toEqual(c.want);
    });
  }

  it('keeps markup as text', () => {
    const segs = segments('<img src=x onerror=alert(1)> ok', [[0, 4]]);
    expect(segs.map((s) => s.text).join('')).toBe('<img src=x onerror=alert(1)> ok');
  });

  it('accepts null highlights', () => {
    expect(segments('x', null)).toEqual([{ text: 'x', mark: false }]);
  });
});

describe('termRanges', () => {
  it('finds every query word case-insensitively', () => {
    expect(termRanges('Notice: the notice period', 'notice PERIOD')).toEqual([[0, 6], [12, 18], [19, 25]]);
  });
  it('counts code points', () => {
    expect(termRanges('😀 Über alles', 'über')).toEqual([[2, 6]]);
  });
  it('ignores one-letter words and punctuation', () => {
    expect(termRanges('a b c', 'a ! b')).toEqual([]);
  });
});
