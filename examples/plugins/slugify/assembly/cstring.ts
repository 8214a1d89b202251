// The guest side of the cstring calling convention (eKuiper 1.x): the host
// copies each string argument, NUL-terminated, into a buffer it gets from
// the module's `malloc` and passes its address; a string result is the
// address of a NUL-terminated buffer from `malloc`, which the host reads
// and gives back with `free`. The host frees the argument buffers with
// `free` after the call too.
//
// The buffers come from AssemblyScript's own allocator (`heap`), outside
// the garbage collector's sight: they live until the host frees them.

// Exported (see index.ts) for the host; the names are the C ones.
export function malloc(size: usize): usize {
  return heap.alloc(size);
}

export function free(ptr: usize): void {
  if (ptr != 0) heap.free(ptr);
}

// Reads the NUL-terminated UTF-8 string at `ptr`.
export function readCString(ptr: usize): string {
  let len: usize = 0;
  while (load<u8>(ptr + len) != 0) len++;
  return String.UTF8.decodeUnsafe(ptr, len);
}

// Copies `s` into a new NUL-terminated UTF-8 buffer for the host.
export function toCString(s: string): usize {
  const size = String.UTF8.byteLength(s, true);
  const buf = heap.alloc(<usize>size);
  String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, buf, true);
  return buf;
}

// Replaces AssemblyScript's imported `env.abort` (asc --use abort=...): a
// failed assertion or a bad index traps, and the host reports the trap.
export function abortTrap(
  message: string | null,
  fileName: string | null,
  line: u32,
  column: u32
): void {
  unreachable();
}
