// Tree objects: the stored form of one directory (format v1), kept in blobs of type Tree.
//   byte 0 = format version (1), byte 1 = kind
//   kind 0, leaf:     (LEB128 length, entry bytes)*  sorted by raw name bytes, names unique
//   kind 1, indirect: LEB128 count, then count 32-byte ids of leaf parts holding consecutive runs
// A directory whose leaf is at most TREE_INLINE_LIMIT bytes is one leaf. A bigger one is cut into
// parts at content-defined boundaries (see partCutter.ts), each part stored as its own leaf blob, and
// its root is an indirect node: a million ~140-byte entries make ~2300 blobs of ~64 KiB, and editing one
// entry changes one part and the root. The caller stores the root (it is the directory's subtree id).

import { IntegrityError, UnsupportedFormatError } from '../errors.js';
import { type BlobId, ID_BYTES } from '../ids.js';
import { compareBytes, type TreeEntry } from './entry.js';
import { decodeEntry, encodeEntry, encodedName } from './entryCodec.js';
import { encodeLeb, lebEnd, lebLength, readLeb, writeLeb } from './leb128.js';
import { PartCutter, TREE_INLINE_LIMIT } from './partCutter.js';

export { splitEntries, TREE_INLINE_LIMIT, TREE_PART_MIN, TREE_PART_AVG, TREE_PART_MAX } from './partCutter.js';
export {
  INLINE_CHUNK_LIMIT, CHUNK_LIST_MAX_IDS, splitChunkList, encodeChunkListBlob, decodeChunkListBlob, chunkRefs,
  readChunkIds,
} from './chunkList.js';

export const TREE_FORMAT_VERSION = 1;
export enum NodeKind {
  Leaf = 0,
  Indirect = 1,
}
const HEADER_BYTES = 2;

type StoreBlob = (bytes: Buffer) => Promise<BlobId> | BlobId;
type LoadBlob = (id: BlobId) => Promise<Buffer>;

/** A leaf node from encoded entries (already sorted and unique: the caller's promise). */
export function encodeLeaf(encoded: Buffer[]): Buffer {
  let size = HEADER_BYTES;
  for (const e of encoded) size += lebLength(e.length) + e.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = TREE_FORMAT_VERSION;
  out[1] = NodeKind.Leaf;
  let p = HEADER_BYTES;
  for (const e of encoded) {
    p = writeLeb(out, p, e.length);
    out.set(e, p); // the TypedArray builtin: cheaper than Buffer#copy for small entries
    p += e.length;
  }
  return out;
}

export function encodeIndirect(parts: BlobId[]): Buffer {
  if (parts.length === 0) throw new RangeError('an indirect node needs at least one part');
  const count = encodeLeb(parts.length);
  return Buffer.concat([Buffer.from([TREE_FORMAT_VERSION, NodeKind.Indirect]), count, ...parts]);
}

export type TreeNode = { kind: NodeKind.Leaf; entries: TreeEntry[] } | { kind: NodeKind.Indirect; parts: BlobId[] };

/**
 * Decode errors name the tree they are about when the caller knows its id: "tree <id> is damaged:
 * <what>", so the user learns which object is bad, not only that a byte was unexpected.
 */
function named<T>(id: BlobId | undefined, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    throw nameError(e, id);
  }
}

/** Errors already named (a part's error passing through its root's wrapper keeps the part's id). */
const namedErrors = new WeakSet<object>();

function nameError(e: unknown, id: BlobId | undefined): unknown {
  if (id === undefined || !(e instanceof IntegrityError || e instanceof UnsupportedFormatError) || namedErrors.has(e)) return e;
  const hex = id.toString('hex');
  const out = e instanceof UnsupportedFormatError
    ? new UnsupportedFormatError(`tree ${hex}: ${e.message}`)
    : new IntegrityError(`tree ${hex} is damaged: ${e.message}`, { ...e.where, blob: hex });
  namedErrors.add(out);
  return out;
}

/** Decodes one node (root or part). Entries and ids are views into `bytes`. `id` names it in errors. */
export function decodeTreeNode(bytes: Buffer, id?: BlobId): TreeNode {
  return named(id, () => decodeNode(bytes));
}

