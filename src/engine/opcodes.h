/*
 * WebAssembly opcodes (without SIMD), one X-macro list per encoding space:
 *   X(enum, code, text name, class, operand type, result type)
 * class: WXO_UNARY   (t1) -> t2         WXO_BINARY (t1 t1) -> t2
 *        WXO_LOAD    (i32) -> t2        WXO_STORE  (i32 t1) -> ()
 *        WXO_SPECIAL everything else (validated and compiled by hand).
 * The validator and the compiler take the stack effect of the simple
 * classes from here, so the signature of each opcode is written once.
 */
#ifndef WX_ENGINE_OPCODES_H
#define WX_ENGINE_OPCODES_H

#include <stdint.h>

enum wxo_class { WXO_SPECIAL, WXO_UNARY, WXO_BINARY, WXO_LOAD, WXO_STORE };

/* Single-byte opcodes. */
#define WXO_LIST(X) \
    X(WXO_UNREACHABLE, 0x00, "unreachable", WXO_SPECIAL, 0, 0) \
    X(WXO_NOP, 0x01, "nop", WXO_SPECIAL, 0, 0) \
    X(WXO_BLOCK, 0x02, "block", WXO_SPECIAL, 0, 0) \
    X(WXO_LOOP, 0x03, "loop", WXO_SPECIAL, 0, 0) \
    X(WXO_IF, 0x04, "if", WXO_SPECIAL, 0, 0) \
    X(WXO_ELSE, 0x05, "else", WXO_SPECIAL, 0, 0) \
    X(WXO_END, 0x0B, "end", WXO_SPECIAL, 0, 0) \
    X(WXO_BR, 0x0C, "br", WXO_SPECIAL, 0, 0) \
    X(WXO_BR_IF, 0x0D, "br_if", WXO_SPECIAL, 0, 0) \
    X(WXO_BR_TABLE, 0x0E, "br_table", WXO_SPECIAL, 0, 0) \
    X(WXO_RETURN, 0x0F, "return", WXO_SPECIAL, 0, 0) \
    X(WXO_CALL, 0x10, "call", WXO_SPECIAL, 0, 0) \
    X(WXO_CALL_INDIRECT, 0x11, "call_indirect", WXO_SPECIAL, 0, 0) \
    X(WXO_RETURN_CALL, 0x12, "return_call", WXO_SPECIAL, 0, 0) \
    X(WXO_RETURN_CALL_INDIRECT, 0x13, "return_call_indirect", WXO_SPECIAL, 0, 0) \
    X(WXO_DROP, 0x1A, "drop", WXO_SPECIAL, 0, 0) \
    X(WXO_SELECT, 0x1B, "select", WXO_SPECIAL, 0, 0) \
    X(WXO_SELECT_T, 0x1C, "select_t", WXO_SPECIAL, 0, 0) \
    X(WXO_LOCAL_GET, 0x20, "local.get", WXO_SPECIAL, 0, 0) \
    X(WXO_LOCAL_SET, 0x21, "local.set", WXO_SPECIAL, 0, 0) \
    X(WXO_LOCAL_TEE, 0x22, "local.tee", WXO_SPECIAL, 0, 0) \
    X(WXO_GLOBAL_GET, 0x23, "global.get", WXO_SPECIAL, 0, 0) \
    X(WXO_GLOBAL_SET, 0x24, "global.set", WXO_SPECIAL, 0, 0) \
    X(WXO_TABLE_GET, 0x25, "table.get", WXO_SPECIAL, 0, 0) \
    X(WXO_TABLE_SET, 0x26, "table.set", WXO_SPECIAL, 0, 0) \
    X(WXO_I32_LOAD, 0x28, "i32.load", WXO_LOAD, WX_I32, WX_I32) \
    X(WXO_I64_LOAD, 0x29, "i64.load", WXO_LOAD, WX_I32, WX_I64) \
    X(WXO_F32_LOAD, 0x2A, "f32.load", WXO_LOAD, WX_I32, WX_F32) \
    X(WXO_F64_LOAD, 0x2B, "f64.load", WXO_LOAD, WX_I32, WX_F64) \
    X(WXO_I32_LOAD8_S, 0x2C, "i32.load8_s", WXO_LOAD, WX_I32, WX_I32) \
    X(WXO_I32_LOAD8_U, 0x2D, "i32.load8_u", WXO_LOAD, WX_I32, WX_I32) \
    X(WXO_I32_LOAD16_S, 0x2E, "i32.load16_s", WXO_LOAD, WX_I32, WX_I32) \
    X(WXO_I32_LOAD16_U, 0x2F, "i32.load16_u", WXO_LOAD, WX_I32, WX_I32) \
    X(WXO_I64_LOAD8_S, 0x30, "i64.load8_s", WXO_LOAD, WX_I32, WX_I64) \
    X(WXO_I64_LOAD8_U, 0x31, "i64.load8_u", WXO_LOAD, WX_I32, WX_I64) \
    X(WXO_I64_LOAD16_S, 0x32, "i64.load16_s", WXO_LOAD, WX_I32, WX_I64) \
    X(WXO_I64_LOAD16_U, 0x33, "i64.load16_u", WXO_LOAD, WX_I32, WX_I64) \
    X(WXO_I64_LOAD32_S, 0x34, "i64.load32_s", WXO_LOAD, WX_I32, WX_I64) \
    X(WXO_I64_LOAD32_U, 0x35, "i64.load32_u", WXO_LOAD, WX_I32, WX_I64) \
    X(WXO_I32_STORE, 0x36, "i32.store", WXO_STORE, WX_I32, 0) \
    X(WXO_I64_STORE, 0x37, "i64.store", WXO_STORE, WX_I64, 0) \
    X(WXO_F32_STORE, 0x38, "f32.store", WXO_STORE, WX_F32, 0) \
    X(WXO_F64_STORE, 0x39, "f64.store", WXO_STORE, WX_F64, 0) \
    X(WXO_I32_STORE8, 0x3A, "i32.store8", WXO_STORE, WX_I32, 0) \
    X(WXO_I32_STORE16, 0x3B, "i32.store16", WXO_STORE, WX_I32, 0) \
    X(WXO_I64_STORE8, 0x3C, "i64.store8", WXO_STORE, WX_I64, 0) \
    X(WXO_I64_STORE16, 0x3D, "i64.store16", WXO_STORE, WX_I64, 0) \
    X(WXO_I64_STORE32, 0x3E, "i64.store32", WXO_STORE, WX_I64, 0) \
    X(WXO_MEMORY_SIZE, 0x3F, "memory.size", WXO_SPECIAL, 0, 0) \
    X(WXO_MEMORY_GROW, 0x40, "memory.grow", WXO_SPECIAL, 0, 0) \
    X(WXO_I32_CONST, 0x41, "i32.const", WXO_SPECIAL, 0, 0) \
    X(WXO_I64_CONST, 0x42, "i64.const", WXO_SPECIAL, 0, 0) \
    X(WXO_F32_CONST, 0x43, "f32.const", WXO_SPECIAL, 0, 0) \
    X(WXO_F64_CONST, 0x44, "f64.const", WXO_SPECIAL, 0, 0) \
    X(WXO_I32_EQZ, 0x45, "i32.eqz", WXO_UNARY, WX_I32, WX_I32) \
    X(WXO_I32_EQ, 0x46, "i32.eq", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_NE, 0x47, "i32.ne", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_LT_S, 0x48, "i32.lt_s", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_LT_U, 0x49, "i32.lt_u", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_GT_S, 0x4A, "i32.gt_s", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_GT_U, 0x4B, "i32.gt_u", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_LE_S, 0x4C, "i32.le_s", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_LE_U, 0x4D, "i32.le_u", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_GE_S, 0x4E, "i32.ge_s", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_GE_U, 0x4F, "i32.ge_u", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I64_EQZ, 0x50, "i64.eqz", WXO_UNARY, WX_I64, WX_I32) \
    X(WXO_I64_EQ, 0x51, "i64.eq", WXO_BINARY, WX_I64, WX_I32) \
    X(WXO_I64_NE, 0x52, "i64.ne", WXO_BINARY, WX_I64, WX_I32) \
    X(WXO_I64_LT_S, 0x53, "i64.lt_s", WXO_BINARY, WX_I64, WX_I32) \
    X(WXO_I64_LT_U, 0x54, "i64.lt_u", WXO_BINARY, WX_I64, WX_I32) \
    X(WXO_I64_GT_S, 0x55, "i64.gt_s", WXO_BINARY, WX_I64, WX_I32) \
    X(WXO_I64_GT_U, 0x56, "i64.gt_u", WXO_BINARY, WX_I64, WX_I32) \
    X(WXO_I64_LE_S, 0x57, "i64.le_s", WXO_BINARY, WX_I64, WX_I32) \
    X(WXO_I64_LE_U, 0x58, "i64.le_u", WXO_BINARY, WX_I64, WX_I32) \
    X(WXO_I64_GE_S, 0x59, "i64.ge_s", WXO_BINARY, WX_I64, WX_I32) \
    X(WXO_I64_GE_U, 0x5A, "i64.ge_u", WXO_BINARY, WX_I64, WX_I32) \
    X(WXO_F32_EQ, 0x5B, "f32.eq", WXO_BINARY, WX_F32, WX_I32) \
    X(WXO_F32_NE, 0x5C, "f32.ne", WXO_BINARY, WX_F32, WX_I32) \
    X(WXO_F32_LT, 0x5D, "f32.lt", WXO_BINARY, WX_F32, WX_I32) \
    X(WXO_F32_GT, 0x5E, "f32.gt", WXO_BINARY, WX_F32, WX_I32) \
    X(WXO_F32_LE, 0x5F, "f32.le", WXO_BINARY, WX_F32, WX_I32) \
    X(WXO_F32_GE, 0x60, "f32.ge", WXO_BINARY, WX_F32, WX_I32) \
    X(WXO_F64_EQ, 0x61, "f64.eq", WXO_BINARY, WX_F64, WX_I32) \
    X(WXO_F64_NE, 0x62, "f64.ne", WXO_BINARY, WX_F64, WX_I32) \
    X(WXO_F64_LT, 0x63, "f64.lt", WXO_BINARY, WX_F64, WX_I32) \
    X(WXO_F64_GT, 0x64, "f64.gt", WXO_BINARY, WX_F64, WX_I32) \
    X(WXO_F64_LE, 0x65, "f64.le", WXO_BINARY, WX_F64, WX_I32) \
    X(WXO_F64_GE, 0x66, "f64.ge", WXO_BINARY, WX_F64, WX_I32) \
    X(WXO_I32_CLZ, 0x67, "i32.clz", WXO_UNARY, WX_I32, WX_I32) \
    X(WXO_I32_CTZ, 0x68, "i32.ctz", WXO_UNARY, WX_I32, WX_I32) \
    X(WXO_I32_POPCNT, 0x69, "i32.popcnt", WXO_UNARY, WX_I32, WX_I32) \
    X(WXO_I32_ADD, 0x6A, "i32.add", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_SUB, 0x6B, "i32.sub", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_MUL, 0x6C, "i32.mul", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_DIV_S, 0x6D, "i32.div_s", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_DIV_U, 0x6E, "i32.div_u", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_REM_S, 0x6F, "i32.rem_s", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_REM_U, 0x70, "i32.rem_u", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_AND, 0x71, "i32.and", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_OR, 0x72, "i32.or", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_XOR, 0x73, "i32.xor", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_SHL, 0x74, "i32.shl", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_SHR_S, 0x75, "i32.shr_s", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_SHR_U, 0x76, "i32.shr_u", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_ROTL, 0x77, "i32.rotl", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I32_ROTR, 0x78, "i32.rotr", WXO_BINARY, WX_I32, WX_I32) \
    X(WXO_I64_CLZ, 0x79, "i64.clz", WXO_UNARY, WX_I64, WX_I64) \
    X(WXO_I64_CTZ, 0x7A, "i64.ctz", WXO_UNARY, WX_I64, WX_I64) \
    X(WXO_I64_POPCNT, 0x7B, "i64.popcnt", WXO_UNARY, WX_I64, WX_I64) \
    X(WXO_I64_ADD, 0x7C, "i64.add", WXO_BINARY, WX_I64, WX_I64) \
    X(WXO_I64_SUB, 0x7D, "i64.sub", WXO_BINARY, WX_I64, WX_I64) \
    X(WXO_I64_MUL, 0x7E, "i64.mul", WXO_BINARY, WX_I64, WX_I64) \
    X(WXO_I64_DIV_S, 0x7F, "i64.div_s", WXO_BINARY, WX_I64, WX_I64) \
    X(WXO_I64_DIV_U, 0x80, "i64.div_u", WXO_BINARY, WX_I64, WX_I64) \
    X(WXO_I64_REM_S, 0x81, "i64.rem_s", WXO_BINARY, WX_I64, WX_I64) \
    X(WXO_I64_REM_U, 0x82, "i64.rem_u", WXO_BINARY, WX_I64, WX_I64) \
    X(WXO_I64_AND, 0x83, "i64.and", WXO_BINARY, WX_I64, WX_I64) \
    X(WXO_I64_OR, 0x84, "i64.or", WXO_BINARY, WX_I64, WX_I64) \
    X(WXO_I64_XOR, 0x85, "i64.xor", WXO_BINARY, WX_I64, WX_I64) \
    X(WXO_I64_SHL, 0x86, "i64.shl", WXO_BINARY, WX_I64, WX_I64) \
    X(WXO_I64_SHR_S, 0x87, "i64.shr_s", WXO_BINARY, WX_I64, WX_I64) \
    X(WXO_I64_SHR_U, 0x88, "i64.shr_u", WXO_BINARY, WX_I64, WX_I64) \
    X(WXO_I64_ROTL, 0x89, "i64.rotl", WXO_BINARY, WX_I64, WX_I64) \
    X(WXO_I64_ROTR, 0x8A, "i64.rotr", WXO_BINARY, WX_I64, WX_I64) \
    X(WXO_F32_ABS, 0x8B, "f32.abs", WXO_UNARY, WX_F32, WX_F32) \
    X(WXO_F32_NEG, 0x8C, "f32.neg", WXO_UNARY, WX_F32, WX_F32) \
    X(WXO_F32_CEIL, 0x8D, "f32.ceil", WXO_UNARY, WX_F32, WX_F32) \
    X(WXO_F32_FLOOR, 0x8E, "f32.floor", WXO_UNARY, WX_F32, WX_F32) \
    X(WXO_F32_TRUNC, 0x8F, "f32.trunc", WXO_UNARY, WX_F32, WX_F32) \
    X(WXO_F32_NEAREST, 0x90, "f32.nearest", WXO_UNARY, WX_F32, WX_F32) \
    X(WXO_F32_SQRT, 0x91, "f32.sqrt", WXO_UNARY, WX_F32, WX_F32) \
    X(WXO_F32_ADD, 0x92, "f32.add", WXO_BINARY, WX_F32, WX_F32) \
    X(WXO_F32_SUB, 0x93, "f32.sub", WXO_BINARY, WX_F32, WX_F32) \
    X(WXO_F32_MUL, 0x94, "f32.mul", WXO_BINARY, WX_F32, WX_F32) \
    X(WXO_F32_DIV, 0x95, "f32.div", WXO_BINARY, WX_F32, WX_F32) \
    X(WXO_F32_MIN, 0x96, "f32.min", WXO_BINARY, WX_F32, WX_F32) \
    X(WXO_F32_MAX, 0x97, "f32.max", WXO_BINARY, WX_F32, WX_F32) \
    X(WXO_F32_COPYSIGN, 0x98, "f32.copysign", WXO_BINARY, WX_F32, WX_F32) \
    X(WXO_F64_ABS, 0x99, "f64.abs", WXO_UNARY, WX_F64, WX_F64) \
    X(WXO_F64_NEG, 0x9A, "f64.neg", WXO_UNARY, WX_F64, WX_F64) \
    X(WXO_F64_CEIL, 0x9B, "f64.ceil", WXO_UNARY, WX_F64, WX_F64) \
    X(WXO_F64_FLOOR, 0x9C, "f64.floor", WXO_UNARY, WX_F64, WX_F64) \
    X(WXO_F64_TRUNC, 0x9D, "f64.trunc", WXO_UNARY, WX_F64, WX_F64) \
    X(WXO_F64_NEAREST, 0x9E, "f64.nearest", WXO_UNARY, WX_F64, WX_F64) \
    X(WXO_F64_SQRT, 0x9F, "f64.sqrt", WXO_UNARY, WX_F64, WX_F64) \
    X(WXO_F64_ADD, 0xA0, "f64.add", WXO_BINARY, WX_F64, WX_F64) \
    X(WXO_F64_SUB, 0xA1, "f64.sub", WXO_BINARY, WX_F64, WX_F64) \
    X(WXO_F64_MUL, 0xA2, "f64.mul", WXO_BINARY, WX_F64, WX_F64) \
    X(WXO_F64_DIV, 0xA3, "f64.div", WXO_BINARY, WX_F64, WX_F64) \
    X(WXO_F64_MIN, 0xA4, "f64.min", WXO_BINARY, WX_F64, WX_F64) \
    X(WXO_F64_MAX, 0xA5, "f64.max", WXO_BINARY, WX_F64, WX_F64) \
    X(WXO_F64_COPYSIGN, 0xA6, "f64.copysign", WXO_BINARY, WX_F64, WX_F64) \
    X(WXO_I32_WRAP_I64, 0xA7, "i32.wrap_i64", WXO_UNARY, WX_I64, WX_I32) \
    X(WXO_I32_TRUNC_F32_S, 0xA8, "i32.trunc_f32_s", WXO_UNARY, WX_F32, WX_I32) \
    X(WXO_I32_TRUNC_F32_U, 0xA9, "i32.trunc_f32_u", WXO_UNARY, WX_F32, WX_I32) \
    X(WXO_I32_TRUNC_F64_S, 0xAA, "i32.trunc_f64_s", WXO_UNARY, WX_F64, WX_I32) \
    X(WXO_I32_TRUNC_F64_U, 0xAB, "i32.trunc_f64_u", WXO_UNARY, WX_F64, WX_I32) \
    X(WXO_I64_EXTEND_I32_S, 0xAC, "i64.extend_i32_s", WXO_UNARY, WX_I32, WX_I64) \
    X(WXO_I64_EXTEND_I32_U, 0xAD, "i64.extend_i32_u", WXO_UNARY, WX_I32, WX_I64) \
    X(WXO_I64_TRUNC_F32_S, 0xAE, "i64.trunc_f32_s", WXO_UNARY, WX_F32, WX_I64) \
    X(WXO_I64_TRUNC_F32_U, 0xAF, "i64.trunc_f32_u", WXO_UNARY, WX_F32, WX_I64) \
    X(WXO_I64_TRUNC_F64_S, 0xB0, "i64.trunc_f64_s", WXO_UNARY, WX_F64, WX_I64) \
    X(WXO_I64_TRUNC_F64_U, 0xB1, "i64.trunc_f64_u", WXO_UNARY, WX_F64, WX_I64) \
    X(WXO_F32_CONVERT_I32_S, 0xB2, "f32.convert_i32_s", WXO_UNARY, WX_I32, WX_F32) \
    X(WXO_F32_CONVERT_I32_U, 0xB3, "f32.convert_i32_u", WXO_UNARY, WX_I32, WX_F32) \
    X(WXO_F32_CONVERT_I64_S, 0xB4, "f32.convert_i64_s", WXO_UNARY, WX_I64, WX_F32) \
    X(WXO_F32_CONVERT_I64_U, 0xB5, "f32.convert_i64_u", WXO_UNARY, WX_I64, WX_F32) \
    X(WXO_F32_DEMOTE_F64, 0xB6, "f32.demote_f64", WXO_UNARY, WX_F64, WX_F32) \
    X(WXO_F64_CONVERT_I32_S, 0xB7, "f64.convert_i32_s", WXO_UNARY, WX_I32, WX_F64) \
    X(WXO_F64_CONVERT_I32_U, 0xB8, "f64.convert_i32_u", WXO_UNARY, WX_I32, WX_F64) \
    X(WXO_F64_CONVERT_I64_S, 0xB9, "f64.convert_i64_s", WXO_UNARY, WX_I64, WX_F64) \
    X(WXO_F64_CONVERT_I64_U, 0xBA, "f64.convert_i64_u", WXO_UNARY, WX_I64, WX_F64) \
    X(WXO_F64_PROMOTE_F32, 0xBB, "f64.promote_f32", WXO_UNARY, WX_F32, WX_F64) \
    X(WXO_I32_REINTERPRET_F32, 0xBC, "i32.reinterpret_f32", WXO_UNARY, WX_F32, WX_I32) \
    X(WXO_I64_REINTERPRET_F64, 0xBD, "i64.reinterpret_f64", WXO_UNARY, WX_F64, WX_I64) \
    X(WXO_F32_REINTERPRET_I32, 0xBE, "f32.reinterpret_i32", WXO_UNARY, WX_I32, WX_F32) \
    X(WXO_F64_REINTERPRET_I64, 0xBF, "f64.reinterpret_i64", WXO_UNARY, WX_I64, WX_F64) \
    X(WXO_I32_EXTEND8_S, 0xC0, "i32.extend8_s", WXO_UNARY, WX_I32, WX_I32) \
    X(WXO_I32_EXTEND16_S, 0xC1, "i32.extend16_s", WXO_UNARY, WX_I32, WX_I32) \
    X(WXO_I64_EXTEND8_S, 0xC2, "i64.extend8_s", WXO_UNARY, WX_I64, WX_I64) \
    X(WXO_I64_EXTEND16_S, 0xC3, "i64.extend16_s", WXO_UNARY, WX_I64, WX_I64) \
    X(WXO_I64_EXTEND32_S, 0xC4, "i64.extend32_s", WXO_UNARY, WX_I64, WX_I64) \
    X(WXO_REF_NULL, 0xD0, "ref.null", WXO_SPECIAL, 0, 0) \
    X(WXO_REF_IS_NULL, 0xD1, "ref.is_null", WXO_SPECIAL, 0, 0) \
    X(WXO_REF_FUNC, 0xD2, "ref.func", WXO_SPECIAL, 0, 0) \
    /* Typed function references (3.0). */ \
    X(WXO_CALL_REF, 0x14, "call_ref", WXO_SPECIAL, 0, 0) \
    X(WXO_RETURN_CALL_REF, 0x15, "return_call_ref", WXO_SPECIAL, 0, 0) \
    X(WXO_REF_AS_NON_NULL, 0xD4, "ref.as_non_null", WXO_SPECIAL, 0, 0) \
    X(WXO_BR_ON_NULL, 0xD5, "br_on_null", WXO_SPECIAL, 0, 0) \
    X(WXO_BR_ON_NON_NULL, 0xD6, "br_on_non_null", WXO_SPECIAL, 0, 0) \
    /* Garbage collection (3.0; the rest is WXO_FB_LIST). */ \
    X(WXO_REF_EQ, 0xD3, "ref.eq", WXO_SPECIAL, 0, 0)

