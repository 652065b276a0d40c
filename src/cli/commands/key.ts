// `snap key list|add|remove <id>|passwd`: the passwords that open the repository. list takes a
// shared lock, the others an exclusive one. The new password comes from --new-password-file,
// SNAP_NEW_PASSWORD, or a no-echo prompt asked twice on a terminal; never from a waiting stdin.

import type { Command } from 'commander';
import { DEFAULT_KDF, formatKdf, isWeakKdf, parseKdf, type KdfParams } from '../../crypto/index.js';
import { InvalidArgumentError } from '../../errors.js';
import { addRepositoryKey, changePassword, listKeys, removeRepositoryKey } from '../../repository/keyManagement.js';
import type { Repository } from '../../repository/repository.js';
import type { CliContext } from '../context.js';
import { localTime, printJson, table } from '../output.js';
import { NEW_PASSWORD, passwordSource } from '../password.js';
import type { Run } from './registry.js';

interface NewKeyOptions {
  newPasswordFile?: string;
  kdf?: string;
}

/** The new password (--new-password-file, SNAP_NEW_PASSWORD, or a prompt asked twice); never empty. */
async function newPassword(file: string | undefined): Promise<Buffer> {
  const pw = await passwordSource(NEW_PASSWORD, file).read();
  if (pw.length === 0) throw new InvalidArgumentError('the new password is empty; nothing was changed');
  return pw;
}

/**
 * Open (asking for the current password), then ask for the new one, then lock: the prompts come in
 * the order a person expects, and no lock is held while someone types.
 */
async function withKeyChange<T>(ctx: CliContext, o: NewKeyOptions, fn: (repo: Repository, pw: Buffer, kdf: KdfParams) => Promise<T>): Promise<T> {
  const kdf = o.kdf ? parseKdf(o.kdf) : DEFAULT_KDF;
  const repo = await ctx.openRepo();
  try {
    if (!repo.crypt.encrypted) throw new InvalidArgumentError(`the repository at ${repo.location} is not encrypted: it has no passwords or keys to manage`);
    const pw = await newPassword(o.newPasswordFile);
    if (isWeakKdf(kdf)) ctx.warn(`note: --kdf ${formatKdf(kdf)} is below the recommended cost (${formatKdf(DEFAULT_KDF)}); use it for tests only`);
    return await ctx.withLock(repo, true, () => fn(repo, pw, kdf));
  } finally {
    await repo.close();
  }
}


/** The options of the subcommands that make a new key (add, passwd). */
function addNewKeyOptions(cmd: Command): Command {
  return cmd
    .option('--new-password-file <file>', 'read the new password from a file (or SNAP_NEW_PASSWORD)')
    .option('--kdf <scrypt:N,r,p>', `key derivation cost of the new key (default ${formatKdf(DEFAULT_KDF)}; lower is for tests)`);
}

export function registerKey(program: Command, run: Run): void {
  const key = program.command('key').description('manage the passwords (key files) that open the repository');

  key
    .command('list')
    .description('list the keys; * marks the one this password opened')
    .action(run(async (ctx: CliContext) => {
      await ctx.withRepo('shared', async (repo) => {
        const keys = await listKeys(repo);
        if (ctx.json) {
          printJson(keys.map((k) => ({ id: k.id, current: k.current, username: k.username, hostname: k.hostname, created: k.created })));
          return;
        }
        const rows = [[' ', 'ID', 'User', 'Host', 'Created', 'KDF']];
        for (const k of keys) rows.push([k.current ? '*' : ' ', k.id.slice(0, 8), k.username, k.hostname, localTime(k.created), formatKdf(k.kdf)]);
        ctx.say(table(rows));
      });
    }));

  addNewKeyOptions(
    key
      .command('add')
      .description('add a password (a new key file wrapping the same keys)'),
  )
    .action(run(async (ctx: CliContext, opts: unknown) => {
      const id = await withKeyChange(ctx, opts as NewKeyOptions, (repo, pw, kdf) => addRepositoryKey(repo, pw, kdf));
      if (ctx.json) printJson({ ok: true, key_id: id });
      else ctx.say(`added key ${id.slice(0, 8)}`);
    }));

  key
    .command('remove')
    .description('remove a key by id (or unique prefix); refuses the key in use and the last key')
    .argument('<id>', 'key id or unique prefix (see key list)')
    .action(run(async (ctx: CliContext, id: unknown) => {
      const removed = await ctx.withRepo('exclusive', (repo) => removeRepositoryKey(repo, String(id)));
      if (ctx.json) printJson({ ok: true, key_id: removed });
      else ctx.say(`removed key ${removed.slice(0, 8)}`);
    }));

  addNewKeyOptions(
    key
      .command('passwd')
      .description('change the password: add a key for the new one, then remove the key in use'),
  )
    .action(run(async (ctx: CliContext, opts: unknown) => {
      const r = await withKeyChange(ctx, opts as NewKeyOptions, (repo, pw, kdf) => changePassword(repo, pw, kdf));
      if (ctx.json) printJson({ ok: true, key_id: r.keyId });
      else ctx.say(`password changed: added key ${r.keyId.slice(0, 8)}, removed key ${r.removed.slice(0, 8)}`);
    }));
}
