package dev.cacheback.sandbox;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** With {@code management.endpoint.cacheback.access=read-only}, Actuator's rule, the write operations are gone. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"management.endpoint.cacheback.access=read-only", "spring.main.banner-mode=off"})
class SandboxReadOnlyActuatorTest {
    @LocalServerPort
    int port;

    @Test
    void writeOperationIsNotAvailable() throws Exception {
        assertThat(SandboxActuatorTest.get(port, "/actuator/cacheback").statusCode()).isEqualTo(200);
        HttpResponse<String> refused = SandboxActuatorTest.post(port, "/actuator/cacheback/sandbox.quote-job",
                "{\"action\":\"delete\",\"args\":\"HTTP\"}");
        assertThat(refused.statusCode()).isIn(404, 405);
        // the dead letters are listed, but re-queuing them is a write operation too
        assertThat(SandboxActuatorTest.get(port, "/actuator/cacheback/queue/dead-letters").statusCode()).isEqualTo(200);
        HttpResponse<String> requeue = SandboxActuatorTest.post(port, "/actuator/cacheback/queue/dead-letters",
                "{\"all\":true}");
        assertThat(requeue.statusCode()).isIn(404, 405);
    }
}