/* Exception handling (3.0), in a list of its own: the legacy
 * instructions (try, catch, catch_all, delegate, rethrow) that older
 * toolchains emit, and throw, throw_ref and try_table. All are
 * WXO_SPECIAL. */
#define WXO_EXC_LIST(X) \
    X(WXO_TRY, 0x06, "try", WXO_SPECIAL, 0, 0) \
    X(WXO_CATCH, 0x07, "catch", WXO_SPECIAL, 0, 0) \
    X(WXO_THROW, 0x08, "throw", WXO_SPECIAL, 0, 0) \
    X(WXO_RETHROW, 0x09, "rethrow", WXO_SPECIAL, 0, 0) \
    X(WXO_THROW_REF, 0x0A, "throw_ref", WXO_SPECIAL, 0, 0) \
    X(WXO_DELEGATE, 0x18, "delegate", WXO_SPECIAL, 0, 0) \
    X(WXO_CATCH_ALL, 0x19, "catch_all", WXO_SPECIAL, 0, 0) \
    X(WXO_TRY_TABLE, 0x1F, "try_table", WXO_SPECIAL, 0, 0)

/* try_table's catch clause kinds. */
enum wxo_catch_kind {
    WXO_CATCH_TAG = 0,
    WXO_CATCH_TAG_REF = 1,
    WXO_CATCH_ALL_ = 2,
    WXO_CATCH_ALL_REF = 3
};

