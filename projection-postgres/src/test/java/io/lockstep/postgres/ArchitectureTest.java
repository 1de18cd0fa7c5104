package io.lockstep.postgres;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The module boundaries of STYLE.md, checked on the compiled classes of every Lockstep module on the classpath. */
class ArchitectureTest {

    static JavaClasses lockstep;

    @BeforeAll
    static void importClasses() {
        lockstep = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar")) // shared test kits
                .importPackages("io.lockstep");
    }

    @Test
    void projectionCoreDependsOnTheJdkAndSlf4jOnly() {
        noClasses()
                .that()
                .resideInAPackage("io.lockstep.projection..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "java.sql..",
                        "javax.sql..",
                        "org.jooq..",
                        "io.vertx..",
                        "org.flywaydb..",
                        "io.lockstep.postgres..",
                        "io.lockstep.migrations..",
                        "com.zaxxer..",
                        "com.fasterxml..")
                .check(lockstep);
        classes()
                .that()
                .resideInAPackage("io.lockstep.projection..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage("io.lockstep.projection..", "java..", "org.slf4j..")
                .check(lockstep);
    }

    @Test
    void postgresModuleLeavesVertxAndMicrometerToProjectionVertx() {
        noClasses()
                .that()
                .resideInAPackage("io.lockstep.postgres..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.vertx..", "io.micrometer..", "io.lockstep.vertx..")
                .check(lockstep);
    }

    @Test
    void projectionStoreAndEventLogAreIndependent() {
        noClasses()
                .that()
                .resideInAPackage("io.lockstep.postgres.eventlog..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.lockstep.postgres")
                .check(lockstep);
        noClasses()
                .that()
                .resideInAPackage("io.lockstep.postgres")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.lockstep.postgres.eventlog..")
                .check(lockstep);
    }

    @Test
    void lockstepPackagesHaveNoCycles() {
        slices().matching("io.lockstep.(**)").should().beFreeOfCycles().check(lockstep);
    }

    @Test
    void internalPackagesAreUsedOnlyByLockstepLibraryModules() {
        classes()
                .that()
                .resideInAPackage("..internal..")
                .should()
                .onlyBeAccessed()
                .byAnyPackage(
                        "io.lockstep.projection..",
                        "io.lockstep.postgres..",
                        "io.lockstep.vertx..",
                        "io.lockstep.migrations..")
                .check(lockstep);
    }

    @Test
    void projectionCoreHasClassesToCheck() {
        // guards the rules above against passing vacuously on an empty import
        org.assertj.core.api.Assertions.assertThat(lockstep.containPackage("io.lockstep.projection"))
                .isTrue();
        org.assertj.core.api.Assertions.assertThat(lockstep.containPackage("io.lockstep.postgres"))
                .isTrue();
        org.assertj.core.api.Assertions.assertThat(lockstep.containPackage("io.lockstep.postgres.eventlog"))
                .isTrue();
    }
}
