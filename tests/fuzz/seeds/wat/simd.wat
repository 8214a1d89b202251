;; SIMD and relaxed SIMD text as a seed: v128 in every place a value type
;; goes, v128.const in every shape and literal form, lane indices,
;; i8x16.shuffle, the loads and stores with memory indices, memargs and
;; lanes (a lone index is the lane), and ops of each kind by name.
(module
  (memory $m0 1)
  (memory $m1 1)
  (global $g (mut v128) (v128.const f64x2 -0x1.8p3 nan:0x4_0000_0000_0001))
  (global v128 (v128.const i16x8 -32768 65535 0x7fff -1 +1 0 1_000 0xF_F))
  (func $consts (result v128 v128 v128 v128)
    v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 -128 255
    v128.const i32x4 0xffff_ffff -2147483648 4294967295 +7
    v128.const i64x2 -9223372036854775808 0xffffffffffffffff
    v128.const f32x4 inf -inf nan -nan:0x200000)
  (func $lanes (param $v v128) (param $i i32) (result v128)
    (local $w v128)
    (local.set $w (i8x16.replace_lane 15 (local.get $v) (local.get $i)))
    (drop (i8x16.extract_lane_s 0 (local.get $w)))
    (drop (i16x8.extract_lane_u 7 (local.get $w)))
    (drop (f64x2.extract_lane 1 (local.get $w)))
    (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31
      (local.get $v) (local.get $w)))
  (func $memory (param $a i32) (param $v v128) (result v128)
    (v128.store $m1 offset=16 align=8 (local.get $a) (local.get $v))
    (v128.store8_lane 3 (local.get $a) (local.get $v))
    (v128.store16_lane 1 offset=2 7 (local.get $a) (local.get $v))
    (v128.store64_lane $m1 align=1 1 (local.get $a) (local.get $v))
    (drop (v128.load8x8_s 1 (local.get $a)))
    (drop (v128.load16_splat offset=0x10 (local.get $a)))
    (drop (v128.load64_zero $m0 (local.get $a)))
    (v128.load32_lane 1 2 (local.get $a) (v128.load $m1 (local.get $a))))
  (func $ops (param v128 v128 v128) (result v128 i32)
    local.get 0
    local.get 1
    local.get 2
    v128.bitselect
    i32x4.relaxed_trunc_f32x4_s
    f32x4.convert_i32x4_u
    local.get 1
    local.get 2
    f32x4.relaxed_madd
    local.get 1
    i16x8.relaxed_dot_i8x16_i7x16_s
    local.get 2
    i32x4.relaxed_dot_i8x16_i7x16_add_s
    i32.const 3
    i64x2.shl
    (i8x16.popcnt (i16x8.narrow_i32x4_s (local.get 0) (local.get 1)))
    i8x16.relaxed_swizzle
    (i32x4.all_true (local.get 0)))
  (func $select (param v128 v128 i32) (result v128)
    (select (result v128) (local.get 0) (local.get 1) (local.get 2)))
  (func $block (result v128)
    (block $b (result v128)
      (br $b (f32x4.splat (f32.const 1.5))))))
