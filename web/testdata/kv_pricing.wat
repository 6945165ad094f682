;; A pricing plugin with state: every call reads the key "calls" and writes
;; it (kv_get, then kv_set), so pricing a cart does key-value work wherever
;; the host runs it: inside a checkout's transaction, or while a cart is
;; shown. It returns no adjustments and ignores the result codes.
(module
  (import "wasmart" "kv_get" (func $kv_get (param i32 i32 i32 i32) (result i32)))
  (import "wasmart" "kv_set" (func $kv_set (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "wasmart_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "wasmart_abi_version") (result i32) (i32.const 1))
  (data (i32.const 16) "\00\00")   ;; envelope: ok, no adjustments
  (data (i32.const 100) "calls")
  (func (export "wasmart_price") (param i32 i32) (result i64)
    (drop (call $kv_get (i32.const 100) (i32.const 5) (i32.const 4096) (i32.const 64)))
    (drop (call $kv_set (i32.const 100) (i32.const 5) (i32.const 100) (i32.const 5)))
    (i64.const 0x1000000002)))
