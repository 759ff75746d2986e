package dev.cacheback;

/** How {@link Job#get} found the entry it answers from; handed to {@link Job#processResult}. */
public enum CacheStatus {
    /** No entry: fetched in the caller's thread, or {@link Job#empty()} while a refresh runs. */
    MISS,
    /** A fresh entry: served as stored. */
    HIT,
    /** An entry past its expiry: served while a refresh runs, or refreshed synchronously when too stale. */
    STALE
}
