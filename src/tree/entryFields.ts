// The field table of a tree entry (format v1), shared by the encoder and the decoder.

/** Field tags, in the order they must appear. */
export const Tag = {
  Name: 1,
  Type: 2,
  Mode: 3,
  Uid: 4,
  Gid: 5,
  User: 6,
  Group: 7,
  Size: 8,
  MtimeNs: 9,
  CtimeNs: 10,
  Dev: 11,
  Inode: 12,
  Nlink: 13,
  Rdev: 14,
  LinkTarget: 15,
  Xattrs: 16,
  Chunks: 17,
  ChunkList: 18,
  Subtree: 19,
} as const;

export const U32 = 4;
export const U64 = 8;
/** Tags that every entry carries: a bit per tag. */
export const REQUIRED_MASK = [Tag.Name, Tag.Type, Tag.Mode, Tag.Uid, Tag.Gid, Tag.Size, Tag.MtimeNs, Tag.CtimeNs, Tag.Dev, Tag.Inode, Tag.Nlink]
  .reduce((m, t) => m | (1 << t), 0);
