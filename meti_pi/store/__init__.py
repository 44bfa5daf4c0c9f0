"""The store: the register model and its loading, YAML, schemas, the read cache, record kinds and ids."""
