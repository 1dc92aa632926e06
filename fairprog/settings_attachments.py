"""The settings of attachments (staff-only files on proposals and awards), read from the
environment after ``.env`` by ``fairprog.settings``, which takes every name here and builds
STORAGES["attachments"] with ``attachment_storage``.

Attachments are never public: neither storage is under MEDIA_URL or static, and an S3 bucket
keeps them private; the admin streams them to staff who may view them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

__all__ = ["ATTACHMENT_MAX_MB", "ATTACHMENT_STORAGE", "FILE_UPLOAD_HANDLERS", "attachment_storage"]

env = environ.Env()

# Where attached files are kept: "local" (a folder, ATTACHMENT_DIR) or "s3" (a private bucket).
ATTACHMENT_STORAGE = env.str("ATTACHMENT_STORAGE", default="local")
# Largest attachment accepted, in megabytes; a larger upload is refused while it arrives.
ATTACHMENT_MAX_MB = env.int("ATTACHMENT_MAX_MB", default=20)
# Attachments past ATTACHMENT_MAX_MB are cut off while they arrive; other uploads pass.
FILE_UPLOAD_HANDLERS = [
    "proposals.attachment_checks.AttachmentUploadLimit",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]


def attachment_storage(var_dir: Path) -> dict[str, Any]:
    """STORAGES["attachments"] for ATTACHMENT_STORAGE; a local folder under ``var_dir``
    unless ATTACHMENT_DIR names another. Building it connects to nothing."""
    if ATTACHMENT_STORAGE == "local":
        location = env.str("ATTACHMENT_DIR", default=str(var_dir / "attachments"))
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            # Readable by the service's own user only.
            "OPTIONS": {
                "location": location,
                "file_permissions_mode": 0o600,
                "directory_permissions_mode": 0o700,
            },
        }
    if ATTACHMENT_STORAGE != "s3":
        raise ImproperlyConfigured(
            f'ATTACHMENT_STORAGE is "{ATTACHMENT_STORAGE}"; it may be "local" or "s3".'
        )
    bucket = env.str("ATTACHMENT_S3_BUCKET", default="")
    if not bucket:
        raise ImproperlyConfigured("ATTACHMENT_STORAGE is s3: set ATTACHMENT_S3_BUCKET too.")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env.str("ATTACHMENT_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("ATTACHMENT_S3_REGION", default="") or None,
            # Unset: boto3's own chain (an instance role, AWS_* variables).
            "access_key": env.str("ATTACHMENT_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("ATTACHMENT_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("ATTACHMENT_S3_PREFIX", default="attachments"),
            # Private objects, never overwritten, reached only through signed requests.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
