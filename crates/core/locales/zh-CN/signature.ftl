## Upload checks (signature)
signature-placeholder = x
