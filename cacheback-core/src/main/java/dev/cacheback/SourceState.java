package dev.cacheback;

/**
 * The state of a job's source breaker ({@link JobSettings.Builder#sourceBreaker}): whether the job
 * calls its {@code fetch}.
 */
public enum SourceState {
    /** Fetches go through; consecutive failures are counted. */
    CLOSED,
    /** Fetches are refused for the breaker's window: stale data is served, misses fail fast. */
    OPEN,
    /** The window passed and one fetch goes through as a probe: its success closes the breaker, its failure opens it again. */
    HALF_OPEN
}
