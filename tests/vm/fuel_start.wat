;; A start function that never ends: only fuel (or nothing) stops it.
(module (func $s (loop $l (br $l))) (start $s))
