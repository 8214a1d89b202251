//! The wasmedge-bindgen 0.4 ABI written out by hand (what the
//! `#[wasmedge_bindgen]` macro generates; shared/bindgen/ABI.md): each
//! export takes (params_pointer, params_count), decodes its arguments from
//! the (ptr, len) records the host filled, and returns a pointer to a
//! 9-byte result descriptor. `create_line` is the proposal's example.
//!
//! A counting global allocator lets the host test check that everything
//! it was handed went back through `deallocate`: `live_allocs()` must be
//! the same before and after a call.

use serde::{Deserialize, Serialize};
use std::alloc::{GlobalAlloc, Layout, System};
use std::mem;
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

// ------------------------------------------------------------- allocator

#[no_mangle]
pub extern "C" fn allocate(size: i32) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(size as usize);
    let ptr = buf.as_mut_ptr();
    mem::forget(buf);
    ptr
}

#[no_mangle]
pub unsafe extern "C" fn deallocate(ptr: *mut u8, size: i32) {
    drop(Vec::from_raw_parts(ptr, size as usize, size as usize));
}

// ------------------------------------------------------------- arguments

/// The host's argument records: le32 pointer, le32 length, per argument.
/// Decoding takes ownership of the buffer, which is dropped afterwards.
struct Params(*const u32);

impl Params {
    unsafe fn raw(&self, i: usize) -> (*mut u8, usize) {
        (*self.0.add(2 * i) as *mut u8, *self.0.add(2 * i + 1) as usize)
    }
    unsafe fn vec<T>(&self, i: usize) -> Vec<T> {
        let (p, len) = self.raw(i);
        Vec::from_raw_parts(p as *mut T, len, len)
    }
    unsafe fn scalar<T: Copy>(&self, i: usize) -> T {
        self.vec::<T>(i)[0]
    }
    unsafe fn string(&self, i: usize) -> String {
        String::from_utf8(self.vec::<u8>(i)).unwrap()
    }
    unsafe fn boolean(&self, i: usize) -> bool {
        self.scalar::<u8>(i) == 1
    }
    unsafe fn character(&self, i: usize) -> char {
        char::from_u32(self.scalar::<u32>(i)).unwrap()
    }
}

// --------------------------------------------------------------- results

/// One result record: (value pointer, type code, byte size). The value
/// buffer is leaked to the host.
type Ret = [i32; 3];

fn ret_bytes(mut v: Vec<u8>, code: i32) -> Ret {
    v.shrink_to_fit();
    let r = [v.as_ptr() as i32, code, v.len() as i32];
    mem::forget(v);
    r
}

macro_rules! ret_scalar {
    ($name:ident, $t:ty, $code:expr) => {
        fn $name(x: $t) -> Ret {
            ret_bytes(x.to_le_bytes().to_vec(), $code)
        }
    };
}
ret_scalar!(ret_u8, u8, 1);
ret_scalar!(ret_i8, i8, 2);
ret_scalar!(ret_u16, u16, 3);
ret_scalar!(ret_i16, i16, 4);
ret_scalar!(ret_u32, u32, 5);
ret_scalar!(ret_i32, i32, 6);
ret_scalar!(ret_u64, u64, 7);
ret_scalar!(ret_i64, i64, 8);
ret_scalar!(ret_f32, f32, 9);
ret_scalar!(ret_f64, f64, 10);

fn ret_bool(x: bool) -> Ret {
    ret_bytes(vec![x as u8], 11)
}
fn ret_char(x: char) -> Ret {
    ret_bytes((x as u32).to_le_bytes().to_vec(), 12)
}
fn ret_string(s: String) -> Ret {
    ret_bytes(s.into_bytes(), 31)
}

macro_rules! ret_vec {
    ($name:ident, $t:ty, $code:expr) => {
        fn $name(v: Vec<$t>) -> Ret {
            ret_bytes(v.iter().flat_map(|x| x.to_le_bytes()).collect(), $code)
        }
    };
}
ret_vec!(ret_vec_u8, u8, 21);
ret_vec!(ret_vec_i8, i8, 22);
ret_vec!(ret_vec_u16, u16, 23);
ret_vec!(ret_vec_i16, i16, 24);
ret_vec!(ret_vec_u32, u32, 25);
ret_vec!(ret_vec_i32, i32, 26);
ret_vec!(ret_vec_u64, u64, 27);
ret_vec!(ret_vec_i64, i64, 28);

