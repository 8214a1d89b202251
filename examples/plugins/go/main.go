// Package main is a wasmext plugin written in Go and compiled by Go's own
// compiler as a WASI reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o gofn.wasm
//
// It exports two numeric functions (wasm numbers in and out) and two
// string functions in the cstring calling convention (cstring.go).
package main

import (
	"strings"
	"unicode"
)

// A reactor's main never runs: the host calls _initialize (which runs the
// package initializers) and then the exported functions. Go still wants
// a main function in package main.
func main() {}

// celsius_to_f converts degrees Celsius to degrees Fahrenheit.
//
//go:wasmexport celsius_to_f
func celsiusToF(c float64) float64 {
	return c*9/5 + 32
}

// collatz_steps counts the steps of the Collatz map (n/2 for even n,
// 3n+1 for odd n) from n down to 1; -1 for n < 1 and for a start whose
// path would overflow int64.
//
//go:wasmexport collatz_steps
func collatzSteps(n int64) int64 {
	if n < 1 {
		return -1
	}
	const maxOdd = (1<<63 - 1 - 1) / 3 // the largest n whose 3n+1 fits
	var steps int64
	for n != 1 {
		if n%2 == 0 {
			n /= 2
		} else {
			if n > maxOdd {
				return -1
			}
			n = 3*n + 1
		}
		steps++
	}
	return steps
}

// rot13 rotates the ASCII letters by 13 places and keeps every other
// byte: the bytes of a multi-byte UTF-8 character are all 0x80 or above,
// so they pass through unchanged. rot13(rot13(s)) == s.
//
//go:wasmexport rot13
func rot13(s uint32) uint32 {
	b := []byte(goString(s))
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = 'a' + (c-'a'+13)%26
		case c >= 'A' && c <= 'Z':
			b[i] = 'A' + (c-'A'+13)%26
		}
	}
	return newCString(string(b))
}

// title_case upper-cases (title-cases) the first letter of every word and
// lower-cases the rest, in any script Unicode gives cases to. A word is a
// run of letters, digits, marks and apostrophes.
//
//go:wasmexport title_case
func titleCase(s uint32) uint32 {
	var b strings.Builder
	inWord := false
	for _, r := range goString(s) {
		wordRune := unicode.IsLetter(r) || unicode.IsDigit(r) ||
			unicode.IsMark(r) || r == '\'' || r == '’'
		switch {
		case !wordRune:
			b.WriteRune(r)
		case inWord:
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(unicode.ToTitle(r))
		}
		inWord = wordRune
	}
	return newCString(b.String())
}
