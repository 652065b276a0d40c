;; The FastCDC-2020 cut loop in WebAssembly: the 64-bit gear hash in native i64 arithmetic, two bytes
;; per iteration as fastcdc-rs `cut_gear` does (see fastcdc2020.ts for the algorithm and its quirks).
;; Assembled to dist/chunker/gearScan.wasm by scripts/build-wasm.mjs (npm run build / prepare); the
;; JavaScript around it is gearScan.ts.
;;
;; Memory (imported, one per scanner, never grown so views of it stay valid):
;;   [0, 2048)     GEAR: 256 × u64 little-endian
;;   [2048, 4096)  GEAR_LS: GEAR << 1 (wrapping)
;;   [4096, ...)   input bytes, placed by the caller
(module
  (import "env" "memory" (memory 1))
  ;; The hash between calls, so one judgement phase can be scanned in several blocks.
  (global $h (mut i64) (i64.const 0))

  ;; scan(a, until, maskLo, maskHi, fresh) judges the pairs starting at a, a + 2, ... below `until`
  ;; (until - a is even) with mask (maskHi << 32 | maskLo): the first byte of a pair with mask << 1
  ;; after h = (h << 2) + GEAR_LS[byte], the second with mask after h += GEAR[byte]. It returns the
  ;; address of the first byte whose hash hit (the cut goes before it, as in fastcdc-rs), or `until`
  ;; when none did (a hit is always below until). fresh = 1 starts from h = 0, else from the hash the
  ;; previous call left.
  (func (export "scan")
    (param $a i32) (param $until i32) (param $maskLo i32) (param $maskHi i32) (param $fresh i32)
    (result i32)
    (local $mask i64) (local $maskLs i64) (local $hash i64)
    (local.set $mask (i64.or
      (i64.extend_i32_u (local.get $maskLo))
      (i64.shl (i64.extend_i32_u (local.get $maskHi)) (i64.const 32))))
    (local.set $maskLs (i64.shl (local.get $mask) (i64.const 1)))
    (local.set $hash (select (i64.const 0) (global.get $h) (local.get $fresh)))
    (block $done
      (br_if $done (i32.ge_u (local.get $a) (local.get $until)))
      (loop $pair
        ;; First byte: h = (h << 2) + GEAR_LS[data[a]], judged with mask << 1.
        (local.set $hash (i64.add
          (i64.shl (local.get $hash) (i64.const 2))
          (i64.load offset=2048 (i32.shl (i32.load8_u (local.get $a)) (i32.const 3)))))
        (if (i64.eqz (i64.and (local.get $hash) (local.get $maskLs)))
          (then
            (global.set $h (local.get $hash))
            (return (local.get $a))))
        ;; Second byte: h += GEAR[data[a + 1]], judged with mask.
        (local.set $hash (i64.add
          (local.get $hash)
          (i64.load (i32.shl (i32.load8_u offset=1 (local.get $a)) (i32.const 3)))))
        (if (i64.eqz (i64.and (local.get $hash) (local.get $mask)))
          (then
            (global.set $h (local.get $hash))
            (return (i32.add (local.get $a) (i32.const 1)))))
        (local.set $a (i32.add (local.get $a) (i32.const 2)))
        (br_if $pair (i32.lt_u (local.get $a) (local.get $until)))))
    (global.set $h (local.get $hash))
    (local.get $until))

  ;; The hash the last scan ended with, as two u32 halves (fastcdc-rs's Chunk.hash, for tests).
  (func (export "hashLo") (result i32) (i32.wrap_i64 (global.get $h)))
  (func (export "hashHi") (result i32) (i32.wrap_i64 (i64.shr_u (global.get $h) (i64.const 32))))
)
