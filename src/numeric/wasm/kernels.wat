;; SIMD kernels for the bulk float32 -> float16/bfloat16 conversion and the statistics pass.
;; Source of src/numeric/wasm/kernels.generated.ts (npm run gen:wasm). Each kernel handles
;; n elements, n a multiple of 8; the caller finishes any tail with the scalar JavaScript kernel.
;; Magnitudes are compared as unsigned integer bits, which orders non-negative floats exactly.
(module
  (memory (export "memory") 1)

  ;; float32 bits at $src -> float16 bits at $dst, numpy's rounding (nearest, ties to even),
  ;; magnitudes in (0, lo) raised to lo and finite ones above hi lowered to hi first.
  (func (export "f32_to_f16") (param $src i32) (param $dst i32) (param $n i32) (param $lo i32) (param $hi i32)
    (local $end i32) (local $vlo v128) (local $vhi v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vlo (i32x4.splat (local.get $lo)))
    (local.set $vhi (i32x4.splat (local.get $hi)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (v128.store (local.get $dst)
          (i16x8.narrow_i32x4_u
            (call $half4 (v128.load (local.get $src)) (local.get $vlo) (local.get $vhi))
            (call $half4 (v128.load offset=16 (local.get $src)) (local.get $vlo) (local.get $vhi))))
        (local.set $src (i32.add (local.get $src) (i32.const 32)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $next))))

  (func $clamp (param $a v128) (param $lo v128) (param $hi v128) (result v128)
    ;; (0, lo) -> lo
    (local.set $a (v128.bitselect (local.get $lo) (local.get $a)
      (v128.and (i32x4.ne (local.get $a) (v128.const i32x4 0 0 0 0)) (i32x4.lt_u (local.get $a) (local.get $lo)))))
    ;; (hi, inf) -> hi
    (v128.bitselect (local.get $hi) (local.get $a)
      (v128.and (i32x4.gt_u (local.get $a) (local.get $hi)) (i32x4.lt_u (local.get $a) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000)))))

  (func $half4 (param $bits v128) (param $lo v128) (param $hi v128) (result v128)
    (local $a v128) (local $r v128) (local $payload v128)
    (local.set $a (call $clamp (v128.and (local.get $bits) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)) (local.get $lo) (local.get $hi)))
    ;; normal range: rebias, round on the 13 dropped bits (a carry may reach infinity)
    (local.set $r
      (i32x4.shr_u
        (i32x4.add
          (i32x4.add (i32x4.sub (local.get $a) (v128.const i32x4 0x38000000 0x38000000 0x38000000 0x38000000)) (v128.const i32x4 0xfff 0xfff 0xfff 0xfff))
          (v128.and (i32x4.shr_u (local.get $a) (i32.const 13)) (v128.const i32x4 1 1 1 1)))
        (i32.const 13)))
    ;; overflow and infinity
    (local.set $r (v128.bitselect (local.get $r) (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00)
      (i32x4.lt_u (local.get $a) (v128.const i32x4 0x47800000 0x47800000 0x47800000 0x47800000))))
    ;; subnormal results: adding 0.5 rounds the magnitude to a multiple of 2^-24, ties to even
    (local.set $r (v128.bitselect
      (i32x4.sub (f32x4.add (local.get $a) (v128.const f32x4 0.5 0.5 0.5 0.5)) (v128.const i32x4 0x3f000000 0x3f000000 0x3f000000 0x3f000000))
      (local.get $r)
      (i32x4.lt_u (local.get $a) (v128.const i32x4 0x38800000 0x38800000 0x38800000 0x38800000))))
    ;; NaN: the top 10 payload bits, never zero
    (local.set $payload (i32x4.shr_u (v128.and (local.get $a) (v128.const i32x4 0x7fffff 0x7fffff 0x7fffff 0x7fffff)) (i32.const 13)))
    (local.set $r (v128.bitselect
      (v128.or (v128.or (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00) (local.get $payload))
        (v128.and (i32x4.eq (local.get $payload) (v128.const i32x4 0 0 0 0)) (v128.const i32x4 1 1 1 1)))
      (local.get $r)
      (i32x4.gt_u (local.get $a) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))))
    (v128.or (local.get $r) (v128.and (i32x4.shr_u (local.get $bits) (i32.const 16)) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000))))

  ;; float32 bits at $src -> bfloat16 bits at $dst: nearest, ties to even; NaN keeps sign and payload, quiet bit set.
  (func (export "f32_to_bf16") (param $src i32) (param $dst i32) (param $n i32) (param $lo i32) (param $hi i32)
    (local $end i32) (local $vlo v128) (local $vhi v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vlo (i32x4.splat (local.get $lo)))
    (local.set $vhi (i32x4.splat (local.get $hi)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (v128.store (local.get $dst)
          (i16x8.narrow_i32x4_u
            (call $bf4 (v128.load (local.get $src)) (local.get $vlo) (local.get $vhi))
            (call $bf4 (v128.load offset=16 (local.get $src)) (local.get $vlo) (local.get $vhi))))
        (local.set $src (i32.add (local.get $src) (i32.const 32)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $next))))

  (func $bf4 (param $bits v128) (param $lo v128) (param $hi v128) (result v128)
    (local $a v128) (local $b v128)
    (local.set $a (call $clamp (v128.and (local.get $bits) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)) (local.get $lo) (local.get $hi)))
    (local.set $b (v128.or (local.get $a) (v128.and (local.get $bits) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))
    (v128.bitselect
      (v128.or (i32x4.shr_u (local.get $b) (i32.const 16)) (v128.const i32x4 0x40 0x40 0x40 0x40))
      (i32x4.shr_u
        (i32x4.add (i32x4.add (local.get $b) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff))
          (v128.and (i32x4.shr_u (local.get $b) (i32.const 16)) (v128.const i32x4 1 1 1 1)))
        (i32.const 16))
      (i32x4.gt_u (local.get $a) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))))

  ;; The largest magnitude bits and the smallest non-zero magnitude bits of n float32 values,
  ;; stored as two u32 at $out.
  (func (export "magnitude_range") (param $src i32) (param $n i32) (param $out i32)
    (local $end i32) (local $max v128) (local $min v128) (local $a v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $min (v128.const i32x4 -1 -1 -1 -1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $a (v128.and (v128.load (local.get $src)) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff)))
        (local.set $max (i32x4.max_u (local.get $max) (local.get $a)))
        (local.set $min (i32x4.min_u (local.get $min)
          (v128.or (local.get $a) (i32x4.eq (local.get $a) (v128.const i32x4 0 0 0 0)))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (br $next)))
    (i32.store (local.get $out)
      (call $umax
        (call $umax (i32x4.extract_lane 0 (local.get $max)) (i32x4.extract_lane 1 (local.get $max)))
        (call $umax (i32x4.extract_lane 2 (local.get $max)) (i32x4.extract_lane 3 (local.get $max)))))
    (i32.store offset=4 (local.get $out)
      (call $umin
        (call $umin (i32x4.extract_lane 0 (local.get $min)) (i32x4.extract_lane 1 (local.get $min)))
        (call $umin (i32x4.extract_lane 2 (local.get $min)) (i32x4.extract_lane 3 (local.get $min))))))

  ;; Unsigned max and min of two i32 (the core instruction set has none).
  (func $umax (param i32 i32) (result i32)
    (select (local.get 0) (local.get 1) (i32.gt_u (local.get 0) (local.get 1))))
  (func $umin (param i32 i32) (result i32)
    (select (local.get 0) (local.get 1) (i32.lt_u (local.get 0) (local.get 1))))
)
