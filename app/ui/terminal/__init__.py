"""The terminal preview: the selected terminal or code block, animated live."""
