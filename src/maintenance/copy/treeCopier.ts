// Moving one snapshot's tree into the target repository, in one of two ways:
//  - SameIdsCopier: both repositories name blobs with the same function (the same id key, as after
//    `init --from-repo`, or both unencrypted). Ids are kept; the walk copies each blob the target lacks.
//  - ReidentifyCopier: the id keys differ. Every data chunk keeps the source's boundaries and is
//    re-hashed with the target's id key, and every tree is rebuilt bottom-up with the new ids (chunk
//    lists and big directories are re-cut the way `create` cuts them, since the cuts depend on the ids).
// Every blob read from the source is verified against its id (Repository.loadBlob); every blob goes
// into the target through its BlobSaver (dedup, compression with the target's settings, packs, index).

import { BlobType, type BlobId } from '../../ids.js';
import { InterruptedError } from '../../errors.js';
import type { BlobSaver } from '../../repository/blobSaver.js';
import type { Repository } from '../../repository/repository.js';
import { chunkRefs, decodeChunkListBlob, decodeTreeNode, EntryType, NodeKind, TreeWriter, type TreeEntry } from '../../tree/index.js';
import { foldTree, type TreeFold } from '../../tree/walk.js';
import type { IdMap } from './idMap.js';
import { Limiter, settleAll } from '../../pool.js';

/** Blob reads from the source in flight at once (hides per-request latency, e.g. on S3). */
const READ_CONCURRENCY = 8;
/** Entries of one directory handled at once (many small files). */
const ENTRY_CONCURRENCY = 4;

export interface CopyCounters {
  blobsCopied: number;
  bytesCopied: number;
}

export interface TreeCopier {
  /** Copies everything below the source tree `srcTree`; returns the tree's id in the target. */
  copyTree(srcTree: BlobId): Promise<BlobId>;
  /** The target id of a source root tree, when known without walking (undefined: walk to find out). */
  knownTargetTree(srcTree: BlobId): BlobId | undefined;
  /** After a failure: branches of the walk still running stop at their next step. */
  stop(reason: unknown): void;
}

/** What both copiers share: the two repositories, the target's saver, counting, stopping. */
abstract class CopierBase implements TreeCopier {
  protected readonly reads = new Limiter(READ_CONCURRENCY);
  private readonly claimed = new Set<string>();
  private stopped: { reason: unknown } | undefined;

  constructor(
    protected readonly src: Repository,
    protected readonly dst: Repository,
    protected readonly saver: BlobSaver,
    readonly counters: CopyCounters,
    private readonly onBlob: () => void,
    private readonly signal: AbortSignal | undefined,
  ) {}

  abstract copyTree(srcTree: BlobId): Promise<BlobId>;
  abstract knownTargetTree(srcTree: BlobId): BlobId | undefined;

  stop(reason: unknown): void {
    this.stopped ??= { reason };
  }

  protected checkSignal(): void {
    if (this.stopped) throw this.stopped.reason;
    if (this.signal?.aborted) throw new InterruptedError();
  }

  /** Stores `dstId` in the target unless it has it; `load` gives the plaintext (only called when needed). */
  protected async ensure(type: BlobType, dstId: BlobId, load: () => Promise<Buffer>): Promise<void> {
    const key = dstId.toString('base64');
    // Claimed before the first await, so two branches of the walk never both store one blob.
    if (this.claimed.has(key)) return;
    this.claimed.add(key);
    try {
      if (await this.saver.has(dstId)) return;
      this.checkSignal();
      const plain = await load();
      if (await this.saver.save(type, dstId, plain)) {
        this.counters.blobsCopied++;
        this.counters.bytesCopied += plain.length;
        this.onBlob();
      }
    } finally {
      this.claimed.delete(key);
    }
  }

  protected loadSource(id: BlobId): Promise<Buffer> {
    return this.reads.run(() => this.src.loadBlob(id));
  }

  protected loadSourceTree = (id: BlobId): Promise<Buffer> => this.reads.run(() => this.src.loadTreeBlob(id));
}

export class SameIdsCopier extends CopierBase {
  /** Trees fully handled in this run (across snapshots: unchanged directories are walked once). */
  private readonly done = new Map<string, Promise<void>>();

