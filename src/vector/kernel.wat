;; PocketRec's int8 scan kernels, WebAssembly SIMD. Assembled by scripts/build-kernels.mjs.
;;
;; Layout, all owned by the JS side (wasm-kernel.ts): row-major int8 rows with 16 spare bytes after the matrix,
;; f32 row scales, and per call a query block of `nq` quantized queries in i16 lanes, `stride` = dim rounded up to
;; 16 lanes with zeros past dim, plus 12 bytes of metadata per query: f32 scale, f32 weight, i32 positiveOnly.
;; Because query lanes past dim are 0, a row is read in whole 16-byte blocks: the few bytes of the next row (or of
;; the spare tail) that the last block reads are multiplied by 0, so there is no scalar tail loop.
;;
;; Every float step is one f32 operation in a fixed order, the same as js-kernel.ts with Math.fround, so the two
;; give identical bits.
(module
  (memory (export "memory") 1)

  ;; Σ row[j] · q[j] over `blocks` blocks of 16: int8 widened to i16, i32x4.dot_i16x8_s, exact in i32.
  ;; Two accumulators over 32-byte steps keep two dot chains in flight.
  (func $dot (param $row i32) (param $q i32) (param $blocks i32) (result i32)
    (local $a v128) (local $b v128) (local $r v128) (local $s v128)
    (block $pairs_done
      (loop $pairs
        (br_if $pairs_done (i32.lt_u (local.get $blocks) (i32.const 2)))
        (local.set $r (v128.load (local.get $row)))
        (local.set $s (v128.load offset=16 (local.get $row)))
        (local.set $a (i32x4.add (local.get $a)
          (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $r)) (v128.load (local.get $q)))))
        (local.set $b (i32x4.add (local.get $b)
          (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $r)) (v128.load offset=16 (local.get $q)))))
        (local.set $a (i32x4.add (local.get $a)
          (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $s)) (v128.load offset=32 (local.get $q)))))
        (local.set $b (i32x4.add (local.get $b)
          (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $s)) (v128.load offset=48 (local.get $q)))))
        (local.set $row (i32.add (local.get $row) (i32.const 32)))
        (local.set $q (i32.add (local.get $q) (i32.const 64)))
        (local.set $blocks (i32.sub (local.get $blocks) (i32.const 2)))
        (br $pairs)))
    (if (local.get $blocks)
      (then
        (local.set $r (v128.load (local.get $row)))
        (local.set $a (i32x4.add (local.get $a)
          (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $r)) (v128.load (local.get $q)))))
        (local.set $b (i32x4.add (local.get $b)
          (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $r)) (v128.load offset=16 (local.get $q)))))))
    (local.set $a (i32x4.add (local.get $a) (local.get $b)))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $a)) (i32x4.extract_lane 1 (local.get $a)))
      (i32.add (i32x4.extract_lane 2 (local.get $a)) (i32x4.extract_lane 3 (local.get $a)))))

  ;; The four dots of one row with four queries `stride` bytes apart, as the lanes of one i32x4: the row is
  ;; loaded and widened once for all four (the fused scan with taste, session, intent and negative vectors).
  (func $dot4 (param $row i32) (param $q i32) (param $blocks i32) (param $stride i32) (result v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $lo v128) (local $hi v128)
    (local $q1 i32) (local $q2 i32) (local $q3 i32)
    (local.set $q1 (i32.add (local.get $q) (local.get $stride)))
    (local.set $q2 (i32.add (local.get $q1) (local.get $stride)))
    (local.set $q3 (i32.add (local.get $q2) (local.get $stride)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $blocks)))
        (local.set $lo (v128.load (local.get $row)))
        (local.set $hi (i16x8.extend_high_i8x16_s (local.get $lo)))
        (local.set $lo (i16x8.extend_low_i8x16_s (local.get $lo)))
        (local.set $a0 (i32x4.add (local.get $a0) (i32x4.add
          (i32x4.dot_i16x8_s (local.get $lo) (v128.load (local.get $q)))
          (i32x4.dot_i16x8_s (local.get $hi) (v128.load offset=16 (local.get $q))))))
        (local.set $a1 (i32x4.add (local.get $a1) (i32x4.add
          (i32x4.dot_i16x8_s (local.get $lo) (v128.load (local.get $q1)))
          (i32x4.dot_i16x8_s (local.get $hi) (v128.load offset=16 (local.get $q1))))))
        (local.set $a2 (i32x4.add (local.get $a2) (i32x4.add
          (i32x4.dot_i16x8_s (local.get $lo) (v128.load (local.get $q2)))
          (i32x4.dot_i16x8_s (local.get $hi) (v128.load offset=16 (local.get $q2))))))
        (local.set $a3 (i32x4.add (local.get $a3) (i32x4.add
          (i32x4.dot_i16x8_s (local.get $lo) (v128.load (local.get $q3)))
          (i32x4.dot_i16x8_s (local.get $hi) (v128.load offset=16 (local.get $q3))))))
        (local.set $row (i32.add (local.get $row) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (local.set $q1 (i32.add (local.get $q1) (i32.const 32)))
        (local.set $q2 (i32.add (local.get $q2) (i32.const 32)))
        (local.set $q3 (i32.add (local.get $q3) (i32.const 32)))
        (local.set $blocks (i32.sub (local.get $blocks) (i32.const 1)))
        (br $next)))
    ;; Transpose-add: lane k of the result is the sum of the four lanes of accumulator k.
    (local.set $lo (i32x4.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a0) (local.get $a1))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a0) (local.get $a1))))
    (local.set $hi (i32x4.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a2) (local.get $a3))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a2) (local.get $a3))))
    (i32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $lo) (local.get $hi))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $lo) (local.get $hi))))

  ;; acc + weight · g(f32(dot) · (scale · qscale)) for the query whose metadata is at $meta.
  (func $term (param $acc f32) (param $dot i32) (param $scale f32) (param $meta i32) (result f32)
    (local $v f32)
    (local.set $v (f32.mul (f32.convert_i32_s (local.get $dot)) (f32.mul (local.get $scale) (f32.load (local.get $meta)))))
    (if (i32.load offset=8 (local.get $meta))
      (then (local.set $v (f32.max (local.get $v) (f32.const 0)))))
    (f32.add (local.get $acc) (f32.mul (f32.load offset=4 (local.get $meta)) (local.get $v))))

  ;; Σ_q weight_q · g_q(f32(dot_q) · (scale · qscale_q)), in query order, starting from +0: groups of four
  ;; queries share one pass over the row, the rest go one at a time.
  (func $fused (param $row i32) (param $scale f32) (param $blocks i32) (param $nq i32) (param $meta i32)
               (param $qv i32) (result f32)
    (local $acc f32) (local $d v128) (local $stride i32)
    (local.set $stride (i32.shl (local.get $blocks) (i32.const 5)))
    (block $groups_done
      (loop $group
        (br_if $groups_done (i32.lt_u (local.get $nq) (i32.const 4)))
        (local.set $d (call $dot4 (local.get $row) (local.get $qv) (local.get $blocks) (local.get $stride)))
        (local.set $acc (call $term (local.get $acc) (i32x4.extract_lane 0 (local.get $d)) (local.get $scale)
                                    (local.get $meta)))
        (local.set $acc (call $term (local.get $acc) (i32x4.extract_lane 1 (local.get $d)) (local.get $scale)
                                    (i32.add (local.get $meta) (i32.const 12))))
        (local.set $acc (call $term (local.get $acc) (i32x4.extract_lane 2 (local.get $d)) (local.get $scale)
                                    (i32.add (local.get $meta) (i32.const 24))))
        (local.set $acc (call $term (local.get $acc) (i32x4.extract_lane 3 (local.get $d)) (local.get $scale)
                                    (i32.add (local.get $meta) (i32.const 36))))
        (local.set $meta (i32.add (local.get $meta) (i32.const 48)))
        (local.set $qv (i32.add (local.get $qv) (i32.shl (local.get $stride) (i32.const 2))))
        (local.set $nq (i32.sub (local.get $nq) (i32.const 4)))
        (br $group)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $nq)))
        (local.set $acc (call $term (local.get $acc)
                                    (call $dot (local.get $row) (local.get $qv) (local.get $blocks))
                                    (local.get $scale) (local.get $meta)))
        (local.set $meta (i32.add (local.get $meta) (i32.const 12)))
        (local.set $qv (i32.add (local.get $qv) (local.get $stride)))
        (local.set $nq (i32.sub (local.get $nq) (i32.const 1)))
        (br $next)))
    (local.get $acc))

  ;; The fused score of row $i plus its bias (one f32 add after the query terms; no bias when $bias is 0).
  (func $row_score (param $row i32) (param $scale f32) (param $blocks i32) (param $nq i32) (param $meta i32)
                   (param $qv i32) (param $bias i32) (param $i i32) (result f32)
    (local $s f32)
    (local.set $s (call $fused (local.get $row) (local.get $scale) (local.get $blocks) (local.get $nq)
                               (local.get $meta) (local.get $qv)))
    (if (result f32) (local.get $bias)
      (then (f32.add (local.get $s) (f32.load (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2))))))
      (else (local.get $s))))

  ;; out[i] = fused score of row i (+ bias[i]).
  (func (export "score") (param $rows i32) (param $scales i32) (param $count i32) (param $dim i32)
                         (param $nq i32) (param $meta i32) (param $qv i32) (param $bias i32) (param $out i32)
    (local $blocks i32) (local $i i32)
    (local.set $blocks (i32.shr_u (i32.add (local.get $dim) (i32.const 15)) (i32.const 4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (f32.store (local.get $out)
          (call $row_score (local.get $rows) (f32.load (local.get $scales)) (local.get $blocks)
                           (local.get $nq) (local.get $meta) (local.get $qv) (local.get $bias) (local.get $i)))
        (local.set $rows (i32.add (local.get $rows) (local.get $dim)))
        (local.set $scales (i32.add (local.get $scales) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; out[j] = fused score (+ bias) of row idx[j], for the few rows a caller names (the candidates that other
  ;; stages found): the same arithmetic as "score", so a row scores identically whichever way it was reached.
  (func (export "score_rows") (param $rows i32) (param $scales i32) (param $dim i32) (param $nq i32)
                              (param $meta i32) (param $qv i32) (param $bias i32) (param $idx i32) (param $n i32)
                              (param $out i32)
    (local $blocks i32) (local $j i32) (local $i i32)
    (local.set $blocks (i32.shr_u (i32.add (local.get $dim) (i32.const 15)) (i32.const 4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $i (i32.load (i32.add (local.get $idx) (i32.shl (local.get $j) (i32.const 2)))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2)))
          (call $row_score (i32.add (local.get $rows) (i32.mul (local.get $i) (local.get $dim)))
                           (f32.load (i32.add (local.get $scales) (i32.shl (local.get $i) (i32.const 2))))
                           (local.get $blocks) (local.get $nq) (local.get $meta) (local.get $qv) (local.get $bias)
                           (local.get $i)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next))))

  ;; Is heap entry a worse than entry b (lower score; on a tie, the higher row)?
  (func $worse (param $hrow i32) (param $hscore i32) (param $a i32) (param $b i32) (result i32)
    (local $sa f32) (local $sb f32)
    (local.set $sa (f32.load (i32.add (local.get $hscore) (i32.shl (local.get $a) (i32.const 2)))))
    (local.set $sb (f32.load (i32.add (local.get $hscore) (i32.shl (local.get $b) (i32.const 2)))))
    (i32.or
      (f32.lt (local.get $sa) (local.get $sb))
      (i32.and
        (f32.eq (local.get $sa) (local.get $sb))
        (i32.gt_u (i32.load (i32.add (local.get $hrow) (i32.shl (local.get $a) (i32.const 2))))
                  (i32.load (i32.add (local.get $hrow) (i32.shl (local.get $b) (i32.const 2))))))))

  ;; The k best rows into a min-heap (hrow, hscore: k entries each), the root being the worst kept. Rows come in
  ;; increasing order, so a row enters a full heap only with a strictly higher score than the root: one compare
  ;; against a threshold rejects almost every row. Returns how many entries the heap holds. Unless $all is 0,
  ;; every row's score also goes to all[i] (NaN for a skipped row), for "above" to select from afterwards.
  (func (export "topk") (param $rows i32) (param $scales i32) (param $count i32) (param $dim i32)
                        (param $nq i32) (param $meta i32) (param $qv i32) (param $bias i32)
                        (param $k i32) (param $skip i32) (param $hrow i32) (param $hscore i32) (param $all i32)
                        (result i32)
    (local $blocks i32) (local $i i32) (local $size i32) (local $s f32) (local $threshold f32)
    (local $c i32) (local $p i32) (local $l i32) (local $m i32)
    (local.set $blocks (i32.shr_u (i32.add (local.get $dim) (i32.const 15)) (i32.const 4)))
    (local.set $threshold (f32.const -inf))
    (if (i32.and (i32.eqz (local.get $k)) (i32.eqz (local.get $all))) (then (return (i32.const 0))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (block $skip_row
          (if (local.get $skip)
            (then
              (if (i32.load8_u (i32.add (local.get $skip) (local.get $i)))
                (then
                  (if (local.get $all)
                    (then (f32.store (i32.add (local.get $all) (i32.shl (local.get $i) (i32.const 2))) (f32.const nan))))
                  (br $skip_row)))))
          (local.set $s
            (call $row_score (local.get $rows) (f32.load (local.get $scales)) (local.get $blocks)
                             (local.get $nq) (local.get $meta) (local.get $qv) (local.get $bias) (local.get $i)))
          (if (local.get $all)
            (then (f32.store (i32.add (local.get $all) (i32.shl (local.get $i) (i32.const 2))) (local.get $s))))
          (br_if $skip_row (i32.eqz (local.get $k)))
          ;; Non-finite scores never enter: s - s is 0 only for a finite s.
          (br_if $skip_row (f32.ne (f32.sub (local.get $s) (local.get $s)) (f32.const 0)))
          (if (i32.lt_u (local.get $size) (local.get $k))
            (then
              ;; Push: the newcomer has the highest row so far, so it rises past parents it does not beat.
              (local.set $c (local.get $size))
              (local.set $size (i32.add (local.get $size) (i32.const 1)))
              (block $up_done
                (loop $up
                  (br_if $up_done (i32.eqz (local.get $c)))
                  (local.set $p (i32.shr_u (i32.sub (local.get $c) (i32.const 1)) (i32.const 1)))
                  (br_if $up_done (f32.gt (local.get $s)
                    (f32.load (i32.add (local.get $hscore) (i32.shl (local.get $p) (i32.const 2))))))
                  (call $move (local.get $hrow) (local.get $hscore) (local.get $p) (local.get $c))
                  (local.set $c (local.get $p))
                  (br $up)))
              (call $put (local.get $hrow) (local.get $hscore) (local.get $c) (local.get $i) (local.get $s))
              (if (i32.eq (local.get $size) (local.get $k))
                (then (local.set $threshold (f32.load (local.get $hscore))))))
            (else
              (br_if $skip_row (i32.eqz (f32.gt (local.get $s) (local.get $threshold))))
              ;; Replace the root and sift down past children worse than the newcomer.
              (local.set $c (i32.const 0))
              (block $down_done
                (loop $down
                  (local.set $l (i32.add (i32.shl (local.get $c) (i32.const 1)) (i32.const 1)))
                  (br_if $down_done (i32.ge_u (local.get $l) (local.get $size)))
                  (local.set $m (local.get $l))
                  (if (i32.lt_u (i32.add (local.get $l) (i32.const 1)) (local.get $size))
                    (then
                      (if (call $worse (local.get $hrow) (local.get $hscore)
                                       (i32.add (local.get $l) (i32.const 1)) (local.get $l))
                        (then (local.set $m (i32.add (local.get $l) (i32.const 1)))))))
                  (br_if $down_done (i32.eqz (f32.lt
                    (f32.load (i32.add (local.get $hscore) (i32.shl (local.get $m) (i32.const 2))))
                    (local.get $s))))
                  (call $move (local.get $hrow) (local.get $hscore) (local.get $m) (local.get $c))
                  (local.set $c (local.get $m))
                  (br $down)))
              (call $put (local.get $hrow) (local.get $hscore) (local.get $c) (local.get $i) (local.get $s))
              (local.set $threshold (f32.load (local.get $hscore))))))
        (local.set $rows (i32.add (local.get $rows) (local.get $dim)))
        (local.set $scales (i32.add (local.get $scales) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $size))

  ;; The rows i < count whose all[i] is finite and at least $floor (compared in f64), in increasing order: their
  ;; indices to idx and their scores to out. Returns how many. A pass over 4 bytes a row, after "topk" kept them.
  (func (export "above") (param $all i32) (param $count i32) (param $floor f64) (param $idx i32) (param $out i32)
                         (result i32)
    (local $i i32) (local $n i32) (local $s f32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $s (f32.load (i32.add (local.get $all) (i32.shl (local.get $i) (i32.const 2)))))
        ;; NaN (a skipped row) fails the compare; infinities fail s - s == 0.
        (if (i32.and (f64.ge (f64.promote_f32 (local.get $s)) (local.get $floor))
                     (f32.eq (f32.sub (local.get $s) (local.get $s)) (f32.const 0)))
          (then
            (i32.store (i32.add (local.get $idx) (i32.shl (local.get $n) (i32.const 2))) (local.get $i))
            (f32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))) (local.get $s))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $n))

  ;; heap[to] = heap[from]
  (func $move (param $hrow i32) (param $hscore i32) (param $from i32) (param $to i32)
    (i32.store (i32.add (local.get $hrow) (i32.shl (local.get $to) (i32.const 2)))
      (i32.load (i32.add (local.get $hrow) (i32.shl (local.get $from) (i32.const 2)))))
    (f32.store (i32.add (local.get $hscore) (i32.shl (local.get $to) (i32.const 2)))
      (f32.load (i32.add (local.get $hscore) (i32.shl (local.get $from) (i32.const 2))))))

  (func $put (param $hrow i32) (param $hscore i32) (param $at i32) (param $row i32) (param $score f32)
    (i32.store (i32.add (local.get $hrow) (i32.shl (local.get $at) (i32.const 2))) (local.get $row))
    (f32.store (i32.add (local.get $hscore) (i32.shl (local.get $at) (i32.const 2))) (local.get $score)))

  ;; out[i · nb + j] = f32(row a[i] · row b[j]) · (scale a[i] · scale b[j]). Row b[j] is first widened into the
  ;; i16 scratch `tmp` (zeros past dim), so the pair goes through the same $dot as a query.
  (func (export "dots") (param $rows i32) (param $scales i32) (param $dim i32) (param $a i32) (param $na i32)
                        (param $b i32) (param $nb i32) (param $tmp i32) (param $out i32)
    (local $blocks i32) (local $i i32) (local $j i32) (local $d i32) (local $rb i32) (local $ra i32) (local $sb f32)
    (local.set $blocks (i32.shr_u (i32.add (local.get $dim) (i32.const 15)) (i32.const 4)))
    (block $b_done
      (loop $b_next
        (br_if $b_done (i32.ge_u (local.get $j) (local.get $nb)))
        (local.set $rb (i32.load (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $sb (f32.load (i32.add (local.get $scales) (i32.shl (local.get $rb) (i32.const 2)))))
        (local.set $rb (i32.add (local.get $rows) (i32.mul (local.get $rb) (local.get $dim))))
        (local.set $d (i32.const 0))
        (block $w_done
          (loop $w_next
            (br_if $w_done (i32.ge_u (local.get $d) (i32.shl (local.get $blocks) (i32.const 4))))
            (i32.store16 (i32.add (local.get $tmp) (i32.shl (local.get $d) (i32.const 1)))
              (select (i32.load8_s (i32.add (local.get $rb) (local.get $d))) (i32.const 0)
                      (i32.lt_u (local.get $d) (local.get $dim))))
            (local.set $d (i32.add (local.get $d) (i32.const 1)))
            (br $w_next)))
        (local.set $i (i32.const 0))
        (block $a_done
          (loop $a_next
            (br_if $a_done (i32.ge_u (local.get $i) (local.get $na)))
            (local.set $ra (i32.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2)))))
            (f32.store
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $nb)) (local.get $j)) (i32.const 2)))
              (f32.mul
                (f32.convert_i32_s
                  (call $dot (i32.add (local.get $rows) (i32.mul (local.get $ra) (local.get $dim)))
                             (local.get $tmp) (local.get $blocks)))
                (f32.mul (f32.load (i32.add (local.get $scales) (i32.shl (local.get $ra) (i32.const 2))))
                         (local.get $sb))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $a_next)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $b_next))))
)
