package dev.pier.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NamesTest {
  @Test
  void aReferenceOfDigitsIsAVersionNumberAndAnythingElseAnAlias() {
    assertThat(Names.versionNumberOf("1")).isEqualTo(1);
    assertThat(Names.versionNumberOf("0042")).isEqualTo(42);
    assertThat(Names.versionNumberOf("2147483647")).isEqualTo(Integer.MAX_VALUE);
    assertThat(Names.versionNumberOf("99999999999999999999")).isEqualTo(Integer.MAX_VALUE); // no such version
    assertThat(Names.versionNumberOf("production")).isEqualTo(-1);
    assertThat(Names.versionNumberOf("1a")).isEqualTo(-1);
    assertThat(Names.versionNumberOf("-1")).isEqualTo(-1);
    assertThat(Names.versionNumberOf("+1")).isEqualTo(-1);
    assertThat(Names.versionNumberOf("")).isEqualTo(-1);
    assertThat(Names.versionNumber("7")).isEqualTo(7);
    assertThat(Names.versionNumber("canary")).isNull();
  }
}
