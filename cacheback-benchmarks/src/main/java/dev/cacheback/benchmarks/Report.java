package dev.cacheback.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The markdown the run writes: sections of tables, and the targets with the measured ratio beside each. */
final class Report {

    /** One target of the issue, with what was measured against it. */
    record Target(String what, String target, String measured, Verdict verdict) {
    }

    enum Verdict {
        MET("met"), MISSED("**missed**"), NOT_MEASURED("not measured");

        final String label;

        Verdict(String label) {
            this.label = label;
        }

        static Verdict of(boolean met) {
            return met ? MET : MISSED;
        }
    }

    private final StringBuilder sections = new StringBuilder();
    private final List<Target> targets = new ArrayList<>();
    private final List<String> gaps = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final java.util.Map<String, Object> figures = new java.util.HashMap<>();

    void section(String title, String body) {
        sections.append("## ").append(title).append("\n\n").append(body.strip()).append("\n\n");
    }

    void target(String what, String target, String measured, Verdict verdict) {
        targets.add(new Target(what, target, measured, verdict));
    }

    /** Keeps measured figures for the analysis section. */
    void put(String name, Object value) {
        figures.put(name, value);
    }

    @SuppressWarnings("unchecked")
    <T> T get(String name) {
        return (T) figures.get(name);
    }

    void note(String text) {
        notes.add(text);
    }

    List<String> notes() {
        return List.copyOf(notes);
    }

    void gap(String what) {
        gaps.add(what);
    }

    List<Target> targets() {
        return List.copyOf(targets);
    }

    List<String> gaps() {
        return List.copyOf(gaps);
    }

    String targetsTable() {
        Table t = new Table("Target (issue)", "Goal", "Measured", "Verdict");
        for (Target target : targets) {
            t.row(target.what(), target.target(), target.measured(), target.verdict().label);
        }
        return t.toString();
    }

    String sections() {
        return sections.toString();
    }

    /** A markdown table. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();
        private final int columns;

        Table(String... header) {
            columns = header.length;
            rows.add(header);
        }

        Table row(Object... cells) {
            if (cells.length != columns) {
                throw new IllegalArgumentException(cells.length + " cells for " + columns + " columns");
            }
            String[] r = new String[cells.length];
            for (int i = 0; i < cells.length; i++) {
                r[i] = String.valueOf(cells[i]).replace("|", "\\|");
            }
            rows.add(r);
            return this;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < rows.size(); i++) {
                sb.append("| ").append(String.join(" | ", rows.get(i))).append(" |\n");
                if (i == 0) {
                    sb.append("|").append("---|".repeat(columns)).append("\n");
                }
            }
            return sb.toString();
        }
    }

    static String f1(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f", v);
    }

    static String f2(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", v);
    }

    static String ratio(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "n/a" : String.format(Locale.ROOT, "%.2f×", v);
    }

    static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.1f µs", nanos / 1_000.0);
    }

    static String duration(long nanos) {
        if (nanos >= 10_000_000L) {
            return String.format(Locale.ROOT, "%.1f ms", nanos / 1_000_000.0);
        }
        return micros(nanos);
    }

    static String count(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }
}
