;; A linear head's logits in float64 SIMD, each label's sum bit-identical to a scalar float64 loop.
;; Assembled into linear-layer-wasm.ts by scripts/assemble-wasm.ts (npm run wasm).
;;
;; linear(x, rows, inputs, w, labels, b, out): out = x·w + b. x is [rows, inputs] float32, w
;; [inputs, labels] and b [labels] float64, out [rows, labels] float64, all row-major at byte offsets
;; into the imported memory. rows must be a multiple of 2 and labels of 8: two rows by eight labels
;; at a time in eight f64x2 accumulators, one label per lane. Each lane starts from its bias and adds
;; x[i] * w[i] for i in input order, a multiply then an add (WebAssembly has no fused multiply-add),
;; so each sum is what `sum += x[i] * w[i]` gives in JavaScript.
(module
  (import "env" "memory" (memory 1))
  (func (export "linear")
    (param $x i32) (param $rows i32) (param $inputs i32) (param $w i32) (param $labels i32)
    (param $b i32) (param $out i32)
    (local $inBytes i32) (local $labelBytes i32) (local $r i32) (local $l i32) (local $i i32)
    (local $xp i32) (local $wp i32) (local $op i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $v v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local.set $inBytes (i32.shl (local.get $inputs) (i32.const 2)))
    (local.set $labelBytes (i32.shl (local.get $labels) (i32.const 3)))
    (loop $rowPairs
      (local.set $l (i32.const 0))
      (loop $labelBlocks
        (local.set $wp (i32.add (local.get $b) (i32.shl (local.get $l) (i32.const 3))))
        (local.set $a0 (v128.load (local.get $wp)))
        (local.set $a1 (v128.load offset=16 (local.get $wp)))
        (local.set $a2 (v128.load offset=32 (local.get $wp)))
        (local.set $a3 (v128.load offset=48 (local.get $wp)))
        (local.set $b0 (local.get $a0))
        (local.set $b1 (local.get $a1))
        (local.set $b2 (local.get $a2))
        (local.set $b3 (local.get $a3))
        (local.set $xp (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $inBytes))))
        (local.set $wp (i32.add (local.get $w) (i32.shl (local.get $l) (i32.const 3))))
        (local.set $i (local.get $inputs))
        (loop $inputsLoop
          (local.set $w0 (v128.load (local.get $wp)))
          (local.set $w1 (v128.load offset=16 (local.get $wp)))
          (local.set $w2 (v128.load offset=32 (local.get $wp)))
          (local.set $w3 (v128.load offset=48 (local.get $wp)))
          (local.set $v (f64x2.promote_low_f32x4 (v128.load32_splat (local.get $xp))))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $v) (local.get $w0))))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $v) (local.get $w1))))
          (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $v) (local.get $w2))))
          (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $v) (local.get $w3))))
          (local.set $v
            (f64x2.promote_low_f32x4 (v128.load32_splat (i32.add (local.get $xp) (local.get $inBytes)))))
          (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (local.get $v) (local.get $w0))))
          (local.set $b1 (f64x2.add (local.get $b1) (f64x2.mul (local.get $v) (local.get $w1))))
          (local.set $b2 (f64x2.add (local.get $b2) (f64x2.mul (local.get $v) (local.get $w2))))
          (local.set $b3 (f64x2.add (local.get $b3) (f64x2.mul (local.get $v) (local.get $w3))))
          (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
          (local.set $wp (i32.add (local.get $wp) (local.get $labelBytes)))
          (br_if $inputsLoop (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
        (local.set $op
          (i32.add (local.get $out)
            (i32.add (i32.mul (local.get $r) (local.get $labelBytes)) (i32.shl (local.get $l) (i32.const 3)))))
        (v128.store (local.get $op) (local.get $a0))
        (v128.store offset=16 (local.get $op) (local.get $a1))
        (v128.store offset=32 (local.get $op) (local.get $a2))
        (v128.store offset=48 (local.get $op) (local.get $a3))
        (local.set $op (i32.add (local.get $op) (local.get $labelBytes)))
        (v128.store (local.get $op) (local.get $b0))
        (v128.store offset=16 (local.get $op) (local.get $b1))
        (v128.store offset=32 (local.get $op) (local.get $b2))
        (v128.store offset=48 (local.get $op) (local.get $b3))
        (br_if $labelBlocks (i32.lt_u (local.tee $l (i32.add (local.get $l) (i32.const 8))) (local.get $labels))))
      (br_if $rowPairs (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 2))) (local.get $rows))))))
