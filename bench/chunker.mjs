// The cut loop alone, in CPU seconds (process.cpuUsage, user + sys, so a loaded machine does not
// skew it): `node bench/chunker.mjs FILE... [--old-js DIST]`. Per file, each way, back to back:
//  - wasm copied:   FastCDC2020Wasm.chunks() of a Buffer (the input is copied in 64 KiB blocks)
//  - wasm in place: the input already in the chunker's WebAssembly memory (what chunkFile does)
//  - js reference:  FastCDC2020, the full-hash JavaScript oracle (with --reference)
//  - old js fast:   FastCDC2020Fast of an older build's dist/ (--old-js /path/to/dist), for comparison
// All ways must agree on every cut (checked). The file is read whole first (≤ 2 GiB).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { DEFAULT_CHUNKER_PARAMS, FastCDC2020, FastCDC2020Wasm, STANDARD_GEAR } from '../dist/chunker/index.js';

const args = process.argv.slice(2);
const files = [];
let oldJs;
let reference = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--old-js') oldJs = args[++i];
  else if (args[i] === '--reference') reference = true;
  else files.push(args[i]);
}
const params = DEFAULT_CHUNKER_PARAMS;
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const ways = [];
ways.push(['wasm copied', () => { const c = new FastCDC2020Wasm(params, STANDARD_GEAR); return (data) => c.chunks(data); }]);
ways.push(['wasm in place', (data) => {
  const c = new FastCDC2020Wasm(params, STANDARD_GEAR, data.length);
  c.region.set(data); // outside the timing: a reader reads into region directly
  return () => c.chunks(c.region);
}]);
if (reference) ways.push(['js reference', () => { const c = new FastCDC2020(params, STANDARD_GEAR); return (data) => c.chunks(data); }]);
if (oldJs) {
  const old = await import(pathToFileURL(`${oldJs}/chunker/index.js`).href);
  ways.push(['old js fast', () => { const c = new old.FastCDC2020Fast(params, old.STANDARD_GEAR); return (data) => c.chunks(data); }]);
}
for (const file of files) {
  const data = readFileSync(file);
  let expected;
  for (const [name, make] of ways) {
    const run = make(data);
    const t0 = cpu();
    const spans = run(data);
    const seconds = cpu() - t0;
    const ends = spans.map((s) => s.offset + s.length).join(',');
    if (expected === undefined) expected = ends;
    else if (ends !== expected) throw new Error(`${name} cuts differently on ${file}`);
    console.log(`${file}\t${name}\t${spans.length} chunks\t${seconds.toFixed(3)} CPU-s\t${(data.length / 1e6 / seconds).toFixed(0)} MB/s`);
  }
}
