;; Tries to read another tenant's key-value data under every key shape it
;; can think of. If any read succeeds it reports "LEAK" as a plugin error;
;; otherwise it writes its own key and returns no adjustments.
(module
  (import "wasmart" "kv_get" (func $kv_get (param i32 i32 i32 i32) (result i32)))
  (import "wasmart" "kv_set" (func $kv_set (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "wasmart_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "wasmart_abi_version") (result i32) (i32.const 1))
  (data (i32.const 16) "\00\00")
  (data (i32.const 32) "\01\04LEAK")
  (data (i32.const 100) "secret")                 ;; 6 bytes
  (data (i32.const 120) "tenant-a/inst/secret")   ;; 20 bytes
  (data (i32.const 150) "../tenant-a/secret")     ;; 18 bytes
  (data (i32.const 180) "tenant-a\00inst\00secret") ;; 20 bytes
  (data (i32.const 210) "mine")
  (func $probe (param i32 i32) (result i32)
    (i32.ge_s (call $kv_get (local.get 0) (local.get 1) (i32.const 4096) (i32.const 256)) (i32.const 0)))
  (func (export "wasmart_price") (param i32 i32) (result i64)
    (if (i32.or (i32.or (call $probe (i32.const 100) (i32.const 6)) (call $probe (i32.const 120) (i32.const 20)))
                (i32.or (call $probe (i32.const 150) (i32.const 18)) (call $probe (i32.const 180) (i32.const 20))))
      (then (return (i64.const 0x2000000006))))
    (drop (call $kv_set (i32.const 210) (i32.const 4) (i32.const 210) (i32.const 4)))
    (i64.const 0x1000000002)))
