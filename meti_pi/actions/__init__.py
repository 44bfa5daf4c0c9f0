"""Actions: what each command group does, the only callers of the write transaction (one module per group)."""
