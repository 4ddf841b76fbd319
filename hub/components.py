"""Parts of the hub that not every install carries, and the clear error when one is missing.

The production image (``Dockerfile``, target ``hub``) leaves out the sandbox departments
(``hub/sandbox``; the ``sandbox`` target adds them) and the embedded PostgreSQL (the
``embedded`` extra, ``hub/warehouse/embedded.py``'s dependency). Nothing the pipeline or the
DAGs import needs either; the commands that do (``hub sandbox serve``, ``hub demo``) ask for
them here, when they run, instead of failing on an import.
"""

from __future__ import annotations

from types import ModuleType


class MissingComponent(RuntimeError):
    """A command needs a part of the hub this install does not carry."""


def require_sandbox(command: str) -> ModuleType:
    """``hub.sandbox``, or ``MissingComponent`` saying ``command`` needs the sandbox image."""
    try:
        import hub.sandbox
    except ModuleNotFoundError as error:
        if error.name != "hub.sandbox":  # the sandbox is there but something it needs is not
            raise
        raise MissingComponent(
            f"`{command}` needs the sandbox departments (hub/sandbox), which the production"
            " image leaves out: run it in the sandbox image (Dockerfile target `sandbox`)"
            " or from a checkout"
        ) from None
    return hub.sandbox