/* Opcodes after the 0xFC prefix (u32 LEB128 sub-opcode). */
#define WXO_FC_PREFIX 0xFC
#define WXO_FC_LIST(X) \
    X(WXO_FC_I32_TRUNC_SAT_F32_S, 0x00, "i32.trunc_sat_f32_s", WXO_UNARY, WX_F32, WX_I32) \
    X(WXO_FC_I32_TRUNC_SAT_F32_U, 0x01, "i32.trunc_sat_f32_u", WXO_UNARY, WX_F32, WX_I32) \
    X(WXO_FC_I32_TRUNC_SAT_F64_S, 0x02, "i32.trunc_sat_f64_s", WXO_UNARY, WX_F64, WX_I32) \
    X(WXO_FC_I32_TRUNC_SAT_F64_U, 0x03, "i32.trunc_sat_f64_u", WXO_UNARY, WX_F64, WX_I32) \
    X(WXO_FC_I64_TRUNC_SAT_F32_S, 0x04, "i64.trunc_sat_f32_s", WXO_UNARY, WX_F32, WX_I64) \
    X(WXO_FC_I64_TRUNC_SAT_F32_U, 0x05, "i64.trunc_sat_f32_u", WXO_UNARY, WX_F32, WX_I64) \
    X(WXO_FC_I64_TRUNC_SAT_F64_S, 0x06, "i64.trunc_sat_f64_s", WXO_UNARY, WX_F64, WX_I64) \
    X(WXO_FC_I64_TRUNC_SAT_F64_U, 0x07, "i64.trunc_sat_f64_u", WXO_UNARY, WX_F64, WX_I64) \
    X(WXO_FC_MEMORY_INIT, 0x08, "memory.init", WXO_SPECIAL, 0, 0) \
    X(WXO_FC_DATA_DROP, 0x09, "data.drop", WXO_SPECIAL, 0, 0) \
    X(WXO_FC_MEMORY_COPY, 0x0A, "memory.copy", WXO_SPECIAL, 0, 0) \
    X(WXO_FC_MEMORY_FILL, 0x0B, "memory.fill", WXO_SPECIAL, 0, 0) \
    X(WXO_FC_TABLE_INIT, 0x0C, "table.init", WXO_SPECIAL, 0, 0) \
    X(WXO_FC_ELEM_DROP, 0x0D, "elem.drop", WXO_SPECIAL, 0, 0) \
    X(WXO_FC_TABLE_COPY, 0x0E, "table.copy", WXO_SPECIAL, 0, 0) \
    X(WXO_FC_TABLE_GROW, 0x0F, "table.grow", WXO_SPECIAL, 0, 0) \
    X(WXO_FC_TABLE_SIZE, 0x10, "table.size", WXO_SPECIAL, 0, 0) \
    X(WXO_FC_TABLE_FILL, 0x11, "table.fill", WXO_SPECIAL, 0, 0)

