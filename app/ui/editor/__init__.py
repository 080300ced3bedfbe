"""The script editor: Markdown text with the script language highlighted and checked."""
