package dev.cacheback.benchmarks;

import dev.cacheback.test.Stampede;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The raw brokers' publish + consume + acknowledge throughput, with the delivery guarantees the
 * Cacheback queues give (so the comparison is like for like): RabbitMQ with persistent, mandatory
 * messages each confirmed before the producer goes on, consumers with manual acks and the queue's
 * prefetch; Redis Streams with one {@code XADD} per message, consumers in a group reading
 * {@code XREADGROUP COUNT 1 BLOCK} on connections of their own and acknowledging with {@code XACK}.
 * Everything it creates (a queue, a stream) has a unique name and is deleted afterwards.
 */
final class RawBrokers {

    private RawBrokers() {
    }

    /** Messages per second from the first publish to the last acknowledgement. */
    static double rabbit(int messages, byte[] body, int producers, int consumers, int prefetch) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(Servers.rabbitUri());
        String queue = "bench-raw-" + UUID.randomUUID();
        try (Connection pub = factory.newConnection("cacheback-bench-raw-publish");
             Connection sub = factory.newConnection("cacheback-bench-raw-consume")) {
            Channel admin = pub.createChannel();
            admin.queueDeclare(queue, true, false, false, Map.of("x-max-priority", 10));
            CountDownLatch done = new CountDownLatch(messages);
            for (int c = 0; c < consumers; c++) {
                Channel ch = sub.createChannel();
                ch.basicQos(prefetch);
                ch.basicConsume(queue, false, (tag, delivery) -> {
                    ch.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
                    done.countDown();
                }, tag -> { });
            }
            AtomicInteger nextIndex = new AtomicInteger();
            long start = System.nanoTime();
            Stampede.run(producers, () -> {
                int index = nextIndex.getAndIncrement();
                try (Channel ch = pub.createChannel()) {
                    ch.confirmSelect();
                    for (int i = index; i < messages; i += producers) {
                        ch.basicPublish("", queue, true, MessageProperties.PERSISTENT_BASIC, body);
                        ch.waitForConfirmsOrDie(5_000);
                    }
                }
                return null;
            });
            if (!done.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("raw RabbitMQ: " + done.getCount() + " messages never consumed");
            }
            double rate = messages / ((System.nanoTime() - start) / 1e9);
            admin.queueDelete(queue);
            return rate;
        }
    }

    /** Messages per second from the first {@code XADD} to the last {@code XACK}. */
    static double redisStreams(int messages, byte[] body, int producers, int consumers) throws Exception {
        RedisClient client = RedisClient.create(Servers.redisUri());
        byte[] stream = ("bench-raw-" + UUID.randomUUID()).getBytes(StandardCharsets.US_ASCII);
        byte[] group = "bench".getBytes(StandardCharsets.US_ASCII);
        byte[] field = "task".getBytes(StandardCharsets.US_ASCII);
        List<StatefulRedisConnection<byte[], byte[]>> readers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        try (StatefulRedisConnection<byte[], byte[]> shared = client.connect(ByteArrayCodec.INSTANCE)) {
            RedisCommands<byte[], byte[]> commands = shared.sync();
            commands.xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group, XGroupCreateArgs.Builder.mkstream());
            CountDownLatch done = new CountDownLatch(messages);
            for (int c = 0; c < consumers; c++) {
                StatefulRedisConnection<byte[], byte[]> reader = client.connect(ByteArrayCodec.INSTANCE);
                readers.add(reader);
                Consumer<byte[]> consumer = Consumer.from(group, ("c" + c).getBytes(StandardCharsets.US_ASCII));
                Thread t = new Thread(() -> {
                    while (!stop.get() && done.getCount() > 0) {
                        List<StreamMessage<byte[], byte[]>> batch = reader.sync().xreadgroup(consumer,
                                XReadArgs.Builder.block(200).count(1), XReadArgs.StreamOffset.lastConsumed(stream));
                        for (StreamMessage<byte[], byte[]> m : batch) {
                            commands.xack(stream, group, m.getId());
                            done.countDown();
                        }
                    }
                }, "bench-raw-stream-reader-" + c);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            long start = System.nanoTime();
            XAddArgs trim = new XAddArgs().maxlen(100_000).approximateTrimming();
            AtomicInteger nextIndex = new AtomicInteger();
            Stampede.run(producers, () -> {
                int index = nextIndex.getAndIncrement();
                for (int i = index; i < messages; i += producers) {
                    commands.xadd(stream, trim, Map.of(field, body));
                }
                return null;
            });
            if (!done.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("raw Redis Streams: " + done.getCount() + " messages never consumed");
            }
            double rate = messages / ((System.nanoTime() - start) / 1e9);
            stop.set(true);
            for (Thread t : threads) {
                t.join(2_000);
            }
            commands.del(stream);
            return rate;
        } finally {
            stop.set(true);
            readers.forEach(StatefulRedisConnection::close);
            client.shutdown();
        }
    }
}
