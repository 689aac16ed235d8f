;; A chunk cache in linear memory, keyed by UTF-8 bytes: the token ids of each run of a text between
;; ASCII whitespace (space, tab, line feed, carriage return), found by hashing the run's bytes.
;; Assembled into chunk-table-wasm.ts by scripts/assemble-wasm.ts (npm run wasm); driven by chunk-table.ts.
;;
;; Header (int32 at byte offset): 0 slots address, 4 slot mask (slot count - 1, a power of two),
;; 8 most entries, 12 arena end, 16 arena top, 20 entries, 24 full (no more inserts until cleared),
;; 28 misses of the last lookup, 32 why the last emit stopped early (1 out of room, 2 a row for
;; JavaScript). A slot is 16 bytes: a key of at most 8 bytes held in the slot's first 8 (zero-padded),
;; a longer one as its hash and its address in the arena; key length (0 = empty); ids address (0 = not
;; known yet, -1 = a row holding this chunk is tokenized by JavaScript), which holds the count then the ids.
;;
;; lookup(texts, byteOffsets, from, to, rowRecords, records, misses): for each row r from `from`, its
;; chunks' slots in order into records (rowRecords[r] .. rowRecords[r + 1] - 1, numbered from 0 at
;; `from`); a chunk not in the table is inserted (a long key copied into the arena), its slot
;; appended to misses. Returns the row it could not finish when the table is full (`to` otherwise).
;; Reads up to 15 bytes past a row's end and 7 past a long key's: the batch areas after the texts and
;; after the arena keep both inside the memory.
;;
;; emit(from, to, rowRecords, records, rowState, rowCounts, out, outEnd, maxTokens, unknown): each
;; row's chunk ids in order, the unknown id dropped, at most maxTokens, written from out onwards;
;; rowCounts[r] the count, rowState[r] (in: 1 cut before tokenizing, 2 JavaScript's row) set to 1
;; when anything was cut. Returns the first row it did not write (`to` when all were).
(module
  (import "env" "memory" (memory 1))
  ;; The bytes at..at+length (1 to 8 of them) as a little-endian word, zero-padded.
  (func $word (param $at i32) (param $length i32) (result i64)
    (i64.and (i64.load (local.get $at))
      (i64.shr_u (i64.const -1) (i64.extend_i32_u (i32.sub (i32.const 64) (i32.shl (local.get $length) (i32.const 3)))))))
  ;; Whether the `length` bytes at a and b are equal, compared a word at a time.
  (func $sameBytes (param $a i32) (param $b i32) (param $length i32) (result i32)
    (block $tail
      (loop $words
        (br_if $tail (i32.lt_u (local.get $length) (i32.const 8)))
        (if (i64.ne (i64.load (local.get $a)) (i64.load (local.get $b))) (then (return (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (i32.const 8)))
        (local.set $b (i32.add (local.get $b) (i32.const 8)))
        (local.set $length (i32.sub (local.get $length) (i32.const 8)))
        (br $words)))
    (if (i32.eqz (local.get $length)) (then (return (i32.const 1))))
    (i64.eq (call $word (local.get $a) (local.get $length)) (call $word (local.get $b) (local.get $length))))
  ;; A chunk's hash mixes its bytes a word at a time (multiply by the golden ratio, keep the high
  ;; half): one step for the common chunk of at most 8 bytes.
  (func $hash (param $at i32) (param $length i32) (result i32)
    (local $h i64)
    (block $tail
      (loop $words
        (br_if $tail (i32.le_u (local.get $length) (i32.const 8)))
        (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load (local.get $at))) (i64.const 0x9e3779b97f4a7c15)))
        (local.set $at (i32.add (local.get $at) (i32.const 8)))
        (local.set $length (i32.sub (local.get $length) (i32.const 8)))
        (br $words)))
    (local.set $h (i64.mul (i64.xor (local.get $h) (call $word (local.get $at) (local.get $length)))
      (i64.const 0x9e3779b97f4a7c15)))
    (i32.wrap_i64 (i64.shr_u (local.get $h) (i64.const 32))))
  ;; Which of the 16 bytes from `at` are whitespace (space, tab, line feed, carriage return), one bit each.
  (func $whitespace (param $at i32) (result i32)
    (local $bytes v128)
    (local.set $bytes (v128.load (local.get $at)))
    (i8x16.bitmask (v128.or
      (v128.or (i8x16.eq (local.get $bytes) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32))
        (i8x16.eq (local.get $bytes) (v128.const i8x16 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9)))
      (v128.or (i8x16.eq (local.get $bytes) (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10))
        (i8x16.eq (local.get $bytes) (v128.const i8x16 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13))))))
  ;; Fills the empty `slot` with the key (a long one copied to the arena); 0 when the table or arena is full.
  (func $insert (param $slot i32) (param $h i32) (param $at i32) (param $length i32) (result i32)
    (local $top i32) (local $long i32)
    (local.set $top (i32.load offset=16 (i32.const 0)))
    (local.set $long (i32.gt_u (local.get $length) (i32.const 8)))
    (if (i32.or
          (i32.load offset=24 (i32.const 0))
          (i32.or
            (i32.ge_u (i32.load offset=20 (i32.const 0)) (i32.load offset=8 (i32.const 0)))
            (i32.and (local.get $long)
              (i32.gt_u (i32.add (local.get $top) (local.get $length)) (i32.load offset=12 (i32.const 0))))))
      (then (return (i32.const 0))))
    (if (local.get $long)
      (then
        (memory.copy (local.get $top) (local.get $at) (local.get $length))
        (i32.store (local.get $slot) (local.get $h))
        (i32.store offset=4 (local.get $slot) (local.get $top))
        (i32.store offset=16 (i32.const 0) (i32.add (local.get $top) (local.get $length))))
      (else (i64.store (local.get $slot) (call $word (local.get $at) (local.get $length)))))
    (i32.store offset=8 (local.get $slot) (local.get $length))
    (i32.store offset=12 (local.get $slot) (i32.const 0))
    (i32.store offset=20 (i32.const 0) (i32.add (i32.load offset=20 (i32.const 0)) (i32.const 1)))
    (i32.const 1))
  (func (export "lookup")
    (param $texts i32) (param $byteOffsets i32) (param $from i32) (param $to i32)
    (param $rowRecords i32) (param $records i32) (param $misses i32) (result i32)
    (local $r i32) (local $at i32) (local $end i32) (local $start i32) (local $h i32) (local $slot i32)
    (local $recordAt i32) (local $missAt i32) (local $offsets i32) (local $length i32)
    (local $key i64) (local $slots i32) (local $mask i32) (local $i i32) (local $slotLength i32) (local $spaces i32)
    (local.set $slots (i32.load (i32.const 0)))
    (local.set $mask (i32.load offset=4 (i32.const 0)))
    (local.set $recordAt (local.get $records))
    (local.set $missAt (local.get $misses))
    (local.set $r (local.get $from))
    (block $rowsDone
      (loop $rowsLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $to)))
        (i32.store (i32.add (local.get $rowRecords) (i32.shl (local.get $r) (i32.const 2)))
          (i32.shr_u (i32.sub (local.get $recordAt) (local.get $records)) (i32.const 2)))
        (local.set $offsets (i32.add (local.get $byteOffsets) (i32.shl (local.get $r) (i32.const 2))))
        (local.set $at (i32.add (local.get $texts) (i32.load (local.get $offsets))))
        (local.set $end (i32.add (local.get $texts) (i32.load offset=4 (local.get $offsets))))
        (block $chunksDone
          (loop $chunks
            ;; 16 bytes a step: the bit mask of whitespace among them (bytes past the row's end count too,
            ;; so positions are clamped to it).
            (block $skipped
              (loop $skip
                (br_if $chunksDone (i32.ge_u (local.get $at) (local.get $end)))
                (local.set $spaces (i32.xor (call $whitespace (local.get $at)) (i32.const 0xffff)))
                (if (i32.eqz (local.get $spaces))
                  (then (local.set $at (i32.add (local.get $at) (i32.const 16))) (br $skip)))
                (local.set $at (i32.add (local.get $at) (i32.ctz (local.get $spaces))))
                (br $skipped)))
            (br_if $chunksDone (i32.ge_u (local.get $at) (local.get $end)))
            (local.set $start (local.get $at))
            (block $chunkEnd
              (loop $scan
                (local.set $spaces (call $whitespace (local.get $at)))
                (if (local.get $spaces)
                  (then (local.set $at (i32.add (local.get $at) (i32.ctz (local.get $spaces)))) (br $chunkEnd)))
                (local.set $at (i32.add (local.get $at) (i32.const 16)))
                (br_if $scan (i32.lt_u (local.get $at) (local.get $end)))))
            (if (i32.gt_u (local.get $at) (local.get $end)) (then (local.set $at (local.get $end))))
            (local.set $length (i32.sub (local.get $at) (local.get $start)))
            ;; The probe, inline (V8 does not inline WebAssembly calls): a short key is one word compare.
            (if (i32.le_u (local.get $length) (i32.const 8))
              (then
                (local.set $key (i64.and (i64.load (local.get $start))
                  (i64.shr_u (i64.const -1)
                    (i64.extend_i32_u (i32.sub (i32.const 64) (i32.shl (local.get $length) (i32.const 3)))))))
                (local.set $h (i32.wrap_i64 (i64.shr_u (i64.mul (local.get $key) (i64.const 0x9e3779b97f4a7c15))
                  (i64.const 32)))))
              (else (local.set $h (call $hash (local.get $start) (local.get $length)))))
            (local.set $i (i32.and (local.get $h) (local.get $mask)))
            (block $found
              (loop $probe
                (local.set $slot (i32.add (local.get $slots) (i32.shl (local.get $i) (i32.const 4))))
                (local.set $slotLength (i32.load offset=8 (local.get $slot)))
                (br_if $found (i32.eqz (local.get $slotLength)))
                (if (i32.eq (local.get $slotLength) (local.get $length))
                  (then
                    (if (i32.le_u (local.get $length) (i32.const 8))
                      (then (br_if $found (i64.eq (i64.load (local.get $slot)) (local.get $key))))
                      (else
                        (if (i32.eq (i32.load (local.get $slot)) (local.get $h))
                          (then (br_if $found (call $sameBytes (i32.load offset=4 (local.get $slot))
                            (local.get $start) (local.get $length)))))))))
                (local.set $i (i32.and (i32.add (local.get $i) (i32.const 1)) (local.get $mask)))
                (br $probe)))
            (if (i32.eqz (local.get $slotLength))
              (then
                (if (i32.eqz
                      (call $insert (local.get $slot) (local.get $h) (local.get $start) (local.get $length)))
                  (then
                    (i32.store offset=28 (i32.const 0)
                      (i32.shr_u (i32.sub (local.get $missAt) (local.get $misses)) (i32.const 2)))
                    (return (local.get $r))))
                (i32.store (local.get $missAt) (local.get $slot))
                (local.set $missAt (i32.add (local.get $missAt) (i32.const 4)))))
            (i32.store (local.get $recordAt) (local.get $slot))
            (local.set $recordAt (i32.add (local.get $recordAt) (i32.const 4)))
            (br $chunks)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop)))
    (i32.store (i32.add (local.get $rowRecords) (i32.shl (local.get $to) (i32.const 2)))
      (i32.shr_u (i32.sub (local.get $recordAt) (local.get $records)) (i32.const 2)))
    (i32.store offset=28 (i32.const 0) (i32.shr_u (i32.sub (local.get $missAt) (local.get $misses)) (i32.const 2)))
    (local.get $to))
  (func (export "emit")
    (param $from i32) (param $to i32) (param $rowRecords i32) (param $records i32) (param $rowState i32)
    (param $rowCounts i32) (param $out i32) (param $outEnd i32) (param $maxTokens i32) (param $unknown i32)
    (result i32)
    (local $r i32) (local $state i32) (local $record i32) (local $recordsEnd i32) (local $ids i32)
    (local $kept i32) (local $at i32) (local $idsEnd i32) (local $id i32) (local $room i32)
    ;; Ids that fit before outEnd; a row that does not fit is written again once the area has grown.
    (local.set $room (i32.shr_u (i32.sub (local.get $outEnd) (local.get $out)) (i32.const 2)))
    (local.set $r (local.get $from))
    (block $rowsDone
      (loop $rowsLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $to)))
        (local.set $state (i32.load (i32.add (local.get $rowState) (i32.shl (local.get $r) (i32.const 2)))))
        (if (i32.eq (local.get $state) (i32.const 2))
          (then (i32.store offset=32 (i32.const 0) (i32.const 2)) (return (local.get $r))))
        (local.set $record (i32.add (local.get $records) (i32.shl
          (i32.load (i32.add (local.get $rowRecords) (i32.shl (local.get $r) (i32.const 2))))
          (i32.const 2))))
        (local.set $recordsEnd (i32.add (local.get $records) (i32.shl
          (i32.load offset=4 (i32.add (local.get $rowRecords) (i32.shl (local.get $r) (i32.const 2))))
          (i32.const 2))))
        (local.set $kept (i32.const 0))
        ;; One pass: a chunk JavaScript must see sends the whole row there, even past the cap.
        (block $rowDone
          (loop $recordsLoop
            (br_if $rowDone (i32.ge_u (local.get $record) (local.get $recordsEnd)))
            (local.set $ids (i32.load offset=12 (i32.load (local.get $record))))
            (if (i32.le_s (local.get $ids) (i32.const 0))
              (then (i32.store offset=32 (i32.const 0) (i32.const 2)) (return (local.get $r))))
            (local.set $at (i32.add (local.get $ids) (i32.const 4)))
            (local.set $idsEnd (i32.add (local.get $at) (i32.shl (i32.load (local.get $ids)) (i32.const 2))))
            (block $idsDone
              (loop $idsLoop
                (br_if $idsDone (i32.ge_u (local.get $at) (local.get $idsEnd)))
                (local.set $id (i32.load (local.get $at)))
                (if (i32.ne (local.get $id) (local.get $unknown))
                  (then
                    (if (i32.eq (local.get $kept) (local.get $maxTokens))
                      (then (local.set $state (i32.const 1)) (br $idsDone)))
                    (if (i32.eq (local.get $kept) (local.get $room))
                      (then (i32.store offset=32 (i32.const 0) (i32.const 1)) (return (local.get $r))))
                    (i32.store (i32.add (local.get $out) (i32.shl (local.get $kept) (i32.const 2))) (local.get $id))
                    (local.set $kept (i32.add (local.get $kept) (i32.const 1)))))
                (local.set $at (i32.add (local.get $at) (i32.const 4)))
                (br $idsLoop)))
            (local.set $record (i32.add (local.get $record) (i32.const 4)))
            (br $recordsLoop)))
        (i32.store (i32.add (local.get $rowCounts) (i32.shl (local.get $r) (i32.const 2))) (local.get $kept))
        (i32.store (i32.add (local.get $rowState) (i32.shl (local.get $r) (i32.const 2))) (local.get $state))
        (local.set $out (i32.add (local.get $out) (i32.shl (local.get $kept) (i32.const 2))))
        (local.set $room (i32.sub (local.get $room) (local.get $kept)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop)))
    (local.get $to)))
