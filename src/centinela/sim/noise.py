"""Deterministic coherent noise evaluated at absolute pixel coordinates.

Every field the simulator draws (canopy texture, clouds, pond colour) is a pure function of
(seed, row, col), so any window of a scene can be rendered alone and windows join seamlessly.
That is what lets a full 10980 px tile be written window by window in bounded memory.
"""

from __future__ import annotations

import numpy as np

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a cheap, well-distributed integer hash."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * _M2
        x = (x ^ (x >> np.uint64(27))) * _M3
        return x ^ (x >> np.uint64(31))


def lattice(ix: np.ndarray, iy: np.ndarray, seed: int) -> np.ndarray:
    """Uniform [0, 1) value attached to each integer lattice point (ix, iy) for ``seed``."""
    with np.errstate(over="ignore"):
        h = (ix.astype(np.int64).astype(np.uint64) * _M1) ^ _mix(
            iy.astype(np.int64).astype(np.uint64) + np.uint64(seed) * _M2
        )
    return (_mix(h) >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def value_noise(rows: np.ndarray, cols: np.ndarray, scale: float, seed: int) -> np.ndarray:
    """Smooth value noise in [0, 1] on the grid ``rows`` × ``cols`` with feature size ``scale`` px."""
    r = np.asarray(rows, dtype=np.float64) / scale
    c = np.asarray(cols, dtype=np.float64) / scale
    ir, ic = np.floor(r).astype(np.int64), np.floor(c).astype(np.int64)
    fr, fc = (r - ir).astype(np.float32), (c - ic).astype(np.float32)
    fr, fc = fr * fr * (3 - 2 * fr), fc * fc * (3 - 2 * fc)  # smoothstep: no lattice creases
    # Hash only the lattice points the grid touches, then gather: far cheaper than hashing per pixel.
    r0, c0 = ir.min(), ic.min()
    lat = lattice(np.arange(r0, ir.max() + 2)[:, None], np.arange(c0, ic.max() + 2)[None, :], seed).astype(np.float32)
    jr, jc = (ir - r0)[:, None], (ic - c0)[None, :]
    v00, v01 = lat[jr, jc], lat[jr, jc + 1]
    v10, v11 = lat[jr + 1, jc], lat[jr + 1, jc + 1]
    top = v00 + (v01 - v00) * fc[None, :]
    bot = v10 + (v11 - v10) * fc[None, :]
    return top + (bot - top) * fr[:, None]


def fbm(rows: np.ndarray, cols: np.ndarray, scale: float, seed: int, octaves: int = 4, gain: float = 0.5) -> np.ndarray:
    """Fractal sum of value noise, rescaled to roughly [0, 1] with mean 0.5."""
    total = np.zeros((len(rows), len(cols)), dtype=np.float32)
    amp, norm = 1.0, 0.0
    for o in range(octaves):
        total += amp * value_noise(rows, cols, scale / (2**o), seed * 131 + o)
        norm += amp
        amp *= gain
    return total / norm


def pixel_random(rows: np.ndarray, cols: np.ndarray, seed: int) -> np.ndarray:
    """Independent uniform [0, 1) value per pixel (sensor noise, speckle of misclassification)."""
    return lattice(np.asarray(rows)[:, None], np.asarray(cols)[None, :], seed).astype(np.float32)


def gaussian_pixels(rows: np.ndarray, cols: np.ndarray, seed: int) -> np.ndarray:
    """Independent standard-normal value per pixel (Box–Muller on two hashed uniforms)."""
    u1 = np.clip(pixel_random(rows, cols, seed), 1e-7, 1.0)
    u2 = pixel_random(rows, cols, seed ^ 0x5BD1E995)
    return (np.sqrt(-2.0 * np.log(u1)) * np.cos(2 * np.pi * u2)).astype(np.float32)
