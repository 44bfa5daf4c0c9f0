"""Output: Word and Excel documents, and files written outside the register (all or nothing)."""