/// The 9-byte descriptor: flag, le32 pointer, le32 count.
fn descriptor(flag: u8, ptr: i32, count: i32) -> i32 {
    let mut d = Vec::<u8>::with_capacity(9);
    d.push(flag);
    d.extend_from_slice(&ptr.to_le_bytes());
    d.extend_from_slice(&count.to_le_bytes());
    let r = d.as_ptr() as i32;
    mem::forget(d);
    r
}

fn ok(values: &[Ret]) -> i32 {
    // Sized up front and filled a word at a time: nested flat_map iterators
    // cost about two thirds of a 100-byte echo in an interpreter.
    let mut t: Vec<u8> = Vec::with_capacity(values.len() * 12);
    for r in values {
        for x in r {
            t.extend_from_slice(&x.to_le_bytes());
        }
    }
    let ptr = t.as_ptr() as i32;
    mem::forget(t);
    descriptor(0, ptr, values.len() as i32)
}

fn err(msg: String) -> i32 {
    let mut b = msg.into_bytes();
    b.shrink_to_fit();
    let (ptr, len) = (b.as_ptr() as i32, b.len() as i32);
    mem::forget(b);
    descriptor(1, ptr, len)
}

macro_rules! expect_params {
    ($count:expr, $want:expr) => {
        if $count != $want {
            return err(format!(
                "Invalid params count, expect {}, got {}",
                $want, $count
            ));
        }
    };
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

fn create_line_impl(p1: String, p2: String, desc: String) -> String {
    let point1: Point = serde_json::from_str(p1.as_str()).unwrap();
    let point2: Point = serde_json::from_str(p2.as_str()).unwrap();
    let length = ((point1.x - point2.x) * (point1.x - point2.x)
        + (point1.y - point2.y) * (point1.y - point2.y))
        .sqrt();
    let valid = length != 0.0;
    let line = Line { points: vec![point1, point2], valid, length, desc };
    serde_json::to_string(&line).unwrap()
}

#[no_mangle]
pub unsafe extern "C" fn create_line(pp: *const u32, n: i32) -> i32 {
    expect_params!(n, 3);
    let a = Params(pp);
    let line = create_line_impl(a.string(0), a.string(1), a.string(2));
    ok(&[ret_string(line)])
}

#[no_mangle]
pub unsafe extern "C" fn say(pp: *const u32, n: i32) -> i32 {
    expect_params!(n, 1);
    let s = Params(pp).string(0);
    ok(&[ret_string(String::from("hello ") + s.as_str())])
}

/// echo(s: String) -> String: the benchmark's round trip.
#[no_mangle]
pub unsafe extern "C" fn echo(pp: *const u32, n: i32) -> i32 {
    expect_params!(n, 1);
    ok(&[ret_string(Params(pp).string(0))])
}

// ------------------------------------------------- every parameter type

#[no_mangle]
pub unsafe extern "C" fn scalars(pp: *const u32, n: i32) -> i32 {
    expect_params!(n, 8);
    let a = Params(pp);
    let s = format!(
        "{} {} {} {} {} {} {} {}",
        a.scalar::<i8>(0),
        a.scalar::<u8>(1),
        a.scalar::<i16>(2),
        a.scalar::<u16>(3),
        a.scalar::<i32>(4),
        a.scalar::<u32>(5),
        a.scalar::<i64>(6),
        a.scalar::<u64>(7)
    );
    ok(&[ret_string(s)])
}

#[no_mangle]
pub unsafe extern "C" fn others(pp: *const u32, n: i32) -> i32 {
    expect_params!(n, 4);
    let a = Params(pp);
    let s = format!(
        "{} {} {} {}",
        a.scalar::<f32>(0),
        a.scalar::<f64>(1),
        a.boolean(2),
        a.character(3)
    );
    ok(&[ret_string(s)])
}

#[no_mangle]
pub unsafe extern "C" fn vecs(pp: *const u32, n: i32) -> i32 {
    expect_params!(n, 8);
    let a = Params(pp);
    let s = format!(
        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        a.vec::<i8>(0),
        a.vec::<u8>(1),
        a.vec::<i16>(2),
        a.vec::<u16>(3),
        a.vec::<i32>(4),
        a.vec::<u32>(5),
        a.vec::<i64>(6),
        a.vec::<u64>(7)
    );
    ok(&[ret_string(s)])
}

// ---------------------------------------------------- every result type

/// all_scalars(x: i64) -> (u8, i8, u16, i16, u32, i32, u64, i64, f32, f64,
/// bool, char): x cut to each type.
#[no_mangle]
pub unsafe extern "C" fn all_scalars(pp: *const u32, n: i32) -> i32 {
    expect_params!(n, 1);
    let x = Params(pp).scalar::<i64>(0);
    ok(&[
        ret_u8(x as u8),
        ret_i8(x as i8),
        ret_u16(x as u16),
        ret_i16(x as i16),
        ret_u32(x as u32),
        ret_i32(x as i32),
        ret_u64(x as u64),
        ret_i64(x),
        ret_f32(x as f32 / 4.0),
        ret_f64(x as f64 / 4.0),
        ret_bool(x != 0),
        ret_char(char::from_u32(x as u32).unwrap_or('?')),
    ])
}

/// all_vecs(n: u32) -> (Vec<u8>, Vec<i8>, Vec<u16>, Vec<i16>, Vec<u32>,
/// Vec<i32>, Vec<u64>, Vec<i64>, String): 0..n in each, negated for the
/// signed ones.
#[no_mangle]
pub unsafe extern "C" fn all_vecs(pp: *const u32, n: i32) -> i32 {
    expect_params!(n, 1);
    let k = Params(pp).scalar::<u32>(0);
    ok(&[
        ret_vec_u8((0..k).map(|i| i as u8).collect()),
        ret_vec_i8((0..k).map(|i| -(i as i8)).collect()),
        ret_vec_u16((0..k).map(|i| (i * 1000) as u16).collect()),
        ret_vec_i16((0..k).map(|i| -((i * 1000) as i16)).collect()),
        ret_vec_u32((0..k).map(|i| i * 100000).collect()),
        ret_vec_i32((0..k).map(|i| -((i * 100000) as i32)).collect()),
        ret_vec_u64((0..k).map(|i| (i as u64) << 40).collect()),
        ret_vec_i64((0..k).map(|i| -((i as i64) << 40)).collect()),
        ret_string(format!("{} each", k)),
    ])
}

/// checked_div(a: i32, b: i32) -> Result<i32, String>
#[no_mangle]
pub unsafe extern "C" fn checked_div(pp: *const u32, n: i32) -> i32 {
    expect_params!(n, 2);
    let a = Params(pp);
    let (x, y) = (a.scalar::<i32>(0), a.scalar::<i32>(1));
    if y == 0 {
        return err(format!("cannot divide {} by zero", x));
    }
    ok(&[ret_i32(x / y)])
}

/// reverse(v: Vec<u8>) -> Vec<u8>
#[no_mangle]
pub unsafe extern "C" fn reverse(pp: *const u32, n: i32) -> i32 {
    expect_params!(n, 1);
    let mut v = Params(pp).vec::<u8>(0);
    v.reverse();
    ok(&[ret_vec_u8(v)])
}

/// pretty(j: String) -> String: JSON in, the same value re-serialized.
#[no_mangle]
pub unsafe extern "C" fn pretty(pp: *const u32, n: i32) -> i32 {
    expect_params!(n, 1);
    let s = Params(pp).string(0);
    match serde_json::from_str::<serde_json::Value>(&s) {
        Ok(v) => ok(&[ret_string(v.to_string())]),
        Err(e) => err(format!("bad json: {}", e)),
    }
}

/// nothing(s: String) -> ()
#[no_mangle]
pub unsafe extern "C" fn nothing(pp: *const u32, n: i32) -> i32 {
    expect_params!(n, 1);
    drop(Params(pp).string(0));
    ok(&[])
}

/// boom(s: String): panics, which traps (after printing on stderr).
#[no_mangle]
pub unsafe extern "C" fn boom(pp: *const u32, n: i32) -> i32 {
    expect_params!(n, 1);
    let s = Params(pp).string(0);
    panic!("boom: {}", s);
}

/// A numeric export beside the bindgen ones.
#[no_mangle]
pub extern "C" fn square(x: i64) -> i64 {
    x * x
}
