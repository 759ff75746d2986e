package dev.cacheback.redis;

import java.util.Arrays;

/**
 * {@link RedisWorkerMain} in a test JVM, with {@link TestJobCatalog}'s mode and cache key prefix set
 * first. Args: mode ({@code shared} or {@code local}), cache key prefix, then the worker's own args.
 */
public final class CatalogWorkerMain {

    private CatalogWorkerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.setProperty(TestJobCatalog.MODE_PROPERTY, args[0]);
        System.setProperty(TestJobCatalog.PREFIX_PROPERTY, args[1]);
        RedisWorkerMain.main(Arrays.copyOfRange(args, 2, args.length));
    }
}
