;; Unbounded recursion: ends in a stack overflow.
(module
  (memory (export "memory") 2)
  (func (export "wasmart_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "wasmart_abi_version") (result i32) (i32.const 1))
  (func $f (param i32) (result i32)
    (call $f (i32.add (local.get 0) (i32.const 1))))
  (func (export "wasmart_price") (param i32 i32) (result i64)
    (drop (call $f (i32.const 0)))
    (i64.const 0)))
