"""The built dataset: its schema and rows (:mod:`.schema`)."""
