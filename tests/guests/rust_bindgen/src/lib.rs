//! The wasmedge-bindgen 0.4 ABI (shared/bindgen/ABI.md) as the real
//! `#[wasmedge_bindgen]` macro of wasmedge-bindgen-macro 0.4.1 generates
//! it: each function below becomes an export taking (params_pointer,
//! params_count) and returning a pointer to a 9-byte result descriptor,
//! and the `wasmedge_bindgen` crate brings `allocate` and `deallocate`.
//! `create_line` is the proposal's example; the others cover every
//! parameter and result type the macro knows, a tuple, an Err, a panic.
//!
//! A counting global allocator lets the host test check that everything
//! it was handed went back through `deallocate`: `live_allocs()` must be
//! the same before and after a call.

#[allow(unused_imports)]
use wasmedge_bindgen::*;
use wasmedge_bindgen_macro::*;

use serde::{Deserialize, Serialize};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI32, Ordering};

struct Counting;

static LIVE: AtomicI32 = AtomicI32::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        System.realloc(ptr, layout, size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[no_mangle]
pub extern "C" fn live_allocs() -> i32 {
    LIVE.load(Ordering::Relaxed)
}

/// The macro encodes every scalar result with `x.to_le_bytes()`, which
/// `bool` and `char` do not have: a function returning either does not
/// compile with wasmedge-bindgen-macro 0.4.1 unless a trait in scope
/// supplies the method. This one gives the bytes the ABI's type codes 11
/// and 12 stand for (one byte 0/1; the scalar value as le32).
trait LeBytes {
    type Bytes;
    fn to_le_bytes(self) -> Self::Bytes;
}

impl LeBytes for bool {
    type Bytes = [u8; 1];
    fn to_le_bytes(self) -> [u8; 1] {
        [self as u8]
    }
}

impl LeBytes for char {
    type Bytes = [u8; 4];
    fn to_le_bytes(self) -> [u8; 4] {
        (self as u32).to_le_bytes()
    }
}

// ----------------------------------------------------------- the proposal

#[derive(Serialize, Deserialize, Debug)]
struct Point {
    x: f32,
    y: f32,
}

#[derive(Serialize, Deserialize, Debug)]
struct Line {
    points: Vec<Point>,
    valid: bool,
    length: f32,
    desc: String,
}

#[wasmedge_bindgen]
pub fn create_line(p1: String, p2: String, desc: String) -> String {
    let point1: Point = serde_json::from_str(&p1).unwrap();
    let point2: Point = serde_json::from_str(&p2).unwrap();
    let length = ((point1.x - point2.x) * (point1.x - point2.x)
        + (point1.y - point2.y) * (point1.y - point2.y))
        .sqrt();

    let valid = if length == 0.0 { false } else { true };

    let line = Line {
        points: vec![point1, point2],
        valid: valid,
        length: length,
        desc: desc,
    };

    return serde_json::to_string(&line).unwrap();
}

#[wasmedge_bindgen]
pub fn say(s: String) -> String {
    let r = String::from("hello ");
    return r + &s;
}

/// echo(s: String) -> String: the benchmark's round trip.
#[wasmedge_bindgen]
pub fn echo(s: String) -> String {
    s
}

// ------------------------------------------------- every parameter type

#[wasmedge_bindgen]
pub fn scalars(a: i8, b: u8, c: i16, d: u16, e: i32, f: u32, g: i64, h: u64) -> String {
    format!("{} {} {} {} {} {} {} {}", a, b, c, d, e, f, g, h)
}

#[wasmedge_bindgen]
pub fn others(a: f32, b: f64, c: bool, d: char) -> String {
    format!("{} {} {} {}", a, b, c, d)
}

#[wasmedge_bindgen]
pub fn vecs(
    a: Vec<i8>,
    b: Vec<u8>,
    c: Vec<i16>,
    d: Vec<u16>,
    e: Vec<i32>,
    f: Vec<u32>,
    g: Vec<i64>,
    h: Vec<u64>,
) -> String {
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        a, b, c, d, e, f, g, h
    )
}

// ---------------------------------------------------- every result type

/// all_scalars(x: i64) -> (u8, i8, u16, i16, u32, i32, u64, i64, f32, f64,
/// bool, char): x cut to each type.
#[wasmedge_bindgen]
pub fn all_scalars(x: i64) -> (u8, i8, u16, i16, u32, i32, u64, i64, f32, f64, bool, char) {
    (
        x as u8,
        x as i8,
        x as u16,
        x as i16,
        x as u32,
        x as i32,
        x as u64,
        x,
        x as f32 / 4.0,
        x as f64 / 4.0,
        x != 0,
        char::from_u32(x as u32).unwrap_or('?'),
    )
}

/// all_vecs(n: u32) -> (Vec<u8>, Vec<i8>, Vec<u16>, Vec<i16>, Vec<u32>,
/// Vec<i32>, Vec<u64>, Vec<i64>, String): 0..n in each, negated for the
/// signed ones.
#[wasmedge_bindgen]
pub fn all_vecs(
    k: u32,
) -> (
    Vec<u8>,
    Vec<i8>,
    Vec<u16>,
    Vec<i16>,
    Vec<u32>,
    Vec<i32>,
    Vec<u64>,
    Vec<i64>,
    String,
) {
    (
        (0..k).map(|i| i as u8).collect(),
        (0..k).map(|i| -(i as i8)).collect(),
        (0..k).map(|i| (i * 1000) as u16).collect(),
        (0..k).map(|i| -((i * 1000) as i16)).collect(),
        (0..k).map(|i| i * 100000).collect(),
        (0..k).map(|i| -((i * 100000) as i32)).collect(),
        (0..k).map(|i| (i as u64) << 40).collect(),
        (0..k).map(|i| -((i as i64) << 40)).collect(),
        format!("{} each", k),
    )
}

#[wasmedge_bindgen]
pub fn checked_div(x: i32, y: i32) -> Result<i32, String> {
    if y == 0 {
        return Err(format!("cannot divide {} by zero", x));
    }
    Ok(x / y)
}

#[wasmedge_bindgen]
pub fn reverse(mut v: Vec<u8>) -> Vec<u8> {
    v.reverse();
    v
}

/// pretty(j: String) -> String: JSON in, the same value re-serialized.
#[wasmedge_bindgen]
pub fn pretty(s: String) -> Result<String, String> {
    match serde_json::from_str::<serde_json::Value>(&s) {
        Ok(v) => Ok(v.to_string()),
        Err(e) => Err(format!("bad json: {}", e)),
    }
}

/// nothing(s: String) -> ()
#[wasmedge_bindgen]
pub fn nothing(s: String) {
    drop(s);
}

/// boom(s: String): panics, which traps (after printing on stderr).
#[wasmedge_bindgen]
pub fn boom(s: String) {
    panic!("boom: {}", s);
}

/// A numeric export beside the bindgen ones.
#[no_mangle]
pub extern "C" fn square(x: i64) -> i64 {
    x * x
}
