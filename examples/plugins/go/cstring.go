package main

// The cstring calling convention, as wasmext's host runs it: for each
// string argument the host calls malloc(len+1), copies the UTF-8 bytes and
// a NUL there and passes the address; after the call it calls free on each
// argument buffer. A string result is the address of a NUL-terminated
// buffer that the function got from malloc; the host reads it and gives it
// back with free.
//
// Go's garbage collector does not move objects, so the address of a []byte
// stays valid as long as the slice is reachable. The host holds only the
// address, which the collector does not see, so every buffer handed out by
// malloc is kept in `pinned` until free takes it back.

import (
	"bytes"
	"unsafe"
)

var pinned = map[uint32][]byte{}

//go:wasmexport malloc
func malloc(size uint32) uint32 {
	buf := make([]byte, max(size, 1)) // zeroed; malloc(0) gets a real address too
	p := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
	pinned[p] = buf
	return p
}

//go:wasmexport free
func free(p uint32) {
	delete(pinned, p) // free(0) and unknown addresses do nothing
}

// goString copies the NUL-terminated string at p, a buffer from malloc.
func goString(p uint32) string {
	buf, ok := pinned[p]
	if !ok {
		panic("cstring: the argument is not a buffer from malloc")
	}
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		buf = buf[:i]
	}
	return string(buf)
}

// newCString copies s, NUL-terminated, into a buffer from malloc, which the
// host frees after reading it.
func newCString(s string) uint32 {
	p := malloc(uint32(len(s)) + 1)
	copy(pinned[p], s) // the last byte stays 0
	return p
}
