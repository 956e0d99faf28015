// make-sentences.js writes internal/embed/local/testdata/sentences.txt: 1000
// lines of 40 words of real English prose, taken in order from the Python
// tutorial and library-reference sources that Debian's python3.11-doc package
// installs (reStructuredText). Markup-only lines, directives and code samples
// are dropped. Run from tools/model: node make-sentences.js
'use strict';

const fs = require('fs');
const path = require('path');

const root = '/usr/share/doc/python3.11/html/_sources';
const dirs = ['tutorial', 'howto', 'faq', 'library'];
const want = 1000;
const perLine = 40;

function prose(file) {
  const out = [];
  let inCode = false;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const t = line.trim();
    if (t.endsWith('::')) { inCode = true; out.push(t.slice(0, -1)); continue; }
    if (inCode) {
      if (t === '' || /^\s/.test(line)) continue;
      inCode = false;
    }
    if (t === '' || t.startsWith('..') || t.startsWith('>>>') || t.startsWith('...') ||
        t.startsWith(':') || /^[=*`~^#+-]{3,}$/.test(t) || /^\s{3,}/.test(line)) continue;
    out.push(t.replace(/:[a-z]+:`~?([^`<]*?)(\s*<[^>]*>)?`/g, '$1').replace(/`+/g, '').replace(/\*\*?/g, ''));
  }
  return out.join(' ');
}

const words = [];
for (const d of dirs) {
  const files = fs.readdirSync(path.join(root, d)).filter((f) => f.endsWith('.rst.txt')).sort();
  for (const f of files) {
    words.push(...prose(path.join(root, d, f)).split(/\s+/).filter(Boolean));
    if (words.length >= want * perLine) break;
  }
  if (words.length >= want * perLine) break;
}
if (words.length < want * perLine) {
  throw new Error(`only ${words.length} words of prose found under ${root}`);
}
const lines = [];
for (let i = 0; i < want; i++) lines.push(words.slice(i * perLine, (i + 1) * perLine).join(' '));
const out = path.join(__dirname, '..', '..', 'internal', 'embed', 'local', 'testdata', 'sentences.txt');
fs.writeFileSync(out, lines.join('\n') + '\n');
console.log(`wrote ${lines.length} lines of ${perLine} words to ${out}`);
