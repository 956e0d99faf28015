import { describe, expect, it } from 'vitest';
import { linkCitations, renderMarkdown } from './markdown';

function dom(html: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = html;
  return div;
}

describe('renderMarkdown', () => {
  it('renders ordinary Markdown', () => {
    const d = dom(renderMarkdown('# Title\n\nSome **bold** and `code`.\n\n- one\n- two'));
    expect(d.querySelector('h1')?.textContent).toBe('Title');
    expect(d.querySelector('strong')?.textContent).toBe('bold');
    expect(d.querySelectorAll('li')).toHaveLength(2);
  });

  it('shows raw HTML as text instead of running it', () => {
    const d = dom(renderMarkdown('Hello <script>alert(1)</script> <b onclick="x()">b</b>\n\n<div onmouseover="x()">block</div>'));
    expect(d.querySelector('script')).toBeNull();
    expect(d.querySelector('b')).toBeNull();
    expect(d.querySelector('div')).toBeNull();
    expect(d.textContent).toContain('<script>alert(1)</script>');
  });

  it('never loads images, remote or local', () => {
    const d = dom(renderMarkdown('![tracker](https://example.invalid/p.png) ![local](file:///etc/passwd)'));
    expect(d.querySelector('img')).toBeNull();
    expect(d.textContent).toContain('[image: tracker]');
  });

  it('drops dangerous link targets and keeps web links', () => {
    const d = dom(renderMarkdown('[a](javascript:alert(1)) [b](https://example.org/x) [c](file:///etc/passwd) [d](data:text/html,hi)'));
    const links = [...d.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual([null, 'https://example.org/x', null, null]);
  });

  it('turns citations into source links, but not inside code', () => {
    const d = dom(renderMarkdown('Notice is 30 days [S1][S2]. Use `[S3]` literally.'));
    const cites = [...d.querySelectorAll('a.cite')];
    expect(cites.map((a) => a.getAttribute('data-cite'))).toEqual(['1', '2']);
    expect(d.querySelector('code')?.textContent).toBe('[S3]');
  });
});

describe('linkCitations', () => {
  it('leaves existing links and fenced code alone', () => {
    expect(linkCitations('[S1](http://x) [S2]\n```\n[S4]\n```')).toBe('[S1](http://x) [S2](#cite-2)\n```\n[S4]\n```');
  });
});
