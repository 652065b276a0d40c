// Smaller restore items: `dump <id>:<dir> <file>` takes the sub-tree selector that restore and ls
// take (issue 12); `restore --json` says `"verified": false` without --verify (issue 12); the helpers
// restore spawns (mkfifo, mknod) get no password or credential variables (issue 15, item 12).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Sandbox } from './helpers.js';

describe('restore and dump, smaller items', () => {
  const sb = new Sandbox();
  const src = sb.path('src');
  beforeAll(() => {
    sb.init();
    mkdirSync(path.join(src, 'sub'), { recursive: true });
    writeFileSync(path.join(src, 'sub', 'note.txt'), 'inside sub');
    expect(spawnSync('mkfifo', [path.join(src, 'pipe')]).status).toBe(0);
    sb.ok(['create', src]);
  });
  afterAll(() => sb.cleanup());

  it('dump <id>:<dir> <file> reads the file inside that directory', () => {
    const want = 'inside sub';
    expect(sb.ok(['dump', `latest:${src}/sub`, 'note.txt']).stdout).toBe(want);
    expect(sb.ok(['dump', `latest:${src}`, '/sub/note.txt']).stdout).toBe(want);
    expect(sb.ok(['dump', 'latest', `${src}/sub/note.txt`]).stdout).toBe(want);
    const r = sb.run(['dump', `latest:${src}/sub`, 'nope.txt']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no ${src}/sub/nope.txt`);
  });

  it('restore --json without --verify says verified: false', () => {
    const doc = sb.json(['restore', 'latest', sb.path('out-json')]);
    expect(doc.verified).toBe(false);
    expect(doc.failed_files).toEqual([]);
  });

  it('--delete into an existing tree leaves the files still being written alone (600 files, batches in flight)', () => {
    const many = sb.path('many');
    mkdirSync(many);
    for (let i = 0; i < 600; i++) writeFileSync(path.join(many, `f${i}`), `file ${i}`);
    sb.ok(['create', many]);
    const out = sb.path('out-delete');
    sb.ok(['restore', 'latest', out]);
    writeFileSync(path.join(out, many, 'extra'), 'not in the snapshot');
    const doc = sb.json(['restore', 'latest', out, '--delete']);
    expect(doc.files).toBe(600);
    expect(readdirSync(path.join(out, many)).sort()).toEqual(readdirSync(many).sort());
  });

  it('mkfifo is run without the password and credential variables', () => {
    const bin = sb.path('fakebin');
    const envDump = sb.path('helper-env.txt');
    mkdirSync(bin);
    const real = spawnSync('sh', ['-c', 'command -v mkfifo']).stdout.toString().trim();
    writeFileSync(path.join(bin, 'mkfifo'), `#!/bin/sh\nenv > '${envDump}'\nexec '${real}' "$@"\n`);
    chmodSync(path.join(bin, 'mkfifo'), 0o755);
    const out = sb.path('out-env');
    sb.ok(['restore', 'latest', out, '--path', src], {
      env: { PATH: `${bin}:${process.env.PATH}`, SNAP_NEW_PASSWORD: 'new-secret', SNAP_TO_PASSWORD: 'to-secret', AWS_SECRET_ACCESS_KEY: 'aws-secret' },
    });
    expect(lstatSync(path.join(out, src, 'pipe')).isFIFO()).toBe(true);
    const env = readFileSync(envDump, 'utf8');
    expect(env).toMatch(/^PATH=/m);
    for (const leaked of [sb.password!, 'new-secret', 'to-secret', 'aws-secret', 'SNAP_']) expect(env).not.toContain(leaked);
  });
});
