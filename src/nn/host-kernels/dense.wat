;; Kernels of a dense network's training step on host memory, float32, 128-bit SIMD.
;;
;; Why they exist: a protocol shadow model (MLP 104-64-64-1, batch 128) spends most of
;; a tfjs step in per-op dispatch, not in arithmetic. These loops do the step's
;; matrix products directly on the caller's arrays in this module's memory.
;;
;; Every matrix is row-major; every pointer is a byte offset into the imported memory.
;; The products skip exact zeros of their left operand: one-hot inputs and ReLU
;; activations are mostly zeros, so the skip is where most of the speed comes from.
;; Skipping x = 0 differs from IEEE arithmetic only when the other factor is ±∞ or
;; NaN (0·∞ = NaN); the trainer checks that parameters stay finite.
;;
;; Rebuild the module with `npm run build:wasm` after editing this file; a test checks
;; that the bytes in dense-module.ts are this text's.
(module
  (import "env" "memory" (memory 1))

;; C[m×n] += A[m×k] · B[k×n]. Each row of A is first compressed to its non-zero
  ;; entries (branch-free: every entry is written, the count advances only past
  ;; non-zeros), at `scratch` (8·k bytes: B's row address, A's value); then each block
  ;; of 16 columns of C's row accumulates in four registers over that list, so C is
  ;; read and written once per row and B's rows stream through.
  (func (export "gemm_nn") (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
    (param $scratch i32)
    (local $i i32) (local $p i32) (local $av f32) (local $rowBytes i32) (local $count i32)
    (local $entry i32) (local $end i32) (local $j i32) (local $bp i32) (local $s v128)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128) (local $sum f32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
        ;; compress the row of A
        (local.set $p (i32.const 0))
        (local.set $entry (local.get $scratch))
        (block $compress_done
          (loop $compress
            (br_if $compress_done (i32.ge_u (local.get $p) (local.get $k)))
            (local.set $av (f32.load (local.get $a)))
            (i32.store (local.get $entry) (i32.add (local.get $b) (i32.mul (local.get $p) (local.get $rowBytes))))
            (f32.store offset=4 (local.get $entry) (local.get $av))
            (local.set $entry
              (i32.add (local.get $entry) (i32.shl (f32.ne (local.get $av) (f32.const 0)) (i32.const 3))))
            (local.set $a (i32.add (local.get $a) (i32.const 4)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $compress)))
        (local.set $end (local.get $entry))
        ;; blocks of 16 columns
        (local.set $j (i32.const 0))
        (block $wide_done
          (loop $wide
            (br_if $wide_done (i32.gt_u (i32.add (local.get $j) (i32.const 64)) (local.get $rowBytes)))
            (local.set $acc0 (v128.load (i32.add (local.get $c) (local.get $j))))
            (local.set $acc1 (v128.load offset=16 (i32.add (local.get $c) (local.get $j))))
            (local.set $acc2 (v128.load offset=32 (i32.add (local.get $c) (local.get $j))))
            (local.set $acc3 (v128.load offset=48 (i32.add (local.get $c) (local.get $j))))
            (local.set $entry (local.get $scratch))
            (block $list_done
              (loop $list
                (br_if $list_done (i32.ge_u (local.get $entry) (local.get $end)))
                (local.set $bp (i32.add (i32.load (local.get $entry)) (local.get $j)))
                (local.set $s (v128.load32_splat offset=4 (local.get $entry)))
                (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $s) (v128.load (local.get $bp)))))
                (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $bp)))))
                (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (local.get $s) (v128.load offset=32 (local.get $bp)))))
                (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (local.get $s) (v128.load offset=48 (local.get $bp)))))
                (local.set $entry (i32.add (local.get $entry) (i32.const 8)))
                (br $list)))
            (v128.store (i32.add (local.get $c) (local.get $j)) (local.get $acc0))
            (v128.store offset=16 (i32.add (local.get $c) (local.get $j)) (local.get $acc1))
            (v128.store offset=32 (i32.add (local.get $c) (local.get $j)) (local.get $acc2))
            (v128.store offset=48 (i32.add (local.get $c) (local.get $j)) (local.get $acc3))
            (local.set $j (i32.add (local.get $j) (i32.const 64)))
            (br $wide)))
        ;; blocks of 4 columns
        (block $narrow_done
          (loop $narrow
            (br_if $narrow_done (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $rowBytes)))
            (local.set $acc0 (v128.load (i32.add (local.get $c) (local.get $j))))
            (local.set $entry (local.get $scratch))
            (block $list_done
              (loop $list
                (br_if $list_done (i32.ge_u (local.get $entry) (local.get $end)))
                (local.set $acc0
                  (f32x4.add (local.get $acc0)
                    (f32x4.mul (v128.load32_splat offset=4 (local.get $entry))
                      (v128.load (i32.add (i32.load (local.get $entry)) (local.get $j))))))
                (local.set $entry (i32.add (local.get $entry) (i32.const 8)))
                (br $list)))
            (v128.store (i32.add (local.get $c) (local.get $j)) (local.get $acc0))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $narrow)))
        ;; the last columns one at a time
        (block $single_done
          (loop $single
            (br_if $single_done (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (local.set $sum (f32.load (i32.add (local.get $c) (local.get $j))))
            (local.set $entry (local.get $scratch))
            (block $list_done
              (loop $list
                (br_if $list_done (i32.ge_u (local.get $entry) (local.get $end)))
                (local.set $sum
                  (f32.add (local.get $sum)
                    (f32.mul (f32.load offset=4 (local.get $entry))
                      (f32.load (i32.add (i32.load (local.get $entry)) (local.get $j))))))
                (local.set $entry (i32.add (local.get $entry) (i32.const 8)))
                (br $list)))
            (f32.store (i32.add (local.get $c) (local.get $j)) (local.get $sum))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $single)))
        (local.set $c (i32.add (local.get $c) (local.get $rowBytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; At[cols×rows] = A[rows×cols]ᵀ
  (func (export "transpose") (param $a i32) (param $at i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $j i32) (local $column i32) (local $stride i32)
    (local.set $stride (i32.shl (local.get $rows) (i32.const 2)))
    (block $rows_done
      (loop $row_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $column (i32.add (local.get $at) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $col_loop
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $cols)))
            (f32.store (local.get $column) (f32.load (local.get $a)))
            (local.set $a (i32.add (local.get $a) (i32.const 4)))
            (local.set $column (i32.add (local.get $column) (local.get $stride)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $col_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row_loop))))

  ;; x ← x where mask > 0, else 0, over len values (a ReLU's derivative, from its output)
  (func (export "mask_positive") (param $x i32) (param $mask i32) (param $len i32)
    (local $end i32) (local $end4 i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $len) (i32.const 2))))
    (local.set $end4
      (i32.add (local.get $x) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2))))
    (block $simd_done
      (loop $simd
        (br_if $simd_done (i32.ge_u (local.get $x) (local.get $end4)))
        (v128.store (local.get $x)
          (v128.and (v128.load (local.get $x))
            (f32x4.gt (v128.load (local.get $mask)) (v128.const f32x4 0 0 0 0))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $mask (i32.add (local.get $mask) (i32.const 16)))
        (br $simd)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $x) (local.get $end)))
        (if (i32.eqz (f32.gt (f32.load (local.get $mask)) (f32.const 0)))
          (then (f32.store (local.get $x) (f32.const 0))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $mask (i32.add (local.get $mask) (i32.const 4)))
        (br $tail))))

