package dev.cacheback.rabbitmq;

/**
 * {@link RabbitWorkerMain} as the tests start it: {@code TestWorkerMain <block|normal> <stopped-file> <worker args…>}.
 * {@code block} makes {@link TestCatalog}'s job hang on arguments starting with {@code block};
 * {@code stopped-file} is written when the runtime has closed (see {@link TestCatalog}).
 */
public final class TestWorkerMain {

    private TestWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("cacheback.test.block", Boolean.toString(args[0].equals("block")));
        System.setProperty("cacheback.test.stopped-file", args[1]);
        RabbitWorkerMain.main(java.util.Arrays.copyOfRange(args, 2, args.length));
    }
}
