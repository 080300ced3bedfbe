"""The voice panel: each character's provider, voice and delivery, previews and cost."""
