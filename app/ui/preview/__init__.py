"""The preview player: the frame at the playhead, rendered by the engine off the GUI thread."""
