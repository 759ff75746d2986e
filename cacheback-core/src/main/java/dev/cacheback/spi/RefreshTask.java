package dev.cacheback.spi;

import dev.cacheback.TaskOptions;
import dev.cacheback.internal.TaskEnvelope;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * One request to refresh one key: everything a worker in any process needs to rebuild the job's call.
 *
 * <p>A task names its job (looked up among the worker's registered jobs, never loaded as a class),
 * carries the arguments encoded by the runtime's {@link Codec}, the job's {@link #init() init
 * values} (what the seed passed as a job's constructor arguments) and the job's task options.
 * {@link #toBytes()} and {@link #fromBytes(byte[])} give the wire form broker queues use: a small
 * JSON document without type information.
 *
 * <p>A task may carry the {@linkplain #traceContext() trace context} of the request that made it
 * (W3C {@code traceparent} and {@code tracestate}), so that a worker's refresh continues that trace.
 *
 * <p>Immutable and thread-safe.
 */
public final class RefreshTask {

    private final String jobName;
    private final String key;
    private final byte[] args;
    private final Map<String, String> init;
    private final TaskOptions options;
    private final Instant createdAt;
    private final String leaseToken;
    private final Map<String, String> traceContext;

    /**
     * @param jobName   the registered name of the job
     * @param key       the cache key being refreshed (for logs and de-duplication)
     * @param args      the encoded arguments
     * @param init      the job's init values, empty for most jobs
     * @param options   the job's task options
     * @param createdAt when the task was made, by the producing runtime's clock
     */
    public RefreshTask(String jobName, String key, byte[] args, Map<String, String> init,
                       TaskOptions options, Instant createdAt) {
        this(jobName, key, args, init, options, createdAt, null);
    }

    /**
     * @param jobName    the registered name of the job
     * @param key        the cache key being refreshed (for logs and de-duplication)
     * @param args       the encoded arguments
     * @param init       the job's init values, empty for most jobs
     * @param options    the job's task options
     * @param createdAt  when the task was made, by the producing runtime's clock
     * @param leaseToken the token of the key's refresh lease taken for this task, or {@code null} when
     *                   none was taken ({@code asyncRefresh}): the worker extends the lease while it
     *                   refreshes and releases it with this token (DESIGN.md F1)
     */
    public RefreshTask(String jobName, String key, byte[] args, Map<String, String> init,
                       TaskOptions options, Instant createdAt, String leaseToken) {
        this(jobName, key, args, init, options, createdAt, leaseToken, Map.of());
    }

    /**
     * @param jobName      the registered name of the job
     * @param key          the cache key being refreshed (for logs and de-duplication)
     * @param args         the encoded arguments
     * @param init         the job's init values, empty for most jobs
     * @param options      the job's task options
     * @param createdAt    when the task was made, by the producing runtime's clock
     * @param leaseToken   the token of the key's refresh lease taken for this task, or {@code null}
     * @param traceContext propagation headers of the trace that made the task (W3C {@code traceparent},
     *                     {@code tracestate}), empty for none; entries that break the
     *                     {@linkplain #traceContext() rule} are left out, never an error (a task is not
     *                     refused for its telemetry)
     */
    public RefreshTask(String jobName, String key, byte[] args, Map<String, String> init,
                       TaskOptions options, Instant createdAt, String leaseToken, Map<String, String> traceContext) {
        this.jobName = Objects.requireNonNull(jobName, "jobName");
        this.key = Objects.requireNonNull(key, "key");
        this.args = Objects.requireNonNull(args, "args").clone();
        this.init = Map.copyOf(Objects.requireNonNull(init, "init"));
        this.options = Objects.requireNonNull(options, "options");
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
        this.leaseToken = leaseToken;
        this.traceContext = TraceContext.sanitize(Objects.requireNonNull(traceContext, "traceContext"));
    }

    /**
     * Reads a task from its wire form.
     *
     * @throws MalformedTaskException when the bytes are not a task of a version this library reads
     */
    public static RefreshTask fromBytes(byte[] bytes) {
        return TaskEnvelope.decode(bytes);
    }

    /** The wire form: UTF-8 JSON, about 200 bytes plus the arguments. */
    public byte[] toBytes() {
        return TaskEnvelope.encode(this);
    }

    public String jobName() {
        return jobName;
    }

    public String key() {
        return key;
    }

    /** A copy of the encoded arguments. */
    public byte[] args() {
        return args.clone();
    }

    public Map<String, String> init() {
        return init;
    }

    public TaskOptions options() {
        return options;
    }

    public Instant createdAt() {
        return createdAt;
    }

    /** The token of the lease taken for this task, or {@code null} when none was taken. */
    public String leaseToken() {
        return leaseToken;
    }

    /**
     * The propagation headers of the trace that made this task, such as {@code traceparent} and
     * {@code tracestate}; empty when it was made outside a trace, without an
     * {@link dev.cacheback.Instrumentation}, or by a version without them. At most
     * 8 entries; names are 1 to 64 characters
     * of {@code a-z 0-9 - _ .}, values at most 1,024 printable ASCII characters.
     * Unmodifiable.
     */
    public Map<String, String> traceContext() {
        return traceContext;
    }

    /**
     * This task made anew at {@code now} and holding no lease: what a re-queued dead letter carries, so
     * that its expiration counts from the re-queue and its worker takes the key's lease itself. The
     * trace context is kept, so the re-run stays in the trace that made the task.
     */
    public RefreshTask renewed(Instant now) {
        return new RefreshTask(jobName, key, args, init, options, now, null, traceContext);
    }

    /**
     * Whether the task's expiration option has passed at {@code now}. Tasks without one never expire,
     * nor do tasks whose expiration lies beyond the representable instants.
     */
    public boolean isExpired(Instant now) {
        Duration expiration = options.expiration();
        if (expiration == null) {
            return false;
        }
        try {
            return now.isAfter(createdAt.plus(expiration));
        } catch (java.time.DateTimeException | ArithmeticException beyondTime) {
            return false;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RefreshTask t && jobName.equals(t.jobName) && key.equals(t.key)
                && Arrays.equals(args, t.args) && init.equals(t.init) && options.equals(t.options)
                && createdAt.equals(t.createdAt) && Objects.equals(leaseToken, t.leaseToken)
                && traceContext.equals(t.traceContext);
    }

    @Override
    public int hashCode() {
        return Objects.hash(jobName, key, Arrays.hashCode(args), init, options, createdAt, leaseToken, traceContext);
    }

    @Override
    public String toString() {
        return "RefreshTask[job=" + jobName + ", key=" + key + ", createdAt=" + createdAt + "]";
    }
}
