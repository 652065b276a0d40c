// Messages between the main thread and the chunking workers.

export interface WorkerJob {
  id: number;
  /** The file's path as raw bytes (names need not be UTF-8). */
  path: Uint8Array;
  params: { min: number; avg: number; max: number; level?: number };
  gear: BigUint64Array;
  idKey: Uint8Array | undefined;
  readSize: number;
}

export type WorkerMessage =
  | { job: number; ids: Uint8Array; lengths: Uint32Array; data: ArrayBuffer; bytes: number }
  | { job: number; done: true }
  | { job: number; error: { code?: string; message: string } };

/** Flow control: `credit` more batches may be sent for a job; `cancel` stops it (the reader went away). */
export type WorkerControl = { job: number; credit: number } | { job: number; cancel: true };