;; dst[j] += Σᵢ A[i, j] over the m rows of A[m×n] (a bias's gradient)
  (func (export "add_column_sums") (param $a i32) (param $dst i32) (param $m i32) (param $n i32)
    (local $i i32) (local $j i32) (local $rowBytes i32) (local $row i32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $j (i32.const 0))
        (block $simd_done
          (loop $simd
            (br_if $simd_done (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $dst) (local.get $j))
              (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $j)))
                (v128.load (i32.add (local.get $a) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $simd)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (f32.store (i32.add (local.get $dst) (local.get $j))
              (f32.add (f32.load (i32.add (local.get $dst) (local.get $j)))
                (f32.load (i32.add (local.get $a) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $tail)))
        (local.set $a (i32.add (local.get $a) (local.get $rowBytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; Every row of C[m×n] set to row[0..n) (a layer's output starts as its bias)
  (func (export "broadcast_rows") (param $row i32) (param $c i32) (param $m i32) (param $n i32)
    (local $i i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
        (memory.copy (local.get $c) (local.get $row) (local.get $rowBytes))
        (local.set $c (i32.add (local.get $c) (local.get $rowBytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; x ← max(x, 0) over len values
  (func (export "relu") (param $x i32) (param $len i32)
    (local $end i32) (local $end4 i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $len) (i32.const 2))))
    (local.set $end4
      (i32.add (local.get $x) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2))))
    (block $simd_done
      (loop $simd
        (br_if $simd_done (i32.ge_u (local.get $x) (local.get $end4)))
        (v128.store (local.get $x) (f32x4.max (v128.load (local.get $x)) (v128.const f32x4 0 0 0 0)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $simd)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $x) (local.get $end)))
        (f32.store (local.get $x) (f32.max (f32.load (local.get $x)) (f32.const 0)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $tail))))

  ;; out[i] = Σⱼ A[i, j]² for each of the m rows of A[m×n] (per-example gradient norms)
  (func (export "row_squared_norms") (param $a i32) (param $out i32) (param $m i32) (param $n i32)
    (local $i i32) (local $end i32) (local $end4 i32) (local $acc v128) (local $sum f32) (local $x f32) (local $v v128)
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
        (local.set $end4
          (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (block $simd_done
          (loop $simd
            (br_if $simd_done (i32.ge_u (local.get $a) (local.get $end4)))
            (local.set $v (v128.load (local.get $a)))
            (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $v) (local.get $v))))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (br $simd)))
        (local.set $sum
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $a) (local.get $end)))
            (local.set $x (f32.load (local.get $a)))
            (local.set $sum (f32.add (local.get $sum) (f32.mul (local.get $x) (local.get $x))))
            (local.set $a (i32.add (local.get $a) (i32.const 4)))
            (br $tail)))
        (f32.store (local.get $out) (local.get $sum))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; A[i, :] ← factors[i] · A[i, :] for each of the m rows of A[m×n] (clipping)
  (func (export "scale_rows") (param $a i32) (param $factors i32) (param $m i32) (param $n i32)
    (local $i i32) (local $end i32) (local $end4 i32) (local $f f32) (local $splat v128)
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $f (f32.load (local.get $factors)))
        (local.set $splat (f32x4.splat (local.get $f)))
        (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
        (local.set $end4
          (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
        (block $simd_done
          (loop $simd
            (br_if $simd_done (i32.ge_u (local.get $a) (local.get $end4)))
            (v128.store (local.get $a) (f32x4.mul (v128.load (local.get $a)) (local.get $splat)))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (br $simd)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $a) (local.get $end)))
            (f32.store (local.get $a) (f32.mul (f32.load (local.get $a)) (local.get $f)))
            (local.set $a (i32.add (local.get $a) (i32.const 4)))
            (br $tail)))
        (local.set $factors (i32.add (local.get $factors) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; Adam's update in place (optimizers.ts, adamUpdate): float64 arithmetic on each
  ;; element, in adamUpdate's order of operations, m and v rounded to float32 when
  ;; stored and read back rounded, so this loop and adamUpdate agree bit for bit.
  ;; Two elements at a time in f64x2 lanes, the last one alone.
  (func (export "adam") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $len i32)
    (param $beta1 f64) (param $oneMinusBeta1 f64) (param $beta2 f64) (param $oneMinusBeta2 f64)
    (param $stepSize f64) (param $correction2 f64) (param $epsilon f64) (param $weightDecay f64)
    (local $end i32) (local $end2 i32)
    (local $p2 v128) (local $g2 v128) (local $m2 v128) (local $v2 v128)
    (local $b1 v128) (local $c1 v128) (local $b2 v128) (local $c2 v128)
    (local $step v128) (local $corr v128) (local $eps v128) (local $wd v128)
    (local $ps f64) (local $gs f64) (local $ms f32) (local $vs f32)
    (local.set $b1 (f64x2.splat (local.get $beta1)))
    (local.set $c1 (f64x2.splat (local.get $oneMinusBeta1)))
    (local.set $b2 (f64x2.splat (local.get $beta2)))
    (local.set $c2 (f64x2.splat (local.get $oneMinusBeta2)))
    (local.set $step (f64x2.splat (local.get $stepSize)))
    (local.set $corr (f64x2.splat (local.get $correction2)))
    (local.set $eps (f64x2.splat (local.get $epsilon)))
    (local.set $wd (f64x2.splat (local.get $weightDecay)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $len) (i32.const 2))))
    (local.set $end2
      (i32.add (local.get $p) (i32.shl (i32.and (local.get $len) (i32.const -2)) (i32.const 2))))
    (block $pairs_done
      (loop $pairs
        (br_if $pairs_done (i32.ge_u (local.get $p) (local.get $end2)))
        (local.set $p2 (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))))
        (local.set $g2
          (f64x2.add (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $g)))
            (f64x2.mul (local.get $wd) (local.get $p2))))
        (local.set $m2
          (f32x4.demote_f64x2_zero
            (f64x2.add (f64x2.mul (local.get $b1) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $m))))
              (f64x2.mul (local.get $c1) (local.get $g2)))))
        (local.set $v2
          (f32x4.demote_f64x2_zero
            (f64x2.add (f64x2.mul (local.get $b2) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $v))))
              (f64x2.mul (f64x2.mul (local.get $c2) (local.get $g2)) (local.get $g2)))))
        (v128.store64_lane 0 (local.get $m) (local.get $m2))
        (v128.store64_lane 0 (local.get $v) (local.get $v2))
        (v128.store64_lane 0 (local.get $p)
          (f32x4.demote_f64x2_zero
            (f64x2.sub (local.get $p2)
              (f64x2.div (f64x2.mul (local.get $step) (f64x2.promote_low_f32x4 (local.get $m2)))
                (f64x2.add (f64x2.sqrt (f64x2.div (f64x2.promote_low_f32x4 (local.get $v2)) (local.get $corr)))
                  (local.get $eps))))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $g (i32.add (local.get $g) (i32.const 8)))
        (local.set $m (i32.add (local.get $m) (i32.const 8)))
        (local.set $v (i32.add (local.get $v) (i32.const 8)))
        (br $pairs)))
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then
        (local.set $ps (f64.promote_f32 (f32.load (local.get $p))))
        (local.set $gs
          (f64.add (f64.promote_f32 (f32.load (local.get $g))) (f64.mul (local.get $weightDecay) (local.get $ps))))
        (local.set $ms
          (f32.demote_f64
            (f64.add (f64.mul (local.get $beta1) (f64.promote_f32 (f32.load (local.get $m))))
              (f64.mul (local.get $oneMinusBeta1) (local.get $gs)))))
        (local.set $vs
          (f32.demote_f64
            (f64.add (f64.mul (local.get $beta2) (f64.promote_f32 (f32.load (local.get $v))))
              (f64.mul (f64.mul (local.get $oneMinusBeta2) (local.get $gs)) (local.get $gs)))))
        (f32.store (local.get $m) (local.get $ms))
        (f32.store (local.get $v) (local.get $vs))
        (f32.store (local.get $p)
          (f32.demote_f64
            (f64.sub (local.get $ps)
              (f64.div (f64.mul (local.get $stepSize) (f64.promote_f32 (local.get $ms)))
                (f64.add (f64.sqrt (f64.div (f64.promote_f32 (local.get $vs)) (local.get $correction2)))
                  (local.get $epsilon)))))))))
)
