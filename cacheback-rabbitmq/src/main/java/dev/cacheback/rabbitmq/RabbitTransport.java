package dev.cacheback.rabbitmq;

import dev.cacheback.WorkerLauncher;
import dev.cacheback.spi.RefreshQueue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * {@link RabbitWorkerMain}'s part of the {@link WorkerLauncher}: the options {@code --uri} (default the
 * {@code CACHEBACK_RABBITMQ_URI} environment variable) and {@code --prefetch} (default 1), and a
 * {@link RabbitRefreshQueue} consuming the launcher's queues, its worker deferred. Immutable.
 */
final class RabbitTransport implements WorkerLauncher.Transport {

    static final String URI_VARIABLE = "CACHEBACK_RABBITMQ_URI";

    private final Function<String, String> environment;

    RabbitTransport() {
        this(System::getenv);
    }

    RabbitTransport(Function<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public String command() {
        return RabbitWorkerMain.class.getName();
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("uri", "the broker, amqp://user:password@host:5672/vhost (default $" + URI_VARIABLE + ")");
        options.put("prefetch", "tasks each consumer holds unacknowledged (default 1)");
        return options;
    }

    @Override
    public RefreshQueue queue(WorkerLauncher.Options options) {
        String uri = options.value("uri", environment.apply(URI_VARIABLE));
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("no broker: pass --uri amqp://user:password@host:5672/vhost or set "
                    + URI_VARIABLE);
        }
        // the builder's messages never show the URI's password
        return RabbitRefreshQueue.builder(uri.trim())
                .consume(options.queues().toArray(String[]::new))
                .concurrency(options.concurrency())
                .prefetch(options.intValue("prefetch", 1))
                .shutdownTimeout(options.shutdownTimeout())
                .deferWorkerStart()
                .build();
    }
}
