;; The sum of two sparse histograms (src/stats/sparse-hist.ts mergeTwo, which calls it; the same numbers as its
;; JavaScript loop): each histogram is its occupied bins, strictly ascending, and their counts; the sum's occupied bins
;; are the union, a bin in both with the two counts added (mod 2^32, as a Uint32Array stores the JavaScript sum).
;; Assembled by scripts/build-wasm.mjs into hist-merge-wasm.ts.
;;
;; merge(na, nb) → k, in u32 words of the memory: a's bins at [0, na), a's counts at [na, 2na), b's bins at
;; [2na, 2na + nb), b's counts at [2na + nb, 2na + 2nb); the sum's k bins at [2(na + nb), 2(na + nb) + k) and its counts
;; at [3(na + nb), 3(na + nb) + k). With na, nb ≤ 4096 (the bins of the log-gap histogram) all of it fits two pages.
(module
  (memory (export "memory") 2)
  (func (export "merge") (param $na i32) (param $nb i32) (result i32)
    (local $ab i32) (local $ac i32) (local $bb i32) (local $bc i32) (local $ob i32) (local $oc i32)
    (local $ae i32) (local $be i32) (local $x i32) (local $y i32) (local $k i32)
    ;; byte addresses: $ab, $bb walk the bins, $ac, $bc the counts, $ae, $be are where a's and b's bins end
    (local.set $ac (i32.shl (local.get $na) (i32.const 2)))
    (local.set $ae (local.get $ac))
    (local.set $bb (i32.shl (local.get $na) (i32.const 3)))
    (local.set $bc (i32.add (local.get $bb) (i32.shl (local.get $nb) (i32.const 2))))
    (local.set $be (local.get $bc))
    (local.set $ob (i32.shl (i32.add (local.get $na) (local.get $nb)) (i32.const 3)))
    (local.set $oc (i32.add (local.get $ob) (i32.shl (i32.add (local.get $na) (local.get $nb)) (i32.const 2))))
    (block $tail
      (loop $both
        (br_if $tail (i32.ge_u (local.get $ab) (local.get $ae)))
        (br_if $tail (i32.ge_u (local.get $bb) (local.get $be)))
        (local.set $x (i32.load (local.get $ab)))
        (local.set $y (i32.load (local.get $bb)))
        (if (i32.lt_u (local.get $x) (local.get $y))
          (then
            (i32.store (local.get $ob) (local.get $x))
            (i32.store (local.get $oc) (i32.load (local.get $ac)))
            (local.set $ab (i32.add (local.get $ab) (i32.const 4)))
            (local.set $ac (i32.add (local.get $ac) (i32.const 4))))
          (else
            (if (i32.gt_u (local.get $x) (local.get $y))
              (then
                (i32.store (local.get $ob) (local.get $y))
                (i32.store (local.get $oc) (i32.load (local.get $bc)))
                (local.set $bb (i32.add (local.get $bb) (i32.const 4)))
                (local.set $bc (i32.add (local.get $bc) (i32.const 4))))
              (else
                (i32.store (local.get $ob) (local.get $x))
                (i32.store (local.get $oc) (i32.add (i32.load (local.get $ac)) (i32.load (local.get $bc))))
                (local.set $ab (i32.add (local.get $ab) (i32.const 4)))
                (local.set $ac (i32.add (local.get $ac) (i32.const 4)))
                (local.set $bb (i32.add (local.get $bb) (i32.const 4)))
                (local.set $bc (i32.add (local.get $bc) (i32.const 4)))))))
        (local.set $ob (i32.add (local.get $ob) (i32.const 4)))
        (local.set $oc (i32.add (local.get $oc) (i32.const 4)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $both)))
    ;; what is left of a (or of b): its bins and counts as they are
    (if (i32.lt_u (local.get $ab) (local.get $ae))
      (then
        (memory.copy (local.get $ob) (local.get $ab) (i32.sub (local.get $ae) (local.get $ab)))
        (memory.copy (local.get $oc) (local.get $ac) (i32.sub (local.get $ae) (local.get $ab)))
        (local.set $k (i32.add (local.get $k) (i32.shr_u (i32.sub (local.get $ae) (local.get $ab)) (i32.const 2))))))
    (if (i32.lt_u (local.get $bb) (local.get $be))
      (then
        (memory.copy (local.get $ob) (local.get $bb) (i32.sub (local.get $be) (local.get $bb)))
        (memory.copy (local.get $oc) (local.get $bc) (i32.sub (local.get $be) (local.get $bb)))
        (local.set $k (i32.add (local.get $k) (i32.shr_u (i32.sub (local.get $be) (local.get $bb)) (i32.const 2))))))
    (local.get $k)))
