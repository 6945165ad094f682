;; A well-behaved pricing plugin: no adjustments (envelope 00 00 at 16).
(module
  (memory (export "memory") 2)
  (func (export "wasmart_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "wasmart_abi_version") (result i32) (i32.const 1))
  (data (i32.const 16) "\00\00")
  (func (export "wasmart_price") (param i32 i32) (result i64)
    (i64.const 0x1000000002)))
