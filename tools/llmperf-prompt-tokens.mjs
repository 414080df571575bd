// How many tokens the server saw for llmperf's prompts (physics/calibration-points.ts, LLMPERF_COUNTED).
//
// llmperf (github.com/ray-project/llmperf, src/llmperf/utils.py randomly_sample_sonnet_lines_prompt) builds a
// prompt from shuffled lines of its sonnet.txt until the Llama 2 tokenizer's count, taken a line at a time
// with a BOS token each, reaches the requested length; the last line is cut to the remaining count in
// characters. This replays that builder and counts the result with the Llama 3 tokenizer, plus the 15 tokens
// of the Llama 3 chat template with an empty system message (vLLM trims the content).
//
// Not part of the build or the tests (the tokenizers are not dependencies). To re-run:
//   npm i --no-save llama-tokenizer-js@1.2.2 llama3-tokenizer-js@1.2.0
//   node tools/llmperf-prompt-tokens.mjs path/to/llmperf/src/llmperf/sonnet.txt [mean] [stddev] [maxTokens]
// Measured 2026-12-02 on llmperf's sonnet.txt (84 lines: Sonnets 18, 6, 100, 22, 52 and 59), mean 550,
// stddev 0, max_tokens 150: 444.0 served tokens per prompt.
import { readFileSync } from 'node:fs';
import llama2 from 'llama-tokenizer-js';
import llama3 from 'llama3-tokenizer-js';

const [path, meanArg = '550', sdArg = '0', outArg = '150'] = process.argv.slice(2);
if (!path) {
  console.error('usage: node tools/llmperf-prompt-tokens.mjs SONNET.TXT [mean] [stddev] [maxTokens]');
  process.exit(2);
}
const lines = readFileSync(path, 'utf8').split(/(?<=\n)/);
const counted = (s) => llama2.encode(s, true, true).length; // HF LlamaTokenizerFast.encode: BOS + leading space
const served = (s) => llama3.encode(s, { bos: false, eos: false }).length;
const TEMPLATE_TOKENS = 15;

// A seeded generator: the mean over many prompts is what matters, not Python's exact draws.
let seed = 12345;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const gauss = (m, s) => m + s * Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
const positive = (m, s) => {
  let r = -1;
  while (r <= 0) r = Math.trunc(gauss(m, s));
  return r;
};

const mean = Number(meanArg);
const sd = Number(sdArg);
const N = 2000;
let sumCounted = 0;
let sumServed = 0;
for (let i = 0; i < N; i++) {
  let prompt = `Randomly stream lines from the following text with ${outArg} output tokens. Don't generate eos tokens:\n\n`;
  let n = positive(mean, sd);
  while (n < counted(prompt)) n = positive(mean, sd);
  let rest = n - counted(prompt);
  const shuffled = [...lines];
  for (let j = shuffled.length - 1; j > 0; j--) {
    const k = Math.floor(rnd() * (j + 1));
    [shuffled[j], shuffled[k]] = [shuffled[k], shuffled[j]];
  }
  let going = true;
  while (going) {
    for (const line of shuffled) {
      if (rest - counted(line) < 0) {
        prompt += line.slice(0, Math.ceil(rest));
        going = false;
        break;
      }
      prompt += line;
      rest -= counted(line);
    }
  }
  sumCounted += n;
  sumServed += served(prompt.trim()) + TEMPLATE_TOKENS;
}
console.log(
  `llmperf-counted ${(sumCounted / N).toFixed(1)} tokens → served ${(sumServed / N).toFixed(1)} (ratio ${(sumServed / sumCounted).toFixed(3)})`,
);
