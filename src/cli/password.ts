// Where the password comes from: --password-file, SNAP_PASSWORD_FILE, SNAP_PASSWORD, or a no-echo
// prompt on a terminal. Without any of them and without a TTY, fail at once (never wait on stdin).

import { readFileSync } from 'node:fs';
import { InvalidArgumentError, PasswordRequiredError } from '../errors.js';

export function readPasswordFile(file: string, what = '--password-file'): Buffer {
  let b: Buffer;
  try {
    b = readFileSync(file);
  } catch (e) {
    throw new InvalidArgumentError(`${what} ${file}: ${(e as { code?: string }).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  // One trailing newline is the file's, not the password's (echo pw > file).
  if (b.length && b[b.length - 1] === 0x0a) b = b.subarray(0, b[b.length - 2] === 0x0d ? -2 : -1);
  return b;
}

/** Whether a password was supplied up front (file or variable, not a prompt): an encrypted repository is then expected. */
export function passwordSupplied(opts: { passwordFile?: string }, envName = 'SNAP_PASSWORD', fileEnv = 'SNAP_PASSWORD_FILE'): boolean {
  return Boolean(opts.passwordFile ?? process.env[fileEnv]) || process.env[envName] !== undefined;
}

export function passwordSource(opts: { passwordFile?: string }, envName = 'SNAP_PASSWORD', fileEnv = 'SNAP_PASSWORD_FILE'): () => Promise<Buffer> {
  return async () => {
    const file = opts.passwordFile ?? process.env[fileEnv];
    if (file) return readPasswordFile(file);
    const env = process.env[envName];
    if (env !== undefined) return Buffer.from(env, 'utf8');
    if (process.stdin.isTTY && process.stderr.isTTY) return promptNoEcho('enter password for repository: ');
    throw new PasswordRequiredError();
  };
}

export async function promptNoEcho(question: string): Promise<Buffer> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  const chars: number[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        for (const c of d) {
          if (c === 0x0d || c === 0x0a) {
            stdin.off('data', onData);
            return resolve();
          }
          if (c === 0x03) {
            stdin.off('data', onData);
            return reject(new InvalidArgumentError('password entry cancelled'));
          }
          if (c === 0x7f) chars.pop();
          else chars.push(c);
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
  return Buffer.from(chars);
}
