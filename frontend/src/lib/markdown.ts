// Rendering model output (Markdown) safely. Raw HTML in the source is shown
// as text, images are never loaded (their alt text is shown instead), and the
// result is passed through DOMPurify with a short allow-list. Citation marks
// like [S1] become in-page links (#cite-1) the chat view turns into source
// previews.
import { Marked, type Tokens } from 'marked';
import DOMPurify from 'dompurify';

const ALLOWED_TAGS = [
  'p', 'br', 'hr', 'em', 'strong', 'del', 'code', 'pre', 'blockquote',
  'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'a', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'span',
];
const ALLOWED_ATTR = ['href', 'title', 'class', 'start', 'data-cite'];

function escapeHTML(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    // Raw HTML blocks and inline tags are displayed, never interpreted.
    html(token: Tokens.HTML | Tokens.Tag): string {
      return escapeHTML(token.text);
    },
    // No image is ever fetched: show the alt text.
    image(token: Tokens.Image): string {
      return `<span class="md-image">[image: ${escapeHTML(token.text || token.href)}]</span>`;
    },
  },
});

let hooked = false;
function hookPurify() {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A') {
      const href = node.getAttribute('href') ?? '';
      if (/^#cite-\d+$/.test(href)) {
        node.setAttribute('data-cite', href.slice(6));
        node.setAttribute('class', 'cite');
      } else if (!/^(https?:|mailto:)/i.test(href)) {
        node.removeAttribute('href');
      }
    }
  });
}

/** linkCitations turns [S3] (outside code) into Markdown links to #cite-3. */
export function linkCitations(md: string): string {
  const parts = md.split(/(```[\s\S]*?```|`[^`\n]*`)/);
  return parts
    .map((p, i) => (i % 2 === 1 ? p : p.replace(/\[S(\d{1,3})\](?!\()/g, '[S$1](#cite-$1)')))
    .join('');
}

/** renderMarkdown returns sanitised HTML for model output. */
export function renderMarkdown(md: string): string {
  hookPurify();
  const html = marked.parse(linkCitations(md ?? ''), { async: false }) as string;
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#cite-\d+$)/i,
  });
}
