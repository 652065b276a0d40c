// tree/ owns tree objects, the stored form of directories: the in-memory entry (entry.ts); its
// canonical tagged encoding (entryCodec.ts, entryDecode.ts, entryFields.ts, leb128.ts); tree nodes and
// the content-defined splitting of big directories and of big files' chunk lists (treeCodec.ts,
// partCutter.ts, chunkList.ts); and the Linux filesystem side of entries: lstat → entry, xattrs, owner
// names, special files, restoring metadata (fsMetadata.ts, xattrs.ts, userGroup.ts, fsPaths.ts); the
// one tree walker (walk.ts) and the bound a snapshot's record puts on a walk of it (walkBudget.ts).
// Encoding and decoding are pure; only the four filesystem files touch the filesystem. docs/tree.md
// specifies the bytes.

export { EntryType, type Xattr, type TreeEntry, isValidName, compareBytes } from './entry.js';
export { encodeEntry, decodeEntry, encodedName, Tag } from './entryCodec.js';
export {
  TREE_FORMAT_VERSION, NodeKind, DONE, type TreeNode, encodeLeaf, encodeIndirect, decodeTreeNode, sortEntries, TreeWriter,
  buildTree, readTree, readTreeParts,
} from './treeCodec.js';
export { splitEntries, nameHash, TREE_INLINE_LIMIT, TREE_PART_MIN, TREE_PART_AVG, TREE_PART_MAX } from './partCutter.js';
export {
  INLINE_CHUNK_LIMIT, CHUNK_LIST_CUT_MASK, CHUNK_LIST_MAX_IDS, isNaturalCut, splitChunkList, encodeChunkListBlob, decodeChunkListBlob,
  chunkRefs, readChunkIds,
} from './chunkList.js';
export {
  entryFromStat, createSpecial, applyMetadata, type ApplyOptions, utimeArg, devMajorMinor, UserGroupNames, readXattrs,
  writeXattrs, type XattrReadOptions, MODE_BITS,
} from './fsMetadata.js';
