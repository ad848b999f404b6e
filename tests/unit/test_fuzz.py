"""Fuzzing the readers: mutated image and PDF files fed to pycore.load, the metadata
analysis and the PDF extractor. The only exception allowed is the project's input error
(ImageLoadError, PdfError) and no input may take more than 10 s (hypothesis's deadline).
The number of examples is bounded so that the whole test takes well under a minute."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pycore import get, pdf
from pycore.image import ImageLoadError, load
from tests.synthetic import encode, make_pdf, textured_rgb


def _seeds() -> dict[str, bytes]:
    rgb = textured_rgb(40, 48, seed=21)
    seeds = {
        "png": encode(rgb, "PNG"),
        "jpeg": encode(rgb, "JPEG", quality=85),
        "webp": encode(rgb, "WEBP", quality=80),
        "gif": encode(rgb, "GIF"),
        "bmp": encode(rgb, "BMP"),
        "tiff16": encode((rgb[:, :, 0].astype(np.uint16) * 257), "TIFF"),
    }
    seeds["pdf"] = make_pdf([[encode(rgb, "JPEG", quality=85)], [rgb]])
    return seeds


SEEDS = _seeds()


@st.composite
def mutated(draw) -> tuple[str, bytes]:
    """A seed file with random bytes overwritten, a slice removed or repeated, or cut short."""
    kind = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[kind])
    for _ in range(draw(st.integers(1, 6))):
        operation = draw(st.sampled_from(["overwrite", "delete", "repeat", "truncate"]))
        if not data:
            break
        start = draw(st.integers(0, len(data) - 1))
        length = draw(st.integers(1, 64))
        if operation == "overwrite":
            data[start : start + length] = draw(st.binary(min_size=length, max_size=length))
        elif operation == "delete":
            del data[start : start + length]
        elif operation == "repeat":
            data[start:start] = data[start : start + length] * draw(st.integers(1, 4))
        else:
            del data[start:]
    return kind, bytes(data)


FUZZ = settings(
    max_examples=1500,
    deadline=10_000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples on every run: a failure is reproducible
)


def read(data: bytes, name: str) -> None:
    """What the page and the CLI do with a dropped file's bytes."""
    if pdf.is_pdf(data):
        try:
            embedded = pdf.extract_images(data, name)
        except pdf.PdfError:
            return
        for entry in embedded:
            if entry.data:
                read(entry.data, entry.name)
        return
    try:
        image = load(data, name)
    except ImageLoadError:
        return
    get("metadata").run_sync(image)


# Pillow warns about the damage it reads past (corrupt EXIF, tags beyond the file's end):
# expected here, and not what is being tested.
@pytest.mark.filterwarnings("ignore::UserWarning:PIL")
@FUZZ
@given(mutated())
def test_mutated_files_give_the_input_error_or_a_result(case):
    kind, data = case
    read(data, f"fuzz.{kind}")


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_the_seeds_themselves_are_read(kind):
    read(SEEDS[kind], f"seed.{kind}")
