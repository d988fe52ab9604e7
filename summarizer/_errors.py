"""The exceptions summarizer raises.

Every error the package raises on purpose derives from one root, so a caller can catch them all
with one clause and let real bugs through::

    SummarizerError
    ├── ConfigurationError   no API key and no base URL, or an unknown setting value
    ├── InputError           a path or an article that cannot be read
    ├── PromptError          a prompt template that is missing, broken or uses an unknown variable
    ├── ExtractionError      the model could not produce a valid story after every retry
    ├── EmbeddingError       the embeddings endpoint refused or could not be reached
    ├── BudgetExhausted      the next request could pass the run's token or cost limit
    ├── BatchError           a batch could not be submitted or collected
    ├── BatchPending         a batch was submitted and not waited for (not a failure: its id)
    └── ReplayError          a recorded exchange that is missing or does not hold this request

Messages are one line, name the file or setting at fault, and never contain the API key.
"""

from __future__ import annotations

from ._control import clean_line, shown_name

__all__ = [
    "BatchError",
    "BatchPending",
    "BudgetExhausted",
    "ConfigurationError",
    "EmbeddingError",
    "ExtractionError",
    "InputError",
    "PromptError",
    "ReplayError",
    "SummarizerError",
]


class SummarizerError(Exception):
    """Root of every error summarizer raises on purpose."""


class ConfigurationError(SummarizerError):
    """A setting is missing or has a value the tool cannot use."""


class InputError(SummarizerError):
    """A path or article cannot be read; the message names it and says why."""

    def __init__(self, source: str, reason: str) -> None:
        # A file name may hold a newline or an escape sequence: shown escaped, as git shows it.
        super().__init__(f"{shown_name(source)}: {clean_line(reason)}")
        self.source = source
        self.reason = reason

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str]]:
        # Rebuilt from both parts when it comes back from a reading process.
        return type(self), (self.source, self.reason)


class PromptError(SummarizerError):
    """A prompt template is missing, does not parse, or refers to an unknown variable."""


class ExtractionError(SummarizerError):
    """A story could not be extracted, after transport retries and validation re-asks."""


class EmbeddingError(SummarizerError):
    """The embeddings endpoint refused, or could not be reached."""


class BudgetExhausted(SummarizerError):
    """The next request could pass the run's token or cost limit; no request was sent."""


class ReplayError(SummarizerError):
    """A recorded exchange cannot be replayed: missing file, or no recording of this request."""


class BatchError(SummarizerError):
    """A batch could not be submitted or collected."""


class BatchPending(SummarizerError):
    """The batch was submitted and not waited for: collect it later by its id."""

    def __init__(self, batch_id: str) -> None:
        super().__init__(f"batch {batch_id} submitted; collect it with 'summarizer batch collect'")
        self.batch_id = batch_id
