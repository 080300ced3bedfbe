"""Export: one-click YouTube export, the presets dialog, and the render job."""
