;; TF-IDF rows of ASCII texts, the arithmetic of tfidf-rows.ts in the same order, so every value is
;; bit-identical. Assembled into tfidf-rows-wasm.ts by scripts/assemble-wasm.ts (npm run wasm);
;; driven by tfidf-kernel.ts, which builds the tables below from term-index.ts's.
;;
;; Header (int32 at byte offset): 0 word slots (int32: word id + 1, 0 empty), 4 word slot mask,
;; 8 word starts (int32, word id -> offset into the units, one more than the words), 12 word hashes
;; (int32), 16 word units (uint16 code units), 20 unigram columns (int32 per word id, -1 none),
;; 24 pair slots (12 bytes: first id + 1 (0 empty), second id, column), 28 pair hash shift (32 -
;; log2 slots), 32 idf (float64 per column), 36 tf (float64 per count below 256), 40 counts (int32
;; per column, zero between rows), 44 touched columns (int32 per column), 48 weights (float64 per
;; distinct column), 52 ngramMax, 56 most distinct columns a row may have here.
;;
;; weigh(rows, texts, textEnds, indices, values, entryEnds, tokens): row r is the bytes texts +
;; textEnds[r - 1] .. texts + textEnds[r] (from texts for row 0), lowercased in place (ASCII A-Z);
;; its words are the maximal runs of two or more of a-z, 0-9 and _ (natural's /[\p{L}\p{N}_]{2,}/gu
;; on ASCII). Its entries go to indices and values from entryEnds[r - 1] (from 0 for row 0),
;; columns ascending, entryEnds[r] and tokens[r] (its known terms) after them. Returns the first row
;; it did not weigh: one with more distinct columns than the header allows or a count of 256 or more
;; (JavaScript weighs it, its counts are cleared here), `rows` when it weighed all.
(module
  (import "env" "memory" (memory 1))
  (global $distinct (mut i32) (i32.const 0))

  ;; The id of the word at..at+length with FNV-1a hash h, -1 when no term holds it.
  (func $wordId (param $at i32) (param $length i32) (param $h i32) (result i32)
    (local $mask i32) (local $slot i32) (local $id i32) (local $from i32) (local $i i32)
    (local.set $mask (i32.load offset=4 (i32.const 0)))
    (local.set $slot (i32.and (local.get $h) (local.get $mask)))
    (loop $probe
      (local.set $id (i32.load (i32.add (i32.load (i32.const 0)) (i32.shl (local.get $slot) (i32.const 2)))))
      (if (i32.eqz (local.get $id)) (then (return (i32.const -1))))
      (local.set $id (i32.sub (local.get $id) (i32.const 1)))
      (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (local.get $mask)))
      (local.set $from (i32.load (i32.add (i32.load offset=8 (i32.const 0)) (i32.shl (local.get $id) (i32.const 2)))))
      (br_if $probe (i32.ne
        (i32.load (i32.add (i32.load offset=12 (i32.const 0)) (i32.shl (local.get $id) (i32.const 2))))
        (local.get $h)))
      (br_if $probe (i32.ne
        (i32.sub
          (i32.load offset=4 (i32.add (i32.load offset=8 (i32.const 0)) (i32.shl (local.get $id) (i32.const 2))))
          (local.get $from))
        (local.get $length)))
      (local.set $from (i32.add (i32.load offset=16 (i32.const 0)) (i32.shl (local.get $from) (i32.const 1))))
      (local.set $i (i32.const 0))
      (block $differs
        (loop $units
          (if (i32.ge_u (local.get $i) (local.get $length)) (then (return (local.get $id))))
          (br_if $differs (i32.ne
            (i32.load16_u (i32.add (local.get $from) (i32.shl (local.get $i) (i32.const 1))))
            (i32.load8_u (i32.add (local.get $at) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $units)))
      (br $probe))
    (unreachable))

  ;; The column of the pair term "first second", -1 when there is none (multiplicative hash, top bits).
  (func $pairColumn (param $first i32) (param $second i32) (result i32)
    (local $shift i32) (local $slot i32) (local $at i32) (local $key i32)
    (local.set $shift (i32.load offset=28 (i32.const 0)))
    (local.set $slot (i32.shr_u
      (i32.mul (i32.xor (i32.mul (local.get $first) (i32.const 0x9e3779b1)) (local.get $second)) (i32.const 0x85ebca6b))
      (local.get $shift)))
    (loop $probe
      (local.set $at (i32.add (i32.load offset=24 (i32.const 0)) (i32.mul (local.get $slot) (i32.const 12))))
      (local.set $key (i32.load (local.get $at)))
      (if (i32.eqz (local.get $key)) (then (return (i32.const -1))))
      (if (i32.and
            (i32.eq (local.get $key) (i32.add (local.get $first) (i32.const 1)))
            (i32.eq (i32.load offset=4 (local.get $at)) (local.get $second)))
        (then (return (i32.load offset=8 (local.get $at)))))
      (local.set $slot (i32.and
        (i32.add (local.get $slot) (i32.const 1))
        (i32.shr_u (i32.const -1) (local.get $shift))))
      (br $probe))
    (unreachable))

  ;; Counts one term of the current row.
  (func $tally (param $column i32)
    (local $at i32) (local $count i32)
    (local.set $at (i32.add (i32.load offset=40 (i32.const 0)) (i32.shl (local.get $column) (i32.const 2))))
    (local.set $count (i32.load (local.get $at)))
    (i32.store (local.get $at) (i32.add (local.get $count) (i32.const 1)))
    (if (i32.eqz (local.get $count))
      (then
        (i32.store
          (i32.add (i32.load offset=44 (i32.const 0)) (i32.shl (global.get $distinct) (i32.const 2)))
          (local.get $column))
        (global.set $distinct (i32.add (global.get $distinct) (i32.const 1))))))

  ;; Counts the terms of the bytes at..end (lowercased in place) into counts and touched.
  (func $count (param $at i32) (param $end i32)
    (local $byte i32) (local $runStart i32) (local $runLength i32) (local $h i32) (local $id i32)
    (local $previous i32) (local $column i32) (local $pairs i32)
    (local.set $pairs (i32.eq (i32.load offset=52 (i32.const 0)) (i32.const 2)))
    (local.set $previous (i32.const -1))
    (global.set $distinct (i32.const 0))
    (loop $bytes
      ;; The end of the text is read as a space, so the last word is closed like the others.
      (local.set $byte (i32.const 32))
      (if (i32.lt_u (local.get $at) (local.get $end))
        (then
          (local.set $byte (i32.load8_u (local.get $at)))
          (if (i32.lt_u (i32.sub (local.get $byte) (i32.const 65)) (i32.const 26))
            (then
              (local.set $byte (i32.add (local.get $byte) (i32.const 32)))
              (i32.store8 (local.get $at) (local.get $byte))))))
      (if (i32.or
            (i32.or
              (i32.lt_u (i32.sub (local.get $byte) (i32.const 97)) (i32.const 26))
              (i32.lt_u (i32.sub (local.get $byte) (i32.const 48)) (i32.const 10)))
            (i32.eq (local.get $byte) (i32.const 95)))
        (then
          (if (i32.eqz (local.get $runLength))
            (then
              (local.set $runStart (local.get $at))
              (local.set $h (i32.const 0x811c9dc5))))
          (local.set $h (i32.mul (i32.xor (local.get $h) (local.get $byte)) (i32.const 0x01000193)))
          (local.set $runLength (i32.add (local.get $runLength) (i32.const 1))))
        (else
          (if (i32.ge_u (local.get $runLength) (i32.const 2))
            (then
              (local.set $id (call $wordId (local.get $runStart) (local.get $runLength) (local.get $h)))
              (if (i32.ge_s (local.get $id) (i32.const 0))
                (then
                  (local.set $column (i32.load
                    (i32.add (i32.load offset=20 (i32.const 0)) (i32.shl (local.get $id) (i32.const 2)))))
                  (if (i32.ge_s (local.get $column) (i32.const 0)) (then (call $tally (local.get $column))))
                  (if (i32.and (local.get $pairs) (i32.ge_s (local.get $previous) (i32.const 0)))
                    (then
                      (local.set $column (call $pairColumn (local.get $previous) (local.get $id)))
                      (if (i32.ge_s (local.get $column) (i32.const 0)) (then (call $tally (local.get $column))))))))
              (local.set $previous (local.get $id))))
          (local.set $runLength (i32.const 0))))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (br_if $bytes (i32.le_u (local.get $at) (local.get $end)))))

  ;; Zeroes the counts of the first `distinct` touched columns.
  (func $clear (param $distinct i32)
    (local $k i32)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $k) (local.get $distinct)))
        (i32.store
          (i32.add (i32.load offset=40 (i32.const 0))
            (i32.shl (i32.load (i32.add (i32.load offset=44 (i32.const 0)) (i32.shl (local.get $k) (i32.const 2))))
              (i32.const 2)))
          (i32.const 0))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $each))))

  ;; Sorts the first `distinct` touched columns ascending (insertion sort: rows here are short);
  ;; 0 when a count is 256 or more (its tf is not in the table), 1 otherwise.
  (func $sort (param $distinct i32) (result i32)
    (local $touched i32) (local $counts i32) (local $k i32) (local $j i32) (local $column i32) (local $other i32)
    (local.set $touched (i32.load offset=44 (i32.const 0)))
    (local.set $counts (i32.load offset=40 (i32.const 0)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $k) (local.get $distinct)))
        (local.set $column (i32.load (i32.add (local.get $touched) (i32.shl (local.get $k) (i32.const 2)))))
        (if (i32.ge_u (i32.load (i32.add (local.get $counts) (i32.shl (local.get $column) (i32.const 2))))
              (i32.const 256))
          (then (return (i32.const 0))))
        (local.set $j (local.get $k))
        (block $placed
          (loop $shift
            (br_if $placed (i32.eqz (local.get $j)))
            (local.set $other (i32.load (i32.add (local.get $touched) (i32.shl (i32.sub (local.get $j) (i32.const 1)) (i32.const 2)))))
            (br_if $placed (i32.le_s (local.get $other) (local.get $column)))
            (i32.store (i32.add (local.get $touched) (i32.shl (local.get $j) (i32.const 2))) (local.get $other))
            (local.set $j (i32.sub (local.get $j) (i32.const 1)))
            (br $shift)))
        (i32.store (i32.add (local.get $touched) (i32.shl (local.get $j) (i32.const 2))) (local.get $column))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $each)))
    (i32.const 1))

  (func (export "weigh")
    (param $rows i32) (param $texts i32) (param $textEnds i32) (param $indices i32) (param $values i32)
    (param $entryEnds i32) (param $tokens i32) (result i32)
    (local $row i32) (local $start i32) (local $end i32) (local $entry i32) (local $distinct i32)
    (local $k i32) (local $column i32) (local $count i32) (local $known i32) (local $weight f64)
    (local $squares f64) (local $scale f64) (local $counts i32) (local $weights i32)
    (local.set $counts (i32.load offset=40 (i32.const 0)))
    (local.set $weights (i32.load offset=48 (i32.const 0)))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $end (i32.load (i32.add (local.get $textEnds) (i32.shl (local.get $row) (i32.const 2)))))
        (call $count (i32.add (local.get $texts) (local.get $start)) (i32.add (local.get $texts) (local.get $end)))
        (local.set $distinct (global.get $distinct))
        (if (i32.gt_u (local.get $distinct) (i32.load offset=56 (i32.const 0)))
          (then
            (call $clear (local.get $distinct))
            (return (local.get $row))))
        (if (i32.eqz (call $sort (local.get $distinct)))
          (then
            (call $clear (local.get $distinct))
            (return (local.get $row))))
        ;; The weights and their sum of squares in ascending column order, as tfidf-rows.ts.
        (local.set $squares (f64.const 0))
        (local.set $known (i32.const 0))
        (local.set $k (i32.const 0))
        (block $weighed
          (loop $eachWeight
            (br_if $weighed (i32.ge_u (local.get $k) (local.get $distinct)))
            (local.set $column (i32.load (i32.add (i32.load offset=44 (i32.const 0)) (i32.shl (local.get $k) (i32.const 2)))))
            (i32.store (i32.add (local.get $indices) (i32.shl (i32.add (local.get $entry) (local.get $k)) (i32.const 2)))
              (local.get $column))
            (local.set $count (i32.load (i32.add (local.get $counts) (i32.shl (local.get $column) (i32.const 2)))))
            (i32.store (i32.add (local.get $counts) (i32.shl (local.get $column) (i32.const 2))) (i32.const 0))
            (local.set $known (i32.add (local.get $known) (local.get $count)))
            (local.set $weight (f64.mul
              (f64.load (i32.add (i32.load offset=36 (i32.const 0)) (i32.shl (local.get $count) (i32.const 3))))
              (f64.load (i32.add (i32.load offset=32 (i32.const 0)) (i32.shl (local.get $column) (i32.const 3))))))
            (f64.store (i32.add (local.get $weights) (i32.shl (local.get $k) (i32.const 3))) (local.get $weight))
            (local.set $squares (f64.add (local.get $squares) (f64.mul (local.get $weight) (local.get $weight))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $eachWeight)))
        (local.set $scale (select
          (f64.div (f64.const 1) (f64.sqrt (local.get $squares)))
          (f64.const 0)
          (f64.gt (local.get $squares) (f64.const 0))))
        (local.set $k (i32.const 0))
        (block $scaled
          (loop $eachValue
            (br_if $scaled (i32.ge_u (local.get $k) (local.get $distinct)))
            (f32.store (i32.add (local.get $values) (i32.shl (i32.add (local.get $entry) (local.get $k)) (i32.const 2)))
              (f32.demote_f64 (f64.mul
                (f64.load (i32.add (local.get $weights) (i32.shl (local.get $k) (i32.const 3))))
                (local.get $scale))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $eachValue)))
        (local.set $entry (i32.add (local.get $entry) (local.get $distinct)))
        (i32.store (i32.add (local.get $entryEnds) (i32.shl (local.get $row) (i32.const 2))) (local.get $entry))
        (i32.store (i32.add (local.get $tokens) (i32.shl (local.get $row) (i32.const 2))) (local.get $known))
        (local.set $start (local.get $end))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $eachRow)))
    (local.get $rows)))
