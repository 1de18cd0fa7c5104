package io.lockstep.example.accounts;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** An application uses Lockstep's API packages only, never its internal ones. */
class ApplicationArchitectureTest {

    @Test
    void theExampleUsesNoLockstepInternals() {
        JavaClasses example = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.lockstep.example");

        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.lockstep..internal..")
                .check(example);
    }

    @Test
    void theDomainKnowsNeitherHttpNorTheReadModels() {
        JavaClasses example = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.lockstep.example");

        noClasses()
                .that()
                .resideInAPackage("..accounts.domain..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.vertx..",
                        "org.jooq..",
                        "..accounts.http..",
                        "..accounts.readmodel..",
                        "..accounts.app..",
                        "..accounts.cli..")
                .check(example);
        noClasses()
                .that()
                .resideInAPackage("..accounts.readmodel..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.vertx..", "..accounts.http..", "..accounts.app..", "..accounts.cli..")
                .check(example);
        noClasses()
                .that()
                .resideInAPackage("..accounts.http..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.jooq..", "java.sql..", "..accounts.cli..")
                .check(example);
    }
}
