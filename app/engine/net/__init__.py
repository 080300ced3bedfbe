"""The one HTTP client setup: clients, retries with backoff, deadlines, cancellable waits,
downloads with a size cap, and keys kept out of every log and message."""

from app.engine.net.http import (
    RETRYABLE_STATUS,
    DownloadTooLarge,
    error_body,
    error_message,
    is_retryable,
    make_client,
    read_capped,
    retry_after_s,
    send,
    transport_errors,
)
from app.engine.net.retry import Backoff, Deadline, GaveUp, RetryPolicy, wait

__all__ = [
    "RETRYABLE_STATUS",
    "Backoff",
    "Deadline",
    "DownloadTooLarge",
    "GaveUp",
    "RetryPolicy",
    "error_body",
    "error_message",
    "is_retryable",
    "make_client",
    "read_capped",
    "retry_after_s",
    "send",
    "transport_errors",
    "wait",
]
