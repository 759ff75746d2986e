package dev.cacheback.sandbox;

import dev.cacheback.FleetState;
import dev.cacheback.JobState;
import dev.cacheback.spi.DeadLetter;
import dev.cacheback.spi.QueueState;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.view.RedirectView;
import org.springframework.web.util.HtmlUtils;

import java.util.List;

/**
 * The fleet page, {@code /fleet}: what {@link dev.cacheback.Cacheback#state()} reports (each job's hits,
 * stale reads, misses, fetches in flight, failures, breaker and latest error; the queue's waiting,
 * retrying, in-flight and dead-lettered tasks), the dead letters with a button to re-queue each or all,
 * and a switch that breaks the slow source so that refreshes fail, are retried and dead-lettered.
 */
@RestController
public class FleetPage {

    private static final int DEAD_LETTERS_SHOWN = 50;

    private final dev.cacheback.Cacheback cacheback;
    private final SlowQuoteSource source;

    public FleetPage(dev.cacheback.Cacheback cacheback, SlowQuoteSource source) {
        this.cacheback = cacheback;
        this.source = source;
    }

    @GetMapping(value = "/fleet", produces = MediaType.TEXT_HTML_VALUE)
    public String fleet() {
        FleetState state = cacheback.state();
        StringBuilder jobs = new StringBuilder();
        for (JobState job : state.jobs()) {
            JobState.Error last = job.lastErrors().isEmpty() ? null : job.lastErrors().get(job.lastErrors().size() - 1);
            jobs.append("<tr class=\"job\"><td><code>").append(e(job.name())).append("</code></td>")
                    .append(cell("hits", job.hits())).append(cell("stale", job.stale())).append(cell("misses", job.misses()))
                    .append(cell("in-flight", job.refreshesInFlight())).append(cell("failures", job.refreshFailures()))
                    .append("<td>").append(job.breaker() == null ? "none" : e(job.breaker().state().name())).append("</td>")
                    .append("<td class=\"last-error\">").append(last == null ? "" : e(last.at() + " " + last.key() + ": "
                            + last.message())).append("</td></tr>\n");
        }
        StringBuilder queues = new StringBuilder();
        for (QueueState q : state.queues()) {
            queues.append("<tr class=\"queue\"><td><code>").append(e(q.queue())).append("</code></td>")
                    .append(cell("waiting", q.waiting())).append(cell("retrying", q.retrying()))
                    .append(cell("queue-in-flight", q.inFlight())).append(cell("dead", q.deadLetters())).append("</tr>\n");
        }
        String queueError = state.queueError();
        List<DeadLetter> dead = List.of();
        if (queueError == null) {
            try {
                dead = cacheback.queue().deadLetters(DEAD_LETTERS_SHOWN);
            } catch (RuntimeException ex) {
                queueError = String.valueOf(ex.getMessage());
            }
        }
        StringBuilder letters = new StringBuilder();
        for (DeadLetter d : dead) {
            letters.append("<tr class=\"dead-letter\"><td><code>").append(e(d.jobName())).append("</code></td><td><code>")
                    .append(e(d.key())).append("</code></td><td>").append(e(d.reason())).append("</td><td>")
                    .append(d.attempts()).append("</td><td>").append(d.deadAt() == null ? "" : e(d.deadAt().toString()))
                    .append("</td><td><form method=\"post\" action=\"/fleet/requeue\"><input type=\"hidden\" name=\"id\" value=\"")
                    .append(e(d.id())).append("\"><button class=\"requeue\" type=\"submit\">Re-queue</button></form></td></tr>\n");
        }
        return """
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>Cacheback sandbox: fleet</title>
                <style>
                  body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
                  table { border-collapse: collapse; margin: .5rem 0 1.5rem; } th, td { padding: .3rem .8rem .3rem 0; text-align: left; }
                  th { color: #666; font-weight: normal; } form { display: inline; } button { padding: .3rem .8rem; }
                  nav a { margin-right: 1rem; } .down { color: #b42318; font-weight: bold; } .error { color: #b42318; }
                </style></head>
                <body>
                <h1>Fleet</h1>
                <nav><a href="/">the page</a><a href="/actuator/cacheback">/actuator/cacheback</a><a href="/actuator/cacheback/queue/dead-letters">dead letters (JSON)</a></nav>
                <p>State read at <span id="at">%1$s</span>. The source is <span id="source" class="%2$s">%2$s</span>
                <form method="post" action="/fleet/source"><input type="hidden" name="down" value="%3$s"><button id="toggle-source" type="submit">%4$s</button></form>:
                while it is down, refreshes fail, are retried after a backoff and then dead-lettered below.</p>
                <h2>Jobs</h2>
                <table id="jobs"><tr><th>job</th><th>hits</th><th>stale</th><th>misses</th><th>in flight</th><th>failures</th><th>breaker</th><th>latest error</th></tr>
                %5$s</table>
                <h2>Queue <code id="queue">%6$s</code></h2>
                %7$s<table id="queues"><tr><th>queue</th><th>waiting</th><th>retrying</th><th>in flight</th><th>dead letters</th></tr>
                %8$s</table>
                <h2>Dead letters</h2>
                <table id="dead-letters"><tr><th>job</th><th>key</th><th>reason</th><th>attempts</th><th>when</th><th></th></tr>
                %9$s</table>
                <form method="post" action="/fleet/requeue"><input type="hidden" name="all" value="true"><button id="requeue-all" type="submit">Re-queue all</button></form>
                <p><small>Retrying counts -1 where the broker cannot tell (RabbitMQ keeps retries in per-backoff queues).
                A re-queued task runs again as a first attempt.</small></p>
                </body></html>
                """.formatted(e(state.at().toString()), source.isDown() ? "down" : "answering", !source.isDown(),
                source.isDown() ? "Mend the source" : "Break the source", jobs, e(state.queue()),
                queueError == null ? "" : "<p id=\"queue-error\" class=\"error\">" + e(queueError) + "</p>", queues, letters);
    }

    @PostMapping("/fleet/source")
    public RedirectView source(@RequestParam boolean down) {
        source.setDown(down);
        return back();
    }

    @PostMapping("/fleet/requeue")
    public RedirectView requeue(@RequestParam(required = false) String id, @RequestParam(defaultValue = "false") boolean all) {
        if (all) {
            cacheback.queue().requeueAll();
        } else if (id != null) {
            cacheback.queue().requeue(id);
        }
        return back();
    }

    private static RedirectView back() {
        RedirectView view = new RedirectView("/fleet");
        view.setContextRelative(true);
        return view;
    }

    private static String cell(String cls, long n) {
        return "<td class=\"" + cls + "\">" + n + "</td>";
    }

    private static String e(String text) {
        return HtmlUtils.htmlEscape(text);
    }
}
