## Encryption at rest: output of `wangban keys`

keys-rotated = Re-wrapped { $rewrapped } stored keys under key-encryption key “{ $kek }”; { $unchanged } were already under it.
keys-checked = { $count } data keys open under the configured key-encryption keys (active: “{ $kek }”).
keys-local-made = No key-encryption key was configured: made { $path } (for the demo only; configure [keys] in production).
keys-generated = A new key-encryption key is printed on standard output. Keep it secret: store it in a file readable only by the service, add it under [keys] with a new id, make it active, then run “wangban keys rotate”.
keys-error-unknown-kek = Key-encryption key “{ $id }” is needed but not configured. Nothing was changed.
keys-error-wrong-key = Key-encryption key “{ $id }” does not open the stored data keys (wrong key). Nothing was changed.
keys-error-no-active = No usable active key-encryption key: { $reason }
keys-error-bad-key = Key-encryption key “{ $id }” is not valid: { $reason }
keys-error-key-file = Key file { $path } cannot be read or written: { $reason }
keys-error = The stored keys cannot be used: { $reason }
