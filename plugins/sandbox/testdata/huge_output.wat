;; Claims a 2 MiB output (inside its memory, above the output cap).
(module
  (memory (export "memory") 40)
  (func (export "wasmart_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "wasmart_abi_version") (result i32) (i32.const 1))
  (func (export "wasmart_price") (param i32 i32) (result i64)
    (i64.const 0x40000200000)))
