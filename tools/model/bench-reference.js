// bench-reference.js measures the reference TF.js runtime on this machine:
// model load time, sentences/s over a file of lines (embedded in batches of
// 32, as an indexer would), single short query latency and peak RSS.
// Usage: node bench-reference.js [sentences.txt]  (default: the Go test data)
'use strict';

const fs = require('fs');
const path = require('path');
const { load } = require('./reference');

const file = process.argv[2] ||
  path.join(__dirname, '..', '..', 'internal', 'embed', 'local', 'testdata', 'sentences.txt');

async function main() {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  let t = process.hrtime.bigint();
  const model = await load();
  const loadMs = Number(process.hrtime.bigint() - t) / 1e6;

  await model.embed(lines.slice(0, 8)); // warm up
  t = process.hrtime.bigint();
  for (let i = 0; i < lines.length; i += 32) {
    await model.embed(lines.slice(i, i + 32));
  }
  const secs = Number(process.hrtime.bigint() - t) / 1e9;

  const lat = [];
  for (let i = 0; i < 20; i++) {
    t = process.hrtime.bigint();
    await model.embed(['how do I read a file line by line?']);
    lat.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  lat.sort((a, b) => a - b);
  const res = {
    runtime: 'tfjs (@energetic-ai/core, ' + require('@energetic-ai/core').getBackend() + ' backend)',
    sentences: lines.length,
    seconds: +secs.toFixed(2),
    sentencesPerSec: +(lines.length / secs).toFixed(1),
    queryMsMedian: +lat[10].toFixed(2),
    loadMs: +loadMs.toFixed(0),
    peakRssMB: +(process.resourceUsage().maxRSS / 1024).toFixed(0),
  };
  console.log(JSON.stringify(res));
}

main().catch((e) => { console.error(e); process.exit(1); });
