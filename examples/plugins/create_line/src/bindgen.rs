//! The guest side of the wasmedge-bindgen 0.4 calling convention, written
//! out by hand (what the `#[wasmedge_bindgen]` macro would generate):
//!
//! - the module exports `allocate(size) -> ptr` and `deallocate(ptr, size)`,
//!   which the host uses to place arguments and to give results back;
//! - each function is exported as `name(params_pointer, params_count) ->
//!   i32`: `params_pointer` holds one (le32 pointer, le32 length) record per
//!   argument, in buffers the host got from `allocate` and that the guest
//!   now owns;
//! - the function returns a pointer to 9 bytes: a flag (0 ok, 1 error), a
//!   le32 pointer and a le32 count. On success they point to `count`
//!   records (le32 value pointer, le32 type code, le32 byte size); on error
//!   to the UTF-8 message. The host copies them out and frees every one of
//!   these buffers with `deallocate`.

use std::mem;

/// The type code of a String in a result record.
const STRING: u32 = 31;

#[no_mangle]
pub extern "C" fn allocate(size: i32) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(size as usize);
    let ptr = buf.as_mut_ptr();
    mem::forget(buf);
    ptr
}

/// # Safety
/// `ptr` and `size` must come from `allocate`, or from a buffer this
/// module handed to the host.
#[no_mangle]
pub unsafe extern "C" fn deallocate(ptr: *mut u8, size: i32) {
    drop(Vec::from_raw_parts(ptr, size as usize, size as usize));
}

/// Hands a byte buffer over to the host, exactly as long as its contents
/// (the host frees it with that size).
fn leak(mut bytes: Vec<u8>) -> (u32, u32) {
    bytes.shrink_to_fit();
    let out = (bytes.as_ptr() as u32, bytes.len() as u32);
    mem::forget(bytes);
    out
}

fn descriptor(flag: u8, ptr: u32, count: u32) -> i32 {
    let mut d = Vec::with_capacity(9);
    d.push(flag);
    d.extend_from_slice(&ptr.to_le_bytes());
    d.extend_from_slice(&count.to_le_bytes());
    leak(d).0 as i32
}

/// The arguments of one call: reads the `index`-th argument as a String,
/// taking ownership of its buffer.
pub struct Args {
    records: *const u32,
    count: usize,
}

impl Args {
    /// # Safety
    /// `records` must point to `count` records written by the host.
    pub unsafe fn new(records: *const u32, count: i32) -> Args {
        Args { records, count: count as usize }
    }

    /// Refuses a call with the wrong number of arguments, with the
    /// message the macro gives.
    pub fn expect(&self, want: usize) -> Result<(), String> {
        if self.count == want {
            Ok(())
        } else {
            let got = self.count;
            Err(format!("Invalid params count, expect {}, got {}", want, got))
        }
    }

    /// # Safety
    /// Each argument may be read once (its buffer is freed after).
    pub unsafe fn string(&self, index: usize) -> Result<String, String> {
        let ptr = *self.records.add(2 * index) as *mut u8;
        let len = *self.records.add(2 * index + 1) as usize;
        String::from_utf8(Vec::from_raw_parts(ptr, len, len))
            .map_err(|_| format!("argument {} is not UTF-8", index + 1))
    }
}

/// The descriptor for a function returning one String, or an error.
pub fn ret_string(result: Result<String, String>) -> i32 {
    match result {
        Ok(s) => {
            let (ptr, size) = leak(s.into_bytes());
            let mut record = Vec::with_capacity(12);
            for word in [ptr, STRING, size] {
                record.extend_from_slice(&word.to_le_bytes());
            }
            descriptor(0, leak(record).0, 1)
        }
        Err(msg) => {
            let (ptr, len) = leak(msg.into_bytes());
            descriptor(1, ptr, len)
        }
    }
}
