package dev.cacheback.benchmarks;

import dev.cacheback.memcached.MemcachedCacheBackend;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.transcoders.StringTranscoder;
import net.rubyeye.xmemcached.utils.AddrUtil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** memcached for the harness: the Cacheback backend, and the same server through raw xmemcached. */
final class MemcachedStores {

    private MemcachedStores() {
    }

    static StampedeSection.Store store() {
        return new StampedeSection.Store("memcached",
                () -> MemcachedCacheBackend.builder(Servers.memcachedAddress()).build(), MemcachedStores::raw);
    }

    static RawStore raw() {
        MemcachedClient client;
        try {
            XMemcachedClientBuilder builder = new XMemcachedClientBuilder(AddrUtil.getAddresses(Servers.memcachedAddress()));
            builder.setSanitizeKeys(false);
            client = builder.build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringTranscoder strings = new StringTranscoder(StandardCharsets.UTF_8.name());
        return new RawStore() {
            @Override
            public String get(String key) {
                try {
                    return client.get(key, 1_000, strings);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void set(String key, String value) {
                try {
                    client.set(key, 3_600, value, strings, 1_000);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void delete(String key) {
                try {
                    client.delete(key);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public String describe() {
                return "raw xmemcached";
            }

            @Override
            public void close() {
                try {
                    client.shutdown();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }
}