  /** Post-order: a tree (and the parts of a big one) is stored once everything it names is. */
  private readonly fold: TreeFold<Buffer, void> = {
    load: (id) => {
      this.checkSignal();
      return this.loadSourceTree(id);
    },
    shared: this.done,
    entriesAtOnce: ENTRY_CONCURRENCY,
    open: (_tree, bytes) => bytes,
    entry: (_bytes, e, _dir, descend) => this.copyEntry(e, descend),
    close: async (bytes, id) => {
      const node = decodeTreeNode(bytes);
      if (node.kind === NodeKind.Indirect) {
        await settleAll(node.parts.map((p) => this.ensure(BlobType.Tree, p, () => this.loadSourceTree(p))));
      }
      await this.ensure(BlobType.Tree, id, async () => bytes);
    },
  };

  knownTargetTree(srcTree: BlobId): BlobId {
    return srcTree;
  }

  async copyTree(srcTree: BlobId): Promise<BlobId> {
    await foldTree(this.fold, srcTree);
    return srcTree;
  }

  private async copyEntry(e: TreeEntry, descend: () => Promise<void>): Promise<void> {
    this.checkSignal();
    if (e.type === EntryType.Dir && e.subtree) {
      await descend();
      return;
    }
    if (e.chunks?.length) await this.copyData(e.chunks);
    for (const listId of e.chunkList ?? []) {
      const list = await this.loadSource(listId);
      await this.copyData(decodeChunkListBlob(list));
      await this.ensure(BlobType.Tree, listId, async () => list);
    }
  }

  private async copyData(ids: BlobId[]): Promise<void> {
    await settleAll(ids.map((id) => this.ensure(BlobType.Data, id, () => this.loadSource(id))));
  }
}

export class ReidentifyCopier extends CopierBase {
  /** Source tree (hex) → its target id, shared by concurrent branches and by later snapshots. */
  private readonly trees = new Map<string, Promise<BlobId>>();

  constructor(
    src: Repository,
    dst: Repository,
    saver: BlobSaver,
    counters: CopyCounters,
    onBlob: () => void,
    signal: AbortSignal | undefined,
    private readonly idMap: IdMap,
  ) {
    super(src, dst, saver, counters, onBlob, signal);
  }

  knownTargetTree(srcTree: BlobId): BlobId | undefined {
    return this.idMap.getTree(srcTree);
  }

  copyTree(srcTree: BlobId): Promise<BlobId> {
    return foldTree(this.fold, srcTree);
  }

  private storeTree = async (bytes: Buffer): Promise<BlobId> => {
    const id = this.dst.idHasher.hash(bytes);
    await this.ensure(BlobType.Tree, id, async () => bytes);
    return id;
  };

  /** Rebuilds a directory's tree with target ids, streaming its entries part by part. */
  private readonly fold: TreeFold<TreeWriter, BlobId, TreeEntry> = {
    load: (id) => {
      this.checkSignal();
      return this.loadSourceTree(id);
    },
    shared: this.trees,
    entriesAtOnce: ENTRY_CONCURRENCY,
    open: () => new TreeWriter(this.storeTree),
    entry: (_writer, e, _dir, descend) => this.translateEntry(e, descend),
    part: async (writer, translated) => {
      for (const e of translated) await writer.add(e);
    },
    close: async (writer, srcTree) => {
      const id = await this.storeTree(await writer.finish());
      this.idMap.setTree(srcTree, id);
      return id;
    },
  };

  private async translateEntry(e: TreeEntry, descend: () => Promise<BlobId>): Promise<TreeEntry> {
    this.checkSignal();
    if (e.type === EntryType.Dir && e.subtree) return { ...e, subtree: await descend() };
    if (!e.chunks?.length && !e.chunkList?.length) return e;
    const ids: BlobId[] = [];
    if (e.chunks?.length) ids.push(...(await settleAll(e.chunks.map((id) => this.translateData(id)))));
    for (const listId of e.chunkList ?? []) {
      const part = decodeChunkListBlob(await this.loadSource(listId));
      ids.push(...(await settleAll(part.map((id) => this.translateData(id)))));
    }
    const out: TreeEntry = { ...e };
    delete out.chunks;
    delete out.chunkList;
    return Object.assign(out, await chunkRefs(ids, this.storeTree));
  }

  /** A data chunk's target id; reads the chunk only when the translation is unknown or the target lacks it. */
  private async translateData(srcId: BlobId): Promise<BlobId> {
    this.checkSignal();
    const known = this.idMap.getData(srcId);
    if (known && (await this.saver.has(known))) return known;
    const plain = await this.loadSource(srcId);
    this.checkSignal();
    const dstId = this.dst.idHasher.hash(plain);
    this.idMap.setData(srcId, dstId);
    await this.ensure(BlobType.Data, dstId, async () => plain);
    return dstId;
  }
}
