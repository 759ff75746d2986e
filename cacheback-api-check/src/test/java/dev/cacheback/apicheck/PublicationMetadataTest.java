package dev.cacheback.apicheck;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The POMs carry what a central repository requires (name, description, URL, licence, SCM,
 * developers), builds are reproducible, a release profile signs, and only published modules deploy.
 */
class PublicationMetadataTest {

    private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize().getParent();

    /** The parent (inherited by every module) and the BOM (which inherits nothing). */
    @Test
    void theParentAndTheBomCarryTheRequiredMetadata() throws Exception {
        for (String pom : List.of("pom.xml", "cacheback-bom/pom.xml")) {
            Element project = read(ROOT.resolve(pom));
            assertThat(text(project, "name")).as(pom + " name").isNotBlank();
            assertThat(text(project, "description")).as(pom + " description").isNotBlank();
            assertThat(text(project, "url")).as(pom + " url").isNotBlank();
            assertThat(text(child(child(project, "licenses"), "license"), "name")).as(pom + " licence").isEqualTo("Apache-2.0");
            Element scm = child(project, "scm");
            assertThat(text(scm, "url")).as(pom + " scm url").isNotBlank();
            assertThat(text(scm, "connection")).as(pom + " scm connection").startsWith("scm:git:");
            assertThat(text(child(child(project, "developers"), "developer"), "name")).as(pom + " developer").isNotBlank();
            assertThat(text(child(project, "properties"), "project.build.outputTimestamp"))
                    .as(pom + " outputTimestamp (reproducible builds)").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
            Element release = children(child(project, "profiles"), "profile").stream()
                    .filter(p -> text(p, "id").equals("release")).findFirst().orElseThrow(
                            () -> new AssertionError(pom + " has no release profile"));
            assertThat(children(child(child(release, "build"), "plugins"), "plugin")).as(pom + " release profile")
                    .anySatisfy(p -> {
                        assertThat(text(p, "artifactId")).isEqualTo("maven-gpg-plugin");
                        assertThat(text(child(child(child(p, "executions"), "execution"), "goals"), "goal")).isEqualTo("sign");
                    });
        }
    }

    @Test
    void publishedModulesAreNamedDescribedAndInTheBom() throws Exception {
        String bom = read(ROOT.resolve("cacheback-bom/pom.xml")).getTextContent();
        for (String artifact : PublishedModules.ARTIFACTS) {
            Element project = read(ROOT.resolve(artifact).resolve("pom.xml"));
            assertThat(text(project, "name")).as(artifact + " name").isNotBlank();
            assertThat(text(project, "description")).as(artifact + " description").isNotBlank();
            assertThat(text(child(project, "properties"), "maven.deploy.skip")).as(artifact + " deploys").isEmpty();
            assertThat(text(child(project, "properties"), "maven.javadoc.skip")).as(artifact + " ships Javadoc").isEmpty();
            assertThat(bom).as("cacheback-bom lists " + artifact).contains(artifact);
        }
    }

    @Test
    void unpublishedModulesNeitherDeployNorShipDocs() throws Exception {
        for (String artifact : List.of("cacheback-sandbox", "cacheback-benchmarks", "cacheback-api-check")) {
            Element properties = child(read(ROOT.resolve(artifact).resolve("pom.xml")), "properties");
            for (String skip : List.of("maven.deploy.skip", "maven.install.skip", "maven.source.skip", "maven.javadoc.skip")) {
                assertThat(text(properties, skip)).as(artifact + " " + skip).isEqualTo("true");
            }
        }
        List<String> modules = children(child(read(ROOT.resolve("pom.xml")), "modules"), "module").stream()
                .map(Node::getTextContent).toList();
        assertThat(modules).as("every module in pom.xml is published (PublishedModules.ARTIFACTS, the BOM, api/) "
                + "or listed here as not published").containsExactlyInAnyOrderElementsOf(Stream.concat(
                Stream.of("cacheback-bom", "cacheback-sandbox", "cacheback-benchmarks", "cacheback-api-check"),
                PublishedModules.ARTIFACTS.stream()).toList());
    }

    private static Element read(Path pom) throws Exception {
        Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
        return document.getDocumentElement();
    }

    /** The direct child element named {@code name}, or an empty element when there is none. */
    private static Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        if (found.isEmpty()) {
            try {
                return DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument().createElement(name);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return found.get(0);
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element e && e.getTagName().equals(name)) {
                found.add(e);
            }
        }
        return found;
    }

    private static String text(Element parent, String name) {
        return child(parent, name).getTextContent().strip();
    }
}
