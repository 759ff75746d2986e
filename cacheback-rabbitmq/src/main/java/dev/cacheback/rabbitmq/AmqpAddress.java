package dev.cacheback.rabbitmq;

import com.rabbitmq.client.ConnectionFactory;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/** An {@code amqp://} or {@code amqps://} URI made into a connection factory, checked once for every user of it. */
record AmqpAddress(ConnectionFactory factory, String description) {

    /**
     * Parses {@code uri} into a factory with daemon client threads and TLS configured (certificates and
     * host name verified) for {@code amqps://}.
     *
     * @param who how errors name the user, such as {@code "The RabbitMQ refresh queue"}
     * @throws IllegalArgumentException for a malformed URI (never quoting its password)
     * @throws IllegalStateException when {@code sslContext} is given without {@code amqps://}
     */
    static AmqpAddress of(String uri, SSLContext sslContext, String who) {
        String redact = RabbitRefreshQueue.redact(uri);
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("Not a valid AMQP URI: " + redact
                    + " (expected amqp://user:password@host:port/vhost, with special characters percent-encoded)");
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("amqp") && !scheme.equals("amqps")) {
            throw new IllegalArgumentException(who + " needs an amqp:// or amqps:// URI, not "
                    + redact);
        }
        if (parsed.getRawAuthority() != null && parsed.getHost() == null) {
            throw new IllegalArgumentException("Not a usable AMQP URI: " + redact + " (no host name could be read"
                    + " from it; expected amqp://user:password@host:port/vhost, with special characters in the "
                    + "password percent-encoded)");
        }
        if (sslContext != null && !scheme.equals("amqps")) {
            throw new IllegalStateException("sslContext is set but the URI is not amqps://");
        }
        ConnectionFactory factory = new ConnectionFactory();
        try {
            if (scheme.equals("amqps")) {
                // the client's own amqps handling trusts every certificate: configure TLS here instead
                factory.setUri(uri.replaceFirst("(?i)^amqps://", "amqp://"));
                if (parsed.getPort() < 0) {
                    factory.setPort(ConnectionFactory.DEFAULT_AMQP_OVER_SSL_PORT);
                }
                factory.useSslProtocol(sslContext != null ? sslContext : SSLContext.getDefault());
                factory.enableHostnameVerification();
            } else {
                factory.setUri(parsed);
            }
        } catch (URISyntaxException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("Not a usable AMQP URI: " + redact + " (" + e.getClass().getSimpleName()
                    + ")");
        }
        String vhost = factory.getVirtualHost();
        if (vhost.isEmpty()) {
            throw new IllegalArgumentException("The AMQP URI " + redact + " names the empty virtual host (its path "
                    + "is a bare \"/\"), which RabbitMQ does not have: end it at the port (" + redact
                    .replaceFirst("/$", "") + ") for the default virtual host \"/\", or write /%2F, or /<name> for another");
        }
        factory.setThreadFactory(Worker.daemon("cacheback-amqp"));
        String description = scheme + "://" + factory.getHost() + ":" + factory.getPort() + "/"
                + ("/".equals(vhost) ? "" : URLEncoder.encode(vhost, StandardCharsets.UTF_8));
        return new AmqpAddress(factory, description);
    }
}
