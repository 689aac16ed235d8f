;; The logits of CSR rows under a linear model: the inner loop of the sparse head's prediction.
;; Assembled into sparse-logits-wasm.ts by scripts/assemble-wasm.ts (npm run wasm).
;;
;; logits(w, bias, labels, indptr, indices, values, tail, width, tailColumn, rows, out): for every
;; row r < rows and label c < labels, out[r * labels + c] = bias[c] + the sum of
;; values[k] * w[indices[k] * labels + c] over k = indptr[r] .. indptr[r + 1] - 1, then of
;; tail[r * width + j] * w[(tailColumn + j) * labels + c] over j < width (a dense block after the
;; sparse entries: TF-IDF+embeddings rows), one entry at a time in row order (a multiply, then an add:
;; WebAssembly has no fused multiply-add), as scalar JavaScript does: the logits are bit-identical
;; to it. Two labels per float64x2 lane: sixteen labels per pass over a row's entries in eight
;; accumulators, then four, then two, then one.
;; Addresses are byte offsets into the imported memory; w, bias and out hold float64 values,
;; indptr and indices int32, values float32.
(module
  (import "env" "memory" (memory 1))
  (func (export "logits")
    (param $w i32) (param $bias i32) (param $labels i32) (param $indptr i32) (param $indices i32)
    (param $values i32) (param $tail i32) (param $width i32) (param $tailColumn i32) (param $rows i32)
    (param $out i32)
    (local $row i32) (local $start i32) (local $end i32) (local $k i32) (local $c i32)
    (local $rowBytes i32) (local $column i32) (local $o i32) (local $p i32) (local $b i32) (local $v v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $s4 v128) (local $s5 v128) (local $s6 v128) (local $s7 v128)
    (local $s f64) (local $rowTail i32) (local $tailEnd i32) (local $t i32)
    (local.set $rowBytes (i32.shl (local.get $labels) (i32.const 3)))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $start (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $row) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $row) (i32.const 2)))))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $row) (local.get $rowBytes))))
        (local.set $rowTail
          (i32.add (local.get $tail) (i32.mul (local.get $row) (i32.shl (local.get $width) (i32.const 2)))))
        (local.set $tailEnd (i32.add (local.get $rowTail) (i32.shl (local.get $width) (i32.const 2))))
        (local.set $c (i32.const 0))
        ;; Sixteen labels at a time.
        (block $sixteensDone
          (loop $sixteens
            (br_if $sixteensDone (i32.gt_u (i32.add (local.get $c) (i32.const 16)) (local.get $labels)))
            (local.set $column (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 3))))
            (local.set $b (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 3))))
            (local.set $s0 (v128.load (local.get $b)))
            (local.set $s1 (v128.load offset=16 (local.get $b)))
            (local.set $s2 (v128.load offset=32 (local.get $b)))
            (local.set $s3 (v128.load offset=48 (local.get $b)))
            (local.set $s4 (v128.load offset=64 (local.get $b)))
            (local.set $s5 (v128.load offset=80 (local.get $b)))
            (local.set $s6 (v128.load offset=96 (local.get $b)))
            (local.set $s7 (v128.load offset=112 (local.get $b)))
            (local.set $k (local.get $start))
            (block $entriesDone
              (loop $entries
                (br_if $entriesDone (i32.ge_u (local.get $k) (local.get $end)))
                (local.set $v (f64x2.splat (f64.promote_f32
                  (f32.load (i32.add (local.get $values) (i32.shl (local.get $k) (i32.const 2)))))))
                (local.set $p (i32.add (local.get $column) (i32.mul (local.get $rowBytes)
                  (i32.load (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2)))))))
                (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $v) (v128.load (local.get $p)))))
                (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $p)))))
                (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (local.get $v) (v128.load offset=32 (local.get $p)))))
                (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (local.get $v) (v128.load offset=48 (local.get $p)))))
                (local.set $s4 (f64x2.add (local.get $s4) (f64x2.mul (local.get $v) (v128.load offset=64 (local.get $p)))))
                (local.set $s5 (f64x2.add (local.get $s5) (f64x2.mul (local.get $v) (v128.load offset=80 (local.get $p)))))
                (local.set $s6 (f64x2.add (local.get $s6) (f64x2.mul (local.get $v) (v128.load offset=96 (local.get $p)))))
                (local.set $s7 (f64x2.add (local.get $s7) (f64x2.mul (local.get $v) (v128.load offset=112 (local.get $p)))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $entries)))
            ;; Then the row's dense tail, columns tailColumn, tailColumn + 1, ... in order.
            (local.set $t (local.get $rowTail))
            (local.set $p (i32.add (local.get $column) (i32.mul (local.get $tailColumn) (local.get $rowBytes))))
            (block $tailDone
              (loop $tailEntries
                (br_if $tailDone (i32.ge_u (local.get $t) (local.get $tailEnd)))
                (local.set $v (f64x2.splat (f64.promote_f32 (f32.load (local.get $t)))))
                (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $v) (v128.load (local.get $p)))))
                (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $p)))))
                (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (local.get $v) (v128.load offset=32 (local.get $p)))))
                (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (local.get $v) (v128.load offset=48 (local.get $p)))))
                (local.set $s4 (f64x2.add (local.get $s4) (f64x2.mul (local.get $v) (v128.load offset=64 (local.get $p)))))
                (local.set $s5 (f64x2.add (local.get $s5) (f64x2.mul (local.get $v) (v128.load offset=80 (local.get $p)))))
                (local.set $s6 (f64x2.add (local.get $s6) (f64x2.mul (local.get $v) (v128.load offset=96 (local.get $p)))))
                (local.set $s7 (f64x2.add (local.get $s7) (f64x2.mul (local.get $v) (v128.load offset=112 (local.get $p)))))
                (local.set $t (i32.add (local.get $t) (i32.const 4)))
                (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
                (br $tailEntries)))
            (local.set $p (i32.add (local.get $o) (i32.shl (local.get $c) (i32.const 3))))
            (v128.store (local.get $p) (local.get $s0))
            (v128.store offset=16 (local.get $p) (local.get $s1))
            (v128.store offset=32 (local.get $p) (local.get $s2))
            (v128.store offset=48 (local.get $p) (local.get $s3))
            (v128.store offset=64 (local.get $p) (local.get $s4))
            (v128.store offset=80 (local.get $p) (local.get $s5))
            (v128.store offset=96 (local.get $p) (local.get $s6))
            (v128.store offset=112 (local.get $p) (local.get $s7))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $sixteens)))
        ;; Four labels at a time.
        (block $foursDone
          (loop $fours
            (br_if $foursDone (i32.gt_u (i32.add (local.get $c) (i32.const 4)) (local.get $labels)))
            (local.set $column (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 3))))
            (local.set $b (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 3))))
            (local.set $s0 (v128.load (local.get $b)))
            (local.set $s1 (v128.load offset=16 (local.get $b)))
            (local.set $k (local.get $start))
            (block $entriesDone
              (loop $entries
                (br_if $entriesDone (i32.ge_u (local.get $k) (local.get $end)))
                (local.set $v (f64x2.splat (f64.promote_f32
                  (f32.load (i32.add (local.get $values) (i32.shl (local.get $k) (i32.const 2)))))))
                (local.set $p (i32.add (local.get $column) (i32.mul (local.get $rowBytes)
                  (i32.load (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2)))))))
                (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $v) (v128.load (local.get $p)))))
                (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $p)))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $entries)))
            ;; Then the row's dense tail, columns tailColumn, tailColumn + 1, ... in order.
            (local.set $t (local.get $rowTail))
            (local.set $p (i32.add (local.get $column) (i32.mul (local.get $tailColumn) (local.get $rowBytes))))
            (block $tailDone
              (loop $tailEntries
                (br_if $tailDone (i32.ge_u (local.get $t) (local.get $tailEnd)))
                (local.set $v (f64x2.splat (f64.promote_f32 (f32.load (local.get $t)))))
                (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $v) (v128.load (local.get $p)))))
                (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $p)))))
                (local.set $t (i32.add (local.get $t) (i32.const 4)))
                (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
                (br $tailEntries)))
            (local.set $p (i32.add (local.get $o) (i32.shl (local.get $c) (i32.const 3))))
            (v128.store (local.get $p) (local.get $s0))
            (v128.store offset=16 (local.get $p) (local.get $s1))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $fours)))
        ;; Two labels.
        (if (i32.le_u (i32.add (local.get $c) (i32.const 2)) (local.get $labels))
          (then
            (local.set $column (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 3))))
            (local.set $s0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 3)))))
            (local.set $k (local.get $start))
            (block $entriesDone
              (loop $entries
                (br_if $entriesDone (i32.ge_u (local.get $k) (local.get $end)))
                (local.set $v (f64x2.splat (f64.promote_f32
                  (f32.load (i32.add (local.get $values) (i32.shl (local.get $k) (i32.const 2)))))))
                (local.set $p (i32.add (local.get $column) (i32.mul (local.get $rowBytes)
                  (i32.load (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2)))))))
                (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $v) (v128.load (local.get $p)))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $entries)))
            ;; Then the row's dense tail, columns tailColumn, tailColumn + 1, ... in order.
            (local.set $t (local.get $rowTail))
            (local.set $p (i32.add (local.get $column) (i32.mul (local.get $tailColumn) (local.get $rowBytes))))
            (block $tailDone
              (loop $tailEntries
                (br_if $tailDone (i32.ge_u (local.get $t) (local.get $tailEnd)))
                (local.set $v (f64x2.splat (f64.promote_f32 (f32.load (local.get $t)))))
                (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $v) (v128.load (local.get $p)))))
                (local.set $t (i32.add (local.get $t) (i32.const 4)))
                (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
                (br $tailEntries)))
            (v128.store (i32.add (local.get $o) (i32.shl (local.get $c) (i32.const 3))) (local.get $s0))
            (local.set $c (i32.add (local.get $c) (i32.const 2)))))
        ;; The last label of an odd count.
        (if (i32.lt_u (local.get $c) (local.get $labels))
          (then
            (local.set $column (i32.add (local.get $w) (i32.shl (local.get $c) (i32.const 3))))
            (local.set $s (f64.load (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 3)))))
            (local.set $k (local.get $start))
            (block $entriesDone
              (loop $entries
                (br_if $entriesDone (i32.ge_u (local.get $k) (local.get $end)))
                (local.set $s (f64.add (local.get $s) (f64.mul
                  (f64.promote_f32 (f32.load (i32.add (local.get $values) (i32.shl (local.get $k) (i32.const 2)))))
                  (f64.load (i32.add (local.get $column) (i32.mul (local.get $rowBytes)
                    (i32.load (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2))))))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $entries)))
            ;; Then the row's dense tail, columns tailColumn, tailColumn + 1, ... in order.
            (local.set $t (local.get $rowTail))
            (local.set $p (i32.add (local.get $column) (i32.mul (local.get $tailColumn) (local.get $rowBytes))))
            (block $tailDone
              (loop $tailEntries
                (br_if $tailDone (i32.ge_u (local.get $t) (local.get $tailEnd)))
                (local.set $s (f64.add (local.get $s)
                  (f64.mul (f64.promote_f32 (f32.load (local.get $t))) (f64.load (local.get $p)))))
                (local.set $t (i32.add (local.get $t) (i32.const 4)))
                (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
                (br $tailEntries)))
            (f64.store (i32.add (local.get $o) (i32.shl (local.get $c) (i32.const 3))) (local.get $s))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $eachRow)))))
