;; A dense kernel's input rows, once copied into its memory: checked finite, and standardised.
;; Assembled into kernel-inputs-wasm.ts by scripts/assemble-wasm.ts (npm run wasm).
(module
  (import "env" "memory" (memory 1))

  ;; finite(x, count): 1 when each of the `count` float32 values at byte offset x is finite, else 0.
  ;; v - v is 0 for a finite v and NaN for an infinite or NaN one.
  (func $finite (export "finite") (param $x i32) (param $count i32) (result i32)
    (local $end i32) (local $v v128) (local $bad v128) (local $s f32)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $v (v128.load (local.get $x)))
        (local.set $v (f32x4.sub (local.get $v) (local.get $v)))
        (local.set $bad (v128.or (local.get $bad) (f32x4.ne (local.get $v) (local.get $v))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $vectors)))
    (if (v128.any_true (local.get $bad)) (then (return (i32.const 0))))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $count) (i32.const 3)) (i32.const 2))))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $s (f32.load (local.get $x)))
        (local.set $s (f32.sub (local.get $s) (local.get $s)))
        (if (f32.ne (local.get $s) (local.get $s)) (then (return (i32.const 0))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $tail)))
    (i32.const 1))

  ;; standardize(x, rows, dim, mean, std): each value of the [rows, dim] float32 rows at x becomes
  ;; (value - mean[j]) / std[j] in float64 rounded to float32, as JavaScript computes it into a
  ;; Float32Array; mean and std are [dim] float64 (exact copies of the float32 statistics).
  ;; Returns finite(x, rows * dim) of the values before.
  (func (export "standardize")
    (param $x i32) (param $rows i32) (param $dim i32) (param $mean i32) (param $std i32) (result i32)
    (local $ok i32) (local $j i32) (local $pairs i32)
    (local.set $ok (call $finite (local.get $x) (i32.mul (local.get $rows) (local.get $dim))))
    (local.set $pairs (i32.and (local.get $dim) (i32.const -2)))
    (block $rowsDone
      (loop $rowsLoop
        (br_if $rowsDone (i32.eqz (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $pairsDone
          (loop $pairsLoop
            (br_if $pairsDone (i32.ge_u (local.get $j) (local.get $pairs)))
            (v128.store64_lane 0 (local.get $x)
              (f32x4.demote_f64x2_zero
                (f64x2.div
                  (f64x2.sub
                    (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $x)))
                    (v128.load (i32.add (local.get $mean) (i32.shl (local.get $j) (i32.const 3)))))
                  (v128.load (i32.add (local.get $std) (i32.shl (local.get $j) (i32.const 3)))))))
            (local.set $x (i32.add (local.get $x) (i32.const 8)))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $pairsLoop)))
        (if (i32.lt_u (local.get $j) (local.get $dim))
          (then
            (f32.store (local.get $x)
              (f32.demote_f64
                (f64.div
                  (f64.sub
                    (f64.promote_f32 (f32.load (local.get $x)))
                    (f64.load (i32.add (local.get $mean) (i32.shl (local.get $j) (i32.const 3)))))
                  (f64.load (i32.add (local.get $std) (i32.shl (local.get $j) (i32.const 3)))))))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $rowsLoop)))
    (local.get $ok)))
