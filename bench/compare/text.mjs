// Realistic-ish generated text: pseudo-words with a Zipf-like frequency, numbers and ids, so that
// zstd -3 compresses it about 3-5x (like real corpora), not 100x like repeated filler.
import { Rng } from './prng.mjs';

const ONSETS = ['', 'b', 'c', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'z',
  'br', 'cl', 'cr', 'dr', 'fl', 'gr', 'pl', 'pr', 'sh', 'st', 'str', 'th', 'tr', 'ch', 'sp', 'sk'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ee', 'io', 'ou', 'oa', 'y'];
const CODAS = ['', '', '', 'n', 'r', 's', 't', 'l', 'm', 'nd', 'st', 'ng', 'ck', 'rt', 'x'];

export class TextGen {
  constructor(seed, vocabSize = 6000) {
    const r = new Rng(`vocab:${seed}`);
    const words = new Set();
    while (words.size < vocabSize) {
      const syl = 1 + Math.floor(r.float() * r.float() * 4);
      let w = '';
      for (let i = 0; i < syl; i++) w += r.pick(ONSETS) + r.pick(VOWELS) + r.pick(CODAS);
      if (w.length >= 2) words.add(w);
    }
    // Shorter words first: they become the frequent ones, as in natural language.
    this.vocab = [...words].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
    // A bank of recurring phrases (n-grams): real text repeats phrases, which is what LZ finds.
    this.phrases = [];
    for (let i = 0; i < 4000; i++) {
      const n = 2 + Math.floor(r.float() * 6);
      const ws = [];
      for (let j = 0; j < n; j++) ws.push(this.word(r));
      this.phrases.push(ws.join(' '));
    }
    // Recurring statements, as in real code (boilerplate, common calls).
    this.stmts = [];
    for (let i = 0; i < 2000; i++) {
      this.stmts.push(r.float() < 0.5
        ? `${this.vocab[i % 700]}.${this.vocab[(i * 7) % 900]}(${this.vocab[(i * 13) % 500]}, ${i % 97});`
        : `if (!${this.vocab[(i * 3) % 600]}) throw new Error('${this.vocab[(i * 11) % 1000]} ${this.vocab[(i * 5) % 800]} failed');`);
    }
    this.tags = ['news', 'forum', 'wiki', 'code', 'paper', 'book', 'chat', 'legal', 'patent', 'review'];
    this.langs = ['en', 'en', 'en', 'de', 'fr', 'es', 'it', 'nl', 'pt', 'sv'];
  }
  word(r) {
    const u = r.float();
    return this.vocab[Math.floor(this.vocab.length * u * u * u * u)];
  }
  sentence(r) {
    const n = 3 + Math.floor(r.float() * 8);
    const parts = new Array(n);
    for (let i = 0; i < n; i++) {
      const x = r.float();
      if (x < 0.02) parts[i] = String(Math.floor(r.float() * 100000));
      else if (x < 0.027) parts[i] = (r.float() * 1000).toFixed(2);
      else if (x < 0.03) parts[i] = `#${r.hex(6)}`;
      else if (x < 0.6) { const u = r.float(); parts[i] = this.phrases[Math.floor(this.phrases.length * u * u)]; }
      else parts[i] = this.word(r);
    }
    let s = parts.join(' ');
    s = s[0].toUpperCase() + s.slice(1);
    const e = r.float();
    return s + (e < 0.8 ? '.' : e < 0.9 ? '?' : '!');
  }
  paragraph(r, nSent) {
    const out = new Array(nSent);
    for (let i = 0; i < nSent; i++) out[i] = this.sentence(r);
    return out.join(' ');
  }
  /** one JSONL record (with trailing newline) */
  record(r, serial) {
    const text = this.paragraph(r, 2 + Math.floor(r.float() * 10));
    const doc = {
      id: `${r.hex(16)}`,
      serial,
      source: r.pick(this.tags),
      lang: r.pick(this.langs),
      url: `https://${this.word(r)}.${r.pick(['com', 'org', 'net', 'io', 'de'])}/${this.word(r)}/${Math.floor(r.float() * 1e6)}`,
      tokens: Math.floor(text.length / 4.2),
      quality: Number(r.float().toFixed(4)),
      text,
    };
    return JSON.stringify(doc) + '\n';
  }
  /** JSONL of about `bytes` bytes */
  jsonl(r, bytes, serialStart = 0) {
    const parts = [];
    let n = 0;
    let serial = serialStart;
    while (n < bytes) {
      const rec = this.record(r, serial++);
      parts.push(rec);
      n += rec.length;
    }
    return Buffer.from(parts.join(''), 'latin1');
  }
  ident(r) {
    const u = r.float();
    return this.vocab[Math.floor(800 * u * u)];
  }
  /** a source-code-like file of about `bytes` bytes */
  code(r, bytes) {
    const lines = [];
    let n = 0;
    let depth = 0;
    while (n < bytes) {
      const x = r.float();
      let line;
      if (x < 0.06 && depth < 4) { line = `${'  '.repeat(depth)}function ${this.ident(r)}_${this.ident(r)}(${this.ident(r)}, ${this.ident(r)}) {`; depth++; }
      else if (x < 0.12 && depth > 0) { depth--; line = `${'  '.repeat(depth)}}`; }
      else if (x < 0.2) line = `${'  '.repeat(depth)}// ${this.sentence(r)}`;
      else if (x < 0.28) line = `${'  '.repeat(depth)}if (${this.ident(r)} ${r.pick(['<', '>', '===', '!=='])} ${Math.floor(r.float() * 1000)}) return ${this.ident(r)};`;
      else if (x < 0.3) line = '';
      else if (x < 0.75) { const u = r.float(); line = '  '.repeat(depth) + this.stmts[Math.floor(this.stmts.length * u * u)]; }
      else line = `${'  '.repeat(depth)}const ${this.ident(r)} = ${this.ident(r)}.${this.ident(r)}(${this.ident(r)}, ${Math.floor(r.float() * 64)});`;
      lines.push(line);
      n += line.length + 1;
    }
    while (depth > 0) { depth--; lines.push(`${'  '.repeat(depth)}}`); }
    return Buffer.from(lines.join('\n') + '\n', 'latin1');
  }
}