/* Opcodes after the 0xFB prefix (u32 LEB128 sub-opcode): garbage
 * collection (3.0). The last column is the kind of immediates, which the
 * decoder, the validator, the compiler and the text parser read from
 * here:
 *   WXO_GC_NONE        nothing
 *   WXO_GC_TYPE        a type index x
 *   WXO_GC_FIELD       x and a field index y of struct type x
 *   WXO_GC_FIXED       x and a count n (array.new_fixed)
 *   WXO_GC_DATA        x and a data segment index
 *   WXO_GC_ELEM        x and an element segment index
 *   WXO_GC_TYPE2       two type indices (array.copy: destination, source)
 *   WXO_GC_HEAP        a heap type (ref.test, ref.cast; the opcode says
 *                      whether the target type is nullable)
 *   WXO_GC_BR_ON_CAST  a flags byte (bit 0: the source type is nullable,
 *                      bit 1: the target type is), a label, two heap
 *                      types
 * ref.eq is a single-byte opcode (0xD3, WXO_LIST). */
#define WXO_FB_PREFIX 0xFB
enum wxo_gc_imm {
    WXO_GC_NONE,
    WXO_GC_TYPE,
    WXO_GC_FIELD,
    WXO_GC_FIXED,
    WXO_GC_DATA,
    WXO_GC_ELEM,
    WXO_GC_TYPE2,
    WXO_GC_HEAP,
    WXO_GC_BR_ON_CAST
};
#define WXO_FB_LIST(X) \
    X(WXO_FB_STRUCT_NEW, 0x00, "struct.new", WXO_GC_TYPE) \
    X(WXO_FB_STRUCT_NEW_DEFAULT, 0x01, "struct.new_default", WXO_GC_TYPE) \
    X(WXO_FB_STRUCT_GET, 0x02, "struct.get", WXO_GC_FIELD) \
    X(WXO_FB_STRUCT_GET_S, 0x03, "struct.get_s", WXO_GC_FIELD) \
    X(WXO_FB_STRUCT_GET_U, 0x04, "struct.get_u", WXO_GC_FIELD) \
    X(WXO_FB_STRUCT_SET, 0x05, "struct.set", WXO_GC_FIELD) \
    X(WXO_FB_ARRAY_NEW, 0x06, "array.new", WXO_GC_TYPE) \
    X(WXO_FB_ARRAY_NEW_DEFAULT, 0x07, "array.new_default", WXO_GC_TYPE) \
    X(WXO_FB_ARRAY_NEW_FIXED, 0x08, "array.new_fixed", WXO_GC_FIXED) \
    X(WXO_FB_ARRAY_NEW_DATA, 0x09, "array.new_data", WXO_GC_DATA) \
    X(WXO_FB_ARRAY_NEW_ELEM, 0x0A, "array.new_elem", WXO_GC_ELEM) \
    X(WXO_FB_ARRAY_GET, 0x0B, "array.get", WXO_GC_TYPE) \
    X(WXO_FB_ARRAY_GET_S, 0x0C, "array.get_s", WXO_GC_TYPE) \
    X(WXO_FB_ARRAY_GET_U, 0x0D, "array.get_u", WXO_GC_TYPE) \
    X(WXO_FB_ARRAY_SET, 0x0E, "array.set", WXO_GC_TYPE) \
    X(WXO_FB_ARRAY_LEN, 0x0F, "array.len", WXO_GC_NONE) \
    X(WXO_FB_ARRAY_FILL, 0x10, "array.fill", WXO_GC_TYPE) \
    X(WXO_FB_ARRAY_COPY, 0x11, "array.copy", WXO_GC_TYPE2) \
    X(WXO_FB_ARRAY_INIT_DATA, 0x12, "array.init_data", WXO_GC_DATA) \
    X(WXO_FB_ARRAY_INIT_ELEM, 0x13, "array.init_elem", WXO_GC_ELEM) \
    X(WXO_FB_REF_TEST, 0x14, "ref.test", WXO_GC_HEAP) \
    X(WXO_FB_REF_TEST_NULL, 0x15, "ref.test", WXO_GC_HEAP) \
    X(WXO_FB_REF_CAST, 0x16, "ref.cast", WXO_GC_HEAP) \
    X(WXO_FB_REF_CAST_NULL, 0x17, "ref.cast", WXO_GC_HEAP) \
    X(WXO_FB_BR_ON_CAST, 0x18, "br_on_cast", WXO_GC_BR_ON_CAST) \
    X(WXO_FB_BR_ON_CAST_FAIL, 0x19, "br_on_cast_fail", WXO_GC_BR_ON_CAST) \
    X(WXO_FB_ANY_CONVERT_EXTERN, 0x1A, "any.convert_extern", WXO_GC_NONE) \
    X(WXO_FB_EXTERN_CONVERT_ANY, 0x1B, "extern.convert_any", WXO_GC_NONE) \
    X(WXO_FB_REF_I31, 0x1C, "ref.i31", WXO_GC_NONE) \
    X(WXO_FB_I31_GET_S, 0x1D, "i31.get_s", WXO_GC_NONE) \
    X(WXO_FB_I31_GET_U, 0x1E, "i31.get_u", WXO_GC_NONE)