function decodeNode(bytes: Buffer): TreeNode {
  checkVersion(bytes);
  if (bytes[1] === NodeKind.Leaf) return { kind: NodeKind.Leaf, entries: decodeLeafEntries(bytes, undefined) };
  if (bytes[1] !== NodeKind.Indirect) throw new IntegrityError(`unknown tree node kind ${bytes[1]}`);
  const count = readLeb(bytes, HEADER_BYTES, bytes.length);
  const p = lebEnd;
  if (count === 0) throw new IntegrityError('indirect tree node without parts');
  if (bytes.length - p !== count * ID_BYTES) throw new IntegrityError('indirect tree node length does not match its count');
  const parts: BlobId[] = [];
  for (let i = 0; i < count; i++) parts.push(bytes.subarray(p + i * ID_BYTES, p + (i + 1) * ID_BYTES) as BlobId);
  return { kind: NodeKind.Indirect, parts };
}

/** A version byte up to this may be a later snap's format; beyond it, or 0, the bytes are not a tree. */
const MAX_PLAUSIBLE_TREE_VERSION = 15;

function checkVersion(bytes: Buffer): void {
  if (bytes.length < HEADER_BYTES) throw new IntegrityError(`tree node of ${bytes.length} bytes`);
  if (bytes[0] === TREE_FORMAT_VERSION) return;
  if (bytes[0]! > TREE_FORMAT_VERSION && bytes[0]! <= MAX_PLAUSIBLE_TREE_VERSION) {
    throw new UnsupportedFormatError(`tree format version ${bytes[0]} (this snap reads version ${TREE_FORMAT_VERSION})`);
  }
  throw new IntegrityError(`it does not start like a tree node (first bytes ${bytes.subarray(0, HEADER_BYTES).toString('hex')})`);
}

/** Entries of a leaf, checking that names strictly increase, also from `prevName` (the previous part's last). */
function decodeLeafEntries(bytes: Buffer, prevName: Buffer | undefined): TreeEntry[] {
  const out: TreeEntry[] = [];
  let p = HEADER_BYTES;
  while (p < bytes.length) {
    const len = readLeb(bytes, p, bytes.length);
    p = lebEnd;
    if (p + len > bytes.length) throw new IntegrityError('tree entry runs past the end of its node');
    const e = decodeEntry(bytes, p, p + len);
    if (prevName && compareBytes(prevName, e.name) >= 0) {
      throw new IntegrityError('tree entries not in strictly increasing name order');
    }
    out.push(e);
    prevName = e.name;
    p += len;
  }
  return out;
}

/** A copy of `entries` sorted by raw name bytes; RangeError on a duplicate name. */
export function sortEntries(entries: TreeEntry[]): TreeEntry[] {
  let sorted = true; // the archiver sorts its names already: then checking is all there is to do
  for (let i = 1; i < entries.length && sorted; i++) sorted = compareBytes(entries[i - 1].name, entries[i].name) < 0;
  if (sorted) return entries.slice();
  // latin1 maps each byte to the code unit of the same value, and JS compares strings by code units,
  // so comparing these keys is comparing the raw bytes (Buffer.compare's order) without a native call
  // per comparison: 2-3x faster on a million names.
  const keys = entries.map((e) => e.name.toString('latin1'));
  const order = Array.from(keys, (_, i) => i);
  order.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  for (let i = 1; i < order.length; i++) {
    if (keys[order[i]] === keys[order[i - 1]]) throw new RangeError(`duplicate entry name ${JSON.stringify(keys[order[i]])}`);
  }
  return order.map((i) => entries[i]);
}

/**
 * Writes one directory's tree from entries given in name order, storing parts as they fill: only the
 * current part's bytes are held, so the archiver can stream a huge directory through it.
 */
export class TreeWriter {
  private held: Buffer[] = []; // while inline: every entry; after: the current part
  private heldBytes = HEADER_BYTES;
  private inline = true;
  private readonly cutter = new PartCutter();
  private readonly parts: BlobId[] = [];
  private lastName: Buffer | undefined;

  constructor(private readonly storeBlob: StoreBlob) {}

