package dev.cacheback.apicheck;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/** Where each published module's classes are on this test's class path, and what they export. */
final class PublishedModules {

    /** Every published module with Java code (the BOM has none). */
    static final List<String> ARTIFACTS = List.of("cacheback-core", "cacheback-test", "cacheback-redis",
            "cacheback-memcached", "cacheback-rabbitmq", "cacheback-micrometer", "cacheback-jpa",
            "cacheback-spring-boot-starter");

    private PublishedModules() {
    }

    /** The class path entry (a jar, or a {@code target/classes} directory in the reactor) of {@code artifact}. */
    static Path entry(String artifact) {
        for (String element : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path path = Path.of(element);
            String file = path.getFileName().toString();
            boolean jar = file.startsWith(artifact + "-") && file.endsWith(".jar")
                    && !file.endsWith("-tests.jar") && !file.endsWith("-sources.jar") && !file.endsWith("-javadoc.jar")
                    && Character.isDigit(file.charAt(artifact.length() + 1));
            boolean classes = path.endsWith(Path.of(artifact, "target", "classes"));
            if (jar || classes) {
                return path;
            }
        }
        throw new IllegalStateException(artifact + " is not on the class path: add it to cacheback-api-check's pom.xml");
    }

    /** The compiled module descriptor of {@code entry}, if it has one. */
    static Optional<ModuleDescriptor> descriptor(Path entry) {
        try (InputStream in = open(entry, "module-info.class")) {
            return in == null ? Optional.empty() : Optional.of(ModuleDescriptor.read(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code Automatic-Module-Name} of a jar's manifest, if any (a classes directory has no manifest). */
    static Optional<String> automaticModuleName(Path entry) {
        if (Files.isDirectory(entry)) {
            return Optional.empty();
        }
        try (JarFile jar = new JarFile(entry.toFile())) {
            return Optional.ofNullable(jar.getManifest())
                    .map(m -> m.getMainAttributes().getValue("Automatic-Module-Name"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The packages whose public types are API: the unqualified exports of the descriptor, or, for a
     * module without one, every package that is not {@code internal}.
     */
    static Set<String> apiPackages(Path entry) {
        Optional<ModuleDescriptor> descriptor = descriptor(entry);
        Set<String> packages = new TreeSet<>();
        if (descriptor.isPresent()) {
            descriptor.get().exports().stream().filter(e -> !e.isQualified()).forEach(e -> packages.add(e.source()));
        } else {
            classNames(entry).stream().map(PublishedModules::packageOf)
                    .filter(p -> !p.equals("internal") && !p.endsWith(".internal") && !p.contains(".internal."))
                    .forEach(packages::add);
        }
        return packages;
    }

    /** Binary names of every class in {@code entry} ({@code a.b.Outer$Inner}), module-info and package-info left out. */
    static List<String> classNames(Path entry) {
        List<String> names = new ArrayList<>();
        try {
            if (Files.isDirectory(entry)) {
                try (Stream<Path> files = Files.walk(entry)) {
                    files.filter(f -> f.toString().endsWith(".class"))
                            .map(f -> entry.relativize(f).toString().replace(java.io.File.separatorChar, '/'))
                            .forEach(n -> addClass(names, n));
                }
            } else {
                try (JarFile jar = new JarFile(entry.toFile())) {
                    jar.stream().map(JarEntry::getName).filter(n -> n.endsWith(".class") && !n.startsWith("META-INF/"))
                            .forEach(n -> addClass(names, n));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        names.sort(null);
        return names;
    }

    static String packageOf(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? "" : className.substring(0, dot);
    }

    private static void addClass(List<String> names, String path) {
        String name = path.substring(0, path.length() - ".class".length()).replace('/', '.');
        if (!name.endsWith("module-info") && !name.endsWith("package-info")) {
            names.add(name);
        }
    }

    private static InputStream open(Path entry, String name) throws IOException {
        if (Files.isDirectory(entry)) {
            Path file = entry.resolve(name);
            return Files.exists(file) ? Files.newInputStream(file) : null;
        }
        JarFile jar = new JarFile(entry.toFile());
        JarEntry found = jar.getJarEntry(name);
        if (found == null) {
            jar.close();
            return null;
        }
        return new java.io.FilterInputStream(jar.getInputStream(found)) {
            @Override
            public void close() throws IOException {
                super.close();
                jar.close();
            }
        };
    }
}
