;; PocketRec's row projection (a PCA's `projectRows`), WebAssembly SIMD. Assembled by scripts/build-kernels.mjs.
;;
;; Layout, all owned by the JS side (pca.ts): `weights` holds the components by input, `sourceDim` rows of
;; `stride` f64 (stride = dim rounded up to even, the padding lane 0); `mean` is `sourceDim` f64; `sums` is
;; `stride` f64 of scratch; `rows` are `count` rows of `sourceDim` f32 in, `out` `count` rows of `dim` f32 out.
;;
;; Each output is the same f64 products added in the same order (input ascending, zero inputs skipped) as the JS
;; loop, two outputs per f64x2 lane pair; the norm and the scaling are scalar, in output order. So the two give
;; identical bits, and the kernel is only faster: at 10⁶ lexical rows (≈ 50 non-zero inputs of 512) the JS loop
;; was the build's largest single cost on its main thread.
(module
  (memory (export "memory") 1)

  (func (export "project")
    (param $rows i32) (param $count i32) (param $d i32) (param $dim i32) (param $stride i32)
    (param $mean i32) (param $weights i32) (param $sums i32) (param $out i32)
    (local $r i32) (local $i i32) (local $k i32) (local $x f64) (local $xs v128) (local $w i32) (local $s i32)
    (local $end i32) (local $norm f64) (local $v f64) (local $inv f64) (local $o i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $stride) (i32.const 3)))
    (local.set $end (i32.add (local.get $sums) (local.get $rowBytes)))
    (block $rows_done
      (loop $each_row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $count)))
        (memory.fill (local.get $sums) (i32.const 0) (local.get $rowBytes))
        (local.set $i (i32.const 0))
        (block $inputs_done
          (loop $each_input
            (br_if $inputs_done (i32.ge_u (local.get $i) (local.get $d)))
            (local.set $x (f64.sub
              (f64.promote_f32 (f32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))))
              (f64.load (i32.add (local.get $mean) (i32.shl (local.get $i) (i32.const 3))))))
            (if (f64.ne (local.get $x) (f64.const 0))
              (then
                (local.set $xs (f64x2.splat (local.get $x)))
                (local.set $w (i32.add (local.get $weights) (i32.mul (local.get $i) (local.get $rowBytes))))
                (local.set $s (local.get $sums))
                (loop $each_pair
                  (v128.store (local.get $s)
                    (f64x2.add (v128.load (local.get $s)) (f64x2.mul (v128.load (local.get $w)) (local.get $xs))))
                  (local.set $s (i32.add (local.get $s) (i32.const 16)))
                  (local.set $w (i32.add (local.get $w) (i32.const 16)))
                  (br_if $each_pair (i32.lt_u (local.get $s) (local.get $end))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $each_input)))
        ;; out = f32(sum); norm over the f64 sums; then out = f32(out · 1/√norm), as the JS loop does.
        (local.set $norm (f64.const 0))
        (local.set $k (i32.const 0))
        (local.set $o (local.get $out))
        (block $outs_done
          (loop $each_out
            (br_if $outs_done (i32.ge_u (local.get $k) (local.get $dim)))
            (local.set $v (f64.load (i32.add (local.get $sums) (i32.shl (local.get $k) (i32.const 3)))))
            (f32.store (local.get $o) (f32.demote_f64 (local.get $v)))
            (local.set $norm (f64.add (local.get $norm) (f64.mul (local.get $v) (local.get $v))))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $each_out)))
        (if (f64.gt (local.get $norm) (f64.const 0))
          (then
            (local.set $inv (f64.div (f64.const 1) (f64.sqrt (local.get $norm))))
            (local.set $k (i32.const 0))
            (local.set $o (local.get $out))
            (block $scaled
              (loop $each_scale
                (br_if $scaled (i32.ge_u (local.get $k) (local.get $dim)))
                (f32.store (local.get $o) (f32.demote_f64 (f64.mul (f64.promote_f32 (f32.load (local.get $o))) (local.get $inv))))
                (local.set $o (i32.add (local.get $o) (i32.const 4)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $each_scale)))))
        (local.set $rows (i32.add (local.get $rows) (i32.shl (local.get $d) (i32.const 2))))
        (local.set $out (i32.add (local.get $out) (i32.shl (local.get $dim) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $each_row)))))
