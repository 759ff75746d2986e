package dev.cacheback.rabbitmq;

import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;

/**
 * {@link RabbitWorkerMain} as the tests start it: {@code TestWorkerMain <block|normal|no-catalog> <stopped-file> <worker args…>}.
 * {@code block} makes {@link TestCatalog}'s job hang on arguments starting with {@code block};
 * {@code no-catalog} hides every {@code META-INF/services/dev.cacheback.spi.JobCatalog} from the
 * launcher, as a class path without the application's catalog; {@code stopped-file} is written when
 * the runtime has closed (see {@link TestCatalog}).
 */
public final class TestWorkerMain {

    private TestWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("cacheback.test.block", Boolean.toString(args[0].equals("block")));
        System.setProperty("cacheback.test.stopped-file", args[1]);
        if (args[0].equals("no-catalog")) {
            ClassLoader parent = Thread.currentThread().getContextClassLoader();
            Thread.currentThread().setContextClassLoader(new ClassLoader(parent) {
                @Override
                public Enumeration<URL> getResources(String name) throws IOException {
                    return name.startsWith("META-INF/services/") ? Collections.emptyEnumeration() : super.getResources(name);
                }
            });
        }
        RabbitWorkerMain.main(java.util.Arrays.copyOfRange(args, 2, args.length));
    }
}
