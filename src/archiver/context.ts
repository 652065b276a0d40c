// What one `create` run carries while it walks: the repository, the saver, options, counters.

import type { Repository } from '../repository/repository.js';
import type { BlobSaver } from '../repository/blobSaver.js';
import type { FileContent } from './saveFile.js';
import type { ChunkWorkers } from './chunkWorkers.js';
import type { SmallFileWorkers } from './smallFileWorkers.js';
import type { UserGroupNames } from '../tree/index.js';
import type { PathMatcher } from './excludes.js';
import type { DirCache } from './dirCache.js';
import type { Limiter } from '../pool.js';

export interface CreateProgress {
  files: number;
  dirs: number;
  bytesRead: number;
  bytesTotalHint?: number;
  current?: string;
}

export interface ArchiveCounters {
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  dirs: number;
  bytesRead: number;
  /** Logical size of every file in the snapshot (read or not). */
  totalBytes: number;
  failed: Array<{ path: string; error: string }>;
}

export interface ArchiveContext {
  repo: Repository;
  saver: BlobSaver;
  exclude: PathMatcher;
  oneFileSystem: boolean;
  names: UserGroupNames;
  counters: ArchiveCounters;
  /** Content already saved this run for multiply-linked inodes ("dev:ino"). */
  hardlinks: Map<string, FileContent>;
  progress: (p: CreateProgress) => void;
  /** Chunking threads for big files (absent for --stdin). */
  workers?: ChunkWorkers;
  /** Threads that read, hash and encode small files (absent for --stdin, or when set to 0). */
  smallFiles?: SmallFileWorkers;
  /** Directory fingerprints from earlier runs (absent for --stdin and --dry-run). */
  dirCache?: DirCache;
  /** Slots for files read and chunked on this thread in pieces (saveFile.STREAMED_FILES_AT_ONCE). */
  streamedFiles: Limiter;
  signal?: AbortSignal;
}
