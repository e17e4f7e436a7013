"""Exceptions the toolkit raises for problems a user can fix.

Each carries a one-line message that names the cause and the fix; the CLI prints it
without a traceback and exits with `exit_code`.
"""

from __future__ import annotations


class TradelaneError(Exception):
    """Base class of every error the toolkit reports to a user."""

    exit_code = 1


class SetupError(TradelaneError):
    """A tool the project needs is missing or the wrong version (node, npm, solc, anvil)."""

    exit_code = 2


class CompilationError(TradelaneError):
    """solc rejected the sources; `diagnostics` holds one `file:line:col: message` per error."""

    exit_code = 2

    def __init__(self, diagnostics: list[str]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(diagnostics))


class ChainError(TradelaneError):
    """The chain could not be started, reached or driven."""

    exit_code = 3


class DeploymentError(TradelaneError):
    """The suite could not be deployed or a manifest is unusable."""

    exit_code = 3


class UnsafeTerms(TradelaneError):
    """The client refuses, before sending, terms that would take a party's right away (a panel
    that includes a party of the order, a panel the arbitrator would not accept, a seller who
    is its own carrier with no inspection window). `problems` lists each, one line apiece."""

    exit_code = 2

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("unsafe terms: " + "; ".join(problems))
