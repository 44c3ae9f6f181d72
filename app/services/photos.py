"""Agents' photos (SPEC §3 “photo (optional)”, §10 公示牌 and public page): checked, re-encoded,
stored under a generated name.

An upload is trusted for nothing — not its name, not its declared type:

* size: at most ``PHOTO_MAX_BYTES`` (default 5 MB) are read;
* type by content: Pillow must recognise it as JPEG, PNG or WebP (a text file renamed ``.jpg``
  or an SVG is refused) and ``verify()`` it;
* pixels: the header's width × height must not exceed ``PHOTO_MAX_PIXELS`` (default 40
  megapixels) — checked *before* any decoding, so a decompression bomb (a tiny PNG that
  claims 20000 × 20000) is refused without allocating it; Pillow's own
  ``DecompressionBombError``/``Warning`` are refused the same way;
* re-encoded: turned upright (EXIF orientation), converted to RGB, shrunk to fit
  ``PHOTO_MAX_SIZE`` (default 600 × 800) and saved as a fresh JPEG, so no metadata (EXIF, GPS)
  or trailing payload of the original survives;
* name: ``<uuid4 hex>.jpg`` under ``UPLOAD_FOLDER/photos``; the client's file name is ignored.

Errors are ``ValidationFailed`` on the ``photo`` field, in Chinese; nothing is written then.
"""

from __future__ import annotations

import io
import os
import re
import uuid
import warnings

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ValidationFailed

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
NAME_RE = re.compile(r"[0-9a-f]{32}\.jpg")
FIELD = "photo"


def _fail(message) -> ValidationFailed:
    return ValidationFailed(errors={FIELD: [message]})


def is_upload(value) -> bool:
    """A file the user actually chose (an empty file input sends a part without a name)."""
    return value is not None and hasattr(value, "read") and bool(getattr(value, "filename", None))


def photo_folder() -> str:
    return os.path.join(current_app.config["UPLOAD_FOLDER"], "photos")


def photo_path(name: str | None) -> str | None:
    """The file of a stored photo name, or ``None`` for anything that is not one of ours."""
    if not name or not NAME_RE.fullmatch(name):
        return None
    path = os.path.join(photo_folder(), name)
    return path if os.path.isfile(path) else None


def _read_limited(upload, limit: int) -> bytes:
    stream = getattr(upload, "stream", upload)
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _fail(_l("照片文件不能超过%(mb)s MB", mb=f"{limit / 1024 / 1024:g}"))
    if not data:
        raise _fail(_l("照片文件是空的，请重新选择"))
    return data


def _bomb_message(max_pixels: int):
    return _l("图片像素过多（超过%(mp)s万像素），请缩小后再上传", mp=max_pixels // 10000)


def reencode(data: bytes, max_pixels: int, box: tuple[int, int]) -> bytes:
    """The checked, re-encoded JPEG of an uploaded image (or ``ValidationFailed``)."""
    wrong_type = _l("照片须为 JPEG、PNG 或 WebP 格式的图片文件")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:  # reads the header only
                if probe.format not in ALLOWED_FORMATS:
                    raise _fail(wrong_type)
                width, height = probe.size
                if width * height > max_pixels:
                    raise _fail(_bomb_message(max_pixels))
                probe.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                img = ImageOps.exif_transpose(img)
                if img.mode in ("RGBA", "LA", "P"):
                    img = img.convert("RGBA")
                    background = Image.new("RGB", img.size, (255, 255, 255))
                    background.paste(img, mask=img.getchannel("A"))
                    img = background
                elif img.mode != "RGB":
                    img = img.convert("RGB")
                img.thumbnail(box)
                out = io.BytesIO()
                img.save(out, format="JPEG", quality=85, optimize=True)
        except ValidationFailed:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _fail(_bomb_message(max_pixels)) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise _fail(wrong_type) from None
    return out.getvalue()


def store_photo(upload) -> str:
    """Check and store an uploaded photo; returns the generated file name."""
    cfg = current_app.config
    data = _read_limited(upload, int(cfg.get("PHOTO_MAX_BYTES", 5 * 1024 * 1024)))
    body = reencode(data, int(cfg.get("PHOTO_MAX_PIXELS", 40_000_000)), tuple(cfg.get("PHOTO_MAX_SIZE", (600, 800))))
    folder = photo_folder()
    os.makedirs(folder, exist_ok=True)
    name = f"{uuid.uuid4().hex}.jpg"
    tmp = os.path.join(folder, f".{name}.part")
    with open(tmp, "wb") as fh:
        fh.write(body)
    os.replace(tmp, os.path.join(folder, name))
    return name


def discard_photo(name: str | None) -> None:
    """Remove a photo stored for a save that did not go through."""
    path = photo_path(name)
    if path:
        os.remove(path)


__all__ = ["ALLOWED_FORMATS", "discard_photo", "is_upload", "photo_folder", "photo_path", "reencode", "store_photo"]
