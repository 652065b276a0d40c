// Process measurement for the scale and fixed-cost benchmarks: run a command (optionally under
// /usr/bin/time -v for peak RSS) while sampling the anonymous and file-backed resident memory of
// the process and its children from /proc. RSS alone counts LMDB's memory-mapped index pages,
// which are page cache; DESIGN.md ("Performance shape") asks for anonymous memory apart.

import fs from 'node:fs';
import os from 'node:os';
import { spawn } from 'node:child_process';

export const TIME_BIN = '/usr/bin/time';
export const hasTime = () => fs.existsSync(TIME_BIN);
/** How often /proc is sampled while a command runs. */
const SAMPLE_MS = 20;

/** Pids of `pid` and all its descendants. */
function treePids(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks;
    try {
      tasks = fs.readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        const c = fs.readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').trim();
        if (c) for (const x of c.split(/\s+/)) out.push(Number(x));
      } catch {
        // the task ended between the two reads
      }
    }
  }
  return out;
}

/** RssAnon and RssFile (KiB) of one process, or undefined when it has gone. */
export function memOf(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const num = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
    return { anonKiB: num('RssAnon'), fileKiB: num('RssFile'), hwmKiB: num('VmHWM') };
  } catch {
    return undefined;
  }
}

/**
 * Run `cmd args` and resolve with stdout, stderr, wall seconds, and the peaks of RssAnon and RssFile
 * summed over the process tree (the /usr/bin/time wrapper itself is tiny and not a node process).
 * With `time: true` the command runs under /usr/bin/time -v and `maxRssKiB` is its peak RSS.
 */
export function runMeasured(cmd, args, { env = {}, time = hasTime(), cwd, allowFail = false } = {}) {
  return new Promise((resolve, reject) => {
    const argv = time ? [TIME_BIN, '-v', cmd, ...args] : [cmd, ...args];
    const started = performance.now();
    const c = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    let peakAnonKiB = 0;
    let peakFileKiB = 0;
    const sample = () => {
      let anon = 0;
      let file = 0;
      for (const pid of treePids(c.pid)) {
        const m = memOf(pid);
        if (m) {
          anon += m.anonKiB;
          file += m.fileKiB;
        }
      }
      peakAnonKiB = Math.max(peakAnonKiB, anon);
      peakFileKiB = Math.max(peakFileKiB, file);
    };
    const timer = setInterval(sample, SAMPLE_MS);
    c.on('error', reject);
    c.on('exit', (code) => {
      clearInterval(timer);
      const wallS = (performance.now() - started) / 1000;
      if (code !== 0 && !allowFail) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      resolve({ code, stdout, stderr, wallS, maxRssKiB: rss ? Number(rss[1]) : undefined, peakAnonKiB, peakFileKiB });
    });
  });
}

/** The JSON document a probe child prints as its last stdout line. */
export function lastJson(stdout) {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The machine, for report headers. */
export function machine() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? 'unknown CPU', cores: cpus.length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, os: `${os.type()} ${os.release()}` };
}

/** Replace the text between `<!-- name:begin -->` and `<!-- name:end -->` in a markdown file (created when missing). */
export function replaceSection(file, name, body, preamble = '') {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${begin}\n${body.trim()}\n${end}`;
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : preamble;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i >= 0 && j > i) text = text.slice(0, i) + block + text.slice(j + end.length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(file, text);
}

export const mib = (kib) => (kib === undefined ? '–' : (kib / 1024).toFixed(0));
