"""Development data for training and validating the learned detectors (../shared/data).

Images are read by pycore, exactly as the analyses read a user's file, and reduced to the
luminance the networks see (pycore.learned). Every split keeps all of one source together:
a real image's crops, all serial sections of the ISBI 2012 stack, all 18 patches pasted
into one western-blot host. The split of a source is a fixed function of its name, so it
never changes between runs or machines.

Many real images have relatives under other names (the sections of an EM series, the
frames of a movie, the wells of a plate, a crop or a background-subtracted copy of another
file), which the split by file does not keep together. Calibration and held-out
measurements therefore use only images of a *family* (see :func:`family_of`) with no
member in the training split, and no label, mask or probability images.
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

import pycore

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
REAL = DATA / "real"
BLOTS = DATA / "tamper" / "wb_auto_polimi" / "tampered"
AIGEN = DATA / "aigen"
SMOKE = DATA / "smoke"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")

# Shares of sources for training, for calibration (setting the score bands) and for the
# held-out test that the cards report.
SPLITS = {"train": 0.60, "calibrate": 0.15, "test": 0.25}


# Name words that say how an image is stored, not what it shows (NEUBIAS names start with
# them: xy_16bit__autophagosomes, xyz_8bit_calibrated_anisotropic__mri_head).
_STORAGE_WORDS = frozenset(
    {
        "xy",
        "xyc",
        "xyt",
        "xyz",
        "xyzc",
        "8bit",
        "12bit",
        "16bit",
        "rgb",
        "float",
        "calibrated",
        "anisotropic",
    }
)
# Not micrographs: drawings and maps derived from images.
_DERIVED_WORDS = ("label", "mask", "probability")


# Folders that gather unrelated images, where relatives are told by name; everywhere else
# a folder holds one experiment (a series, a movie, a plate) and is one family.
_MIXED_FOLDERS = frozenset(
    {
        "neubias_training_images/image_data",
        "skimage_bundled/skimage/data",
        "skimage_bundled/skimage/data_photos",
        "skimage_tutorials_images/images",
        "skimage_tutorials_images/data",
        "bioimage_notebooks_haase/data",
        "pypi_bundled_bio_samples/stardist-0.9.2/stardist/data/images",
    }
)


def family_of(relative: Path) -> str:
    """What a real image's relatives share: its folder, or in a folder of unrelated images
    the leading word of its name that says what it shows."""
    folder = relative.parent.as_posix()
    if folder not in _MIXED_FOLDERS:
        return folder
    words = [word for word in re.split(r"[^a-z0-9]+", relative.stem.lower()) if word]
    meaningful = [w for w in words if w not in _STORAGE_WORDS and len(w) >= 3 and not w.isdigit()]
    return f"{folder}:{(meaningful or words or [''])[0]}"


def require(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"{path} is missing: training and validation need ../shared/data (see its README)")
    return path


def split_of(source: str) -> str:
    """'train', 'calibrate' or 'test' for a source, from a hash of its name."""
    fraction = int(hashlib.sha256(source.encode()).hexdigest()[:8], 16) / 0x1_0000_0000
    edge = 0.0
    for name, share in SPLITS.items():
        edge += share
        if fraction < edge:
            return name
    return "test"


@dataclass
class RealImage:
    path: str  # relative to ../shared/data/real
    source: str  # what the split keeps together
    gray: np.ndarray  # luminance in 8-bit units, float32


def _real_paths() -> list[Path]:
    paths = []
    for path in sorted(require(REAL).rglob("*")):
        if path.suffix.lower() in IMAGE_SUFFIXES and "label" not in path.relative_to(REAL).parts:
            paths.append(path.relative_to(REAL))
    return paths


def is_derived(relative: Path) -> bool:
    """A drawing or map made from an image (a label image, a mask, a probability map)."""
    return any(word in relative.stem.lower() for word in _DERIVED_WORDS)


def _source_of(relative: Path) -> str:
    return relative.parts[0] if relative.parts[0] == "em_isbi2012_unet" else str(relative)


def real_files(
    split: str | None = None, min_side: int = 64, held_out: bool = False
) -> Iterator[tuple[Path, str, pycore.Image]]:
    """(path relative to REAL, source, image as pycore reads the file) for each readable
    real image (label drawings of the ISBI set left out), optionally only those of one
    split; ``held_out`` keeps only images with no relative in the training split (see the
    module's docstring)."""
    paths = _real_paths()
    relatives = (
        {family_of(r) for r in paths if split_of(_source_of(r)) == "train"} if held_out else set()
    )
    for relative in paths:
        source = _source_of(relative)
        if split is not None and split_of(source) != split:
            continue
        if held_out and (family_of(relative) in relatives or is_derived(relative)):
            continue
        path = REAL / relative
        try:
            image = pycore.load(path.read_bytes(), path.name)
        except pycore.ImageLoadError:
            continue
        if min(image.height, image.width) >= min_side:
            yield relative, source, image


def real_images(
    split: str | None = None, min_side: int = 64, held_out: bool = False
) -> list[RealImage]:
    """:func:`real_files` reduced to their luminance."""
    return [
        RealImage(str(relative), source, image.gray().astype(np.float32))
        for relative, source, image in real_files(split, min_side, held_out)
    ]


@dataclass
class Blot:
    name: str
    host: str
    gray: np.ndarray  # 256x256, 8-bit units, float32
    mask: np.ndarray  # bool, the pasted synthetic 64x64 patch


def blots(split: str | None = None) -> list[Blot]:
    """The western blots of wb_auto_polimi with their synthetic-patch masks, by host."""
    found = []
    for path in sorted(require(BLOTS).glob("*.png")):
        host = path.stem.split("_patch_")[0].split("_", 2)[-1]
        if split is not None and split_of(host) != split:
            continue
        gray = pycore.load(path.read_bytes(), path.name).gray().astype(np.float32)
        mask = np.asarray(PILImage.open(BLOTS.parent / "mask" / path.name).convert("L")) > 127
        found.append(Blot(path.name, host, gray, mask))
    return found


# ---- Changes of form that must not change a verdict -------------------------------------


def as_png(gray: np.ndarray) -> pycore.Image:
    """An 8-bit gray image as pycore reads it from a PNG file."""
    buffer = io.BytesIO()
    PILImage.fromarray(np.clip(np.rint(gray), 0, 255).astype(np.uint8)).save(buffer, "PNG")
    return pycore.load(buffer.getvalue(), "image.png")


def as_jpeg(gray: np.ndarray, quality: int) -> pycore.Image:
    buffer = io.BytesIO()
    levels = np.clip(np.rint(gray), 0, 255).astype(np.uint8)
    PILImage.fromarray(levels).save(buffer, "JPEG", quality=quality)
    return pycore.load(buffer.getvalue(), "image.jpg")


def jpeg(gray: np.ndarray, quality: int) -> np.ndarray:
    """Saved as an 8-bit JPEG at ``quality`` and read back (as pycore would read it)."""
    return as_jpeg(gray, quality).gray().astype(np.float32)


def resize(gray: np.ndarray, factor: float, method: int = PILImage.BICUBIC) -> np.ndarray:
    """Scaled by ``factor`` (antialiased when shrinking, as image editors do)."""
    height, width = gray.shape
    size = (max(round(width * factor), 1), max(round(height * factor), 1))
    scaled = PILImage.fromarray(gray.astype(np.float32), "F").resize(size, method)
    return np.clip(np.asarray(scaled), 0, 255).astype(np.float32)


def turned(arrays: tuple[np.ndarray, ...], rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """The same random quarter turn, and half of the time a mirror, applied to each array."""
    turns = int(rng.integers(4))
    arrays = tuple(np.rot90(array, turns) for array in arrays)
    if rng.random() < 0.5:
        arrays = tuple(array[:, ::-1] for array in arrays)
    return arrays


def regained(
    gray: np.ndarray, rng: np.random.Generator, gain_spread: float, offset: float
) -> np.ndarray:
    """Contrast scaled about the mean by 1 +- ``gain_spread`` and shifted by +- ``offset``
    levels (random), clipped to the 8-bit range."""
    gain = rng.uniform(1.0 - gain_spread, 1.0 + gain_spread)
    return np.clip((gray - gray.mean()) * gain + gray.mean() + rng.uniform(-offset, offset), 0, 255)


def random_crop(gray: np.ndarray, side: int, rng: np.random.Generator) -> np.ndarray:
    """A side x side crop (mirrored out if the image is smaller)."""
    height, width = gray.shape
    if height < side or width < side:
        gray = np.pad(gray, ((0, max(side - height, 0)), (0, max(side - width, 0))), "symmetric")
        height, width = gray.shape
    top = int(rng.integers(0, height - side + 1))
    left = int(rng.integers(0, width - side + 1))
    return gray[top : top + side, left : left + side]
