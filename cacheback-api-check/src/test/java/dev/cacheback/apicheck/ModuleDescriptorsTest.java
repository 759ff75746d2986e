package dev.cacheback.apicheck;

import org.junit.jupiter.api.Test;

import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The module descriptors fence the API: each module with a descriptor exports only its API and SPI
 * packages, the others carry a stable Automatic-Module-Name, and the descriptors resolve and run on
 * the module path (the rest of the build's tests run on the class path).
 */
class ModuleDescriptorsTest {

    /** Module name → the packages it exports, for every published module with a descriptor. */
    private static final Map<String, Set<String>> DESCRIPTORS = Map.of(
            "cacheback-core", Set.of("dev.cacheback", "dev.cacheback.spi"),
            "cacheback-redis", Set.of("dev.cacheback.redis"),
            "cacheback-rabbitmq", Set.of("dev.cacheback.rabbitmq"),
            "cacheback-micrometer", Set.of("dev.cacheback.micrometer"),
            "cacheback-jpa", Set.of("dev.cacheback.jpa"));

    /** Artifact → Automatic-Module-Name, for the published modules without a descriptor (docs/operating.md says why). */
    private static final Map<String, String> AUTOMATIC = Map.of(
            "cacheback-test", "dev.cacheback.test",
            "cacheback-memcached", "dev.cacheback.memcached",
            "cacheback-spring-boot-starter", "dev.cacheback.spring");

    @Test
    void everyPublishedModuleIsNamed() {
        assertThat(PublishedModules.ARTIFACTS).as("a new published module gets a descriptor (DESCRIPTORS) or an "
                + "Automatic-Module-Name (AUTOMATIC), and a dump in api/").containsExactlyInAnyOrderElementsOf(
                Stream.concat(DESCRIPTORS.keySet().stream(), AUTOMATIC.keySet().stream()).toList());
    }

    @Test
    void descriptorsExportOnlyTheApiAndSpiPackages() {
        DESCRIPTORS.forEach((artifact, exports) -> {
            ModuleDescriptor descriptor = PublishedModules.descriptor(PublishedModules.entry(artifact)).orElseThrow(
                    () -> new AssertionError(artifact + " has no module-info.class"));
            assertThat(descriptor.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source)
                    .collect(Collectors.toSet())).as(artifact + " exports").isEqualTo(exports);
            assertThat(descriptor.exports().stream().filter(ModuleDescriptor.Exports::isQualified))
                    .as(artifact + " exports only to the project's own modules")
                    .allSatisfy(e -> assertThat(e.targets()).allSatisfy(t -> assertThat(t).startsWith("dev.cacheback.")));
            assertThat(descriptor.opens()).as(artifact + " opens").isEmpty();
        });
        ModuleDescriptor core = PublishedModules.descriptor(PublishedModules.entry("cacheback-core")).orElseThrow();
        assertThat(core.name()).isEqualTo("dev.cacheback");
        assertThat(core.packages()).contains("dev.cacheback.internal");
        assertThat(core.exports()).filteredOn(e -> e.source().equals("dev.cacheback.internal")).singleElement()
                .satisfies(e -> assertThat(e.targets()).containsExactlyInAnyOrder("dev.cacheback.redis", "dev.cacheback.rabbitmq",
                        "dev.cacheback.spring"));
        assertThat(core.uses()).containsExactly("dev.cacheback.spi.JobCatalog");
    }

    @Test
    void modulesWithoutADescriptorCarryAnAutomaticModuleName() {
        AUTOMATIC.forEach((artifact, name) -> {
            Path entry = PublishedModules.entry(artifact);
            assertThat(PublishedModules.descriptor(entry)).as(artifact).isEmpty();
            if (!entry.toString().endsWith(".jar")) {
                return; // the reactor's target/classes before packaging: no manifest yet (verify packages first)
            }
            assertThat(PublishedModules.automaticModuleName(entry)).as(artifact + " Automatic-Module-Name").contains(name);
        });
    }

    @Test
    void theDescriptorsResolveAndRunOnTheModulePath() throws Exception {
        ModuleLayer layer = moduleLayer();

        Module core = layer.findModule("dev.cacheback").orElseThrow();
        assertThat(core.isExported("dev.cacheback")).isTrue();
        assertThat(core.isExported("dev.cacheback.spi")).isTrue();
        assertThat(core.isExported("dev.cacheback.internal")).isFalse();
        for (String module : List.of("dev.cacheback.redis", "dev.cacheback.rabbitmq", "dev.cacheback.jpa",
                "dev.cacheback.micrometer")) {
            assertThat(layer.findModule(module)).as(module).isPresent();
        }

        // a cached function on the in-memory backend, run inside the layer: a miss fetches, a hit does not
        ClassLoader loader = layer.findLoader("dev.cacheback");
        Class<?> cachebackType = loader.loadClass("dev.cacheback.Cacheback");
        Object builder = cachebackType.getMethod("builder").invoke(null);
        try (AutoCloseable cacheback = (AutoCloseable) builder.getClass().getMethod("build").invoke(builder)) {
            Class<?> functionType = loader.loadClass("dev.cacheback.CachedFunction");
            Object functionBuilder = functionType.getMethod("builder", String.class, Class.class, Class.class)
                    .invoke(null, "module-path-check", String.class, String.class);
            AtomicInteger fetches = new AtomicInteger();
            Function<String, String> source = s -> {
                fetches.incrementAndGet();
                return s + "!";
            };
            @SuppressWarnings("unchecked")
            Function<String, String> cached = (Function<String, String>) functionBuilder.getClass()
                    .getMethod("build", cachebackType, Function.class).invoke(functionBuilder, cacheback, source);
            assertThat(cached.apply("a")).isEqualTo("a!");
            assertThat(cached.apply("a")).isEqualTo("a!");
            assertThat(fetches).hasValue(1);
        }

        // the engine's entry encoding (Jackson, from the spi) round-trips inside the layer
        Object codec = loader.loadClass("dev.cacheback.spi.Codec").getMethod("jackson").invoke(null);
        Class<?> entryCodecType = loader.loadClass("dev.cacheback.spi.EntryCodec");
        Object entryCodec = entryCodecType.getMethod("of", loader.loadClass("dev.cacheback.spi.Codec"), java.lang.reflect.Type.class)
                .invoke(null, codec, String.class);
        Class<?> entryType = loader.loadClass("dev.cacheback.CacheEntry");
        Object entry = entryType.getConstructor(Instant.class, Object.class).newInstance(Instant.EPOCH, "value");
        byte[] bytes = (byte[]) entryCodecType.getMethod("encode", entryType).invoke(entryCodec, entry);
        Object decoded = entryCodecType.getMethod("decode", byte[].class).invoke(entryCodec, (Object) bytes);
        assertThat(entryType.getMethod("data").invoke(decoded)).isEqualTo("value");

        // internal is not reachable from outside the module
        Class<?> internal = loader.loadClass("dev.cacheback.internal.EntryBytes");
        assertThatThrownBy(() -> internal.getConstructors()[0].newInstance(codec, String.class))
                .isInstanceOf(IllegalAccessException.class);
    }

    /**
     * A layer with the four modules that have descriptors, resolved from this class path's jars of
     * theirs and their dependencies.
     */
    private static ModuleLayer moduleLayer() {
        List<Path> paths = new ArrayList<>();
        DESCRIPTORS.keySet().forEach(artifact -> paths.add(PublishedModules.entry(artifact)));
        List<String> dependencies = List.of("caffeine-", "slf4j-api-", "jackson-", "lettuce-core-", "netty-",
                "reactor-core-", "reactive-streams-", "amqp-client-", "jakarta.persistence-api-", "jspecify-",
                "micrometer-observation-", "micrometer-commons-", "micrometer-core-", "context-propagation-");
        for (String element : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path path = Path.of(element);
            String file = path.getFileName().toString();
            if (file.endsWith(".jar") && dependencies.stream().anyMatch(file::startsWith)) {
                paths.add(path);
            }
        }
        ModuleFinder finder = ModuleFinder.of(paths.toArray(Path[]::new));
        Configuration configuration = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(),
                Set.of("dev.cacheback", "dev.cacheback.redis", "dev.cacheback.rabbitmq", "dev.cacheback.jpa",
                        "dev.cacheback.micrometer"));
        return ModuleLayer.boot().defineModulesWithOneLoader(configuration, ClassLoader.getPlatformClassLoader());
    }
}
