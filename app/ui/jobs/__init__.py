"""Long work (synthesis, generation, rendering) as jobs with progress, errors and cancel."""