/* The SIMD prefix. Its sub-opcodes are listed with their operations in
 * ops.def (WXC_SIMD_OPS); these two have 16 immediate bytes instead. */
#define WXO_FD_PREFIX 0xFD
#define WXO_FD_V128_CONST 0x0C
#define WXO_FD_I8X16_SHUFFLE 0x0D

enum wxo_opcode {
#define WXO_ENUM_(e, c, n, k, a, r) e = c,
    WXO_LIST(WXO_ENUM_)
#undef WXO_ENUM_
};

enum wxo_exc_opcode {
#define WXO_ENUM_(e, c, n, k, a, r) e = c,
    WXO_EXC_LIST(WXO_ENUM_)
#undef WXO_ENUM_
};

enum wxo_fc_opcode {
#define WXO_ENUM_(e, c, n, k, a, r) e = c,
    WXO_FC_LIST(WXO_ENUM_)
#undef WXO_ENUM_
    WXO_FC_COUNT_
};

enum wxo_fb_opcode {
#define WXO_ENUM_(e, c, n, k) e = c,
    WXO_FB_LIST(WXO_ENUM_)
#undef WXO_ENUM_
    WXO_FB_COUNT_
};

/* Block type encodings. */
#define WXO_BLOCKTYPE_EMPTY 0x40

#endif
