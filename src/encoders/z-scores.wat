;; The dense block of TF-IDF+embeddings rows: each embedding column z-scored and scaled.
;; Assembled into z-scores-wasm.ts by scripts/assemble-wasm.ts (npm run wasm).
;;
;; zScores(mean, std, scale, vectors, out, rows, width): for every row r < rows and column j < width,
;; out[r * width + j] = float32((scale * (float64(vectors[r * width + j]) - mean[j])) / std[j]): a
;; subtraction, a multiplication and a division of float64 values, each correctly rounded as in
;; JavaScript, then rounded to float32 as a Float32Array store rounds (to nearest, ties to even), so
;; the block is bit-identical to the scalar loop's. Two columns per float64x2 lane, four a step, then
;; one at a time. Addresses are byte offsets into the imported memory; mean and std hold float64
;; values, vectors and out float32.
(module
  (import "env" "memory" (memory 1))
  (func (export "zScores")
    (param $mean i32) (param $std i32) (param $scale f64) (param $vectors i32) (param $out i32)
    (param $rows i32) (param $width i32)
    (local $row i32) (local $j i32) (local $in i32) (local $to i32) (local $m i32) (local $s i32)
    (local $v v128) (local $scales v128) (local $low v128) (local $high v128)
    (local.set $scales (f64x2.splat (local.get $scale)))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $in (i32.add (local.get $vectors)
          (i32.shl (i32.mul (local.get $row) (local.get $width)) (i32.const 2))))
        (local.set $to (i32.add (local.get $out)
          (i32.shl (i32.mul (local.get $row) (local.get $width)) (i32.const 2))))
        (local.set $j (i32.const 0))
        ;; Four columns at a time: the low two and the high two in one float64x2 each.
        (block $foursDone
          (loop $fours
            (br_if $foursDone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $width)))
            (local.set $v (v128.load (i32.add (local.get $in) (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $m (i32.add (local.get $mean) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $s (i32.add (local.get $std) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $low (f64x2.div
              (f64x2.mul (local.get $scales)
                (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (v128.load (local.get $m))))
              (v128.load (local.get $s))))
            (local.set $high (f64x2.div
              (f64x2.mul (local.get $scales)
                (f64x2.sub
                  (f64x2.promote_low_f32x4
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))
                  (v128.load offset=16 (local.get $m))))
              (v128.load offset=16 (local.get $s))))
            (v128.store (i32.add (local.get $to) (i32.shl (local.get $j) (i32.const 2)))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                (f32x4.demote_f64x2_zero (local.get $low))
                (f32x4.demote_f64x2_zero (local.get $high))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $fours)))
        ;; The last columns one at a time.
        (block $onesDone
          (loop $ones
            (br_if $onesDone (i32.ge_u (local.get $j) (local.get $width)))
            (f32.store (i32.add (local.get $to) (i32.shl (local.get $j) (i32.const 2)))
              (f32.demote_f64 (f64.div
                (f64.mul (local.get $scale)
                  (f64.sub
                    (f64.promote_f32 (f32.load (i32.add (local.get $in) (i32.shl (local.get $j) (i32.const 2)))))
                    (f64.load (i32.add (local.get $mean) (i32.shl (local.get $j) (i32.const 3))))))
                (f64.load (i32.add (local.get $std) (i32.shl (local.get $j) (i32.const 3)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $ones)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $eachRow)))))
