;; A chunk cache in linear memory, keyed by UTF-8 bytes: the token ids of each run of a text between
;; ASCII whitespace (space, tab, line feed, carriage return), found by hashing the run's bytes.
;; Assembled into chunk-table-wasm.ts by scripts/assemble-wasm.ts (npm run wasm); driven by chunk-table.ts.
;;
;; Header (int32 at byte offset): 0 slots address, 4 slot mask (slot count - 1, a power of two),
;; 8 most entries, 12 arena end, 16 arena top, 20 entries, 24 full (no more inserts until cleared),
;; 28 misses of the last lookup, 32 why the last emit stopped early (1 out of room, 2 a row for
;; JavaScript). A slot is 16 bytes: hash, key address (0 = empty), key length, ids address (0 = not
;; known yet, -1 = a row holding this chunk is tokenized by JavaScript), which holds the count then the ids.
;;
;; lookup(texts, byteOffsets, from, to, rowRecords, records, misses): for each row r from `from`, its
;; chunks' slots in order into records (rowRecords[r] .. rowRecords[r + 1] - 1, numbered from 0 at
;; `from`); a chunk not in the table is inserted with its key copied into the arena, its slot
;; appended to misses. Returns the row it could not finish when the table is full (`to` otherwise).
;;
;; emit(from, to, rowRecords, records, rowState, rowCounts, out, outEnd, maxTokens, unknown): each
;; row's chunk ids in order, the unknown id dropped, at most maxTokens, written from out onwards;
;; rowCounts[r] the count, rowState[r] (in: 1 cut before tokenizing, 2 JavaScript's row) set to 1
;; when anything was cut. Returns the first row it did not write (`to` when all were).
(module
  (import "env" "memory" (memory 1))
  ;; A chunk's hash is FNV-1a over its bytes, its high half folded into the low bits the slot index
  ;; uses; it is computed while the chunk is scanned (V8 does not inline WebAssembly calls).
  (func $sameBytes (param $a i32) (param $b i32) (param $length i32) (result i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $a) (local.get $length)))
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (if (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b))) (then (return (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bytes)))
    (i32.const 1))
  ;; The slot holding the key at..at+length, or the empty slot where it goes (the table is never full).
  (func $find (param $h i32) (param $at i32) (param $length i32) (result i32)
    (local $mask i32) (local $i i32) (local $slot i32) (local $key i32)
    (local.set $mask (i32.load offset=4 (i32.const 0)))
    (local.set $i (i32.and (local.get $h) (local.get $mask)))
    (loop $probe
      (local.set $slot (i32.add (i32.load (i32.const 0)) (i32.shl (local.get $i) (i32.const 4))))
      (local.set $key (i32.load offset=4 (local.get $slot)))
      (if (i32.eqz (local.get $key)) (then (return (local.get $slot))))
      (if (i32.and
            (i32.eq (i32.load (local.get $slot)) (local.get $h))
            (i32.eq (i32.load offset=8 (local.get $slot)) (local.get $length)))
        (then
          (if (call $sameBytes (local.get $key) (local.get $at) (local.get $length))
            (then (return (local.get $slot))))))
      (local.set $i (i32.and (i32.add (local.get $i) (i32.const 1)) (local.get $mask)))
      (br $probe))
    (unreachable))
  ;; Fills the empty `slot` with the key (copied to the arena); 0 when the table or arena is full.
  (func $insert (param $slot i32) (param $h i32) (param $at i32) (param $length i32) (result i32)
    (local $top i32)
    (local.set $top (i32.load offset=16 (i32.const 0)))
    (if (i32.or
          (i32.load offset=24 (i32.const 0))
          (i32.or
            (i32.ge_u (i32.load offset=20 (i32.const 0)) (i32.load offset=8 (i32.const 0)))
            (i32.gt_u (i32.add (local.get $top) (local.get $length)) (i32.load offset=12 (i32.const 0)))))
      (then (return (i32.const 0))))
    (memory.copy (local.get $top) (local.get $at) (local.get $length))
    (i32.store (local.get $slot) (local.get $h))
    (i32.store offset=4 (local.get $slot) (local.get $top))
    (i32.store offset=8 (local.get $slot) (local.get $length))
    (i32.store offset=12 (local.get $slot) (i32.const 0))
    (i32.store offset=16 (i32.const 0) (i32.add (local.get $top) (local.get $length)))
    (i32.store offset=20 (i32.const 0) (i32.add (i32.load offset=20 (i32.const 0)) (i32.const 1)))
    (i32.const 1))
  (func (export "lookup")
    (param $texts i32) (param $byteOffsets i32) (param $from i32) (param $to i32)
    (param $rowRecords i32) (param $records i32) (param $misses i32) (result i32)
    (local $r i32) (local $at i32) (local $end i32) (local $start i32) (local $h i32) (local $slot i32)
    (local $recordAt i32) (local $missAt i32) (local $offsets i32) (local $byte i32)
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
            ;; Whitespace is space, tab, line feed, carriage return: byte 32, 9, 10 or 13.
            (block $skipped
              (loop $skip
                (br_if $skipped (i32.ge_u (local.get $at) (local.get $end)))
                (local.set $byte (i32.load8_u (local.get $at)))
                (br_if $skipped (i32.eqz (i32.or
                  (i32.or (i32.eq (local.get $byte) (i32.const 32)) (i32.eq (local.get $byte) (i32.const 13)))
                  (i32.lt_u (i32.sub (local.get $byte) (i32.const 9)) (i32.const 2)))))
                (local.set $at (i32.add (local.get $at) (i32.const 1)))
                (br $skip)))
            (br_if $chunksDone (i32.ge_u (local.get $at) (local.get $end)))
            (local.set $start (local.get $at))
            (local.set $h (i32.const 0x811c9dc5))
            (block $chunkEnd
              (loop $scan
                (br_if $chunkEnd (i32.ge_u (local.get $at) (local.get $end)))
                (local.set $byte (i32.load8_u (local.get $at)))
                (br_if $chunkEnd (i32.or
                  (i32.or (i32.eq (local.get $byte) (i32.const 32)) (i32.eq (local.get $byte) (i32.const 13)))
                  (i32.lt_u (i32.sub (local.get $byte) (i32.const 9)) (i32.const 2))))
                (local.set $h (i32.mul (i32.xor (local.get $h) (local.get $byte)) (i32.const 0x01000193)))
                (local.set $at (i32.add (local.get $at) (i32.const 1)))
                (br $scan)))
            (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))
            (local.set $slot (call $find (local.get $h) (local.get $start) (i32.sub (local.get $at) (local.get $start))))
            (if (i32.eqz (i32.load offset=4 (local.get $slot)))
              (then
                (if (i32.eqz
                      (call $insert (local.get $slot) (local.get $h) (local.get $start)
                        (i32.sub (local.get $at) (local.get $start))))
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
    (local $total i32) (local $kept i32) (local $at i32) (local $idsEnd i32) (local $id i32)
    (local.set $r (local.get $from))
    (block $rowsDone
      (loop $rowsLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $to)))
        (local.set $state (i32.load (i32.add (local.get $rowState) (i32.shl (local.get $r) (i32.const 2)))))
        (if (i32.eq (local.get $state) (i32.const 2))
          (then (i32.store offset=32 (i32.const 0) (i32.const 2)) (return (local.get $r))))
        (local.set $recordsEnd (i32.add (local.get $records) (i32.shl
          (i32.load offset=4 (i32.add (local.get $rowRecords) (i32.shl (local.get $r) (i32.const 2))))
          (i32.const 2))))
        ;; A chunk JavaScript must see sends the whole row there; else the row's ids must fit before outEnd.
        (local.set $total (i32.const 0))
        (local.set $record (i32.add (local.get $records) (i32.shl
          (i32.load (i32.add (local.get $rowRecords) (i32.shl (local.get $r) (i32.const 2))))
          (i32.const 2))))
        (block $checked
          (loop $check
            (br_if $checked (i32.ge_u (local.get $record) (local.get $recordsEnd)))
            (local.set $ids (i32.load offset=12 (i32.load (local.get $record))))
            (if (i32.le_s (local.get $ids) (i32.const 0))
              (then (i32.store offset=32 (i32.const 0) (i32.const 2)) (return (local.get $r))))
            (local.set $total (i32.add (local.get $total) (i32.load (local.get $ids))))
            (local.set $record (i32.add (local.get $record) (i32.const 4)))
            (br $check)))
        (if (i32.gt_u (local.get $total) (local.get $maxTokens)) (then (local.set $total (local.get $maxTokens))))
        (if (i32.gt_u (i32.add (local.get $out) (i32.shl (local.get $total) (i32.const 2))) (local.get $outEnd))
          (then (i32.store offset=32 (i32.const 0) (i32.const 1)) (return (local.get $r))))
        (local.set $kept (i32.const 0))
        (local.set $record (i32.add (local.get $records) (i32.shl
          (i32.load (i32.add (local.get $rowRecords) (i32.shl (local.get $r) (i32.const 2))))
          (i32.const 2))))
        (block $rowDone
          (loop $recordsLoop
            (br_if $rowDone (i32.ge_u (local.get $record) (local.get $recordsEnd)))
            (local.set $ids (i32.load offset=12 (i32.load (local.get $record))))
            (local.set $at (i32.add (local.get $ids) (i32.const 4)))
            (local.set $idsEnd (i32.add (local.get $at) (i32.shl (i32.load (local.get $ids)) (i32.const 2))))
            (block $idsDone
              (loop $idsLoop
                (br_if $idsDone (i32.ge_u (local.get $at) (local.get $idsEnd)))
                (local.set $id (i32.load (local.get $at)))
                (if (i32.ne (local.get $id) (local.get $unknown))
                  (then
                    (if (i32.eq (local.get $kept) (local.get $maxTokens))
                      (then (local.set $state (i32.const 1)) (br $rowDone)))
                    (i32.store (i32.add (local.get $out) (i32.shl (local.get $kept) (i32.const 2))) (local.get $id))
                    (local.set $kept (i32.add (local.get $kept) (i32.const 1)))))
                (local.set $at (i32.add (local.get $at) (i32.const 4)))
                (br $idsLoop)))
            (local.set $record (i32.add (local.get $record) (i32.const 4)))
            (br $recordsLoop)))
        (i32.store (i32.add (local.get $rowCounts) (i32.shl (local.get $r) (i32.const 2))) (local.get $kept))
        (i32.store (i32.add (local.get $rowState) (i32.shl (local.get $r) (i32.const 2))) (local.get $state))
        (local.set $out (i32.add (local.get $out) (i32.shl (local.get $kept) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop)))
    (local.get $to)))
