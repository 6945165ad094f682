;; Nested loops, typed blocks, br_table and a loop with a result: checks
;; that instrumentation keeps semantics. Returns no adjustments when the
;; computed value is right and a plugin error otherwise.
(module
  (memory (export "memory") 2)
  (func (export "wasmart_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "wasmart_abi_version") (result i32) (i32.const 1))
  (data (i32.const 16) "\00\00")
  (data (i32.const 32) "\01\05wrong")
  ;; sum over i < n of sum over j < i of j, plus a br_table classification.
  (func $compute (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $acc i32)
    (block $out
      (loop $outer
        (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $j (i32.const 0))
        (block $inner_out
          (loop $inner
            (br_if $inner_out (i32.ge_u (local.get $j) (local.get $i)))
            (local.set $acc (i32.add (local.get $acc) (local.get $j)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $inner)))
        (block $b2 (block $b1 (block $b0
          (br_table $b0 $b1 $b2 (i32.rem_u (local.get $i) (i32.const 3))))
          (local.set $acc (i32.add (local.get $acc) (i32.const 1))))
          (local.set $acc (i32.add (local.get $acc) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    ;; a loop with a result: j goes from 99 to 100
    (i32.add (local.get $acc)
      (loop $l (result i32)
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $j) (i32.const 10)))
        (local.get $j))))
  (func (export "wasmart_price") (param i32 i32) (result i64)
    (if (result i64) (i32.eq (call $compute (i32.const 100)) (i32.const 161968))
      (then (i64.const 0x1000000002))
      (else (i64.const 0x2000000007)))))
