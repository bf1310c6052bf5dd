"""The built dataset: column types and rows (:mod:`.schema`), the card (:mod:`.card`),
the parquet files and the atomic swap (:mod:`.writer`), the figures read back from them
(:mod:`.figures`)."""
