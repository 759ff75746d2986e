package dev.cacheback.rabbitmq;

import dev.cacheback.Cacheback;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.JobCatalog;
import dev.cacheback.test.ForwardingCacheBackend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The jobs of the worker processes the tests start ({@link RabbitWorkerMain} finds this catalog through
 * {@code META-INF/services}). One job, {@value #JOB}: its fetch prints {@code REFRESHED <args> <pid>}, so
 * the test can count which process refreshed what. Started with the system property
 * {@code cacheback.test.block=true} (see {@link TestWorkerMain}), a fetch of arguments starting with
 * {@code block} prints {@code STARTED <args>} and never returns: a worker stuck mid-task, to be killed.
 * With {@code cacheback.test.stopped-file} set, the worker's cache writes {@code stopped} to that file
 * when the runtime closes it, which the runtime does after its queue stopped: proof of a clean stop that
 * survives the parent closing the process's output on SIGTERM. Its cache is in memory, private to the
 * process: the tests pass {@code --allow-local-cache} (and one proves the worker refuses without it).
 */
public final class TestCatalog implements JobCatalog {

    static final String JOB = "rabbit-test.echo";

    @Override
    public void configure(Cacheback.Builder builder) {
        String stoppedFile = System.getProperty("cacheback.test.stopped-file");
        if (stoppedFile != null) {
            builder.cache("default", new MarkingCache(CacheBackend.inMemory(), Path.of(stoppedFile)));
        }
    }

    @Override
    public void registerJobs(Cacheback cacheback) {
        new EchoJob(cacheback);
    }

    static final class EchoJob extends Job<String, String> {
        EchoJob(Cacheback cacheback) {
            super(cacheback, JobSettings.builder().name(JOB).build());
        }

        @Override
        protected String fetch(String args) throws Exception {
            if (Boolean.getBoolean("cacheback.test.block") && args.startsWith("block")) {
                System.out.println("STARTED " + args);
                new CountDownLatch(1).await();
            }
            System.out.println("REFRESHED " + args + " " + ProcessHandle.current().pid());
            return args + "@" + ProcessHandle.current().pid();
        }
    }

    /** An in-memory cache that writes a file when it is closed. */
    static final class MarkingCache extends ForwardingCacheBackend {
        private final Path marker;

        MarkingCache(CacheBackend delegate, Path marker) {
            super(delegate);
            this.marker = marker;
        }

        @Override
        public void close() {
            super.close();
            try {
                Files.writeString(marker, "stopped");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
