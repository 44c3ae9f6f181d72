"""Where attachment files live: a small interface, two backends.

* ``local`` (default) — files under ``UPLOAD_FOLDER/attachments/<2 hex>/<key>`` (so the
  backups, which take every file under ``UPLOAD_FOLDER``, include them);
* ``s3`` — an S3-compatible store (MinIO, or a cloud's S3 mode) through boto3, configured by
  ``S3_ENDPOINT_URL``, ``S3_BUCKET``, ``S3_ACCESS_KEY_ID``, ``S3_SECRET_ACCESS_KEY``, ``S3_REGION``.

Keys are made here — ``att-`` and 32 random hex digits — never from a user's file name, and a
key that is not of that form is refused before it reaches a path or a bucket (no traversal).
Reads are streamed in chunks (``iter_chunks``), so a download never holds a file in memory.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from functools import lru_cache
from typing import Protocol

from flask import current_app

KEY_RE = re.compile(r"att-[0-9a-f]{32}")
CHUNK = 64 * 1024
BACKENDS = ("local", "s3")


class StorageError(Exception):
    """The store refused or could not be reached (the caller turns it into a message)."""


class Store(Protocol):
    name: str

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def iter_chunks(self, key: str) -> Iterator[bytes]: ...

    def exists(self, key: str) -> bool: ...

    def remove(self, key: str) -> None: ...


def new_key() -> str:
    return f"att-{uuid.uuid4().hex}"


def checked_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        raise StorageError(f"not a storage key: {key!r}")
    return key


class LocalStore:
    name = "local"

    def __init__(self, root: str):
        self.root = os.path.abspath(root)

    def path(self, key: str) -> str:
        key = checked_key(key)
        return os.path.join(self.root, key[4:6], key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.part"
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)

    def iter_chunks(self, key: str) -> Iterator[bytes]:
        try:
            fh = open(self.path(key), "rb")  # noqa: SIM115 — closed by the generator
        except OSError as exc:
            raise StorageError(str(exc)) from exc
        return _chunks_of(fh)

    def exists(self, key: str) -> bool:
        return os.path.isfile(self.path(key))

    def remove(self, key: str) -> None:
        try:
            os.remove(self.path(key))
        except FileNotFoundError:
            pass


def _chunks_of(fh) -> Iterator[bytes]:
    with fh:
        while chunk := fh.read(CHUNK):
            yield chunk


class S3Store:
    name = "s3"

    def __init__(self, client, bucket: str):
        self.client, self.bucket = client, bucket

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=checked_key(key), Body=data, ContentType=content_type)
        except Exception as exc:  # botocore's ClientError / EndpointConnectionError …
            raise StorageError(str(exc)) from exc

    def iter_chunks(self, key: str) -> Iterator[bytes]:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=checked_key(key))["Body"]
        except Exception as exc:
            raise StorageError(str(exc)) from exc
        return _s3_chunks(body)

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=checked_key(key))
        except Exception:
            return False
        return True

    def remove(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=checked_key(key))
        except Exception as exc:
            raise StorageError(str(exc)) from exc


def _s3_chunks(body) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK)
    finally:
        body.close()


@lru_cache(maxsize=8)
def _s3_client(endpoint: str | None, region: str, key_id: str | None, secret: str | None):
    import boto3
    from botocore.config import Config as BotoConfig

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
    )


def configured_backend() -> str:
    name = str(current_app.config.get("ATTACHMENT_STORAGE") or "local").strip().lower()
    if name not in BACKENDS:
        raise StorageError(f"ATTACHMENT_STORAGE must be one of {BACKENDS}, not {name!r}")
    return name


def store(name: str | None = None) -> Store:
    """The store of ``name`` (an attachment's recorded backend), else the configured one."""
    name = name or configured_backend()
    cfg = current_app.config
    if name == "local":
        return LocalStore(os.path.join(cfg["UPLOAD_FOLDER"], "attachments"))
    if name == "s3":
        if not cfg.get("S3_BUCKET"):
            raise StorageError("S3_BUCKET is not set")
        client = _s3_client(
            cfg.get("S3_ENDPOINT_URL") or None,
            cfg.get("S3_REGION") or "us-east-1",
            cfg.get("S3_ACCESS_KEY_ID") or None,
            cfg.get("S3_SECRET_ACCESS_KEY") or None,
        )
        return S3Store(client, cfg["S3_BUCKET"])
    raise StorageError(f"unknown storage backend {name!r}")


__all__ = ["BACKENDS", "KEY_RE", "LocalStore", "S3Store", "Store", "StorageError", "checked_key", "new_key", "store"]
