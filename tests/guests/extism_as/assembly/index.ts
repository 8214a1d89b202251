// Extism plugins for tests/extism, written against the real Extism
// AssemblyScript PDK (@extism/as-pdk 1.0.0, the one release on npm) and
// compiled by asc: each export is what a user would write for Extism's own
// runtime, and behaves as the Rust guest's export of the same name
// (tests/guests/extism_rust), down to the error messages and log lines.
//
// Where PDK 1.0.0 falls short, the workaround is one a user would write:
//   - Host.outputString(s) passes s.length, the string's UTF-16 length, as
//     the output's byte length, so non-ASCII output would be cut short and
//     written past its block; outputUtf8 passes the UTF-8 bytes instead.
//   - There is no setError: error_set is called through the PDK's own
//     declaration of the import (lib/env).
//   - There is no HTTP API: lib/env declares http_request but not
//     http_status_code, and no class builds a request or reads a
//     response. So this guest has no `fetch` and no `request`: writing
//     them would mean writing the PDK's HTTP client ourselves, which would
//     test our code, not the PDK's.
import { Config, Host, LogLevel, Memory, Var } from "@extism/as-pdk";
import { error_set } from "@extism/as-pdk/lib/env";
// Compiled in for asconfig.json's "use": abort=assembly/abort/abortTrap.
import "./abort";

function outputUtf8(s: string): void {
  Host.output(Uint8Array.wrap(String.UTF8.encode(s)));
}

// Fails the call with `message` (what Rust's Err and Go's SetError do).
function fail(message: string): i32 {
  error_set(Memory.allocateString(message).offset);
  return 1;
}

// The number of Unicode code points of s (Rust's chars().count()): a
// surrogate pair is one.
function codePoints(s: string): i32 {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) i++;
    }
    n++;
  }
  return n;
}

// s quoted as Rust's {:?} quotes a string: backslash, double quote and
// control characters escaped, everything else as it is.
function rustQuoted(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22) out += '\\"';
    else if (c == 0x5c) out += "\\\\";
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x0d) out += "\\r";
    else if (c == 0x09) out += "\\t";
    else if (c < 0x20 || c == 0x7f) out += "\\u{" + c.toString(16) + "}";
    else out += String.fromCharCode(c);
  }
  return out + '"';
}

// Parses a decimal i64 as Rust's str::parse does: an optional sign, then
// digits only. Sets `parseError` and answers 0 on anything else.
let parseError: string | null = null;

function parseI64(s: string): i64 {
  parseError = null;
  let i = 0;
  let negative = false;
  if (s.length > 0 && (s.charCodeAt(0) == 0x2b || s.charCodeAt(0) == 0x2d)) {
    negative = s.charCodeAt(0) == 0x2d;
    i = 1;
  }
  if (i == s.length) {
    parseError =
      s.length == 0
        ? "cannot parse integer from empty string"
        : "invalid digit found in string";
    return 0;
  }
  // Accumulated as a negative number, which reaches i64's minimum too.
  let v: i64 = 0;
  for (; i < s.length; i++) {
    const d = <i64>(s.charCodeAt(i) - 0x30);
    if (d < 0 || d > 9) {
      parseError = "invalid digit found in string";
      return 0;
    }
    if (v < (i64.MIN_VALUE + d) / 10) {
      parseError = negative
        ? "number too small to fit in target type"
        : "number too large to fit in target type";
      return 0;
    }
    v = v * 10 - d;
  }
  if (!negative) {
    if (v == i64.MIN_VALUE) {
      parseError = "number too large to fit in target type";
      return 0;
    }
    v = -v;
  }
  return v;
}

// Counts the vowels of a string: string in, JSON out.
export function count_vowels(): i32 {
  const input = Host.inputString();
  let count = 0;
  for (let i = 0; i < input.length; i++) {
    if ("aeiouAEIOU".includes(input.charAt(i))) count++;
  }
  outputUtf8(
    '{"count":' +
      count.toString() +
      ',"total":' +
      codePoints(input).toString() +
      ',"vowels":"aeiouAEIOU"}',
  );
  return 0;
}

// The input's bytes in reverse order: bytes in, bytes out.
export function reverse(): i32 {
  const input = Host.input();
  input.reverse();
  Host.output(input);
  return 0;
}

// Fails with a message for an empty input or one holding "x"; answers
// "ok: <input>" otherwise.
export function check(): i32 {
  const input = Host.inputString();
  if (input.length == 0 || input.includes("x")) {
    return fail("rejected " + rustQuoted(input));
  }
  outputUtf8("ok: " + input);
  return 0;
}

// The config value "greeting" before the input, or "(none)".
export function greet(): i32 {
  const g = Config.get("greeting");
  outputUtf8((g === null ? "(none)" : g) + ", " + Host.inputString() + "!");
  return 0;
}

// A counter kept in the variable "count" across calls; the input is added
// to it (a decimal number; empty: 1).
export function counter(): i32 {
  const input = Host.inputString();
  let step: i64 = 1;
  if (input.length > 0) {
    step = parseI64(input.trim());
    if (parseError !== null) return fail(parseError!);
  }
  let old: i64 = 0;
  const saved = Var.getString("count");
  if (saved !== null) {
    old = parseI64(saved);
    if (parseError !== null) return fail(parseError!);
  }
  const n = (old + step).toString();
  Var.set("count", Uint8Array.wrap(String.UTF8.encode(n)));
  outputUtf8(n);
  return 0;
}

// Logs the input at every level and returns its length in bytes.
export function shout(): i32 {
  const input = Host.inputString();
  Host.log(LogLevel.Info, "info: " + input);
  Host.log(LogLevel.Warn, "warn: " + input);
  Host.log(LogLevel.Error, "error: " + input);
  Host.log(LogLevel.Debug, "debug: " + input);
  outputUtf8(String.UTF8.byteLength(input).toString());
  return 0;
}
