;; The per-column sums of a text's token rows of a static embedding table: the inner loop of `embed`.
;; Assembled into sum-rows-wasm.ts by scripts/assemble-wasm.ts (npm run wasm).
;;
;; addRows(table, dim, ids, count, out): out[d] += table[ids[t] * dim + d] for t = 0..count-1 in
;; order, for every column d < dim. Float32 table values are promoted to float64 and added one
;; token at a time per column, as scalar JavaScript would: the sums are bit-identical to it.
;; Addresses are byte offsets into the imported memory; out holds `dim` float64 values.
;;
;; normalize(dim, sums, out): the sum of squares of the `dim` float64 sums, added column by column in
;; order; when it is positive and finite, out[d] = float32(sums[d] * (1 / sqrt(squares))) for every
;; column, as JavaScript computes and stores it into a Float32Array (no fused multiply-add in
;; WebAssembly, sqrt and division correctly rounded), so the float32 values are bit-identical to it.
;; Returns the sum of squares: 0 (all sums zero) and non-finite values write nothing.
;;
;; embedRows(table, dim, ids, offsets, rows, sums, out, squares): for each row r < rows in order, the
;; sums zeroed, then addRows over ids[offsets[r]] .. ids[offsets[r + 1] - 1] and normalize into
;; out + r * dim float32 values, as one addRows call and one normalize call per text would (so the
;; same bits); a row normalize does not write (squares 0 or not finite) is zeroed. squares[r] (float64)
;; is that row's sum of squares. offsets holds rows + 1 int32 values.
(module
  (import "env" "memory" (memory 1))
  (func $addRows (export "addRows")
    (param $table i32) (param $dim i32) (param $ids i32) (param $count i32) (param $out i32)
    (local $rowBytes i32) (local $idsEnd i32) (local $blocked i32) (local $d i32)
    (local $column i32) (local $at i32) (local $t i32) (local $o i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $s4 v128) (local $s5 v128) (local $s6 v128) (local $s7 v128)
    (local $s f64)
    (local.set $rowBytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $idsEnd (i32.add (local.get $ids) (i32.shl (local.get $count) (i32.const 2))))
    ;; Sixteen columns at a time across all tokens, in eight float64x2 accumulators.
    (local.set $blocked (i32.and (local.get $dim) (i32.const -16)))
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.ge_u (local.get $d) (local.get $blocked)))
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $d) (i32.const 3))))
        (local.set $s0 (v128.load (local.get $o)))
        (local.set $s1 (v128.load offset=16 (local.get $o)))
        (local.set $s2 (v128.load offset=32 (local.get $o)))
        (local.set $s3 (v128.load offset=48 (local.get $o)))
        (local.set $s4 (v128.load offset=64 (local.get $o)))
        (local.set $s5 (v128.load offset=80 (local.get $o)))
        (local.set $s6 (v128.load offset=96 (local.get $o)))
        (local.set $s7 (v128.load offset=112 (local.get $o)))
        (local.set $column (i32.add (local.get $table) (i32.shl (local.get $d) (i32.const 2))))
        (local.set $t (local.get $ids))
        (block $tokensDone
          (loop $tokens
            (br_if $tokensDone (i32.ge_u (local.get $t) (local.get $idsEnd)))
            (local.set $at
              (i32.add (local.get $column) (i32.mul (i32.load (local.get $t)) (local.get $rowBytes))))
            (local.set $s0
              (f64x2.add (local.get $s0) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $at)))))
            (local.set $s1
              (f64x2.add (local.get $s1) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $at)))))
            (local.set $s2
              (f64x2.add (local.get $s2) (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $at)))))
            (local.set $s3
              (f64x2.add (local.get $s3) (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $at)))))
            (local.set $s4
              (f64x2.add (local.get $s4) (f64x2.promote_low_f32x4 (v128.load64_zero offset=32 (local.get $at)))))
            (local.set $s5
              (f64x2.add (local.get $s5) (f64x2.promote_low_f32x4 (v128.load64_zero offset=40 (local.get $at)))))
            (local.set $s6
              (f64x2.add (local.get $s6) (f64x2.promote_low_f32x4 (v128.load64_zero offset=48 (local.get $at)))))
            (local.set $s7
              (f64x2.add (local.get $s7) (f64x2.promote_low_f32x4 (v128.load64_zero offset=56 (local.get $at)))))
            (local.set $t (i32.add (local.get $t) (i32.const 4)))
            (br $tokens)))
        (v128.store (local.get $o) (local.get $s0))
        (v128.store offset=16 (local.get $o) (local.get $s1))
        (v128.store offset=32 (local.get $o) (local.get $s2))
        (v128.store offset=48 (local.get $o) (local.get $s3))
        (v128.store offset=64 (local.get $o) (local.get $s4))
        (v128.store offset=80 (local.get $o) (local.get $s5))
        (v128.store offset=96 (local.get $o) (local.get $s6))
        (v128.store offset=112 (local.get $o) (local.get $s7))
        (local.set $d (i32.add (local.get $d) (i32.const 16)))
        (br $blocks)))
    ;; The columns left over, one at a time.
    (block $columnsDone
      (loop $columns
        (br_if $columnsDone (i32.ge_u (local.get $d) (local.get $dim)))
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $d) (i32.const 3))))
        (local.set $s (f64.load (local.get $o)))
        (local.set $column (i32.add (local.get $table) (i32.shl (local.get $d) (i32.const 2))))
        (local.set $t (local.get $ids))
        (block $tokensDone
          (loop $tokens
            (br_if $tokensDone (i32.ge_u (local.get $t) (local.get $idsEnd)))
            (local.set $s
              (f64.add (local.get $s)
                (f64.promote_f32 (f32.load
                  (i32.add (local.get $column) (i32.mul (i32.load (local.get $t)) (local.get $rowBytes)))))))
            (local.set $t (i32.add (local.get $t) (i32.const 4)))
            (br $tokens)))
        (f64.store (local.get $o) (local.get $s))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (br $columns))))
  (func $normalize (export "normalize") (param $dim i32) (param $sums i32) (param $out i32) (result f64)
    (local $d i32) (local $value f64) (local $squares f64) (local $scale f64) (local $scales v128) (local $paired i32)
    (block $squaresDone
      (loop $squaresLoop
        (br_if $squaresDone (i32.ge_u (local.get $d) (local.get $dim)))
        (local.set $value (f64.load (i32.add (local.get $sums) (i32.shl (local.get $d) (i32.const 3)))))
        (local.set $squares (f64.add (local.get $squares) (f64.mul (local.get $value) (local.get $value))))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (br $squaresLoop)))
    ;; Not (0 < squares < inf), NaN included: nothing to write.
    (if (i32.eqz (i32.and (f64.gt (local.get $squares) (f64.const 0)) (f64.lt (local.get $squares) (f64.const inf))))
      (then (return (local.get $squares))))
    (local.set $scale (f64.div (f64.const 1) (f64.sqrt (local.get $squares))))
    ;; Two columns at a time: lane-wise products and demotions round each value as the scalar loop does.
    (local.set $scales (f64x2.splat (local.get $scale)))
    (local.set $paired (i32.and (local.get $dim) (i32.const -2)))
    (local.set $d (i32.const 0))
    (block $pairsDone
      (loop $pairsLoop
        (br_if $pairsDone (i32.ge_u (local.get $d) (local.get $paired)))
        (v128.store64_lane 0 (i32.add (local.get $out) (i32.shl (local.get $d) (i32.const 2)))
          (f32x4.demote_f64x2_zero (f64x2.mul
            (v128.load (i32.add (local.get $sums) (i32.shl (local.get $d) (i32.const 3))))
            (local.get $scales))))
        (local.set $d (i32.add (local.get $d) (i32.const 2)))
        (br $pairsLoop)))
    (block $scaleDone
      (loop $scaleLoop
        (br_if $scaleDone (i32.ge_u (local.get $d) (local.get $dim)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $d) (i32.const 2)))
          (f32.demote_f64 (f64.mul
            (f64.load (i32.add (local.get $sums) (i32.shl (local.get $d) (i32.const 3))))
            (local.get $scale))))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (br $scaleLoop)))
    (local.get $squares))
  (func (export "embedRows")
    (param $table i32) (param $dim i32) (param $ids i32) (param $offsets i32) (param $rows i32)
    (param $sums i32) (param $out i32) (param $squares i32)
    (local $r i32) (local $from i32) (local $vector i32) (local $rowSquares f64)
    (block $rowsDone
      (loop $rowsLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (memory.fill (local.get $sums) (i32.const 0) (i32.shl (local.get $dim) (i32.const 3)))
        (local.set $from (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $r) (i32.const 2)))))
        (call $addRows
          (local.get $table) (local.get $dim)
          (i32.add (local.get $ids) (i32.shl (local.get $from) (i32.const 2)))
          (i32.sub
            (i32.load offset=4 (i32.add (local.get $offsets) (i32.shl (local.get $r) (i32.const 2))))
            (local.get $from))
          (local.get $sums))
        (local.set $vector
          (i32.add (local.get $out) (i32.shl (i32.mul (local.get $r) (local.get $dim)) (i32.const 2))))
        (local.set $rowSquares (call $normalize (local.get $dim) (local.get $sums) (local.get $vector)))
        (if (i32.eqz (i32.and
              (f64.gt (local.get $rowSquares) (f64.const 0))
              (f64.lt (local.get $rowSquares) (f64.const inf))))
          (then (memory.fill (local.get $vector) (i32.const 0) (i32.shl (local.get $dim) (i32.const 2)))))
        (f64.store (i32.add (local.get $squares) (i32.shl (local.get $r) (i32.const 3))) (local.get $rowSquares))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop)))))
