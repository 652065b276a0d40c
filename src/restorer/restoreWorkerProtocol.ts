// Messages between the restore's main thread and its worker threads (restoreWorker.ts). A batch is
// columns of typed arrays rather than an object per file or blob: structured cloning of thousands of
// small objects would cost the main thread more than the work it hands off. Range bytes are transferred.

import type { Xattr } from '../tree/index.js';

/** Given to each worker once. */
export interface RestoreWorkerData {
  /** Master key (encrypted repositories): the worker derives each pack's key from its salt. */
  masterKey: Uint8Array | undefined;
  /** Chunk-id key (keyed BLAKE3) when encrypted. */
  idKey: Uint8Array | undefined;
}

/** File flags (restorer/dirState.ts decides them). Every file of a batch is created by the worker
 * under a temporary name (O_EXCL|O_NOFOLLOW) and renamed over its path. */
export const FILE_CHOWN = 1; // owner/group differ from what creating the file gives: fchown
export const FILE_CHMOD = 2; // the mode differs from what open(…, mode) gives: fchmod
/** `fd` of a file the worker creates itself. */
export const NO_FD = -1;

export interface RestoreBatchMessage {
  id: number;
  /** Range bytes as read from the packs (transferred). */
  ranges: ArrayBuffer[];
  /** Per range: the pack's id (messages) and salt (32 bytes each, encrypted repositories). */
  rangePackIds: string[];
  rangeSalts: Uint8Array;
  /** Per blob: range index, start inside the range, stored and raw length, codec, offset in its pack (nonce). */
  blobRange: Uint32Array;
  blobStart: Uint32Array;
  blobStored: Uint32Array;
  blobRaw: Uint32Array;
  blobCodec: Uint8Array;
  blobPackOffset: Float64Array;
  /** 32 bytes per blob. */
  blobIds: Uint8Array;
  /** Per file: target path (raw bytes, end offsets into `paths`), size, mode, owner, mtime, flags. */
  paths: Uint8Array;
  pathEnds: Uint32Array;
  size: Float64Array;
  mode: Uint32Array;
  uid: Uint32Array;
  gid: Uint32Array;
  mtimeNs: BigInt64Array;
  flags: Uint8Array;
  /**
   * Per file: a descriptor to write into (a segment of a big file the main thread has open), or
   * NO_FD for a file the worker creates, writes whole and renames into place. A segment's bytes go
   * at `position`; all-zero blobs are skipped (holes); no metadata, close or rename: the main thread
   * does those once every segment is written.
   */
  fd: Int32Array;
  position: Float64Array;
  /** Per file: blob indices in file order, end offsets into `refs`. */
  refs: Uint32Array;
  refEnds: Uint32Array;
  /** The rare files with xattrs: [file index, xattrs]. */
  xattrs: Array<[number, Xattr[]]>;
  /** Ranges that could not be read (missing or truncated pack): [range index, message]; their bytes are empty. */
  rangeErrors: Array<[number, string]>;
}

/** A file of the batch left unwritten because a blob of it is damaged or missing (restore goes on). */
export interface WorkerFailedFile {
  file: number;
  message: string;
}

export interface RestoreWorkerDone {
  id: number;
  files: number;
  bytes: number;
  failed: WorkerFailedFile[];
}

export type WorkerErrorKind = 'integrity' | 'storage' | 'system' | 'internal';

export interface WorkerError {
  kind: WorkerErrorKind;
  message: string;
  /** The file the error is about (index in the batch). */
  file?: number;
  code?: string;
  where?: { pack?: string; blob?: string };
}

export type RestoreWorkerReply = RestoreWorkerDone | { id: number; error: WorkerError };
