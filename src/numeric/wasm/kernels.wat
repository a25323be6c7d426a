;; SIMD kernels for the bulk float32 -> float16/bfloat16 conversion and the statistics pass.
;; Source of src/numeric/wasm/kernels.generated.ts (npm run gen:wasm). Each kernel handles
;; n elements, n a multiple of 4; the caller finishes any tail with the scalar JavaScript kernel.
;; Magnitudes (float32 bits with the sign cleared) and the clamp bits lo, hi (at most the
;; infinity bits) lie below 2^31, where signed integer order is the order of the floats: the
;; kernels compare them with signed instructions, single instructions on x64 unlike unsigned ones.
(module
  (memory (export "memory") 1)

  ;; float32 bits at $src -> float16 bits at $dst, numpy's rounding (nearest, ties to even),
  ;; magnitudes in (0, lo) raised to lo and finite ones above hi lowered to hi first.
  ;; Fast path, eight elements at a time: when every magnitude is one that clipping leaves alone
  ;; and whose float16 is normal (or, by the carry of rounding, infinity), the rebias-and-round
  ;; formula alone gives the result; otherwise four elements go through the full $half4.
  (func (export "f32_to_f16") (param $src i32) (param $dst i32) (param $n i32) (param $lo i32) (param $hi i32)
    (local $end i32) (local $vlo v128) (local $vhi v128) (local $bits v128) (local $a v128) (local $r v128)
    (local $fastAbove v128) (local $fastBelow v128) (local $bits1 v128) (local $a1 v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vlo (i32x4.splat (local.get $lo)))
    (local.set $vhi (i32x4.splat (local.get $hi)))
    ;; the fast magnitudes: [max(lo, 2^-14), min(hi, 0x477fffff)]
    (local.set $fastAbove (i32x4.splat (i32.sub (call $max (local.get $lo) (i32.const 0x38800000)) (i32.const 1))))
    (local.set $fastBelow (i32x4.splat (i32.add (call $min (local.get $hi) (i32.const 0x477fffff)) (i32.const 1))))
    ;; The fast steps, two vectors at a time, run in an inner loop of their own without calls (V8
    ;; inlines no WebAssembly calls, and a call spills every vector); a pair that is not all fast,
    ;; and the last vector, go one vector at a time through the full conversion.
    (block $done
      (loop $step
        (block $slow
          (loop $fast
            (br_if $slow (i32.gt_u (i32.add (local.get $src) (i32.const 32)) (local.get $end)))
            (local.set $bits (v128.load (local.get $src)))
            (local.set $bits1 (v128.load offset=16 (local.get $src)))
            (local.set $a (v128.and (local.get $bits) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
            (local.set $a1 (v128.and (local.get $bits1) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
            (br_if $slow (i32.eqz (i32x4.all_true (v128.and
              (v128.and (i32x4.gt_s (local.get $a) (local.get $fastAbove)) (i32x4.lt_s (local.get $a) (local.get $fastBelow)))
              (v128.and (i32x4.gt_s (local.get $a1) (local.get $fastAbove)) (i32x4.lt_s (local.get $a1) (local.get $fastBelow)))))))
            (v128.store (local.get $dst) (i16x8.narrow_i32x4_u
              (v128.or
                (i32x4.shr_u
                  (i32x4.add
                    (i32x4.add (i32x4.sub (local.get $a) (v128.const i32x4 0x38000000 0x38000000 0x38000000 0x38000000)) (v128.const i32x4 0xfff 0xfff 0xfff 0xfff))
                    (v128.and (i32x4.shr_u (local.get $a) (i32.const 13)) (v128.const i32x4 1 1 1 1)))
                  (i32.const 13))
                (v128.and (i32x4.shr_u (local.get $bits) (i32.const 16)) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)))
              (v128.or
                (i32x4.shr_u
                  (i32x4.add
                    (i32x4.add (i32x4.sub (local.get $a1) (v128.const i32x4 0x38000000 0x38000000 0x38000000 0x38000000)) (v128.const i32x4 0xfff 0xfff 0xfff 0xfff))
                    (v128.and (i32x4.shr_u (local.get $a1) (i32.const 13)) (v128.const i32x4 1 1 1 1)))
                  (i32.const 13))
                (v128.and (i32x4.shr_u (local.get $bits1) (i32.const 16)) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)))))
            (local.set $src (i32.add (local.get $src) (i32.const 32)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (br $fast)))
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $r (call $half4 (v128.load (local.get $src)) (local.get $vlo) (local.get $vhi)))
        (v128.store64_lane 0 (local.get $dst) (i16x8.narrow_i32x4_u (local.get $r) (local.get $r)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
        (br $step))))

  ;; f32_to_f16 and float32_stats in one pass over the input (for a save that measures what it
  ;; converts): the same halves at $dst, the same five counts at $out. Its fast steps take only
  ;; magnitudes that neither conversion nor statistics single out, [max(lo, 2^-14), min(hi, 65504)],
  ;; and update the maximum; any other vector is converted by $half4 and counted in full.
  (func (export "f32_to_f16_stats") (param $src i32) (param $dst i32) (param $n i32) (param $lo i32) (param $hi i32) (param $out i32)
    (local $end i32) (local $vlo v128) (local $vhi v128) (local $bits v128) (local $a v128) (local $r v128)
    (local $fastAbove v128) (local $fastBelow v128) (local $bits1 v128) (local $a1 v128)
    (local $finite v128) (local $small v128) (local $smallCount v128) (local $largeCount v128) (local $beyondCount v128)
    (local $nonFiniteCount v128) (local $max v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vlo (i32x4.splat (local.get $lo)))
    (local.set $vhi (i32x4.splat (local.get $hi)))
    (local.set $fastAbove (i32x4.splat (i32.sub (call $max (local.get $lo) (i32.const 0x38800000)) (i32.const 1))))
    (local.set $fastBelow (i32x4.splat (i32.add (call $min (local.get $hi) (i32.const 0x477fe000)) (i32.const 1))))
    (block $done
      (loop $step
        (block $slow
          (loop $fast
            (br_if $slow (i32.gt_u (i32.add (local.get $src) (i32.const 32)) (local.get $end)))
            (local.set $bits (v128.load (local.get $src)))
            (local.set $bits1 (v128.load offset=16 (local.get $src)))
            (local.set $a (v128.and (local.get $bits) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
            (local.set $a1 (v128.and (local.get $bits1) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
            (br_if $slow (i32.eqz (i32x4.all_true (v128.and
              (v128.and (i32x4.gt_s (local.get $a) (local.get $fastAbove)) (i32x4.lt_s (local.get $a) (local.get $fastBelow)))
              (v128.and (i32x4.gt_s (local.get $a1) (local.get $fastAbove)) (i32x4.lt_s (local.get $a1) (local.get $fastBelow)))))))
            (v128.store (local.get $dst) (i16x8.narrow_i32x4_u
              (v128.or
                (i32x4.shr_u
                  (i32x4.add
                    (i32x4.add (i32x4.sub (local.get $a) (v128.const i32x4 0x38000000 0x38000000 0x38000000 0x38000000)) (v128.const i32x4 0xfff 0xfff 0xfff 0xfff))
                    (v128.and (i32x4.shr_u (local.get $a) (i32.const 13)) (v128.const i32x4 1 1 1 1)))
                  (i32.const 13))
                (v128.and (i32x4.shr_u (local.get $bits) (i32.const 16)) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)))
              (v128.or
                (i32x4.shr_u
                  (i32x4.add
                    (i32x4.add (i32x4.sub (local.get $a1) (v128.const i32x4 0x38000000 0x38000000 0x38000000 0x38000000)) (v128.const i32x4 0xfff 0xfff 0xfff 0xfff))
                    (v128.and (i32x4.shr_u (local.get $a1) (i32.const 13)) (v128.const i32x4 1 1 1 1)))
                  (i32.const 13))
                (v128.and (i32x4.shr_u (local.get $bits1) (i32.const 16)) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)))))
            (local.set $max (i32x4.max_s (local.get $max) (i32x4.max_s (local.get $a) (local.get $a1))))
            (local.set $src (i32.add (local.get $src) (i32.const 32)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (br $fast)))
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $bits (v128.load (local.get $src)))
        (local.set $r (call $half4 (local.get $bits) (local.get $vlo) (local.get $vhi)))
        (v128.store64_lane 0 (local.get $dst) (i16x8.narrow_i32x4_u (local.get $r) (local.get $r)))
        ;; the counts of float32_stats's full step
        (local.set $a (v128.and (local.get $bits) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
        (local.set $finite (i32x4.lt_s (local.get $a) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000)))
        (local.set $small (v128.andnot (v128.and (i32x4.lt_s (local.get $a) (local.get $vlo)) (local.get $finite))
          (i32x4.eq (local.get $a) (v128.const i32x4 0 0 0 0))))
        (local.set $smallCount (i32x4.sub (local.get $smallCount) (local.get $small)))
        (local.set $largeCount (i32x4.sub (local.get $largeCount)
          (v128.andnot (v128.and (i32x4.gt_s (local.get $a) (local.get $vhi)) (local.get $finite)) (local.get $small))))
        (local.set $beyondCount (i32x4.sub (local.get $beyondCount)
          (v128.and (i32x4.gt_s (local.get $a) (v128.const i32x4 0x477fe000 0x477fe000 0x477fe000 0x477fe000)) (local.get $finite))))
        (local.set $nonFiniteCount (i32x4.sub (local.get $nonFiniteCount) (v128.not (local.get $finite))))
        (local.set $max (i32x4.max_s (local.get $max) (v128.and (local.get $a) (local.get $finite))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
        (br $step)))
    (i32.store (local.get $out) (call $sum4 (local.get $smallCount)))
    (i32.store offset=4 (local.get $out) (call $sum4 (local.get $largeCount)))
    (i32.store offset=8 (local.get $out) (call $sum4 (local.get $beyondCount)))
    (i32.store offset=12 (local.get $out) (call $sum4 (local.get $nonFiniteCount)))
    (i32.store offset=16 (local.get $out)
      (call $max
        (call $max (i32x4.extract_lane 0 (local.get $max)) (i32x4.extract_lane 1 (local.get $max)))
        (call $max (i32x4.extract_lane 2 (local.get $max)) (i32x4.extract_lane 3 (local.get $max))))))

  ;; Magnitudes in (0, lo) -> lo; finite ones above hi -> hi.
  (func $clamp (param $a v128) (param $lo v128) (param $hi v128) (result v128)
    (local.set $a (v128.bitselect (local.get $lo) (local.get $a)
      (v128.and (i32x4.ne (local.get $a) (v128.const i32x4 0 0 0 0)) (i32x4.lt_s (local.get $a) (local.get $lo)))))
    (v128.bitselect (local.get $hi) (local.get $a)
      (v128.and (i32x4.gt_s (local.get $a) (local.get $hi)) (i32x4.lt_s (local.get $a) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000)))))

  ;; The float16 magnitude of a magnitude in the normal range: rebias, round on the 13 dropped
  ;; bits (ties to even; a carry may reach infinity).
  (func $normalHalf4 (param $a v128) (result v128)
    (i32x4.shr_u
      (i32x4.add
        (i32x4.add (i32x4.sub (local.get $a) (v128.const i32x4 0x38000000 0x38000000 0x38000000 0x38000000)) (v128.const i32x4 0xfff 0xfff 0xfff 0xfff))
        (v128.and (i32x4.shr_u (local.get $a) (i32.const 13)) (v128.const i32x4 1 1 1 1)))
      (i32.const 13)))

  (func $half4 (param $bits v128) (param $lo v128) (param $hi v128) (result v128)
    (local $a v128) (local $r v128) (local $payload v128)
    (local.set $a (call $clamp (v128.and (local.get $bits) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)) (local.get $lo) (local.get $hi)))
    (local.set $r (call $normalHalf4 (local.get $a)))
    ;; overflow and infinity
    (local.set $r (v128.bitselect (local.get $r) (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00)
      (i32x4.lt_s (local.get $a) (v128.const i32x4 0x47800000 0x47800000 0x47800000 0x47800000))))
    ;; subnormal results: adding 0.5 rounds the magnitude to a multiple of 2^-24, ties to even
    (local.set $r (v128.bitselect
      (i32x4.sub (f32x4.add (local.get $a) (v128.const f32x4 0.5 0.5 0.5 0.5)) (v128.const i32x4 0x3f000000 0x3f000000 0x3f000000 0x3f000000))
      (local.get $r)
      (i32x4.lt_s (local.get $a) (v128.const i32x4 0x38800000 0x38800000 0x38800000 0x38800000))))
    ;; NaN: the top 10 payload bits, never zero
    (local.set $payload (i32x4.shr_u (v128.and (local.get $a) (v128.const i32x4 0x7fffff 0x7fffff 0x7fffff 0x7fffff)) (i32.const 13)))
    (local.set $r (v128.bitselect
      (v128.or (v128.or (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00) (local.get $payload))
        (v128.and (i32x4.eq (local.get $payload) (v128.const i32x4 0 0 0 0)) (v128.const i32x4 1 1 1 1)))
      (local.get $r)
      (i32x4.gt_s (local.get $a) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))))
    (v128.or (local.get $r) (v128.and (i32x4.shr_u (local.get $bits) (i32.const 16)) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000))))

  ;; float32 bits at $src -> bfloat16 bits at $dst: nearest, ties to even; NaN keeps sign and payload, quiet bit set.
  ;; Fast path as for float16: magnitudes in [lo, min(hi, infinity)] need neither clipping nor the NaN rule.
  (func (export "f32_to_bf16") (param $src i32) (param $dst i32) (param $n i32) (param $lo i32) (param $hi i32)
    (local $end i32) (local $vlo v128) (local $vhi v128) (local $bits v128) (local $a v128) (local $r v128)
    (local $fastAbove v128) (local $fastBelow v128) (local $bits1 v128) (local $a1 v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vlo (i32x4.splat (local.get $lo)))
    (local.set $vhi (i32x4.splat (local.get $hi)))
    (local.set $fastAbove (i32x4.splat (i32.sub (local.get $lo) (i32.const 1))))
    (local.set $fastBelow (i32x4.splat (i32.add (call $min (local.get $hi) (i32.const 0x7f800000)) (i32.const 1))))
    ;; The fast steps, two vectors at a time, run in an inner loop of their own without calls (V8
    ;; inlines no WebAssembly calls, and a call spills every vector); a pair that is not all fast,
    ;; and the last vector, go one vector at a time through the full conversion.
    (block $done
      (loop $step
        (block $slow
          (loop $fast
            (br_if $slow (i32.gt_u (i32.add (local.get $src) (i32.const 32)) (local.get $end)))
            (local.set $bits (v128.load (local.get $src)))
            (local.set $bits1 (v128.load offset=16 (local.get $src)))
            (local.set $a (v128.and (local.get $bits) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
            (local.set $a1 (v128.and (local.get $bits1) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
            (br_if $slow (i32.eqz (i32x4.all_true (v128.and
              (v128.and (i32x4.gt_s (local.get $a) (local.get $fastAbove)) (i32x4.lt_s (local.get $a) (local.get $fastBelow)))
              (v128.and (i32x4.gt_s (local.get $a1) (local.get $fastAbove)) (i32x4.lt_s (local.get $a1) (local.get $fastBelow)))))))
            (v128.store (local.get $dst) (i16x8.narrow_i32x4_u
              (i32x4.shr_u
                (i32x4.add (i32x4.add (local.get $bits) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff))
                  (v128.and (i32x4.shr_u (local.get $bits) (i32.const 16)) (v128.const i32x4 1 1 1 1)))
                (i32.const 16))
              (i32x4.shr_u
                (i32x4.add (i32x4.add (local.get $bits1) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff))
                  (v128.and (i32x4.shr_u (local.get $bits1) (i32.const 16)) (v128.const i32x4 1 1 1 1)))
                (i32.const 16))))
            (local.set $src (i32.add (local.get $src) (i32.const 32)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (br $fast)))
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $r (call $bf4 (v128.load (local.get $src)) (local.get $vlo) (local.get $vhi)))
        (v128.store64_lane 0 (local.get $dst) (i16x8.narrow_i32x4_u (local.get $r) (local.get $r)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
        (br $step))))

  ;; The upper 16 bits, rounded to nearest, ties to even.
  (func $roundBf4 (param $b v128) (result v128)
    (i32x4.shr_u
      (i32x4.add (i32x4.add (local.get $b) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff))
        (v128.and (i32x4.shr_u (local.get $b) (i32.const 16)) (v128.const i32x4 1 1 1 1)))
      (i32.const 16)))

  (func $bf4 (param $bits v128) (param $lo v128) (param $hi v128) (result v128)
    (local $a v128) (local $b v128)
    (local.set $a (call $clamp (v128.and (local.get $bits) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)) (local.get $lo) (local.get $hi)))
    (local.set $b (v128.or (local.get $a) (v128.and (local.get $bits) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
    (v128.bitselect
      (v128.or (i32x4.shr_u (local.get $b) (i32.const 16)) (v128.const i32x4 0x40 0x40 0x40 0x40))
      (call $roundBf4 (local.get $b))
      (i32x4.gt_s (local.get $a) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))))

  ;; The statistics of clamp.ts's countFloat32 over n float32 values, exactly: per-lane counts (a
  ;; comparison's all-ones lane is -1, so subtracting it counts one), summed at the end and stored
  ;; as five u32 at $out: clipped small, clipped large, beyond float16 (65504), non-finite, and the
  ;; largest finite magnitude bits. Fast path: a step whose magnitudes are all zero or within
  ;; [lo, min(hi, 65504)] counts nothing and only updates the maximum.
  (func (export "float32_stats") (param $src i32) (param $n i32) (param $lo i32) (param $hi i32) (param $out i32)
    (local $end i32) (local $vlo v128) (local $vhi v128) (local $a v128) (local $finite v128) (local $small v128)
    (local $smallCount v128) (local $largeCount v128) (local $beyondCount v128) (local $nonFiniteCount v128) (local $max v128)
    (local $cleanAbove v128) (local $cleanBelow v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vlo (i32x4.splat (local.get $lo)))
    (local.set $vhi (i32x4.splat (local.get $hi)))
    (local.set $cleanAbove (i32x4.splat (i32.sub (local.get $lo) (i32.const 1))))
    (local.set $cleanBelow (i32x4.splat (i32.add (call $min (local.get $hi) (i32.const 0x477fe000)) (i32.const 1))))
    ;; The fast steps, four vectors at a time, run in an inner loop of their own, so that V8 keeps
    ;; its values in registers; a block that is not all clean, and the last few vectors, go one
    ;; vector at a time through the full count.
    (block $done
      (loop $step
        (block $slow
          (loop $fast
            (br_if $slow (i32.gt_u (i32.add (local.get $src) (i32.const 64)) (local.get $end)))
            (local.set $a (v128.and (v128.load (local.get $src)) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
            (local.set $a1 (v128.and (v128.load offset=16 (local.get $src)) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
            (local.set $a2 (v128.and (v128.load offset=32 (local.get $src)) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
            (local.set $a3 (v128.and (v128.load offset=48 (local.get $src)) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
            ;; clean: zero, or in (cleanAbove, cleanBelow) (written out: V8 inlines no WebAssembly calls)
            (br_if $slow (i32.eqz (i32x4.all_true (v128.and
              (v128.and
                (v128.or (v128.and (i32x4.gt_s (local.get $a) (local.get $cleanAbove)) (i32x4.lt_s (local.get $a) (local.get $cleanBelow)))
                (i32x4.eq (local.get $a) (v128.const i32x4 0 0 0 0)))
                (v128.or (v128.and (i32x4.gt_s (local.get $a1) (local.get $cleanAbove)) (i32x4.lt_s (local.get $a1) (local.get $cleanBelow)))
                (i32x4.eq (local.get $a1) (v128.const i32x4 0 0 0 0))))
              (v128.and
                (v128.or (v128.and (i32x4.gt_s (local.get $a2) (local.get $cleanAbove)) (i32x4.lt_s (local.get $a2) (local.get $cleanBelow)))
                (i32x4.eq (local.get $a2) (v128.const i32x4 0 0 0 0)))
                (v128.or (v128.and (i32x4.gt_s (local.get $a3) (local.get $cleanAbove)) (i32x4.lt_s (local.get $a3) (local.get $cleanBelow)))
                (i32x4.eq (local.get $a3) (v128.const i32x4 0 0 0 0))))))))
            (local.set $max (i32x4.max_s (local.get $max)
              (i32x4.max_s (i32x4.max_s (local.get $a) (local.get $a1)) (i32x4.max_s (local.get $a2) (local.get $a3)))))
            (local.set $src (i32.add (local.get $src) (i32.const 64)))
            (br $fast)))
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $a (v128.and (v128.load (local.get $src)) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
        (local.set $finite (i32x4.lt_s (local.get $a) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000)))
        ;; small: finite, non-zero, below lo
        (local.set $small (v128.andnot (v128.and (i32x4.lt_s (local.get $a) (local.get $vlo)) (local.get $finite))
          (i32x4.eq (local.get $a) (v128.const i32x4 0 0 0 0))))
        (local.set $smallCount (i32x4.sub (local.get $smallCount) (local.get $small)))
        ;; large: finite, above hi, and not counted as small
        (local.set $largeCount (i32x4.sub (local.get $largeCount)
          (v128.andnot (v128.and (i32x4.gt_s (local.get $a) (local.get $vhi)) (local.get $finite)) (local.get $small))))
        (local.set $beyondCount (i32x4.sub (local.get $beyondCount)
          (v128.and (i32x4.gt_s (local.get $a) (v128.const i32x4 0x477fe000 0x477fe000 0x477fe000 0x477fe000)) (local.get $finite))))
        (local.set $nonFiniteCount (i32x4.sub (local.get $nonFiniteCount) (v128.not (local.get $finite))))
        (local.set $max (i32x4.max_s (local.get $max) (v128.and (local.get $a) (local.get $finite))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (br $step)))
    (i32.store (local.get $out) (call $sum4 (local.get $smallCount)))
    (i32.store offset=4 (local.get $out) (call $sum4 (local.get $largeCount)))
    (i32.store offset=8 (local.get $out) (call $sum4 (local.get $beyondCount)))
    (i32.store offset=12 (local.get $out) (call $sum4 (local.get $nonFiniteCount)))
    (i32.store offset=16 (local.get $out)
      (call $max
        (call $max (i32x4.extract_lane 0 (local.get $max)) (i32x4.extract_lane 1 (local.get $max)))
        (call $max (i32x4.extract_lane 2 (local.get $max)) (i32x4.extract_lane 3 (local.get $max))))))

  (func $sum4 (param $v v128) (result i32)
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))

  ;; Signed max and min of two i32 (the core instruction set has none).
  (func $max (param i32 i32) (result i32)
    (select (local.get 0) (local.get 1) (i32.gt_s (local.get 0) (local.get 1))))
  (func $min (param i32 i32) (result i32)
    (select (local.get 0) (local.get 1) (i32.lt_s (local.get 0) (local.get 1))))
)
