"""The Publish dialog: one-click export to YouTube over the engine's publishing code."""
