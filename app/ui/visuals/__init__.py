"""The Visuals panel (each visual line's takes: Regenerate, Pick, Lock) and File › New from topic."""
