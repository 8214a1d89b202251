// Two text functions in AssemblyScript with the cstring calling
// convention (strings travel as NUL-terminated UTF-8, see cstring.ts):
//
//   slugify("Crème Brûlée: 2 Recipes!")  -> "creme-brulee-2-recipes"
//   count_words("Hello, World!  wasm ext") -> 4
import { readCString, toCString } from "./cstring";

// The host needs malloc and free from the module.
export { malloc, free } from "./cstring";

// What the Latin-1 letters U+00C0..U+00FF become in a slug: their letter
// without the accent; "" for × and ÷, which separate words.
const LATIN1: string[] = (
  "a,a,a,a,a,a,ae,c,e,e,e,e,i,i,i,i,d,n,o,o,o,o,o,,o,u,u,u,u,y,th,ss," +
  "a,a,a,a,a,a,ae,c,e,e,e,e,i,i,i,i,d,n,o,o,o,o,o,,o,u,u,u,u,y,th,y"
).split(",");

// The slug text of one code point: lowercase ASCII letters and digits as
// they are, accented Latin-1 letters folded, "" for anything else (a word
// separator).
function slugPart(c: i32): string {
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) {
    return String.fromCharCode(c);
  }
  if (c >= 0x41 && c <= 0x5a) return String.fromCharCode(c + 0x20);
  if (c >= 0xc0 && c <= 0xff) return LATIN1[c - 0xc0];
  return "";
}

// slugify(text) -> string: a URL-friendly slug, words of lowercase ASCII
// letters and digits joined by single dashes, no dash at either end.
export function slugify(text: usize): usize {
  const s = readCString(text);
  const words = new Array<string>();
  let word = "";
  for (let i = 0; i < s.length; ) {
    const c = s.codePointAt(i);
    i += c > 0xffff ? 2 : 1;
    const part = slugPart(c);
    if (part.length > 0) {
      word += part;
    } else if (word.length > 0) {
      words.push(word);
      word = "";
    }
  }
  if (word.length > 0) words.push(word);
  return toCString(words.join("-"));
}

function isSpace(c: i32): bool {
  return c == 0x20 || (c >= 0x09 && c <= 0x0d);
}

// count_words(text) -> i32: how many words, separated by white space.
export function count_words(text: usize): i32 {
  const s = readCString(text);
  let n = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const space = isSpace(s.charCodeAt(i));
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}
