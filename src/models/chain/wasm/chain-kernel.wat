;; The plain reduced chain (arXiv 2505.10272, Eq. 1-2) in product form, float64, WebAssembly SIMD128: the steps of
;; src/engines/chain-math.ts `advanceProduct` between two folds, for a block of trajectories, operation for
;; operation (so the results are the same bits). The folds (log, exp) are done by the caller in JavaScript
;; (src/engines/wasm/advance-batch.ts): WebAssembly has no exp or log, and a step needs none.
;;
;; Regenerate the bytes (src/engines/wasm/chain-kernel-wasm.ts) with `node scripts/build-wasm.mjs` after an edit.
;;
;; Memory: bytes 0..63 hold the 4 words of the last Philox block (word j of lane l at 16 j + 4 l); y and g are
;; coordinate-major blocks of `lanes` float64 each (coordinate i of lane t at off + 8 (i lanes + t)), lanes a
;; multiple of 4. Philox runs on 4 trajectories at once (one per i32 lane; the 32x32 -> 64-bit products with
;; i64x2.extmul), the float64 work on 2 at once (half A = lanes t, t+1; half B = lanes t+2, t+3).
(module
  (memory (export "memory") 1)

  ;; Philox4x32-10 (Salmon et al. 2011) of counters (c0, c1, c2, c3) under key (k0, k1), as src/rng/philox.ts;
  ;; the 4 output words to bytes 0..63.
  (func $philox (param $c0 v128) (param $c1 v128) (param $c2 v128) (param $c3 v128) (param $k0 i32) (param $k1 i32)
    (local $r i32) (local $hi0 v128) (local $lo0 v128) (local $hi1 v128) (local $lo1 v128) (local $m0 v128) (local $m1 v128)
    (local.set $m0 (i32x4.splat (i32.const 0xd2511f53)))
    (local.set $m1 (i32x4.splat (i32.const 0xcd9e8d57)))
    (loop $round
      ;; high words of the 64-bit products: bytes 4..7 of each i64 lane of the two extended products
      (local.set $hi0 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
        (i64x2.extmul_low_i32x4_u (local.get $c0) (local.get $m0))
        (i64x2.extmul_high_i32x4_u (local.get $c0) (local.get $m0))))
      (local.set $lo0 (i32x4.mul (local.get $c0) (local.get $m0)))
      (local.set $hi1 (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
        (i64x2.extmul_low_i32x4_u (local.get $c2) (local.get $m1))
        (i64x2.extmul_high_i32x4_u (local.get $c2) (local.get $m1))))
      (local.set $lo1 (i32x4.mul (local.get $c2) (local.get $m1)))
      (local.set $c0 (v128.xor (v128.xor (local.get $hi1) (local.get $c1)) (i32x4.splat (local.get $k0))))
      (local.set $c1 (local.get $lo1))
      (local.set $c2 (v128.xor (v128.xor (local.get $hi0) (local.get $c3)) (i32x4.splat (local.get $k1))))
      (local.set $c3 (local.get $lo0))
      ;; key schedule: k += (W0, W1) between rounds (adding after the last round is harmless)
      (local.set $k0 (i32.add (local.get $k0) (i32.const 0x9e3779b9)))
      (local.set $k1 (i32.add (local.get $k1) (i32.const 0xbb67ae85)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $round (i32.lt_u (local.get $r) (i32.const 10))))
    (v128.store offset=0 (i32.const 0) (local.get $c0))
    (v128.store offset=16 (i32.const 0) (local.get $c1))
    (v128.store offset=32 (i32.const 0) (local.get $c2))
    (v128.store offset=48 (i32.const 0) (local.get $c3)))

  ;; Uniform of a u32 (philox.ts u32ToUniform): max(w >> 8, 1) * 2^-24, lanes 0-1 (half A) and 2-3 (half B).
  (func $uniformA (param $w v128) (result v128)
    (f64x2.mul
      (f64x2.convert_low_i32x4_u (i32x4.max_u (i32x4.shr_u (local.get $w) (i32.const 8)) (v128.const i32x4 1 1 1 1)))
      (v128.const f64x2 0x1p-24 0x1p-24)))
  (func $uniformB (param $w v128) (result v128)
    (call $uniformA (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $w) (local.get $w))))

  ;; Z = noise(u) (chain-math.ts noiseFromUniform): law 0 uniform h (2u - 1), law 1 Rademacher (u < 1/2 ? -h : h).
  (func $noise (param $u v128) (param $h v128) (param $law i32) (result v128)
    (if (result v128) (i32.eqz (local.get $law))
      (then (f64x2.mul (local.get $h)
        (f64x2.sub (f64x2.mul (v128.const f64x2 2 2) (local.get $u)) (v128.const f64x2 1 1))))
      (else (v128.bitselect (f64x2.neg (local.get $h)) (local.get $h)
        (f64x2.lt (local.get $u) (v128.const f64x2 0.5 0.5))))))

  ;; nSteps steps from step k0 (no fold in between) of lanes trajectories traj0 .. traj0 + lanes - 1.
  (func (export "steps") (param $lanes i32) (param $d i32) (param $k0 i32) (param $nSteps i32) (param $traj0 i32)
        (param $key0 i32) (param $key1 i32) (param $alpha f64) (param $hs f64) (param $law i32)
        (param $yOff i32) (param $gOff i32)
    (local $t i32) (local $s i32) (local $k i32) (local $i i32) (local $n i32) (local $stride i32) (local $a i32)
    (local $trajv v128) (local $kv v128) (local $zero v128) (local $one v128) (local $alv v128) (local $h v128)
    (local $dv v128) (local $iv v128)
    (local $eA v128) (local $eB v128) (local $SA v128) (local $SB v128) (local $lpA v128) (local $lpB v128)
    (local $tgA v128) (local $tgB v128) (local $accA v128) (local $accB v128) (local $zA v128) (local $zB v128)
    (local $w v128) (local $gA v128) (local $gB v128)
    (local.set $stride (i32.shl (local.get $lanes) (i32.const 3)))
    (local.set $one (f64x2.splat (f64.const 1)))
    (local.set $alv (f64x2.splat (local.get $alpha)))
    (local.set $h (f64x2.splat (local.get $hs)))
    (local.set $dv (i64x2.splat (i64.extend_i32_u (local.get $d))))
    (block $tdone (loop $tloop
      (br_if $tdone (i32.ge_u (local.get $t) (local.get $lanes)))
      (local.set $trajv (i32x4.add (i32x4.splat (i32.add (local.get $traj0) (local.get $t))) (v128.const i32x4 0 1 2 3)))
      (local.set $s (i32.const 0))
      (block $sdone (loop $sloop
        (br_if $sdone (i32.ge_u (local.get $s) (local.get $nSteps)))
        (local.set $k (i32.add (local.get $k0) (local.get $s)))
        (local.set $kv (i32x4.splat (local.get $k)))
        (call $philox (local.get $kv) (local.get $trajv) (local.get $zero) (local.get $zero) (local.get $key0) (local.get $key1))
        ;; S = sum_i y_i g_i, lastPositive = the last i with y_i g_i > 0 (d - 1 when none)
        (local.set $SA (local.get $zero)) (local.set $SB (local.get $zero))
        (local.set $lpA (i64x2.splat (i64.extend_i32_u (i32.sub (local.get $d) (i32.const 1)))))
        (local.set $lpB (local.get $lpA))
        (local.set $i (i32.const 0))
        (local.set $a (i32.shl (local.get $t) (i32.const 3)))
        (loop $sum
          (local.set $eA (f64x2.mul (v128.load (i32.add (local.get $yOff) (local.get $a))) (v128.load (i32.add (local.get $gOff) (local.get $a)))))
          (local.set $eB (f64x2.mul (v128.load offset=16 (i32.add (local.get $yOff) (local.get $a))) (v128.load offset=16 (i32.add (local.get $gOff) (local.get $a)))))
          (local.set $SA (f64x2.add (local.get $SA) (local.get $eA)))
          (local.set $SB (f64x2.add (local.get $SB) (local.get $eB)))
          (local.set $iv (i64x2.splat (i64.extend_i32_u (local.get $i))))
          (local.set $lpA (v128.bitselect (local.get $iv) (local.get $lpA) (f64x2.gt (local.get $eA) (local.get $zero))))
          (local.set $lpB (v128.bitselect (local.get $iv) (local.get $lpB) (f64x2.gt (local.get $eB) (local.get $zero))))
          (local.set $a (i32.add (local.get $a) (local.get $stride)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $sum (i32.lt_u (local.get $i) (local.get $d))))
        ;; Categorical draw by inversion: zeta = the first i with u0 S < sum_{j<=i} e_j = the number of partial sums
        ;; <= u0 S (they are non-decreasing); lastPositive when that number is d.
        (local.set $w (v128.load (i32.const 0)))
        (local.set $tgA (f64x2.mul (call $uniformA (local.get $w)) (local.get $SA)))
        (local.set $tgB (f64x2.mul (call $uniformB (local.get $w)) (local.get $SB)))
        (local.set $accA (local.get $zero)) (local.set $accB (local.get $zero))
        (local.set $zA (local.get $zero)) (local.set $zB (local.get $zero))
        (local.set $i (i32.const 0))
        (local.set $a (i32.shl (local.get $t) (i32.const 3)))
        (loop $inv
          (local.set $accA (f64x2.add (local.get $accA)
            (f64x2.mul (v128.load (i32.add (local.get $yOff) (local.get $a))) (v128.load (i32.add (local.get $gOff) (local.get $a))))))
          (local.set $accB (f64x2.add (local.get $accB)
            (f64x2.mul (v128.load offset=16 (i32.add (local.get $yOff) (local.get $a))) (v128.load offset=16 (i32.add (local.get $gOff) (local.get $a))))))
          ;; f64x2.le gives -1 (all ones) where true: subtracting counts it
          (local.set $zA (i64x2.sub (local.get $zA) (f64x2.le (local.get $accA) (local.get $tgA))))
          (local.set $zB (i64x2.sub (local.get $zB) (f64x2.le (local.get $accB) (local.get $tgB))))
          (local.set $a (i32.add (local.get $a) (local.get $stride)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $inv (i32.lt_u (local.get $i) (local.get $d))))
        (local.set $zA (v128.bitselect (local.get $lpA) (local.get $zA) (i64x2.eq (local.get $zA) (local.get $dv))))
        (local.set $zB (v128.bitselect (local.get $lpB) (local.get $zB) (i64x2.eq (local.get $zB) (local.get $dv))))
        ;; g_i <- g_i (1 + alpha (1[i = zeta] + Z_i)), Z_i from uniform n = i + 1 (word n mod 4 of block n / 4)
        (local.set $i (i32.const 0))
        (local.set $a (i32.add (local.get $gOff) (i32.shl (local.get $t) (i32.const 3))))
        (loop $upd
          (local.set $n (i32.add (local.get $i) (i32.const 1)))
          (if (i32.eqz (i32.and (local.get $n) (i32.const 3)))
            (then (call $philox (local.get $kv) (local.get $trajv) (local.get $zero)
              (i32x4.splat (i32.shr_u (local.get $n) (i32.const 2))) (local.get $key0) (local.get $key1))))
          (local.set $w (v128.load (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 4))))
          (local.set $iv (i64x2.splat (i64.extend_i32_u (local.get $i))))
          (local.set $gA (f64x2.mul (v128.load (local.get $a))
            (f64x2.add (local.get $one) (f64x2.mul (local.get $alv)
              (f64x2.add (v128.and (i64x2.eq (local.get $zA) (local.get $iv)) (local.get $one))
                (call $noise (call $uniformA (local.get $w)) (local.get $h) (local.get $law)))))))
          (local.set $gB (f64x2.mul (v128.load offset=16 (local.get $a))
            (f64x2.add (local.get $one) (f64x2.mul (local.get $alv)
              (f64x2.add (v128.and (i64x2.eq (local.get $zB) (local.get $iv)) (local.get $one))
                (call $noise (call $uniformB (local.get $w)) (local.get $h) (local.get $law)))))))
          (v128.store (local.get $a) (local.get $gA))
          (v128.store offset=16 (local.get $a) (local.get $gB))
          (local.set $a (i32.add (local.get $a) (local.get $stride)))
          (local.set $i (local.get $n))
          (br_if $upd (i32.lt_u (local.get $i) (local.get $d))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $sloop)))
      (local.set $t (i32.add (local.get $t) (i32.const 4)))
      (br $tloop)))))
