"""The media bin: the project's files with thumbnails, search, drag, versions and clean-up."""
