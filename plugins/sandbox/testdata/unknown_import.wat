;; Imports a function the ABI does not offer.
(module
  (import "env" "open_socket" (func $sock (param i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "wasmart_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "wasmart_abi_version") (result i32) (i32.const 1))
  (func (export "wasmart_price") (param i32 i32) (result i64)
    (drop (call $sock (i32.const 0)))
    (i64.const 0)))
