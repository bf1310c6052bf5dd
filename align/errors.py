"""The exception hierarchy of align.

    AlignError
    ├── InputError            a raw file or folder cannot be used
    │   ├── EncodingError     no supported encoding decodes the file
    │   ├── EmptyDocumentError
    │   └── ManifestError     the raw folder's manifest is malformed or unsafe
    ├── GoldError             a gold file is malformed
    ├── BuildError            the build could not be written
    └── PublishError          pushing to the Hub failed

Every message names the file (and the line, where there is one) and what was expected.
An error raised as ``InputError(path=..., reason=...)`` carries both as attributes, and
its message is ``path: reason``.
"""

from __future__ import annotations


class AlignError(Exception):
    """Base class: the CLI prints ``ClassName: message`` and exits 1."""

    def __init__(self, message: str = "", *, path: str | None = None, reason: str | None = None) -> None:
        super().__init__(message or f"{path}: {reason}")
        self.path = path
        self.reason = reason


class InputError(AlignError):
    pass


class EncodingError(InputError):
    pass


class EmptyDocumentError(InputError):
    pass


class ManifestError(InputError):
    pass


class GoldError(AlignError):
    pass


class BuildError(AlignError):
    pass


class PublishError(AlignError):
    pass
