// S3 settings from the environment, parsed once at the edge and passed to the core as options
// (the core reads no environment). Names and meanings: docs/operations-copy-keys-s3.md.

import { InvalidArgumentError } from '../errors.js';
import type { S3BackendOptions } from '../backend/s3Options.js';
import { REQUEST_KINDS, type RequestKind, type RequestPrices } from '../backend/requestCounts.js';
import { plainHttpWarning } from '../backend/s3Options.js';
import { parseDuration } from './context.js';

/** The most parallel connections a user may ask for. */
const MAX_CONNECTIONS = 1024;

export interface S3Settings {
  options: S3BackendOptions;
  /** Printed once by the caller (plain http to another machine). */
  warnings: string[];
  /** SNAP_S3_PRICES: what 1000 requests of each kind cost, to turn counts into money. */
  prices?: RequestPrices;
}

/** "put=0.005,get=0.0004,list=0.005" (per 1000 requests; kinds: get put post list head delete). */
export function parsePrices(s: string, what = 'SNAP_S3_PRICES'): RequestPrices {
  const out: RequestPrices = {};
  for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z]+)=(\d+(?:\.\d+)?)$/i.exec(part);
    const kind = m?.[1]!.toUpperCase() as RequestKind | undefined;
    if (!m || !kind || !REQUEST_KINDS.includes(kind)) throw new InvalidArgumentError(`${what}: expected kind=price per 1000 requests (kinds ${REQUEST_KINDS.join(', ').toLowerCase()}), got '${part}'`);
    out[kind] = Number(m[2]);
  }
  return out;
}

export function s3SettingsFromEnv(env: NodeJS.ProcessEnv): S3Settings {
  // The SDK warns on every run that its 2027 releases will need Node 22: noise on a CLI's stderr
  // (CLI.md: errors only). Its own switch turns that off, unless the user set it.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const o: S3BackendOptions = {};
  const endpoint = env.SNAP_S3_ENDPOINT || undefined;
  if (endpoint) {
    if (!/^https?:\/\/[^/\s]+/i.test(endpoint)) throw new InvalidArgumentError(`SNAP_S3_ENDPOINT: expected http(s)://host[:port], got '${endpoint}'`);
    o.endpoint = endpoint;
  }
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (region) o.region = region;
  // Explicit keys when given; otherwise the SDK's chain (profiles, instance roles) finds them.
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    o.credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  }
  const ms = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = parseDuration(v, name);
    if (!(n > 0)) throw new InvalidArgumentError(`${name}: expected a duration above zero, got '${v}'`);
    return n;
  };
  o.connectTimeoutMs = ms('SNAP_S3_CONNECT_TIMEOUT');
  o.idleTimeoutMs = ms('SNAP_S3_TIMEOUT');
  o.retryTimeMs = ms('SNAP_S3_RETRY_TIME');
  const conns = env.SNAP_S3_CONNECTIONS;
  if (conns !== undefined && conns !== '') {
    const n = Number(conns);
    if (!Number.isInteger(n) || n < 1 || n > MAX_CONNECTIONS) throw new InvalidArgumentError(`SNAP_S3_CONNECTIONS: expected a whole number from 1 to ${MAX_CONNECTIONS}, got '${conns}'`);
    o.connections = n;
  }
  const owner = env.SNAP_S3_BUCKET_OWNER;
  if (owner !== undefined && owner !== '') {
    if (!/^[A-Za-z0-9._:-]{1,128}$/.test(owner)) throw new InvalidArgumentError(`SNAP_S3_BUCKET_OWNER: expected an account id, got '${owner}'`);
    o.expectedBucketOwner = owner;
  }
  // Retention is the repository's (config object_lock, set by `init --object-lock`), one mechanism
  // for every host. A job still setting the old variable expects locking it would not get: refused.
  if (env.SNAP_S3_OBJECT_LOCK) throw new InvalidArgumentError('SNAP_S3_OBJECT_LOCK is no longer read: Object Lock retention is recorded in the repository by `snap init --object-lock DAYS` (unset the variable)');
  for (const k of Object.keys(o) as Array<keyof S3BackendOptions>) if (o[k] === undefined) delete o[k];
  const warning = plainHttpWarning(endpoint);
  const prices = env.SNAP_S3_PRICES ? parsePrices(env.SNAP_S3_PRICES) : undefined;
  return { options: o, warnings: warning ? [warning] : [], ...(prices ? { prices } : {}) };
}
