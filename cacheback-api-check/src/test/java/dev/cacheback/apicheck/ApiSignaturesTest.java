package dev.cacheback.apicheck;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The public API of every published module (public and protected signatures of the types in its
 * exported packages, as {@code javap -protected} prints them) must equal the dump kept in
 * {@code api/<artifact>.txt}. Any change, compatible or not, is a visible diff in a commit; a change
 * that removes or alters a line breaks users and is listed under Breaking in CHANGELOG.md.
 */
class ApiSignaturesTest {

    /** The command that rewrites the dumps from the current code, named in every failure. */
    static final String REGENERATE = "./mvnw -B -q -pl cacheback-api-check -am verify -Dtest=ApiSignaturesTest "
            + "-Dsurefire.failIfNoSpecifiedTests=false -Dapi.dump.update=true";

    static final List<String> ARTIFACTS = PublishedModules.ARTIFACTS;

    private static final ToolProvider JAVAP = ToolProvider.findFirst("javap")
            .orElseThrow(() -> new IllegalStateException("javap not found: run the build on a JDK, not a JRE"));

    @ParameterizedTest
    @FieldSource("ARTIFACTS")
    void publicApiMatchesTheDumpInTheRepository(String artifact) throws IOException {
        String actual = dump(artifact);
        Path file = apiDirectory().resolve(artifact + ".txt");
        if (Boolean.getBoolean("api.dump.update")) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, actual, StandardCharsets.UTF_8);
            return;
        }
        if (!Files.exists(file)) {
            fail("No API dump for " + artifact + " at " + file + ". Create it with:\n  " + REGENERATE);
        }
        String expected = Files.readString(file, StandardCharsets.UTF_8);
        if (!expected.equals(actual)) {
            fail("The public API of " + artifact + " differs from " + file.getFileName() + " in api/ "
                    + "(- in the dump, + in the code):\n" + diff(expected, actual)
                    + "\nIf the change is deliberate, regenerate the dump and commit it with the change:\n  " + REGENERATE
                    + "\nA removed or changed line breaks users: list it under Breaking in CHANGELOG.md.");
        }
    }

    @Test
    void docsNameTheRegenerateCommandWordForWord() throws IOException {
        String docs = Files.readString(apiDirectory().getParent().resolve("docs/operating.md"), StandardCharsets.UTF_8);
        assertThat(docs).contains("```sh\n" + REGENERATE + "\n```");
    }

    /** The text of {@code api/<artifact>.txt} for the code on the class path. */
    static String dump(String artifact) {
        Path entry = PublishedModules.entry(artifact);
        Set<String> packages = PublishedModules.apiPackages(entry);
        String module = PublishedModules.descriptor(entry).map(d -> "module " + d.name())
                .orElseGet(() -> "no module descriptor; Automatic-Module-Name "
                        + PublishedModules.automaticModuleName(entry).orElse("set in its pom.xml"));
        StringBuilder out = new StringBuilder();
        out.append("# Public API of ").append(artifact).append(" (").append(module).append("), packages ")
                .append(String.join(", ", packages)).append(".\n")
                .append("# Checked on every build by cacheback-api-check's ApiSignaturesTest. After a deliberate change:\n")
                .append("#   ").append(REGENERATE).append('\n');
        Set<String> included = new HashSet<>();
        for (String className : PublishedModules.classNames(entry)) {
            String pkg = PublishedModules.packageOf(className);
            if (!packages.contains(pkg)) {
                continue;
            }
            String simple = className.substring(pkg.length() + 1);
            int dollar = simple.lastIndexOf('$');
            if (dollar >= 0 && (Character.isDigit(simple.charAt(dollar + 1))
                    || !included.contains(pkg + "." + simple.substring(0, dollar)))) {
                continue; // anonymous or local, or nested in a type that is not API
            }
            List<String> lines = javap(entry, className);
            String header = lines.get(0);
            if (!header.startsWith("public ") && !header.startsWith("protected ")) {
                continue;
            }
            included.add(className);
            List<String> members = new ArrayList<>(lines.subList(1, lines.size()));
            members.sort(null);
            out.append('\n').append(header).append('\n');
            members.forEach(m -> out.append("  ").append(m).append('\n'));
            out.append("}\n");
        }
        return out.toString();
    }

    /** {@code javap -protected}'s header line and member lines (trimmed) for one class, without the closing brace. */
    private static List<String> javap(Path entry, String className) {
        StringWriter text = new StringWriter();
        StringWriter errors = new StringWriter();
        int status = JAVAP.run(new PrintWriter(text), new PrintWriter(errors), "-protected", "-cp", entry.toString(), className);
        if (status != 0) {
            throw new IllegalStateException("javap " + className + " failed (" + status + "): " + errors);
        }
        List<String> lines = new ArrayList<>();
        for (String line : text.toString().split("\\R")) {
            if (line.startsWith("Compiled from") || line.isBlank() || line.equals("}")) {
                continue;
            }
            lines.add(line.strip());
        }
        return lines;
    }

    private static Path apiDirectory() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize().getParent().resolve("api");
    }

    /** Per type: its lines only in {@code expected} (-) and only in {@code actual} (+). */
    static String diff(String expected, String actual) {
        Map<String, Set<String>> before = blocks(expected);
        Map<String, Set<String>> after = blocks(actual);
        Set<String> types = new TreeSet<>(before.keySet());
        types.addAll(after.keySet());
        StringBuilder out = new StringBuilder();
        for (String type : types) {
            Set<String> was = before.getOrDefault(type, Set.of());
            Set<String> now = after.getOrDefault(type, Set.of());
            if (was.equals(now)) {
                continue;
            }
            out.append(type).append(was.isEmpty() ? " (new type)" : now.isEmpty() ? " (removed type)" : "").append(":\n");
            was.stream().filter(l -> !now.contains(l)).forEach(l -> out.append("  - ").append(l).append('\n'));
            now.stream().filter(l -> !was.contains(l)).forEach(l -> out.append("  + ").append(l).append('\n'));
        }
        return out.length() == 0 ? "  (only comments or order differ)\n" : out.toString();
    }

    private static Map<String, Set<String>> blocks(String dump) {
        Map<String, Set<String>> blocks = new TreeMap<>();
        Set<String> current = null;
        for (String line : dump.split("\\R")) {
            if (line.startsWith("#") || line.isBlank() || line.equals("}")) {
                continue;
            }
            if (!line.startsWith(" ")) {
                current = new LinkedHashSet<>();
                blocks.put(typeName(line), current);
            }
            current.add(line.strip());
        }
        return blocks;
    }

    private static String typeName(String header) {
        for (String word : new String[] {" class ", " interface "}) {
            int at = header.indexOf(word);
            if (at >= 0) {
                String rest = header.substring(at + word.length());
                int end = 0;
                while (end < rest.length() && rest.charAt(end) != ' ' && rest.charAt(end) != '<') {
                    end++;
                }
                return rest.substring(0, end);
            }
        }
        return header;
    }
}
