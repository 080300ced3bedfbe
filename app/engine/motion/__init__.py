"""On-screen design: styles, the stage layout, type, titles, name plates, badges, slides, captions.

Everything here draws premultiplied RGBA pictures for the compositor from timeline
sources; nothing here knows about files, voices or encoders.
"""
