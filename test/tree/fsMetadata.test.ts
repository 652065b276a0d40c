import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import {
  applyMetadata, createSpecial, devMajorMinor, entryFromStat, EntryType, readXattrs, UserGroupNames, utimeArg, type TreeEntry,
} from '../../src/tree/index.js';

const B = (s: string | number[]): Buffer => (typeof s === 'string' ? Buffer.from(s) : Buffer.from(s));
const join = (...parts: Buffer[]): Buffer => Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [B('/'), p])));
const isRoot = process.getuid?.() === 0;

let root: Buffer;
const lstat = (p: Buffer) => fs.lstatSync(p, { bigint: true });
const entry = (name: Buffer, names?: UserGroupNames) => entryFromStat(name, lstat(join(root, name)), names);

/** Whether this filesystem takes user.* xattrs (tmpfs before 6.6 and some overlays do not). */
function userXattrsWork(p: Buffer): boolean {
  try {
    setAttributeSync(p.toString(), 'user.probe', 'x');
    return getAttributeSync(p.toString(), 'user.probe')?.toString() === 'x';
  } catch {
    return false;
  }
}

beforeAll(() => {
  root = B(fs.mkdtempSync(`${os.tmpdir()}/snap-tree-`));
  fs.writeFileSync(join(root, B('file')), 'hello');
  fs.mkdirSync(join(root, B('dir')));
  fs.symlinkSync(B('does/not/exist'), join(root, B('dangling')));
  fs.linkSync(join(root, B('file')), join(root, B('hardlink')));
  fs.writeFileSync(join(root, B([0x62, 0x61, 0x64, 0xff, 0xfe])), 'non-UTF-8 name');
  fs.writeFileSync(join(root, B('n'.repeat(255))), 'long name');
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('entryFromStat', () => {
  test('file, dir, dangling symlink, hardlink, odd names', () => {
    const names = new UserGroupNames();
    const file = entry(B('file'), names);
    expect(file).toMatchObject({ type: EntryType.File, size: 5n, nlink: 2n, uid: process.getuid!() });
    expect(file.user).toBe(names.userName(file.uid));
    expect(file.mtimeNs).toBe(lstat(join(root, B('file'))).mtimeNs);
    expect(file.mode).toBe(Number(lstat(join(root, B('file'))).mode) & 0o7777);
    expect(entry(B('hardlink')).inode).toBe(file.inode);
    expect(entry(B('hardlink')).dev).toBe(file.dev);
    expect(entry(B('dir'))).toMatchObject({ type: EntryType.Dir, size: 0n });
    expect(entry(B('dangling'))).toMatchObject({ type: EntryType.Symlink, size: 0n, mode: 0o777 });
    expect(entry(B([0x62, 0x61, 0x64, 0xff, 0xfe]))).toMatchObject({ type: EntryType.File, size: 14n });
    expect(entry(B('n'.repeat(255))).name.length).toBe(255);
  });

  test('fifo made by createSpecial, under a non-UTF-8 name too', () => {
    for (const name of [B('fifo'), B([0x66, 0xff, 0xfe])]) {
      const proto = { ...entry(B('file')), name, type: EntryType.Fifo };
      expect(createSpecial(join(root, name), proto)).toBeUndefined();
      expect(entry(name).type).toBe(EntryType.Fifo);
      expect(readXattrs(join(root, name))).toBeUndefined();
    }
    expect(createSpecial(join(root, B('sock')), { ...entry(B('file')), type: EntryType.Socket })).toMatch(/socket/);
    expect(fs.existsSync(join(root, B('sock')))).toBe(false);
  });

  test.runIf(isRoot)('character device made by createSpecial keeps its rdev', () => {
    const rdev = lstat(B('/dev/null')).rdev; // 1:3
    expect(devMajorMinor(rdev)).toEqual({ major: 1n, minor: 3n });
    const e = { ...entryFromStat(B('null'), lstat(B('/dev/null'))) };
    try {
      createSpecial(join(root, B('null')), e);
    } catch (err) {
      if (/Operation not permitted/.test(String(err))) return; // a container without CAP_MKNOD
      throw err;
    }
    const made = entry(B('null'));
    expect(made).toMatchObject({ type: EntryType.CharDevice, rdev });
  });
});

describe('xattrs', () => {
  test('user.test is read back, also on a non-UTF-8 directory and inside one', (ctx) => {
    const file = join(root, B('file'));
    if (!userXattrsWork(file)) ctx.skip();
    setAttributeSync(file.toString(), 'user.test', Buffer.from([0, 1, 2, 0xff]));
    const xs = readXattrs(file)!;
    expect(xs.map((x) => x.name.toString())).toEqual(['user.probe', 'user.test']);
    expect(xs[1].value).toEqual(Buffer.from([0, 1, 2, 0xff]));
    expect(readXattrs(join(root, B('dir')))).toBeUndefined();
    expect(readXattrs(join(root, B('dangling')))).toBeUndefined(); // symlinks: skipped

    // a directory whose own name is not UTF-8, and a file inside it
    const odd = join(root, B([0x64, 0xfe]));
    fs.mkdirSync(odd);
    fs.writeFileSync(join(odd, B('inner')), '');
    const applyTo = (p: Buffer, type: EntryType) =>
      applyMetadata(p, { ...entry(B('file')), type, mode: 0o755, xattrs: [{ name: B('user.k'), value: B('v') }] }, { owner: false });
    expect(applyTo(odd, EntryType.Dir)).toEqual([]);
    expect(applyTo(join(odd, B('inner')), EntryType.File)).toEqual([]);
    expect(readXattrs(odd, { type: EntryType.Dir })).toEqual([{ name: B('user.k'), value: B('v') }]);
    expect(readXattrs(join(odd, B('inner')))).toEqual([{ name: B('user.k'), value: B('v') }]);
  });

  test('a non-UTF-8 file name: restored through a temporary link; reading it is reported, not faked', (ctx) => {
    const p = join(root, B([0x62, 0x61, 0x64, 0xff, 0xfe]));
    if (!userXattrsWork(join(root, B('file')))) ctx.skip();
    const e = { ...entry(B([0x62, 0x61, 0x64, 0xff, 0xfe])), xattrs: [{ name: B('user.a'), value: B('1') }] };
    expect(applyMetadata(p, e, { owner: false })).toEqual([]);
    expect(fs.readdirSync(root, { encoding: 'buffer' }).filter((n) => n.toString().startsWith('.snap-tmp-'))).toEqual([]);
    const notes: string[] = [];
    expect(readXattrs(p, { onNote: (m) => notes.push(m) })).toBeUndefined();
    expect(notes[0]).toMatch(/not UTF-8/);
    // the attribute is there: seen through a UTF-8 hard link made only for this check
    fs.linkSync(p, join(root, B('check-link')));
    expect(readXattrs(join(root, B('check-link')))).toEqual([{ name: B('user.a'), value: B('1') }]);
    fs.unlinkSync(join(root, B('check-link')));
  });
});

describe('applyMetadata', () => {
  test('restores mode and mtime to the microsecond (ns truncated), also before 1970', () => {
    const targets: Array<[Buffer, bigint]> = [
      [B('file'), 1_700_000_000_123_456_789n],
      [B('dir'), 1_234_567_890_000_000_999n],
      [B([0x62, 0x61, 0x64, 0xff, 0xfe]), -1_500_000_001n], // 1969-12-31T23:59:58.499999999
      [B('n'.repeat(255)), -86_400_000_000_001n],
    ];
    for (const [name, mtimeNs] of targets) {
      const p = join(root, name);
      const e: TreeEntry = { ...entry(name), mode: 0o2751, mtimeNs };
      expect(applyMetadata(p, e, { owner: isRoot })).toEqual([]);
      const st = lstat(p);
      expect(Number(st.mode) & 0o7777).toBe(0o2751);
      const us = (ns: bigint) => (ns - (((ns % 1000n) + 1000n) % 1000n)) / 1000n; // floor
      expect(us(st.mtimeNs)).toBe(us(mtimeNs));
      expect(st.mtimeNs % 1000n).toBe(0n);
    }
  });

  test('symlinks: times set on the link itself, no chmod', () => {
    const p = join(root, B('dangling'));
    const e = { ...entry(B('dangling')), mtimeNs: 1_000_000_000_000_001_000n };
    expect(applyMetadata(p, e, { owner: false })).toEqual([]);
    expect(lstat(p).mtimeNs).toBe(1_000_000_000_000_001_000n);
  });

  test('utimeArg: every microsecond near now, near 2^32 s and before 1970 lands exactly', () => {
    // libuv: tv_sec = trunc(t), tv_nsec = trunc((t - tv_sec) * 1e9) truncated to µs toward zero
    const libuv = (t: number): bigint => {
      const sec = Math.trunc(t);
      let nsec = Math.trunc((t - sec) * 1e9);
      nsec -= nsec % 1000;
      return BigInt(sec) * 1_000_000n + BigInt(nsec / 1000);
    };
    for (const base of [1_700_000_000n, 4_294_967_295n, 8_000_000_000n, 0n, -1n, -2_000_000_000n]) {
      for (let us = -3000n; us < 3000n; us += 7n) {
        const wantUs = base * 1_000_000n + us;
        for (const extraNs of [0n, 1n, 999n]) {
          const arg = utimeArg(wantUs * 1000n + extraNs);
          expect(libuv(typeof arg === 'string' ? Number(arg) : arg)).toBe(wantUs);
          expect(typeof arg === 'string').toBe(wantUs < 0n);
        }
      }
    }
  });

  test.runIf(isRoot)('owner: names mapped to local ids, numeric ids otherwise', () => {
    const dir = B(fs.mkdtempSync(`${os.tmpdir()}/snap-ug-`));
    fs.writeFileSync(`${dir}/passwd`, 'root:x:0:0::/root:/bin/sh\nalice:x:4242:4343::/home/a:/bin/sh\n');
    fs.writeFileSync(`${dir}/group`, 'root:x:0:\nstaff:x:4343:\n');
    const names = new UserGroupNames({ passwd: `${dir}/passwd`, group: `${dir}/group` });
    expect([names.userName(4242), names.uidOf('alice'), names.groupName(4343), names.gidOf('staff')]).toEqual(['alice', 4242, 'staff', 4343]);
    const p = join(root, B('file'));
    applyMetadata(p, { ...entry(B('file')), uid: 1, gid: 2, user: 'alice', group: 'staff' }, { owner: true, names });
    expect([Number(lstat(p).uid), Number(lstat(p).gid)]).toEqual([4242, 4343]);
    applyMetadata(p, { ...entry(B('file')), uid: 77, gid: 78, user: 'nobody-here', group: undefined }, { owner: true, names });
    expect([Number(lstat(p).uid), Number(lstat(p).gid)]).toEqual([77, 78]);
    fs.rmSync(dir.toString(), { recursive: true });
  });
});

test('mkfifo and mknod are where createSpecial expects them', () => {
  for (const tool of ['mkfifo', 'mknod']) expect(spawnSync(tool, ['--version']).status).toBe(0);
});
