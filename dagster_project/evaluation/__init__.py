"""Quality evaluations against hand-written gold (parse, extraction)."""
