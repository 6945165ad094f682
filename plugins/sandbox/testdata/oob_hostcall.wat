;; Passes out-of-bounds pointers to host functions, then loads out of bounds.
(module
  (import "wasmart" "log" (func $log (param i32 i32 i32)))
  (import "wasmart" "kv_get" (func $kv_get (param i32 i32 i32 i32) (result i32)))
  (import "wasmart" "kv_set" (func $kv_set (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "wasmart_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "wasmart_abi_version") (result i32) (i32.const 1))
  (func (export "wasmart_price") (param i32 i32) (result i64)
    (call $log (i32.const 1) (i32.const -100) (i32.const 1000000))
    (drop (call $kv_get (i32.const -4) (i32.const 200) (i32.const 0) (i32.const 16)))
    (drop (call $kv_set (i32.const 0) (i32.const 4) (i32.const -8) (i32.const 60000)))
    (drop (i32.load (i32.const -4)))
    (i64.const 0)))
