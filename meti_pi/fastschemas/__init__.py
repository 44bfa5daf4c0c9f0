"""Generated fast validators, one module per shipped schema (`make fast-schemas`)."""
