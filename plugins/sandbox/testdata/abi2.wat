;; Reports ABI version 2.
(module
  (memory (export "memory") 2)
  (func (export "wasmart_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "wasmart_abi_version") (result i32) (i32.const 2))
  (func (export "wasmart_price") (param i32 i32) (result i64) (i64.const 0)))
