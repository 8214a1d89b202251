//! Memory-ABI guest in Rust (wasm32-unknown-unknown, no crates): the
//! Layout-based helpers Rust modules export, mem_alloc(size, align) and
//! mem_free(ptr, size, align), results packed in an i64 or written into a
//! host buffer. A counting global allocator tells the test (live()) how
//! many blocks are out, so it can see that every buffer went back.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI32, Ordering};

struct Counting;

static LIVE: AtomicI32 = AtomicI32::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(1, Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
        System.dealloc(p, l)
    }
}

#[global_allocator]
static A: Counting = Counting;

#[no_mangle]
pub extern "C" fn live() -> i32 {
    LIVE.load(Ordering::Relaxed)
}

/// A block of `size` bytes aligned to `align`; size 0 gets a dangling
/// pointer that owns nothing (as Rust's own containers do).
#[no_mangle]
pub unsafe extern "C" fn mem_alloc(size: usize, align: usize) -> *mut u8 {
    match Layout::from_size_align(size, align) {
        Ok(_) if size == 0 => align as *mut u8,
        Ok(l) => std::alloc::alloc(l),
        Err(_) => std::ptr::null_mut(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn mem_free(ptr: *mut u8, size: usize, align: usize) {
    if size != 0 {
        std::alloc::dealloc(ptr, Layout::from_size_align(size, align).unwrap());
    }
}

/// Hands bytes over as a block mem_free(ptr, len, 1) gives back.
fn give(bytes: Vec<u8>) -> (u32, u32) {
    let b = bytes.into_boxed_slice();
    let n = b.len() as u32;
    (Box::into_raw(b) as *mut u8 as u32, n)
}

fn pack(hi: u32, lo: u32) -> u64 {
    (hi as u64) << 32 | lo as u64
}

unsafe fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    std::slice::from_raw_parts(ptr, len)
}

/// ptr_len -> ptr_len packed (pointer high): the text shouted.
#[no_mangle]
pub unsafe extern "C" fn shout(ptr: *const u8, len: usize) -> u64 {
    let mut v = input(ptr, len).to_ascii_uppercase();
    v.push(b'!');
    let (p, n) = give(v);
    pack(p, n)
}

/// ptr_len, value, out_buffer: field `index` of a comma-separated line;
/// -1 when there is no such field, -2 when it does not fit.
#[no_mangle]
pub unsafe extern "C" fn field(ptr: *const u8, len: usize, index: i32,
                               out: *mut u8, cap: usize) -> i32 {
    let line = input(ptr, len);
    match line.split(|&c| c == b',').nth(index as usize) {
        None => -1,
        Some(f) if f.len() > cap => -2,
        Some(f) => {
            std::ptr::copy_nonoverlapping(f.as_ptr(), out, f.len());
            f.len() as i32
        }
    }
}

/// len_prefixed -> len_prefixed: the words in reverse order.
#[no_mangle]
pub unsafe extern "C" fn backwards(lp: *const u8) -> *mut u8 {
    let n = u32::from_le_bytes(*(lp as *const [u8; 4])) as usize;
    let text = input(lp.add(4), n);
    let mut words: Vec<&[u8]> = text.split(|&c| c == b' ').collect();
    words.reverse();
    let body = words.join(&b' ');
    let mut v = (body.len() as u32).to_le_bytes().to_vec();
    v.extend_from_slice(&body);
    give(v).0 as *mut u8
}

/// ptr_len -> fixed:8: the count of bytes and of ASCII digits, u32 LE.
#[no_mangle]
pub unsafe extern "C" fn tally(ptr: *const u8, len: usize) -> *mut u8 {
    let s = input(ptr, len);
    let digits = s.iter().filter(|c| c.is_ascii_digit()).count() as u32;
    let mut v = (len as u32).to_le_bytes().to_vec();
    v.extend_from_slice(&digits.to_le_bytes());
    give(v).0 as *mut u8
}

/// Hostile: a length past the end of memory.
#[no_mangle]
pub unsafe extern "C" fn liar(ptr: *const u8, len: usize) -> u64 {
    let (p, _) = give(input(ptr, len).to_vec());
    pack(p, u32::MAX)
}

/// Hostile: panics (a trap, with panic = "abort") after the host
/// allocated the argument.
#[no_mangle]
pub unsafe extern "C" fn panics(ptr: *const u8, len: usize) -> u64 {
    if input(ptr, len).is_empty() {
        return 0;
    }
    panic!("no");
}