  /**
   * Adds the next entry (a TreeEntry or its encoded bytes); names must strictly increase. Returns the
   * shared resolved promise DONE unless a part is being stored, so that a caller adding a million
   * entries can skip a million awaits (`const p = w.add(e); if (p !== DONE) await p`).
   */
  add(entry: TreeEntry | Buffer): Promise<void> {
    const encoded = Buffer.isBuffer(entry) ? entry : encodeEntry(entry);
    const name = Buffer.isBuffer(entry) ? encodedName(encoded) : entry.name;
    if (this.lastName && compareBytes(this.lastName, name) >= 0) {
      return Promise.reject(new RangeError(`tree entries out of order or duplicate at ${JSON.stringify(name.toString('latin1'))}`));
    }
    this.lastName = name;
    const leaves = this.push(encoded);
    return leaves === undefined ? DONE : this.storeLeaves(leaves);
  }

  /** The root node's bytes (a leaf, or an indirect node after every part is stored). */
  async finish(): Promise<Buffer> {
    if (this.inline) return encodeLeaf(this.held);
    if (this.held.length > 0) await this.storeLeaves([this.cutLeaf()]);
    return encodeIndirect(this.parts);
  }

  /** Takes an entry; returns the leaves that it completed, if any. */
  private push(encoded: Buffer): Buffer[] | undefined {
    if (!this.inline) return this.feed(encoded, undefined);
    this.held.push(encoded);
    this.heldBytes += lebLength(encoded.length) + encoded.length;
    if (this.heldBytes <= TREE_INLINE_LIMIT) return undefined;
    // Too big for one leaf: from here on, cut parts; the cut points are those of splitEntries over
    // the whole list, since the cutter only ever looks at the current part.
    this.inline = false;
    const all = this.held;
    this.held = [];
    let leaves: Buffer[] | undefined;
    for (const e of all) leaves = this.feed(e, leaves);
    return leaves;
  }

  private feed(encoded: Buffer, leaves: Buffer[] | undefined): Buffer[] | undefined {
    const cut = this.cutter.push(encoded);
    if (cut.before) (leaves ??= []).push(this.cutLeaf());
    this.held.push(encoded);
    if (cut.after) (leaves ??= []).push(this.cutLeaf());
    return leaves;
  }

  private cutLeaf(): Buffer {
    const leaf = encodeLeaf(this.held);
    this.held = [];
    return leaf;
  }

  private async storeLeaves(leaves: Buffer[]): Promise<void> {
    for (const leaf of leaves) this.parts.push(await this.storeBlob(leaf));
  }
}

/** What TreeWriter.add returns when it stored nothing. */
export const DONE: Promise<void> = Promise.resolve();

/** The root node of a directory of `entries` (any order); parts are stored via `storeBlob`, the root is not. */
export async function buildTree(entries: TreeEntry[], storeBlob: StoreBlob): Promise<Buffer> {
  const writer = new TreeWriter(storeBlob);
  for (const e of sortEntries(entries)) {
    const stored = writer.add(e);
    if (stored !== DONE) await stored;
  }
  return writer.finish();
}

/**
 * The entries of a tree, one part at a time (the next part is loaded while the current one is used;
 * never more than two parts in memory). Checks name order across parts.
 */
export async function* readTreeParts(rootBytes: Buffer, loadBlob: LoadBlob, id?: BlobId): AsyncGenerator<TreeEntry[]> {
  const root = decodeTreeNode(rootBytes, id);
  if (root.kind === NodeKind.Leaf) {
    yield root.entries;
    return;
  }
  const load = (i: number): Promise<Buffer> => {
    const p = loadBlob(root.parts[i]);
    p.catch(() => {}); // if the consumer stops early, a failed prefetch is nobody's error
    return p;
  };
  let next = load(0);
  let prevName: Buffer | undefined;
  for (let i = 0; i < root.parts.length; i++) {
    const bytes = await next;
    if (i + 1 < root.parts.length) next = load(i + 1);
    const entries = named(root.parts[i], () => {
      checkVersion(bytes);
      if (bytes[1] !== NodeKind.Leaf) throw new IntegrityError(`a part of tree ${id?.toString('hex') ?? ''} is not a leaf`);
      const out = decodeLeafEntries(bytes, prevName);
      if (out.length === 0) throw new IntegrityError('empty tree part');
      return out;
    });
    prevName = entries[entries.length - 1].name;
    yield entries;
  }
}

/** The entries of a tree in name order, streaming part by part. */
export async function* readTree(rootBytes: Buffer, loadBlob: LoadBlob, id?: BlobId): AsyncGenerator<TreeEntry> {
  for await (const part of readTreeParts(rootBytes, loadBlob, id)) yield* part;
}
