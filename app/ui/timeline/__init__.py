"""The timeline editor: the engine's tracks and clips in a QGraphicsView."""
