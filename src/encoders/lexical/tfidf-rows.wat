;; TF-IDF rows of ASCII texts, the arithmetic of tfidf-rows.ts in the same order, so every value is
;; bit-identical. Assembled into tfidf-rows-wasm.ts by scripts/assemble-wasm.ts (npm run wasm);
;; driven by tfidf-kernel.ts, which builds the tables below from term-index.ts's.
;;
;; Header (int32 at byte offset): 0 word slots (16 bytes: FNV-1a hash, word id + 1 (0 empty), address
;; of the word's bytes, its length, -1 for a word that is not ASCII and so is in no row here), 4 word
;; slot mask, 8 unigram columns (int32 per word id, -1 none), 12 pair slots (12 bytes: first id + 1
;; (0 empty), second id, column), 16 pair hash shift (32 - log2 slots), 20 idf (float64 per
;; column), 24 tf (float64 per count below 256), 28 counts (int32 per column), 32 column bits (int64
;; per 64 columns: the columns the row touched), 36 word bits (int64 per 64 words of column bits: the
;; words not zero), 40 word-bit words, 44 weights (float64 per column), 48 ngramMax, 52 byte classes
;; (uint8 per byte: a word byte lowercased, 0 for any other). Counts and bits are zero between rows;
;; the two levels of bits give the touched columns in ascending order without sorting them.
;;
;; weigh(rows, texts, textEnds, indices, values, entryEnds, tokens): row r is the bytes texts +
;; textEnds[r - 1] .. texts + textEnds[r] (from texts for row 0), lowercased in place (ASCII A-Z);
;; its words are the maximal runs of two or more of a-z, 0-9 and _ (natural's /[\p{L}\p{N}_]{2,}/gu
;; on ASCII). Its entries go to indices and values from entryEnds[r - 1] (from 0 for row 0),
;; columns ascending, entryEnds[r] and tokens[r] (its known terms) after them. Returns the first row
;; it did not weigh, one with a count of 256 or more (JavaScript weighs it; its counts are cleared
;; here), `rows` when it weighed all.
(module
  (import "env" "memory" (memory 1))
  (global $distinct (mut i32) (i32.const 0))
  ;; Whether a count of the current row reached 256, past the tf table.
  (global $pastTable (mut i32) (i32.const 0))

  ;; The id of the word at..at+length with FNV-1a hash h, -1 when no term holds it.
  (func $wordId (param $at i32) (param $length i32) (param $h i32) (result i32)
    (local $mask i32) (local $slot i32) (local $entry i32) (local $from i32) (local $i i32)
    (local.set $mask (i32.load offset=4 (i32.const 0)))
    (local.set $slot (i32.and (local.get $h) (local.get $mask)))
    (loop $probe
      (local.set $entry (i32.add (i32.load (i32.const 0)) (i32.shl (local.get $slot) (i32.const 4))))
      (if (i32.eqz (i32.load offset=4 (local.get $entry))) (then (return (i32.const -1))))
      (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (local.get $mask)))
      (br_if $probe (i32.ne (i32.load (local.get $entry)) (local.get $h)))
      (br_if $probe (i32.ne (i32.load offset=12 (local.get $entry)) (local.get $length)))
      (local.set $from (i32.load offset=8 (local.get $entry)))
      (local.set $i (i32.const 0))
      (block $differs
        (loop $bytes
          (if (i32.ge_u (local.get $i) (local.get $length))
            (then (return (i32.sub (i32.load offset=4 (local.get $entry)) (i32.const 1)))))
          (br_if $differs (i32.ne
            (i32.load8_u (i32.add (local.get $from) (local.get $i)))
            (i32.load8_u (i32.add (local.get $at) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $bytes)))
      (br $probe))
    (unreachable))

  ;; The column of the pair term "first second", -1 when there is none (multiplicative hash, top bits).
  (func $pairColumn (param $first i32) (param $second i32) (result i32)
    (local $shift i32) (local $slot i32) (local $at i32) (local $key i32)
    (local.set $shift (i32.load offset=16 (i32.const 0)))
    (local.set $slot (i32.shr_u
      (i32.mul (i32.xor (i32.mul (local.get $first) (i32.const 0x9e3779b1)) (local.get $second)) (i32.const 0x85ebca6b))
      (local.get $shift)))
    (loop $probe
      (local.set $at (i32.add (i32.load offset=12 (i32.const 0)) (i32.mul (local.get $slot) (i32.const 12))))
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

  ;; Counts one term of the current row; its column's bit is set when first counted.
  (func $tally (param $column i32)
    (local $at i32) (local $count i32) (local $word i32)
    (local.set $at (i32.add (i32.load offset=28 (i32.const 0)) (i32.shl (local.get $column) (i32.const 2))))
    (local.set $count (i32.add (i32.load (local.get $at)) (i32.const 1)))
    (i32.store (local.get $at) (local.get $count))
    (if (i32.eq (local.get $count) (i32.const 256)) (then (global.set $pastTable (i32.const 1))))
    (if (i32.eq (local.get $count) (i32.const 1))
      (then
        (local.set $word (i32.shr_u (local.get $column) (i32.const 6)))
        (local.set $at (i32.add (i32.load offset=32 (i32.const 0)) (i32.shl (local.get $word) (i32.const 3))))
        (i64.store (local.get $at)
          (i64.or (i64.load (local.get $at)) (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $column)))))
        (local.set $at (i32.add (i32.load offset=36 (i32.const 0))
          (i32.shl (i32.shr_u (local.get $word) (i32.const 6)) (i32.const 3))))
        (i64.store (local.get $at)
          (i64.or (i64.load (local.get $at)) (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $word)))))
        (global.set $distinct (i32.add (global.get $distinct) (i32.const 1))))))

  ;; Counts the terms of the bytes at..end (lowercased in place) into counts and touched.
  (func $count (param $at i32) (param $end i32)
    (local $byte i32) (local $runStart i32) (local $runLength i32) (local $h i32) (local $id i32)
    (local $previous i32) (local $column i32) (local $pairs i32) (local $classes i32)
    (local.set $classes (i32.load offset=52 (i32.const 0)))
    (local.set $pairs (i32.eq (i32.load offset=48 (i32.const 0)) (i32.const 2)))
    (local.set $previous (i32.const -1))
    (global.set $distinct (i32.const 0))
    (global.set $pastTable (i32.const 0))
    (loop $bytes
      ;; A byte's class is its lowercased self for a word byte, 0 for any other; the end of the text
      ;; reads as 0, so the last word is closed like the others.
      (local.set $byte (i32.const 0))
      (if (i32.lt_u (local.get $at) (local.get $end))
        (then (local.set $byte (i32.load8_u (i32.add (local.get $classes) (i32.load8_u (local.get $at)))))))
      (if (local.get $byte)
        (then
          (if (i32.eqz (local.get $runLength))
            (then
              (local.set $runStart (local.get $at))
              (local.set $h (i32.const 0x811c9dc5))))
          (i32.store8 (local.get $at) (local.get $byte))
          (local.set $h (i32.mul (i32.xor (local.get $h) (local.get $byte)) (i32.const 0x01000193)))
          (local.set $runLength (i32.add (local.get $runLength) (i32.const 1))))
        (else
          (if (i32.ge_u (local.get $runLength) (i32.const 2))
            (then
              (local.set $id (call $wordId (local.get $runStart) (local.get $runLength) (local.get $h)))
              (if (i32.ge_s (local.get $id) (i32.const 0))
                (then
                  (local.set $column (i32.load
                    (i32.add (i32.load offset=8 (i32.const 0)) (i32.shl (local.get $id) (i32.const 2)))))
                  (if (i32.ge_s (local.get $column) (i32.const 0)) (then (call $tally (local.get $column))))
                  (if (i32.and (local.get $pairs) (i32.ge_s (local.get $previous) (i32.const 0)))
                    (then
                      (local.set $column (call $pairColumn (local.get $previous) (local.get $id)))
                      (if (i32.ge_s (local.get $column) (i32.const 0)) (then (call $tally (local.get $column))))))))
              (local.set $previous (local.get $id))))
          (local.set $runLength (i32.const 0))))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (br_if $bytes (i32.le_u (local.get $at) (local.get $end)))))

  (func (export "weigh")
    (param $rows i32) (param $texts i32) (param $textEnds i32) (param $indices i32) (param $values i32)
    (param $entryEnds i32) (param $tokens i32) (result i32)
    (local $row i32) (local $start i32) (local $end i32) (local $entry i32) (local $distinct i32)
    (local $k i32) (local $column i32) (local $count i32) (local $known i32) (local $weight f64)
    (local $squares f64) (local $scale f64) (local $counts i32) (local $weights i32) (local $tf i32) (local $idf i32)
    (local $bits i32) (local $topBase i32) (local $topEnd i32) (local $topAt i32) (local $topWord i64)
    (local $word i32) (local $bitsAt i32) (local $columnBits i64)
    (local.set $idf (i32.load offset=20 (i32.const 0)))
    (local.set $tf (i32.load offset=24 (i32.const 0)))
    (local.set $counts (i32.load offset=28 (i32.const 0)))
    (local.set $bits (i32.load offset=32 (i32.const 0)))
    (local.set $topBase (i32.load offset=36 (i32.const 0)))
    (local.set $topEnd (i32.add (local.get $topBase) (i32.shl (i32.load offset=40 (i32.const 0)) (i32.const 3))))
    (local.set $weights (i32.load offset=44 (i32.const 0)))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $end (i32.load (i32.add (local.get $textEnds) (i32.shl (local.get $row) (i32.const 2)))))
        (call $count (i32.add (local.get $texts) (local.get $start)) (i32.add (local.get $texts) (local.get $end)))
        ;; The weights and their sum of squares in ascending column order, as tfidf-rows.ts: the
        ;; touched columns are read from the bits, which are cleared with the counts.
        (local.set $squares (f64.const 0))
        (local.set $known (i32.const 0))
        (local.set $k (i32.const 0))
        (local.set $topAt (local.get $topBase))
        (block $walked
          (loop $eachTop
            (br_if $walked (i32.ge_u (local.get $topAt) (local.get $topEnd)))
            (local.set $topWord (i64.load (local.get $topAt)))
            (i64.store (local.get $topAt) (i64.const 0))
            (block $topDone
              (loop $eachWord
                (br_if $topDone (i64.eqz (local.get $topWord)))
                (local.set $word (i32.add
                  (i32.shl (i32.sub (local.get $topAt) (local.get $topBase)) (i32.const 3))
                  (i32.wrap_i64 (i64.ctz (local.get $topWord)))))
                (local.set $topWord (i64.and (local.get $topWord) (i64.sub (local.get $topWord) (i64.const 1))))
                (local.set $bitsAt (i32.add (local.get $bits) (i32.shl (local.get $word) (i32.const 3))))
                (local.set $columnBits (i64.load (local.get $bitsAt)))
                (i64.store (local.get $bitsAt) (i64.const 0))
                (block $wordDone
                  (loop $eachColumn
                    (br_if $wordDone (i64.eqz (local.get $columnBits)))
                    (local.set $column (i32.add
                      (i32.shl (local.get $word) (i32.const 6))
                      (i32.wrap_i64 (i64.ctz (local.get $columnBits)))))
                    (local.set $columnBits
                      (i64.and (local.get $columnBits) (i64.sub (local.get $columnBits) (i64.const 1))))
                    (i32.store
                      (i32.add (local.get $indices) (i32.shl (i32.add (local.get $entry) (local.get $k)) (i32.const 2)))
                      (local.get $column))
                    (local.set $count (i32.load (i32.add (local.get $counts) (i32.shl (local.get $column) (i32.const 2)))))
                    (i32.store (i32.add (local.get $counts) (i32.shl (local.get $column) (i32.const 2))) (i32.const 0))
                    (local.set $known (i32.add (local.get $known) (local.get $count)))
                    ;; A row with a count past the table is JavaScript's: its weights are not used.
                    (local.set $weight (f64.mul
                      (f64.load (i32.add (local.get $tf)
                        (i32.shl
                          (select (local.get $count) (i32.const 0) (i32.lt_u (local.get $count) (i32.const 256)))
                          (i32.const 3))))
                      (f64.load (i32.add (local.get $idf) (i32.shl (local.get $column) (i32.const 3))))))
                    (f64.store (i32.add (local.get $weights) (i32.shl (local.get $k) (i32.const 3))) (local.get $weight))
                    (local.set $squares (f64.add (local.get $squares) (f64.mul (local.get $weight) (local.get $weight))))
                    (local.set $k (i32.add (local.get $k) (i32.const 1)))
                    (br $eachColumn)))
                (br $eachWord)))
            (local.set $topAt (i32.add (local.get $topAt) (i32.const 8)))
            (br $eachTop)))
        (if (global.get $pastTable) (then (return (local.get $row))))
        (local.set $distinct (local.get $k))
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
