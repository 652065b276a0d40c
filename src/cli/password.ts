// Where a password comes from, for each password a command may need (the repository's, copy's
// target's, init --from-repo's, key's new one): its file option, then its file variable, then its
// value variable, then a no-echo prompt on a terminal. Without any of them and without a TTY, fail at
// once (never wait on stdin). One function reads them all; the roles below are the only differences.

import { readFileSync } from 'node:fs';
import { InvalidArgumentError, PasswordRequiredError } from '../errors.js';

/** One password a command can ask for: where it may come from, and what to say when it does not. */
export interface PasswordRole {
  /** The command-line option naming a file that holds it. */
  option: string;
  /** The variable holding the password itself. */
  env: string;
  /** The variable naming a file that holds it (before `env`), if this role has one. */
  fileEnv?: string;
  /** The terminal prompt. */
  prompt: string;
  /** Ask twice on a terminal and require the same answer (a new password). */
  confirm?: boolean;
  /** The error when there is no source and no terminal. */
  missing: () => Error;
}

export const REPO_PASSWORD: PasswordRole = {
  option: '--password-file', env: 'SNAP_PASSWORD', fileEnv: 'SNAP_PASSWORD_FILE',
  prompt: 'enter password for repository: ', missing: () => new PasswordRequiredError(),
};
export const TO_PASSWORD: PasswordRole = {
  option: '--to-password-file', env: 'SNAP_TO_PASSWORD', fileEnv: 'SNAP_TO_PASSWORD_FILE',
  prompt: 'enter password for the target repository: ', missing: () => new PasswordRequiredError(),
};
export const FROM_PASSWORD: PasswordRole = {
  option: '--from-password-file', env: 'SNAP_FROM_PASSWORD', fileEnv: 'SNAP_FROM_PASSWORD_FILE',
  prompt: 'enter password for repository: ', missing: () => new PasswordRequiredError(),
};
export const NEW_PASSWORD: PasswordRole = {
  option: '--new-password-file', env: 'SNAP_NEW_PASSWORD', confirm: true,
  prompt: 'enter new password: ',
  missing: () => new InvalidArgumentError('a new password is needed: pass --new-password-file or set SNAP_NEW_PASSWORD'),
};

/** A password's source: whether it was supplied up front (file or variable, not a prompt), and how to read it. */
export interface PasswordSource {
  /** Given in a file or variable: an encrypted repository is then expected. */
  given: boolean;
  read: () => Promise<Buffer>;
}

/** The password of `role`, `file` being the value of its option (if given). */
export function passwordSource(role: PasswordRole, file: string | undefined, env: NodeJS.ProcessEnv = process.env): PasswordSource {
  const fromFile = file ?? (role.fileEnv ? env[role.fileEnv] : undefined);
  return {
    given: Boolean(fromFile) || env[role.env] !== undefined,
    read: async () => {
      if (fromFile) return readPasswordFile(fromFile, file ? role.option : role.fileEnv!);
      const value = env[role.env];
      if (value !== undefined) return Buffer.from(value, 'utf8');
      if (!process.stdin.isTTY || !process.stderr.isTTY) throw role.missing();
      const pw = await promptNoEcho(role.prompt);
      if (role.confirm && !pw.equals(await promptNoEcho(role.prompt.replace(/: $/, ' again: ')))) {
        throw new InvalidArgumentError('the two new passwords do not match; nothing was changed');
      }
      return pw;
    },
  };
}

function readPasswordFile(file: string, what: string): Buffer {
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

async function promptNoEcho(question: string): Promise<Buffer> {
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
