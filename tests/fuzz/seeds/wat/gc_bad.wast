;; GC text the parser refuses, each with its message's place.
(module quote "(type (struct (field $x i32) (field $x i64)))")
(module quote "(type $a (sub (struct))) (type (sub $a $a (struct)))")
(module quote "(type (array i9))")
(module quote "(type $s (struct)) (func (struct.get $s $nope))")
(module quote "(rec (type (struct (field (ref $nope)))))")
(module quote "(func br_on_cast 0 anyref i32)")
(module instance $I $M)
