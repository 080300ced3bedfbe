"""Still pictures on screen: cover-fit, then an eased Ken Burns pan and zoom with OpenCV.

One ``cv2.warpAffine`` per frame (on four channels, which OpenCV vectorises best) maps the zoomed, panned picture straight to the output
size: no intermediate crops or per-pixel Python.
"""

from __future__ import annotations

import cv2
import numpy as np

from app.engine.timeline import KenBurns


class StillFrames:
    """A still picture (premultiplied RGBA) shown at ``width`` x ``height``.

    The picture is fitted to cover the frame once; with a :class:`KenBurns` move each frame
    is one affine warp from that fitted copy, otherwise the fitted copy is returned as is.
    """

    def __init__(
        self, picture: np.ndarray, width: int, height: int, ken_burns: KenBurns | None = None
    ) -> None:
        self.width = width
        self.height = height
        self.ken_burns = ken_burns
        if picture.shape[2] == 3:
            picture = cv2.cvtColor(picture, cv2.COLOR_RGB2RGBA)
        self.opaque = int(picture[:, :, 3].min()) == 255
        ph, pw = picture.shape[:2]
        # Fit with a little headroom when moving so the zoom never samples outside.
        self._base_scale = max(width / pw, height / ph)
        self._still: np.ndarray | None
        if ken_burns is None:
            self._still = self._fit(picture)
            self._picture = self._still
        else:
            # Keep enough resolution for the deepest zoom, but no more than needed.
            zoom = max(ken_burns.start_zoom, ken_burns.end_zoom, 1.0)
            target = min(1.0, self._base_scale * zoom)
            if target < 1.0:
                picture = cv2.resize(
                    picture,
                    (max(1, round(pw * target)), max(1, round(ph * target))),
                    interpolation=cv2.INTER_AREA,
                )
            self._picture = np.ascontiguousarray(picture)
            self._still = None
        self._last: tuple[float, float, float] | None = None
        self._last_frame: np.ndarray | None = None

    def _fit(self, picture: np.ndarray) -> np.ndarray:
        ph, pw = picture.shape[:2]
        scale = self._base_scale
        nw, nh = max(self.width, round(pw * scale)), max(self.height, round(ph * scale))
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        fitted = cv2.resize(picture, (nw, nh), interpolation=interp)
        x0, y0 = (nw - self.width) // 2, (nh - self.height) // 2
        return np.ascontiguousarray(fitted[y0 : y0 + self.height, x0 : x0 + self.width])

    def frame_at(self, source_frame: int) -> np.ndarray:
        if self._still is not None or self.ken_burns is None:
            assert self._still is not None
            return self._still
        zoom, (cx, cy) = self.ken_burns.at(source_frame)
        zoom = max(zoom, 1.0)
        state = (zoom, cx, cy)
        if state == self._last and self._last_frame is not None:
            return self._last_frame
        ph, pw = self._picture.shape[:2]
        scale = max(self.width / pw, self.height / ph) * zoom
        # Visible half-extent in picture pixels; clamp the centre so the view stays inside.
        half_w, half_h = self.width / scale / 2, self.height / scale / 2
        px = min(max(cx * pw, half_w), pw - half_w)
        py = min(max(cy * ph, half_h), ph - half_h)
        matrix = np.array(
            [[scale, 0.0, self.width / 2 - px * scale], [0.0, scale, self.height / 2 - py * scale]],
            dtype=np.float64,
        )
        out = cv2.warpAffine(
            self._picture,
            matrix,
            (self.width, self.height),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        self._last, self._last_frame = state, out
        return out

    def close(self) -> None:
        self._last_frame = None
