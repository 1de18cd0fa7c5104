package io.lockstep.vertx;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Vert.x integration works with any projection store: it sees projection-core's API only. */
class VertxModuleArchitectureTest {

    static JavaClasses vertxModule;

    @BeforeAll
    static void importClasses() {
        vertxModule = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.lockstep.vertx");
    }

    @Test
    void dependsOnProjectionCoreVertxMicrometerAndTheJdkOnly() {
        assertThat(vertxModule.containPackage("io.lockstep.vertx")).isTrue();
        classes()
                .that()
                .resideInAPackage("io.lockstep.vertx..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage(
                        "io.lockstep.vertx..",
                        "io.lockstep.projection..",
                        "io.vertx..",
                        "io.micrometer..",
                        "io.netty..",
                        "java..",
                        "org.slf4j..")
                .check(vertxModule);
    }
}
